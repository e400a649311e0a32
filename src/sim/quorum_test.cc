// Quorums count replicas, not messages: with every message duplicated, a put with w=3 (or a get
// with r=3) must not succeed while one of the three replicas is cut off. Most scenarios run at
// w=2, where two acknowledgements from one replica would still look like a quorum of two
// distinct ones only rarely; these run at w=3 and r=3.
#include <gtest/gtest.h>

#include "sim/simulator.h"

namespace ringkv::sim {
namespace {

SimConfig duplicating_config(std::uint64_t seed) {
  SimConfig config;
  config.seed = seed;
  config.duplicate_probability = 1.0;  // Every message arrives twice.
  config.latency_min_ms = 1;
  config.latency_max_ms = 20;
  config.node_template.request_timeout_ms = 400;
  config.node_template.tick_interval_ms = 50;
  return config;
}

TEST(Quorum, DuplicatedAcknowledgementsNeverMakeAWriteQuorum) {
  Simulator sim(duplicating_config(11));
  sim.add_nodes({"n1", "n2", "n3"});
  sim.run_for(300);
  sim.partition({{"n1", "n2"}, {"n3"}});
  int acknowledged = 0;
  for (int i = 0; i < 100; ++i) {
    const core::ClientReply reply = sim.call(
        "n1", {.op = core::ClientOp::kPut, .bucket = "default", .key = "k" + std::to_string(i),
               .value = "v" + std::to_string(i), .w = 3});
    acknowledged += reply.status.is_ok() ? 1 : 0;
  }
  EXPECT_EQ(acknowledged, 0) << "puts with w=3 acknowledged while n3 was cut off";
}

TEST(Quorum, DuplicatedRepliesNeverMakeAReadQuorum) {
  Simulator sim(duplicating_config(12));
  sim.add_nodes({"n1", "n2", "n3"});
  sim.run_for(300);
  sim.partition({{"n1", "n2"}, {"n3"}});
  int answered = 0;
  for (int i = 0; i < 100; ++i) {
    const core::ClientReply reply = sim.call(
        "n1", {.op = core::ClientOp::kGet, .bucket = "default", .key = "k" + std::to_string(i),
               .r = 3});
    answered += reply.status.is_ok() ? 1 : 0;
  }
  EXPECT_EQ(answered, 0) << "gets with r=3 answered while n3 was cut off";
}

TEST(Quorum, WritesWithAllReplicasSucceedOnceTheCutIsHealed) {
  Simulator sim(duplicating_config(13));
  sim.add_nodes({"n1", "n2", "n3"});
  sim.run_for(300);
  for (int i = 0; i < 20; ++i) {
    const core::ClientReply reply = sim.call(
        "n1", {.op = core::ClientOp::kPut, .bucket = "default", .key = "k" + std::to_string(i),
               .value = "v", .w = 3});
    EXPECT_TRUE(reply.status.is_ok()) << reply.status.to_string();
  }
}

}  // namespace
}  // namespace ringkv::sim
