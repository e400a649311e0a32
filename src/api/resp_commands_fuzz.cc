// libFuzzer target for the RESP command layer (built with clang by scripts/fuzz.sh; links
// ringkv_api). The input is a stream of RESP requests, parsed as a connection parses them and
// planned in order with one session, so the fuzzer explores sequences: HELLO then replies in
// RESP3, SELECT, CLIENT SETNAME, MULTI / EXEC with queued commands, COMMAND DOCS of any name.
// Each command runs to completion against a small in-memory store. Checked for every reply:
// it is exactly one well-formed RESP2 or RESP3 reply, a command takes a bounded number of steps,
// every request addresses one of the configured buckets (an empty key is answered as the core
// answers it), scans ask for what the core accepts, and the session stays consistent (a known
// protocol and database, a bounded MULTI queue).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "api/resp_commands.h"
#include "api/resp_parser.h"
#include "api/resp_session.h"
#include "core/scan/scan_page.h"

namespace {

using ringkv::api::RespProtocol;

void check(bool condition) {
  if (!condition) std::abort();
}

// The end of the one reply starting at `at`, or npos when malformed. Depth is bounded by the
// replies ringkv writes (COMMAND DOCS nests arguments a few levels).
std::size_t reply_end(std::string_view reply, std::size_t at, int depth) {
  if (depth > 32 || at >= reply.size()) return std::string_view::npos;
  const std::size_t line_end = reply.find("\r\n", at);
  if (line_end == std::string_view::npos) return std::string_view::npos;
  const std::string_view line = reply.substr(at + 1, line_end - at - 1);
  if (line.find('\n') != std::string_view::npos || line.find('\r') != std::string_view::npos) {
    return std::string_view::npos;
  }
  const std::size_t after = line_end + 2;
  const char type = reply[at];
  switch (type) {
    case '+':
    case '-':
    case ':':
    case ',':
    case '(':
      return after;
    case '_':
      return line.empty() ? after : std::string_view::npos;
    case '#':
      return line == "t" || line == "f" ? after : std::string_view::npos;
    default:
      break;
  }
  const bool digits = !line.empty() && line.size() <= 18 &&
                      line.find_first_not_of("0123456789") == std::string_view::npos;
  if (!digits && line != "-1") return std::string_view::npos;
  const long long count = std::atoll(std::string(line).c_str());
  if (type == '$' || type == '=') {
    if (count == -1 && type == '$') return after;
    if (count < 0) return std::string_view::npos;
    const std::size_t end = after + static_cast<std::size_t>(count);
    if (end + 2 > reply.size() || reply.substr(end, 2) != "\r\n") return std::string_view::npos;
    if (type == '=' && (count < 4 || reply[after + 3] != ':')) return std::string_view::npos;
    return end + 2;
  }
  if (type != '*' && type != '%' && type != '~') return std::string_view::npos;
  if (count == -1 && type == '*') return after;
  if (count < 0) return std::string_view::npos;
  const long long elements = type == '%' ? count * 2 : count;
  std::size_t position = after;
  for (long long i = 0; i < elements; ++i) {
    position = reply_end(reply, position, depth + 1);
    if (position == std::string_view::npos) return position;
  }
  return position;
}

// A store with just enough semantics for the commands' branches: values per bucket and key, a
// context that changes with every write, siblings when a write's context is stale.
class Store {
 public:
  ringkv::core::ClientReply apply(const ringkv::core::ClientRequest& request) {
    ringkv::core::ClientReply reply;
    check(request.bucket == "default" || request.bucket == "other");
    if (request.op == ringkv::core::ClientOp::kScan) return scan(request);
    if (request.key.empty()) {
      // Planners pass an empty key on (`GET ""`); the core refuses it (Node::validate_request).
      reply.status = ringkv::Status::invalid_argument("key must not be empty");
      return reply;
    }
    if (request.key == "fail") {
      reply.status = ringkv::Status::timeout("the fuzzer's store fails key 'fail'");
      return reply;
    }
    Entry& entry = entries_[request.bucket + "/" + request.key];
    const std::string current = "c" + std::to_string(entry.version);
    if (request.op == ringkv::core::ClientOp::kGet) {
      reply.values = entry.values;
      reply.context = current;
      return reply;
    }
    if (request.supersede_known || request.context == current) entry.values.clear();
    if (request.op == ringkv::core::ClientOp::kPut && entry.values.size() < 4) {
      entry.values.push_back(request.value);
    }
    ++entry.version;
    return reply;
  }

  // A scan call: keys with values after the cursor ("k<key>"), at most COUNT (1 to the core's
  // maximum); counting calls count every key at once. Key "fail" fails the call.
  ringkv::core::ClientReply scan(const ringkv::core::ClientRequest& request) {
    ringkv::core::ClientReply reply;
    const auto& query = request.scan;
    check(request.key.empty());
    check(query.count <= ringkv::core::kScanCountMax);
    check(query.count_only || query.count >= 1);
    check(query.cursor == "0" || (query.cursor.size() > 1 && query.cursor[0] == 'k'));
    const std::string prefix = request.bucket + "/";
    auto it = query.cursor == "0" ? entries_.lower_bound(prefix)
                                  : entries_.upper_bound(prefix + query.cursor.substr(1));
    reply.scan.cursor = "0";
    for (; it != entries_.end() && it->first.starts_with(prefix); ++it) {
      if (it->second.values.empty()) continue;
      const std::string key = it->first.substr(prefix.size());
      if (key == "fail") {
        reply.status = ringkv::Status::unavailable("the fuzzer's store fails scans over 'fail'");
        return reply;
      }
      if (query.count_only) {
        ++reply.scan.count;
        continue;
      }
      if (reply.scan.keys.size() == query.count) {
        reply.scan.cursor = "k" + reply.scan.keys.back();
        break;
      }
      reply.scan.keys.push_back(key);
    }
    return reply;
  }

 private:
  struct Entry {
    std::vector<std::string> values;
    int version = 0;
  };
  std::map<std::string, Entry> entries_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ringkv::api::RespParserLimits limits;
  limits.args_max = 16;
  limits.bulk_bytes_max = 256;
  limits.command_bytes_max = 1024;
  limits.inline_bytes_max = 1024;
  ringkv::api::RespParser parser(limits);
  parser.feed(std::string_view(reinterpret_cast<const char*>(data), size));

  ringkv::api::RespSession session;
  session.client_id = 1;
  session.address = "127.0.0.1:50000";
  session.local_address = "127.0.0.1:6379";
  ringkv::api::RespServerInfo info;
  info.databases = {"default", "other"};
  info.now_ms = 1000;
  info.unix_time_us = 1'700'000'000'000'000;
  info.memory = [] { return ringkv::api::RespMemoryInfo{1 << 20, 1 << 20, 2 << 20, 1 << 30}; };
  info.keyspace = [](std::string_view) {
    return std::optional<ringkv::api::RespKeyspaceInfo>(ringkv::api::RespKeyspaceInfo{3, 0});
  };
  info.for_each_client = [&session](const auto& visit) { visit(session); };
  info.keys_max = 8;                   // KEYS fails past 8 keys.
  info.allow_flush = (size % 2) == 0;  // Both answers of FLUSHDB.
  Store store;

  for (int commands = 0; commands < 64; ++commands) {
    auto next = parser.next();
    if (!next.is_ok() || !next->has_value()) break;
    ringkv::api::RespCommandPlan plan =
        ringkv::api::plan_resp_command(std::move(**next), session, info);
    ringkv::api::RespStep step = std::move(plan.first);
    for (int steps = 0; !step.finished(); ++steps) {
      // EXEC: at most four steps per queued command (FLUSHALL of two databases: a scan and its
      // deletes each, when no database holds more keys than one scan call returns).
      check(steps < 4 * 64 + 4);
      check(static_cast<bool>(step.then));
      std::vector<ringkv::core::ClientReply> replies;
      for (const auto& request : step.requests) replies.push_back(store.apply(request));
      step = step.then(std::move(replies));
    }
    check(reply_end(step.reply, 0, 0) == step.reply.size());
    check(session.protocol == RespProtocol::kResp2 || session.protocol == RespProtocol::kResp3);
    check(session.database < info.databases.size());
    check(session.bucket == info.databases[session.database]);
    check(session.transaction.active || session.transaction.queued.empty());
    check(session.transaction.queued.size() <= ringkv::api::kRespTransactionCommandsMax);
    if (step.close_connection) break;
  }
  return 0;
}
