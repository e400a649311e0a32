#include "storage/rocksdb_engine.h"

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/listener.h>
#include <rocksdb/options.h>
#include <rocksdb/slice.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <chrono>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "storage/group_committer.h"
#include "storage/rocksdb_status.h"

namespace ringkv::storage {
namespace {

// Column family names, indexed by 1 + Namespace (index 0 is RocksDB's mandatory "default").
constexpr std::array<const char*, 1 + kNamespaceCount> kColumnFamilies = {"default", "data",
                                                                          "hints", "meta"};
static_assert(static_cast<int>(Namespace::kData) == 0 && static_cast<int>(Namespace::kHints) == 1 &&
              static_cast<int>(Namespace::kMeta) == 2);

// Bloom filter bits per key: 10 bits gives about 1% false positives, so a get() of an absent key
// (the common case for a first write) rarely reads a data block.
constexpr double kBloomBitsPerKey = 10.0;

rocksdb::Slice to_slice(std::string_view bytes) {
  return {bytes.data(), bytes.size()};
}
std::string_view to_view(const rocksdb::Slice& slice) {
  return {slice.data(), slice.size()};
}

// Recovery from a stopped database (a full disk, or another background error): how often the
// recovery thread looks, how much free space it wants before it tries, and how it backs off while
// tries keep failing. A try flushes the memtables, which writes until the disk is full again when
// there is not enough room, so it is repeated only once more space appeared or the backoff ran out.
constexpr std::chrono::milliseconds kRecoveryPoll{250};
constexpr std::chrono::milliseconds kRecoveryBackoffMin{1000};
constexpr std::chrono::milliseconds kRecoveryBackoffMax{30'000};
constexpr std::uint64_t kRecoveryFreeBytesMin = 1 << 20;
constexpr std::uint64_t kRecoveryFreeGrowthBytes = 1 << 20;

// RocksDB's log goes to ours (stderr), warnings and errors only, instead of a LOG file in the data
// directory: on a full disk that file fails too, and RocksDB (built with assertions, as Debian's
// package is) aborts the process on the next line it writes after a failed one.
class RocksDbLogger final : public rocksdb::Logger {
 public:
  explicit RocksDbLogger(std::string path)
      : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL), path_(std::move(path)) {}

  using rocksdb::Logger::Logv;
  void Logv(const char* /*format*/, va_list /*ap*/) override {}  // Unleveled: informational.
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level < GetInfoLogLevel() || level == rocksdb::InfoLogLevel::HEADER_LEVEL) return;
    char line[1024];
    std::vsnprintf(line, sizeof(line), format, ap);
    std::string_view text(line);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
    if (level >= rocksdb::InfoLogLevel::ERROR_LEVEL) {
      spdlog::error("rocksdb at {}: {}", path_, text);
    } else {
      spdlog::warn("rocksdb at {}: {}", path_, text);
    }
  }

 private:
  const std::string path_;
};

// What the listener and the recovery thread share: whether RocksDB stopped writes, and why.
struct RecoveryState {
  std::mutex mutex;
  std::condition_variable cv;
  std::optional<rocksdb::Status> stopped_by;  // The background error, until a Resume() succeeds.
  std::uint64_t errors = 0;                   // Background errors heard so far.
  bool stopping = false;
};

// Hears RocksDB's background errors. RocksDB would recover from a full disk by itself only once
// as much space is free as one memtable (64 MiB by default), and while it waits it refuses a
// manual Resume(); so its own recovery is turned off and the engine's recovery thread resumes.
class ErrorListener final : public rocksdb::EventListener {
 public:
  explicit ErrorListener(std::shared_ptr<RecoveryState> state) : state_(std::move(state)) {}

  void OnBackgroundError(rocksdb::BackgroundErrorReason /*reason*/,
                         rocksdb::Status* bg_error) override {
    if (bg_error == nullptr || bg_error->ok()) return;
    {
      std::lock_guard lock(state_->mutex);
      state_->stopped_by = *bg_error;
      ++state_->errors;
    }
    state_->cv.notify_all();
  }

  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason /*reason*/,
                            rocksdb::Status /*bg_error*/, bool* auto_recovery) override {
    if (auto_recovery != nullptr) *auto_recovery = false;
  }

 private:
  std::shared_ptr<RecoveryState> state_;
};

// Free bytes for unprivileged writers on the file system holding `path`, if known.
std::optional<std::uint64_t> free_bytes(const std::string& path) {
  struct statvfs fs{};
  if (statvfs(path.c_str(), &fs) != 0) return std::nullopt;
  return static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
}

class RocksDbEngine final : public Engine {
 public:
  RocksDbEngine(std::string path, SyncPolicy sync, std::unique_ptr<rocksdb::DB> db,
                std::vector<rocksdb::ColumnFamilyHandle*> handles,
                std::chrono::microseconds group_commit_window,
                std::shared_ptr<RecoveryState> recovery)
      : path_(std::move(path)),
        sync_(sync),
        db_(std::move(db)),
        handles_(std::move(handles)),
        recovery_(std::move(recovery)) {
    assert(db_ != nullptr);
    assert(handles_.size() == kColumnFamilies.size());
    assert(recovery_ != nullptr);
    if (sync_ == SyncPolicy::kBatch) {
      committer_ =
          std::make_unique<GroupCommitter>([this] { return sync_wal(); }, group_commit_window);
    }
    recovery_thread_ = std::thread([this] { recover(); });
  }

  ~RocksDbEngine() override {
    // The committer syncs through db_, so it drains and stops before the database closes; so does
    // the recovery thread, which may be inside Resume().
    committer_.reset();
    {
      std::lock_guard lock(recovery_->mutex);
      recovery_->stopping = true;
    }
    recovery_->cv.notify_all();
    recovery_thread_.join();
    for (rocksdb::ColumnFamilyHandle* handle : handles_) {
      db_->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
    }
    const rocksdb::Status status = db_->Close();
    if (!status.ok()) {
      // A destructor cannot return the error; say it rather than lose it. Close is what syncs the
      // WAL for kNone, so writes acknowledged under kNone may not have reached the disk.
      std::fprintf(stderr, "ringkv: closing rocksdb at %s failed: %s\n", path_.c_str(),
                   status.ToString().c_str());
    }
  }

  RocksDbEngine(const RocksDbEngine&) = delete;
  RocksDbEngine& operator=(const RocksDbEngine&) = delete;

  Result<std::optional<std::string>> get(Namespace ns, std::string_view key) override {
    rocksdb::PinnableSlice value;
    const rocksdb::Status status =
        db_->Get(rocksdb::ReadOptions(), handle(ns), to_slice(key), &value);
    if (status.IsNotFound()) return std::optional<std::string>();
    if (!status.ok()) return error("get", status);
    return std::optional<std::string>(value.ToString());
  }

  Status write(const WriteBatch& batch, WriteCallback done) override {
    assert(done);
    rocksdb::WriteBatch rocks_batch;
    for (const WriteBatch::Op& op : batch.ops()) {
      const rocksdb::Status status =
          op.is_delete ? rocks_batch.Delete(handle(op.ns), to_slice(op.key))
                       : rocks_batch.Put(handle(op.ns), to_slice(op.key), to_slice(op.value));
      if (!status.ok()) return error("write batch", status);
    }
    rocksdb::WriteOptions options;
    options.sync = sync_ == SyncPolicy::kAlways;
    const rocksdb::Status status = db_->Write(options, &rocks_batch);
    if (!status.ok()) {
      note_write_error(status);
      return error("write", status);
    }
    if (sync_ == SyncPolicy::kBatch) {
      // The write is applied (in the WAL's OS buffer and the memtable): the committer's next sync
      // covers it, and only then runs `done`.
      committer_->enqueue(std::move(done));
    } else {
      // kAlways: Write() returned after its fsync. kNone: nothing to wait for.
      done(Status::ok());
    }
    return Status::ok();
  }

  Status scan(Namespace ns, std::string_view begin, std::string_view end,
              const ScanVisitor& visit) override {
    assert(visit);
    rocksdb::ReadOptions options;
    // The bound lets RocksDB stop at the end of the range instead of reading the next block.
    const rocksdb::Slice upper_bound = to_slice(end);
    if (!end.empty()) options.iterate_upper_bound = &upper_bound;
    // Scans (handoff, anti-entropy) read each key once; keep them from evicting the blocks that
    // point reads reuse.
    options.fill_cache = false;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options, handle(ns)));
    for (it->Seek(to_slice(begin)); it->Valid(); it->Next()) {
      if (!visit(to_view(it->key()), to_view(it->value()))) break;
    }
    if (!it->status().ok()) return error("scan", it->status());
    return Status::ok();
  }

  Status flush() override {
    // Callbacks already waiting run first, so after flush() every earlier write is acknowledged.
    if (committer_) committer_->drain();
    return sync_wal();
  }

  SyncPolicy sync_policy() const override { return sync_; }
  const char* name() const override { return "rocksdb"; }

  std::vector<EngineGauge> gauges() const override {
    // Summed over the column families where RocksDB reports them per family.
    auto sum = [&](const std::string& property) {
      std::uint64_t total = 0;
      for (rocksdb::ColumnFamilyHandle* family : handles_) {
        std::uint64_t value = 0;
        if (db_->GetIntProperty(family, property, &value)) total += value;
      }
      return static_cast<double>(total);
    };
    auto whole = [&](const std::string& property) {
      std::uint64_t value = 0;
      return db_->GetIntProperty(property, &value) ? static_cast<double>(value) : 0.0;
    };
    return {
        {"memtable_bytes", "Bytes in RocksDB's memtables", sum("rocksdb.cur-size-all-mem-tables")},
        {"sst_bytes", "Bytes of RocksDB's SST files", sum("rocksdb.total-sst-files-size")},
        {"pending_compaction_bytes", "Bytes RocksDB estimates compaction must rewrite",
         sum("rocksdb.estimate-pending-compaction-bytes")},
        {"running_compactions", "RocksDB compactions running",
         whole("rocksdb.num-running-compactions")},
        {"write_stopped", "1 while RocksDB stops writes (a write stall), else 0",
         whole("rocksdb.is-write-stopped")},
        {"delayed_write_rate_bytes_per_second",
         "The rate RocksDB slows writes to while it stalls them (0: not delayed)",
         whole("rocksdb.actual-delayed-write-rate")},
        {"estimated_keys", "Keys RocksDB estimates it holds (all namespaces)",
         sum("rocksdb.estimate-num-keys")},
    };
  }

 private:
  rocksdb::ColumnFamilyHandle* handle(Namespace ns) const {
    const auto index = 1 + static_cast<std::size_t>(ns);
    assert(index < handles_.size());
    return handles_[index];
  }

  Status sync_wal() {
    // An empty write with sync fsyncs the WAL, so everything written before the call is durable
    // when it returns. It goes through RocksDB's write queue, which refuses it while writes are
    // stopped. FlushWAL(true)/SyncWAL() would not: after a failed WAL append they touch the failed
    // file writer, which trips an assertion (an abort) in RocksDB builds that keep assertions on.
    rocksdb::WriteBatch empty;
    rocksdb::WriteOptions options;
    options.sync = true;
    const rocksdb::Status status = db_->Write(options, &empty);
    if (!status.ok()) {
      note_write_error(status);
      return error("sync wal", status);
    }
    return Status::ok();
  }

  Status error(std::string_view operation, const rocksdb::Status& status) const {
    return from_rocksdb_status(status, operation, path_);
  }

  // A failed write usually stopped writes already (the listener heard of it); if it did not, the
  // recovery thread's Resume() finds nothing to do.
  void note_write_error(const rocksdb::Status& status) {
    if (!status.IsIOError()) return;  // Not the disk.
    {
      std::lock_guard lock(recovery_->mutex);
      if (recovery_->stopped_by) return;
      recovery_->stopped_by = status;
      ++recovery_->errors;
    }
    recovery_->cv.notify_all();
  }

  // The recovery thread: while RocksDB refuses writes, resumes it once the disk has room again.
  // Reads go on meanwhile (RocksDB serves them in its read-only mode).
  void recover() {
    std::unique_lock lock(recovery_->mutex);
    while (true) {
      recovery_->cv.wait(lock, [&] { return recovery_->stopping || recovery_->stopped_by; });
      if (recovery_->stopping) return;
      const Status cause = error("write", *recovery_->stopped_by);
      spdlog::error("storage at {} refuses writes: {}; reads go on; writes resume by themselves "
                    "once space is freed",
                    path_, cause.message());
      const auto stopped_at = std::chrono::steady_clock::now();
      auto backoff = kRecoveryBackoffMin;
      auto next_try = stopped_at;
      std::optional<std::uint64_t> free_at_last_try;
      int tries = 0;
      while (recovery_->stopped_by && !recovery_->stopping) {
        recovery_->cv.wait_for(lock, kRecoveryPoll, [&] { return recovery_->stopping; });
        if (recovery_->stopping) return;
        const auto now = std::chrono::steady_clock::now();
        const std::optional<std::uint64_t> free = free_bytes(path_);
        if (free && *free < kRecoveryFreeBytesMin) continue;
        const bool more_space =
            !free_at_last_try || !free || *free >= *free_at_last_try + kRecoveryFreeGrowthBytes;
        if (!more_space && now < next_try) continue;
        ++tries;
        const std::uint64_t errors_before = recovery_->errors;
        lock.unlock();
        const rocksdb::Status resumed = db_->Resume();
        lock.lock();
        // An error heard during or after a successful Resume() stopped writes again: keep going.
        if (resumed.ok() && recovery_->errors == errors_before) {
          recovery_->stopped_by.reset();
          const auto seconds =
              std::chrono::duration<double>(std::chrono::steady_clock::now() - stopped_at).count();
          spdlog::info("storage at {} accepts writes again ({:.1f} s after they stopped, {} {})",
                       path_, seconds, tries, tries == 1 ? "try" : "tries");
          break;
        }
        if (resumed.ok()) continue;
        if (!resumed.IsBusy()) recovery_->stopped_by = resumed;
        free_at_last_try = free;
        next_try = now + backoff;
        backoff = std::min(backoff * 2, kRecoveryBackoffMax);
      }
    }
  }

  const std::string path_;
  const SyncPolicy sync_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // Indexed like kColumnFamilies.
  std::shared_ptr<RecoveryState> recovery_;            // Shared with the listener.
  std::unique_ptr<GroupCommitter> committer_;          // kBatch only.
  std::thread recovery_thread_;                        // Last: starts after the rest exists.
};

rocksdb::ColumnFamilyOptions column_family_options() {
  rocksdb::BlockBasedTableOptions table_options;
  table_options.filter_policy.reset(rocksdb::NewBloomFilterPolicy(kBloomBitsPerKey));
  rocksdb::ColumnFamilyOptions options;
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table_options));
  return options;
}

}  // namespace

Result<std::unique_ptr<Engine>> open_rocksdb_engine(const std::string& path, SyncPolicy sync,
                                                    std::uint32_t group_commit_window_us) {
  assert(!path.empty());
  if (group_commit_window_us > kGroupCommitWindowUsMax) {
    return Status::invalid_argument("setting group_commit_window_us is " +
                                    std::to_string(group_commit_window_us) + ", limit is " +
                                    std::to_string(kGroupCommitWindowUsMax));
  }
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.info_log = std::make_shared<RocksDbLogger>(path);
  auto recovery = std::make_shared<RecoveryState>();
  db_options.listeners.push_back(std::make_shared<ErrorListener>(recovery));

  const rocksdb::ColumnFamilyOptions cf_options = column_family_options();
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const char* name : kColumnFamilies) descriptors.emplace_back(name, cf_options);

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw_db = nullptr;
  const rocksdb::Status status =
      rocksdb::DB::Open(db_options, path, descriptors, &handles, &raw_db);
  if (!status.ok()) {
    std::string message = "cannot open rocksdb at " + path + ": ";
    if (is_disk_full(status)) message += "disk full: no space left on device; ";
    message += status.ToString();
    if (status.IsCorruption()) return Status::corruption(std::move(message));
    return Status::io_error(std::move(message));
  }
  assert(handles.size() == descriptors.size());
  return std::unique_ptr<Engine>(std::make_unique<RocksDbEngine>(
      path, sync, std::unique_ptr<rocksdb::DB>(raw_db), std::move(handles),
      std::chrono::microseconds(group_commit_window_us), std::move(recovery)));
}

}  // namespace ringkv::storage
