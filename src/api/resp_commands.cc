#include "api/resp_commands.h"

#include <cassert>
#include <unordered_set>
#include <utility>

#include "api/base64.h"
#include "api/resp_encoder.h"
#include "api/resp_planner.h"
#include "common/limits.h"

namespace ringkv::api {
namespace {

using core::ClientReply;
using core::ClientRequest;

// A write's reply: OK or the failure.
RespStep ok_or_error(const std::vector<ClientReply>& replies) {
  assert(replies.size() == 1);
  if (!replies[0].status.is_ok()) return error_step(resp_error_text(replies[0].status));
  return simple_step("OK");
}

RespCommandPlan plan_getall(RespArgs& args, RespSession& session, const RespServerInfo&) {
  RespCommandPlan plan;
  plan.keys = {args[1]};
  plan.first.requests.push_back(make_get(session.bucket, std::move(args[1])));
  plan.first.then = [protocol = session.protocol](std::vector<ClientReply> replies) {
    assert(replies.size() == 1);
    const ClientReply& reply = replies[0];
    if (!reply.status.is_ok()) return error_step(resp_error_text(reply.status));
    RespWriter out(protocol);
    out.array(1 + reply.values.size());
    out.bulk(base64_encode(reply.context));
    for (const auto& value : reply.values) out.bulk(value);
    return reply_step(std::move(out));
  };
  return plan;
}

Result<std::string> decode_context_argument(std::string_view text) {
  auto context = base64_decode(text);
  if (!context.is_ok()) {
    return Status::invalid_argument("context is not one GETALL returned: " +
                                    context.status().message());
  }
  return context;
}

RespCommandPlan plan_setctx(RespArgs& args, RespSession& session, const RespServerInfo&) {
  auto context = decode_context_argument(args[2]);
  if (!context.is_ok()) return immediate(error_step(resp_error_text(context.status())));
  RespCommandPlan plan;
  plan.keys = {args[1]};
  plan.writes = true;
  plan.first.requests.push_back(make_put(session.bucket, std::move(args[1]), std::move(args[3]),
                                         std::move(context).value(), false));
  plan.first.then = [](std::vector<ClientReply> replies) { return ok_or_error(replies); };
  return plan;
}

RespCommandPlan plan_delctx(RespArgs& args, RespSession& session, const RespServerInfo&) {
  auto context = decode_context_argument(args[2]);
  if (!context.is_ok()) return immediate(error_step(resp_error_text(context.status())));
  RespCommandPlan plan;
  plan.keys = {args[1]};
  plan.writes = true;
  plan.first.requests.push_back(
      make_delete(session.bucket, std::move(args[1]), std::move(context).value()));
  plan.first.then = [](std::vector<ClientReply> replies) { return ok_or_error(replies); };
  return plan;
}

// Flags Redis gives connection commands that are allowed in any state.
constexpr std::uint32_t kAnyState = kRespLoading | kRespStale;
constexpr std::uint32_t kControl = kRespNoscript | kRespLoading | kRespStale | kRespFast |
                                   kRespAllowBusy;

// The command table: Redis's metadata for each command (redis/src/commands/*.json of Redis
// 7.0), ringkv's own commands described the same way.
constexpr RespCommandSpec kCommands[] = {
    // Keys and values.
    {.name = "getall", .arity = 2, .flags = kRespReadonly | kRespFast, .keys = {1, 1, 1},
     .categories = "@string", .group = "generic",
     .summary = "ringkv: the context (base64) and every sibling value of a key",
     .since = "ringkv 0.1.0", .syntax = "key", .plan = plan_getall},
    {.name = "setctx", .arity = 4, .flags = kRespWrite | kRespDenyOom, .keys = {1, 1, 1},
     .categories = "@string", .group = "generic",
     .summary = "ringkv: set a key with a context from GETALL, superseding what that read saw",
     .since = "ringkv 0.1.0", .syntax = "key context value", .plan = plan_setctx},
    {.name = "delctx", .arity = 3, .flags = kRespWrite, .keys = {1, 1, 1},
     .categories = "@keyspace", .group = "generic",
     .summary = "ringkv: delete a key with a context from GETALL", .since = "ringkv 0.1.0",
     .syntax = "key context", .plan = plan_delctx},

    // The connection.
    {.name = "ping", .arity = -1, .flags = kRespFast, .categories = "@connection",
     .group = "connection", .summary = "Ping the server", .since = "1.0.0",
     .syntax = "[message]", .plan = plan_ping, .args_max = 2},
    {.name = "echo", .arity = 2, .flags = kAnyState | kRespFast, .categories = "@connection",
     .group = "connection", .summary = "Echo the given string", .since = "1.0.0",
     .syntax = "message", .plan = plan_echo},
    {.name = "hello", .arity = -1, .flags = kControl | kRespNoAuth, .categories = "@connection",
     .group = "connection",
     .summary = "Handshake: switch to RESP2 or RESP3, optionally authenticate and set a name",
     .since = "6.0.0",
     .syntax = "[protover:integer [AUTH username password] [SETNAME clientname]]",
     .plan = plan_hello},
    {.name = "auth", .arity = -2, .flags = kControl | kRespNoAuth, .categories = "@connection",
     .group = "connection",
     .summary = "Authenticate (ringkv has no passwords: the default user with any password)",
     .since = "1.0.0", .syntax = "[username] password", .plan = plan_auth},
    {.name = "client", .arity = -2, .group = "connection",
     .summary = "A container for client connection commands", .since = "2.4.0",
     .complexity = "Depends on subcommand.",
     .syntax = "ID | GETNAME | SETNAME connection-name | SETINFO LIB-NAME libname | "
               "SETINFO LIB-VER libver | INFO | LIST [TYPE NORMAL] [ID client-id:integer ...] | "
               "NO-EVICT ON | NO-EVICT OFF | NO-TOUCH ON | NO-TOUCH OFF | GETREDIR | HELP",
     .plan = plan_client},
    {.name = "select", .arity = 2, .flags = kAnyState | kRespFast, .categories = "@connection",
     .group = "connection",
     .summary = "Change the selected database (a bucket of resp_databases) of the connection",
     .since = "1.0.0", .syntax = "index:integer", .plan = plan_select},
    {.name = "reset", .arity = 1, .flags = kControl | kRespNoAuth | kRespTransactionControl,
     .categories = "@connection", .group = "connection", .summary = "Reset the connection",
     .since = "6.2.0", .plan = plan_reset},
    {.name = "quit", .arity = -1, .flags = kControl | kRespNoAuth | kRespTransactionControl,
     .categories = "@connection", .group = "connection", .summary = "Close the connection",
     .since = "1.0.0", .plan = plan_quit},

    // Transactions.
    {.name = "multi", .arity = 1, .flags = kControl | kRespTransactionControl,
     .categories = "@transaction", .group = "transactions",
     .summary = "Mark the start of a transaction block (not isolated in ringkv)",
     .since = "1.2.0", .plan = plan_multi},
    {.name = "exec", .arity = 1,
     .flags = kRespNoscript | kAnyState | kRespSkipSlowlog | kRespTransactionControl,
     .categories = "@transaction", .group = "transactions",
     .summary = "Execute all commands issued after MULTI, in order", .since = "1.2.0",
     .complexity = "Depends on commands in the transaction", .plan = plan_exec},
    {.name = "discard", .arity = 1, .flags = kControl | kRespTransactionControl,
     .categories = "@transaction", .group = "transactions",
     .summary = "Discard all commands issued after MULTI", .since = "2.0.0",
     .complexity = "O(N), when N is the number of queued commands", .plan = plan_discard},
    {.name = "watch", .arity = -2, .flags = kControl | kRespTransactionControl,
     .keys = {1, -1, 1}, .categories = "@transaction", .group = "transactions",
     .summary = "Not supported: ringkv transactions are not isolated", .since = "2.2.0",
     .syntax = "key ...", .plan = plan_watch},
    {.name = "unwatch", .arity = 1, .flags = kControl, .categories = "@transaction",
     .group = "transactions", .summary = "Forget about all watched keys (there are none)",
     .since = "2.2.0", .plan = plan_unwatch},

    // The server.
    {.name = "info", .arity = -1, .flags = kAnyState, .categories = "@dangerous",
     .group = "server", .summary = "Get information and statistics about the server",
     .since = "1.0.0", .syntax = "[section ...]", .plan = plan_info},
    {.name = "time", .arity = 1, .flags = kAnyState | kRespFast, .group = "server",
     .summary = "Return the current server time", .since = "2.6.0", .plan = plan_time},
    {.name = "command", .arity = -1, .flags = kAnyState, .categories = "@connection",
     .group = "server", .summary = "Get array of command details", .since = "2.8.13",
     .complexity = "O(N) where N is the total number of commands",
     .syntax = "COUNT | LIST [FILTERBY PATTERN pattern | FILTERBY ACLCAT category] | "
               "INFO [command-name ...] | DOCS [command-name ...] | GETKEYS command [arg ...] | "
               "HELP",
     .plan = plan_command},
    {.name = "config", .arity = -2, .group = "server",
     .summary = "A container for server configuration commands (GET only)", .since = "2.0.0",
     .complexity = "Depends on subcommand.", .syntax = "GET parameter ... | HELP",
     .plan = plan_config},
};

// Checks the arity and hands the command to its planner.
RespCommandPlan run_planner(const RespCommandSpec& spec, RespArgs& args, RespSession& session,
                            const RespServerInfo& info) {
  if (!resp_arity_ok(spec, args.size())) return immediate(error_step(arity_error(spec.name)));
  RespCommandPlan plan = spec.plan(args, session, info);
  assert(plan.first.finished() || plan.first.then);
  return plan;
}

RespCommandPlan unknown_command(const RespArgs& args) {
  return immediate(error_step(unknown_command_error(args[0])));
}

// CLIENT LIST's cmd=: the name, and for containers the subcommand ("client|list").
std::string command_label(const RespCommandSpec& spec, const RespArgs& args) {
  std::string label(spec.name);
  const bool container =
      spec.name == "client" || spec.name == "config" || spec.name == "command";
  if (container && args.size() >= 2) {
    label += "|" + lowercase(echoed(args[1]));
  }
  return label;
}

}  // namespace

bool resp_arity_ok(const RespCommandSpec& spec, std::size_t args) {
  if (spec.arity >= 0) return args == static_cast<std::size_t>(spec.arity);
  return args >= static_cast<std::size_t>(-spec.arity) &&
         (spec.args_max == 0 || args <= spec.args_max);
}

std::span<const RespCommandSpec> resp_command_table() {
  // The data commands (resp_data_commands.cc, resp_collection_commands.cc) first, then the
  // keyspace commands (resp_keyspace_commands.cc), then the rest, as one table.
  static const std::vector<RespCommandSpec> table = [] {
    std::vector<RespCommandSpec> all;
    for (const auto part : {resp_data_command_table(), resp_collection_command_table(),
                            resp_keyspace_command_table()}) {
      all.insert(all.end(), part.begin(), part.end());
    }
    all.insert(all.end(), std::begin(kCommands), std::end(kCommands));
    return all;
  }();
  return table;
}

const RespCommandSpec* find_resp_command(std::string_view name) {
  for (const auto& command : resp_command_table()) {
    if (equals_ignore_case(name, command.name)) return &command;
  }
  return nullptr;
}

std::string resp_error_text(const Status& status) {
  assert(!status.is_ok());
  switch (status.code()) {
    case StatusCode::kTooLarge:
      return "TOOLARGE " + status.message();
    case StatusCode::kInvalidArgument:
      // Redis's own error codes pass through (WRONGTYPE ...).
      if (status.message().starts_with("WRONGTYPE ")) return status.message();
      return "ERR " + status.message();
    default:
      return "ERR " + status.to_string();
  }
}

std::size_t resp_command_count() {
  return resp_command_table().size();
}

RespCommandPlan plan_resp_command_now(RespArgs args, RespSession& session,
                                      const RespServerInfo& info) {
  assert(!args.empty());
  const RespCommandSpec* spec = find_resp_command(args[0]);
  if (spec == nullptr) return unknown_command(args);
  return run_planner(*spec, args, session, info);
}

RespCommandPlan plan_resp_command(std::vector<std::string> args, RespSession& session,
                                  const RespServerInfo& info) {
  assert(!args.empty());
  const RespCommandSpec* spec = find_resp_command(args[0]);
  session.last_command_at_ms = info.now_ms;
  session.last_command = spec != nullptr ? command_label(*spec, args) : "NULL";
  if (session.transaction.active &&
      (spec == nullptr || (spec->flags & kRespTransactionControl) == 0)) {
    return queue_resp_command(std::move(args), spec, session);
  }
  if (spec == nullptr) return unknown_command(args);
  return run_planner(*spec, args, session, info);
}

Result<std::vector<std::string>> parse_resp_databases(std::string_view setting) {
  std::vector<std::string> buckets;
  std::size_t start = 0;
  while (start <= setting.size()) {
    std::size_t end = setting.find(',', start);
    if (end == std::string_view::npos) end = setting.size();
    const std::string_view bucket = setting.substr(start, end - start);
    const std::string index = std::to_string(buckets.size());
    if (bucket.empty()) {
      return Status::invalid_argument("resp_databases entry " + index +
                                      " is empty (the setting is comma-separated bucket names, "
                                      "database 0 first)");
    }
    if (bucket.size() > limits::kBucketMaxBytes) {
      return Status::invalid_argument("resp_databases entry " + index + " is " +
                                      std::to_string(bucket.size()) +
                                      " bytes; a bucket name is at most " +
                                      std::to_string(limits::kBucketMaxBytes));
    }
    for (const char c : bucket) {
      const auto byte = static_cast<unsigned char>(c);
      if (byte <= ' ' || byte == 0x7f) {
        return Status::invalid_argument("resp_databases entry '" + echoed(bucket) +
                                        "' contains a space or control character");
      }
    }
    for (const auto& other : buckets) {
      if (other == bucket) {
        return Status::invalid_argument("resp_databases lists bucket '" + other + "' twice");
      }
    }
    if (buckets.size() == kRespDatabasesMax) {
      return Status::invalid_argument("resp_databases lists more than " +
                                      std::to_string(kRespDatabasesMax) + " buckets");
    }
    buckets.emplace_back(bucket);
    start = end + 1;
  }
  return buckets;
}

}  // namespace ringkv::api
