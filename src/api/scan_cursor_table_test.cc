#include "api/scan_cursor_table.h"

#include <gtest/gtest.h>

namespace ringkv::api {
namespace {

TEST(ScanCursorTable, ZeroStaysZeroAndOtherCursorsBecomeNumbers) {
  ScanCursorTable table(100, 1 << 20, 41);
  EXPECT_EQ(table.to_client("0"), "0");
  EXPECT_EQ(table.to_client(""), "0");
  EXPECT_EQ(*table.from_client("0"), "0");
  const std::string first = table.to_client("1AQB1c2Vy");
  const std::string second = table.to_client("1AgB");
  EXPECT_EQ(first, "41");
  EXPECT_EQ(second, "42");
  EXPECT_EQ(*table.from_client("41"), "1AQB1c2Vy");
  EXPECT_EQ(*table.from_client("42"), "1AgB");
  EXPECT_EQ(*table.from_client("41"), "1AQB1c2Vy");  // A retried call reads it again.
  EXPECT_EQ(table.size(), 2u);
}

TEST(ScanCursorTable, UnknownAndMalformedCursorsAreInvalid) {
  ScanCursorTable table(100, 1 << 20, 1);
  (void)table.to_client("1AgB");
  for (const char* bad : {"", "2", "-1", "1x", " 1", "1AgB", "18446744073709551616", "00"}) {
    auto cursor = table.from_client(bad);
    ASSERT_FALSE(cursor.is_ok()) << bad;
    EXPECT_EQ(cursor.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(cursor.status().message().rfind("invalid cursor", 0), 0u);
  }
}

TEST(ScanCursorTable, ForgetsTheOldestBeyondItsBounds) {
  ScanCursorTable table(3, 1 << 20, 1);
  for (int i = 0; i < 5; ++i) (void)table.to_client("1Ag" + std::to_string(i));
  EXPECT_EQ(table.size(), 3u);
  EXPECT_FALSE(table.from_client("1").is_ok());
  EXPECT_FALSE(table.from_client("2").is_ok());
  EXPECT_EQ(*table.from_client("3"), "1Ag2");
  EXPECT_EQ(*table.from_client("5"), "1Ag4");

  ScanCursorTable small(100, 10, 1);
  (void)small.to_client("1AAAAAAA");  // 8 bytes.
  (void)small.to_client("1BBBBBBB");  // 16 > 10: the first goes.
  EXPECT_EQ(small.size(), 1u);
  EXPECT_EQ(small.bytes(), 8u);
  EXPECT_FALSE(small.from_client("1").is_ok());
  (void)small.to_client(std::string(50, 'c'));  // Alone over the bound: still kept.
  EXPECT_EQ(small.size(), 1u);
  EXPECT_TRUE(small.from_client("3").is_ok());
}

TEST(ScanCursorTable, IdsStayBelowTwoToTheFiftyThree) {
  ScanCursorTable table(10, 1 << 20, ScanCursorTable::kIdLimit - 1);
  EXPECT_EQ(table.to_client("1AgB"), std::to_string(ScanCursorTable::kIdLimit - 1));
  EXPECT_EQ(table.to_client("1AgC"), "1");
  ScanCursorTable zero(10, 1 << 20, 0);
  EXPECT_EQ(zero.to_client("1AgB"), "1");  // 0 means the start: never an id.
}

}  // namespace
}  // namespace ringkv::api
