// Zones in the simulator (docs/ARCHITECTURE.md, "Zones"): with 3 zones and n = 3 every key has a
// replica in every zone, and losing a whole zone (both of its nodes crashed while clients write
// at w = 2, then their disks wiped) loses no acknowledged write. Each run is a function of its
// seed; a failure prints it.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/key_position.h"
#include "sim/kv_workload.h"
#include "sim/simulator.h"
#include "storage/storage_key.h"

namespace ringkv::sim {
namespace {

constexpr std::uint32_t kPartitions = 64;
const std::map<core::NodeId, std::string> kZoneOf = {{"n1", "a"}, {"n2", "b"}, {"n3", "c"},
                                                     {"n4", "a"}, {"n5", "b"}, {"n6", "c"}};

// Six nodes in three zones of two, joined a, b, c, a, b, c; the default bucket's n = 3, w = 2.
SimConfig zoned_config(std::uint64_t seed) {
  SimConfig config;
  config.seed = seed;
  config.drop_probability = 0.02;
  config.duplicate_probability = 0.02;
  config.latency_max_ms = 20;
  config.node_template.partition_count = kPartitions;
  config.node_template.request_timeout_ms = 400;
  config.node_template.tick_interval_ms = 50;
  config.node_template.peer_down_after_ms = 300;
  config.node_template.hint_delivery_interval_ms = 100;
  config.node_template.anti_entropy_interval_ms = 1'000;
  for (const auto& [id, zone] : kZoneOf) {
    config.node_template.members.push_back(
        {.kind = core::MembershipEvent::Kind::kJoin, .node = id, .weight = 1, .zone = zone});
  }
  return config;
}

std::vector<core::NodeId> node_list() {
  std::vector<core::NodeId> ids;
  for (const auto& [id, zone] : kZoneOf) ids.push_back(id);
  return ids;
}

bool holds_key(Simulator& sim, const core::NodeId& node, const std::string& key) {
  const auto partition = core::partition_of(core::key_position("default", key), kPartitions);
  auto bytes = sim.disk(node).get(storage::Namespace::kData,
                                  storage::encode_storage_key(partition, "default", key));
  return bytes.is_ok() && bytes->has_value();
}

TEST(ZonesSim, WithThreeZonesAndNThreeEveryKeyHasAReplicaInEveryZone) {
  Simulator sim(zoned_config(1));
  sim.set_network_faults(0, 0);  // Every write succeeds; the question is only where it lands.
  sim.add_nodes(node_list());
  sim.run_for(200);
  const core::Ring& ring = sim.node("n1")->ring();
  for (std::uint32_t p = 0; p < kPartitions; ++p) {
    std::set<std::string> zones;
    for (const auto& node : ring.preference_list(p, 3)) zones.insert(kZoneOf.at(node));
    ASSERT_EQ(zones.size(), 3u) << "partition " << p;
  }
  constexpr int kKeys = 200;
  for (int i = 0; i < kKeys; ++i) {
    const std::string key = "key-" + std::to_string(i);
    const core::NodeId coordinator = node_list()[static_cast<std::size_t>(i) % 6];
    const auto reply = sim.call(coordinator, {.op = core::ClientOp::kPut,
                                              .bucket = "default",
                                              .key = key,
                                              .value = "v" + std::to_string(i)});
    ASSERT_TRUE(reply.status.is_ok()) << key << ": " << reply.status.to_string();
  }
  sim.run_for(5'000);  // Stragglers, read repair and anti-entropy settle.
  for (int i = 0; i < kKeys; ++i) {
    const std::string key = "key-" + std::to_string(i);
    std::set<std::string> zones;
    for (const auto& [node, zone] : kZoneOf) {
      if (holds_key(sim, node, key)) zones.insert(zone);
    }
    EXPECT_EQ(zones.size(), 3u) << key;
  }
}

// One run: clients write at w = 2 while, at a seeded moment, both nodes of a seeded zone crash;
// once the clients are done the zone's disks are wiped (the zone is lost and replaced by empty
// nodes). The checker then reads every key from all replicas.
struct ZoneLossRun {
  Status check;
  std::uint64_t acknowledged = 0;
  std::uint64_t trace_hash = 0;
  std::string lost_zone;
};

ZoneLossRun run_zone_loss(std::uint64_t seed) {
  Simulator sim(zoned_config(seed));
  sim.add_nodes(node_list());
  sim.run_for(200);
  KvWorkload workload(
      sim, KvWorkloadConfig{.clients = 4, .keys = 12, .cycles_per_client = 40, .final_read_r = 3});
  workload.start();
  ZoneLossRun run;
  run.lost_zone = std::string(1, static_cast<char>('a' + sim.random().uniform(3)));
  std::vector<core::NodeId> lost;
  for (const auto& [id, zone] : kZoneOf) {
    if (zone == run.lost_zone) lost.push_back(id);
  }
  sim.after(100 + sim.random().uniform(600), [&] {
    for (const auto& id : lost) sim.crash(id);
  });
  for (int round = 0; round < 600 && !workload.done(); ++round) sim.run_for(100);
  for (const auto& id : lost) sim.wipe(id);
  sim.set_network_faults(0, 0);
  sim.run_for(10'000);  // Hints drain, read repair and anti-entropy refill the new nodes.
  run.check = workload.done() ? workload.check() : Status::internal("clients did not finish");
  if (sim.dot_oracle().violation()) run.check = Status::internal(*sim.dot_oracle().violation());
  run.acknowledged = workload.acknowledged_writes();
  run.trace_hash = sim.trace_hash();
  return run;
}

TEST(ZonesSim, LosingAWholeZoneLosesNoAcknowledgedWriteAtWTwo) {
  std::uint64_t acknowledged = 0;
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    const ZoneLossRun run = run_zone_loss(seed);
    EXPECT_TRUE(run.check.is_ok())
        << "seed " << seed << " (zone " << run.lost_zone << " lost): " << run.check.to_string();
    EXPECT_GT(run.acknowledged, 0u) << "seed " << seed;
    acknowledged += run.acknowledged;
  }
  std::printf("zone loss: %llu acknowledged writes over 12 seeds, none lost\n",
              static_cast<unsigned long long>(acknowledged));
}

TEST(ZonesSim, AZoneLossRunIsAFunctionOfItsSeed) {
  const ZoneLossRun first = run_zone_loss(7);
  const ZoneLossRun second = run_zone_loss(7);
  EXPECT_EQ(first.trace_hash, second.trace_hash);
  EXPECT_EQ(first.acknowledged, second.acknowledged);
}

}  // namespace
}  // namespace ringkv::sim
