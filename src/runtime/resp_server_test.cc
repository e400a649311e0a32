// RespServer over real loopback sockets, against an in-memory RequestSink that answers after
// random delays (so replies complete out of order, as a cluster's would).
#include "runtime/resp_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <future>
#include <map>
#include <random>
#include <thread>

#include "api/resp_encoder.h"
#include "api/resp_parser.h"

namespace ringkv::runtime {
namespace {

using namespace std::chrono_literals;

// A map with the version semantics RESP relies on (a context names the version read; a write
// with the current context or supersede_known replaces every value, any other adds a sibling).
// Requests are applied when taken; a third of the replies come inside submit(), the rest after
// 0-2 ms; all requests are held (not applied) until release() while holding.
class FakeSink : public RequestSink {
 public:
  FakeSink(asio::io_context& io, std::size_t value_max_bytes)
      : io_(io), value_max_bytes_(value_max_bytes), random_(20240601) {}

  void submit(core::ClientRequest request, ReplyCallback on_reply) override {
    ++submitted;
    const std::size_t now_in_flight = ++in_flight;
    if (now_in_flight > max_in_flight) max_in_flight = now_in_flight;
    if (holding_) {
      held_.emplace_back(std::move(request), std::move(on_reply));
      return;
    }
    schedule(std::move(request), std::move(on_reply));
  }

  // Called on the event-loop thread.
  void hold() { holding_ = true; }
  void release() {
    holding_ = false;
    for (auto& [request, on_reply] : held_) schedule(std::move(request), std::move(on_reply));
    held_.clear();
  }

  std::atomic<std::size_t> submitted{0};
  std::atomic<std::size_t> in_flight{0};
  std::atomic<std::size_t> max_in_flight{0};

 private:
  struct Entry {
    std::vector<std::string> values;
    int version = 0;
  };

  // Like a node, the sink applies requests in the order it takes them; only the replies come
  // back in any order.
  void schedule(core::ClientRequest request, ReplyCallback on_reply) {
    core::ClientReply reply = apply(request);
    if (random_() % 3 == 0) {
      // Some answers come inside submit(), as a node's do when it rejects a request outright.
      --in_flight;
      on_reply(std::move(reply));
      return;
    }
    auto timer =
        std::make_shared<asio::steady_timer>(io_, std::chrono::microseconds(random_() % 2000));
    timer->async_wait([this, timer, reply = std::move(reply),
                       on_reply = std::move(on_reply)](const boost::system::error_code&) mutable {
      --in_flight;
      on_reply(std::move(reply));
    });
  }

  core::ClientReply apply(const core::ClientRequest& request) {
    core::ClientReply reply;
    reply.request_id = request.request_id;
    if (request.op == core::ClientOp::kPut && request.value.size() > value_max_bytes_) {
      reply.status =
          Status::too_large("value is " + std::to_string(request.value.size()) +
                            " bytes, limit value_max_bytes is " + std::to_string(value_max_bytes_));
      return reply;
    }
    Entry& entry = entries_[request.bucket + "/" + request.key];
    const std::string current = std::to_string(entry.version);
    if (request.op == core::ClientOp::kGet) {
      reply.values = entry.values;
      reply.context = current;
      return reply;
    }
    if (request.supersede_known || request.context == current) entry.values.clear();
    if (request.op == core::ClientOp::kPut) entry.values.push_back(request.value);
    ++entry.version;
    return reply;
  }

  asio::io_context& io_;
  std::size_t value_max_bytes_;
  std::minstd_rand random_;
  bool holding_ = false;
  std::vector<std::pair<core::ClientRequest, ReplyCallback>> held_;
  std::map<std::string, Entry> entries_;
};

// The end offset of the first complete RESP reply in `buffer` from `at`, or npos.
std::size_t reply_end(std::string_view buffer, std::size_t at) {
  const std::size_t line_end = buffer.find("\r\n", at);
  if (line_end == std::string_view::npos) return std::string_view::npos;
  const char type = buffer[at];
  const std::size_t after = line_end + 2;
  if (type != '$' && type != '*') return after;
  const long long count = std::stoll(std::string(buffer.substr(at + 1, line_end - at - 1)));
  if (count < 0) return after;
  if (type == '$') {
    const std::size_t end = after + static_cast<std::size_t>(count) + 2;
    return end <= buffer.size() ? end : std::string_view::npos;
  }
  std::size_t position = after;
  for (long long i = 0; i < count; ++i) {
    position = reply_end(buffer, position);
    if (position == std::string_view::npos) return position;
  }
  return position;
}

// A blocking loopback client that sends raw bytes and reads whole replies.
class RawClient {
 public:
  explicit RawClient(std::uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
    timeval timeout{10, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    const int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  ~RawClient() { ::close(fd_); }
  bool connected() const { return connected_; }

  void send_bytes(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return;  // The server may close early; the replies tell why.
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  void send_command(const std::vector<std::string>& args) {
    send_bytes(api::encode_resp_command(args));
  }
  void shutdown_writes() { ::shutdown(fd_, SHUT_WR); }

  // The next reply's bytes, or "<closed>" when the server closed (or nothing came in 10 s).
  std::string read_reply() {
    while (true) {
      if (!buffer_.empty()) {
        const std::size_t end = reply_end(buffer_, 0);
        if (end != std::string::npos) {
          std::string reply = buffer_.substr(0, end);
          buffer_.erase(0, end);
          return reply;
        }
      }
      char chunk[65536];
      const ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
      if (n <= 0) return "<closed>";
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }
  std::string command(const std::vector<std::string>& args) {
    send_command(args);
    return read_reply();
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string buffer_;
};

std::string bulk(std::string_view value) {
  std::string out;
  api::append_resp_bulk_string(out, value);
  return out;
}

class RespServerTest : public ::testing::Test {
 protected:
  void start(std::size_t value_max_bytes = 1024 * 1024) {
    sink_ = std::make_unique<FakeSink>(io_, value_max_bytes);
    server_ = std::make_unique<RespServer>(io_, *sink_, value_max_bytes);
    const Status status = server_->listen("127.0.0.1:0");
    ASSERT_TRUE(status.is_ok()) << status.to_string();
    ASSERT_NE(server_->port(), 0);
    loop_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    if (loop_.joinable()) {
      on_loop([this] { server_->close(); });
      work_.reset();
      loop_.join();
    }
    server_.reset();
  }

  // Runs `task` on the event-loop thread and waits for it.
  void on_loop(std::function<void()> task) {
    std::promise<void> done;
    asio::post(io_, [&] {
      task();
      done.set_value();
    });
    done.get_future().wait();
  }

  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      asio::make_work_guard(io_)};
  std::unique_ptr<FakeSink> sink_;
  std::unique_ptr<RespServer> server_;
  std::thread loop_;
};

TEST_F(RespServerTest, ServesRedisCommandsOverASocket) {
  start();
  RawClient client(server_->port());
  ASSERT_TRUE(client.connected());
  EXPECT_EQ(client.command({"PING"}), "+PONG\r\n");
  EXPECT_EQ(client.command({"GET", "k"}), "$-1\r\n");
  EXPECT_EQ(client.command({"SET", "k", "v"}), "+OK\r\n");
  EXPECT_EQ(client.command({"GET", "k"}), bulk("v"));
  EXPECT_EQ(client.command({"DEL", "k", "other"}), ":1\r\n");
  EXPECT_EQ(client.command({"EXISTS", "k"}), ":0\r\n");
  client.send_bytes("ECHO \"inline works\"\r\n");
  EXPECT_EQ(client.read_reply(), bulk("inline works"));
  const std::string info = client.command({"INFO", "server"});
  EXPECT_NE(info.find("redis_version:7.0.0"), std::string::npos);
  EXPECT_NE(info.find("tcp_port:" + std::to_string(server_->port())), std::string::npos);
}

// A long pipeline over few keys: the sink answers in random order, yet the replies come back in
// command order and equal what executing the commands one by one gives (reads see the
// connection's own earlier writes).
TEST_F(RespServerTest, PipelinedRepliesComeBackInCommandOrder) {
  start();
  RawClient client(server_->port());
  ASSERT_TRUE(client.connected());
  std::mt19937 random(7);
  std::map<std::string, std::string> model;
  std::string pipeline;
  std::vector<std::string> expected;
  for (int i = 0; i < 3000; ++i) {
    const std::string key = "key:" + std::to_string(random() % 20);
    const std::string key2 = "key:" + std::to_string(random() % 20);
    switch (random() % 6) {
      case 0:
      case 1: {
        const std::string value = "value-" + std::to_string(i);
        pipeline += api::encode_resp_command({"SET", key, value});
        model[key] = value;
        expected.push_back("+OK\r\n");
        break;
      }
      case 2:
      case 3:
        pipeline += api::encode_resp_command({"GET", key});
        expected.push_back(model.contains(key) ? bulk(model[key]) : "$-1\r\n");
        break;
      case 4: {
        pipeline += api::encode_resp_command({"DEL", key, key2});
        const int existed = int(model.erase(key)) + (key2 != key ? int(model.erase(key2)) : 0);
        expected.push_back(":" + std::to_string(existed) + "\r\n");
        break;
      }
      default:
        pipeline += "PING\r\n";
        expected.push_back("+PONG\r\n");
        break;
    }
  }
  std::thread sender([&] { client.send_bytes(pipeline); });
  for (std::size_t i = 0; i < expected.size(); ++i) {
    ASSERT_EQ(client.read_reply(), expected[i]) << "reply " << i;
  }
  sender.join();
}

TEST_F(RespServerTest, ConnectionsPipelineIndependently) {
  start();
  std::vector<std::thread> clients;
  std::atomic<int> failures{0};
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      RawClient client(server_->port());
      std::string pipeline;
      for (int i = 0; i < 500; ++i) {
        const std::string key = "c" + std::to_string(c) + ":" + std::to_string(i % 7);
        pipeline += api::encode_resp_command({"SET", key, std::to_string(i)});
        pipeline += api::encode_resp_command({"GET", key});
      }
      std::thread sender([&] { client.send_bytes(pipeline); });
      for (int i = 0; i < 500; ++i) {
        if (client.read_reply() != "+OK\r\n") ++failures;
        if (client.read_reply() != bulk(std::to_string(i))) ++failures;
      }
      sender.join();
    });
  }
  for (auto& thread : clients) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST_F(RespServerTest, CommandsSplitIntoSingleBytesStillParse) {
  start();
  RawClient client(server_->port());
  const std::string bytes = api::encode_resp_command({"SET", "k", "a\r\nb"}) + "GET k\r\n";
  for (const char c : bytes) {
    client.send_bytes(std::string_view(&c, 1));
    std::this_thread::sleep_for(200us);
  }
  EXPECT_EQ(client.read_reply(), "+OK\r\n");
  EXPECT_EQ(client.read_reply(), bulk("a\r\nb"));
}

TEST_F(RespServerTest, AProtocolErrorIsAnsweredAfterEarlierRepliesThenCloses) {
  start();
  RawClient client(server_->port());
  client.send_bytes("PING\r\n*1\r\n$x\r\nPING\r\n");
  EXPECT_EQ(client.read_reply(), "+PONG\r\n");
  EXPECT_EQ(client.read_reply(), "-ERR Protocol error: invalid bulk length\r\n");
  EXPECT_EQ(client.read_reply(), "<closed>");
  // Other connections are unaffected.
  RawClient other(server_->port());
  EXPECT_EQ(other.command({"PING"}), "+PONG\r\n");
}

TEST_F(RespServerTest, QuitClosesAfterItsReply) {
  start();
  RawClient client(server_->port());
  client.send_bytes("PING\r\nQUIT\r\nPING\r\n");
  EXPECT_EQ(client.read_reply(), "+PONG\r\n");
  EXPECT_EQ(client.read_reply(), "+OK\r\n");
  EXPECT_EQ(client.read_reply(), "<closed>");
}

TEST_F(RespServerTest, AClientThatStopsSendingStillGetsItsReplies) {
  start();
  RawClient client(server_->port());
  client.send_bytes("SET a 1\r\nGET a\r\n");
  client.shutdown_writes();
  EXPECT_EQ(client.read_reply(), "+OK\r\n");
  EXPECT_EQ(client.read_reply(), bulk("1"));
  EXPECT_EQ(client.read_reply(), "<closed>");
}

TEST_F(RespServerTest, ValuesOverTheLimitGetTooLargeAndHugeOnesCloseTheConnection) {
  start(1000);
  RawClient client(server_->port());
  EXPECT_EQ(client.command({"SET", "k", std::string(1500, 'v')}),
            "-TOOLARGE value is 1500 bytes, limit value_max_bytes is 1000\r\n");
  EXPECT_EQ(client.command({"PING"}), "+PONG\r\n");
  const std::size_t huge = api::resp_bulk_bytes_max(1000) + 1;
  client.send_bytes("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$" + std::to_string(huge) + "\r\n");
  EXPECT_EQ(client.read_reply().rfind("-ERR Protocol error: invalid bulk length", 0), 0u);
  EXPECT_EQ(client.read_reply(), "<closed>");
}

// With the node not answering, a connection stops reading once kRespPendingCommandsMax commands
// wait, so a fast client cannot queue unbounded work; everything is answered once the node is.
TEST_F(RespServerTest, BackpressureBoundsTheCommandsInFlight) {
  start();
  on_loop([this] { sink_->hold(); });
  RawClient client(server_->port());
  constexpr std::size_t kCommands = 3 * kRespPendingCommandsMax;
  std::string pipeline;
  for (std::size_t i = 0; i < kCommands; ++i) {
    pipeline += api::encode_resp_command({"GET", "k" + std::to_string(i)});
  }
  std::thread sender([&] { client.send_bytes(pipeline); });
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (sink_->submitted < kRespPendingCommandsMax &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(sink_->submitted.load(), kRespPendingCommandsMax);
  on_loop([this] { sink_->release(); });
  for (std::size_t i = 0; i < kCommands; ++i) ASSERT_EQ(client.read_reply(), "$-1\r\n") << i;
  sender.join();
  EXPECT_LE(sink_->max_in_flight.load(), kRespPendingCommandsMax);
}

TEST_F(RespServerTest, CloseEndsEveryConnectionAndStopsAccepting) {
  start();
  RawClient client(server_->port());
  EXPECT_EQ(client.command({"PING"}), "+PONG\r\n");
  const std::uint16_t port = server_->port();
  on_loop([this] { server_->close(); });
  EXPECT_EQ(client.read_reply(), "<closed>");
  RawClient late(port);
  EXPECT_FALSE(late.connected());
}

TEST_F(RespServerTest, ListenRejectsABadAddressNamingTheSetting) {
  FakeSink sink(io_, 1000);
  RespServer server(io_, sink, 1000);
  const Status status = server.listen("localhost:0");
  EXPECT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("resp_listen"), std::string::npos) << status.message();
}

// Runs a shell command; returns its exit status and output.
std::pair<int, std::string> run_shell(const std::string& command) {
  std::string output;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return {-1, ""};
  char buffer[4096];
  while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

TEST_F(RespServerTest, RedisCliAndRedisBenchmarkWork) {
  if (access("/usr/bin/redis-cli", X_OK) != 0 || access("/usr/bin/redis-benchmark", X_OK) != 0) {
    GTEST_SKIP() << "redis-tools is not installed";
  }
  start();
  const std::string port = std::to_string(server_->port());
  EXPECT_EQ(run_shell("redis-cli -p " + port + " PING").second, "PONG\n");
  EXPECT_EQ(run_shell("redis-cli -p " + port + " SET greeting hello").second, "OK\n");
  EXPECT_EQ(run_shell("redis-cli -p " + port + " GET greeting").second, "hello\n");
  const auto [exit_code, output] =
      run_shell("redis-benchmark -p " + port + " -t set,get -n 2000 -P 16 -q");
  EXPECT_EQ(exit_code, 0) << output;
  EXPECT_NE(output.find("SET: "), std::string::npos) << output;
  EXPECT_NE(output.find("GET: "), std::string::npos) << output;
  EXPECT_NE(output.find("requests per second"), std::string::npos) << output;
  EXPECT_EQ(output.find("WARNING"), std::string::npos) << output;
}

}  // namespace
}  // namespace ringkv::runtime
