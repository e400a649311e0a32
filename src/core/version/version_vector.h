// VersionVector: a map actor -> counter with a last-update timestamp per entry, the causal context
// of a versioned object (Dynamo paper section 4.4; Preguica et al., "Dotted
// Version Vectors: Logical Clocks for Optimistic Replication", 2010).
//
// An actor is a storage incarnation of a node, not the node itself: a node whose data directory is
// wiped gets a new actor id, so its new writes never look older than what it wrote before (the
// lesson of Riak's kv679 bug). Timestamps are only used to prune the oldest entries.
// Thread-safety: a plain value.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace ringkv::core {

using ActorId = std::uint64_t;

// The largest counter a decoded vector may carry. No actor coordinates 2^62 writes, and the bound
// leaves room to increment a counter taken from untrusted bytes (a client's context) without
// overflowing, so update() cannot wrap a dot back to an already-covered one.
inline constexpr std::uint64_t kCounterMax = std::uint64_t{1} << 62;

// A single event: the counter-th write coordinated by actor.
struct Dot {
  ActorId actor = 0;
  std::uint64_t counter = 0;
  friend bool operator==(const Dot&, const Dot&) = default;
  friend auto operator<=>(const Dot&, const Dot&) = default;
};

struct ClockEntry {
  ActorId actor = 0;
  std::uint64_t counter = 0;
  std::uint64_t timestamp_ms = 0;  // When this entry last advanced (coordinator's clock).
  friend bool operator==(const ClockEntry&, const ClockEntry&) = default;
};

class VersionVector {
 public:
  VersionVector() = default;

  // Counter of `actor`, 0 when absent.
  std::uint64_t counter(ActorId actor) const;
  // True when this vector has seen `dot`.
  bool covers(const Dot& dot) const { return counter(dot.actor) >= dot.counter; }
  // True when this vector has seen everything `other` has (this >= other, pointwise).
  bool descends(const VersionVector& other) const;
  // Pointwise maximum; timestamps follow the larger counter (the larger timestamp on ties).
  void join(const VersionVector& other);
  // Records `dot` (counter becomes max(counter, dot.counter)) with `timestamp_ms`.
  void add(const Dot& dot, std::uint64_t timestamp_ms);
  // Removes the oldest entries (smallest timestamp, then smallest actor) until at most
  // `entries_max` remain, never removing an actor listed in `keep`. Returns how many were removed.
  std::size_t prune(std::size_t entries_max, const std::vector<ActorId>& keep);

  const std::vector<ClockEntry>& entries() const { return entries_; }  // Sorted by actor.
  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }

  // Compact binary encoding (varints). decode() rejects malformed or unsorted input.
  // Wire form: varint entry count, then per entry varint actor, counter, timestamp_ms. decode_from
  // consumes one vector from the front of `in` (left unchanged on error) and rejects truncation,
  // unsorted or duplicate actors, zero counters and counters above kCounterMax with Corruption.
  void encode_to(std::string& out) const;
  static Result<VersionVector> decode_from(std::string_view& in);

  friend bool operator==(const VersionVector&, const VersionVector&) = default;

 private:
  std::vector<ClockEntry> entries_;
};

}  // namespace ringkv::core
