// LatencyHistogram: a log-linear histogram of non-negative integer samples (the bench records
// latencies in nanoseconds), in the spirit of Gil Tene's HdrHistogram: every power of two is cut
// into 128 equal sub-buckets, so any recorded value is known to within 1/128 of itself (0.78%)
// while the whole range up to kValueMax fits in a few thousand counters. Percentiles report the
// middle of their bucket, halving that bound (0.4%); values below 256 are recorded exactly.
//
// Recording is a couple of shifts and an increment, with no locks or atomics: each thread owns
// its histograms and they are merged once the threads have finished.
//
// Thread-safety: none; one writer, merged after it stops.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ringkv::bench {

class LatencyHistogram {
 public:
  // 2^7 sub-buckets per power of two bounds the relative bucket width by 1/128.
  static constexpr int kSubBucketBits = 7;
  static constexpr std::uint64_t kSubBucketCount = std::uint64_t{1} << kSubBucketBits;
  // Values are tracked up to 2^40 - 1 (18 minutes in nanoseconds, far beyond any request
  // timeout); larger samples are counted in the top bucket, and max() still reports them exactly.
  static constexpr int kValueBits = 40;
  static constexpr std::uint64_t kValueMax = (std::uint64_t{1} << kValueBits) - 1;

  // The bucket a value falls in; values above kValueMax share the last bucket.
  static std::size_t bucket_index(std::uint64_t value);
  // The smallest value of a bucket and the number of values it covers.
  static std::uint64_t bucket_lower_bound(std::size_t index);
  static std::uint64_t bucket_width(std::size_t index);
  static std::size_t bucket_count() { return bucket_index(kValueMax) + 1; }

  void record(std::uint64_t value);
  // Adds every sample of `other`, as if they had been recorded here.
  void merge(const LatencyHistogram& other);

  std::uint64_t count() const { return count_; }
  // 0 for an empty histogram, like the percentiles.
  std::uint64_t min() const { return count_ == 0 ? 0 : min_; }
  std::uint64_t max() const { return max_; }
  double mean() const;
  // The nearest-rank percentile, `percentile` in [0, 100]: the smallest recorded value that at
  // least `percentile`% of the samples do not exceed, to within half a bucket.
  std::uint64_t value_at_percentile(double percentile) const;

 private:
  std::vector<std::uint64_t> counts_;  // Allocated by the first record(): most stay unused.
  std::uint64_t count_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  std::uint64_t max_ = 0;
  // Exact, so that mean() is exact: 2^64 ns is 584 years of summed latency.
  std::uint64_t sum_ = 0;
};

}  // namespace ringkv::bench
