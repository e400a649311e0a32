// RocksDB errors as ringkv Statuses, and the RocksDB engine on a file system that fills up: writes
// fail naming the data directory, reads go on, and writes succeed again once space is freed.
#include "storage/rocksdb_status.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "storage/engine.h"
#include "storage/rocksdb_engine.h"
#include "storage/test_tmpfs.h"

namespace ringkv::storage {
namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(RocksDbStatus, NoSpaceIsAnIoErrorSayingDiskFullInTheDataDir) {
  const Status status = from_rocksdb_status(
      rocksdb::Status::NoSpace("While appending to file: /d/000004.log", "No space left on device"),
      "write", "/srv/ringkv/data");
  EXPECT_EQ(status.code(), StatusCode::kIoError);  // As SimDisk reports a full disk.
  EXPECT_TRUE(contains(status.message(),
                       "disk full: no space left on device in /srv/ringkv/data"))
      << status.message();
  EXPECT_TRUE(contains(status.message(), "rocksdb write")) << status.message();
  EXPECT_TRUE(contains(status.message(), "000004.log")) << status.message();
  EXPECT_TRUE(is_disk_full(rocksdb::Status::NoSpace()));
}

TEST(RocksDbStatus, SpaceLimitIsDiskFullToo) {
  const Status status = from_rocksdb_status(rocksdb::Status::SpaceLimit(), "write", "/data");
  EXPECT_EQ(status.code(), StatusCode::kIoError);
  EXPECT_TRUE(contains(status.message(), "disk full: space limit reached in /data"))
      << status.message();
}

TEST(RocksDbStatus, OtherErrorsKeepTheirCodeAndNameTheDataDir) {
  const Status io = from_rocksdb_status(rocksdb::Status::IOError("EIO"), "get", "/data");
  EXPECT_EQ(io.code(), StatusCode::kIoError);
  EXPECT_TRUE(contains(io.message(), "rocksdb get at /data failed: IO error: EIO")) << io.message();
  EXPECT_FALSE(contains(io.message(), "disk full")) << io.message();
  EXPECT_FALSE(is_disk_full(rocksdb::Status::IOError("EIO")));

  const Status corrupt =
      from_rocksdb_status(rocksdb::Status::Corruption("bad block"), "scan", "/data");
  EXPECT_EQ(corrupt.code(), StatusCode::kCorruption);
  EXPECT_TRUE(contains(corrupt.message(), "/data")) << corrupt.message();

  const Status closing =
      from_rocksdb_status(rocksdb::Status::ShutdownInProgress(), "write", "/data");
  EXPECT_EQ(closing.code(), StatusCode::kUnavailable);
}

// Writes `value` under successive keys until one fails; returns the keys written.
int write_until_full(Engine& engine, const std::string& value, Status* failure) {
  for (int i = 0; i < 100'000; ++i) {
    WriteBatch batch;
    batch.put(Namespace::kData, "key" + std::to_string(i), value);
    Status done_status;
    bool done = false;
    Status status = engine.write(batch, [&](Status result) {
      done_status = std::move(result);
      done = true;
    });
    if (status.is_ok()) {
      status = engine.flush();  // Waits for the group commit: `done` has run.
      if (status.is_ok() && done) status = done_status;
    }
    if (!status.is_ok()) {
      *failure = status;
      return i;
    }
  }
  return -1;
}

bool write_one(Engine& engine, const std::string& key, Status* status) {
  WriteBatch batch;
  batch.put(Namespace::kData, key, "v");
  Status result;
  *status = engine.write(batch, [&](Status s) { result = std::move(s); });
  if (status->is_ok()) *status = engine.flush();
  if (status->is_ok()) *status = result;
  return status->is_ok();
}

TEST(RocksDbEngineFullDisk, WritesFailNamingTheDirReadsGoOnAndWritesResumeOnceSpaceIsFreed) {
  TestTmpfs disk(24 << 20, "ringkv-full");
  if (!disk.mounted()) GTEST_SKIP() << disk.error();
  disk.fill("filler", 12 << 20);
  const std::string data_dir = disk.path() + "/data";
  auto engine = open_rocksdb_engine(data_dir, SyncPolicy::kBatch, 200);
  ASSERT_TRUE(engine.is_ok()) << engine.status().to_string();

  // Compressible values: once space is freed, the memtable flush that resumes writes fits.
  const std::string value(16 * 1024, 'x');
  Status failure;
  const int written = write_until_full(**engine, value, &failure);
  ASSERT_GT(written, 0);
  EXPECT_EQ(failure.code(), StatusCode::kIoError);
  EXPECT_TRUE(contains(failure.message(), "disk full: no space left on device in " + data_dir))
      << failure.message();

  // Writes stay refused, reads and scans go on.
  Status status;
  EXPECT_FALSE(write_one(**engine, "refused", &status));
  EXPECT_TRUE(contains(status.message(), "disk full")) << status.message();
  for (int i = 0; i < written; i += 97) {
    auto read = (*engine)->get(Namespace::kData, "key" + std::to_string(i));
    ASSERT_TRUE(read.is_ok()) << read.status().to_string();
    ASSERT_TRUE(read->has_value()) << i;
    EXPECT_EQ(**read, value);
  }
  int scanned = 0;
  ASSERT_TRUE((*engine)
                  ->scan(Namespace::kData, "", "", [&](std::string_view, std::string_view) {
                    ++scanned;
                    return true;
                  })
                  .is_ok());
  EXPECT_GE(scanned, written);

  disk.remove("filler");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  bool resumed = false;
  while (!resumed && std::chrono::steady_clock::now() < deadline) {
    resumed = write_one(**engine, "after", &status);
    if (!resumed) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(resumed) << status.to_string();
  for (int i = 0; i < written; ++i) {
    auto read = (*engine)->get(Namespace::kData, "key" + std::to_string(i));
    ASSERT_TRUE(read.is_ok() && read->has_value()) << i;
  }
  engine->reset();  // Closes the database before the tmpfs goes.
}

}  // namespace
}  // namespace ringkv::storage
