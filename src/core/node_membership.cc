// Dynamic membership in the node (DESIGN.md section 5): the gossiper's table drives the ring,
// both are persisted in the metadata namespace, and ownership moves by handoff.
//
// Ownership transfer. The ring is a pure function of the membership history, so every node that
// has seen the same history agrees on who is home for each partition. A node that holds keys it is
// no longer a home replica of (it left, or a joiner took the partition) streams them to their
// home replicas and deletes each key only once every home replica acknowledged it durable and the
// key has not changed since it was sent (like a hint). The stored data is the checkpoint: a
// transfer interrupted by a restart on either side resumes with what is left, never from scratch.
// Until the handoff settles, the previous owners are still asked on reads (they keep serving), so
// a read never misses a value only the old owner holds.
//
// Settling is observed through pongs: each says which ring its sender runs (ring_version) and
// how many partitions it still has to hand off. When every live member runs our ring and reports
// nothing left, previous rings are forgotten and a joining node declares itself up; a leaving node
// declares itself removed once it holds nothing it does not own.
#include <algorithm>
#include <cassert>

#include "core/key_position.h"
#include "core/membership/membership_codec.h"
#include "core/node.h"
#include "core/varint.h"
#include "storage/storage_key.h"

namespace ringkv::core {
namespace {

constexpr std::string_view kGenerationKey = "generation";
constexpr std::string_view kMembershipKey = "membership";
// Rings kept for reads while handoff is in progress; older ones are dropped (their owners are
// then only reached by the handoff itself).
constexpr std::size_t kPreviousRingsMax = 4;
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

Status Node::start_membership(std::uint64_t now_ms) {
  auto stored_generation = storage_.get(storage::Namespace::kMeta, kGenerationKey);
  if (!stored_generation.is_ok()) return stored_generation.status();
  std::uint64_t generation = 0;
  if (stored_generation->has_value()) {
    std::string_view in = **stored_generation;
    if (!get_varint(in, generation) || !in.empty()) {
      return Status::corruption("metadata generation is not a varint");
    }
  }
  GossipConfig gossip = config_.gossip;
  gossip.failure_detector.threshold = config_.phi_threshold;
  gossiper_.emplace(config_.node_id, config_.address, generation + 1, config_.seeds, random_,
                    gossip);
  auto stored_state = storage_.get(storage::Namespace::kMeta, kMembershipKey);
  if (!stored_state.is_ok()) return stored_state.status();
  if (stored_state->has_value()) {
    auto state = decode_state(**stored_state);
    if (!state.is_ok()) {
      return Status::corruption("metadata membership cannot be decoded: " +
                                state.status().to_string());
    }
    gossiper_->restore(*state, now_ms);
    RINGKV_RETURN_IF_ERROR(load_rebuilds());
    // A recorded address that differs from the configured one: the node moved.
    const MemberRecord* own = gossiper_->membership().find(config_.node_id);
    if (own != nullptr && own->status != MemberStatus::kRemoved &&
        own->address != config_.address) {
      RINGKV_RETURN_IF_ERROR(gossiper_->set_address(config_.address));
    }
  }
  membership_started_ms_ = now_ms;
  membership_changes_seen_ = gossiper_->change_count() + 1;  // Persist the new generation now.
  on_membership_changed();
  return Status::ok();
}

void Node::on_membership_changed() {
  membership_changes_seen_ = gossiper_->change_count();
  storage::WriteBatch batch;
  std::string generation;
  put_varint(generation, gossiper_->generation());
  batch.put(storage::Namespace::kMeta, kGenerationKey, generation);
  batch.put(storage::Namespace::kMeta, kMembershipKey, encode_state(gossiper_->membership()));
  const std::uint64_t token = next_token_++;
  persists_.emplace(token, NothingWaits{});
  effects_.push_back(PersistEffect{token, std::move(batch)});

  for (const NodeId& peer : peers()) detector_->expect(peer, now_ms_);
  const auto history = gossiper_->membership().ring_history();
  if (history.empty()) return;
  const std::uint64_t version = history_digest(history);
  if (version == ring_version_) return;
  auto ring = Ring::build(config_.partition_count, history);
  if (!ring.is_ok()) return;  // Every member gone: keep serving with the last ring.
  adopt_ring(std::move(ring).value(), version);
}

void Node::adopt_ring(Ring ring, std::uint64_t version) {
  if (ring_ && gossiper_) plan_rebuilds(*ring_, ring);
  if (ring_) {
    previous_rings_.push_back(std::move(*ring_));
    if (previous_rings_.size() > kPreviousRingsMax) previous_rings_.erase(previous_rings_.begin());
  }
  ring_ = std::move(ring);
  ring_version_ = version;
  ++stats_.ring_changes;
  count_transfers_pending();
  // Start handing off at once.
  next_transfer_ms_ = now_ms_;
  if (started_) request_timer(now_ms_);
}

void Node::on_gossip(const NodeId& from, const Gossip& message, std::uint64_t now_ms) {
  if (!gossiper_ || from.empty() || from.size() > kNodeIdBytesMax || from == config_.node_id) {
    return;
  }
  send_gossip(gossiper_->on_message(from, message.message, now_ms));
  if (gossiper_->change_count() != membership_changes_seen_) on_membership_changed();
}

void Node::send_gossip(std::vector<OutgoingGossip> outgoing) {
  for (auto& gossip : outgoing) {
    effects_.push_back(SendEffect{std::move(gossip.to), Gossip{std::move(gossip.message)}});
  }
}

void Node::membership_tick(std::uint64_t now_ms) {
  send_gossip(gossiper_->on_tick(now_ms));
  const MemberRecord* own = gossiper_->membership().find(config_.node_id);
  if (own == nullptr && config_.auto_join) {
    const bool is_seed = contains(config_.seeds, config_.node_id);
    if (gossiper_->synced_with_seed() ||
        (is_seed && now_ms >= membership_started_ms_ + config_.join_grace_ms)) {
      (void)gossiper_->join(config_.weight);  // Cannot fail: we are not in the table.
    }
  } else if (own != nullptr && ring_) {
    if (own->status == MemberStatus::kLeaving) {
      if (transfers_pending_ == 0 && transfers_.empty()) (void)gossiper_->finish_leave();
    } else if (handoff_settled()) {
      previous_rings_.clear();
      if (own->status == MemberStatus::kJoining) (void)gossiper_->mark_up();
    }
  }
  if (gossiper_->change_count() != membership_changes_seen_) on_membership_changed();
}

std::vector<NodeId> Node::peers() const {
  std::vector<NodeId> out;
  if (gossiper_) {
    for (const auto& [id, record] : gossiper_->membership().members()) {
      if (id != config_.node_id && record.status != MemberStatus::kRemoved) out.push_back(id);
    }
  } else {
    for (const auto& [id, weight] : ring_->weights()) {
      if (id != config_.node_id) out.push_back(id);
    }
  }
  return out;
}

bool Node::is_known_peer(const NodeId& node) const {
  if (gossiper_) {
    const MemberRecord* record = gossiper_->membership().find(node);
    return record != nullptr && record->status != MemberStatus::kRemoved;
  }
  return ring_->weights().contains(node);
}

std::string Node::address_of(const NodeId& node) const {
  if (!gossiper_) return {};
  const MemberRecord* record = gossiper_->membership().find(node);
  return record == nullptr ? std::string() : record->address;
}

std::string Node::member_state() const {
  if (!gossiper_) return "up";
  const MemberRecord* own = gossiper_->membership().find(config_.node_id);
  return own == nullptr ? "none" : member_status_name(own->status);
}

std::vector<MemberView> Node::members() const {
  std::vector<MemberView> out;
  const auto partitions =
      ring_ ? ring_->partitions_per_node() : std::map<NodeId, std::uint32_t>{};
  auto view = [&](const NodeId& id, std::string address, std::string state, std::uint32_t weight) {
    MemberView member;
    member.id = id;
    member.address = std::move(address);
    member.alive = id == config_.node_id || (state != "removed" && believes_alive(id));
    member.state = std::move(state);
    member.weight = weight;
    auto owned = partitions.find(id);
    member.partitions = owned == partitions.end() ? 0 : owned->second;
    if (id == config_.node_id) {
      member.transfers_pending = static_cast<std::int64_t>(transfers_pending_);
    } else if (auto report = peer_reports_.find(id); report != peer_reports_.end()) {
      member.transfers_pending = static_cast<std::int64_t>(report->second.transfers_pending);
    }
    out.push_back(std::move(member));
  };
  if (gossiper_) {
    for (const auto& [id, record] : gossiper_->membership().members()) {
      view(id, record.address, member_status_name(record.status), record.weight);
    }
  } else {
    for (const auto& [id, weight] : ring_->weights()) view(id, {}, "up", weight);
  }
  return out;
}

Status Node::join(std::uint32_t weight) {
  if (!gossiper_) {
    return Status::invalid_argument("membership is static (the peers setting); start nodes with "
                                    "seeds to join, leave or remove at run time");
  }
  if (gossiper_->membership().find(config_.node_id) != nullptr) {
    return Status::invalid_argument("node " + config_.node_id + " is already " + member_state());
  }
  if (!gossiper_->synced_with_seed()) {
    return Status::unavailable("node " + config_.node_id +
                               " has not heard from a seed yet; check that a seed is running and "
                               "reachable");
  }
  if (weight < 1 || weight > kMemberWeightMax) {
    return Status::invalid_argument("weight must be in [1, " + std::to_string(kMemberWeightMax) +
                                    "], got " + std::to_string(weight));
  }
  RINGKV_RETURN_IF_ERROR(gossiper_->join(weight));
  on_membership_changed();
  return Status::ok();
}

Status Node::leave() {
  if (!gossiper_) {
    return Status::invalid_argument("membership is static (the peers setting); stop the node and "
                                    "change peers everywhere instead");
  }
  const MemberRecord* own = gossiper_->membership().find(config_.node_id);
  if (own == nullptr || own->status == MemberStatus::kRemoved) {
    return Status::invalid_argument("node " + config_.node_id + " is not a member");
  }
  if (own->status == MemberStatus::kLeaving) return Status::ok();  // Already on its way.
  const bool others = std::any_of(
      gossiper_->membership().members().begin(), gossiper_->membership().members().end(),
      [&](const auto& entry) {
        return entry.first != config_.node_id && (entry.second.status == MemberStatus::kJoining ||
                                                  entry.second.status == MemberStatus::kUp);
      });
  if (!others) {
    return Status::invalid_argument("node " + config_.node_id +
                                    " is the last member: nobody could take its partitions");
  }
  RINGKV_RETURN_IF_ERROR(gossiper_->leave());
  on_membership_changed();
  return Status::ok();
}

Status Node::remove(const NodeId& member) {
  if (!gossiper_) {
    return Status::invalid_argument("membership is static (the peers setting); remove the node "
                                    "from peers everywhere instead");
  }
  if (member == config_.node_id) {
    return Status::invalid_argument("a node cannot remove itself; use leave");
  }
  const MemberRecord* record = gossiper_->membership().find(member);
  if (record == nullptr) return Status::not_found("no member named " + member);
  RINGKV_RETURN_IF_ERROR(gossiper_->remove(member));
  on_membership_changed();
  return Status::ok();
}

std::uint32_t Node::smallest_n() const {
  std::uint32_t n = config_.default_bucket.n;
  for (const auto& [name, properties] : config_.buckets) n = std::min(n, properties.n);
  return std::max<std::uint32_t>(n, 1);
}

bool Node::is_home_partition(std::uint32_t partition) const {
  return contains(ring_->preference_list(partition, smallest_n()), config_.node_id);
}

std::vector<NodeId> Node::handoff_targets(std::string_view storage_key,
                                          storage::DecodedKey* decoded_out) const {
  auto decoded = storage::decode_storage_key(storage_key);
  if (!decoded.is_ok()) return {};
  auto home =
      home_replicas(decoded->bucket, decoded->key, bucket_properties(decoded->bucket).n);
  if (contains(home, config_.node_id)) return {};
  if (decoded_out != nullptr) *decoded_out = std::move(decoded).value();
  return home;
}

void Node::count_transfers_pending() {
  transfers_pending_ = 0;
  if (!ring_) return;
  for (std::uint32_t p = 0; p < config_.partition_count; ++p) {
    if (is_home_partition(p)) continue;
    bool foreign = false;
    (void)storage_.scan(storage::Namespace::kData, storage::partition_prefix(p),
                        storage::partition_end(p), [&](std::string_view key, std::string_view) {
                          foreign = !handoff_targets(key, nullptr).empty();
                          return !foreign;
                        });
    if (foreign) ++transfers_pending_;
  }
  transfers_pending_ += rebuilds_.size();
}

void Node::run_transfers(std::uint64_t now_ms) {
  if (!ring_) return;
  const double rate = static_cast<double>(config_.transfer_bytes_per_s);
  transfer_budget_bytes_ = std::min(
      rate, transfer_budget_bytes_ +
                rate * static_cast<double>(now_ms - std::min(now_ms, transfer_budget_at_ms_)) /
                    1000.0);
  transfer_budget_at_ms_ = now_ms;
  std::vector<std::string> in_flight;
  in_flight.reserve(transfers_.size());
  for (const auto& [id, transfer] : transfers_) in_flight.push_back(transfer.storage_key);
  std::sort(in_flight.begin(), in_flight.end());
  std::uint64_t pending = 0;
  for (std::uint32_t p = 0; p < config_.partition_count; ++p) {
    if (is_home_partition(p)) continue;
    bool counted = false;
    (void)storage_.scan(
        storage::Namespace::kData, storage::partition_prefix(p), storage::partition_end(p),
        [&](std::string_view key, std::string_view value) {
          storage::DecodedKey decoded;
          const auto home = handoff_targets(key, &decoded);
          if (home.empty()) return true;
          if (!counted) {
            counted = true;
            ++pending;
          }
          if (transfers_.size() >= config_.transfer_keys_in_flight_max ||
              transfer_budget_bytes_ <= 0) {
            return false;  // Counted; the rest waits for the next round.
          }
          if (std::binary_search(in_flight.begin(), in_flight.end(), key)) return true;
          // Every home replica must take it before it may go; wait for the down ones, and for
          // those not yet running our ring (they could take the key for foreign and pass it on).
          for (const NodeId& replica : home) {
            if (!ready_for_transfer(replica)) return true;
          }
          const std::uint64_t operation_id = next_operation_id_++;
          for (const NodeId& replica : home) {
            effects_.push_back(SendEffect{
                replica, ReplicaWrite{operation_id, decoded.bucket, decoded.key,
                                      std::string(value), {}}});
          }
          transfers_.emplace(operation_id,
                             TransferSend{std::string(key), std::string(value), home,
                                          now_ms + config_.request_timeout_ms});
          transfer_budget_bytes_ -= static_cast<double>(key.size() + value.size());
          ++stats_.transfer_keys_sent;
          return true;
        });
  }
  run_rebuilds(now_ms);
  transfers_pending_ = pending + rebuilds_.size();
  if (!transfers_.empty()) request_timer(now_ms + config_.request_timeout_ms);
  if (pending > 0 && transfer_budget_bytes_ <= 0) {
    // Throttled: come back when the budget allows another round.
    request_timer(now_ms + std::max<std::uint64_t>(config_.tick_interval_ms, 10));
    next_transfer_ms_ = now_ms + config_.tick_interval_ms;
  }
}

bool Node::on_transfer_ack(const NodeId& from, const ReplicaWriteAck& message) {
  auto it = transfers_.find(message.operation_id);
  if (it == transfers_.end()) return on_rebuild_ack(from, message);
  TransferSend& transfer = it->second;
  auto waiting = std::find(transfer.waiting.begin(), transfer.waiting.end(), from);
  if (waiting == transfer.waiting.end()) return true;
  if (!message.status.is_ok()) {
    transfers_.erase(it);  // Sent again next round.
    return true;
  }
  transfer.waiting.erase(waiting);
  if (!transfer.waiting.empty()) return true;
  TransferSend done = std::move(transfer);
  transfers_.erase(it);
  auto current = storage_.get(storage::Namespace::kData, done.storage_key);
  // Deleted only if unchanged since it was sent and still not ours.
  if (current.is_ok() && current->has_value() && **current == done.object &&
      !handoff_targets(done.storage_key, nullptr).empty()) {
    context_.erase_data(done.storage_key, done.object);
    ++stats_.transfer_keys_handed_off;
    stats_.transfer_bytes_handed_off += done.storage_key.size() + done.object.size();
  }
  if (transfers_.empty()) {
    // The new owners keep up: stream the next round now.
    next_transfer_ms_ = now_ms_;
    request_timer(now_ms_);
  }
  return true;
}

// A member removed by the operator (dead, or gone without handing off) leaves each of its
// partitions one replica short. For every partition it was a home replica of, the first node
// that is a home replica both before and after streams the partition to each new home replica.
// A member that leaves gracefully hands off by itself and is not rebuilt (it is kLeaving when the
// ring changes; it becomes kRemoved later without another ring change).
void Node::plan_rebuilds(const Ring& old_ring, const Ring& new_ring) {
  std::vector<NodeId> removed;
  for (const auto& [id, weight] : old_ring.weights()) {
    if (new_ring.weights().contains(id)) continue;
    const MemberRecord* record = gossiper_->membership().find(id);
    if (record != nullptr && record->status == MemberStatus::kRemoved) removed.push_back(id);
  }
  if (removed.empty()) return;
  std::uint32_t n = config_.default_bucket.n;
  for (const auto& [name, properties] : config_.buckets) n = std::max(n, properties.n);
  for (std::uint32_t p = 0; p < config_.partition_count; ++p) {
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
    if (source != config_.node_id) continue;
    for (const NodeId& target : new_home) {
      if (contains(old_home, target)) continue;
      const RebuildKey key{p, target};
      if (rebuilds_.contains(key)) continue;
      rebuilds_.emplace(key, RebuildTask{});
      persist_rebuild(key, &rebuilds_.at(key));
    }
  }
}

Status Node::load_rebuilds() {
  std::string end(kRebuildPrefix);
  end.back() = static_cast<char>(end.back() + 1);
  return storage_.scan(storage::Namespace::kMeta, kRebuildPrefix, end,
                       [&](std::string_view key, std::string_view cursor) {
                         key.remove_prefix(kRebuildPrefix.size());
                         const auto partition = storage::partition_of_prefix(key);
                         if (!partition || *partition >= config_.partition_count ||
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

void Node::persist_rebuild(const RebuildKey& key, const RebuildTask* task) {
  storage::WriteBatch batch;
  const std::string meta_key = rebuild_meta_key(key.first, key.second);
  if (task == nullptr) {
    batch.del(storage::Namespace::kMeta, meta_key);
  } else {
    batch.put(storage::Namespace::kMeta, meta_key, task->cursor);
  }
  const std::uint64_t token = next_token_++;
  persists_.emplace(token, NothingWaits{});
  effects_.push_back(PersistEffect{token, std::move(batch)});
}

void Node::run_rebuilds(std::uint64_t now_ms) {
  std::vector<RebuildKey> finished;
  // Plain references, not structured bindings: clang 14 cannot capture those in the lambda below.
  for (auto& entry : rebuilds_) {
    const RebuildKey& key = entry.first;
    RebuildTask& task = entry.second;
    const std::uint32_t partition = key.first;
    const NodeId& target = key.second;
    if (!task.waiting.empty()) {
      if (now_ms < task.deadline_ms) continue;
      for (std::uint64_t op : task.waiting) rebuild_ops_.erase(op);  // Resent from the cursor.
      task.waiting.clear();
    }
    if (!is_known_peer(target)) {
      finished.push_back(key);  // The target left or was removed too: nothing to rebuild.
      continue;
    }
    if (!ready_for_transfer(target) || transfer_budget_bytes_ <= 0) continue;
    // Resume after the last acknowledged key ("\0" appended: the smallest key above it).
    const std::string begin =
        task.cursor.empty() ? storage::partition_prefix(partition) : task.cursor + '\0';
    std::size_t batch = 0;
    (void)storage_.scan(storage::Namespace::kData, begin, storage::partition_end(partition),
                        [&](std::string_view storage_key, std::string_view value) {
                          task.batch_last_key = std::string(storage_key);
                          auto decoded = storage::decode_storage_key(storage_key);
                          if (!decoded.is_ok()) return true;
                          const auto home = home_replicas(decoded->bucket, decoded->key,
                                                          bucket_properties(decoded->bucket).n);
                          if (!contains(home, target)) return true;
                          const std::uint64_t op = next_operation_id_++;
                          effects_.push_back(SendEffect{
                              target, ReplicaWrite{op, decoded->bucket, decoded->key,
                                                   std::string(value), {}}});
                          task.waiting.push_back(op);
                          rebuild_ops_.emplace(op, key);
                          transfer_budget_bytes_ -=
                              static_cast<double>(storage_key.size() + value.size());
                          ++stats_.rebuild_keys_sent;
                          return ++batch < kRebuildBatchKeys;
                        });
    if (task.waiting.empty()) {
      // The scan reached the end of the partition without a key for the target: done.
      finished.push_back(key);
      continue;
    }
    task.deadline_ms = now_ms + config_.request_timeout_ms;
    request_timer(task.deadline_ms);
  }
  for (const RebuildKey& key : finished) {
    rebuilds_.erase(key);
    persist_rebuild(key, nullptr);
    ++stats_.rebuilds_done;
  }
}

bool Node::on_rebuild_ack(const NodeId& from, const ReplicaWriteAck& message) {
  auto op = rebuild_ops_.find(message.operation_id);
  if (op == rebuild_ops_.end()) return false;
  const RebuildKey key = op->second;
  rebuild_ops_.erase(op);
  auto it = rebuilds_.find(key);
  if (it == rebuilds_.end() || from != key.second) return true;
  RebuildTask& task = it->second;
  std::erase(task.waiting, message.operation_id);
  if (!message.status.is_ok()) {
    task.deadline_ms = 0;  // Resend the batch from the cursor next round.
    return true;
  }
  if (task.waiting.empty()) {
    task.cursor = task.batch_last_key;  // The whole batch is durable there: checkpoint it.
    persist_rebuild(key, &task);
    next_transfer_ms_ = now_ms_;
    request_timer(now_ms_);
  }
  return true;
}

bool Node::ready_for_transfer(const NodeId& node) const {
  if (!believes_alive(node)) return false;
  auto report = peer_reports_.find(node);
  return report != peer_reports_.end() && report->second.ring_version == ring_version_;
}

bool Node::handoff_settled() const {
  if (transfers_pending_ != 0 || !transfers_.empty()) return false;
  for (const NodeId& peer : peers()) {
    if (!believes_alive(peer)) continue;
    auto report = peer_reports_.find(peer);
    if (report == peer_reports_.end() || report->second.ring_version != ring_version_ ||
        report->second.transfers_pending != 0) {
      return false;
    }
  }
  return true;
}

bool Node::cluster_quiescent() const {
  if (!previous_rings_.empty() || hints_.held() != 0 || transfers_pending_ != 0 ||
      !transfers_.empty()) {
    return false;
  }
  for (const NodeId& peer : peers()) {
    if (!ready_for_transfer(peer)) return false;  // Down, or on another ring.
    const PeerReport& report = peer_reports_.at(peer);
    if (report.transfers_pending != 0 || report.hints_held != 0) return false;
  }
  return true;
}

void Node::previous_owners(const std::string& bucket, const std::string& key, std::uint32_t n,
                           std::vector<NodeId>& replicas) const {
  if (previous_rings_.empty()) return;
  const std::uint32_t partition = partition_of(key_position(bucket, key), config_.partition_count);
  for (const Ring& ring : previous_rings_) {
    for (const NodeId& owner : ring.preference_list(partition, n)) {
      if (contains(replicas, owner)) continue;
      if (owner == config_.node_id || is_known_peer(owner)) replicas.push_back(owner);
    }
  }
}

}  // namespace ringkv::core
