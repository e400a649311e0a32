#include "sim/scenario.h"

#include "sim/fault_workload.h"
#include "sim/kv_workload.h"
#include "sim/simulator.h"

namespace ringkv::sim {

ScenarioResult run_scenario(const ScenarioOptions& options) {
  SimConfig config;
  config.seed = options.seed;
  config.drop_probability = options.drop_probability;
  config.duplicate_probability = options.duplicate_probability;
  config.latency_min_ms = 1;
  config.latency_max_ms = 30;
  config.node_template.tick_interval_ms = 50;
  config.node_template.request_timeout_ms = 300;
  config.node_template.peer_down_after_ms = 400;
  config.node_template.hint_delivery_interval_ms = 100;
  Simulator sim(config);
  sim.keep_trace_lines(options.keep_trace);
  std::vector<core::NodeId> ids;
  for (int i = 1; i <= options.nodes; ++i) ids.push_back("n" + std::to_string(i));
  sim.add_nodes(ids);
  KvWorkload workload(sim, KvWorkloadConfig{.clients = options.clients,
                                            .keys = options.keys,
                                            .cycles_per_client = options.cycles_per_client,
                                            .final_read_r = 3});
  FaultWorkload faults(sim, FaultWorkloadConfig{.until_ms = options.fault_duration_ms});
  workload.start();
  faults.start();
  sim.run_until(options.fault_duration_ms);
  faults.stop();
  sim.run_for(10'000);  // Quiet period: stragglers finish, hints drain.

  ScenarioResult result;
  result.seed = options.seed;
  result.workload_done = workload.done();
  result.check = workload.check();
  if (result.check.is_ok() && !result.workload_done) {
    result.check = Status::internal("clients did not finish their cycles");
  }
  std::uint64_t hints_left = 0;
  for (const auto& id : ids) {
    hints_left += sim.node(id)->hints_held();
    result.hints_delivered += sim.node(id)->stats().hints_delivered;
  }
  if (result.check.is_ok() && hints_left != 0) {
    result.check = Status::internal(std::to_string(hints_left) +
                                    " hints still held after the quiet period");
  }
  result.trace_hash = sim.trace_hash();
  result.events = sim.events_processed();
  result.acknowledged_writes = workload.acknowledged_writes();
  result.failed_requests = workload.failed_requests();
  result.faults = faults.faults_injected();
  if (options.keep_trace) result.trace = sim.trace_lines();
  return result;
}

}  // namespace ringkv::sim
