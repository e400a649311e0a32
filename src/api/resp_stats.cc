#include "api/resp_stats.h"

#include <algorithm>

namespace ringkv::api {

void RespOpsMeter::observe(std::uint64_t now_ms, std::uint64_t total) {
  if (!started_) {
    started_ = true;
    last_ms_ = now_ms;
    last_total_ = total;
    return;
  }
  if (now_ms < last_ms_ + kPeriodMs) return;
  const std::uint64_t elapsed_ms = now_ms - last_ms_;
  const std::uint64_t ops = total >= last_total_ ? total - last_total_ : 0;
  const double rate = static_cast<double>(ops) * 1000.0 / static_cast<double>(elapsed_ms);
  const std::uint64_t periods = std::min<std::uint64_t>(elapsed_ms / kPeriodMs, kPeriods);
  for (std::uint64_t i = 0; i < periods; ++i) {
    rates_[next_] = rate;
    next_ = (next_ + 1) % kPeriods;
    filled_ = std::min(filled_ + 1, kPeriods);
  }
  last_ms_ = now_ms;
  last_total_ = total;
}

std::uint64_t RespOpsMeter::per_second() const {
  if (filled_ == 0) return 0;
  double sum = 0;
  for (std::size_t i = 0; i < filled_; ++i) sum += rates_[i];
  return static_cast<std::uint64_t>(sum / static_cast<double>(filled_));
}

}  // namespace ringkv::api
