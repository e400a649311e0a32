// Merkle-tree anti-entropy in the simulator: with hinted handoff and read repair off, replicas that
// diverged while a node was partitioned away or down converge to identical trees after healing,
// within bounded simulated time, over many seeds; deleted values stay deleted on every replica.
// The hash tree's incremental update is checked against a rebuild from storage.
#include <gtest/gtest.h>

#include <set>

#include "core/key_position.h"
#include "core/version/versioned_object.h"
#include "sim/simulator.h"
#include "storage/storage_key.h"

namespace ringkv::sim {
namespace {

constexpr std::uint32_t kPartitions = 16;

SimConfig ae_config(std::uint64_t seed) {
  SimConfig config;
  config.seed = seed;
  config.latency_max_ms = 20;
  config.node_template.partition_count = kPartitions;
  config.node_template.tick_interval_ms = 50;
  config.node_template.request_timeout_ms = 400;
  config.node_template.peer_down_after_ms = 400;
  config.node_template.hinted_handoff = false;
  config.node_template.read_repair = false;
  config.node_template.anti_entropy_interval_ms = 500;
  config.node_template.tree_fanout = 16;
  config.node_template.tree_depth = 2;
  return config;
}

core::ClientReply call(Simulator& sim, const core::NodeId& node, core::ClientRequest request) {
  request.bucket = "default";
  return sim.call(node, std::move(request));
}

// The home replicas (n=3) of every partition hold identical trees.
testing::AssertionResult trees_agree(Simulator& sim) {
  core::Node& any = *sim.node("n1");
  for (std::uint32_t p = 0; p < kPartitions; ++p) {
    std::vector<core::NodeId> home;
    for (const auto& id : any.ring().preference_list(p, 3)) {
      if (sim.is_up(id)) home.push_back(id);  // A down node's tree is compared once it is back.
    }
    for (const auto& id : home) {
      if (!(sim.node(id)->tree(p) == sim.node(home.front())->tree(p))) {
        return testing::AssertionFailure() << "partition " << p << ": " << id << " differs from "
                                           << home.front();
      }
    }
  }
  return testing::AssertionSuccess();
}

std::vector<std::string> local_values(Simulator& sim, const core::NodeId& node,
                                      const std::string& key) {
  const core::ClientReply reply =
      call(sim, node, core::ClientRequest{.op = core::ClientOp::kGet, .key = key, .local = true});
  EXPECT_TRUE(reply.status.is_ok()) << reply.status.to_string();
  return reply.values;
}

TEST(AntiEntropy, DivergedReplicasConvergeAfterHealingOverManySeeds) {
  std::uint64_t repaired = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Simulator sim(ae_config(seed));
    sim.add_nodes({"n1", "n2", "n3", "n4"});
    sim.run_for(500);
    sim.set_network_faults(0.02, 0.02);
    // n4 is cut off: writes for its partitions reach only the other two home replicas.
    sim.partition({{"n1", "n2", "n3"}, {"n4"}});
    sim.run_for(600);
    int written = 0;
    for (int i = 0; i < 60; ++i) {
      const std::string key = "a" + std::to_string(i);
      written += call(sim, sim.node_ids()[i % 3],
                      core::ClientRequest{.op = core::ClientOp::kPut, .key = key, .value = key})
                     .status.is_ok();
    }
    // Delete some of them with their context: the tombstones must win everywhere later.
    std::set<std::string> deleted;
    for (int i = 0; i < 60; i += 6) {
      const std::string key = "a" + std::to_string(i);
      const auto read = call(sim, "n1", core::ClientRequest{.op = core::ClientOp::kGet, .key = key});
      if (!read.status.is_ok()) continue;
      if (call(sim, "n2", core::ClientRequest{.op = core::ClientOp::kDelete, .key = key,
                                              .context = read.context})
              .status.is_ok()) {
        deleted.insert(key);
      }
    }
    EXPECT_GE(deleted.size(), 5u);
    EXPECT_FALSE(trees_agree(sim)) << "the scenario must make replicas diverge";
    sim.heal();
    // Then n2 is down for a while: it misses these.
    sim.crash("n2");
    sim.run_for(600);
    for (int i = 0; i < 60; ++i) {
      const std::string key = "b" + std::to_string(i);
      call(sim, i % 2 ? "n1" : "n3",
           core::ClientRequest{.op = core::ClientOp::kPut, .key = key, .value = key});
    }
    EXPECT_GT(written, 40);
    sim.restart("n2");
    sim.set_network_faults(0, 0);
    sim.run_for(20'000);  // Bounded: 16 partitions, an exchange per partition every 500 ms.
    EXPECT_TRUE(trees_agree(sim));
    std::uint64_t seed_repaired = 0;
    for (const auto& id : sim.node_ids()) seed_repaired += sim.node(id)->stats().ae_keys_repaired;
    EXPECT_GT(seed_repaired, 0u);
    repaired += seed_repaired;
    // Every home replica holds every surviving value on its own; deleted ones stay deleted.
    for (int i = 0; i < 60; ++i) {
      const std::string key = "a" + std::to_string(i);
      const auto p = core::partition_of(core::key_position("default", key), kPartitions);
      for (const auto& id : sim.node("n1")->ring().preference_list(p, 3)) {
        const auto values = local_values(sim, id, key);
        if (deleted.contains(key)) {
          EXPECT_TRUE(values.empty()) << key << " resurfaced on " << id;
        }
      }
    }
  }
  std::printf("20 seeds: %llu keys repaired by anti-entropy\n",
              static_cast<unsigned long long>(repaired));
}

TEST(AntiEntropy, IncrementalTreesEqualTreesRebuiltFromStorage) {
  Simulator sim(ae_config(3));
  sim.add_nodes({"n1", "n2", "n3"});
  sim.run_for(500);
  for (int i = 0; i < 100; ++i) {
    const std::string key = "k" + std::to_string(i % 40);
    call(sim, sim.node_ids()[i % 3],
         core::ClientRequest{.op = i % 7 == 0 ? core::ClientOp::kDelete : core::ClientOp::kPut,
                             .key = key, .value = "v" + std::to_string(i),
                             .supersede_known = true});
  }
  sim.run_for(2'000);
  for (const auto& id : sim.node_ids()) {
    // What every write did to the tree, step by step, equals a tree built from what is stored.
    std::vector<core::HashTree> rebuilt(kPartitions, core::HashTree(16, 2));
    ASSERT_TRUE(sim.disk(id)
                    .scan(storage::Namespace::kData, "", "",
                          [&](std::string_view key, std::string_view value) {
                            const auto decoded = storage::decode_storage_key(key);
                            // Objects of tombstones only have no entry (they read as absent).
                            if (core::VersionedObject::decode(value)->is_deleted()) return true;
                            rebuilt[decoded->partition].update(key, 0,
                                                               core::entry_hash(key, value));
                            return true;
                          })
                    .is_ok());
    for (std::uint32_t p = 0; p < kPartitions; ++p) {
      EXPECT_TRUE(rebuilt[p] == sim.node(id)->tree(p)) << id << " partition " << p;
    }
  }
}

}  // namespace
}  // namespace ringkv::sim

namespace ringkv::sim {
namespace {

TEST(AntiEntropy, TombstonesAreReapedOnlyAfterEveryReplicaAgreedAndTheGracePeriod) {
  SimConfig config = ae_config(9);
  config.node_template.tombstone_grace_ms = 3'000;
  Simulator sim(config);
  sim.add_nodes({"n1", "n2", "n3", "n4"});
  sim.run_for(500);
  std::vector<std::string> deleted;
  for (int i = 0; i < 20; ++i) {
    const std::string key = "t" + std::to_string(i);
    ASSERT_TRUE(call(sim, "n1", {.op = core::ClientOp::kPut, .key = key, .value = "v"}).status.is_ok());
  }
  // n4 misses the deletes (partitioned away); it must get them before anyone may reap.
  sim.partition({{"n1", "n2", "n3"}, {"n4"}});
  for (int i = 0; i < 20; i += 2) {
    const std::string key = "t" + std::to_string(i);
    const auto read = call(sim, "n2", {.op = core::ClientOp::kGet, .key = key});
    ASSERT_TRUE(call(sim, "n3", {.op = core::ClientOp::kDelete, .key = key, .context = read.context})
                    .status.is_ok());
    deleted.push_back(key);
  }
  auto stored_anywhere = [&](const std::string& key) {
    const auto p = core::partition_of(core::key_position("default", key), kPartitions);
    int copies = 0;
    for (const auto& id : sim.node_ids()) {
      auto bytes = sim.disk(id).get(storage::Namespace::kData,
                                    storage::encode_storage_key(p, "default", key));
      copies += bytes.is_ok() && bytes->has_value();
    }
    return copies;
  };
  sim.run_for(8'000);  // Longer than the grace period, but n4 cannot confirm anything.
  std::uint64_t reaped = 0;
  for (const auto& id : sim.node_ids()) reaped += sim.node(id)->stats().tombstones_reaped;
  for (const auto& key : deleted) {
    const auto p = core::partition_of(core::key_position("default", key), kPartitions);
    const auto home = sim.node("n1")->ring().preference_list(p, 3);
    if (std::find(home.begin(), home.end(), "n4") != home.end()) {
      EXPECT_GT(stored_anywhere(key), 0) << key << ": reaped while n4 still held the value";
    }
  }
  sim.heal();
  sim.run_for(20'000);
  reaped = 0;
  for (const auto& id : sim.node_ids()) reaped += sim.node(id)->stats().tombstones_reaped;
  EXPECT_GT(reaped, 0u);
  for (const auto& key : deleted) {
    EXPECT_EQ(stored_anywhere(key), 0) << key << " still stored";
    for (const auto& id : sim.node_ids()) EXPECT_TRUE(local_values(sim, id, key).empty()) << key;
  }
  for (int i = 1; i < 20; i += 2) {
    const auto read = call(sim, "n4", {.op = core::ClientOp::kGet, .key = "t" + std::to_string(i), .r = 3});
    EXPECT_EQ(read.values, std::vector<std::string>{"v"});
  }
}

}  // namespace
}  // namespace ringkv::sim
