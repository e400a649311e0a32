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
#include <set>
#include <sstream>
#include <thread>

#include "api/resp_encoder.h"
#include "api/resp_parser.h"
#include "common/glob.h"
#include "core/datatypes/data_op.h"

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
    core::VersionedObject object;
    int version = 0;
  };
  std::uint64_t now_ms_ = 1'700'000'000'000;

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
    if (request.op == core::ClientOp::kScan) {
      ++scans;
      scan(request, reply.scan);
      return reply;
    }
    std::size_t value_bytes = request.op == core::ClientOp::kPut ? request.value.size() : 0;
    auto op = core::decode_data_op(request.value);
    if (request.op == core::ClientOp::kUpdate) {
      if (!op.is_ok()) {
        reply.status = op.status();
        return reply;
      }
      for (const auto& arg : op->args) value_bytes = std::max(value_bytes, arg.size());
    }
    if (value_bytes > value_max_bytes_) {
      reply.status =
          Status::too_large("value is " + std::to_string(value_bytes) +
                            " bytes, limit value_max_bytes is " + std::to_string(value_max_bytes_));
      return reply;
    }
    Entry& entry = entries_[request.bucket + "/" + request.key];
    const std::string current = std::to_string(entry.version);
    now_ms_ += 1;
    if (request.op == core::ClientOp::kGet) {
      reply.values = entry.object.live_values();
      reply.context = current;
      reply.now_ms = now_ms_;
      if (request.with_object && !entry.object.is_deleted()) reply.object = entry.object.encode();
      return reply;
    }
    if (request.op == core::ClientOp::kUpdate) {
      auto applied = core::apply_data_op(entry.object, *op, 1, now_ms_);
      if (!applied.is_ok()) {
        reply.status = applied.status();
        return reply;
      }
      reply.result = core::encode_op_result(applied->result);
      ++entry.version;
      return reply;
    }
    const bool supersedes = request.supersede_known || request.context == current;
    entry.object.update(supersedes ? entry.object.context() : core::VersionVector(), 1, now_ms_,
                        request.op == core::ClientOp::kPut
                            ? std::optional<std::string>(request.value)
                            : std::nullopt);
    ++entry.version;
    return reply;
  }

  // A scan call: up to COUNT live keys of the bucket after the cursor's ("k<key>"), filtered by
  // MATCH; counting calls count them all.
  void scan(const core::ClientRequest& request, core::ScanResult& result) {
    const std::string prefix = request.bucket + "/";
    const std::string& cursor = request.scan.cursor;
    auto it = cursor == "0" ? entries_.lower_bound(prefix)
                            : entries_.upper_bound(prefix + cursor.substr(1));
    const std::size_t count = request.scan.count == 0 ? 10 : request.scan.count;
    const GlobPattern pattern(request.scan.match);
    result.cursor = "0";
    for (; it != entries_.end() && it->first.starts_with(prefix); ++it) {
      if (it->second.object.is_deleted()) continue;
      const std::string key = it->first.substr(prefix.size());
      if (!request.scan.match.empty() && !pattern.matches(key)) continue;
      if (request.scan.count_only) {
        ++result.count;
        continue;
      }
      if (result.keys.size() == count) {
        result.cursor = "k" + result.keys.back();
        return;
      }
      result.keys.push_back(key);
    }
  }

 public:
  std::atomic<std::size_t> scans{0};

 private:
  asio::io_context& io_;
  std::size_t value_max_bytes_;
  std::minstd_rand random_;
  bool holding_ = false;
  std::vector<std::pair<core::ClientRequest, ReplyCallback>> held_;
  std::map<std::string, Entry> entries_;
};

// The end offset of the first complete RESP2 or RESP3 reply in `buffer` from `at`, or npos.
std::size_t reply_end(std::string_view buffer, std::size_t at) {
  const std::size_t line_end = buffer.find("\r\n", at);
  if (line_end == std::string_view::npos) return std::string_view::npos;
  const char type = buffer[at];
  const std::size_t after = line_end + 2;
  const bool blob = type == '$' || type == '=' || type == '!';
  const bool aggregate = type == '*' || type == '%' || type == '~' || type == '>';
  if (!blob && !aggregate) return after;
  long long count = std::stoll(std::string(buffer.substr(at + 1, line_end - at - 1)));
  if (count < 0) return after;
  if (blob) {
    const std::size_t end = after + static_cast<std::size_t>(count) + 2;
    return end <= buffer.size() ? end : std::string_view::npos;
  }
  if (type == '%') count *= 2;
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
  api::RespWriter out(api::RespProtocol::kResp2);
  out.bulk(value);
  return out.take();
}

class RespServerTest : public ::testing::Test {
 protected:
  void start(std::size_t value_max_bytes = 1024 * 1024, std::vector<std::string> databases = {}) {
    RespServerOptions options;
    options.value_max_bytes = value_max_bytes;
    options.databases = std::move(databases);
    start(std::move(options));
  }
  void start(RespServerOptions options) {
    sink_ = std::make_unique<FakeSink>(io_, options.value_max_bytes);
    server_ = std::make_unique<RespServer>(io_, *sink_, std::move(options));
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


// The value of `field` in an INFO reply, up to the end of its line; "<missing>" when absent.
std::string info_field(const std::string& info, const std::string& field) {
  const std::size_t at = info.find("\n" + field + ":");
  if (at == std::string::npos) return "<missing>";
  const std::size_t start = at + field.size() + 2;
  return info.substr(start, info.find("\r\n", start) - start);
}

TEST_F(RespServerTest, EachConnectionKeepsItsOwnProtocolNameAndId) {
  start();
  RawClient first(server_->port());
  RawClient second(server_->port());
  const std::string hello = first.command({"HELLO", "3", "SETNAME", "first"});
  EXPECT_EQ(hello.rfind("%7\r\n$6\r\nserver\r\n$6\r\nringkv\r\n", 0), 0u) << hello;
  EXPECT_EQ(first.command({"GET", "missing"}), "_\r\n");
  EXPECT_EQ(second.command({"GET", "missing"}), "$-1\r\n") << "the other connection is RESP2";
  EXPECT_EQ(second.command({"CLIENT", "SETNAME", "second"}), "+OK\r\n");
  EXPECT_EQ(first.command({"CLIENT", "GETNAME"}), bulk("first"));
  EXPECT_EQ(second.command({"CLIENT", "GETNAME"}), bulk("second"));
  const std::string first_id = first.command({"CLIENT", "ID"});
  const std::string second_id = second.command({"CLIENT", "ID"});
  EXPECT_NE(first_id, second_id);
  EXPECT_EQ(first_id.rfind(":", 0), 0u);
  const std::string list = second.command({"CLIENT", "LIST"});
  EXPECT_NE(list.find("id=" + first_id.substr(1, first_id.size() - 3) + " addr=127.0.0.1:"),
            std::string::npos)
      << list;
  EXPECT_NE(list.find(" laddr=127.0.0.1:" + std::to_string(server_->port()) + " "),
            std::string::npos);
  EXPECT_NE(list.find(" name=first age="), std::string::npos) << list;
  EXPECT_NE(list.find(" resp=3 "), std::string::npos) << list;
  EXPECT_NE(list.find(" name=second age="), std::string::npos) << list;
  EXPECT_NE(list.find(" cmd=client|list "), std::string::npos) << list;
  first.command({"QUIT"});
  EXPECT_EQ(first.read_reply(), "<closed>");
  // A closed connection leaves the list.
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  std::string after;
  do {
    after = second.command({"CLIENT", "LIST"});
  } while (after.find("name=first") != std::string::npos &&
           std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(after.find("name=first"), std::string::npos) << after;
  EXPECT_EQ(info_field(second.command({"INFO", "clients"}), "connected_clients"), "1");
}

TEST_F(RespServerTest, PipelinedTransactionsRunAtExecAndAbortedOnesWriteNothing) {
  start();
  RawClient client(server_->port());
  std::string pipeline;
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"MULTI"}, {"SET", "t", "1"}, {"GET", "t"}, {"SET", "u", "2"}, {"EXEC"},
           {"MULTI"}, {"SET", "t", "changed"}, {"LPUSH", "l", "x"}, {"SET", "w", "3"}, {"EXEC"},
           {"MGET", "t", "u", "w"}}) {
    pipeline += api::encode_resp_command(args);
  }
  client.send_bytes(pipeline);
  EXPECT_EQ(client.read_reply(), "+OK\r\n");
  EXPECT_EQ(client.read_reply(), "+QUEUED\r\n");
  EXPECT_EQ(client.read_reply(), "+QUEUED\r\n");
  EXPECT_EQ(client.read_reply(), "+QUEUED\r\n");
  EXPECT_EQ(client.read_reply(), "*3\r\n+OK\r\n" + bulk("1") + "+OK\r\n");
  EXPECT_EQ(client.read_reply(), "+OK\r\n");
  EXPECT_EQ(client.read_reply(), "+QUEUED\r\n");
  EXPECT_EQ(client.read_reply(),
            "-ERR LPUSH is not supported by ringkv: lists are not implemented (see "
            "docs/REDIS.md)\r\n");
  EXPECT_EQ(client.read_reply(), "+QUEUED\r\n");
  EXPECT_EQ(client.read_reply(),
            "-EXECABORT Transaction discarded because of previous errors.\r\n");
  EXPECT_EQ(client.read_reply(), "*3\r\n" + bulk("1") + bulk("2") + "$-1\r\n");
}

TEST_F(RespServerTest, SelectAddressesTheBucketOfItsDatabase) {
  start(1024 * 1024, {"default", "sessions"});
  RawClient client(server_->port());
  EXPECT_EQ(client.command({"SELECT", "1"}), "+OK\r\n");
  EXPECT_EQ(client.command({"SET", "k", "in-sessions"}), "+OK\r\n");
  EXPECT_EQ(client.command({"SELECT", "2"}), "-ERR DB index is out of range\r\n");
  RawClient other(server_->port());
  EXPECT_EQ(other.command({"GET", "k"}), "$-1\r\n") << "a new connection starts in database 0";
  EXPECT_EQ(other.command({"SELECT", "1"}), "+OK\r\n");
  EXPECT_EQ(other.command({"GET", "k"}), bulk("in-sessions"));
  EXPECT_EQ(info_field(other.command({"INFO", "server"}), "ringkv_databases"),
            "default,sessions");
  EXPECT_EQ(other.command({"CONFIG", "GET", "databases"}),
            "*2\r\n" + bulk("databases") + bulk("2"));
}

TEST_F(RespServerTest, InfoAndTimeReportWhatTheHostMeasures) {
  start();
  RawClient client(server_->port());
  for (int i = 0; i < 20; ++i) client.command({"PING"});
  const std::string info = client.command({"INFO"});
  EXPECT_GT(std::stoull(info_field(info, "used_memory")), 1024u * 1024) << info;
  EXPECT_EQ(info_field(info, "used_memory_rss"), info_field(info, "used_memory"));
  EXPECT_GE(std::stoull(info_field(info, "used_memory_peak")),
            std::stoull(info_field(info, "used_memory")));
  EXPECT_GT(std::stoull(info_field(info, "total_system_memory")), 0u);
  EXPECT_EQ(info_field(info, "process_id"), std::to_string(::getpid()));
  EXPECT_EQ(info_field(info, "tcp_port"), std::to_string(server_->port()));
  EXPECT_EQ(info_field(info, "total_commands_processed"), "21");
  EXPECT_EQ(info_field(info, "total_connections_received"), "1");
  EXPECT_EQ(info_field(info, "connected_clients"), "1");
  EXPECT_EQ(info_field(info, "maxclients"), std::to_string(kRespConnectionsMax));
  EXPECT_NE(info_field(info, "instantaneous_ops_per_sec"), "<missing>");
  EXPECT_EQ(info_field(info, "os").rfind("Linux ", 0), 0u);
  const std::string time = client.command({"TIME"});
  const std::size_t first_line = time.find("\r\n", 4);
  const long long seconds = std::stoll(time.substr(first_line + 2));
  const long long now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  EXPECT_LE(std::llabs(seconds - now), 2) << time;
}

bool has_tool(const char* path) {
  return access(path, X_OK) == 0;
}

// The keyspace commands over a socket: SCAN continued on another connection (one cursor table
// per node), KEYS, DBSIZE, FLUSHDB with allow_flush, and redis-cli's --scan.
TEST_F(RespServerTest, ScanKeysDbsizeAndFlushOverSockets) {
  RespServerOptions options;
  options.allow_flush = true;
  options.keys_max = 50;
  options.scan_cursor_first_id = 1000;
  start(std::move(options));
  RawClient client(server_->port());
  std::string pipeline;
  for (int i = 0; i < 60; ++i) {
    pipeline += api::encode_resp_command({"SET", "key:" + std::to_string(i), "v"});
  }
  client.send_bytes(pipeline);
  for (int i = 0; i < 60; ++i) ASSERT_EQ(client.read_reply(), "+OK\r\n");
  const std::string first = client.command({"SCAN", "0", "COUNT", "25"});
  ASSERT_EQ(first.rfind("*2\r\n$4\r\n1000\r\n*25\r\n", 0), 0u) << first;
  RawClient other(server_->port());
  const std::string second = other.command({"SCAN", "1000", "COUNT", "25"});
  EXPECT_EQ(second.rfind("*2\r\n$4\r\n1001\r\n*25\r\n", 0), 0u) << second;
  const std::string third = client.command({"SCAN", "1001", "COUNT", "25"});
  EXPECT_EQ(third.rfind("*2\r\n$1\r\n0\r\n*10\r\n", 0), 0u) << third;
  EXPECT_EQ(client.command({"SCAN", "999"}).rfind("-ERR invalid cursor", 0), 0u);
  EXPECT_EQ(client.command({"DBSIZE"}), ":60\r\n");
  EXPECT_EQ(client.command({"KEYS", "key:1*"}).rfind("*11\r\n", 0), 0u);
  EXPECT_NE(client.command({"KEYS", "*"}).find("resp_keys_max"), std::string::npos);
  if (has_tool("/usr/bin/redis-cli")) {
    const std::string cli = "redis-cli -p " + std::to_string(server_->port());
    const auto [code, output] = run_shell(cli + " --scan --pattern 'key:5*'");
    EXPECT_EQ(code, 0) << output;
    std::istringstream lines(output);
    std::set<std::string> keys;
    for (std::string line; std::getline(lines, line);) keys.insert(line);
    EXPECT_EQ(keys,
              (std::set<std::string>{"key:5", "key:50", "key:51", "key:52", "key:53", "key:54",
                                     "key:55", "key:56", "key:57", "key:58", "key:59"}))
        << output;
  }
  EXPECT_EQ(client.command({"FLUSHDB"}), "+OK\r\n");
  EXPECT_EQ(other.command({"DBSIZE"}), ":0\r\n");
  EXPECT_EQ(other.command({"GET", "key:7"}), "$-1\r\n");
}

// A pipelined SCAN starts only once the connection's earlier writes are answered, so it sees
// them; FLUSHDB waits for every earlier command, and later ones wait for it.
TEST_F(RespServerTest, WholeDatabaseCommandsWaitForTheConnectionsEarlierCommands) {
  RespServerOptions options;
  options.allow_flush = true;
  start(std::move(options));
  RawClient client(server_->port());
  on_loop([this] { sink_->hold(); });
  client.send_bytes(api::encode_resp_command({"SET", "a", "1"}) +
                    api::encode_resp_command({"SCAN", "0"}) +
                    api::encode_resp_command({"GET", "b"}));
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(sink_->submitted.load(), 1u) << "SCAN waits for the SET (and the GET after it)";
  on_loop([this] { sink_->release(); });
  EXPECT_EQ(client.read_reply(), "+OK\r\n");
  EXPECT_EQ(client.read_reply(), "*2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n");
  EXPECT_EQ(client.read_reply(), "$-1\r\n");

  on_loop([this] { sink_->hold(); });
  const std::size_t before = sink_->submitted.load();
  client.send_bytes(api::encode_resp_command({"GET", "a"}) + api::encode_resp_command({"FLUSHDB"}) +
                    api::encode_resp_command({"GET", "a"}));
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(sink_->submitted.load(), before + 1) << "FLUSHDB waits for the GET, the GET for it";
  on_loop([this] { sink_->release(); });
  EXPECT_EQ(client.read_reply(), bulk("1"));
  EXPECT_EQ(client.read_reply(), "+OK\r\n");
  EXPECT_EQ(client.read_reply(), "$-1\r\n");
}

// INFO keyspace reports a count made in the background: none before the first count is done,
// then the cached figure; a new count starts only once the last is older than the refresh period,
// however often INFO is asked.
TEST_F(RespServerTest, InfoKeyspaceReportsACachedCount) {
  RespServerOptions options;
  options.databases = {"default", "empty"};
  options.keyspace_refresh_ms = 1500;
  start(std::move(options));
  RawClient client(server_->port());
  for (int i = 0; i < 3; ++i) client.command({"SET", "k" + std::to_string(i), "v"});
  std::string db0 = "<missing>";
  for (int attempt = 0; attempt < 100 && db0 == "<missing>"; ++attempt) {
    db0 = info_field(client.command({"INFO", "keyspace"}), "db0");
    if (db0 == "<missing>") std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(db0, "keys=3,expires=0,avg_ttl=0");
  client.command({"SET", "k3", "v"});
  const std::size_t scans = sink_->scans.load();
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(info_field(client.command({"INFO"}), "db0"), "keys=3,expires=0,avg_ttl=0")
        << "cached: no count per INFO";
  }
  EXPECT_LE(sink_->scans.load(), scans + 1) << "at most the other database's first count";
  std::this_thread::sleep_for(1600ms);
  for (int attempt = 0; attempt < 100 && db0 != "keys=4,expires=0,avg_ttl=0"; ++attempt) {
    db0 = info_field(client.command({"INFO", "keyspace"}), "db0");
    if (db0 != "keys=4,expires=0,avg_ttl=0") std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(db0, "keys=4,expires=0,avg_ttl=0");
  EXPECT_EQ(info_field(client.command({"INFO", "keyspace"}), "db1"), "<missing>")
      << "an empty database has no line";
}

TEST_F(RespServerTest, RedisCliSpeaksResp3AndShowsStat) {
  if (!has_tool("/usr/bin/redis-cli")) GTEST_SKIP() << "redis-tools is not installed";
  start();
  const std::string cli = "redis-cli -p " + std::to_string(server_->port());
  // --no-raw: the formatting redis-cli uses on a terminal, which shows RESP3's types.
  EXPECT_EQ(run_shell(cli + " -3 --no-raw SET greeting hi").second, "OK\n");
  EXPECT_EQ(run_shell(cli + " -3 --no-raw GET greeting").second, "\"hi\"\n");
  EXPECT_EQ(run_shell(cli + " -3 --no-raw GET nothing").second, "(nil)\n");
  const std::string hello = run_shell(cli + " -3 --no-raw HELLO 3").second;
  EXPECT_NE(hello.find("1# \"server\" => \"ringkv\""), std::string::npos) << hello;
  EXPECT_NE(hello.find("3# \"proto\" => (integer) 3"), std::string::npos) << hello;
  EXPECT_NE(run_shell(cli + " -3 INFO server").second.find("redis_version:7.0.0"),
            std::string::npos);
  // --stat polls INFO once a second and prints keys, mem, clients, blocked, requests and
  // connections; two polls give two data lines.
  // stdbuf: redis-cli's lines would otherwise wait in a pipe buffer that timeout discards.
  const auto [code, output] = run_shell("timeout 2.5 stdbuf -oL " + cli + " --stat -i 1");
  EXPECT_NE(output.find("keys       mem      clients blocked requests"), std::string::npos)
      << output;
  std::istringstream lines(output);
  std::string line;
  int data_lines = 0;
  std::string last_keys;
  while (std::getline(lines, line)) {
    std::istringstream columns(line);
    std::string keys, memory, clients, blocked;
    if (!(columns >> keys >> memory >> clients >> blocked)) continue;
    if (keys.find_first_not_of("0123456789") != std::string::npos) continue;
    ++data_lines;
    // The key count comes from INFO keyspace's background count: none at the first poll, the
    // one key ("greeting") once it is done.
    EXPECT_TRUE(keys == "0" || keys == "1") << line;
    last_keys = keys;
    EXPECT_TRUE(memory.ends_with("M") || memory.ends_with("G")) << line;
    EXPECT_EQ(clients, "1") << line;
    EXPECT_EQ(blocked, "0") << line;
  }
  EXPECT_GE(data_lines, 2) << output;
  EXPECT_EQ(last_keys, "1") << output;
}

// redis-cli builds its hints from COMMAND DOCS: typing "SET " in an interactive session shows
// the arguments of ringkv's table, and the start does not trip any of redis-cli's assertions on
// the reply's types.
TEST_F(RespServerTest, RedisCliShowsHintsFromCommandDocs) {
  if (!has_tool("/usr/bin/redis-cli") || !has_tool("/usr/bin/python3")) {
    GTEST_SKIP() << "redis-cli or python3 is not installed";
  }
  start();
  const std::string script =
      "import fcntl, os, pty, re, select, struct, sys, termios, time\n"
      "pid, fd = pty.fork()\n"
      "if pid == 0:\n"
      "    os.execv('/usr/bin/redis-cli', ['redis-cli', '-p', sys.argv[1]])\n"
      "# A terminal size, or linenoise asks the terminal for its cursor position.\n"
      "fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 40, 200, 0, 0))\n"
      "out = b''\n"
      "def pump(seconds):\n"
      "    global out\n"
      "    end = time.time() + seconds\n"
      "    while time.time() < end:\n"
      "        r, _, _ = select.select([fd], [], [], 0.05)\n"
      "        if r:\n"
      "            try: out += os.read(fd, 65536)\n"
      "            except OSError: return\n"
      "pump(1.0)\n"
      "os.write(fd, b'SET ')\n"
      "pump(1.0)\n"
      "os.write(fd, b'\\x15GETALL ')\n"
      "pump(1.0)\n"
      "os.write(fd, b'\\x15quit\\r')\n"
      "pump(1.0)\n"
      "text = re.sub(r'\\x1b\\[[0-9;]*[A-Za-z]', '', out.decode('utf-8', 'replace'))\n"
      "sys.stdout.write(text)\n";
  const std::string path = testing::TempDir() + "/redis_cli_hints.py";
  FILE* file = std::fopen(path.c_str(), "w");
  ASSERT_NE(file, nullptr);
  std::fputs(script.c_str(), file);
  std::fclose(file);
  const auto [code, output] =
      run_shell("HOME=" + testing::TempDir() + " /usr/bin/python3 " + path + " " +
                std::to_string(server_->port()));
  EXPECT_NE(output.find("key value [NX|XX] [GET]"), std::string::npos) << output;
  EXPECT_NE(output.find("GETALL key"), std::string::npos) << output;
  EXPECT_EQ(output.find("ASSERTION"), std::string::npos) << output;
}

// redis-py (Debian's python3-redis) as applications use it: a transaction that Redis would
// abort at EXEC applies none of its writes, and one that succeeds returns every reply.
TEST_F(RespServerTest, RedisPyTransactionsApplyAllOrNothing) {
  if (!has_tool("/usr/bin/python3") ||
      run_shell("/usr/bin/python3 -c 'import redis'").first != 0) {
    GTEST_SKIP() << "python3-redis is not installed";
  }
  start();
  const std::string script =
      "import sys, redis\n"
      "r = redis.Redis(port=int(sys.argv[1]), client_name='pytest')\n"
      "p = r.pipeline(transaction=True)\n"
      "p.set('tx:a', '1')\n"
      "p.execute_command('LPUSH', 'tx:l', 'x')\n"
      "p.set('tx:b', '2')\n"
      "try:\n"
      "    p.execute()\n"
      "    print('executed')\n"
      "except redis.exceptions.ResponseError as e:\n"
      "    print('aborted:', type(e).__name__)\n"
      "print('after abort:', r.get('tx:a'), r.get('tx:b'))\n"
      "p = r.pipeline(transaction=True)\n"
      "p.set('tx:c', '3')\n"
      "p.get('tx:c')\n"
      "p.exists('tx:c', 'tx:a')\n"
      "print('committed:', p.execute())\n"
      "print('name:', r.client_getname(), 'id:', r.client_id() > 0)\n"
      "print('select:', r.select(0))\n"
      "print('watch:', end=' ')\n"
      "try:\n"
      "    r.execute_command('WATCH', 'tx:c')\n"
      "except redis.exceptions.ResponseError as e:\n"
      "    print(e)\n";
  const std::string path = testing::TempDir() + "/redis_py_transactions.py";
  FILE* file = std::fopen(path.c_str(), "w");
  ASSERT_NE(file, nullptr);
  std::fputs(script.c_str(), file);
  std::fclose(file);
  const auto [code, output] =
      run_shell("/usr/bin/python3 " + path + " " + std::to_string(server_->port()));
  EXPECT_EQ(code, 0) << output;
  EXPECT_NE(output.find("aborted: "), std::string::npos) << output;
  EXPECT_NE(output.find("after abort: None None"), std::string::npos) << output;
  EXPECT_NE(output.find("committed: [True, b'3', 1]"), std::string::npos) << output;
  EXPECT_NE(output.find("name: pytest id: True"), std::string::npos) << output;
  EXPECT_NE(output.find("select: True"), std::string::npos) << output;
  EXPECT_NE(output.find("watch: WATCH is not supported"), std::string::npos) << output;
}
}  // namespace
}  // namespace ringkv::runtime
