// The preference-list walk; see the header for the rule.
#include "core/ring/preference_walk.h"

#include <algorithm>
#include <cassert>
#include <map>
#include <utility>

namespace ringkv::core {

std::vector<std::uint32_t> zone_keys(const std::vector<std::string>& zones) {
  std::vector<std::uint32_t> keys;
  keys.reserve(zones.size());
  std::map<std::string, std::uint32_t> named;
  std::uint32_t next = 0;
  for (const std::string& zone : zones) {
    if (zone.empty()) {
      keys.push_back(next++);
      continue;
    }
    const auto [it, added] = named.emplace(zone, next);
    if (added) ++next;
    keys.push_back(it->second);
  }
  return keys;
}

PreferenceWalk::PreferenceWalk(std::vector<std::uint32_t> owners,
                               std::vector<std::uint32_t> zone_keys)
    : owners_(std::move(owners)), zone_keys_(std::move(zone_keys)) {
  assert(!owners_.empty());
  assert((owners_.size() & (owners_.size() - 1)) == 0);
  std::vector<bool> owning(zone_keys_.size(), false);
  std::vector<bool> zone_owning(zone_keys_.size(), false);
  for (const std::uint32_t owner : owners_) {
    assert(owner < zone_keys_.size());
    const std::uint32_t zone = zone_keys_[owner];
    assert(zone < zone_keys_.size());
    if (!owning[owner]) ++owning_member_count_;
    if (!zone_owning[zone]) ++owning_zone_count_;
    owning[owner] = true;
    zone_owning[zone] = true;
  }
}

void PreferenceWalk::walk(std::uint32_t partition, std::size_t count,
                          std::vector<std::uint32_t>& out) const {
  assert(partition < owners_.size());
  const std::size_t wanted = std::min(count, owning_member_count_);
  out.clear();
  out.reserve(wanted);
  const auto partition_count = static_cast<std::uint32_t>(owners_.size());
  const std::uint32_t mask = partition_count - 1;
  // Short lists (N plus a few fallbacks) check distinctness by scanning what they hold, without
  // allocating; long ones mark members seen, so asking for every node costs O(Q), not O(Q * n).
  constexpr std::size_t kScanMax = 8;
  std::vector<bool> seen;
  if (wanted > kScanMax) seen.assign(zone_keys_.size(), false);
  auto taken = [&](std::uint32_t index) {
    return seen.empty() ? std::find(out.begin(), out.end(), index) != out.end() : seen[index];
  };
  auto take = [&](std::uint32_t index) {
    out.push_back(index);
    if (!seen.empty()) seen[index] = true;
  };
  // First pass, only when some members share a zone: a node of a new zone at each step, until
  // every zone is used. Zone keys are below the member count; up to 64 of them fit a bit mask.
  if (owning_zone_count_ < owning_member_count_) {
    constexpr std::size_t kMaskZonesMax = 64;
    std::uint64_t used_mask = 0;
    std::vector<bool> used;
    if (zone_keys_.size() > kMaskZonesMax) used.assign(zone_keys_.size(), false);
    std::size_t zones_used = 0;
    for (std::uint32_t step = 0;
         step < partition_count && out.size() < wanted && zones_used < owning_zone_count_; ++step) {
      const std::uint32_t index = owners_[(partition + step) & mask];
      const std::uint32_t zone = zone_keys_[index];
      if (used.empty()) {
        const std::uint64_t bit = std::uint64_t{1} << zone;
        if ((used_mask & bit) != 0) continue;
        used_mask |= bit;
      } else {
        if (used[zone]) continue;
        used[zone] = true;
      }
      ++zones_used;
      take(index);
    }
  }
  // Then distinct nodes in ring order (the only pass on a ring without shared zones).
  for (std::uint32_t step = 0; step < partition_count && out.size() < wanted; ++step) {
    const std::uint32_t index = owners_[(partition + step) & mask];
    if (taken(index)) continue;
    take(index);
  }
  assert(out.size() == wanted);
}

}  // namespace ringkv::core
