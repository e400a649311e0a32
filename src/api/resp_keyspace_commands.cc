// The commands over a whole database: SCAN, KEYS, DBSIZE, FLUSHDB and FLUSHALL, on the core's
// distributed key scan (ClientOp::kScan; docs/ARCHITECTURE.md, "The path of a scan"). For users:
// docs/REDIS.md, "SCAN, KEYS, DBSIZE and FLUSHDB across a cluster".
//
// SCAN is one scan call per command. The core's cursor names a key, so the client is given a
// number that stands for it in the host's ScanCursorTable (api/scan_cursor_table.h); "0" starts
// and ends a scan, as in Redis. KEYS, DBSIZE and FLUSHDB run every call of a scan, one after the
// other, each a step of the command: KEYS collects the keys up to resp_keys_max (and
// kRespKeysBytesMax) and fails past either, so it never answers a partial list; DBSIZE sums the
// calls' counts; FLUSHDB deletes each page's keys (as DEL does: a tombstone superseding what the
// coordinator saw) before asking for the next page, and FLUSHALL does so for every database.
#include <algorithm>
#include <deque>
#include <memory>
#include <unordered_set>

#include "api/resp_planner.h"
#include "common/invariant.h"
#include "core/datatypes/data_op.h"
#include "core/scan/scan_cursor.h"
#include "core/scan/scan_page.h"

namespace ringkv::api {
namespace {

using core::ClientReply;

bool scan_complete(const ClientReply& reply) {
  return reply.scan.cursor.empty() || reply.scan.cursor == core::kScanCursorStart;
}

// --- SCAN --------------------------------------------------------------------------------------

struct ScanOptions {
  std::uint32_t count = core::kScanCountDefault;
  std::string match;
  std::string type;
  // TYPE names a type no ringkv key has (list, zset, stream, or a name Redis does not know):
  // nothing can be returned, so the scan is complete at once. Redis 7.0 accepts any type name
  // and returns nothing for those.
  bool matches_nothing = false;
};

// SCAN's options from args[2] on, as Redis's scanGenericCommand reads them (any order, a later
// one overriding an earlier one); an error reply text otherwise. COUNT above kScanCountMax is
// clamped, as the core would.
std::optional<std::string> parse_scan_options(RespArgs& args, ScanOptions& options) {
  for (std::size_t i = 2; i < args.size(); i += 2) {
    const std::string option = lowercase(echoed(args[i]));
    if (i + 1 >= args.size()) return std::string(kRespSyntaxError);
    if (option == "count") {
      const auto count = parse_resp_integer(args[i + 1]);
      if (!count) return std::string(kRespNotAnInteger);
      if (*count < 1) return std::string(kRespSyntaxError);
      options.count = static_cast<std::uint32_t>(
          std::min<std::int64_t>(*count, std::int64_t{core::kScanCountMax}));
    } else if (option == "match") {
      options.match = std::move(args[i + 1]);
    } else if (option == "type") {
      // Redis compares type names without case.
      options.type = lowercase(echoed(args[i + 1]));
      options.matches_nothing =
          options.type != "string" && options.type != "hash" && options.type != "set";
    } else {
      return std::string(kRespSyntaxError);
    }
  }
  return std::nullopt;
}

RespStep scan_reply(RespProtocol protocol, std::string_view cursor,
                    const std::vector<std::string>& keys) {
  RespWriter out(protocol);
  out.array(2);
  out.bulk(cursor);
  out.array(keys.size());
  for (const auto& key : keys) out.bulk(key);
  return reply_step(std::move(out));
}

RespCommandPlan plan_scan(RespArgs& args, RespSession& session, const RespServerInfo& info) {
  RINGKV_INVARIANT(info.scan_cursors != nullptr);
  // The cursor first, as Redis checks it: "ERR invalid cursor" for one this node never gave.
  auto cursor = info.scan_cursors->from_client(args[1]);
  if (!cursor.is_ok()) return immediate(error_step(resp_error_text(cursor.status())));
  ScanOptions options;
  if (auto error = parse_scan_options(args, options)) return immediate(error_step(*error));
  if (options.matches_nothing) return immediate(scan_reply(session.protocol, "0", {}));
  RespCommandPlan plan;
  plan.all_keys = true;
  plan.first.requests.push_back(make_scan(session.bucket, std::move(cursor).value(), options.count,
                                          std::move(options.match), std::move(options.type),
                                          false));
  plan.first.then = [protocol = session.protocol,
                     cursors = info.scan_cursors](std::vector<ClientReply> replies) {
    RINGKV_INVARIANT(replies.size() == 1);
    const ClientReply& reply = replies[0];
    if (!reply.status.is_ok()) return error_step(resp_error_text(reply.status));
    return scan_reply(protocol, cursors->to_client(reply.scan.cursor), reply.scan.keys);
  };
  return plan;
}

// --- KEYS --------------------------------------------------------------------------------------

struct KeysRun {
  std::string bucket;
  std::string pattern;
  std::uint64_t keys_max = 0;
  RespProtocol protocol = RespProtocol::kResp2;
  // In scan order; `seen` points into it (a deque never moves its elements). A key comes twice
  // only when the ring changed during the scan.
  std::deque<std::string> keys;
  std::unordered_set<std::string_view> seen;
  std::size_t bytes = 0;
};

std::string keys_too_many(std::uint64_t keys_max) {
  return "ERR KEYS matches more than " + std::to_string(keys_max) +
         " keys (the resp_keys_max setting): iterate with SCAN instead";
}

RespStep keys_step(std::shared_ptr<KeysRun> run, std::string cursor) {
  RespStep step;
  step.requests.push_back(
      make_scan(run->bucket, std::move(cursor), core::kScanCountMax, run->pattern, {}, false));
  step.then = [run](std::vector<ClientReply> replies) {
    RINGKV_INVARIANT(replies.size() == 1);
    ClientReply& reply = replies[0];
    if (!reply.status.is_ok()) return error_step(resp_error_text(reply.status));
    for (auto& key : reply.scan.keys) {
      if (run->seen.contains(key)) continue;
      run->bytes += key.size();
      run->keys.push_back(std::move(key));
      run->seen.insert(run->keys.back());
    }
    if (run->keys.size() > run->keys_max) return error_step(keys_too_many(run->keys_max));
    if (run->bytes > kRespKeysBytesMax) {
      return error_step("ERR KEYS matches more than " +
                        std::to_string(kRespKeysBytesMax / (1024 * 1024)) +
                        " MiB of keys: iterate with SCAN instead");
    }
    if (!scan_complete(reply)) return keys_step(run, std::move(reply.scan.cursor));
    RespWriter out(run->protocol);
    out.array(run->keys.size());
    for (const auto& key : run->keys) out.bulk(key);
    return reply_step(std::move(out));
  };
  return step;
}

RespCommandPlan plan_keys(RespArgs& args, RespSession& session, const RespServerInfo& info) {
  auto run = std::make_shared<KeysRun>();
  run->bucket = session.bucket;
  run->pattern = std::move(args[1]);
  run->keys_max = info.keys_max;
  run->protocol = session.protocol;
  RespCommandPlan plan;
  plan.all_keys = true;
  plan.first = keys_step(std::move(run), std::string(core::kScanCursorStart));
  return plan;
}

// --- DBSIZE ------------------------------------------------------------------------------------

using CountDone = std::function<RespStep(Result<std::uint64_t>)>;

RespStep count_step(std::string bucket, std::string cursor, std::uint64_t counted, CountDone done) {
  RespStep step;
  step.requests.push_back(make_scan(bucket, std::move(cursor), 0, {}, {}, true));
  step.then = [bucket = std::move(bucket), counted,
               done = std::move(done)](std::vector<ClientReply> replies) {
    RINGKV_INVARIANT(replies.size() == 1);
    ClientReply& reply = replies[0];
    if (!reply.status.is_ok()) return done(reply.status);
    const std::uint64_t total = counted + reply.scan.count;
    if (scan_complete(reply)) return done(total);
    return count_step(bucket, std::move(reply.scan.cursor), total, done);
  };
  return step;
}

RespCommandPlan plan_dbsize(RespArgs&, RespSession& session, const RespServerInfo&) {
  RespCommandPlan plan;
  plan.all_keys = true;
  plan.first = count_keys_steps(session.bucket, [](Result<std::uint64_t> keys) {
    if (!keys.is_ok()) return error_step(resp_error_text(keys.status()));
    return integer_step(static_cast<std::int64_t>(*keys));
  });
  return plan;
}

// --- FLUSHDB, FLUSHALL -------------------------------------------------------------------------

struct FlushRun {
  std::string command;  // "FLUSHDB" or "FLUSHALL", for errors.
  std::vector<std::string> buckets;
  std::size_t bucket = 0;  // The one being flushed.
  std::uint64_t deleted = 0;
};

RespStep flush_failed(const FlushRun& run, const Status& status) {
  return error_step("ERR " + run.command + " stopped after deleting " +
                    std::to_string(run.deleted) +
                    " keys (run it again to go on): " + status.to_string());
}

RespStep flush_scan_step(std::shared_ptr<FlushRun> run, std::string cursor);

// After a page's deletes: the next page of the bucket, the next bucket, or the end.
RespStep flush_next(std::shared_ptr<FlushRun> run, std::string cursor) {
  if (!cursor.empty() && cursor != core::kScanCursorStart) {
    return flush_scan_step(std::move(run), std::move(cursor));
  }
  if (++run->bucket < run->buckets.size()) {
    return flush_scan_step(std::move(run), std::string(core::kScanCursorStart));
  }
  return simple_step("OK");
}

// Deletes one page's keys, all at once, then goes on from `cursor`.
RespStep flush_delete_step(std::shared_ptr<FlushRun> run, std::vector<std::string> keys,
                           std::string cursor) {
  RespStep step;
  const std::string& bucket = run->buckets[run->bucket];
  for (auto& key : keys) {
    step.requests.push_back(
        make_update(bucket, std::move(key), core::make_data_op(core::DataOpCode::kDelete)));
  }
  step.then = [run, cursor = std::move(cursor)](std::vector<ClientReply> replies) {
    for (const auto& reply : replies) {
      if (!reply.status.is_ok()) return flush_failed(*run, reply.status);
      auto result = core::decode_op_result(reply.result);
      if (!result.is_ok()) return flush_failed(*run, result.status());
      run->deleted += static_cast<std::uint64_t>(std::max<std::int64_t>(result->integer, 0));
    }
    return flush_next(run, cursor);
  };
  return step;
}

RespStep flush_scan_step(std::shared_ptr<FlushRun> run, std::string cursor) {
  RespStep step;
  step.requests.push_back(
      make_scan(run->buckets[run->bucket], std::move(cursor), core::kScanCountMax, {}, {}, false));
  step.then = [run](std::vector<ClientReply> replies) {
    RINGKV_INVARIANT(replies.size() == 1);
    ClientReply& reply = replies[0];
    if (!reply.status.is_ok()) return flush_failed(*run, reply.status);
    std::string next = scan_complete(reply) ? std::string() : std::move(reply.scan.cursor);
    if (reply.scan.keys.empty()) return flush_next(run, std::move(next));
    return flush_delete_step(run, std::move(reply.scan.keys), std::move(next));
  };
  return step;
}

RespCommandPlan plan_flush(RespArgs& args, const RespServerInfo& info,
                           std::vector<std::string> buckets) {
  // FLUSHDB [ASYNC | SYNC]: both answer once every key found is deleted.
  if (args.size() > 2 || (args.size() == 2 && !equals_ignore_case(args[1], "async") &&
                          !equals_ignore_case(args[1], "sync"))) {
    return immediate(error_step(kRespSyntaxError));
  }
  auto run = std::make_shared<FlushRun>();
  run->command = lowercase(args[0]) == "flushall" ? "FLUSHALL" : "FLUSHDB";
  if (!info.allow_flush) {
    return immediate(error_step("ERR " + run->command +
                                " is disabled on this node: it deletes every key of " +
                                (run->command == "FLUSHALL" ? "every database" : "the database") +
                                " across the cluster; set allow_flush = true to allow it"));
  }
  RINGKV_INVARIANT(!buckets.empty());
  run->buckets = std::move(buckets);
  RespCommandPlan plan;
  plan.writes = true;
  plan.all_keys = true;
  plan.first = flush_scan_step(std::move(run), std::string(core::kScanCursorStart));
  return plan;
}

RespCommandPlan plan_flushdb(RespArgs& args, RespSession& session, const RespServerInfo& info) {
  return plan_flush(args, info, {session.bucket});
}

RespCommandPlan plan_flushall(RespArgs& args, RespSession&, const RespServerInfo& info) {
  return plan_flush(args, info, info.databases);
}

constexpr RespCommandSpec kKeyspaceCommands[] = {
    {.name = "scan",
     .arity = -2,
     .flags = kRespReadonly,
     .categories = "@keyspace",
     .group = "generic",
     .summary = "Incrementally iterate the keys of the database (cursors valid on this node)",
     .since = "2.8.0",
     .complexity = "O(1) for every call. O(N) for a complete iteration, including enough command "
                   "calls for the cursor to return back to 0. N is the number of keys.",
     .syntax = "cursor:integer [MATCH pattern:pattern] [COUNT count:integer] [TYPE type]",
     .plan = plan_scan},
    {.name = "keys",
     .arity = 2,
     .flags = kRespReadonly,
     .categories = "@keyspace @dangerous",
     .group = "generic",
     .summary = "Find all keys matching the given pattern (at most resp_keys_max)",
     .since = "1.0.0",
     .complexity = "O(N) with N being the number of keys in the database",
     .syntax = "pattern:pattern",
     .plan = plan_keys},
    {.name = "dbsize",
     .arity = 1,
     .flags = kRespReadonly,
     .categories = "@keyspace",
     .group = "server",
     .summary = "Count the keys of the database (an estimate while keys change)",
     .since = "1.0.0",
     .complexity = "O(N): ringkv counts the keys of every partition",
     .plan = plan_dbsize},
    {.name = "flushdb",
     .arity = -1,
     .flags = kRespWrite,
     .categories = "@keyspace @dangerous",
     .group = "server",
     .summary = "Delete every key of the database (refused unless allow_flush)",
     .since = "1.0.0",
     .complexity = "O(N) where N is the number of keys in the selected database",
     .syntax = "[ASYNC | SYNC]",
     .plan = plan_flushdb},
    {.name = "flushall",
     .arity = -1,
     .flags = kRespWrite,
     .categories = "@keyspace @dangerous",
     .group = "server",
     .summary = "Delete every key of every database (refused unless allow_flush)",
     .since = "1.0.0",
     .complexity = "O(N) where N is the total number of keys in all databases",
     .syntax = "[ASYNC | SYNC]",
     .plan = plan_flushall},
};

}  // namespace

RespStep count_keys_steps(std::string bucket, CountDone done) {
  return count_step(std::move(bucket), std::string(core::kScanCursorStart), 0, std::move(done));
}

std::span<const RespCommandSpec> resp_keyspace_command_table() {
  return kKeyspaceCommands;
}

}  // namespace ringkv::api
