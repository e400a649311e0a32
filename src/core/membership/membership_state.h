// MembershipState: the replicated membership table every node holds and spreads by gossip
// (Dynamo paper section 4.8). It is a state-based CRDT: states merge record by
// record with a join that is commutative, associative and idempotent, so any gossip order
// converges. Reconciliation is scuttlebutt-style (van Renesse, Dumitriu, Gough, Tsiakkouris,
// "Efficient reconciliation and flow control for anti-entropy protocols", LADIS 2008): peers
// compare small digests of per-member stamps and ship only the records the other side lacks or
// holds older.
//
// A record has two parts with separate stamps:
// - the static part (address, weight, zone, status, join/leave order) changes only by operator
//   declaration (join, leave, remove) or an address or zone change, each bumping `version`;
// - the liveness part is `heartbeat`, a counter the member increments every gossip round.
// `generation` is the member's incarnation, bumped by its host at every restart and persisted
// there; a restarted node starts its counters under a generation that beats all of its old records.
//
// Merge rule, per member: the static part comes from the record with the larger static stamp, the
// liveness part from the larger (generation, heartbeat). The static stamp is (generation, version)
// with one exception: kRemoved is absorbing. A removed record beats every record that is not
// removed, whatever its generation, and removed records compare by (version, leave_order). This
// lets any node execute `remove NODE` for a dead member, and the removal wins over the dead node's
// own records, including those it may publish if it is restarted later (a removed id is retired;
// bring the machine back under a new id). Equal stamps with different content can only come from
// concurrent operator removals; the remaining fields break the tie, so the join is still a total
// order per part (the property tests check the algebra).
//
// Only a node bumps its own record (join, mark_up, leave, set_address, beat, restart); `remove` is
// the one operator command any node may run on behalf of another. Two fields are fixed for the
// life of an id because the ring replays them: `join_order` and `weight`.
//
// Ring history: the ring is a pure function of this state. Joins and leaves carry Lamport stamps
// (Lamport, "Time, clocks, and the ordering of events in a distributed system", 1978): a join or
// leave takes the largest stamp its node has seen plus one, so an event declared after another
// has been seen sorts after it, and concurrent events sort by id. ring_history() lists every
// member ever joined, removed ones included, and a leave for each kLeaving or kRemoved member, all
// in (stamp, id) order. Keeping removed members (rather than dropping them from the history) is
// what keeps movement minimal: the history only ever grows at its end in the common case, so the
// new ring equals Ring::after(event) on the old one, where only the leaver's partitions move.
// Rebuilding without the departed member would replay every later join differently and reshuffle
// partitions among members that stayed. The cost is one tombstone per departed id (bounded by
// kMembersMax).
//
// Thread-safety: none; a plain value owned by one gossiper.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "core/node_id.h"
#include "core/ring/ring.h"     // MembershipEvent

namespace ringkv::core {

// Operator-declared membership states, in the order a member passes through them. They say
// nothing about liveness, which is the failure detector's business.
enum class MemberStatus : std::uint8_t {
  kJoining = 0,  // Declared a member: in the ring, receiving its partitions by handoff.
  kUp = 1,       // Handoff done; serving its partitions.
  kLeaving = 2,  // Declared leaving: out of the ring, handing its partitions off.
  kRemoved = 3,  // Gone for good (leave finished, or the operator removed it).
};
const char* member_status_name(MemberStatus status);

// Limits on what a record and a table may hold; decoding rejects anything beyond them.
inline constexpr std::size_t kNodeIdBytesMax = 255;
inline constexpr std::size_t kAddressBytesMax = 255;  // "HOST:PORT".
inline constexpr std::uint32_t kMemberWeightMax = 1024;
// Members a table may hold, tombstones of removed members included.
inline constexpr std::size_t kMembersMax = 8192;

struct MemberRecord {
  NodeId id;
  std::string address;  // "HOST:PORT"; empty once removed.
  std::uint32_t weight = 1;
  MemberStatus status = MemberStatus::kJoining;
  std::uint64_t join_order = 0;   // Lamport stamp of the join; >= 1.
  std::uint64_t leave_order = 0;  // Lamport stamp of the leave or removal; 0 while joining or up.
  std::uint64_t generation = 0;   // >= 1.
  std::uint64_t version = 0;      // >= 1; bumped on every static change.
  std::uint64_t heartbeat = 0;
  std::string zone;  // Rack or data centre (is_valid_zone); empty: none.
  friend bool operator==(const MemberRecord&, const MemberRecord&) = default;
};

// "HOST:PORT" with a non-empty host and a port in [1, 65535].
bool is_valid_member_address(std::string_view address);

// Checks the invariants every record must satisfy; decoders and apply() rely on it.
Status validate_record(const MemberRecord& record);

// The join of two records of the same member (see the file comment). Precondition: a.id == b.id.
MemberRecord merge_records(const MemberRecord& a, const MemberRecord& b);

// What a peer knows of one member, enough to decide which of two records wins each part. An
// all-zero entry means "nothing known" (real records have generation and version >= 1).
struct DigestEntry {
  std::uint64_t generation = 0;
  std::uint64_t version = 0;
  std::uint64_t heartbeat = 0;
  std::uint64_t removed_order = 0;  // The record's leave_order if it is removed, else 0.
  friend bool operator==(const DigestEntry&, const DigestEntry&) = default;
};
using Digest = std::map<NodeId, DigestEntry>;

DigestEntry digest_entry(const MemberRecord& record);
// True when `record` wins over every record summarized by `entry` in at least one part, that is,
// when sending it would change the other side.
bool is_newer_than(const MemberRecord& record, const DigestEntry& entry);

// What apply() changed, for the gossiper's failure detector and change counter.
struct ApplyOutcome {
  std::vector<NodeId> added;           // Members not known before.
  std::vector<NodeId> static_changed;  // Static part changed (added members included).
  // (generation, heartbeat) grew. Added and removed members are left out: nobody watches the
  // liveness of a removed member, and a new one is only expected (failure_detector.h).
  std::vector<NodeId> liveness_advanced;
  std::vector<NodeId> generation_changed;  // Subset of liveness_advanced: a restart.
  std::size_t rejected = 0;                // Invalid records, or new members beyond kMembersMax.
};

class MembershipState {
 public:
  const std::map<NodeId, MemberRecord>& members() const { return members_; }
  const MemberRecord* find(const NodeId& id) const;
  std::size_t size() const { return members_.size(); }
  // The largest join or leave stamp in the table; the next event is stamped above it.
  std::uint64_t max_order() const { return max_order_; }

  Digest digest() const;
  // Our records that `theirs` lacks or holds older, at most `records_max` of them. When the cap
  // bites, the members the peer lacks entirely go first, then the ones it is furthest behind on
  // (version gap, then heartbeat gap): scuttlebutt's "scuttle depth" ordering, which spends a
  // bounded message on the updates that matter most.
  std::vector<MemberRecord> delta_for(const Digest& theirs,
                                      std::size_t records_max = kMembersMax) const;
  // Our records newer than the entries of `request` (another node's request_for), only for the
  // members it lists; same cap and order as delta_for.
  std::vector<MemberRecord> answer(const Digest& request,
                                   std::size_t records_max = kMembersMax) const;
  // Our digest entries (zero when absent) for the members where `theirs` shows something newer:
  // what to ask the peer for, so that its answer carries only what we lack. At most
  // `entries_max` entries, chosen in the same order as delta_for's records.
  Digest request_for(const Digest& theirs, std::size_t entries_max = kMembersMax) const;
  // Merges records (in any order, duplicates allowed). Invalid records are skipped and counted.
  ApplyOutcome apply(const std::vector<MemberRecord>& records);
  // Merges a whole state; apply() of all of `other`'s records.
  ApplyOutcome merge(const MembershipState& other);

  // The history Ring::build replays (see the file comment). Ring::build rejects it when it would
  // empty the ring (every member gone); the caller then keeps its previous ring.
  std::vector<MembershipEvent> ring_history() const;

  // Changes to the node's own record. Errors: the record is absent (or present, for join), or the
  // status does not allow the change; the message says which.
  // Declares `self` a member: status kJoining, join stamp max_order() + 1, version 1, heartbeat 0.
  Status join(const NodeId& self, std::string address, std::uint32_t weight,
              std::uint64_t generation, std::string zone = {});
  Status mark_up(const NodeId& self);  // kJoining -> kUp.
  Status leave(const NodeId& self);    // kJoining or kUp -> kLeaving with a fresh leave stamp.
  Status set_address(const NodeId& self, std::string address);
  // A new zone for a member that is not removed. The ring history then names it at the member's
  // join, so the ring is rebuilt from the history and partitions move to fit the new zone.
  Status set_zone(const NodeId& self, std::string zone);
  void beat(const NodeId& self);  // Precondition: self is present.
  // Re-announces `self` under `generation`, which must exceed its record's: heartbeat restarts
  // at 0 and the version is bumped, so the new incarnation wins both parts everywhere.
  Status restart(const NodeId& self, std::uint64_t generation);
  // Operator command, runnable by any node: declares `member` removed (absorbing). A leaving
  // member keeps its leave stamp (its partitions already moved); any other gets a fresh one.
  // Removing a removed member is a no-op.
  Status remove(const NodeId& member);

 private:
  // delta_for and answer: `only_listed` skips members absent from `theirs`.
  std::vector<MemberRecord> newer_records(const Digest& theirs, bool only_listed,
                                          std::size_t records_max) const;
  // Stores a record of ours (own change or removal) and keeps max_order_.
  void put(MemberRecord record);

  std::map<NodeId, MemberRecord> members_;
  std::uint64_t max_order_ = 0;
};

}  // namespace ringkv::core
