#include "api/resp_commands.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "api/base64.h"
#include "api/resp_command_syntax.h"
#include "api/resp_planner.h"
#include "api/resp_stats.h"
#include "common/glob.h"
#include "core/datatypes/data_op.h"
#include "core/datatypes/data_types.h"
#include "core/scan/scan_page.h"

namespace ringkv::api {
namespace {

using core::ClientOp;
using core::ClientReply;
using core::ClientRequest;

// A one-node store with the core's version semantics (a real VersionedObject per key, data-type
// updates applied by apply_data_op) and readable contexts: a context names the version it read;
// a write with the current context (or supersede_known) replaces every value, any other write
// adds a sibling.
class FakeStore {
 public:
  ClientReply apply(const ClientRequest& request) {
    requests.push_back(request);
    if (request.op == ClientOp::kScan) return scan(request);
    ClientReply reply;
    if (auto it = failures.find(request.key); it != failures.end()) {
      reply.status = it->second;
      return reply;
    }
    Entry& entry = entries_[request.bucket + "/" + request.key];
    const std::string current = "ctx:" + std::to_string(entry.version);
    now_ms += 1;
    if (request.op == ClientOp::kGet) {
      reply.values = live(entry.object);
      reply.context = current;
      if (request.with_object) {
        reply.now_ms = now_ms;
        if (!entry.object.is_deleted()) reply.object = entry.object.encode();
      }
      return reply;
    }
    if (request.op == ClientOp::kUpdate) {
      auto op = core::decode_data_op(request.value);
      if (!op.is_ok()) {
        reply.status = op.status();
        return reply;
      }
      auto applied = core::apply_data_op(entry.object, *op, kActor, now_ms);
      if (!applied.is_ok()) {
        reply.status = applied.status();
        return reply;
      }
      if (applied->changed) ++entry.version;
      reply.result = core::encode_op_result(applied->result);
      return reply;
    }
    const bool supersedes = request.supersede_known || request.context == current;
    const core::VersionVector read = supersedes ? entry.object.context() : core::VersionVector();
    entry.object.update(
        read, kActor, now_ms,
        request.op == ClientOp::kPut ? std::optional<std::string>(request.value) : std::nullopt);
    ++entry.version;
    return reply;
  }

  // Concurrent values written through different coordinators (actors), later values newer.
  void put_siblings(const std::string& key, std::vector<std::string> values) {
    Entry& entry = entries_["default/" + key];
    core::ActorId actor = 100;
    for (auto& value : values) entry.object.update({}, actor++, now_ms += 1, std::move(value));
  }
  std::vector<std::string> values(const std::string& key, const std::string& bucket = "default") {
    return live(entries_[bucket + "/" + key].object);
  }

  // Keys (live or not) one scan call examines at most; a call covering fewer than all of the
  // bucket's keys answers a cursor "k<last key examined>".
  std::size_t scan_examined_max = 1000;
  // Fails every scan call after this many succeeded (none: never).
  std::optional<std::size_t> scan_fails_after;
  std::size_t scans = 0;

  std::vector<ClientRequest> requests;
  std::map<std::string, Status> failures;
  std::uint64_t now_ms = 1'700'000'000'000;

 private:
  static constexpr core::ActorId kActor = 1;
  struct Entry {
    core::VersionedObject object;
    int version = 0;
  };
  // A scan call as the core answers one (core/requests.h): live keys of the bucket after the
  // cursor's key, in order, filtered by MATCH and TYPE, at most COUNT of them.
  ClientReply scan(const ClientRequest& request) {
    ClientReply reply;
    if (scan_fails_after && scans >= *scan_fails_after) {
      reply.status = Status::unavailable(
          "scan of partition 3: only 1 of the r=2 required "
          "replicas answered");
      return reply;
    }
    ++scans;
    const std::string prefix = request.bucket + "/";
    const std::string& cursor = request.scan.cursor;
    EXPECT_TRUE(cursor == "0" || cursor.starts_with("k")) << cursor;
    auto it = cursor == "0" ? entries_.lower_bound(prefix)
                            : entries_.upper_bound(prefix + cursor.substr(1));
    const std::size_t count = request.scan.count == 0 ? 10 : request.scan.count;
    const GlobPattern pattern(request.scan.match);
    std::size_t examined = 0;
    reply.scan.cursor = "0";
    for (; it != entries_.end() && it->first.starts_with(prefix); ++it) {
      const std::string key = it->first.substr(prefix.size());
      if (examined == scan_examined_max ||
          (!request.scan.count_only && reply.scan.keys.size() == count)) {
        reply.scan.cursor = "k" + std::prev(it)->first.substr(prefix.size());
        break;
      }
      ++examined;
      const core::ValueType type = core::type_of(it->second.object, now_ms);
      if (type == core::ValueType::kNone) continue;
      if (!request.scan.match.empty() && !pattern.matches(key)) continue;
      if (!request.scan.type.empty() && core::value_type_name(type) != request.scan.type) continue;
      if (request.scan.count_only) {
        ++reply.scan.count;
      } else {
        reply.scan.keys.push_back(key);
      }
    }
    return reply;
  }

  // What the node returns as a get's values (Node::read_reply).
  std::vector<std::string> live(const core::VersionedObject& object) const {
    const auto plain =
        std::all_of(object.siblings().begin(), object.siblings().end(), [](const core::Sibling& s) {
          return s.kind == core::EntryKind::kValue || s.kind == core::EntryKind::kTombstone;
        });
    if (plain) return object.live_values();
    auto value = core::string_value(object, now_ms);
    if (!value.exists) return {};
    return {value.text};
  }
  std::map<std::string, Entry> entries_;
};

struct Outcome {
  std::string reply;
  bool close = false;
  RespCommandPlan plan;  // Keys and access of the command (its steps are consumed).
};

// Runs a command of the connection `session` to completion against `store`, step by step, as
// a RESP connection would. `buckets` collects the bucket of every request.
Outcome run(FakeStore& store, std::vector<std::string> args, RespSession& session,
            const RespServerInfo& info = {}, std::vector<std::string>* buckets = nullptr) {
  Outcome outcome;
  outcome.plan = plan_resp_command(std::move(args), session, info);
  RespStep step = std::move(outcome.plan.first);
  for (int steps = 0; !step.finished(); ++steps) {
    EXPECT_LT(steps, 50) << "a command takes a bounded number of steps";
    EXPECT_TRUE(step.then);
    std::vector<ClientReply> replies;
    for (const auto& request : step.requests) {
      if (buckets != nullptr) buckets->push_back(request.bucket);
      replies.push_back(store.apply(request));
    }
    step = step.then(std::move(replies));
  }
  outcome.reply = step.reply;
  outcome.close = step.close_connection;
  return outcome;
}

Outcome run(FakeStore& store, std::vector<std::string> args) {
  RespSession session;
  std::vector<std::string> buckets;
  Outcome outcome = run(store, std::move(args), session, {}, &buckets);
  for (const auto& bucket : buckets) EXPECT_EQ(bucket, "default");
  return outcome;
}

std::string reply(FakeStore& store, std::vector<std::string> args) {
  return run(store, std::move(args)).reply;
}

// A connection: its session and store, so consecutive commands see each other's effects.
struct Connection {
  FakeStore store;
  RespSession session;
  RespServerInfo info;
  std::vector<std::string> buckets;

  std::string operator()(std::vector<std::string> args) {
    return run(store, std::move(args), session, info, &buckets).reply;
  }
};

// What a planner answers right away, in a fresh session.
std::string immediate_reply(std::vector<std::string> args, const RespServerInfo& info = {}) {
  RespSession session;
  const RespCommandPlan plan = plan_resp_command(std::move(args), session, info);
  EXPECT_TRUE(plan.first.finished());
  return plan.first.reply;
}

TEST(RespCommands, PingAndEchoAnswerRightAway) {
  EXPECT_EQ(immediate_reply({"PING"}), "+PONG\r\n");
  EXPECT_EQ(immediate_reply({"ping", "hi"}), "$2\r\nhi\r\n");
  EXPECT_EQ(immediate_reply({"EcHo", "x y"}), "$3\r\nx y\r\n");
}

TEST(RespCommands, SetSupersedesWhatIsKnownAndGetReadsIt) {
  FakeStore store;
  EXPECT_EQ(reply(store, {"GET", "k"}), "$-1\r\n");
  EXPECT_EQ(reply(store, {"SET", "k", "v1"}), "+OK\r\n");
  const ClientRequest& put = store.requests.back();
  EXPECT_EQ(put.op, ClientOp::kUpdate);
  EXPECT_EQ(put.key, "k");
  EXPECT_EQ(core::decode_data_op(put.value)->args, std::vector<std::string>{"v1"});
  EXPECT_EQ(reply(store, {"SET", "k", "v2"}), "+OK\r\n");
  EXPECT_EQ(reply(store, {"get", "k"}), "$2\r\nv2\r\n");
  EXPECT_EQ(store.values("k"), std::vector<std::string>{"v2"});
}

// Redis clients cannot handle siblings: GET answers the newest and GETALL shows them all.
TEST(RespCommands, GetOfAKeyWithSiblingsReadsTheNewest) {
  FakeStore store;
  store.put_siblings("k", {"a", "b"});
  EXPECT_EQ(reply(store, {"GET", "k"}), "$1\r\nb\r\n");
  EXPECT_EQ(reply(store, {"MGET", "k", "missing"}), "*2\r\n$1\r\nb\r\n$-1\r\n");
  EXPECT_EQ(store.values("k"), (std::vector<std::string>{"a", "b"}));  // Both stay stored.
}

TEST(RespCommands, SetOptionsAreCheckedBeforeAnyRequest) {
  FakeStore store;
  EXPECT_EQ(reply(store, {"SET", "k", "v", "NX", "XX"}), "-ERR syntax error\r\n");
  EXPECT_EQ(reply(store, {"SET", "k", "v", "BOGUS"}), "-ERR syntax error\r\n");
  EXPECT_EQ(reply(store, {"SET", "k", "v", "EX"}), "-ERR syntax error\r\n");
  EXPECT_EQ(reply(store, {"SET", "k", "v", "EX", "0"}),
            "-ERR invalid expire time in 'set' command\r\n");
  EXPECT_EQ(reply(store, {"SET", "k", "v", "PX", "x"}),
            "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(reply(store, {"SET", "k", "v", "EX", "1", "KEEPTTL"}), "-ERR syntax error\r\n");
  EXPECT_TRUE(store.requests.empty());
}

TEST(RespCommands, SetNxAndXxDecideOnTheCoordinatorsReplica) {
  FakeStore store;
  EXPECT_EQ(reply(store, {"SET", "k", "v1", "XX"}), "$-1\r\n");
  EXPECT_TRUE(store.values("k").empty());
  EXPECT_EQ(reply(store, {"SET", "k", "v1", "NX"}), "+OK\r\n");
  EXPECT_EQ(reply(store, {"SET", "k", "v2", "nx"}), "$-1\r\n");
  EXPECT_EQ(reply(store, {"SETNX", "k", "v2"}), ":0\r\n");
  EXPECT_EQ(reply(store, {"SETNX", "other", "v2"}), ":1\r\n");
  EXPECT_EQ(reply(store, {"SET", "k", "v3", "XX"}), "+OK\r\n");
  EXPECT_EQ(store.values("k"), std::vector<std::string>{"v3"});
}

TEST(RespCommands, SetGetReturnsTheOldValue) {
  FakeStore store;
  EXPECT_EQ(reply(store, {"SET", "k", "v1", "GET"}), "$-1\r\n");
  EXPECT_EQ(reply(store, {"SET", "k", "v2", "GET"}), "$2\r\nv1\r\n");
  EXPECT_EQ(reply(store, {"SET", "k", "v3", "NX", "GET"}), "$2\r\nv2\r\n");
  EXPECT_EQ(reply(store, {"GETSET", "k", "v4"}), "$2\r\nv2\r\n");
  EXPECT_EQ(store.values("k"), std::vector<std::string>{"v4"});
  EXPECT_EQ(reply(store, {"SADD", "s", "m"}), ":1\r\n");
  EXPECT_EQ(reply(store, {"SET", "s", "v", "GET"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
}

TEST(RespCommands, DelCountsExistingKeysOnce) {
  FakeStore store;
  ASSERT_EQ(reply(store, {"SET", "a", "1"}), "+OK\r\n");
  store.put_siblings("b", {"x", "y"});
  store.requests.clear();
  EXPECT_EQ(reply(store, {"DEL", "a", "b", "missing", "a"}), ":2\r\n");
  ASSERT_EQ(store.requests.size(), 3u);  // One delete per distinct key.
  EXPECT_EQ(store.requests[0].op, ClientOp::kUpdate);
  EXPECT_TRUE(store.values("a").empty());
  EXPECT_TRUE(store.values("b").empty());
  EXPECT_EQ(reply(store, {"UNLINK", "a"}), ":0\r\n");
}

TEST(RespCommands, ExistsCountsRepeatsAsRedisDoes) {
  FakeStore store;
  ASSERT_EQ(reply(store, {"SET", "a", "1"}), "+OK\r\n");
  EXPECT_EQ(reply(store, {"EXISTS", "a", "a", "b"}), ":2\r\n");
  EXPECT_EQ(reply(store, {"EXISTS", "b"}), ":0\r\n");
}

TEST(RespCommands, MgetAnswersEveryKeyInOrder) {
  FakeStore store;
  ASSERT_EQ(reply(store, {"SET", "a", "1"}), "+OK\r\n");
  ASSERT_EQ(reply(store, {"HSET", "h", "f", "v"}), ":1\r\n");
  EXPECT_EQ(reply(store, {"MGET", "a", "missing", "h"}), "*3\r\n$1\r\n1\r\n$-1\r\n$-1\r\n");
  EXPECT_EQ(reply(store, {"MSET", "a", "2", "b", "3"}), "+OK\r\n");
  EXPECT_EQ(reply(store, {"MGET", "a", "b"}), "*2\r\n$1\r\n2\r\n$1\r\n3\r\n");
  EXPECT_EQ(reply(store, {"MSET", "a"}), "-ERR wrong number of arguments for 'mset' command\r\n");
  EXPECT_EQ(reply(store, {"MSETNX", "a", "9", "c", "9"}), ":0\r\n");
  EXPECT_EQ(reply(store, {"MSETNX", "c", "9", "d", "9"}), ":1\r\n");
  EXPECT_EQ(reply(store, {"GET", "d"}), "$1\r\n9\r\n");
}

TEST(RespCommands, MsetnxOfAKeyNamedTwiceSetsItsLastValue) {
  FakeStore store;
  EXPECT_EQ(reply(store, {"MSETNX", "k", "1", "other", "x", "k", "2"}), ":1\r\n");
  EXPECT_EQ(reply(store, {"GET", "k"}), "$1\r\n2\r\n");
  EXPECT_EQ(reply(store, {"GET", "other"}), "$1\r\nx\r\n");
  EXPECT_EQ(reply(store, {"MSETNX", "n", "1", "n", "2", "k", "3"}), ":0\r\n");
  EXPECT_EQ(reply(store, {"EXISTS", "n"}), ":0\r\n");
  EXPECT_EQ(reply(store, {"GET", "k"}), "$1\r\n2\r\n");
}

TEST(RespCommands, CountersCountAndRefuseWhatRedisRefuses) {
  FakeStore store;
  EXPECT_EQ(reply(store, {"INCR", "c"}), ":1\r\n");
  EXPECT_EQ(reply(store, {"INCRBY", "c", "41"}), ":42\r\n");
  EXPECT_EQ(reply(store, {"DECR", "c"}), ":41\r\n");
  EXPECT_EQ(reply(store, {"DECRBY", "c", "40"}), ":1\r\n");
  EXPECT_EQ(reply(store, {"GET", "c"}), "$1\r\n1\r\n");
  EXPECT_EQ(reply(store, {"INCRBY", "c", "x"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(reply(store, {"DECRBY", "c", "-9223372036854775808"}),
            "-ERR decrement would overflow\r\n");
  EXPECT_EQ(reply(store, {"INCRBYFLOAT", "c", "0.5"}), "$3\r\n1.5\r\n");
  EXPECT_EQ(reply(store, {"INCRBYFLOAT", "c", "nope"}), "-ERR value is not a valid float\r\n");
  EXPECT_EQ(reply(store, {"INCR", "c"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(reply(store, {"SET", "c", "10"}), "+OK\r\n");
  EXPECT_EQ(reply(store, {"INCR", "c"}), ":11\r\n");
  EXPECT_EQ(reply(store, {"APPEND", "c", "0"}), ":3\r\n");
  EXPECT_EQ(reply(store, {"STRLEN", "c"}), ":3\r\n");
  EXPECT_EQ(reply(store, {"GETDEL", "c"}), "$3\r\n110\r\n");
  EXPECT_EQ(reply(store, {"GET", "c"}), "$-1\r\n");
}

TEST(RespCommands, SetsAnswerInBothProtocols) {
  Connection c;
  EXPECT_EQ(c({"SADD", "s", "b", "a", "b"}), ":2\r\n");
  EXPECT_EQ(c({"SADD", "s", "a", "c"}), ":1\r\n");
  EXPECT_EQ(c({"SMEMBERS", "s"}), "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
  EXPECT_EQ(c({"SISMEMBER", "s", "a"}), ":1\r\n");
  EXPECT_EQ(c({"SMISMEMBER", "s", "a", "z"}), "*2\r\n:1\r\n:0\r\n");
  EXPECT_EQ(c({"SREM", "s", "a", "z"}), ":1\r\n");
  EXPECT_EQ(c({"SCARD", "s"}), ":2\r\n");
  EXPECT_EQ(c({"TYPE", "s"}), "+set\r\n");
  EXPECT_EQ(c({"GET", "s"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  ASSERT_EQ(c({"HELLO", "3"}).substr(0, 1), "%");
  EXPECT_EQ(c({"SMEMBERS", "s"}), "~2\r\n$1\r\nb\r\n$1\r\nc\r\n");
  EXPECT_EQ(c({"SMEMBERS", "missing"}), "~0\r\n");
}

TEST(RespCommands, InfiniteFloatIncrementsGetRedisMessages) {
  FakeStore store;
  const std::string incr_infinite = "-ERR increment would produce NaN or Infinity\r\n";
  const std::string hash_infinite = "-ERR value is NaN or Infinity\r\n";
  const std::string not_a_float = "-ERR value is not a valid float\r\n";
  for (const std::string infinite : {"inf", "-inf", "+inf", "INF", "Infinity", "-INFINITY"}) {
    EXPECT_EQ(reply(store, {"INCRBYFLOAT", "f", infinite}), incr_infinite) << infinite;
    EXPECT_EQ(reply(store, {"HINCRBYFLOAT", "h", "a", infinite}), hash_infinite) << infinite;
  }
  for (const std::string other : {"nan", "-nan", "+-inf", "++inf", " inf", "inf ", "1e5000", ""}) {
    EXPECT_EQ(reply(store, {"INCRBYFLOAT", "f", other}), not_a_float) << other;
    EXPECT_EQ(reply(store, {"HINCRBYFLOAT", "h", "a", other}), not_a_float) << other;
  }
  EXPECT_EQ(reply(store, {"EXISTS", "f", "h"}), ":0\r\n");
  EXPECT_EQ(reply(store, {"INCRBYFLOAT", "f", "+1.5"}), "$3\r\n1.5\r\n");
}

TEST(RespCommands, HashesAnswerInBothProtocols) {
  Connection c;
  EXPECT_EQ(c({"HSET", "h", "f", "1", "g", "x"}), ":2\r\n");
  EXPECT_EQ(c({"HSET", "h", "f"}), "-ERR wrong number of arguments for 'hset' command\r\n");
  EXPECT_EQ(c({"HINCRBY", "h", "f", "4"}), ":5\r\n");
  EXPECT_EQ(c({"HINCRBY", "h", "g", "4"}), "-ERR hash value is not an integer\r\n");
  EXPECT_EQ(c({"HINCRBYFLOAT", "h", "n", "1.5"}), "$3\r\n1.5\r\n");
  EXPECT_EQ(c({"HSETNX", "h", "f", "9"}), ":0\r\n");
  EXPECT_EQ(c({"HGET", "h", "f"}), "$1\r\n5\r\n");
  EXPECT_EQ(c({"HMGET", "h", "g", "zz"}), "*2\r\n$1\r\nx\r\n$-1\r\n");
  EXPECT_EQ(c({"HLEN", "h"}), ":3\r\n");
  EXPECT_EQ(c({"HEXISTS", "h", "n"}), ":1\r\n");
  EXPECT_EQ(c({"HSTRLEN", "h", "n"}), ":3\r\n");
  EXPECT_EQ(c({"HKEYS", "h"}), "*3\r\n$1\r\nf\r\n$1\r\ng\r\n$1\r\nn\r\n");
  EXPECT_EQ(c({"HDEL", "h", "n", "zz"}), ":1\r\n");
  EXPECT_EQ(c({"HGETALL", "h"}), "*4\r\n$1\r\nf\r\n$1\r\n5\r\n$1\r\ng\r\n$1\r\nx\r\n");
  EXPECT_EQ(c({"HMSET", "h", "g", "y"}), "+OK\r\n");
  ASSERT_EQ(c({"HELLO", "3"}).substr(0, 1), "%");
  EXPECT_EQ(c({"HGETALL", "h"}), "%2\r\n$1\r\nf\r\n$1\r\n5\r\n$1\r\ng\r\n$1\r\ny\r\n");
  EXPECT_EQ(c({"HGET", "h", "zz"}), "_\r\n");
  EXPECT_EQ(c({"INCR", "h"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
}

TEST(RespCommands, ExpiryCommandsFollowRedis) {
  FakeStore store;
  EXPECT_EQ(reply(store, {"TTL", "k"}), ":-2\r\n");
  EXPECT_EQ(reply(store, {"SET", "k", "v"}), "+OK\r\n");
  EXPECT_EQ(reply(store, {"TTL", "k"}), ":-1\r\n");
  EXPECT_EQ(reply(store, {"EXPIRE", "k", "100"}), ":1\r\n");
  EXPECT_EQ(reply(store, {"TTL", "k"}), ":100\r\n");
  EXPECT_EQ(reply(store, {"EXPIRE", "k", "50", "GT"}), ":0\r\n");
  EXPECT_EQ(reply(store, {"EXPIRE", "k", "50", "LT"}), ":1\r\n");
  EXPECT_EQ(reply(store, {"EXPIRE", "k", "50", "NX", "XX"}),
            "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n");
  EXPECT_EQ(reply(store, {"PERSIST", "k"}), ":1\r\n");
  EXPECT_EQ(reply(store, {"PERSIST", "k"}), ":0\r\n");
  EXPECT_EQ(reply(store, {"SET", "k", "v", "PX", "10000"}), "+OK\r\n");
  const std::string pttl = reply(store, {"PTTL", "k"});
  EXPECT_TRUE(pttl == ":9999\r\n" || pttl == ":10000\r\n") << pttl;
  EXPECT_EQ(reply(store, {"SET", "k", "w", "KEEPTTL"}), "+OK\r\n");
  EXPECT_EQ(reply(store, {"TTL", "k"}), ":10\r\n");
  EXPECT_EQ(reply(store, {"GETEX", "k", "PERSIST"}), "$1\r\nw\r\n");
  EXPECT_EQ(reply(store, {"TTL", "k"}), ":-1\r\n");
  EXPECT_EQ(reply(store, {"SETEX", "t", "5", "v"}), "+OK\r\n");
  EXPECT_EQ(reply(store, {"TTL", "t"}), ":5\r\n");
  EXPECT_EQ(reply(store, {"PSETEX", "t", "0", "v"}),
            "-ERR invalid expire time in 'psetex' command\r\n");
  // Past the expiry the key is gone.
  store.now_ms += 6'000;
  EXPECT_EQ(reply(store, {"GET", "t"}), "$-1\r\n");
  EXPECT_EQ(reply(store, {"EXISTS", "t"}), ":0\r\n");
  EXPECT_EQ(reply(store, {"TTL", "t"}), ":-2\r\n");
  // EXPIREAT in the past deletes.
  EXPECT_EQ(reply(store, {"EXPIREAT", "k", "1"}), ":1\r\n");
  EXPECT_EQ(reply(store, {"EXISTS", "k"}), ":0\r\n");
}

TEST(RespCommands, GetallSetctxAndDelctxExposeSiblingsAndContexts) {
  FakeStore store;
  const std::string empty_context = base64_encode("ctx:0");
  EXPECT_EQ(reply(store, {"GETALL", "k"}),
            "*1\r\n$" + std::to_string(empty_context.size()) + "\r\n" + empty_context + "\r\n");
  // Two writes with the same (stale) context are concurrent: both values are kept.
  EXPECT_EQ(reply(store, {"SETCTX", "k", empty_context, "a"}), "+OK\r\n");
  EXPECT_FALSE(store.requests.back().supersede_known);
  EXPECT_EQ(store.requests.back().context, "ctx:0");
  EXPECT_EQ(reply(store, {"SETCTX", "k", empty_context, "b"}), "+OK\r\n");
  const std::string context = base64_encode("ctx:2");
  EXPECT_EQ(reply(store, {"GETALL", "k"}), "*3\r\n$" + std::to_string(context.size()) + "\r\n" +
                                               context + "\r\n$1\r\na\r\n$1\r\nb\r\n");
  EXPECT_EQ(reply(store, {"SETCTX", "k", context, "merged"}), "+OK\r\n");
  EXPECT_EQ(store.values("k"), std::vector<std::string>{"merged"});
  EXPECT_EQ(reply(store, {"DELCTX", "k", base64_encode("ctx:3")}), "+OK\r\n");
  EXPECT_TRUE(store.values("k").empty());
  // An empty context is a blind write.
  EXPECT_EQ(reply(store, {"SETCTX", "k2", "", "v"}), "+OK\r\n");
  EXPECT_TRUE(store.requests.back().context.empty());
}

TEST(RespCommands, AContextThatIsNotBase64IsRefusedBeforeAnyRequest) {
  FakeStore store;
  EXPECT_EQ(reply(store, {"SETCTX", "k", "not base64!", "v"})
                .rfind("-ERR context is not one GETALL returned: ", 0),
            0u);
  EXPECT_EQ(reply(store, {"DELCTX", "k", "%%%%"}).rfind("-ERR context is not one GETALL", 0), 0u);
  EXPECT_TRUE(store.requests.empty());
}

TEST(RespCommands, CoreErrorsKeepTheirMessage) {
  FakeStore store;
  store.failures["big"] = Status::too_large("value is 5 bytes, limit value_max_bytes is 4");
  store.failures["bad"] = Status::invalid_argument("key must not be empty");
  store.failures["slow"] = Status::timeout("2 of 3 replicas did not answer");
  EXPECT_EQ(reply(store, {"SET", "big", "vvvvv"}),
            "-TOOLARGE value is 5 bytes, limit value_max_bytes is 4\r\n");
  EXPECT_EQ(reply(store, {"GET", "bad"}), "-ERR key must not be empty\r\n");
  EXPECT_EQ(reply(store, {"INCR", "big"}),
            "-TOOLARGE value is 5 bytes, limit value_max_bytes is 4\r\n");
  EXPECT_EQ(reply(store, {"GET", "slow"}).rfind("-ERR ", 0), 0u);
  EXPECT_NE(reply(store, {"MGET", "a", "slow"}).find("2 of 3 replicas did not answer"),
            std::string::npos);
  EXPECT_NE(reply(store, {"DEL", "slow"}).find("2 of 3 replicas"), std::string::npos);
  EXPECT_NE(reply(store, {"EXISTS", "slow"}).find("2 of 3 replicas"), std::string::npos);
  EXPECT_NE(reply(store, {"GETALL", "slow"}).find("2 of 3 replicas"), std::string::npos);
}

TEST(RespCommands, UnknownCommandsAndWrongArityGetRedisErrors) {
  FakeStore store;
  EXPECT_EQ(reply(store, {"SWAPDB", "0", "1"}), "-ERR unknown command 'SWAPDB'\r\n");
  EXPECT_EQ(reply(store, {"GET"}), "-ERR wrong number of arguments for 'get' command\r\n");
  EXPECT_EQ(reply(store, {"GET", "a", "b"}),
            "-ERR wrong number of arguments for 'get' command\r\n");
  EXPECT_EQ(reply(store, {"SET", "a"}), "-ERR wrong number of arguments for 'set' command\r\n");
  EXPECT_EQ(reply(store, {"PING", "a", "b"}),
            "-ERR wrong number of arguments for 'ping' command\r\n");
  EXPECT_EQ(reply(store, {"SETCTX", "k", "v"}),
            "-ERR wrong number of arguments for 'setctx' command\r\n");
  EXPECT_EQ(reply(store, {"CONFIG", "GET"}),
            "-ERR wrong number of arguments for 'config|get' command\r\n");
  EXPECT_TRUE(store.requests.empty());
}

TEST(RespCommands, InfoHasTheServerSectionToolsRead) {
  RespServerInfo info;
  info.tcp_port = 6380;
  info.connected_clients = 3;
  info.value_max_bytes = 1048576;
  const std::string all = immediate_reply({"INFO"}, info);
  EXPECT_EQ(all.rfind("$", 0), 0u);
  EXPECT_NE(all.find("# Server\r\nredis_version:7.0.0\r\n"), std::string::npos);
  EXPECT_NE(all.find("tcp_port:6380\r\n"), std::string::npos);
  EXPECT_NE(all.find("ringkv_value_max_bytes:1048576\r\n"), std::string::npos);
  EXPECT_NE(all.find("ringkv_databases:default\r\n"), std::string::npos);
  EXPECT_NE(all.find("connected_clients:3\r\n"), std::string::npos);
  const std::string clients = immediate_reply({"info", "CLIENTS"}, info);
  EXPECT_EQ(clients.find("# Server"), std::string::npos);
  EXPECT_NE(clients.find("# Clients"), std::string::npos);
  EXPECT_EQ(immediate_reply({"INFO", "nosuchsection"}, info), "$0\r\n\r\n");
}

TEST(RespCommands, ToolsCanStart) {
  FakeStore store;
  EXPECT_EQ(reply(store, {"COMMAND", "COUNT"}),
            ":" + std::to_string(resp_command_count()) + "\r\n");
  EXPECT_NE(reply(store, {"COMMAND", "LIST"}).find("$6\r\ngetall\r\n"), std::string::npos);
  // redis-benchmark reads these two before it starts.
  EXPECT_EQ(reply(store, {"CONFIG", "GET", "save"}), "*2\r\n$4\r\nsave\r\n$0\r\n\r\n");
  EXPECT_EQ(reply(store, {"CONFIG", "GET", "appendonly"}),
            "*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n");
  EXPECT_EQ(reply(store, {"CONFIG", "GET", "app*", "sa?e"}),
            "*4\r\n$4\r\nsave\r\n$0\r\n\r\n$10\r\nappendonly\r\n$2\r\nno\r\n");
  EXPECT_EQ(reply(store, {"CONFIG", "GET", "maxmemory"}), "*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n");
  EXPECT_EQ(reply(store, {"CONFIG", "GET", "nosuch"}), "*0\r\n");
  EXPECT_EQ(reply(store, {"CONFIG", "SET", "save", ""}).rfind("-ERR CONFIG set is not", 0), 0u);
  EXPECT_EQ(reply(store, {"SELECT", "0"}), "+OK\r\n");
  EXPECT_EQ(reply(store, {"SELECT", "1"}), "-ERR DB index is out of range\r\n");
  EXPECT_EQ(reply(store, {"SELECT", "x"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(reply(store, {"CLIENT", "SETNAME", "bench"}), "+OK\r\n");
  EXPECT_EQ(reply(store, {"CLIENT", "SETINFO", "lib-name", "redis-py"}), "+OK\r\n");
  EXPECT_EQ(reply(store, {"CLIENT", "BOGUS", "x"}),
            "-ERR unknown subcommand 'BOGUS'. Try CLIENT HELP.\r\n");
  EXPECT_TRUE(store.requests.empty());
}

TEST(RespCommands, QuitClosesTheConnectionAfterItsReply) {
  FakeStore store;
  const Outcome quit = run(store, {"QUIT"});
  EXPECT_EQ(quit.reply, "+OK\r\n");
  EXPECT_TRUE(quit.close);
  EXPECT_FALSE(run(store, {"PING"}).close);
}

TEST(RespCommands, PlansNameTheKeysTheyTouch) {
  FakeStore store;
  const Outcome get = run(store, {"GET", "k"});
  EXPECT_EQ(get.plan.keys, std::vector<std::string>{"k"});
  EXPECT_FALSE(get.plan.writes);
  const Outcome set = run(store, {"SET", "k", "v"});
  EXPECT_EQ(set.plan.keys, std::vector<std::string>{"k"});
  EXPECT_TRUE(set.plan.writes);
  const Outcome del = run(store, {"DEL", "a", "b", "a"});
  EXPECT_EQ(del.plan.keys, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(del.plan.writes);
  EXPECT_EQ(run(store, {"MGET", "a", "b"}).plan.keys, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(run(store, {"PING"}).plan.keys.empty());
}

// --- Protocol -------------------------------------------------------------------------------

TEST(RespProtocolSwitch, Hello3SwitchesTheConnectionAndRepliesTheServerMap) {
  Connection c;
  c.session.client_id = 42;
  EXPECT_EQ(c({"GET", "missing"}), "$-1\r\n");
  const std::string hello = c({"HELLO", "3"});
  EXPECT_EQ(hello,
            "%7\r\n$6\r\nserver\r\n$6\r\nringkv\r\n$7\r\nversion\r\n$5\r\n7.0.0\r\n"
            "$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:42\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n"
            "$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n");
  EXPECT_EQ(c.session.protocol, RespProtocol::kResp3);
  EXPECT_EQ(c({"GET", "missing"}), "_\r\n");
  EXPECT_EQ(c({"SET", "a", "1"}), "+OK\r\n");
  EXPECT_EQ(c({"MGET", "a", "missing"}), "*2\r\n$1\r\n1\r\n_\r\n");
  EXPECT_EQ(c({"CLIENT", "GETNAME"}), "_\r\n");
  // HELLO without a version answers in the current protocol; HELLO 2 switches back.
  EXPECT_EQ(c({"HELLO"}).rfind("%7\r\n", 0), 0u);
  EXPECT_EQ(c({"hello", "2"}).rfind("*14\r\n$6\r\nserver\r\n", 0), 0u);
  EXPECT_EQ(c({"GET", "missing"}), "$-1\r\n");
}

TEST(RespProtocolSwitch, HelloRefusesWhatRedisRefuses) {
  Connection c;
  EXPECT_EQ(c({"HELLO", "4"}), "-NOPROTO unsupported protocol version\r\n");
  EXPECT_EQ(c({"HELLO", "1"}), "-NOPROTO unsupported protocol version\r\n");
  EXPECT_EQ(c({"HELLO", "three"}), "-ERR Protocol version is not an integer or out of range\r\n");
  EXPECT_EQ(c({"HELLO", "3", "FOO"}), "-ERR Syntax error in HELLO option 'FOO'\r\n");
  EXPECT_EQ(c({"HELLO", "3", "AUTH", "default"}), "-ERR Syntax error in HELLO option 'AUTH'\r\n");
  EXPECT_EQ(c({"HELLO", "3", "SETNAME", "a b"}),
            "-ERR Client names cannot contain spaces, newlines or special characters.\r\n");
  EXPECT_EQ(c({"HELLO", "3", "AUTH", "bob", "secret"}),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  // Nothing changed.
  EXPECT_EQ(c.session.protocol, RespProtocol::kResp2);
  EXPECT_TRUE(c.session.name.empty());
}

TEST(RespProtocolSwitch, HelloWithTheDefaultUserAndAnyPasswordAuthenticatesAndNames) {
  Connection c;
  // What node-redis and redis-py send when configured with a user and password.
  EXPECT_EQ(c({"HELLO", "3", "AUTH", "default", "", "SETNAME", "worker-1"}).rfind("%7\r\n", 0), 0u);
  EXPECT_EQ(c.session.name, "worker-1");
  EXPECT_EQ(c({"CLIENT", "GETNAME"}), "$8\r\nworker-1\r\n");
}

TEST(RespProtocolSwitch, AuthAnswersAsRedisWithoutAPasswordDoes) {
  Connection c;
  EXPECT_EQ(c({"AUTH", "secret"}),
            "-ERR AUTH <password> called without any password configured for the default user. "
            "Are you sure your configuration is correct?\r\n");
  EXPECT_EQ(c({"AUTH", "default", ""}), "+OK\r\n");
  EXPECT_EQ(c({"AUTH", "default", "anything"}), "+OK\r\n");
  EXPECT_EQ(c({"AUTH", "bob", "x"}),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  EXPECT_EQ(c({"AUTH", "a", "b", "c"}), "-ERR syntax error\r\n");
  EXPECT_EQ(c({"AUTH"}), "-ERR wrong number of arguments for 'auth' command\r\n");
}

TEST(RespProtocolSwitch, ARepliesProtocolIsTheOneItWasPlannedUnder) {
  // A GET planned before HELLO 3 but answered after it keeps RESP2: its continuation captured
  // the protocol, not the session.
  FakeStore store;
  RespSession session;
  RespCommandPlan get = plan_resp_command({"GET", "missing"}, session, {});
  plan_resp_command({"HELLO", "3"}, session, {});
  std::vector<ClientReply> replies = {store.apply(get.first.requests[0])};
  EXPECT_EQ(get.first.then(std::move(replies)).reply, "$-1\r\n");
}

// --- Transactions ---------------------------------------------------------------------------

TEST(RespTransactions, QueuedCommandsRunInOrderAtExec) {
  Connection c;
  EXPECT_EQ(c({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(c({"SET", "a", "1"}), "+QUEUED\r\n");
  EXPECT_EQ(c({"GET", "a"}), "+QUEUED\r\n");
  EXPECT_EQ(c({"SET", "a", "2", "NX"}), "+QUEUED\r\n");
  EXPECT_EQ(c({"PING"}), "+QUEUED\r\n");
  EXPECT_TRUE(c.store.requests.empty()) << "nothing runs before EXEC";
  EXPECT_EQ(c({"EXEC"}), "*4\r\n+OK\r\n$1\r\n1\r\n$-1\r\n+PONG\r\n");
  EXPECT_EQ(c.store.values("a"), std::vector<std::string>{"1"});
  EXPECT_FALSE(c.session.transaction.active);
  EXPECT_EQ(c({"GET", "a"}), "$1\r\n1\r\n");
}

TEST(RespTransactions, ExecRunsEachCommandAfterThePreviousFinished) {
  FakeStore store;
  RespSession session;
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"MULTI"}, {"SET", "a", "1"}, {"MGET", "a", "b"}, {"DEL", "a", "b"}}) {
    plan_resp_command(args, session, {});
  }
  RespCommandPlan exec = plan_resp_command({"EXEC"}, session, {});
  EXPECT_EQ(exec.keys, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(exec.writes);
  // One command's requests per step: the put, then both reads of MGET, then DEL's two deletes.
  std::vector<std::size_t> step_sizes;
  RespStep step = std::move(exec.first);
  while (!step.finished()) {
    step_sizes.push_back(step.requests.size());
    std::vector<ClientReply> replies;
    for (const auto& request : step.requests) replies.push_back(store.apply(request));
    step = step.then(std::move(replies));
  }
  EXPECT_EQ(step_sizes, (std::vector<std::size_t>{1, 2, 2}));
  EXPECT_EQ(step.reply, "*3\r\n+OK\r\n*2\r\n$1\r\n1\r\n$-1\r\n:1\r\n");
}

TEST(RespTransactions, ACommandRefusedWhileQueueingAbortsTheWholeTransaction) {
  for (const std::vector<std::string>& refused : std::vector<std::vector<std::string>>{
           {"NOSUCH", "x"}, {"GET"}, {"LPUSH", "l", "x"}, {"PING", "a", "b"}}) {
    Connection c;
    EXPECT_EQ(c({"MULTI"}), "+OK\r\n");
    EXPECT_EQ(c({"SET", "a", "1"}), "+QUEUED\r\n");
    EXPECT_EQ(c(refused).rfind("-ERR ", 0), 0u) << refused[0];
    EXPECT_EQ(c({"SET", "b", "1"}), "+QUEUED\r\n");
    EXPECT_EQ(c({"EXEC"}), "-EXECABORT Transaction discarded because of previous errors.\r\n");
    EXPECT_TRUE(c.store.requests.empty()) << "nothing of an aborted transaction runs";
    EXPECT_FALSE(c.session.transaction.active);
    EXPECT_EQ(c({"GET", "a"}), "$-1\r\n");
  }
}

TEST(RespTransactions, ErrorsAtExecTakeTheirPlaceInTheArray) {
  Connection c;
  c.store.failures["slow"] = Status::timeout("1 of 2 replicas answered");
  c({"MULTI"});
  c({"SET", "a", "1", "BOGUS"});
  c({"SET", "b", "2"});
  c({"GET", "slow"});
  c({"SET", "k", "v", "EX", "0"});
  const std::string exec = c({"EXEC"});
  EXPECT_EQ(exec.rfind("*4\r\n-ERR syntax error\r\n+OK\r\n-ERR ", 0), 0u) << exec;
  EXPECT_NE(exec.find("1 of 2 replicas answered"), std::string::npos);
  EXPECT_NE(exec.find("-ERR invalid expire time in 'set' command"), std::string::npos);
  // Not undone: the commands before and after a failed one took effect.
  EXPECT_EQ(c.store.values("b"), std::vector<std::string>{"2"});
}

TEST(RespTransactions, DiscardNestingAndWatchAnswerAsRedis) {
  Connection c;
  EXPECT_EQ(c({"EXEC"}), "-ERR EXEC without MULTI\r\n");
  EXPECT_EQ(c({"DISCARD"}), "-ERR DISCARD without MULTI\r\n");
  EXPECT_EQ(c({"WATCH", "a"}),
            "-ERR WATCH is not supported: ringkv transactions are not isolated (see "
            "docs/REDIS.md)\r\n");
  EXPECT_EQ(c({"UNWATCH"}), "+OK\r\n");
  EXPECT_EQ(c({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(c({"MULTI"}), "-ERR MULTI calls can not be nested\r\n");
  EXPECT_EQ(c({"WATCH", "a"}), "-ERR WATCH inside MULTI is not allowed\r\n");
  EXPECT_EQ(c({"UNWATCH"}), "+QUEUED\r\n");
  EXPECT_EQ(c({"SET", "a", "1"}), "+QUEUED\r\n");
  // Neither the nested MULTI nor WATCH aborts the transaction, as in Redis.
  EXPECT_EQ(c({"EXEC"}), "*2\r\n+OK\r\n+OK\r\n");
  EXPECT_EQ(c({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(c({"SET", "a", "2"}), "+QUEUED\r\n");
  EXPECT_EQ(c({"DISCARD"}), "+OK\r\n");
  EXPECT_EQ(c({"EXEC"}), "-ERR EXEC without MULTI\r\n");
  EXPECT_EQ(c.store.values("a"), std::vector<std::string>{"1"});
  EXPECT_EQ(c({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(c({"EXEC"}), "*0\r\n");
}

TEST(RespTransactions, QueuedSessionCommandsApplyInOrderAtExec) {
  Connection c;
  c.info.databases = {"default", "other"};
  c({"MULTI"});
  c({"SET", "k", "0"});
  c({"SELECT", "1"});
  c({"SET", "k", "1"});
  c({"HELLO", "3"});
  c({"GET", "nothing"});
  EXPECT_EQ(c.session.database, 0u) << "queued, not yet run";
  const std::string exec = c({"EXEC"});
  EXPECT_EQ(exec.rfind("*5\r\n+OK\r\n+OK\r\n+OK\r\n%7\r\n", 0), 0u) << exec;
  EXPECT_TRUE(exec.ends_with("_\r\n")) << "the GET after HELLO 3 answers in RESP3";
  EXPECT_EQ(c.buckets, (std::vector<std::string>{"default", "other", "other"}));
  EXPECT_EQ(c.session.database, 1u);
}

TEST(RespTransactions, QuitAndResetAreNotQueued) {
  Connection c;
  c({"MULTI"});
  c({"SET", "a", "1"});
  EXPECT_EQ(c({"RESET"}), "+RESET\r\n");
  EXPECT_FALSE(c.session.transaction.active);
  EXPECT_EQ(c({"EXEC"}), "-ERR EXEC without MULTI\r\n");
  c({"MULTI"});
  FakeStore store;
  const Outcome quit = run(store, {"QUIT"}, c.session);
  EXPECT_EQ(quit.reply, "+OK\r\n");
  EXPECT_TRUE(quit.close);
}

TEST(RespTransactions, TheQueueIsBounded) {
  Connection c;
  c({"MULTI"});
  for (std::size_t i = 0; i < kRespTransactionCommandsMax; ++i) {
    ASSERT_EQ(c({"PING"}), "+QUEUED\r\n");
  }
  EXPECT_EQ(c({"PING"}).rfind("-ERR transaction too long: ringkv queues at most 10000 commands", 0),
            0u);
  EXPECT_EQ(c({"EXEC"}), "-EXECABORT Transaction discarded because of previous errors.\r\n");
  EXPECT_TRUE(c.session.transaction.queued.empty());
}

// --- CLIENT, SELECT, RESET, TIME ---------------------------------------------------------------

RespSession named_session(std::uint64_t id, std::string name) {
  RespSession session;
  session.client_id = id;
  session.name = std::move(name);
  session.address = "127.0.0.1:5000" + std::to_string(id);
  session.local_address = "127.0.0.1:6379";
  session.fd = 10 + static_cast<std::int64_t>(id);
  session.connected_at_ms = 1000;
  session.last_command_at_ms = 4000;
  return session;
}

TEST(RespClient, NamesAreKeptValidatedAndShown) {
  Connection c;
  c.session = named_session(7, "");
  c.info.now_ms = 9000;
  EXPECT_EQ(c({"CLIENT", "ID"}), ":7\r\n");
  EXPECT_EQ(c({"CLIENT", "GETNAME"}), "$-1\r\n");
  EXPECT_EQ(c({"CLIENT", "SETNAME", "web-1"}), "+OK\r\n");
  EXPECT_EQ(c({"CLIENT", "GETNAME"}), "$5\r\nweb-1\r\n");
  EXPECT_EQ(c({"CLIENT", "SETNAME", "a b"}),
            "-ERR Client names cannot contain spaces, newlines or special characters.\r\n");
  EXPECT_EQ(c({"CLIENT", "SETNAME", "tab\there"}),
            "-ERR Client names cannot contain spaces, newlines or special characters.\r\n");
  EXPECT_EQ(c({"CLIENT", "SETNAME", std::string(1025, 'n')}).rfind("-ERR Client names is", 0), 0u);
  EXPECT_EQ(c({"CLIENT", "GETNAME"}), "$5\r\nweb-1\r\n") << "a refused name changes nothing";
  EXPECT_EQ(c({"CLIENT", "SETINFO", "LIB-NAME", "redis-py"}), "+OK\r\n");
  EXPECT_EQ(c({"CLIENT", "SETINFO", "lib-ver", "5.0.1"}), "+OK\r\n");
  EXPECT_EQ(c({"CLIENT", "SETINFO", "lib-ver", "5 0"}),
            "-ERR lib-ver cannot contain spaces, newlines or special characters.\r\n");
  EXPECT_EQ(c({"CLIENT", "SETINFO", "color", "red"}), "-ERR Unrecognized option 'color'\r\n");
  const std::string line =
      "id=7 addr=127.0.0.1:50007 laddr=127.0.0.1:6379 fd=17 name=web-1 age=8 idle=0 flags=N "
      "db=0 sub=0 psub=0 ssub=0 multi=-1 cmd=client|info user=default redir=-1 resp=2 "
      "lib-name=redis-py lib-ver=5.0.1\n";
  EXPECT_EQ(c({"CLIENT", "INFO"}), "$" + std::to_string(line.size()) + "\r\n" + line + "\r\n");
  EXPECT_EQ(c({"CLIENT", "SETNAME", ""}), "+OK\r\n");
  EXPECT_EQ(c({"CLIENT", "GETNAME"}), "$-1\r\n");
  EXPECT_EQ(c({"CLIENT", "ID", "x"}), "-ERR wrong number of arguments for 'client|id' command\r\n");
  EXPECT_EQ(c({"CLIENT"}), "-ERR wrong number of arguments for 'client' command\r\n");
  EXPECT_EQ(c({"CLIENT", "NO-EVICT", "on"}), "+OK\r\n");
  EXPECT_EQ(c({"CLIENT", "NO-TOUCH", "OFF"}), "+OK\r\n");
  EXPECT_EQ(c({"CLIENT", "NO-EVICT", "maybe"}), "-ERR syntax error\r\n");
  EXPECT_EQ(c({"CLIENT", "GETREDIR"}), ":-1\r\n");
  EXPECT_EQ(c({"CLIENT", "KILL", "ID", "3"}),
            "-ERR CLIENT KILL is not supported by ringkv (see docs/REDIS.md)\r\n");
  EXPECT_EQ(c({"CLIENT", "HELP"}).rfind("*19\r\n+CLIENT <subcommand>", 0), 0u);
}

TEST(RespClient, ListShowsEveryConnectionTheHostReports) {
  std::vector<RespSession> sessions = {named_session(1, "alpha"), named_session(2, "beta")};
  sessions[1].protocol = RespProtocol::kResp3;
  sessions[1].database = 1;
  sessions[1].transaction.active = true;
  sessions[1].transaction.queued.push_back({"PING"});
  sessions[1].last_command = "ping";
  Connection c;
  c.session = sessions[0];
  c.info.now_ms = 5000;
  c.info.for_each_client = [&](const std::function<void(const RespSession&)>& visit) {
    for (const auto& session : sessions) visit(session);
  };
  const std::string list = c({"CLIENT", "LIST"});
  EXPECT_NE(list.find("id=1 addr=127.0.0.1:50001 laddr=127.0.0.1:6379 fd=11 name=alpha age=4 "
                      "idle=1 flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 cmd=NULL"),
            std::string::npos)
      << list;
  EXPECT_NE(list.find("id=2 addr=127.0.0.1:50002 laddr=127.0.0.1:6379 fd=12 name=beta age=4 "
                      "idle=1 flags=x db=1 sub=0 psub=0 ssub=0 multi=1 cmd=ping user=default "
                      "redir=-1 resp=3 lib-name= lib-ver=\n"),
            std::string::npos)
      << list;
  const std::string only_two = c({"CLIENT", "LIST", "ID", "2", "99"});
  EXPECT_EQ(only_two.find("id=1 "), std::string::npos);
  EXPECT_NE(only_two.find("id=2 "), std::string::npos);
  EXPECT_NE(c({"CLIENT", "LIST", "TYPE", "normal"}).find("id=1 "), std::string::npos);
  EXPECT_EQ(c({"CLIENT", "LIST", "TYPE", "pubsub"}), "$0\r\n\r\n");
  EXPECT_EQ(c({"CLIENT", "LIST", "TYPE", "odd"}), "-ERR Unknown client type 'odd'\r\n");
  EXPECT_EQ(c({"CLIENT", "LIST", "ID", "x"}), "-ERR Invalid client ID\r\n");
  EXPECT_EQ(c({"CLIENT", "LIST", "FOO"}), "-ERR syntax error\r\n");
  // RESP3 clients get verbatim text.
  c({"HELLO", "3"});
  EXPECT_EQ(c({"CLIENT", "LIST", "ID", "1"}).rfind("=", 0), 0u);
  EXPECT_NE(c({"CLIENT", "INFO"}).find("txt:id=1 "), std::string::npos);
}

TEST(RespSelect, SelectAddressesTheConfiguredBucket) {
  Connection c;
  c.info.databases = {"default", "sessions", "cache"};
  EXPECT_EQ(c({"SET", "k", "zero"}), "+OK\r\n");
  EXPECT_EQ(c({"SELECT", "2"}), "+OK\r\n");
  EXPECT_EQ(c({"SET", "k", "two"}), "+OK\r\n");
  EXPECT_EQ(c({"GET", "k"}), "$3\r\ntwo\r\n");
  EXPECT_EQ(c({"SELECT", "3"}), "-ERR DB index is out of range\r\n");
  EXPECT_EQ(c({"SELECT", "-1"}), "-ERR DB index is out of range\r\n");
  EXPECT_EQ(c({"SELECT", "01"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(c({"SELECT", "99999999999999999999"}),
            "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(c.session.bucket, "cache") << "a refused SELECT keeps the database";
  EXPECT_EQ(c({"SELECT", "1"}), "+OK\r\n");
  EXPECT_EQ(c({"MGET", "k"}), "*1\r\n$-1\r\n");
  EXPECT_EQ(c.buckets, (std::vector<std::string>{"default", "cache", "cache", "sessions"}));
  EXPECT_EQ(c({"RESET"}), "+RESET\r\n");
  EXPECT_EQ(c({"GET", "k"}), "$4\r\nzero\r\n");
  EXPECT_EQ(c.buckets.back(), "default");
  c({"SELECT", "2"});
  EXPECT_NE(c({"INFO", "server"}).find("ringkv_bucket:cache\r\n"), std::string::npos);
}

TEST(RespSelect, ResetRestoresTheConnectionsDefaults) {
  Connection c;
  c.info.databases = {"a", "b"};
  c({"HELLO", "3", "SETNAME", "x"});
  c({"SELECT", "1"});
  c({"MULTI"});
  EXPECT_EQ(c({"RESET"}), "+RESET\r\n");
  EXPECT_EQ(c.session.protocol, RespProtocol::kResp2);
  EXPECT_TRUE(c.session.name.empty());
  EXPECT_EQ(c.session.database, 0u);
  EXPECT_EQ(c.session.bucket, "a");
  EXPECT_FALSE(c.session.transaction.active);
}

TEST(RespTime, TimeComesFromTheHostsClock) {
  RespServerInfo info;
  info.unix_time_us = 1'700'000'123'456'789;
  EXPECT_EQ(immediate_reply({"TIME"}, info), "*2\r\n$10\r\n1700000123\r\n$6\r\n456789\r\n");
  info.unix_time_us = 5'000'007;
  EXPECT_EQ(immediate_reply({"TIME"}, info), "*2\r\n$1\r\n5\r\n$1\r\n7\r\n");
  EXPECT_EQ(immediate_reply({"TIME", "x"}),
            "-ERR wrong number of arguments for 'time' command\r\n");
}

// --- INFO -------------------------------------------------------------------------------------

// The value of `field` in INFO text, as redis-cli's getInfoField reads it: the first occurrence
// of the name, up to the line's end.
std::string info_field(const std::string& info, const std::string& field) {
  const std::size_t at = info.find(field + ":");
  if (at == std::string::npos) return "<missing>";
  const std::size_t start = at + field.size() + 1;
  return info.substr(start, info.find("\r\n", start) - start);
}

TEST(RespInfo, ReportsWhatRedisCliStatAndExportersRead) {
  RespServerInfo info;
  info.os = "Linux 6.1.0 x86_64";
  info.process_id = 4242;
  info.tcp_port = 6379;
  info.uptime_seconds = 2 * 86400 + 5;
  info.connected_clients = 5;
  info.max_clients = 10000;
  info.total_connections_received = 17;
  info.total_commands_processed = 12345;
  info.instantaneous_ops_per_sec = 321;
  info.rejected_connections = 2;
  info.databases = {"default", "empty", "other"};
  info.memory = [] {
    RespMemoryInfo memory;
    memory.used_bytes = memory.rss_bytes = 3 * 1024 * 1024 + 512 * 1024;
    memory.peak_bytes = 5 * 1024 * 1024;
    memory.total_system_bytes = 8ull * 1024 * 1024 * 1024;
    return memory;
  };
  info.keyspace = [](std::string_view bucket) -> std::optional<RespKeyspaceInfo> {
    if (bucket == "default") return RespKeyspaceInfo{10, 0};
    if (bucket == "other") return RespKeyspaceInfo{3, 0};
    return RespKeyspaceInfo{0, 0};
  };
  const std::string text = immediate_reply({"INFO"}, info);
  // redis-cli --stat: keys (db0..db19), used_memory, connected_clients, blocked_clients,
  // total_commands_processed, total_connections_received, and the three "child" fields.
  EXPECT_EQ(info_field(text, "db0"), "keys=10,expires=0,avg_ttl=0");
  EXPECT_EQ(info_field(text, "db1"), "<missing>") << "empty databases are not listed";
  EXPECT_EQ(info_field(text, "db2"), "keys=3,expires=0,avg_ttl=0");
  EXPECT_EQ(info_field(text, "used_memory"), "3670016");
  EXPECT_EQ(info_field(text, "used_memory_human"), "3.50M");
  EXPECT_EQ(info_field(text, "used_memory_rss"), "3670016");
  EXPECT_EQ(info_field(text, "used_memory_peak"), "5242880");
  EXPECT_EQ(info_field(text, "used_memory_peak_human"), "5.00M");
  EXPECT_EQ(info_field(text, "total_system_memory_human"), "8.00G");
  EXPECT_EQ(info_field(text, "maxmemory"), "0");
  EXPECT_EQ(info_field(text, "connected_clients"), "5");
  EXPECT_EQ(info_field(text, "maxclients"), "10000");
  EXPECT_EQ(info_field(text, "blocked_clients"), "0");
  EXPECT_EQ(info_field(text, "total_commands_processed"), "12345");
  EXPECT_EQ(info_field(text, "total_connections_received"), "17");
  EXPECT_EQ(info_field(text, "instantaneous_ops_per_sec"), "321");
  EXPECT_EQ(info_field(text, "rejected_connections"), "2");
  EXPECT_EQ(info_field(text, "bgsave_in_progress"), "0");
  EXPECT_EQ(info_field(text, "aof_rewrite_in_progress"), "0");
  EXPECT_EQ(info_field(text, "loading"), "0");
  EXPECT_EQ(info_field(text, "os"), "Linux 6.1.0 x86_64");
  EXPECT_EQ(info_field(text, "process_id"), "4242");
  EXPECT_EQ(info_field(text, "uptime_in_seconds"), "172805");
  EXPECT_EQ(info_field(text, "uptime_in_days"), "2");
  EXPECT_EQ(info_field(text, "redis_mode"), "standalone");
  EXPECT_EQ(info_field(text, "role"), "master");
  EXPECT_EQ(info_field(text, "ringkv_databases"), "default,empty,other");
  EXPECT_EQ(info_field(text, "ringkv_bucket"), "default");
  for (const char* section : {"# Server", "# Clients", "# Memory", "# Persistence", "# Stats",
                              "# Replication", "# Keyspace"}) {
    EXPECT_NE(text.find(section), std::string::npos) << section;
  }
}

TEST(RespInfo, SectionsAreChosenOnceAndRespThreeGetsVerbatimText) {
  RespServerInfo info;
  const std::string memory = immediate_reply({"INFO", "memory", "MEMORY"}, info);
  EXPECT_EQ(memory,
            "$72\r\n# Memory\r\nmaxmemory:0\r\nmaxmemory_human:0B\r\n"
            "maxmemory_policy:noeviction\r\n\r\n")
      << "without the host's hook only what is configured";
  const std::string both = immediate_reply({"INFO", "stats", "persistence"}, info);
  EXPECT_LT(both.find("# Stats"), both.find("# Persistence"));
  EXPECT_EQ(info_field(immediate_reply({"INFO", "keyspace"}, info), "db0"), "<missing>")
      << "no key count from the host: no db line";
  Connection c;
  c({"HELLO", "3"});
  const std::string verbatim = c({"INFO", "replication"});
  EXPECT_EQ(verbatim, "=52\r\ntxt:# Replication\r\nrole:master\r\nconnected_slaves:0\r\n\r\n");
}

TEST(RespInfo, TheOpsMeterAveragesTheLastSixteenPeriods) {
  RespOpsMeter meter;
  EXPECT_EQ(meter.per_second(), 0u);
  meter.observe(1000, 0);
  meter.observe(1050, 10);  // Within the period: not yet a sample.
  EXPECT_EQ(meter.per_second(), 0u);
  meter.observe(1100, 100);  // 100 commands in 100 ms.
  EXPECT_EQ(meter.per_second(), 1000u);
  meter.observe(1200, 100);  // A quiet period.
  EXPECT_EQ(meter.per_second(), 500u);
  meter.observe(3200, 300);  // 200 commands over 2 s fill all sixteen periods with 100/s.
  EXPECT_EQ(meter.per_second(), 100u);
  meter.observe(3300, 300);
  EXPECT_EQ(meter.per_second(), 93u);  // (15 * 100 + 0) / 16
}

// --- COMMAND ----------------------------------------------------------------------------------

TEST(RespCommandTable, EveryEntryIsWellFormed) {
  std::set<std::string_view> names;
  for (const auto& spec : resp_command_table()) {
    EXPECT_TRUE(names.insert(spec.name).second) << spec.name << " twice";
    EXPECT_EQ(lowercase(spec.name), spec.name);
    EXPECT_NE(spec.arity, 0) << spec.name;
    EXPECT_NE(spec.plan, nullptr) << spec.name;
    EXPECT_FALSE(spec.summary.empty()) << spec.name;
    EXPECT_FALSE(spec.since.empty()) << spec.name;
    EXPECT_FALSE(spec.group.empty()) << spec.name;
    const auto syntax = parse_resp_syntax(spec.syntax);
    EXPECT_TRUE(syntax.is_ok()) << spec.name << ": " << syntax.status().to_string();
    const bool has_keys = spec.keys.first > 0;
    EXPECT_EQ(has_keys, spec.keys.step > 0) << spec.name;
    EXPECT_FALSE((spec.flags & kRespWrite) && (spec.flags & kRespReadonly)) << spec.name;
    EXPECT_EQ(find_resp_command(spec.name), &spec);
  }
  EXPECT_EQ(names.size(), resp_command_count());
}

TEST(RespCommandTable, UnsupportedFamiliesNeverOverlapImplementedCommands) {
  for (const auto name : resp_unsupported_names()) {
    EXPECT_EQ(find_resp_command(name), nullptr)
        << name << " is implemented: remove it from resp_unsupported.cc";
  }
}

TEST(RespUnsupported, EachFamilyIsNamedInsteadOfUnknownCommand) {
  FakeStore store;
  EXPECT_EQ(reply(store, {"LPUSH", "l", "x"}),
            "-ERR LPUSH is not supported by ringkv: lists are not implemented (see "
            "docs/REDIS.md)\r\n");
  EXPECT_EQ(reply(store, {"zadd", "z", "1", "a"}),
            "-ERR ZADD is not supported by ringkv: sorted sets are not implemented (see "
            "docs/REDIS.md)\r\n");
  EXPECT_NE(reply(store, {"SUBSCRIBE", "c"}).find("pub/sub are not implemented"),
            std::string::npos);
  EXPECT_NE(reply(store, {"EVAL", "return 1", "0"}).find("scripting and functions"),
            std::string::npos);
  EXPECT_NE(reply(store, {"BLPOP", "l", "0"}).find("blocking commands"), std::string::npos);
  EXPECT_NE(reply(store, {"XADD", "s", "*", "f", "v"}).find("streams"), std::string::npos);
  EXPECT_EQ(reply(store, {"NOSUCHCMD"}), "-ERR unknown command 'NOSUCHCMD'\r\n");
  EXPECT_TRUE(store.requests.empty());
}

TEST(RespCommandTable, CommandInfoPrintsRedisFormat) {
  // As Redis 7.0 answers COMMAND INFO get, less the key specifications.
  EXPECT_EQ(immediate_reply({"COMMAND", "INFO", "get"}),
            "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n"
            "*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n*0\r\n*0\r\n");
  const std::string del = immediate_reply({"COMMAND", "INFO", "DEL", "nosuch"});
  EXPECT_EQ(del.rfind("*2\r\n*10\r\n$3\r\ndel\r\n:-2\r\n*1\r\n+write\r\n:1\r\n:-1\r\n:1\r\n", 0),
            0u)
      << del;
  EXPECT_TRUE(del.ends_with("*-1\r\n")) << "unknown commands are nil";
  const std::string all = immediate_reply({"COMMAND"});
  EXPECT_EQ(all.rfind("*" + std::to_string(resp_command_count()) + "\r\n*10\r\n", 0), 0u);
  EXPECT_EQ(immediate_reply({"COMMAND", "INFO"}), all);
}

TEST(RespCommandTable, CommandDocsDescribeArgumentsAsRedisCliReadsThem) {
  const std::string docs = immediate_reply({"COMMAND", "DOCS", "set"});
  EXPECT_EQ(docs.rfind("*2\r\n$3\r\nset\r\n*10\r\n$7\r\nsummary\r\n", 0), 0u) << docs;
  // NX | XX: an optional oneof of two pure tokens, its flags simple strings.
  EXPECT_NE(docs.find("$4\r\nname\r\n$6\r\nchoice\r\n$4\r\ntype\r\n$5\r\noneof\r\n$5\r\nflags\r\n"
                      "*1\r\n+optional\r\n$9\r\narguments\r\n*2\r\n*6\r\n$4\r\nname\r\n$2\r\nnx\r\n"
                      "$4\r\ntype\r\n$10\r\npure-token\r\n$5\r\ntoken\r\n$2\r\nNX\r\n"),
            std::string::npos)
      << docs;
  Connection c;
  c({"HELLO", "3"});
  const std::string map = c({"COMMAND", "DOCS", "get", "nosuch", "GET"});
  EXPECT_EQ(map.rfind("%1\r\n$3\r\nget\r\n%5\r\n", 0), 0u) << map;
  EXPECT_EQ(immediate_reply({"COMMAND", "DOCS"})
                .rfind("*" + std::to_string(2 * resp_command_count()) + "\r\n", 0),
            0u);
}

TEST(RespCommandTable, CommandListCountGetkeysAndErrors) {
  EXPECT_EQ(immediate_reply({"COMMAND", "COUNT"}),
            ":" + std::to_string(resp_command_count()) + "\r\n");
  EXPECT_EQ(immediate_reply({"COMMAND", "LIST", "FILTERBY", "PATTERN", "*ctx"}),
            "*2\r\n$6\r\nsetctx\r\n$6\r\ndelctx\r\n");
  const std::string transaction =
      immediate_reply({"COMMAND", "LIST", "FILTERBY", "ACLCAT", "transaction"});
  EXPECT_EQ(transaction.rfind("*5\r\n$5\r\nmulti\r\n", 0), 0u) << transaction;
  EXPECT_EQ(immediate_reply({"COMMAND", "LIST", "FILTERBY", "MODULE", "x"}), "*0\r\n");
  EXPECT_EQ(immediate_reply({"COMMAND", "LIST", "FILTERBY", "COLOR", "x"}),
            "-ERR syntax error\r\n");
  EXPECT_EQ(immediate_reply({"COMMAND", "GETKEYS", "MGET", "a", "b"}),
            "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
  EXPECT_EQ(immediate_reply({"COMMAND", "GETKEYS", "SET", "k", "v", "NX"}), "*1\r\n$1\r\nk\r\n");
  EXPECT_EQ(immediate_reply({"COMMAND", "GETKEYS", "PING"}),
            "-ERR The command has no key arguments\r\n");
  EXPECT_EQ(immediate_reply({"COMMAND", "GETKEYS", "GET"}),
            "-ERR Invalid number of arguments specified for command\r\n");
  EXPECT_EQ(immediate_reply({"COMMAND", "GETKEYS", "NOPE", "x"}),
            "-ERR Invalid command specified\r\n");
  EXPECT_EQ(immediate_reply({"COMMAND", "FOO"}),
            "-ERR unknown subcommand 'FOO'. Try COMMAND HELP.\r\n");
  EXPECT_EQ(immediate_reply({"COMMAND", "HELP"}).rfind("*", 0), 0u);
}

TEST(RespCommandSyntax, RendersAsRedisCliHints) {
  const auto render = [](std::string_view syntax) {
    auto parsed = parse_resp_syntax(syntax);
    EXPECT_TRUE(parsed.is_ok()) << parsed.status().to_string();
    return parsed.is_ok() ? render_resp_syntax(*parsed) : "";
  };
  EXPECT_EQ(render("key value [NX | XX] [GET]"), "key value [NX|XX] [GET]");
  EXPECT_EQ(render("key ..."), "key [key ...]");
  EXPECT_EQ(render("[protover:integer [AUTH username password] [SETNAME clientname]]"),
            "[protover [AUTH username password] [SETNAME clientname]]");
  EXPECT_EQ(render("[EX seconds:integer | KEEPTTL]"), "[EX seconds|KEEPTTL]");
  EXPECT_EQ(render("ID | SETNAME connection-name | LIST [TYPE NORMAL] [ID client-id ...]"),
            "ID|SETNAME connection-name|LIST [TYPE NORMAL] [ID client-id [client-id ...]]");
  EXPECT_EQ(render("[ID client-id ...] [key ...]"),
            "[ID client-id [client-id ...]] [key [key ...]]");
  EXPECT_EQ(render(""), "");
  const auto set = parse_resp_syntax("key value [EX seconds:integer]");
  ASSERT_TRUE(set.is_ok());
  ASSERT_EQ(set->size(), 3u);
  EXPECT_EQ((*set)[0].type, "key");
  EXPECT_EQ((*set)[1].type, "string");
  EXPECT_EQ((*set)[2].name, "seconds");
  EXPECT_EQ((*set)[2].type, "integer");
  EXPECT_EQ((*set)[2].token, "EX");
  EXPECT_TRUE((*set)[2].optional);
}

TEST(RespCommandSyntax, MalformedSyntaxIsRefused) {
  for (const char* bad :
       {"[key", "key]", "a | | b", "...", "x:float", "[[[[[[[[[[a]]]]]]]]]]", "a |", ":integer"}) {
    EXPECT_FALSE(parse_resp_syntax(bad).is_ok()) << bad;
  }
}

// --- Helpers and settings ---------------------------------------------------------------------

TEST(RespIntegers, ParseAsRedisDoes) {
  EXPECT_EQ(parse_resp_integer("0"), 0);
  EXPECT_EQ(parse_resp_integer("-7"), -7);
  EXPECT_EQ(parse_resp_integer("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(parse_resp_integer("-9223372036854775808"), INT64_MIN);
  for (const char* bad : {"", "-", "01", "-0", "+1", " 1", "1 ", "1.0", "9223372036854775808",
                          "-9223372036854775809", "99999999999999999999", "0x10"}) {
    EXPECT_EQ(parse_resp_integer(bad), std::nullopt) << bad;
  }
}

TEST(RespDatabases, TheSettingListsValidBucketsOnce) {
  EXPECT_EQ(*parse_resp_databases("default"), std::vector<std::string>{"default"});
  EXPECT_EQ(*parse_resp_databases("default,sessions,cache:v2"),
            (std::vector<std::string>{"default", "sessions", "cache:v2"}));
  for (const std::string& bad :
       {std::string(""), std::string("a,"), std::string(",a"), std::string("a,,b"),
        std::string("a,a"), std::string("a b"), std::string("a\tb"), std::string(256, 'b')}) {
    const auto parsed = parse_resp_databases(bad);
    EXPECT_FALSE(parsed.is_ok()) << bad;
    if (!parsed.is_ok()) {
      EXPECT_EQ(parsed.status().message().rfind("resp_databases", 0), 0u)
          << parsed.status().message();
    }
  }
  std::string many = "b0";
  for (std::size_t i = 1; i < kRespDatabasesMax; ++i) many += ",b" + std::to_string(i);
  EXPECT_TRUE(parse_resp_databases(many).is_ok());
  EXPECT_FALSE(parse_resp_databases(many + ",one-more").is_ok());
}

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

TEST(RespConfig, GetMatchesParameterNamesWithRedisGlobs) {
  FakeStore store;
  EXPECT_EQ(reply(store, {"CONFIG", "GET", "maxmemory*"}),
            "*4\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n$16\r\nmaxmemory-policy\r\n$10\r\nnoeviction\r\n");
  EXPECT_EQ(reply(store, {"CONFIG", "GET", "[sd]a*"}),
            "*4\r\n$4\r\nsave\r\n$0\r\n\r\n$9\r\ndatabases\r\n$1\r\n1\r\n");
  EXPECT_EQ(reply(store, {"CONFIG", "GET", "MAXMEMORY"}), "*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n")
      << "without case, as Redis";
  EXPECT_EQ(reply(store, {"CONFIG", "GET", "save", "s*"}), "*2\r\n$4\r\nsave\r\n$0\r\n\r\n")
      << "each parameter once";
  EXPECT_EQ(reply(store, {"CONFIG", "GET", "[^s]ave"}), "*0\r\n");
  EXPECT_EQ(reply(store, {"CONFIG", "GET", "sav\\e"}), "*2\r\n$4\r\nsave\r\n$0\r\n\r\n");
  EXPECT_EQ(reply(store, {"COMMAND", "LIST", "FILTERBY", "PATTERN", "[cd]L[^x]ENT"}),
            "*1\r\n$6\r\nclient\r\n")
      << "command names too, without case";
}

TEST(RespSession, PlanningRecordsTheLastCommandForClientList) {
  Connection c;
  c.info.now_ms = 1234;
  c({"CLIENT", "SETNAME", "x"});
  EXPECT_EQ(c.session.last_command, "client|setname");
  EXPECT_EQ(c.session.last_command_at_ms, 1234u);
  c({"get", "k"});
  EXPECT_EQ(c.session.last_command, "get");
  c({"nosuch"});
  EXPECT_EQ(c.session.last_command, "NULL");
}

}  // namespace
}  // namespace ringkv::api
