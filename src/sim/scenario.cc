#include "sim/scenario.h"

#include "sim/fault_workload.h"
#include "sim/kv_workload.h"
#include "sim/simulator.h"
#include "sim/type_workload.h"

namespace ringkv::sim {
namespace {

// After churn and a quiet period: the leaver is gone and holds no data; every serving node has
// the same membership and ring, with the leaver removed, all up, and no transfer left.
Status check_membership(Simulator& sim, const std::vector<core::NodeId>& serving,
                        const core::NodeId& leaver) {
  if (!sim.node(leaver)->departed()) {
    return Status::internal(leaver + " is still " + sim.node(leaver)->member_state() + " with " +
                            std::to_string(sim.node(leaver)->transfers_pending()) +
                            " partitions to hand off");
  }
  if (sim.disk(leaver).durable_keys(storage::Namespace::kData) != 0) {
    return Status::internal(leaver + " left with data it never handed off");
  }
  auto table = [&](const core::NodeId& id) {
    std::string out;
    for (const auto& [member, record] : sim.node(id)->gossiper()->membership().members()) {
      out += member + ":" + core::member_status_name(record.status) + ":" +
             std::to_string(record.join_order) + ":" + std::to_string(record.leave_order) + " ";
    }
    return out;
  };
  const std::string expected = table(serving.front());
  for (const auto& id : serving) {
    core::Node& node = *sim.node(id);
    if (table(id) != expected) {
      return Status::internal("membership differs: " + serving.front() + " has " + expected + "; " +
                              id + " has " + table(id));
    }
    if (node.ring_version() != sim.node(serving.front())->ring_version()) {
      return Status::internal("ring differs between " + serving.front() + " and " + id);
    }
    if (node.member_state() != "up" || node.transfers_pending() != 0) {
      return Status::internal(id + " is " + node.member_state() + " with " +
                              std::to_string(node.transfers_pending()) + " transfers pending");
    }
  }
  return Status::ok();
}

}  // namespace

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
  // Anti-entropy and tombstone reaping run during the faults too: deleted values must stay
  // deleted whatever the order of crashes, partitions and repairs.
  config.node_template.partition_count = 64;
  config.node_template.anti_entropy_interval_ms = 1'000;
  config.node_template.tombstone_grace_ms = 1'500;
  const bool churn = options.membership_churn;
  if (churn) {
    config.clock_offset_ms_max = 1'000'000;
    config.node_template.seeds = {"n1", "n2"};
    config.node_template.gossip.gossip_interval_ms = 200;
    config.node_template.join_grace_ms = 1000;
    config.node_template.transfer_interval_ms = 100;
  }
  if (options.data_types) config.wall_skew_ms_max = 50;
  Simulator sim(config);
  sim.keep_trace_lines(options.keep_trace);
  std::vector<core::NodeId> ids;
  for (int i = 1; i <= options.nodes; ++i) ids.push_back("n" + std::to_string(i));
  sim.add_nodes(ids);
  std::uint64_t start_ms = 0;
  if (churn) {
    sim.run_for(5'000);  // The cluster forms by itself.
    start_ms = sim.now_ms();
  }
  std::vector<core::NodeId> serving = ids;
  KvWorkload workload(sim, KvWorkloadConfig{.clients = options.clients,
                                            .keys = options.keys,
                                            .cycles_per_client = options.cycles_per_client,
                                            .final_read_r = 3,
                                            .coordinators = serving});
  TypeWorkload types(sim, TypeWorkloadConfig{.clients = 3,
                                             .cycles_per_client = options.cycles_per_client,
                                             .coordinators = serving});
  FaultWorkload faults(sim, FaultWorkloadConfig{.until_ms = start_ms + options.fault_duration_ms,
                                                .storage_faults = options.storage_faults});
  workload.start();
  if (options.data_types) types.start();
  faults.start();
  core::NodeId joiner, leaver;
  if (churn) {
    // A new node joins and a non-seed member leaves, at seeded times while faults run.
    joiner = "n" + std::to_string(options.nodes + 1);
    leaver = ids[2 + sim.random().uniform(ids.size() - 2)];
    sim.after(sim.random().uniform(options.fault_duration_ms / 2 + 1), [&] {
      sim.add_node(joiner);
      serving.push_back(joiner);
      workload.set_coordinators(serving);
      types.set_coordinators(serving);
    });
    sim.after(sim.random().uniform(options.fault_duration_ms / 2 + 1), [&] {
      std::erase(serving, leaver);
      workload.set_coordinators(serving);
      types.set_coordinators(serving);
      // A leaver that is down right now is told again after the faults.
      if (sim.is_up(leaver)) (void)sim.node(leaver)->leave();
    });
  }
  sim.run_until(start_ms + options.fault_duration_ms);
  faults.stop();
  if (churn && sim.node(leaver)->member_state() != "leaving" && !sim.node(leaver)->departed()) {
    (void)sim.node(leaver)->leave();
  }
  // Quiet period: stragglers finish, hints drain, handoff completes.
  sim.run_for(churn ? 25'000 : 10'000);

  ScenarioResult result;
  result.seed = options.seed;
  result.workload_done = workload.done();
  result.check = workload.check();
  if (options.data_types) {
    result.workload_done = result.workload_done && types.done();
    if (result.check.is_ok()) result.check = types.check();
  }
  // A reused dot explains whatever a checker saw (it loses writes silently): reported first.
  if (sim.dot_oracle().violation()) result.check = Status::internal(*sim.dot_oracle().violation());
  if (result.check.is_ok() && !result.workload_done) {
    result.check = Status::internal("clients did not finish their cycles");
  }
  std::uint64_t hints_left = 0;
  for (const auto& id : sim.node_ids()) {
    hints_left += sim.node(id)->hints_held();
    result.hints_delivered += sim.node(id)->stats().hints_delivered;
    result.keys_handed_off += sim.node(id)->stats().transfer_keys_handed_off;
    result.tombstones_reaped += sim.node(id)->stats().tombstones_reaped;
  }
  if (result.check.is_ok() && hints_left != 0) {
    result.check =
        Status::internal(std::to_string(hints_left) + " hints still held after the quiet period");
  }
  if (churn && result.check.is_ok()) result.check = check_membership(sim, serving, leaver);
  result.trace_hash = sim.trace_hash();
  result.events = sim.events_processed();
  result.acknowledged_writes = workload.acknowledged_writes();
  result.failed_requests = workload.failed_requests();
  result.routing_failures = workload.routing_failures();
  if (result.check.is_ok() && result.routing_failures != 0) {
    result.check = Status::internal(
        std::to_string(result.routing_failures) +
        " requests refused instead of routed again, first: " + workload.first_routing_failure());
  }
  result.faults = faults.faults_injected();
  if (options.keep_trace) result.trace = sim.trace_lines();
  return result;
}

}  // namespace ringkv::sim
