// Key scans across real processes: three `ringkv serve` nodes on loopback, keys written through
// one of them, scanned through another with `ringkv scan` (all keys, --match, --count-keys) and
// the client library (small COUNTs, cursors moved between nodes), then again with one node
// SIGKILLed: every partition still has r=2 replicas up, so the scan still finds every key.
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "process_harness.h"
#include "ringkv/client.h"

namespace ringkv::testing {
namespace {

std::set<std::string> lines_of(const std::string& output) {
  std::set<std::string> lines;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) lines.insert(line);
  return lines;
}

TEST(ScanProcesses, KeysWrittenThroughOneNodeAreScannedThroughAnother) {
  TempDir dir;
  const std::vector<int> ports = free_ports(3);
  const std::string peers = node_list(ports, 3);
  std::vector<std::unique_ptr<ServerProcess>> nodes;
  for (int i = 0; i < 3; ++i) {
    const std::string id = "n" + std::to_string(i + 1);
    nodes.push_back(std::make_unique<ServerProcess>(
        std::vector<std::string>{"--node-id", id, "--listen", loopback(ports[i]), "--data-dir",
                                 (dir.path() / id).string(), "--peers", peers,
                                 "--request-timeout-ms", "1000"},
        (dir.path() / (id + ".log")).string()));
  }
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(wait_for_port(ports[i], std::chrono::seconds(20))) << nodes[i]->log();
  }

  // Every write goes to n1, which coordinates or forwards it.
  client::ClientOptions through_n1;
  through_n1.partition_aware = false;
  auto writer = client::Client::connect(loopback(ports[0]), through_n1);
  ASSERT_TRUE(writer.is_ok()) << writer.status().to_string();
  std::set<std::string> all, users;
  for (int i = 0; i < 300; ++i) {
    const std::string key = (i % 4 == 0 ? "user:" : "order:") + std::to_string(i);
    ASSERT_TRUE((*writer)->put("default", key, "v" + std::to_string(i)).is_ok()) << key;
    all.insert(key);
    if (i % 4 == 0) users.insert(key);
  }
  ASSERT_TRUE((*writer)->put("other", "elsewhere", "v").is_ok());
  auto read = (*writer)->get("default", "order:1");
  ASSERT_TRUE(read.is_ok());
  ASSERT_TRUE((*writer)->del("default", "order:1", read->context).is_ok());
  all.erase("order:1");

  // The CLI, through n2.
  CommandResult scan = run_ringkv({"scan", "--server", loopback(ports[1])});
  ASSERT_EQ(scan.exit_code, 0) << scan.output;
  EXPECT_EQ(lines_of(scan.output), all);
  CommandResult matched =
      run_ringkv({"scan", "--server", loopback(ports[1]), "--match", "user:*", "--count", "3"});
  ASSERT_EQ(matched.exit_code, 0) << matched.output;
  EXPECT_EQ(lines_of(matched.output), users);
  CommandResult counted = run_ringkv({"scan", "--server", loopback(ports[1]), "--count-keys"});
  ASSERT_EQ(counted.exit_code, 0) << counted.output;
  EXPECT_EQ(counted.output, std::to_string(all.size()) + "\n");
  CommandResult other = run_ringkv({"scan", "--server", loopback(ports[2]), "--bucket", "other"});
  ASSERT_EQ(other.exit_code, 0) << other.output;
  EXPECT_EQ(other.output, "elsewhere\n");
  CommandResult bad = run_ringkv({"scan", "--server", loopback(ports[1]), "--type", "sets"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find("unknown scan TYPE"), std::string::npos) << bad.output;

  // The library: seven keys a call, each call through the next node with the last cursor.
  std::vector<std::unique_ptr<client::Client>> readers;
  for (int i = 0; i < 3; ++i) {
    client::ClientOptions options;
    options.partition_aware = false;
    auto reader = client::Client::connect(loopback(ports[i]), options);
    ASSERT_TRUE(reader.is_ok()) << reader.status().to_string();
    readers.push_back(std::move(reader).value());
  }
  std::multiset<std::string> seen;
  std::string cursor = "0";
  int calls = 0;
  do {
    auto page = readers[calls % 3]->scan("default", cursor, {.count = 7});
    ASSERT_TRUE(page.is_ok()) << page.status().to_string();
    EXPECT_LE(page->keys.size(), 7u);
    seen.insert(page->keys.begin(), page->keys.end());
    cursor = page->cursor;
  } while (!cursor.empty() && cursor != "0" && ++calls < 10'000);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), all);
  EXPECT_EQ(seen.size(), all.size());  // None twice.
  std::printf("library scan: %d calls for %zu keys\n", calls + 1, seen.size());

  // n3 killed: every partition keeps two of its three replicas, enough for r=2.
  nodes[2]->kill_hard();
  CommandResult after_kill = run_ringkv({"scan", "--server", loopback(ports[1])});
  ASSERT_EQ(after_kill.exit_code, 0) << after_kill.output;
  EXPECT_EQ(lines_of(after_kill.output), all);
}

}  // namespace
}  // namespace ringkv::testing
