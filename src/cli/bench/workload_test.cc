#include "cli/bench/workload.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include "core/random.h"

namespace ringkv::bench {
namespace {

constexpr std::uint64_t kRecords = 10'000;
constexpr int kDraws = 1'000'000;

// How often each record is drawn in kDraws draws from a chooser seeded with `seed`.
std::vector<std::uint64_t> draw_counts(KeyDistribution distribution, std::uint64_t seed) {
  const KeyChooser chooser(distribution, kRecords);
  core::SplitMix64 random(seed);
  std::vector<std::uint64_t> counts(kRecords, 0);
  for (int i = 0; i < kDraws; ++i) {
    const std::uint64_t record = chooser.next(random);
    EXPECT_LT(record, kRecords);
    if (record < kRecords) ++counts[record];
  }
  return counts;
}

// The share of all draws that went to the most drawn 1% of the records.
double top_one_percent_share(std::vector<std::uint64_t> counts) {
  std::sort(counts.begin(), counts.end(), std::greater<>());
  std::uint64_t top = 0;
  for (std::size_t i = 0; i < counts.size() / 100; ++i) top += counts[i];
  return static_cast<double>(top) / kDraws;
}

TEST(FnvHash64, MatchesYcsbUtilsFnvhash64) {
  // Reference values from YCSB's Java Utils.fnvhash64 semantics (signed multiply, Math.abs).
  EXPECT_EQ(fnv_hash64(0), 6284781860667377211ULL);
  EXPECT_EQ(fnv_hash64(1), 8517097267634966620ULL);
  EXPECT_EQ(fnv_hash64(2), 1820151046732198393ULL);
  EXPECT_EQ(fnv_hash64(12345), 1792800413050876852ULL);
  EXPECT_EQ(fnv_hash64(9'999'999'999), 3605131173811637474ULL);
}

TEST(RecordKey, IsUserFollowedByTheHashOfTheIndex) {
  EXPECT_EQ(record_key(0), "user6284781860667377211");
  EXPECT_EQ(record_key(12345), "user1792800413050876852");
}

TEST(ScrambledZipfianGenerator, PublishedZetaIsZetaOfTenBillionItems) {
  // zeta(10^10, 0.99): the first 10^6 terms summed, the rest by Euler-Maclaurin (integral plus
  // the first two correction terms), which is exact to far below the tolerance here.
  const double s = ScrambledZipfianGenerator::kTheta;
  const double m = 1e6;
  const double n = static_cast<double>(ScrambledZipfianGenerator::kBaseItemCount);
  auto f = [s](double x) { return std::pow(x, -s); };
  auto f_prime = [s](double x) { return -s * std::pow(x, -s - 1.0); };
  const double head = ZipfianGenerator::zeta(static_cast<std::uint64_t>(m), s);
  const double tail = (std::pow(n, 1.0 - s) - std::pow(m, 1.0 - s)) / (1.0 - s) +
                      (f(n) - f(m)) / 2.0 + (f_prime(n) - f_prime(m)) / 12.0;
  EXPECT_NEAR(head + tail, ScrambledZipfianGenerator::kBaseZetaN, 1e-8);
}

TEST(ZipfianGenerator, DrawsTheTopItemsWithZipfProbabilities) {
  const std::uint64_t items = 1000;
  const double theta = 0.99;
  const ZipfianGenerator generator(items, theta);
  core::SplitMix64 random(3);
  std::vector<std::uint64_t> counts(items, 0);
  for (int i = 0; i < kDraws; ++i) {
    const std::uint64_t item = generator.next(random);
    ASSERT_LT(item, items);
    ++counts[item];
  }
  // Items 0 and 1 are placed exactly by the method; later ranks only approximately.
  for (std::uint64_t rank : {0u, 1u}) {
    const double expected = std::pow(static_cast<double>(rank + 1), -theta) / generator.zeta_n();
    EXPECT_NEAR(static_cast<double>(counts[rank]) / kDraws, expected, 0.02 * expected)
        << "rank " << rank;
  }
  // And popularity falls with rank.
  EXPECT_GT(counts[0], counts[1]);
  EXPECT_GT(counts[1], counts[10]);
  EXPECT_GT(counts[10], counts[500]);
}

TEST(KeyChooser, ZipfianGivesTheTopOnePercentOfKeysALargeShare) {
  const double share = top_one_percent_share(draw_counts(KeyDistribution::kZipfian, 1));
  // A zipfian law with theta 0.99 over YCSB's 10^10 base items gives its top 100 ranks about
  // 20% of the draws (sum of 1/i^0.99 for i <= 100, over zeta); hashing only adds to that.
  EXPECT_GT(share, 0.18);
  EXPECT_LT(share, 0.40);
}

TEST(KeyChooser, UniformIsUniform) {
  const std::vector<std::uint64_t> counts = draw_counts(KeyDistribution::kUniform, 1);
  EXPECT_LT(top_one_percent_share(counts), 0.015);
  // Pearson's chi-squared over 10^4 cells has mean 9999 and standard deviation 141.
  const double expected = static_cast<double>(kDraws) / kRecords;
  double chi_squared = 0.0;
  for (std::uint64_t count : counts) {
    const double difference = static_cast<double>(count) - expected;
    chi_squared += difference * difference / expected;
  }
  EXPECT_LT(chi_squared, 9999.0 + 5 * 141.0);
  EXPECT_GT(chi_squared, 9999.0 - 5 * 141.0);
  EXPECT_GT(*std::min_element(counts.begin(), counts.end()), 0u);
}

TEST(KeyChooser, StaysWithinTinyKeySpaces) {
  for (KeyDistribution distribution : {KeyDistribution::kUniform, KeyDistribution::kZipfian}) {
    for (std::uint64_t records : {1u, 2u, 3u}) {
      const KeyChooser chooser(distribution, records);
      core::SplitMix64 random(5);
      for (int i = 0; i < 10'000; ++i) ASSERT_LT(chooser.next(random), records);
    }
  }
}

double read_share(const char* workload, std::uint64_t seed) {
  const OperationChooser chooser(parse_workload(workload).value());
  core::SplitMix64 random(seed);
  int reads = 0;
  for (int i = 0; i < kDraws; ++i) reads += chooser.next(random) == Operation::kRead ? 1 : 0;
  return static_cast<double>(reads) / kDraws;
}

TEST(OperationChooser, FollowsTheWorkloadMix) {
  // Binomial standard deviations at 10^6 draws: 0.0005 for A, 0.0002 for B.
  EXPECT_NEAR(read_share("A", 1), 0.50, 0.003);
  EXPECT_NEAR(read_share("B", 1), 0.95, 0.002);
  EXPECT_EQ(read_share("C", 1), 1.0);
}

TEST(Workload, SameSeedGivesTheSameOperationsAndKeys) {
  auto sequence = [](std::uint64_t seed) {
    const OperationChooser operations(parse_workload("A").value());
    const KeyChooser keys(KeyDistribution::kZipfian, kRecords);
    core::SplitMix64 random(seed);
    std::vector<std::uint64_t> out;
    for (int i = 0; i < 1000; ++i) {
      const Operation operation = operations.next(random);
      out.push_back(keys.next(random) * 2 + (operation == Operation::kRead ? 0 : 1));
    }
    return out;
  };
  EXPECT_EQ(sequence(42), sequence(42));
  EXPECT_NE(sequence(42), sequence(43));
}

TEST(ParseWorkload, AcceptsEitherCaseAndNamesTheFlagOtherwise) {
  EXPECT_EQ(parse_workload("a").value().read_proportion, 0.5);
  EXPECT_EQ(parse_workload("B").value().read_proportion, 0.95);
  EXPECT_EQ(parse_workload("c").value().name, 'C');
  const auto bad = parse_workload("D");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("--workload"), std::string::npos);
  EXPECT_EQ(parse_key_distribution("Zipfian").value(), KeyDistribution::kZipfian);
  EXPECT_FALSE(parse_key_distribution("latest").is_ok());
}

}  // namespace
}  // namespace ringkv::bench
