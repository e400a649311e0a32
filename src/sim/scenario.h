// Scenario: one seeded simulation run of a whole cluster under faults, with its checkers: the
// unit of the simulation test suite and of `ringkv sim` soaks. Clients run read-modify-write
// cycles (KvWorkload) while FaultWorkload partitions, crashes and restarts nodes and the network
// drops, duplicates and reorders messages; then the faults stop, the cluster heals, and the
// checker judges that no acknowledged write was lost.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace ringkv::sim {

struct ScenarioOptions {
  std::uint64_t seed = 1;
  int nodes = 5;
  int clients = 4;
  int keys = 8;
  int cycles_per_client = 40;
  std::uint64_t fault_duration_ms = 3'000;
  double drop_probability = 0.05;
  double duplicate_probability = 0.05;
  // Gossip membership with churn: nodes form the cluster through two seeds, then, while faults
  // run, a new node joins and a member leaves; every node's clock starts at its own offset.
  bool membership_churn = false;
  // Failing disks: reads, scans, writes and fsyncs failing, full disks, torn crashes (SimDisk).
  bool storage_faults = false;
  // Redis data types too: counters, sets, hash counters and expiring keys (TypeWorkload), with
  // wall clocks skewed by up to 50 ms.
  bool data_types = false;
  bool keep_trace = false;  // Keep every traced event as text (replaying one seed).
};

struct ScenarioResult {
  std::uint64_t seed = 0;
  std::uint64_t trace_hash = 0;
  std::uint64_t events = 0;
  std::uint64_t acknowledged_writes = 0;
  std::uint64_t failed_requests = 0;
  std::uint64_t routing_failures = 0;  // See KvWorkload::routing_failures.
  std::uint64_t faults = 0;
  std::uint64_t hints_delivered = 0;
  std::uint64_t keys_handed_off = 0;  // Ownership transfers acknowledged (membership churn).
  std::uint64_t tombstones_reaped = 0;
  bool workload_done = false;
  Status check;  // Ok when every checker passed.
  std::vector<std::string> trace;
};

ScenarioResult run_scenario(const ScenarioOptions& options);

}  // namespace ringkv::sim
