#include "core/ring/claim.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <limits>
#include <utility>

namespace ringkv::core {
namespace {

constexpr RingClaim::Rank kNoOwner = std::numeric_limits<RingClaim::Rank>::max();
constexpr std::uint32_t kNoCost = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint32_t kNoSlot = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint32_t kNoPartition = std::numeric_limits<std::uint32_t>::max();

// A spread delta lies in [-N, N]: a move touches the N windows containing the partition. On a
// ring with zones it is the zone delta times kZoneScale plus the node delta (both in [-N, N]), so
// zones decide first and nodes break ties: it lies in [-kZonedDeltaMax, kZonedDeltaMax].
constexpr int kNodeDeltaMax = static_cast<int>(RingClaim::kSpreadWindow);
constexpr int kZoneScale = 2 * kNodeDeltaMax + 1;
constexpr int kZonedDeltaMax = kNodeDeltaMax * kZoneScale + kNodeDeltaMax;
static_assert(kZonedDeltaMax <= 127, "spread deltas are kept as int8_t");

std::uint32_t key_cost(std::uint64_t key) {
  return static_cast<std::uint32_t>(key >> 32);
}

}  // namespace

// The leaver's partitions filed by fresh spread delta, one bitset per delta, so that a leave
// visits them in order of the least delta they could have (fresh delta, then index) and stops
// as soon as nothing unvisited can beat the best found. A receiver's delta usually equals the
// fresh one (it owns nothing that close), so a pick evaluates a handful of partitions instead
// of all the leaver holds.
class RingClaim::DeltaBuckets {
 public:
  DeltaBuckets(std::uint32_t partition_count, int delta_max)
      : delta_max_(delta_max),
        words_((partition_count + 63) / 64),
        bits_(static_cast<std::size_t>(2 * delta_max + 1) * words_, 0) {}

  void insert(int delta, std::uint32_t partition) {
    word(delta, partition) |= std::uint64_t{1} << (partition % 64);
  }
  void erase(int delta, std::uint32_t partition) {
    word(delta, partition) &= ~(std::uint64_t{1} << (partition % 64));
  }
  // The first partition >= `from` filed under `delta`, or kNoPartition.
  std::uint32_t next(int delta, std::uint32_t from) const {
    const std::uint64_t* row = &bits_[row_start(delta)];
    std::uint32_t index = from / 64;
    if (index >= words_) return kNoPartition;
    std::uint64_t bits = row[index] & (~std::uint64_t{0} << (from % 64));
    while (bits == 0) {
      if (++index == words_) return kNoPartition;
      bits = row[index];
    }
    return index * 64 + static_cast<std::uint32_t>(std::countr_zero(bits));
  }

 private:
  std::size_t row_start(int delta) const {
    assert(delta >= -delta_max_);
    assert(delta <= delta_max_);
    return static_cast<std::size_t>(delta + delta_max_) * words_;
  }
  std::uint64_t& word(int delta, std::uint32_t partition) {
    assert(partition / 64 < words_);
    return bits_[row_start(delta) + partition / 64];
  }

  int delta_max_;
  std::uint32_t words_;
  std::vector<std::uint64_t> bits_;
};

RingClaim::RingClaim(std::uint32_t partition_count, std::size_t rank_count,
                     std::vector<std::uint32_t> zones)
    : partition_count_(partition_count),
      mask_(partition_count - 1),
      owner_(partition_count, kNoOwner),
      slot_(partition_count, 0),
      weight_(rank_count, 0),
      count_(rank_count, 0),
      partitions_(rank_count),
      fresh_delta_(partition_count, 0),
      join_delta_(partition_count, 0),
      join_distance_(partition_count, 0),
      join_key_(partition_count, 0),
      heap_key_(partition_count, 0) {
  assert(partition_count != 0);
  assert((partition_count & mask_) == 0);
  assert(zones.empty() || zones.size() == rank_count);
  // Zones count only when two ranks share one; otherwise zone windows are node windows and the
  // plain node delta keeps rings without zones exactly as they were before zones existed.
  std::vector<std::uint32_t> sorted = zones;
  std::sort(sorted.begin(), sorted.end());
  zoned_ = std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end();
  if (zoned_) {
    zone_ = std::move(zones);
    assert(std::find(zone_.begin(), zone_.end(), kNoOwner) == zone_.end());
  }
  delta_max_ = zoned_ ? kZonedDeltaMax : kNodeDeltaMax;
}

RingClaim::RingClaim(std::vector<std::uint32_t> weights, const std::vector<Rank>& owners,
                     std::vector<std::uint32_t> zones)
    : RingClaim(static_cast<std::uint32_t>(owners.size()), weights.size(), std::move(zones)) {
  weight_ = std::move(weights);
  for (const std::uint32_t weight : weight_) {
    total_weight_ += weight;
    member_count_ += weight != 0;
  }
  for (std::uint32_t p = 0; p < partition_count_; ++p) {
    const Rank owner = owners[p];
    assert(owner < weight_.size());
    assert(weight_[owner] != 0);
    owner_[p] = owner;
    slot_[p] = count_[owner]++;
    partitions_[owner].push_back(p);
  }
  for (std::uint32_t p = 0; p < partition_count_; ++p) {
    fresh_delta_[p] = static_cast<std::int8_t>(spread_delta(p, kNoOwner));
  }
}

RingClaim::Rank RingClaim::owner(std::uint32_t partition) const {
  assert(partition < partition_count_);
  return owner_[partition];
}

bool RingClaim::is_member(Rank node) const {
  assert(node < weight_.size());
  return weight_[node] != 0;
}

std::uint32_t RingClaim::weight(Rank node) const {
  assert(node < weight_.size());
  return weight_[node];
}

std::uint32_t RingClaim::partitions_of(Rank node) const {
  assert(node < count_.size());
  return count_[node];
}

void RingClaim::join(Rank node, std::uint32_t weight) {
  assert(node < weight_.size());
  assert(weight >= 1);
  assert(weight_[node] == 0);
  assert(count_[node] == 0);
  weight_[node] = weight;
  total_weight_ += weight;
  ++member_count_;
  if (member_count_ == 1) {
    // Strategy 3 starts from one node owning the whole ring; every later ring is derived from it.
    partitions_[node].reserve(partition_count_);
    for (std::uint32_t p = 0; p < partition_count_; ++p) {
      owner_[p] = node;
      slot_[p] = p;
      partitions_[node].push_back(p);
    }
    count_[node] = partition_count_;
    for (std::uint32_t p = 0; p < partition_count_; ++p) {
      fresh_delta_[p] = static_cast<std::int8_t>(spread_delta(p, kNoOwner));
    }
    return;
  }
  // Rounding the share down leaves the joiner at most one partition under it and the old members
  // at most one over, which is as even as whole partitions allow when weights are equal.
  const std::uint64_t target = std::uint64_t{partition_count_} * weight / total_weight_;
  assert(target < partition_count_);
  if (target == 0) return;
  const std::uint32_t spacing = spacing_for(target);
  start_join_search(node, spacing);
  while (count_[node] < target) {
    const std::uint32_t taken = pick_from_most_loaded(node);
    const Rank donor = owner_[taken];
    const std::uint32_t refilled = give(taken, node);
    if (refilled != kNoSlot) heap_fix(donor, refilled);
    refresh_join_costs(taken, node, spacing);
  }
}

void RingClaim::start_join_search(Rank joiner, std::uint32_t spacing) {
  // The joiner owns nothing yet: every partition is fresh to it and as far from its partitions
  // as the spacing counts. Raw arrays and a cost per delta value, since this touches the whole
  // ring on every join.
  // On a ring with zones the joiner's zone-mates may own partitions near any of them, so its
  // deltas are computed; otherwise they are the fresh ones.
  if (zoned_) {
    for (std::uint32_t p = 0; p < partition_count_; ++p) {
      join_delta_[p] = static_cast<std::int8_t>(spread_delta(p, joiner));
    }
  } else {
    std::copy(fresh_delta_.begin(), fresh_delta_.end(), join_delta_.begin());
  }
  std::fill(join_distance_.begin(), join_distance_.end(), spacing);
  std::uint64_t cost_of_delta[2 * kZonedDeltaMax + 1];
  for (int delta = -delta_max_; delta <= delta_max_; ++delta) {
    cost_of_delta[delta + delta_max_] = std::uint64_t{move_cost(delta, spacing, spacing)} << 32;
  }
  const std::int8_t* deltas = join_delta_.data();
  std::uint64_t* keys = join_key_.data();
  std::uint64_t* heap_keys = heap_key_.data();
  for (std::uint32_t p = 0; p < partition_count_; ++p) {
    keys[p] = cost_of_delta[deltas[p] + delta_max_] | p;
    heap_keys[p] = keys[p];
  }
  // Heapify every donor's list (Floyd's bottom-up construction, O(Q) in all).
  for (Rank r = 0; r < partitions_.size(); ++r) {
    if (r == joiner) continue;
    for (std::uint32_t slot = count_[r] / 2; slot-- > 0;) heap_sift_down(r, slot);
  }
}

std::uint32_t RingClaim::pick_from_most_loaded(Rank joiner) {
  // Raw arrays: this runs once per moved partition over every member, and debug builds would
  // otherwise spend the build in checked element access.
  const auto ranks = static_cast<Rank>(weight_.size());
  const std::uint32_t* weights = weight_.data();
  const std::uint32_t* counts = count_.data();
  Rank top = kNoOwner;
  std::uint64_t top_count = 0;
  std::uint64_t top_weight = 1;
  for (Rank r = 0; r < ranks; ++r) {
    if (r == joiner || weights[r] == 0 || counts[r] == 0) continue;
    if (counts[r] * top_weight > top_count * weights[r]) {
      top = r;
      top_count = counts[r];
      top_weight = weights[r];
    }
  }
  assert(top != kNoOwner);
  // Every member as loaded as `top` is an equally fair donor, so the choice among all their
  // partitions goes to spread; ties by node id (rank), then partition index. `top` is the lowest
  // rank among them, and each donor's best partition heads its heap once its deferred
  // increases are settled; a donor whose head cannot beat the best so far is left unsettled.
  const std::uint64_t* keys = join_key_.data();
  std::uint64_t* heap_keys = heap_key_.data();
  std::uint32_t best = kNoPartition;
  std::uint32_t best_cost = kNoCost;
  for (Rank r = top; r < ranks; ++r) {
    if (r == joiner || weights[r] == 0) continue;
    if (counts[r] * top_weight != top_count * weights[r]) continue;
    std::uint32_t first = partitions_[r].front();
    if (key_cost(heap_keys[first]) >= best_cost) continue;  // A lower bound of r's costs.
    while (heap_keys[first] != keys[first]) {
      heap_keys[first] = keys[first];
      heap_sift_down(r, 0);
      first = partitions_[r].front();
    }
    const std::uint32_t cost = key_cost(keys[first]);
    if (cost < best_cost) {
      best = first;
      best_cost = cost;
    }
  }
  assert(best != kNoPartition);
  return best;
}

void RingClaim::refresh_join_costs(std::uint32_t taken, Rank joiner, std::uint32_t spacing) {
  // Walk away from `taken` while it is the joiner's nearest partition. Past the first partition
  // that already has a nearer one, that one is nearer for everything beyond too, so the walk
  // stops; over a whole join the walks add up to about one pass over the ring. Unsigned
  // wrap-around is harmless: 2^32 is a multiple of Q.
  std::uint32_t* distances = join_distance_.data();
  join_distance_[taken] = 0;
  for (const bool clockwise : {true, false}) {
    for (std::uint32_t k = 1; k < spacing; ++k) {
      const std::uint32_t p = (clockwise ? taken + k : taken - k) & mask_;
      if (distances[p] <= k) break;
      distances[p] = k;
      set_join_cost(p, move_cost(join_delta_[p], k, spacing));
    }
  }
  // The move changed the windows around `taken`: the spread deltas of partitions up to N - 1
  // away are stale.
  for (std::uint32_t k = 0; k < 2 * kSpreadWindow - 1; ++k) {
    const std::uint32_t p = (taken - (kSpreadWindow - 1) + k) & mask_;
    if (owner_[p] == joiner) continue;
    join_delta_[p] = static_cast<std::int8_t>(spread_delta(p, joiner));
    set_join_cost(p, move_cost(join_delta_[p], distances[p], spacing));
  }
}

void RingClaim::set_join_cost(std::uint32_t partition, std::uint32_t cost) {
  const std::uint64_t key = (std::uint64_t{cost} << 32) | partition;
  join_key_[partition] = key;
  // Increases are deferred until the partition heads its heap; decreases move it up now.
  if (key < heap_key_[partition]) {
    heap_key_[partition] = key;
    heap_fix(owner_[partition], slot_[partition]);
  }
}

void RingClaim::heap_fix(Rank owner, std::uint32_t slot) {
  // Raw arrays and a moving hole instead of swaps: heap repairs are most of a join's work, and
  // debug builds would otherwise spend it in checked element access.
  std::uint32_t* heap = partitions_[owner].data();
  std::uint32_t* slots = slot_.data();
  const std::uint64_t* keys = heap_key_.data();
  const std::uint32_t item = heap[slot];
  const std::uint64_t key = keys[item];
  while (slot > 0 && key < keys[heap[(slot - 1) / 2]]) {
    const std::uint32_t parent = (slot - 1) / 2;
    heap[slot] = heap[parent];
    slots[heap[slot]] = slot;
    slot = parent;
  }
  heap[slot] = item;
  slots[item] = slot;
  heap_sift_down(owner, slot);
}

void RingClaim::heap_sift_down(Rank owner, std::uint32_t slot) {
  std::uint32_t* heap = partitions_[owner].data();
  std::uint32_t* slots = slot_.data();
  const std::uint64_t* keys = heap_key_.data();
  const std::uint32_t size = count_[owner];
  const std::uint32_t item = heap[slot];
  const std::uint64_t key = keys[item];
  for (;;) {
    std::uint32_t child = 2 * slot + 1;
    if (child >= size) break;
    if (child + 1 < size && keys[heap[child + 1]] < keys[heap[child]]) ++child;
    if (key <= keys[heap[child]]) break;
    heap[slot] = heap[child];
    slots[heap[slot]] = slot;
    slot = child;
  }
  heap[slot] = item;
  slots[item] = slot;
}

void RingClaim::leave(Rank node) {
  assert(node < weight_.size());
  assert(weight_[node] != 0);
  assert(member_count_ >= 2);
  total_weight_ -= weight_[node];
  --member_count_;
  weight_[node] = 0;  // From here on the leaver is not a candidate to receive.
  if (member_count_ == 1) {
    // A sole remaining member takes everything: there is no choice to make.
    const Rank to = least_loaded_member();
    while (count_[node] != 0) give(partitions_[node].back(), to);
    return;
  }
  DeltaBuckets buckets(partition_count_, delta_max_);
  for (const std::uint32_t p : partitions_[node]) buckets.insert(fresh_delta_[p], p);
  constexpr std::uint32_t kAround = 2 * kSpreadWindow - 1;
  while (count_[node] != 0) {
    const Rank to = least_loaded_member();
    const std::uint32_t moved = pick_from_leaver(buckets, to);
    // The move changes the fresh deltas of the partitions around it: refile the leaver's.
    const std::uint32_t first = moved - (kSpreadWindow - 1);
    for (std::uint32_t k = 0; k < kAround; ++k) {
      const std::uint32_t p = (first + k) & mask_;
      if (owner_[p] == node) buckets.erase(fresh_delta_[p], p);
    }
    give(moved, to);
    for (std::uint32_t k = 0; k < kAround; ++k) {
      const std::uint32_t p = (first + k) & mask_;
      if (owner_[p] == node) buckets.insert(fresh_delta_[p], p);
    }
  }
}

std::uint32_t RingClaim::pick_from_leaver(const DeltaBuckets& buckets, Rank to) const {
  // Leaves choose by spread delta alone, ties by index: the receivers already hold partitions
  // spaced by earlier claims, and on rings built by joins and leaves also weighing the distance
  // to the receiver's partitions changed spread by under 1%. A receiver's delta is never below
  // the fresh one (its partitions nearby can only add repeats), so visiting partitions by fresh
  // delta, then index, the search stops as soon as nothing unvisited can beat the best found.
  std::uint32_t best = kNoPartition;
  int best_delta = delta_max_ + 1;
  for (int bound = -delta_max_; bound <= delta_max_ && bound <= best_delta; ++bound) {
    for (std::uint32_t p = buckets.next(bound, 0); p != kNoPartition;
         p = buckets.next(bound, p + 1)) {
      if (bound == best_delta && p > best) break;
      const int delta = spread_delta(p, to);
      assert(delta >= bound);
      if (delta < best_delta || (delta == best_delta && p < best)) {
        best = p;
        best_delta = delta;
      }
      if (delta == bound) break;  // The rest of this bucket has larger indices.
    }
  }
  assert(best != kNoPartition);
  return best;
}

RingClaim::Rank RingClaim::least_loaded_member() const {
  Rank least = kNoOwner;
  for (Rank r = 0; r < weight_.size(); ++r) {
    if (weight_[r] == 0) continue;
    if (least == kNoOwner || more_loaded(least, r)) least = r;
  }
  assert(least != kNoOwner);
  return least;
}

bool RingClaim::more_loaded(Rank a, Rank b) const {
  return std::uint64_t{count_[a]} * weight_[b] > std::uint64_t{count_[b]} * weight_[a];
}

int RingClaim::spread_delta(std::uint32_t partition, Rank to) const {
  // A ring smaller than a window cannot have distinct owners in a window at all.
  if (partition_count_ < kSpreadWindow) return 0;
  const Rank* owners = owner_.data();
  const Rank from = owners[partition];
  if (from == to) return 0;
  // The owners of the 2N - 1 partitions centred on `partition`: every window that contains it
  // lies among them, with `partition` at index N - 1. Raw arrays and no calls, because debug
  // builds would otherwise spend much of a build here.
  constexpr std::uint32_t kAround = 2 * kSpreadWindow - 1;
  Rank before[kAround];
  Rank after[kAround];
  for (std::uint32_t i = 0; i < kAround; ++i) {
    before[i] = owners[(partition - (kSpreadWindow - 1) + i) & mask_];
    after[i] = before[i];
  }
  after[kSpreadWindow - 1] = to;
  const int node_delta = repeats_delta(before, after);
  if (!zoned_) return node_delta;
  // The same windows by zone: a window of distinct zones is what a zone-distinct preference list
  // finds without walking further. kNoOwner (a receiver that owns nothing) has a zone of its own.
  const std::uint32_t* zones = zone_.data();
  for (std::uint32_t i = 0; i < kAround; ++i) {
    before[i] = before[i] == kNoOwner ? kNoOwner : zones[before[i]];
    after[i] = after[i] == kNoOwner ? kNoOwner : zones[after[i]];
  }
  return repeats_delta(before, after) * kZoneScale + node_delta;
}

int RingClaim::repeats_delta(const Rank* before, const Rank* after) {
  int delta = 0;
  for (std::uint32_t first = 0; first < kSpreadWindow; ++first) {
    bool repeats_before = false;
    bool repeats_after = false;
    for (std::uint32_t i = first + 1; i < first + kSpreadWindow; ++i) {
      for (std::uint32_t j = first; j < i; ++j) {
        repeats_before = repeats_before || before[i] == before[j];
        repeats_after = repeats_after || after[i] == after[j];
      }
    }
    delta += static_cast<int>(repeats_after) - static_cast<int>(repeats_before);
  }
  return delta;
}

std::uint32_t RingClaim::spacing_for(std::uint64_t count) const {
  assert(count != 0);
  // No partition is farther than Q / 2 from another, so a larger spacing would tell nothing apart.
  const std::uint64_t spacing =
      std::min<std::uint64_t>(partition_count_ / count, partition_count_ / 2);
  return static_cast<std::uint32_t>(std::max<std::uint64_t>(spacing, 1));
}

std::uint32_t RingClaim::move_cost(int delta, std::uint32_t distance, std::uint32_t spacing) const {
  assert(delta >= -delta_max_);
  assert(delta <= delta_max_);
  assert(distance <= spacing);
  const auto delta_rank = static_cast<std::uint32_t>(delta + delta_max_);
  return delta_rank * (spacing + 1) + (spacing - distance);
}

std::uint32_t RingClaim::give(std::uint32_t partition, Rank to) {
  const Rank from = owner_[partition];
  assert(from != to);
  assert(count_[from] != 0);
  std::vector<std::uint32_t>& source = partitions_[from];
  const std::uint32_t slot = slot_[partition];
  assert(source[slot] == partition);
  const std::uint32_t last = source.back();
  source.pop_back();
  --count_[from];
  std::uint32_t refilled = kNoSlot;
  if (last != partition) {
    source[slot] = last;
    slot_[last] = slot;
    refilled = slot;
  }
  slot_[partition] = count_[to]++;
  partitions_[to].push_back(partition);
  owner_[partition] = to;
  // Fresh deltas read the owners up to N - 1 partitions away on either side.
  for (std::uint32_t k = 0; k < 2 * kSpreadWindow - 1; ++k) {
    const std::uint32_t p = (partition - (kSpreadWindow - 1) + k) & mask_;
    fresh_delta_[p] = static_cast<std::int8_t>(spread_delta(p, kNoOwner));
  }
  return refilled;
}

}  // namespace ringkv::core
