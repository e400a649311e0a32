#include "core/bucket_registry.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

#include "core/varint.h"

namespace ringkv::core {
namespace {

BucketEntry make_entry(const std::string& name, std::uint64_t version, const NodeId& by,
                       std::uint32_t n = 3, bool reset = false) {
  BucketEntry entry;
  entry.name = name;
  entry.version = version;
  entry.set_by = by;
  entry.properties.n = n;
  entry.properties.r = std::min<std::uint32_t>(2, n);
  entry.properties.w = std::min<std::uint32_t>(2, n);
  entry.reset = reset;
  return entry;
}

// Any list of valid entries over a few buckets, versions and setters.
rc::Gen<std::vector<BucketEntry>> entries_gen() {
  return rc::gen::container<std::vector<BucketEntry>>(rc::gen::apply(
      [](int bucket, std::uint64_t version, int by, std::uint32_t n, bool reset) {
        return make_entry("b" + std::to_string(bucket), version, "n" + std::to_string(by), n,
                          reset);
      },
      rc::gen::inRange(0, 4), rc::gen::inRange<std::uint64_t>(1, 6), rc::gen::inRange(1, 4),
      rc::gen::inRange<std::uint32_t>(1, 6), rc::gen::arbitrary<bool>()));
}

BucketRegistry merged(const std::vector<BucketEntry>& entries) {
  BucketRegistry registry;
  for (const auto& entry : entries) registry.merge(entry);
  return registry;
}

RC_GTEST_PROP(BucketRegistry, MergeOrderAndRepetitionDoNotMatter, ()) {
  const auto entries = *entries_gen();
  auto shuffled = entries;
  std::reverse(shuffled.begin(), shuffled.end());
  shuffled.insert(shuffled.end(), entries.begin(), entries.end());  // Each one twice.
  const BucketRegistry a = merged(entries);
  const BucketRegistry b = merged(shuffled);
  RC_ASSERT(a.entries() == b.entries());
  RC_ASSERT(a.digest() == b.digest());
}

RC_GTEST_PROP(BucketRegistry, EachBucketHoldsItsNewestEntry, ()) {
  const auto entries = *entries_gen();
  const BucketRegistry registry = merged(entries);
  for (const auto& entry : entries) {
    const BucketEntry* held = registry.entry(entry.name);
    RC_ASSERT(held != nullptr);
    RC_ASSERT(!entry.newer_than(*held));
  }
}

RC_GTEST_PROP(BucketRegistry, EntriesRoundTripThroughTheCodec, ()) {
  const auto entries = merged(*entries_gen()).entries();
  std::string bytes;
  encode_bucket_entries(bytes, entries);
  std::string_view in = bytes;
  std::vector<BucketEntry> decoded;
  RC_ASSERT(decode_bucket_entries(in, decoded));
  RC_ASSERT(in.empty());
  RC_ASSERT(decoded == entries);
}

TEST(BucketRegistry, AResetWinsOverOlderPropertiesAndFindSkipsIt) {
  BucketRegistry registry;
  EXPECT_TRUE(registry.merge(make_entry("b", 5, "n1", 5)));
  ASSERT_NE(registry.find("b"), nullptr);
  EXPECT_EQ(registry.find("b")->n, 5u);
  EXPECT_FALSE(registry.merge(make_entry("b", 4, "n2", 1)));  // Older.
  EXPECT_FALSE(registry.merge(make_entry("b", 5, "n1", 5)));  // The same.
  EXPECT_TRUE(registry.merge(make_entry("b", 5, "n2", 4)));   // Tie: the greater setter.
  EXPECT_TRUE(registry.merge(make_entry("b", 6, "n1", 3, /*reset=*/true)));
  EXPECT_EQ(registry.find("b"), nullptr);
  ASSERT_NE(registry.entry("b"), nullptr);
  EXPECT_TRUE(registry.entry("b")->reset);
  // A new version is above any held one, even with a clock behind it.
  const BucketEntry next = registry.next_entry("b", "n3", 1);
  EXPECT_EQ(next.version, 7u);
  EXPECT_EQ(registry.next_entry("new", "n3", 100).version, 100u);
}

TEST(BucketRegistry, DigestIsZeroWhenEmptyAndChangesWithEveryEntry) {
  BucketRegistry registry;
  EXPECT_EQ(registry.digest(), 0u);
  registry.merge(make_entry("a", 1, "n1"));
  const std::uint64_t one = registry.digest();
  EXPECT_NE(one, 0u);
  registry.merge(make_entry("a", 2, "n1"));
  EXPECT_NE(registry.digest(), one);
}

TEST(BucketRegistry, DecodingRefusesBadBytesWithTheReason) {
  const std::string good = encode_bucket_entry(make_entry("b", 1, "n1"));
  EXPECT_TRUE(decode_bucket_entry(good).is_ok());
  EXPECT_EQ(decode_bucket_entry("").status().code(), StatusCode::kCorruption);
  std::string newer = good;
  newer[0] = 9;
  EXPECT_EQ(decode_bucket_entry(newer).status().code(), StatusCode::kUnsupported);
  for (std::size_t size = 1; size < good.size(); ++size) {
    EXPECT_FALSE(decode_bucket_entry(good.substr(0, size)).is_ok()) << size;
  }
  EXPECT_FALSE(decode_bucket_entry(good + "x").is_ok());
  // Well-formed bytes with properties that do not validate (r > n).
  BucketEntry bad = make_entry("b", 1, "n1");
  bad.properties.r = 9;
  auto refused = decode_bucket_entry(encode_bucket_entry(bad));
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.status().message().find("r must be in"), std::string::npos);
  // A list claiming more entries than the bound.
  std::string list;
  put_varint(list, kBucketEntriesMax + 1);
  std::string_view in = list;
  std::vector<BucketEntry> out;
  EXPECT_FALSE(decode_bucket_entries(in, out));
}

TEST(BucketRegistry, TheTableIsBounded) {
  BucketRegistry registry;
  for (std::size_t i = 0; i < kBucketEntriesMax; ++i) {
    ASSERT_TRUE(registry.merge(make_entry("b" + std::to_string(i), 1, "n1")));
  }
  EXPECT_FALSE(registry.merge(make_entry("one-too-many", 1, "n1")));
  EXPECT_TRUE(registry.merge(make_entry("b0", 2, "n1")));  // Existing buckets still change.
}

TEST(BucketProperty, TextFormsReadBackAsTheyWereWritten) {
  BucketProperties properties;
  ASSERT_TRUE(set_bucket_property(properties, "n", "5").is_ok());
  ASSERT_TRUE(set_bucket_property(properties, "r", "quorum").is_ok());
  ASSERT_TRUE(set_bucket_property(properties, "w", "all").is_ok());
  ASSERT_TRUE(set_bucket_property(properties, "pr", "one").is_ok());
  ASSERT_TRUE(set_bucket_property(properties, "conflict", "lww").is_ok());
  ASSERT_TRUE(set_bucket_property(properties, "siblings_max", "8").is_ok());
  EXPECT_EQ(properties.r, 3u);
  EXPECT_EQ(properties.w, 5u);
  EXPECT_EQ(properties.pr, 1u);
  EXPECT_TRUE(properties.validate("b").is_ok());
  BucketProperties copy;
  for (std::string_view name : bucket_property_names()) {
    ASSERT_TRUE(set_bucket_property(copy, name, bucket_property_value(properties, name)).is_ok())
        << name;
  }
  EXPECT_EQ(copy, properties);
  EXPECT_FALSE(set_bucket_property(properties, "n", "17").is_ok());
  EXPECT_FALSE(set_bucket_property(properties, "n", "-1").is_ok());
  EXPECT_FALSE(set_bucket_property(properties, "w", "2x").is_ok());
  EXPECT_FALSE(set_bucket_property(properties, "siblings_max", "65").is_ok());
}

}  // namespace
}  // namespace ringkv::core
