// Anti-entropy with real processes: one node of three is stopped, 10,000 keys are written with
// w=2 while hinted handoff is off (so nothing but anti-entropy can bring them to it), the node is
// restarted, and its own replica alone ends up holding all 10,000 keys, checked with local reads
// (`ringkv get --local`).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "process_harness.h"
#include "ringkv/client.h"

namespace ringkv::testing {
namespace {

TEST(AntiEntropyProcesses, AStoppedNodeGetsEveryWriteBackWithoutHints) {
  TempDir dir;
  constexpr int kNodes = 3;
  constexpr int kKeys = 10'000;
  const std::vector<int> ports = free_ports(kNodes);
  auto address = [&](int i) { return loopback(ports[i]); };
  const std::string peers = node_list(ports, kNodes);
  auto start = [&](int i) {
    const std::string id = "n" + std::to_string(i + 1);
    return std::make_unique<ServerProcess>(
        std::vector<std::string>{"--node-id", id, "--listen", address(i), "--data-dir",
                                 (dir.path() / id).string(), "--peers", peers,
                                 "--hinted-handoff", "false", "--partition-count", "64",
                                 "--anti-entropy-interval-ms", "500"},
        (dir.path() / (id + ".log")).string());
  };
  std::vector<std::unique_ptr<ServerProcess>> nodes;
  for (int i = 0; i < kNodes; ++i) nodes.push_back(start(i));
  for (int i = 0; i < kNodes; ++i) ASSERT_TRUE(wait_for_port(ports[i], std::chrono::seconds(20)));
  EXPECT_EQ(nodes[2]->terminate(), 0);  // n3 stops.

  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  constexpr int kWriters = 4;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      auto client = client::Client::connect(address(w % 2));
      if (!client.is_ok()) {
        failures += kKeys / kWriters;
        return;
      }
      for (int i = w; i < kKeys; i += kWriters) {
        const std::string key = "key" + std::to_string(i);
        if (!(*client)->put("default", key, "value" + std::to_string(i), {},
                            client::RequestOptions{.w = 2}).is_ok()) {
          ++failures;
        }
      }
    });
  }
  for (auto& writer : writers) writer.join();
  ASSERT_EQ(failures.load(), 0) << "w=2 with two of three nodes up must succeed";

  nodes[2] = start(2);
  ASSERT_TRUE(wait_for_port(ports[2], std::chrono::seconds(20)));
  const auto began = std::chrono::steady_clock::now();
  client::ClientOptions options;
  options.partition_aware = false;
  auto n3 = client::Client::connect(address(2), options);
  ASSERT_TRUE(n3.is_ok());
  int missing = kKeys;
  for (int pass = 0; pass < 60 && missing > 0; ++pass) {
    missing = 0;
    for (int i = 0; i < kKeys; ++i) {
      auto got = (*n3)->get("default", "key" + std::to_string(i),
                            client::RequestOptions{.local = true});
      if (!got.is_ok() || got->values != std::vector<std::string>{"value" + std::to_string(i)}) {
        ++missing;
      }
    }
    if (missing > 0) std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  EXPECT_EQ(missing, 0) << "keys n3 still lacks on its own replica";
  std::printf("n3 holds all %d keys on its own replica %.1f s after its restart\n", kKeys,
              seconds);
  const CommandResult local = run_ringkv({"get", "--server", address(2), "--local", "key4242"});
  EXPECT_EQ(local.exit_code, 0) << local.output;
  EXPECT_NE(local.output.find("value4242"), std::string::npos) << local.output;
  for (auto& node : nodes) EXPECT_EQ(node->terminate(), 0);
}

}  // namespace
}  // namespace ringkv::testing
