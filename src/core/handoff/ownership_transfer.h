// OwnershipTransfer: moving data when the ring changes, one component of the node
// (docs/ARCHITECTURE.md, "Membership, handoff and rebuild"; riak_core's handoff manager plays the
// same role). Two streams:
//
// Transfer. The ring is a pure function of the membership history, so every node that has seen
// the same history agrees on who is home for each partition. A node that holds keys it is no
// longer a home replica of (it left, or a joiner took the partition) streams them to their home
// replicas and deletes each key only once every home replica acknowledged it durable and the key
// has not changed since it was sent (like a hint). The stored data is the checkpoint: a transfer
// interrupted by a restart on either side resumes with what is left, never from scratch.
//
// Rebuild. A member removed by the operator (dead, or gone without handing off) leaves each of
// its partitions one replica short. For every partition it was a home replica of, the first node
// that is a home replica both before and after streams the partition to each new home replica, in
// key order from a cursor persisted per (partition, target), so the stream resumes after a
// restart. A member that leaves gracefully hands off by itself and is not rebuilt.
//
// Both streams share one byte budget (transfer_bytes_per_s) and send only to peers that are up
// and run the same ring (NodeContext::peer_ready), so a peer never takes a key as foreign.
// Thread-safety: none; owned by one Node.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "core/node_context.h"
#include "storage/storage_key.h"

namespace ringkv::core {

class OwnershipTransfer {
 public:
  // Rebuild tasks a previous incarnation left in the metadata namespace.
  Status load_rebuilds(const NodeConfig& config, storage::Engine& storage);
  // Plans rebuilds for the members of `removed` (ids in the old ring, now removed for good).
  void plan_rebuilds(NodeContext& node, const Ring& old_ring, const Ring& new_ring,
                     const std::vector<NodeId>& removed);
  // Plans rebuilds for the replicas a bucket's n rising from old_n to new_n adds: the first of
  // each partition's old_n replicas copies the keys to the new ones (a ring change's handoff
  // moves data in the other direction, when n falls).
  void plan_widening(NodeContext& node, const Ring& ring, std::uint32_t old_n, std::uint32_t new_n);
  // Recounts the partitions holding keys to hand off (after a ring change or at start).
  void count_pending(NodeContext& node);
  // Runs a round when one is due.
  void on_tick(NodeContext& node);
  // Makes the next round start at once (the ring changed).
  void wake(NodeContext& node, bool request_timer);
  // A new owner's answer (an id of OperationOwner::kTransfer or kRebuild).
  void on_ack(NodeContext& node, const NodeId& from, const ReplicaWriteAck& message);
  // Forgets transfers past their deadline (sent again next round).
  void expire(std::uint64_t now_ms);
  // A delete of a handed-off key (PersistPurpose TransferDone) is durable, or failed.
  void on_persisted(NodeContext& node, std::uint64_t token, const Status& status);

  // Partitions holding keys this node is not a home replica of, plus rebuild tasks.
  std::uint64_t pending() const { return transfers_pending_; }
  // Nothing left to hand off, nothing in flight, and every delete of a handed-off key durable.
  bool settled() const {
    return transfers_pending_ == 0 && transfers_.empty() && erases_.empty() &&
           erases_failed_.empty();
  }
  std::size_t keys_in_flight() const { return transfers_.size() + rebuild_ops_.size(); }
  std::size_t rebuilds_pending() const { return rebuilds_.size(); }

 private:
  // A key handed off to its home replicas, deleted here once all of them acknowledged it.
  struct TransferSend {
    std::string storage_key;
    std::string object;  // As sent.
    std::vector<NodeId> waiting;
    std::uint64_t deadline_ms = 0;
  };
  // This node streams partition `partition` to `target`, a new home replica, in key order from
  // `cursor` (the last key acknowledged; persisted).
  struct RebuildTask {
    std::string cursor;
    std::vector<std::uint64_t> waiting;  // Operation ids of the batch in flight.
    std::string batch_last_key;
    std::uint64_t deadline_ms = 0;
  };
  using RebuildKey = std::pair<std::uint32_t, NodeId>;  // (partition, target)

  void run(NodeContext& node);
  // Deletes a key every home replica acknowledged, if it is still `object` and still not ours.
  void erase_handed_off(NodeContext& node, const std::string& storage_key,
                        const std::string& object);
  void refill_budget(std::uint64_t rate_bytes_per_s, std::uint64_t now_ms);
  // Sends what is due from one partition this node is not home for; false when nothing is left
  // to hand off there.
  bool transfer_partition(NodeContext& node, std::uint32_t partition,
                          const std::vector<std::string>& in_flight);
  // The home replicas of a stored key this node holds without being one of them (the key must be
  // handed off to them); empty for its own keys and for keys that do not decode.
  std::vector<NodeId> handoff_targets(NodeContext& node, std::string_view storage_key,
                                      storage::DecodedKey* decoded) const;
  void on_transfer_ack(NodeContext& node, const NodeId& from, const ReplicaWriteAck& message);
  void on_rebuild_ack(NodeContext& node, const NodeId& from, const ReplicaWriteAck& message);
  void run_rebuilds(NodeContext& node);
  // Sends the next batch of a rebuild.
  enum class RebuildStep : std::uint8_t { kSent, kFinished, kScanFailed };
  RebuildStep send_rebuild_batch(NodeContext& node, const RebuildKey& key, RebuildTask& task);
  void persist_rebuild(NodeContext& node, const RebuildKey& key, const RebuildTask* task);
  void add_rebuild(NodeContext& node, std::uint32_t partition, const NodeId& target);

  std::map<std::uint64_t, TransferSend> transfers_;  // By operation id.
  // Deletes of handed-off keys waiting to be durable, by persist token: (storage key, object).
  std::map<std::uint64_t, std::pair<std::string, std::string>> erases_;
  // Deletes that failed, written again next round: (storage key, object).
  std::vector<std::pair<std::string, std::string>> erases_failed_;
  void retry_failed_erases(NodeContext& node);
  std::uint64_t transfers_pending_ = 0;
  std::map<RebuildKey, RebuildTask> rebuilds_;
  std::map<std::uint64_t, RebuildKey> rebuild_ops_;  // Operation id -> its task.
  std::uint64_t next_round_ms_ = 0;
  double budget_bytes_ = 0;  // Token bucket of transfer_bytes_per_s, at most one second's worth.
  std::uint64_t budget_at_ms_ = 0;
};

}  // namespace ringkv::core
