#include "core/ring/ring.h"

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <set>
#include <string>
#include <utility>

#include "core/key_position.h"
#include "core/ring/claim.h"

namespace ringkv::core {

std::uint64_t history_digest(const std::vector<MembershipEvent>& history) {
  std::uint64_t hash = 0xcbf29ce484222325ull;
  auto mix = [&](std::uint8_t byte) {
    hash ^= byte;
    hash *= 0x100000001b3ull;
  };
  for (const MembershipEvent& event : history) {
    mix(static_cast<std::uint8_t>(event.kind));
    for (char c : event.node) mix(static_cast<std::uint8_t>(c));
    mix(0);
    for (int shift = 0; shift < 32; shift += 8) mix(static_cast<std::uint8_t>(event.weight >> shift));
    if (event.zone.empty()) continue;  // Histories without zones keep their digests.
    mix(0xff);
    for (char c : event.zone) mix(static_cast<std::uint8_t>(c));
    mix(0);
  }
  return hash == 0 ? 1 : hash;
}

bool is_valid_zone(std::string_view zone) {
  if (zone.size() > kZoneBytesMax) return false;
  return std::all_of(zone.begin(), zone.end(), [](char c) {
    return c > ' ' && c <= '~' && c != ',' && c != '=' && c != '@' && c != '/';
  });
}

namespace {

std::string quoted(const NodeId& node) {
  return "\"" + node + "\"";
}

Status check_partition_count(std::uint32_t partition_count) {
  if (!is_power_of_two(partition_count)) {
    return Status::invalid_argument("partition_count " + std::to_string(partition_count) +
                                    " is not a power of two");
  }
  if (partition_count > Ring::kPartitionCountMax) {
    return Status::invalid_argument("partition_count " + std::to_string(partition_count) +
                                    " exceeds the maximum " +
                                    std::to_string(Ring::kPartitionCountMax));
  }
  return Status::ok();
}

// Whether `event` may follow a membership of `member_count` nodes, of which `node_is_member`
// says whether its node is one. `where` prefixes the message so that it names the event.
Status check_event(const MembershipEvent& event, bool node_is_member, std::size_t member_count,
                   const std::string& where) {
  if (event.node.empty()) return Status::invalid_argument(where + "the node id is empty");
  if (event.kind == MembershipEvent::Kind::kJoin) {
    if (event.weight == 0) {
      return Status::invalid_argument(where + "node " + quoted(event.node) +
                                      " joins with weight 0; weights must be at least 1");
    }
    if (node_is_member) {
      return Status::invalid_argument(where + "node " + quoted(event.node) +
                                      " joins but is already a member");
    }
    if (!is_valid_zone(event.zone)) {
      return Status::invalid_argument(where + "node " + quoted(event.node) + " has zone " +
                                      quoted(event.zone) + "; a zone is at most " +
                                      std::to_string(kZoneBytesMax) +
                                      " printable characters without spaces , = @ /");
    }
    return Status::ok();
  }
  if (event.kind == MembershipEvent::Kind::kLeave) {
    if (!node_is_member) {
      return Status::invalid_argument(where + "node " + quoted(event.node) +
                                      " leaves but is not a member");
    }
    if (member_count == 1) {
      return Status::invalid_argument(where + "node " + quoted(event.node) +
                                      " is the only member; its leaving would empty the ring");
    }
    return Status::ok();
  }
  return Status::invalid_argument(where + "unknown event kind " +
                                  std::to_string(static_cast<int>(event.kind)));
}

// Checks the whole history before claiming anything, so a bad history fails with a message that
// names the event, and the claim can assert its preconditions instead of checking them. Returns
// every node id the history mentions, sorted: the claim's ranks.
Result<std::vector<NodeId>> check_history(std::uint32_t partition_count,
                                          const std::vector<MembershipEvent>& history) {
  RINGKV_RETURN_IF_ERROR(check_partition_count(partition_count));
  std::set<NodeId> members;
  std::set<NodeId> mentioned;
  for (std::size_t i = 0; i < history.size(); ++i) {
    const MembershipEvent& event = history[i];
    RINGKV_RETURN_IF_ERROR(check_event(event, members.contains(event.node), members.size(),
                                       "membership event " + std::to_string(i) + ": "));
    if (event.kind == MembershipEvent::Kind::kJoin) {
      members.insert(event.node);
    } else {
      members.erase(event.node);
    }
    mentioned.insert(event.node);
  }
  if (members.empty()) {
    return Status::invalid_argument(
        "the membership history has no joins; a ring needs at least one member");
  }
  return std::vector<NodeId>(mentioned.begin(), mentioned.end());
}

RingClaim::Rank rank_of(const std::vector<NodeId>& nodes, const NodeId& node) {
  const auto it = std::lower_bound(nodes.begin(), nodes.end(), node);
  assert(it != nodes.end());
  assert(*it == node);
  return static_cast<RingClaim::Rank>(it - nodes.begin());
}

void apply(RingClaim& claim, const std::vector<NodeId>& nodes, const MembershipEvent& event) {
  if (event.kind == MembershipEvent::Kind::kJoin) {
    claim.join(rank_of(nodes, event.node), event.weight);
  } else {
    claim.leave(rank_of(nodes, event.node));
  }
}

}  // namespace

Result<Ring> Ring::build(std::uint32_t partition_count,
                         const std::vector<MembershipEvent>& history) {
  Result<std::vector<NodeId>> checked = check_history(partition_count, history);
  if (!checked.is_ok()) return checked.status();
  const std::vector<NodeId>& nodes = checked.value();
  // Ranks cover every node ever mentioned; one that left has weight 0 and takes no part. A
  // node's zone is that of its last join.
  std::vector<std::string> zones(nodes.size());
  for (const MembershipEvent& event : history) {
    if (event.kind == MembershipEvent::Kind::kJoin) zones[rank_of(nodes, event.node)] = event.zone;
  }
  RingClaim claim(partition_count, nodes.size(), zone_keys(zones));
  for (const MembershipEvent& event : history) apply(claim, nodes, event);
  return from_claim(claim, nodes, zones);
}

Result<Ring> Ring::after(const MembershipEvent& event) const {
  assert(partition_count_ != 0);
  RINGKV_RETURN_IF_ERROR(
      check_event(event, weights_.contains(event.node), members_.size(), "membership event: "));
  // The claim depends only on the assignment, the weights and the order of node ids, all of
  // which this ring holds, so resuming here gives what replaying the whole history gives.
  // Ranks are the members' indices, shifted by one past a joiner's place in id order.
  std::vector<NodeId> nodes = members_;
  std::vector<std::uint32_t> weights;
  std::vector<std::string> zones;
  weights.reserve(members_.size() + 1);
  zones.reserve(members_.size() + 1);
  for (const auto& [node, weight] : weights_) weights.push_back(weight);  // Id order too.
  for (const auto& [node, zone] : zones_) zones.push_back(zone);
  auto joiner_rank = static_cast<RingClaim::Rank>(members_.size() + 1);   // None yet.
  if (event.kind == MembershipEvent::Kind::kJoin) {
    const auto at = std::lower_bound(nodes.begin(), nodes.end(), event.node);
    joiner_rank = static_cast<RingClaim::Rank>(at - nodes.begin());
    nodes.insert(at, event.node);
    weights.insert(weights.begin() + joiner_rank, 0);
    zones.insert(zones.begin() + joiner_rank, event.zone);
  }
  std::vector<RingClaim::Rank> owners;
  owners.reserve(partition_count_);
  for (const std::uint32_t index : walk_.owners()) {
    owners.push_back(index >= joiner_rank ? index + 1 : index);
  }
  RingClaim claim(std::move(weights), owners, zone_keys(zones));
  apply(claim, nodes, event);
  return from_claim(claim, nodes, zones);
}

Ring Ring::from_claim(const RingClaim& claim, const std::vector<NodeId>& nodes,
                      const std::vector<std::string>& zones) {
  assert(zones.size() == nodes.size());
  // The ring keeps the current members only, in id order.
  Ring ring;
  ring.partition_count_ = claim.partition_count();
  std::vector<std::uint32_t> index_of_rank(nodes.size(), 0);
  std::vector<std::string> member_zones;
  for (RingClaim::Rank r = 0; r < nodes.size(); ++r) {
    if (!claim.is_member(r)) continue;
    index_of_rank[r] = static_cast<std::uint32_t>(ring.members_.size());
    ring.members_.push_back(nodes[r]);
    member_zones.push_back(zones[r]);
    ring.weights_.emplace(nodes[r], claim.weight(r));
    ring.zones_.emplace(nodes[r], zones[r]);
    ring.partitions_per_node_.emplace(nodes[r], claim.partitions_of(r));
  }
  std::vector<std::uint32_t> owner_index;
  ring.owners_.reserve(ring.partition_count_);
  owner_index.reserve(ring.partition_count_);
  for (std::uint32_t p = 0; p < ring.partition_count_; ++p) {
    const RingClaim::Rank owner = claim.owner(p);
    assert(claim.is_member(owner));
    owner_index.push_back(index_of_rank[owner]);
    ring.owners_.push_back(nodes[owner]);
  }
  ring.walk_ = PreferenceWalk(std::move(owner_index), zone_keys(member_zones));
  return ring;
}

std::uint32_t Ring::partition_count() const {
  return partition_count_;
}

const NodeId& Ring::owner(std::uint32_t partition) const {
  assert(partition < partition_count_);
  return owners_[partition];
}

std::vector<NodeId> Ring::preference_list(std::uint32_t partition, std::size_t count) const {
  assert(partition < partition_count_);
  std::vector<std::uint32_t> indices;
  walk_.walk(partition, count, indices);
  std::vector<NodeId> list;
  list.reserve(indices.size());
  for (const std::uint32_t index : indices) list.push_back(members_[index]);
  return list;
}

std::map<NodeId, std::uint32_t> Ring::partitions_per_node() const {
  return partitions_per_node_;
}

const std::map<NodeId, std::uint32_t>& Ring::weights() const {
  return weights_;
}

const std::vector<NodeId>& Ring::owners() const {
  return owners_;
}

}  // namespace ringkv::core
