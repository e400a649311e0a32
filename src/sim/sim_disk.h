// SimDisk: the simulator's storage engine. Writes are visible at once (like a page cache) and
// become durable only when the simulator runs sync(); crash() throws away what was written since
// the last sync, as a power failure would, and drops the waiting callbacks. This is what lets
// simulations check that nothing acknowledged is lost (a reply only follows a sync).
//
// Faults (set_faults), each drawn from the simulator's seeded generator, as TigerBeetle's
// testing/storage.zig and leveldb's fault_injection_test.cc inject them:
//   - a read or a scan fails with an I/O error (a scan may fail after visiting some keys);
//   - a write fails with an I/O error before anything is applied (write() returns the error);
//   - an fsync fails: the writes it covered stay visible but are not durable (they vanish at the
//     next crash), and their callbacks get the error, so the node cannot know what reached disk
//     (PostgreSQL's "fsyncgate" lesson);
//   - the disk is full: a write that would grow the stored bytes beyond capacity_bytes fails
//     with "no space left on device" (deletes still go through);
//   - a crash tears the write in progress: the unsynced batches that reached the device before it
//     survive, in order, and the one being written is discarded at recovery (a batch is atomic,
//     as RocksDB's checksummed WAL records make it), so a crash keeps any prefix of the unsynced
//     writes, not only none.
// Thread-safety: none; the simulator is single-threaded.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/random.h"
#include "storage/engine.h"

namespace ringkv::sim {

struct DiskFaults {
  double read_error_probability = 0.0;   // Per get.
  double scan_error_probability = 0.0;   // Per scan.
  double write_error_probability = 0.0;  // Per write().
  double sync_error_probability = 0.0;   // Per fsync.
  std::uint64_t capacity_bytes = 0;      // 0: unlimited.
  bool torn_crashes = false;             // A crash keeps a random prefix of unsynced writes.
  bool any() const {
    return read_error_probability > 0 || scan_error_probability > 0 ||
           write_error_probability > 0 || sync_error_probability > 0 || capacity_bytes > 0 ||
           torn_crashes;
  }
};

class SimDisk final : public storage::Engine {
 public:
  // `random` draws the faults; it must outlive the disk (the simulator's generator).
  explicit SimDisk(core::Random* random = nullptr) : random_(random) {}

  Result<std::optional<std::string>> get(storage::Namespace ns, std::string_view key) override;
  Status write(const storage::WriteBatch& batch, storage::WriteCallback done) override;
  Status scan(storage::Namespace ns, std::string_view begin, std::string_view end,
              const storage::ScanVisitor& visit) override;
  Status flush() override;
  storage::SyncPolicy sync_policy() const override { return storage::SyncPolicy::kBatch; }
  const char* name() const override { return "sim"; }

  void set_faults(const DiskFaults& faults) { faults_ = faults; }
  const DiskFaults& faults() const { return faults_; }
  // Makes every write so far durable and runs their callbacks (group commit), or fails them all.
  // Returns false when the fsync failed.
  bool sync();
  // Loses the unsynced writes (all, or with torn_crashes all but a prefix); their callbacks never
  // run.
  void crash();
  bool has_unsynced() const { return !waiting_.empty(); }
  std::size_t durable_keys(storage::Namespace ns) const;
  // The durable copy of a key (what a crash now would leave), for checkers.
  std::optional<std::string> durable_get(storage::Namespace ns, std::string_view key) const;
  // Keys and values held now (visible), for checkers.
  std::uint64_t stored_bytes() const { return stored_bytes_; }
  std::uint64_t faults_injected() const { return faults_injected_; }

 private:
  using Table = std::map<std::string, std::string, std::less<>>;
  static void apply(Table (&tables)[storage::kNamespaceCount], const storage::WriteBatch& batch);
  bool fault(double probability);
  std::int64_t growth_bytes(const storage::WriteBatch& batch) const;
  void recompute_stored_bytes();

  core::Random* random_;
  DiskFaults faults_;
  Table current_[storage::kNamespaceCount];
  Table durable_[storage::kNamespaceCount];
  std::vector<storage::WriteBatch> unsynced_;
  std::vector<storage::WriteCallback> waiting_;
  std::uint64_t stored_bytes_ = 0;
  std::uint64_t faults_injected_ = 0;
};

}  // namespace ringkv::sim
