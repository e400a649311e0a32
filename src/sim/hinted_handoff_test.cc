// Sloppy quorum and hinted handoff in the simulator: writes keep being accepted while a home
// replica is down, fallbacks keep hints that survive their own restart, and every hint reaches
// its owner and is deleted once the owner is back.
#include <gtest/gtest.h>

#include "core/key_position.h"
#include "sim/simulator.h"
#include "storage/storage_key.h"

namespace ringkv::sim {
namespace {

SimConfig handoff_config(std::uint64_t seed) {
  SimConfig config;
  config.seed = seed;
  config.drop_probability = 0.02;
  config.latency_max_ms = 20;
  config.node_template.request_timeout_ms = 400;
  config.node_template.tick_interval_ms = 50;
  config.node_template.peer_down_after_ms = 300;
  config.node_template.hint_delivery_interval_ms = 100;
  return config;
}

core::ClientReply call(Simulator& sim, const core::NodeId& node, core::ClientRequest request) {
  return sim.call(node, std::move(request));
}

bool holds_key(Simulator& sim, const core::NodeId& node, const std::string& key) {
  const auto partition = core::partition_of(core::key_position("default", key), 256);
  auto bytes = sim.disk(node).get(storage::Namespace::kData,
                                  storage::encode_storage_key(partition, "default", key));
  return bytes.is_ok() && bytes->has_value();
}

std::uint64_t hints_everywhere(Simulator& sim) {
  std::uint64_t total = 0;
  for (const auto& id : sim.node_ids()) {
    if (sim.is_up(id)) total += sim.node(id)->hints_held();
  }
  return total;
}

TEST(HintedHandoff, WritesContinueAndHintsReachTheOwnerWhenItReturns) {
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    Simulator sim(handoff_config(seed));
    sim.add_nodes({"n1", "n2", "n3", "n4", "n5"});
    sim.run_for(200);
    sim.crash("n3");
    sim.run_for(1000);  // Long enough for everyone to consider n3 down.
    // w=3 needs every write to arrive; loss is exercised during the handoff below.
    sim.set_network_faults(0.0, 0.05);
    std::vector<std::string> keys_on_n3;
    for (int i = 0; i < 60; ++i) {
      const std::string key = "k" + std::to_string(i);
      core::ClientRequest put{.op = core::ClientOp::kPut, .bucket = "default", .key = key,
                              .value = "v" + std::to_string(i), .w = 3};
      const auto& coordinator = sim.node_ids()[i % 5 == 2 ? 0 : i % 5];
      // w=3 with a home replica down only succeeds through a fallback's hint.
      const core::ClientReply reply = call(sim, coordinator, put);
      ASSERT_TRUE(reply.status.is_ok()) << "seed " << seed << " " << key << ": "
                                        << reply.status.to_string();
      const auto home = sim.node("n1")->ring().preference_list(
          core::partition_of(core::key_position("default", key), 256), 3);
      if (std::find(home.begin(), home.end(), "n3") != home.end()) keys_on_n3.push_back(key);
    }
    ASSERT_FALSE(keys_on_n3.empty());
    ASSERT_GT(hints_everywhere(sim), 0u) << "seed " << seed;
    // A hint holder restarts: its hints are durable and still delivered later.
    for (const auto& id : sim.node_ids()) {
      if (sim.is_up(id) && sim.node(id)->hints_held() > 0) {
        const auto held = sim.node(id)->hints_held();
        sim.crash(id);
        sim.restart(id);
        EXPECT_EQ(sim.node(id)->hints_held(), held) << "seed " << seed;
        break;
      }
    }
    for (const auto& key : keys_on_n3) EXPECT_FALSE(holds_key(sim, "n3", key));
    sim.restart("n3");
    sim.set_network_faults(0.05, 0.05);  // Lost deliveries and acknowledgements are retried.
    sim.run_for(2000);
    sim.set_network_faults(0.0, 0.0);
    sim.run_for(3000);
    EXPECT_EQ(hints_everywhere(sim), 0u) << "seed " << seed << ": hints left undelivered";
    for (const auto& key : keys_on_n3) {
      EXPECT_TRUE(holds_key(sim, "n3", key)) << "seed " << seed << ": " << key << " not handed off";
    }
    std::uint64_t delivered = 0;
    for (const auto& id : sim.node_ids()) delivered += sim.node(id)->stats().hints_delivered;
    EXPECT_GE(delivered, keys_on_n3.size());
  }
}

TEST(HintedHandoff, PwCountsOnlyHomeReplicas) {
  Simulator sim(handoff_config(3));
  sim.set_network_faults(0.0, 0.0);
  sim.add_nodes({"n1", "n2", "n3", "n4", "n5"});
  sim.run_for(200);
  // Find a key whose home replicas include n1 and n3, then take n3 down.
  std::string key;
  for (int i = 0; key.empty(); ++i) {
    const std::string candidate = "p" + std::to_string(i);
    const auto home = sim.node("n1")->ring().preference_list(
        core::partition_of(core::key_position("default", candidate), 256), 3);
    if (home[0] == "n1" && std::find(home.begin(), home.end(), "n3") != home.end()) key = candidate;
  }
  sim.crash("n3");
  sim.run_for(1000);
  core::ClientRequest put{.op = core::ClientOp::kPut, .bucket = "default", .key = key,
                          .value = "v", .w = 3};
  EXPECT_TRUE(call(sim, "n1", put).status.is_ok());  // Sloppy: a fallback stands in for n3.
  put.pw = 3;
  const core::ClientReply strict = call(sim, "n1", put);
  EXPECT_EQ(strict.status.code(), StatusCode::kUnavailable) << strict.status.to_string();
  put.pw = 2;
  EXPECT_TRUE(call(sim, "n1", put).status.is_ok());
}

TEST(HintedHandoff, HintStorageIsBoundedAndTheBoundIsReported) {
  SimConfig config = handoff_config(4);
  config.node_template.hint_bytes_max = 300;
  Simulator sim(config);
  sim.set_network_faults(0.0, 0.0);
  sim.add_nodes({"n1", "n2", "n3", "n4"});
  sim.run_for(200);
  sim.crash("n4");
  sim.run_for(1000);
  int refused = 0;
  for (int i = 0; i < 40; ++i) {
    core::ClientRequest put{.op = core::ClientOp::kPut, .bucket = "default",
                            .key = "b" + std::to_string(i), .value = std::string(60, 'x'),
                            .w = 3};
    const core::ClientReply reply = call(sim, "n1", put);
    if (!reply.status.is_ok()) {
      ++refused;
      EXPECT_NE(reply.status.message().find("hint_bytes_max"), std::string::npos)
          << reply.status.to_string();
    }
  }
  EXPECT_GT(refused, 0);
  std::uint64_t refusals = 0;
  for (const auto& id : {"n1", "n2", "n3"}) {
    EXPECT_LE(sim.node(id)->hint_bytes(), 300u);
    refusals += sim.node(id)->stats().hints_refused;
  }
  EXPECT_GT(refusals, 0u);
}

}  // namespace
}  // namespace ringkv::sim

namespace ringkv::sim {
namespace {

TEST(HintedHandoff, WithWEqualOneAPutSucceedsWhileAnySingleNodeIsUp) {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    SimConfig config = handoff_config(seed);
    config.node_template.transfer_interval_ms = 100;
    Simulator sim(config);
    sim.add_nodes({"n1", "n2", "n3", "n4", "n5"});
    sim.run_for(500);
    // Only one node survives, a different one per seed.
    const core::NodeId survivor = sim.node_ids()[seed % 5];
    for (const auto& id : sim.node_ids()) {
      if (id != survivor) sim.crash(id);
    }
    sim.run_for(1500);  // Everyone else is believed down.
    std::uint64_t stand_ins = 0;
    for (int i = 0; i < 30; ++i) {
      const std::string key = "solo" + std::to_string(i);
      core::ClientRequest put{.op = core::ClientOp::kPut, .bucket = "default", .key = key,
                              .value = "v" + std::to_string(i), .w = 1};
      const core::ClientReply reply = sim.call(survivor, put);
      ASSERT_TRUE(reply.status.is_ok()) << key << ": " << reply.status.to_string();
    }
    stand_ins = sim.node(survivor)->stats().stand_in_puts;
    EXPECT_GT(stand_ins, 0u) << "some keys have no home replica on the survivor";
    for (const auto& id : sim.node_ids()) sim.restart(id);
    sim.set_network_faults(0, 0);  // Reads with r=3 below need every reply.
    sim.run_for(5000);  // The survivor hands the stand-in writes to their home replicas.
    EXPECT_EQ(sim.node(survivor)->transfers_pending(), 0u);
    for (int i = 0; i < 30; ++i) {
      const std::string key = "solo" + std::to_string(i);
      core::ClientRequest get{.op = core::ClientOp::kGet, .bucket = "default", .key = key,
                              .r = 3};
      const core::ClientReply reply = sim.call(sim.node_ids()[(i + 1) % 5], get);
      ASSERT_TRUE(reply.status.is_ok()) << key << ": " << reply.status.to_string();
      EXPECT_EQ(reply.values, std::vector<std::string>{"v" + std::to_string(i)}) << key;
    }
    // A later write through a home replica supersedes the stand-in's version (no sibling).
    core::ClientRequest get{.op = core::ClientOp::kGet, .bucket = "default", .key = "solo0"};
    const core::ClientReply read = sim.call("n1", get);
    core::ClientRequest overwrite{.op = core::ClientOp::kPut, .bucket = "default", .key = "solo0",
                                  .context = read.context, .value = "again"};
    ASSERT_TRUE(sim.call("n2", overwrite).status.is_ok());
    get.r = 3;
    EXPECT_EQ(sim.call("n3", get).values, std::vector<std::string>{"again"});
  }
}

}  // namespace
}  // namespace ringkv::sim
