// SimDisk: the simulator's storage engine. Writes are visible at once (like a page cache) and
// become durable only when the simulator runs sync(); crash() throws away everything written
// since the last sync, as a power failure would, and drops the waiting callbacks. This is what
// lets simulations check that nothing acknowledged is lost (a reply only follows a sync).
// Thread-safety: none; the simulator is single-threaded.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "storage/engine.h"

namespace ringkv::sim {

class SimDisk final : public storage::Engine {
 public:
  Result<std::optional<std::string>> get(storage::Namespace ns, std::string_view key) override;
  Status write(const storage::WriteBatch& batch, storage::WriteCallback done) override;
  Status scan(storage::Namespace ns, std::string_view begin, std::string_view end,
              const storage::ScanVisitor& visit) override;
  Status flush() override;
  storage::SyncPolicy sync_policy() const override { return storage::SyncPolicy::kBatch; }
  const char* name() const override { return "sim"; }

  // Makes every write so far durable and runs their callbacks (group commit).
  void sync();
  // Loses every unsynced write; their callbacks never run.
  void crash();
  bool has_unsynced() const { return !waiting_.empty(); }
  std::size_t durable_keys(storage::Namespace ns) const;

 private:
  using Table = std::map<std::string, std::string, std::less<>>;
  static void apply(Table (&tables)[storage::kNamespaceCount], const storage::WriteBatch& batch);

  Table current_[storage::kNamespaceCount];
  Table durable_[storage::kNamespaceCount];
  std::vector<storage::WriteBatch> unsynced_;
  std::vector<storage::WriteCallback> waiting_;
};

}  // namespace ringkv::sim
