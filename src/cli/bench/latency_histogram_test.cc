#include "cli/bench/latency_histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace ringkv::bench {
namespace {

// The nearest-rank percentile of `sorted`, the definition value_at_percentile() estimates.
std::uint64_t exact_percentile(const std::vector<std::uint64_t>& sorted, double percentile) {
  const double rank = std::ceil(percentile / 100.0 * static_cast<double>(sorted.size()));
  const std::size_t index =
      std::clamp<std::size_t>(static_cast<std::size_t>(rank), 1, sorted.size());
  return sorted[index - 1];
}

void expect_percentiles_within_one_percent(std::vector<std::uint64_t> samples) {
  LatencyHistogram histogram;
  for (std::uint64_t sample : samples) histogram.record(sample);
  std::sort(samples.begin(), samples.end());
  for (double percentile :
       {0.0, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.9, 99.99, 100.0}) {
    const double exact = static_cast<double>(exact_percentile(samples, percentile));
    const double estimate = static_cast<double>(histogram.value_at_percentile(percentile));
    EXPECT_LE(std::abs(estimate - exact), 0.01 * exact)
        << "p" << percentile << ": exact " << exact << ", histogram " << estimate;
  }
}

TEST(LatencyHistogram, EmptyHistogramReportsZeros) {
  LatencyHistogram histogram;
  EXPECT_EQ(histogram.count(), 0u);
  EXPECT_EQ(histogram.min(), 0u);
  EXPECT_EQ(histogram.max(), 0u);
  EXPECT_EQ(histogram.mean(), 0.0);
  EXPECT_EQ(histogram.value_at_percentile(50.0), 0u);
  EXPECT_EQ(histogram.value_at_percentile(100.0), 0u);
}

TEST(LatencyHistogram, BucketsTileTheRangeAndAreAtMostOnePart128Wide) {
  const std::size_t count = LatencyHistogram::bucket_count();
  EXPECT_EQ(LatencyHistogram::bucket_lower_bound(0), 0u);
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint64_t lower = LatencyHistogram::bucket_lower_bound(i);
    const std::uint64_t width = LatencyHistogram::bucket_width(i);
    ASSERT_EQ(LatencyHistogram::bucket_index(lower), i);
    ASSERT_EQ(LatencyHistogram::bucket_index(lower + width - 1), i);
    ASSERT_LE(width * LatencyHistogram::kSubBucketCount, std::max<std::uint64_t>(lower, 128));
    if (i + 1 < count) {
      ASSERT_EQ(LatencyHistogram::bucket_lower_bound(i + 1), lower + width);
    }
  }
  EXPECT_EQ(LatencyHistogram::bucket_lower_bound(count - 1) +
                LatencyHistogram::bucket_width(count - 1) - 1,
            LatencyHistogram::kValueMax);
}

TEST(LatencyHistogram, ValuesBelow256AreExact) {
  LatencyHistogram histogram;
  for (std::uint64_t value = 0; value < 256; ++value) histogram.record(value);
  EXPECT_EQ(histogram.value_at_percentile(0.0), 0u);
  EXPECT_EQ(histogram.value_at_percentile(50.0), 127u);  // Rank 128 of 256.
  EXPECT_EQ(histogram.value_at_percentile(99.0), 253u);  // Rank ceil(253.44) = 254.
  EXPECT_EQ(histogram.value_at_percentile(100.0), 255u);
}

TEST(LatencyHistogram, CountMinMaxAndMeanAreExact) {
  LatencyHistogram histogram;
  for (std::uint64_t value : {1'000'003u, 17u, 123'456'789u, 4'242u}) histogram.record(value);
  EXPECT_EQ(histogram.count(), 4u);
  EXPECT_EQ(histogram.min(), 17u);
  EXPECT_EQ(histogram.max(), 123'456'789u);
  EXPECT_DOUBLE_EQ(histogram.mean(), (1'000'003.0 + 17.0 + 123'456'789.0 + 4'242.0) / 4.0);
}

TEST(LatencyHistogram, PercentilesOfAUniformSpreadAreWithinOnePercent) {
  std::mt19937_64 random(7);
  std::uniform_int_distribution<std::uint64_t> distribution(1, 10'000'000);
  std::vector<std::uint64_t> samples(200'000);
  for (auto& sample : samples) sample = distribution(random);
  expect_percentiles_within_one_percent(std::move(samples));
}

TEST(LatencyHistogram, PercentilesOfALongTailedSpreadAreWithinOnePercent) {
  // Log-normal around 100 us with a tail reaching seconds: the shape of request latencies.
  std::mt19937_64 random(11);
  std::lognormal_distribution<double> distribution(std::log(100'000.0), 1.5);
  std::vector<std::uint64_t> samples(200'000);
  for (auto& sample : samples) sample = static_cast<std::uint64_t>(distribution(random));
  expect_percentiles_within_one_percent(std::move(samples));
}

TEST(LatencyHistogram, PercentilesSpanningManyDecadesAreWithinOnePercent) {
  std::mt19937_64 random(13);
  std::uniform_real_distribution<double> exponent(0.0, 12.0);
  std::vector<std::uint64_t> samples(200'000);
  for (auto& sample : samples)
    sample = static_cast<std::uint64_t>(std::pow(10.0, exponent(random)));
  expect_percentiles_within_one_percent(std::move(samples));
}

TEST(LatencyHistogram, MergingEqualsRecordingEverythingInOne) {
  std::mt19937_64 random(17);
  std::lognormal_distribution<double> distribution(std::log(50'000.0), 1.0);
  LatencyHistogram all;
  std::vector<LatencyHistogram> parts(4);
  for (int i = 0; i < 40'000; ++i) {
    const auto sample = static_cast<std::uint64_t>(distribution(random));
    all.record(sample);
    parts[static_cast<std::size_t>(i) % parts.size()].record(sample);
  }
  LatencyHistogram merged;
  merged.merge(LatencyHistogram());  // An empty part changes nothing.
  for (const auto& part : parts) merged.merge(part);
  EXPECT_EQ(merged.count(), all.count());
  EXPECT_EQ(merged.min(), all.min());
  EXPECT_EQ(merged.max(), all.max());
  EXPECT_DOUBLE_EQ(merged.mean(), all.mean());
  for (double percentile : {1.0, 50.0, 90.0, 99.0, 99.9, 100.0}) {
    EXPECT_EQ(merged.value_at_percentile(percentile), all.value_at_percentile(percentile));
  }
}

TEST(LatencyHistogram, ValuesAboveTheCeilingShareTheTopBucketButKeepAnExactMax) {
  LatencyHistogram histogram;
  const std::uint64_t huge = LatencyHistogram::kValueMax * 4;
  histogram.record(10);
  histogram.record(huge);
  EXPECT_EQ(histogram.count(), 2u);
  EXPECT_EQ(histogram.max(), huge);
  EXPECT_EQ(histogram.value_at_percentile(100.0), huge);
  EXPECT_EQ(histogram.value_at_percentile(50.0), 10u);
}

}  // namespace
}  // namespace ringkv::bench
