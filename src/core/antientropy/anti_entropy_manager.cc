#include "core/antientropy/anti_entropy_manager.h"

#include <algorithm>

#include "storage/storage_key.h"

namespace ringkv::core {
namespace {

// Indices of messages are bounded so a peer cannot make us allocate or scan without limit.
constexpr std::size_t kIndicesPerMessageMax = 1 << 16;

// A stored object's contribution to its tree: none for an object of tombstones only (it reads
// like an absent key; keeping it out of the tree lets a replica that reaped it and one that never
// had the key agree), else its entry hash.
std::uint64_t tree_entry(std::string_view storage_key, std::string_view bytes) {
  auto object = VersionedObject::decode(bytes);
  if (object.is_ok() && object->is_deleted()) return 0;
  return entry_hash(storage_key, bytes);
}

}  // namespace

Status AntiEntropyManager::start(const NodeConfig& config, storage::Engine& storage,
                                 std::uint64_t now_ms) {
  PartitionState initial{HashTree(config.tree_fanout, config.tree_depth)};
  initial.last_write_ms = now_ms;
  partitions_.assign(config.partition_count, initial);
  return storage.scan(storage::Namespace::kData, "", "",
                      [&](std::string_view key, std::string_view value) {
                        const auto p = storage::partition_of_prefix(key);
                        if (p && *p < partitions_.size()) {
                          partitions_[*p].tree.update(key, 0, tree_entry(key, value));
                        }
                        return true;
                      });
}

void AntiEntropyManager::note_data_write(std::string_view storage_key,
                                         std::optional<std::string_view> old_object,
                                         std::optional<std::string_view> new_object,
                                         std::uint64_t now_ms) {
  const auto partition = storage::partition_of_prefix(storage_key);
  if (!partition || *partition >= partitions_.size()) return;
  PartitionState& state = partitions_[*partition];
  state.last_write_ms = now_ms;
  state.tree.update(storage_key, old_object ? tree_entry(storage_key, *old_object) : 0,
                    new_object ? entry_hash(storage_key, *new_object) : 0);
}

void AntiEntropyManager::mark_dirty(std::uint32_t partition, std::uint64_t now_ms) {
  if (partition >= partitions_.size()) return;
  PartitionState& state = partitions_[partition];
  state.dirty = true;
  state.last_write_ms = now_ms;
  state.confirmed_ms.clear();
  any_dirty_ = true;
}

void AntiEntropyManager::rebuild_dirty_trees(NodeContext& node) {
  if (!any_dirty_) return;
  any_dirty_ = false;
  for (std::uint32_t p = 0; p < partitions_.size(); ++p) {
    PartitionState& state = partitions_[p];
    if (!state.dirty) continue;
    HashTree tree(state.tree.fanout(), state.tree.depth());
    const Status status = node.storage().scan(
        storage::Namespace::kData, storage::partition_prefix(p), storage::partition_end(p),
        [&](std::string_view key, std::string_view value) {
          tree.update(key, 0, tree_entry(key, value));
          return true;
        });
    if (!status.is_ok()) {
      ++node.stats().storage_errors;
      any_dirty_ = true;  // Tried again next tick.
      continue;
    }
    state.tree = std::move(tree);
    state.dirty = false;
  }
}

void AntiEntropyManager::confirm_partition(std::uint32_t partition, const NodeId& peer,
                                           std::uint64_t as_of_ms) {
  auto& confirmed = partitions_[partition].confirmed_ms[peer];
  confirmed = std::max(confirmed, as_of_ms);
}

void AntiEntropyManager::on_tick(NodeContext& node) {
  rebuild_dirty_trees(node);
  schedule_exchanges(node);
  reap_tombstones(node);
}

void AntiEntropyManager::expire(std::uint64_t now_ms) {
  std::erase_if(exchanges_, [&](const auto& entry) { return entry.second.deadline_ms <= now_ms; });
}

bool AntiEntropyManager::partition_confirmed(NodeContext& node, std::uint32_t partition) const {
  const PartitionState& state = partitions_[partition];
  if (state.dirty) return false;
  const auto home = node.ring()->preference_list(partition, node.smallest_n());
  if (std::find(home.begin(), home.end(), node.config().node_id) == home.end()) return false;
  for (const NodeId& peer : home) {
    if (peer == node.config().node_id) continue;
    auto it = state.confirmed_ms.find(peer);
    if (it == state.confirmed_ms.end() || it->second < state.last_write_ms) return false;
  }
  return true;
}

void AntiEntropyManager::reap_tombstones(NodeContext& node) {
  const NodeConfig& config = node.config();
  const std::uint64_t now_ms = node.now_ms();
  if (!config.anti_entropy || node.ring() == nullptr || node.departed() || now_ms < next_reap_ms_) {
    return;
  }
  next_reap_ms_ = now_ms + config.anti_entropy_interval_ms;
  if (!node.cluster_quiescent()) return;
  for (std::uint32_t p = 0; p < partitions_.size(); ++p) {
    PartitionState& state = partitions_[p];
    // Written as a difference: a "never reap" grace near 2^64 must not wrap around.
    if (now_ms < state.last_write_ms || now_ms - state.last_write_ms < config.tombstone_grace_ms) {
      continue;
    }
    if (!partition_confirmed(node, p)) continue;
    storage::WriteBatch batch;
    std::uint64_t reaped = 0;
    const Status status = node.storage().scan(
        storage::Namespace::kData, storage::partition_prefix(p), storage::partition_end(p),
        [&](std::string_view key, std::string_view value) {
          auto object = VersionedObject::decode(value);
          if (object.is_ok() && object->is_deleted()) {
            batch.del(storage::Namespace::kData, key);
            ++reaped;
          }
          return true;
        });
    if (!status.is_ok()) {
      ++node.stats().storage_errors;  // Reaped next round.
      continue;
    }
    if (reaped == 0) continue;
    node.retire_actor(p, batch);  // Other replicas may still hold the reaped dots.
    // Tombstones have no tree entry: the trees do not change, only the partition's write time.
    state.last_write_ms = now_ms;
    node.stats().tombstones_reaped += reaped;
    node.persist(std::move(batch), NothingWaits{});
  }
}

std::vector<PartitionExchange> AntiEntropyManager::exchanges() const {
  std::vector<PartitionExchange> out;
  for (std::uint32_t p = 0; p < partitions_.size(); ++p) {
    out.push_back({p, partitions_[p].last_exchange_ms, partitions_[p].keys_repaired});
  }
  return out;
}

void AntiEntropyManager::schedule_exchanges(NodeContext& node) {
  const NodeConfig& config = node.config();
  const std::uint64_t now_ms = node.now_ms();
  if (!config.anti_entropy || node.ring() == nullptr || node.departed()) return;
  std::vector<std::uint32_t> busy;
  for (const auto& [id, exchange] : exchanges_) busy.push_back(exchange.partition);
  const auto q = static_cast<std::uint32_t>(partitions_.size());
  for (std::uint32_t step = 0; step < q && exchanges_.size() < config.anti_entropy_exchanges_max;
       ++step) {
    const std::uint32_t p = (next_exchange_partition_ + step) % q;
    PartitionState& state = partitions_[p];
    if (state.last_exchange_ms != 0 &&
        now_ms < state.last_exchange_ms + config.anti_entropy_interval_ms) {
      continue;
    }
    if (std::find(busy.begin(), busy.end(), p) != busy.end() || state.dirty) continue;
    const auto home = node.ring()->preference_list(p, node.smallest_n());
    if (std::find(home.begin(), home.end(), config.node_id) == home.end()) continue;
    // Each pair of replicas is compared by its lower id only, so two nodes never run the same
    // comparison at once from both ends.
    std::vector<NodeId> candidates;
    for (const NodeId& id : home) {
      if (id > config.node_id && node.peer_ready(id)) candidates.push_back(id);
    }
    if (candidates.empty()) continue;
    const NodeId peer = candidates[state.peer_turn++ % candidates.size()];
    const std::uint64_t id = node.next_operation_id(OperationOwner::kExchange);
    exchanges_.emplace(id, Exchange{p, peer, now_ms + 4 * config.request_timeout_ms, now_ms});
    state.last_exchange_ms = now_ms;  // An attempt counts: a failing peer is not retried at once.
    ++node.stats().ae_exchanges_started;
    next_exchange_partition_ = (p + 1) % q;
    AntiEntropy start;
    start.kind = AntiEntropy::Kind::kHashes;
    start.exchange_id = id;
    start.partition = p;
    start.level = 0;
    start.hashes = {state.tree.root()};
    send(node, peer, std::move(start));
    node.request_timer(now_ms + 4 * config.request_timeout_ms);
  }
}

void AntiEntropyManager::send(NodeContext& node, const NodeId& to, AntiEntropy message) {
  std::uint64_t bytes =
      24 + 4 * message.indices.size() + 8 * message.hashes.size() + 8 * message.key_hashes.size();
  for (const auto& key : message.keys) bytes += key.size();
  for (const auto& object : message.objects) bytes += object.size();
  for (const auto& key : message.wanted) bytes += key.size();
  node.stats().ae_bytes_sent += bytes;
  const bool last = message.kind == AntiEntropy::Kind::kDone || message.final;
  const std::uint64_t id = message.exchange_id;
  node.send(to, std::move(message));
  if (last) finish_exchange(node, id);
}

void AntiEntropyManager::finish_exchange(NodeContext& node, std::uint64_t exchange_id) {
  auto it = exchanges_.find(exchange_id);
  if (it == exchanges_.end()) return;  // The other side started it.
  partitions_[it->second.partition].last_exchange_ms = node.now_ms();
  ++node.stats().ae_exchanges_completed;
  exchanges_.erase(it);
}

std::optional<std::map<std::string, std::string>> AntiEntropyManager::entries_in_leaves(
    NodeContext& node, std::uint32_t partition, const std::vector<std::uint32_t>& leaves) {
  std::map<std::string, std::string> out;
  const HashTree& tree = partitions_[partition].tree;
  const Status status = node.storage().scan(
      storage::Namespace::kData, storage::partition_prefix(partition),
      storage::partition_end(partition), [&](std::string_view key, std::string_view value) {
        if (std::binary_search(leaves.begin(), leaves.end(), tree.leaf_of(key))) {
          out.emplace(std::string(key), std::string(value));
        }
        return true;
      });
  if (!status.is_ok()) {
    ++node.stats().storage_errors;
    return std::nullopt;  // No answer: the initiator times out and tries again later.
  }
  return out;
}

bool AntiEntropyManager::merge_repair(NodeContext& node, std::uint32_t partition,
                                      const std::string& storage_key, const std::string& object) {
  auto decoded = storage::decode_storage_key(storage_key);
  if (!decoded.is_ok() || decoded->partition != partition ||
      !valid_location(decoded->bucket, decoded->key) ||
      node.storage_key_of(decoded->bucket, decoded->key) != storage_key) {
    return false;  // A key that does not belong where the peer says: ignored.
  }
  auto incoming = VersionedObject::decode(object);
  if (!incoming.is_ok()) return false;
  auto local = node.read_local(decoded->bucket, decoded->key);
  if (!local.is_ok()) return false;
  VersionedObject merged = *local;
  merged.merge_from(*incoming);
  if (merged == *local) return false;
  node.write_object(decoded->bucket, decoded->key, merged);
  return true;
}

void AntiEntropyManager::on_message(NodeContext& node, const NodeId& from,
                                    const AntiEntropy& message) {
  const std::uint32_t p = message.partition;
  if (partitions_.empty() || p >= partitions_.size() || partitions_[p].dirty ||
      message.level > partitions_[p].tree.depth() ||
      message.indices.size() > kIndicesPerMessageMax ||
      message.hashes.size() > kIndicesPerMessageMax ||
      message.keys.size() > kIndicesPerMessageMax) {
    return;  // Malformed: dropped; the initiator times out.
  }
  std::optional<AntiEntropy> reply;
  switch (message.kind) {
    case AntiEntropy::Kind::kHashes:
      reply = on_hashes(node, from, message);
      break;
    case AntiEntropy::Kind::kKeys:
      reply = on_keys(node, message);
      break;
    case AntiEntropy::Kind::kEntries:
      reply = on_entries(node, message);
      break;
    case AntiEntropy::Kind::kDone:
      on_done(node, from, message);
      break;
  }
  if (reply) send(node, from, std::move(*reply));
}

// The nodes compared: the root at level 0, else every child of the listed parents (the differing
// nodes one level up), in order; only the hashes travel, not their indices. Answers with the
// children of the differing nodes, the keys under differing leaves, or kDone.
std::optional<AntiEntropy> AntiEntropyManager::on_hashes(NodeContext& node, const NodeId& from,
                                                         const AntiEntropy& message) {
  const std::uint32_t p = message.partition;
  const HashTree& tree = partitions_[p].tree;
  std::vector<std::uint32_t> nodes;
  if (message.level == 0) {
    nodes.push_back(0);
  } else {
    for (std::uint32_t parent : message.indices) {
      if (parent >= tree.nodes_at(message.level - 1)) return std::nullopt;
      for (std::uint32_t c = 0; c < tree.fanout(); ++c) nodes.push_back(parent * tree.fanout() + c);
    }
  }
  if (message.hashes.size() != nodes.size()) return std::nullopt;
  std::vector<std::uint32_t> differing;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (tree.hash(message.level, nodes[i]) != message.hashes[i]) differing.push_back(nodes[i]);
  }
  AntiEntropy reply;
  reply.exchange_id = message.exchange_id;
  reply.partition = p;
  reply.level = message.level;
  if (differing.empty()) {
    reply.kind = AntiEntropy::Kind::kDone;
    // Equal roots: the sender's partition as it was when it started equals ours now.
    if (message.level == 0) confirm_partition(p, from, node.now_ms());
  } else if (message.level == tree.depth()) {
    std::sort(differing.begin(), differing.end());
    if (differing.size() > node.config().anti_entropy_leaves_max) {
      differing.resize(node.config().anti_entropy_leaves_max);  // The rest: next exchange.
    }
    reply.kind = AntiEntropy::Kind::kKeys;
    const auto entries = entries_in_leaves(node, p, differing);
    if (!entries) return std::nullopt;
    for (const auto& [key, object] : *entries) {
      reply.keys.push_back(key);
      reply.key_hashes.push_back(entry_hash(key, object));
    }
    reply.indices = std::move(differing);
  } else {
    reply.kind = AntiEntropy::Kind::kHashes;
    reply.level = message.level + 1;
    const std::size_t parents_max = kIndicesPerMessageMax / tree.fanout();
    if (differing.size() > parents_max) differing.resize(parents_max);
    for (std::uint32_t index : differing) {
      for (std::uint32_t c = 0; c < tree.fanout(); ++c) {
        reply.hashes.push_back(tree.hash(reply.level, index * tree.fanout() + c));
      }
    }
    reply.indices = std::move(differing);
  }
  return reply;
}

// The sender's keys and entry hashes under some leaves: answer with our objects for keys it
// lacks, and ask (wanted) for the keys both hold differently or only it holds.
std::optional<AntiEntropy> AntiEntropyManager::on_keys(NodeContext& node,
                                                       const AntiEntropy& message) {
  const std::uint32_t p = message.partition;
  if (message.key_hashes.size() != message.keys.size()) return std::nullopt;
  std::vector<std::uint32_t> leaves = message.indices;
  std::sort(leaves.begin(), leaves.end());
  for (std::uint32_t leaf : leaves) {
    if (leaf >= partitions_[p].tree.leaf_count()) return std::nullopt;
  }
  const auto entries = entries_in_leaves(node, p, leaves);
  if (!entries) return std::nullopt;
  const auto& mine = *entries;
  std::map<std::string, std::uint64_t> theirs;
  for (std::size_t i = 0; i < message.keys.size(); ++i) {
    theirs.emplace(message.keys[i], message.key_hashes[i]);
  }
  AntiEntropy reply;
  reply.exchange_id = message.exchange_id;
  reply.partition = p;
  reply.kind = AntiEntropy::Kind::kEntries;
  std::size_t bytes = 0;
  for (const auto& [key, object] : mine) {
    // Keys both hold differently are asked for (wanted) rather than sent: if theirs supersedes
    // ours, one transfer suffices; if not, ours goes back after the merge.
    if (theirs.contains(key)) continue;
    if (bytes + key.size() + object.size() > node.config().anti_entropy_bytes_max &&
        !reply.keys.empty()) {
      continue;  // The rest: next exchange.
    }
    bytes += key.size() + object.size();
    reply.keys.push_back(key);
    reply.objects.push_back(object);
  }
  for (const auto& [key, hash] : theirs) {
    auto it = mine.find(key);
    if (it == mine.end() || entry_hash(key, it->second) != hash) reply.wanted.push_back(key);
  }
  if (reply.keys.empty() && reply.wanted.empty()) {
    reply.kind = AntiEntropy::Kind::kDone;
  } else {
    reply.final = reply.wanted.empty();
  }
  return reply;
}

// Objects to merge. Three cases: the echo (level 1: objects sent back after a merge, answered by
// nothing); the final answer (our copies that still differ after merging go back as the echo);
// and a non-final answer carrying `wanted` keys, answered with those objects (final).
std::optional<AntiEntropy> AntiEntropyManager::on_entries(NodeContext& node,
                                                          const AntiEntropy& message) {
  const std::uint32_t p = message.partition;
  if (message.objects.size() != message.keys.size()) return std::nullopt;
  const bool echo = message.level == 1;
  std::vector<std::size_t> ours_differ;  // Keys whose merged copy still differs from theirs.
  for (std::size_t i = 0; i < message.keys.size(); ++i) {
    if (merge_repair(node, p, message.keys[i], message.objects[i])) {
      ++partitions_[p].keys_repaired;
      ++node.stats().ae_keys_repaired;
    }
    if (!echo && message.final) {
      auto stored = node.storage().get(storage::Namespace::kData, message.keys[i]);
      if (stored.is_ok() && stored->has_value() && **stored != message.objects[i]) {
        ours_differ.push_back(i);
      }
    }
  }
  if (echo || (message.final && ours_differ.empty()) ||
      (!message.final && message.wanted.empty())) {
    finish_exchange(node, message.exchange_id);
    return std::nullopt;
  }
  AntiEntropy reply;
  reply.exchange_id = message.exchange_id;
  reply.partition = p;
  reply.kind = AntiEntropy::Kind::kEntries;
  reply.final = true;
  if (message.final) {
    // Our copies held what theirs lacked (concurrent or newer versions): send them back.
    reply.level = 1;
    for (std::size_t i : ours_differ) {
      auto stored = node.storage().get(storage::Namespace::kData, message.keys[i]);
      if (!stored.is_ok() || !stored->has_value()) continue;
      reply.keys.push_back(message.keys[i]);
      reply.objects.push_back(std::move(**stored));
    }
    return reply;
  }
  std::size_t bytes = 0;
  for (const std::string& key : message.wanted) {
    if (storage::partition_of_prefix(key) != p) continue;
    auto stored = node.storage().get(storage::Namespace::kData, key);
    if (!stored.is_ok() || !stored->has_value()) continue;
    if (bytes + key.size() + (*stored)->size() > node.config().anti_entropy_bytes_max &&
        !reply.keys.empty()) {
      break;
    }
    bytes += key.size() + (*stored)->size();
    reply.keys.push_back(key);
    reply.objects.push_back(std::move(**stored));
  }
  return reply;
}

void AntiEntropyManager::on_done(NodeContext& node, const NodeId& from,
                                 const AntiEntropy& message) {
  auto it = exchanges_.find(message.exchange_id);
  if (it != exchanges_.end() && message.level == 0 && it->second.peer == from) {
    confirm_partition(message.partition, from, it->second.started_ms);
  }
  finish_exchange(node, message.exchange_id);
}

}  // namespace ringkv::core
