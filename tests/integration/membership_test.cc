// Real processes with gossip membership: five nodes started with the same seeds form one cluster
// by themselves; under a write load a sixth node joins (auto join) and one member leaves with
// `ringkv leave` (it hands its data off, then stops). No acknowledged write is lost, every
// handoff finishes, and ownership is balanced among the five members left.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <map>
#include <set>
#include <thread>

#include "process_harness.h"
#include "ringkv/client.h"
#include "write_load.h"

namespace ringkv::testing {
namespace {

// Parses `ringkv status --json` run against `server`; null on failure.
nlohmann::json status_json(const std::string& server) {
  const CommandResult result = run_ringkv({"status", "--server", server, "--json"});
  if (result.exit_code != 0) return nullptr;
  auto parsed = nlohmann::json::parse(result.output, nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? nlohmann::json(nullptr) : parsed;
}

// True when `server` reports exactly `expected` members, all up, none with pending transfers.
bool settled(const std::string& server, std::size_t expected) {
  const nlohmann::json status = status_json(server);
  if (status.is_null() || status["members"].size() != expected) return false;
  for (const auto& member : status["members"]) {
    if (member["state"] != "up" || member["transfers_pending"] != 0) return false;
  }
  return true;
}

bool wait_until(const std::function<bool()>& condition, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return condition();
}

TEST(MembershipProcesses, SixthNodeJoinsAndAnotherLeavesUnderLoad) {
  TempDir dir;
  constexpr int kNodes = 6;
  const std::vector<int> ports = free_ports(kNodes);
  auto address = [&](int i) { return loopback(ports[i]); };
  const std::string seeds = node_list(ports, 2);
  auto start = [&](int i) {
    const std::string id = "n" + std::to_string(i + 1);
    return std::make_unique<ServerProcess>(
        std::vector<std::string>{"--node-id", id, "--listen", address(i), "--data-dir",
                                 (dir.path() / id).string(), "--seeds", seeds,
                                 "--gossip-interval-ms", "200", "--partition-count", "64",
                                 "--request-timeout-ms", "1000"},
        (dir.path() / (id + ".log")).string());
  };
  std::vector<std::unique_ptr<ServerProcess>> nodes(kNodes);
  for (int i = 0; i < 5; ++i) nodes[i] = start(i);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(wait_for_port(ports[i], std::chrono::seconds(20)));
  ASSERT_TRUE(wait_until([&] { return settled(address(0), 5); }, std::chrono::seconds(30)))
      << status_json(address(0)).dump(2);

  client::ClientOptions options;
  options.cluster_refresh = std::chrono::milliseconds(500);
  WriteLoad load({address(0), address(1)}, options);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  nodes[5] = start(5);  // n6 joins through the seeds by itself.
  ASSERT_TRUE(wait_for_port(ports[5], std::chrono::seconds(20)));
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  const CommandResult leave = run_ringkv({"leave", "--server", address(2)});  // n3
  ASSERT_EQ(leave.exit_code, 0) << leave.output;
  EXPECT_NE(leave.output.find("leaving"), std::string::npos) << leave.output;
  // The leaver stops by itself once everything it held is acknowledged by the new owners.
  ASSERT_TRUE(wait_until([&] { return !nodes[2]->running(); }, std::chrono::seconds(90)))
      << status_json(address(0)).dump(2);
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  load.stop();
  const std::size_t total = load.acknowledged_count();
  std::printf("%zu writes acknowledged, %d failed, while n6 joined and n3 left\n", total,
              load.failures());
  EXPECT_GT(total, 300u);
  EXPECT_LT(load.failures(), static_cast<int>(total / 10) + 10);

  ASSERT_TRUE(wait_until([&] { return settled(address(0), 5); }, std::chrono::seconds(60)))
      << status_json(address(0)).dump(2);
  const nlohmann::json status = status_json(address(0));
  std::map<std::string, std::uint32_t> partitions;
  for (const auto& member : status["members"]) {
    partitions[member["id"]] = member["partitions"];
  }
  EXPECT_FALSE(partitions.contains("n3"));
  EXPECT_TRUE(partitions.contains("n6"));
  std::uint32_t most = 0, least = UINT32_MAX;
  for (const auto& [id, count] : partitions) {
    most = std::max(most, count);
    least = std::min(least, count);
  }
  EXPECT_LE(most * 4, least * 5) << status.dump(2);  // 64 partitions over 5: 12 or 13 each.

  EXPECT_EQ(count_missing(address(0), load), 0u) << "acknowledged writes not read back";

  for (int i : {0, 1, 3, 4, 5}) EXPECT_EQ(nodes[i]->terminate(), 0);
}

// Seeds given as plain HOST:PORT (as Cassandra's): the ids are learned from the seeds' gossip.
TEST(MembershipProcesses, SeedsGivenAsPlainAddressesFormOneCluster) {
  TempDir dir;
  constexpr int kNodes = 4;
  const std::vector<int> ports = free_ports(kNodes);
  auto address = [&](int i) { return loopback(ports[i]); };
  const std::string seeds = address(0) + "," + address(1);
  auto start = [&](int i) {
    const std::string id = "n" + std::to_string(i + 1);
    return std::make_unique<ServerProcess>(
        std::vector<std::string>{"--node-id", id, "--listen", address(i), "--data-dir",
                                 (dir.path() / id).string(), "--seeds", seeds,
                                 "--gossip-interval-ms", "200", "--partition-count", "64"},
        (dir.path() / (id + ".log")).string());
  };
  std::vector<std::unique_ptr<ServerProcess>> nodes(kNodes);
  for (int i = 0; i < 3; ++i) nodes[i] = start(i);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(wait_for_port(ports[i], std::chrono::seconds(20)));
  ASSERT_TRUE(wait_until([&] { return settled(address(2), 3); }, std::chrono::seconds(30)))
      << status_json(address(2)).dump(2);
  nodes[3] = start(3);  // A later node joins through the same address-only seeds.
  ASSERT_TRUE(wait_for_port(ports[3], std::chrono::seconds(20)));
  ASSERT_TRUE(wait_until([&] { return settled(address(0), 4) && settled(address(3), 4); },
                         std::chrono::seconds(40)))
      << status_json(address(3)).dump(2);
  const nlohmann::json status = status_json(address(3));
  std::set<std::string> ids;
  for (const auto& member : status["members"]) ids.insert(member["id"].get<std::string>());
  EXPECT_EQ(ids, (std::set<std::string>{"n1", "n2", "n3", "n4"})) << status.dump(2);
  for (int i = 0; i < 20; ++i) {
    const std::string key = "plain-seed-" + std::to_string(i);
    const CommandResult put = run_ringkv({"put", "--server", address(i % kNodes), key, "v"});
    ASSERT_EQ(put.exit_code, 0) << put.output;
    const CommandResult get = run_ringkv({"get", "--server", address((i + 1) % kNodes), key});
    ASSERT_EQ(get.exit_code, 0) << get.output;
    EXPECT_NE(get.output.find('v'), std::string::npos) << get.output;
  }
  for (auto& node : nodes) EXPECT_EQ(node->terminate(), 0);
}

}  // namespace
}  // namespace ringkv::testing
