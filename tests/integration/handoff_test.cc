// Five real nodes: one is SIGKILLed during a write load (puts keep succeeding through sloppy
// quorum), restarted, and the hints for it drain to zero on every node (a hint is deleted only
// after its owner acknowledged it durable); then every acknowledged write is read back with r=3.
// (Reading the restarted node's own replica alone needs `get --local`, from the anti-entropy
// issue.)
#include <gtest/gtest.h>

#include <thread>

#include "process_harness.h"
#include "ringkv/client.h"
#include "write_load.h"

namespace ringkv::testing {
namespace {

TEST(HintedHandoffProcesses, KilledNodeGetsItsWritesBackThroughHints) {
  TempDir dir;
  constexpr int kNodes = 5;
  const std::vector<int> ports = free_ports(kNodes);
  auto address = [&](int i) { return loopback(ports[i]); };
  const std::string peers = node_list(ports, kNodes);
  auto start = [&](int i, const std::string& log) {
    const std::string id = "n" + std::to_string(i + 1);
    return std::make_unique<ServerProcess>(
        std::vector<std::string>{"--node-id", id, "--listen", address(i), "--data-dir",
                                 (dir.path() / id).string(), "--peers", peers,
                                 "--request-timeout-ms", "1000"},
        (dir.path() / (id + log)).string());
  };
  std::vector<std::unique_ptr<ServerProcess>> nodes;
  for (int i = 0; i < kNodes; ++i) nodes.push_back(start(i, ".log"));
  for (int i = 0; i < kNodes; ++i) ASSERT_TRUE(wait_for_port(ports[i], std::chrono::seconds(20)));

  WriteLoad load({address(0), address(1)});
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  nodes[2]->kill_hard();  // n3
  std::this_thread::sleep_for(std::chrono::milliseconds(3500));
  nodes[2] = start(2, ".restarted.log");
  ASSERT_TRUE(wait_for_port(ports[2], std::chrono::seconds(20)));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  load.stop();
  const std::size_t total = load.acknowledged_count();
  std::printf("%zu writes acknowledged, %d failed, while n3 was killed and restarted\n", total,
              load.failures());
  EXPECT_GT(total, 200u);
  EXPECT_LT(load.failures(), static_cast<int>(total / 20) + 5);  // Puts kept succeeding.

  auto client = client::Client::connect(address(0));
  ASSERT_TRUE(client.is_ok());
  // Wait until every node has handed its hints back.
  std::uint64_t hints = 1;
  for (int attempt = 0; attempt < 100 && hints > 0; ++attempt) {
    hints = 0;
    for (const auto& status : (*client)->status()) {
      ASSERT_TRUE(status.reachable) << status.member.id << ": " << status.error;
      hints += status.hints_held;
    }
    if (hints > 0) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(hints, 0u) << "hints did not drain";
  EXPECT_EQ(count_missing(address(0), load), 0u) << "acknowledged writes not read back";
  for (auto& node : nodes) EXPECT_EQ(node->terminate(), 0);
}

}  // namespace
}  // namespace ringkv::testing
