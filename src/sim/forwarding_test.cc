// Writes keep succeeding through failures of the node they are forwarded to: a home replica just
// crashed (the connection is refused and the forward goes to the next home replica at once), one
// silently cut off (the forward is sent on after forward_retry_ms), a node that has not joined
// yet (it forwards to a seed) and one that has left (it forwards by its last ring).
#include <gtest/gtest.h>

#include <algorithm>

#include "core/key_position.h"
#include "sim/simulator.h"

namespace ringkv::sim {
namespace {

SimConfig static_config(std::uint64_t seed) {
  SimConfig config;
  config.seed = seed;
  config.latency_min_ms = 1;
  config.latency_max_ms = 10;
  config.node_template.partition_count = 64;
  config.node_template.tick_interval_ms = 50;
  config.node_template.request_timeout_ms = 2000;
  config.node_template.forward_retry_ms = 300;
  config.node_template.peer_down_after_ms = 2000;  // Slow to suspect: forwards must not wait.
  return config;
}

core::ClientRequest put(const std::string& key, const std::string& value) {
  return {.op = core::ClientOp::kPut, .bucket = "default", .key = key, .value = value,
          .supersede_known = true};
}

// Keys whose home replicas (n=3) include `in` and exclude `out`: writes sent to `out` for them
// are forwarded, and the first choice may be `in`.
std::vector<std::string> keys_forwarded(Simulator& sim, const core::NodeId& out, int count) {
  std::vector<std::string> keys;
  const core::Ring& ring = sim.node(out)->ring();
  for (int i = 0; static_cast<int>(keys.size()) < count; ++i) {
    const std::string key = "k" + std::to_string(i);
    const auto home = ring.preference_list(
        core::partition_of(core::key_position("default", key), ring.partition_count()), 3);
    if (std::find(home.begin(), home.end(), out) == home.end()) keys.push_back(key);
  }
  return keys;
}

int failed_writes(Simulator& sim, const core::NodeId& via, const std::vector<std::string>& keys,
                  std::uint64_t* slowest_ms = nullptr) {
  int failed = 0;
  for (const auto& key : keys) {
    const std::uint64_t start = sim.now_ms();
    const core::ClientReply reply = sim.call(via, put(key, "v-" + key));
    if (slowest_ms) *slowest_ms = std::max(*slowest_ms, sim.now_ms() - start);
    if (!reply.status.is_ok()) {
      ++failed;
      ADD_FAILURE() << key << ": " << reply.status.to_string();
    }
  }
  return failed;
}

TEST(Forwarding, AForwardToAJustCrashedReplicaGoesToTheNextOneAtOnce) {
  Simulator sim(static_config(41));
  sim.add_nodes({"n1", "n2", "n3", "n4", "n5"});
  sim.run_for(500);
  const auto keys = keys_forwarded(sim, "n2", 100);
  sim.crash("n3");  // n2 still believes n3 is up: the refused connection tells it otherwise.
  std::uint64_t slowest_ms = 0;
  EXPECT_EQ(failed_writes(sim, "n2", keys, &slowest_ms), 0);
  EXPECT_LT(slowest_ms, 300u) << "a refused forward waited for the retry";
  EXPECT_GT(sim.node("n2")->stats().peers_unreachable, 0u);
}

TEST(Forwarding, AForwardWithNoAnswerIsSentToTheNextReplicaAndReadsAsOneValue) {
  Simulator sim(static_config(42));
  sim.add_nodes({"n1", "n2", "n3", "n4", "n5"});
  sim.run_for(500);
  const auto keys = keys_forwarded(sim, "n2", 60);
  sim.partition({{"n1", "n2", "n4", "n5"}, {"n3"}});  // Silent: nothing is refused.
  EXPECT_EQ(failed_writes(sim, "n2", keys), 0);
  EXPECT_GT(sim.node("n2")->stats().forwards_retried, 0u);
  sim.heal();
  sim.run_for(5'000);
  for (const auto& key : keys) {
    const core::ClientReply read =
        sim.call("n1", {.op = core::ClientOp::kGet, .bucket = "default", .key = key, .r = 3});
    ASSERT_TRUE(read.status.is_ok()) << read.status.to_string();
    EXPECT_EQ(read.values, std::vector<std::string>{"v-" + key}) << key;
  }
}

SimConfig dynamic_config(std::uint64_t seed) {
  SimConfig config = static_config(seed);
  config.node_template.seeds = {"n1", "n2"};
  config.node_template.gossip.gossip_interval_ms = 200;
  config.node_template.join_grace_ms = 1000;
  config.node_template.transfer_interval_ms = 100;
  config.node_template.peer_down_after_ms = 400;
  return config;
}

TEST(Forwarding, ANodeNotInAClusterYetForwardsToASeed) {
  Simulator sim(dynamic_config(43));
  sim.add_nodes({"n1", "n2", "n3", "n4", "n5"});
  sim.run_for(6'000);
  sim.wipe("n4");  // Knows nothing of the cluster until a seed answers its gossip.
  ASSERT_FALSE(sim.node("n4")->has_ring());
  std::vector<std::string> keys;
  for (int i = 0; i < 20; ++i) keys.push_back("w" + std::to_string(i));
  EXPECT_EQ(failed_writes(sim, "n4", keys), 0);
}

TEST(Forwarding, ANodeThatLeftForwardsWhatItStillReceives) {
  Simulator sim(dynamic_config(44));
  sim.add_nodes({"n1", "n2", "n3", "n4", "n5"});
  sim.run_for(6'000);
  ASSERT_TRUE(sim.node("n5")->leave().is_ok());
  for (int i = 0; i < 300 && !sim.node("n5")->departed(); ++i) sim.run_for(100);
  ASSERT_TRUE(sim.node("n5")->departed());
  std::vector<std::string> keys;
  for (int i = 0; i < 20; ++i) keys.push_back("late" + std::to_string(i));
  EXPECT_EQ(failed_writes(sim, "n5", keys), 0);
}

}  // namespace
}  // namespace ringkv::sim
