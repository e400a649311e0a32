// The Redis data types as views of a VersionedObject's entries (docs/REDIS.md, "Data types under
// concurrency"). Every type lives in the same dot store and merges by the same DVV rule
// (versioned_object.h); what a key *is* follows from the entries that survive:
//   - string: a slot of string values (kValue siblings, tombstones) read as the value with the
//     newest hybrid timestamp (HLC, then dot); counters are strings with contributions: one
//     cumulative entry per incrementing actor (kCounter / kCounterFloat), added to the numeric
//     base value. A SET or DEL is an observed reset: it removes what it saw and records, under
//     its own dot, each actor's contribution it saw (kOffset): value = base + sum over surviving
//     contributions of (contribution - that actor's offset in the winning base). So increments
//     concurrent with a reset survive on top of it, and every acknowledged increment counts.
//   - hash: one slot per field (the kField* kinds), each read as a string slot.
//   - set: kMember entries, one per adding write and member: an add-wins observed-remove set
//     whose clock is the object's context (ORSWOT, no per-element tombstones).
//   - expiry: kExpiry entries; concurrent ones all survive: a PERSIST ("0") among them wins,
//     else the latest time. An expired key reads as absent at every reader whose clock is past it.
//   - type conflicts (a concurrent SET k and HSET k): the type of the newest live entry wins (a
//     string value replaced by a newer tombstone of its slot is not live: SET then a concurrent,
//     newer DEL leaves no string, as GET reads);
//     entries of the other types stay stored (hidden) until a write of the winning type, which
//     observed them, removes them.
// Pure functions: no clock reads (callers pass now_ms).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/version/versioned_object.h"

namespace ringkv::core {

enum class ValueType : std::uint8_t { kNone, kString, kHash, kSet };

// "none", "string", "hash", "set" (Redis TYPE replies).
std::string_view value_type_name(ValueType type);

// The key's expiry (unix ms), none when it has no expiry or a PERSIST won.
std::optional<std::uint64_t> expiry_of(const VersionedObject& object);
// True when the key has an expiry at or before `now_ms`.
bool is_expired(const VersionedObject& object, std::uint64_t now_ms);
// The key's type, kNone when it holds nothing live or has expired.
ValueType type_of(const VersionedObject& object, std::uint64_t now_ms);

// A string slot read (the key's string, or one hash field).
struct SlotValue {
  bool exists = false;
  std::string text;  // What GET / HGET returns.
};

// The key's string value, not-existing when the key is not a string (or expired).
SlotValue string_value(const VersionedObject& object, std::uint64_t now_ms);
// One hash field, not-existing when absent or the key is not a hash (or expired).
SlotValue hash_field(const VersionedObject& object, std::string_view field, std::uint64_t now_ms);
// Every field of a hash with its value, sorted by field; empty unless the key is a hash.
std::vector<std::pair<std::string, std::string>> hash_fields(const VersionedObject& object,
                                                             std::uint64_t now_ms);
// The members of a set, sorted; empty unless the key is a set.
std::vector<std::string> set_members(const VersionedObject& object, std::uint64_t now_ms);
bool set_contains(const VersionedObject& object, std::string_view member, std::uint64_t now_ms);

// Last write wins (a bucket with `conflict = lww`): in each string slot (the key's string and
// each hash field) only the newest value or tombstone stays, with the reset offsets it recorded;
// older ones and their offsets are dropped. The context still covers what was dropped, so every
// replica that merges this object drops it too, and no siblings are kept. What any reader sees
// is unchanged (the newest base is what GET and HGET already read, and counters add up on it);
// only GETALL then shows one version. Returns whether anything was dropped.
bool keep_newest_values(VersionedObject& object);
// Whether keep_newest_values would drop anything (no copy needed to find out).
bool has_superseded_values(const VersionedObject& object);

// Strict number parsing as Redis does it (no spaces, no trailing bytes).
bool parse_int64(std::string_view text, std::int64_t& value);
bool parse_long_double(std::string_view text, long double& value);
// True when `text` reads as an infinite float ("inf", "-Infinity", "+INF": any case; one sign at
// most), which Redis reads as a number and then refuses with a message of its own.
bool parses_as_infinity(std::string_view text);
// INCRBYFLOAT's output format: 17 decimals, trailing zeros trimmed ("10.6", "3").
std::string format_long_double(long double value);

}  // namespace ringkv::core
