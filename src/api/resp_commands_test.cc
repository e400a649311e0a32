#include "api/resp_commands.h"

#include <gtest/gtest.h>

#include <map>

#include "api/base64.h"

namespace ringkv::api {
namespace {

using core::ClientOp;
using core::ClientReply;
using core::ClientRequest;

// A one-node store with the version semantics the commands rely on: a context names the version
// it read; a write with the current context (or supersede_known) replaces every value, any other
// write adds a sibling.
class FakeStore {
 public:
  ClientReply apply(const ClientRequest& request) {
    requests.push_back(request);
    ClientReply reply;
    if (auto it = failures.find(request.key); it != failures.end()) {
      reply.status = it->second;
      return reply;
    }
    Entry& entry = entries_[request.key];
    const std::string current = "ctx:" + std::to_string(entry.version);
    if (request.op == ClientOp::kGet) {
      reply.values = entry.values;
      reply.context = current;
      return reply;
    }
    const bool supersedes = request.supersede_known || request.context == current;
    if (supersedes) entry.values.clear();
    if (request.op == ClientOp::kPut) entry.values.push_back(request.value);
    ++entry.version;
    return reply;
  }

  void put_siblings(const std::string& key, std::vector<std::string> values) {
    entries_[key].values = std::move(values);
  }
  const std::vector<std::string>& values(const std::string& key) { return entries_[key].values; }

  std::vector<ClientRequest> requests;
  std::map<std::string, Status> failures;

 private:
  struct Entry {
    std::vector<std::string> values;
    int version = 0;
  };
  std::map<std::string, Entry> entries_;
};

struct Outcome {
  std::string reply;
  bool close = false;
  RespCommandPlan plan;  // Keys and access of the command (its steps are consumed).
};

// Runs a command to completion against `store`, step by step, as a RESP session would.
Outcome run(FakeStore& store, std::vector<std::string> args, const RespServerInfo& info = {}) {
  Outcome outcome;
  outcome.plan = plan_resp_command(std::move(args), info);
  RespStep step = std::move(outcome.plan.first);
  for (int steps = 0; !step.finished(); ++steps) {
    EXPECT_LT(steps, 5) << "a command takes a bounded number of steps";
    EXPECT_TRUE(step.then);
    std::vector<ClientReply> replies;
    for (const auto& request : step.requests) {
      EXPECT_EQ(request.bucket, "default");
      replies.push_back(store.apply(request));
    }
    step = step.then(std::move(replies));
  }
  outcome.reply = step.reply;
  outcome.close = step.close_connection;
  return outcome;
}

std::string reply(FakeStore& store, std::vector<std::string> args) {
  return run(store, std::move(args)).reply;
}

TEST(RespCommands, PingAndEchoAnswerRightAway) {
  const RespCommandPlan ping = plan_resp_command({"PING"}, {});
  EXPECT_TRUE(ping.first.finished());
  EXPECT_EQ(ping.first.reply, "+PONG\r\n");
  EXPECT_EQ(plan_resp_command({"ping", "hi"}, {}).first.reply, "$2\r\nhi\r\n");
  EXPECT_EQ(plan_resp_command({"EcHo", "x y"}, {}).first.reply, "$3\r\nx y\r\n");
}

TEST(RespCommands, SetSupersedesWhatIsKnownAndGetReadsIt) {
  FakeStore store;
  EXPECT_EQ(reply(store, {"GET", "k"}), "$-1\r\n");
  EXPECT_EQ(reply(store, {"SET", "k", "v1"}), "+OK\r\n");
  const ClientRequest& put = store.requests.back();
  EXPECT_EQ(put.op, ClientOp::kPut);
  EXPECT_EQ(put.key, "k");
  EXPECT_EQ(put.value, "v1");
  EXPECT_TRUE(put.context.empty());
  EXPECT_TRUE(put.supersede_known);
  EXPECT_EQ(reply(store, {"SET", "k", "v2"}), "+OK\r\n");
  EXPECT_EQ(reply(store, {"get", "k"}), "$2\r\nv2\r\n");
}

TEST(RespCommands, GetOfAKeyWithSiblingsPointsToGetall) {
  FakeStore store;
  store.put_siblings("k", {"a", "b"});
  EXPECT_EQ(reply(store, {"GET", "k"}),
            "-ERR key has 2 siblings; use GETALL key to read them all with their context\r\n");
}

TEST(RespCommands, ExpiryOptionsAreRefusedAndNothingIsWritten) {
  FakeStore store;
  EXPECT_EQ(reply(store, {"SET", "k", "v", "EX", "10"}),
            "-ERR ringkv keys do not expire: SET option EX is not supported\r\n");
  EXPECT_EQ(reply(store, {"SET", "k", "v", "keepttl"}),
            "-ERR ringkv keys do not expire: SET option keepttl is not supported\r\n");
  EXPECT_EQ(reply(store, {"SET", "k", "v", "NX", "XX"}), "-ERR syntax error\r\n");
  EXPECT_EQ(reply(store, {"SET", "k", "v", "BOGUS"}), "-ERR syntax error\r\n");
  EXPECT_TRUE(store.requests.empty());
}

TEST(RespCommands, SetNxAndXxDecideOnARead) {
  FakeStore store;
  EXPECT_EQ(reply(store, {"SET", "k", "v1", "XX"}), "$-1\r\n");
  EXPECT_TRUE(store.values("k").empty());
  EXPECT_EQ(reply(store, {"SET", "k", "v1", "NX"}), "+OK\r\n");
  // The write carries the read's context instead of superseding blindly.
  EXPECT_EQ(store.requests.back().context, "ctx:0");
  EXPECT_FALSE(store.requests.back().supersede_known);
  EXPECT_EQ(reply(store, {"SET", "k", "v2", "nx"}), "$-1\r\n");
  EXPECT_EQ(reply(store, {"SET", "k", "v3", "XX"}), "+OK\r\n");
  EXPECT_EQ(store.values("k"), std::vector<std::string>{"v3"});
}

TEST(RespCommands, SetGetReturnsTheOldValue) {
  FakeStore store;
  EXPECT_EQ(reply(store, {"SET", "k", "v1", "GET"}), "$-1\r\n");
  EXPECT_EQ(reply(store, {"SET", "k", "v2", "GET"}), "$2\r\nv1\r\n");
  EXPECT_EQ(reply(store, {"SET", "k", "v3", "NX", "GET"}), "$2\r\nv2\r\n");
  EXPECT_EQ(store.values("k"), std::vector<std::string>{"v2"});
  store.put_siblings("k", {"a", "b"});
  EXPECT_EQ(reply(store, {"SET", "k", "v4", "GET"}).rfind("-ERR key has 2 siblings", 0), 0u);
  EXPECT_EQ(store.values("k"), (std::vector<std::string>{"a", "b"}));
}

TEST(RespCommands, DelCountsExistingKeysAndDeletesWithTheReadContext) {
  FakeStore store;
  ASSERT_EQ(reply(store, {"SET", "a", "1"}), "+OK\r\n");
  store.put_siblings("b", {"x", "y"});
  store.requests.clear();
  EXPECT_EQ(reply(store, {"DEL", "a", "b", "missing", "a"}), ":2\r\n");
  // Three distinct reads, then deletes only for the two keys that exist, with their contexts.
  ASSERT_EQ(store.requests.size(), 5u);
  EXPECT_EQ(store.requests[3].op, ClientOp::kDelete);
  EXPECT_EQ(store.requests[3].key, "a");
  EXPECT_EQ(store.requests[3].context, "ctx:1");
  EXPECT_FALSE(store.requests[3].supersede_known);
  EXPECT_EQ(store.requests[4].key, "b");
  EXPECT_TRUE(store.values("a").empty());
  EXPECT_TRUE(store.values("b").empty());
  EXPECT_EQ(reply(store, {"DEL", "a"}), ":0\r\n");
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
  store.put_siblings("s", {"x", "y"});
  EXPECT_EQ(reply(store, {"MGET", "a", "missing", "s"}),
            "*3\r\n$1\r\n1\r\n$-1\r\n-ERR key has 2 siblings; use GETALL key to read them all "
            "with their context\r\n");
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
  EXPECT_EQ(reply(store, {"GET", "slow"}).rfind("-ERR ", 0), 0u);
  EXPECT_NE(reply(store, {"MGET", "a", "slow"}).find("2 of 3 replicas did not answer"),
            std::string::npos);
  EXPECT_NE(reply(store, {"DEL", "slow"}).find("2 of 3 replicas"), std::string::npos);
  EXPECT_NE(reply(store, {"EXISTS", "slow"}).find("2 of 3 replicas"), std::string::npos);
  EXPECT_NE(reply(store, {"GETALL", "slow"}).find("2 of 3 replicas"), std::string::npos);
}

TEST(RespCommands, UnknownCommandsAndWrongArityGetRedisErrors) {
  FakeStore store;
  EXPECT_EQ(reply(store, {"FLUSHALL"}), "-ERR unknown command 'FLUSHALL'\r\n");
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
  const std::string all = plan_resp_command({"INFO"}, info).first.reply;
  EXPECT_EQ(all.rfind("$", 0), 0u);
  EXPECT_NE(all.find("# Server\r\nredis_version:7.0.0\r\n"), std::string::npos);
  EXPECT_NE(all.find("tcp_port:6380\r\n"), std::string::npos);
  EXPECT_NE(all.find("ringkv_value_max_bytes:1048576\r\n"), std::string::npos);
  EXPECT_NE(all.find("connected_clients:3\r\n"), std::string::npos);
  const std::string clients = plan_resp_command({"info", "CLIENTS"}, info).first.reply;
  EXPECT_EQ(clients.find("# Server"), std::string::npos);
  EXPECT_NE(clients.find("# Clients"), std::string::npos);
  EXPECT_EQ(plan_resp_command({"INFO", "nosuchsection"}, info).first.reply, "$0\r\n\r\n");
}

TEST(RespCommands, ToolsCanStart) {
  FakeStore store;
  EXPECT_EQ(reply(store, {"COMMAND"}), "*0\r\n");
  EXPECT_EQ(reply(store, {"COMMAND", "DOCS"}), "*0\r\n");
  EXPECT_EQ(reply(store, {"COMMAND", "COUNT"}),
            ":" + std::to_string(resp_command_count()) + "\r\n");
  EXPECT_NE(reply(store, {"COMMAND", "LIST"}).find("$6\r\ngetall\r\n"), std::string::npos);
  // redis-benchmark reads these two before it starts.
  EXPECT_EQ(reply(store, {"CONFIG", "GET", "save"}), "*2\r\n$4\r\nsave\r\n$0\r\n\r\n");
  EXPECT_EQ(reply(store, {"CONFIG", "GET", "appendonly"}),
            "*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n");
  EXPECT_EQ(reply(store, {"CONFIG", "GET", "app*", "sa?e"}),
            "*4\r\n$4\r\nsave\r\n$0\r\n\r\n$10\r\nappendonly\r\n$2\r\nno\r\n");
  EXPECT_EQ(reply(store, {"CONFIG", "GET", "maxmemory"}), "*0\r\n");
  EXPECT_EQ(reply(store, {"CONFIG", "SET", "save", ""}).rfind("-ERR CONFIG set is not", 0), 0u);
  EXPECT_EQ(reply(store, {"SELECT", "0"}), "+OK\r\n");
  EXPECT_EQ(reply(store, {"SELECT", "1"}), "-ERR DB index is out of range\r\n");
  EXPECT_EQ(reply(store, {"SELECT", "x"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(reply(store, {"CLIENT", "SETNAME", "bench"}), "+OK\r\n");
  EXPECT_EQ(reply(store, {"CLIENT", "SETINFO", "lib-name", "redis-py"}), "+OK\r\n");
  EXPECT_EQ(reply(store, {"CLIENT", "KILL", "x"}),
            "-ERR unknown subcommand 'KILL'. Try CLIENT HELP.\r\n");
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

}  // namespace
}  // namespace ringkv::api
