// AntiEntropyManager: Merkle-tree anti-entropy and tombstone reaping, one component of the node
// (Dynamo paper section 4.7; Riak's riak_kv_entropy_manager plays the same role).
//
// Trees. Every data write updates its partition's HashTree in O(depth) (note_data_write); at
// start the trees are rebuilt from storage in one scan.
//
// Exchange. Periodically, for each partition it is a home replica of, a node compares trees with
// another home replica (round robin over them). The two descend together only into differing
// subtrees, compare the keys under differing leaves by entry hash, and send each other the objects
// that differ, which are merged like any replica write (siblings kept, tombstones respected). A
// step handles a bounded number of leaves and bytes; what is left is found by the next exchange.
// The steps and their messages are described at AntiEntropy in peer_message.h.
//
// Reaping. A tombstone is what stops an old value from coming back through a replica, hint or
// transfer that missed the delete, so it may only go when none can exist: every home replica of
// the partition was found identical to ours after our last write there, the cluster is quiescent
// (NodeContext::cluster_quiescent) and the grace period has passed (messages in flight). This is
// Cassandra's gc_grace_seconds with the anti-entropy confirmation Riak's delete_mode asks for.
// Thread-safety: none; owned by one Node.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "core/antientropy/hash_tree.h"
#include "core/node_context.h"

namespace ringkv::core {

// Anti-entropy on one partition, as this node saw it (for `ringkv status --anti-entropy`).
struct PartitionExchange {
  std::uint32_t partition = 0;
  std::uint64_t last_exchange_ms = 0;  // Node clock; 0: never.
  std::uint64_t keys_repaired = 0;
};

class AntiEntropyManager {
 public:
  // Rebuilds every partition's tree from the data namespace. Writes before `now_ms` are unknown,
  // so confirmations for reaping must come after it.
  Status start(const NodeConfig& config, storage::Engine& storage, std::uint64_t now_ms);

  // Keeps the partition's tree in step with a data write. Objects holding only tombstones have no
  // entry (they read like an absent key), so pass nullopt for them, and for an absent key.
  // `old_object` is decoded to tell.
  void note_data_write(std::string_view storage_key, std::optional<std::string_view> old_object,
                       std::optional<std::string_view> new_object, std::uint64_t now_ms);

  // A write to this partition failed, or its old object could not be read: the tree may no
  // longer match storage. It is rebuilt from storage on the next tick; until then it takes part
  // in no exchange, and earlier confirmations no longer count for reaping.
  void mark_dirty(std::uint32_t partition, std::uint64_t now_ms);

  void on_message(NodeContext& node, const NodeId& from, const AntiEntropy& message);
  // Starts the exchanges that are due, then reaps what may be reaped.
  void on_tick(NodeContext& node);
  // Forgets exchanges past their deadline (tried again after the interval).
  void expire(std::uint64_t now_ms);

  const HashTree& tree(std::uint32_t partition) const { return partitions_[partition].tree; }
  std::vector<PartitionExchange> exchanges() const;
  std::size_t exchanges_in_flight() const { return exchanges_.size(); }

 private:
  // Everything anti-entropy knows about one partition.
  struct PartitionState {
    HashTree tree;
    std::uint64_t last_exchange_ms = 0;  // Last exchange started or finished here; 0: never.
    std::uint64_t keys_repaired = 0;
    std::uint32_t peer_turn = 0;      // Round robin over the other home replicas.
    std::uint64_t last_write_ms = 0;  // The last local data write (start time at first).
    // Per peer: the latest time (local clock) as of which the peer's copy equalled ours.
    std::map<NodeId, std::uint64_t> confirmed_ms;
    bool dirty = false;  // The tree may differ from storage (see mark_dirty).
  };
  // An exchange this node started.
  struct Exchange {
    std::uint32_t partition = 0;
    NodeId peer;
    std::uint64_t deadline_ms = 0;
    std::uint64_t started_ms = 0;  // When our root was taken.
  };

  void rebuild_dirty_trees(NodeContext& node);
  void schedule_exchanges(NodeContext& node);
  void reap_tombstones(NodeContext& node);
  bool partition_confirmed(NodeContext& node, std::uint32_t partition) const;
  void confirm_partition(std::uint32_t partition, const NodeId& peer, std::uint64_t as_of_ms);
  void send(NodeContext& node, const NodeId& to, AntiEntropy message);
  void finish_exchange(NodeContext& node, std::uint64_t exchange_id);
  // One handler per message kind; each returns the answer to send, if any.
  std::optional<AntiEntropy> on_hashes(NodeContext& node, const NodeId& from,
                                       const AntiEntropy& message);
  std::optional<AntiEntropy> on_keys(NodeContext& node, const AntiEntropy& message);
  std::optional<AntiEntropy> on_entries(NodeContext& node, const AntiEntropy& message);
  void on_done(NodeContext& node, const NodeId& from, const AntiEntropy& message);
  // Own (key -> object) under the given leaves of a partition; nullopt when storage failed.
  std::optional<std::map<std::string, std::string>> entries_in_leaves(NodeContext& node, std::uint32_t partition,
                                                       const std::vector<std::uint32_t>& leaves);
  bool merge_repair(NodeContext& node, std::uint32_t partition, const std::string& storage_key,
                    const std::string& object);

  std::vector<PartitionState> partitions_;
  std::map<std::uint64_t, Exchange> exchanges_;  // Started here, by exchange id.
  std::uint32_t next_exchange_partition_ = 0;
  std::uint64_t next_reap_ms_ = 0;
  bool any_dirty_ = false;
};

}  // namespace ringkv::core
