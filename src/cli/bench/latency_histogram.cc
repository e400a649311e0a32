#include "cli/bench/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>

namespace ringkv::bench {

// Layout: values below 2 * kSubBucketCount (256) get one bucket each. Above that, a value whose
// highest set bit is bit (8 + s) is shifted right by s, which lands it in [128, 256); its index
// is s * 128 plus that shifted value. Consecutive powers of two therefore occupy consecutive runs
// of 128 buckets, each bucket 2^s wide, and a bucket's width is at most 1/128 of its lower bound.
std::size_t LatencyHistogram::bucket_index(std::uint64_t value) {
  value = std::min(value, kValueMax);
  const int width_bits = std::bit_width(value);
  const int shift = std::max(0, width_bits - (kSubBucketBits + 1));
  return static_cast<std::size_t>(shift) * kSubBucketCount + (value >> shift);
}

std::uint64_t LatencyHistogram::bucket_lower_bound(std::size_t index) {
  if (index < kSubBucketCount) return index;
  const std::size_t shift = index / kSubBucketCount - 1;
  const std::uint64_t sub_bucket = index - shift * kSubBucketCount;
  assert(sub_bucket >= kSubBucketCount);
  assert(sub_bucket < 2 * kSubBucketCount);
  return sub_bucket << shift;
}

std::uint64_t LatencyHistogram::bucket_width(std::size_t index) {
  if (index < 2 * kSubBucketCount) return 1;
  return std::uint64_t{1} << (index / kSubBucketCount - 1);
}

void LatencyHistogram::record(std::uint64_t value) {
  if (counts_.empty()) counts_.assign(bucket_count(), 0);
  ++counts_[bucket_index(value)];
  ++count_;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  sum_ += value;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  if (other.count_ == 0) return;
  if (counts_.empty()) counts_.assign(bucket_count(), 0);
  assert(other.counts_.size() == counts_.size());
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

double LatencyHistogram::mean() const {
  if (count_ == 0) return 0.0;
  return static_cast<double>(sum_) / static_cast<double>(count_);
}

std::uint64_t LatencyHistogram::value_at_percentile(double percentile) const {
  assert(percentile >= 0.0);
  assert(percentile <= 100.0);
  if (count_ == 0) return 0;
  // Nearest rank: the sample at position ceil(p * count), counting from 1.
  const double exact_rank = std::ceil(percentile / 100.0 * static_cast<double>(count_));
  const std::uint64_t rank =
      std::clamp<std::uint64_t>(static_cast<std::uint64_t>(exact_rank), 1, count_);
  if (rank == count_) return max_;  // Known exactly; no need for a bucket's estimate.
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen < rank) continue;
    // The middle of the bucket halves the worst-case error of either of its ends. The true value
    // also lies within [min, max], which makes the ends of the distribution exact.
    const std::uint64_t middle = bucket_lower_bound(i) + (bucket_width(i) - 1) / 2;
    return std::clamp(middle, min_, max_);
  }
  assert(false && "the counts add up to count_");
  return max_;
}

}  // namespace ringkv::bench
