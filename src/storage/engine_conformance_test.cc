// One conformance suite for every Engine: the memory engine and the RocksDB engine under each
// sync policy must behave the same through the engine.h contract.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "storage/engine.h"
#include "storage/memory_engine.h"
#include "storage/storage_key.h"
#include "storage/test_temp_dir.h"

namespace ringkv::storage {
namespace {

using namespace std::string_literals;

// "prefix" + std::to_string(n) without operator+(const char*, std::string&&): GCC 12 at -O3
// reports a false -Wrestrict on that (GCC bug 105329), and warnings are errors.
std::string numbered(std::string_view prefix, std::uint64_t n) {
  std::string out(prefix);
  out += std::to_string(n);
  return out;
}

struct EngineParam {
  const char* label;
  const char* engine;
  SyncPolicy sync;
  bool persistent;
};

class EngineConformance : public ::testing::TestWithParam<EngineParam> {
 protected:
  void SetUp() override { engine_ = open(); }

  std::unique_ptr<Engine> open() {
    EngineOptions options;
    options.engine = GetParam().engine;
    options.data_dir = dir_.path() + "/db";
    options.sync = GetParam().sync;
    auto opened = open_engine(options);
    EXPECT_TRUE(opened.is_ok()) << opened.status().to_string();
    return opened.is_ok() ? std::move(opened).value() : nullptr;
  }

  void reopen() {
    engine_.reset();
    engine_ = open();
    ASSERT_NE(engine_, nullptr);
  }

  // Writes `batch` and waits for its callback, which must run exactly once and succeed.
  void write_and_wait(const WriteBatch& batch) {
    std::atomic<int> calls{0};
    Status write_status = engine_->write(batch, [&](Status status) {
      EXPECT_TRUE(status.is_ok()) << status.to_string();
      calls.fetch_add(1);
      calls.notify_all();
    });
    ASSERT_TRUE(write_status.is_ok()) << write_status.to_string();
    calls.wait(0);
    ASSERT_TRUE(engine_->flush().is_ok());
    EXPECT_EQ(calls.load(), 1);
  }

  void put(Namespace ns, std::string_view key, std::string_view value) {
    WriteBatch batch;
    batch.put(ns, key, value);
    write_and_wait(batch);
  }

  void del(Namespace ns, std::string_view key) {
    WriteBatch batch;
    batch.del(ns, key);
    write_and_wait(batch);
  }

  std::optional<std::string> get(Namespace ns, std::string_view key) {
    auto read = engine_->get(ns, key);
    EXPECT_TRUE(read.is_ok()) << read.status().to_string();
    return read.is_ok() ? *read : std::nullopt;
  }

  std::vector<std::pair<std::string, std::string>> scan(Namespace ns, std::string_view begin,
                                                        std::string_view end) {
    std::vector<std::pair<std::string, std::string>> seen;
    Status status =
        engine_->scan(ns, begin, end, [&](std::string_view key, std::string_view value) {
          seen.emplace_back(key, value);
          return true;
        });
    EXPECT_TRUE(status.is_ok()) << status.to_string();
    return seen;
  }

  static std::vector<std::string> keys_of(
      const std::vector<std::pair<std::string, std::string>>& entries) {
    std::vector<std::string> keys;
    for (const auto& entry : entries) keys.push_back(entry.first);
    return keys;
  }

  TestTempDir dir_{"ringkv-engine"};
  std::unique_ptr<Engine> engine_;
};

TEST_P(EngineConformance, ReportsItsNameAndSyncPolicy) {
  EXPECT_STREQ(engine_->name(), GetParam().engine);
  if (GetParam().persistent) {
    EXPECT_EQ(engine_->sync_policy(), GetParam().sync);
  } else {
    EXPECT_EQ(engine_->sync_policy(), SyncPolicy::kNone);
  }
}

TEST_P(EngineConformance, GetOfAbsentKeyIsNullopt) {
  EXPECT_EQ(get(Namespace::kData, "missing"), std::nullopt);
  EXPECT_EQ(get(Namespace::kMeta, ""), std::nullopt);
}

TEST_P(EngineConformance, GetReturnsWhatWasPut) {
  put(Namespace::kData, "k", "v");
  EXPECT_EQ(get(Namespace::kData, "k"), "v");
}

TEST_P(EngineConformance, EmptyKeyAndEmptyValueAreStored) {
  put(Namespace::kData, "", "");
  EXPECT_EQ(get(Namespace::kData, ""), "");
}

TEST_P(EngineConformance, PutOverwrites) {
  put(Namespace::kData, "k", "one");
  put(Namespace::kData, "k", "two");
  EXPECT_EQ(get(Namespace::kData, "k"), "two");
}

TEST_P(EngineConformance, DeleteRemovesAndDeletingAbsentKeyIsOk) {
  put(Namespace::kData, "k", "v");
  del(Namespace::kData, "k");
  EXPECT_EQ(get(Namespace::kData, "k"), std::nullopt);
  del(Namespace::kData, "never-written");
  EXPECT_EQ(get(Namespace::kData, "never-written"), std::nullopt);
}

TEST_P(EngineConformance, WriteIsVisibleWhenWriteReturns) {
  WriteBatch batch;
  batch.put(Namespace::kData, "k", "v");
  std::atomic<int> calls{0};
  ASSERT_TRUE(engine_->write(batch, [&](Status) { calls.fetch_add(1); }).is_ok());
  // Visible at once, whether or not the callback (durability) has run yet.
  EXPECT_EQ(get(Namespace::kData, "k"), "v");
  ASSERT_TRUE(engine_->flush().is_ok());
  EXPECT_EQ(calls.load(), 1);
}

TEST_P(EngineConformance, BatchSpanningNamespacesAppliesEveryOpInOrder) {
  put(Namespace::kData, "old", "x");
  WriteBatch batch;
  batch.put(Namespace::kData, "d", "data");
  batch.put(Namespace::kHints, "h", "hint");
  batch.put(Namespace::kMeta, "m", "meta");
  batch.del(Namespace::kData, "old");
  batch.put(Namespace::kData, "put-then-delete", "x");
  batch.del(Namespace::kData, "put-then-delete");
  batch.del(Namespace::kMeta, "delete-then-put");
  batch.put(Namespace::kMeta, "delete-then-put", "y");
  batch.put(Namespace::kHints, "twice", "first");
  batch.put(Namespace::kHints, "twice", "second");
  write_and_wait(batch);
  EXPECT_EQ(get(Namespace::kData, "d"), "data");
  EXPECT_EQ(get(Namespace::kHints, "h"), "hint");
  EXPECT_EQ(get(Namespace::kMeta, "m"), "meta");
  EXPECT_EQ(get(Namespace::kData, "old"), std::nullopt);
  EXPECT_EQ(get(Namespace::kData, "put-then-delete"), std::nullopt);
  EXPECT_EQ(get(Namespace::kMeta, "delete-then-put"), "y");
  EXPECT_EQ(get(Namespace::kHints, "twice"), "second");
}

TEST_P(EngineConformance, EmptyBatchStillCallsBackOnce) {
  write_and_wait(WriteBatch());
}

TEST_P(EngineConformance, NamespacesAreIsolated) {
  put(Namespace::kData, "k", "data");
  put(Namespace::kHints, "k", "hint");
  EXPECT_EQ(get(Namespace::kData, "k"), "data");
  EXPECT_EQ(get(Namespace::kHints, "k"), "hint");
  EXPECT_EQ(get(Namespace::kMeta, "k"), std::nullopt);
  del(Namespace::kData, "k");
  EXPECT_EQ(get(Namespace::kHints, "k"), "hint");
  EXPECT_TRUE(scan(Namespace::kMeta, "", "").empty());
  EXPECT_EQ(keys_of(scan(Namespace::kHints, "", "")), std::vector<std::string>{"k"});
  EXPECT_TRUE(scan(Namespace::kData, "", "").empty());
}

TEST_P(EngineConformance, ScanVisitsRangeInAscendingOrder) {
  WriteBatch batch;
  for (const char* key : {"d", "a", "c", "e", "b", "ca"}) batch.put(Namespace::kData, key, key);
  write_and_wait(batch);
  using Keys = std::vector<std::string>;
  EXPECT_EQ(keys_of(scan(Namespace::kData, "", "")), (Keys{"a", "b", "c", "ca", "d", "e"}));
  EXPECT_EQ(keys_of(scan(Namespace::kData, "b", "d")), (Keys{"b", "c", "ca"}));
  EXPECT_EQ(keys_of(scan(Namespace::kData, "bb", "ca")), (Keys{"c"}));
  EXPECT_EQ(keys_of(scan(Namespace::kData, "c", "")), (Keys{"c", "ca", "d", "e"}));
  EXPECT_EQ(keys_of(scan(Namespace::kData, "", "b")), (Keys{"a"}));
  EXPECT_TRUE(scan(Namespace::kData, "f", "").empty());
  EXPECT_TRUE(scan(Namespace::kData, "c", "c").empty());
  EXPECT_TRUE(scan(Namespace::kData, "d", "b").empty());
  const auto all = scan(Namespace::kData, "", "");
  for (const auto& [key, value] : all) EXPECT_EQ(key, value);
}

TEST_P(EngineConformance, ScanStopsWhenVisitorReturnsFalse) {
  WriteBatch batch;
  for (int i = 0; i < 1000; ++i) {
    char key[16];
    std::snprintf(key, sizeof key, "%04d", i);
    batch.put(Namespace::kData, key, "v");
  }
  write_and_wait(batch);
  std::vector<std::string> seen;
  Status status = engine_->scan(Namespace::kData, "0100", "", [&](std::string_view key, auto) {
    seen.emplace_back(key);
    return seen.size() < 3;
  });
  ASSERT_TRUE(status.is_ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"0100", "0101", "0102"}));
  // A full scan across many keys sees each exactly once, in order.
  const auto all = keys_of(scan(Namespace::kData, "", ""));
  ASSERT_EQ(all.size(), 1000u);
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end());
}

TEST_P(EngineConformance, PartitionScanSeesExactlyThatPartition) {
  const std::vector<std::uint32_t> partitions = {0, 1, 2, 255, 256, 0xFFFFFFFE, 0xFFFFFFFF};
  const std::vector<std::string> buckets = {"", "b", std::string(255, '\xFF')};
  const std::vector<std::string> keys = {"", "k", std::string(32, '\xFF'), "\0"s};
  std::map<std::uint32_t, std::size_t> expected_count;
  WriteBatch batch;
  for (std::uint32_t partition : partitions) {
    for (const std::string& bucket : buckets) {
      for (const std::string& key : keys) {
        batch.put(Namespace::kData, encode_storage_key(partition, bucket, key), key);
        ++expected_count[partition];
      }
    }
  }
  write_and_wait(batch);
  for (std::uint32_t partition : partitions) {
    const auto entries =
        scan(Namespace::kData, partition_prefix(partition), partition_end(partition));
    EXPECT_EQ(entries.size(), expected_count[partition]) << "partition " << partition;
    for (const auto& [storage_key, value] : entries) {
      auto decoded = decode_storage_key(storage_key);
      ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
      EXPECT_EQ(decoded->partition, partition);
      EXPECT_EQ(decoded->key, value);
    }
  }
  // A partition with no keys between two that have keys scans empty.
  EXPECT_TRUE(scan(Namespace::kData, partition_prefix(3), partition_end(3)).empty());
}

TEST_P(EngineConformance, BinaryKeysAndValuesWithNulBytesRoundTrip) {
  const std::string key = "a\0b\0"s;
  const std::string shorter = "a"s;
  const std::string value = "\0\0\xFF\x01 value \0"s;
  put(Namespace::kData, key, value);
  put(Namespace::kData, shorter, "short");
  EXPECT_EQ(get(Namespace::kData, key), value);
  EXPECT_EQ(get(Namespace::kData, "a\0b"s), std::nullopt);
  EXPECT_EQ(get(Namespace::kData, shorter), "short");
  const auto entries = scan(Namespace::kData, "a\0"s, "a\0c"s);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].first, key);
  EXPECT_EQ(entries[0].second, value);
}

TEST_P(EngineConformance, LargeValueRoundTrips) {
  std::string value(1024 * 1024, '\0');
  for (std::size_t i = 0; i < value.size(); ++i) value[i] = static_cast<char>(i * 31);
  put(Namespace::kData, "big", value);
  EXPECT_EQ(get(Namespace::kData, "big"), value);
}

TEST_P(EngineConformance, EveryCallbackRunsExactlyOnceAfterFlush) {
  constexpr int kWrites = 500;
  std::vector<std::atomic<int>> calls(kWrites);
  std::atomic<int> failures{0};
  for (int i = 0; i < kWrites; ++i) {
    WriteBatch batch;
    batch.put(Namespace::kData, numbered("key", i), "v");
    ASSERT_TRUE(engine_
                    ->write(batch,
                            [&calls, &failures, i](Status status) {
                              if (!status.is_ok()) failures.fetch_add(1);
                              calls[i].fetch_add(1);
                            })
                    .is_ok());
  }
  ASSERT_TRUE(engine_->flush().is_ok());
  for (int i = 0; i < kWrites; ++i) EXPECT_EQ(calls[i].load(), 1) << i;
  EXPECT_EQ(failures.load(), 0);
}

TEST_P(EngineConformance, ClosingRunsEveryPendingCallbackExactlyOnce) {
  constexpr int kWrites = 300;
  std::vector<std::atomic<int>> calls(kWrites);
  for (int i = 0; i < kWrites; ++i) {
    WriteBatch batch;
    batch.put(Namespace::kData, numbered("key", i), "v");
    ASSERT_TRUE(engine_->write(batch, [&calls, i](Status) { calls[i].fetch_add(1); }).is_ok());
  }
  engine_.reset();  // No flush: the engine must drain its callbacks itself.
  for (int i = 0; i < kWrites; ++i) EXPECT_EQ(calls[i].load(), 1) << i;
}

TEST_P(EngineConformance, ConcurrentWritersAreAllAppliedAndAcknowledged) {
  constexpr int kThreads = 4;
  constexpr int kWritesPerThread = 100;
  std::atomic<int> acknowledged{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kWritesPerThread; ++i) {
        WriteBatch batch;
        batch.put(Namespace::kData, numbered(numbered("t", t) + "-", i), "v");
        std::atomic<bool> done{false};
        Status status = engine_->write(batch, [&](Status result) {
          if (result.is_ok()) acknowledged.fetch_add(1);
          done.store(true);
          done.notify_one();
        });
        if (!status.is_ok()) {
          ADD_FAILURE() << status.to_string();
          return;
        }
        done.wait(false);
      }
    });
  }
  for (std::thread& writer : writers) writer.join();
  EXPECT_EQ(acknowledged.load(), kThreads * kWritesPerThread);
  EXPECT_EQ(scan(Namespace::kData, "", "").size(),
            static_cast<std::size_t>(kThreads * kWritesPerThread));
}

TEST_P(EngineConformance, FlushSucceedsWithAndWithoutPendingWrites) {
  EXPECT_TRUE(engine_->flush().is_ok());
  WriteBatch batch;
  batch.put(Namespace::kMeta, "node_id", "7");
  ASSERT_TRUE(engine_->write(batch, [](Status) {}).is_ok());
  EXPECT_TRUE(engine_->flush().is_ok());
  EXPECT_TRUE(engine_->flush().is_ok());
}

TEST_P(EngineConformance, ReopenKeepsEveryNamespace) {
  if (!GetParam().persistent) GTEST_SKIP() << "the memory engine keeps nothing across reopen";
  WriteBatch batch;
  batch.put(Namespace::kData, encode_storage_key(5, "b", "k"), "data");
  batch.put(Namespace::kHints, "h", "hint");
  batch.put(Namespace::kMeta, "m", "meta\0"s);
  write_and_wait(batch);
  del(Namespace::kData, encode_storage_key(5, "b", "k"));
  put(Namespace::kData, encode_storage_key(5, "b", "k2"), "data2");
  reopen();
  EXPECT_EQ(get(Namespace::kData, encode_storage_key(5, "b", "k")), std::nullopt);
  EXPECT_EQ(get(Namespace::kData, encode_storage_key(5, "b", "k2")), "data2");
  EXPECT_EQ(get(Namespace::kHints, "h"), "hint");
  EXPECT_EQ(get(Namespace::kMeta, "m"), "meta\0"s);
  EXPECT_EQ(scan(Namespace::kData, partition_prefix(5), partition_end(5)).size(), 1u);
}

TEST_P(EngineConformance, ReopenKeepsAcknowledgedWritesWithoutFlush) {
  if (!GetParam().persistent) GTEST_SKIP() << "the memory engine keeps nothing across reopen";
  constexpr int kWrites = 200;
  std::atomic<int> acknowledged{0};
  for (int i = 0; i < kWrites; ++i) {
    WriteBatch batch;
    batch.put(Namespace::kData, numbered("key", i), numbered("value", i));
    ASSERT_TRUE(engine_->write(batch, [&](Status s) { acknowledged += s.is_ok(); }).is_ok());
  }
  reopen();
  EXPECT_EQ(acknowledged.load(), kWrites);
  for (int i = 0; i < kWrites; ++i) {
    EXPECT_EQ(get(Namespace::kData, numbered("key", i)), numbered("value", i));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Engines, EngineConformance,
    ::testing::Values(EngineParam{"memory", "memory", SyncPolicy::kNone, false},
                      EngineParam{"rocksdb_always", "rocksdb", SyncPolicy::kAlways, true},
                      EngineParam{"rocksdb_batch", "rocksdb", SyncPolicy::kBatch, true},
                      EngineParam{"rocksdb_none", "rocksdb", SyncPolicy::kNone, true}),
    [](const ::testing::TestParamInfo<EngineParam>& param_info) { return param_info.param.label; });

}  // namespace
}  // namespace ringkv::storage
