// The connection's commands: PING, ECHO, HELLO, AUTH, CLIENT, SELECT, RESET, QUIT. They answer
// from the session and the host's RespServerInfo alone; none reaches the node.
//
// Authentication: ringkv has no users or passwords yet (README, "Where things stand"), so it
// answers as a Redis server without `requirepass` does, whose only user is "default" with
// `nopass`: AUTH default <anything> and HELLO ... AUTH default <anything> succeed, any other user
// gets WRONGPASS, and the one-argument AUTH <password> gets Redis's "called without any password
// configured" error. Clients configured with the default user and an empty or any password
// (node-redis, redis-py, ioredis send `AUTH default ""` or `HELLO 3 AUTH default ...`) connect.
#include <algorithm>
#include <string>

#include "api/resp_planner.h"

namespace ringkv::api {
namespace {

// Names and library attributes are echoed by CLIENT LIST for every connection: bounded so a
// client cannot make that reply huge. Redis sets no such bound; real names are short.
constexpr std::size_t kClientAttributeBytesMax = 1024;

// Redis's rule for CLIENT SETNAME and SETINFO values: printable ASCII without spaces, so the
// space-separated CLIENT LIST stays parseable. Empty when valid, else the error.
std::string check_client_attribute(std::string_view value, std::string_view what) {
  if (value.size() > kClientAttributeBytesMax) {
    return "ERR " + std::string(what) + " is limited to " +
           std::to_string(kClientAttributeBytesMax) + " bytes in ringkv";
  }
  const bool printable =
      std::all_of(value.begin(), value.end(), [](char c) { return c >= '!' && c <= '~'; });
  if (printable) return "";
  if (what == "Client names") {
    return "ERR Client names cannot contain spaces, newlines or special characters.";
  }
  return "ERR " + std::string(what) + " cannot contain spaces, newlines or special characters.";
}

// One line of CLIENT LIST / CLIENT INFO in Redis's format (networking.c, catClientInfoString),
// without the buffer and memory fields ringkv does not measure per connection.
std::string client_line(const RespSession& session, std::uint64_t now_ms) {
  const auto seconds_since = [now_ms](std::uint64_t then_ms) {
    return std::to_string(now_ms > then_ms ? (now_ms - then_ms) / 1000 : 0);
  };
  const bool in_multi = session.transaction.active;
  std::string line;
  line += "id=" + std::to_string(session.client_id);
  line += " addr=" + session.address;
  line += " laddr=" + session.local_address;
  line += " fd=" + std::to_string(session.fd);
  line += " name=" + session.name;
  line += " age=" + seconds_since(session.connected_at_ms);
  line += " idle=" + seconds_since(session.last_command_at_ms);
  line += std::string(" flags=") + (in_multi ? "x" : "N");
  line += " db=" + std::to_string(session.database);
  line += " sub=0 psub=0 ssub=0";
  line += " multi=" +
          (in_multi ? std::to_string(session.transaction.queued.size()) : std::string("-1"));
  line += " cmd=" + (session.last_command.empty() ? std::string("NULL") : session.last_command);
  line += " user=default redir=-1";
  line += " resp=" + std::to_string(static_cast<int>(session.protocol));
  line += " lib-name=" + session.lib_name;
  line += " lib-ver=" + session.lib_ver;
  line += "\n";
  return line;
}

RespStep text_step(RespProtocol protocol, std::string_view text) {
  RespWriter out(protocol);
  out.verbatim(text);
  return reply_step(std::move(out));
}

RespCommandPlan plan_client_list(RespArgs& args, RespSession& session, const RespServerInfo& info) {
  bool any_type = true;
  bool wanted_type = true;  // TYPE normal (every RESP connection is a normal client)
  std::vector<std::uint64_t> ids;
  for (std::size_t i = 2; i < args.size(); ++i) {
    const std::string option = lowercase(echoed(args[i]));
    if (option == "type" && i + 1 < args.size()) {
      const std::string type = lowercase(echoed(args[++i]));
      if (type != "normal" && type != "master" && type != "replica" && type != "slave" &&
          type != "pubsub") {
        return immediate(error_step("ERR Unknown client type '" + echoed(args[i]) + "'"));
      }
      any_type = false;
      wanted_type = type == "normal";
    } else if (option == "id" && i + 1 < args.size()) {
      for (++i; i < args.size(); ++i) {
        const auto id = parse_resp_integer(args[i]);
        if (!id || *id <= 0) return immediate(error_step("ERR Invalid client ID"));
        ids.push_back(static_cast<std::uint64_t>(*id));
      }
    } else {
      return immediate(error_step(kRespSyntaxError));
    }
  }
  std::string text;
  const auto add = [&](const RespSession& client) {
    if (!any_type && !wanted_type) return;
    if (!ids.empty() && std::find(ids.begin(), ids.end(), client.client_id) == ids.end()) return;
    text += client_line(client, info.now_ms);
  };
  if (info.for_each_client) {
    info.for_each_client(add);
  } else {
    add(session);
  }
  return immediate(text_step(session.protocol, text));
}

RespCommandPlan plan_client_setinfo(RespArgs& args, RespSession& session) {
  const std::string attribute = lowercase(echoed(args[2]));
  std::string* destination = nullptr;
  if (attribute == "lib-name") {
    destination = &session.lib_name;
  } else if (attribute == "lib-ver") {
    destination = &session.lib_ver;
  } else {
    return immediate(error_step("ERR Unrecognized option '" + echoed(args[2]) + "'"));
  }
  const std::string error = check_client_attribute(args[3], attribute);
  if (!error.empty()) return immediate(error_step(error));
  *destination = std::move(args[3]);
  return immediate(simple_step("OK"));
}

RespCommandPlan on_off(const RespArgs& args) {
  const std::string value = lowercase(echoed(args[2]));
  if (value != "on" && value != "off") return immediate(error_step(kRespSyntaxError));
  return immediate(simple_step("OK"));
}

RespCommandPlan client_help(RespProtocol protocol) {
  static constexpr std::string_view kLines[] = {
      "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "ID",
      "    Return the ID of the current connection.",
      "GETNAME",
      "    Return the name of the current connection.",
      "SETNAME <name>",
      "    Assign the name <name> to the current connection.",
      "SETINFO <LIB-NAME|LIB-VER> <value>",
      "    Set the client library name or version of the current connection.",
      "INFO",
      "    Return information about the current client connection.",
      "LIST [TYPE NORMAL] [ID <id> [<id> ...]]",
      "    Return information about the client connections of this node's RESP port.",
      "NO-EVICT (ON|OFF), NO-TOUCH (ON|OFF)",
      "    Accepted; ringkv neither evicts clients nor tracks key access.",
      "GETREDIR",
      "    Return -1: client-side caching (TRACKING) is not supported.",
      "HELP",
      "    Print this help.",
  };
  RespWriter out(protocol);
  out.array(std::size(kLines));
  for (const auto line : kLines) out.simple(line);
  return immediate(reply_step(std::move(out)));
}

}  // namespace

RespCommandPlan plan_ping(RespArgs& args, RespSession&, const RespServerInfo&) {
  if (args.size() == 1) return immediate(simple_step("PONG"));
  return immediate(bulk_step(args[1]));
}

RespCommandPlan plan_echo(RespArgs& args, RespSession&, const RespServerInfo&) {
  return immediate(bulk_step(args[1]));
}

RespCommandPlan plan_hello(RespArgs& args, RespSession& session, const RespServerInfo&) {
  std::optional<RespProtocol> protocol;
  std::size_t next = 1;
  if (args.size() >= 2) {
    const auto version = parse_resp_integer(args[next++]);
    if (!version) {
      return immediate(error_step("ERR Protocol version is not an integer or out of range"));
    }
    if (*version != 2 && *version != 3) {
      return immediate(error_step("NOPROTO unsupported protocol version"));
    }
    protocol = *version == 3 ? RespProtocol::kResp3 : RespProtocol::kResp2;
  }
  const std::string* username = nullptr;
  const std::string* name = nullptr;
  for (std::size_t i = next; i < args.size(); ++i) {
    const std::size_t more = args.size() - 1 - i;
    const std::string option = lowercase(echoed(args[i]));
    if (option == "auth" && more >= 2) {
      username = &args[i + 1];
      i += 2;
    } else if (option == "setname" && more >= 1) {
      const std::string error = check_client_attribute(args[i + 1], "Client names");
      if (!error.empty()) return immediate(error_step(error));
      name = &args[i + 1];
      i += 1;
    } else {
      return immediate(error_step("ERR Syntax error in HELLO option '" + echoed(args[i]) + "'"));
    }
  }
  if (username != nullptr && *username != "default") {
    return immediate(error_step("WRONGPASS invalid username-password pair or user is disabled."));
  }
  if (name != nullptr) session.name = *name;
  if (protocol) session.protocol = *protocol;
  // The reply is already in the new protocol, as Redis sends it.
  RespWriter out = session.writer();
  out.map(7);
  out.bulk("server");
  out.bulk("ringkv");
  out.bulk("version");
  out.bulk(kRespRedisVersion);
  out.bulk("proto");
  out.integer(static_cast<int>(session.protocol));
  out.bulk("id");
  out.integer(static_cast<std::int64_t>(session.client_id));
  // A ringkv node is one entry point to the whole keyspace: clients must not try Redis Cluster's
  // slot routing, which "cluster" would ask for.
  out.bulk("mode");
  out.bulk("standalone");
  out.bulk("role");
  out.bulk("master");
  out.bulk("modules");
  out.array(0);
  return immediate(reply_step(std::move(out)));
}

RespCommandPlan plan_auth(RespArgs& args, RespSession&, const RespServerInfo&) {
  if (args.size() > 3) return immediate(error_step(kRespSyntaxError));
  if (args.size() == 2) {
    return immediate(error_step(
        "ERR AUTH <password> called without any password configured for the default user. "
        "Are you sure your configuration is correct?"));
  }
  if (args[1] != "default") {
    return immediate(error_step("WRONGPASS invalid username-password pair or user is disabled."));
  }
  return immediate(simple_step("OK"));
}

RespCommandPlan plan_client(RespArgs& args, RespSession& session, const RespServerInfo& info) {
  const std::string sub = lowercase(echoed(args[1]));
  const auto exactly = [&](std::size_t count) { return args.size() == count; };
  const auto arity = [&] { return immediate(error_step(arity_error("client|" + sub))); };
  if (sub == "id") {
    if (!exactly(2)) return arity();
    return immediate(integer_step(static_cast<std::int64_t>(session.client_id)));
  }
  if (sub == "getname") {
    if (!exactly(2)) return arity();
    if (session.name.empty()) {
      RespWriter out = session.writer();
      out.null();
      return immediate(reply_step(std::move(out)));
    }
    return immediate(bulk_step(session.name));
  }
  if (sub == "setname") {
    if (!exactly(3)) return arity();
    const std::string error = check_client_attribute(args[2], "Client names");
    if (!error.empty()) return immediate(error_step(error));
    session.name = std::move(args[2]);
    return immediate(simple_step("OK"));
  }
  if (sub == "setinfo") {
    if (!exactly(4)) return arity();
    return plan_client_setinfo(args, session);
  }
  if (sub == "info") {
    if (!exactly(2)) return arity();
    return immediate(text_step(session.protocol, client_line(session, info.now_ms)));
  }
  if (sub == "list") return plan_client_list(args, session, info);
  if (sub == "no-evict" || sub == "no-touch") {
    // ringkv evicts neither clients nor keys, so both modes are what it does anyway.
    if (!exactly(3)) return arity();
    return on_off(args);
  }
  if (sub == "getredir") {
    if (!exactly(2)) return arity();
    return immediate(integer_step(-1));
  }
  if (sub == "help") {
    if (!exactly(2)) return arity();
    return client_help(session.protocol);
  }
  if (sub == "reply" || sub == "tracking" || sub == "caching" || sub == "trackinginfo" ||
      sub == "kill" || sub == "pause" || sub == "unpause" || sub == "unblock") {
    return immediate(error_step("ERR CLIENT " + std::string(echoed(args[1])) +
                                " is not supported by ringkv (see docs/REDIS.md)"));
  }
  return immediate(error_step(unknown_subcommand_error(args[1], "CLIENT")));
}

RespCommandPlan plan_select(RespArgs& args, RespSession& session, const RespServerInfo& info) {
  const auto index = parse_resp_integer(args[1]);
  if (!index) return immediate(error_step(kRespNotAnInteger));
  if (*index < 0 || static_cast<std::uint64_t>(*index) >= info.databases.size()) {
    return immediate(error_step("ERR DB index is out of range"));
  }
  session.database = static_cast<std::size_t>(*index);
  session.bucket = info.databases[session.database];
  return immediate(simple_step("OK"));
}

RespCommandPlan plan_reset(RespArgs&, RespSession& session, const RespServerInfo& info) {
  session.transaction = RespTransaction();
  session.protocol = RespProtocol::kResp2;
  session.name.clear();
  session.database = 0;
  session.bucket =
      info.databases.empty() ? std::string(kRespDefaultBucket) : info.databases.front();
  return immediate(simple_step("RESET"));
}

RespCommandPlan plan_quit(RespArgs&, RespSession&, const RespServerInfo&) {
  RespStep step = simple_step("OK");
  step.close_connection = true;
  return immediate(std::move(step));
}

}  // namespace ringkv::api
