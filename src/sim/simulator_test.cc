#include "sim/simulator.h"

#include <gtest/gtest.h>

#include "sim/scenario.h"

namespace ringkv::sim {
namespace {

ScenarioResult run(std::uint64_t seed) {
  return run_scenario(ScenarioOptions{.seed = seed});
}

TEST(Simulator, SameSeedReplaysTheSameTrace) {
  const ScenarioResult first = run(42);
  const ScenarioResult second = run(42);
  EXPECT_EQ(first.trace_hash, second.trace_hash);
  EXPECT_EQ(first.events, second.events);
  EXPECT_GT(first.events, 1000u);
}

TEST(Simulator, DifferentSeedsGiveDifferentTraces) {
  EXPECT_NE(run(1).trace_hash, run(2).trace_hash);
}

// The CI seed set: 200 seeds of partitions, crashes, restarts, loss, duplication and reordering;
// every fourth seed also runs gossip membership with a join and a leave under that load, on
// skewed clocks. Clients also delete, and anti-entropy reaps tombstones (1.5 s grace) meanwhile. A
// failure prints its seed; `ringkv sim --seed N [--membership-churn] --trace` replays it event by
// event.
TEST(Simulator, NoAcknowledgedWriteIsLostAcrossCrashesOverManySeeds) {
  std::uint64_t acknowledged = 0, hints = 0, handed_off = 0, reaped = 0;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    // Every fourth seed with a join and a leave, every third with failing disks (storage faults).
    const ScenarioResult result = run_scenario(ScenarioOptions{
        .seed = seed, .membership_churn = seed % 4 == 0, .storage_faults = seed % 3 == 0});
    handed_off += result.keys_handed_off;
    reaped += result.tombstones_reaped;
    EXPECT_TRUE(result.check.is_ok()) << "seed " << seed << ": " << result.check.to_string();
    EXPECT_GT(result.acknowledged_writes, 0u) << "seed " << seed;
    acknowledged += result.acknowledged_writes;
    hints += result.hints_delivered;
  }
  std::printf(
      "200 seeds (50 with a join and a leave, 66 with storage faults): %llu acknowledged writes "
      "checked, %llu "
      "hints delivered, %llu keys handed off, %llu tombstones reaped\n",
      static_cast<unsigned long long>(acknowledged), static_cast<unsigned long long>(hints),
      static_cast<unsigned long long>(handed_off), static_cast<unsigned long long>(reaped));
}

// The Redis data types under the same faults (TypeWorkload's checkers: counters between the
// acknowledged and the attempted increments, no acknowledged SADD missing unless removed, hash
// counters likewise, no key read past its expiry plus the skew bound and none back after it),
// with wall clocks skewed by up to 50 ms; every fourth seed with churn, every third with failing
// disks. `ringkv sim --data-types --seed N` replays one.
TEST(Simulator, DataTypesConvergeUnderFaultsOverManySeeds) {
  for (std::uint64_t seed = 1001; seed <= 1060; ++seed) {
    const ScenarioResult result = run_scenario(ScenarioOptions{.seed = seed,
                                                               .membership_churn = seed % 4 == 0,
                                                               .storage_faults = seed % 3 == 0,
                                                               .data_types = true});
    EXPECT_TRUE(result.check.is_ok()) << "seed " << seed << ": " << result.check.to_string();
  }
}

// Seeds where a node handed a partition off during churn (erasing its copies), owned it again
// after the next ring change and coordinated increments from an empty copy: it named its new
// writes with the dots of its old ones ((actor, 1) again), replicas holding the old ones dropped
// them as already seen, and acknowledged increments were lost ("hash0/f1 is 10, outside [14,
// 19]"). Now an erase retires the partition's actor (core/actor_epochs.h); the dot oracle checks
// every seed.
TEST(Simulator, ANodeOwningAPartitionAgainNeverReusesItsDots) {
  for (std::uint64_t seed : {300054, 300067}) {
    const ScenarioResult result =
        run_scenario(ScenarioOptions{.seed = seed, .membership_churn = true, .data_types = true});
    EXPECT_TRUE(result.check.is_ok()) << "seed " << seed << ": " << result.check.to_string();
  }
}

// Seeds where writes for the member that later left were held as hints elsewhere: the leaver was
// gone before they could be delivered, and they stayed held forever ("1 hint still held after the
// quiet period"). Now a hint whose owner is no longer a home replica of its key is adopted by its
// holder and handed on like the holder's own data.
TEST(Simulator, HintsForAMemberThatLeftAreAdoptedNotStranded) {
  for (std::uint64_t seed : {5270, 10125, 10865, 11762, 12571}) {
    const ScenarioResult result =
        run_scenario(ScenarioOptions{.seed = seed, .membership_churn = true});
    EXPECT_TRUE(result.check.is_ok()) << "seed " << seed << ": " << result.check.to_string();
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
