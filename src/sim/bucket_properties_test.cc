// Bucket properties as cluster metadata in the simulator (core/bucket_registry.h): a change made
// through one node reaches every node over lossy links and partitions, the newest change wins,
// the table survives restarts, requests run with the new quorums, and a change of n moves data
// (copies to the new replicas when n rises, handed off and erased when it falls).
#include <gtest/gtest.h>

#include "core/key_position.h"
#include "sim/simulator.h"
#include "storage/storage_key.h"

namespace ringkv::sim {
namespace {

constexpr std::uint32_t kPartitions = 64;

SimConfig config_for(std::uint64_t seed, double drop = 0.05) {
  SimConfig config;
  config.seed = seed;
  config.drop_probability = drop;
  config.duplicate_probability = drop;
  config.latency_max_ms = 30;
  config.node_template.partition_count = kPartitions;
  config.node_template.tick_interval_ms = 50;
  config.node_template.request_timeout_ms = 400;
  config.node_template.transfer_interval_ms = 100;
  config.node_template.anti_entropy = false;  // Only the change of n may move data here.
  return config;
}

std::vector<core::NodeId> five() {
  return {"n1", "n2", "n3", "n4", "n5"};
}

core::ClientReply put(Simulator& sim, const core::NodeId& node, const std::string& bucket,
                      const std::string& key, const std::string& value, std::uint32_t w = 0) {
  return sim.call(
      node, {.op = core::ClientOp::kPut, .bucket = bucket, .key = key, .value = value, .w = w});
}

bool holds(Simulator& sim, const core::NodeId& node, const std::string& bucket,
           const std::string& key) {
  const auto partition = core::partition_of(core::key_position(bucket, key), kPartitions);
  auto bytes = sim.disk(node).get(storage::Namespace::kData,
                                  storage::encode_storage_key(partition, bucket, key));
  return bytes.is_ok() && bytes->has_value();
}

std::vector<core::NodeId> homes(Simulator& sim, const std::string& bucket, const std::string& key,
                                std::uint32_t n) {
  const auto partition = core::partition_of(core::key_position(bucket, key), kPartitions);
  return sim.node("n1")->ring().preference_list(partition, n);
}

TEST(BucketProperties, AChangeThroughOneNodeReachesEveryNodeOverLossyLinks) {
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    Simulator sim(config_for(seed, 0.2));
    sim.add_nodes(five());
    sim.run_for(300);
    auto entry = sim.node("n2")->set_bucket_properties("b", {{"r", "1"}, {"conflict", "lww"}});
    ASSERT_TRUE(entry.is_ok()) << entry.status().to_string();
    sim.run_for(3000);
    for (const auto& id : five()) {
      const core::BucketProperties& props = sim.node(id)->bucket_properties("b");
      EXPECT_EQ(props.r, 1u) << id << " seed " << seed;
      EXPECT_EQ(props.conflict, core::ConflictPolicy::kLww) << id << " seed " << seed;
      EXPECT_EQ(props.n, 3u) << id;  // Unchanged properties stay the defaults.
      EXPECT_EQ(sim.node(id)->bucket_registry().digest(),
                sim.node("n1")->bucket_registry().digest());
      EXPECT_EQ(sim.node(id)->bucket_properties("other").r, 2u);  // Other buckets: defaults.
    }
  }
}

TEST(BucketProperties, TheNewestChangeWinsAcrossAPartitionAndSurvivesRestarts) {
  Simulator sim(config_for(7));
  sim.add_nodes(five());
  sim.run_for(300);
  sim.partition({{"n1", "n2"}, {"n3", "n4", "n5"}});
  ASSERT_TRUE(sim.node("n1")->set_bucket_properties("b", {{"w", "3"}}).is_ok());
  sim.run_for(500);
  // Later, on the other side: its version is newer.
  ASSERT_TRUE(sim.node("n4")->set_bucket_properties("b", {{"w", "1"}, {"r", "1"}}).is_ok());
  sim.run_for(1000);
  EXPECT_EQ(sim.node("n2")->bucket_properties("b").w, 3u);  // Not healed yet.
  EXPECT_EQ(sim.node("n5")->bucket_properties("b").w, 1u);
  sim.heal();
  sim.run_for(3000);
  for (const auto& id : five()) {
    EXPECT_EQ(sim.node(id)->bucket_properties("b").w, 1u) << id;
    EXPECT_EQ(sim.node(id)->bucket_properties("b").r, 1u) << id;
    EXPECT_EQ(sim.node(id)->bucket_registry().entry("b")->set_by, "n4") << id;
  }
  // The whole cluster restarts: every node reads its table back.
  for (const auto& id : five()) sim.crash(id);
  for (const auto& id : five()) sim.restart(id);
  sim.run_for(200);
  for (const auto& id : five()) EXPECT_EQ(sim.node(id)->bucket_properties("b").w, 1u) << id;

  // A reset wins over the properties it replaces, everywhere.
  ASSERT_TRUE(sim.node("n3")->reset_bucket_properties("b").is_ok());
  EXPECT_EQ(sim.node("n3")->reset_bucket_properties("b").status().code(), StatusCode::kNotFound);
  sim.run_for(3000);
  for (const auto& id : five()) {
    EXPECT_EQ(sim.node(id)->bucket_properties("b").w, 2u) << id;
    EXPECT_EQ(sim.node(id)->bucket_registry().find("b"), nullptr) << id;
  }
}

TEST(BucketProperties, BadChangesAreRefusedNamingTheProperty) {
  Simulator sim(config_for(3, 0.0));
  sim.add_nodes(five());
  sim.run_for(200);
  core::Node& node = *sim.node("n1");
  auto expect_error = [&](std::vector<std::pair<std::string, std::string>> changes,
                          const std::string& fragment) {
    auto entry = node.set_bucket_properties("b", changes);
    ASSERT_FALSE(entry.is_ok()) << fragment;
    EXPECT_NE(entry.status().message().find(fragment), std::string::npos)
        << entry.status().to_string();
  };
  expect_error({{"n", "0"}}, "n is an integer from 1 to 16");
  expect_error({{"n", "1"}}, "r must be in [1, n=1], got 2");
  expect_error({{"r", "4"}}, "r must be in [1, n=3], got 4");
  expect_error({{"pw", "3"}}, "pw must be in [0, w=2], got 3");
  expect_error({{"conflict", "newest"}}, "conflict is siblings or lww");
  expect_error({{"nn", "3"}}, "unknown bucket property 'nn'");
  expect_error({{"value_max_bytes", "999999999"}}, "value_max_bytes");
  expect_error({}, "no property to set");
  EXPECT_EQ(node.bucket_registry().size(), 0u);  // Nothing was taken.
  // n first: quorum and all resolve against the new n.
  auto entry = node.set_bucket_properties("b", {{"w", "all"}, {"r", "quorum"}, {"n", "5"}});
  ASSERT_TRUE(entry.is_ok()) << entry.status().to_string();
  EXPECT_EQ(entry->properties.n, 5u);
  EXPECT_EQ(entry->properties.w, 5u);
  EXPECT_EQ(entry->properties.r, 3u);
}

TEST(BucketProperties, RequestsRunWithTheBucketsQuorumsAndLimits) {
  Simulator sim(config_for(11, 0.0));
  sim.add_nodes(five());
  sim.run_for(300);
  ASSERT_TRUE(
      sim.node("n1")
          ->set_bucket_properties("strict", {{"n", "5"}, {"w", "5"}, {"value_max_bytes", "100"}})
          .is_ok());
  sim.run_for(2000);
  EXPECT_TRUE(put(sim, "n3", "strict", "k", "v").status.is_ok());
  const auto too_big = put(sim, "n3", "strict", "k", std::string(101, 'x'));
  EXPECT_EQ(too_big.status.code(), StatusCode::kTooLarge);
  EXPECT_NE(too_big.status.message().find("of bucket strict is 100"), std::string::npos)
      << too_big.status.to_string();
  EXPECT_TRUE(put(sim, "n3", "loose", "k", std::string(101, 'x')).status.is_ok());
  sim.crash("n5");
  sim.run_for(2000);
  // w=5 cannot be met with a node down; the default bucket's w=2 can.
  const auto strict = put(sim, "n3", "strict", "k2", "v");
  EXPECT_FALSE(strict.status.is_ok());
  EXPECT_NE(strict.status.message().find("w=5"), std::string::npos) << strict.status.to_string();
  EXPECT_TRUE(put(sim, "n3", "loose", "k2", "v").status.is_ok());
}

TEST(BucketProperties, RaisingNCopiesEveryKeyToItsNewReplicasAndLoweringItErasesTheExtraCopies) {
  Simulator sim(config_for(5));
  sim.add_nodes(five());
  sim.run_for(300);
  std::vector<std::string> keys;
  for (int i = 0; i < 120; ++i) {
    const std::string key = "k" + std::to_string(i);
    // w=3: every home replica has it before n changes.
    if (put(sim, "n1", "b", key, "v" + std::to_string(i), 3).status.is_ok()) keys.push_back(key);
  }
  ASSERT_GT(keys.size(), 80u);
  for (const auto& key : keys) {
    for (const auto& id : five()) {
      const auto home = homes(sim, "b", key, 3);
      EXPECT_EQ(holds(sim, id, "b", key), std::find(home.begin(), home.end(), id) != home.end());
    }
  }

  ASSERT_TRUE(sim.node("n2")->set_bucket_properties("b", {{"n", "5"}}).is_ok());
  sim.run_for(15'000);
  std::size_t missing = 0;
  for (const auto& key : keys) {
    for (const auto& id : five()) missing += holds(sim, id, "b", key) ? 0 : 1;
  }
  EXPECT_EQ(missing, 0u) << "copies missing after n went from 3 to 5";
  EXPECT_GT(sim.node("n1")->stats().rebuild_keys_sent + sim.node("n3")->stats().rebuild_keys_sent +
                sim.node("n4")->stats().rebuild_keys_sent,
            0u);

  ASSERT_TRUE(
      sim.node("n4")->set_bucket_properties("b", {{"n", "2"}, {"r", "1"}, {"w", "1"}}).is_ok());
  sim.run_for(15'000);
  std::size_t wrong = 0;
  for (const auto& key : keys) {
    const auto home = homes(sim, "b", key, 2);
    for (const auto& id : five()) {
      const bool is_home = std::find(home.begin(), home.end(), id) != home.end();
      wrong += holds(sim, id, "b", key) == is_home ? 0 : 1;
    }
  }
  EXPECT_EQ(wrong, 0u) << "copies off the two home replicas after n went from 5 to 2";
  // Every value still reads back.
  for (std::size_t i = 0; i < keys.size(); ++i) {
    core::ClientReply read;
    for (int attempt = 0; attempt < 3; ++attempt) {  // Links drop 5% of messages.
      read = sim.call("n5", {.op = core::ClientOp::kGet, .bucket = "b", .key = keys[i]});
      if (read.status.is_ok()) break;
    }
    ASSERT_TRUE(read.status.is_ok()) << keys[i] << ": " << read.status.to_string();
    ASSERT_EQ(read.values.size(), 1u) << keys[i];
  }
}

}  // namespace
}  // namespace ringkv::sim
