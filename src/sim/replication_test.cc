// Replicated get/put in the simulator: quorums under message loss, delay, reordering and one node
// down at a time; siblings from concurrent writes; read repair bringing replicas together.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/key_position.h"
#include "sim/simulator.h"
#include "storage/storage_key.h"

namespace ringkv::sim {
namespace {

SimConfig lossy_config(std::uint64_t seed) {
  SimConfig config;
  config.seed = seed;
  config.drop_probability = 0.05;
  config.duplicate_probability = 0.05;
  config.latency_min_ms = 1;
  config.latency_max_ms = 40;  // Jitter reorders messages.
  config.node_template.request_timeout_ms = 400;
  config.node_template.tick_interval_ms = 50;
  return config;
}

core::ClientReply call(Simulator& sim, const core::NodeId& node, core::ClientRequest request) {
  return sim.call(node, std::move(request));
}

core::ClientRequest get_request(const std::string& key, std::uint32_t r = 0) {
  return {.op = core::ClientOp::kGet, .bucket = "default", .key = key, .r = r};
}

core::ClientRequest put_request(const std::string& key, const std::string& value,
                                const std::string& context) {
  return {.op = core::ClientOp::kPut, .bucket = "default", .key = key, .context = context,
          .value = value};
}

// The object a node holds for `key`, read straight from its simulated disk.
core::VersionedObject stored_object(Simulator& sim, const core::NodeId& node,
                                    const std::string& key) {
  const auto partition = core::partition_of(core::key_position("default", key), 256);
  auto bytes = sim.disk(node).get(storage::Namespace::kData,
                                  storage::encode_storage_key(partition, "default", key));
  EXPECT_TRUE(bytes.is_ok());
  if (!bytes.is_ok() || !bytes->has_value()) return {};
  auto object = core::VersionedObject::decode(**bytes);
  EXPECT_TRUE(object.is_ok());
  return object.is_ok() ? *object : core::VersionedObject{};
}

TEST(Replication, AGetAfterAnAcknowledgedPutSeesItWithOneNodeDownAtATime) {
  int checked_reads = 0;
  for (std::uint64_t seed = 1; seed <= 25; ++seed) {
    Simulator sim(lossy_config(seed));
    sim.add_nodes({"n1", "n2", "n3", "n4", "n5"});
    sim.run_for(200);
    const std::vector<core::NodeId> nodes = sim.node_ids();
    std::string down;
    for (int step = 0; step < 40; ++step) {
      // Now and then a different node is down (crash loses its unsynced writes).
      if (sim.random().chance(0.2)) {
        if (!down.empty()) sim.restart(down);
        down = nodes[sim.random().uniform(nodes.size())];
        sim.crash(down);
      }
      auto pick = [&] {
        core::NodeId node;
        do node = nodes[sim.random().uniform(nodes.size())]; while (node == down);
        return node;
      };
      const std::string key = "k" + std::to_string(sim.random().uniform(4));
      const std::string value = "s" + std::to_string(seed) + "-" + std::to_string(step);
      const core::ClientReply read = call(sim, pick(), get_request(key));
      if (!read.status.is_ok()) continue;
      const core::ClientReply write = call(sim, pick(), put_request(key, value, read.context));
      if (!write.status.is_ok()) continue;
      const core::ClientReply after = call(sim, pick(), get_request(key));
      if (!after.status.is_ok()) continue;
      ++checked_reads;
      // One writer: nothing can descend from this write yet, so the value itself must be there.
      EXPECT_NE(std::find(after.values.begin(), after.values.end(), value), after.values.end())
          << "seed " << seed << " step " << step << ": acknowledged " << value
          << " not read back";
    }
  }
  std::printf("read-after-acknowledged-write checks: %d\n", checked_reads);
  EXPECT_GT(checked_reads, 500);
}

TEST(Replication, ConcurrentPutsBecomeSiblingsAndTheMergedContextCollapsesThem) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    Simulator sim(lossy_config(seed));
    sim.set_network_faults(0.0, 0.05);
    sim.add_nodes({"n1", "n2", "n3", "n4"});
    sim.run_for(200);
    ASSERT_TRUE(call(sim, "n1", put_request("cart", "base", "")).status.is_ok());
    const core::ClientReply read = call(sim, "n2", get_request("cart"));
    ASSERT_TRUE(read.status.is_ok());
    // Two clients write with the same context at the same moment, through different nodes.
    int acknowledged = 0;
    sim.submit("n3", put_request("cart", "apples", read.context),
               [&](const core::ClientReply& reply) { acknowledged += reply.status.is_ok(); });
    sim.submit("n4", put_request("cart", "pears", read.context),
               [&](const core::ClientReply& reply) { acknowledged += reply.status.is_ok(); });
    sim.run_for(1000);
    ASSERT_EQ(acknowledged, 2) << "seed " << seed;
    core::ClientReply both = call(sim, "n1", get_request("cart", 3));
    ASSERT_TRUE(both.status.is_ok());
    std::sort(both.values.begin(), both.values.end());
    EXPECT_EQ(both.values, (std::vector<std::string>{"apples", "pears"})) << "seed " << seed;
    ASSERT_TRUE(call(sim, "n2", put_request("cart", "apples+pears", both.context)).status.is_ok());
    EXPECT_EQ(call(sim, "n3", get_request("cart", 3)).values,
              std::vector<std::string>{"apples+pears"})
        << "seed " << seed;
  }
}

// conflict = lww: the same concurrent writes leave one value, the newest, on every replica, and
// no replica keeps the other as a sibling.
TEST(Replication, LastWriteWinsKeepsOneValueOnEveryReplica) {
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    Simulator sim(lossy_config(seed));
    sim.set_network_faults(0.0, 0.05);
    const std::vector<core::NodeId> ids{"n1", "n2", "n3", "n4"};
    for (const auto& id : ids) {
      sim.configure(id, [](core::NodeConfig& config) {
        config.default_bucket.conflict = core::ConflictPolicy::kLww;
      });
    }
    sim.add_nodes(ids);
    sim.run_for(200);
    int acknowledged = 0;
    sim.submit("n3", put_request("cart", "apples", ""),
               [&](const core::ClientReply& reply) { acknowledged += reply.status.is_ok(); });
    // Blind writes: concurrent as versions (neither saw the other), the second one newer in time
    // than any forwarding delay.
    sim.run_for(200);
    sim.submit("n4", put_request("cart", "pears", ""),
               [&](const core::ClientReply& reply) { acknowledged += reply.status.is_ok(); });
    sim.run_for(1000);
    ASSERT_EQ(acknowledged, 2) << "seed " << seed;
    const core::ClientReply read = call(sim, "n1", get_request("cart", 3));
    ASSERT_TRUE(read.status.is_ok());
    EXPECT_EQ(read.values, std::vector<std::string>{"pears"}) << "seed " << seed;
    sim.run_for(2000);  // Read repair and anti-entropy.
    int replicas = 0;
    for (const auto& id : ids) {
      const core::VersionedObject object = stored_object(sim, id, "cart");
      if (object.empty()) continue;
      ++replicas;
      EXPECT_EQ(object.live_values(), std::vector<std::string>{"pears"})
          << "seed " << seed << " " << id;
      EXPECT_EQ(object.siblings().size(), 1U) << "seed " << seed << " " << id;
    }
    EXPECT_GE(replicas, 3) << "seed " << seed;
  }
}

TEST(Replication, ReadRepairLeavesEveryReplicaWithIdenticalVersions) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    Simulator sim(lossy_config(seed));
    sim.set_network_faults(0.0, 0.0);
    sim.add_nodes({"n1", "n2", "n3"});
    sim.run_for(200);
    // n3 misses the writes: it is cut off while they happen.
    sim.partition({{"n1", "n2"}, {"n3"}});
    for (int i = 0; i < 5; ++i) {
      const std::string key = "k" + std::to_string(i);
      ASSERT_TRUE(call(sim, "n1", put_request(key, "v" + std::to_string(i), "")).status.is_ok());
    }
    sim.heal();
    for (int i = 0; i < 5; ++i) {
      const std::string key = "k" + std::to_string(i);
      EXPECT_TRUE(stored_object(sim, "n3", key).empty());
      // A read with r=2 answers from the first two replies, then repairs the stragglers.
      ASSERT_TRUE(call(sim, "n2", get_request(key, 2)).status.is_ok());
    }
    sim.run_for(1000);
    for (int i = 0; i < 5; ++i) {
      const std::string key = "k" + std::to_string(i);
      const core::VersionedObject reference = stored_object(sim, "n1", key);
      EXPECT_FALSE(reference.empty());
      EXPECT_EQ(stored_object(sim, "n2", key), reference) << "seed " << seed << " " << key;
      EXPECT_EQ(stored_object(sim, "n3", key), reference) << "seed " << seed << " " << key;
    }
    EXPECT_GT(sim.node("n2")->stats().read_repairs, 0u);
  }
}

TEST(Replication, TooFewRepliesFailWithAMessageNamingHowManyAnswered) {
  Simulator sim(lossy_config(1));
  sim.set_network_faults(0.0, 0.0);
  sim.add_nodes({"n1", "n2", "n3"});
  sim.run_for(200);
  sim.crash("n2");
  sim.crash("n3");
  const core::ClientReply read = call(sim, "n1", get_request("k"));
  EXPECT_EQ(read.status.code(), StatusCode::kUnavailable);
  EXPECT_NE(read.status.message().find("only 1 of the r=2"), std::string::npos)
      << read.status.message();
  const core::ClientReply write = call(sim, "n1", put_request("k", "v", ""));
  EXPECT_EQ(write.status.code(), StatusCode::kUnavailable);
  EXPECT_NE(write.status.message().find("only 1 of the w=2"), std::string::npos)
      << write.status.message();
  // With w=1 the same write succeeds on the coordinator alone.
  core::ClientRequest w1 = put_request("k", "v", "");
  w1.w = 1;
  EXPECT_TRUE(call(sim, "n1", w1).status.is_ok());
}

TEST(Replication, ANodeOutsideTheHomeReplicasForwardsWrites) {
  Simulator sim(lossy_config(5));
  sim.set_network_faults(0.0, 0.0);
  sim.add_nodes({"n1", "n2", "n3", "n4", "n5", "n6"});
  sim.run_for(200);
  // With six nodes and n=3, half of the nodes are outside any key's home replicas.
  for (int i = 0; i < 20; ++i) {
    const std::string key = "key" + std::to_string(i);
    for (const auto& node : sim.node_ids()) {
      ASSERT_TRUE(call(sim, node, put_request(key, node, "")).status.is_ok());
    }
    EXPECT_EQ(call(sim, "n1", get_request(key, 3)).values.size(), 6u);
  }
  std::uint64_t forwarded = 0;
  for (const auto& node : sim.node_ids()) forwarded += sim.node(node)->stats().forwarded;
  EXPECT_GT(forwarded, 0u);
}

}  // namespace
}  // namespace ringkv::sim
