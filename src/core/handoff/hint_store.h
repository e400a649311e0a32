// HintStore: hinted handoff's fallback side, one component of the node (Dynamo paper section
// 4.6). A fallback node keeps writes meant for a home replica that is down in its hints
// namespace, keyed by the intended owner, and hands them back when the owner answers again. A
// hint is deleted only after the owner acknowledged it durable and only if it did not change
// since it was sent; hint storage per node is bounded by hint_bytes_max.
//
// A hint whose owner is no longer a home replica of its key (the owner left or was removed, or a
// ring change moved the key) can never be delivered; the holder adopts it instead: it merges the
// hint into its own copy of the key and deletes the hint in one atomic write, and from then on
// the ownership transfer (or anti-entropy, if the holder is a home replica) moves it on.
//
// The counts the node reports (held(): pongs, and through them tombstone reaping everywhere)
// err on the side of "more hints": a hint counts from the moment its write is issued until its
// delete is durable, so a crash can never bring back a hint nobody counted.
//
// Hint key: owner id length (1 byte), owner id, then the data storage key, so the hints for one
// owner are one range, in partition order.
// Thread-safety: none; owned by one Node.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "core/node_context.h"
#include "storage/storage_key.h"

namespace ringkv::core {

class HintStore {
 public:
  // Counts the hints a previous incarnation left; the first delivery round is one interval away.
  Status start(const NodeConfig& config, storage::Engine& storage, std::uint64_t now_ms);

  // A coordinator asks this node to keep `message` for message.hint_for.
  void store(NodeContext& node, const NodeId& from, const ReplicaWrite& message);
  // Delivers hints to owners believed up, when a round is due.
  void on_tick(NodeContext& node);
  // The owner's answer to a delivery (an id of OperationOwner::kHintDelivery).
  void on_ack(NodeContext& node, const NodeId& from, const ReplicaWriteAck& message);
  // Forgets deliveries past their deadline (sent again next round).
  void expire(std::uint64_t now_ms);
  // A write this store issued (PersistPurpose HintStoreDone) is durable, or failed.
  void on_persisted(NodeContext& node, std::uint64_t token, const Status& status);

  std::uint64_t held() const { return hints_held_; }
  std::uint64_t bytes() const { return hint_bytes_; }
  std::size_t deliveries_in_flight() const { return deliveries_.size(); }

 private:
  // A hint sent to its owner, deleted once the owner acknowledged it durable.
  struct Delivery {
    NodeId owner;
    std::string hint_key;
    std::string object;  // As sent: a hint rewritten meanwhile is kept for the next round.
    std::uint64_t deadline_ms = 0;
  };

  // A write of the hints namespace waiting for its persist completion.
  struct PendingWrite {
    enum class Kind : std::uint8_t { kStore, kDelivered, kAdopted };
    Kind kind = Kind::kStore;
    NodeId from;  // kStore: the coordinator to acknowledge (if operation_id != 0).
    std::uint64_t operation_id = 0;
    std::string hint_key;  // kDelivered, kAdopted: the hint removed, and its bytes.
    std::string object;
  };

  void deliver(NodeContext& node);
  // Merges the hint into this node's own copy and deletes it, atomically.
  void adopt(NodeContext& node, const std::string& hint_key, const storage::DecodedKey& key,
             std::string_view object);
  void remove(NodeContext& node, PendingWrite::Kind kind, std::string hint_key,
              std::string object, storage::WriteBatch batch);
  // Writes a hint whose delete failed back (merged with any newer one), then recounts.
  void write_back(NodeContext& node, std::string hint_key, std::string object);
  // Recounts on the next tick (a failed write left the counts in doubt).
  void recount_later(NodeContext& node);
  // Recounts from storage.
  void recount(NodeContext& node);

  std::map<std::uint64_t, Delivery> deliveries_;  // By operation id.
  std::map<std::uint64_t, PendingWrite> writes_;  // By persist token.
  bool recount_needed_ = false;  // A recount could not read storage: tried again next tick.
  // Hints whose delete failed and that could not be written back yet: (hint key, object).
  std::vector<std::pair<std::string, std::string>> write_backs_;
  std::uint64_t next_delivery_ms_ = 0;
  std::uint64_t hints_held_ = 0;
  std::uint64_t hint_bytes_ = 0;
};

}  // namespace ringkv::core
