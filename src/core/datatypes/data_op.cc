// Redis writes on the data-type dot store (model in data_types.h, interface in data_op.h).
#include "core/datatypes/data_op.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <set>
#include <unordered_set>

#include "common/limits.h"
#include "core/datatypes/slots.h"
#include "core/varint.h"

namespace ringkv::core {
namespace {

using slots::kFieldSlot;
using slots::kStringSlot;

Status overflow() {
  return Status::invalid_argument("increment or decrement would overflow");
}
Status malformed(std::string_view what) {
  return Status::invalid_argument("malformed data operation: " + std::string(what));
}
Status too_many(std::string_view what, std::size_t count) {
  return Status::too_large(std::string(what) + " would hold " + std::to_string(count) +
                           " elements, more than the limit of " +
                           std::to_string(limits::kCollectionElementsMax) +
                           " (kCollectionElementsMax)");
}

OpResult ok_result() {
  return OpResult{};
}
OpResult integer_result(std::int64_t value) {
  return OpResult{OpResult::Kind::kInteger, value, {}};
}
OpResult bulk_result(std::string bytes) {
  return OpResult{OpResult::Kind::kBulk, 0, std::move(bytes)};
}
OpResult nil_result() {
  return OpResult{OpResult::Kind::kNil, 0, {}};
}

std::string float_text(long double value) {
  char buffer[64];
  const auto written = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, written.ptr);
}

// Removes nothing of the key's metadata; true for entries of another type than `type`, which a
// write of `type` observed and so removes (type-conflict clean-up).
bool other_type(const Sibling& entry, ValueType type) {
  return entry.kind != EntryKind::kExpiry && slots::type_of_kind(entry.kind) != type;
}

// One apply: the object it works on and the write's identity.
struct Apply {
  VersionedObject& object;
  const DataOp& op;
  ActorId actor;
  std::uint64_t now_ms;
  Hlc hlc;

  template <typename Remove>
  void write(Remove&& remove, std::vector<NewEntry> entries) {
    object.write(std::forward<Remove>(remove), std::move(entries), actor, hlc);
  }

  Status expect_type(ValueType want) const {
    const ValueType type = type_of(object, now_ms);
    if (type != ValueType::kNone && type != want) return wrong_type_error();
    return Status::ok();
  }

  std::int64_t expiry_at() const {
    return op.expiry == ExpiryKind::kRelativeMs ? static_cast<std::int64_t>(now_ms) + op.expiry_ms
                                                : op.expiry_ms;
  }

  // The entries that replace the key's string with `base` (kValue or kTombstone), recording the
  // contributions the reset observed, for the string and for every hash field.
  std::vector<NewEntry> reset_all(NewEntry base) const {
    std::vector<NewEntry> entries{std::move(base)};
    auto offsets = slots::reset_offsets(slots::string_slot(object), kStringSlot, "");
    entries.insert(entries.end(), offsets.begin(), offsets.end());
    for (const auto& [field, slot] : slots::field_slots(object)) {
      auto field_offsets = slots::reset_offsets(slot, kFieldSlot, field);
      if (field_offsets.empty()) continue;
      entries.push_back({EntryKind::kFieldTombstone, std::string(field), {}});
      entries.insert(entries.end(), field_offsets.begin(), field_offsets.end());
    }
    return entries;
  }

  void delete_all() {
    write([](const Sibling&) { return true; }, reset_all({EntryKind::kTombstone, {}, {}}));
  }

  void set_expiry(std::string at) {
    write([](const Sibling& e) { return e.kind == EntryKind::kExpiry; },
          {{EntryKind::kExpiry, {}, std::move(at)}});
  }
};

Result<Applied> apply_set(Apply& a) {
  if (a.op.args.size() != 1) return malformed("SET takes one value");
  const ValueType type = type_of(a.object, a.now_ms);
  if (a.op.get_old && type != ValueType::kNone && type != ValueType::kString) {
    return wrong_type_error();
  }
  const SlotValue old = string_value(a.object, a.now_ms);
  const OpResult previous = old.exists ? bulk_result(old.text) : nil_result();
  const bool exists = type != ValueType::kNone;
  if ((a.op.condition == WriteCondition::kIfAbsent && exists) ||
      (a.op.condition == WriteCondition::kIfPresent && !exists)) {
    return Applied{false, a.op.get_old ? previous : nil_result()};
  }
  std::vector<NewEntry> entries = a.reset_all({EntryKind::kValue, {}, a.op.args[0]});
  if (a.op.expiry == ExpiryKind::kRelativeMs || a.op.expiry == ExpiryKind::kAbsoluteMs) {
    entries.push_back(
        {EntryKind::kExpiry, {}, std::to_string(std::max<std::int64_t>(a.expiry_at(), 1))});
  }
  const bool keep_ttl = a.op.keep_ttl;
  a.write([keep_ttl](const Sibling& e) { return !(keep_ttl && e.kind == EntryKind::kExpiry); },
          std::move(entries));
  return Applied{true, a.op.get_old ? previous : ok_result()};
}

Result<Applied> apply_incr(Apply& a, const slots::SlotKinds& kinds, std::string field,
                           ValueType type, std::string_view not_number) {
  if (Status s = a.expect_type(type); !s.is_ok()) return s;
  const std::set<std::string, std::less<>> named{field};
  slots::Slot slot;
  if (type == ValueType::kString) {
    slot = slots::string_slot(a.object);
  } else {
    auto all = slots::field_slots(a.object, named);
    if (auto it = all.find(field); it != all.end()) slot = it->second;
  }
  const auto evaluated = slots::evaluate(slot, kinds);
  if (type == ValueType::kHash && !evaluated.exists) {
    const std::size_t fields = slots::element_count_bound(a.object, ValueType::kHash) + 1;
    if (fields > limits::kCollectionElementsMax) return too_many("hash", fields);
  }
  const bool is_float =
      a.op.code == DataOpCode::kIncrByFloat || a.op.code == DataOpCode::kHashIncrByFloat;
  NewEntry entry;
  entry.field = field;
  if (!is_float) {
    std::int64_t current = 0;
    if (evaluated.exists && !parse_int64(evaluated.text, current)) {
      return Status::invalid_argument(std::string(not_number));
    }
    std::int64_t sum = 0;
    std::int64_t own = 0;
    if (__builtin_add_overflow(current, a.op.integer, &sum) ||
        __builtin_add_overflow(slots::own_integer(slot, kinds, evaluated, a.actor), a.op.integer,
                               &own)) {
      return overflow();
    }
    entry.kind = kinds.counter;
    entry.value = std::to_string(own);
  } else {
    if (a.op.args.empty()) return malformed("a float increment needs its value");
    long double increment = 0;
    if (!parse_long_double(a.op.args.back(), increment)) {
      return Status::invalid_argument("value is not a valid float");
    }
    long double current = 0;
    if (evaluated.exists && !parse_long_double(evaluated.text, current)) {
      // A stored "inf" is a number to Redis, and adding to it gives no finite result.
      if (parses_as_infinity(evaluated.text)) {
        return Status::invalid_argument("increment would produce NaN or Infinity");
      }
      return Status::invalid_argument(type == ValueType::kHash ? "hash value is not a float"
                                                               : "value is not a valid float");
    }
    const long double own = slots::own_float(slot, kinds, evaluated, a.actor) + increment;
    if (!std::isfinite(current + increment) || !std::isfinite(own)) {
      return Status::invalid_argument("increment would produce NaN or Infinity");
    }
    entry.kind = kinds.counter_float;
    entry.value = float_text(own);
  }
  const EntryKind own_kind = entry.kind;
  const ActorId actor = a.actor;
  a.write(
      [&](const Sibling& e) {
        return other_type(e, type) ||
               (e.kind == own_kind && e.dot.actor == actor && e.field == field);
      },
      {std::move(entry)});
  // The reply is what the coordinator merged, read back.
  slots::Slot after;
  if (type == ValueType::kString) {
    after = slots::string_slot(a.object);
  } else {
    auto all = slots::field_slots(a.object, named);
    if (auto it = all.find(field); it != all.end()) after = it->second;
  }
  const auto result = slots::evaluate(after, kinds);
  if (is_float) return Applied{true, bulk_result(result.text)};
  std::int64_t value = 0;
  if (!parse_int64(result.text, value)) return overflow();
  return Applied{true, integer_result(value)};
}

Result<Applied> apply_append(Apply& a) {
  if (a.op.args.size() != 1) return malformed("APPEND takes one value");
  if (Status s = a.expect_type(ValueType::kString); !s.is_ok()) return s;
  const SlotValue old = string_value(a.object, a.now_ms);
  std::string value = old.exists ? old.text : std::string();
  value.append(a.op.args[0]);
  const auto length = static_cast<std::int64_t>(value.size());
  a.write([](const Sibling& e) { return e.kind != EntryKind::kExpiry; },
          a.reset_all({EntryKind::kValue, {}, std::move(value)}));
  return Applied{true, integer_result(length)};
}

Result<Applied> apply_delete(Apply& a) {
  if (type_of(a.object, a.now_ms) == ValueType::kNone) return Applied{false, integer_result(0)};
  a.delete_all();
  return Applied{true, integer_result(1)};
}

Result<Applied> apply_get_del(Apply& a) {
  if (Status s = a.expect_type(ValueType::kString); !s.is_ok()) return s;
  const SlotValue old = string_value(a.object, a.now_ms);
  if (!old.exists) return Applied{false, nil_result()};
  a.delete_all();
  return Applied{true, bulk_result(old.text)};
}

Result<Applied> apply_get_ex(Apply& a) {
  if (Status s = a.expect_type(ValueType::kString); !s.is_ok()) return s;
  const SlotValue old = string_value(a.object, a.now_ms);
  if (!old.exists) return Applied{false, nil_result()};
  switch (a.op.expiry) {
    case ExpiryKind::kNone:
      return Applied{false, bulk_result(old.text)};
    case ExpiryKind::kPersist:
      if (!expiry_of(a.object)) return Applied{false, bulk_result(old.text)};
      a.set_expiry("0");
      return Applied{true, bulk_result(old.text)};
    default:
      break;
  }
  const std::int64_t at = a.expiry_at();
  if (at <= static_cast<std::int64_t>(a.now_ms)) {
    a.delete_all();
  } else {
    a.set_expiry(std::to_string(at));
  }
  return Applied{true, bulk_result(old.text)};
}

Result<Applied> apply_expire(Apply& a) {
  if (a.op.expiry != ExpiryKind::kRelativeMs && a.op.expiry != ExpiryKind::kAbsoluteMs) {
    return malformed("EXPIRE needs a time");
  }
  if (type_of(a.object, a.now_ms) == ValueType::kNone) return Applied{false, integer_result(0)};
  const std::int64_t at = a.expiry_at();
  const auto current = expiry_of(a.object);
  bool apply = true;
  switch (a.op.expire_condition) {
    case ExpireCondition::kAlways:
      break;
    case ExpireCondition::kNx:
      apply = !current.has_value();
      break;
    case ExpireCondition::kXx:
      apply = current.has_value();
      break;
    case ExpireCondition::kGt:
      apply = current.has_value() && at > static_cast<std::int64_t>(*current);
      break;
    case ExpireCondition::kLt:
      apply = !current.has_value() || at < static_cast<std::int64_t>(*current);
      break;
  }
  if (!apply) return Applied{false, integer_result(0)};
  if (at <= static_cast<std::int64_t>(a.now_ms)) {
    a.delete_all();
  } else {
    a.set_expiry(std::to_string(at));
  }
  return Applied{true, integer_result(1)};
}

Result<Applied> apply_persist(Apply& a) {
  if (type_of(a.object, a.now_ms) == ValueType::kNone || !expiry_of(a.object)) {
    return Applied{false, integer_result(0)};
  }
  a.set_expiry("0");
  return Applied{true, integer_result(1)};
}

std::vector<std::string> distinct(std::vector<std::string> values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return values;
}

Result<Applied> apply_set_add(Apply& a) {
  if (a.op.args.empty()) return malformed("SADD takes members");
  if (Status s = a.expect_type(ValueType::kSet); !s.is_ok()) return s;
  const std::vector<std::string> members = distinct(a.op.args);
  const std::unordered_set<std::string_view> named(members.begin(), members.end());
  std::unordered_set<std::string_view> present;
  if (type_of(a.object, a.now_ms) == ValueType::kSet) {
    for (const Sibling& e : a.object.siblings()) {
      if (e.kind == EntryKind::kMember && named.contains(e.field)) present.insert(e.field);
    }
  }
  const std::size_t added = members.size() - present.size();
  const std::size_t count = slots::element_count_bound(a.object, ValueType::kSet) + added;
  if (count > limits::kCollectionElementsMax) return too_many("set", count);
  // Every named member gets a new dot, also one already present: an add wins over a concurrent
  // remove only if the remove did not observe it.
  std::vector<NewEntry> entries;
  entries.reserve(members.size());
  for (const auto& member : members) entries.push_back({EntryKind::kMember, member, {}});
  a.write(
      [&](const Sibling& e) {
        return other_type(e, ValueType::kSet) ||
               (e.kind == EntryKind::kMember && named.contains(e.field));
      },
      std::move(entries));
  return Applied{true, integer_result(static_cast<std::int64_t>(added))};
}

Result<Applied> apply_set_remove(Apply& a) {
  if (a.op.args.empty()) return malformed("SREM takes members");
  if (Status s = a.expect_type(ValueType::kSet); !s.is_ok()) return s;
  const std::vector<std::string> members = distinct(a.op.args);
  std::unordered_set<std::string_view> removed;
  if (type_of(a.object, a.now_ms) == ValueType::kSet) {
    const std::unordered_set<std::string_view> named(members.begin(), members.end());
    for (const Sibling& e : a.object.siblings()) {
      if (e.kind == EntryKind::kMember && named.contains(e.field)) removed.insert(e.field);
    }
  }
  const auto count = static_cast<std::int64_t>(removed.size());
  if (count == 0) return Applied{false, integer_result(0)};
  const std::set<std::string> gone(removed.begin(), removed.end());
  a.write([&](const Sibling& e) { return e.kind == EntryKind::kMember && gone.contains(e.field); },
          {});
  return Applied{true, integer_result(count)};
}

// The entries of field `field`'s slot (offsets included).
bool in_field_slot(const Sibling& e, const std::set<std::string, std::less<>>& fields) {
  switch (e.kind) {
    case EntryKind::kFieldValue:
    case EntryKind::kFieldTombstone:
    case EntryKind::kFieldCounter:
    case EntryKind::kFieldCounterFloat:
      return fields.contains(e.field);
    case EntryKind::kFieldOffset:
    case EntryKind::kFieldOffsetFloat:
      return e.field.size() >= 8 && fields.contains(std::string_view(e.field).substr(8));
    default:
      return false;
  }
}

Result<Applied> apply_hash_set(Apply& a) {
  if (a.op.args.empty() || a.op.args.size() % 2 != 0)
    return malformed("HSET takes field value pairs");
  if (Status s = a.expect_type(ValueType::kHash); !s.is_ok()) return s;
  std::map<std::string, std::string, std::less<>> values;  // The last value of a field wins.
  for (std::size_t i = 0; i < a.op.args.size(); i += 2) values[a.op.args[i]] = a.op.args[i + 1];
  const bool is_hash = type_of(a.object, a.now_ms) == ValueType::kHash;
  std::set<std::string, std::less<>> named;
  for (const auto& [field, value] : values) named.insert(field);
  const auto slots_by_field = slots::field_slots(a.object, named);
  const std::size_t existing = is_hash ? slots::element_count_bound(a.object, ValueType::kHash) : 0;
  std::size_t added = 0;
  std::vector<NewEntry> entries;
  std::set<std::string, std::less<>> fields;
  for (auto& [field, value] : values) {
    const auto slot = slots_by_field.find(field);
    const bool exists =
        is_hash && slot != slots_by_field.end() && slots::evaluate(slot->second, kFieldSlot).exists;
    if (!exists) ++added;
    if (a.op.condition == WriteCondition::kIfAbsent && exists) {
      return Applied{false, integer_result(0)};
    }
    if (slot != slots_by_field.end()) {
      auto offsets = slots::reset_offsets(slot->second, kFieldSlot, field);
      entries.insert(entries.end(), offsets.begin(), offsets.end());
    }
    entries.push_back({EntryKind::kFieldValue, field, std::move(value)});
    fields.insert(field);
  }
  if (existing + added > limits::kCollectionElementsMax) return too_many("hash", existing + added);
  a.write(
      [&](const Sibling& e) { return other_type(e, ValueType::kHash) || in_field_slot(e, fields); },
      std::move(entries));
  const bool nx = a.op.condition == WriteCondition::kIfAbsent;
  return Applied{true, integer_result(nx ? 1 : static_cast<std::int64_t>(added))};
}

Result<Applied> apply_hash_delete(Apply& a) {
  if (a.op.args.empty()) return malformed("HDEL takes fields");
  if (Status s = a.expect_type(ValueType::kHash); !s.is_ok()) return s;
  if (type_of(a.object, a.now_ms) != ValueType::kHash) return Applied{false, integer_result(0)};
  const std::vector<std::string> names = distinct(a.op.args);
  const auto slots_by_field =
      slots::field_slots(a.object, std::set<std::string, std::less<>>(names.begin(), names.end()));
  std::set<std::string, std::less<>> fields;
  std::vector<NewEntry> entries;
  for (const auto& field : names) {
    const auto slot = slots_by_field.find(field);
    if (slot == slots_by_field.end() || !slots::evaluate(slot->second, kFieldSlot).exists) continue;
    fields.insert(field);
    auto offsets = slots::reset_offsets(slot->second, kFieldSlot, field);
    if (offsets.empty()) continue;
    entries.push_back({EntryKind::kFieldTombstone, field, {}});
    entries.insert(entries.end(), offsets.begin(), offsets.end());
  }
  if (fields.empty()) return Applied{false, integer_result(0)};
  const auto count = static_cast<std::int64_t>(fields.size());
  a.write([&](const Sibling& e) { return in_field_slot(e, fields); }, std::move(entries));
  return Applied{true, integer_result(count)};
}

Result<Applied> apply_delete_if_expired(Apply& a) {
  if (!is_expired(a.object, a.now_ms) || a.object.is_deleted()) {
    return Applied{false, integer_result(0)};
  }
  a.write([](const Sibling&) { return true; }, {{EntryKind::kTombstone, {}, {}}});
  return Applied{true, integer_result(1)};
}

Result<Applied> dispatch(Apply& a) {
  switch (a.op.code) {
    case DataOpCode::kSet:
      return apply_set(a);
    case DataOpCode::kIncrBy:
    case DataOpCode::kIncrByFloat:
      return apply_incr(a, kStringSlot, {}, ValueType::kString,
                        "value is not an integer or out of range");
    case DataOpCode::kHashIncrBy:
    case DataOpCode::kHashIncrByFloat:
      if (a.op.args.empty()) return malformed("HINCRBY takes a field");
      return apply_incr(a, kFieldSlot, a.op.args[0], ValueType::kHash,
                        "hash value is not an integer");
    case DataOpCode::kAppend:
      return apply_append(a);
    case DataOpCode::kDelete:
      return apply_delete(a);
    case DataOpCode::kGetDel:
      return apply_get_del(a);
    case DataOpCode::kGetEx:
      return apply_get_ex(a);
    case DataOpCode::kExpire:
      return apply_expire(a);
    case DataOpCode::kPersist:
      return apply_persist(a);
    case DataOpCode::kSetAdd:
      return apply_set_add(a);
    case DataOpCode::kSetRemove:
      return apply_set_remove(a);
    case DataOpCode::kHashSet:
      return apply_hash_set(a);
    case DataOpCode::kHashDelete:
      return apply_hash_delete(a);
    case DataOpCode::kDeleteIfExpired:
      return apply_delete_if_expired(a);
  }
  return malformed("unknown operation");
}

std::uint64_t zigzag(std::int64_t value) {
  return (static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63);
}
std::int64_t unzigzag(std::uint64_t value) {
  return static_cast<std::int64_t>(value >> 1) ^ -static_cast<std::int64_t>(value & 1);
}

}  // namespace

Status wrong_type_error() {
  return Status::invalid_argument(
      "WRONGTYPE Operation against a key holding the wrong kind of value");
}

DataOp make_data_op(DataOpCode code, std::vector<std::string> args, std::int64_t integer) {
  DataOp op;
  op.code = code;
  op.args = std::move(args);
  op.integer = integer;
  return op;
}

bool DataOp::idempotent() const {
  switch (code) {
    case DataOpCode::kIncrBy:
    case DataOpCode::kIncrByFloat:
    case DataOpCode::kHashIncrBy:
    case DataOpCode::kHashIncrByFloat:
    case DataOpCode::kAppend:
      return false;
    default:
      return true;
  }
}

Result<Applied> apply_data_op(VersionedObject& object, const DataOp& op, ActorId actor,
                              std::uint64_t now_ms) {
  const Hlc hlc = object.next_hlc(now_ms);
  if (op.code == DataOpCode::kDeleteIfExpired || !is_expired(object, now_ms)) {
    // Every handler checks everything before its one write, and writes only when it reports a
    // change: on failure or no change the object is untouched, so no copy is needed.
    Apply apply{object, op, actor, now_ms, hlc};
    return dispatch(apply);
  }
  // An expired key reads as absent: the write starts from nothing, removing what it observed.
  VersionedObject work = object;
  work.write([](const Sibling&) { return true; }, {}, actor, hlc);
  Apply apply{work, op, actor, now_ms, hlc};
  Result<Applied> applied = dispatch(apply);
  if (applied.is_ok() && applied->changed) object = std::move(work);
  return applied;
}

std::string encode_data_op(const DataOp& op) {
  std::string out;
  put_varint(out, static_cast<std::uint64_t>(op.code));
  put_varint(out, static_cast<std::uint64_t>(op.condition));
  put_varint(out, (op.get_old ? 1u : 0u) | (op.keep_ttl ? 2u : 0u));
  put_varint(out, static_cast<std::uint64_t>(op.expiry));
  put_varint(out, zigzag(op.expiry_ms));
  put_varint(out, static_cast<std::uint64_t>(op.expire_condition));
  put_varint(out, zigzag(op.integer));
  put_varint(out, op.args.size());
  for (const auto& arg : op.args) put_bytes(out, arg);
  return out;
}

Result<DataOp> decode_data_op(std::string_view in) {
  DataOp op;
  std::uint64_t code = 0, condition = 0, flags = 0, expiry = 0, expiry_ms = 0, expire = 0,
                integer = 0, count = 0;
  if (!get_varint(in, code) || !get_varint(in, condition) || !get_varint(in, flags) ||
      !get_varint(in, expiry) || !get_varint(in, expiry_ms) || !get_varint(in, expire) ||
      !get_varint(in, integer) || !get_varint(in, count)) {
    return malformed("truncated");
  }
  if (code == 0 || code > kDataOpCodeMax || condition > 2 || flags > 3 || expiry > 3 ||
      expire > 4) {
    return malformed("unknown operation or option");
  }
  if (count > in.size()) return malformed("more arguments than bytes");
  op.code = static_cast<DataOpCode>(code);
  op.condition = static_cast<WriteCondition>(condition);
  op.get_old = (flags & 1) != 0;
  op.keep_ttl = (flags & 2) != 0;
  op.expiry = static_cast<ExpiryKind>(expiry);
  op.expiry_ms = unzigzag(expiry_ms);
  op.expire_condition = static_cast<ExpireCondition>(expire);
  op.integer = unzigzag(integer);
  op.args.reserve(static_cast<std::size_t>(count));
  for (std::uint64_t i = 0; i < count; ++i) {
    std::string_view arg;
    if (!get_bytes(in, arg)) return malformed("truncated argument");
    op.args.emplace_back(arg);
  }
  if (!in.empty()) return malformed("trailing bytes");
  return op;
}

std::string encode_op_result(const OpResult& result) {
  std::string out;
  put_varint(out, static_cast<std::uint64_t>(result.kind));
  put_varint(out, zigzag(result.integer));
  put_bytes(out, result.bulk);
  return out;
}

Result<OpResult> decode_op_result(std::string_view in) {
  OpResult result;
  std::uint64_t kind = 0, integer = 0;
  std::string_view bulk;
  if (!get_varint(in, kind) || !get_varint(in, integer) || !get_bytes(in, bulk) || !in.empty() ||
      kind > 3) {
    return Status::corruption("malformed operation result");
  }
  result.kind = static_cast<OpResult::Kind>(kind);
  result.integer = unzigzag(integer);
  result.bulk.assign(bulk);
  return result;
}

}  // namespace ringkv::core
