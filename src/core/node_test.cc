#include "core/node.h"

#include <gtest/gtest.h>

#include "core/version/context.h"
#include "storage/memory_engine.h"

namespace ringkv::core {
namespace {

// Drives one Node by hand, applying effects the way effects.h prescribes.
class NodeHarness {
 public:
  explicit NodeHarness(NodeConfig config = default_config())
      : engine_(storage::make_memory_engine()), random_(1), node_(config, *engine_, random_) {
    EXPECT_TRUE(node_.start(0).is_ok());
    apply();
  }

  static NodeConfig default_config() {
    NodeConfig config;
    config.node_id = "n1";
    config.value_max_bytes = 1000;
    return config;
  }

  ClientReply call(ClientRequest request) {
    request.request_id = next_id_++;
    node_.on_client_request(std::move(request), now_ms_ += 1);
    apply();
    EXPECT_EQ(replies_.size(), 1u);
    ClientReply reply = replies_.back();
    replies_.clear();
    return reply;
  }
  ClientReply get(const std::string& key) {
    return call({.op = ClientOp::kGet, .bucket = "b", .key = key});
  }
  ClientReply put(const std::string& key, const std::string& value, const std::string& ctx = "") {
    return call({.op = ClientOp::kPut, .bucket = "b", .key = key, .context = ctx, .value = value});
  }
  ClientReply del(const std::string& key, const std::string& ctx) {
    return call({.op = ClientOp::kDelete, .bucket = "b", .key = key, .context = ctx});
  }

  // When false, persist effects are written but their completions are withheld.
  bool complete_persists = true;
  std::vector<std::uint64_t> withheld;
  Node& node() { return node_; }
  std::vector<ClientReply>& replies() { return replies_; }

  void apply() {
    for (auto& effect : node_.take_effects()) {
      if (auto* persist = std::get_if<PersistEffect>(&effect)) {
        EXPECT_TRUE(engine_->write(persist->batch, [](Status) {}).is_ok());
        if (complete_persists) {
          node_.on_persisted(persist->token, Status::ok());
        } else {
          withheld.push_back(persist->token);
        }
      } else if (auto* reply = std::get_if<ReplyEffect>(&effect)) {
        replies_.push_back(reply->reply);
      }
    }
    if (complete_persists) {
      // Completions may produce more effects.
      auto more = node_.take_effects();
      for (auto& effect : more) {
        if (auto* reply = std::get_if<ReplyEffect>(&effect)) replies_.push_back(reply->reply);
      }
    }
  }

 private:
  std::unique_ptr<storage::Engine> engine_;
  SplitMix64 random_;
  Node node_;
  std::uint64_t next_id_ = 1;
  std::uint64_t now_ms_ = 0;
  std::vector<ClientReply> replies_;
};

TEST(Node, PutThenGetReturnsTheValue) {
  NodeHarness harness;
  EXPECT_TRUE(harness.put("k", "v1").status.is_ok());
  const ClientReply reply = harness.get("k");
  ASSERT_TRUE(reply.status.is_ok());
  EXPECT_EQ(reply.values, std::vector<std::string>{"v1"});
  auto context = decode_context(reply.context);
  ASSERT_TRUE(context.is_ok());
  EXPECT_EQ(context->coordinator_hint, "n1");
}

TEST(Node, BlindPutsBecomeSiblingsAndAContextCollapsesThem) {
  NodeHarness harness;
  ASSERT_TRUE(harness.put("k", "a").status.is_ok());
  ASSERT_TRUE(harness.put("k", "b").status.is_ok());
  const ClientReply siblings = harness.get("k");
  EXPECT_EQ(siblings.values.size(), 2u);
  ASSERT_TRUE(harness.put("k", "c", siblings.context).status.is_ok());
  EXPECT_EQ(harness.get("k").values, std::vector<std::string>{"c"});
}

TEST(Node, DeleteWithContextHidesTheKey) {
  NodeHarness harness;
  ASSERT_TRUE(harness.put("k", "a").status.is_ok());
  ASSERT_TRUE(harness.del("k", harness.get("k").context).status.is_ok());
  EXPECT_TRUE(harness.get("k").values.empty());
}

TEST(Node, WriteIsAcknowledgedOnlyAfterItIsPersisted) {
  NodeHarness harness;
  harness.complete_persists = false;
  harness.node().on_client_request({.request_id = 7, .op = ClientOp::kPut, .bucket = "b",
                                    .key = "k", .value = "v"},
                                   5);
  harness.apply();
  EXPECT_TRUE(harness.replies().empty());
  ASSERT_EQ(harness.withheld.size(), 1u);
  harness.node().on_persisted(harness.withheld[0], Status::ok());
  harness.complete_persists = true;
  harness.apply();
  ASSERT_EQ(harness.replies().size(), 1u);
  EXPECT_EQ(harness.replies()[0].request_id, 7u);
}

TEST(Node, AFailedPersistIsReportedToTheClient) {
  NodeHarness harness;
  harness.complete_persists = false;
  harness.node().on_client_request({.request_id = 3, .op = ClientOp::kPut, .bucket = "b",
                                    .key = "k", .value = "v"},
                                   5);
  harness.apply();
  harness.node().on_persisted(harness.withheld.at(0), Status::io_error("disk full"));
  auto effects = harness.node().take_effects();
  ASSERT_EQ(effects.size(), 1u);
  const auto& reply = std::get<ReplyEffect>(effects[0]).reply;
  EXPECT_EQ(reply.status.code(), StatusCode::kIoError);
}

TEST(Node, RejectsOversizeKeysAndValuesNamingTheLimit) {
  NodeHarness harness;
  const ClientReply big_value = harness.put("k", std::string(1001, 'x'));
  EXPECT_EQ(big_value.status.code(), StatusCode::kTooLarge);
  EXPECT_NE(big_value.status.message().find("value_max_bytes"), std::string::npos);
  const ClientReply big_key = harness.put(std::string(64 * 1024 + 1, 'k'), "v");
  EXPECT_EQ(big_key.status.code(), StatusCode::kTooLarge);
  EXPECT_NE(big_key.status.message().find("64 KiB"), std::string::npos);
  EXPECT_EQ(harness.put("", "v").status.code(), StatusCode::kInvalidArgument);
  // A value exactly at the limit is fine.
  EXPECT_TRUE(harness.put("k", std::string(1000, 'x')).status.is_ok());
}

TEST(Node, RejectsAMalformedContext) {
  NodeHarness harness;
  const ClientReply reply = harness.put("k", "v", "\x07garbage");
  EXPECT_EQ(reply.status.code(), StatusCode::kInvalidArgument);
}

TEST(Node, RefusesMoreSiblingsThanTheLimit) {
  NodeHarness harness;
  for (std::size_t i = 0; i < limits::kSiblingsMax; ++i) {
    ASSERT_TRUE(harness.put("k", "v" + std::to_string(i)).status.is_ok());
  }
  const ClientReply refused = harness.put("k", "one too many");
  EXPECT_EQ(refused.status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status.message().find("siblings"), std::string::npos);
  // Reconciling with the read's context is always possible.
  EXPECT_TRUE(harness.put("k", "merged", harness.get("k").context).status.is_ok());
}

TEST(NodeConfig, ValidateNamesTheSetting) {
  NodeConfig config = NodeHarness::default_config();
  config.partition_count = 100;
  EXPECT_NE(config.validate().message().find("partition_count"), std::string::npos);
}

}  // namespace
}  // namespace ringkv::core
