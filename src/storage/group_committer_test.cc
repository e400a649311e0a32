#include "storage/group_committer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace ringkv::storage {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

// A fake disk: writes bump `applied`; a sync makes durable what was applied when it started and
// takes a little time, like an fsync.
struct FakeDisk {
  std::atomic<std::uint64_t> applied{0};
  std::atomic<std::uint64_t> durable{0};
  std::atomic<int> syncs{0};
  microseconds sync_latency{500};

  Status sync() {
    const std::uint64_t covered = applied.load();
    std::this_thread::sleep_for(sync_latency);
    durable.store(covered);
    syncs.fetch_add(1);
    return Status::ok();
  }
};

TEST(GroupCommitter, NoCallbackRunsBeforeTheSyncCoveringItsWrite) {
  FakeDisk disk;
  std::atomic<int> early{0};
  std::atomic<int> callbacks{0};
  constexpr int kThreads = 8;
  constexpr int kWritesPerThread = 200;
  {
    GroupCommitter committer([&] { return disk.sync(); }, microseconds(100));
    std::vector<std::thread> writers;
    for (int t = 0; t < kThreads; ++t) {
      writers.emplace_back([&] {
        for (int i = 0; i < kWritesPerThread; ++i) {
          const std::uint64_t my_write = disk.applied.fetch_add(1) + 1;
          committer.enqueue([&, my_write](Status status) {
            EXPECT_TRUE(status.is_ok());
            if (disk.durable.load() < my_write) early.fetch_add(1);
            callbacks.fetch_add(1);
          });
        }
      });
    }
    for (std::thread& writer : writers) writer.join();
    committer.drain();
    EXPECT_EQ(callbacks.load(), kThreads * kWritesPerThread);
  }
  EXPECT_EQ(early.load(), 0);
  EXPECT_EQ(callbacks.load(), kThreads * kWritesPerThread);
}

TEST(GroupCommitter, OneSyncCoversManyWriters) {
  FakeDisk disk;
  disk.sync_latency = milliseconds(2);
  constexpr int kThreads = 16;
  constexpr int kWritesPerThread = 20;
  GroupCommitter committer([&] { return disk.sync(); }, microseconds(500));
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&] {
      // Each writer waits for its acknowledgement before the next write, like a client would.
      for (int i = 0; i < kWritesPerThread; ++i) {
        disk.applied.fetch_add(1);
        std::atomic<bool> acked{false};
        committer.enqueue([&](Status) {
          acked.store(true);
          acked.notify_one();
        });
        acked.wait(false);
      }
    });
  }
  for (std::thread& writer : writers) writer.join();
  // 320 acknowledged writes; with 16 concurrent writers a sync should carry several of them.
  EXPECT_LT(committer.sync_count(), static_cast<std::uint64_t>(kThreads * kWritesPerThread) / 2);
  EXPECT_EQ(static_cast<std::uint64_t>(disk.syncs.load()), committer.sync_count());
}

TEST(GroupCommitter, SyncErrorReachesEveryCallbackOfTheGroup) {
  std::atomic<int> failed{0};
  {
    GroupCommitter committer([] { return Status::io_error("disk on fire"); }, microseconds(0));
    for (int i = 0; i < 50; ++i) {
      committer.enqueue([&](Status status) {
        if (status.code() == StatusCode::kIoError && status.message() == "disk on fire") {
          failed.fetch_add(1);
        }
      });
    }
  }
  EXPECT_EQ(failed.load(), 50);
}

TEST(GroupCommitter, DestructorRunsEveryPendingCallbackOnce) {
  FakeDisk disk;
  disk.sync_latency = milliseconds(5);
  std::vector<std::atomic<int>> runs(1000);
  {
    // A long window: callbacks are still pending when the destructor starts.
    GroupCommitter committer([&] { return disk.sync(); }, microseconds(50'000));
    for (std::size_t i = 0; i < runs.size(); ++i) {
      disk.applied.fetch_add(1);
      committer.enqueue([&runs, i](Status) { runs[i].fetch_add(1); });
    }
  }
  for (std::size_t i = 0; i < runs.size(); ++i) EXPECT_EQ(runs[i].load(), 1) << i;
  EXPECT_EQ(disk.durable.load(), runs.size());
}

TEST(GroupCommitter, DrainWaitsForEarlierCallbacksAndCutsTheWindowShort) {
  FakeDisk disk;
  std::atomic<int> callbacks{0};
  GroupCommitter committer([&] { return disk.sync(); }, std::chrono::seconds(2));
  for (int i = 0; i < 10; ++i) {
    committer.enqueue([&](Status) { callbacks.fetch_add(1); });
  }
  const auto start = std::chrono::steady_clock::now();
  committer.drain();
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(callbacks.load(), 10);
  // The window is 2 s; drain() must not sit it out (the bound leaves room for a loaded machine).
  EXPECT_LT(waited, milliseconds(1000));
  committer.drain();  // Nothing pending: returns at once.
}

TEST(GroupCommitter, LoneWriterIsNotDelayedByTheWindow) {
  FakeDisk disk;
  GroupCommitter committer([&] { return disk.sync(); }, std::chrono::seconds(2));
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) {
    disk.applied.fetch_add(1);
    std::atomic<bool> acked{false};
    committer.enqueue([&](Status) {
      acked.store(true);
      acked.notify_one();
    });
    acked.wait(false);
  }
  // Five waits of the 2 s window would take 10 s; five fake 0.5 ms syncs take far less.
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(1000));
  EXPECT_EQ(committer.sync_count(), 5u);
}

TEST(GroupCommitter, EnqueueBlocksWhenThePendingQueueIsFullThenProceeds) {
  std::atomic<bool> release{false};
  std::atomic<std::size_t> callbacks{0};
  const std::size_t total = GroupCommitter::kPendingMax * 2 + 10;
  {
    // The first sync blocks until released, so the queue fills behind it.
    GroupCommitter committer(
        [&] {
          release.wait(false);
          return Status::ok();
        },
        microseconds(0));
    std::thread writer([&] {
      for (std::size_t i = 0; i < total; ++i) {
        committer.enqueue([&](Status) { callbacks.fetch_add(1); });
      }
    });
    std::this_thread::sleep_for(milliseconds(50));
    EXPECT_EQ(callbacks.load(), 0u);
    release.store(true);
    release.notify_all();
    writer.join();
  }
  EXPECT_EQ(callbacks.load(), total);
}

}  // namespace
}  // namespace ringkv::storage
