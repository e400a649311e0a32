// RespKeyspaceCache: the key counts INFO's keyspace section reports (`db0:keys=N,...`), kept by
// the RESP server so that INFO answers at once and never scans the cluster on every call. A count
// is a full count_only scan of a bucket (api::count_keys_steps), as DBSIZE runs it, so it costs
// as much as DBSIZE: the cache starts one only when INFO asks for a bucket whose count is older
// than `refresh_ms` (or missing), and never more than one at a time per RESP server. INFO then
// reports the last count that completed: none before the first one (no db line, as for an empty
// database), at most about refresh_ms plus one count's duration old afterwards. A failed count
// (the cluster unavailable) keeps the previous figure and is retried after refresh_ms.
// Pure: the host passes the clock and runs the counts.
// Thread-safety: none; the RESP server's event loop owns it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace ringkv::api {

// How old a count may be before INFO starts a new one.
inline constexpr std::uint64_t kRespKeyspaceRefreshMs = 5000;

class RespKeyspaceCache {
 public:
  explicit RespKeyspaceCache(std::uint64_t refresh_ms = kRespKeyspaceRefreshMs)
      : refresh_ms_(refresh_ms) {}

  // The last completed count of `bucket`, if any. Sets `start` when the host should count the
  // bucket now (and records the count as started: the host calls finished() when it is done).
  std::optional<std::uint64_t> lookup(std::string_view bucket, std::uint64_t now_ms, bool& start);
  // The count of `bucket` started by lookup() ended: `keys`, or nullopt when it failed.
  void finished(std::string_view bucket, std::optional<std::uint64_t> keys);

  bool counting() const { return counting_; }

 private:
  struct Entry {
    std::optional<std::uint64_t> keys;
    std::optional<std::uint64_t> started_ms;  // Of the last count; none yet.
  };
  std::uint64_t refresh_ms_;
  // One entry per bucket INFO asked about: at most the resp_databases buckets.
  std::map<std::string, Entry, std::less<>> entries_;
  bool counting_ = false;
};

}  // namespace ringkv::api
