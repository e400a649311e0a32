// Node: the deterministic state machine of one ringkv node. It routes events to its components
// (docs/ARCHITECTURE.md, "Node and its components").
//
// A host (runtime/ over Asio, or sim/) feeds it events: client requests, peer messages, storage
// completions and ticks, each with the current time in milliseconds. The node answers with effects
// (effects.h) that the host applies in the documented order. It reads its storage through the
// injected engine (point reads only) and writes only through PersistEffects, so the host decides
// how and when bytes reach the disk, and a simulator can crash it between write and sync.
//
// Request path (Dynamo paper section 4.5): any node coordinates a get, asking the key's N home
// replicas and answering after R replies, then read-repairing stale replicas. A put is coordinated
// by a home replica (others forward it to one, preferring the replica named in the context): it
// creates the new version with its own actor, makes it durable locally, then sends it to the other
// home replicas, and answers after W durable acknowledgements, its own included. The coordinator
// replicates only after its own write is durable, so a crash can never make it reuse a dot that
// another replica already holds.
// Thread-safety: none. A host drives one node from one thread.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "common/limits.h"
#include "common/status.h"
#include "core/actor_epochs.h"
#include "core/antientropy/anti_entropy_manager.h"
#include "core/antientropy/hash_tree.h"
#include "core/bucket.h"
#include "core/bucket_registry.h"
#include "core/coordination/get_quorum.h"
#include "core/coordination/put_quorum.h"
#include "core/datatypes/data_op.h"
#include "core/effects.h"
#include "core/handoff/hint_store.h"
#include "core/handoff/ownership_transfer.h"
#include "core/membership/failure_detector.h"
#include "core/membership/gossiper.h"
#include "core/node_config.h"
#include "core/node_context.h"
#include "core/operation_id.h"
#include "core/random.h"
#include "core/ring/ring.h"
#include "core/scan/scan_cursor.h"
#include "core/scan/scan_page.h"
#include "core/version/versioned_object.h"
#include "storage/engine.h"
#include "storage/storage_key.h"

namespace ringkv::core {

// One member as this node sees it (for `ringkv status`).
struct MemberView {
  NodeId id;
  std::string address;  // Empty in static mode (the host knows it).
  std::string state;    // joining | up | leaving | removed (static members: up).
  bool alive = false;   // This node's failure detector.
  std::uint32_t weight = 0;
  std::string zone;              // Rack or data centre; empty: none.
  std::uint32_t partitions = 0;  // Partitions it owns in this node's ring.
  // Partitions it still has to hand off, as it last reported (pongs); -1: never reported.
  std::int64_t transfers_pending = -1;
};

class Node {
 public:
  Node(NodeConfig config, storage::Engine& storage, Random& random);
  Node(const Node&) = delete;  // Components hold views of it (Context).
  Node& operator=(const Node&) = delete;

  // Builds the ring and loads this storage incarnation's actor id, or creates and persists a new
  // one (a wiped data directory gets a new actor, see version_vector.h). Call once, first.
  Status start(std::uint64_t now_ms);

  void on_client_request(ClientRequest request, std::uint64_t now_ms);
  void on_peer_message(const NodeId& from, const PeerMessage& message, std::uint64_t now_ms);
  void on_persisted(std::uint64_t token, const Status& status);
  // The host knows `peer` cannot be reached now (connection refused or reset): it counts as down
  // until it is heard from again, forwards waiting on it go to the next home replica at once, and
  // the requests waiting for its answer count it as failed.
  void on_peer_unreachable(const NodeId& peer, std::uint64_t now_ms);
  void on_tick(std::uint64_t now_ms);

  // Operator commands (dynamic membership only; errors say why). join: declare this node a
  // member (needs contact with a seed first). leave: hand every partition off, then leave the
  // cluster. remove: declare `member` (another node, presumably dead) gone for good; its
  // partitions are rebuilt on their new owners from the remaining replicas.
  Status join(std::uint32_t weight);
  Status leave();
  Status remove(const NodeId& member);

  // The effects produced since the last call, in the order they must be applied.
  std::vector<Effect> take_effects();

  ActorId actor_id() const { return actor_id_; }
  const NodeConfig& config() const { return config_; }
  // Precondition: has_ring() (always true in static mode; in dynamic mode once a cluster exists).
  const Ring& ring() const { return *ring_; }
  bool has_ring() const { return ring_.has_value(); }
  std::uint64_t ring_version() const { return ring_version_; }
  bool dynamic_membership() const { return gossiper_.has_value(); }
  // The gossiper (dynamic membership only), for hosts and tests.
  const Gossiper* gossiper() const { return gossiper_ ? &*gossiper_ : nullptr; }
  // The address gossip announced for `node`; empty if unknown or in static mode.
  std::string address_of(const NodeId& node) const;
  // This node's membership state name (joining | up | leaving | removed | none).
  std::string member_state() const;
  // A bucket's properties (its own, else the default bucket's).
  const BucketProperties& bucket_properties(const std::string& bucket) const;
  // Bucket properties as cluster metadata (core/bucket_registry.h, node_buckets.cc). set applies
  // `changes` (name, value: set_bucket_property) over the bucket's current properties; reset
  // makes the bucket use the defaults again. Either gossips the new entry to every peer at once,
  // persists it and applies it here (a change of n moves data as a ring change does). Errors
  // name the property.
  Result<BucketEntry> set_bucket_properties(
      const std::string& bucket, const std::vector<std::pair<std::string, std::string>>& changes);
  Result<BucketEntry> reset_bucket_properties(const std::string& bucket);
  const BucketRegistry& bucket_registry() const { return buckets_; }
  // Buckets of NodeConfig::buckets (the config file) whose properties differ from the cluster's,
  // which apply: the config file only seeds a bucket the cluster does not know.
  const std::vector<std::string>& buckets_config_ignored() const { return buckets_ignored_; }
  // Set once this node finished leaving or was removed: the host should stop it.
  bool departed() const { return gossiper_ && gossiper_->self_removed(); }
  std::vector<MemberView> members() const;
  // Partitions holding keys this node is not a home replica of (to hand off), and the keys
  // currently in flight to their new owners.
  std::uint64_t transfers_pending() const { return transfer_.pending(); }
  std::size_t transfer_keys_in_flight() const { return transfer_.keys_in_flight(); }
  std::size_t rebuilds_pending() const { return transfer_.rebuilds_pending(); }
  // Anti-entropy: the tree of one partition, and per-partition exchange history.
  const HashTree& tree(std::uint32_t partition) const { return anti_entropy_.tree(partition); }
  std::vector<PartitionExchange> exchanges() const { return anti_entropy_.exchanges(); }
  std::uint64_t now_ms() const { return now_ms_; }
  // The wall clock (NodeConfig::wall_clock_offset_ms), unix ms.
  std::uint64_t wall_ms() const {
    return static_cast<std::uint64_t>(static_cast<std::int64_t>(now_ms_) +
                                      config_.wall_clock_offset_ms);
  }
  const NodeStats& stats() const { return stats_; }
  std::size_t operations_in_flight() const {
    return puts_.size() + gets_.size() + forwards_.size() + persists_.size() +
           hints_.deliveries_in_flight() + transfer_.keys_in_flight() +
           anti_entropy_.exchanges_in_flight() + scans_.size();
  }
  // Hints this node holds for other nodes, and their bytes.
  std::uint64_t hints_held() const { return hints_.held(); }
  std::uint64_t hint_bytes() const { return hints_.bytes(); }
  // Whether this node currently believes `node` is up (local view, see peer_down_after_ms).
  bool believes_alive(const NodeId& node) const;

 private:
  // Where the answer to a request goes: a local client, or a node that forwarded it to us.
  struct ClientOrigin {
    std::uint64_t request_id;
  };
  struct ForwardOrigin {
    NodeId from;
    std::uint64_t forward_id;
  };
  // The node's own requests (the clean-up of keys read past their expiry): no reply is sent.
  struct InternalOrigin {};
  using Origin = std::variant<ClientOrigin, ForwardOrigin, InternalOrigin>;

  // Where a coordinator sends a write: a home replica, or a fallback holding a hint for one.
  struct ReplicaTarget {
    NodeId node;
    NodeId hint_for;  // Empty: `node` is a home replica.
  };
  struct PutOperation {
    Origin origin;
    std::string bucket, key;
    std::string object;                   // The new version, encoded.
    std::string result;                   // Updates: the encoded OpResult to reply with.
    std::vector<ReplicaTarget> replicas;  // Targets other than this node.
    PutQuorum answers;                    // This node and `replicas`, one answer each.
    Status last_error;
    std::uint64_t deadline_ms = 0;
    bool replied = false;
  };
  struct GetOperation {
    Origin origin;
    std::string bucket, key;
    GetQuorum answers;  // Home replicas, then previous owners, one answer each.
    std::map<NodeId, VersionedObject> objects;  // Successful replies.
    Status last_error;
    std::uint64_t deadline_ms = 0;
    bool replied = false;
    bool with_object = false;
    VersionedObject merged;
  };
  // What a peer last said in a pong.
  struct PeerReport {
    std::uint64_t ring_version = 0;
    std::uint64_t transfers_pending = 0;
    std::uint64_t hints_held = 0;
  };
  // A request handed to another node; kept whole so it can be handed to the next one.
  struct ForwardOperation {
    Origin origin;
    ClientRequest request;
    std::uint32_t hops = 0;     // Of the ForwardRequest sent.
    NodeId target;              // The last node it was sent to.
    std::vector<NodeId> tried;  // Every node it was sent to; any of them may answer.
    std::uint64_t retry_ms = 0;
    std::uint64_t deadline_ms = 0;
    std::uint64_t timeout_ms = 0;
  };
  // A scan call (node_scan.cc): one page of one partition at a time, from `position` on, until
  // the reply is full or the call's page budget is spent. Each page is a step with an operation
  // id of its own, so a late answer to an earlier step is ignored.
  struct ScanOperation {
    Origin origin;
    std::string bucket;
    ScanQuery query;  // count clamped to [1, kScanCountMax].
    ScanFilter filter;
    std::uint32_t n = 0;
    std::uint32_t replicas_wanted = 0;  // Home replicas answering each page: r (1: counting).
    std::uint64_t timeout_ms = 0;
    ScanPosition position;
    ScanResult result;
    std::size_t result_bytes = 0;
    std::uint32_t pages = 0;  // Steps completed in this call.
    // The current step.
    std::vector<NodeId> candidates;  // Home replicas of the partition, in the order to ask them.
    std::vector<NodeId> previous;    // Previous owners still handing the partition off.
    std::vector<NodeId> asked;
    std::vector<NodeId> answered;  // In the order the pages arrived.
    std::map<NodeId, ScanPage> answers;
    std::set<NodeId> failed;
    Status last_error;
    std::uint64_t started_ms = 0;
    std::uint64_t retry_ms = 0;  // When a silent replica next gets company.
    std::uint64_t deadline_ms = 0;
  };
  enum class ScanStepOutcome { kPending, kComplete, kFailed };

  // node.cc: validation, local storage, dispatch, timers.
  Status validate_request(const ClientRequest& request) const;
  std::string storage_key_of(const std::string& bucket, const std::string& key) const;
  Result<VersionedObject> read_local(const std::string& bucket, const std::string& key);
  // Writes `object` (after the operations already in `batch`, atomically), keeping the
  // partition's anti-entropy tree in step.
  std::uint64_t persist_object(const std::string& bucket, const std::string& key,
                               const VersionedObject& object, PersistPurpose purpose,
                               storage::WriteBatch batch = {});
  std::uint64_t persist(storage::WriteBatch batch, PersistPurpose purpose,
                        std::int64_t partition = -1);
  // Nothing anywhere could still bring back a deleted value (see NodeContext).
  bool cluster_quiescent() const;
  std::vector<NodeId> home_replicas(const std::string& bucket, const std::string& key,
                                    std::uint32_t n) const;
  // `hops`: forwards the request took to get here (see ForwardRequest).
  void handle_request(ClientRequest request, Origin origin, std::uint64_t now_ms,
                      std::uint32_t hops = 0);
  void on_forward_request(const NodeId& from, const ForwardRequest& forward, std::uint64_t now_ms);
  void on_forward_reply(const NodeId& from, const ForwardReply& reply);
  void finish(const Origin& origin, ClientReply reply);
  void fail(const Origin& origin, Status status);
  void request_timer(std::uint64_t at_ms);
  std::uint64_t timeout_of(const ClientRequest& request) const;
  void read_own_replica(const ClientRequest& request, const Origin& origin);
  // A get's reply for `object` (merged or local); `coordinator_hint` goes into its context.
  ClientReply read_reply(bool with_object, const VersionedObject& object,
                         const NodeId& coordinator_hint) const;
  // Deletes a key read past its expiry, through the normal write path (a tombstone).
  void delete_expired(const std::string& bucket, const std::string& key);
  void expire_operations(std::uint64_t now_ms);

  // node_put.cc: put coordination and the replica side of writes.
  // `home`: this node is one of `replicas`. Otherwise every home replica is down and this node
  // coordinates as a stand-in (sloppy quorum): the version gets a one-time actor id, since this
  // node's own counter for the key may be behind what the home replicas hold.
  void coordinate_put(const ClientRequest& request, Origin origin, const Quorum& quorum,
                      std::vector<NodeId> replicas, std::uint64_t now_ms, bool home = true);
  void on_put_local_done(std::uint64_t operation_id, const Status& status);
  void on_replica_write(const NodeId& from, const ReplicaWrite& message);
  void on_replica_write_ack(const NodeId& from, const ReplicaWriteAck& message);
  void settle_put(std::uint64_t operation_id);
  // Hands the request to one of `candidates` (home replicas, or seeds while this node has no
  // ring), preferring the replica the context names and then those believed up.
  void forward(ClientRequest request, Origin origin, const std::vector<NodeId>& candidates,
               std::uint64_t now_ms, std::uint32_t hops);
  // Sends a forward to the next candidate it was not sent to yet; false when none is left.
  bool forward_again(ForwardOperation& forward, std::uint64_t forward_id);
  std::vector<NodeId> forward_candidates(const ClientRequest& request) const;
  // The seeds other than this node whose ids are known (not stand-ins for an address yet).
  std::vector<NodeId> identified_seeds() const;
  std::vector<ReplicaTarget> write_targets(const std::string& bucket, const std::string& key,
                                           const std::vector<NodeId>& home) const;

  // node_membership.cc: gossip, the ring it drives, persistence, ownership transfer.
  Status start_membership(std::uint64_t now_ms);
  void on_gossip(const NodeId& from, const Gossip& message, std::uint64_t now_ms);
  void membership_tick(std::uint64_t now_ms);
  // Rebuilds the ring when membership changed and persists the table; keeps the old ring as a
  // previous ring whose owners are still asked on reads until the handoff settles.
  void on_membership_changed();
  void persist_membership();
  void send_gossip(std::vector<OutgoingGossip> outgoing);
  void adopt_ring(Ring ring, std::uint64_t version);
  std::vector<NodeId> peers() const;  // Whom to ping: every other member not removed.
  bool is_known_peer(const NodeId& node) const;
  std::uint32_t smallest_n() const;
  std::uint32_t largest_n() const;  // Of every bucket: how far a partition's replicas reach.
  // node_buckets.cc.
  Status start_buckets();
  // Merges `entry`; when it is taken, persists it and applies a change of n.
  bool take_bucket_entry(const BucketEntry& entry);
  void on_bucket_table(const NodeId& from, const BucketTable& table);
  void on_pong_buckets_digest(const NodeId& from, std::uint64_t digest);
  void push_bucket_table(const NodeId& to);
  bool is_home_partition(std::uint32_t partition) const;  // Home for every bucket's keys.
  bool handoff_settled() const;
  // Alive and, as its last pong said, running the same ring as this node.
  bool ready_for_transfer(const NodeId& node) const;
  void previous_owners(const std::string& bucket, const std::string& key, std::uint32_t n,
                       std::vector<NodeId>& replicas) const;

  // node_get.cc: get coordination, the replica side of reads, read repair.
  void coordinate_get(const ClientRequest& request, Origin origin, const Quorum& quorum,
                      std::vector<NodeId> replicas, std::uint64_t now_ms);
  void on_replica_read(const NodeId& from, const ReplicaRead& message);
  void on_replica_read_reply(const NodeId& from, const ReplicaReadReply& message);
  void record_read(std::uint64_t operation_id, const NodeId& replica,
                   Result<VersionedObject> object);
  void settle_get(std::uint64_t operation_id, bool final);
  void read_repair(const GetOperation& operation);
  // A bucket with conflict = lww keeps only the newest string values (keep_newest_values).
  void apply_conflict_policy(const std::string& bucket, VersionedObject& object) const;
  // See NodeContext::retire_actor.
  void retire_actor(std::uint32_t partition, storage::WriteBatch& batch);

  // node_scan.cc: scan coordination and the replica side of scans.
  void coordinate_scan(const ClientRequest& request, Origin origin, std::uint64_t now_ms);
  // Sends the step's page requests (and reads this node's own page) under operation id `id`.
  void begin_scan_step(std::uint64_t id, ScanOperation& scan, std::uint64_t now_ms);
  // Asks the next candidate not asked yet; false when none is left.
  bool ask_next_scan_replica(std::uint64_t id, ScanOperation& scan);
  void ask_scan_replica(std::uint64_t id, ScanOperation& scan, const NodeId& replica);
  void send_scan_request(std::uint64_t id, const ScanOperation& scan, const NodeId& replica);
  void on_scan_request(const NodeId& from, const ScanRequest& message);
  void on_scan_reply(const NodeId& from, const ScanReply& message);
  // Records one replica's page (or failure) for the step; does not settle it.
  void record_scan_page(std::uint64_t id, ScanOperation& scan, const NodeId& replica,
                        Result<ScanPage> page);
  ScanStepOutcome scan_step_outcome(const ScanOperation& scan, bool final) const;
  // Completes steps while they can be (this node's own pages answer at once), starts the next
  // ones, and answers the client once the call is done or has failed.
  void advance_scan(std::uint64_t id, bool final);
  void expire_scans(std::uint64_t now_ms);
  void scan_peer_unreachable(const NodeId& peer);

  NodeConfig config_;
  storage::Engine& storage_;
  Random& random_;
  std::optional<Ring> ring_;
  ActorId actor_id_ = 0;
  ActorEpochs actor_epochs_;  // The actor home writes of each partition use.
  bool started_ = false;
  std::uint64_t next_token_ = 1;
  OperationIds operation_ids_;  // Start at a random base (see start()).
  // Forwarded requests recently taken, by (sender, forward id): a duplicated message must not
  // coordinate the same write twice (it would become two siblings with one value).
  std::set<std::pair<NodeId, std::uint64_t>> forwards_seen_;
  std::deque<std::pair<NodeId, std::uint64_t>> forwards_seen_order_;
  // Peers the host reported unreachable, until they are heard from again.
  std::set<NodeId> unreachable_;
  std::uint64_t ping_sequence_ = 0;
  std::uint64_t now_ms_ = 0;
  std::uint64_t timer_at_ms_ = 0;  // Earliest timer requested and not yet fired (0: none).
  // Persists waiting for their completion, by token; a data write names its partition (-1:
  // none), whose anti-entropy tree is rebuilt if the write fails.
  struct PendingPersist {
    PersistPurpose purpose;
    std::int64_t partition = -1;
  };
  std::unordered_map<std::uint64_t, PendingPersist> persists_;
  bool membership_unpersisted_ = false;  // A membership write failed: written again next tick.
  std::map<std::uint64_t, PutOperation> puts_;  // By operation id.
  std::map<std::uint64_t, GetOperation> gets_;
  std::map<std::uint64_t, ForwardOperation> forwards_;
  std::map<std::uint64_t, ScanOperation> scans_;  // By the operation id of the current step.
  std::optional<PhiAccrualDetector> detector_;
  std::optional<Gossiper> gossiper_;
  std::uint64_t membership_changes_seen_ = 0;
  std::uint64_t membership_started_ms_ = 0;
  std::uint64_t ring_version_ = 0;
  std::vector<Ring> previous_rings_;  // Oldest first; dropped once the handoff settled.
  std::map<NodeId, PeerReport> peer_reports_;
  BucketRegistry buckets_;
  std::vector<std::string> buckets_ignored_;
  std::map<NodeId, std::uint64_t> buckets_pushed_ms_;  // When each peer was last sent our table.
  HintStore hints_;
  OwnershipTransfer transfer_;
  AntiEntropyManager anti_entropy_;
  std::vector<Effect> effects_;
  NodeStats stats_;

  // The view components get of this node (node_context.h; erase_data is in node.cc).
  class Context final : public NodeContext {
   public:
    explicit Context(Node& node) : node_(node) {}
    const NodeConfig& config() const override { return node_.config_; }
    std::uint64_t now_ms() const override { return node_.now_ms_; }
    storage::Engine& storage() override { return node_.storage_; }
    NodeStats& stats() override { return node_.stats_; }
    const Ring* ring() const override { return node_.ring_ ? &*node_.ring_ : nullptr; }
    bool departed() const override { return node_.departed(); }
    const BucketProperties& bucket_properties(const std::string& bucket) const override {
      return node_.bucket_properties(bucket);
    }
    std::vector<NodeId> home_replicas(const std::string& bucket, const std::string& key,
                                      std::uint32_t n) const override {
      return node_.home_replicas(bucket, key, n);
    }
    std::uint32_t smallest_n() const override { return node_.smallest_n(); }
    std::uint32_t largest_n() const override { return node_.largest_n(); }
    bool is_home_partition(std::uint32_t partition) const override {
      return node_.is_home_partition(partition);
    }
    std::vector<NodeId> peers() const override { return node_.peers(); }
    bool is_known_peer(const NodeId& node) const override { return node_.is_known_peer(node); }
    bool believes_alive(const NodeId& node) const override { return node_.believes_alive(node); }
    bool peer_ready(const NodeId& node) const override { return node_.ready_for_transfer(node); }
    bool cluster_quiescent() const override { return node_.cluster_quiescent(); }
    std::string storage_key_of(const std::string& bucket, const std::string& key) const override {
      return node_.storage_key_of(bucket, key);
    }
    Result<VersionedObject> read_local(const std::string& bucket, const std::string& key) override {
      return node_.read_local(bucket, key);
    }
    void write_object(const std::string& bucket, const std::string& key,
                      const VersionedObject& object) override {
      node_.persist_object(bucket, key, object, NothingWaits{});
    }
    std::uint64_t write_object(const std::string& bucket, const std::string& key,
                               const VersionedObject& object, storage::WriteBatch batch,
                               PersistPurpose purpose) override {
      return node_.persist_object(bucket, key, object, std::move(purpose), std::move(batch));
    }
    std::uint64_t erase_data(std::string_view storage_key, std::string_view old_object,
                             PersistPurpose purpose) override;
    void retire_actor(std::uint32_t partition, storage::WriteBatch& batch) override {
      node_.retire_actor(partition, batch);
    }
    std::uint64_t next_operation_id(OperationOwner owner) override {
      return node_.operation_ids_.next(owner);
    }
    void send(const NodeId& to, PeerMessage message) override {
      node_.effects_.push_back(SendEffect{to, std::move(message)});
    }
    std::uint64_t persist(storage::WriteBatch batch, PersistPurpose purpose) override {
      return node_.persist(std::move(batch), std::move(purpose));
    }
    void request_timer(std::uint64_t at_ms) override { node_.request_timer(at_ms); }

   private:
    Node& node_;
  };
  Context context_{*this};
};

}  // namespace ringkv::core
