#include "storage/group_committer.h"

#include <cassert>
#include <utility>

namespace ringkv::storage {

GroupCommitter::GroupCommitter(SyncFunction sync, std::chrono::microseconds window)
    : sync_(std::move(sync)), window_(window) {
  assert(sync_);
  assert(window_.count() >= 0);
  pending_.reserve(64);
  thread_ = std::thread([this] { run(); });
}

GroupCommitter::~GroupCommitter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_cv_.notify_one();
  thread_.join();
  // run() only returns once nothing is pending, so every enqueued callback has run.
  assert(pending_.empty());
  assert(completed_ == enqueued_);
}

void GroupCommitter::enqueue(WriteCallback done) {
  assert(done);
  std::unique_lock lock(mutex_);
  assert(!stopping_);
  space_cv_.wait(lock, [this] { return pending_.size() < kPendingMax; });
  pending_.push_back(std::move(done));
  ++enqueued_;
  // Wake the committer when it may be idle (first callback) or when the group is full and the
  // window should end early; other arrivals are picked up when the window closes.
  if (pending_.size() == 1 || pending_.size() == kPendingMax) work_cv_.notify_one();
}

void GroupCommitter::drain() {
  std::unique_lock lock(mutex_);
  const std::uint64_t target = enqueued_;
  ++drain_waiters_;
  work_cv_.notify_one();
  drained_cv_.wait(lock, [&] { return completed_ >= target; });
  --drain_waiters_;
}

std::uint64_t GroupCommitter::sync_count() const {
  return syncs_.load();
}

void GroupCommitter::run() {
  std::vector<WriteCallback> group;
  std::unique_lock lock(mutex_);
  while (true) {
    work_cv_.wait(lock, [this] { return !pending_.empty() || stopping_; });
    if (pending_.empty()) break;  // Stopping, and nothing is left to commit.
    // Wait for more writers only when there is evidence of concurrency: a lone writer waiting
    // for each acknowledgement would pay the window on every write and gain nothing from it.
    const bool writers_are_concurrent = pending_.size() > 1 || last_group_size_ > 1;
    if (window_.count() > 0 && writers_are_concurrent) {
      // Let more writers join this sync, unless someone is blocked on us.
      work_cv_.wait_for(lock, window_, [this] {
        return stopping_ || drain_waiters_ > 0 || pending_.size() >= kPendingMax;
      });
    }
    group.swap(pending_);
    last_group_size_ = group.size();
    const std::uint64_t group_end = completed_ + group.size();
    assert(group_end <= enqueued_);
    space_cv_.notify_all();
    lock.unlock();

    // Every write in `group` was applied before its callback was enqueued, hence before this
    // sync starts: the sync covers all of them, and no callback runs before it returns.
    const Status status = sync_();
    syncs_.fetch_add(1);
    for (WriteCallback& done : group) done(status);
    group.clear();

    lock.lock();
    completed_ = group_end;
    drained_cv_.notify_all();
  }
}

}  // namespace ringkv::storage
