// The Redis-protocol port of a real `ringkv serve` process, driven by the real redis-cli and
// redis-benchmark (package redis-tools): Redis commands behave as a Redis user expects, the
// ringkv extensions expose siblings and contexts, and RESP and the native protocol share the
// bucket "default".
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include "process_harness.h"

namespace ringkv::testing {
namespace {

constexpr const char* kRedisCli = "/usr/bin/redis-cli";
constexpr const char* kRedisBenchmark = "/usr/bin/redis-benchmark";

// Runs `program ARGS...` (no shell, so arguments need no quoting) and captures its output.
CommandResult run_program(const std::string& program, const std::vector<std::string>& args) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return {};
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(pipe_fds[1], STDOUT_FILENO);
    dup2(pipe_fds[1], STDERR_FILENO);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    std::vector<std::string> copy = args;
    std::vector<char*> argv;
    std::string name = program;
    argv.push_back(name.data());
    for (auto& arg : copy) argv.push_back(arg.data());
    argv.push_back(nullptr);
    execv(program.c_str(), argv.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  CommandResult result;
  char buffer[4096];
  ssize_t n;
  while ((n = read(pipe_fds[0], buffer, sizeof(buffer))) > 0) {
    result.output.append(buffer, static_cast<std::size_t>(n));
  }
  close(pipe_fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

class Resp : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(kRedisCli, X_OK) != 0 || access(kRedisBenchmark, X_OK) != 0) {
      GTEST_SKIP() << "redis-tools (redis-cli, redis-benchmark) is not installed";
    }
    native_port_ = free_port();
    resp_port_ = free_port();
    server_ = std::make_unique<ServerProcess>(
        std::vector<std::string>{"--node-id", "n1", "--listen",
                                 "127.0.0.1:" + std::to_string(native_port_), "--resp-listen",
                                 "127.0.0.1:" + std::to_string(resp_port_), "--engine", "memory",
                                 "--data-dir", (dir_.path() / "data").string()},
        (dir_.path() / "log").string());
    ASSERT_TRUE(wait_for_port(resp_port_, std::chrono::seconds(20))) << server_->log();
  }

  void TearDown() override {
    if (server_ == nullptr) return;
    EXPECT_TRUE(server_->running()) << server_->log();
    EXPECT_EQ(server_->terminate(), 0) << server_->log();
  }

  // redis-cli's output for one command. Its output is not a terminal, so it prints raw replies:
  // a bulk or status as its text, an integer as digits, nil as an empty line, an array one
  // element per line.
  std::string cli(const std::vector<std::string>& command) {
    std::vector<std::string> args = {"-p", std::to_string(resp_port_)};
    args.insert(args.end(), command.begin(), command.end());
    return run_program(kRedisCli, args).output;
  }

  std::vector<std::string> cli_lines(const std::vector<std::string>& command) {
    const std::string output = cli(command);
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < output.size()) {
      const std::size_t end = output.find('\n', start);
      lines.push_back(output.substr(start, end - start));
      if (end == std::string::npos) break;
      start = end + 1;
    }
    return lines;
  }

  TempDir dir_;
  int native_port_ = 0;
  int resp_port_ = 0;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(Resp, RedisCommandsBehaveAsInRedis) {
  EXPECT_EQ(cli({"PING"}), "PONG\n");
  EXPECT_EQ(cli({"PING", "hello"}), "hello\n");
  EXPECT_EQ(cli({"GET", "color"}), "\n");
  EXPECT_EQ(cli({"SET", "color", "red"}), "OK\n");
  EXPECT_EQ(cli({"GET", "color"}), "red\n");
  // SET overwrites like Redis: no siblings from one client's successive writes.
  EXPECT_EQ(cli({"SET", "color", "blue"}), "OK\n");
  EXPECT_EQ(cli({"GET", "color"}), "blue\n");
  EXPECT_EQ(cli({"SET", "shape", "round"}), "OK\n");
  EXPECT_EQ(cli({"EXISTS", "color", "shape", "missing"}), "2\n");
  EXPECT_EQ(cli({"MGET", "color", "missing", "shape"}), "blue\n\nround\n");
  EXPECT_EQ(cli({"DEL", "color", "missing"}), "1\n");
  EXPECT_EQ(cli({"GET", "color"}), "\n");
  EXPECT_EQ(cli({"EXISTS", "color"}), "0\n");
  EXPECT_EQ(cli({"SET", "color", "green", "NX"}), "OK\n");
  EXPECT_EQ(cli({"SET", "color", "violet", "NX"}), "\n");
  EXPECT_EQ(cli({"GET", "color"}), "green\n");
  EXPECT_EQ(cli({"SET", "color", "x", "EX", "10"}), "OK\n");
  EXPECT_EQ(cli({"TTL", "color"}), "10\n");
  EXPECT_EQ(cli({"INCR", "visits"}), "1\n");
  EXPECT_EQ(cli({"SADD", "tags", "a", "b"}), "2\n");
  EXPECT_EQ(cli({"HSET", "user", "name", "ada"}), "1\n");
  EXPECT_EQ(cli({"TYPE", "user"}), "hash\n");
  EXPECT_NE(cli({"NOSUCHCOMMAND"}).find("ERR unknown command 'NOSUCHCOMMAND'"), std::string::npos);
  EXPECT_NE(cli({"GET"}).find("ERR wrong number of arguments for 'get' command"),
            std::string::npos);
  EXPECT_EQ(cli({"SELECT", "0"}), "OK\n");
}

TEST_F(Resp, InfoReportsARedisCompatibleServerSection) {
  const std::string info = cli({"INFO"});
  EXPECT_NE(info.find("# Server"), std::string::npos) << info;
  EXPECT_NE(info.find("redis_version:7.0.0"), std::string::npos) << info;
  EXPECT_NE(info.find("tcp_port:" + std::to_string(resp_port_)), std::string::npos) << info;
  EXPECT_NE(info.find("ringkv_bucket:default"), std::string::npos) << info;
}

TEST_F(Resp, SiblingsAreVisibleThroughGetallAndResolvedWithSetctx) {
  // Two writes carrying the same (empty-key) context are concurrent: both values are kept.
  const auto initial = cli_lines({"GETALL", "doc"});
  ASSERT_EQ(initial.size(), 1u) << cli({"GETALL", "doc"});
  const std::string context = initial[0];
  EXPECT_EQ(cli({"SETCTX", "doc", context, "draft-a"}), "OK\n");
  EXPECT_EQ(cli({"SETCTX", "doc", context, "draft-b"}), "OK\n");

  // GET never fails on siblings: it reads the newest (draft-b was written last).
  EXPECT_EQ(cli({"GET", "doc"}), "draft-b\n");
  const auto siblings = cli_lines({"GETALL", "doc"});
  ASSERT_EQ(siblings.size(), 3u) << cli({"GETALL", "doc"});
  std::vector<std::string> values = {siblings[1], siblings[2]};
  std::sort(values.begin(), values.end());
  EXPECT_EQ(values, (std::vector<std::string>{"draft-a", "draft-b"}));

  // Writing with the context of that read supersedes both.
  EXPECT_EQ(cli({"SETCTX", "doc", siblings[0], "merged"}), "OK\n");
  EXPECT_EQ(cli({"GET", "doc"}), "merged\n");
  const auto merged = cli_lines({"GETALL", "doc"});
  ASSERT_EQ(merged.size(), 2u);
  EXPECT_EQ(cli({"DELCTX", "doc", merged[0]}), "OK\n");
  EXPECT_EQ(cli({"EXISTS", "doc"}), "0\n");
  EXPECT_NE(cli({"SETCTX", "doc", "not base64!", "v"}).find("ERR context"), std::string::npos);
}

TEST_F(Resp, RespAndTheNativeProtocolShareTheDefaultBucket) {
  const std::string native = "127.0.0.1:" + std::to_string(native_port_);
  EXPECT_EQ(cli({"SET", "shared", "from-resp"}), "OK\n");
  const CommandResult get = run_ringkv({"get", "--server", native, "shared"});
  EXPECT_EQ(get.exit_code, 0) << get.output;
  EXPECT_NE(get.output.find("from-resp\n"), std::string::npos) << get.output;
  EXPECT_EQ(run_ringkv({"put", "--server", native, "native-key", "from-native"}).exit_code, 0);
  EXPECT_EQ(cli({"GET", "native-key"}), "from-native\n");
}

TEST_F(Resp, ProtocolErrorsCloseOnlyThatConnection) {
  // redis-cli only sends well-formed requests: use a raw socket.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(resp_port_));
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  const std::string bad = "PING\r\n*1\r\n$x\r\n";
  ASSERT_EQ(send(fd, bad.data(), bad.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bad.size()));
  std::string received;
  char buffer[1024];
  ssize_t n;
  while ((n = recv(fd, buffer, sizeof(buffer), 0)) > 0) {
    received.append(buffer, static_cast<std::size_t>(n));
  }
  close(fd);
  // The earlier command is answered, then the error, then the server closes (recv returned 0).
  EXPECT_EQ(n, 0);
  EXPECT_EQ(received, "+PONG\r\n-ERR Protocol error: invalid bulk length\r\n");
  EXPECT_EQ(cli({"PING"}), "PONG\n");
}

TEST_F(Resp, RedisBenchmarkRuns) {
  const CommandResult result = run_program(
      kRedisBenchmark, {"-p", std::to_string(resp_port_), "-t", "set,get", "-n", "2000", "-q"});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("SET: "), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("GET: "), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("requests per second"), std::string::npos) << result.output;
  // Pipelined, as in docs/PERFORMANCE.md figures.
  const CommandResult pipelined = run_program(
      kRedisBenchmark,
      {"-p", std::to_string(resp_port_), "-t", "set,get", "-n", "2000", "-P", "16", "-q"});
  EXPECT_EQ(pipelined.exit_code, 0) << pipelined.output;
  EXPECT_NE(pipelined.output.find("requests per second"), std::string::npos) << pipelined.output;
}

}  // namespace
}  // namespace ringkv::testing
