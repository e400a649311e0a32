// The Redis set and hash commands on the core's convergent types (core/datatypes/; semantics in
// docs/REDIS.md): sets are add-wins observed-remove sets, a hash's fields an add-wins set whose
// values follow the string rule and whose HINCRBY fields are counters. SSCAN and HSCAN walk one
// object that a read fetched whole, so they answer every matching element at once with the
// cursor 0, as Redis does for a small set or hash.
#include <algorithm>
#include <cassert>
#include <charconv>
#include <optional>

#include "api/resp_data_support.h"
#include "common/glob.h"

namespace ringkv::api {
namespace {

using core::DataOp;
using core::DataOpCode;
using core::OpResult;
using core::ValueType;
using core::VersionedObject;
using namespace resp_data;  // NOLINT(google-build-using-namespace)

// --- Sets --------------------------------------------------------------------------------------

RespCommandPlan plan_sadd(RespArgs& args, RespSession& session, const RespServerInfo&) {
  return plan_update(session, args[1], core::make_data_op(DataOpCode::kSetAdd, rest(args, 2)));
}

RespCommandPlan plan_srem(RespArgs& args, RespSession& session, const RespServerInfo&) {
  return plan_update(session, args[1], core::make_data_op(DataOpCode::kSetRemove, rest(args, 2)));
}

RespCommandPlan plan_smembers(RespArgs& args, RespSession& session, const RespServerInfo&) {
  return plan_read(session, std::move(args[1]), ValueType::kSet,
                   [](RespWriter& out, const VersionedObject& object, std::uint64_t now) {
                     const auto members = core::set_members(object, now);
                     out.set(members.size());
                     for (const auto& member : members) out.bulk(member);
                   });
}

RespCommandPlan plan_sismember(RespArgs& args, RespSession& session, const RespServerInfo&) {
  return plan_read(session, std::move(args[1]), ValueType::kSet,
                   [member = std::move(args[2])](RespWriter& out, const VersionedObject& object,
                                                 std::uint64_t now) {
                     out.integer(core::set_contains(object, member, now) ? 1 : 0);
                   });
}

RespCommandPlan plan_smismember(RespArgs& args, RespSession& session, const RespServerInfo&) {
  return plan_read(
      session, args[1], ValueType::kSet,
      [members = rest(args, 2)](RespWriter& out, const VersionedObject& object, std::uint64_t now) {
        const auto present = core::set_members(object, now);
        out.array(members.size());
        for (const auto& member : members) {
          out.integer(std::binary_search(present.begin(), present.end(), member));
        }
      });
}

RespCommandPlan plan_scard(RespArgs& args, RespSession& session, const RespServerInfo&) {
  return plan_read(session, std::move(args[1]), ValueType::kSet,
                   [](RespWriter& out, const VersionedObject& object, std::uint64_t now) {
                     out.integer(static_cast<std::int64_t>(core::set_members(object, now).size()));
                   });
}

// --- Hashes ------------------------------------------------------------------------------------

RespCommandPlan plan_hset_like(RespArgs& args, RespSession& session, bool reply_ok) {
  if (args.size() % 2 != 0) return immediate(error_step(arity_error(args[0])));
  DataOp op = core::make_data_op(DataOpCode::kHashSet, rest(args, 2));
  if (!reply_ok) return plan_update(session, args[1], op);
  return plan_update(session, args[1], op,
                     [](RespWriter& out, const OpResult&) { out.simple("OK"); });
}

RespCommandPlan plan_hset(RespArgs& args, RespSession& session, const RespServerInfo&) {
  return plan_hset_like(args, session, false);
}
RespCommandPlan plan_hmset(RespArgs& args, RespSession& session, const RespServerInfo&) {
  return plan_hset_like(args, session, true);
}

RespCommandPlan plan_hsetnx(RespArgs& args, RespSession& session, const RespServerInfo&) {
  DataOp op = core::make_data_op(DataOpCode::kHashSet, rest(args, 2));
  op.condition = core::WriteCondition::kIfAbsent;
  return plan_update(session, args[1], op);
}

RespCommandPlan plan_hdel(RespArgs& args, RespSession& session, const RespServerInfo&) {
  return plan_update(session, args[1], core::make_data_op(DataOpCode::kHashDelete, rest(args, 2)));
}

RespCommandPlan plan_hincrby(RespArgs& args, RespSession& session, const RespServerInfo&) {
  const auto amount = parse_resp_integer(args[3]);
  if (!amount) return immediate(error_step(kRespNotAnInteger));
  return plan_update(session, args[1],
                     core::make_data_op(DataOpCode::kHashIncrBy, {args[2]}, *amount));
}

RespCommandPlan plan_hincrbyfloat(RespArgs& args, RespSession& session, const RespServerInfo&) {
  if (!valid_float(args[3])) {
    return immediate(error_step(invalid_float_increment(args[3], "ERR value is NaN or Infinity")));
  }
  return plan_update(session, args[1],
                     core::make_data_op(DataOpCode::kHashIncrByFloat, {args[2], args[3]}));
}

RespCommandPlan plan_hget(RespArgs& args, RespSession& session, const RespServerInfo&) {
  return plan_read(session, std::move(args[1]), ValueType::kHash,
                   [field = std::move(args[2])](RespWriter& out, const VersionedObject& object,
                                                std::uint64_t now) {
                     const auto value = core::hash_field(object, field, now);
                     if (value.exists) {
                       out.bulk(value.text);
                     } else {
                       out.null();
                     }
                   });
}

RespCommandPlan plan_hmget(RespArgs& args, RespSession& session, const RespServerInfo&) {
  return plan_read(
      session, args[1], ValueType::kHash,
      [fields = rest(args, 2)](RespWriter& out, const VersionedObject& object, std::uint64_t now) {
        const auto all = core::hash_fields(object, now);
        out.array(fields.size());
        for (const auto& field : fields) {
          const auto it = std::lower_bound(
              all.begin(), all.end(), field,
              [](const auto& pair, const std::string& f) { return pair.first < f; });
          if (it != all.end() && it->first == field) {
            out.bulk(it->second);
          } else {
            out.null();
          }
        }
      });
}

enum class HashPart { kAll, kKeys, kValues, kLength };

RespCommandPlan plan_hash_part(RespArgs& args, RespSession& session, HashPart part) {
  return plan_read(session, std::move(args[1]), ValueType::kHash,
                   [part](RespWriter& out, const VersionedObject& object, std::uint64_t now) {
                     const auto fields = core::hash_fields(object, now);
                     switch (part) {
                       case HashPart::kAll:
                         out.map(fields.size());
                         for (const auto& [field, value] : fields) {
                           out.bulk(field);
                           out.bulk(value);
                         }
                         return;
                       case HashPart::kKeys:
                         out.array(fields.size());
                         for (const auto& pair : fields) out.bulk(pair.first);
                         return;
                       case HashPart::kValues:
                         out.array(fields.size());
                         for (const auto& pair : fields) out.bulk(pair.second);
                         return;
                       case HashPart::kLength:
                         out.integer(static_cast<std::int64_t>(fields.size()));
                         return;
                     }
                   });
}

RespCommandPlan plan_hgetall(RespArgs& args, RespSession& session, const RespServerInfo&) {
  return plan_hash_part(args, session, HashPart::kAll);
}
RespCommandPlan plan_hkeys(RespArgs& args, RespSession& session, const RespServerInfo&) {
  return plan_hash_part(args, session, HashPart::kKeys);
}
RespCommandPlan plan_hvals(RespArgs& args, RespSession& session, const RespServerInfo&) {
  return plan_hash_part(args, session, HashPart::kValues);
}
RespCommandPlan plan_hlen(RespArgs& args, RespSession& session, const RespServerInfo&) {
  return plan_hash_part(args, session, HashPart::kLength);
}

RespCommandPlan plan_hexists(RespArgs& args, RespSession& session, const RespServerInfo&) {
  return plan_read(session, std::move(args[1]), ValueType::kHash,
                   [field = std::move(args[2])](RespWriter& out, const VersionedObject& object,
                                                std::uint64_t now) {
                     out.integer(core::hash_field(object, field, now).exists ? 1 : 0);
                   });
}

RespCommandPlan plan_hstrlen(RespArgs& args, RespSession& session, const RespServerInfo&) {
  return plan_read(
      session, std::move(args[1]), ValueType::kHash,
      [field = std::move(args[2])](RespWriter& out, const VersionedObject& object,
                                   std::uint64_t now) {
        out.integer(static_cast<std::int64_t>(core::hash_field(object, field, now).text.size()));
      });
}

// --- SSCAN and HSCAN ---------------------------------------------------------------------------

struct ElementScan {
  std::string match;
  bool values = true;  // HSCAN without NOVALUES.
};

// The options after `KEY cursor`, as Redis's scanGenericCommand reads them; an error reply text
// otherwise. COUNT is checked and otherwise ignored: the whole object is answered at once.
std::optional<std::string> parse_element_scan(RespArgs& args, bool hash, ElementScan& scan) {
  for (std::size_t i = 3; i < args.size();) {
    const std::string option = lowercase(echoed(args[i]));
    if (hash && option == "novalues") {
      scan.values = false;
      i += 1;
      continue;
    }
    if (i + 1 >= args.size()) return std::string(kRespSyntaxError);
    if (option == "count") {
      const auto count = parse_resp_integer(args[i + 1]);
      if (!count) return std::string(kRespNotAnInteger);
      if (*count < 1) return std::string(kRespSyntaxError);
    } else if (option == "match") {
      scan.match = std::move(args[i + 1]);
    } else {
      return std::string(kRespSyntaxError);
    }
    i += 2;
  }
  return std::nullopt;
}

// Redis's cursors are unsigned 64-bit integers; ringkv only ever hands out 0.
bool valid_element_cursor(std::string_view text) {
  std::uint64_t cursor = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), cursor);
  return !text.empty() && error == std::errc() && end == text.data() + text.size();
}

RespCommandPlan plan_element_scan(RespArgs& args, RespSession& session, ValueType type) {
  if (!valid_element_cursor(args[2])) return immediate(error_step("ERR invalid cursor"));
  ElementScan scan;
  if (auto error = parse_element_scan(args, type == ValueType::kHash, scan)) {
    return immediate(error_step(*error));
  }
  // A cursor other than 0 was not given by this node: the scan it continues is complete.
  const bool finished = args[2] != "0";
  return plan_read(session, std::move(args[1]), type,
                   [scan = std::move(scan), type, finished](
                       RespWriter& out, const VersionedObject& object, std::uint64_t now) {
                     const GlobPattern pattern(scan.match.empty() ? "*" : scan.match);
                     out.array(2);
                     out.bulk("0");
                     if (finished) {
                       out.array(0);
                       return;
                     }
                     std::vector<std::string_view> found;
                     if (type == ValueType::kSet) {
                       const auto members = core::set_members(object, now);
                       for (const auto& member : members) {
                         if (pattern.matches(member)) found.push_back(member);
                       }
                       out.array(found.size());
                       for (const auto member : found) out.bulk(member);
                       return;
                     }
                     const auto fields = core::hash_fields(object, now);
                     std::vector<const std::pair<std::string, std::string>*> matched;
                     for (const auto& pair : fields) {
                       if (pattern.matches(pair.first)) matched.push_back(&pair);
                     }
                     out.array(matched.size() * (scan.values ? 2 : 1));
                     for (const auto* pair : matched) {
                       out.bulk(pair->first);
                       if (scan.values) out.bulk(pair->second);
                     }
                   });
}

RespCommandPlan plan_sscan(RespArgs& args, RespSession& session, const RespServerInfo&) {
  return plan_element_scan(args, session, ValueType::kSet);
}
RespCommandPlan plan_hscan(RespArgs& args, RespSession& session, const RespServerInfo&) {
  return plan_element_scan(args, session, ValueType::kHash);
}

constexpr RespCommandSpec kCollectionCommands[] = {
    // Sets.
    {.name = "sadd",
     .arity = -3,
     .flags = kWF,
     .keys = {1, 1, 1},
     .categories = "@set",
     .group = "set",
     .summary = "Add one or more members to a set (add wins)",
     .since = "1.0.0",
     .complexity = "O(N) where N is the size of the set",
     .syntax = "key member ...",
     .plan = plan_sadd},
    {.name = "srem",
     .arity = -3,
     .flags = kRespWrite | kRespFast,
     .keys = {1, 1, 1},
     .categories = "@set",
     .group = "set",
     .summary = "Remove members the coordinator has seen from a set",
     .since = "1.0.0",
     .complexity = "O(N) where N is the size of the set",
     .syntax = "key member ...",
     .plan = plan_srem},
    {.name = "smembers",
     .arity = 2,
     .flags = kRespReadonly,
     .keys = {1, 1, 1},
     .categories = "@set",
     .group = "set",
     .summary = "Get all the members in a set",
     .since = "1.0.0",
     .complexity = "O(N) where N is the set cardinality",
     .syntax = "key",
     .plan = plan_smembers},
    {.name = "sismember",
     .arity = 3,
     .flags = kRF,
     .keys = {1, 1, 1},
     .categories = "@set",
     .group = "set",
     .summary = "Determine if a given value is a member of a set",
     .since = "1.0.0",
     .syntax = "key member",
     .plan = plan_sismember},
    {.name = "smismember",
     .arity = -3,
     .flags = kRF,
     .keys = {1, 1, 1},
     .categories = "@set",
     .group = "set",
     .summary = "Returns the membership associated with the given elements",
     .since = "6.2.0",
     .syntax = "key member ...",
     .plan = plan_smismember},
    {.name = "scard",
     .arity = 2,
     .flags = kRF,
     .keys = {1, 1, 1},
     .categories = "@set",
     .group = "set",
     .summary = "Get the number of members in a set",
     .since = "1.0.0",
     .syntax = "key",
     .plan = plan_scard},
    {.name = "sscan",
     .arity = -3,
     .flags = kRespReadonly,
     .keys = {1, 1, 1},
     .categories = "@set",
     .group = "set",
     .summary = "Iterate the members of a set (all of them in one reply)",
     .since = "2.8.0",
     .complexity = "O(N) where N is the set cardinality",
     .syntax = "key cursor:integer [MATCH pattern:pattern] [COUNT count:integer]",
     .plan = plan_sscan},
    // Hashes.
    {.name = "hset",
     .arity = -4,
     .flags = kWF,
     .keys = {1, 1, 1},
     .categories = "@hash",
     .group = "hash",
     .summary = "Set the value of hash fields",
     .since = "2.0.0",
     .syntax = "key field value ...",
     .plan = plan_hset},
    {.name = "hmset",
     .arity = -4,
     .flags = kWF,
     .keys = {1, 1, 1},
     .categories = "@hash",
     .group = "hash",
     .summary = "Set the value of hash fields (replies OK)",
     .since = "2.0.0",
     .syntax = "key field value ...",
     .plan = plan_hmset},
    {.name = "hsetnx",
     .arity = 4,
     .flags = kWF,
     .keys = {1, 1, 1},
     .categories = "@hash",
     .group = "hash",
     .summary = "Set a hash field only if it does not exist",
     .since = "2.0.0",
     .syntax = "key field value",
     .plan = plan_hsetnx},
    {.name = "hget",
     .arity = 3,
     .flags = kRF,
     .keys = {1, 1, 1},
     .categories = "@hash",
     .group = "hash",
     .summary = "Get the value of a hash field",
     .since = "2.0.0",
     .syntax = "key field",
     .plan = plan_hget},
    {.name = "hmget",
     .arity = -3,
     .flags = kRF,
     .keys = {1, 1, 1},
     .categories = "@hash",
     .group = "hash",
     .summary = "Get the values of the given hash fields",
     .since = "2.0.0",
     .syntax = "key field ...",
     .plan = plan_hmget},
    {.name = "hgetall",
     .arity = 2,
     .flags = kRespReadonly,
     .keys = {1, 1, 1},
     .categories = "@hash",
     .group = "hash",
     .summary = "Get all the fields and values in a hash",
     .since = "2.0.0",
     .complexity = "O(N) where N is the size of the hash",
     .syntax = "key",
     .plan = plan_hgetall},
    {.name = "hkeys",
     .arity = 2,
     .flags = kRespReadonly,
     .keys = {1, 1, 1},
     .categories = "@hash",
     .group = "hash",
     .summary = "Get all the fields in a hash",
     .since = "2.0.0",
     .syntax = "key",
     .plan = plan_hkeys},
    {.name = "hvals",
     .arity = 2,
     .flags = kRespReadonly,
     .keys = {1, 1, 1},
     .categories = "@hash",
     .group = "hash",
     .summary = "Get all the values in a hash",
     .since = "2.0.0",
     .syntax = "key",
     .plan = plan_hvals},
    {.name = "hlen",
     .arity = 2,
     .flags = kRF,
     .keys = {1, 1, 1},
     .categories = "@hash",
     .group = "hash",
     .summary = "Get the number of fields in a hash",
     .since = "2.0.0",
     .syntax = "key",
     .plan = plan_hlen},
    {.name = "hexists",
     .arity = 3,
     .flags = kRF,
     .keys = {1, 1, 1},
     .categories = "@hash",
     .group = "hash",
     .summary = "Determine if a hash field exists",
     .since = "2.0.0",
     .syntax = "key field",
     .plan = plan_hexists},
    {.name = "hstrlen",
     .arity = 3,
     .flags = kRF,
     .keys = {1, 1, 1},
     .categories = "@hash",
     .group = "hash",
     .summary = "Get the length of the value of a hash field",
     .since = "3.2.0",
     .syntax = "key field",
     .plan = plan_hstrlen},
    {.name = "hdel",
     .arity = -3,
     .flags = kRespWrite | kRespFast,
     .keys = {1, 1, 1},
     .categories = "@hash",
     .group = "hash",
     .summary = "Delete one or more hash fields",
     .since = "2.0.0",
     .syntax = "key field ...",
     .plan = plan_hdel},
    {.name = "hincrby",
     .arity = 4,
     .flags = kWF,
     .keys = {1, 1, 1},
     .categories = "@hash",
     .group = "hash",
     .summary = "Increment the integer value of a hash field",
     .since = "2.0.0",
     .syntax = "key field increment:integer",
     .plan = plan_hincrby},
    {.name = "hincrbyfloat",
     .arity = 4,
     .flags = kWF,
     .keys = {1, 1, 1},
     .categories = "@hash",
     .group = "hash",
     .summary = "Increment the float value of a hash field",
     .since = "2.6.0",
     .syntax = "key field increment:double",
     .plan = plan_hincrbyfloat},
    {.name = "hscan",
     .arity = -3,
     .flags = kRespReadonly,
     .keys = {1, 1, 1},
     .categories = "@hash",
     .group = "hash",
     .summary = "Iterate the fields and values of a hash (all of them in one reply)",
     .since = "2.8.0",
     .complexity = "O(N) where N is the size of the hash",
     .syntax = "key cursor:integer [MATCH pattern:pattern] [COUNT count:integer] [NOVALUES]",
     .plan = plan_hscan},
};

}  // namespace

std::span<const RespCommandSpec> resp_collection_command_table() {
  return kCollectionCommands;
}

}  // namespace ringkv::api
