#include "runtime/resp_server.h"

#include <spdlog/spdlog.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <array>
#include <cassert>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "api/resp_commands.h"
#include "api/resp_encoder.h"
#include "api/resp_parser.h"
#include "api/resp_session.h"
#include "api/resp_stats.h"
#include "common/host_port.h"

namespace ringkv::runtime {
namespace {

using tcp = asio::ip::tcp;

constexpr std::size_t kReadChunkBytes = 16 * 1024;
// A write buffer that grew for one large reply is released rather than kept per connection.
constexpr std::size_t kWriteBufferKeptBytesMax = 1024 * 1024;
// Accept fails for every connection at once when descriptors run out: retry after a pause
// instead of spinning on the event loop.
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);

std::uint64_t steady_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

std::int64_t unix_time_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "Linux 6.1.0-18-amd64 x86_64", as Redis's INFO os field.
std::string operating_system() {
  utsname name{};
  if (::uname(&name) != 0) return "";
  return std::string(name.sysname) + " " + name.release + " " + name.machine;
}

// The process's memory from the kernel: resident set (statm), its peak (VmHWM) and the machine's
// total. Fields the kernel does not give stay 0.
api::RespMemoryInfo read_memory() {
  api::RespMemoryInfo memory;
  const long page = ::sysconf(_SC_PAGESIZE);
  if (std::FILE* statm = std::fopen("/proc/self/statm", "r")) {
    unsigned long size = 0;
    unsigned long resident = 0;
    if (std::fscanf(statm, "%lu %lu", &size, &resident) == 2 && page > 0) {
      memory.rss_bytes = static_cast<std::uint64_t>(resident) * static_cast<std::uint64_t>(page);
    }
    std::fclose(statm);
  }
  if (std::FILE* status = std::fopen("/proc/self/status", "r")) {
    char line[256];
    while (std::fgets(line, sizeof(line), status) != nullptr) {
      unsigned long kib = 0;
      if (std::sscanf(line, "VmHWM: %lu kB", &kib) == 1) {
        memory.peak_bytes = static_cast<std::uint64_t>(kib) * 1024;
        break;
      }
    }
    std::fclose(status);
  }
  memory.used_bytes = memory.rss_bytes;
  memory.peak_bytes = std::max(memory.peak_bytes, memory.rss_bytes);
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  if (pages > 0 && page > 0) {
    memory.total_system_bytes =
        static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page);
  }
  return memory;
}

// An endpoint as Redis prints addresses: "127.0.0.1:6379", "[::1]:6379"; "?" when unknown.
std::string endpoint_text(const tcp::endpoint& endpoint) {
  const std::string host = endpoint.address().to_string();
  const std::string port = std::to_string(endpoint.port());
  return endpoint.address().is_v6() ? "[" + host + "]:" + port : host + ":" + port;
}

}  // namespace

class RespConnection;

struct RespServer::State {
  State(asio::io_context& io_context, RequestSink& request_sink, RespServerOptions options)
      : sink(request_sink),
        acceptor(io_context),
        accept_retry(io_context),
        parser_limits(api::RespParserLimits::for_value_max(options.value_max_bytes)),
        started_ms(steady_ms()) {
    info.os = operating_system();
    info.process_id = ::getpid();
    info.value_max_bytes = options.value_max_bytes;
    info.max_clients = kRespConnectionsMax;
    if (!options.databases.empty()) info.databases = std::move(options.databases);
    info.keys_max = options.keys_max;
    info.allow_flush = options.allow_flush;
    info.scan_cursors = std::make_shared<api::ScanCursorTable>(
        api::kRespScanCursorsMax, api::kRespScanCursorBytesMax, options.scan_cursor_first_id);
    info.memory = read_memory;
    keyspace_counts = api::RespKeyspaceCache(options.keyspace_refresh_ms);
    refresh_info();
  }

  // Brings the changing fields of `info` up to date; called before each command is planned.
  void refresh_info() {
    const std::uint64_t now = steady_ms();
    info.now_ms = now;
    info.uptime_seconds = (now - started_ms) / 1000;
    info.unix_time_us = unix_time_us();
    info.connected_clients = live_connections;
    info.total_connections_received = connections_received;
    info.rejected_connections = rejected_connections;
    info.total_commands_processed = commands_processed;
    ops_meter.observe(now, commands_processed);
    info.instantaneous_ops_per_sec = ops_meter.per_second();
  }

  RequestSink& sink;
  tcp::acceptor acceptor;
  asio::steady_timer accept_retry;
  const api::RespParserLimits parser_limits;
  const std::uint64_t started_ms;
  api::RespServerInfo info;
  api::RespOpsMeter ops_meter;
  api::RespKeyspaceCache keyspace_counts;  // INFO keyspace.
  bool closed = false;
  std::size_t live_connections = 0;
  std::uint64_t connections_received = 0;
  std::uint64_t rejected_connections = 0;
  std::uint64_t commands_processed = 0;
  std::uint64_t next_client_id = 1;
  std::vector<std::weak_ptr<RespConnection>> connections;  // Oldest first.
};

// One client connection. Commands move through three stages, oldest first in commands_:
// parsed (waiting for their keys), running (requests submitted, a step at a time) and done
// (reply ready). Replies leave strictly from the front, so they are written in command order
// whatever order the node answers in. All work happens in pump(), which callbacks re-enter
// safely: a sink may answer inside submit().
class RespConnection : public std::enable_shared_from_this<RespConnection> {
 public:
  RespConnection(tcp::socket socket, std::shared_ptr<RespServer::State> server)
      : socket_(std::move(socket)), server_(std::move(server)), parser_(server_->parser_limits) {
    ++server_->live_connections;
    server_->refresh_info();
    session_.client_id = server_->next_client_id++;
    boost::system::error_code error;
    const tcp::endpoint remote = socket_.remote_endpoint(error);
    session_.address = error ? "?" : endpoint_text(remote);
    const tcp::endpoint local = socket_.local_endpoint(error);
    session_.local_address = error ? "?" : endpoint_text(local);
    session_.fd = socket_.native_handle();
    session_.connected_at_ms = session_.last_command_at_ms = server_->info.now_ms;
    session_.bucket = server_->info.databases.front();
  }
  ~RespConnection() { --server_->live_connections; }

  void start() { pump(); }

  bool open() const { return !closed_; }
  const api::RespSession& session() const { return session_; }

  void close() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

 private:
  struct Command {
    api::RespStep step;
    std::vector<std::string> keys;
    bool writes = false;
    bool ordered_write = false;
    bool all_keys = false;
    std::vector<core::ClientReply> replies;  // Of the running step, in request order.
    std::size_t replies_missing = 0;
    bool done = false;
  };
  struct KeyUse {
    std::size_t readers = 0;
    std::size_t writers = 0;
    std::size_t ordered_writers = 0;  // Plain SETs: they may overlap each other.
  };

  void pump() {
    if (pumping_) {
      pump_again_ = true;
      return;
    }
    pumping_ = true;
    do {
      pump_again_ = false;
      if (closed_) break;
      parse_commands();
      continue_commands();
      dispatch_commands();
      write_replies();
    } while (pump_again_);
    pumping_ = false;
    if (closed_) return;
    if (stop_reading_ && commands_.empty() && !write_in_progress_) {
      close();  // The client is gone (or asked to leave) and every reply is written.
      return;
    }
    read();
  }

  bool has_room() const {
    return commands_.size() < kRespPendingCommandsMax &&
           unwritten_bytes_ < kRespUnwrittenReplyBytesMax;
  }

  void parse_commands() {
    while (!stop_parsing_ && has_room()) {
      auto next = parser_.next();
      if (!next.is_ok()) {
        // The stream cannot be resynchronized: answer after the earlier replies, then close.
        spdlog::warn("closing RESP connection after bad input: {}", next.status().message());
        api::RespWriter out(session_.protocol);
        out.error("ERR " + next.status().message());
        api::RespStep error;
        error.reply = out.take();
        error.close_connection = true;
        commands_.push_back(Command{std::move(error)});
        stop_parsing_ = stop_reading_ = true;
        return;
      }
      if (!next->has_value()) return;
      ++server_->commands_processed;
      server_->refresh_info();
      api::RespCommandPlan plan =
          api::plan_resp_command(std::move(**next), session_, server_->info);
      const bool quit = plan.first.finished() && plan.first.close_connection;
      commands_.push_back(Command{std::move(plan.first), std::move(plan.keys), plan.writes,
                                  plan.ordered_write, plan.all_keys});
      if (quit) stop_parsing_ = stop_reading_ = true;
    }
  }

  // Starts commands in order while their keys are free of conflicting earlier commands.
  void dispatch_commands() {
    while (!closed_ && dispatched_ < commands_.size()) {
      const Command& command = commands_[dispatched_];
      if (!keys_available(command)) return;
      acquire_keys(command);
      const std::uint64_t sequence = first_sequence_ + dispatched_;
      ++dispatched_;
      run_step(sequence);
    }
  }

  bool keys_available(const Command& command) const {
    // Commands over every key (api::RespCommandPlan::all_keys): SCAN waits for the writes
    // before it and holds back those after it; FLUSHDB waits for everything and holds back
    // everything.
    if (running_.all_key_writers > 0) return false;
    if (command.all_keys) {
      return command.writes ? running_.commands == 0 : running_.writers == 0;
    }
    if (command.writes && running_.all_key_readers > 0) return false;
    for (const auto& key : command.keys) {
      const auto it = keys_in_use_.find(key);
      if (it == keys_in_use_.end()) continue;
      const KeyUse& use = it->second;
      if (use.writers > 0) return false;
      if (!command.writes && use.ordered_writers > 0) return false;
      if (command.writes && use.readers > 0) return false;
      if (command.writes && !command.ordered_write && use.ordered_writers > 0) return false;
    }
    return true;
  }

  static std::size_t& counter(KeyUse& use, const Command& command) {
    if (!command.writes) return use.readers;
    return command.ordered_write ? use.ordered_writers : use.writers;
  }

  void acquire_keys(const Command& command) {
    ++running_.commands;
    if (command.writes) ++running_.writers;
    if (command.all_keys) ++(command.writes ? running_.all_key_writers : running_.all_key_readers);
    for (const auto& key : command.keys) {
      KeyUse& use = keys_in_use_[key];
      ++counter(use, command);
    }
  }

  void release_keys(const Command& command) {
    assert(running_.commands > 0);
    --running_.commands;
    if (command.writes) --running_.writers;
    if (command.all_keys) --(command.writes ? running_.all_key_writers : running_.all_key_readers);
    for (const auto& key : command.keys) {
      auto it = keys_in_use_.find(key);
      assert(it != keys_in_use_.end());
      std::size_t& count = counter(it->second, command);
      assert(count > 0);
      --count;
      if (it->second.readers == 0 && it->second.writers == 0 && it->second.ordered_writers == 0) {
        keys_in_use_.erase(it);
      }
    }
    // A waiting command may start now: one on the same keys, or one waiting for every earlier
    // write (SCAN) or command (FLUSHDB).
    pump_again_ = true;
  }

  Command* find(std::uint64_t sequence) {
    if (sequence < first_sequence_ || sequence - first_sequence_ >= commands_.size()) {
      return nullptr;
    }
    return &commands_[sequence - first_sequence_];
  }

  // Submits the command's current step, or finishes the command when the step is its reply.
  void run_step(std::uint64_t sequence) {
    Command* command = find(sequence);
    assert(command != nullptr);
    if (!command->step.finished() && server_->closed) {
      api::RespWriter out(session_.protocol);
      out.error("ERR server is shutting down");
      command->step = api::RespStep();
      command->step.reply = out.take();
    }
    if (command->step.finished()) {
      command->done = true;
      unwritten_bytes_ += command->step.reply.size();
      release_keys(*command);
      return;
    }
    std::vector<core::ClientRequest> requests = std::move(command->step.requests);
    command->step.requests.clear();
    command->replies.assign(requests.size(), core::ClientReply());
    command->replies_missing = requests.size();
    // `command` may not be touched below: a sink that answers inside submit() re-enters pump().
    for (std::size_t slot = 0; slot < requests.size(); ++slot) {
      server_->sink.submit(std::move(requests[slot]),
                           [self = shared_from_this(), sequence, slot](core::ClientReply reply) {
                             self->on_reply(sequence, slot, std::move(reply));
                           });
    }
  }

  void on_reply(std::uint64_t sequence, std::size_t slot, core::ClientReply reply) {
    Command* command = find(sequence);
    assert(command != nullptr);
    assert(command->replies_missing > 0);
    command->replies[slot] = std::move(reply);
    if (--command->replies_missing == 0) steps_complete_.push_back(sequence);
    pump();
  }

  // Hands every completed step's replies to its continuation and runs the next step.
  void continue_commands() {
    while (!steps_complete_.empty()) {
      std::vector<std::uint64_t> complete;
      complete.swap(steps_complete_);
      for (const std::uint64_t sequence : complete) {
        Command* command = find(sequence);
        assert(command != nullptr);
        api::RespStep next = command->step.then(std::move(command->replies));
        command->replies.clear();
        command->step = std::move(next);
        run_step(sequence);
      }
    }
  }

  // Writes every reply ready at the front in one write; replies finishing meanwhile wait and
  // leave together in the next one.
  void write_replies() {
    if (write_in_progress_ || closed_) return;
    while (!commands_.empty() && commands_.front().done) {
      const bool close_after = commands_.front().step.close_connection;
      writing_.append(commands_.front().step.reply);
      commands_.pop_front();
      ++first_sequence_;
      --dispatched_;
      if (close_after) {
        close_after_write_ = true;
        break;
      }
    }
    if (writing_.empty()) return;
    write_in_progress_ = true;
    asio::async_write(
        socket_, asio::buffer(writing_),
        [self = shared_from_this()](const boost::system::error_code& error, std::size_t) {
          self->write_in_progress_ = false;
          self->unwritten_bytes_ -= self->writing_.size();
          self->writing_.clear();
          if (self->writing_.capacity() > kWriteBufferKeptBytesMax) {
            std::string().swap(self->writing_);
          }
          if (error || self->close_after_write_) {
            self->close();
            return;
          }
          self->pump();
        });
  }

  void read() {
    if (reading_ || stop_reading_ || closed_ || !has_room()) return;
    reading_ = true;
    socket_.async_read_some(
        asio::buffer(read_buffer_),
        [self = shared_from_this()](const boost::system::error_code& error, std::size_t bytes) {
          self->reading_ = false;
          if (error == asio::error::eof) {
            // Answer what was sent before the client half-closed, then close.
            self->stop_reading_ = true;
            self->pump();
            return;
          }
          if (error) {
            self->close();  // Reset by the peer, or aborted by close().
            return;
          }
          self->parser_.feed(std::string_view(self->read_buffer_.data(), bytes));
          self->pump();
        });
  }

  tcp::socket socket_;
  std::shared_ptr<RespServer::State> server_;
  api::RespSession session_;
  api::RespParser parser_;
  std::array<char, kReadChunkBytes> read_buffer_{};
  std::deque<Command> commands_;      // Unwritten commands, oldest first.
  std::uint64_t first_sequence_ = 0;  // Sequence number of commands_.front().
  std::size_t dispatched_ = 0;        // commands_[0, dispatched_) are running or done.
  std::vector<std::uint64_t> steps_complete_;
  std::unordered_map<std::string, KeyUse> keys_in_use_;
  // Commands started and not done: all of them, those that write, and those over every key.
  struct Running {
    std::size_t commands = 0;
    std::size_t writers = 0;
    std::size_t all_key_readers = 0;
    std::size_t all_key_writers = 0;
  } running_;
  std::string writing_;
  std::size_t unwritten_bytes_ = 0;  // Replies done but not yet written, plus writing_.
  bool reading_ = false;
  bool write_in_progress_ = false;
  bool stop_reading_ = false;  // EOF, QUIT or a protocol error.
  bool stop_parsing_ = false;  // QUIT or a protocol error.
  bool close_after_write_ = false;
  bool closed_ = false;
  bool pumping_ = false;
  bool pump_again_ = false;
};

namespace {

void refuse_connection(tcp::socket socket) {
  static const std::string kReply = "-ERR max number of clients reached\r\n";
  auto refused = std::make_shared<tcp::socket>(std::move(socket));
  asio::async_write(*refused, asio::buffer(kReply),
                    [refused](const boost::system::error_code&, std::size_t) {
                      boost::system::error_code ignored;
                      refused->close(ignored);
                    });
}

void accept_next(const std::shared_ptr<RespServer::State>& state) {
  state->acceptor.async_accept([state](const boost::system::error_code& error, tcp::socket socket) {
    if (state->closed) return;
    if (error) {
      spdlog::warn("RESP accept failed: {}", error.message());
      state->accept_retry.expires_after(kAcceptRetryDelay);
      state->accept_retry.async_wait([state](const boost::system::error_code& wait_error) {
        if (!wait_error && !state->closed) accept_next(state);
      });
      return;
    }
    ++state->connections_received;
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    if (state->live_connections >= kRespConnectionsMax) {
      ++state->rejected_connections;
      refuse_connection(std::move(socket));
    } else {
      auto connection = std::make_shared<RespConnection>(std::move(socket), state);
      // Forget connections that are gone so the list stays bounded by live connections.
      std::erase_if(state->connections, [](const auto& weak) { return weak.expired(); });
      state->connections.push_back(connection);
      connection->start();
    }
    accept_next(state);
  });
}

// Runs the steps of a command no connection waits for (INFO's key counts) to their end, each
// step from the event loop (never inside the submit() that answered the previous one); the last
// step's reply is dropped. Stops once the server is closed.
void run_in_background(const std::shared_ptr<RespServer::State>& state, api::RespStep step) {
  if (step.finished() || state->closed) return;
  struct Pending {
    api::RespContinuation then;
    std::vector<core::ClientReply> replies;
    std::size_t missing = 0;
  };
  auto pending = std::make_shared<Pending>();
  pending->then = std::move(step.then);
  pending->replies.resize(step.requests.size());
  pending->missing = step.requests.size();
  for (std::size_t slot = 0; slot < step.requests.size(); ++slot) {
    state->sink.submit(std::move(step.requests[slot]),
                       [state, pending, slot](core::ClientReply reply) {
                         pending->replies[slot] = std::move(reply);
                         if (--pending->missing > 0) return;
                         asio::post(state->acceptor.get_executor(),
                                    [state, next = pending->then(std::move(pending->replies))] {
                                      run_in_background(state, next);
                                    });
                       });
  }
}

// Counts `bucket`'s keys for INFO keyspace (api/resp_keyspace_cache.h): a DBSIZE in the
// background, started from the event loop once the INFO that asked has been planned.
void count_keyspace(const std::shared_ptr<RespServer::State>& state, std::string bucket) {
  api::RespStep steps = api::count_keys_steps(bucket, [state, bucket](Result<std::uint64_t> keys) {
    if (!keys.is_ok()) {
      spdlog::debug("INFO keyspace: counting bucket '{}' failed: {}", bucket,
                    keys.status().to_string());
    }
    state->keyspace_counts.finished(bucket, keys.is_ok() ? std::optional(*keys) : std::nullopt);
    return api::RespStep();
  });
  asio::post(state->acceptor.get_executor(),
             [state, steps = std::move(steps)] { run_in_background(state, steps); });
}

}  // namespace

RespServer::RespServer(asio::io_context& io, RequestSink& sink, RespServerOptions options)
    : state_(std::make_shared<State>(io, sink, std::move(options))) {
  // CLIENT LIST: the registry's open connections. The hook lives in the state it reads.
  State* state = state_.get();
  state_->info.for_each_client =
      [state](const std::function<void(const api::RespSession&)>& visit) {
        for (const auto& weak : state->connections) {
          const auto connection = weak.lock();
          if (connection && connection->open()) visit(connection->session());
        }
      };
  // INFO keyspace: the last count, a new one started when it is stale. The hook lives in the
  // state it reads, so it holds it weakly.
  std::weak_ptr<State> weak_state = state_;
  state_->info.keyspace =
      [weak_state](std::string_view bucket) -> std::optional<api::RespKeyspaceInfo> {
    const std::shared_ptr<State> shared = weak_state.lock();
    if (!shared) return std::nullopt;
    bool start = false;
    const auto keys = shared->keyspace_counts.lookup(bucket, shared->info.now_ms, start);
    if (start) count_keyspace(shared, std::string(bucket));
    if (!keys) return std::nullopt;
    return api::RespKeyspaceInfo{*keys, 0};
  };
}

RespServer::RespServer(asio::io_context& io, RequestSink& sink, std::size_t value_max_bytes)
    : RespServer(io, sink, RespServerOptions{.value_max_bytes = value_max_bytes}) {}

RespServer::~RespServer() {
  close();
}

Status RespServer::listen(const std::string& host_port) {
  if (state_->closed) return Status::invalid_argument("resp_listen: the RESP server is closed");
  if (state_->acceptor.is_open()) {
    return Status::invalid_argument("resp_listen: the RESP server is already listening");
  }
  auto address = parse_host_port(host_port, "resp_listen");
  if (!address.is_ok()) return address.status();
  boost::system::error_code error;
  const auto ip = asio::ip::make_address(address->host, error);
  if (error) {
    return Status::invalid_argument("resp_listen host '" + address->host +
                                    "' is not an IP address");
  }
  const tcp::endpoint endpoint(ip, address->port);
  tcp::acceptor& acceptor = state_->acceptor;
  acceptor.open(endpoint.protocol(), error);
  if (!error) acceptor.set_option(tcp::acceptor::reuse_address(true), error);
  if (!error) acceptor.bind(endpoint, error);
  if (!error) acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    boost::system::error_code ignored;
    acceptor.close(ignored);
    return Status::io_error("cannot listen on resp_listen " + host_port + ": " + error.message());
  }
  state_->info.tcp_port = acceptor.local_endpoint().port();
  spdlog::info("RESP (Redis protocol) listening on {}:{}", address->host, state_->info.tcp_port);
  accept_next(state_);
  return Status::ok();
}

std::uint16_t RespServer::port() const {
  return state_->info.tcp_port;
}

std::size_t RespServer::connections() const {
  return state_->live_connections;
}

void RespServer::close() {
  if (state_->closed) return;
  state_->closed = true;
  boost::system::error_code ignored;
  state_->acceptor.close(ignored);
  state_->accept_retry.cancel();
  for (auto& weak : state_->connections) {
    if (auto connection = weak.lock()) connection->close();
  }
  state_->connections.clear();
}

}  // namespace ringkv::runtime
