// VersionVector operations. Entries stay sorted by actor with counters >= 1, so equality is
// structural and every operation is a linear merge of two sorted lists.
#include "core/version/version_vector.h"

#include <algorithm>
#include <tuple>

#include "core/varint.h"
#include "common/invariant.h"

namespace ringkv::core {
namespace {

// The entry that wins a join for one actor: the larger counter, then the later timestamp. Taking
// the maximum of a total order keeps join commutative, associative and idempotent even for the
// timestamps, which equality compares.
const ClockEntry& later_entry(const ClockEntry& a, const ClockEntry& b) {
  RINGKV_INVARIANT(a.actor == b.actor);
  return std::tie(a.counter, a.timestamp_ms) < std::tie(b.counter, b.timestamp_ms) ? b : a;
}

}  // namespace

std::uint64_t VersionVector::counter(ActorId actor) const {
  const auto it = std::lower_bound(
      entries_.begin(), entries_.end(), actor,
      [](const ClockEntry& entry, ActorId wanted) { return entry.actor < wanted; });
  return it != entries_.end() && it->actor == actor ? it->counter : 0;
}

bool VersionVector::descends(const VersionVector& other) const {
  auto mine = entries_.begin();
  for (const ClockEntry& theirs : other.entries_) {
    while (mine != entries_.end() && mine->actor < theirs.actor) ++mine;
    if (mine == entries_.end() || mine->actor != theirs.actor) return false;
    if (mine->counter < theirs.counter) return false;
  }
  return true;
}

void VersionVector::join(const VersionVector& other) {
  if (other.entries_.empty()) return;
  std::vector<ClockEntry> joined;
  joined.reserve(entries_.size() + other.entries_.size());
  auto a = entries_.begin();
  auto b = other.entries_.begin();
  while (a != entries_.end() || b != other.entries_.end()) {
    if (b == other.entries_.end() || (a != entries_.end() && a->actor < b->actor)) {
      joined.push_back(*a++);
    } else if (a == entries_.end() || b->actor < a->actor) {
      joined.push_back(*b++);
    } else {
      joined.push_back(later_entry(*a++, *b++));
    }
  }
  entries_ = std::move(joined);
}

void VersionVector::add(const Dot& dot, std::uint64_t timestamp_ms) {
  RINGKV_INVARIANT(dot.counter >= 1);  // Counter 0 means "absent"; no write has that dot.
  const ClockEntry entry{dot.actor, dot.counter, timestamp_ms};
  const auto it =
      std::lower_bound(entries_.begin(), entries_.end(), dot.actor,
                       [](const ClockEntry& e, ActorId wanted) { return e.actor < wanted; });
  if (it == entries_.end() || it->actor != dot.actor) {
    entries_.insert(it, entry);
  } else {
    *it = later_entry(*it, entry);  // Same rule as join, so add(d) == join({d}).
  }
}

std::size_t VersionVector::prune(std::size_t entries_max, const std::vector<ActorId>& keep) {
  if (entries_.size() <= entries_max) return 0;
  // Dynamo (section 4.4) truncates the oldest entries; an actor in `keep` is never a candidate.
  // Sorted copies keep this O(n log n) for the large vectors a hostile context can carry.
  std::vector<ActorId> kept = keep;
  std::sort(kept.begin(), kept.end());
  std::vector<ClockEntry> candidates;
  for (const ClockEntry& entry : entries_) {
    if (!std::binary_search(kept.begin(), kept.end(), entry.actor)) candidates.push_back(entry);
  }
  std::sort(candidates.begin(), candidates.end(), [](const ClockEntry& a, const ClockEntry& b) {
    return std::tie(a.timestamp_ms, a.actor) < std::tie(b.timestamp_ms, b.actor);
  });
  candidates.resize(std::min(entries_.size() - entries_max, candidates.size()));
  std::vector<ActorId> removed;
  removed.reserve(candidates.size());
  for (const ClockEntry& entry : candidates) removed.push_back(entry.actor);
  std::sort(removed.begin(), removed.end());
  std::erase_if(entries_, [&](const ClockEntry& entry) {
    return std::binary_search(removed.begin(), removed.end(), entry.actor);
  });
  return removed.size();
}

void VersionVector::encode_to(std::string& out) const {
  // count, then per entry: actor, counter, timestamp_ms; all varints.
  put_varint(out, entries_.size());
  for (const ClockEntry& entry : entries_) {
    RINGKV_INVARIANT(entry.counter >= 1);
    put_varint(out, entry.actor);
    put_varint(out, entry.counter);
    put_varint(out, entry.timestamp_ms);
  }
}

Result<VersionVector> VersionVector::decode_from(std::string_view& in) {
  constexpr std::size_t kEntryBytesMin = 3;  // Three one-byte varints.
  std::string_view rest = in;
  std::uint64_t count = 0;
  if (!get_varint(rest, count)) return Status::corruption("version vector: truncated count");
  // Bounding the count by the bytes left keeps a hostile count from reserving gigabytes.
  if (count > rest.size() / kEntryBytesMin) {
    return Status::corruption("version vector: entry count exceeds the input");
  }
  VersionVector vector;
  vector.entries_.reserve(static_cast<std::size_t>(count));
  for (std::uint64_t i = 0; i < count; ++i) {
    ClockEntry entry;
    if (!get_varint(rest, entry.actor) || !get_varint(rest, entry.counter) ||
        !get_varint(rest, entry.timestamp_ms)) {
      return Status::corruption("version vector: truncated entry");
    }
    if (entry.counter == 0) return Status::corruption("version vector: zero counter");
    if (entry.counter > kCounterMax) {
      return Status::corruption("version vector: counter above kCounterMax");
    }
    if (!vector.entries_.empty() && vector.entries_.back().actor >= entry.actor) {
      return Status::corruption("version vector: actors unsorted or duplicated");
    }
    vector.entries_.push_back(entry);
  }
  in = rest;
  return vector;
}

}  // namespace ringkv::core
