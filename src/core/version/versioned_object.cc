// VersionedObject: reconciliation and writes on a dot store with a causal context, the
// representation of Riak's dvvset.erl (Preguica et al., "Dotted Version Vectors: Logical Clocks
// for Optimistic Replication", 2010; Almeida et al., "Scalable and Accurate Causality Tracking for
// Eventually Consistent Stores", 2014). Invariants, checked where they could break:
//   - entries are strictly sorted by entry_less (dot, kind, field), every dot has counter >= 1;
//   - the context covers every entry's dot (a replica has seen what it holds);
//   - a tombstone or member carries no value bytes; `tombstone` mirrors kind == kTombstone.
#include "core/version/versioned_object.h"

#include <algorithm>
#include <iterator>
#include <tuple>

#include "common/invariant.h"

namespace ringkv::core {
namespace {

bool same_entry(const Sibling& a, const Sibling& b) {
  return a.dot == b.dot && a.kind == b.kind && a.field == b.field;
}

// Two replicas holding the same entry hold the same write, so the copies should be equal. If they
// ever differ (a bug, or bytes from an older format), take the maximum of a total order so that
// merge stays commutative, associative and idempotent instead of depending on argument order.
const Sibling& pick_same_entry(const Sibling& a, const Sibling& b) {
  RINGKV_INVARIANT(same_entry(a, b));
  return std::tie(a.timestamp_ms, a.logical, a.tombstone, a.value) <
                 std::tie(b.timestamp_ms, b.logical, b.tombstone, b.value)
             ? b
             : a;
}

bool is_string_sibling(const Sibling& s) {
  return s.kind == EntryKind::kValue || s.kind == EntryKind::kTombstone;
}

}  // namespace

bool is_live_entry_kind(EntryKind kind) {
  switch (kind) {
    case EntryKind::kValue:
    case EntryKind::kCounter:
    case EntryKind::kCounterFloat:
    case EntryKind::kFieldValue:
    case EntryKind::kFieldCounter:
    case EntryKind::kFieldCounterFloat:
    case EntryKind::kMember:
      return true;
    default:
      return false;
  }
}

bool is_known_entry_kind(std::uint64_t kind) {
  return kind <= 5 || (kind >= 16 && kind <= 21) || kind == 32 || kind == 48;
}

bool entry_kind_has_field(EntryKind kind) {
  switch (kind) {
    case EntryKind::kValue:
    case EntryKind::kTombstone:
    case EntryKind::kCounter:
    case EntryKind::kCounterFloat:
    case EntryKind::kExpiry:
      return false;
    default:
      return true;
  }
}

bool entry_kind_has_value(EntryKind kind) {
  return kind != EntryKind::kTombstone && kind != EntryKind::kFieldTombstone &&
         kind != EntryKind::kMember;
}

bool entry_less(const Sibling& a, const Sibling& b) {
  return std::tie(a.dot, a.kind, a.field) < std::tie(b.dot, b.kind, b.field);
}

VersionedObject VersionedObject::merge(const VersionedObject& a, const VersionedObject& b) {
  VersionedObject merged;
  merged.siblings_.reserve(a.siblings_.size() + b.siblings_.size());
  auto x = a.siblings_.begin();
  auto y = b.siblings_.begin();
  // A sibling only one side holds is kept unless the other side's context covers its dot: then
  // the other side saw it and dropped it, i.e. a later write superseded it (dvvset:sync/2).
  while (x != a.siblings_.end() || y != b.siblings_.end()) {
    if (y == b.siblings_.end() || (x != a.siblings_.end() && entry_less(*x, *y))) {
      if (!b.context_.covers(x->dot)) merged.siblings_.push_back(*x);
      ++x;
    } else if (x == a.siblings_.end() || entry_less(*y, *x)) {
      if (!a.context_.covers(y->dot)) merged.siblings_.push_back(*y);
      ++y;
    } else {
      merged.siblings_.push_back(pick_same_entry(*x++, *y++));
    }
  }
  merged.context_ = a.context_;
  merged.context_.join(b.context_);
  return merged;
}

void VersionedObject::merge_from(const VersionedObject& other) {
  *this = merge(*this, other);
}

Dot VersionedObject::update(const VersionVector& read_context, ActorId actor, std::uint64_t now_ms,
                            std::optional<std::string> value) {
  // The client saw exactly the dots its context covers; those versions are superseded. Anything
  // written since (by any coordinator) has a dot beyond the context and survives as a sibling.
  const Hlc hlc = next_hlc(now_ms);
  std::erase_if(siblings_, [&](const Sibling& s) { return read_context.covers(s.dot); });
  context_.join(read_context);
  NewEntry entry;
  if (value) {
    entry.value = std::move(*value);
  } else {
    entry.kind = EntryKind::kTombstone;
  }
  std::vector<NewEntry> entries;
  entries.push_back(std::move(entry));
  return add_entries(std::move(entries), actor, hlc);
}

Dot VersionedObject::add_entries(std::vector<NewEntry> entries, ActorId actor, Hlc hlc) {
  if (entries.empty()) return Dot{};
  // Joining the read context first makes the new dot exceed both this replica's and the client's
  // counter for `actor`, so it is never covered by any context that exists yet (the DVV paper's
  // update rule).
  const std::uint64_t counter = context_.counter(actor);
  RINGKV_INVARIANT(counter < UINT64_MAX);
  const Dot dot{actor, counter + 1};
  context_.add(dot, hlc.ms);
  std::vector<Sibling> added;
  added.reserve(entries.size());
  for (NewEntry& entry : entries) {
    Sibling sibling;
    sibling.dot = dot;
    sibling.kind = entry.kind;
    sibling.tombstone = entry.kind == EntryKind::kTombstone;
    sibling.field = std::move(entry.field);
    if (entry_kind_has_value(entry.kind)) sibling.value = std::move(entry.value);
    sibling.timestamp_ms = hlc.ms;
    sibling.logical = hlc.logical;
    added.push_back(std::move(sibling));
  }
  std::sort(added.begin(), added.end(), entry_less);
  added.erase(std::unique(added.begin(), added.end(), same_entry), added.end());
  // Every held dot is covered by the context, so the new dot sorts after every held entry of
  // `actor`; entries of other actors may follow it.
  const auto at = std::upper_bound(siblings_.begin(), siblings_.end(), added.front(), entry_less);
  RINGKV_INVARIANT(at == siblings_.end() || added.back().dot < at->dot);
  siblings_.insert(at, std::make_move_iterator(added.begin()),
                   std::make_move_iterator(added.end()));
  return dot;
}

Hlc VersionedObject::next_hlc(std::uint64_t now_ms) const {
  Hlc newest;
  for (const Sibling& sibling : siblings_) newest = std::max(newest, sibling.hlc());
  if (now_ms > newest.ms) return Hlc{now_ms, 0};
  if (newest.logical == UINT32_MAX) return Hlc{newest.ms + 1, 0};
  return Hlc{newest.ms, newest.logical + 1};
}

std::size_t VersionedObject::siblings_after_update(const VersionVector& read_context) const {
  const auto kept = std::count_if(siblings_.begin(), siblings_.end(), [&](const Sibling& s) {
    return is_string_sibling(s) && !read_context.covers(s.dot);
  });
  return static_cast<std::size_t>(kept) + 1;
}

void VersionedObject::prune(std::size_t entries_max) {
  prune(entries_max, {});
}

void VersionedObject::prune(std::size_t entries_max, std::vector<ActorId> keep) {
  for (const Sibling& sibling : siblings_) keep.push_back(sibling.dot.actor);
  context_.prune(entries_max, keep);
  for (const Sibling& sibling : siblings_) RINGKV_INVARIANT(context_.covers(sibling.dot));
}

std::vector<std::string> VersionedObject::live_values() const {
  std::vector<std::string> values;
  for (const Sibling& sibling : siblings_) {
    if (sibling.kind != EntryKind::kValue) continue;
    if (std::find(values.begin(), values.end(), sibling.value) == values.end()) {
      values.push_back(sibling.value);
    }
  }
  return values;
}

bool VersionedObject::is_deleted() const {
  return std::none_of(siblings_.begin(), siblings_.end(),
                      [](const Sibling& s) { return is_live_entry_kind(s.kind); });
}

}  // namespace ringkv::core
