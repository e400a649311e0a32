#include "api/resp_commands.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "api/base64.h"
#include "api/resp_command_syntax.h"
#include "api/resp_commands_test_support.h"
#include "api/resp_planner.h"
#include "api/resp_stats.h"
#include "common/glob.h"
#include "core/datatypes/data_op.h"
#include "core/datatypes/data_types.h"
#include "core/scan/scan_page.h"

namespace ringkv::api {
namespace {

using namespace resp_testing;  // NOLINT(google-build-using-namespace)

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
  // A stored infinity is a number whose sum is not finite, as in Redis; a stored NaN is text.
  EXPECT_EQ(reply(store, {"SET", "s", "-inf"}), "+OK\r\n");
  EXPECT_EQ(reply(store, {"INCRBYFLOAT", "s", "1"}), incr_infinite);
  EXPECT_EQ(reply(store, {"HSET", "h", "a", "INF"}), ":1\r\n");
  EXPECT_EQ(reply(store, {"HINCRBYFLOAT", "h", "a", "1"}), incr_infinite);
  EXPECT_EQ(reply(store, {"SET", "s", "nan"}), "+OK\r\n");
  EXPECT_EQ(reply(store, {"INCRBYFLOAT", "s", "1"}), not_a_float);
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
  // The store's clock ticks once per request: SETEX ran at now_ms.
  const std::uint64_t expires_at = store.now_ms + 5000;
  EXPECT_EQ(reply(store, {"TTL", "t"}), ":5\r\n");
  EXPECT_EQ(reply(store, {"PEXPIRETIME", "t"}), ":" + std::to_string(expires_at) + "\r\n");
  EXPECT_EQ(reply(store, {"EXPIRETIME", "t"}), ":" + std::to_string(expires_at / 1000) + "\r\n");
  EXPECT_EQ(reply(store, {"EXPIRETIME", "k"}), ":-1\r\n");
  EXPECT_EQ(reply(store, {"PEXPIRETIME", "missing"}), ":-2\r\n");
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
  EXPECT_EQ(reply(store, {"NOSUCHCMD", "0", "1"}), "-ERR unknown command 'NOSUCHCMD'\r\n");
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
