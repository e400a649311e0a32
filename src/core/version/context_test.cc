// ReadContext codec: round trips, the blind-write empty context, the size limit, and totality on
// arbitrary bytes (contexts come straight from clients).
#include "core/version/context.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "common/limits.h"
#include "core/version/version_test_support.h"

namespace ringkv::core {
namespace {

RC_GTEST_PROP(ContextCodec, RoundTrips, ()) {
  ReadContext context;
  context.clock = version_testing::wide_vector();
  context.coordinator_hint = *rc::gen::container<std::string>(rc::gen::arbitrary<char>());
  const std::string bytes = encode_context(context);
  RC_ASSERT(static_cast<std::uint8_t>(bytes.front()) == kContextFormatVersion);
  const Result<ReadContext> decoded = decode_context(bytes);
  RC_ASSERT(decoded.is_ok());
  RC_ASSERT(*decoded == context);
}

RC_GTEST_PROP(ContextCodec, RandomBytesNeverCrashAndAcceptedBytesAreCanonical, ()) {
  std::string bytes = *rc::gen::container<std::string>(rc::gen::arbitrary<char>());
  if (version_testing::one_in(2)) bytes.insert(0, 1, static_cast<char>(kContextFormatVersion));
  const Result<ReadContext> decoded = decode_context(bytes);
  if (!decoded.is_ok()) {
    RC_ASSERT(decoded.status().code() == StatusCode::kInvalidArgument);
  } else if (!bytes.empty()) {
    RC_ASSERT(encode_context(*decoded) == bytes);
  }
}

TEST(ContextCodec, EmptyBytesAreABlindWrite) {
  const Result<ReadContext> decoded = decode_context("");
  ASSERT_TRUE(decoded.is_ok());
  EXPECT_TRUE(decoded->clock.empty());
  EXPECT_TRUE(decoded->coordinator_hint.empty());
}

TEST(ContextCodec, RejectsContextsOverTheLimitNamingIt) {
  ReadContext context;
  context.coordinator_hint.assign(limits::kContextMaxBytes, 'n');
  const Result<ReadContext> decoded = decode_context(encode_context(context));
  EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(decoded.status().message().find("kContextMaxBytes"), std::string::npos);
}

TEST(ContextCodec, RejectsUnknownVersionTruncationAndTrailingBytes) {
  ReadContext context;
  context.clock.add({3, 9}, 77);
  context.coordinator_hint = "node-b";
  const std::string bytes = encode_context(context);
  std::string wrong_version = bytes;
  wrong_version[0] = static_cast<char>(kContextFormatVersion + 1);
  EXPECT_EQ(decode_context(wrong_version).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(decode_context(bytes + "x").status().code(), StatusCode::kInvalidArgument);
  for (std::size_t length = 1; length < bytes.size(); ++length) {
    EXPECT_EQ(decode_context(bytes.substr(0, length)).status().code(),
              StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace ringkv::core
