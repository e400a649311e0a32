// A real `ringkv serve` process whose data directory is on a small tmpfs that fills up: writes
// fail with an error naming the data directory and saying the disk is full (native protocol and
// RESP), reads of acknowledged keys go on, the process stays up and answers status queries; once
// the operator frees space (here: deletes a filler file on the same file system), writes succeed
// again by themselves, and every acknowledged key is still there. Needs root to mount the tmpfs;
// skipped otherwise.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <algorithm>
#include <cstdio>
#include <map>
#include <thread>

#include "process_harness.h"
#include "ringkv/client.h"
#include "storage/test_tmpfs.h"

namespace ringkv::testing {
namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// One RESP command on a fresh connection; returns its first reply line without CRLF.
std::string resp_command(int port, const std::vector<std::string>& args) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return {};
  }
  std::string command = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& arg : args) command += "$" + std::to_string(arg.size()) + "\r\n" + arg + "\r\n";
  std::string line;
  if (write(fd, command.data(), command.size()) == static_cast<ssize_t>(command.size())) {
    char c = 0;
    while (read(fd, &c, 1) == 1 && c != '\n') {
      if (c != '\r') line.push_back(c);
    }
  }
  close(fd);
  return line;
}

// A value that compresses well, so the memtable flush that resumes writes fits in the space freed.
std::string value_for(int i) {
  return "value-" + std::to_string(i) + "-" + std::string(16 * 1024, 'v');
}

TEST(FullDisk, WritesFailNamingTheDataDirReadsGoOnAndWritesResumeOnceSpaceIsFreed) {
  storage::TestTmpfs disk(48 << 20, "ringkv-fulldisk");
  if (!disk.mounted()) GTEST_SKIP() << disk.error();
  // Half the file system is a filler: deleting it later is the operator freeing space.
  ASSERT_EQ(disk.fill("filler", 24 << 20), std::uint64_t{24 << 20});
  const std::string data_dir = disk.path() + "/data";
  TempDir logs;
  const int port = free_port();
  const int resp_port = free_port();
  const std::string address = loopback(port);
  ServerProcess server({"--node-id", "n1", "--listen", address, "--resp-listen",
                        loopback(resp_port), "--data-dir", data_dir, "--engine", "rocksdb",
                        "--sync", "batch"},
                       (logs.path() / "n1.log").string());
  ASSERT_TRUE(wait_for_port(port, std::chrono::seconds(20))) << server.log();
  auto client = client::Client::connect(address);
  ASSERT_TRUE(client.is_ok()) << client.status().to_string();

  // Write until the disk is full.
  const auto started = std::chrono::steady_clock::now();
  std::map<int, std::string> acknowledged;
  Status failure;
  int next = 0;
  for (; next < 20'000; ++next) {
    const Status status = (*client)->put("default", "k" + std::to_string(next), value_for(next));
    if (!status.is_ok()) {
      failure = status;
      break;
    }
    acknowledged[next] = value_for(next);
  }
  std::printf("disk full after %zu acknowledged writes (%.1f s): %s\n", acknowledged.size(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
              failure.to_string().c_str());
  ASSERT_FALSE(failure.is_ok()) << "the disk never filled up";
  ASSERT_GT(acknowledged.size(), 100u);
  EXPECT_EQ(failure.code(), StatusCode::kIoError);
  EXPECT_TRUE(contains(failure.message(), "disk full: no space left on device in " + data_dir))
      << failure.message();

  // Writes keep failing the same way, through the native protocol and RESP.
  const Status again = (*client)->put("default", "refused", "x");
  EXPECT_EQ(again.code(), StatusCode::kIoError) << again.to_string();
  EXPECT_TRUE(contains(again.message(), "disk full")) << again.message();
  EXPECT_TRUE(contains(again.message(), data_dir)) << again.message();
  const std::string resp_reply = resp_command(resp_port, {"SET", "refused", "x"});
  EXPECT_EQ(resp_reply.rfind("-ERR ", 0), 0u) << resp_reply;
  EXPECT_TRUE(contains(resp_reply, "disk full: no space left on device in " + data_dir))
      << resp_reply;

  // Reads go on, the process is up and answers status queries.
  int read_failures = 0;
  for (const auto& [i, value] : acknowledged) {
    auto read = (*client)->get("default", "k" + std::to_string(i));
    if (!read.is_ok() || read->values != std::vector<std::string>{value}) ++read_failures;
  }
  EXPECT_EQ(read_failures, 0);
  EXPECT_EQ(resp_command(resp_port, {"GET", "k0"}).rfind("$", 0), 0u);
  EXPECT_TRUE(server.running()) << server.log();
  const auto statuses = (*client)->status();
  ASSERT_EQ(statuses.size(), 1u);
  EXPECT_TRUE(statuses[0].reachable);
  bool counted = false;
  for (const auto& [name, count] : statuses[0].counters) {
    if (name == "storage_errors") counted = count > 0;
  }
  EXPECT_TRUE(counted) << "storage_errors is not counted in the node status";

  // The operator frees space; writes succeed again without a restart.
  disk.remove("filler");
  const auto freed_at = std::chrono::steady_clock::now();
  Status resumed = Status::unavailable("not tried");
  while (std::chrono::steady_clock::now() - freed_at < std::chrono::seconds(20)) {
    resumed = (*client)->put("default", "k" + std::to_string(next), value_for(next));
    if (resumed.is_ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(resumed.is_ok()) << resumed.to_string() << "\n" << server.log();
  std::printf("writes resumed %.1f s after the filler was deleted\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - freed_at).count());
  acknowledged[next] = value_for(next);
  for (int i = next + 1; i < next + 200; ++i) {
    const Status status = (*client)->put("default", "k" + std::to_string(i), value_for(i));
    ASSERT_TRUE(status.is_ok()) << status.to_string();
    acknowledged[i] = value_for(i);
  }
  EXPECT_EQ(resp_command(resp_port, {"SET", "resp-after", "x"}), "+OK");

  // Every acknowledged write is there, before and after a clean restart.
  auto check_all = [&] {
    int missing = 0;
    for (const auto& [i, value] : acknowledged) {
      auto read = (*client)->get("default", "k" + std::to_string(i));
      if (!read.is_ok() || read->values != std::vector<std::string>{value}) ++missing;
    }
    return missing;
  };
  EXPECT_EQ(check_all(), 0);
  const std::string log = server.log();
  // What the operator sees in the log.
  for (std::size_t at = 0; at < log.size();) {
    const std::size_t end = std::min(log.find('\n', at), log.size());
    const std::string line = log.substr(at, end - at);
    if (contains(line, "storage") || contains(line, "rocksdb at")) {
      std::printf("log: %s\n", line.c_str());
    }
    at = end + 1;
  }
  EXPECT_TRUE(contains(log, "refuses writes")) << log;
  EXPECT_TRUE(contains(log, "accepts writes again")) << log;
  EXPECT_EQ(server.terminate(), 0) << server.log();
}

std::uint64_t storage_errors_of(const std::string& address) {
  auto client = client::Client::connect(address);
  if (!client.is_ok()) return 0;
  for (const auto& status : (*client)->status()) {
    if (status.member.address != address) continue;
    for (const auto& [name, count] : status.counters) {
      if (name == "storage_errors") return count;
    }
  }
  return 0;
}

// Three nodes (n=3, r=2, w=2), n3's data directory on a tmpfs that fills up: writes through n1
// go on (n1 and n2 acknowledge), n3 stays up and in the cluster, refuses the writes it would
// coordinate with the disk-full error, and takes writes again once space is freed.
TEST(FullDisk, OneFullReplicaOfThreeDoesNotStopQuorumWrites) {
  storage::TestTmpfs disk(24 << 20, "ringkv-fulldisk3");
  if (!disk.mounted()) GTEST_SKIP() << disk.error();
  ASSERT_EQ(disk.fill("filler", 16 << 20), std::uint64_t{16 << 20});
  TempDir dir;
  const std::vector<int> ports = free_ports(3);
  const std::vector<int> resp_ports = free_ports(3);
  const std::string peers = node_list(ports, 3);
  const std::string n3_data = disk.path() + "/n3";
  std::vector<std::unique_ptr<ServerProcess>> nodes;
  for (int i = 0; i < 3; ++i) {
    const std::string id = "n" + std::to_string(i + 1);
    const std::string data = i == 2 ? n3_data : (dir.path() / id).string();
    nodes.push_back(std::make_unique<ServerProcess>(
        std::vector<std::string>{"--node-id", id, "--listen", loopback(ports[i]), "--data-dir",
                                 data, "--peers", peers, "--resp-listen", loopback(resp_ports[i]),
                                 "--request-timeout-ms", "2000"},
        (dir.path() / (id + ".log")).string()));
  }
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(wait_for_port(resp_ports[i], std::chrono::seconds(20))) << nodes[i]->log();
    ASSERT_TRUE(wait_for_port(ports[i], std::chrono::seconds(20))) << nodes[i]->log();
  }
  // Each port is answered by the node it was given to (a node that failed to listen exits).
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(nodes[i]->running()) << nodes[i]->log();

  // Write through n1 until n3 has failed writes for a while; every write must succeed.
  int written = 0;
  int failed = 0;
  std::string first_error;
  int after_full = -1;
  while (written < 5000 && after_full < 50) {
    const std::string reply =
        resp_command(resp_ports[0], {"SET", "k" + std::to_string(written), value_for(written)});
    if (reply != "+OK") {
      ++failed;
      if (first_error.empty()) first_error = reply;
    }
    ++written;
    if (after_full >= 0) {
      ++after_full;
    } else if (written % 25 == 0 && storage_errors_of(loopback(ports[2])) > 0) {
      after_full = 0;
    }
  }
  std::printf("%d writes through n1, %d failed%s%s; n3 full after %d\n", written, failed,
              failed ? ", first: " : "", first_error.c_str(), written - after_full);
  ASSERT_GE(after_full, 0) << "n3's disk never filled up\n" << nodes[2]->log();
  EXPECT_EQ(failed, 0) << first_error;
  EXPECT_TRUE(contains(nodes[2]->log(), "refuses writes")) << nodes[2]->log();

  // n3 is up; a write it coordinates fails naming its data directory; reads go on.
  EXPECT_TRUE(nodes[2]->running());
  const std::string refused = resp_command(resp_ports[2], {"SET", "via-n3", "x"});
  EXPECT_TRUE(contains(refused, "disk full: no space left on device in " + n3_data)) << refused;
  auto client = client::Client::connect(loopback(ports[0]));
  ASSERT_TRUE(client.is_ok());
  int missing = 0;
  for (int i = 0; i < written; ++i) {
    auto read = (*client)->get("default", "k" + std::to_string(i));
    if (!read.is_ok() || read->values != std::vector<std::string>{value_for(i)}) ++missing;
  }
  EXPECT_EQ(missing, 0);

  disk.remove("filler");
  std::string reply;
  const auto freed_at = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - freed_at < std::chrono::seconds(20)) {
    reply = resp_command(resp_ports[2], {"SET", "via-n3", "x"});
    if (reply == "+OK") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(reply, "+OK") << nodes[2]->log();
  for (auto& node : nodes) EXPECT_EQ(node->terminate(), 0) << node->log();
}

}  // namespace
}  // namespace ringkv::testing
