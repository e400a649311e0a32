#include "storage/rocksdb_engine.h"

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/slice.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <array>
#include <cassert>
#include <chrono>
#include <cstdio>
#include <utility>
#include <vector>

#include "storage/group_committer.h"

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

class RocksDbEngine final : public Engine {
 public:
  RocksDbEngine(std::string path, SyncPolicy sync, std::unique_ptr<rocksdb::DB> db,
                std::vector<rocksdb::ColumnFamilyHandle*> handles,
                std::chrono::microseconds group_commit_window)
      : path_(std::move(path)), sync_(sync), db_(std::move(db)), handles_(std::move(handles)) {
    assert(db_ != nullptr);
    assert(handles_.size() == kColumnFamilies.size());
    if (sync_ == SyncPolicy::kBatch) {
      committer_ =
          std::make_unique<GroupCommitter>([this] { return sync_wal(); }, group_commit_window);
    }
  }

  ~RocksDbEngine() override {
    // The committer syncs through db_, so it drains and stops before the database closes.
    committer_.reset();
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
    if (!status.ok()) return error("write", status);
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

 private:
  rocksdb::ColumnFamilyHandle* handle(Namespace ns) const {
    const auto index = 1 + static_cast<std::size_t>(ns);
    assert(index < handles_.size());
    return handles_[index];
  }

  Status sync_wal() {
    // FlushWAL(true) writes any buffered WAL bytes and fsyncs the WAL: everything written before
    // the call is durable when it returns.
    const rocksdb::Status status = db_->FlushWAL(/*sync=*/true);
    if (!status.ok()) return error("sync wal", status);
    return Status::ok();
  }

  Status error(std::string_view operation, const rocksdb::Status& status) const {
    std::string message =
        "rocksdb " + std::string(operation) + " at " + path_ + " failed: " + status.ToString();
    if (status.IsCorruption()) return Status::corruption(std::move(message));
    return Status::io_error(std::move(message));
  }

  const std::string path_;
  const SyncPolicy sync_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // Indexed like kColumnFamilies.
  std::unique_ptr<GroupCommitter> committer_;          // kBatch only.
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

  const rocksdb::ColumnFamilyOptions cf_options = column_family_options();
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const char* name : kColumnFamilies) descriptors.emplace_back(name, cf_options);

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw_db = nullptr;
  const rocksdb::Status status =
      rocksdb::DB::Open(db_options, path, descriptors, &handles, &raw_db);
  if (!status.ok()) {
    std::string message = "cannot open rocksdb at " + path + ": " + status.ToString();
    if (status.IsCorruption()) return Status::corruption(std::move(message));
    return Status::io_error(std::move(message));
  }
  assert(handles.size() == descriptors.size());
  return std::unique_ptr<Engine>(std::make_unique<RocksDbEngine>(
      path, sync, std::unique_ptr<rocksdb::DB>(raw_db), std::move(handles),
      std::chrono::microseconds(group_commit_window_us)));
}

}  // namespace ringkv::storage
