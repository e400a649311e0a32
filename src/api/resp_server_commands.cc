// The server's commands: INFO, TIME, COMMAND, CONFIG. INFO reports what the host measured
// (RespServerInfo) under Redis's field names, so `redis-cli --stat`, redis_exporter and client
// libraries read real numbers; fields ringkv has no honest value for are left out, except those
// that are true by construction (blocked_clients:0: nothing blocks; loading:0: nothing loads).
// COMMAND publishes the command table (api/resp_planner.h) in Redis 7's formats.
#include <cstdio>
#include <unordered_set>

#include "api/resp_command_syntax.h"
#include "api/resp_planner.h"
#include "common/glob.h"
#include "common/invariant.h"

namespace ringkv::api {
namespace {

// Redis's bytesToHuman: "512B", "1.50K", "3.00M", "2.00G".
std::string human_bytes(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"K", "M", "G", "T", "P"};
  if (bytes < 1024) return std::to_string(bytes) + "B";
  double value = static_cast<double>(bytes) / 1024;
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof(text), "%.2f%s", value, kUnits[unit]);
  return text;
}

class InfoText {
 public:
  void field(std::string_view key, std::string_view value) {
    text_.append(key);
    text_.push_back(':');
    text_.append(value);
    text_.append("\r\n");
  }
  void field(std::string_view key, std::uint64_t value) { field(key, std::to_string(value)); }
  void field(std::string_view key, std::int64_t value) { field(key, std::to_string(value)); }
  void field(std::string_view key, int value) { field(key, std::to_string(value)); }
  void header(std::string_view title) {
    text_.append("# ");
    text_.append(title);
    text_.append("\r\n");
  }
  std::string& text() { return text_; }

 private:
  std::string text_;
};

void comma_list(std::string& out, const std::vector<std::string>& items) {
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ",";
    out += items[i];
  }
}

// One INFO section, or an empty string for a name INFO does not know (as in Redis).
std::string info_section(std::string_view name, const RespSession& session,
                         const RespServerInfo& info) {
  InfoText out;
  if (name == "server") {
    out.header("Server");
    // Clients and tools branch on redis_version; see kRespRedisVersion.
    out.field("redis_version", kRespRedisVersion);
    out.field("redis_mode", "standalone");
    if (!info.os.empty()) out.field("os", info.os);
    out.field("arch_bits", static_cast<int>(sizeof(void*) * 8));
    out.field("process_id", info.process_id);
    out.field("tcp_port", static_cast<std::uint64_t>(info.tcp_port));
    out.field("uptime_in_seconds", info.uptime_seconds);
    out.field("uptime_in_days", info.uptime_seconds / 86400);
    out.field("ringkv_bucket", session.bucket);  // The one this connection addresses.
    std::string databases;
    comma_list(databases, info.databases);
    out.field("ringkv_databases", databases);
    out.field("ringkv_value_max_bytes", info.value_max_bytes);
    out.field("ringkv_conflicts", "siblings (GETALL/SETCTX/DELCTX expose them)");
  } else if (name == "clients") {
    out.header("Clients");
    out.field("connected_clients", info.connected_clients);
    if (info.max_clients > 0) out.field("maxclients", info.max_clients);
    out.field("blocked_clients", 0);  // No command blocks in ringkv.
    out.field("tracking_clients", 0);
  } else if (name == "memory") {
    out.header("Memory");
    if (info.memory) {
      const RespMemoryInfo memory = info.memory();
      out.field("used_memory", memory.used_bytes);
      out.field("used_memory_human", human_bytes(memory.used_bytes));
      out.field("used_memory_rss", memory.rss_bytes);
      out.field("used_memory_rss_human", human_bytes(memory.rss_bytes));
      out.field("used_memory_peak", memory.peak_bytes);
      out.field("used_memory_peak_human", human_bytes(memory.peak_bytes));
      if (memory.total_system_bytes > 0) {
        out.field("total_system_memory", memory.total_system_bytes);
        out.field("total_system_memory_human", human_bytes(memory.total_system_bytes));
      }
    }
    // ringkv has no memory limit of Redis's kind: values live in the storage engine.
    out.field("maxmemory", 0);
    out.field("maxmemory_human", "0B");
    out.field("maxmemory_policy", "noeviction");
  } else if (name == "persistence") {
    // Durability is the storage engine's (docs/OPERATIONS.md, "Durability and shutdown"): there
    // are no RDB snapshots or AOF rewrites to be in progress, and nothing loads at start.
    out.header("Persistence");
    out.field("loading", 0);
    out.field("rdb_bgsave_in_progress", 0);
    out.field("aof_enabled", 0);
    out.field("aof_rewrite_in_progress", 0);
  } else if (name == "stats") {
    out.header("Stats");
    out.field("total_connections_received", info.total_connections_received);
    out.field("total_commands_processed", info.total_commands_processed);
    out.field("instantaneous_ops_per_sec", info.instantaneous_ops_per_sec);
    out.field("rejected_connections", info.rejected_connections);
  } else if (name == "replication") {
    // Replication in ringkv is Dynamo-style between peers, not Redis primaries and replicas.
    out.header("Replication");
    out.field("role", "master");
    out.field("connected_slaves", 0);
  } else if (name == "keyspace") {
    out.header("Keyspace");
    if (info.keyspace) {
      for (std::size_t db = 0; db < info.databases.size(); ++db) {
        const auto counts = info.keyspace(info.databases[db]);
        if (!counts || counts->keys == 0) continue;  // Redis lists only non-empty databases.
        out.field("db" + std::to_string(db), "keys=" + std::to_string(counts->keys) + ",expires=" +
                                                 std::to_string(counts->expires) + ",avg_ttl=0");
      }
    }
  }
  return std::move(out.text());
}

constexpr std::string_view kDefaultSections[] = {"server", "clients",     "memory",  "persistence",
                                                 "stats",  "replication", "keyspace"};

// --- COMMAND -----------------------------------------------------------------------------------

struct FlagName {
  std::uint32_t flag;
  std::string_view name;
};

constexpr FlagName kFlagNames[] = {
    {kRespWrite, "write"},    {kRespReadonly, "readonly"},        {kRespDenyOom, "denyoom"},
    {kRespAdmin, "admin"},    {kRespNoscript, "noscript"},        {kRespLoading, "loading"},
    {kRespStale, "stale"},    {kRespSkipSlowlog, "skip_slowlog"}, {kRespFast, "fast"},
    {kRespNoAuth, "no_auth"}, {kRespAllowBusy, "allow_busy"},
};

std::vector<std::string_view> flag_names(const RespCommandSpec& spec) {
  std::vector<std::string_view> names;
  for (const auto& [flag, name] : kFlagNames) {
    if ((spec.flags & flag) != 0) names.push_back(name);
  }
  return names;
}

// The ACL categories: those the flags imply, then the declared ones, then @fast or @slow.
std::vector<std::string_view> categories(const RespCommandSpec& spec) {
  std::vector<std::string_view> out;
  if ((spec.flags & kRespWrite) != 0) out.push_back("@write");
  if ((spec.flags & kRespReadonly) != 0) out.push_back("@read");
  if ((spec.flags & kRespAdmin) != 0) {
    out.push_back("@admin");
    out.push_back("@dangerous");
  }
  std::string_view rest = spec.categories;
  while (!rest.empty()) {
    const std::size_t space = rest.find(' ');
    const std::string_view category = rest.substr(0, space);
    bool seen = category.empty();
    for (const auto existing : out) seen = seen || existing == category;
    if (!seen) out.push_back(category);
    rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
  }
  out.push_back((spec.flags & kRespFast) != 0 ? "@fast" : "@slow");
  return out;
}

void write_command_info(RespWriter& out, const RespCommandSpec& spec) {
  out.array(10);
  out.bulk(spec.name);
  out.integer(spec.arity);
  const auto flags = flag_names(spec);
  out.set(flags.size());
  for (const auto flag : flags) out.simple(flag);
  out.integer(spec.keys.first);
  out.integer(spec.keys.last);
  out.integer(spec.keys.step);
  const auto acl = categories(spec);
  out.set(acl.size());
  for (const auto category : acl) out.simple(category);
  out.set(0);    // Tips.
  out.set(0);    // Key specifications: the legacy positions above describe every command.
  out.array(0);  // Subcommands: containers list theirs in COMMAND DOCS' syntax.
}

void write_argument_doc(RespWriter& out, const RespArgumentDoc& argument) {
  const bool has_flags = argument.optional || argument.multiple;
  out.map(2 + (argument.token.empty() ? 0 : 1) + (has_flags ? 1 : 0) +
          (argument.arguments.empty() ? 0 : 1));
  out.bulk("name");
  out.bulk(argument.name);
  out.bulk("type");
  out.bulk(argument.type);
  if (!argument.token.empty()) {
    out.bulk("token");
    out.bulk(argument.token);
  }
  if (has_flags) {
    out.bulk("flags");
    out.set((argument.optional ? 1 : 0) + (argument.multiple ? 1 : 0));
    // redis-cli asserts these are simple strings.
    if (argument.optional) out.simple("optional");
    if (argument.multiple) out.simple("multiple");
  }
  if (!argument.arguments.empty()) {
    out.bulk("arguments");
    out.array(argument.arguments.size());
    for (const auto& child : argument.arguments) write_argument_doc(out, child);
  }
}

void write_command_doc(RespWriter& out, const RespCommandSpec& spec) {
  auto arguments = parse_resp_syntax(spec.syntax);
  // The table's syntax strings are ours and a test parses every one of them.
  RINGKV_INVARIANT(arguments.is_ok());
  out.bulk(spec.name);
  out.map(4 + (arguments->empty() ? 0 : 1));
  out.bulk("summary");
  out.bulk(spec.summary);
  out.bulk("since");
  out.bulk(spec.since);
  out.bulk("group");
  out.bulk(spec.group);
  out.bulk("complexity");
  out.bulk(spec.complexity);
  if (!arguments->empty()) {
    out.bulk("arguments");
    out.array(arguments->size());
    for (const auto& argument : *arguments) write_argument_doc(out, argument);
  }
}

// The commands named in args[from...], known ones only (unknown names are skipped, as in Redis),
// or the whole table when none is named.
std::vector<const RespCommandSpec*> named_commands(const RespArgs& args, std::size_t from) {
  std::vector<const RespCommandSpec*> specs;
  if (args.size() <= from) {
    for (const auto& spec : resp_command_table()) specs.push_back(&spec);
    return specs;
  }
  std::unordered_set<const RespCommandSpec*> seen;
  for (std::size_t i = from; i < args.size(); ++i) {
    const RespCommandSpec* spec = find_resp_command(args[i]);
    if (spec != nullptr && seen.insert(spec).second) specs.push_back(spec);
  }
  return specs;
}

RespCommandPlan command_list(const RespArgs& args, RespProtocol protocol) {
  std::vector<std::string_view> names;
  if (args.size() == 2) {
    for (const auto& spec : resp_command_table()) names.push_back(spec.name);
  } else if (args.size() == 5 && equals_ignore_case(args[2], "filterby")) {
    const std::string filter = lowercase(echoed(args[3]));
    const GlobPattern pattern(args[4], /*nocase=*/true);  // As Redis matches command names.
    for (const auto& spec : resp_command_table()) {
      if (filter == "pattern") {
        if (pattern.matches(spec.name)) names.push_back(spec.name);
      } else if (filter == "aclcat") {
        const std::string wanted = "@" + lowercase(echoed(args[4]));
        for (const auto category : categories(spec)) {
          if (category == wanted) names.push_back(spec.name);
        }
      } else if (filter != "module") {  // ringkv has no modules: MODULE matches nothing.
        return immediate(error_step(kRespSyntaxError));
      }
    }
  } else {
    return immediate(error_step(kRespSyntaxError));
  }
  RespWriter out(protocol);
  out.array(names.size());
  for (const auto name : names) out.bulk(name);
  return immediate(reply_step(std::move(out)));
}

RespCommandPlan command_getkeys(const RespArgs& args, RespProtocol protocol) {
  if (args.size() < 3) return immediate(error_step(arity_error("command|getkeys")));
  const RespCommandSpec* spec = find_resp_command(args[2]);
  if (spec == nullptr) return immediate(error_step("ERR Invalid command specified"));
  const std::size_t count = args.size() - 2;
  if (!resp_arity_ok(*spec, count)) {
    return immediate(error_step("ERR Invalid number of arguments specified for command"));
  }
  if (spec->keys.first <= 0 || spec->keys.step <= 0) {
    return immediate(error_step("ERR The command has no key arguments"));
  }
  const int last =
      spec->keys.last < 0 ? static_cast<int>(count) + spec->keys.last : spec->keys.last;
  std::vector<std::string_view> keys;
  for (int i = spec->keys.first; i <= last && i < static_cast<int>(count); i += spec->keys.step) {
    keys.push_back(args[2 + static_cast<std::size_t>(i)]);
  }
  RespWriter out(protocol);
  out.array(keys.size());
  for (const auto key : keys) out.bulk(key);
  return immediate(reply_step(std::move(out)));
}

RespCommandPlan help_lines(RespProtocol protocol, std::initializer_list<std::string_view> lines) {
  RespWriter out(protocol);
  out.array(lines.size());
  for (const auto line : lines) out.simple(line);
  return immediate(reply_step(std::move(out)));
}

}  // namespace

RespCommandPlan plan_info(RespArgs& args, RespSession& session, const RespServerInfo& info) {
  std::vector<std::string> wanted;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string section = lowercase(echoed(args[i]));
    if (section == "all" || section == "everything" || section == "default") {
      wanted.assign(std::begin(kDefaultSections), std::end(kDefaultSections));
      break;
    }
    wanted.push_back(section);
  }
  if (args.size() == 1) wanted.assign(std::begin(kDefaultSections), std::end(kDefaultSections));
  std::string text;
  std::unordered_set<std::string> written;
  for (const auto& section : wanted) {
    if (!written.insert(section).second) continue;
    const std::string body = info_section(section, session, info);
    if (body.empty()) continue;  // Unknown sections are empty, as in Redis.
    if (!text.empty()) text.append("\r\n");
    text.append(body);
  }
  RespWriter out = session.writer();
  out.verbatim(text);
  return immediate(reply_step(std::move(out)));
}

RespCommandPlan plan_time(RespArgs&, RespSession& session, const RespServerInfo& info) {
  const std::int64_t seconds = info.unix_time_us / 1'000'000;
  const std::int64_t micros = info.unix_time_us % 1'000'000;
  RespWriter out = session.writer();
  out.array(2);
  out.bulk(std::to_string(seconds));
  out.bulk(std::to_string(micros));
  return immediate(reply_step(std::move(out)));
}

RespCommandPlan plan_command(RespArgs& args, RespSession& session, const RespServerInfo&) {
  const RespProtocol protocol = session.protocol;
  const std::string sub = args.size() == 1 ? "info" : lowercase(echoed(args[1]));
  if (sub == "count") {
    if (args.size() != 2) return immediate(error_step(arity_error("command|count")));
    return immediate(integer_step(static_cast<std::int64_t>(resp_command_count())));
  }
  if (sub == "list") return command_list(args, protocol);
  if (sub == "info") {
    RespWriter out(protocol);
    if (args.size() <= 2) {
      const auto table = resp_command_table();
      out.array(table.size());
      for (const auto& spec : table) write_command_info(out, spec);
    } else {
      out.array(args.size() - 2);
      for (std::size_t i = 2; i < args.size(); ++i) {
        const RespCommandSpec* spec = find_resp_command(args[i]);
        if (spec == nullptr) {
          out.null_array();
        } else {
          write_command_info(out, *spec);
        }
      }
    }
    return immediate(reply_step(std::move(out)));
  }
  if (sub == "docs") {
    const auto specs = named_commands(args, 2);
    RespWriter out(protocol);
    out.map(specs.size());
    for (const RespCommandSpec* spec : specs) write_command_doc(out, *spec);
    return immediate(reply_step(std::move(out)));
  }
  if (sub == "getkeys") return command_getkeys(args, protocol);
  if (sub == "help") {
    return help_lines(
        protocol,
        {"COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", "(no subcommand)",
         "    Return details about all commands.", "COUNT",
         "    Return the total number of commands.",
         "LIST [FILTERBY (PATTERN <pattern>|ACLCAT <category>|MODULE <name>)]",
         "    Return the names of the commands, optionally filtered.", "INFO [<command-name> ...]",
         "    Return details about commands.", "DOCS [<command-name> ...]",
         "    Return documentation details about commands.", "GETKEYS <full-command>",
         "    Return the keys from a full command.", "HELP", "    Print this help."});
  }
  return immediate(error_step(unknown_subcommand_error(args[1], "COMMAND")));
}

RespCommandPlan plan_config(RespArgs& args, RespSession& session, const RespServerInfo& info) {
  const std::string sub = lowercase(echoed(args[1]));
  if (sub == "get") {
    if (args.size() < 3) return immediate(error_step(arity_error("config|get")));
    // What benchmark tools and exporters ask for, answered for a server without Redis's
    // persistence and memory settings.
    const std::string databases = std::to_string(info.databases.size());
    const std::pair<std::string_view, std::string_view> settings[] = {
        {"save", ""},
        {"appendonly", "no"},
        {"databases", databases},
        {"maxmemory", "0"},
        {"maxmemory-policy", "noeviction"},
    };
    // Redis's glob (common/glob.h), without case, as Redis matches parameter names. One pattern
    // is compiled at a time: a compiled pattern takes about 40 bytes per byte of pattern.
    std::vector<bool> matched(std::size(settings), false);
    for (std::size_t i = 2; i < args.size(); ++i) {
      const GlobPattern pattern(args[i], /*nocase=*/true);
      for (std::size_t s = 0; s < std::size(settings); ++s) {
        matched[s] = matched[s] || pattern.matches(settings[s].first);
      }
    }
    std::vector<std::pair<std::string_view, std::string_view>> matches;
    for (std::size_t s = 0; s < std::size(settings); ++s) {
      if (matched[s]) matches.push_back(settings[s]);
    }
    RespWriter out = session.writer();
    out.map(matches.size());
    for (const auto& [name, value] : matches) {
      out.bulk(name);
      out.bulk(value);
    }
    return immediate(reply_step(std::move(out)));
  }
  if (sub == "set" || sub == "rewrite" || sub == "resetstat") {
    return immediate(error_step("ERR CONFIG " + sub +
                                " is not supported: ringkv settings come from `ringkv serve` "
                                "flags and its config file"));
  }
  if (sub == "help") {
    return help_lines(
        session.protocol,
        {"CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", "GET <pattern>",
         "    Return parameters matching the glob-like <pattern> and their values.", "HELP",
         "    Print this help."});
  }
  return immediate(error_step(unknown_subcommand_error(args[1], "CONFIG")));
}

}  // namespace ringkv::api
