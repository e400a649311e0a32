// The phi accrual failure detector (Hayashibara et al. 2004) with Akka's production hardening; see
// the header for the model and the treatment of peers never heard from.
#include "core/membership/failure_detector.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "common/invariant.h"

namespace ringkv::core {
namespace {

// Bounds that keep a misconfiguration from passing validate(); generous for any real deployment.
constexpr std::size_t kWindowSamplesMaxCeiling = 100'000;
constexpr double kThresholdMax = 1000.0;

}  // namespace

Status PhiAccrualConfig::validate() const {
  if (!(threshold > 0.0) || threshold > kThresholdMax) {
    return Status::invalid_argument("failure detector threshold must be in (0, 1000]");
  }
  if (window_samples_max < 2 || window_samples_max > kWindowSamplesMaxCeiling) {
    return Status::invalid_argument("failure detector window_samples_max must be in [2, 100000]");
  }
  if (!(std_deviation_min_ms > 0.0)) {
    return Status::invalid_argument("failure detector std_deviation_min_ms must be positive");
  }
  if (first_heartbeat_estimate_ms == 0) {
    return Status::invalid_argument(
        "failure detector first_heartbeat_estimate_ms must be positive");
  }
  return Status::ok();
}

double phi_of(double elapsed_ms, double mean_ms, double std_deviation_ms) {
  RINGKV_INVARIANT(std_deviation_ms > 0.0);
  // Logistic approximation of the normal CDF (Bowling et al. 2009):
  //   1 - F(y) = e / (1 + e),  e = exp(-x),  x = y * (1.5976 + 0.070566 y^2),
  // so phi = -log10(1 - F) = log10(1 + exp(x)) = softplus(x) / ln(10). x is strictly increasing in
  // y, so phi is strictly increasing in the silence. Akka evaluates e directly and returns
  // infinity once it underflows; the softplus form stays finite and ordered.
  const double y = (elapsed_ms - mean_ms) / std_deviation_ms;
  const double x = y * (1.5976 + 0.070566 * y * y);
  const double softplus = x > 0.0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
  return softplus / std::log(10.0);
}

PhiAccrualDetector::PhiAccrualDetector(PhiAccrualConfig config) : config_(config) {
  RINGKV_INVARIANT(config_.validate().is_ok());
}

PhiAccrualDetector::History& PhiAccrualDetector::start(const NodeId& peer, std::uint64_t now_ms) {
  auto [it, inserted] = peers_.try_emplace(peer);
  History& history = it->second;
  if (inserted) {
    // Akka seeds the window with mean +- stddev where stddev = mean / 4, so the first real
    // samples move the estimate smoothly instead of replacing a single guess.
    const auto estimate_ms = static_cast<double>(config_.first_heartbeat_estimate_ms);
    const double std_deviation_ms = estimate_ms / 4.0;
    add_interval(history, estimate_ms - std_deviation_ms);
    add_interval(history, estimate_ms + std_deviation_ms);
    history.last_arrival_ms = now_ms;
  }
  return history;
}

void PhiAccrualDetector::add_interval(History& history, double interval_ms) const {
  RINGKV_INVARIANT(interval_ms >= 0.0);
  if (history.intervals_ms.size() < config_.window_samples_max) {
    history.intervals_ms.push_back(interval_ms);
  } else {
    double& slot = history.intervals_ms[history.next];
    history.sum_ms -= slot;
    history.sum_squares_ms2 -= slot * slot;
    slot = interval_ms;
    history.next = (history.next + 1) % config_.window_samples_max;
  }
  history.sum_ms += interval_ms;
  history.sum_squares_ms2 += interval_ms * interval_ms;
  RINGKV_INVARIANT(history.intervals_ms.size() <= config_.window_samples_max);
}

void PhiAccrualDetector::heartbeat(const NodeId& peer, std::uint64_t now_ms) {
  const bool known = peers_.contains(peer);
  History& history = start(peer, now_ms);
  if (!known) return;  // The first arrival only starts the clock.
  // Time is the host's monotonic clock, so an earlier timestamp would be a host bug; it is ignored
  // rather than recorded, because a bogus sample would skew the window for a thousand rounds.
  if (now_ms <= history.last_arrival_ms) return;
  add_interval(history, static_cast<double>(now_ms - history.last_arrival_ms));
  history.last_arrival_ms = now_ms;
}

void PhiAccrualDetector::expect(const NodeId& peer, std::uint64_t now_ms) {
  start(peer, now_ms);
}

double PhiAccrualDetector::phi(const NodeId& peer, std::uint64_t now_ms) const {
  const auto it = peers_.find(peer);
  if (it == peers_.end()) return 0.0;
  const History& history = it->second;
  const auto samples = static_cast<double>(history.intervals_ms.size());
  RINGKV_INVARIANT(samples >= 2);
  const double mean_ms = history.sum_ms / samples;
  // Running sums can round to a tiny negative variance for constant samples.
  const double variance_ms2 = std::max(0.0, history.sum_squares_ms2 / samples - mean_ms * mean_ms);
  const double std_deviation_ms = std::max(std::sqrt(variance_ms2), config_.std_deviation_min_ms);
  const std::uint64_t elapsed_ms =
      now_ms > history.last_arrival_ms ? now_ms - history.last_arrival_ms : 0;
  return phi_of(static_cast<double>(elapsed_ms),
                mean_ms + static_cast<double>(config_.acceptable_heartbeat_pause_ms),
                std_deviation_ms);
}

bool PhiAccrualDetector::is_available(const NodeId& peer, std::uint64_t now_ms) const {
  return phi(peer, now_ms) < config_.threshold;
}

void PhiAccrualDetector::forget(const NodeId& peer) {
  peers_.erase(peer);
}

std::size_t PhiAccrualDetector::sample_count(const NodeId& peer) const {
  const auto it = peers_.find(peer);
  return it == peers_.end() ? 0 : it->second.intervals_ms.size();
}

}  // namespace ringkv::core
