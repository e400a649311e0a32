#include "api/resp_keyspace_cache.h"

#include "common/invariant.h"

namespace ringkv::api {

std::optional<std::uint64_t> RespKeyspaceCache::lookup(std::string_view bucket,
                                                       std::uint64_t now_ms, bool& start) {
  start = false;
  auto it = entries_.find(bucket);
  if (it == entries_.end()) it = entries_.emplace(std::string(bucket), Entry{}).first;
  Entry& entry = it->second;
  const bool stale = !entry.started_ms || now_ms - *entry.started_ms >= refresh_ms_ ||
                     now_ms < *entry.started_ms;  // A clock that went back: count again.
  if (stale && !counting_) {
    entry.started_ms = now_ms;
    counting_ = true;
    start = true;
  }
  return entry.keys;
}

void RespKeyspaceCache::finished(std::string_view bucket, std::optional<std::uint64_t> keys) {
  RINGKV_INVARIANT(counting_);
  counting_ = false;
  auto it = entries_.find(bucket);
  RINGKV_INVARIANT(it != entries_.end());
  if (keys) it->second.keys = keys;
}

}  // namespace ringkv::api
