// VersionedObject: every version of one key that a replica keeps: a causal context (the join of
// everything this replica has seen for the key) and a set of siblings, each tagged with the dot of
// the write that created it. This is the "dotted version vector set" representation used by Riak
// (dvvset.erl): a sibling whose dot the other side's context covers, and that the other side no
// longer holds, was superseded there and is dropped on merge; concurrent siblings are kept.
//
// Deletes are tombstone siblings, so a delete supersedes exactly what its context saw and is
// replicated and reconciled like any write.
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

inline constexpr std::uint8_t kObjectFormatVersion = 1;

struct Sibling {
  Dot dot;
  bool tombstone = false;
  std::string value;               // Empty for a tombstone.
  std::uint64_t timestamp_ms = 0;  // Coordinator's clock at the write; informational.
  friend bool operator==(const Sibling&, const Sibling&) = default;
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
  Dot update(const VersionVector& read_context, ActorId actor, std::uint64_t now_ms,
             std::optional<std::string> value);
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
  const std::vector<Sibling>& siblings() const { return siblings_; }  // Sorted by dot.
  // Values of non-tombstone siblings, in dot order, each distinct value once: siblings holding
  // equal bytes are one version to a reader (a write coordinated twice, after a forward that got
  // no answer was sent on, holds one value under two dots; two clients may write the same bytes).
  // Both dots stay, so merges remain a plain DVV join, and the next write with the read's context
  // supersedes both.
  std::vector<std::string> live_values() const;
  // True when there is no sibling or every sibling is a tombstone (the key reads as absent).
  bool is_deleted() const;
  bool empty() const { return siblings_.empty(); }

  // Compact binary encoding with a format version byte; decode() rejects malformed input and
  // unknown format versions with a Corruption status.
  // Wire form: kObjectFormatVersion, the context (VersionVector::encode_to), varint sibling count
  // (at most limits::kSiblingsMax), then per sibling varint actor, counter, timestamp_ms, kind
  // (0 value, 1 tombstone) and, for a value, varint length + bytes. Siblings must be strictly
  // sorted by dot and covered by the context; trailing bytes are rejected.
  std::string encode() const;
  static Result<VersionedObject> decode(std::string_view bytes);

  friend bool operator==(const VersionedObject&, const VersionedObject&) = default;

 private:
  VersionVector context_;
  std::vector<Sibling> siblings_;
};

}  // namespace ringkv::core
