// GroupCommitter: the group commit behind SyncPolicy::kBatch (sync = batch). Writers apply
// their write without syncing, then enqueue its callback; a dedicated committer thread takes every
// waiting callback, runs ONE sync that covers all of their writes, and only then runs each callback
// with the sync's status. This is the classic database group commit (DeWitt et al., "Implementation
// techniques for main memory database systems", 1984): one fsync amortised over many writers.
//
// The committer knows nothing about RocksDB: the sync is an injected function, so tests check the
// ordering guarantee with a fake disk (group_committer_test.cc).
//
// Thread-safety: enqueue() and drain() may be called from any thread at once. Callbacks run on the
// committer thread, in enqueue order; they must not call enqueue() or drain() (the committer would
// wait on itself). The destructor must not race with enqueue().
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "storage/engine.h"

namespace ringkv::storage {

class GroupCommitter {
 public:
  // Makes durable every write applied before it was called.
  using SyncFunction = std::function<Status()>;

  // At most this many callbacks wait for a sync; enqueue() blocks beyond it, so a disk slower than
  // its writers pushes back on them instead of growing memory without bound.
  static constexpr std::size_t kPendingMax = 16 * 1024;

  // After the first callback of a group arrives, the committer waits up to `window` for more
  // writers to join before it syncs, but only when writers are concurrent (the previous group or
  // the queue holds more than one callback): a lone writer gets its sync at once. Zero never
  // waits; writers arriving during a sync still join the next group.
  GroupCommitter(SyncFunction sync, std::chrono::microseconds window);
  // Syncs and runs every pending callback, then stops the committer thread: no callback is lost.
  ~GroupCommitter();

  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // Queues `done` to run after the next sync. The caller's write must already be applied (visible
  // to the sync function): that is what makes the sync cover it.
  void enqueue(WriteCallback done);

  // Blocks until every callback enqueued before this call has run.
  void drain();

  // The number of syncs run so far; with many writers it is far below the number of callbacks.
  std::uint64_t sync_count() const;

 private:
  void run();

  const SyncFunction sync_;
  const std::chrono::microseconds window_;

  mutable std::mutex mutex_;
  std::condition_variable work_cv_;     // The committer waits here for callbacks or a stop.
  std::condition_variable space_cv_;    // Writers wait here while kPendingMax callbacks wait.
  std::condition_variable drained_cv_;  // drain() waits here for completed_ to pass its target.
  std::vector<WriteCallback> pending_;  // Guarded by mutex_.
  std::uint64_t enqueued_ = 0;          // Callbacks ever enqueued. Guarded by mutex_.
  std::uint64_t completed_ = 0;         // Callbacks ever run. Guarded by mutex_.
  // Counted when a sync returns, before its callbacks run, so a callback sees its own sync.
  std::atomic<std::uint64_t> syncs_{0};
  std::size_t last_group_size_ = 0;  // Callbacks in the previous group. Guarded by mutex_.
  int drain_waiters_ = 0;            // Callers in drain(); they cut the window short.
  bool stopping_ = false;            // Guarded by mutex_.
  std::thread thread_;               // Last: starts after every member above exists.
};

}  // namespace ringkv::storage
