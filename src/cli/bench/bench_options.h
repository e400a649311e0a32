// BenchOptions: the settings of `ringkv bench` as given on the command line, the limits they
// must respect, and their validation. The defaults reproduce YCSB's core workloads at a small
// scale: 10,000 records of 100 bytes, 16 clients, 10 seconds.
// Thread-safety: a plain value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/limits.h"
#include "common/status.h"

namespace ringkv::bench {

// Limits on the settings: each keeps a typo from asking for something absurd (a billion threads,
// a week-long run) rather than describing a hard boundary of the code.
inline constexpr std::uint64_t kRecordCountMax = 1'000'000'000;
inline constexpr std::size_t kValueSizeMax = limits::kValueMaxBytesDefault;
inline constexpr std::uint32_t kClientsMax = 1024;
inline constexpr std::uint32_t kDurationSecondsMax = 7 * 24 * 3600;
inline constexpr std::uint64_t kOperationsMax = 1'000'000'000'000;
inline constexpr std::size_t kServersMax = 1024;
// Progress lines more often than this would cost more than they tell.
inline constexpr std::uint32_t kProgressIntervalMsMin = 100;
inline constexpr std::uint32_t kTimeoutMsMax = 10 * 60 * 1000;

// The client library rejects responses above its value limit, which defaults to the server's.
static_assert(kValueSizeMax <= limits::kValueMaxBytesDefault);

struct BenchOptions {
  // HOST:PORT of the nodes; client i talks to servers[i % servers.size()].
  std::vector<std::string> servers{"127.0.0.1:7001"};
  std::string bucket = "default";
  std::string workload = "A";            // A, B or C.
  std::string distribution = "zipfian";  // uniform or zipfian; YCSB's default is zipfian.
  std::uint64_t record_count = 10000;
  std::size_t value_size = 100;
  std::uint32_t clients = 16;  // Threads, each with its own connection.
  // The run lasts duration_s seconds, unless `operations` is non-zero: then it ends after that
  // many operations in total.
  std::uint32_t duration_s = 10;
  std::uint64_t operations = 0;
  bool load = true;  // Write every record before the run.
  std::uint64_t seed = 1;
  std::string json_path;                      // Empty: no JSON; "-": standard output.
  std::uint32_t progress_interval_ms = 1000;  // 0: no progress line.
  std::uint32_t timeout_ms = 5000;            // Per request, as for `ringkv get`.
};

// Rejects settings outside their limits with a message naming the flag.
Status validate_bench_options(const BenchOptions& options);

}  // namespace ringkv::bench
