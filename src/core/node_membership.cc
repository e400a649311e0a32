// Dynamic membership in the node (docs/ARCHITECTURE.md, "Membership, handoff and rebuild"): the
// gossiper's table drives the ring,
// both are persisted in the metadata namespace, and ownership moves by handoff.
//
// Ownership moves by handoff (core/handoff/ownership_transfer.h). Until the handoff settles, the
// previous owners are still asked on reads (they keep serving), so a read never misses a value
// only the old owner holds.
//
// Settling is observed through pongs: each says which ring its sender runs (ring_version) and
// how many partitions it still has to hand off. When every live member runs our ring and reports
// nothing left, previous rings are forgotten and a joining node declares itself up; a leaving node
// declares itself removed once it holds nothing it does not own.
#include <algorithm>
#include <cassert>

#include "core/key_position.h"
#include "core/membership/membership_codec.h"
#include "core/node.h"
#include "core/varint.h"
#include "storage/storage_key.h"

namespace ringkv::core {
namespace {

constexpr std::string_view kGenerationKey = "generation";
constexpr std::string_view kMembershipKey = "membership";
// Rings kept for reads while handoff is in progress; older ones are dropped (their owners are
// then only reached by the handoff itself).
constexpr std::size_t kPreviousRingsMax = 4;
bool contains(const std::vector<NodeId>& nodes, const NodeId& node) {
  return std::find(nodes.begin(), nodes.end(), node) != nodes.end();
}

}  // namespace

Status Node::start_membership(std::uint64_t now_ms) {
  auto stored_generation = storage_.get(storage::Namespace::kMeta, kGenerationKey);
  if (!stored_generation.is_ok()) return stored_generation.status();
  std::uint64_t generation = 0;
  if (stored_generation->has_value()) {
    std::string_view in = **stored_generation;
    if (!get_varint(in, generation) || !in.empty()) {
      return Status::corruption("metadata generation is not a varint");
    }
  }
  GossipConfig gossip = config_.gossip;
  gossip.failure_detector.threshold = config_.phi_threshold;
  gossiper_.emplace(config_.node_id, config_.address, generation + 1, config_.seeds, random_,
                    gossip);
  auto stored_state = storage_.get(storage::Namespace::kMeta, kMembershipKey);
  if (!stored_state.is_ok()) return stored_state.status();
  if (stored_state->has_value()) {
    auto state = decode_state(**stored_state);
    if (!state.is_ok()) {
      return Status::corruption("metadata membership cannot be decoded: " +
                                state.status().to_string());
    }
    gossiper_->restore(*state, now_ms);
    RINGKV_RETURN_IF_ERROR(transfer_.load_rebuilds(config_, storage_));
    // A recorded address that differs from the configured one: the node moved.
    const MemberRecord* own = gossiper_->membership().find(config_.node_id);
    if (own != nullptr && own->status != MemberStatus::kRemoved &&
        own->address != config_.address) {
      RINGKV_RETURN_IF_ERROR(gossiper_->set_address(config_.address));
    }
  }
  // Before the join: the zone it announces. After: a changed zone (the node moved racks, or the
  // operator set one) is a newer record, and the ring rebuilt from the history moves partitions.
  const MemberRecord* own = gossiper_->membership().find(config_.node_id);
  if (own == nullptr || (own->status != MemberStatus::kRemoved && own->zone != config_.zone)) {
    RINGKV_RETURN_IF_ERROR(gossiper_->set_zone(config_.zone));
  }
  membership_started_ms_ = now_ms;
  membership_changes_seen_ = gossiper_->change_count() + 1;  // Persist the new generation now.
  on_membership_changed();
  return Status::ok();
}

void Node::persist_membership() {
  membership_unpersisted_ = false;
  storage::WriteBatch batch;
  std::string generation;
  put_varint(generation, gossiper_->generation());
  batch.put(storage::Namespace::kMeta, kGenerationKey, generation);
  batch.put(storage::Namespace::kMeta, kMembershipKey, encode_state(gossiper_->membership()));
  persist(std::move(batch), MembershipWrite{});
}

void Node::on_membership_changed() {
  membership_changes_seen_ = gossiper_->change_count();
  persist_membership();

  for (const NodeId& peer : peers()) detector_->expect(peer, now_ms_);
  const auto history = gossiper_->membership().ring_history();
  if (history.empty()) return;
  const std::uint64_t version = history_digest(history);
  if (version == ring_version_) return;
  auto ring = Ring::build(config_.partition_count, history);
  if (!ring.is_ok()) return;  // Every member gone: keep serving with the last ring.
  adopt_ring(std::move(ring).value(), version);
}

void Node::adopt_ring(Ring ring, std::uint64_t version) {
  if (ring_ && gossiper_) {
    std::vector<NodeId> removed;
    for (const auto& [id, weight] : ring_->weights()) {
      if (ring.weights().contains(id)) continue;
      const MemberRecord* record = gossiper_->membership().find(id);
      if (record != nullptr && record->status == MemberStatus::kRemoved) removed.push_back(id);
    }
    transfer_.plan_rebuilds(context_, *ring_, ring, removed);
  }
  if (ring_) {
    previous_rings_.push_back(std::move(*ring_));
    if (previous_rings_.size() > kPreviousRingsMax) previous_rings_.erase(previous_rings_.begin());
  }
  ring_ = std::move(ring);
  ring_version_ = version;
  ++stats_.ring_changes;
  transfer_.count_pending(context_);
  transfer_.wake(context_, started_);  // Start handing off at once.
}

void Node::on_gossip(const NodeId& from, const Gossip& message, std::uint64_t now_ms) {
  if (!gossiper_ || from.empty() || from.size() > kNodeIdBytesMax || from == config_.node_id) {
    return;
  }
  send_gossip(gossiper_->on_message(from, message.message, now_ms));
  if (gossiper_->change_count() != membership_changes_seen_) on_membership_changed();
}

void Node::send_gossip(std::vector<OutgoingGossip> outgoing) {
  for (auto& gossip : outgoing) {
    // Built in place: GCC 12 at -O3 takes the move of a temporary Effect for a read of an
    // uninitialized WriteBatch (a false positive, as in api/peer_codec.cc).
    effects_.emplace_back(std::in_place_type<SendEffect>,
                          SendEffect{std::move(gossip.to), Gossip{std::move(gossip.message)}});
  }
}

void Node::membership_tick(std::uint64_t now_ms) {
  if (membership_unpersisted_) persist_membership();
  send_gossip(gossiper_->on_tick(now_ms));
  const MemberRecord* own = gossiper_->membership().find(config_.node_id);
  if (own == nullptr && config_.auto_join) {
    const bool is_seed = contains(config_.seeds, config_.node_id) ||
                         contains(config_.seeds, seed_placeholder(config_.address));
    if (gossiper_->synced_with_seed() ||
        (is_seed && now_ms >= membership_started_ms_ + config_.join_grace_ms)) {
      (void)gossiper_->join(config_.weight);  // Cannot fail: we are not in the table.
    }
  } else if (own != nullptr && ring_) {
    if (own->status == MemberStatus::kLeaving) {
      if (transfer_.settled()) (void)gossiper_->finish_leave();
    } else if (handoff_settled()) {
      previous_rings_.clear();
      if (own->status == MemberStatus::kJoining) (void)gossiper_->mark_up();
    }
  }
  if (gossiper_->change_count() != membership_changes_seen_) on_membership_changed();
}

std::vector<NodeId> Node::peers() const {
  std::vector<NodeId> out;
  if (gossiper_) {
    for (const auto& [id, record] : gossiper_->membership().members()) {
      if (id != config_.node_id && record.status != MemberStatus::kRemoved) out.push_back(id);
    }
  } else {
    for (const auto& [id, weight] : ring_->weights()) {
      if (id != config_.node_id) out.push_back(id);
    }
  }
  return out;
}

bool Node::is_known_peer(const NodeId& node) const {
  if (gossiper_) {
    const MemberRecord* record = gossiper_->membership().find(node);
    return record != nullptr && record->status != MemberStatus::kRemoved;
  }
  return ring_->weights().contains(node);
}

std::string Node::address_of(const NodeId& node) const {
  if (!gossiper_) return {};
  const MemberRecord* record = gossiper_->membership().find(node);
  return record == nullptr ? std::string() : record->address;
}

std::string Node::member_state() const {
  if (!gossiper_) return "up";
  const MemberRecord* own = gossiper_->membership().find(config_.node_id);
  return own == nullptr ? "none" : member_status_name(own->status);
}

std::vector<MemberView> Node::members() const {
  std::vector<MemberView> out;
  const auto partitions =
      ring_ ? ring_->partitions_per_node() : std::map<NodeId, std::uint32_t>{};
  auto view = [&](const NodeId& id, std::string address, std::string state, std::uint32_t weight,
                  std::string zone) {
    MemberView member;
    member.id = id;
    member.address = std::move(address);
    member.zone = std::move(zone);
    member.alive = id == config_.node_id || (state != "removed" && believes_alive(id));
    member.state = std::move(state);
    member.weight = weight;
    auto owned = partitions.find(id);
    member.partitions = owned == partitions.end() ? 0 : owned->second;
    if (id == config_.node_id) {
      member.transfers_pending = static_cast<std::int64_t>(transfer_.pending());
    } else if (auto report = peer_reports_.find(id); report != peer_reports_.end()) {
      member.transfers_pending = static_cast<std::int64_t>(report->second.transfers_pending);
    }
    out.push_back(std::move(member));
  };
  if (gossiper_) {
    for (const auto& [id, record] : gossiper_->membership().members()) {
      view(id, record.address, member_status_name(record.status), record.weight, record.zone);
    }
  } else {
    for (const auto& [id, weight] : ring_->weights()) {
      view(id, {}, "up", weight, ring_->zones().at(id));
    }
  }
  return out;
}

Status Node::join(std::uint32_t weight) {
  if (!gossiper_) {
    return Status::invalid_argument("membership is static (the peers setting); start nodes with "
                                    "seeds to join, leave or remove at run time");
  }
  if (gossiper_->membership().find(config_.node_id) != nullptr) {
    return Status::invalid_argument("node " + config_.node_id + " is already " + member_state());
  }
  if (!gossiper_->synced_with_seed()) {
    return Status::unavailable("node " + config_.node_id +
                               " has not heard from a seed yet; check that a seed is running and "
                               "reachable");
  }
  if (weight < 1 || weight > kMemberWeightMax) {
    return Status::invalid_argument("weight must be in [1, " + std::to_string(kMemberWeightMax) +
                                    "], got " + std::to_string(weight));
  }
  RINGKV_RETURN_IF_ERROR(gossiper_->join(weight));
  on_membership_changed();
  return Status::ok();
}

Status Node::leave() {
  if (!gossiper_) {
    return Status::invalid_argument("membership is static (the peers setting); stop the node and "
                                    "change peers everywhere instead");
  }
  const MemberRecord* own = gossiper_->membership().find(config_.node_id);
  if (own == nullptr || own->status == MemberStatus::kRemoved) {
    return Status::invalid_argument("node " + config_.node_id + " is not a member");
  }
  if (own->status == MemberStatus::kLeaving) return Status::ok();  // Already on its way.
  const bool others = std::any_of(
      gossiper_->membership().members().begin(), gossiper_->membership().members().end(),
      [&](const auto& entry) {
        return entry.first != config_.node_id && (entry.second.status == MemberStatus::kJoining ||
                                                  entry.second.status == MemberStatus::kUp);
      });
  if (!others) {
    return Status::invalid_argument("node " + config_.node_id +
                                    " is the last member: nobody could take its partitions");
  }
  RINGKV_RETURN_IF_ERROR(gossiper_->leave());
  on_membership_changed();
  return Status::ok();
}

Status Node::remove(const NodeId& member) {
  if (!gossiper_) {
    return Status::invalid_argument("membership is static (the peers setting); remove the node "
                                    "from peers everywhere instead");
  }
  if (member == config_.node_id) {
    return Status::invalid_argument("a node cannot remove itself; use leave");
  }
  const MemberRecord* record = gossiper_->membership().find(member);
  if (record == nullptr) return Status::not_found("no member named " + member);
  RINGKV_RETURN_IF_ERROR(gossiper_->remove(member));
  on_membership_changed();
  return Status::ok();
}

bool Node::is_home_partition(std::uint32_t partition) const {
  return contains(ring_->preference_list(partition, smallest_n()), config_.node_id);
}

bool Node::ready_for_transfer(const NodeId& node) const {
  if (!believes_alive(node)) return false;
  auto report = peer_reports_.find(node);
  return report != peer_reports_.end() && report->second.ring_version == ring_version_;
}

bool Node::handoff_settled() const {
  if (!transfer_.settled()) return false;
  for (const NodeId& peer : peers()) {
    if (!believes_alive(peer)) continue;
    auto report = peer_reports_.find(peer);
    if (report == peer_reports_.end() || report->second.ring_version != ring_version_ ||
        report->second.transfers_pending != 0) {
      return false;
    }
  }
  return true;
}

bool Node::cluster_quiescent() const {
  if (!previous_rings_.empty() || hints_.held() != 0 || !transfer_.settled()) return false;
  for (const NodeId& peer : peers()) {
    if (!ready_for_transfer(peer)) return false;  // Down, or on another ring.
    const PeerReport& report = peer_reports_.at(peer);
    if (report.transfers_pending != 0 || report.hints_held != 0) return false;
  }
  return true;
}

void Node::previous_owners(const std::string& bucket, const std::string& key, std::uint32_t n,
                           std::vector<NodeId>& replicas) const {
  if (previous_rings_.empty()) return;
  const std::uint32_t partition = partition_of(key_position(bucket, key), config_.partition_count);
  for (const Ring& ring : previous_rings_) {
    for (const NodeId& owner : ring.preference_list(partition, n)) {
      if (contains(replicas, owner)) continue;
      if (owner == config_.node_id || is_known_peer(owner)) replicas.push_back(owner);
    }
  }
}

}  // namespace ringkv::core
