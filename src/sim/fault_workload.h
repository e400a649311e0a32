// FaultWorkload: composable fault schedule for a simulation (FoundationDB's fault workloads play
// the same role). Until `until_ms` it repeatedly picks one fault at random: a partition of the
// nodes into random groups, a heal, a crash of an up node (losing its unsynced writes) or a restart
// of a down node; with storage faults also a failing disk on one node (reads, scans, writes and
// fsyncs failing at random rates, or a full disk) and the end of such an episode, and crashes that
// keep a random prefix of the unsynced writes (see SimDisk). stop() heals everything, ends every
// disk fault and restarts every node, so checkers run on a whole cluster. Every choice comes from
// the simulator's seeded generator.
// Thread-safety: none.
#pragma once

#include <cstdint>

#include "sim/simulator.h"

namespace ringkv::sim {

struct FaultWorkloadConfig {
  std::uint64_t until_ms = 5'000;
  std::uint64_t interval_ms_max = 400;  // Gap between two faults, uniform in [1, max].
  bool partitions = true;
  bool crashes = true;
  std::size_t max_down = 1;  // At most this many nodes crashed at once.
  bool storage_faults = false;
};

class FaultWorkload {
 public:
  FaultWorkload(Simulator& sim, FaultWorkloadConfig config) : sim_(sim), config_(config) {}

  void start();
  void stop();  // Heal, stop message loss and restart everything.
  std::uint64_t faults_injected() const { return faults_; }

 private:
  void inject();
  void inject_disk_fault();
  void schedule_next();

  Simulator& sim_;
  FaultWorkloadConfig config_;
  std::uint64_t faults_ = 0;
};

}  // namespace ringkv::sim
