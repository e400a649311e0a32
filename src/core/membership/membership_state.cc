// The membership table and its merge; see the header for the rules and the papers behind them.
#include "core/membership/membership_state.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

#include "core/version/invariant.h"

namespace ringkv::core {
namespace {

constexpr std::uint64_t kPortMax = 65535;
constexpr std::size_t kPortDigitsMax = 5;

bool is_removed(const MemberRecord& record) {
  return record.status == MemberStatus::kRemoved;
}

// "HOST:PORT" with a non-empty host (an IPv6 host is bracketed, so the last colon separates the
// port) and a decimal port in [1, 65535].
bool is_valid_address(std::string_view address) {
  const std::size_t colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  const std::string_view port = address.substr(colon + 1);
  if (port.empty() || port.size() > kPortDigitsMax || port.front() == '0') return false;
  std::uint64_t value = 0;
  for (const char digit : port) {
    if (digit < '0' || digit > '9') return false;
    value = value * 10 + static_cast<std::uint64_t>(digit - '0');
  }
  return value <= kPortMax;
}

// The total order on static parts (see the header): removed records first by being removed, then
// by (version, leave_order); others by (generation, version). The trailing fields only break ties
// between records that should not exist (two writers at one stamp), so the join stays total.
auto static_key(const MemberRecord& r) {
  const bool removed = is_removed(r);
  return std::make_tuple(removed, removed ? 0 : r.generation, r.version,
                         removed ? r.leave_order : static_cast<std::uint64_t>(r.status),
                         r.leave_order, r.join_order, r.weight, std::string_view(r.address));
}

auto liveness_key(const MemberRecord& r) {
  return std::make_tuple(r.generation, r.heartbeat);
}

bool same_static_part(const MemberRecord& a, const MemberRecord& b) {
  return static_key(a) == static_key(b);
}

// The static stamp a digest entry can express; equal stamps mean equal static parts.
auto static_stamp(const DigestEntry& e) {
  const bool removed = e.removed_order != 0;
  return std::make_tuple(removed, removed ? 0 : e.generation, e.version, e.removed_order);
}

// True when a record summarized by `a` wins some part over every record summarized by `b`.
bool entry_newer(const DigestEntry& a, const DigestEntry& b) {
  return static_stamp(a) > static_stamp(b) ||
         std::make_tuple(a.generation, a.heartbeat) > std::make_tuple(b.generation, b.heartbeat);
}

std::uint64_t gap(std::uint64_t ours, std::uint64_t theirs) {
  return ours > theirs ? ours - theirs : 0;
}

}  // namespace

const char* member_status_name(MemberStatus status) {
  switch (status) {
    case MemberStatus::kJoining:
      return "joining";
    case MemberStatus::kUp:
      return "up";
    case MemberStatus::kLeaving:
      return "leaving";
    case MemberStatus::kRemoved:
      return "removed";
  }
  return "unknown";
}

Status validate_record(const MemberRecord& r) {
  if (r.id.empty() || r.id.size() > kNodeIdBytesMax) {
    return Status::invalid_argument("member id must be 1 to 255 bytes");
  }
  if (r.status > MemberStatus::kRemoved) {
    return Status::invalid_argument("member " + r.id + " has an unknown status");
  }
  if (is_removed(r) ? !r.address.empty()
                    : (r.address.size() > kAddressBytesMax || !is_valid_address(r.address))) {
    return Status::invalid_argument("member " + r.id + " address '" + r.address +
                                    "' is not HOST:PORT (empty once removed)");
  }
  if (r.weight == 0 || r.weight > kMemberWeightMax) {
    return Status::invalid_argument("member " + r.id + " weight must be in [1, 1024]");
  }
  if (r.generation == 0 || r.version == 0 || r.join_order == 0) {
    return Status::invalid_argument("member " + r.id +
                                    " generation, version and join_order must be >= 1");
  }
  const bool departed = r.status == MemberStatus::kLeaving || is_removed(r);
  if (departed ? r.leave_order <= r.join_order : r.leave_order != 0) {
    return Status::invalid_argument("member " + r.id +
                                    " leave_order must follow join_order exactly when departed");
  }
  return Status::ok();
}

MemberRecord merge_records(const MemberRecord& a, const MemberRecord& b) {
  RINGKV_INVARIANT(a.id == b.id);
  MemberRecord merged = static_key(a) >= static_key(b) ? a : b;
  const MemberRecord& live = liveness_key(a) >= liveness_key(b) ? a : b;
  merged.generation = live.generation;
  merged.heartbeat = live.heartbeat;
  // A non-removed static winner has the largest generation of the two, like the liveness winner.
  RINGKV_INVARIANT(is_removed(merged) || static_key(merged) == static_key(a) ||
                   static_key(merged) == static_key(b));
  return merged;
}

DigestEntry digest_entry(const MemberRecord& r) {
  return {.generation = r.generation,
          .version = r.version,
          .heartbeat = r.heartbeat,
          .removed_order = is_removed(r) ? r.leave_order : 0};
}

bool is_newer_than(const MemberRecord& record, const DigestEntry& entry) {
  return entry_newer(digest_entry(record), entry);
}

const MemberRecord* MembershipState::find(const NodeId& id) const {
  const auto it = members_.find(id);
  return it == members_.end() ? nullptr : &it->second;
}

Digest MembershipState::digest() const {
  Digest digest;
  for (const auto& [id, record] : members_) digest.emplace_hint(digest.end(), id, digest_entry(record));
  return digest;
}

std::vector<MemberRecord> MembershipState::delta_for(const Digest& theirs,
                                                     std::size_t records_max) const {
  return newer_records(theirs, /*only_listed=*/false, records_max);
}

std::vector<MemberRecord> MembershipState::answer(const Digest& request,
                                                  std::size_t records_max) const {
  return newer_records(request, /*only_listed=*/true, records_max);
}

std::vector<MemberRecord> MembershipState::newer_records(const Digest& theirs, bool only_listed,
                                                         std::size_t records_max) const {
  struct Candidate {
    const MemberRecord* record;
    std::tuple<bool, bool, std::uint64_t, std::uint64_t> priority;  // Larger goes first.
  };
  std::vector<Candidate> candidates;
  auto their_it = theirs.begin();
  for (const auto& [id, record] : members_) {
    // Both maps are sorted by id: one merge pass instead of a lookup per member.
    while (their_it != theirs.end() && their_it->first < id) ++their_it;
    const bool missing = their_it == theirs.end() || their_it->first != id;
    if (missing && only_listed) continue;
    const DigestEntry entry = missing ? DigestEntry{} : their_it->second;
    if (!is_newer_than(record, entry)) continue;
    const bool static_newer = static_stamp(digest_entry(record)) > static_stamp(entry);
    const std::uint64_t heartbeat_gap = record.generation == entry.generation
                                            ? gap(record.heartbeat, entry.heartbeat)
                                            : record.heartbeat + 1;
    const bool lacks = missing || entry == DigestEntry{};
    candidates.push_back(
        {&record, {lacks, static_newer, gap(record.version, entry.version), heartbeat_gap}});
  }
  if (candidates.size() > records_max) {
    const auto first = [](const Candidate& a, const Candidate& b) {
      return a.priority != b.priority ? a.priority > b.priority : a.record->id < b.record->id;
    };
    std::nth_element(candidates.begin(), candidates.begin() + static_cast<long>(records_max),
                     candidates.end(), first);
    candidates.resize(records_max);
    std::sort(candidates.begin(), candidates.end(),
              [](const Candidate& a, const Candidate& b) { return a.record->id < b.record->id; });
  }
  std::vector<MemberRecord> delta;
  delta.reserve(candidates.size());
  for (const Candidate& candidate : candidates) delta.push_back(*candidate.record);
  RINGKV_INVARIANT(delta.size() <= records_max);
  return delta;
}

Digest MembershipState::request_for(const Digest& theirs) const {
  Digest request;
  auto our_it = members_.begin();
  for (const auto& [id, entry] : theirs) {
    while (our_it != members_.end() && our_it->first < id) ++our_it;
    const bool missing = our_it == members_.end() || our_it->first != id;
    const DigestEntry ours = missing ? DigestEntry{} : digest_entry(our_it->second);
    if (entry_newer(entry, ours)) request.emplace_hint(request.end(), id, ours);
  }
  return request;
}

ApplyOutcome MembershipState::apply(const std::vector<MemberRecord>& records) {
  ApplyOutcome outcome;
  for (const MemberRecord& incoming : records) {
    if (!validate_record(incoming).is_ok()) {
      ++outcome.rejected;
      continue;
    }
    const auto it = members_.find(incoming.id);
    if (it == members_.end()) {
      if (members_.size() >= kMembersMax) {
        ++outcome.rejected;
        continue;
      }
      outcome.added.push_back(incoming.id);
      outcome.static_changed.push_back(incoming.id);
      put(incoming);
      continue;
    }
    const MemberRecord merged = merge_records(it->second, incoming);
    if (!same_static_part(merged, it->second)) outcome.static_changed.push_back(incoming.id);
    if (liveness_key(merged) > liveness_key(it->second)) {
      outcome.liveness_advanced.push_back(incoming.id);
      if (merged.generation != it->second.generation) {
        outcome.generation_changed.push_back(incoming.id);
      }
    }
    put(merged);
  }
  return outcome;
}

ApplyOutcome MembershipState::merge(const MembershipState& other) {
  std::vector<MemberRecord> records;
  records.reserve(other.members_.size());
  for (const auto& [id, record] : other.members_) records.push_back(record);
  return apply(records);
}

std::vector<MembershipEvent> MembershipState::ring_history() const {
  struct Stamped {
    std::uint64_t order;
    const NodeId* id;
    MembershipEvent::Kind kind;
    std::uint32_t weight;
  };
  std::vector<Stamped> events;
  events.reserve(members_.size() + 1);
  for (const auto& [id, record] : members_) {
    events.push_back({record.join_order, &id, MembershipEvent::Kind::kJoin, record.weight});
    if (record.leave_order != 0) {
      events.push_back({record.leave_order, &id, MembershipEvent::Kind::kLeave, 0});
    }
  }
  // A member's leave stamp exceeds its join stamp (validate_record), so its join comes first.
  std::sort(events.begin(), events.end(), [](const Stamped& a, const Stamped& b) {
    return std::tie(a.order, *a.id, a.kind) < std::tie(b.order, *b.id, b.kind);
  });
  std::vector<MembershipEvent> history;
  history.reserve(events.size());
  for (const Stamped& e : events) {
    history.push_back({.kind = e.kind,
                       .node = *e.id,
                       .weight = e.kind == MembershipEvent::Kind::kJoin ? e.weight : 1});
  }
  return history;
}

void MembershipState::put(MemberRecord record) {
  RINGKV_INVARIANT(validate_record(record).is_ok());
  max_order_ = std::max({max_order_, record.join_order, record.leave_order});
  NodeId id = record.id;
  members_.insert_or_assign(std::move(id), std::move(record));
}

Status MembershipState::join(const NodeId& self, std::string address, std::uint32_t weight,
                             std::uint64_t generation) {
  if (const MemberRecord* existing = find(self)) {
    return Status::invalid_argument("node " + self + " is already " +
                                    member_status_name(existing->status) +
                                    (is_removed(*existing) ? "; a removed id cannot rejoin" : ""));
  }
  if (members_.size() >= kMembersMax) {
    return Status::invalid_argument("membership is full (kMembersMax members, tombstones included)");
  }
  MemberRecord record{.id = self,
                      .address = std::move(address),
                      .weight = weight,
                      .status = MemberStatus::kJoining,
                      .join_order = max_order_ + 1,
                      .generation = generation,
                      .version = 1};
  RINGKV_RETURN_IF_ERROR(validate_record(record));
  put(std::move(record));
  return Status::ok();
}

Status MembershipState::mark_up(const NodeId& self) {
  const MemberRecord* existing = find(self);
  if (existing == nullptr) return Status::not_found("node " + self + " is not a member");
  if (existing->status != MemberStatus::kJoining) {
    return Status::invalid_argument("node " + self + " is " +
                                    member_status_name(existing->status) + ", not joining");
  }
  MemberRecord record = *existing;
  record.status = MemberStatus::kUp;
  ++record.version;
  put(std::move(record));
  return Status::ok();
}

Status MembershipState::leave(const NodeId& self) {
  const MemberRecord* existing = find(self);
  if (existing == nullptr) return Status::not_found("node " + self + " is not a member");
  if (existing->status != MemberStatus::kJoining && existing->status != MemberStatus::kUp) {
    return Status::invalid_argument("node " + self + " is already " +
                                    member_status_name(existing->status));
  }
  MemberRecord record = *existing;
  record.status = MemberStatus::kLeaving;
  record.leave_order = max_order_ + 1;
  ++record.version;
  put(std::move(record));
  return Status::ok();
}

Status MembershipState::set_address(const NodeId& self, std::string address) {
  const MemberRecord* existing = find(self);
  if (existing == nullptr) return Status::not_found("node " + self + " is not a member");
  if (is_removed(*existing)) return Status::invalid_argument("node " + self + " is removed");
  if (existing->address == address) return Status::ok();
  MemberRecord record = *existing;
  record.address = std::move(address);
  ++record.version;
  RINGKV_RETURN_IF_ERROR(validate_record(record));
  put(std::move(record));
  return Status::ok();
}

void MembershipState::beat(const NodeId& self) {
  const auto it = members_.find(self);
  RINGKV_INVARIANT(it != members_.end());
  ++it->second.heartbeat;
}

Status MembershipState::restart(const NodeId& self, std::uint64_t generation) {
  const MemberRecord* existing = find(self);
  if (existing == nullptr) return Status::not_found("node " + self + " is not a member");
  if (generation <= existing->generation) {
    return Status::invalid_argument("node " + self + " restarts under generation " +
                                    std::to_string(generation) + ", not above its " +
                                    std::to_string(existing->generation));
  }
  MemberRecord record = *existing;
  record.generation = generation;
  record.heartbeat = 0;
  // A removed record's stamp ignores the generation; bumping its version would only churn.
  if (!is_removed(record)) ++record.version;
  put(std::move(record));
  return Status::ok();
}

Status MembershipState::remove(const NodeId& member) {
  const MemberRecord* existing = find(member);
  if (existing == nullptr) return Status::not_found("node " + member + " is not a member");
  if (is_removed(*existing)) return Status::ok();
  MemberRecord record = *existing;
  if (record.status != MemberStatus::kLeaving) record.leave_order = max_order_ + 1;
  record.status = MemberStatus::kRemoved;
  // Cleared so that two operators removing the same member at the same stamp write identical
  // records: join_order and weight are fixed per id, so nothing else can differ.
  record.address.clear();
  ++record.version;
  put(std::move(record));
  return Status::ok();
}

}  // namespace ringkv::core
