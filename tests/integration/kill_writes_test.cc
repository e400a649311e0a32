// A Dynamo store stays writeable through a crash: five real nodes formed by gossip, one of them
// SIGKILLed, and from that moment on every write through a surviving node's Redis port succeeds
// (r=2, w=2). Before, a forward to the just-killed node waited for the request timeout while the
// failure detector still believed it up; now the broken connection is reported at once and the
// forward goes to the next home replica (and one with no answer is sent on after
// forward_retry_ms).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "process_harness.h"
#include "ringkv/client.h"

namespace ringkv::testing {
namespace {

// A blocking RESP connection: enough for SET and its one-line reply.
class RespConnection {
 public:
  explicit RespConnection(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
      close(fd_);
      fd_ = -1;
    }
  }
  ~RespConnection() {
    if (fd_ >= 0) close(fd_);
  }
  bool ok() const { return fd_ >= 0; }

  // The reply line without its CRLF ("+OK", "-ERR ..."); empty when the connection failed.
  std::string set(const std::string& key, const std::string& value) {
    const std::string command = "*3\r\n$3\r\nSET\r\n$" + std::to_string(key.size()) + "\r\n" +
                                key + "\r\n$" + std::to_string(value.size()) + "\r\n" + value +
                                "\r\n";
    if (write(fd_, command.data(), command.size()) != static_cast<ssize_t>(command.size())) {
      return {};
    }
    std::string line;
    char c = 0;
    while (read(fd_, &c, 1) == 1) {
      if (c == '\n') break;
      if (c != '\r') line.push_back(c);
    }
    return line;
  }

 private:
  int fd_ = -1;
};

bool cluster_formed(const std::string& address, std::size_t members) {
  auto client = client::Client::connect(address);
  if (!client.is_ok()) return false;
  std::size_t up = 0;
  for (const auto& status : (*client)->status()) {
    up += status.reachable && status.own_state == "up" ? 1 : 0;
  }
  return up == members;
}

TEST(KillProcesses, WritesThroughASurvivorNeverFailFromTheMomentOfTheKill) {
  TempDir dir;
  constexpr int kNodes = 5;
  const std::vector<int> ports = free_ports(kNodes);
  const int resp_port = free_port();
  auto address = [&](int i) { return loopback(ports[i]); };
  const std::string seeds = node_list(ports, kNodes);
  std::vector<std::unique_ptr<ServerProcess>> nodes;
  for (int i = 0; i < kNodes; ++i) {
    const std::string id = "n" + std::to_string(i + 1);
    std::vector<std::string> args{"--node-id", id, "--listen", address(i), "--data-dir",
                                  (dir.path() / id).string(), "--seeds", seeds,
                                  "--gossip-interval-ms", "200", "--partition-count", "64"};
    if (i == 1) {
      args.push_back("--resp-listen");
      args.push_back(loopback(resp_port));
    }
    nodes.push_back(
        std::make_unique<ServerProcess>(args, (dir.path() / (id + ".log")).string()));
  }
  ASSERT_TRUE(wait_for_port(resp_port, std::chrono::seconds(20)));
  // Every node is a seed here, so two of them may found clusters at once: they must merge (this
  // failed about one run in four before seeds gossiped outside their own cluster).
  const auto started = std::chrono::steady_clock::now();
  const auto formed_by = started + std::chrono::seconds(30);
  while (!cluster_formed(address(1), kNodes) && std::chrono::steady_clock::now() < formed_by) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_TRUE(cluster_formed(address(1), kNodes))
      << run_ringkv({"status", "--server", address(1)}).output << nodes[1]->log();
  std::printf("cluster of %d formed in %.1f s\n", kNodes,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());

  RespConnection resp(resp_port);
  ASSERT_TRUE(resp.ok());
  for (int i = 0; i < 100; ++i) ASSERT_EQ(resp.set("warm-" + std::to_string(i), "v"), "+OK");

  nodes[2]->kill_hard();  // n3, still believed up by everyone for a while.
  const auto killed_at = std::chrono::steady_clock::now();
  constexpr int kWrites = 1000;
  int failed = 0;
  std::string first_error;
  for (int i = 0; i < kWrites; ++i) {
    const std::string reply = resp.set("k" + std::to_string(i), "v" + std::to_string(i));
    if (reply != "+OK") {
      ++failed;
      if (first_error.empty()) first_error = reply.empty() ? "(connection lost)" : reply;
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - killed_at).count();
  std::printf("n3 of 5 SIGKILLed: %d of %d writes through n2 failed (%.2f s from the kill)%s%s\n",
              failed, kWrites, seconds, failed ? ", first: " : "", first_error.c_str());
  EXPECT_EQ(failed, 0) << first_error;

  auto client = client::Client::connect(address(1));
  ASSERT_TRUE(client.is_ok());
  int missing = 0;
  for (int i = 0; i < kWrites; ++i) {
    client::RequestOptions options;
    options.r = 2;
    auto read = (*client)->get("default", "k" + std::to_string(i), options);
    if (!read.is_ok() || read->values != std::vector<std::string>{"v" + std::to_string(i)}) {
      ++missing;
    }
  }
  EXPECT_EQ(missing, 0);
  for (int i = 0; i < kNodes; ++i) {
    if (i == 2) continue;
    EXPECT_EQ(nodes[i]->terminate(), 0) << nodes[i]->log();
  }
}

}  // namespace
}  // namespace ringkv::testing
