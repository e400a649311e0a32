// Engine: the storage interface every ringkv node writes through (docs/ARCHITECTURE.md, "Storage").
//
// An engine holds three separate namespaces: data (versioned objects), hints (replicas held for
// another node) and metadata (node id, actor id, ring, membership). Writes are atomic batches that
// become visible to reads as soon as write() returns; durability is a separate step governed by
// the sync policy (see SyncPolicy and Engine::write). Scans are ordered and bounded by a key range,
// so a partition (one prefix, see storage_key.h) is one contiguous range.
//
// Thread-safety: an engine may be called from one thread at a time for reads and writes; the
// completion callbacks of write() may run on an engine-owned thread (group commit) and must not
// call back into the engine.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace ringkv::storage {

enum class Namespace : std::uint8_t { kData = 0, kHints = 1, kMeta = 2 };
inline constexpr int kNamespaceCount = 3;

// How a write becomes durable before it is acknowledged.
enum class SyncPolicy : std::uint8_t {
  kAlways,  // Each write is fsynced before its callback runs.
  kBatch,   // Group commit: one fsync covers every write waiting for it; each callback runs after it.
  kNone,    // Callbacks run at once; a crash may lose recent acknowledged writes (caches, benches).
};

const char* sync_policy_name(SyncPolicy policy);
Result<SyncPolicy> parse_sync_policy(std::string_view name);

// An ordered list of puts and deletes applied atomically.
class WriteBatch {
 public:
  struct Op {
    Namespace ns;
    bool is_delete;
    std::string key;
    std::string value;
  };

  void put(Namespace ns, std::string_view key, std::string_view value) {
    ops_.push_back(Op{ns, false, std::string(key), std::string(value)});
    bytes_ += key.size() + value.size();
  }
  void del(Namespace ns, std::string_view key) {
    ops_.push_back(Op{ns, true, std::string(key), {}});
    bytes_ += key.size();
  }
  const std::vector<Op>& ops() const { return ops_; }
  bool empty() const { return ops_.empty(); }
  std::size_t size() const { return ops_.size(); }
  std::size_t bytes() const { return bytes_; }

 private:
  std::vector<Op> ops_;
  std::size_t bytes_ = 0;
};

// Called once per write, after the write is durable per the sync policy (or failed).
using WriteCallback = std::function<void(Status)>;

// Visits keys in ascending order; return false to stop the scan early.
using ScanVisitor = std::function<bool(std::string_view key, std::string_view value)>;

// One figure an engine reports for monitoring (/metrics): `name` becomes ringkv_storage_<name>.
struct EngineGauge {
  std::string name;
  std::string help;
  double value = 0;
};

class Engine {
 public:
  virtual ~Engine() = default;

  // Point read. Returns std::nullopt when the key is absent.
  virtual Result<std::optional<std::string>> get(Namespace ns, std::string_view key) = 0;

  // Applies `batch` atomically; it is visible to get()/scan() when write() returns ok. `done` runs
  // exactly once when the batch is durable per the engine's sync policy, or with the error if the
  // write or its sync failed. If write() itself returns an error, `done` is not called.
  virtual Status write(const WriteBatch& batch, WriteCallback done) = 0;

  // Visits every key in [begin, end) in ascending order; an empty `end` means "to the end".
  virtual Status scan(Namespace ns, std::string_view begin, std::string_view end,
                      const ScanVisitor& visit) = 0;

  // Makes every write issued so far durable; blocks. Used at shutdown and by tests.
  virtual Status flush() = 0;

  virtual SyncPolicy sync_policy() const = 0;
  virtual const char* name() const = 0;
  // The engine's gauges (RocksDB: memtable, SST and pending-compaction bytes, write stalls);
  // none by default. Safe to call while writes run.
  virtual std::vector<EngineGauge> gauges() const { return {}; }
};

struct EngineOptions {
  std::string engine = "rocksdb";  // "memory" | "rocksdb"
  std::string data_dir;            // Required for rocksdb.
  SyncPolicy sync = SyncPolicy::kBatch;
  // Group commit waits at most this long for more writers to join one fsync.
  std::uint32_t group_commit_window_us = 200;
};

// Opens the engine named by options.engine. Errors name the failing setting or path.
Result<std::unique_ptr<Engine>> open_engine(const EngineOptions& options);

}  // namespace ringkv::storage
