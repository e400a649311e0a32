// The Redis string, counter, key and expiry commands, on the core's convergent data types
// (core/datatypes/; semantics in docs/REDIS.md); sets and hashes are resp_collection_commands.cc.
// Writes are one ClientOp::kUpdate per key, applied by the key's coordinator, whose reply is the
// OpResult it computed; reads fetch the merged object (with_object) and read it with the
// data-type views at the coordinator's wall clock.
#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>
#include <limits>
#include <unordered_map>
#include <unordered_set>

#include "api/resp_data_support.h"

namespace ringkv::api {
namespace {

using core::ClientReply;
using core::DataOp;
using core::DataOpCode;
using core::OpResult;
using core::ValueType;
using core::VersionedObject;
using namespace resp_data;  // NOLINT(google-build-using-namespace)

std::string invalid_expire(std::string_view command) {
  return "ERR invalid expire time in '" + lowercase(command) + "' command";
}

// A relative or absolute time argument in seconds or milliseconds as milliseconds; nullopt when
// it is not an integer or overflows.
std::optional<std::int64_t> time_ms(std::string_view text, bool seconds) {
  const auto value = parse_resp_integer(text);
  if (!value) return std::nullopt;
  std::int64_t ms = *value;
  if (seconds && __builtin_mul_overflow(*value, std::int64_t{1000}, &ms)) return std::nullopt;
  return ms;
}

// --- Strings -----------------------------------------------------------------------------------

void write_string(RespWriter& out, const VersionedObject& object, std::uint64_t now_ms) {
  const auto value = core::string_value(object, now_ms);
  if (value.exists) {
    out.bulk(value.text);
  } else {
    out.null();
  }
}

RespCommandPlan plan_get(RespArgs& args, RespSession& session, const RespServerInfo&) {
  return plan_read(session, std::move(args[1]), ValueType::kString, write_string);
}

// Parses SET's options (from args[first] on) into `op`; an error reply text otherwise.
std::optional<std::string> parse_set_options(const RespArgs& args, std::size_t first, DataOp& op,
                                             bool allow_get) {
  bool expiry_given = false;
  for (std::size_t i = first; i < args.size(); ++i) {
    const std::string option = lowercase(echoed(args[i]));
    if (option == "nx" && op.condition == core::WriteCondition::kAlways) {
      op.condition = core::WriteCondition::kIfAbsent;
    } else if (option == "xx" && op.condition == core::WriteCondition::kAlways) {
      op.condition = core::WriteCondition::kIfPresent;
    } else if (option == "get" && allow_get) {
      op.get_old = true;
    } else if (option == "keepttl" && !expiry_given) {
      op.keep_ttl = true;
      expiry_given = true;
    } else if ((option == "ex" || option == "px" || option == "exat" || option == "pxat") &&
               !expiry_given && i + 1 < args.size()) {
      const auto ms = time_ms(args[++i], option == "ex" || option == "exat");
      if (!ms) return std::string(kRespNotAnInteger);
      if (*ms <= 0) return invalid_expire("set");
      op.expiry = option == "ex" || option == "px" ? core::ExpiryKind::kRelativeMs
                                                   : core::ExpiryKind::kAbsoluteMs;
      op.expiry_ms = *ms;
      expiry_given = true;
    } else {
      return std::string(kRespSyntaxError);
    }
  }
  return std::nullopt;
}

RespCommandPlan plan_set(RespArgs& args, RespSession& session, const RespServerInfo&) {
  DataOp op = core::make_data_op(DataOpCode::kSet, {args[2]});
  if (auto error = parse_set_options(args, 3, op, true)) return immediate(error_step(*error));
  RespCommandPlan plan = plan_update(session, std::move(args[1]), op);
  // A plain overwrite keeps its order on one coordinator: pipelined SETs of a key may overlap.
  plan.ordered_write = op.condition == core::WriteCondition::kAlways && !op.get_old;
  return plan;
}

RespCommandPlan plan_setex_like(RespArgs& args, RespSession& session, bool seconds) {
  const auto ms = time_ms(args[2], seconds);
  if (!ms) return immediate(error_step(kRespNotAnInteger));
  if (*ms <= 0) return immediate(error_step(invalid_expire(args[0])));
  DataOp op = core::make_data_op(DataOpCode::kSet, {args[3]});
  op.expiry = core::ExpiryKind::kRelativeMs;
  op.expiry_ms = *ms;
  return plan_update(session, std::move(args[1]), op);
}

RespCommandPlan plan_setex(RespArgs& args, RespSession& session, const RespServerInfo&) {
  return plan_setex_like(args, session, true);
}

RespCommandPlan plan_psetex(RespArgs& args, RespSession& session, const RespServerInfo&) {
  return plan_setex_like(args, session, false);
}

RespCommandPlan plan_setnx(RespArgs& args, RespSession& session, const RespServerInfo&) {
  DataOp op = core::make_data_op(DataOpCode::kSet, {args[2]});
  op.condition = core::WriteCondition::kIfAbsent;
  return plan_update(session, std::move(args[1]), op, [](RespWriter& out, const OpResult& r) {
    out.integer(r.kind == OpResult::Kind::kOk ? 1 : 0);
  });
}

RespCommandPlan plan_getset(RespArgs& args, RespSession& session, const RespServerInfo&) {
  DataOp op = core::make_data_op(DataOpCode::kSet, {args[2]});
  op.get_old = true;
  return plan_update(session, std::move(args[1]), op);
}

RespCommandPlan plan_mset(RespArgs& args, RespSession& session, const RespServerInfo&) {
  if (args.size() % 2 != 1) return immediate(error_step(arity_error(args[0])));
  RespCommandPlan plan;
  plan.writes = true;
  for (std::size_t i = 1; i + 1 < args.size(); i += 2) {
    plan.keys.push_back(args[i]);
    plan.first.requests.push_back(
        make_update(session.bucket, args[i], core::make_data_op(DataOpCode::kSet, {args[i + 1]})));
  }
  plan.first.then = [](std::vector<ClientReply> replies) {
    return first_error_or(replies, simple_step("OK"));
  };
  return plan;
}

// MSETNX: reads every key; sets them (each with NX) only when none exists. Not atomic: a key
// created concurrently through another node is not overwritten (that SET NX does nothing) and the
// reply is then 0 though the other keys were set. A key named twice is read and written once,
// with its last value, as Redis sets the pairs in order (`MSETNX k 1 k 2` answers 1, k is "2");
// two SET NX of one key would make the second fail and the reply 0 after a write.
RespCommandPlan plan_msetnx(RespArgs& args, RespSession& session, const RespServerInfo&) {
  if (args.size() % 2 != 1) return immediate(error_step(arity_error(args[0])));
  RespCommandPlan plan;
  plan.writes = true;
  std::vector<std::pair<std::string, std::string>> pairs;
  std::unordered_map<std::string_view, std::size_t> pair_of_key;  // Views of `args`.
  for (std::size_t i = 1; i + 1 < args.size(); i += 2) {
    const auto [seen, added] = pair_of_key.try_emplace(args[i], pairs.size());
    if (!added) {
      pairs[seen->second].second = args[i + 1];
      continue;
    }
    plan.keys.push_back(args[i]);
    plan.first.requests.push_back(make_object_get(session.bucket, args[i]));
    pairs.emplace_back(args[i], args[i + 1]);
  }
  assert(pairs.size() == plan.first.requests.size());
  plan.first.then = [bucket = session.bucket,
                     pairs = std::move(pairs)](std::vector<ClientReply> replies) {
    for (const auto& reply : replies) {
      auto object = object_of(reply);
      if (!object.is_ok()) return error_step(resp_error_text(object.status()));
      if (core::type_of(*object, reply.now_ms) != ValueType::kNone) return integer_step(0);
    }
    RespStep writes;
    for (const auto& [key, value] : pairs) {
      DataOp op = core::make_data_op(DataOpCode::kSet, {value});
      op.condition = core::WriteCondition::kIfAbsent;
      writes.requests.push_back(make_update(bucket, key, op));
    }
    writes.then = [](std::vector<ClientReply> results) {
      std::int64_t all_set = 1;
      for (const auto& reply : results) {
        auto result = result_of(reply);
        if (!result.is_ok()) return error_step(resp_error_text(result.status()));
        if (result->kind != OpResult::Kind::kOk) all_set = 0;
      }
      return integer_step(all_set);
    };
    return writes;
  };
  return plan;
}

RespCommandPlan plan_append(RespArgs& args, RespSession& session, const RespServerInfo&) {
  return plan_update(session, std::move(args[1]),
                     core::make_data_op(DataOpCode::kAppend, {args[2]}));
}

RespCommandPlan plan_strlen(RespArgs& args, RespSession& session, const RespServerInfo&) {
  return plan_read(
      session, std::move(args[1]), ValueType::kString,
      [](RespWriter& out, const VersionedObject& object, std::uint64_t now) {
        out.integer(static_cast<std::int64_t>(core::string_value(object, now).text.size()));
      });
}

RespCommandPlan plan_getdel(RespArgs& args, RespSession& session, const RespServerInfo&) {
  return plan_update(session, std::move(args[1]), core::make_data_op(DataOpCode::kGetDel));
}

RespCommandPlan plan_getex(RespArgs& args, RespSession& session, const RespServerInfo&) {
  DataOp op = core::make_data_op(DataOpCode::kGetEx);
  for (std::size_t i = 2; i < args.size(); ++i) {
    const std::string option = lowercase(echoed(args[i]));
    if (op.expiry != core::ExpiryKind::kNone) return immediate(error_step(kRespSyntaxError));
    if (option == "persist") {
      op.expiry = core::ExpiryKind::kPersist;
    } else if ((option == "ex" || option == "px" || option == "exat" || option == "pxat") &&
               i + 1 < args.size()) {
      const auto ms = time_ms(args[++i], option == "ex" || option == "exat");
      if (!ms) return immediate(error_step(kRespNotAnInteger));
      if (*ms <= 0) return immediate(error_step(invalid_expire("getex")));
      op.expiry = option == "ex" || option == "px" ? core::ExpiryKind::kRelativeMs
                                                   : core::ExpiryKind::kAbsoluteMs;
      op.expiry_ms = *ms;
    } else {
      return immediate(error_step(kRespSyntaxError));
    }
  }
  return plan_update(session, std::move(args[1]), op);
}

// --- Counters ----------------------------------------------------------------------------------

RespCommandPlan plan_incr_by(RespArgs& args, RespSession& session, std::int64_t amount) {
  return plan_update(session, std::move(args[1]),
                     core::make_data_op(DataOpCode::kIncrBy, {}, amount));
}

RespCommandPlan plan_incr(RespArgs& args, RespSession& session, const RespServerInfo&) {
  return plan_incr_by(args, session, 1);
}

RespCommandPlan plan_decr(RespArgs& args, RespSession& session, const RespServerInfo&) {
  return plan_incr_by(args, session, -1);
}

RespCommandPlan plan_incrby(RespArgs& args, RespSession& session, const RespServerInfo&) {
  const auto amount = parse_resp_integer(args[2]);
  if (!amount) return immediate(error_step(kRespNotAnInteger));
  return plan_incr_by(args, session, *amount);
}

RespCommandPlan plan_decrby(RespArgs& args, RespSession& session, const RespServerInfo&) {
  const auto amount = parse_resp_integer(args[2]);
  if (!amount) return immediate(error_step(kRespNotAnInteger));
  if (*amount == std::numeric_limits<std::int64_t>::min()) {
    return immediate(error_step("ERR decrement would overflow"));
  }
  return plan_incr_by(args, session, -*amount);
}

RespCommandPlan plan_incrbyfloat(RespArgs& args, RespSession& session, const RespServerInfo&) {
  if (!valid_float(args[2])) {
    return immediate(error_step(
        invalid_float_increment(args[2], "ERR increment would produce NaN or Infinity")));
  }
  return plan_update(session, std::move(args[1]),
                     core::make_data_op(DataOpCode::kIncrByFloat, {args[2]}));
}

// --- Keys --------------------------------------------------------------------------------------

RespCommandPlan plan_del(RespArgs& args, RespSession& session, const RespServerInfo&) {
  // DEL k k deletes one key: count each distinct key once, as Redis does.
  RespCommandPlan plan;
  plan.writes = true;
  std::unordered_set<std::string_view> seen;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (!seen.insert(args[i]).second) continue;
    plan.keys.push_back(args[i]);
    plan.first.requests.push_back(
        make_update(session.bucket, args[i], core::make_data_op(DataOpCode::kDelete)));
  }
  plan.first.then = [](std::vector<ClientReply> replies) {
    std::int64_t deleted = 0;
    for (const auto& reply : replies) {
      auto result = result_of(reply);
      if (!result.is_ok()) return error_step(resp_error_text(result.status()));
      deleted += result->integer;
    }
    return integer_step(deleted);
  };
  return plan;
}

// EXISTS counts repeats, as Redis does.
RespCommandPlan plan_exists(RespArgs& args, RespSession& session, const RespServerInfo&) {
  RespCommandPlan plan;
  for (std::size_t i = 1; i < args.size(); ++i) {
    plan.keys.push_back(args[i]);
    plan.first.requests.push_back(make_object_get(session.bucket, std::move(args[i])));
  }
  plan.first.then = [](std::vector<ClientReply> replies) {
    std::int64_t existing = 0;
    for (const auto& reply : replies) {
      auto object = object_of(reply);
      if (!object.is_ok()) return error_step(resp_error_text(object.status()));
      if (core::type_of(*object, reply.now_ms) != ValueType::kNone) ++existing;
    }
    return integer_step(existing);
  };
  return plan;
}

RespCommandPlan plan_mget(RespArgs& args, RespSession& session, const RespServerInfo&) {
  RespCommandPlan plan;
  for (std::size_t i = 1; i < args.size(); ++i) {
    plan.keys.push_back(args[i]);
    plan.first.requests.push_back(make_object_get(session.bucket, std::move(args[i])));
  }
  plan.first.then = [protocol = session.protocol](std::vector<ClientReply> replies) {
    std::vector<VersionedObject> objects;
    for (const auto& reply : replies) {
      auto object = object_of(reply);
      if (!object.is_ok()) return error_step(resp_error_text(object.status()));
      objects.push_back(std::move(object).value());
    }
    RespWriter out(protocol);
    out.array(replies.size());
    // A key of another type is nil, as in Redis.
    for (std::size_t i = 0; i < objects.size(); ++i)
      write_string(out, objects[i], replies[i].now_ms);
    return reply_step(std::move(out));
  };
  return plan;
}

RespCommandPlan plan_type(RespArgs& args, RespSession& session, const RespServerInfo&) {
  return plan_read(session, std::move(args[1]), ValueType::kNone,
                   [](RespWriter& out, const VersionedObject& object, std::uint64_t now) {
                     out.simple(core::value_type_name(core::type_of(object, now)));
                   });
}

RespCommandPlan plan_expire_like(RespArgs& args, RespSession& session, bool seconds,
                                 bool absolute) {
  const auto ms = time_ms(args[2], seconds);
  if (!ms) return immediate(error_step(kRespNotAnInteger));
  DataOp op = core::make_data_op(DataOpCode::kExpire);
  op.expiry = absolute ? core::ExpiryKind::kAbsoluteMs : core::ExpiryKind::kRelativeMs;
  op.expiry_ms = *ms;
  for (std::size_t i = 3; i < args.size(); ++i) {
    const std::string option = lowercase(echoed(args[i]));
    core::ExpireCondition condition;
    if (option == "nx") {
      condition = core::ExpireCondition::kNx;
    } else if (option == "xx") {
      condition = core::ExpireCondition::kXx;
    } else if (option == "gt") {
      condition = core::ExpireCondition::kGt;
    } else if (option == "lt") {
      condition = core::ExpireCondition::kLt;
    } else {
      return immediate(error_step("ERR Unsupported option " + echoed(args[i])));
    }
    if (op.expire_condition != core::ExpireCondition::kAlways) {
      return immediate(
          error_step("ERR NX and XX, GT or LT options at the same time are not compatible"));
    }
    op.expire_condition = condition;
  }
  return plan_update(session, std::move(args[1]), op);
}

RespCommandPlan plan_expire(RespArgs& args, RespSession& session, const RespServerInfo&) {
  return plan_expire_like(args, session, true, false);
}
RespCommandPlan plan_pexpire(RespArgs& args, RespSession& session, const RespServerInfo&) {
  return plan_expire_like(args, session, false, false);
}
RespCommandPlan plan_expireat(RespArgs& args, RespSession& session, const RespServerInfo&) {
  return plan_expire_like(args, session, true, true);
}
RespCommandPlan plan_pexpireat(RespArgs& args, RespSession& session, const RespServerInfo&) {
  return plan_expire_like(args, session, false, true);
}

// TTL and PTTL (time left), EXPIRETIME and PEXPIRETIME (the absolute Unix time, `absolute`).
RespCommandPlan plan_ttl_like(RespArgs& args, RespSession& session, bool seconds,
                              bool absolute = false) {
  return plan_read(
      session, std::move(args[1]), ValueType::kNone,
      [seconds, absolute](RespWriter& out, const VersionedObject& object, std::uint64_t now) {
        if (core::type_of(object, now) == ValueType::kNone) {
          out.integer(-2);
          return;
        }
        const auto at = core::expiry_of(object);
        if (!at) {
          out.integer(-1);
          return;
        }
        if (absolute) {
          const auto ms = static_cast<std::int64_t>(*at);
          out.integer(seconds ? ms / 1000 : ms);
          return;
        }
        const auto left = static_cast<std::int64_t>(*at - now);
        out.integer(seconds ? (left + 500) / 1000 : left);
      });
}

RespCommandPlan plan_ttl(RespArgs& args, RespSession& session, const RespServerInfo&) {
  return plan_ttl_like(args, session, true);
}
RespCommandPlan plan_pttl(RespArgs& args, RespSession& session, const RespServerInfo&) {
  return plan_ttl_like(args, session, false);
}
RespCommandPlan plan_expiretime(RespArgs& args, RespSession& session, const RespServerInfo&) {
  return plan_ttl_like(args, session, true, true);
}
RespCommandPlan plan_pexpiretime(RespArgs& args, RespSession& session, const RespServerInfo&) {
  return plan_ttl_like(args, session, false, true);
}

RespCommandPlan plan_persist(RespArgs& args, RespSession& session, const RespServerInfo&) {
  return plan_update(session, std::move(args[1]), core::make_data_op(DataOpCode::kPersist));
}

constexpr RespCommandSpec kDataCommands[] = {
    // Strings.
    {.name = "get",
     .arity = 2,
     .flags = kRF,
     .keys = {1, 1, 1},
     .categories = "@string",
     .group = "string",
     .summary = "Get the value of a key (the newest of concurrent values)",
     .since = "1.0.0",
     .syntax = "key",
     .plan = plan_get},
    {.name = "set",
     .arity = -3,
     .flags = kW,
     .keys = {1, 1, 1},
     .categories = "@string",
     .group = "string",
     .summary = "Set the string value of a key",
     .since = "1.0.0",
     .syntax = "key value [NX | XX] [GET] [EX seconds:integer | PX milliseconds:integer | "
               "EXAT unix-time-seconds:integer | PXAT unix-time-milliseconds:integer | KEEPTTL]",
     .plan = plan_set},
    {.name = "setex",
     .arity = 4,
     .flags = kW,
     .keys = {1, 1, 1},
     .categories = "@string",
     .group = "string",
     .summary = "Set the value and expiration of a key",
     .since = "2.0.0",
     .syntax = "key seconds:integer value",
     .plan = plan_setex},
    {.name = "psetex",
     .arity = 4,
     .flags = kW,
     .keys = {1, 1, 1},
     .categories = "@string",
     .group = "string",
     .summary = "Set the value and expiration in milliseconds of a key",
     .since = "2.6.0",
     .syntax = "key milliseconds:integer value",
     .plan = plan_psetex},
    {.name = "setnx",
     .arity = 3,
     .flags = kWF,
     .keys = {1, 1, 1},
     .categories = "@string",
     .group = "string",
     .summary = "Set a key only if it does not exist (not atomic across nodes)",
     .since = "1.0.0",
     .syntax = "key value",
     .plan = plan_setnx},
    {.name = "getset",
     .arity = 3,
     .flags = kWF,
     .keys = {1, 1, 1},
     .categories = "@string",
     .group = "string",
     .summary = "Set a key and return its old value",
     .since = "1.0.0",
     .syntax = "key value",
     .plan = plan_getset},
    {.name = "mset",
     .arity = -3,
     .flags = kW,
     .keys = {1, -1, 2},
     .categories = "@string",
     .group = "string",
     .summary = "Set multiple keys (each on its own; not atomic)",
     .since = "1.0.1",
     .complexity = "O(N) where N is the number of keys to set",
     .syntax = "key value ...",
     .plan = plan_mset},
    {.name = "msetnx",
     .arity = -3,
     .flags = kW,
     .keys = {1, -1, 2},
     .categories = "@string",
     .group = "string",
     .summary = "Set multiple keys only if none exists (not atomic)",
     .since = "1.0.1",
     .complexity = "O(N) where N is the number of keys to set",
     .syntax = "key value ...",
     .plan = plan_msetnx},
    {.name = "mget",
     .arity = -2,
     .flags = kRF,
     .keys = {1, -1, 1},
     .categories = "@string",
     .group = "string",
     .summary = "Get the values of all the given keys",
     .since = "1.0.0",
     .complexity = "O(N) where N is the number of keys to retrieve",
     .syntax = "key ...",
     .plan = plan_mget},
    {.name = "append",
     .arity = 3,
     .flags = kWF,
     .keys = {1, 1, 1},
     .categories = "@string",
     .group = "string",
     .summary = "Append a value to a key",
     .since = "2.0.0",
     .syntax = "key value",
     .plan = plan_append},
    {.name = "strlen",
     .arity = 2,
     .flags = kRF,
     .keys = {1, 1, 1},
     .categories = "@string",
     .group = "string",
     .summary = "Get the length of the value stored in a key",
     .since = "2.2.0",
     .syntax = "key",
     .plan = plan_strlen},
    {.name = "getdel",
     .arity = 2,
     .flags = kRespWrite | kRespFast,
     .keys = {1, 1, 1},
     .categories = "@string",
     .group = "string",
     .summary = "Get the value of a key and delete it",
     .since = "6.2.0",
     .syntax = "key",
     .plan = plan_getdel},
    {.name = "getex",
     .arity = -2,
     .flags = kRespWrite | kRespFast,
     .keys = {1, 1, 1},
     .categories = "@string",
     .group = "string",
     .summary = "Get the value of a key and optionally set its expiration",
     .since = "6.2.0",
     .syntax = "key [EX seconds:integer | PX milliseconds:integer | EXAT unix-time-seconds:integer "
               "| PXAT unix-time-milliseconds:integer | PERSIST]",
     .plan = plan_getex},
    // Counters.
    {.name = "incr",
     .arity = 2,
     .flags = kWF,
     .keys = {1, 1, 1},
     .categories = "@string",
     .group = "string",
     .summary = "Increment the integer value of a key by one",
     .since = "1.0.0",
     .syntax = "key",
     .plan = plan_incr},
    {.name = "decr",
     .arity = 2,
     .flags = kWF,
     .keys = {1, 1, 1},
     .categories = "@string",
     .group = "string",
     .summary = "Decrement the integer value of a key by one",
     .since = "1.0.0",
     .syntax = "key",
     .plan = plan_decr},
    {.name = "incrby",
     .arity = 3,
     .flags = kWF,
     .keys = {1, 1, 1},
     .categories = "@string",
     .group = "string",
     .summary = "Increment the integer value of a key by the given amount",
     .since = "1.0.0",
     .syntax = "key increment:integer",
     .plan = plan_incrby},
    {.name = "decrby",
     .arity = 3,
     .flags = kWF,
     .keys = {1, 1, 1},
     .categories = "@string",
     .group = "string",
     .summary = "Decrement the integer value of a key by the given number",
     .since = "1.0.0",
     .syntax = "key decrement:integer",
     .plan = plan_decrby},
    {.name = "incrbyfloat",
     .arity = 3,
     .flags = kWF,
     .keys = {1, 1, 1},
     .categories = "@string",
     .group = "string",
     .summary = "Increment the float value of a key by the given amount",
     .since = "2.6.0",
     .syntax = "key increment:double",
     .plan = plan_incrbyfloat},
    // Keys.
    {.name = "del",
     .arity = -2,
     .flags = kRespWrite,
     .keys = {1, -1, 1},
     .categories = "@keyspace",
     .group = "generic",
     .summary = "Delete a key",
     .since = "1.0.0",
     .complexity = "O(N) where N is the number of keys that will be removed",
     .syntax = "key ...",
     .plan = plan_del},
    {.name = "unlink",
     .arity = -2,
     .flags = kRespWrite | kRespFast,
     .keys = {1, -1, 1},
     .categories = "@keyspace",
     .group = "generic",
     .summary = "Delete a key (as DEL)",
     .since = "4.0.0",
     .complexity = "O(N) where N is the number of keys that will be removed",
     .syntax = "key ...",
     .plan = plan_del},
    {.name = "exists",
     .arity = -2,
     .flags = kRF,
     .keys = {1, -1, 1},
     .categories = "@keyspace",
     .group = "generic",
     .summary = "Determine if a key exists",
     .since = "1.0.0",
     .complexity = "O(N) where N is the number of keys to check",
     .syntax = "key ...",
     .plan = plan_exists},
    {.name = "type",
     .arity = 2,
     .flags = kRF,
     .keys = {1, 1, 1},
     .categories = "@keyspace",
     .group = "generic",
     .summary = "Determine the type stored at key",
     .since = "1.0.0",
     .syntax = "key",
     .plan = plan_type},
    {.name = "expire",
     .arity = -3,
     .flags = kRespWrite | kRespFast,
     .keys = {1, 1, 1},
     .categories = "@keyspace",
     .group = "generic",
     .summary = "Set a key's time to live in seconds",
     .since = "1.0.0",
     .syntax = "key seconds:integer [NX | XX | GT | LT]",
     .plan = plan_expire},
    {.name = "pexpire",
     .arity = -3,
     .flags = kRespWrite | kRespFast,
     .keys = {1, 1, 1},
     .categories = "@keyspace",
     .group = "generic",
     .summary = "Set a key's time to live in milliseconds",
     .since = "2.6.0",
     .syntax = "key milliseconds:integer [NX | XX | GT | LT]",
     .plan = plan_pexpire},
    {.name = "expireat",
     .arity = -3,
     .flags = kRespWrite | kRespFast,
     .keys = {1, 1, 1},
     .categories = "@keyspace",
     .group = "generic",
     .summary = "Set the expiration for a key as a UNIX timestamp",
     .since = "1.2.0",
     .syntax = "key unix-time-seconds:integer [NX | XX | GT | LT]",
     .plan = plan_expireat},
    {.name = "pexpireat",
     .arity = -3,
     .flags = kRespWrite | kRespFast,
     .keys = {1, 1, 1},
     .categories = "@keyspace",
     .group = "generic",
     .summary = "Set the expiration for a key as a UNIX timestamp in milliseconds",
     .since = "2.6.0",
     .syntax = "key unix-time-milliseconds:integer [NX | XX | GT | LT]",
     .plan = plan_pexpireat},
    {.name = "ttl",
     .arity = 2,
     .flags = kRF,
     .keys = {1, 1, 1},
     .categories = "@keyspace",
     .group = "generic",
     .summary = "Get the time to live for a key in seconds",
     .since = "1.0.0",
     .syntax = "key",
     .plan = plan_ttl},
    {.name = "pttl",
     .arity = 2,
     .flags = kRF,
     .keys = {1, 1, 1},
     .categories = "@keyspace",
     .group = "generic",
     .summary = "Get the time to live for a key in milliseconds",
     .since = "2.6.0",
     .syntax = "key",
     .plan = plan_pttl},
    {.name = "expiretime",
     .arity = 2,
     .flags = kRF,
     .keys = {1, 1, 1},
     .categories = "@keyspace",
     .group = "generic",
     .summary = "Get the expiration Unix timestamp for a key in seconds",
     .since = "7.0.0",
     .syntax = "key",
     .plan = plan_expiretime},
    {.name = "pexpiretime",
     .arity = 2,
     .flags = kRF,
     .keys = {1, 1, 1},
     .categories = "@keyspace",
     .group = "generic",
     .summary = "Get the expiration Unix timestamp for a key in milliseconds",
     .since = "7.0.0",
     .syntax = "key",
     .plan = plan_pexpiretime},
    {.name = "persist",
     .arity = 2,
     .flags = kRespWrite | kRespFast,
     .keys = {1, 1, 1},
     .categories = "@keyspace",
     .group = "generic",
     .summary = "Remove the expiration from a key (wins over a concurrent EXPIRE)",
     .since = "2.2.0",
     .syntax = "key",
     .plan = plan_persist},
};

}  // namespace

std::span<const RespCommandSpec> resp_data_command_table() {
  return kDataCommands;
}

}  // namespace ringkv::api