// VersionedObject: reconciliation and writes on a dot store with a causal context, the
// representation of Riak's dvvset.erl (Preguica et al., "Dotted Version Vectors: Logical Clocks
// for Optimistic Replication", 2010; Almeida et al., "Scalable and Accurate Causality Tracking for
// Eventually Consistent Stores", 2014). Invariants, checked where they could break:
//   - siblings are strictly sorted by dot and every dot has counter >= 1;
//   - the context covers every sibling's dot (a replica has seen what it holds);
//   - a tombstone carries no value bytes.
#include "core/version/versioned_object.h"

#include <algorithm>
#include <iterator>
#include <tuple>

#include "common/invariant.h"

namespace ringkv::core {
namespace {

bool dot_less(const Sibling& a, const Sibling& b) {
  return a.dot < b.dot;
}

// Two replicas holding the same dot hold the same write, so the copies should be equal. If they
// ever differ (a bug, or bytes from an older format), take the maximum of a total order so that
// merge stays commutative, associative and idempotent instead of depending on argument order.
const Sibling& pick_same_dot(const Sibling& a, const Sibling& b) {
  RINGKV_INVARIANT(a.dot == b.dot);
  return std::tie(a.timestamp_ms, a.tombstone, a.value) <
                 std::tie(b.timestamp_ms, b.tombstone, b.value)
             ? b
             : a;
}

}  // namespace

VersionedObject VersionedObject::merge(const VersionedObject& a, const VersionedObject& b) {
  VersionedObject merged;
  merged.siblings_.reserve(a.siblings_.size() + b.siblings_.size());
  auto x = a.siblings_.begin();
  auto y = b.siblings_.begin();
  // A sibling only one side holds is kept unless the other side's context covers its dot: then
  // the other side saw it and dropped it, i.e. a later write superseded it (dvvset:sync/2).
  while (x != a.siblings_.end() || y != b.siblings_.end()) {
    if (y == b.siblings_.end() || (x != a.siblings_.end() && x->dot < y->dot)) {
      if (!b.context_.covers(x->dot)) merged.siblings_.push_back(*x);
      ++x;
    } else if (x == a.siblings_.end() || y->dot < x->dot) {
      if (!a.context_.covers(y->dot)) merged.siblings_.push_back(*y);
      ++y;
    } else {
      merged.siblings_.push_back(pick_same_dot(*x++, *y++));
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
  std::erase_if(siblings_, [&](const Sibling& s) { return read_context.covers(s.dot); });
  context_.join(read_context);
  // Joining first makes the new dot exceed both this replica's and the client's counter for
  // `actor`, so it is never covered by any context that exists yet (the DVV paper's update rule).
  const std::uint64_t counter = context_.counter(actor);
  RINGKV_INVARIANT(counter < UINT64_MAX);
  const Dot dot{actor, counter + 1};
  context_.add(dot, now_ms);
  Sibling sibling{dot, !value.has_value(), value ? std::move(*value) : std::string(), now_ms};
  const auto at = std::upper_bound(siblings_.begin(), siblings_.end(), sibling, dot_less);
  RINGKV_INVARIANT(at == siblings_.begin() || std::prev(at)->dot < dot);
  siblings_.insert(at, std::move(sibling));
  return dot;
}

std::size_t VersionedObject::siblings_after_update(const VersionVector& read_context) const {
  const auto kept = std::count_if(siblings_.begin(), siblings_.end(),
                                  [&](const Sibling& s) { return !read_context.covers(s.dot); });
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
    if (sibling.tombstone) continue;
    if (std::find(values.begin(), values.end(), sibling.value) == values.end()) {
      values.push_back(sibling.value);
    }
  }
  return values;
}

bool VersionedObject::is_deleted() const {
  return std::all_of(siblings_.begin(), siblings_.end(),
                     [](const Sibling& s) { return s.tombstone; });
}

}  // namespace ringkv::core
