// Dynamic membership in the simulator: nodes started with the same seeds form one cluster by
// themselves, membership and the ring survive restarts, and joins, leaves and removals under a
// concurrent read-modify-write load lose no acknowledged write; afterwards every node holds the
// same membership, every handoff has finished and ownership is balanced. A node whose data
// directory is wiped comes back under a new actor and nothing acknowledged is lost.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/key_position.h"
#include "sim/kv_workload.h"
#include "storage/storage_key.h"
#include "sim/simulator.h"

namespace ringkv::sim {
namespace {

SimConfig dynamic_config(std::uint64_t seed, std::vector<core::NodeId> seeds) {
  SimConfig config;
  config.seed = seed;
  config.latency_max_ms = 20;
  config.clock_offset_ms_max = 1'000'000;  // Every node's clock starts somewhere else.
  config.node_template.partition_count = 64;
  config.node_template.seeds = std::move(seeds);
  config.node_template.tick_interval_ms = 50;
  config.node_template.request_timeout_ms = 400;
  config.node_template.peer_down_after_ms = 400;
  config.node_template.hint_delivery_interval_ms = 100;
  config.node_template.transfer_interval_ms = 100;
  config.node_template.join_grace_ms = 1000;
  config.node_template.gossip.gossip_interval_ms = 200;
  return config;
}

std::vector<core::NodeId> ids(int from, int to) {
  std::vector<core::NodeId> out;
  for (int i = from; i <= to; ++i) out.push_back("n" + std::to_string(i));
  return out;
}

// The static part of every record (heartbeats differ by design), as one comparable string.
std::string membership_of(core::Node& node) {
  std::string out;
  for (const auto& [id, record] : node.gossiper()->membership().members()) {
    out += id + ":" + core::member_status_name(record.status) + ":" + record.address + ":" +
           std::to_string(record.weight) + ":" + std::to_string(record.join_order) + ":" +
           std::to_string(record.leave_order) + " ";
  }
  return out;
}

// Membership and ring identical on every node of `nodes`, every listed node up, no handoff left.
void expect_converged(Simulator& sim, const std::vector<core::NodeId>& nodes,
                      const std::vector<core::NodeId>& members, bool equal_weights = true) {
  const std::string expected = membership_of(*sim.node(nodes.front()));
  for (const auto& id : nodes) {
    core::Node& node = *sim.node(id);
    EXPECT_EQ(membership_of(node), expected) << id;
    ASSERT_TRUE(node.has_ring()) << id;
    EXPECT_EQ(node.ring_version(), sim.node(nodes.front())->ring_version()) << id;
    EXPECT_EQ(node.transfers_pending(), 0u) << id;
    EXPECT_EQ(node.transfer_keys_in_flight(), 0u) << id;
    EXPECT_EQ(node.member_state(), "up") << id;
  }
  const auto weights = sim.node(nodes.front())->ring().weights();
  std::vector<core::NodeId> in_ring;
  for (const auto& [id, weight] : weights) in_ring.push_back(id);
  EXPECT_EQ(in_ring, members);
  if (!equal_weights) return;
  // Balanced: equal weights, so nobody owns more than 1.25x anyone else.
  const auto partitions = sim.node(nodes.front())->ring().partitions_per_node();
  std::uint32_t most = 0, least = UINT32_MAX;
  for (const auto& [id, count] : partitions) {
    most = std::max(most, count);
    least = std::min(least, count);
  }
  EXPECT_LE(most * 4, least * 5) << "most " << most << " least " << least;
}

core::ClientReply put(Simulator& sim, const core::NodeId& node, const std::string& key,
                      const std::string& value) {
  return sim.call(node, core::ClientRequest{.op = core::ClientOp::kPut, .bucket = "default",
                                            .key = key, .value = value});
}

TEST(Membership, NodesWithTheSameSeedsFormOneClusterByThemselves) {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Simulator sim(dynamic_config(seed, {"n1", "n2"}));
    sim.add_nodes(ids(1, 5));
    sim.run_for(8'000);
    expect_converged(sim, ids(1, 5), ids(1, 5));
    EXPECT_TRUE(put(sim, "n4", "k", "v").status.is_ok());
  }
}

TEST(Membership, MembershipAndRingSurviveARestartWithoutSeeds) {
  Simulator sim(dynamic_config(7, {"n1"}));
  sim.add_nodes(ids(1, 4));
  sim.run_for(6'000);
  expect_converged(sim, ids(1, 4), ids(1, 4));
  const std::uint64_t version = sim.node("n3")->ring_version();
  for (const auto& id : ids(1, 4)) sim.crash(id);
  sim.restart("n3");  // Its seed is down: everything it knows comes from its own disk.
  sim.run_for(500);
  ASSERT_TRUE(sim.node("n3")->has_ring());
  EXPECT_EQ(sim.node("n3")->ring_version(), version);
  EXPECT_EQ(sim.node("n3")->member_state(), "up");
  for (const auto& id : {"n1", "n2", "n4"}) sim.restart(id);
  sim.run_for(4'000);
  expect_converged(sim, ids(1, 4), ids(1, 4));
  EXPECT_GT(sim.node("n3")->gossiper()->generation(), 1u);
}

TEST(Membership, OperatorJoinNeedsASeedAndAnswersClearly) {
  Simulator sim(dynamic_config(3, {"n1"}));
  sim.add_nodes(ids(1, 3));
  sim.run_for(5'000);
  sim.configure("n4", [](core::NodeConfig& config) { config.auto_join = false; });
  sim.add_node("n4");
  // A node whose only seed does not exist knows no cluster and says so.
  sim.configure("n9", [](core::NodeConfig& config) { config.seeds = {"n8"}; });
  sim.add_node("n9");
  sim.run_for(4'000);
  const core::ClientReply lonely = put(sim, "n9", "k", "v");
  EXPECT_EQ(lonely.status.code(), StatusCode::kUnavailable);
  EXPECT_NE(lonely.status.message().find("not part of a cluster"), std::string::npos);
  EXPECT_EQ(sim.node("n9")->join(1).code(), StatusCode::kUnavailable);
  sim.crash("n9");
  // Before joining, n4 knows the cluster from its seed and coordinates requests as an observer.
  EXPECT_EQ(sim.node("n4")->member_state(), "none");
  EXPECT_TRUE(put(sim, "n4", "k", "v").status.is_ok());
  ASSERT_TRUE(sim.node("n4")->join(2).is_ok());
  EXPECT_EQ(sim.node("n4")->join(2).code(), StatusCode::kInvalidArgument);  // Already joining.
  EXPECT_EQ(sim.node("n1")->remove("n1").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(sim.node("n1")->remove("n9").code(), StatusCode::kNotFound);
  sim.run_for(6'000);
  expect_converged(sim, ids(1, 4), ids(1, 4), /*equal_weights=*/false);
  // Weight 2 owns twice the share: 64 * 2 / 5.
  EXPECT_NEAR(sim.node("n1")->ring().partitions_per_node().at("n4"), 26, 1);
}

struct ChurnResult {
  std::uint64_t acknowledged = 0;
  std::uint64_t handed_off = 0;
};

// Four members under load; a fifth joins, one member leaves, and (optionally) one member has its
// data directory wiped, all while clients read-modify-write with r=w=2 over 3 replicas.
ChurnResult run_churn(std::uint64_t seed, bool wipe) {
  SimConfig config = dynamic_config(seed, {"n1", "n2"});
  config.drop_probability = 0.02;
  config.duplicate_probability = 0.02;
  Simulator sim(config);
  sim.add_nodes(ids(1, 4));
  sim.run_for(5'000);
  expect_converged(sim, ids(1, 4), ids(1, 4));

  KvWorkload workload(sim, KvWorkloadConfig{.clients = 4,
                                            .keys = 24,
                                            .cycles_per_client = 60,
                                            .think_time_ms_max = 40,
                                            .final_read_r = 3,
                                            .coordinators = ids(1, 4)});
  workload.start();
  sim.run_for(600);
  sim.add_node("n5");  // Joins by itself through the seeds.
  sim.run_for(1'500);
  workload.set_coordinators({"n1", "n2", "n4", "n5"});
  EXPECT_TRUE(sim.node("n3")->leave().is_ok());
  if (wipe) {
    sim.run_for(700);
    const core::ActorId old_actor = sim.node("n4")->actor_id();
    sim.wipe("n4");
    EXPECT_NE(sim.node("n4")->actor_id(), old_actor);
  }
  sim.run_for(6'000);
  sim.set_network_faults(0, 0);
  sim.run_for(15'000);  // Quiet: handoff finishes, the leaver departs.

  EXPECT_TRUE(workload.done());
  EXPECT_TRUE(sim.node("n3")->departed())
      << sim.node("n3")->member_state() << " pending " << sim.node("n3")->transfers_pending()
      << " in flight " << sim.node("n3")->transfer_keys_in_flight() << " sent "
      << sim.node("n3")->stats().transfer_keys_sent << " handed off "
      << sim.node("n3")->stats().transfer_keys_handed_off << " ring has n3 "
      << sim.node("n3")->ring().weights().contains("n3");
  EXPECT_EQ(sim.disk("n3").durable_keys(storage::Namespace::kData), 0u)
      << "the leaver handed everything off";
  const auto members = std::vector<core::NodeId>{"n1", "n2", "n4", "n5"};
  expect_converged(sim, members, members);
  const Status check = workload.check();
  EXPECT_TRUE(check.is_ok()) << check.to_string();
  ChurnResult result;
  result.acknowledged = workload.acknowledged_writes();
  for (const auto& id : ids(1, 5)) result.handed_off += sim.node(id)->stats().transfer_keys_handed_off;
  EXPECT_GT(result.acknowledged, 100u);
  EXPECT_GT(result.handed_off, 0u);
  return result;
}

TEST(Membership, JoinAndLeaveUnderLoadLoseNoAcknowledgedWrite) {
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    run_churn(seed, /*wipe=*/false);
  }
}

TEST(Membership, AWipedNodeComesBackUnderANewActorAndNothingIsLost) {
  for (std::uint64_t seed = 11; seed <= 14; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    run_churn(seed, /*wipe=*/true);
  }
}

TEST(Membership, RemovingADeadNodeMovesItsPartitionsToTheOthers) {
  Simulator sim(dynamic_config(5, {"n1"}));
  sim.add_nodes(ids(1, 5));
  sim.run_for(6'000);
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(put(sim, "n1", "k" + std::to_string(i), "v").status.is_ok());
  }
  sim.crash("n4");
  sim.run_for(2'000);
  ASSERT_TRUE(sim.node("n2")->remove("n4").is_ok());
  sim.run_for(6'000);
  const auto members = std::vector<core::NodeId>{"n1", "n2", "n3", "n5"};
  expect_converged(sim, members, members);
  // Rebuilt from the other replicas, before any read could repair them: three copies each.
  std::uint64_t rebuilt = 0;
  for (const auto& id : members) rebuilt += sim.node(id)->stats().rebuild_keys_sent;
  EXPECT_GT(rebuilt, 0u);
  for (int i = 0; i < 40; ++i) {
    const std::string key = "k" + std::to_string(i);
    const auto partition = core::partition_of(core::key_position("default", key), 64);
    int copies = 0;
    for (const auto& id : members) {
      auto bytes = sim.disk(id).get(storage::Namespace::kData,
                                    storage::encode_storage_key(partition, "default", key));
      copies += bytes.is_ok() && bytes->has_value() ? 1 : 0;
    }
    EXPECT_EQ(copies, 3) << key;
  }
  for (int i = 0; i < 40; ++i) {
    core::ClientRequest get{.op = core::ClientOp::kGet, .bucket = "default",
                            .key = "k" + std::to_string(i), .r = 3};
    const core::ClientReply reply = sim.call("n5", get);
    ASSERT_TRUE(reply.status.is_ok()) << reply.status.to_string();
    EXPECT_EQ(reply.values, std::vector<std::string>{"v"});
  }
  // A removed id is retired: restarted, the old node learns it was removed and stops serving.
  sim.restart("n4");
  sim.run_for(3'000);
  EXPECT_TRUE(sim.node("n4")->departed());
}

}  // namespace
}  // namespace ringkv::sim

namespace ringkv::sim {
namespace {

int copies_of(Simulator& sim, const std::vector<core::NodeId>& nodes, const std::string& key) {
  const auto partition = core::partition_of(core::key_position("default", key), 64);
  int copies = 0;
  for (const auto& id : nodes) {
    auto bytes = sim.disk(id).get(storage::Namespace::kData,
                                  storage::encode_storage_key(partition, "default", key));
    copies += bytes.is_ok() && bytes->has_value() ? 1 : 0;
  }
  return copies;
}

TEST(Membership, TransfersResumeAfterEitherSideRestarts) {
  SimConfig config = dynamic_config(21, {"n1"});
  config.node_template.transfer_bytes_per_s = 8'000;  // Slow enough to crash mid-stream.
  Simulator sim(config);
  sim.add_nodes(ids(1, 5));
  sim.run_for(6'000);
  const std::string value(1000, 'x');
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(put(sim, "n1", "k" + std::to_string(i), value).status.is_ok());
  }
  // Rebuild after a removal; the rebuilding node restarts mid-stream and resumes at its cursor.
  sim.crash("n4");
  sim.run_for(1'500);
  ASSERT_TRUE(sim.node("n1")->remove("n4").is_ok());
  sim.run_for(1'500);
  core::NodeId rebuilder;
  for (const auto& id : {"n1", "n2", "n3", "n5"}) {
    if (sim.node(id)->rebuilds_pending() > 0) rebuilder = id;
  }
  ASSERT_FALSE(rebuilder.empty());
  sim.crash(rebuilder);
  sim.run_for(500);
  sim.restart(rebuilder);
  EXPECT_GT(sim.node(rebuilder)->rebuilds_pending(), 0u) << "rebuild tasks are persisted";
  sim.run_for(60'000);
  const std::vector<core::NodeId> four{"n1", "n2", "n3", "n5"};
  for (const auto& id : four) EXPECT_EQ(sim.node(id)->rebuilds_pending(), 0u) << id;
  for (int i = 0; i < 300; ++i) EXPECT_EQ(copies_of(sim, four, "k" + std::to_string(i)), 3);

  // A leave whose leaver restarts mid-handoff: what is left on its disk is what is left to send.
  ASSERT_TRUE(sim.node("n5")->leave().is_ok());
  sim.run_for(1'000);
  EXPECT_GT(sim.node("n5")->transfers_pending(), 0u);
  sim.crash("n5");
  sim.run_for(500);
  sim.restart("n5");
  EXPECT_EQ(sim.node("n5")->member_state(), "leaving");
  sim.run_for(90'000);
  EXPECT_TRUE(sim.node("n5")->departed());
  EXPECT_EQ(sim.disk("n5").durable_keys(storage::Namespace::kData), 0u);
  const std::vector<core::NodeId> three{"n1", "n2", "n3"};
  expect_converged(sim, three, three);
  for (int i = 0; i < 300; ++i) EXPECT_EQ(copies_of(sim, three, "k" + std::to_string(i)), 3);
}

}  // namespace
}  // namespace ringkv::sim

namespace ringkv::sim {
namespace {

// Storage faults on the nodes rebuilding a removed member's replicas: scans fail at random (some
// after visiting a few keys). A rebuild whose scan failed used to count as finished, deleting its
// cursor with keys never sent; with read repair and anti-entropy off, only the rebuild can make
// the third copies, so every key must still end with three.
TEST(Membership, ARebuildNeverFinishesOnAFailedScan) {
  SimConfig config = dynamic_config(31, {"n1"});
  config.node_template.read_repair = false;
  config.node_template.anti_entropy = false;
  Simulator sim(config);
  sim.add_nodes(ids(1, 5));
  sim.run_for(6'000);
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(put(sim, "n1", "k" + std::to_string(i), "v").status.is_ok());
  }
  sim.run_for(1'000);
  sim.crash("n4");
  sim.run_for(1'500);
  const std::vector<core::NodeId> four{"n1", "n2", "n3", "n5"};
  for (const auto& id : four) {
    sim.disk(id).set_faults(DiskFaults{.scan_error_probability = 0.3});
  }
  ASSERT_TRUE(sim.node("n1")->remove("n4").is_ok());
  sim.run_for(20'000);
  std::uint64_t faults = 0;
  for (const auto& id : four) {
    faults += sim.disk(id).faults_injected();
    sim.disk(id).set_faults(DiskFaults{});
  }
  EXPECT_GT(faults, 0u);
  sim.run_for(10'000);
  for (const auto& id : four) EXPECT_EQ(sim.node(id)->rebuilds_pending(), 0u) << id;
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(copies_of(sim, four, "k" + std::to_string(i)), 3) << "k" << i;
  }
}

}  // namespace
}  // namespace ringkv::sim
