// Real `ringkv serve` processes on loopback: CLI round trips, SIGKILL and restart with every
// acknowledged write intact, SIGTERM shutdown, config file plus flags.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "process_harness.h"
#include "ringkv/client.h"

namespace ringkv::testing {
namespace {

std::vector<std::string> serve_args(int port, const std::filesystem::path& data_dir,
                                    const std::string& sync = "batch") {
  return {"--node-id", "n1", "--listen", "127.0.0.1:" + std::to_string(port), "--data-dir",
          data_dir.string(), "--engine", "rocksdb", "--sync", sync};
}

std::string address(int port) { return "127.0.0.1:" + std::to_string(port); }

TEST(SingleNode, CliPutGetDeleteWithContexts) {
  TempDir dir;
  const int port = free_port();
  ServerProcess server(serve_args(port, dir.path() / "data"), (dir.path() / "log").string());
  ASSERT_TRUE(wait_for_port(port, std::chrono::seconds(20))) << server.log();
  const std::string s = address(port);

  EXPECT_EQ(run_ringkv({"put", "--server", s, "color", "red"}).exit_code, 0);
  CommandResult get = run_ringkv({"get", "--server", s, "color"});
  EXPECT_EQ(get.exit_code, 0);
  EXPECT_NE(get.output.find("red\n"), std::string::npos);
  EXPECT_NE(get.output.find("context: "), std::string::npos);

  // A second blind write is concurrent with the first: two siblings.
  EXPECT_EQ(run_ringkv({"put", "--server", s, "color", "blue"}).exit_code, 0);
  get = run_ringkv({"get", "--server", s, "color"});
  EXPECT_NE(get.output.find("(2 siblings)"), std::string::npos) << get.output;
  const auto at = get.output.find("context: ");
  const std::string context = get.output.substr(at + 9, get.output.find('\n', at) - at - 9);

  // Writing with the read's context supersedes both.
  EXPECT_EQ(run_ringkv({"put", "--server", s, "--context", context, "color", "green"}).exit_code, 0);
  get = run_ringkv({"get", "--server", s, "color"});
  EXPECT_NE(get.output.find("green\n"), std::string::npos);
  EXPECT_EQ(get.output.find("siblings"), std::string::npos) << get.output;

  // Buckets are separate namespaces.
  EXPECT_EQ(run_ringkv({"get", "--server", s, "--bucket", "other", "color"}).exit_code, 3);

  const auto c2 = get.output.find("context: ");
  const std::string context2 = get.output.substr(c2 + 9, get.output.find('\n', c2) - c2 - 9);
  EXPECT_EQ(run_ringkv({"del", "--server", s, "--context", context2, "color"}).exit_code, 0);
  get = run_ringkv({"get", "--server", s, "color"});
  EXPECT_EQ(get.exit_code, 3);
  EXPECT_NE(get.output.find("(not found)"), std::string::npos);

  CommandResult bad = run_ringkv({"put", "--server", s, "--context", "not base64!", "k", "v"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.output.find("--context"), std::string::npos);
  EXPECT_EQ(server.terminate(), 0) << server.log();
}

// Writes from several client threads while the server is SIGKILLed; after a restart, every write
// the server acknowledged is read back.
void kill_during_writes_keeps_acknowledged(const std::string& sync) {
  TempDir dir;
  const int port = free_port();
  const auto data = dir.path() / "data";
  auto server = std::make_unique<ServerProcess>(serve_args(port, data, sync),
                                                (dir.path() / "log1").string());
  ASSERT_TRUE(wait_for_port(port, std::chrono::seconds(20))) << server->log();

  // Some writes through the CLI first.
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(run_ringkv({"put", "--server", address(port), "cli" + std::to_string(i), "v"}).exit_code, 0);
  }

  constexpr int kWriters = 4;
  std::atomic<bool> stop{false};
  std::vector<std::vector<std::string>> acknowledged(kWriters);
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      auto client = client::Client::connect(address(port));
      if (!client.is_ok()) return;
      for (int i = 0; !stop.load(); ++i) {
        const std::string key = "w" + std::to_string(w) + "-" + std::to_string(i);
        if (!(*client)->put("default", key, "value-" + key).is_ok()) return;
        acknowledged[w].push_back(key);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  server->kill_hard();
  stop = true;
  for (auto& writer : writers) writer.join();

  server = std::make_unique<ServerProcess>(serve_args(port, data, sync),
                                           (dir.path() / "log2").string());
  ASSERT_TRUE(wait_for_port(port, std::chrono::seconds(20))) << server->log();
  auto client = client::Client::connect(address(port));
  ASSERT_TRUE(client.is_ok());
  std::size_t total = 0;
  for (const auto& keys : acknowledged) {
    for (const auto& key : keys) {
      auto got = (*client)->get("default", key);
      ASSERT_TRUE(got.is_ok()) << got.status().to_string();
      ASSERT_EQ(got->values, std::vector<std::string>{"value-" + key}) << "lost " << key;
      ++total;
    }
  }
  EXPECT_GT(total, 100u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(run_ringkv({"get", "--server", address(port), "cli" + std::to_string(i)}).exit_code, 0);
  }
  std::printf("sync=%s: %zu acknowledged writes before SIGKILL, all read back\n", sync.c_str(),
              total);
  EXPECT_EQ(server->terminate(), 0);
}

TEST(SingleNode, SigkillDuringWritesLosesNoAcknowledgedWriteSyncBatch) {
  kill_during_writes_keeps_acknowledged("batch");
}

TEST(SingleNode, SigkillDuringWritesLosesNoAcknowledgedWriteSyncAlways) {
  kill_during_writes_keeps_acknowledged("always");
}

TEST(SingleNode, ConfigFileWithFlagsOverridingIt) {
  TempDir dir;
  const int file_port = free_port();
  const int flag_port = free_port();
  const auto config = dir.path() / "ringkv.toml";
  std::ofstream(config) << "node_id = \"from-file\"\n"
                        << "listen = \"127.0.0.1:" << file_port << "\"\n"
                        << "engine = \"memory\"\n"
                        << "sync = \"none\"\n";
  ServerProcess server({"--config", config.string(), "--listen", address(flag_port)},
                       (dir.path() / "log").string());
  ASSERT_TRUE(wait_for_port(flag_port, std::chrono::seconds(20))) << server.log();
  EXPECT_NE(server.log().find("node from-file"), std::string::npos) << server.log();
  EXPECT_NE(server.log().find("engine=memory"), std::string::npos);
  EXPECT_EQ(server.terminate(), 0);
}

TEST(SingleNode, BadSettingsAreRejectedNamingTheSetting) {
  TempDir dir;
  const auto config = dir.path() / "bad.toml";
  std::ofstream(config) << "engin = \"memory\"\n";
  CommandResult typo = run_ringkv({"serve", "--config", config.string()});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.output.find("unknown setting 'engin'"), std::string::npos) << typo.output;
  CommandResult engine = run_ringkv({"serve", "--engine", "leveldb"});
  EXPECT_EQ(engine.exit_code, 2);
  EXPECT_NE(engine.output.find("engine must be"), std::string::npos) << engine.output;
  CommandResult sync = run_ringkv({"serve", "--sync", "sometimes"});
  EXPECT_NE(sync.output.find("sync"), std::string::npos) << sync.output;
  CommandResult listen = run_ringkv({"serve", "--listen", "nowhere"});
  EXPECT_NE(listen.output.find("listen must be HOST:PORT"), std::string::npos) << listen.output;
}

}  // namespace
}  // namespace ringkv::testing
