// The phi accrual detector (Hayashibara et al. 2004, Akka's variant): low phi under regular
// heartbeats, monotone growth with silence, tolerance that follows the observed jitter, recovery,
// the treatment of peers never heard from, and a bounded window.
#include "core/membership/failure_detector.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <cstdio>

#include "core/random.h"

namespace ringkv::core {
namespace {

constexpr std::uint64_t kIntervalMs = 1000;
const NodeId kPeer = "peer";

// Heartbeats every interval_ms +- jitter_ms (uniform) from start_ms; returns the last arrival.
std::uint64_t beat(PhiAccrualDetector& detector, int count, std::uint64_t start_ms,
                   std::uint64_t interval_ms, std::uint64_t jitter_ms, Random& random) {
  std::uint64_t now_ms = start_ms;
  for (int i = 0; i < count; ++i) {
    detector.heartbeat(kPeer, now_ms);
    const std::uint64_t jitter = jitter_ms == 0 ? 0 : random.uniform(2 * jitter_ms + 1);
    now_ms += interval_ms - jitter_ms + jitter;
  }
  return now_ms - interval_ms;  // Close enough: callers measure silence from here.
}

// The first silence (in steps of 10 ms after `last_ms`) at which phi reaches the threshold.
std::uint64_t silence_to_suspicion_ms(const PhiAccrualDetector& detector, std::uint64_t last_ms) {
  for (std::uint64_t silence_ms = 0; silence_ms < 600'000; silence_ms += 10) {
    if (!detector.is_available(kPeer, last_ms + silence_ms)) return silence_ms;
  }
  return 600'000;
}

TEST(PhiAccrual, RegularHeartbeatsKeepPhiLow) {
  PhiAccrualDetector detector;
  SplitMix64 random(1);
  const std::uint64_t last_ms = beat(detector, 200, 0, kIntervalMs, 0, random);
  for (std::uint64_t silence_ms = 0; silence_ms <= kIntervalMs; silence_ms += 100) {
    EXPECT_LT(detector.phi(kPeer, last_ms + silence_ms), 0.1) << silence_ms;
    EXPECT_TRUE(detector.is_available(kPeer, last_ms + silence_ms));
  }
}

TEST(PhiAccrual, PhiGrowsMonotonicallyWithSilenceAndCrossesEightAfterSeveralIntervals) {
  PhiAccrualDetector detector;
  SplitMix64 random(2);
  const std::uint64_t last_ms = beat(detector, 200, 0, kIntervalMs, 20, random);
  double previous = 0;
  for (std::uint64_t silence_ms = 0; silence_ms <= 30'000; silence_ms += 10) {
    const double phi = detector.phi(kPeer, last_ms + silence_ms);
    ASSERT_GE(phi, previous) << silence_ms;
    ASSERT_TRUE(std::isfinite(phi));
    previous = phi;
  }
  const std::uint64_t suspected_ms = silence_to_suspicion_ms(detector, last_ms);
  std::printf(
      "phi: regular 1000 ms heartbeats suspected after %llu ms of silence (phi at 30 s: "
      "%.0f)\n",
      static_cast<unsigned long long>(suspected_ms), previous);
  // mean + acceptable pause + a few standard deviations: several intervals, not one, not dozens.
  EXPECT_GE(suspected_ms, 3 * kIntervalMs);
  EXPECT_LE(suspected_ms, 8 * kIntervalMs);
  EXPECT_GT(previous, 100.0);  // Far past the threshold, and still finite.
}

TEST(PhiAccrual, JitteryHeartbeatsTolerateLongerSilence) {
  SplitMix64 random(3);
  PhiAccrualDetector regular;
  PhiAccrualDetector jittery;
  const std::uint64_t regular_last_ms = beat(regular, 500, 0, kIntervalMs, 10, random);
  const std::uint64_t jittery_last_ms = beat(jittery, 500, 0, kIntervalMs, 900, random);
  const std::uint64_t regular_ms = silence_to_suspicion_ms(regular, regular_last_ms);
  const std::uint64_t jittery_ms = silence_to_suspicion_ms(jittery, jittery_last_ms);
  std::printf("phi: suspected after %llu ms (jitter +-10 ms) vs %llu ms (jitter +-900 ms)\n",
              static_cast<unsigned long long>(regular_ms),
              static_cast<unsigned long long>(jittery_ms));
  EXPECT_GT(jittery_ms, regular_ms + 500);
  EXPECT_LT(jittery.phi(kPeer, jittery_last_ms + 4500), regular.phi(kPeer, regular_last_ms + 4500));
}

TEST(PhiAccrual, RecoversWhenHeartbeatsResume) {
  PhiAccrualDetector detector;
  SplitMix64 random(4);
  std::uint64_t last_ms = beat(detector, 100, 0, kIntervalMs, 0, random);
  const std::uint64_t resume_ms = last_ms + 20'000;
  EXPECT_FALSE(detector.is_available(kPeer, resume_ms - 1));
  last_ms = beat(detector, 5, resume_ms, kIntervalMs, 0, random);
  EXPECT_TRUE(detector.is_available(kPeer, last_ms + kIntervalMs));
  EXPECT_LT(detector.phi(kPeer, last_ms + kIntervalMs), 1.0);
}

TEST(PhiAccrual, PeerNeverHeardFromIsAvailableUntilExpectedForAWhile) {
  PhiAccrualDetector detector;
  EXPECT_EQ(detector.phi(kPeer, 1'000'000), 0.0);
  EXPECT_TRUE(detector.is_available(kPeer, 1'000'000));
  EXPECT_FALSE(detector.is_watched(kPeer));
  detector.expect(kPeer, 10'000);
  EXPECT_TRUE(detector.is_available(kPeer, 10'000 + 3 * kIntervalMs));
  // First-heartbeat estimate (1 s, stddev 250 ms) plus the acceptable pause (3 s): trusted for
  // about 5 s, then suspected.
  EXPECT_FALSE(detector.is_available(kPeer, 10'000 + 8 * kIntervalMs));
  // expect() does not reset a watched peer's clock.
  detector.expect(kPeer, 17'000);
  EXPECT_FALSE(detector.is_available(kPeer, 18'000));
  // A first heartbeat starts the clock too, without a sample.
  detector.heartbeat("other", 5'000);
  EXPECT_EQ(detector.sample_count("other"), 2u);  // The two seeded estimates.
  EXPECT_TRUE(detector.is_available("other", 6'000));
}

TEST(PhiAccrual, ForgetDropsHistory) {
  PhiAccrualDetector detector;
  detector.heartbeat(kPeer, 0);
  EXPECT_FALSE(detector.is_available(kPeer, 60'000));
  detector.forget(kPeer);
  EXPECT_FALSE(detector.is_watched(kPeer));
  EXPECT_TRUE(detector.is_available(kPeer, 60'000));
}

TEST(PhiAccrual, WindowIsBoundedAndForgetsOldRhythm) {
  PhiAccrualConfig config;
  config.window_samples_max = 20;
  config.acceptable_heartbeat_pause_ms = 0;
  PhiAccrualDetector detector(config);
  SplitMix64 random(5);
  std::uint64_t last_ms = beat(detector, 100, 0, 5000, 0, random);
  EXPECT_EQ(detector.sample_count(kPeer), 20u);
  EXPECT_TRUE(detector.is_available(kPeer, last_ms + 4000));
  // After a window's worth of faster heartbeats, the old 5 s rhythm no longer excuses 4 s.
  last_ms = beat(detector, 40, last_ms + 5000, 500, 0, random);
  EXPECT_EQ(detector.sample_count(kPeer), 20u);
  EXPECT_FALSE(detector.is_available(kPeer, last_ms + 4000));
}

TEST(PhiAccrual, DuplicateAndOutOfOrderArrivalsAddNoSample) {
  PhiAccrualDetector detector;
  detector.heartbeat(kPeer, 1000);
  detector.heartbeat(kPeer, 2000);
  const std::size_t samples = detector.sample_count(kPeer);
  detector.heartbeat(kPeer, 2000);
  detector.heartbeat(kPeer, 1500);
  EXPECT_EQ(detector.sample_count(kPeer), samples);
}

TEST(PhiAccrual, ConfigValidationNamesTheSetting) {
  PhiAccrualConfig config;
  config.window_samples_max = 1;
  EXPECT_NE(config.validate().message().find("window_samples_max"), std::string::npos);
  config = {};
  config.threshold = 0;
  EXPECT_FALSE(config.validate().is_ok());
  EXPECT_TRUE(PhiAccrualConfig{}.validate().is_ok());
}

RC_GTEST_PROP(PhiAccrual, PhiIsNonDecreasingInSilenceForAnyHistory, ()) {
  PhiAccrualConfig config;
  config.window_samples_max = *rc::gen::inRange<std::size_t>(2, 50);
  config.acceptable_heartbeat_pause_ms = *rc::gen::inRange<std::uint64_t>(0, 5000);
  PhiAccrualDetector detector(config);
  std::uint64_t now_ms = 0;
  const auto gaps =
      *rc::gen::container<std::vector<std::uint64_t>>(rc::gen::inRange<std::uint64_t>(0, 10'000));
  for (const std::uint64_t gap_ms : gaps) {
    now_ms += gap_ms;
    detector.heartbeat(kPeer, now_ms);
  }
  double previous = 0;
  for (std::uint64_t t = now_ms; t < now_ms + 60'000; t += 97) {
    const double phi = detector.phi(kPeer, t);
    RC_ASSERT(phi >= previous);
    RC_ASSERT(std::isfinite(phi));
    previous = phi;
  }
}

}  // namespace
}  // namespace ringkv::core
