// A three-node cluster of real `ringkv serve` processes on loopback: reads and writes through the
// CLI and the partition-aware client library, then one node is SIGKILLed and r=2/w=2 requests
// keep succeeding; every acknowledged write is read back.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "process_harness.h"
#include "ringkv/client.h"

namespace ringkv::testing {
namespace {

class ThreeNodeCluster : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 3; ++i) ports_.push_back(free_port());
    for (int i = 0; i < 3; ++i) resp_ports_.push_back(free_port());
    std::string peers;
    for (int i = 0; i < 3; ++i) {
      if (i > 0) peers += ",";
      peers += "n" + std::to_string(i + 1) + "=" + address(i);
    }
    for (int i = 0; i < 3; ++i) {
      const std::string id = "n" + std::to_string(i + 1);
      nodes_.push_back(std::make_unique<ServerProcess>(
          std::vector<std::string>{"--node-id", id, "--listen", address(i), "--data-dir",
                                   (dir_.path() / id).string(), "--peers", peers,
                                   "--request-timeout-ms", "1000", "--resp-listen",
                                   "127.0.0.1:" + std::to_string(resp_ports_[i])},
          (dir_.path() / (id + ".log")).string()));
    }
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(wait_for_port(ports_[i], std::chrono::seconds(20))) << nodes_[i]->log();
    }
  }

  std::string address(int i) const { return "127.0.0.1:" + std::to_string(ports_[i]); }

  // Runs redis-cli against node i's RESP port and returns its output.
  std::string redis_cli(int i, const std::string& command) const {
    const std::string line = "redis-cli -p " + std::to_string(resp_ports_[i]) + " " + command;
    std::string output;
    FILE* pipe = popen(line.c_str(), "r");
    if (pipe == nullptr) return output;
    char buffer[4096];
    while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
    pclose(pipe);
    return output;
  }

  TempDir dir_;
  std::vector<int> ports_;
  std::vector<int> resp_ports_;
  std::vector<std::unique_ptr<ServerProcess>> nodes_;
};

TEST_F(ThreeNodeCluster, SurvivesTheLossOfOneNodeWithQuorumsOfTwo) {
  // CLI: a write through one node is read through each of the others.
  ASSERT_EQ(run_ringkv({"put", "--server", address(0), "greeting", "hello"}).exit_code, 0);
  for (int i = 1; i < 3; ++i) {
    CommandResult get = run_ringkv({"get", "--server", address(i), "greeting"});
    EXPECT_EQ(get.exit_code, 0) << get.output;
    EXPECT_NE(get.output.find("hello\n"), std::string::npos) << get.output;
  }
  CommandResult ring = run_ringkv({"ring", "--server", address(1)});
  EXPECT_EQ(ring.exit_code, 0);
  EXPECT_NE(ring.output.find("256 partitions, 3 nodes"), std::string::npos) << ring.output;

  // Client library: it learns the ring and writes straight to home replicas.
  auto client = client::Client::connect(address(2));
  ASSERT_TRUE(client.is_ok()) << client.status().to_string();
  EXPECT_EQ((*client)->members().size(), 3u);
  std::vector<std::string> acknowledged;
  for (int i = 0; i < 200; ++i) {
    const std::string key = "before-" + std::to_string(i);
    ASSERT_TRUE((*client)->put("default", key, "v" + key).is_ok());
    acknowledged.push_back(key);
  }

  const bool have_redis_cli = std::filesystem::exists("/usr/bin/redis-cli");
  if (have_redis_cli) {
    EXPECT_EQ(redis_cli(0, "SET via-redis ok"), "OK\n");
    EXPECT_EQ(redis_cli(2, "GET via-redis"), "ok\n");
    EXPECT_EQ(redis_cli(1, "GET greeting"), "hello\n");
  }

  nodes_[1]->kill_hard();

  for (int i = 0; i < 200; ++i) {
    const std::string key = "after-" + std::to_string(i);
    const Status status = (*client)->put("default", key, "v" + key);
    ASSERT_TRUE(status.is_ok()) << key << ": " << status.to_string();
    acknowledged.push_back(key);
  }
  for (const auto& key : acknowledged) {
    auto got = (*client)->get("default", key);
    ASSERT_TRUE(got.is_ok()) << key << ": " << got.status().to_string();
    EXPECT_EQ(got->values, std::vector<std::string>{"v" + key});
  }
  // The CLI through a surviving node too, including a write with r=2/w=2 defaults.
  EXPECT_EQ(run_ringkv({"put", "--server", address(0), "after-kill", "yes"}).exit_code, 0);
  CommandResult get = run_ringkv({"get", "--server", address(2), "after-kill"});
  EXPECT_NE(get.output.find("yes\n"), std::string::npos) << get.output;

  if (have_redis_cli) {
    EXPECT_EQ(redis_cli(2, "SET after-kill-redis yes"), "OK\n");
    EXPECT_EQ(redis_cli(0, "GET after-kill-redis"), "yes\n");
    EXPECT_EQ(redis_cli(0, "GET via-redis"), "ok\n");
  }

  // Asking for all three replicas now fails clearly, naming how many answered.
  auto all = (*client)->get("default", "greeting", client::RequestOptions{.r = 3});
  ASSERT_FALSE(all.is_ok());
  EXPECT_NE(all.status().message().find("of the r=3 required replicas answered"),
            std::string::npos)
      << all.status().to_string();

  EXPECT_EQ(nodes_[0]->terminate(), 0);
  EXPECT_EQ(nodes_[2]->terminate(), 0);
}

}  // namespace
}  // namespace ringkv::testing
