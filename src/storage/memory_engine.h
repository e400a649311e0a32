// MemoryEngine: an Engine that keeps every namespace in an ordered in-process map. It backs unit
// tests, the simulator and caches; nothing survives the process, so its sync policy is kNone and
// every write callback runs inside write().
//
// Thread-safety: every method may be called from any thread at once (a mutex guards the maps).
// Scan visitors and write callbacks run without the mutex held, so they may read the engine; per
// engine.h they still must not write to it from a write callback.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "storage/engine.h"

namespace ringkv::storage {

class MemoryEngine final : public Engine {
 public:
  MemoryEngine() = default;
  MemoryEngine(const MemoryEngine&) = delete;
  MemoryEngine& operator=(const MemoryEngine&) = delete;

  Result<std::optional<std::string>> get(Namespace ns, std::string_view key) override;
  Status write(const WriteBatch& batch, WriteCallback done) override;
  Status scan(Namespace ns, std::string_view begin, std::string_view end,
              const ScanVisitor& visit) override;
  Status flush() override;
  SyncPolicy sync_policy() const override { return SyncPolicy::kNone; }
  const char* name() const override { return "memory"; }

 private:
  // std::less<> lets lookups take a string_view without building a std::string.
  using Map = std::map<std::string, std::string, std::less<>>;

  Map& map_for(Namespace ns);

  std::mutex mutex_;
  Map maps_[kNamespaceCount];  // Guarded by mutex_.
};

std::unique_ptr<Engine> make_memory_engine();

}  // namespace ringkv::storage
