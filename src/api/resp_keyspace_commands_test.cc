// SCAN, KEYS, DBSIZE, FLUSHDB and FLUSHALL planners (resp_keyspace_commands.cc) against the
// FakeStore, which answers scan calls as the core does.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "api/resp_commands_test_support.h"
#include "api/resp_planner.h"

namespace ringkv::api {
namespace {

using namespace resp_testing;  // NOLINT(google-build-using-namespace)

// --- SCAN, KEYS, DBSIZE, FLUSHDB ------------------------------------------------------------

struct ScanReply {
  std::string cursor;
  std::vector<std::string> keys;
  bool ok = false;
};

// Reads `*2 $cursor *N $key...` (the same bytes in RESP2 and RESP3).
ScanReply parse_scan_reply(const std::string& reply) {
  ScanReply out;
  std::size_t at = 0;
  auto line = [&]() {
    const std::size_t end = reply.find("\r\n", at);
    if (end == std::string::npos) return std::string();
    std::string text = reply.substr(at, end - at);
    at = end + 2;
    return text;
  };
  auto bulk = [&](std::string& value) {
    const std::string header = line();
    if (header.empty() || header[0] != '$') return false;
    const std::size_t size = std::stoul(header.substr(1));
    value = reply.substr(at, size);
    at += size + 2;
    return true;
  };
  if (line() != "*2" || !bulk(out.cursor)) return out;
  const std::string keys = line();
  if (keys.empty() || keys[0] != '*') return out;
  out.keys.resize(std::stoul(keys.substr(1)));
  for (auto& key : out.keys) {
    if (!bulk(key)) return out;
  }
  out.ok = at == reply.size();
  return out;
}

// Writes `count` string keys "<prefix><i>" through the connection.
void write_keys(Connection& c, const std::string& prefix, int count) {
  for (int i = 0; i < count; ++i) {
    ASSERT_EQ(c({"SET", prefix + std::to_string(i), "v"}), "+OK\r\n");
  }
}

// Every key a complete SCAN iteration returns, in order, and the number of calls it took.
std::vector<std::string> scan_all(Connection& c, std::vector<std::string> options,
                                  int* calls = nullptr) {
  std::vector<std::string> keys;
  std::string cursor = "0";
  for (int call = 0; call < 1000; ++call) {
    std::vector<std::string> args = {"SCAN", cursor};
    args.insert(args.end(), options.begin(), options.end());
    const ScanReply page = parse_scan_reply(c(args));
    EXPECT_TRUE(page.ok);
    if (!page.ok) break;
    keys.insert(keys.end(), page.keys.begin(), page.keys.end());
    if (calls != nullptr) *calls = call + 1;
    if (page.cursor == "0") return keys;
    EXPECT_EQ(page.cursor.find_first_not_of("0123456789"), std::string::npos)
        << "redis-py and go-redis parse the cursor as a number: " << page.cursor;
    cursor = page.cursor;
  }
  ADD_FAILURE() << "the scan did not end";
  return keys;
}

TEST(RespScan, ACompleteIterationReturnsEveryLiveKeyOnceWithNumericCursors) {
  Connection c;
  write_keys(c, "user:", 12);
  write_keys(c, "order:", 13);
  c({"DEL", "order:3"});
  int calls = 0;
  const std::vector<std::string> keys = scan_all(c, {"COUNT", "4"}, &calls);
  EXPECT_EQ(keys.size(), 24u);
  EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()).size(), 24u) << "no key twice";
  EXPECT_EQ(std::count(keys.begin(), keys.end(), "order:3"), 0) << "deleted keys are not live";
  EXPECT_EQ(calls, 6);  // 24 keys, 4 a call; the sixth answers cursor 0.
  const ClientRequest& last = c.store.requests.back();
  EXPECT_EQ(last.op, ClientOp::kScan);
  EXPECT_EQ(last.bucket, "default");
  EXPECT_EQ(last.scan.count, 4u);
  EXPECT_TRUE(last.scan.cursor.starts_with("k")) << "the core's cursor, not the client's number";
  EXPECT_FALSE(last.scan.count_only);
}

TEST(RespScan, MatchCountAndTypeFilterAsInRedis) {
  Connection c;
  write_keys(c, "user:", 5);
  write_keys(c, "order:", 5);
  c({"HSET", "user:h", "f", "v"});
  c({"SADD", "user:s", "m"});
  const auto users = scan_all(c, {"MATCH", "user:*", "COUNT", "3"});
  EXPECT_EQ(users.size(), 7u);
  EXPECT_EQ(c.store.requests.back().scan.match, "user:*");
  EXPECT_EQ(scan_all(c, {"TYPE", "HASH"}), std::vector<std::string>{"user:h"});
  EXPECT_EQ(c.store.requests.back().scan.type, "hash") << "type names compare without case";
  EXPECT_EQ(scan_all(c, {"type", "set", "match", "*:s"}), std::vector<std::string>{"user:s"});
  EXPECT_EQ(scan_all(c, {"TYPE", "string", "MATCH", "order:[13]"}),
            (std::vector<std::string>{"order:1", "order:3"}));
  // COUNT beyond the core's bound is clamped; the default is 10.
  c({"SCAN", "0", "COUNT", "100000"});
  EXPECT_EQ(c.store.requests.back().scan.count, core::kScanCountMax);
  c({"SCAN", "0", "COUNT", "2", "COUNT", "7"});
  EXPECT_EQ(c.store.requests.back().scan.count, 7u) << "the last option wins, as in Redis";
  c({"SCAN", "0"});
  EXPECT_EQ(c.store.requests.back().scan.count, 10u);
  // No ringkv key is a list, sorted set or stream, and Redis 7.0 returns nothing for a type it
  // does not know: a complete, empty scan without asking the cluster.
  const std::size_t requests = c.store.requests.size();
  for (const char* type : {"list", "zset", "stream", "nosuchtype"}) {
    EXPECT_EQ(c({"SCAN", "0", "TYPE", type}), "*2\r\n$1\r\n0\r\n*0\r\n") << type;
  }
  EXPECT_EQ(c.store.requests.size(), requests);
}

TEST(RespScan, BadCursorsAndOptionsGetRedisErrors) {
  Connection c;
  write_keys(c, "k", 30);
  EXPECT_EQ(c({"SCAN", "abc"}), "-ERR invalid cursor\r\n");
  EXPECT_EQ(c({"SCAN", "-1"}), "-ERR invalid cursor\r\n");
  EXPECT_EQ(c({"SCAN", "12345"}).rfind("-ERR invalid cursor (unknown, or forgotten", 0), 0u);
  EXPECT_EQ(c({"SCAN", "0", "COUNT", "0"}), "-ERR syntax error\r\n");
  EXPECT_EQ(c({"SCAN", "0", "COUNT", "x"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(c({"SCAN", "0", "MATCH"}), "-ERR syntax error\r\n");
  EXPECT_EQ(c({"SCAN", "0", "BOGUS", "1"}), "-ERR syntax error\r\n");
  EXPECT_EQ(c({"SCAN"}), "-ERR wrong number of arguments for 'scan' command\r\n");
  EXPECT_EQ(c.store.requests.size(), 30u) << "refused before asking the cluster";
  // A failed call is the core's error; the cursor stays valid, so the client may retry it.
  const ScanReply first = parse_scan_reply(c({"SCAN", "0", "COUNT", "5"}));
  ASSERT_TRUE(first.ok);
  c.store.scan_fails_after = c.store.scans;
  EXPECT_EQ(c({"SCAN", first.cursor}).rfind("-ERR Unavailable: scan of partition 3", 0), 0u);
  c.store.scan_fails_after.reset();
  const ScanReply retried = parse_scan_reply(c({"SCAN", first.cursor, "COUNT", "5"}));
  ASSERT_TRUE(retried.ok);
  EXPECT_EQ(retried.keys.size(), 5u);
  EXPECT_NE(retried.keys.front(), first.keys.front());
}

// One table per node: a client's pool continues a scan on another connection, and RESP3 gets
// the same reply.
TEST(RespScan, CursorsAreSharedByTheConnectionsOfANode) {
  Connection first;
  write_keys(first, "k", 8);
  const ScanReply page = parse_scan_reply(first({"SCAN", "0", "COUNT", "5"}));
  ASSERT_TRUE(page.ok);
  ASSERT_NE(page.cursor, "0");
  RespSession other;
  other.protocol = RespProtocol::kResp3;
  const ScanReply rest =
      parse_scan_reply(run(first.store, {"SCAN", page.cursor}, other, first.info).reply);
  ASSERT_TRUE(rest.ok);
  EXPECT_EQ(rest.cursor, "0");
  EXPECT_EQ(page.keys.size() + rest.keys.size(), 8u);
  RespServerInfo another_node;
  EXPECT_EQ(run(first.store, {"SCAN", page.cursor}, other, another_node)
                .reply.rfind("-ERR invalid cursor", 0),
            0u);
}

TEST(RespKeys, ReturnsEveryMatchingKeyOrFailsPastTheBound) {
  Connection c;
  c.store.scan_examined_max = 4;  // Many scan calls per KEYS.
  write_keys(c, "user:", 6);
  write_keys(c, "order:", 6);
  const std::string users = c({"KEYS", "user:*"});
  EXPECT_EQ(users.rfind("*6\r\n", 0), 0u) << users;
  for (int i = 0; i < 6; ++i) {
    EXPECT_NE(users.find("$6\r\nuser:" + std::to_string(i) + "\r\n"), std::string::npos);
  }
  EXPECT_EQ(c.store.requests.back().scan.match, "user:*");
  EXPECT_EQ(c.store.requests.back().scan.count, core::kScanCountMax);
  EXPECT_EQ(c({"KEYS", "nothing*"}), "*0\r\n");
  c.info.keys_max = 6;
  EXPECT_EQ(c({"KEYS", "order:*"}).rfind("*6\r\n", 0), 0u) << "the bound itself is allowed";
  EXPECT_EQ(c({"KEYS", "*"}),
            "-ERR KEYS matches more than 6 keys (the resp_keys_max setting): iterate with SCAN "
            "instead\r\n");
  c.store.scan_fails_after = c.store.scans + 1;
  EXPECT_EQ(c({"KEYS", "user:*"}).rfind("-ERR Unavailable: ", 0), 0u)
      << "a failure part way is an error, never a partial list";
}

TEST(RespDbsize, CountsTheLiveKeysOfTheSelectedDatabase) {
  Connection c;
  c.info.databases = {"default", "other"};
  c.store.scan_examined_max = 3;
  write_keys(c, "k", 10);
  c({"DEL", "k4"});
  EXPECT_EQ(c({"DBSIZE"}), ":9\r\n");
  EXPECT_TRUE(c.store.requests.back().scan.count_only);
  c({"SELECT", "1"});
  EXPECT_EQ(c({"DBSIZE"}), ":0\r\n");
  write_keys(c, "x", 2);
  EXPECT_EQ(c({"DBSIZE"}), ":2\r\n");
  c.store.scan_fails_after = c.store.scans + 2;
  EXPECT_EQ(c({"SELECT", "0"}), "+OK\r\n");
  EXPECT_EQ(c({"DBSIZE"}).rfind("-ERR Unavailable: ", 0), 0u);
}

TEST(RespFlush, RefusedUnlessAllowFlushAndThenDeletesEveryKey) {
  Connection c;
  c.info.databases = {"default", "other"};
  c.store.scan_examined_max = 4;
  write_keys(c, "k", 9);
  c({"SELECT", "1"});
  write_keys(c, "o", 3);
  c({"SELECT", "0"});
  const std::size_t requests = c.store.requests.size();
  EXPECT_EQ(c({"FLUSHDB"}),
            "-ERR FLUSHDB is disabled on this node: it deletes every key of the database across "
            "the cluster; set allow_flush = true to allow it\r\n");
  EXPECT_EQ(c({"FLUSHALL", "ASYNC"}).rfind("-ERR FLUSHALL is disabled on this node", 0), 0u);
  EXPECT_EQ(c.store.requests.size(), requests) << "nothing asked of the cluster";
  EXPECT_EQ(c({"DBSIZE"}), ":9\r\n");

  c.info.allow_flush = true;
  EXPECT_EQ(c({"FLUSHDB", "BOGUS"}), "-ERR syntax error\r\n");
  EXPECT_EQ(c({"FLUSHDB", "SYNC", "ASYNC"}), "-ERR syntax error\r\n");
  EXPECT_EQ(c({"FLUSHDB", "sync"}), "+OK\r\n");
  EXPECT_EQ(c({"DBSIZE"}), ":0\r\n");
  EXPECT_EQ(c({"GET", "k1"}), "$-1\r\n");
  // Each key went through the data-type delete, as DEL sends it.
  const auto deletes =
      std::count_if(c.store.requests.begin(), c.store.requests.end(), [](const ClientRequest& r) {
        return r.op == ClientOp::kUpdate &&
               core::decode_data_op(r.value)->code == core::DataOpCode::kDelete;
      });
  EXPECT_EQ(deletes, 9);
  c({"SELECT", "1"});
  EXPECT_EQ(c({"DBSIZE"}), ":3\r\n") << "FLUSHDB leaves the other databases alone";
  c({"SELECT", "0"});
  write_keys(c, "again", 2);
  EXPECT_EQ(c({"FLUSHALL"}), "+OK\r\n");
  EXPECT_EQ(c({"DBSIZE"}), ":0\r\n");
  c({"SELECT", "1"});
  EXPECT_EQ(c({"DBSIZE"}), ":0\r\n");

  write_keys(c, "late", 6);
  c.store.failures["late4"] = Status::timeout("2 of 3 replicas did not answer");
  EXPECT_EQ(c({"FLUSHDB"}).rfind("-ERR FLUSHDB stopped after deleting ", 0), 0u);
  c.store.failures.clear();
  EXPECT_EQ(c({"FLUSHDB"}), "+OK\r\n") << "run again, it goes on";
  EXPECT_EQ(c({"DBSIZE"}), ":0\r\n");
}

TEST(RespKeyspace, WholeDatabaseCommandsOrderAfterTheConnectionsWrites) {
  FakeStore store;
  for (const char* command : {"SCAN", "KEYS", "DBSIZE"}) {
    std::vector<std::string> args = {command};
    if (args[0] != "DBSIZE") args.push_back(args[0] == "SCAN" ? "0" : "*");
    const Outcome outcome = run(store, args);
    EXPECT_TRUE(outcome.plan.all_keys) << command;
    EXPECT_FALSE(outcome.plan.writes) << command;
    EXPECT_TRUE(outcome.plan.keys.empty()) << command;
  }
  RespSession session;
  RespServerInfo info;
  info.allow_flush = true;
  const Outcome flush = run(store, {"FLUSHDB"}, session, info);
  EXPECT_TRUE(flush.plan.all_keys);
  EXPECT_TRUE(flush.plan.writes);
  Connection c;
  c({"MULTI"});
  c({"SET", "a", "1"});
  c({"SCAN", "0"});
  const Outcome exec = run(c.store, {"EXEC"}, c.session, c.info);
  EXPECT_TRUE(exec.plan.all_keys) << "a transaction with a SCAN waits as the SCAN would";
  EXPECT_EQ(exec.reply, "*2\r\n+OK\r\n*2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n");
}

TEST(RespKeyspace, CountKeysStepsSumEveryCall) {
  Connection c;
  write_keys(c, "k", 7);
  std::optional<Result<std::uint64_t>> counted;
  RespStep step = count_keys_steps("default", [&](Result<std::uint64_t> keys) {
    counted = keys;
    return RespStep();
  });
  int steps = 0;
  c.store.scan_examined_max = 2;
  while (!step.finished()) {
    ++steps;
    ASSERT_EQ(step.requests.size(), 1u);
    std::vector<ClientReply> replies = {c.store.apply(step.requests[0])};
    step = step.then(std::move(replies));
  }
  ASSERT_TRUE(counted.has_value());
  ASSERT_TRUE(counted->is_ok());
  EXPECT_EQ(**counted, 7u);
  EXPECT_EQ(steps, 4);  // 2, 2, 2, 1.
}

}  // namespace
}  // namespace ringkv::api
