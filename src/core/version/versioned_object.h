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

  // Prunes the context to at most `entries_max` entries, keeping every actor of a live sibling.
  void prune(std::size_t entries_max);

  const VersionVector& context() const { return context_; }
  const std::vector<Sibling>& siblings() const { return siblings_; }  // Sorted by dot.
  // Values of non-tombstone siblings, in dot order.
  std::vector<std::string> live_values() const;
  // True when there is no sibling or every sibling is a tombstone (the key reads as absent).
  bool is_deleted() const;
  bool empty() const { return siblings_.empty(); }

  // Compact binary encoding with a format version byte; decode() rejects malformed input and
  // unknown format versions with a Corruption status.
  std::string encode() const;
  static Result<VersionedObject> decode(std::string_view bytes);

  friend bool operator==(const VersionedObject&, const VersionedObject&) = default;

 private:
  VersionVector context_;
  std::vector<Sibling> siblings_;
};

}  // namespace ringkv::core
