// A node's scan paths driven by hand: a one-node cluster answers a scan from its own storage in
// the same event, and page requests from peers are checked before any storage is read.
#include <gtest/gtest.h>

#include <set>

#include "core/node.h"
#include "storage/memory_engine.h"

namespace ringkv::core {
namespace {

class ScanNode : public ::testing::Test {
 protected:
  ScanNode()
      : engine_(storage::make_memory_engine()), random_(3), node_(config(), *engine_, random_) {
    EXPECT_TRUE(node_.start(0).is_ok());
    apply();
  }

  static NodeConfig config() {
    NodeConfig config;
    config.node_id = "n1";
    config.partition_count = 16;
    return config;
  }

  void apply() {
    while (true) {
      auto effects = node_.take_effects();
      if (effects.empty()) return;
      for (auto& effect : effects) {
        if (auto* persist = std::get_if<PersistEffect>(&effect)) {
          EXPECT_TRUE(engine_->write(persist->batch, [](Status) {}).is_ok());
          node_.on_persisted(persist->token, Status::ok());
        } else if (auto* reply = std::get_if<ReplyEffect>(&effect)) {
          replies_.push_back(reply->reply);
        } else if (auto* send = std::get_if<SendEffect>(&effect)) {
          sent_.push_back(*send);
        }
      }
    }
  }

  ClientReply call(ClientRequest request) {
    request.request_id = ++next_id_;
    node_.on_client_request(std::move(request), now_ms_ += 1);
    apply();
    EXPECT_EQ(replies_.size(), 1u);
    ClientReply reply = replies_.empty() ? ClientReply{} : replies_.back();
    replies_.clear();
    return reply;
  }

  ClientReply scan(const std::string& cursor, ScanQuery query = {}) {
    query.cursor = cursor;
    return call({.op = ClientOp::kScan, .bucket = "b", .scan = std::move(query)});
  }

  // The node's answer to a page request from peer "n9".
  ScanReply page_request(ScanRequest request) {
    sent_.clear();
    node_.on_peer_message("n9", request, now_ms_ += 1);
    apply();
    EXPECT_EQ(sent_.size(), 1u);
    if (sent_.empty()) return {};
    EXPECT_EQ(sent_[0].to, "n9");
    const auto* reply = std::get_if<ScanReply>(&sent_[0].message);
    EXPECT_NE(reply, nullptr);
    return reply != nullptr ? *reply : ScanReply{};
  }

  std::unique_ptr<storage::Engine> engine_;
  SplitMix64 random_;
  Node node_;
  std::uint64_t next_id_ = 0;
  std::uint64_t now_ms_ = 0;
  std::vector<ClientReply> replies_;
  std::vector<SendEffect> sent_;
};

TEST_F(ScanNode, AOneNodeClusterScansItsOwnStorageInTheSameEvent) {
  std::set<std::string> written;
  for (int i = 0; i < 50; ++i) {
    const std::string key = "k" + std::to_string(i);
    ASSERT_TRUE(
        call({.op = ClientOp::kPut, .bucket = "b", .key = key, .value = "v"}).status.is_ok());
    written.insert(key);
  }
  std::set<std::string> found;
  std::string cursor = "0";
  int calls = 0;
  do {
    const ClientReply reply = scan(cursor, {.count = 7});
    ASSERT_TRUE(reply.status.is_ok()) << reply.status.to_string();
    EXPECT_LE(reply.scan.keys.size(), 7u);
    for (const auto& key : reply.scan.keys) EXPECT_TRUE(found.insert(key).second) << key;
    cursor = reply.scan.cursor;
  } while (cursor != "0" && ++calls < 100);
  EXPECT_EQ(found, written);
  EXPECT_EQ(node_.operations_in_flight(), 0u);
  EXPECT_EQ(node_.stats().scans, static_cast<std::uint64_t>(calls + 1));
  const ClientReply counted = scan("0", {.count_only = true});
  EXPECT_EQ(counted.scan.count, 50u);
  EXPECT_EQ(counted.scan.cursor, "0");  // 16 partitions, all within one call's page budget.
}

TEST_F(ScanNode, PageRequestsFromPeersAreCheckedFirst) {
  ASSERT_TRUE(call({.op = ClientOp::kPut, .bucket = "b", .key = "k", .value = "v"}).status.is_ok());
  const ScanRequest good{.operation_id = 5, .bucket = "b", .partition = 0, .limit = 10};
  for (std::uint32_t partition = 0; partition < 16; ++partition) {
    ScanRequest request = good;
    request.partition = partition;
    const ScanReply reply = page_request(request);
    ASSERT_TRUE(reply.status.is_ok()) << reply.status.to_string();
    EXPECT_EQ(reply.operation_id, 5u);
    EXPECT_TRUE(reply.page.done);
  }
  auto refused = [&](ScanRequest request, const std::string& why) {
    const ScanReply reply = page_request(std::move(request));
    EXPECT_EQ(reply.status.code(), StatusCode::kInvalidArgument) << why;
    EXPECT_NE(reply.status.message().find(why), std::string::npos) << reply.status.to_string();
  };
  ScanRequest bad = good;
  bad.partition = 16;
  refused(bad, "partition 16 of a ring of 16");
  bad = good;
  bad.limit = 0;
  refused(bad, "the limit is 1 to 1024");
  bad.limit = kScanCountMax + 1;
  refused(bad, "the limit is 1 to 1024");
  bad = good;
  bad.bucket.clear();
  refused(bad, "invalid bucket");
  bad.bucket = std::string(300, 'b');
  refused(bad, "invalid bucket");
  bad = good;
  bad.after = std::string(limits::kKeyMaxBytes + 1, 'k');
  refused(bad, "position over 64 KiB");
  bad = good;
  bad.filter.type = "widget";
  refused(bad, "unknown scan TYPE");
  bad = good;
  bad.filter.match = std::string(kScanMatchMaxBytes + 1, '?');
  refused(bad, "MATCH pattern");
  // Counting ignores the limit.
  ScanRequest count = good;
  count.count_only = true;
  count.limit = 0;
  EXPECT_TRUE(page_request(count).status.is_ok());
  // Operation id 0 wants no answer.
  sent_.clear();
  node_.on_peer_message("n9", ScanRequest{.bucket = "b", .limit = 1}, now_ms_ += 1);
  apply();
  EXPECT_TRUE(sent_.empty());
}

TEST_F(ScanNode, RepliesNobodyAskedForAreIgnored) {
  ScanReply stray;
  stray.operation_id = 12345;
  stray.page.keys = {"x"};
  stray.page.done = true;
  node_.on_peer_message("n9", stray, now_ms_ += 1);
  apply();
  EXPECT_TRUE(replies_.empty());
  EXPECT_EQ(node_.operations_in_flight(), 0u);
}

TEST_F(ScanNode, ScansAreRefusedWhenForwardedOrMalformed) {
  ClientRequest request{.op = ClientOp::kScan, .bucket = "b"};
  request.scan.cursor = "0";
  sent_.clear();
  node_.on_peer_message("n9", ForwardRequest{.forward_id = 9, .request = request}, now_ms_ += 1);
  apply();
  ASSERT_EQ(sent_.size(), 1u);
  const auto* reply = std::get_if<ForwardReply>(&sent_[0].message);
  ASSERT_NE(reply, nullptr);
  EXPECT_EQ(reply->reply.status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(scan("not-a-cursor").status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(scan("0", {.match = std::string(kScanMatchMaxBytes + 1, 'a')}).status.code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(call({.op = ClientOp::kScan, .bucket = "b", .r = 4}).status.code(),
            StatusCode::kInvalidArgument);  // r=4 exceeds n=3.
}

}  // namespace
}  // namespace ringkv::core
