// Ring: the assignment of Q equal partitions (vnodes) to nodes, a pure function of the membership
// history (Dynamo paper section 6.2, strategy 3; Riak's claim algorithms).
//
// The history lists joins and leaves in the order every node agrees on (it is part of the
// replicated membership state). Replaying it gives every node the same ring without a leader:
// the first member owns everything; a joiner takes partitions only from the most loaded members
// (per unit of weight) until it holds its share, so no partition moves between old members; a
// leaver's partitions go to the least loaded remaining members. Ties break by node id. Which
// partitions move is chosen for spread, so preference lists stay short (core/ring/claim.h).
// Members may name a zone (rack or data centre): preference lists then take distinct zones first
// (core/ring/preference_walk.h) and the claim alternates zones where it can (claim.h).
// Thread-safety: an immutable value after build.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "core/node_id.h"
#include "core/ring/preference_walk.h"

namespace ringkv::core {

class RingClaim;

struct MembershipEvent {
  enum class Kind : std::uint8_t { kJoin, kLeave };
  Kind kind = Kind::kJoin;
  NodeId node;
  std::uint32_t weight = 1;  // Joins only; >= 1. Weight 2 owns about twice the partitions.
  std::string zone;          // Joins only: the node's rack or data centre; empty: none.
  friend bool operator==(const MembershipEvent&, const MembershipEvent&) = default;
};

// A zone name: at most kZoneBytesMax bytes of printable ASCII other than space and the
// separators of the peers syntax (, = @ /). The empty zone means "no zone".
inline constexpr std::size_t kZoneBytesMax = 64;
bool is_valid_zone(std::string_view zone);

// A 64-bit digest of a history (FNV-1a over its events): two nodes with the same digest replay the
// same ring. Never 0. An event without a zone hashes as it did before zones existed.
std::uint64_t history_digest(const std::vector<MembershipEvent>& history);

class Ring {
 public:
  // The largest Q accepted. A join's claim work grows with Q times the member count and a leave's
  // with the square of the leaver's share, so Q is bounded where a build stays in the tens of
  // milliseconds; Riak, for comparison, advises rings of at most 1024 partitions.
  static constexpr std::uint32_t kPartitionCountMax = std::uint32_t{1} << 12;

  // Replays `history` over `partition_count` partitions (a power of two). Errors: a join of a
  // node already present, a leave of an absent node, a weight of 0, an invalid zone,
  // leaving the ring empty.
  // Also rejected: Q not a power of two or above kPartitionCountMax, an empty node id, and a
  // history with no member at all (an empty ring has no owners to answer with).
  static Result<Ring> build(std::uint32_t partition_count,
                            const std::vector<MembershipEvent>& history);
  // The ring after one more event: equal to build() over the history extended by `event`, at the
  // cost of that one event. Same errors as build() for the event. Precondition: built by build()
  // or after() (a default-constructed Ring is empty and only good for assigning to).
  Result<Ring> after(const MembershipEvent& event) const;

  std::uint32_t partition_count() const;
  const NodeId& owner(std::uint32_t partition) const;
  // Distinct physical nodes met walking clockwise from `partition` (its owner first), at most
  // `count` of them (fewer when fewer nodes own partitions: a member can own none when Q is
  // smaller than the total weight). The first N are the home replicas, the rest fallbacks for
  // the sloppy quorum. Walks only as far as it must: about `count` partitions on a spread ring.
  std::vector<NodeId> preference_list(std::uint32_t partition, std::size_t count) const;
  // Members (sorted by id) with their weights and partition counts.
  std::map<NodeId, std::uint32_t> partitions_per_node() const;
  const std::map<NodeId, std::uint32_t>& weights() const;
  // Members (sorted by id) with their zones (empty: none).
  const std::map<NodeId, std::string>& zones() const { return zones_; }
  // Distinct zones among members owning partitions; a member without a zone counts as one.
  std::size_t zone_count() const { return walk_.owning_zone_count(); }
  const std::vector<NodeId>& owners() const;  // Indexed by partition.

 private:
  // The ring a claim arrived at; `nodes` names its ranks.
  static Ring from_claim(const RingClaim& claim, const std::vector<NodeId>& nodes,
                         const std::vector<std::string>& zones);

  std::uint32_t partition_count_ = 0;
  std::vector<NodeId> owners_;   // Indexed by partition.
  std::vector<NodeId> members_;  // Sorted by id.
  // Owners as indices into members_, with the members' zone keys.
  PreferenceWalk walk_;
  std::map<NodeId, std::uint32_t> weights_;
  std::map<NodeId, std::string> zones_;
  std::map<NodeId, std::uint32_t> partitions_per_node_;
};

}  // namespace ringkv::core
