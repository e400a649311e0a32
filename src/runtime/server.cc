#include "runtime/server.h"

#include <spdlog/spdlog.h>

#include <array>
#include <chrono>
#include <random>
#include <unordered_map>

#include "api/frame_codec.h"
#include "api/native_codec.h"
#include "core/node.h"
#include "common/asio.h"
#include "storage/engine.h"

namespace ringkv::runtime {
namespace {

using tcp = asio::ip::tcp;

// A connection stops reading while this many of its requests are in flight (backpressure).
constexpr std::size_t kInflightPerConnectionMax = 1024;
constexpr std::size_t kReadChunkBytes = 64 * 1024;

std::uint64_t seed_from_os() {
  std::random_device device;
  return (std::uint64_t{device()} << 32) ^ device();
}

}  // namespace

class Session;

class Server::Impl {
 public:
  explicit Impl(ServerConfig config)
      : config_(std::move(config)),
        acceptor_(io_),
        signals_(io_, SIGTERM, SIGINT),
        tick_timer_(io_),
        random_(seed_from_os()) {}

  Status open();
  Status run();
  void stop() {
    asio::post(io_, [this] { shutdown("stop requested"); });
  }
  std::uint16_t port() const { return port_; }

  // Called by sessions on the event-loop thread.
  void submit(const std::shared_ptr<Session>& session, core::ClientRequest request);
  std::size_t frame_max_bytes() const { return limits::frame_max_bytes(config_.value_max_bytes); }

 private:
  struct InflightRequest {
    std::weak_ptr<Session> session;
    std::uint64_t client_request_id;
    core::ClientOp op;
  };

  void accept();
  void drain();
  void arm_tick(std::uint64_t at_ms);
  void shutdown(const std::string& reason);
  std::uint64_t now_ms() const {
    const auto elapsed = std::chrono::steady_clock::now() - started_at_;
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count());
  }

  ServerConfig config_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  asio::signal_set signals_;
  asio::steady_timer tick_timer_;
  std::chrono::steady_clock::time_point started_at_ = std::chrono::steady_clock::now();
  core::SplitMix64 random_;
  std::unique_ptr<storage::Engine> engine_;
  std::unique_ptr<core::Node> node_;
  std::uint64_t next_request_id_ = 1;
  std::unordered_map<std::uint64_t, InflightRequest> inflight_;
  std::vector<std::weak_ptr<Session>> sessions_;
  std::uint16_t port_ = 0;
  std::uint64_t tick_at_ms_ = 0;
  bool stopping_ = false;
};

// One client connection: reads frames, submits requests, writes responses in any order (each
// carries its request id), and closes after answering a frame it cannot trust.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Server::Impl& server)
      : socket_(std::move(socket)), server_(server), decoder_(server.frame_max_bytes()) {}

  void start() { read(); }

  void respond(const wire::Response& response) {
    std::string payload;
    response.SerializeToString(&payload);
    api::append_frame(pending_output_, payload);
    write();
  }

  void request_done() {
    --inflight_;
    if (paused_ && inflight_ < kInflightPerConnectionMax / 2 && !close_after_write_) {
      paused_ = false;
      read();
    }
  }

  void close() {
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

 private:
  void read() {
    socket_.async_read_some(
        asio::buffer(read_buffer_),
        [self = shared_from_this()](const boost::system::error_code& error, std::size_t bytes) {
          if (error) return;  // Peer closed or the server is shutting down.
          self->decoder_.feed(std::string_view(self->read_buffer_.data(), bytes));
          self->handle_frames();
        });
  }

  void handle_frames() {
    while (true) {
      auto frame = decoder_.next();
      if (!frame.is_ok()) {
        fail(0, frame.status());
        return;
      }
      if (!frame->has_value()) break;
      std::uint64_t request_id = 0;
      auto request = api::parse_request(**frame, &request_id);
      if (!request.is_ok()) {
        fail(request_id, request.status());
        return;
      }
      ++inflight_;
      server_.submit(shared_from_this(), std::move(request).value());
    }
    if (inflight_ >= kInflightPerConnectionMax) {
      paused_ = true;  // request_done() resumes reading.
      return;
    }
    read();
  }

  // Answers a frame we cannot trust and closes the connection once the answer is written: the
  // byte stream cannot be resynchronized after a bad frame.
  void fail(std::uint64_t request_id, const Status& status) {
    spdlog::warn("closing connection after bad input: {}", status.to_string());
    close_after_write_ = true;
    respond(api::error_response(request_id, status));
  }

  void write() {
    if (write_in_progress_ || pending_output_.empty()) return;
    writing_.swap(pending_output_);
    pending_output_.clear();
    write_in_progress_ = true;
    asio::async_write(socket_, asio::buffer(writing_),
                      [self = shared_from_this()](const boost::system::error_code& error,
                                                  std::size_t) {
                        self->write_in_progress_ = false;
                        self->writing_.clear();
                        if (error) return;
                        if (!self->pending_output_.empty()) {
                          self->write();
                        } else if (self->close_after_write_) {
                          self->close();
                        }
                      });
  }

  tcp::socket socket_;
  Server::Impl& server_;
  api::FrameDecoder decoder_;
  std::array<char, kReadChunkBytes> read_buffer_{};
  std::string pending_output_;
  std::string writing_;
  bool write_in_progress_ = false;
  bool close_after_write_ = false;
  bool paused_ = false;
  std::size_t inflight_ = 0;
};

Status Server::Impl::open() {
  RINGKV_RETURN_IF_ERROR(config_.validate());
  storage::EngineOptions options;
  options.engine = config_.engine;
  options.data_dir = config_.data_dir;
  options.sync = storage::parse_sync_policy(config_.sync).value();
  auto engine = storage::open_engine(options);
  if (!engine.is_ok()) return engine.status();
  engine_ = std::move(engine).value();

  core::NodeConfig node_config;
  node_config.node_id = config_.node_id;
  node_config.partition_count = config_.partition_count;
  node_config.value_max_bytes = config_.value_max_bytes;
  node_config.tick_interval_ms = config_.tick_interval_ms;
  node_ = std::make_unique<core::Node>(node_config, *engine_, random_);
  RINGKV_RETURN_IF_ERROR(node_->start(now_ms()));
  drain();

  auto address = parse_host_port(config_.listen, "listen");
  if (!address.is_ok()) return address.status();
  boost::system::error_code error;
  const auto ip = asio::ip::make_address(address->host, error);
  if (error) return Status::invalid_argument("listen host '" + address->host + "' is not an IP address");
  const tcp::endpoint endpoint(ip, address->port);
  acceptor_.open(endpoint.protocol(), error);
  if (!error) acceptor_.set_option(tcp::acceptor::reuse_address(true), error);
  if (!error) acceptor_.bind(endpoint, error);
  if (!error) acceptor_.listen(asio::socket_base::max_listen_connections, error);
  if (error) return Status::io_error("cannot listen on " + config_.listen + ": " + error.message());
  port_ = acceptor_.local_endpoint().port();
  spdlog::info("node {} (actor {:016x}) listening on {}:{} engine={} sync={} data_dir={}",
               config_.node_id, node_->actor_id(), address->host, port_, config_.engine,
               config_.sync, config_.data_dir);
  return Status::ok();
}

void Server::Impl::accept() {
  acceptor_.async_accept([this](const boost::system::error_code& error, tcp::socket socket) {
    if (error) {
      if (!stopping_) spdlog::warn("accept failed: {}", error.message());
      if (stopping_) return;
    } else {
      socket.set_option(tcp::no_delay(true));
      auto session = std::make_shared<Session>(std::move(socket), *this);
      // Forget sessions that are gone so the list stays bounded by live connections.
      std::erase_if(sessions_, [](const auto& weak) { return weak.expired(); });
      sessions_.push_back(session);
      session->start();
    }
    accept();
  });
}

void Server::Impl::submit(const std::shared_ptr<Session>& session, core::ClientRequest request) {
  const std::uint64_t id = next_request_id_++;
  inflight_[id] = InflightRequest{session, request.request_id, request.op};
  request.request_id = id;
  node_->on_client_request(std::move(request), now_ms());
  drain();
}

// Applies the node's effects in the order effects.h documents.
void Server::Impl::drain() {
  while (true) {
    std::vector<core::Effect> effects = node_->take_effects();
    if (effects.empty()) return;
    for (auto& effect : effects) {
      if (auto* persist = std::get_if<core::PersistEffect>(&effect)) {
        const std::uint64_t token = persist->token;
        // Completions may run on the engine's group-commit thread: hop back to the loop.
        const Status status = engine_->write(persist->batch, [this, token](Status result) {
          asio::post(io_, [this, token, result = std::move(result)] {
            node_->on_persisted(token, result);
            drain();
          });
        });
        if (!status.is_ok()) {
          spdlog::error("storage write failed: {}", status.to_string());
          node_->on_persisted(token, status);
        }
      } else if (auto* reply = std::get_if<core::ReplyEffect>(&effect)) {
        auto it = inflight_.find(reply->reply.request_id);
        if (it == inflight_.end()) continue;
        InflightRequest request = it->second;
        inflight_.erase(it);
        if (auto session = request.session.lock()) {
          core::ClientReply client_reply = std::move(reply->reply);
          client_reply.request_id = request.client_request_id;
          session->respond(api::to_response(client_reply, request.op));
          session->request_done();
        }
      } else if (auto* timer = std::get_if<core::TimerEffect>(&effect)) {
        arm_tick(timer->at_ms);
      } else if (std::holds_alternative<core::SendEffect>(effect)) {
        // A single node has no peers to send to; the transport arrives with replication.
      }
    }
  }
}

void Server::Impl::arm_tick(std::uint64_t at_ms) {
  if (tick_at_ms_ != 0 && tick_at_ms_ <= at_ms) return;
  tick_at_ms_ = at_ms;
  tick_timer_.expires_at(started_at_ + std::chrono::milliseconds(at_ms));
  tick_timer_.async_wait([this](const boost::system::error_code& error) {
    if (error || stopping_) return;
    tick_at_ms_ = 0;
    node_->on_tick(now_ms());
    drain();
  });
}

void Server::Impl::shutdown(const std::string& reason) {
  if (stopping_) return;
  stopping_ = true;
  spdlog::info("shutting down: {}", reason);
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  tick_timer_.cancel();
  signals_.cancel();
  for (auto& weak : sessions_) {
    if (auto session = weak.lock()) session->close();
  }
}

Status Server::Impl::run() {
  signals_.async_wait([this](const boost::system::error_code& error, int signal_number) {
    if (!error) shutdown(signal_number == SIGTERM ? "SIGTERM" : "SIGINT");
  });
  accept();
  io_.run();
  // Every write issued so far becomes durable before the process exits.
  Status status = engine_->flush();
  io_.restart();
  io_.poll();  // Run the completions flush() posted.
  node_.reset();
  engine_.reset();
  spdlog::info("node {} stopped", config_.node_id);
  return status;
}

Server::Server(ServerConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}
Server::~Server() = default;
Status Server::open() { return impl_->open(); }
std::uint16_t Server::port() const { return impl_->port(); }
Status Server::run() { return impl_->run(); }
void Server::stop() { impl_->stop(); }

}  // namespace ringkv::runtime
