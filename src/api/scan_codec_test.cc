// Scans on the wire: the client's ScanRequest and ScanResponse, and the peers' page request and
// reply, with the bounds a receiver enforces before the core sees anything.
#include <gtest/gtest.h>

#include "api/native_codec.h"

namespace ringkv::api {
namespace {

std::string serialize(const wire::Request& request) {
  std::string out;
  request.SerializeToString(&out);
  return out;
}

Result<PeerDelivery> round_trip(const core::PeerMessage& message) {
  std::uint64_t id = 0;
  auto incoming = parse_incoming(serialize(make_peer_frame("n2", message)), &id);
  if (!incoming.is_ok()) return incoming.status();
  return std::get<PeerDelivery>(std::move(*incoming));
}

TEST(ScanCodec, RoundTripsAClientScanAndItsResponse) {
  core::ClientRequest request{
      .request_id = 3, .op = core::ClientOp::kScan, .bucket = "b", .r = 1, .timeout_ms = 900};
  request.scan = {.cursor = "1AbC", .count = 25, .match = "user:*", .type = "string"};
  std::uint64_t id = 0;
  auto incoming = parse_incoming(serialize(make_request(request)), &id);
  ASSERT_TRUE(incoming.is_ok()) << incoming.status().to_string();
  const auto& parsed = std::get<core::ClientRequest>(*incoming);
  EXPECT_EQ(parsed.op, core::ClientOp::kScan);
  EXPECT_EQ(parsed.bucket, "b");
  EXPECT_EQ(parsed.r, 1u);
  EXPECT_EQ(parsed.timeout_ms, 900u);
  EXPECT_EQ(parsed.scan.cursor, "1AbC");
  EXPECT_EQ(parsed.scan.count, 25u);
  EXPECT_EQ(parsed.scan.match, "user:*");
  EXPECT_EQ(parsed.scan.type, "string");
  EXPECT_FALSE(parsed.scan.count_only);

  core::ClientReply reply;
  reply.request_id = 3;
  reply.scan.keys = {"a", std::string("b\0c", 3)};
  reply.scan.cursor = "1XYZ";
  reply.scan.count = 7;
  std::string bytes;
  to_response(reply, core::ClientOp::kScan).SerializeToString(&bytes);
  auto back = parse_response(bytes);
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(back->scan.keys, reply.scan.keys);
  EXPECT_EQ(back->scan.cursor, "1XYZ");
  EXPECT_EQ(back->scan.count, 7u);
}

TEST(ScanCodec, AnEmptyBucketMeansTheDefaultBucket) {
  wire::Request request;
  request.set_protocol_version(kProtocolVersion);
  request.mutable_scan()->set_count_only(true);
  std::uint64_t id = 0;
  auto parsed = parse_incoming(serialize(request), &id);
  ASSERT_TRUE(parsed.is_ok());
  EXPECT_EQ(std::get<core::ClientRequest>(*parsed).bucket, "default");
  EXPECT_TRUE(std::get<core::ClientRequest>(*parsed).scan.count_only);
}

TEST(ScanCodec, RoundTripsPageRequestsAndReplies) {
  core::ScanRequest request{.operation_id = 77,
                            .bucket = "b",
                            .partition = 4095,
                            .after = std::string("k\0", 2),
                            .limit = 1024,
                            .filter = {"a*", "hash"},
                            .count_only = false};
  auto delivered = round_trip(request);
  ASSERT_TRUE(delivered.is_ok()) << delivered.status().to_string();
  EXPECT_EQ(delivered->from, "n2");
  const auto& got = std::get<core::ScanRequest>(delivered->message);
  EXPECT_EQ(got.operation_id, 77u);
  EXPECT_EQ(got.bucket, "b");
  EXPECT_EQ(got.partition, 4095u);
  EXPECT_EQ(got.after, request.after);
  EXPECT_EQ(got.limit, 1024u);
  EXPECT_EQ(got.filter, request.filter);

  core::ScanReply reply;
  reply.operation_id = 77;
  reply.page.keys = {"a1", "a2"};
  reply.page.count = 2;
  reply.page.last_key = "a9";
  auto replied = round_trip(reply);
  ASSERT_TRUE(replied.is_ok()) << replied.status().to_string();
  const auto& page = std::get<core::ScanReply>(replied->message);
  EXPECT_TRUE(page.status.is_ok());
  EXPECT_EQ(page.page.keys, reply.page.keys);
  EXPECT_EQ(page.page.count, 2u);
  EXPECT_FALSE(page.page.done);
  EXPECT_EQ(page.page.last_key, "a9");

  core::ScanReply failed;
  failed.operation_id = 78;
  failed.status = Status::io_error("scan of partition 3 failed: disk");
  auto failure = round_trip(failed);
  ASSERT_TRUE(failure.is_ok());
  const auto& error = std::get<core::ScanReply>(failure->message);
  EXPECT_EQ(error.status.code(), StatusCode::kIoError);
  EXPECT_EQ(error.status.message(), "scan of partition 3 failed: disk");
}

TEST(ScanCodec, RefusesPageMessagesBeyondTheirBounds) {
  const core::ScanRequest good{.operation_id = 1, .bucket = "b", .partition = 1, .limit = 10};
  ASSERT_TRUE(round_trip(good).is_ok());
  std::vector<std::pair<core::ScanRequest, std::string>> bad;
  core::ScanRequest request = good;
  request.partition = 4096;
  bad.emplace_back(request, "partition 4096");
  request = good;
  request.limit = 0;
  bad.emplace_back(request, "for 0 keys");
  request.limit = 5000;
  bad.emplace_back(request, "for 5000 keys");
  request = good;
  request.bucket = "";
  bad.emplace_back(request, "bucket of 0 bytes");
  request.bucket = std::string(256, 'b');
  bad.emplace_back(request, "bucket of 256 bytes");
  request = good;
  request.after = std::string(64 * 1024 + 1, 'k');
  bad.emplace_back(request, "position over 64 KiB");
  request = good;
  request.filter.type = "thing";
  bad.emplace_back(request, "unknown scan TYPE");
  request = good;
  request.filter.match = std::string(5000, '*');
  bad.emplace_back(request, "MATCH pattern is 5000 bytes");
  for (const auto& [message, why] : bad) {
    auto parsed = round_trip(message);
    ASSERT_FALSE(parsed.is_ok()) << why;
    EXPECT_NE(parsed.status().message().find(why), std::string::npos)
        << parsed.status().to_string();
  }

  core::ScanReply reply;
  reply.operation_id = 1;
  reply.page.keys.assign(1025, "k");
  EXPECT_FALSE(round_trip(reply).is_ok());
  reply.page.keys = {""};
  EXPECT_FALSE(round_trip(reply).is_ok());
  reply.page.keys = {std::string(64 * 1024 + 1, 'k')};
  EXPECT_FALSE(round_trip(reply).is_ok());
  reply.page.keys = {"k"};
  reply.page.last_key = std::string(64 * 1024 + 1, 'k');
  EXPECT_FALSE(round_trip(reply).is_ok());
}

}  // namespace
}  // namespace ringkv::api
