// Merkle-tree anti-entropy (Dynamo paper section 4.7; DESIGN.md section 7). Every data write
// updates its partition's HashTree in O(depth) (note_data_write); at start the trees are rebuilt
// from storage in one scan. Periodically, for each partition it is a home replica of, a node
// compares trees with another home replica (round robin over them): the two descend together only
// into differing subtrees, compare the keys under differing leaves by entry hash, and send each
// other the objects that differ, which are merged like any replica write (siblings kept,
// tombstones respected). A step handles a bounded number of leaves and bytes; what is left is
// found by the next exchange.
#include <algorithm>
#include <set>

#include "core/key_position.h"
#include "core/node.h"
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

Status Node::build_trees() {
  trees_.assign(config_.partition_count, HashTree(config_.tree_fanout, config_.tree_depth));
  last_exchange_ms_.assign(config_.partition_count, 0);
  keys_repaired_.assign(config_.partition_count, 0);
  exchange_peer_turn_.assign(config_.partition_count, 0);
  // What was written before this start is unknown: confirmations must come after it.
  last_write_ms_.assign(config_.partition_count, now_ms_);
  confirmed_ms_.assign(config_.partition_count, {});
  return storage_.scan(storage::Namespace::kData, "", "",
                       [&](std::string_view key, std::string_view value) {
                         const auto p = storage::partition_of_prefix(key);
                         if (p && *p < config_.partition_count) {
                           trees_[*p].update(key, 0, tree_entry(key, value));
                         }
                         return true;
                       });
}

void Node::note_data_write(std::string_view storage_key, std::optional<std::string_view> old_object,
                           std::optional<std::string_view> new_object) {
  const auto partition = storage::partition_of_prefix(storage_key);
  if (!partition || *partition >= trees_.size()) return;
  const std::uint32_t p = *partition;
  last_write_ms_[p] = now_ms_;
  trees_[p].update(storage_key, old_object ? tree_entry(storage_key, *old_object) : 0,
                   new_object ? entry_hash(storage_key, *new_object) : 0);
}

void Node::confirm_partition(std::uint32_t partition, const NodeId& peer, std::uint64_t as_of_ms) {
  auto& confirmed = confirmed_ms_[partition][peer];
  confirmed = std::max(confirmed, as_of_ms);
}

// Tombstone reaping (the "grace period" of Cassandra's gc_grace_seconds, with anti-entropy
// confirmation as Riak's delete_mode requires primaries). A tombstone is what stops an old value
// from coming back through a replica, hint or transfer that missed the delete, so it may only go
// when none can exist: every home replica of the partition was found identical to ours (no live
// version of a deleted key anywhere) after our last write there, no member holds hints or has
// transfers pending or runs another ring, and the grace period has passed (messages in flight).
void Node::reap_tombstones(std::uint64_t now_ms) {
  if (!config_.anti_entropy || !ring_ || departed() || now_ms < next_reap_ms_) return;
  next_reap_ms_ = now_ms + config_.anti_entropy_interval_ms;
  if (!previous_rings_.empty() || hints_held_ != 0 || transfers_pending_ != 0 ||
      !transfers_.empty()) {
    return;
  }
  for (const NodeId& peer : peers()) {
    if (!ready_for_transfer(peer)) return;  // Down, or on another ring.
    const PeerReport& report = peer_reports_.at(peer);
    if (report.transfers_pending != 0 || report.hints_held != 0) return;
  }
  for (std::uint32_t p = 0; p < config_.partition_count; ++p) {
    if (now_ms < last_write_ms_[p] + config_.tombstone_grace_ms) continue;
    const auto home = ring_->preference_list(p, smallest_n());
    if (std::find(home.begin(), home.end(), config_.node_id) == home.end()) continue;
    bool confirmed = true;
    for (const NodeId& peer : home) {
      if (peer == config_.node_id) continue;
      auto it = confirmed_ms_[p].find(peer);
      confirmed = confirmed && it != confirmed_ms_[p].end() && it->second >= last_write_ms_[p];
    }
    if (!confirmed) continue;
    storage::WriteBatch batch;
    std::uint64_t reaped = 0;
    (void)storage_.scan(storage::Namespace::kData, storage::partition_prefix(p),
                        storage::partition_end(p), [&](std::string_view key, std::string_view value) {
                          auto object = VersionedObject::decode(value);
                          if (object.is_ok() && object->is_deleted()) {
                            batch.del(storage::Namespace::kData, key);
                            ++reaped;
                          }
                          return true;
                        });
    if (reaped == 0) continue;
    // Tombstones have no tree entry: the trees do not change, only the partition's write time.
    last_write_ms_[p] = now_ms;
    stats_.tombstones_reaped += reaped;
    const std::uint64_t token = next_token_++;
    persists_.emplace(token, NothingWaits{});
    effects_.push_back(PersistEffect{token, std::move(batch)});
  }
}

std::vector<PartitionExchange> Node::exchanges() const {
  std::vector<PartitionExchange> out;
  for (std::uint32_t p = 0; p < last_exchange_ms_.size(); ++p) {
    out.push_back({p, last_exchange_ms_[p], keys_repaired_[p]});
  }
  return out;
}

void Node::schedule_exchanges(std::uint64_t now_ms) {
  if (!config_.anti_entropy || !ring_ || departed()) return;
  std::vector<std::uint32_t> busy;
  for (const auto& [id, exchange] : exchanges_) busy.push_back(exchange.partition);
  const std::uint32_t q = config_.partition_count;
  for (std::uint32_t step = 0; step < q && exchanges_.size() < config_.anti_entropy_exchanges_max;
       ++step) {
    const std::uint32_t p = (next_exchange_partition_ + step) % q;
    if (last_exchange_ms_[p] != 0 && now_ms < last_exchange_ms_[p] + config_.anti_entropy_interval_ms) {
      continue;
    }
    if (std::find(busy.begin(), busy.end(), p) != busy.end()) continue;
    const auto home = ring_->preference_list(p, smallest_n());
    if (std::find(home.begin(), home.end(), config_.node_id) == home.end()) continue;
    // Each pair of replicas is compared by its lower id only, so two nodes never run the same
    // comparison at once from both ends.
    std::vector<NodeId> peers;
    for (const NodeId& id : home) {
      if (id > config_.node_id && ready_for_transfer(id)) peers.push_back(id);
    }
    if (peers.empty()) continue;
    const NodeId peer = peers[exchange_peer_turn_[p]++ % peers.size()];
    const std::uint64_t id = next_operation_id_++;
    exchanges_.emplace(id, Exchange{p, peer, now_ms + 4 * config_.request_timeout_ms, now_ms});
    last_exchange_ms_[p] = now_ms;  // An attempt counts: a failing peer is not retried at once.
    ++stats_.ae_exchanges_started;
    next_exchange_partition_ = (p + 1) % q;
    AntiEntropy start;
    start.kind = AntiEntropy::Kind::kHashes;
    start.exchange_id = id;
    start.partition = p;
    start.level = 0;
    start.hashes = {trees_[p].root()};
    send_anti_entropy(peer, std::move(start));
    request_timer(now_ms + 4 * config_.request_timeout_ms);
  }
}

void Node::send_anti_entropy(const NodeId& to, AntiEntropy message) {
  std::uint64_t bytes = 24 + 4 * message.indices.size() + 8 * message.hashes.size() +
                        8 * message.key_hashes.size();
  for (const auto& key : message.keys) bytes += key.size();
  for (const auto& object : message.objects) bytes += object.size();
  for (const auto& key : message.wanted) bytes += key.size();
  stats_.ae_bytes_sent += bytes;
  const bool last = message.kind == AntiEntropy::Kind::kDone || message.final;
  const std::uint64_t id = message.exchange_id;
  effects_.push_back(SendEffect{to, std::move(message)});
  if (last) finish_exchange(id);
}

void Node::finish_exchange(std::uint64_t exchange_id) {
  auto it = exchanges_.find(exchange_id);
  if (it == exchanges_.end()) return;  // The other side started it.
  last_exchange_ms_[it->second.partition] = now_ms_;
  ++stats_.ae_exchanges_completed;
  exchanges_.erase(it);
}

std::map<std::string, std::string> Node::entries_in_leaves(
    std::uint32_t partition, const std::vector<std::uint32_t>& leaves) {
  std::map<std::string, std::string> out;
  const HashTree& tree = trees_[partition];
  (void)storage_.scan(storage::Namespace::kData, storage::partition_prefix(partition),
                      storage::partition_end(partition),
                      [&](std::string_view key, std::string_view value) {
                        if (std::binary_search(leaves.begin(), leaves.end(), tree.leaf_of(key))) {
                          out.emplace(std::string(key), std::string(value));
                        }
                        return true;
                      });
  return out;
}

bool Node::merge_repair(std::uint32_t partition, const std::string& storage_key,
                        const std::string& object) {
  auto decoded = storage::decode_storage_key(storage_key);
  if (!decoded.is_ok() || decoded->partition != partition ||
      !valid_location(decoded->bucket, decoded->key) ||
      storage_key_of(decoded->bucket, decoded->key) != storage_key) {
    return false;  // A key that does not belong where the peer says: ignored.
  }
  auto incoming = VersionedObject::decode(object);
  if (!incoming.is_ok()) return false;
  auto local = read_local(decoded->bucket, decoded->key);
  if (!local.is_ok()) return false;
  VersionedObject merged = *local;
  merged.merge_from(*incoming);
  if (merged == *local) return false;
  persist_object(decoded->bucket, decoded->key, merged, NothingWaits{});
  return true;
}

void Node::on_anti_entropy(const NodeId& from, const AntiEntropy& message) {
  const std::uint32_t p = message.partition;
  if (trees_.empty() || p >= trees_.size() || message.level > trees_[p].depth() ||
      message.indices.size() > kIndicesPerMessageMax ||
      message.hashes.size() > kIndicesPerMessageMax ||
      message.keys.size() > kIndicesPerMessageMax) {
    return;  // Malformed: dropped; the initiator times out.
  }
  const HashTree& tree = trees_[p];
  AntiEntropy reply;
  reply.exchange_id = message.exchange_id;
  reply.partition = p;
  switch (message.kind) {
    case AntiEntropy::Kind::kHashes: {
      // The nodes compared: the root at level 0, else every child of the listed parents (the
      // differing nodes one level up), in order; only the hashes travel, not their indices.
      std::vector<std::uint32_t> nodes;
      if (message.level == 0) {
        nodes.push_back(0);
      } else {
        for (std::uint32_t parent : message.indices) {
          if (parent >= tree.nodes_at(message.level - 1)) return;
          for (std::uint32_t c = 0; c < tree.fanout(); ++c) {
            nodes.push_back(parent * tree.fanout() + c);
          }
        }
      }
      if (message.hashes.size() != nodes.size()) return;
      std::vector<std::uint32_t> differing;
      for (std::size_t i = 0; i < nodes.size(); ++i) {
        if (tree.hash(message.level, nodes[i]) != message.hashes[i]) differing.push_back(nodes[i]);
      }
      if (differing.empty()) {
        reply.kind = AntiEntropy::Kind::kDone;
        reply.level = message.level;
        // Equal roots: the sender's partition as it was when it started equals ours now.
        if (message.level == 0) confirm_partition(p, from, now_ms_);
      } else if (message.level == tree.depth()) {
        std::sort(differing.begin(), differing.end());
        if (differing.size() > config_.anti_entropy_leaves_max) {
          differing.resize(config_.anti_entropy_leaves_max);  // The rest: next exchange.
        }
        reply.kind = AntiEntropy::Kind::kKeys;
        reply.level = message.level;
        for (const auto& [key, object] : entries_in_leaves(p, differing)) {
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
      break;
    }
    case AntiEntropy::Kind::kKeys: {
      if (message.key_hashes.size() != message.keys.size()) return;
      std::vector<std::uint32_t> leaves = message.indices;
      std::sort(leaves.begin(), leaves.end());
      for (std::uint32_t leaf : leaves) {
        if (leaf >= tree.leaf_count()) return;
      }
      const auto mine = entries_in_leaves(p, leaves);
      std::map<std::string, std::uint64_t> theirs;
      for (std::size_t i = 0; i < message.keys.size(); ++i) {
        theirs.emplace(message.keys[i], message.key_hashes[i]);
      }
      reply.kind = AntiEntropy::Kind::kEntries;
      std::size_t bytes = 0;
      for (const auto& [key, object] : mine) {
        // Keys both hold differently are asked for (wanted) rather than sent: if theirs
        // supersedes ours, one transfer suffices; if not, ours goes back after the merge.
        if (theirs.contains(key)) continue;
        if (bytes + key.size() + object.size() > config_.anti_entropy_bytes_max &&
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
      break;
    }
    case AntiEntropy::Kind::kEntries: {
      if (message.objects.size() != message.keys.size()) return;
      // level 1 marks the last step: objects sent back after a merge, answered by nothing.
      const bool echo = message.level == 1;
      std::vector<std::size_t> ours_differ;  // Keys whose merged copy still differs from theirs.
      for (std::size_t i = 0; i < message.keys.size(); ++i) {
        if (merge_repair(p, message.keys[i], message.objects[i])) {
          ++keys_repaired_[p];
          ++stats_.ae_keys_repaired;
        }
        if (!echo && message.final) {
          auto stored = storage_.get(storage::Namespace::kData, message.keys[i]);
          if (stored.is_ok() && stored->has_value() && **stored != message.objects[i]) {
            ours_differ.push_back(i);
          }
        }
      }
      if (echo || (message.final && ours_differ.empty()) ||
          (!message.final && message.wanted.empty())) {
        finish_exchange(message.exchange_id);
        return;
      }
      if (message.final) {
        // Our copies held what theirs lacked (concurrent or newer versions): send them back.
        reply.kind = AntiEntropy::Kind::kEntries;
        reply.level = 1;
        reply.final = true;
        for (std::size_t i : ours_differ) {
          auto stored = storage_.get(storage::Namespace::kData, message.keys[i]);
          if (!stored.is_ok() || !stored->has_value()) continue;
          reply.keys.push_back(message.keys[i]);
          reply.objects.push_back(std::move(**stored));
        }
        break;
      }
      reply.kind = AntiEntropy::Kind::kEntries;
      reply.final = true;
      std::size_t bytes = 0;
      for (const std::string& key : message.wanted) {
        if (storage::partition_of_prefix(key) != p) continue;
        auto stored = storage_.get(storage::Namespace::kData, key);
        if (!stored.is_ok() || !stored->has_value()) continue;
        if (bytes + key.size() + (*stored)->size() > config_.anti_entropy_bytes_max &&
            !reply.keys.empty()) {
          break;
        }
        bytes += key.size() + (*stored)->size();
        reply.keys.push_back(key);
        reply.objects.push_back(std::move(**stored));
      }
      break;
    }
    case AntiEntropy::Kind::kDone: {
      auto it = exchanges_.find(message.exchange_id);
      if (it != exchanges_.end() && message.level == 0 && it->second.peer == from) {
        confirm_partition(p, from, it->second.started_ms);
      }
      finish_exchange(message.exchange_id);
      return;
    }
  }
  send_anti_entropy(from, std::move(reply));
}

}  // namespace ringkv::core
