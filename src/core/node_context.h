// NodeContext: what a component of the node (hinted handoff, ownership transfer, anti-entropy)
// may see of the node and ask of it. Node implements it; a component receives it on every call
// and never keeps it, so components hold only their own state and talk to each other only through
// the node (etcd raft passes `r *raft` to its step functions the same way). A test of a component
// could implement it with a fake (none does yet: components are tested through Node and sim).
//
// The outbox calls (send, persist, request_timer) append effects in call order; effects.h says
// how the host applies them. Questions that span components ("is the cluster quiet enough to
// reap tombstones?") are single queries here, answered by the node.
// Thread-safety: none; one node, one thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/status.h"
#include "core/bucket.h"
#include "core/node_config.h"
#include "core/node_id.h"
#include "core/operation_id.h"
#include "core/peer_message.h"
#include "core/random.h"
#include "core/ring/ring.h"
#include "core/version/versioned_object.h"
#include "storage/engine.h"

namespace ringkv::core {

// What a persist completion means, and who is waiting for it.
struct PutLocalDone {  // The coordinator's own write of a put.
  std::uint64_t operation_id;
};
struct ReplicaWriteDone {  // A replica's write: acknowledge it to the coordinator.
  NodeId coordinator;
  std::uint64_t operation_id;
};
struct HintStoreDone {};    // A write of the hint store (HintStore::on_persisted).
struct TransferDone {};     // A delete of a handed-off key (OwnershipTransfer::on_persisted).
struct MembershipWrite {};  // The membership table and generation: written again if it failed.
struct NothingWaits {};
using PersistPurpose = std::variant<PutLocalDone, ReplicaWriteDone, HintStoreDone, TransferDone,
                                    MembershipWrite, NothingWaits>;

class NodeContext {
 public:
  virtual ~NodeContext() = default;

  virtual const NodeConfig& config() const = 0;
  virtual std::uint64_t now_ms() const = 0;
  virtual storage::Engine& storage() = 0;
  virtual NodeStats& stats() = 0;

  // The ring: null before this node is part of a cluster.
  virtual const Ring* ring() const = 0;
  virtual bool departed() const = 0;
  virtual const BucketProperties& bucket_properties(const std::string& bucket) const = 0;
  virtual std::vector<NodeId> home_replicas(const std::string& bucket, const std::string& key,
                                            std::uint32_t n) const = 0;
  // The smallest n of any bucket: the replicas every key of a partition has.
  virtual std::uint32_t smallest_n() const = 0;
  // The largest n of any bucket: the replicas some key of a partition has.
  virtual std::uint32_t largest_n() const = 0;
  // This node is a home replica of the partition for every bucket's keys.
  virtual bool is_home_partition(std::uint32_t partition) const = 0;
  virtual std::vector<NodeId> peers() const = 0;  // Every other member not removed.
  virtual bool is_known_peer(const NodeId& node) const = 0;

  // The local failure detector's view.
  virtual bool believes_alive(const NodeId& node) const = 0;
  // Alive and, as its last pong said, running the same ring as this node: safe to hand data to.
  virtual bool peer_ready(const NodeId& node) const = 0;
  // Nothing anywhere could still bring back a deleted value: no previous ring, no hints or
  // transfers here, and every peer ready and reporting none either (tombstone reaping).
  virtual bool cluster_quiescent() const = 0;

  // Local data, with the anti-entropy trees kept in step with every write.
  virtual std::string storage_key_of(const std::string& bucket, const std::string& key) const = 0;
  virtual Result<VersionedObject> read_local(const std::string& bucket, const std::string& key) = 0;
  virtual void write_object(const std::string& bucket, const std::string& key,
                            const VersionedObject& object) = 0;
  // As write_object, in one atomic batch after the operations already in `batch`; returns the
  // persist token.
  virtual std::uint64_t write_object(const std::string& bucket, const std::string& key,
                                     const VersionedObject& object, storage::WriteBatch batch,
                                     PersistPurpose purpose) = 0;
  // Deletes a stored key whose current bytes are `old_object` (handed off to its owners);
  // returns the persist token.
  virtual std::uint64_t erase_data(std::string_view storage_key, std::string_view old_object,
                                   PersistPurpose purpose) = 0;
  // Before `batch` erases keys of `partition` in any other way (tombstone reaping): adds to it
  // what retires the actor this node wrote the partition's keys as (core/actor_epochs.h).
  virtual void retire_actor(std::uint32_t partition, storage::WriteBatch& batch) = 0;

  // The outbox.
  virtual std::uint64_t next_operation_id(OperationOwner owner) = 0;
  virtual void send(const NodeId& to, PeerMessage message) = 0;
  virtual std::uint64_t persist(storage::WriteBatch batch, PersistPurpose purpose) = 0;
  virtual void request_timer(std::uint64_t at_ms) = 0;
};

// Peer messages name a bucket and key; they get the same bounds as client requests.
bool valid_location(const std::string& bucket, const std::string& key);

}  // namespace ringkv::core
