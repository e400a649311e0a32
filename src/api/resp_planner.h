// What a RESP command's planner is made of: the command table entry (RespCommandSpec) that
// COMMAND INFO / DOCS publish and plan_resp_command dispatches on, and the helpers planners share
// (replies, errors, integer parsing, the core requests of the connection's bucket). Internal to
// the api layer: hosts use api/resp_commands.h.
//
// Adding a command:
//   1. Write `RespCommandPlan plan_x(RespArgs& args, RespSession& session,
//      const RespServerInfo& info)`. `args[0]` is the name as sent; the table's arity has been
//      checked already. Immediate replies: `immediate(simple_step("OK"))`, `error_step(...)`, or
//      a RespWriter from session.writer() turned into a step with reply_step(). Replies that need
//      the node: put requests built with the session's bucket in plan.first.requests, name the
//      keys in plan.keys (plan.writes when it writes), and compose the reply in plan.first.then,
//      which captures what it needs by value (session.protocol, session.bucket), never `session`:
//
//        RespCommandPlan plan_hgetall_like(RespArgs& args, RespSession& session,
//                                          const RespServerInfo&) {
//          RespCommandPlan plan;
//          plan.keys = {args[1]};
//          plan.first.requests.push_back(make_get(session.bucket, std::move(args[1])));
//          plan.first.then = [protocol = session.protocol](std::vector<ClientReply> replies) {
//            const ClientReply& read = replies[0];
//            if (!read.status.is_ok()) return error_step(resp_error_text(read.status));
//            RespWriter out(protocol);
//            if (read.values.empty()) {
//              out.null();  // RESP2 $-1, RESP3 _
//            } else {
//              out.map(1);  // RESP2 *2, RESP3 %1
//              out.bulk("value");
//              out.bulk(read.values.front());
//            }
//            return reply_step(std::move(out));
//          };
//          return plan;
//        }
//
//   2. Add its entry to the table in resp_commands.cc, with Redis's arity, flags, key positions,
//      ACL categories, group, summary, since and argument syntax (COMMAND INFO and DOCS print
//      them; `redis-cli` builds its hints from the syntax). Remove it from the unsupported list
//      (resp_unsupported.cc) if it was there; a test checks the two never overlap.
// Inside MULTI nothing of this changes: plan_resp_command queues the command and plans it at
// EXEC, in order, with the session as the commands before it left it.
// Thread-safety: free functions and constant tables.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/resp_commands.h"
#include "api/resp_encoder.h"
#include "api/resp_parser.h"
#include "api/resp_session.h"
#include "core/datatypes/data_op.h"
#include "core/requests.h"

namespace ringkv::api {

// The Redis version ringkv answers as (HELLO, INFO's redis_version): clients branch on it, and
// ringkv speaks the commands and RESP2/RESP3 of Redis 7.0 that it implements.
inline constexpr std::string_view kRespRedisVersion = "7.0.0";

using RespPlanner = RespCommandPlan (*)(RespArgs& args, RespSession& session,
                                        const RespServerInfo& info);

// Redis's command flags, as COMMAND INFO prints them (the name after each constant).
enum RespCommandFlag : std::uint32_t {
  kRespWrite = 1u << 0,         // write: may change data
  kRespReadonly = 1u << 1,      // readonly: reads data and changes none
  kRespDenyOom = 1u << 2,       // denyoom: may grow the data
  kRespAdmin = 1u << 3,         // admin: an operator's command
  kRespNoscript = 1u << 4,      // noscript
  kRespLoading = 1u << 5,       // loading: allowed while the dataset loads
  kRespStale = 1u << 6,         // stale: allowed on a replica with stale data
  kRespFast = 1u << 7,          // fast: O(1) or O(log N) and never blocks
  kRespNoAuth = 1u << 8,        // no_auth: allowed before authentication
  kRespAllowBusy = 1u << 9,     // allow_busy
  kRespSkipSlowlog = 1u << 10,  // skip_slowlog
  // Not a Redis flag (never printed): runs even inside MULTI instead of being queued (MULTI,
  // EXEC, DISCARD, WATCH, QUIT, RESET, as Redis treats them).
  kRespTransactionControl = 1u << 31,
};

// Redis's legacy key positions (COMMAND INFO's first key, last key, step): argument indexes,
// the name being 0; last -1 means the last argument. All 0: the command takes no keys.
struct RespKeyPositions {
  int first = 0;
  int last = 0;
  int step = 0;
};

struct RespCommandSpec {
  std::string_view name;  // Lowercase.
  // Redis's arity, the name included: N exactly N arguments, -N at least N.
  int arity = 1;
  std::uint32_t flags = 0;
  RespKeyPositions keys = {};
  // ACL categories beyond those the flags imply (@read, @write, @fast or @slow, @admin and
  // @dangerous are derived): "@string", "@keyspace @dangerous", ...
  std::string_view categories = {};
  // COMMAND DOCS: Redis's group ("string", "generic", "connection", "server", "transactions"),
  // one-line summary, the version that introduced it and its complexity.
  std::string_view group = {};
  std::string_view summary = {};
  std::string_view since = {};
  std::string_view complexity = "O(1)";
  // The arguments after the name in Redis's notation: `key value [NX | XX] [GET]`; `name ...`
  // repeats, `[...]` is optional, `a | b` one of, UPPERCASE words are literal tokens, `key` (or a
  // name ending in "key") is a key, `name:integer` / `name:double` give a type. Containers list
  // their subcommands as alternatives: `SETNAME connection-name | GETNAME | ...`.
  std::string_view syntax = {};
  RespPlanner plan = nullptr;
  // Optional upper bound on the arguments (name included) where Redis's arity has none but the
  // command does (PING takes at most one argument); 0: none beyond the arity.
  std::size_t args_max = 0;
};

// Every command plan_resp_command implements, in COMMAND LIST order.
std::span<const RespCommandSpec> resp_command_table();
// Whether `args` arguments (the name included) fit the command's arity and args_max.
bool resp_arity_ok(const RespCommandSpec& spec, std::size_t args);
// The entry of `name` (any case), or nullptr.
const RespCommandSpec* find_resp_command(std::string_view name);
// The family `name` (any case) belongs to when it is a Redis command ringkv does not implement
// ("lists", "sorted sets", ...), or nullopt (resp_unsupported.cc).
std::optional<std::string_view> resp_unsupported_family(std::string_view name);
// The error for such a command: "ERR LPUSH is not supported by ringkv: lists are not implemented
// (see docs/REDIS.md)".
std::string resp_unsupported_error(std::string_view name, std::string_view family);
// Every name resp_unsupported_family knows (tests).
std::vector<std::string_view> resp_unsupported_names();

// Plans a command whose arity has not been checked yet, without MULTI's queueing (EXEC plans
// its queued commands with it).
RespCommandPlan plan_resp_command_now(RespArgs args, RespSession& session,
                                      const RespServerInfo& info);

// --- Replies ---------------------------------------------------------------------------------

RespStep reply_step(std::string reply);
RespStep reply_step(RespWriter&& writer);
// Errors, simple strings, integers and bulk strings are the same bytes in RESP2 and RESP3.
RespStep error_step(std::string_view message);
RespStep simple_step(std::string_view text);
RespStep integer_step(std::int64_t value);
RespStep bulk_step(std::string_view bytes);
RespCommandPlan immediate(RespStep step);

// "ERR wrong number of arguments for 'get' command" (`command` lowercased, e.g. "client|id").
std::string arity_error(std::string_view command);
// "ERR unknown command 'X'", or the unsupported-family error when X is one.
std::string unknown_command_error(std::string_view name);
// "ERR unknown subcommand 'X'. Try CLIENT HELP."
std::string unknown_subcommand_error(std::string_view subcommand, std::string_view command);
inline constexpr std::string_view kRespSyntaxError = "ERR syntax error";
inline constexpr std::string_view kRespNotAnInteger = "ERR value is not an integer or out of range";

// --- Arguments -------------------------------------------------------------------------------

// Names in error messages are echoed back; a client sending megabytes of name gets a prefix.
inline constexpr std::size_t kEchoedNameBytesMax = 128;
std::string echoed(std::string_view text);
std::string lowercase(std::string_view text);
bool equals_ignore_case(std::string_view a, std::string_view b);
// A 64-bit integer as Redis reads one (string2ll): an optional '-', digits, no leading zeros,
// spaces or '+'; nullopt otherwise.
std::optional<std::int64_t> parse_resp_integer(std::string_view text);

// --- Requests --------------------------------------------------------------------------------

core::ClientRequest make_get(std::string_view bucket, std::string key);
core::ClientRequest make_put(std::string_view bucket, std::string key, std::string value,
                             std::string context, bool supersede_known);
core::ClientRequest make_delete(std::string_view bucket, std::string key, std::string context);
// A data-type write (ClientOp::kUpdate) of one key: `op` encoded (core/datatypes/data_op.h).
core::ClientRequest make_update(std::string_view bucket, std::string key, const core::DataOp& op);
// One call of a key scan of `bucket` (ClientOp::kScan, core/requests.h).
core::ClientRequest make_scan(std::string_view bucket, std::string cursor, std::uint32_t count,
                              std::string match, std::string type, bool count_only);

// --- Planners defined outside resp_commands.cc -------------------------------------------------

// resp_connection_commands.cc
RespCommandPlan plan_ping(RespArgs& args, RespSession& session, const RespServerInfo& info);
RespCommandPlan plan_echo(RespArgs& args, RespSession& session, const RespServerInfo& info);
RespCommandPlan plan_hello(RespArgs& args, RespSession& session, const RespServerInfo& info);
RespCommandPlan plan_auth(RespArgs& args, RespSession& session, const RespServerInfo& info);
RespCommandPlan plan_client(RespArgs& args, RespSession& session, const RespServerInfo& info);
RespCommandPlan plan_select(RespArgs& args, RespSession& session, const RespServerInfo& info);
RespCommandPlan plan_reset(RespArgs& args, RespSession& session, const RespServerInfo& info);
RespCommandPlan plan_quit(RespArgs& args, RespSession& session, const RespServerInfo& info);
// resp_transaction_commands.cc
RespCommandPlan plan_multi(RespArgs& args, RespSession& session, const RespServerInfo& info);
RespCommandPlan plan_exec(RespArgs& args, RespSession& session, const RespServerInfo& info);
RespCommandPlan plan_discard(RespArgs& args, RespSession& session, const RespServerInfo& info);
RespCommandPlan plan_watch(RespArgs& args, RespSession& session, const RespServerInfo& info);
RespCommandPlan plan_unwatch(RespArgs& args, RespSession& session, const RespServerInfo& info);
// Queues a command inside MULTI (or refuses it, aborting the transaction).
RespCommandPlan queue_resp_command(RespArgs args, const RespCommandSpec* spec,
                                   RespSession& session);
// resp_data_commands.cc: strings, counters, keys and expiry (their table entries).
std::span<const RespCommandSpec> resp_data_command_table();
// resp_collection_commands.cc: sets and hashes.
std::span<const RespCommandSpec> resp_collection_command_table();
// resp_keyspace_commands.cc: SCAN, KEYS, DBSIZE, FLUSHDB, FLUSHALL.
std::span<const RespCommandSpec> resp_keyspace_command_table();
// resp_server_commands.cc
RespCommandPlan plan_info(RespArgs& args, RespSession& session, const RespServerInfo& info);
RespCommandPlan plan_time(RespArgs& args, RespSession& session, const RespServerInfo& info);
RespCommandPlan plan_command(RespArgs& args, RespSession& session, const RespServerInfo& info);
RespCommandPlan plan_config(RespArgs& args, RespSession& session, const RespServerInfo& info);

}  // namespace ringkv::api
