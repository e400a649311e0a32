// Scan building blocks: cursors, the replica's page read, and the coordinator's union of pages.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <vector>

#include "core/random.h"
#include "core/scan/scan_cursor.h"
#include "core/scan/scan_merge.h"
#include "core/scan/scan_page.h"
#include "storage/memory_engine.h"
#include "storage/storage_key.h"

namespace ringkv::core {
namespace {

using namespace std::string_literals;

constexpr std::uint64_t kNow = 1'700'000'000'000;  // The readers' wall clock, unix ms.

TEST(ScanCursor, TheStartIsZeroAndEveryOtherPositionRoundTrips) {
  EXPECT_EQ(encode_scan_cursor({}), "0");
  EXPECT_EQ(*decode_scan_cursor("0", 256), ScanPosition{});
  EXPECT_EQ(*decode_scan_cursor("", 256), ScanPosition{});
  const std::vector<ScanPosition> positions = {
      {0, "a"},        {1, ""},
      {255, "user:1"}, {4095, std::string(limits::kKeyMaxBytes, '\xff')},
      {7, "\0\0"s},    {128, "k\xe9y/\n"},
  };
  for (const ScanPosition& position : positions) {
    const std::string cursor = encode_scan_cursor(position);
    ASSERT_NE(cursor, "0");
    EXPECT_EQ(cursor[0], '1');
    // Printable, and without characters a RESP inline command or a shell would split on.
    EXPECT_TRUE(std::all_of(cursor.begin(), cursor.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
    })) << cursor;
    auto decoded = decode_scan_cursor(cursor, 4096);
    ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
    EXPECT_EQ(*decoded, position);
  }
  // Compact: a short key makes a short cursor.
  EXPECT_LE(encode_scan_cursor({200, "user:12345"}).size(), 18u);
}

TEST(ScanCursor, RejectsWhatItDidNotWrite) {
  for (const std::string bad : {"00", "2abc", "1", "1A", "1AAA=", "1A+B/", "1$$", "x"}) {
    auto decoded = decode_scan_cursor(bad, 256);
    EXPECT_FALSE(decoded.is_ok()) << bad;
    if (!decoded.is_ok()) {
      EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
      EXPECT_NE(decoded.status().message().find("invalid scan cursor"), std::string::npos);
    }
  }
  // A partition beyond the ring.
  const std::string far = encode_scan_cursor({300, "k"});
  EXPECT_TRUE(decode_scan_cursor(far, 512).is_ok());
  auto refused = decode_scan_cursor(far, 256);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.status().message().find("partition 300 of a ring of 256"), std::string::npos);
  // Non-canonical: stray low bits in the last character.
  std::string cursor = encode_scan_cursor({1, "a"});
  cursor.back() = static_cast<char>(cursor.back() + 1);
  EXPECT_FALSE(decode_scan_cursor(cursor, 256).is_ok());
}

TEST(ScanCursor, RandomBytesNeverCrashAndAcceptedCursorsReencodeToThemselves) {
  SplitMix64 random(7);
  const std::string alphabet = "01AZaz09-_+/=";
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text = "1";
    for (std::uint64_t n = random.uniform(12); n > 0; --n) {
      text += alphabet[random.uniform(alphabet.size())];
    }
    auto decoded = decode_scan_cursor(text, 4096);
    if (!decoded.is_ok()) continue;
    ++accepted;
    EXPECT_EQ(encode_scan_cursor(*decoded), text);
  }
  EXPECT_GT(accepted, 100);
}

// A bucket's objects in a memory engine, as the node stores them.
class ScanPageTest : public ::testing::Test {
 protected:
  void put(std::uint32_t partition, const std::string& bucket, const std::string& key,
           bool deleted = false) {
    VersionedObject object;
    object.update({}, 1, 1000, deleted ? std::nullopt : std::optional<std::string>("v"));
    storage::WriteBatch batch;
    batch.put(storage::Namespace::kData, storage::encode_storage_key(partition, bucket, key),
              object.encode());
    ASSERT_TRUE(engine_.write(batch, [](Status) {}).is_ok());
  }

  // Every key of a page sequence, reading from the start until done.
  std::vector<std::string> all_pages(std::uint32_t partition, const std::string& bucket,
                                     std::uint32_t limit, const ScanFilter& filter = {}) {
    std::vector<std::string> keys;
    std::string after;
    for (int pages = 0; pages < 10000; ++pages) {
      auto page = read_scan_page(engine_, partition, bucket, after, limit, filter, false, kNow);
      EXPECT_TRUE(page.is_ok());
      if (!page.is_ok()) break;
      EXPECT_TRUE(validate_scan_page(*page, after, false).is_ok());
      keys.insert(keys.end(), page->keys.begin(), page->keys.end());
      if (page->done) break;
      after = page->last_key;
    }
    return keys;
  }

  storage::MemoryEngine engine_;
};

TEST_F(ScanPageTest, ReturnsTheBucketsLiveKeysOfThePartitionInOrder) {
  put(5, "b", "k2");
  put(5, "b", "k1");
  put(5, "b", "gone", /*deleted=*/true);
  put(5, "bb", "other-bucket");  // Same partition, a bucket that extends "b".
  put(5, "a", "before");
  put(4, "b", "other-partition");
  put(6, "b", "next-partition");
  auto page = read_scan_page(engine_, 5, "b", "", 10, {}, false, kNow);
  ASSERT_TRUE(page.is_ok());
  EXPECT_EQ(page->keys, (std::vector<std::string>{"k1", "k2"}));
  EXPECT_TRUE(page->done);
  EXPECT_EQ(page->count, 2u);
  auto counted = read_scan_page(engine_, 5, "b", "", 1, {}, /*count_only=*/true, kNow);
  ASSERT_TRUE(counted.is_ok());
  EXPECT_TRUE(counted->keys.empty());
  EXPECT_EQ(counted->count, 2u);
  EXPECT_TRUE(counted->done);
  auto none = read_scan_page(engine_, 7, "b", "", 10, {}, false, kNow);
  ASSERT_TRUE(none.is_ok());
  EXPECT_TRUE(none->keys.empty() && none->done);
}

TEST_F(ScanPageTest, PagesResumeAfterTheirLastKeyAndTogetherCoverEverything) {
  std::set<std::string> expected;
  for (int i = 0; i < 1000; ++i) {
    const std::string key = "key:" + std::to_string(i);
    put(3, "b", key, /*deleted=*/i % 7 == 0);
    if (i % 7 != 0) expected.insert(key);
  }
  for (std::uint32_t limit : {1u, 3u, 10u, 1024u}) {
    const std::vector<std::string> keys = all_pages(3, "b", limit);
    EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()), expected) << "limit " << limit;
    EXPECT_EQ(keys.size(), expected.size()) << "no key twice";
  }
}

TEST_F(ScanPageTest, FiltersByMatchAndTypeAndBoundsTheEntriesExamined) {
  for (int i = 0; i < 10000; ++i) put(1, "b", "k" + std::to_string(i));
  put(1, "b", "zzz-wanted");
  auto page = read_scan_page(engine_, 1, "b", "", 10, {"zzz*", ""}, false, kNow);
  ASSERT_TRUE(page.is_ok());
  // Nothing matched in the first kScanExaminedPerPageMax entries: an empty page that moved on.
  EXPECT_TRUE(page->keys.empty());
  EXPECT_FALSE(page->done);
  EXPECT_FALSE(page->last_key.empty());
  EXPECT_EQ(all_pages(1, "b", 10, {"zzz*", ""}), std::vector<std::string>{"zzz-wanted"});
  EXPECT_EQ(all_pages(1, "b", 10, {"k99[0-2]", ""}),
            (std::vector<std::string>{"k990", "k991", "k992"}));
  EXPECT_EQ(all_pages(1, "b", 100, {"zzz*", "string"}).size(), 1u);
  EXPECT_TRUE(all_pages(1, "b", 100, {"", "hash"}).empty());
  auto counted = read_scan_page(engine_, 1, "b", "", 1, {"k1*", ""}, true, kNow);
  ASSERT_TRUE(counted.is_ok());
  EXPECT_EQ(counted->count, 1111u);  // k1, k10-k19, k100-k199, k1000-k1999.
}

TEST_F(ScanPageTest, TypesAndExpiryAreJudgedAtTheReadersClock) {
  auto write = [&](const std::string& key, std::vector<NewEntry> entries) {
    VersionedObject object;
    object.write([](const Sibling&) { return false; }, std::move(entries), 1, Hlc{kNow - 10, 0});
    storage::WriteBatch batch;
    batch.put(storage::Namespace::kData, storage::encode_storage_key(0, "b", key), object.encode());
    ASSERT_TRUE(engine_.write(batch, [](Status) {}).is_ok());
  };
  write("a-string", {{EntryKind::kValue, {}, "v"}});
  write("a-hash", {{EntryKind::kFieldValue, "f", "v"}});
  write("a-set", {{EntryKind::kMember, "m", {}}});
  write("expired", {{EntryKind::kValue, {}, "v"}, {EntryKind::kExpiry, {}, std::to_string(kNow)}});
  write("expiring",
        {{EntryKind::kMember, "m", {}}, {EntryKind::kExpiry, {}, std::to_string(kNow + 1000)}});
  EXPECT_EQ(all_pages(0, "b", 100),
            (std::vector<std::string>{"a-hash", "a-set", "a-string", "expiring"}));
  EXPECT_EQ(all_pages(0, "b", 100, {"", "hash"}), std::vector<std::string>{"a-hash"});
  EXPECT_EQ(all_pages(0, "b", 100, {"", "set"}), (std::vector<std::string>{"a-set", "expiring"}));
  EXPECT_EQ(all_pages(0, "b", 100, {"", "string"}), std::vector<std::string>{"a-string"});
  EXPECT_TRUE(all_pages(0, "b", 100, {"", "zset"}).empty());
  auto later = read_scan_page(engine_, 0, "b", "", 100, {}, true, kNow + 1000);
  ASSERT_TRUE(later.is_ok());
  EXPECT_EQ(later->count, 3u);  // "expiring" has expired by then.
}

TEST_F(ScanPageTest, BoundsTheBytesOfAPage) {
  for (int i = 0; i < 20; ++i) put(2, "b", std::string(4000, 'a' + i));
  auto page = read_scan_page(engine_, 2, "b", "", 1024, {}, false, kNow);
  ASSERT_TRUE(page.is_ok());
  EXPECT_EQ(page->keys.size(), kScanPageBytesMax / 4000);
  EXPECT_EQ(page->last_key, page->keys.back());
  // A key longer than the bound comes alone.
  put(9, "b", std::string(limits::kKeyMaxBytes, 'x'));
  put(9, "b", "y");
  auto big = read_scan_page(engine_, 9, "b", "", 1024, {}, false, kNow);
  ASSERT_TRUE(big.is_ok());
  EXPECT_EQ(big->keys.size(), 1u);
  EXPECT_EQ(all_pages(9, "b", 1024).size(), 2u);
}

// Fails every scan after visiting `visits` entries.
class FailingScans final : public storage::Engine {
 public:
  FailingScans(storage::Engine& inner, int visits) : inner_(inner), visits_(visits) {}
  Result<std::optional<std::string>> get(storage::Namespace ns, std::string_view key) override {
    return inner_.get(ns, key);
  }
  Status write(const storage::WriteBatch& batch, storage::WriteCallback done) override {
    return inner_.write(batch, std::move(done));
  }
  Status scan(storage::Namespace ns, std::string_view begin, std::string_view end,
              const storage::ScanVisitor& visit) override {
    int seen = 0;
    Status status = inner_.scan(ns, begin, end, [&](std::string_view key, std::string_view value) {
      if (seen++ == visits_) return false;
      return visit(key, value);
    });
    if (!status.is_ok()) return status;
    return Status::io_error("injected scan failure");
  }
  Status flush() override { return inner_.flush(); }
  storage::SyncPolicy sync_policy() const override { return inner_.sync_policy(); }
  const char* name() const override { return "failing"; }

 private:
  storage::Engine& inner_;
  int visits_;
};

TEST_F(ScanPageTest, AScanThatFailsPartWayFailsThePage) {
  for (int i = 0; i < 10; ++i) put(0, "b", "k" + std::to_string(i));
  FailingScans failing(engine_, 3);
  auto page = read_scan_page(failing, 0, "b", "", 10, {}, false, kNow);
  ASSERT_FALSE(page.is_ok());
  EXPECT_EQ(page.status().code(), StatusCode::kIoError);
  EXPECT_NE(page.status().message().find("scan of partition 0 failed"), std::string::npos);
}

TEST(ScanFilter, ChecksPatternSizeAndTypeNames) {
  EXPECT_TRUE(validate_scan_filter({}).is_ok());
  EXPECT_TRUE(validate_scan_filter({"user:*", "string"}).is_ok());
  for (const char* type : {"list", "set", "zset", "hash", "stream"}) {
    EXPECT_TRUE(validate_scan_filter({"", type}).is_ok()) << type;
  }
  EXPECT_FALSE(validate_scan_filter({"", "strings"}).is_ok());
  EXPECT_FALSE(validate_scan_filter({std::string(kScanMatchMaxBytes + 1, '*'), ""}).is_ok());
}

ScanPage page_of(std::vector<std::string> keys, bool done, std::string last_key = {}) {
  ScanPage page;
  page.keys = std::move(keys);
  page.count = page.keys.size();
  page.done = done;
  page.last_key = std::move(last_key);
  return page;
}

TEST(ScanMergeTest, TheUnionStopsAtTheShortestPage) {
  // Replica 1 reached "d"; replica 2 reached the end. Only keys up to "d" are known complete.
  const ScanPage one = page_of({"a", "c", "d"}, false, "d");
  const ScanPage two = page_of({"b", "c", "e", "f"}, true);
  ScanMerge merge = merge_scan_pages({&one, &two}, 100, 1 << 20);
  EXPECT_EQ(merge.keys, (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(merge.after, "d");
  EXPECT_FALSE(merge.partition_done);
  // Both done: everything, and the partition is finished.
  const ScanPage three = page_of({"a", "g"}, true);
  merge = merge_scan_pages({&two, &three}, 100, 1 << 20);
  EXPECT_EQ(merge.keys, (std::vector<std::string>{"a", "b", "c", "e", "f", "g"}));
  EXPECT_TRUE(merge.partition_done);
}

TEST(ScanMergeTest, TakingFewerKeysStopsThePositionAtTheLastOneTaken) {
  const ScanPage one = page_of({"a", "b", "c", "d"}, true);
  ScanMerge merge = merge_scan_pages({&one}, 2, 1 << 20);
  EXPECT_EQ(merge.keys, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(merge.after, "b");
  EXPECT_FALSE(merge.partition_done);
  merge = merge_scan_pages({&one}, 100, 2);  // Bytes: "a", "b", then "c" would exceed.
  EXPECT_EQ(merge.keys, (std::vector<std::string>{"a", "b"}));
  merge = merge_scan_pages({&one}, 100, 0);  // The first key always.
  EXPECT_EQ(merge.keys, std::vector<std::string>{"a"});
  // An empty page that moved on moves the position.
  const ScanPage empty = page_of({}, false, "m");
  merge = merge_scan_pages({&empty}, 10, 100);
  EXPECT_TRUE(merge.keys.empty());
  EXPECT_EQ(merge.after, "m");
}

TEST(ScanMergeTest, RandomReplicasLoseNoKeyAndRepeatNone) {
  // Three replicas each hold a random subset of 300 keys; pages of random limits from each, merged
  // step by step, must return the union exactly once.
  SplitMix64 random(11);
  for (int round = 0; round < 50; ++round) {
    storage::MemoryEngine replicas[3];
    std::set<std::string> expected;
    for (int i = 0; i < 300; ++i) {
      const std::string key = "k" + std::to_string(1000 + i);
      for (auto& replica : replicas) {
        if (!random.chance(0.5)) continue;
        VersionedObject object;
        object.update({}, 1, 1, std::optional<std::string>("v"));
        storage::WriteBatch batch;
        batch.put(storage::Namespace::kData, storage::encode_storage_key(0, "b", key),
                  object.encode());
        ASSERT_TRUE(replica.write(batch, [](Status) {}).is_ok());
        expected.insert(key);
      }
    }
    std::vector<std::string> returned;
    std::string after;
    bool done = false;
    for (int step = 0; step < 10000 && !done; ++step) {
      std::vector<ScanPage> pages;
      for (auto& replica : replicas) {
        const auto limit = static_cast<std::uint32_t>(1 + random.uniform(20));
        auto page = read_scan_page(replica, 0, "b", after, limit, {}, false, kNow);
        ASSERT_TRUE(page.is_ok());
        pages.push_back(std::move(page).value());
      }
      std::vector<const ScanPage*> pointers;
      for (const ScanPage& page : pages) pointers.push_back(&page);
      ScanMerge merge = merge_scan_pages(pointers, 1 + random.uniform(30), 1 << 20);
      returned.insert(returned.end(), merge.keys.begin(), merge.keys.end());
      done = merge.partition_done;
      after = merge.after;
    }
    ASSERT_TRUE(done);
    EXPECT_EQ(returned.size(), expected.size());
    EXPECT_EQ(std::set<std::string>(returned.begin(), returned.end()), expected);
  }
}

TEST(ScanMergeTest, ValidatesPagesFromPeers) {
  EXPECT_TRUE(validate_scan_page(page_of({"b", "c"}, false, "c"), "a", false).is_ok());
  EXPECT_TRUE(validate_scan_page(page_of({"b", "c"}, true), "a", false).is_ok());
  EXPECT_FALSE(validate_scan_page(page_of({"c", "b"}, true), "", false).is_ok());
  EXPECT_FALSE(validate_scan_page(page_of({"a"}, true), "a", false).is_ok());
  EXPECT_FALSE(validate_scan_page(page_of({"b", "d"}, false, "c"), "a", false).is_ok());
  EXPECT_FALSE(validate_scan_page(page_of({}, false, "a"), "a", false).is_ok());  // No progress.
  EXPECT_FALSE(validate_scan_page(page_of({}, false, ""), "", false).is_ok());
  EXPECT_FALSE(validate_scan_page(page_of({"b"}, true), "", true).is_ok());  // Keys when counting.
}

}  // namespace
}  // namespace ringkv::core
