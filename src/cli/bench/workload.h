// What a YCSB-style benchmark asks for, one operation at a time: which operation (the mix of a
// core workload A, B or C) and which key (uniform, or YCSB's scrambled zipfian). Cooper et al.,
// "Benchmarking Cloud Serving Systems with YCSB", SoCC 2010, define the workloads; the generators
// below follow YCSB's own (site.ycsb.generator) so that figures compare with published ones.
//
// Every choice draws from a core::Random passed in by the caller, so a worker's sequence of
// operations is a pure function of its seed.
// Thread-safety: the choosers are immutable after construction; share them or copy them freely.
// The Random is the caller's and is not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "core/random.h"

namespace ringkv::bench {

enum class Operation { kRead, kUpdate, kInsert };
inline constexpr std::size_t kOperationCount = 3;
const char* operation_name(Operation operation);

// A core workload: the share of reads; the rest are updates.
struct WorkloadMix {
  char name = 'A';
  double read_proportion = 0.5;
};
// "A" (50% read, 50% update), "B" (95/5) or "C" (read only), in either case.
Result<WorkloadMix> parse_workload(std::string_view name);

enum class KeyDistribution { kUniform, kZipfian };
// "uniform" or "zipfian", in either case.
Result<KeyDistribution> parse_key_distribution(std::string_view name);
const char* key_distribution_name(KeyDistribution distribution);

// YCSB's Utils.fnvhash64: 64-bit FNV-1a over the 8 little-endian bytes of `value`, then the
// absolute value of the result read as a signed number (so the top bit is always clear).
std::uint64_t fnv_hash64(std::uint64_t value);

// The key of record `index`, as YCSB names it with hashed inserts: "user" followed by the decimal
// fnv_hash64 of the index. Hashing spreads neighbouring records over the key space.
std::string record_key(std::uint64_t index);

// A zipfian distribution over [0, item_count): item 0 is the most popular, item i is drawn with
// probability proportional to 1 / (i + 1)^theta. This is the constant-time method of Gray et al.,
// "Quickly Generating Billion-Record Synthetic Databases", SIGMOD 1994, as in YCSB's
// ZipfianGenerator. Its normalising constant zeta(n, theta) is a sum over n items, so it is
// either passed in precomputed or computed here in O(item_count).
class ZipfianGenerator {
 public:
  ZipfianGenerator(std::uint64_t item_count, double theta);
  ZipfianGenerator(std::uint64_t item_count, double theta, double zeta_n);

  // zeta(n, theta) = sum over i in [1, n] of 1 / i^theta.
  static double zeta(std::uint64_t n, double theta);

  std::uint64_t next(core::Random& random) const;
  std::uint64_t item_count() const { return item_count_; }
  double zeta_n() const { return zeta_n_; }

 private:
  std::uint64_t item_count_;
  double theta_;
  double zeta_n_;
  double alpha_;
  double eta_;
  double second_item_threshold_;  // 1 + 0.5^theta: u * zeta_n below it picks item 1.
};

// YCSB's ScrambledZipfianGenerator: a zipfian draw over 10^10 items, hashed with fnv_hash64 and
// reduced modulo the record count. The popular items land all over the key space instead of
// clustering at the low indexes, and zeta for 10^10 items is a published constant, so building
// one is instant for any record count. The price, as in YCSB (its issue #1495), is that several
// ranks can hash to one record, so the per-record frequencies are only approximately zipfian.
class ScrambledZipfianGenerator {
 public:
  static constexpr double kTheta = 0.99;
  static constexpr std::uint64_t kBaseItemCount = 10'000'000'000;
  // zeta(10^10, 0.99), the value of YCSB's ScrambledZipfianGenerator.ZETAN.
  static constexpr double kBaseZetaN = 26.46902820178302;

  explicit ScrambledZipfianGenerator(std::uint64_t record_count);
  std::uint64_t next(core::Random& random) const;

 private:
  std::uint64_t record_count_;
  ZipfianGenerator base_;
};

// Picks the record each operation touches.
class KeyChooser {
 public:
  KeyChooser(KeyDistribution distribution, std::uint64_t record_count);
  // A record index in [0, record_count).
  std::uint64_t next(core::Random& random) const;

 private:
  KeyDistribution distribution_;
  std::uint64_t record_count_;
  ScrambledZipfianGenerator zipfian_;
};

// Picks read or update with the workload's proportions.
class OperationChooser {
 public:
  explicit OperationChooser(const WorkloadMix& mix);
  Operation next(core::Random& random) const;

 private:
  double read_proportion_;
};

}  // namespace ringkv::bench
