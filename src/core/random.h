// Random: the injected source of randomness for the core. The core never uses global randomness;
// the runtime seeds a SplitMix64 from the OS once, the simulator from the run's seed, so a
// simulated run is a pure function of its seed.
// Thread-safety: none; each node owns its generator.
#pragma once

#include <cstdint>

namespace ringkv::core {

class Random {
 public:
  virtual ~Random() = default;
  virtual std::uint64_t next_u64() = 0;

  // Uniform in [0, bound); bound > 0. Uses rejection to avoid modulo bias.
  std::uint64_t uniform(std::uint64_t bound);
  // Uniform in [0, 1).
  double uniform_unit() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  bool chance(double probability) { return uniform_unit() < probability; }
};

// SplitMix64 (Steele, Lea, Flood: "Fast splittable pseudorandom number generators", 2014): tiny,
// fast, and every 64-bit seed gives a full-period stream.
class SplitMix64 final : public Random {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next_u64() override;

 private:
  std::uint64_t state_;
};

}  // namespace ringkv::core
