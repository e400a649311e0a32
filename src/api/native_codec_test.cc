#include "api/native_codec.h"

#include <gtest/gtest.h>

#include "api/base64.h"

namespace ringkv::api {
namespace {

std::string serialize(const wire::Request& request) {
  std::string out;
  request.SerializeToString(&out);
  return out;
}

TEST(NativeCodec, RoundTripsAPutRequest) {
  core::ClientRequest request{.request_id = 9, .op = core::ClientOp::kPut, .bucket = "b",
                              .key = std::string("k\0y", 3), .context = "ctx", .value = "v"};
  std::uint64_t id = 0;
  auto parsed = parse_request(serialize(make_request(request)), &id);
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  EXPECT_EQ(id, 9u);
  EXPECT_EQ(parsed->key, request.key);
  EXPECT_EQ(parsed->value, "v");
  EXPECT_EQ(parsed->context, "ctx");
  EXPECT_EQ(parsed->op, core::ClientOp::kPut);
}

TEST(NativeCodec, AnEmptyBucketMeansTheDefaultBucket) {
  wire::Request request;
  request.set_protocol_version(kProtocolVersion);
  request.mutable_get()->set_key("k");
  std::uint64_t id = 0;
  auto parsed = parse_request(serialize(request), &id);
  ASSERT_TRUE(parsed.is_ok());
  EXPECT_EQ(parsed->bucket, "default");
}

TEST(NativeCodec, RejectsGarbageAsMalformed) {
  std::uint64_t id = 0;
  auto parsed = parse_request(std::string("\xff\xff\xff\xff\xff", 5), &id);
  ASSERT_FALSE(parsed.is_ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kCorruption);
  EXPECT_NE(parsed.status().message().find("malformed"), std::string::npos);
}

TEST(NativeCodec, RejectsAnUnknownProtocolVersion) {
  wire::Request request;
  request.set_protocol_version(99);
  request.set_request_id(5);
  request.mutable_get()->set_key("k");
  std::uint64_t id = 0;
  auto parsed = parse_request(serialize(request), &id);
  ASSERT_FALSE(parsed.is_ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(parsed.status().message().find("version 99"), std::string::npos);
  EXPECT_EQ(id, 5u);
}

TEST(NativeCodec, RejectsAnUnknownMessageType) {
  wire::Request request;
  request.set_protocol_version(kProtocolVersion);
  // Field 15 is an operation this node does not know; protobuf keeps it as an unknown field.
  std::string bytes = serialize(request);
  bytes += std::string("\x7a\x00", 2);  // field 15, wire type 2, length 0
  std::uint64_t id = 0;
  auto parsed = parse_request(bytes, &id);
  ASSERT_FALSE(parsed.is_ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(parsed.status().message().find("unknown message type"), std::string::npos);
}

TEST(NativeCodec, CarriesErrorsToTheClient) {
  const wire::Response response = error_response(4, Status::too_large("value is too big"));
  std::string bytes;
  response.SerializeToString(&bytes);
  auto reply = parse_response(bytes);
  ASSERT_TRUE(reply.is_ok());
  EXPECT_EQ(reply->request_id, 4u);
  EXPECT_EQ(reply->status.code(), StatusCode::kTooLarge);
  EXPECT_EQ(reply->status.message(), "value is too big");
}

TEST(Base64, RoundTripsEveryLength) {
  std::string bytes;
  for (int n = 0; n < 40; ++n) {
    auto decoded = base64_decode(base64_encode(bytes));
    ASSERT_TRUE(decoded.is_ok());
    EXPECT_EQ(*decoded, bytes);
    bytes.push_back(static_cast<char>(n * 37));
  }
}

TEST(Base64, RejectsBadText) {
  EXPECT_FALSE(base64_decode("abc").is_ok());
  EXPECT_FALSE(base64_decode("ab!d").is_ok());
}

}  // namespace
}  // namespace ringkv::api
