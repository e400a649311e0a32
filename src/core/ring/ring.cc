#include "core/ring/ring.h"

#include <algorithm>
#include <array>
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
  }
  return hash == 0 ? 1 : hash;
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
  // Ranks cover every node ever mentioned; one that left has weight 0 and takes no part.
  RingClaim claim(partition_count, nodes.size());
  for (const MembershipEvent& event : history) apply(claim, nodes, event);
  return from_claim(claim, nodes);
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
  weights.reserve(members_.size() + 1);
  for (const auto& [node, weight] : weights_) weights.push_back(weight);  // Id order too.
  auto joiner_rank = static_cast<RingClaim::Rank>(members_.size() + 1);   // None yet.
  if (event.kind == MembershipEvent::Kind::kJoin) {
    const auto at = std::lower_bound(nodes.begin(), nodes.end(), event.node);
    joiner_rank = static_cast<RingClaim::Rank>(at - nodes.begin());
    nodes.insert(at, event.node);
    weights.insert(weights.begin() + joiner_rank, 0);
  }
  std::vector<RingClaim::Rank> owners;
  owners.reserve(partition_count_);
  for (const std::uint32_t index : owner_index_) {
    owners.push_back(index >= joiner_rank ? index + 1 : index);
  }
  RingClaim claim(std::move(weights), owners);
  apply(claim, nodes, event);
  return from_claim(claim, nodes);
}

Ring Ring::from_claim(const RingClaim& claim, const std::vector<NodeId>& nodes) {
  // The ring keeps the current members only, in id order.
  Ring ring;
  ring.partition_count_ = claim.partition_count();
  std::vector<std::uint32_t> index_of_rank(nodes.size(), 0);
  for (RingClaim::Rank r = 0; r < nodes.size(); ++r) {
    if (!claim.is_member(r)) continue;
    index_of_rank[r] = static_cast<std::uint32_t>(ring.members_.size());
    ring.members_.push_back(nodes[r]);
    ring.weights_.emplace(nodes[r], claim.weight(r));
    ring.partitions_per_node_.emplace(nodes[r], claim.partitions_of(r));
    if (claim.partitions_of(r) != 0) ++ring.owning_member_count_;
  }
  ring.owners_.reserve(ring.partition_count_);
  ring.owner_index_.reserve(ring.partition_count_);
  for (std::uint32_t p = 0; p < ring.partition_count_; ++p) {
    const RingClaim::Rank owner = claim.owner(p);
    assert(claim.is_member(owner));
    ring.owner_index_.push_back(index_of_rank[owner]);
    ring.owners_.push_back(nodes[owner]);
  }
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
  const std::size_t wanted = std::min(count, owning_member_count_);
  std::vector<NodeId> list;
  list.reserve(wanted);
  // Short lists (N plus a few fallbacks) check distinctness by scanning what they hold, without
  // allocating; long ones mark members seen, so asking for every node costs O(Q), not O(Q * n).
  constexpr std::size_t kScanMax = 8;
  std::array<std::uint32_t, kScanMax> taken{};
  std::vector<bool> seen;
  if (wanted > kScanMax) seen.assign(members_.size(), false);
  const std::uint32_t mask = partition_count_ - 1;
  for (std::uint32_t step = 0; step < partition_count_ && list.size() < wanted; ++step) {
    const std::uint32_t index = owner_index_[(partition + step) & mask];
    if (wanted <= kScanMax) {
      const auto end = taken.begin() + static_cast<std::ptrdiff_t>(list.size());
      if (std::find(taken.begin(), end, index) != end) continue;
      taken[list.size()] = index;
    } else {
      if (seen[index]) continue;
      seen[index] = true;
    }
    list.push_back(members_[index]);
  }
  assert(list.size() == wanted);
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
