// Gossiper: one node's gossip state machine (Dynamo paper section 4.8). It
// owns the node's MembershipState and PhiAccrualDetector and is sans-IO: the host calls on_tick()
// and on_message() with the current time and sends what they return, like etcd's raft Step/Ready.
//
// Every gossip_interval_ms the node increments its heartbeat and starts one scuttlebutt exchange
// (gossip_messages.h) with a random peer it believes alive; that push-pull round spreads any update
// to all n nodes in O(log n) rounds (Demers et al., "Epidemic algorithms for replicated database
// maintenance", PODC 1987; Karp et al., "Randomized rumor spreading", FOCS 2000). Two extra
// contacts follow Cassandra's Gossiper:
// - with probability unreachable / (live + 1) it also probes one member it suspects, so a healed
//   partition or a restarted node is noticed even if nobody else talks to it;
// - with probability seed_probability, and always when it knows no live peer, it also contacts a
//   seed. Every node lists the seeds and the seeds list each other, so any two nodes that joined
//   through different seeds are linked through the seeds' own exchanges: with at least one live
//   seed per node the cluster cannot stay split into logical partitions (the seed section of the
//   Dynamo paper).
//
// Liveness: a member's heartbeat counter observed to advance (directly or relayed) is a heartbeat
// for the failure detector; a member learned for the first time is only expected (see
// failure_detector.h); a new generation restarts its history. Nobody's liveness changes who owns
// data; it changes whom the node asks first and whom it gossips with.
//
// The own record: before the operator's `join` the node gossips as an observer (it pulls the
// table but has no record). After a restart (the host passes a generation above every previous
// one), the node learns its old record from its peers and re-announces it under the new
// generation, so a host only has to persist the generation. If a peer shows a generation at or
// above ours, the host's counter was lost; the gossiper moves above it and generation() tells the
// host what to persist.
//
// Thread-safety: none; the host serializes calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "core/membership/failure_detector.h"
#include "core/membership/gossip_messages.h"
#include "core/membership/membership_state.h"
#include "core/node_id.h"
#include "core/random.h"

namespace ringkv::core {

struct GossipConfig {
  std::uint64_t gossip_interval_ms = 1000;  // Dynamo and Cassandra gossip once a second.
  // Chance per round of an extra exchange with a seed when the round's peer is not one, or when
  // fewer members are known alive than there are seeds.
  double seed_probability = 0.1;
  // Records per delta message; flow control in the sense of van Renesse et al. (2008).
  std::size_t records_per_message_max = 512;
  PhiAccrualConfig failure_detector;

  // Rejects settings the gossiper cannot work with; the message names the setting.
  Status validate() const;
};

class Gossiper {
 public:
  // `generation` is the host-persisted incarnation, bumped at every start (>= 1). `seeds` may
  // include `self` (by id, or by `address` as a stand-in) and stand-ins "@HOST:PORT" for seeds
  // known only by address (node_id.h): each is replaced by the id of the member whose record
  // advertises that address, once a message from that member arrives. Preconditions: config.validate() is ok, `self` and `address` are valid for a
  // MemberRecord.
  Gossiper(NodeId self, std::string address, std::uint64_t generation, std::vector<NodeId> seeds,
           Random& random, GossipConfig config = {});

  // Loads the table the host persisted before a restart (call once, before anything else): the
  // members are expected by the failure detector, and the own record, if any, is re-announced
  // under this incarnation's generation.
  void restore(const MembershipState& persisted, std::uint64_t now_ms);

  // Starts a round when one is due: returns the digests to send (empty between rounds).
  std::vector<OutgoingGossip> on_tick(std::uint64_t now_ms);
  // Handles a message from `from` and returns the replies to send.
  std::vector<OutgoingGossip> on_message(const NodeId& from, const GossipMessage& message,
                                         std::uint64_t now_ms);

  // Operator commands. join/mark_up/leave/finish_leave/set_address change the own record; remove
  // may name any member. Errors as in MembershipState. Call join after synced_with_seed(), so the
  // join stamp follows every event the cluster has seen (an early stamp is still safe, it only
  // reorders the ring history and moves more partitions).
  Status join(std::uint32_t weight);
  Status mark_up();  // Handoff to this node finished.
  Status leave();
  Status finish_leave();  // Handoff from this node finished: kLeaving -> kRemoved.
  Status set_address(std::string address);
  // The own zone (rack or data centre): kept for join before it, a newer record after (a changed
  // zone moves partitions, as the ring's claim and preference lists depend on it).
  Status set_zone(std::string zone);
  Status remove(const NodeId& member);

  // Liveness as the failure detector sees it; always true for self, false for removed members.
  bool is_alive(const NodeId& member, std::uint64_t now_ms) const;
  const MembershipState& membership() const { return state_; }
  // Incremented whenever the static part of any record changes (not on heartbeats): the node
  // rebuilds its ring from membership().ring_history() and its address book when it moves.
  std::uint64_t change_count() const { return change_count_; }
  // The generation the own record runs under; the host persists it if it grew.
  std::uint64_t generation() const { return generation_; }
  const NodeId& self() const { return self_; }
  bool is_member() const;     // The own record exists and is not removed.
  bool self_removed() const;  // The cluster declared this node removed; the host shuts down.
  // True once a seed answered us, or when we are the only seed; join() after this.
  bool synced_with_seed() const { return synced_with_seed_; }
  const PhiAccrualDetector& failure_detector() const { return detector_; }
  // Sorted; stand-ins "@HOST:PORT" for seeds not identified yet.
  const std::vector<NodeId>& seeds() const { return seeds_; }

 private:
  GossipDigest make_digest() const { return {state_.digest()}; }
  // Feeds what a merge changed to the detector and the change counter.
  void observe(const ApplyOutcome& outcome, std::uint64_t now_ms);
  // Re-announces the own record under our generation when the table shows an older incarnation.
  void reconcile_self();
  Status local_change(Status status);
  // Picks a uniformly random element of `candidates` other than `excluded`; empty if none.
  NodeId pick(const std::vector<NodeId>& candidates, const NodeId& excluded);
  // Replaces the stand-in for `from`'s advertised address, if any, by `from`.
  void identify_seed(const NodeId& from);

  NodeId self_;
  std::string address_;
  std::string zone_;
  std::uint64_t generation_;
  std::vector<NodeId> seeds_;  // Without self, deduplicated, sorted.
  std::size_t unidentified_seeds_ = 0;  // Stand-ins left in seeds_.
  Random& random_;
  GossipConfig config_;
  MembershipState state_;
  PhiAccrualDetector detector_;
  std::uint64_t next_round_ms_ = 0;
  std::uint64_t change_count_ = 0;
  bool synced_with_seed_ = false;
};

}  // namespace ringkv::core
