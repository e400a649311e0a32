// What the data-type command families share (resp_data_commands.cc: strings, counters, keys and
// expiry; resp_collection_commands.cc: sets and hashes): one update of one key answered with the
// coordinator's OpResult, one read of one key's merged object answered by a callback, and the
// argument checks more than one family makes. Internal to the RESP front end.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "api/resp_planner.h"
#include "core/datatypes/data_op.h"
#include "core/datatypes/data_types.h"

namespace ringkv::api::resp_data {

// A get that returns the merged object (with_object), for the data-type views.
core::ClientRequest make_object_get(std::string_view bucket, std::string key);

// A read's object (empty when the key is absent), or the error to reply with.
Result<core::VersionedObject> object_of(const core::ClientReply& reply);

// An update's OpResult, or the error to reply with.
Result<core::OpResult> result_of(const core::ClientReply& reply);

// The OpResult as its RESP reply (OK, an integer, a bulk string or nil).
void write_result(RespWriter& out, const core::OpResult& result);

// One update of one key, replying with what the coordinator returned; `shape` may rewrite the
// result (SETNX answers 1/0 where SET NX answers OK/nil).
RespCommandPlan plan_update(const RespSession& session, std::string key, const core::DataOp& op,
                            std::function<void(RespWriter&, const core::OpResult&)> shape = {});

// A read of one key's object, answered by `answer` (which sees the object and the coordinator's
// clock); WRONGTYPE when the key holds another type than `want` (kNone: any type).
using Answer = std::function<void(RespWriter&, const core::VersionedObject&, std::uint64_t now_ms)>;
RespCommandPlan plan_read(const RespSession& session, std::string key, core::ValueType want,
                          Answer answer);

// The first failed reply's error, else `otherwise`.
RespStep first_error_or(const std::vector<core::ClientReply>& replies, RespStep otherwise);

// True when `text` is a finite float as INCRBYFLOAT reads it.
bool valid_float(std::string_view text);

// The error for a float increment that is not a finite number; `infinite` is Redis's message
// for an infinite one, which differs between INCRBYFLOAT and HINCRBYFLOAT.
std::string invalid_float_increment(std::string_view text, std::string_view infinite);

// The command flags the families' tables share: a write that may grow the data, the same and
// fast, a fast read.
inline constexpr std::uint32_t kW = kRespWrite | kRespDenyOom;
inline constexpr std::uint32_t kWF = kRespWrite | kRespDenyOom | kRespFast;
inline constexpr std::uint32_t kRF = kRespReadonly | kRespFast;

// args[from..] moved out, as a list of members or fields.
std::vector<std::string> rest(RespArgs& args, std::size_t from);

}  // namespace ringkv::api::resp_data
