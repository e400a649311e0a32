// Data-type views over a VersionedObject's entries (model in data_types.h).
#include "core/datatypes/data_types.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "core/datatypes/slots.h"

namespace ringkv::core {
namespace slots {

ValueType type_of_kind(EntryKind kind) {
  switch (static_cast<std::uint8_t>(kind) >> 4) {
    case 0:
      return ValueType::kString;
    case 1:
      return ValueType::kHash;
    case 2:
      return ValueType::kSet;
    default:
      return ValueType::kNone;
  }
}

bool newer(const Sibling& a, const Sibling& b) {
  return std::tie(a.timestamp_ms, a.logical, a.dot) > std::tie(b.timestamp_ms, b.logical, b.dot);
}

std::string offset_field(ActorId actor, std::string_view slot_field) {
  std::string field(8, '\0');
  for (int i = 7; i >= 0; --i) {
    field[static_cast<std::size_t>(i)] = static_cast<char>(actor & 0xff);
    actor >>= 8;
  }
  field.append(slot_field);
  return field;
}

ActorId offset_actor(std::string_view field) {
  ActorId actor = 0;
  for (std::size_t i = 0; i < 8 && i < field.size(); ++i) {
    actor = (actor << 8) | static_cast<std::uint8_t>(field[i]);
  }
  return actor;
}

namespace {

bool is_offset(EntryKind kind, const SlotKinds& kinds) {
  return kind == kinds.offset || kind == kinds.offset_float;
}

bool in_family(EntryKind kind, const SlotKinds& kinds) {
  return kind == kinds.value || kind == kinds.tombstone || kind == kinds.counter ||
         kind == kinds.counter_float || is_offset(kind, kinds);
}

// The offsets the winning base recorded, by actor.
std::map<ActorId, std::string_view> offsets_of(const Slot& slot, const Evaluated& evaluated,
                                               EntryKind kind) {
  std::map<ActorId, std::string_view> offsets;
  if (evaluated.base == nullptr) return offsets;
  for (const Sibling* entry : slot.entries) {
    if (entry->kind == kind && entry->dot == evaluated.base->dot) {
      offsets.emplace(offset_actor(entry->field), entry->value);
    }
  }
  return offsets;
}

std::int64_t integer_or_zero(std::string_view text) {
  std::int64_t value = 0;
  return parse_int64(text, value) ? value : 0;
}

long double float_or_zero(std::string_view text) {
  long double value = 0;
  return parse_long_double(text, value) ? value : 0;
}

}  // namespace

Slot string_slot(const VersionedObject& object) {
  Slot slot;
  for (const Sibling& entry : object.siblings()) {
    if (in_family(entry.kind, kStringSlot)) slot.entries.push_back(&entry);
  }
  return slot;
}

std::map<std::string_view, Slot> field_slots(const VersionedObject& object) {
  std::map<std::string_view, Slot> fields;
  for (const Sibling& entry : object.siblings()) {
    if (!in_family(entry.kind, kFieldSlot)) continue;
    std::string_view field = entry.field;
    if (is_offset(entry.kind, kFieldSlot)) {
      if (field.size() < 8) continue;  // Malformed: ignored by every reader alike.
      field.remove_prefix(8);
    }
    fields[field].entries.push_back(&entry);
  }
  return fields;
}

std::map<std::string_view, Slot> field_slots(const VersionedObject& object,
                                             const std::set<std::string, std::less<>>& only) {
  std::map<std::string_view, Slot> fields;
  for (const Sibling& entry : object.siblings()) {
    if (!in_family(entry.kind, kFieldSlot)) continue;
    std::string_view field = entry.field;
    if (is_offset(entry.kind, kFieldSlot)) {
      if (field.size() < 8) continue;
      field.remove_prefix(8);
    }
    if (only.contains(field)) fields[field].entries.push_back(&entry);
  }
  return fields;
}

std::size_t element_count_bound(const VersionedObject& object, ValueType type) {
  std::size_t count = 0;
  for (const Sibling& entry : object.siblings()) {
    if (type == ValueType::kSet && entry.kind == EntryKind::kMember) ++count;
    if (type == ValueType::kHash &&
        (entry.kind == EntryKind::kFieldValue || entry.kind == EntryKind::kFieldCounter ||
         entry.kind == EntryKind::kFieldCounterFloat)) {
      ++count;
    }
  }
  return count;
}

Evaluated evaluate(const Slot& slot, const SlotKinds& kinds) {
  Evaluated result;
  for (const Sibling* entry : slot.entries) {
    if (entry->kind == kinds.value || entry->kind == kinds.tombstone) {
      if (result.base == nullptr || newer(*entry, *result.base)) result.base = entry;
    } else if (entry->kind == kinds.counter || entry->kind == kinds.counter_float) {
      result.has_contributions = true;
    }
  }
  const bool base_value = result.base != nullptr && result.base->kind == kinds.value;
  if (!result.has_contributions) {
    result.exists = base_value;
    if (base_value) result.text = result.base->value;
    std::int64_t i = 0;
    long double f = 0;
    if (base_value && parse_int64(result.text, i)) {
      result.number = Evaluated::Number::kInteger;
    } else if (base_value && parse_long_double(result.text, f)) {
      result.number = Evaluated::Number::kFloat;
    }
    return result;
  }
  result.exists = true;
  Int128 integer = 0;
  long double real = 0;
  bool is_float = false;
  if (base_value) {
    std::int64_t i = 0;
    long double f = 0;
    if (parse_int64(result.base->value, i)) {
      integer = i;
    } else if (parse_long_double(result.base->value, f)) {
      real = f;
      is_float = true;
    } else {
      // A non-numeric string set concurrently with increments: the string is what reads, the
      // increments stay stored until a write that observed them supersedes them.
      result.text = result.base->value;
      return result;
    }
  }
  const auto int_offsets = offsets_of(slot, result, kinds.offset);
  const auto float_offsets = offsets_of(slot, result, kinds.offset_float);
  // Summed in entry order (dot order), the same on every replica.
  for (const Sibling* entry : slot.entries) {
    if (entry->kind == kinds.counter) {
      const auto offset = int_offsets.find(entry->dot.actor);
      integer += static_cast<Int128>(integer_or_zero(entry->value)) -
                 (offset == int_offsets.end() ? 0 : integer_or_zero(offset->second));
    } else if (entry->kind == kinds.counter_float) {
      const auto offset = float_offsets.find(entry->dot.actor);
      real += float_or_zero(entry->value) -
              (offset == float_offsets.end() ? 0 : float_or_zero(offset->second));
      is_float = true;
    }
  }
  if (is_float) {
    result.text = format_long_double(static_cast<long double>(integer) + real);
    result.number = Evaluated::Number::kFloat;
  } else {
    result.text = int128_to_string(integer);
    result.number = Evaluated::Number::kInteger;
  }
  return result;
}

std::int64_t own_integer(const Slot& slot, const SlotKinds& kinds, const Evaluated& evaluated,
                         ActorId actor) {
  for (const Sibling* entry : slot.entries) {
    if (entry->kind == kinds.counter && entry->dot.actor == actor) {
      return integer_or_zero(entry->value);
    }
  }
  const auto offsets = offsets_of(slot, evaluated, kinds.offset);
  const auto offset = offsets.find(actor);
  return offset == offsets.end() ? 0 : integer_or_zero(offset->second);
}

long double own_float(const Slot& slot, const SlotKinds& kinds, const Evaluated& evaluated,
                      ActorId actor) {
  for (const Sibling* entry : slot.entries) {
    if (entry->kind == kinds.counter_float && entry->dot.actor == actor) {
      return float_or_zero(entry->value);
    }
  }
  const auto offsets = offsets_of(slot, evaluated, kinds.offset_float);
  const auto offset = offsets.find(actor);
  return offset == offsets.end() ? 0 : float_or_zero(offset->second);
}

std::vector<NewEntry> reset_offsets(const Slot& slot, const SlotKinds& kinds,
                                    std::string_view field) {
  const Evaluated evaluated = evaluate(slot, kinds);
  std::map<ActorId, bool> actors;  // Every actor with an entry or an offset in the winning base.
  for (const Sibling* entry : slot.entries) {
    if (entry->kind == kinds.counter || entry->kind == kinds.counter_float) {
      actors[entry->dot.actor] = true;
    } else if (evaluated.base != nullptr && is_offset(entry->kind, kinds) &&
               entry->dot == evaluated.base->dot) {
      actors[offset_actor(entry->field)] = true;
    }
  }
  std::vector<NewEntry> entries;
  for (const auto& [actor, unused] : actors) {
    const std::int64_t integer = own_integer(slot, kinds, evaluated, actor);
    if (integer != 0) {
      entries.push_back({kinds.offset, offset_field(actor, field), std::to_string(integer)});
    }
    const long double real = own_float(slot, kinds, evaluated, actor);
    if (real != 0) {
      char buffer[64];
      const auto written = std::to_chars(buffer, buffer + sizeof(buffer), real);
      entries.push_back(
          {kinds.offset_float, offset_field(actor, field), std::string(buffer, written.ptr)});
    }
  }
  return entries;
}

std::string int128_to_string(Int128 value) {
  if (value == 0) return "0";
  const bool negative = value < 0;
  // Digits of the magnitude, taken from the negative value so the minimum needs no negation.
  std::string digits;
  while (value != 0) {
    const int digit = static_cast<int>(value % 10);
    digits.push_back(static_cast<char>('0' + (digit < 0 ? -digit : digit)));
    value /= 10;
  }
  if (negative) digits.push_back('-');
  std::reverse(digits.begin(), digits.end());
  return digits;
}

}  // namespace slots

using slots::evaluate;
using slots::kFieldSlot;
using slots::kStringSlot;

std::string_view value_type_name(ValueType type) {
  switch (type) {
    case ValueType::kString:
      return "string";
    case ValueType::kHash:
      return "hash";
    case ValueType::kSet:
      return "set";
    case ValueType::kNone:
      break;
  }
  return "none";
}

std::optional<std::uint64_t> expiry_of(const VersionedObject& object) {
  std::optional<std::uint64_t> latest;
  for (const Sibling& entry : object.siblings()) {
    if (entry.kind != EntryKind::kExpiry) continue;
    std::int64_t at = 0;
    if (!parse_int64(entry.value, at) || at <= 0) return std::nullopt;  // PERSIST wins.
    latest = std::max(latest.value_or(0), static_cast<std::uint64_t>(at));
  }
  return latest;
}

bool is_expired(const VersionedObject& object, std::uint64_t now_ms) {
  const auto at = expiry_of(object);
  return at.has_value() && *at <= now_ms;
}

ValueType type_of(const VersionedObject& object, std::uint64_t now_ms) {
  // A string value (of the key or of a hash field) that a newer tombstone of its slot replaced
  // is not live: the slot reads as absent (the string rule), so it cannot give the key its type.
  // Field tombstones are rare (resets of counter fields): their map stays small.
  const Sibling* string_tombstone = nullptr;
  std::map<std::string_view, const Sibling*> field_tombstones;
  for (const Sibling& entry : object.siblings()) {
    if (entry.kind == EntryKind::kTombstone) {
      if (string_tombstone == nullptr || slots::newer(entry, *string_tombstone)) {
        string_tombstone = &entry;
      }
    } else if (entry.kind == EntryKind::kFieldTombstone) {
      const Sibling*& newest = field_tombstones[entry.field];
      if (newest == nullptr || slots::newer(entry, *newest)) newest = &entry;
    }
  }
  const auto replaced = [&](const Sibling& entry) {
    if (entry.kind == EntryKind::kValue) {
      return string_tombstone != nullptr && slots::newer(*string_tombstone, entry);
    }
    if (entry.kind == EntryKind::kFieldValue && !field_tombstones.empty()) {
      const auto it = field_tombstones.find(entry.field);
      return it != field_tombstones.end() && slots::newer(*it->second, entry);
    }
    return false;
  };
  const Sibling* newest = nullptr;
  for (const Sibling& entry : object.siblings()) {
    if (!is_live_entry_kind(entry.kind) || replaced(entry)) continue;
    if (newest == nullptr || slots::newer(entry, *newest)) newest = &entry;
  }
  if (newest == nullptr || is_expired(object, now_ms)) return ValueType::kNone;
  return slots::type_of_kind(newest->kind);
}

SlotValue string_value(const VersionedObject& object, std::uint64_t now_ms) {
  if (type_of(object, now_ms) != ValueType::kString) return {};
  const auto evaluated = evaluate(slots::string_slot(object), kStringSlot);
  return SlotValue{evaluated.exists, evaluated.text};
}

SlotValue hash_field(const VersionedObject& object, std::string_view field, std::uint64_t now_ms) {
  if (type_of(object, now_ms) != ValueType::kHash) return {};
  const auto fields = slots::field_slots(object);
  const auto slot = fields.find(field);
  if (slot == fields.end()) return {};
  const auto evaluated = evaluate(slot->second, kFieldSlot);
  return SlotValue{evaluated.exists, evaluated.text};
}

std::vector<std::pair<std::string, std::string>> hash_fields(const VersionedObject& object,
                                                             std::uint64_t now_ms) {
  std::vector<std::pair<std::string, std::string>> out;
  if (type_of(object, now_ms) != ValueType::kHash) return out;
  for (const auto& [field, slot] : slots::field_slots(object)) {
    auto evaluated = evaluate(slot, kFieldSlot);
    if (evaluated.exists) out.emplace_back(std::string(field), std::move(evaluated.text));
  }
  return out;
}

namespace {

// The entries keep_newest_values drops, named by (dot, kind, field), which is unique.
std::set<std::tuple<Dot, EntryKind, std::string>> superseded_values(const VersionedObject& object) {
  std::set<std::tuple<Dot, EntryKind, std::string>> drop;
  const auto collapse = [&](const slots::Slot& slot, const slots::SlotKinds& kinds) {
    const Sibling* newest = nullptr;
    for (const Sibling* entry : slot.entries) {
      if (entry->kind != kinds.value && entry->kind != kinds.tombstone) continue;
      if (newest == nullptr || slots::newer(*entry, *newest)) newest = entry;
    }
    if (newest == nullptr) return;
    std::set<Dot> older;
    for (const Sibling* entry : slot.entries) {
      if ((entry->kind == kinds.value || entry->kind == kinds.tombstone) && entry != newest) {
        older.insert(entry->dot);
        drop.emplace(entry->dot, entry->kind, entry->field);
      }
    }
    for (const Sibling* entry : slot.entries) {
      if (slots::is_offset(entry->kind, kinds) && older.contains(entry->dot)) {
        drop.emplace(entry->dot, entry->kind, entry->field);
      }
    }
  };
  collapse(slots::string_slot(object), kStringSlot);
  for (const auto& [field, slot] : slots::field_slots(object)) collapse(slot, kFieldSlot);
  return drop;
}

}  // namespace

bool has_superseded_values(const VersionedObject& object) {
  return !superseded_values(object).empty();
}

bool keep_newest_values(VersionedObject& object) {
  const auto drop = superseded_values(object);
  if (drop.empty()) return false;
  object.write(
      [&](const Sibling& entry) {
        return drop.contains(
            std::tuple<Dot, EntryKind, std::string>(entry.dot, entry.kind, entry.field));
      },
      {}, 0, Hlc{});
  return true;
}

std::vector<std::string> set_members(const VersionedObject& object, std::uint64_t now_ms) {
  std::vector<std::string> members;
  if (type_of(object, now_ms) != ValueType::kSet) return members;
  for (const Sibling& entry : object.siblings()) {
    if (entry.kind == EntryKind::kMember) members.push_back(entry.field);
  }
  std::sort(members.begin(), members.end());
  members.erase(std::unique(members.begin(), members.end()), members.end());
  return members;
}

bool set_contains(const VersionedObject& object, std::string_view member, std::uint64_t now_ms) {
  if (type_of(object, now_ms) != ValueType::kSet) return false;
  return std::any_of(object.siblings().begin(), object.siblings().end(), [&](const Sibling& e) {
    return e.kind == EntryKind::kMember && e.field == member;
  });
}

bool parse_int64(std::string_view text, std::int64_t& value) {
  if (text.empty() || text.size() > 20) return false;
  if (text.size() > 1 && (text[0] == '0' || (text[0] == '-' && text[1] == '0'))) return false;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size();
}

bool parse_long_double(std::string_view text, long double& value) {
  if (text.empty() || text.size() > 5000) return false;
  if (text.front() == '+') text.remove_prefix(1);
  if (text.empty() || text.front() == ' ' || text.front() == '+') return false;
  long double parsed = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), parsed);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(parsed)) {
    return false;
  }
  value = parsed;
  return true;
}

bool parses_as_infinity(std::string_view text) {
  if (!text.empty() && text.front() == '+') {
    text.remove_prefix(1);
    if (!text.empty() && (text.front() == '+' || text.front() == '-')) return false;
  }
  long double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size() && std::isinf(value);
}

std::string format_long_double(long double value) {
  if (value == 0) return "0";
  char buffer[5100];
  const auto written =
      std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::fixed, 17);
  if (written.ec != std::errc()) return "0";
  std::string text(buffer, written.ptr);
  if (text.find('.') != std::string::npos) {
    while (!text.empty() && text.back() == '0') text.pop_back();
    if (!text.empty() && text.back() == '.') text.pop_back();
  }
  if (text == "-0") return "0";
  return text;
}

}  // namespace ringkv::core
