// DataOp: one Redis write as the core runs it. A front end (RESP) builds it, the coordinator of
// the key applies it to its own replica's object (a read of what it observed), then the new object
// is written to W replicas like any put. Applying is pure and deterministic; the RESP reply is
// the OpResult the coordinator computed from the state it merged (docs/REDIS.md).
//
// Ops that read before they write (SET NX, SREM, HDEL, ...) observe the coordinator's replica
// only: they are not atomic across coordinators, and a concurrent write elsewhere is merged, never
// lost. Non-idempotent ops (increments, APPEND) are never re-sent to another coordinator after a
// forward went unanswered (Node::forward_again): a retry could apply them twice.
// Thread-safety: plain values and free functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "core/datatypes/data_types.h"
#include "core/version/versioned_object.h"

namespace ringkv::core {

enum class DataOpCode : std::uint8_t {
  kSet = 1,          // args: {value}; condition, get_old, keep_ttl, expiry
  kIncrBy = 2,       // integer: the increment
  kIncrByFloat = 3,  // args: {increment text}
  kAppend = 4,       // args: {suffix}
  kDelete = 5,       // DEL / UNLINK
  kGetDel = 6,
  kGetEx = 7,   // expiry (kNone: no change)
  kExpire = 8,  // expiry; expire_condition
  kPersist = 9,
  kSetAdd = 10,           // args: members
  kSetRemove = 11,        // args: members
  kHashSet = 12,          // args: field, value, field, value...; condition kIfAbsent is HSETNX
  kHashDelete = 13,       // args: fields
  kHashIncrBy = 14,       // args: {field}; integer
  kHashIncrByFloat = 15,  // args: {field, increment text}
  kDeleteIfExpired = 16,  // The coordinator's own clean-up of a key read past its expiry.
};
inline constexpr std::uint8_t kDataOpCodeMax = 16;

enum class WriteCondition : std::uint8_t { kAlways = 0, kIfAbsent = 1, kIfPresent = 2 };
enum class ExpiryKind : std::uint8_t {
  kNone = 0,        // Leave the expiry (SET: clear it unless keep_ttl).
  kRelativeMs = 1,  // `expiry_ms` from the coordinator's clock.
  kAbsoluteMs = 2,  // Unix ms.
  kPersist = 3,     // GETEX PERSIST.
};
enum class ExpireCondition : std::uint8_t { kAlways = 0, kNx = 1, kXx = 2, kGt = 3, kLt = 4 };

struct DataOp {
  DataOpCode code = DataOpCode::kSet;
  std::vector<std::string> args;
  std::int64_t integer = 0;
  WriteCondition condition = WriteCondition::kAlways;
  bool get_old = false;
  bool keep_ttl = false;
  ExpiryKind expiry = ExpiryKind::kNone;
  std::int64_t expiry_ms = 0;
  ExpireCondition expire_condition = ExpireCondition::kAlways;

  // True for ops whose second application changes the result (increments, APPEND).
  bool idempotent() const;
  friend bool operator==(const DataOp&, const DataOp&) = default;
};

// An op with its code, arguments and integer; every other field at its default.
DataOp make_data_op(DataOpCode code, std::vector<std::string> args = {}, std::int64_t integer = 0);

// Wire form: varint code, condition, flags (1 get_old, 2 keep_ttl), expiry kind, zigzag
// expiry_ms, expire condition, zigzag integer, varint arg count, each arg as varint length +
// bytes. decode rejects unknown codes/values, more args than the input can hold and trailing
// bytes with InvalidArgument.
std::string encode_data_op(const DataOp& op);
Result<DataOp> decode_data_op(std::string_view bytes);

struct OpResult {
  enum class Kind : std::uint8_t { kOk = 0, kInteger = 1, kBulk = 2, kNil = 3 };
  Kind kind = Kind::kOk;
  std::int64_t integer = 0;
  std::string bulk;
  friend bool operator==(const OpResult&, const OpResult&) = default;
};
std::string encode_op_result(const OpResult& result);
Result<OpResult> decode_op_result(std::string_view bytes);

struct Applied {
  bool changed = false;  // False: nothing to write (the reply stands on its own).
  OpResult result;
};

// Applies `op`, coordinated by `actor` at wall clock `now_ms`, to `object` (the coordinator's
// replica; on failure `object` is unchanged). Errors: WRONGTYPE (InvalidArgument, message
// starting "WRONGTYPE"), non-numeric values and overflow (InvalidArgument, Redis's wording),
// collections past limits::kCollectionElementsMax (TooLarge).
Result<Applied> apply_data_op(VersionedObject& object, const DataOp& op, ActorId actor,
                              std::uint64_t now_ms);

// The WRONGTYPE error as Redis words it.
Status wrong_type_error();

}  // namespace ringkv::core
