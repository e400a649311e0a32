// KvWorkload: simulated clients doing read-modify-write cycles (get, then put with the read's
// context) on a small key space, and the checker that judges the outcome after the run.
//
// Some cycles delete instead of writing (with the read's context).
//
// Checker (no lost acknowledged write): a write may legitimately disappear only when a later
// write or delete superseded it, that is, when the read that produced the later operation's
// context saw it. So the final values of a key, together with every delete issued (a delete leaves
// no value to find, and one whose reply was lost may still have taken effect), closed under "was
// seen by the read of", must include every acknowledged write of that key; every final value must
// be one some client wrote. Checker (no resurrection): a value seen by the read of an acknowledged
// write or delete was superseded by it and must not be among the final values.
// Thread-safety: none.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "sim/simulator.h"

namespace ringkv::sim {

struct KvWorkloadConfig {
  int clients = 4;
  int keys = 8;
  int cycles_per_client = 50;
  double delete_probability = 0.15;  // Of a cycle whose read found a value.
  std::uint64_t think_time_ms_max = 20;
  std::uint32_t final_read_r = 3;  // The checker's final reads wait for this many replicas.
  // Nodes the clients send requests to; empty: any node of the simulation.
  std::vector<core::NodeId> coordinators;
};

class KvWorkload {
 public:
  KvWorkload(Simulator& sim, KvWorkloadConfig config);

  // Schedules every client's first cycle.
  void start();
  bool done() const { return finished_clients_ == config_.clients; }
  // Reads every key from all its replicas (all nodes must be up and healed) and judges the run.
  Status check();

  std::uint64_t acknowledged_writes() const { return acknowledged_; }
  std::uint64_t failed_requests() const { return failed_; }
  // Failures a Dynamo store should absorb by routing the request again rather than refusing it
  // (a leaving or joining node, a ring that changed under a forward), and the first message.
  std::uint64_t routing_failures() const { return routing_failures_; }
  const std::string& first_routing_failure() const { return first_routing_failure_; }
  // Changes where requests go from now on (a node left, a node joined).
  void set_coordinators(std::vector<core::NodeId> nodes) { config_.coordinators = std::move(nodes); }

 private:
  struct WriteRecord {
    std::string key;
    std::vector<std::string> saw;  // Values the preceding read returned.
    bool acknowledged = false;
    bool is_delete = false;  // The "value" is only a name for the delete.
  };

  const core::NodeId& pick_node();
  void count_failure(const Status& status);
  void run_cycle(int client, int cycle);
  void finish_cycle(int client, int cycle);

  Simulator& sim_;
  KvWorkloadConfig config_;
  std::map<std::string, WriteRecord> writes_;  // By written value (unique per write).
  std::uint64_t acknowledged_ = 0;
  std::uint64_t failed_ = 0;
  std::uint64_t routing_failures_ = 0;
  std::string first_routing_failure_;
  int finished_clients_ = 0;
};

}  // namespace ringkv::sim
