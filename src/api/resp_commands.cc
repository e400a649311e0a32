#include "api/resp_commands.h"

#include <cassert>
#include <limits>
#include <type_traits>
#include <unordered_set>
#include <utility>

#include "api/base64.h"
#include "api/resp_encoder.h"

namespace ringkv::api {
namespace {

using core::ClientOp;
using core::ClientReply;
using core::ClientRequest;
using Args = std::vector<std::string>;

constexpr std::size_t kUnbounded = std::numeric_limits<std::size_t>::max();
// Names in error messages are echoed back; a client sending megabytes of name gets a prefix.
constexpr std::size_t kEchoedNameBytesMax = 128;

char to_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = to_lower(c);
  return out;
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (to_lower(a[i]) != to_lower(b[i])) return false;
  }
  return true;
}

std::string echoed(std::string_view name) {
  return std::string(name.substr(0, kEchoedNameBytesMax));
}

// Glob matching with '*' and '?', case-insensitive, as CONFIG GET patterns use it.
bool glob_match(std::string_view pattern, std::string_view text) {
  std::size_t p = 0;
  std::size_t t = 0;
  std::size_t star = std::string_view::npos;
  std::size_t star_text = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || to_lower(pattern[p]) == to_lower(text[t]))) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_text = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++star_text;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

RespStep reply_step(std::string reply) {
  RespStep step;
  step.reply = std::move(reply);
  return step;
}

RespStep error_step(std::string_view message) {
  std::string out;
  append_resp_error(out, message);
  return reply_step(std::move(out));
}

RespStep simple_step(std::string_view text) {
  std::string out;
  append_resp_simple_string(out, text);
  return reply_step(std::move(out));
}

RespStep integer_step(std::int64_t value) {
  std::string out;
  append_resp_integer(out, value);
  return reply_step(std::move(out));
}

RespStep bulk_step(std::string_view bytes) {
  std::string out;
  append_resp_bulk_string(out, bytes);
  return reply_step(std::move(out));
}

RespCommandPlan immediate(RespStep step) {
  RespCommandPlan plan;
  plan.first = std::move(step);
  return plan;
}

std::string arity_error(std::string_view command) {
  return "ERR wrong number of arguments for '" + lowercase(echoed(command)) + "' command";
}

std::string sibling_error(std::size_t siblings) {
  return "ERR key has " + std::to_string(siblings) +
         " siblings; use GETALL key to read them all with their context";
}

ClientRequest make_request(ClientOp op, std::string key) {
  ClientRequest request;
  request.op = op;
  request.bucket = std::string(kRespBucket);
  request.key = std::move(key);
  return request;
}

ClientRequest make_get(std::string key) {
  return make_request(ClientOp::kGet, std::move(key));
}

ClientRequest make_put(std::string key, std::string value, std::string context,
                       bool supersede_known) {
  ClientRequest request = make_request(ClientOp::kPut, std::move(key));
  request.value = std::move(value);
  request.context = std::move(context);
  request.supersede_known = supersede_known;
  return request;
}

ClientRequest make_delete(std::string key, std::string context) {
  ClientRequest request = make_request(ClientOp::kDelete, std::move(key));
  request.context = std::move(context);
  return request;
}

// A single value as GET shows it: the value, nil when absent, an error for siblings or failure.
void append_value(std::string& out, const ClientReply& reply) {
  if (!reply.status.is_ok()) {
    append_resp_error(out, resp_error_text(reply.status));
  } else if (reply.values.empty()) {
    append_resp_null_bulk_string(out);
  } else if (reply.values.size() == 1) {
    append_resp_bulk_string(out, reply.values.front());
  } else {
    append_resp_error(out, sibling_error(reply.values.size()));
  }
}

// The first failed reply, if any: multi-key commands report it instead of a partial answer.
const ClientReply* first_failure(const std::vector<ClientReply>& replies) {
  for (const auto& reply : replies) {
    if (!reply.status.is_ok()) return &reply;
  }
  return nullptr;
}

// A write's reply: OK or the failure.
RespStep ok_or_error(const std::vector<ClientReply>& replies) {
  assert(replies.size() == 1);
  if (!replies[0].status.is_ok()) return error_step(resp_error_text(replies[0].status));
  return simple_step("OK");
}

RespCommandPlan plan_ping(Args& args, const RespServerInfo&) {
  if (args.size() == 1) return immediate(simple_step("PONG"));
  return immediate(bulk_step(args[1]));
}

RespCommandPlan plan_echo(Args& args, const RespServerInfo&) {
  return immediate(bulk_step(args[1]));
}

RespCommandPlan plan_get(Args& args, const RespServerInfo&) {
  RespCommandPlan plan;
  plan.keys = {args[1]};
  plan.first.requests.push_back(make_get(std::move(args[1])));
  plan.first.then = [](std::vector<ClientReply> replies) {
    assert(replies.size() == 1);
    std::string out;
    append_value(out, replies[0]);
    return reply_step(std::move(out));
  };
  return plan;
}

struct SetOptions {
  bool only_if_absent = false;   // NX
  bool only_if_present = false;  // XX
  bool return_old = false;       // GET
};

// Parses SET's options; an error text for expiry options (ringkv keys do not expire) and for
// anything Redis would call a syntax error.
Result<SetOptions> parse_set_options(const Args& args) {
  SetOptions options;
  for (std::size_t i = 3; i < args.size(); ++i) {
    const std::string option = lowercase(echoed(args[i]));
    if (option == "nx") {
      options.only_if_absent = true;
    } else if (option == "xx") {
      options.only_if_present = true;
    } else if (option == "get") {
      options.return_old = true;
    } else if (option == "ex" || option == "px" || option == "exat" || option == "pxat" ||
               option == "keepttl") {
      return Status::invalid_argument("ringkv keys do not expire: SET option " + echoed(args[i]) +
                                      " is not supported");
    } else {
      return Status::invalid_argument("syntax error");
    }
  }
  if (options.only_if_absent && options.only_if_present) {
    return Status::invalid_argument("syntax error");
  }
  return options;
}

// SET with NX, XX or GET: read, decide, then write with the read's context so the write
// supersedes exactly what was read.
RespStep set_after_read(std::string key, std::string value, SetOptions options,
                        const ClientReply& read) {
  if (!read.status.is_ok()) return error_step(resp_error_text(read.status));
  if (options.return_old && read.values.size() > 1) {
    return error_step(sibling_error(read.values.size()));
  }
  const bool existed = !read.values.empty();
  std::string old_value_reply;
  if (options.return_old) append_value(old_value_reply, read);
  if ((options.only_if_absent && existed) || (options.only_if_present && !existed)) {
    if (options.return_old) return reply_step(std::move(old_value_reply));
    std::string nil;
    append_resp_null_bulk_string(nil);
    return reply_step(std::move(nil));
  }
  RespStep write;
  write.requests.push_back(make_put(std::move(key), std::move(value), read.context, false));
  write.then = [old_value_reply = std::move(old_value_reply),
                return_old = options.return_old](std::vector<ClientReply> replies) {
    if (!return_old || !replies[0].status.is_ok()) return ok_or_error(replies);
    return reply_step(old_value_reply);
  };
  return write;
}

RespCommandPlan plan_set(Args& args, const RespServerInfo&) {
  auto options = parse_set_options(args);
  if (!options.is_ok()) return immediate(error_step(resp_error_text(options.status())));
  RespCommandPlan plan;
  plan.keys = {args[1]};
  plan.writes = true;
  if (!options->only_if_absent && !options->only_if_present && !options->return_old) {
    plan.first.requests.push_back(make_put(std::move(args[1]), std::move(args[2]), "", true));
    plan.first.then = [](std::vector<ClientReply> replies) { return ok_or_error(replies); };
    plan.ordered_write = true;
    return plan;
  }
  plan.first.requests.push_back(make_get(args[1]));
  plan.first.then = [key = std::move(args[1]), value = std::move(args[2]),
                     set_options = *options](std::vector<ClientReply> replies) mutable {
    assert(replies.size() == 1);
    return set_after_read(std::move(key), std::move(value), set_options, replies[0]);
  };
  return plan;
}

// DEL: read every key, then delete those that exist with the context of that read.
RespStep delete_existing(std::vector<std::string> keys, std::vector<ClientReply> reads) {
  assert(keys.size() == reads.size());
  if (const ClientReply* failed = first_failure(reads)) {
    return error_step(resp_error_text(failed->status));
  }
  RespStep deletes;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (reads[i].values.empty()) continue;
    deletes.requests.push_back(make_delete(std::move(keys[i]), std::move(reads[i].context)));
  }
  const auto existed = static_cast<std::int64_t>(deletes.requests.size());
  if (existed == 0) return integer_step(0);
  deletes.then = [existed](std::vector<ClientReply> replies) {
    if (const ClientReply* failed = first_failure(replies)) {
      return error_step(resp_error_text(failed->status));
    }
    return integer_step(existed);
  };
  return deletes;
}

RespCommandPlan plan_del(Args& args, const RespServerInfo&) {
  // DEL k k deletes one key: count each distinct key once, as Redis does.
  std::vector<std::string> keys;
  std::unordered_set<std::string_view> seen;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (seen.insert(args[i]).second) keys.push_back(args[i]);
  }
  RespCommandPlan plan;
  plan.keys = keys;
  plan.writes = true;
  for (const auto& key : keys) plan.first.requests.push_back(make_get(key));
  plan.first.then = [keys = std::move(keys)](std::vector<ClientReply> replies) mutable {
    return delete_existing(std::move(keys), std::move(replies));
  };
  return plan;
}

// EXISTS and MGET read every key named (repeats included, as Redis counts them).
RespCommandPlan plan_reads(Args& args) {
  RespCommandPlan plan;
  for (std::size_t i = 1; i < args.size(); ++i) {
    plan.keys.push_back(args[i]);
    plan.first.requests.push_back(make_get(std::move(args[i])));
  }
  return plan;
}

RespCommandPlan plan_exists(Args& args, const RespServerInfo&) {
  RespCommandPlan plan = plan_reads(args);
  plan.first.then = [](std::vector<ClientReply> replies) {
    if (const ClientReply* failed = first_failure(replies)) {
      return error_step(resp_error_text(failed->status));
    }
    std::int64_t existing = 0;
    for (const auto& reply : replies) existing += reply.values.empty() ? 0 : 1;
    return integer_step(existing);
  };
  return plan;
}

RespCommandPlan plan_mget(Args& args, const RespServerInfo&) {
  RespCommandPlan plan = plan_reads(args);
  plan.first.then = [](std::vector<ClientReply> replies) {
    if (const ClientReply* failed = first_failure(replies)) {
      return error_step(resp_error_text(failed->status));
    }
    std::string out;
    append_resp_array_header(out, replies.size());
    for (const auto& reply : replies) append_value(out, reply);
    return reply_step(std::move(out));
  };
  return plan;
}

RespCommandPlan plan_getall(Args& args, const RespServerInfo&) {
  RespCommandPlan plan;
  plan.keys = {args[1]};
  plan.first.requests.push_back(make_get(std::move(args[1])));
  plan.first.then = [](std::vector<ClientReply> replies) {
    assert(replies.size() == 1);
    const ClientReply& reply = replies[0];
    if (!reply.status.is_ok()) return error_step(resp_error_text(reply.status));
    std::string out;
    append_resp_array_header(out, 1 + reply.values.size());
    append_resp_bulk_string(out, base64_encode(reply.context));
    for (const auto& value : reply.values) append_resp_bulk_string(out, value);
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

RespCommandPlan plan_setctx(Args& args, const RespServerInfo&) {
  auto context = decode_context_argument(args[2]);
  if (!context.is_ok()) return immediate(error_step(resp_error_text(context.status())));
  RespCommandPlan plan;
  plan.keys = {args[1]};
  plan.writes = true;
  plan.first.requests.push_back(
      make_put(std::move(args[1]), std::move(args[3]), std::move(context).value(), false));
  plan.first.then = [](std::vector<ClientReply> replies) { return ok_or_error(replies); };
  return plan;
}

RespCommandPlan plan_delctx(Args& args, const RespServerInfo&) {
  auto context = decode_context_argument(args[2]);
  if (!context.is_ok()) return immediate(error_step(resp_error_text(context.status())));
  RespCommandPlan plan;
  plan.keys = {args[1]};
  plan.writes = true;
  plan.first.requests.push_back(make_delete(std::move(args[1]), std::move(context).value()));
  plan.first.then = [](std::vector<ClientReply> replies) { return ok_or_error(replies); };
  return plan;
}

std::string info_section(std::string_view name, const RespServerInfo& info) {
  auto field = [](std::string& out, std::string_view key, auto value) {
    out.append(key);
    out.push_back(':');
    if constexpr (std::is_convertible_v<decltype(value), std::string_view>) {
      out.append(value);
    } else {
      out.append(std::to_string(value));
    }
    out.append("\r\n");
  };
  std::string out;
  if (name == "server") {
    out.append("# Server\r\n");
    // Clients and tools branch on redis_version; ringkv speaks the RESP2 subset of Redis 7.0.
    field(out, "redis_version", "7.0.0");
    field(out, "redis_mode", "standalone");
    field(out, "arch_bits", sizeof(void*) * 8);
    field(out, "process_id", info.process_id);
    field(out, "tcp_port", info.tcp_port);
    field(out, "uptime_in_seconds", info.uptime_seconds);
    field(out, "uptime_in_days", info.uptime_seconds / 86400);
    field(out, "ringkv_bucket", kRespBucket);
    field(out, "ringkv_value_max_bytes", info.value_max_bytes);
    field(out, "ringkv_conflicts", "siblings (GETALL/SETCTX/DELCTX expose them)");
  } else if (name == "clients") {
    out.append("# Clients\r\n");
    field(out, "connected_clients", info.connected_clients);
  } else if (name == "stats") {
    out.append("# Stats\r\n");
    field(out, "total_connections_received", info.total_connections_received);
    field(out, "total_commands_processed", info.total_commands_processed);
  } else if (name == "replication") {
    // Replication in ringkv is Dynamo-style between peers, not Redis primaries and replicas.
    out.append("# Replication\r\n");
    field(out, "role", "master");
    field(out, "connected_slaves", 0);
  } else if (name == "keyspace") {
    out.append("# Keyspace\r\n");
  }
  return out;
}

RespCommandPlan plan_info(Args& args, const RespServerInfo& info) {
  static constexpr std::string_view kSections[] = {"server", "clients", "stats", "replication",
                                                   "keyspace"};
  std::vector<std::string> wanted;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string section = lowercase(echoed(args[i]));
    if (section == "all" || section == "everything" || section == "default") {
      wanted.assign(std::begin(kSections), std::end(kSections));
      break;
    }
    wanted.push_back(section);
  }
  if (args.size() == 1) wanted.assign(std::begin(kSections), std::end(kSections));
  std::string text;
  for (const auto& section : wanted) {
    const std::string body = info_section(section, info);
    if (body.empty()) continue;  // Unknown sections are empty, as in Redis.
    if (!text.empty()) text.append("\r\n");
    text.append(body);
  }
  return immediate(bulk_step(text));
}

RespCommandPlan plan_command(Args& args, const RespServerInfo&);

RespCommandPlan plan_config(Args& args, const RespServerInfo&) {
  const std::string sub = lowercase(echoed(args[1]));
  if (sub == "get") {
    if (args.size() < 3) return immediate(error_step(arity_error("config|get")));
    // What benchmark tools ask for, answered for a server without Redis persistence settings.
    static constexpr std::pair<std::string_view, std::string_view> kSettings[] = {
        {"save", ""}, {"appendonly", "no"}, {"databases", "1"}};
    std::vector<std::pair<std::string_view, std::string_view>> matches;
    for (const auto& setting : kSettings) {
      for (std::size_t i = 2; i < args.size(); ++i) {
        if (glob_match(args[i], setting.first)) {
          matches.push_back(setting);
          break;
        }
      }
    }
    std::string out;
    append_resp_array_header(out, matches.size() * 2);
    for (const auto& [name, value] : matches) {
      append_resp_bulk_string(out, name);
      append_resp_bulk_string(out, value);
    }
    return immediate(reply_step(std::move(out)));
  }
  if (sub == "set" || sub == "rewrite" || sub == "resetstat") {
    return immediate(error_step("ERR CONFIG " + sub +
                                " is not supported: ringkv settings come from `ringkv serve` "
                                "flags and its config file"));
  }
  return immediate(
      error_step("ERR unknown subcommand '" + echoed(args[1]) + "'. Try CONFIG HELP."));
}

RespCommandPlan plan_select(Args& args, const RespServerInfo&) {
  // ringkv has one keyspace per bucket and RESP uses one bucket: database 0 is all there is.
  std::string_view digits = args[1];
  if (!digits.empty() && digits.front() == '-') digits.remove_prefix(1);
  if (digits.empty() || digits.size() > 18 ||
      digits.find_first_not_of("0123456789") != std::string_view::npos) {
    return immediate(error_step("ERR value is not an integer or out of range"));
  }
  if (digits.find_first_not_of('0') != std::string_view::npos) {
    return immediate(error_step("ERR DB index is out of range"));
  }
  return immediate(simple_step("OK"));
}

RespCommandPlan plan_client(Args& args, const RespServerInfo&) {
  const std::string sub = lowercase(echoed(args[1]));
  if (sub == "setname") {
    if (args.size() != 3) return immediate(error_step(arity_error("client|setname")));
    return immediate(simple_step("OK"));
  }
  if (sub == "setinfo") {
    if (args.size() != 4) return immediate(error_step(arity_error("client|setinfo")));
    return immediate(simple_step("OK"));
  }
  if (sub == "getname") {
    // Names are accepted for compatibility but not kept.
    std::string out;
    append_resp_null_bulk_string(out);
    return immediate(reply_step(std::move(out)));
  }
  return immediate(
      error_step("ERR unknown subcommand '" + echoed(args[1]) + "'. Try CLIENT HELP."));
}

RespCommandPlan plan_quit(Args&, const RespServerInfo&) {
  RespStep step = simple_step("OK");
  step.close_connection = true;
  return immediate(std::move(step));
}

using Planner = RespCommandPlan (*)(Args&, const RespServerInfo&);

struct CommandSpec {
  std::string_view name;
  // Argument counts including the command name, as Redis's arity.
  std::size_t args_min;
  std::size_t args_max;
  Planner plan;
};

constexpr CommandSpec kCommands[] = {
    {"ping", 1, 2, plan_ping},
    {"echo", 2, 2, plan_echo},
    {"get", 2, 2, plan_get},
    {"set", 3, kUnbounded, plan_set},
    {"del", 2, kUnbounded, plan_del},
    {"exists", 2, kUnbounded, plan_exists},
    {"mget", 2, kUnbounded, plan_mget},
    {"getall", 2, 2, plan_getall},
    {"setctx", 4, 4, plan_setctx},
    {"delctx", 3, 3, plan_delctx},
    {"info", 1, kUnbounded, plan_info},
    {"command", 1, kUnbounded, plan_command},
    {"config", 2, kUnbounded, plan_config},
    {"select", 2, 2, plan_select},
    {"client", 2, kUnbounded, plan_client},
    {"quit", 1, kUnbounded, plan_quit},
};

RespCommandPlan plan_command(Args& args, const RespServerInfo&) {
  // redis-cli reads COMMAND DOCS for its hints; an empty answer makes it use its built-in help.
  if (args.size() == 1) return immediate(reply_step("*0\r\n"));
  const std::string sub = lowercase(echoed(args[1]));
  if (sub == "docs") return immediate(reply_step("*0\r\n"));
  if (sub == "count") {
    return immediate(integer_step(static_cast<std::int64_t>(std::size(kCommands))));
  }
  if (sub == "list") {
    std::string out;
    append_resp_array_header(out, std::size(kCommands));
    for (const auto& command : kCommands) append_resp_bulk_string(out, command.name);
    return immediate(reply_step(std::move(out)));
  }
  if (sub == "info") {
    // Per-command metadata is not published: nil for each name asked about.
    std::string out;
    append_resp_array_header(out, args.size() - 2);
    for (std::size_t i = 2; i < args.size(); ++i) append_resp_null_array(out);
    return immediate(reply_step(std::move(out)));
  }
  return immediate(
      error_step("ERR unknown subcommand '" + echoed(args[1]) + "'. Try COMMAND HELP."));
}

}  // namespace

std::string resp_error_text(const Status& status) {
  assert(!status.is_ok());
  switch (status.code()) {
    case StatusCode::kTooLarge:
      return "TOOLARGE " + status.message();
    case StatusCode::kInvalidArgument:
      return "ERR " + status.message();
    default:
      return "ERR " + status.to_string();
  }
}

std::size_t resp_command_count() {
  return std::size(kCommands);
}

RespCommandPlan plan_resp_command(std::vector<std::string> args, const RespServerInfo& info) {
  assert(!args.empty());
  for (const auto& command : kCommands) {
    if (!equals_ignore_case(args[0], command.name)) continue;
    if (args.size() < command.args_min || args.size() > command.args_max) {
      return immediate(error_step(arity_error(command.name)));
    }
    RespCommandPlan plan = command.plan(args, info);
    assert(plan.first.finished() || plan.first.then);
    return plan;
  }
  return immediate(error_step("ERR unknown command '" + echoed(args[0]) + "'"));
}

}  // namespace ringkv::api
