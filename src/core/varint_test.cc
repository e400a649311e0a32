// Varint and length-prefixed bytes: round trips, truncation, overflow and non-canonical input.
#include "core/varint.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <limits>

namespace ringkv::core {
namespace {

RC_GTEST_PROP(Varint, RoundTripsAndConsumesExactlyItsBytes, (std::uint64_t value)) {
  // Arbitrary values are small-biased; shifting covers every encoded width.
  const std::uint64_t shifted = value
                                << *rc::gen::resize(rc::kNominalSize, rc::gen::inRange(0, 64));
  for (const std::uint64_t v : {value, shifted}) {
    std::string bytes;
    put_varint(bytes, v);
    RC_ASSERT(bytes.size() <= 10u);
    bytes += "rest";
    std::string_view in = bytes;
    std::uint64_t decoded = 0;
    RC_ASSERT(get_varint(in, decoded));
    RC_ASSERT(decoded == v);
    RC_ASSERT(in == "rest");
  }
}

RC_GTEST_PROP(Varint, EveryTruncationFailsAndLeavesInputUnchanged, (std::uint64_t value)) {
  std::string bytes;
  put_varint(bytes, value << *rc::gen::resize(rc::kNominalSize, rc::gen::inRange(0, 64)));
  for (std::size_t length = 0; length < bytes.size(); ++length) {
    std::string_view in = std::string_view(bytes).substr(0, length);
    std::uint64_t decoded = 42;
    RC_ASSERT(!get_varint(in, decoded));
    RC_ASSERT(in.size() == length);
    RC_ASSERT(decoded == 42u);
  }
}

TEST(Varint, KnownEncodings) {
  std::string bytes;
  put_varint(bytes, 0);
  put_varint(bytes, 127);
  put_varint(bytes, 300);
  EXPECT_EQ(bytes, std::string("\x00\x7f\xac\x02", 4));
  std::string max;
  put_varint(max, std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(max, std::string(9, '\xff') + '\x01');
}

TEST(Varint, RejectsOverflowOverlongAndPaddedInput) {
  const auto decodes = [](std::string bytes) {
    std::string_view in = bytes;
    std::uint64_t value = 0;
    return get_varint(in, value);
  };
  EXPECT_TRUE(decodes(std::string(9, '\xff') + '\x01'));    // 2^64 - 1.
  EXPECT_FALSE(decodes(std::string(9, '\xff') + '\x02'));   // Bit 64: overflow.
  EXPECT_FALSE(decodes(std::string(10, '\x80') + '\x01'));  // Eleven bytes.
  EXPECT_FALSE(decodes(std::string("\x80\x00", 2)));        // Zero padded to two bytes.
  EXPECT_FALSE(decodes(std::string("\xac\x82\x00", 3)));    // 300 padded to three bytes.
  EXPECT_TRUE(decodes(std::string("\x00", 1)));
}

RC_GTEST_PROP(Bytes, RoundTripAndTruncation, (std::string payload)) {
  std::string bytes;
  put_bytes(bytes, payload);
  std::string_view in = bytes;
  std::string_view decoded;
  RC_ASSERT(get_bytes(in, decoded));
  RC_ASSERT(decoded == payload);
  RC_ASSERT(in.empty());
  for (std::size_t length = 0; length < bytes.size(); ++length) {
    std::string_view truncated = std::string_view(bytes).substr(0, length);
    RC_ASSERT(!get_bytes(truncated, decoded));
    RC_ASSERT(truncated.size() == length);
  }
}

RC_GTEST_PROP(Varint, RandomBytesDecodeCanonicallyOrFail, (std::string bytes)) {
  std::string_view in = bytes;
  std::uint64_t value = 0;
  if (!get_varint(in, value)) return;
  std::string again;
  put_varint(again, value);
  RC_ASSERT(again == bytes.substr(0, bytes.size() - in.size()));
}

}  // namespace
}  // namespace ringkv::core
