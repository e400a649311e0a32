// PhiAccrualDetector: local, per-peer suspicion of failure from heartbeat arrival times. It only
// ever changes whom a node asks first; it never changes who owns data.
//
// The detector follows Hayashibara, Defago, Yared and Katayama, "The phi accrual failure
// detector" (SRDS 2004): instead of a boolean it outputs phi = -log10(P(a heartbeat arrives later
// than now)), where the inter-arrival times are modelled as a normal distribution estimated from a
// sliding window of recent samples. phi = 1 means a 10% chance that the suspicion is wrong, phi = 8
// one in 10^8. As in Akka's PhiAccrualFailureDetector (and Cassandra's, which uses the same window
// idea with an exponential model), the estimate is hardened for production:
// - a minimum standard deviation, so a perfectly regular sender does not make phi explode after a
//   few milliseconds of jitter;
// - an acceptable heartbeat pause added to the mean, so GC or scheduling pauses of that length are
//   tolerated;
// - a first-heartbeat estimate that seeds the window, so a fresh peer has a sane model before it
//   has produced any sample.
// The cumulative normal is computed with the logistic approximation of Bowling et al., "A logistic
// approximation to the cumulative normal distribution" (2009), as Akka does; in log space here, so
// phi stays finite and strictly increasing in the silence instead of saturating to infinity.
//
// Peers never heard from: a peer with no state has phi 0 and counts as available. Failure
// detection starts when the peer is first expected: `expect()` (the gossiper calls it when it
// learns that a member exists) or its first `heartbeat()`. From then on phi grows with the silence
// as if a heartbeat had arrived at that moment, modelled by the first-heartbeat estimate. So a
// member we have only heard about is trusted for about estimate + acceptable pause + a few standard
// deviations (about 5 s with the defaults) and then suspected if nothing arrives: a node that
// joins must not be declared dead before it had a chance to speak, but a member that never speaks
// must not be trusted forever either.
//
// Thread-safety: none; each node owns its detector.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "core/node_id.h"

namespace ringkv::core {

struct PhiAccrualConfig {
  // Suspect a peer once phi reaches this. Akka's and Cassandra's default; 8 means the model gives
  // a one in 10^8 chance that a heartbeat is merely late.
  double threshold = 8.0;
  // Inter-arrival samples kept per peer (Akka's max-sample-size, Cassandra's window of 1000).
  std::size_t window_samples_max = 1000;
  // Floor on the estimated standard deviation (Akka's min-std-deviation).
  double std_deviation_min_ms = 100.0;
  // Silence tolerated on top of the mean interval before phi starts to rise steeply.
  std::uint64_t acceptable_heartbeat_pause_ms = 3000;
  // The interval assumed before any sample exists; its standard deviation is taken as a quarter of
  // it (Akka's first-heartbeat-estimate). Match it to the gossip interval.
  std::uint64_t first_heartbeat_estimate_ms = 1000;

  // Rejects settings that make phi meaningless; the message names the setting.
  Status validate() const;
};

class PhiAccrualDetector {
 public:
  // Precondition: config.validate() is ok.
  explicit PhiAccrualDetector(PhiAccrualConfig config = {});

  // A heartbeat from `peer` arrived at `now_ms`. A heartbeat at the same millisecond as the
  // previous one carries no timing information and is ignored (relayed gossip can report one
  // peer's progress twice in a burst; a 0 ms sample would drag the mean towards hair-trigger).
  void heartbeat(const NodeId& peer, std::uint64_t now_ms);
  // Starts watching `peer` without a heartbeat: from `now_ms` its silence counts. No effect on a
  // peer already watched.
  void expect(const NodeId& peer, std::uint64_t now_ms);
  // Suspicion level; 0 for a peer not watched. Non-decreasing in now_ms between heartbeats.
  double phi(const NodeId& peer, std::uint64_t now_ms) const;
  // phi < threshold; true for a peer not watched (see the file comment).
  bool is_available(const NodeId& peer, std::uint64_t now_ms) const;
  // Drops the peer's history (it left the cluster, or restarted and its old rhythm is moot).
  void forget(const NodeId& peer);

  bool is_watched(const NodeId& peer) const { return peers_.contains(peer); }
  std::size_t watched_count() const { return peers_.size(); }
  // Inter-arrival samples held for `peer` (0 when not watched); for tests and state accounting.
  std::size_t sample_count(const NodeId& peer) const;
  const PhiAccrualConfig& config() const { return config_; }

 private:
  // A ring buffer of inter-arrival times with running sums, so mean and variance cost O(1).
  struct History {
    std::vector<double> intervals_ms;  // Grows to window_samples_max, then wraps.
    std::size_t next = 0;              // Slot the next sample overwrites once full.
    double sum_ms = 0;
    double sum_squares_ms2 = 0;
    std::uint64_t last_arrival_ms = 0;
  };

  History& start(const NodeId& peer, std::uint64_t now_ms);
  void add_interval(History& history, double interval_ms) const;

  PhiAccrualConfig config_;
  std::unordered_map<NodeId, History> peers_;
};

// phi for a silence of `elapsed_ms` under a normal model with the given mean and standard
// deviation (both already adjusted by the caller); exposed for the tests of its shape.
double phi_of(double elapsed_ms, double mean_ms, double std_deviation_ms);

}  // namespace ringkv::core
