#include "cli/bench/workload.h"

#include <algorithm>
#include <cassert>
#include <cctype>
#include <cmath>

namespace ringkv::bench {
namespace {

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

}  // namespace

const char* operation_name(Operation operation) {
  switch (operation) {
    case Operation::kRead:
      return "read";
    case Operation::kUpdate:
      return "update";
    case Operation::kInsert:
      return "insert";
  }
  return "unknown";
}

Result<WorkloadMix> parse_workload(std::string_view name) {
  // Cooper et al. 2010, table 2: A is update heavy, B read mostly, C read only.
  if (equals_ignoring_case(name, "A")) return WorkloadMix{'A', 0.5};
  if (equals_ignoring_case(name, "B")) return WorkloadMix{'B', 0.95};
  if (equals_ignoring_case(name, "C")) return WorkloadMix{'C', 1.0};
  return Status::invalid_argument("--workload must be A, B or C, not '" + std::string(name) + "'");
}

Result<KeyDistribution> parse_key_distribution(std::string_view name) {
  if (equals_ignoring_case(name, "uniform")) return KeyDistribution::kUniform;
  if (equals_ignoring_case(name, "zipfian")) return KeyDistribution::kZipfian;
  return Status::invalid_argument("--distribution must be uniform or zipfian, not '" +
                                  std::string(name) + "'");
}

const char* key_distribution_name(KeyDistribution distribution) {
  return distribution == KeyDistribution::kUniform ? "uniform" : "zipfian";
}

std::uint64_t fnv_hash64(std::uint64_t value) {
  constexpr std::uint64_t kOffsetBasis = 0xCBF29CE484222325ULL;
  constexpr std::uint64_t kPrime = 1099511628211ULL;
  std::uint64_t hash = kOffsetBasis;
  for (int i = 0; i < 8; ++i) {
    hash ^= value & 0xFF;
    hash *= kPrime;
    value >>= 8;
  }
  // Java's Math.abs on the signed result. Two's complement negation keeps this free of signed
  // overflow; the one value Java leaves negative (2^63) stays 2^63 here, still a valid hash.
  if (hash >> 63) hash = ~hash + 1;
  return hash;
}

std::string record_key(std::uint64_t index) {
  return "user" + std::to_string(fnv_hash64(index));
}

ZipfianGenerator::ZipfianGenerator(std::uint64_t item_count, double theta)
    : ZipfianGenerator(item_count, theta, zeta(item_count, theta)) {}

ZipfianGenerator::ZipfianGenerator(std::uint64_t item_count, double theta, double zeta_n)
    : item_count_(item_count), theta_(theta), zeta_n_(zeta_n) {
  assert(item_count >= 1);
  assert(theta > 0.0);
  assert(theta < 1.0);  // alpha = 1 / (1 - theta) needs theta below 1.
  // Gray et al. 1994, figure 4 ("zipf"): alpha and eta are fixed per (n, theta).
  const double n = static_cast<double>(item_count_);
  alpha_ = 1.0 / (1.0 - theta_);
  eta_ = (1.0 - std::pow(2.0 / n, 1.0 - theta_)) / (1.0 - zeta(2, theta_) / zeta_n_);
  second_item_threshold_ = 1.0 + std::pow(0.5, theta_);
}

double ZipfianGenerator::zeta(std::uint64_t n, double theta) {
  double sum = 0.0;
  for (std::uint64_t i = 1; i <= n; ++i) sum += 1.0 / std::pow(static_cast<double>(i), theta);
  return sum;
}

std::uint64_t ZipfianGenerator::next(core::Random& random) const {
  const double u = random.uniform_unit();
  const double uz = u * zeta_n_;
  // The two most popular items are placed exactly; the approximation covers the tail.
  if (uz < 1.0) return 0;
  if (uz < second_item_threshold_) return std::min<std::uint64_t>(1, item_count_ - 1);
  const double scaled = static_cast<double>(item_count_) * std::pow(eta_ * u - eta_ + 1.0, alpha_);
  // u < 1 keeps `scaled` below item_count in exact arithmetic; rounding may reach it.
  return std::min(static_cast<std::uint64_t>(scaled), item_count_ - 1);
}

ScrambledZipfianGenerator::ScrambledZipfianGenerator(std::uint64_t record_count)
    : record_count_(record_count), base_(kBaseItemCount, kTheta, kBaseZetaN) {
  assert(record_count >= 1);
}

std::uint64_t ScrambledZipfianGenerator::next(core::Random& random) const {
  return fnv_hash64(base_.next(random)) % record_count_;
}

KeyChooser::KeyChooser(KeyDistribution distribution, std::uint64_t record_count)
    : distribution_(distribution), record_count_(record_count), zipfian_(record_count) {
  assert(record_count >= 1);
}

std::uint64_t KeyChooser::next(core::Random& random) const {
  if (distribution_ == KeyDistribution::kUniform) return random.uniform(record_count_);
  return zipfian_.next(random);
}

OperationChooser::OperationChooser(const WorkloadMix& mix) : read_proportion_(mix.read_proportion) {
  assert(read_proportion_ >= 0.0);
  assert(read_proportion_ <= 1.0);
}

Operation OperationChooser::next(core::Random& random) const {
  // uniform_unit() < 1 always, so a proportion of 1 (workload C) always reads.
  return random.chance(read_proportion_) ? Operation::kRead : Operation::kUpdate;
}

}  // namespace ringkv::bench
