// RespOpsMeter: INFO's instantaneous_ops_per_sec, computed as Redis does (server.c,
// trackInstantaneousMetric): the command rate of each 100 ms period, averaged over the last 16
// periods. The host feeds it its running command count whenever it likes (each command, and
// before INFO); a gap of several periods fills each with the gap's average rate, so a quiet
// second reads as a low rate rather than the last busy period's. Pure: the host passes the time.
// Thread-safety: a plain object, used on the host's thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace ringkv::api {

class RespOpsMeter {
 public:
  static constexpr std::uint64_t kPeriodMs = 100;
  static constexpr std::size_t kPeriods = 16;

  // `total` is the count of commands processed since start, at `now_ms` (a monotonic clock).
  void observe(std::uint64_t now_ms, std::uint64_t total);
  // The average rate over the recorded periods, rounded down; 0 before two observations.
  std::uint64_t per_second() const;

 private:
  std::array<double, kPeriods> rates_{};
  std::size_t next_ = 0;
  std::size_t filled_ = 0;
  bool started_ = false;
  std::uint64_t last_ms_ = 0;
  std::uint64_t last_total_ = 0;
};

}  // namespace ringkv::api
