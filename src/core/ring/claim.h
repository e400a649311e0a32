// RingClaim: the partition-claim algorithm that Ring replays the membership history through
// (docs/ARCHITECTURE.md, "The ring"; Dynamo paper section 6.2, strategy 3; Riak's riak_core_claim).
//
// Dynamo's strategy 3 splits the ring into Q equal partitions and moves whole partitions when the
// membership changes. The paper leaves open how a joiner picks its partitions; we take Riak's
// answer: a joiner takes partitions from the most loaded members until it holds its share, and a
// leaver's partitions go to the least loaded members. Each step moves one partition, so no
// partition ever moves between two members that stay (minimal movement), and load stays as even
// as whole partitions allow (balance: with equal weights, counts differ by at most one).
//
// Which partition moves is chosen for spread, the other property section 6.2 cares about: a
// preference list is short when every window of N = 3 consecutive partitions has distinct owners.
// Both joins and leaves first take the move that leaves the fewest windows with a repeated owner.
// A join then prefers the partition farthest (up to the spacing its share implies) from the
// joiner's other partitions, which spaces them evenly and leaves room for later joiners; with
// only two members no window can be distinct, so that criterion alone shapes the ring then.
//
// Zones (a member's rack or data centre; docs/ARCHITECTURE.md, "Zones"): when some members share
// a zone, the spread criterion counts windows with a repeated zone first and windows with a
// repeated node second, so consecutive owners alternate zones where the claim has a choice and a
// zone-distinct preference list (core/ring/preference_walk.h) rarely walks far. Which members
// give or receive, and so balance and minimal movement, is decided by load alone, as without
// zones; zones only choose which partition moves. A ring where no two members share a zone is
// claimed exactly as before zones existed.
//
// Members are dense ranks given in the order of their node ids, so a tie broken by rank is broken
// by node id, then by partition index. Every choice is a function of the current assignment and
// the event alone, so resuming from a built ring gives what a full replay gives.
// Thread-safety: none; a local of Ring::build and Ring::after.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ringkv::core {

class RingClaim {
 public:
  using Rank = std::uint32_t;
  // Windows of this many consecutive partitions should have distinct owners: N, the replication
  // factor the ring is tuned for (the default bucket's n = 3, core/bucket.h).
  static constexpr std::uint32_t kSpreadWindow = 3;

  // `partition_count` is a power of two; ranks are 0 .. rank_count - 1. Nobody owns anything yet.
  // `zones`: empty, or a zone key per rank (ranks with equal keys share a zone; a member without
  // a zone has a key of its own); keys are below 2^32 - 1.
  RingClaim(std::uint32_t partition_count, std::size_t rank_count,
            std::vector<std::uint32_t> zones = {});
  // Resumes from an assignment: `weights` by rank (0 for a rank that is not a member) and the
  // owner of every partition, each a member; `zones` as above.
  RingClaim(std::vector<std::uint32_t> weights, const std::vector<Rank>& owners,
            std::vector<std::uint32_t> zones = {});

  // The first member claims every partition; a later one takes partitions one at a time from the
  // most loaded members until it holds floor(Q * weight / total weight). Precondition: `node` is
  // not a member and weight >= 1.
  void join(Rank node, std::uint32_t weight);
  // Hands the leaver's partitions one at a time to the least loaded remaining member.
  // Precondition: `node` is a member and not the only one.
  void leave(Rank node);

  std::uint32_t partition_count() const { return partition_count_; }
  Rank owner(std::uint32_t partition) const;
  bool is_member(Rank node) const;
  std::uint32_t weight(Rank node) const;
  std::uint32_t partitions_of(Rank node) const;

 private:
  class DeltaBuckets;

  // load(a) > load(b) with load = partitions / weight, compared without division.
  bool more_loaded(Rank a, Rank b) const;
  // The change in the number of windows with a repeated owner if `partition` went to `to` (with
  // zones: repeated zones, scaled, plus repeated owners; see claim.cc).
  int spread_delta(std::uint32_t partition, Rank to) const;
  // The change in windows with a repeat between the 2N - 1 keys `before` and `after`.
  static int repeats_delta(const Rank* before, const Rank* after);
  // The spacing between a node's partitions when it holds `count` of them, at least 1.
  std::uint32_t spacing_for(std::uint64_t count) const;
  // Lower is better: spread delta first, then closeness to the receiver's partitions.
  std::uint32_t move_cost(int delta, std::uint32_t distance, std::uint32_t spacing) const;
  // Moves `partition` to `to`, keeping fresh_delta_ current. The old owner's last partition
  // fills the freed slot, which is returned (kNoSlot when the freed slot was the last).
  std::uint32_t give(std::uint32_t partition, Rank to);

  // Joins. During a join every member's partition list is a binary min-heap by heap_key_, with
  // slot_ as each partition's position. A cost that drops is moved up at once; one that rises
  // (most changes: the joiner came nearer) only updates join_key_ and is settled if it reaches
  // the head, so a donor's best partition is its settled head.
  void start_join_search(Rank joiner, std::uint32_t spacing);
  std::uint32_t pick_from_most_loaded(Rank joiner);
  void refresh_join_costs(std::uint32_t taken, Rank joiner, std::uint32_t spacing);
  void set_join_cost(std::uint32_t partition, std::uint32_t cost);
  // Restores the heap order after the key at `slot` changed.
  void heap_fix(Rank owner, std::uint32_t slot);
  void heap_sift_down(Rank owner, std::uint32_t slot);

  // Leaves.
  Rank least_loaded_member() const;
  std::uint32_t pick_from_leaver(const DeltaBuckets& buckets, Rank to) const;

  std::uint32_t partition_count_;
  std::uint32_t mask_;
  bool zoned_ = false;  // Some two ranks share a zone.
  int delta_max_ = 0;   // Spread deltas lie in [-delta_max_, delta_max_].
  std::vector<std::uint32_t>
      zone_;  // Indexed by rank when zoned_: its zone key.  // partition_count_ - 1: Q is a power
              // of two, so p & mask_ is p mod Q.
  std::uint32_t member_count_ = 0;
  std::uint64_t total_weight_ = 0;
  std::vector<Rank> owner_;                             // Indexed by partition.
  std::vector<std::uint32_t> slot_;                     // Indexed by partition: its list index.
  std::vector<std::uint32_t> weight_;                   // Indexed by rank; 0: not a member.
  std::vector<std::uint32_t> count_;                    // Indexed by rank: partitions_ sizes.
  std::vector<std::vector<std::uint32_t>> partitions_;  // Indexed by rank.
  // Indexed by partition, kept current by give(): the spread delta of giving the partition to a
  // node that owns none near it. Every partition is that to a joiner at first, and it is a lower
  // bound of the delta for any receiver.
  std::vector<std::int8_t> fresh_delta_;

  // The search state of the join in progress, indexed by partition and kept current after every
  // move so that a pick reads a few values instead of re-evaluating the ring: the joiner's spread
  // delta, the distance to the joiner's nearest partition, and the key (cost << 32 | partition)
  // that orders the donors' heaps.
  std::vector<std::int8_t> join_delta_;
  std::vector<std::uint32_t> join_distance_;
  std::vector<std::uint64_t> join_key_;
  // The key each partition's heap position was last settled with; never above join_key_.
  std::vector<std::uint64_t> heap_key_;
};

}  // namespace ringkv::core
