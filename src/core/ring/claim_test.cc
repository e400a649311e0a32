// RingClaim against a brute-force model of the same rules. The claim keeps costs, distances and
// per-donor heaps up to date incrementally so that a build stays fast; the model recomputes
// every candidate's cost from scratch on every move, which is slow but plainly the definition.
// They must agree partition for partition on random histories.
#include "core/ring/claim.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace ringkv::core {
namespace {

using Rank = RingClaim::Rank;
constexpr Rank kNone = 0xffffffff;
constexpr int kWindow = static_cast<int>(RingClaim::kSpreadWindow);

class ClaimModel {
 public:
  // `zones`: empty, or a zone key per rank; the spread delta then counts repeated zones first
  // (scaled by 2N + 1) and repeated owners second.
  ClaimModel(std::uint32_t partition_count, std::size_t ranks, std::vector<Rank> zones = {})
      : q_(partition_count),
        owner_(partition_count, kNone),
        weight_(ranks, 0),
        count_(ranks, 0),
        zones_(std::move(zones)) {}

  Rank owner(std::uint32_t p) const { return owner_[p]; }

  void join(Rank node, std::uint32_t weight) {
    weight_[node] = weight;
    total_weight_ += weight;
    if (++members_ == 1) {
      std::fill(owner_.begin(), owner_.end(), node);
      count_[node] = q_;
      return;
    }
    const std::uint64_t target = std::uint64_t{q_} * weight / total_weight_;
    if (target == 0) return;
    const std::uint32_t spacing = static_cast<std::uint32_t>(
        std::max<std::uint64_t>(1, std::min<std::uint64_t>(q_ / target, q_ / 2)));
    while (count_[node] < target) {
      Rank top = kNone;
      for (Rank r = 0; r < weight_.size(); ++r) {
        if (r != node && weight_[r] != 0 && count_[r] != 0 && (top == kNone || more(r, top))) {
          top = r;
        }
      }
      // Among all partitions of members as loaded as `top`: least cost, then rank, then index.
      std::uint32_t best = kNone;
      std::uint64_t best_key = ~std::uint64_t{0};
      for (std::uint32_t p = 0; p < q_; ++p) {
        const Rank r = owner_[p];
        if (r == node || more(top, r)) continue;
        const std::uint64_t cost =
            static_cast<std::uint64_t>(delta(p, node) + delta_max()) * (spacing + 1) +
            (spacing - distance(p, node, spacing));
        const std::uint64_t key = (cost << 40) | (std::uint64_t{r} << 20) | p;
        if (key < best_key) {
          best_key = key;
          best = p;
        }
      }
      move(best, node);
    }
  }

  void leave(Rank node) {
    total_weight_ -= weight_[node];
    weight_[node] = 0;
    --members_;
    while (count_[node] != 0) {
      Rank to = kNone;
      for (Rank r = 0; r < weight_.size(); ++r) {
        if (weight_[r] != 0 && (to == kNone || more(to, r))) to = r;
      }
      // Least spread delta, then index.
      std::uint32_t best = kNone;
      int best_delta = delta_max() + 1;
      for (std::uint32_t p = 0; p < q_; ++p) {
        if (owner_[p] != node) continue;
        const int d = delta(p, to);
        if (d < best_delta) {
          best_delta = d;
          best = p;
        }
      }
      move(best, to);
    }
  }

 private:
  bool more(Rank a, Rank b) const {
    return std::uint64_t{count_[a]} * weight_[b] > std::uint64_t{count_[b]} * weight_[a];
  }
  int delta_max() const { return zones_.empty() ? kWindow : kWindow * (2 * kWindow + 1) + kWindow; }
  bool window_repeats(std::uint32_t first, std::uint32_t p, Rank to, bool by_zone) const {
    std::vector<Rank> seen;
    for (int i = 0; i < kWindow; ++i) {
      const std::uint32_t at = (first + i) % q_;
      Rank owner = at == p ? to : owner_[at];
      if (by_zone && owner != kNone) owner = zones_[owner];
      if (std::find(seen.begin(), seen.end(), owner) != seen.end()) return true;
      seen.push_back(owner);
    }
    return false;
  }
  int delta(std::uint32_t p, Rank to) const {
    if (q_ < RingClaim::kSpreadWindow || owner_[p] == to) return 0;
    int d = 0;
    int zone_d = 0;
    for (int back = 0; back < kWindow; ++back) {
      const std::uint32_t first = (p + q_ - back) % q_;
      d += static_cast<int>(window_repeats(first, p, to, false)) -
           static_cast<int>(window_repeats(first, p, owner_[p], false));
      if (zones_.empty()) continue;
      zone_d += static_cast<int>(window_repeats(first, p, to, true)) -
                static_cast<int>(window_repeats(first, p, owner_[p], true));
    }
    return zone_d * (2 * kWindow + 1) + d;
  }
  std::uint32_t distance(std::uint32_t p, Rank node, std::uint32_t cap) const {
    for (std::uint32_t k = 1; k < cap; ++k) {
      if (owner_[(p + k) % q_] == node || owner_[(p + q_ - k) % q_] == node) return k;
    }
    return cap;
  }
  void move(std::uint32_t p, Rank to) {
    --count_[owner_[p]];
    ++count_[to];
    owner_[p] = to;
  }

  std::uint32_t q_;
  std::vector<Rank> owner_;
  std::vector<std::uint32_t> weight_;
  std::vector<std::uint32_t> count_;
  std::vector<Rank> zones_;
  std::uint64_t total_weight_ = 0;
  int members_ = 0;
};

RC_GTEST_PROP(RingClaimModel, IncrementalClaimEqualsBruteForceDefinition, ()) {
  const std::uint32_t q = std::uint32_t{1} << *rc::gen::inRange(0, 8);
  const Rank ranks = 10;
  // Half the runs put the ranks in 2 to 4 zones.
  std::vector<Rank> zones;
  if (*rc::gen::inRange(0, 2) == 1) {
    const Rank zone_count = *rc::gen::inRange<Rank>(2, 5);
    for (Rank r = 0; r < ranks; ++r) zones.push_back(*rc::gen::inRange<Rank>(0, zone_count));
  }
  std::vector<Rank> claim_zones = zones;
  std::sort(claim_zones.begin(), claim_zones.end());
  // The claim ignores zones no two ranks share; so does the model then.
  if (std::adjacent_find(claim_zones.begin(), claim_zones.end()) == claim_zones.end()) {
    zones.clear();
  }
  RingClaim claim(q, ranks, zones);
  ClaimModel model(q, ranks, zones);
  std::vector<Rank> members;
  const int steps = *rc::gen::inRange(1, 25);
  for (int step = 0; step < steps; ++step) {
    if (members.size() >= 2 && *rc::gen::inRange(0, 3) == 0) {
      const std::size_t at = *rc::gen::inRange<std::size_t>(0, members.size());
      claim.leave(members[at]);
      model.leave(members[at]);
      members.erase(members.begin() + static_cast<std::ptrdiff_t>(at));
    } else {
      const Rank node = *rc::gen::inRange<Rank>(0, ranks);
      if (std::find(members.begin(), members.end(), node) != members.end()) continue;
      const std::uint32_t weight = *rc::gen::inRange<std::uint32_t>(1, 4);
      claim.join(node, weight);
      model.join(node, weight);
      members.push_back(node);
    }
    for (std::uint32_t p = 0; p < q; ++p) RC_ASSERT(claim.owner(p) == model.owner(p));
  }
}

TEST(RingClaimModel, ResumingFromAnAssignmentEqualsContinuingWithZones) {
  const std::vector<std::uint32_t> zones = {0, 1, 2, 0, 1, 2};
  RingClaim continued(256, 6, zones);
  for (Rank r = 0; r < 5; ++r) continued.join(r, 1 + r % 2);
  std::vector<std::uint32_t> weights;
  std::vector<Rank> owners;
  for (Rank r = 0; r < 6; ++r) weights.push_back(continued.weight(r));
  for (std::uint32_t p = 0; p < 256; ++p) owners.push_back(continued.owner(p));
  RingClaim resumed(weights, owners, zones);
  continued.join(5, 2);
  resumed.join(5, 2);
  continued.leave(1);
  resumed.leave(1);
  for (std::uint32_t p = 0; p < 256; ++p) EXPECT_EQ(continued.owner(p), resumed.owner(p)) << p;
}

TEST(RingClaimModel, ResumingFromAnAssignmentEqualsContinuing) {
  RingClaim continued(256, 6);
  for (Rank r = 0; r < 5; ++r) continued.join(r, 1 + r % 2);
  std::vector<std::uint32_t> weights;
  std::vector<Rank> owners;
  for (Rank r = 0; r < 6; ++r) weights.push_back(continued.weight(r));
  for (std::uint32_t p = 0; p < 256; ++p) owners.push_back(continued.owner(p));
  RingClaim resumed(weights, owners);
  continued.join(5, 2);
  resumed.join(5, 2);
  continued.leave(1);
  resumed.leave(1);
  for (std::uint32_t p = 0; p < 256; ++p) EXPECT_EQ(continued.owner(p), resumed.owner(p)) << p;
}

}  // namespace
}  // namespace ringkv::core
