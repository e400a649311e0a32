// The gossip round and the scuttlebutt exchange; see the header for the protocol and its sources.
#include "core/membership/gossiper.h"

#include <algorithm>
#include <utility>

#include "common/invariant.h"

namespace ringkv::core {

Status GossipConfig::validate() const {
  if (gossip_interval_ms == 0) {
    return Status::invalid_argument("gossip_interval_ms must be positive");
  }
  if (!(seed_probability >= 0.0 && seed_probability <= 1.0)) {
    return Status::invalid_argument("gossip seed_probability must be in [0, 1]");
  }
  if (records_per_message_max == 0 || records_per_message_max > kMembersMax) {
    return Status::invalid_argument("gossip records_per_message_max must be in [1, 8192]");
  }
  return failure_detector.validate();
}

Gossiper::Gossiper(NodeId self, std::string address, std::uint64_t generation,
                   std::vector<NodeId> seeds, Random& random, GossipConfig config)
    : self_(std::move(self)),
      address_(std::move(address)),
      generation_(generation),
      random_(random),
      config_(std::move(config)),
      detector_(config_.failure_detector) {
  RINGKV_INVARIANT(config_.validate().is_ok());
  RINGKV_INVARIANT(generation_ >= 1);
  std::sort(seeds.begin(), seeds.end());
  seeds.erase(std::unique(seeds.begin(), seeds.end()), seeds.end());
  std::erase(seeds, self_);
  std::erase(seeds, seed_placeholder(address_));
  seeds_ = std::move(seeds);
  unidentified_seeds_ = static_cast<std::size_t>(
      std::count_if(seeds_.begin(), seeds_.end(), [](const NodeId& id) {
        return is_seed_placeholder(id);
      }));
  // A node whose only seed is itself bootstraps the cluster: there is nobody to sync with.
  synced_with_seed_ = seeds_.empty();
}

NodeId Gossiper::pick(const std::vector<NodeId>& candidates, const NodeId& excluded) {
  std::vector<const NodeId*> eligible;
  eligible.reserve(candidates.size());
  for (const NodeId& candidate : candidates) {
    if (candidate != excluded) eligible.push_back(&candidate);
  }
  if (eligible.empty()) return {};
  return *eligible[random_.uniform(eligible.size())];
}

void Gossiper::restore(const MembershipState& persisted, std::uint64_t now_ms) {
  observe(state_.merge(persisted), now_ms);
  reconcile_self();
}

std::vector<OutgoingGossip> Gossiper::on_tick(std::uint64_t now_ms) {
  if (now_ms < next_round_ms_) return {};
  next_round_ms_ = now_ms + config_.gossip_interval_ms;
  if (state_.find(self_) != nullptr) state_.beat(self_);

  // Pointers into the table: copying a thousand ids every round would dominate the round.
  std::vector<const NodeId*> live;
  std::vector<const NodeId*> unreachable;
  for (const auto& [id, record] : state_.members()) {
    if (id == self_ || record.status == MemberStatus::kRemoved) continue;
    (detector_.is_available(id, now_ms) ? live : unreachable).push_back(&id);
  }
  std::vector<OutgoingGossip> out;
  const NodeId peer = live.empty() ? NodeId() : *live[random_.uniform(live.size())];
  if (!peer.empty()) out.push_back({peer, GossipDigest{}});
  // Cassandra's rule: probe a suspected member with probability unreachable / (live + 1).
  if (!unreachable.empty() && random_.chance(static_cast<double>(unreachable.size()) /
                                             static_cast<double>(live.size() + 1))) {
    out.push_back({*unreachable[random_.uniform(unreachable.size())], GossipDigest{}});
  }
  // Cassandra's rule too: now and then a seed, when the round's peer is not one or when fewer
  // members are known alive than there are seeds (otherwise seeds that founded two clusters at
  // once, each knowing only its own members, would only ever gossip within their own cluster).
  const bool peer_is_seed = std::binary_search(seeds_.begin(), seeds_.end(), peer);
  if (peer.empty() || ((!peer_is_seed || live.size() < seeds_.size()) &&
                       random_.chance(config_.seed_probability))) {
    const NodeId seed = pick(seeds_, peer);
    if (!seed.empty()) out.push_back({seed, GossipDigest{}});
  }
  // One digest per round, copied to each contact: building it walks the whole table.
  if (!out.empty()) {
    GossipDigest digest = make_digest();
    for (std::size_t i = 1; i < out.size(); ++i) out[i].message = digest;
    out.front().message = std::move(digest);
  }
  RINGKV_INVARIANT(out.size() <= 3);
  return out;
}

std::vector<OutgoingGossip> Gossiper::on_message(const NodeId& from, const GossipMessage& message,
                                                 std::uint64_t now_ms) {
  std::vector<OutgoingGossip> out;
  if (unidentified_seeds_ != 0) identify_seed(from);
  if (const auto* digest = std::get_if<GossipDigest>(&message)) {
    GossipDelta delta{state_.delta_for(digest->digest, config_.records_per_message_max),
                      state_.request_for(digest->digest, config_.records_per_message_max)};
    if (!delta.records.empty() || !delta.request.empty()) out.push_back({from, std::move(delta)});
  } else if (const auto* delta = std::get_if<GossipDelta>(&message)) {
    observe(state_.apply(delta->records), now_ms);
    if (unidentified_seeds_ != 0) identify_seed(from);
    if (std::binary_search(seeds_.begin(), seeds_.end(), from)) synced_with_seed_ = true;
    if (!delta->request.empty()) {
      GossipDeltaAck ack{state_.answer(delta->request, config_.records_per_message_max)};
      if (!ack.records.empty()) out.push_back({from, std::move(ack)});
    }
  } else {
    observe(state_.apply(std::get<GossipDeltaAck>(message).records), now_ms);
  }
  return out;
}

void Gossiper::identify_seed(const NodeId& from) {
  const MemberRecord* record = state_.find(from);
  if (record == nullptr || record->address.empty() || is_seed_placeholder(from)) return;
  const auto stand_in = std::lower_bound(seeds_.begin(), seeds_.end(),
                                         seed_placeholder(record->address));
  if (stand_in == seeds_.end() || *stand_in != seed_placeholder(record->address)) return;
  seeds_.erase(stand_in);
  --unidentified_seeds_;
  if (from != self_ && !std::binary_search(seeds_.begin(), seeds_.end(), from)) {
    seeds_.insert(std::lower_bound(seeds_.begin(), seeds_.end(), from), from);
  }
}

void Gossiper::observe(const ApplyOutcome& outcome, std::uint64_t now_ms) {
  for (const NodeId& id : outcome.added) {
    if (id != self_) detector_.expect(id, now_ms);
  }
  for (const NodeId& id : outcome.generation_changed) {
    // A restart: the downtime is not an inter-arrival time, and the old rhythm is moot.
    if (id != self_) detector_.forget(id);
  }
  for (const NodeId& id : outcome.liveness_advanced) {
    if (id != self_) detector_.heartbeat(id, now_ms);
  }
  bool touches_self = false;
  for (const NodeId& id : outcome.static_changed) {
    const MemberRecord* record = state_.find(id);
    if (record != nullptr && record->status == MemberStatus::kRemoved) detector_.forget(id);
    touches_self = touches_self || id == self_;
  }
  // Our own record's liveness moves only if another incarnation of us is (or was) running.
  const MemberRecord* own = state_.find(self_);
  touches_self = touches_self || (own != nullptr && own->generation != generation_);
  if (!outcome.static_changed.empty()) ++change_count_;
  if (touches_self) reconcile_self();
}

void Gossiper::reconcile_self() {
  const MemberRecord* own = state_.find(self_);
  if (own == nullptr || own->generation == generation_) return;
  // A record of ours at or above our generation means the host lost its counter: move past it.
  if (own->generation > generation_) generation_ = own->generation + 1;
  const Status restarted = state_.restart(self_, generation_);
  RINGKV_INVARIANT(restarted.is_ok());
  ++change_count_;
}

Status Gossiper::local_change(Status status) {
  if (status.is_ok()) ++change_count_;
  return status;
}

Status Gossiper::join(std::uint32_t weight) {
  return local_change(state_.join(self_, address_, weight, generation_, zone_));
}

Status Gossiper::mark_up() {
  return local_change(state_.mark_up(self_));
}

Status Gossiper::leave() {
  return local_change(state_.leave(self_));
}

Status Gossiper::finish_leave() {
  const MemberRecord* own = state_.find(self_);
  if (own == nullptr || own->status != MemberStatus::kLeaving) {
    return Status::invalid_argument("node " + self_ + " is not leaving");
  }
  return local_change(state_.remove(self_));
}

Status Gossiper::set_address(std::string address) {
  if (state_.find(self_) == nullptr) {
    address_ = std::move(address);  // Announced at join.
    return Status::ok();
  }
  RINGKV_RETURN_IF_ERROR(local_change(state_.set_address(self_, address)));
  address_ = std::move(address);
  return Status::ok();
}

Status Gossiper::set_zone(std::string zone) {
  if (state_.find(self_) == nullptr) {
    zone_ = std::move(zone);  // Announced at join.
    return Status::ok();
  }
  RINGKV_RETURN_IF_ERROR(local_change(state_.set_zone(self_, zone)));
  zone_ = std::move(zone);
  return Status::ok();
}

Status Gossiper::remove(const NodeId& member) {
  const MemberRecord* record = state_.find(member);
  const bool already = record != nullptr && record->status == MemberStatus::kRemoved;
  RINGKV_RETURN_IF_ERROR(state_.remove(member));
  if (!already) {
    ++change_count_;
    detector_.forget(member);
  }
  return Status::ok();
}

bool Gossiper::is_alive(const NodeId& member, std::uint64_t now_ms) const {
  if (member == self_) return true;
  const MemberRecord* record = state_.find(member);
  if (record != nullptr && record->status == MemberStatus::kRemoved) return false;
  return detector_.is_available(member, now_ms);
}

bool Gossiper::is_member() const {
  const MemberRecord* own = state_.find(self_);
  return own != nullptr && own->status != MemberStatus::kRemoved;
}

bool Gossiper::self_removed() const {
  const MemberRecord* own = state_.find(self_);
  return own != nullptr && own->status == MemberStatus::kRemoved;
}

}  // namespace ringkv::core
