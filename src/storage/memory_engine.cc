#include "storage/memory_engine.h"

#include <cassert>
#include <utility>
#include <vector>

namespace ringkv::storage {
namespace {

// A scan copies at most this many entries per lock hold, so visitors run unlocked (they may read
// the engine) while memory held by one step stays bounded however large the range is.
constexpr std::size_t kScanChunkEntriesMax = 256;

}  // namespace

MemoryEngine::Map& MemoryEngine::map_for(Namespace ns) {
  const auto index = static_cast<std::size_t>(ns);
  assert(index < static_cast<std::size_t>(kNamespaceCount));
  return maps_[index];
}

Result<std::optional<std::string>> MemoryEngine::get(Namespace ns, std::string_view key) {
  std::lock_guard lock(mutex_);
  const Map& map = map_for(ns);
  auto it = map.find(key);
  if (it == map.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

Status MemoryEngine::write(const WriteBatch& batch, WriteCallback done) {
  assert(done);
  {
    // One lock hold for the whole batch makes it atomic with respect to readers.
    std::lock_guard lock(mutex_);
    for (const WriteBatch::Op& op : batch.ops()) {
      Map& map = map_for(op.ns);
      if (op.is_delete) {
        auto it = map.find(op.key);
        if (it != map.end()) map.erase(it);
      } else {
        map.insert_or_assign(op.key, op.value);
      }
    }
  }
  // Nothing to make durable: the write is as final as it will ever be.
  done(Status::ok());
  return Status::ok();
}

Status MemoryEngine::scan(Namespace ns, std::string_view begin, std::string_view end,
                          const ScanVisitor& visit) {
  assert(visit);
  std::string cursor(begin);
  bool cursor_inclusive = true;
  std::vector<std::pair<std::string, std::string>> chunk;
  while (true) {
    chunk.clear();
    {
      std::lock_guard lock(mutex_);
      const Map& map = map_for(ns);
      auto it = cursor_inclusive ? map.lower_bound(cursor) : map.upper_bound(cursor);
      for (; it != map.end() && chunk.size() < kScanChunkEntriesMax; ++it) {
        if (!end.empty() && std::string_view(it->first) >= end) break;
        chunk.emplace_back(it->first, it->second);
      }
    }
    for (const auto& [key, value] : chunk) {
      if (!visit(key, value)) return Status::ok();
    }
    if (chunk.size() < kScanChunkEntriesMax) return Status::ok();
    // Resume after the last visited key; keys written meanwhile after it are seen, as with any
    // scan of a live map.
    cursor = std::move(chunk.back().first);
    cursor_inclusive = false;
  }
}

Status MemoryEngine::flush() {
  return Status::ok();
}

std::unique_ptr<Engine> make_memory_engine() {
  return std::make_unique<MemoryEngine>();
}

}  // namespace ringkv::storage
