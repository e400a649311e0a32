// TypeWorkload: simulated Redis clients using the convergent data types (core/datatypes/) while
// faults run, and the checkers that judge them after the cluster healed:
//   - counters: INCRBY of positive amounts; the final value lies between the sum of the
//     acknowledged increments and the sum of every attempted one (a failed request may still
//     have been applied);
//   - hash counters: the same per field (HINCRBY);
//   - sets: SADD of a unique member per add, SREM of a member the client read; every
//     acknowledged SADD's member is present at the end unless an SREM of it was attempted, and
//     every member present was added by someone;
//   - expiry: SET with a PX time; no read returns a value of a key later than the latest expiry
//     any write to it could have set (concurrent expiries merge to the later one): its submission
//     plus the time a request may take to reach its coordinator plus its time to live plus the
//     wall-clock skew bound; and after the quiet period no expired key reads as present.
// Thread-safety: none.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "sim/simulator.h"

namespace ringkv::sim {

struct TypeWorkloadConfig {
  int clients = 3;
  int cycles_per_client = 40;
  std::uint64_t think_time_ms_max = 20;
  std::uint32_t final_read_r = 3;
  // How long after its submission a write may still be applied by a coordinator (forwards), plus
  // how far a reader's wall clock may lag a writer's: a read may return a key this long after
  // its expiry.
  std::uint64_t expiry_slack_ms = 1'000;
  std::vector<core::NodeId> coordinators;
};

class TypeWorkload {
 public:
  TypeWorkload(Simulator& sim, TypeWorkloadConfig config);

  void start();
  bool done() const { return finished_clients_ == config_.clients; }
  // Final reads (all nodes up and healed) and the checkers.
  Status check();

  std::uint64_t acknowledged() const { return acknowledged_; }
  std::uint64_t failed() const { return failed_; }
  void set_coordinators(std::vector<core::NodeId> nodes) { config_.coordinators = std::move(nodes); }

 private:
  struct Counter {
    std::int64_t acknowledged = 0;
    std::int64_t attempted = 0;
  };

  const core::NodeId& pick_node();
  void run_cycle(int client, int cycle);
  void finish_cycle(int client, int cycle);
  void update(int client, int cycle, const std::string& key, const core::DataOp& op,
              std::function<void(const core::ClientReply&)> done);
  void read(const std::string& key, std::uint32_t r,
            std::function<void(const core::ClientReply&, const core::VersionedObject&)> done);

  Simulator& sim_;
  TypeWorkloadConfig config_;
  std::map<std::string, Counter> counters_;           // By key, and "key/field" for hashes.
  std::map<std::string, std::string> added_;          // Member -> set key.
  std::set<std::string> acknowledged_adds_;
  std::set<std::string> remove_attempted_;
  std::map<std::string, std::string> expiring_values_;  // Value written -> its key.
  std::map<std::string, std::uint64_t> expiry_bound_;   // Key -> latest possible expiry.
  std::string first_violation_;
  std::uint64_t acknowledged_ = 0;
  std::uint64_t failed_ = 0;
  int finished_clients_ = 0;
};

}  // namespace ringkv::sim
