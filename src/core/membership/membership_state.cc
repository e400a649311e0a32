// The membership table and its merge; see the header for the rules and the papers behind them.
#include "core/membership/membership_state.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

#include "common/invariant.h"

namespace ringkv::core {
namespace {

constexpr std::uint64_t kPortMax = 65535;
constexpr std::size_t kPortDigitsMax = 5;

bool is_removed(const MemberRecord& record) {
  return record.status == MemberStatus::kRemoved;
}

// "HOST:PORT" with a non-empty host (an IPv6 host is bracketed, so the last colon separates the
// port) and a decimal port in [1, 65535].
bool is_valid_address_impl(std::string_view address) {
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
                         r.leave_order, r.join_order, r.weight, std::string_view(r.address),
                         std::string_view(r.zone));
}

auto liveness_key(const MemberRecord& r) {
  return std::make_tuple(r.generation, r.heartbeat);
}

// The static stamp a digest entry can express, (removed, generation unless removed, version,
// removed_order), compared by hand: this runs for every member in every exchange.
bool static_stamp_greater(const DigestEntry& a, const DigestEntry& b) {
  const bool a_removed = a.removed_order != 0;
  const bool b_removed = b.removed_order != 0;
  if (a_removed != b_removed) return a_removed;
  if (!a_removed && a.generation != b.generation) return a.generation > b.generation;
  if (a.version != b.version) return a.version > b.version;
  return a.removed_order > b.removed_order;
}

// True when a record summarized by `a` wins some part over every record summarized by `b`.
bool entry_newer(const DigestEntry& a, const DigestEntry& b) {
  if (static_stamp_greater(a, b)) return true;
  return a.generation != b.generation ? a.generation > b.generation : a.heartbeat > b.heartbeat;
}

// Advances `it` to the first entry of `map` not below `id` and says whether it holds `id`. Both
// sides of every reconciliation loop are sorted by id, so each loop is one merge pass.
template <typename Iterator>
bool seek(Iterator& it, Iterator end, const NodeId& id) {
  int order = 1;
  while (it != end && (order = it->first.compare(id)) < 0) ++it;
  return it != end && order == 0;
}

std::uint64_t gap(std::uint64_t ours, std::uint64_t theirs) {
  return ours > theirs ? ours - theirs : 0;
}

// Scuttle-depth order for a capped message: what the receiver lacks entirely first, then static
// changes, then the largest version gap, then the largest heartbeat gap. Packed into one integer
// (gaps saturate) because a thousand candidates are ranked in every exchange of a large cluster.
using Priority = std::uint64_t;
Priority priority(const DigestEntry& sender, const DigestEntry& receiver) {
  constexpr std::uint64_t kVersionGapMax = (1u << 21) - 1;
  constexpr std::uint64_t kHeartbeatGapMax = (std::uint64_t{1} << 40) - 1;
  const std::uint64_t heartbeat_gap = sender.generation == receiver.generation
                                          ? gap(sender.heartbeat, receiver.heartbeat)
                                          : sender.heartbeat + 1;
  return (std::uint64_t{receiver == DigestEntry{}} << 63) |
         (std::uint64_t{static_stamp_greater(sender, receiver)} << 62) |
         (std::min(gap(sender.version, receiver.version), kVersionGapMax) << 40) |
         std::min(heartbeat_gap, kHeartbeatGapMax);
}

// Keeps the `limit` items of highest priority, then restores id order. Items carry the sender's
// and receiver's entries; priorities are computed only when the cap bites.
template <typename Item>
void keep_first(std::vector<Item>& items, std::size_t limit) {
  if (items.size() <= limit) return;
  for (Item& item : items) item.priority = priority(item.sender, item.receiver);
  std::nth_element(items.begin(), items.begin() + static_cast<long>(limit), items.end(),
                   [](const Item& a, const Item& b) {
                     return a.priority != b.priority ? a.priority > b.priority : *a.id < *b.id;
                   });
  items.resize(limit);
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return *a.id < *b.id; });
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

bool is_valid_member_address(std::string_view address) { return is_valid_address_impl(address); }

Status validate_record(const MemberRecord& r) {
  if (r.id.empty() || r.id.size() > kNodeIdBytesMax) {
    return Status::invalid_argument("member id must be 1 to 255 bytes");
  }
  if (is_seed_placeholder(r.id)) {
    return Status::invalid_argument("member id " + r.id + " starts with '@' (marks seed addresses)");
  }
  if (r.status > MemberStatus::kRemoved) {
    return Status::invalid_argument("member " + r.id + " has an unknown status");
  }
  if (is_removed(r) ? !r.address.empty()
                    : (r.address.size() > kAddressBytesMax || !is_valid_member_address(r.address))) {
    return Status::invalid_argument("member " + r.id + " address '" + r.address +
                                    "' is not HOST:PORT (empty once removed)");
  }
  if (!is_valid_zone(r.zone)) {
    return Status::invalid_argument("member " + r.id + " zone '" + r.zone + "' is not a zone name");
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
  for (const auto& [id, record] : members_)
    digest.emplace_hint(digest.end(), id, digest_entry(record));
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
    const NodeId* id;
    const MemberRecord* record;
    DigestEntry sender;
    DigestEntry receiver;
    Priority priority;
  };
  std::vector<Candidate> candidates;
  if (only_listed) {
    // A request lists few members; look them up instead of walking the table.
    for (const auto& [id, entry] : theirs) {
      const auto it = members_.find(id);
      if (it == members_.end()) continue;
      const DigestEntry ours = digest_entry(it->second);
      if (entry_newer(ours, entry))
        candidates.push_back({&it->first, &it->second, ours, entry, {}});
    }
  } else {
    auto their_it = theirs.begin();
    for (const auto& [id, record] : members_) {
      const bool listed = seek(their_it, theirs.end(), id);
      const DigestEntry entry = listed ? their_it->second : DigestEntry{};
      const DigestEntry ours = digest_entry(record);
      if (entry_newer(ours, entry)) candidates.push_back({&id, &record, ours, entry, {}});
    }
  }
  keep_first(candidates, records_max);
  std::vector<MemberRecord> delta;
  delta.reserve(candidates.size());
  for (const Candidate& candidate : candidates) delta.push_back(*candidate.record);
  RINGKV_INVARIANT(delta.size() <= records_max);
  return delta;
}

Digest MembershipState::request_for(const Digest& theirs, std::size_t entries_max) const {
  struct Wanted {
    const NodeId* id;
    DigestEntry sender;    // Theirs: they send.
    DigestEntry receiver;  // Ours, zero when absent: what the request carries.
    Priority priority;
  };
  std::vector<Wanted> wanted;
  auto our_it = members_.begin();
  for (const auto& [id, entry] : theirs) {
    const bool known = seek(our_it, members_.end(), id);
    const DigestEntry ours = known ? digest_entry(our_it->second) : DigestEntry{};
    if (entry_newer(entry, ours)) wanted.push_back({&id, entry, ours, {}});
  }
  keep_first(wanted, entries_max);
  Digest request;
  for (const Wanted& w : wanted) request.emplace_hint(request.end(), *w.id, w.receiver);
  RINGKV_INVARIANT(request.size() <= entries_max);
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
    // merge_records in place: most incoming records change nothing or only the heartbeat, and
    // a table of a thousand members is merged every round, so copies are avoided.
    MemberRecord& current = it->second;
    const bool static_wins = static_key(incoming) > static_key(current);
    const bool liveness_wins = liveness_key(incoming) > liveness_key(current);
    if (liveness_wins && !is_removed(current) && !is_removed(incoming)) {
      outcome.liveness_advanced.push_back(incoming.id);
      if (incoming.generation != current.generation) {
        outcome.generation_changed.push_back(incoming.id);
      }
    }
    if (static_wins) {
      outcome.static_changed.push_back(incoming.id);
      MemberRecord merged = incoming;
      if (!liveness_wins) {
        merged.generation = current.generation;
        merged.heartbeat = current.heartbeat;
      }
      put(std::move(merged));
    } else if (liveness_wins) {
      // A newer generation wins the static part too, unless removal absorbed it.
      RINGKV_INVARIANT(is_removed(current) || current.generation == incoming.generation);
      current.generation = incoming.generation;
      current.heartbeat = incoming.heartbeat;
    }
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
    const std::string* zone;
  };
  std::vector<Stamped> events;
  events.reserve(members_.size() + 1);
  for (const auto& [id, record] : members_) {
    events.push_back(
        {record.join_order, &id, MembershipEvent::Kind::kJoin, record.weight, &record.zone});
    if (record.leave_order != 0) {
      events.push_back({record.leave_order, &id, MembershipEvent::Kind::kLeave, 0, nullptr});
    }
  }
  // A member's leave stamp exceeds its join stamp (validate_record), so its join comes first.
  std::sort(events.begin(), events.end(), [](const Stamped& a, const Stamped& b) {
    return std::tie(a.order, *a.id, a.kind) < std::tie(b.order, *b.id, b.kind);
  });
  std::vector<MembershipEvent> history;
  history.reserve(events.size());
  for (const Stamped& e : events) {
    const bool joins = e.kind == MembershipEvent::Kind::kJoin;
    history.push_back({.kind = e.kind,
                       .node = *e.id,
                       .weight = joins ? e.weight : 1,
                       .zone = joins ? *e.zone : std::string()});
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
                             std::uint64_t generation, std::string zone) {
  if (const MemberRecord* existing = find(self)) {
    return Status::invalid_argument("node " + self + " is already " +
                                    member_status_name(existing->status) +
                                    (is_removed(*existing) ? "; a removed id cannot rejoin" : ""));
  }
  if (members_.size() >= kMembersMax) {
    return Status::invalid_argument(
        "membership is full (kMembersMax members, tombstones included)");
  }
  MemberRecord record{.id = self,
                      .address = std::move(address),
                      .weight = weight,
                      .status = MemberStatus::kJoining,
                      .join_order = max_order_ + 1,
                      .generation = generation,
                      .version = 1,
                      .zone = std::move(zone)};
  RINGKV_RETURN_IF_ERROR(validate_record(record));
  put(std::move(record));
  return Status::ok();
}

Status MembershipState::mark_up(const NodeId& self) {
  const MemberRecord* existing = find(self);
  if (existing == nullptr) return Status::not_found("node " + self + " is not a member");
  if (existing->status != MemberStatus::kJoining) {
    return Status::invalid_argument("node " + self + " is " + member_status_name(existing->status) +
                                    ", not joining");
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

Status MembershipState::set_zone(const NodeId& self, std::string zone) {
  const MemberRecord* existing = find(self);
  if (existing == nullptr) return Status::not_found("node " + self + " is not a member");
  if (is_removed(*existing)) return Status::invalid_argument("node " + self + " is removed");
  if (existing->zone == zone) return Status::ok();
  MemberRecord record = *existing;
  record.zone = std::move(zone);
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
  // records: join_order and weight are fixed per id, so nothing else can differ but the zone,
  // which stays because the ring history replays the member's join with it.
  record.address.clear();
  ++record.version;
  put(std::move(record));
  return Status::ok();
}

}  // namespace ringkv::core
