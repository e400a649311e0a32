// Zones with real processes: six `ringkv serve` nodes in three zones of two (the peers list's
// /ZONE suffix). Every partition's home replicas span the three zones, as the client library
// computes them and as `ringkv ring` reports; writes at w=2, then both nodes of one zone are
// SIGKILLed, and every acknowledged write still reads back (r=2) from the other two zones.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/ring/ring.h"
#include "process_harness.h"
#include "ringkv/client.h"

namespace ringkv::testing {
namespace {

TEST(Zones, LosingAWholeZoneLosesNoAcknowledgedWrite) {
  TempDir dir;
  const std::vector<int> ports = free_ports(6);
  const std::vector<std::string> zones = {"dc-a", "dc-b", "dc-c"};
  std::map<std::string, std::string> zone_of;
  std::string peers;
  for (int i = 0; i < 6; ++i) {
    const std::string id = "n" + std::to_string(i + 1);
    zone_of[id] = zones[static_cast<std::size_t>(i % 3)];
    peers += (i == 0 ? "" : ",") + id + "=" + loopback(ports[i]) + "/" + zone_of[id];
  }
  std::vector<std::unique_ptr<ServerProcess>> nodes;
  for (int i = 0; i < 6; ++i) {
    const std::string id = "n" + std::to_string(i + 1);
    nodes.push_back(std::make_unique<ServerProcess>(
        std::vector<std::string>{"--node-id", id, "--listen", loopback(ports[i]), "--data-dir",
                                 (dir.path() / id).string(), "--peers", peers, "--zone",
                                 zone_of[id], "--request-timeout-ms", "1000"},
        (dir.path() / (id + ".log")).string()));
  }
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(wait_for_port(ports[i], std::chrono::seconds(20))) << nodes[i]->log();
  }

  // `ringkv ring` shows each node's zone and that every partition spans three zones.
  const CommandResult ring = run_ringkv({"ring", "--server", loopback(ports[0])});
  ASSERT_EQ(ring.exit_code, 0) << ring.output;
  EXPECT_NE(ring.output.find("dc-b"), std::string::npos) << ring.output;
  EXPECT_NE(ring.output.find("zone spread (n=3): 256 partitions in 3 zones"), std::string::npos)
      << ring.output;
  const CommandResult status = run_ringkv({"status", "--server", loopback(ports[0]), "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.output;
  EXPECT_NE(status.output.find("\"zone\": \"dc-c\""), std::string::npos) << status.output;

  auto client = client::Client::connect(loopback(ports[1]));
  ASSERT_TRUE(client.is_ok()) << client.status().to_string();
  ASSERT_EQ((*client)->members().size(), 6u);
  // The client's zero-hop routing uses the nodes' rule: its preference lists equal the core's
  // over the same history (the peers list, in order, with its zones).
  std::vector<core::MembershipEvent> history;
  for (int i = 0; i < 6; ++i) {
    const std::string id = "n" + std::to_string(i + 1);
    history.push_back(
        {.kind = core::MembershipEvent::Kind::kJoin, .node = id, .zone = zone_of[id]});
  }
  auto core_ring = core::Ring::build(256, history);
  ASSERT_TRUE(core_ring.is_ok()) << core_ring.status().to_string();
  ASSERT_EQ((*client)->partition_count(), 256u);
  for (std::uint32_t p = 0; p < (*client)->partition_count(); ++p) {
    const std::vector<std::string> list = (*client)->preference_list(p, 3);
    std::set<std::string> spanned;
    for (const auto& id : list) spanned.insert(zone_of.at(id));
    ASSERT_EQ(spanned.size(), 3u) << "partition " << p;
    ASSERT_EQ(list, core_ring->preference_list(p, 3)) << "partition " << p;
    ASSERT_EQ((*client)->preference_list(p, 6), core_ring->preference_list(p, 6));
  }

  std::vector<std::string> acknowledged;
  for (int i = 0; i < 300; ++i) {
    const std::string key = "zoned-" + std::to_string(i);
    const Status put = (*client)->put("default", key, "v" + key);
    ASSERT_TRUE(put.is_ok()) << key << ": " << put.to_string();
    acknowledged.push_back(key);
  }

  // Zone dc-a (n1 and n4) is lost at once.
  nodes[0]->kill_hard();
  nodes[3]->kill_hard();
  for (int i = 0; i < 100; ++i) {
    const std::string key = "after-" + std::to_string(i);
    if ((*client)->put("default", key, "v" + key).is_ok()) acknowledged.push_back(key);
  }
  EXPECT_GE(acknowledged.size(), 390u);  // Sloppy quorum keeps w=2 writes going.
  for (const auto& key : acknowledged) {
    auto got = (*client)->get("default", key);
    ASSERT_TRUE(got.is_ok()) << key << ": " << got.status().to_string();
    EXPECT_EQ(got->values, std::vector<std::string>{"v" + key}) << key;
  }
  for (int i : {1, 2, 4, 5}) EXPECT_EQ(nodes[static_cast<std::size_t>(i)]->terminate(), 0);
}

TEST(Zones, BadZonesAreRejectedNamingTheSetting) {
  const CommandResult bad_zone =
      run_ringkv({"serve", "--node-id", "n1", "--engine", "memory", "--zone", "rack a"});
  EXPECT_NE(bad_zone.exit_code, 0);
  EXPECT_NE(bad_zone.output.find("zone"), std::string::npos) << bad_zone.output;
  const CommandResult bad_peer = run_ringkv(
      {"serve", "--node-id", "n1", "--engine", "memory", "--peers", "n1=127.0.0.1:7001/"});
  EXPECT_NE(bad_peer.exit_code, 0);
  EXPECT_NE(bad_peer.output.find("invalid zone"), std::string::npos) << bad_peer.output;
}

}  // namespace
}  // namespace ringkv::testing
