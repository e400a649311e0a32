// Internals shared by the data-type views and operations: string slots (the key's string or one
// hash field) grouped from an object's entries, evaluated as base + contributions - offsets.
// Not part of the core's interface; see data_types.h for the model.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/datatypes/data_types.h"

namespace ringkv::core::slots {

// Counter sums: contributions are 64-bit, their sum may not be (GCC and Clang extension).
__extension__ typedef __int128 Int128;

// The kinds of one slot family: the key's string, or hash fields.
struct SlotKinds {
  EntryKind value, tombstone, counter, counter_float, offset, offset_float;
};
inline constexpr SlotKinds kStringSlot{EntryKind::kValue,   EntryKind::kTombstone,
                                       EntryKind::kCounter, EntryKind::kCounterFloat,
                                       EntryKind::kOffset,  EntryKind::kOffsetFloat};
inline constexpr SlotKinds kFieldSlot{EntryKind::kFieldValue,   EntryKind::kFieldTombstone,
                                      EntryKind::kFieldCounter, EntryKind::kFieldCounterFloat,
                                      EntryKind::kFieldOffset,  EntryKind::kFieldOffsetFloat};

// Which Redis type an entry belongs to (kNone for expiry entries).
ValueType type_of_kind(EntryKind kind);
// True when `a` is newer than `b`: HLC, then dot.
bool newer(const Sibling& a, const Sibling& b);

// An offset entry's field: the actor (8 bytes, big-endian), then the slot's field.
std::string offset_field(ActorId actor, std::string_view slot_field);
ActorId offset_actor(std::string_view field);

// The entries of one slot.
struct Slot {
  std::vector<const Sibling*> entries;
};

// The slot's entries of the key's string.
Slot string_slot(const VersionedObject& object);
// Every hash field's slot, by field name; with `only`, just those fields' (one pass, no work per
// other field: updates of big hashes stay linear).
std::map<std::string_view, Slot> field_slots(const VersionedObject& object);
std::map<std::string_view, Slot> field_slots(const VersionedObject& object,
                                             const std::set<std::string, std::less<>>& only);
// An upper bound of the members (set) or fields (hash) the object holds: its live entries of
// that type (concurrent adds of one member are two entries). Limits are checked against it.
std::size_t element_count_bound(const VersionedObject& object, ValueType type);

// A slot's value: the newest base and the contributions on top of it.
struct Evaluated {
  const Sibling* base = nullptr;  // Newest value or tombstone.
  bool has_contributions = false;
  bool exists = false;
  std::string text;
  // Numeric reading of the whole slot: kInteger when base and contributions are integers.
  enum class Number { kNone, kInteger, kFloat } number = Number::kNone;
};
Evaluated evaluate(const Slot& slot, const SlotKinds& kinds);

// What `actor`'s contribution entry should continue from: its own entry's value, else the
// offset the winning base recorded for it, else 0.
std::int64_t own_integer(const Slot& slot, const SlotKinds& kinds, const Evaluated& evaluated,
                         ActorId actor);
long double own_float(const Slot& slot, const SlotKinds& kinds, const Evaluated& evaluated,
                      ActorId actor);

// The entries a reset of the slot (a SET, HSET, DEL or HDEL that observed `slot`) adds besides
// its new base: an offset per actor whose continuation value is not zero, so increments
// concurrent with the reset count from where the reset saw them.
std::vector<NewEntry> reset_offsets(const Slot& slot, const SlotKinds& kinds,
                                    std::string_view field);

std::string int128_to_string(Int128 value);

}  // namespace ringkv::core::slots
