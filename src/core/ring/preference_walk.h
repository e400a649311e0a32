// PreferenceWalk: the rule that turns a ring's owners into a partition's preference list, shared
// by the core's Ring and the partition-aware client (which links ringkv_core_shared, not the
// core), so both compute the same home replicas from the same ring.
//
// Walk clockwise from the partition and collect distinct physical nodes (Dynamo paper section
// 4.3). With zones (a member's rack or data centre), the walk first takes only nodes of zones not
// yet used; once every zone that owns a partition is used, it walks again from the partition and
// takes any node not yet taken. So N replicas span min(N, zones) zones (Dynamo spread replicas
// across data centres the same way, and Garage places copies in distinct zones), and fewer zones
// than N still give N distinct nodes. A member without a zone is a zone of its own, so a ring
// without zones gives exactly the distinct-node walk.
// Thread-safety: an immutable value after construction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ringkv::core {

// Zone keys for members listed with their zones: members with the same non-empty zone share a
// key, a member with an empty zone gets a key of its own. Keys are dense, below zones.size(),
// numbered in order of first appearance.
std::vector<std::uint32_t> zone_keys(const std::vector<std::string>& zones);

class PreferenceWalk {
 public:
  PreferenceWalk() = default;  // An empty ring; only good for assigning to.
  // `owners`: the member index of every partition (their count a power of two);
  // `zone_keys`: a key per member index (zone_keys() above), covering every owner.
  PreferenceWalk(std::vector<std::uint32_t> owners, std::vector<std::uint32_t> zone_keys);

  // Member indices of the preference list of `partition`, at most `count` of them (fewer when
  // fewer members own partitions); replaces `out`'s content.
  void walk(std::uint32_t partition, std::size_t count, std::vector<std::uint32_t>& out) const;

  const std::vector<std::uint32_t>& owners() const { return owners_; }
  std::size_t owning_member_count() const { return owning_member_count_; }
  // Distinct zones among the members owning partitions (a member without a zone counts as one).
  std::size_t owning_zone_count() const { return owning_zone_count_; }

 private:
  std::vector<std::uint32_t> owners_;
  std::vector<std::uint32_t> zone_keys_;
  std::size_t owning_member_count_ = 0;
  std::size_t owning_zone_count_ = 0;
};

}  // namespace ringkv::core
