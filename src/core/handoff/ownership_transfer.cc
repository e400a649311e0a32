#include "core/handoff/ownership_transfer.h"

#include <algorithm>

#include "common/invariant.h"

namespace ringkv::core {
namespace {

// Rebuild tasks in the metadata namespace: prefix, partition (4 bytes BE), target id -> cursor.
constexpr std::string_view kRebuildPrefix = "rebuild:";
constexpr std::size_t kRebuildBatchKeys = 64;

std::string rebuild_meta_key(std::uint32_t partition, const NodeId& target) {
  return std::string(kRebuildPrefix) + storage::partition_prefix(partition) + target;
}

bool contains(const std::vector<NodeId>& nodes, const NodeId& node) {
  return std::find(nodes.begin(), nodes.end(), node) != nodes.end();
}

}  // namespace

std::vector<NodeId> OwnershipTransfer::handoff_targets(NodeContext& node,
                                                       std::string_view storage_key,
                                                       storage::DecodedKey* decoded_out) const {
  auto decoded = storage::decode_storage_key(storage_key);
  if (!decoded.is_ok()) return {};
  auto home = node.home_replicas(decoded->bucket, decoded->key,
                                 node.bucket_properties(decoded->bucket).n);
  if (contains(home, node.config().node_id)) return {};
  if (decoded_out != nullptr) *decoded_out = std::move(decoded).value();
  return home;
}

void OwnershipTransfer::count_pending(NodeContext& node) {
  transfers_pending_ = 0;
  if (node.ring() == nullptr) return;
  for (std::uint32_t p = 0; p < node.config().partition_count; ++p) {
    if (node.is_home_partition(p)) continue;
    bool foreign = false;
    const Status status = node.storage().scan(
        storage::Namespace::kData, storage::partition_prefix(p), storage::partition_end(p),
        [&](std::string_view key, std::string_view) {
          foreign = !handoff_targets(node, key, nullptr).empty();
          return !foreign;
        });
    // A partition that could not be read counts as pending: a leaver must not declare itself
    // gone, nor a peer reap tombstones, on the strength of a failed scan.
    if (!status.is_ok()) ++node.stats().storage_errors;
    if (foreign || !status.is_ok()) ++transfers_pending_;
  }
  transfers_pending_ += rebuilds_.size();
}

void OwnershipTransfer::on_tick(NodeContext& node) {
  if (node.now_ms() < next_round_ms_) return;
  next_round_ms_ = node.now_ms() + node.config().transfer_interval_ms;
  run(node);
}

void OwnershipTransfer::wake(NodeContext& node, bool request_timer) {
  next_round_ms_ = node.now_ms();
  if (request_timer) node.request_timer(node.now_ms());
}

void OwnershipTransfer::expire(std::uint64_t now_ms) {
  std::erase_if(transfers_, [&](const auto& entry) { return entry.second.deadline_ms <= now_ms; });
}

void OwnershipTransfer::refill_budget(std::uint64_t rate_bytes_per_s, std::uint64_t now_ms) {
  const double rate = static_cast<double>(rate_bytes_per_s);
  budget_bytes_ = std::min(
      rate, budget_bytes_ +
                rate * static_cast<double>(now_ms - std::min(now_ms, budget_at_ms_)) / 1000.0);
  budget_at_ms_ = now_ms;
}

void OwnershipTransfer::run(NodeContext& node) {
  if (node.ring() == nullptr) return;
  const NodeConfig& config = node.config();
  const std::uint64_t now_ms = node.now_ms();
  refill_budget(config.transfer_bytes_per_s, now_ms);
  retry_failed_erases(node);
  std::vector<std::string> in_flight;
  in_flight.reserve(transfers_.size());
  for (const auto& [id, transfer] : transfers_) in_flight.push_back(transfer.storage_key);
  std::sort(in_flight.begin(), in_flight.end());
  std::uint64_t pending = 0;
  for (std::uint32_t p = 0; p < config.partition_count; ++p) {
    if (node.is_home_partition(p)) continue;
    if (transfer_partition(node, p, in_flight)) ++pending;
  }
  run_rebuilds(node);
  transfers_pending_ = pending + rebuilds_.size();
  if (!transfers_.empty()) node.request_timer(now_ms + config.request_timeout_ms);
  if (pending > 0 && budget_bytes_ <= 0) {
    // Throttled: come back when the budget allows another round.
    node.request_timer(now_ms + std::max<std::uint64_t>(config.tick_interval_ms, 10));
    next_round_ms_ = now_ms + config.tick_interval_ms;
  }
}

bool OwnershipTransfer::transfer_partition(NodeContext& node, std::uint32_t partition,
                                           const std::vector<std::string>& in_flight) {
  const NodeConfig& config = node.config();
  bool counted = false;
  const Status status = node.storage().scan(
      storage::Namespace::kData, storage::partition_prefix(partition),
      storage::partition_end(partition), [&](std::string_view key, std::string_view value) {
        storage::DecodedKey decoded;
        const auto home = handoff_targets(node, key, &decoded);
        if (home.empty()) return true;
        counted = true;
        if (transfers_.size() >= config.transfer_keys_in_flight_max || budget_bytes_ <= 0) {
          return false;  // Counted; the rest waits for the next round.
        }
        if (std::binary_search(in_flight.begin(), in_flight.end(), key)) return true;
        // Every home replica must take it before it may go; wait for the down ones, and for
        // those not yet running our ring (they could take the key for foreign and pass it on).
        for (const NodeId& replica : home) {
          if (!node.peer_ready(replica)) return true;
        }
        const std::uint64_t operation_id = node.next_operation_id(OperationOwner::kTransfer);
        for (const NodeId& replica : home) {
          node.send(replica,
                    ReplicaWrite{operation_id, decoded.bucket, decoded.key, std::string(value), {}});
        }
        transfers_.emplace(operation_id, TransferSend{std::string(key), std::string(value), home,
                                                      node.now_ms() + config.request_timeout_ms});
        budget_bytes_ -= static_cast<double>(key.size() + value.size());
        ++node.stats().transfer_keys_sent;
        return true;
      });
  if (!status.is_ok()) {
    ++node.stats().storage_errors;
    return true;  // Unknown what is left: still pending.
  }
  return counted;
}

void OwnershipTransfer::on_ack(NodeContext& node, const NodeId& from,
                               const ReplicaWriteAck& message) {
  if (OperationIds::owner_of(message.operation_id) == OperationOwner::kRebuild) {
    on_rebuild_ack(node, from, message);
  } else {
    on_transfer_ack(node, from, message);
  }
}

void OwnershipTransfer::on_transfer_ack(NodeContext& node, const NodeId& from,
                                        const ReplicaWriteAck& message) {
  auto it = transfers_.find(message.operation_id);
  if (it == transfers_.end()) return;
  TransferSend& transfer = it->second;
  auto waiting = std::find(transfer.waiting.begin(), transfer.waiting.end(), from);
  if (waiting == transfer.waiting.end()) return;
  if (!message.status.is_ok()) {
    transfers_.erase(it);  // Sent again next round.
    return;
  }
  transfer.waiting.erase(waiting);
  if (!transfer.waiting.empty()) return;
  TransferSend done = std::move(transfer);
  transfers_.erase(it);
  erase_handed_off(node, done.storage_key, done.object);
  if (transfers_.empty()) wake(node, true);  // The new owners keep up: stream the next round.
}

void OwnershipTransfer::erase_handed_off(NodeContext& node, const std::string& storage_key,
                                         const std::string& object) {
  auto current = node.storage().get(storage::Namespace::kData, storage_key);
  // Deleted only if unchanged since it was sent and still not ours.
  if (!current.is_ok() || !current->has_value() || **current != object ||
      handoff_targets(node, storage_key, nullptr).empty()) {
    return;
  }
  const std::uint64_t token = node.erase_data(storage_key, object, TransferDone{});
  erases_.emplace(token, std::pair{storage_key, object});
}

void OwnershipTransfer::on_persisted(NodeContext& node, std::uint64_t token,
                                     const Status& status) {
  auto it = erases_.find(token);
  RINGKV_INVARIANT(it != erases_.end());
  auto [storage_key, object] = std::move(it->second);
  erases_.erase(it);
  if (status.is_ok()) {
    ++node.stats().transfer_keys_handed_off;
    node.stats().transfer_bytes_handed_off += storage_key.size() + object.size();
    return;
  }
  // Unknown whether the delete reached the disk: written again next round.
  erases_failed_.emplace_back(std::move(storage_key), std::move(object));
}

void OwnershipTransfer::retry_failed_erases(NodeContext& node) {
  std::vector<std::pair<std::string, std::string>> failed;
  failed.swap(erases_failed_);
  for (auto& [storage_key, object] : failed) {
    auto current = node.storage().get(storage::Namespace::kData, storage_key);
    if (!current.is_ok()) {
      erases_failed_.emplace_back(std::move(storage_key), std::move(object));  // Next round.
    } else if (!current->has_value()) {
      // Not synced: it no longer shows but may still be on disk. The key was acknowledged by
      // every home replica, so the delete is written again.
      storage::WriteBatch batch;
      batch.del(storage::Namespace::kData, storage_key);
      erases_.emplace(node.persist(std::move(batch), TransferDone{}),
                      std::pair{std::move(storage_key), std::move(object)});
    } else if (**current == object) {
      erase_handed_off(node, storage_key, object);  // Refused: it is still there.
    }
    // Otherwise it changed since: a new version, which the transfer sends like any other.
  }
}

void OwnershipTransfer::plan_rebuilds(NodeContext& node, const Ring& old_ring,
                                      const Ring& new_ring, const std::vector<NodeId>& removed) {
  if (removed.empty()) return;
  const NodeConfig& config = node.config();
  const std::uint32_t n = node.largest_n();
  for (std::uint32_t p = 0; p < config.partition_count; ++p) {
    const auto old_home = old_ring.preference_list(p, n);
    if (std::none_of(removed.begin(), removed.end(),
                     [&](const NodeId& id) { return contains(old_home, id); })) {
      continue;
    }
    const auto new_home = new_ring.preference_list(p, n);
    NodeId source;
    for (const NodeId& id : new_home) {
      if (contains(old_home, id)) {
        source = id;
        break;
      }
    }
    if (source != config.node_id) continue;
    for (const NodeId& target : new_home) {
      if (!contains(old_home, target)) add_rebuild(node, p, target);
    }
  }
}

void OwnershipTransfer::plan_widening(NodeContext& node, const Ring& ring, std::uint32_t old_n,
                                      std::uint32_t new_n) {
  if (new_n <= old_n) return;
  const NodeConfig& config = node.config();
  for (std::uint32_t p = 0; p < config.partition_count; ++p) {
    const auto old_home = ring.preference_list(p, old_n);
    // The first of the old replicas sends (every node computes the same one).
    if (old_home.empty() || old_home.front() != config.node_id) continue;
    for (const NodeId& target : ring.preference_list(p, new_n)) {
      if (!contains(old_home, target)) add_rebuild(node, p, target);
    }
  }
}

void OwnershipTransfer::add_rebuild(NodeContext& node, std::uint32_t partition,
                                    const NodeId& target) {
  const RebuildKey key{partition, target};
  if (rebuilds_.contains(key)) return;
  rebuilds_.emplace(key, RebuildTask{});
  persist_rebuild(node, key, &rebuilds_.at(key));
}

Status OwnershipTransfer::load_rebuilds(const NodeConfig& config, storage::Engine& storage) {
  std::string end(kRebuildPrefix);
  end.back() = static_cast<char>(end.back() + 1);
  return storage.scan(storage::Namespace::kMeta, kRebuildPrefix, end,
                      [&](std::string_view key, std::string_view cursor) {
                        key.remove_prefix(kRebuildPrefix.size());
                        const auto partition = storage::partition_of_prefix(key);
                        if (!partition || *partition >= config.partition_count ||
                            key.size() == 4) {
                          return true;  // Not one of ours: ignored.
                        }
                        RebuildTask task;
                        task.cursor = std::string(cursor);
                        rebuilds_.emplace(RebuildKey{*partition, NodeId(key.substr(4))},
                                          std::move(task));
                        return true;
                      });
}

void OwnershipTransfer::persist_rebuild(NodeContext& node, const RebuildKey& key,
                                        const RebuildTask* task) {
  storage::WriteBatch batch;
  const std::string meta_key = rebuild_meta_key(key.first, key.second);
  if (task == nullptr) {
    batch.del(storage::Namespace::kMeta, meta_key);
  } else {
    batch.put(storage::Namespace::kMeta, meta_key, task->cursor);
  }
  node.persist(std::move(batch), NothingWaits{});
}

void OwnershipTransfer::run_rebuilds(NodeContext& node) {
  const std::uint64_t now_ms = node.now_ms();
  std::vector<RebuildKey> finished;
  for (auto& [key, task] : rebuilds_) {
    if (!task.waiting.empty()) {
      if (now_ms < task.deadline_ms) continue;
      for (std::uint64_t op : task.waiting) rebuild_ops_.erase(op);  // Resent from the cursor.
      task.waiting.clear();
    }
    if (!node.is_known_peer(key.second)) {
      finished.push_back(key);  // The target left or was removed too: nothing to rebuild.
      continue;
    }
    if (!node.peer_ready(key.second) || budget_bytes_ <= 0) continue;
    const RebuildStep step = send_rebuild_batch(node, key, task);
    if (step == RebuildStep::kFinished) {
      // The scan reached the end of the partition without a key for the target: done.
      finished.push_back(key);
      continue;
    }
    if (step == RebuildStep::kScanFailed) continue;  // Nothing sent: tried again next round.
    task.deadline_ms = now_ms + node.config().request_timeout_ms;
    node.request_timer(task.deadline_ms);
  }
  for (const RebuildKey& key : finished) {
    rebuilds_.erase(key);
    persist_rebuild(node, key, nullptr);
    ++node.stats().rebuilds_done;
  }
}

OwnershipTransfer::RebuildStep OwnershipTransfer::send_rebuild_batch(NodeContext& node, const RebuildKey& key,
                                           RebuildTask& task) {
  const std::uint32_t partition = key.first;
  // Resume after the last acknowledged key ("\0" appended: the smallest key above it).
  const std::string begin =
      task.cursor.empty() ? storage::partition_prefix(partition) : task.cursor + '\0';
  std::size_t batch = 0;
  const Status status = node.storage().scan(
      storage::Namespace::kData, begin, storage::partition_end(partition),
      [&](std::string_view storage_key, std::string_view value) {
        task.batch_last_key = std::string(storage_key);
        auto decoded = storage::decode_storage_key(storage_key);
        if (!decoded.is_ok()) return true;
        const auto home = node.home_replicas(decoded->bucket, decoded->key,
                                             node.bucket_properties(decoded->bucket).n);
        if (!contains(home, key.second)) return true;
        const std::uint64_t op = node.next_operation_id(OperationOwner::kRebuild);
        node.send(key.second,
                  ReplicaWrite{op, decoded->bucket, decoded->key, std::string(value), {}});
        task.waiting.push_back(op);
        rebuild_ops_.emplace(op, key);
        budget_bytes_ -= static_cast<double>(storage_key.size() + value.size());
        ++node.stats().rebuild_keys_sent;
        return ++batch < kRebuildBatchKeys;
      });
  if (!task.waiting.empty()) return RebuildStep::kSent;  // Acknowledged keys move the cursor.
  if (!status.is_ok()) {
    // Finishing now would delete the cursor with keys never sent: the partition would stay a
    // replica short.
    ++node.stats().storage_errors;
    return RebuildStep::kScanFailed;
  }
  return RebuildStep::kFinished;
}

void OwnershipTransfer::on_rebuild_ack(NodeContext& node, const NodeId& from,
                                       const ReplicaWriteAck& message) {
  auto op = rebuild_ops_.find(message.operation_id);
  if (op == rebuild_ops_.end()) return;
  const RebuildKey key = op->second;
  rebuild_ops_.erase(op);
  auto it = rebuilds_.find(key);
  if (it == rebuilds_.end() || from != key.second) return;
  RebuildTask& task = it->second;
  std::erase(task.waiting, message.operation_id);
  if (!message.status.is_ok()) {
    task.deadline_ms = 0;  // Resend the batch from the cursor next round.
    return;
  }
  if (task.waiting.empty()) {
    task.cursor = task.batch_last_key;  // The whole batch is durable there: checkpoint it.
    persist_rebuild(node, key, &task);
    wake(node, true);
  }
}

}  // namespace ringkv::core
