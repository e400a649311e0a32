// VersionedObject: every version of one key that a replica keeps: a causal context (the join of
// everything this replica has seen for the key) and a set of siblings, each tagged with the dot of
// the write that created it. This is the "dotted version vector set" representation used by Riak
// (dvvset.erl): a sibling whose dot the other side's context covers, and that the other side no
// longer holds, was superseded there and is dropped on merge; concurrent siblings are kept.
//
// Deletes are tombstone siblings, so a delete supersedes exactly what its context saw and is
// replicated and reconciled like any write.
//
// The same dot store carries the Redis data types (core/datatypes/): a "sibling" is an entry
// identified by (dot, kind, field) -- a string value, a counter contribution, a set member, a
// hash field, an expiry -- and one write may add several entries under its dot (SADD k a b c).
// Merging is the DVV rule per entry: an entry one side holds is kept unless the other side's
// context covers its dot (then the other side saw it and removed it). So every type shares one
// merge, commutative, associative and idempotent, and add wins over a concurrent remove: a
// remove only drops the entries it observed, whose dots it then covers (an "observed remove").
// Thread-safety: a plain value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "core/version/version_vector.h"

namespace ringkv::core {

// Format 1 (plain values and tombstones) still decodes; encode() writes format 2.
inline constexpr std::uint8_t kObjectFormatVersion = 2;
inline constexpr std::uint8_t kObjectFormatVersionPlain = 1;

// What an entry is. The high nibble is the Redis type it belongs to (0 string, 1 hash, 2 set,
// 3 key metadata); core/datatypes/ gives the meaning of each kind.
enum class EntryKind : std::uint8_t {
  kValue = 0,         // A string value (a sibling, as in format 1).
  kTombstone = 1,     // A delete.
  kCounter = 2,       // The writing actor's cumulative integer increments (decimal).
  kCounterFloat = 3,  // The writing actor's cumulative float increments (decimal text).
  kOffset = 4,        // Part of a reset: an actor's counter value that the reset observed.
  kOffsetFloat = 5,   // The same for float increments.
  kFieldValue = 16,   // The kinds above, for one field of a hash (`field` names it).
  kFieldTombstone = 17,
  kFieldCounter = 18,
  kFieldCounterFloat = 19,
  kFieldOffset = 20,
  kFieldOffsetFloat = 21,
  kMember = 32,  // A set member (`field` is the member).
  kExpiry = 48,  // The key's absolute expiry, unix ms (decimal); "0" is a PERSIST.
};

// Kinds that make a key exist: everything but deletes, reset offsets and expiry.
bool is_live_entry_kind(EntryKind kind);
// True for the kinds format 2 knows.
bool is_known_entry_kind(std::uint64_t kind);
// Kinds that carry a field / a value in the encoding.
bool entry_kind_has_field(EntryKind kind);
bool entry_kind_has_value(EntryKind kind);

// A hybrid logical clock reading (Kulkarni et al., "Logical Physical Clocks", 2014): the
// coordinator's wall clock, or one past the newest reading it has seen for the key, so a write
// is always newer than everything it observed even when clocks disagree.
struct Hlc {
  std::uint64_t ms = 0;
  std::uint32_t logical = 0;
  friend bool operator==(const Hlc&, const Hlc&) = default;
  friend auto operator<=>(const Hlc&, const Hlc&) = default;
};

// One entry (a sibling, for plain values): ordered by (dot, kind, field).
struct Sibling {
  Dot dot;
  bool tombstone = false;          // kind == kTombstone, kept for the plain-value code paths.
  std::string value;               // Empty for a tombstone.
  std::uint64_t timestamp_ms = 0;  // The coordinator's HLC at the write (ms part).
  std::uint32_t logical = 0;       // The HLC's logical part.
  EntryKind kind = EntryKind::kValue;
  std::string field;  // Hash field, set member, or offset target; empty for string kinds.

  Hlc hlc() const { return Hlc{timestamp_ms, logical}; }
  friend bool operator==(const Sibling&, const Sibling&) = default;
};

// Entry order: dot, then kind, then field.
bool entry_less(const Sibling& a, const Sibling& b);

// An entry a write adds (the write's dot and HLC are filled in).
struct NewEntry {
  EntryKind kind = EntryKind::kValue;
  std::string field;
  std::string value;
};

class VersionedObject {
 public:
  VersionedObject() = default;

  // Syntactic reconciliation of two replicas' states: commutative, associative, idempotent.
  static VersionedObject merge(const VersionedObject& a, const VersionedObject& b);
  // Merges `other` into this object (this = merge(this, other)).
  void merge_from(const VersionedObject& other);

  // A write coordinated by `actor`: drops every sibling whose dot `read_context` covers (what the
  // client saw), adds the new sibling with dot (actor, counter(actor) + 1) and joins `read_context`
  // into the object's context. `value` std::nullopt writes a tombstone. Returns the new dot.
  // The write's HLC is next_hlc(now_ms).
  Dot update(const VersionVector& read_context, ActorId actor, std::uint64_t now_ms,
             std::optional<std::string> value);
  // A typed write coordinated by `actor` (core/datatypes/): removes the held entries `remove`
  // selects (observed, so the context covers them), then adds `entries` under one new dot with
  // HLC `hlc`. With no entries it only removes and returns a zero dot.
  template <typename Remove>
  Dot write(Remove&& remove, std::vector<NewEntry> entries, ActorId actor, Hlc hlc) {
    std::erase_if(siblings_, remove);
    return add_entries(std::move(entries), actor, hlc);
  }
  // The HLC a write coordinated at wall clock `now_ms` takes: now_ms, or one logical tick past
  // the newest entry held when that is not older.
  Hlc next_hlc(std::uint64_t now_ms) const;
  // How many siblings update(read_context, ...) would leave. A coordinator rejects a put that
  // would exceed limits::kSiblingsMax before making it, since decode() refuses such objects.
  std::size_t siblings_after_update(const VersionVector& read_context) const;

  // Prunes the context to at most `entries_max` entries, keeping every actor of a live sibling.
  // Tombstones count as siblings here: dropping their actor would leave a sibling whose dot the
  // object's own context does not cover. When more actors must be kept than `entries_max`, the
  // context keeps exactly those.
  void prune(std::size_t entries_max);
  // As above, also keeping `keep` (the coordinator's own actor and the key's home replicas): an
  // actor whose entry is pruned restarts its counter at 1 and may reuse a dot other replicas
  // already hold as superseded, so its next write would be dropped there (Dynamo section 4.4
  // accepts pruning as an approximation; keeping the writers' own entries avoids that case).
  void prune(std::size_t entries_max, std::vector<ActorId> keep);

  const VersionVector& context() const { return context_; }
  // Every entry, sorted by entry_less.
  const std::vector<Sibling>& siblings() const { return siblings_; }
  // Values of string-value siblings (kind kValue), in dot order, each distinct value once: siblings holding
  // equal bytes are one version to a reader (a write coordinated twice, after a forward that got
  // no answer was sent on, holds one value under two dots; two clients may write the same bytes).
  // Both dots stay, so merges remain a plain DVV join, and the next write with the read's context
  // supersedes both.
  std::vector<std::string> live_values() const;
  // True when no entry makes the key exist: none, or only tombstones, reset offsets and expiry
  // entries (the key reads as absent). Independent of the clock: an expired key that has not been
  // deleted yet is not "deleted" here, so every replica holding the same state agrees (the
  // anti-entropy trees and tombstone reaping use this).
  bool is_deleted() const;
  bool empty() const { return siblings_.empty(); }

  // Compact binary encoding with a format version byte; decode() rejects malformed input and
  // unknown format versions with a Corruption status.
  // Format 1: 1, the context (VersionVector::encode_to), varint sibling count, then per sibling
  // varint actor, counter, timestamp_ms, kind (0 value, 1 tombstone) and, for a value, varint
  // length + bytes.
  // Format 2: 2, the context, varint entry count (at most limits::kStoredEntriesMax), then per
  // entry varint actor index (into the context's entries, which cover every dot), counter,
  // timestamp_ms, logical, kind, then the field and the value as varint length + bytes where the
  // kind has them. Entries must be strictly sorted by entry_less and covered by the context, at
  // most limits::kStoredSiblingsMax are string values or tombstones; trailing bytes are rejected.
  std::string encode() const;
  static Result<VersionedObject> decode(std::string_view bytes);

  friend bool operator==(const VersionedObject&, const VersionedObject&) = default;

 private:
  Dot add_entries(std::vector<NewEntry> entries, ActorId actor, Hlc hlc);

  VersionVector context_;
  std::vector<Sibling> siblings_;
};

}  // namespace ringkv::core
