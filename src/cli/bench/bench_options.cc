#include "cli/bench/bench_options.h"

#include "cli/bench/workload.h"
#include "common/host_port.h"

namespace ringkv::bench {
namespace {

Status check_range(const char* flag, std::uint64_t value, std::uint64_t min, std::uint64_t max) {
  if (value >= min && value <= max) return Status::ok();
  return Status::invalid_argument(std::string(flag) + " must be between " + std::to_string(min) +
                                  " and " + std::to_string(max) + ", not " + std::to_string(value));
}

}  // namespace

Status validate_bench_options(const BenchOptions& options) {
  if (options.servers.empty()) return Status::invalid_argument("--servers names no server");
  if (options.servers.size() > kServersMax) {
    return Status::invalid_argument("--servers names more than " + std::to_string(kServersMax) +
                                    " servers");
  }
  for (const std::string& server : options.servers) {
    auto host_port = parse_host_port(server, "--servers");
    if (!host_port.is_ok()) return host_port.status();
  }
  if (options.bucket.empty() || options.bucket.size() > limits::kBucketMaxBytes) {
    return Status::invalid_argument("--bucket must have 1 to " +
                                    std::to_string(limits::kBucketMaxBytes) + " bytes");
  }
  if (auto mix = parse_workload(options.workload); !mix.is_ok()) return mix.status();
  if (auto distribution = parse_key_distribution(options.distribution); !distribution.is_ok()) {
    return distribution.status();
  }
  RINGKV_RETURN_IF_ERROR(check_range("--record_count", options.record_count, 1, kRecordCountMax));
  RINGKV_RETURN_IF_ERROR(check_range("--value_size", options.value_size, 0, kValueSizeMax));
  RINGKV_RETURN_IF_ERROR(check_range("--clients", options.clients, 1, kClientsMax));
  if (options.operations == 0) {
    RINGKV_RETURN_IF_ERROR(check_range("--duration_s", options.duration_s, 1, kDurationSecondsMax));
  } else {
    RINGKV_RETURN_IF_ERROR(check_range("--operations", options.operations, 1, kOperationsMax));
  }
  if (options.progress_interval_ms != 0) {
    RINGKV_RETURN_IF_ERROR(check_range("--progress_interval_ms", options.progress_interval_ms,
                                       kProgressIntervalMsMin, UINT32_MAX));
  }
  RINGKV_RETURN_IF_ERROR(check_range("--timeout_ms", options.timeout_ms, 1, kTimeoutMsMax));
  return Status::ok();
}

}  // namespace ringkv::bench
