#include "sim/simulator.h"

#include <gtest/gtest.h>

#include "sim/fault_workload.h"
#include "sim/kv_workload.h"

namespace ringkv::sim {
namespace {

struct RunResult {
  std::uint64_t trace_hash;
  std::uint64_t events;
  std::uint64_t acknowledged;
  Status check;
};

SimConfig faulty_config(std::uint64_t seed) {
  SimConfig config;
  config.seed = seed;
  config.drop_probability = 0.05;
  config.duplicate_probability = 0.05;
  config.latency_min_ms = 1;
  config.latency_max_ms = 30;
  config.node_template.tick_interval_ms = 50;
  config.node_template.request_timeout_ms = 300;
  return config;
}

// Three nodes, clients doing read-modify-write cycles, random partitions, crashes and restarts.
RunResult run_scenario(std::uint64_t seed) {
  Simulator sim(faulty_config(seed));
  sim.add_nodes({"n1", "n2", "n3"});
  KvWorkload workload(sim, KvWorkloadConfig{.clients = 4, .keys = 6, .cycles_per_client = 40});
  FaultWorkload faults(sim, FaultWorkloadConfig{.until_ms = 3'000});
  workload.start();
  faults.start();
  sim.run_until(3'000);
  faults.stop();
  sim.run_for(10'000);
  EXPECT_TRUE(workload.done()) << "seed " << seed;
  return RunResult{sim.trace_hash(), sim.events_processed(), workload.acknowledged_writes(),
                   workload.check()};
}

TEST(Simulator, SameSeedReplaysTheSameTrace) {
  const RunResult first = run_scenario(42);
  const RunResult second = run_scenario(42);
  EXPECT_EQ(first.trace_hash, second.trace_hash);
  EXPECT_EQ(first.events, second.events);
  EXPECT_GT(first.events, 1000u);
}

TEST(Simulator, DifferentSeedsGiveDifferentTraces) {
  EXPECT_NE(run_scenario(1).trace_hash, run_scenario(2).trace_hash);
}

TEST(Simulator, NoAcknowledgedWriteIsLostAcrossCrashesOverManySeeds) {
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    const RunResult result = run_scenario(seed);
    EXPECT_TRUE(result.check.is_ok()) << "seed " << seed << ": " << result.check.to_string();
    EXPECT_GT(result.acknowledged, 0u) << "seed " << seed;
  }
}

TEST(Simulator, CrashLosesUnsyncedWritesAndTheirReplies) {
  SimConfig config;
  config.seed = 7;
  config.fsync_min_ms = 50;  // Long enough that the crash comes first.
  config.fsync_max_ms = 50;
  Simulator sim(config);
  sim.add_node("n1");
  sim.run_for(100);  // The actor id is synced.
  Status put_status = Status::internal("no reply");
  core::ClientRequest put{.op = core::ClientOp::kPut, .bucket = "b", .key = "k", .value = "v"};
  sim.submit("n1", put, [&](const core::ClientReply& reply) { put_status = reply.status; });
  sim.run_for(20);  // Written but not synced.
  EXPECT_TRUE(sim.disk("n1").has_unsynced());
  sim.crash("n1");
  EXPECT_EQ(put_status.code(), StatusCode::kUnavailable);
  sim.restart("n1");
  std::vector<std::string> values{"unread"};
  sim.submit("n1", core::ClientRequest{.op = core::ClientOp::kGet, .bucket = "b", .key = "k"},
             [&](const core::ClientReply& reply) { values = reply.values; });
  sim.run_for(100);
  EXPECT_TRUE(values.empty());
}

TEST(Simulator, PartitionStopsMessagesAndHealRestoresThem) {
  SimConfig config;
  config.seed = 3;
  config.node_template.tick_interval_ms = 10;
  Simulator sim(config);
  sim.add_nodes({"a", "b"});
  sim.run_for(200);
  const auto pongs_before = sim.node("a")->stats().pongs_received;
  EXPECT_GT(pongs_before, 0u);
  sim.partition({{"a"}, {"b"}});
  sim.run_for(20);  // Let in-flight messages land or be cut.
  const auto pongs_cut = sim.node("a")->stats().pongs_received;
  sim.run_for(500);
  EXPECT_EQ(sim.node("a")->stats().pongs_received, pongs_cut);
  sim.heal();
  sim.run_for(200);
  EXPECT_GT(sim.node("a")->stats().pongs_received, pongs_cut);
}

TEST(Simulator, RestartKeepsTheActorId) {
  SimConfig config;
  config.seed = 11;
  Simulator sim(config);
  sim.add_node("n1");
  sim.run_for(100);
  const core::ActorId actor = sim.node("n1")->actor_id();
  sim.crash("n1");
  sim.restart("n1");
  EXPECT_EQ(sim.node("n1")->actor_id(), actor);
}

}  // namespace
}  // namespace ringkv::sim
