#include "runtime/server.h"

#include <fmt/format.h>
#include <google/protobuf/util/json_util.h>
#include <spdlog/spdlog.h>

#include <array>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <thread>
#include <unordered_map>

#include "api/dashboard_assets.h"
#include "api/frame_codec.h"
#include "api/native_codec.h"
#include "api/resp_commands.h"
#include "common/asio.h"
#include "core/node.h"
#include "runtime/http_server.h"
#include "runtime/peer_link.h"
#include "runtime/request_metrics.h"
#include "runtime/request_sink.h"
#include "runtime/resp_server.h"
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

// A bucket's document: {"name", "own", "version", "set_by", "props": {"n": 3, ...}}, integers
// as numbers.
nlohmann::json bucket_json(const wire::BucketInfo& info) {
  nlohmann::json props = nlohmann::json::object();
  for (const auto& property : info.properties()) {
    if (property.name() == "conflict") {
      props[property.name()] = property.value();
    } else {
      props[property.name()] = std::stoull(property.value());
    }
  }
  nlohmann::json out;
  if (!info.name().empty()) out["name"] = info.name();
  out["own"] = info.own();
  if (info.version() != 0) {
    out["version"] = info.version();
    out["set_by"] = info.set_by();
  }
  out["props"] = std::move(props);
  return out;
}

}  // namespace

class Session;

class Server::Impl : public RequestSink {
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

  // Called by front ends on the event-loop thread.
  void submit(core::ClientRequest request, ReplyCallback on_reply) override;
  void deliver_peer_message(api::PeerDelivery delivery);
  wire::Response cluster_info(std::uint64_t request_id) const;
  wire::Response node_status(std::uint64_t request_id) const;
  wire::Response membership_command(const api::MembershipCommand& command);
  // Bucket properties (core/bucket_registry.h): ringkv bucket ..., and the HTTP API's props.
  wire::Response bucket_command(const api::BucketCommand& command);
  Result<wire::BucketResponse> run_bucket_command(const api::BucketCommand& command);
  wire::BucketInfo bucket_info(const std::string& name) const;
  std::size_t frame_max_bytes() const { return limits::frame_max_bytes(config_.value_max_bytes); }
  // The sink native sessions submit through (measured as api="native").
  RequestSink& native_sink() { return native_sink_; }
  // /metrics, /stats and /cluster (docs/OPERATIONS.md, "Metrics"; docs/HTTP.md).
  std::string metrics_text() const;
  std::string stats_json() const;
  std::string cluster_json() const;

 private:

  void accept();
  void drain();
  // Logs failed storage writes (rate limited) and the first success after them.
  void note_storage_result(const Status& status);
  // The link to `id` (created on first use from the address gossip or the config gives); null if
  // no address is known.
  PeerLink* link_for(const core::NodeId& id);
  std::shared_ptr<PeerLink> make_link(const core::NodeId& id, HostPort address);
  void after_event();  // Shuts down once the node has left the cluster.
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
  std::unordered_map<std::uint64_t, ReplyCallback> inflight_;
  std::map<core::NodeId, std::shared_ptr<PeerLink>> peer_links_;
  std::vector<PeerSpec> peer_specs_;
  std::map<core::NodeId, std::string> seed_addresses_;
  // Addresses newcomers announced in their messages, until gossip lists them (bounded).
  std::map<core::NodeId, std::string> announced_addresses_;
  std::string advertised_address_;  // Sent with every peer message (gossip membership only).
  asio::steady_timer departure_timer_{io_};
  bool departing_ = false;
  std::vector<std::weak_ptr<Session>> sessions_;
  std::uint16_t port_ = 0;
  std::uint64_t tick_at_ms_ = 0;
  bool stopping_ = false;
  std::uint64_t writing_token_ = 0;  // The persist token inside engine_->write(), else 0.
  std::optional<Status> completed_inline_;
  std::uint64_t storage_failures_ = 0;         // Failed writes since the last success.
  std::uint64_t storage_failures_logged_ = 0;  // Of those, how many were counted in a log line.
  std::chrono::steady_clock::time_point storage_failure_logged_at_;
  RequestMetrics request_metrics_;
  MeteredSink native_sink_{*this, request_metrics_, "native"};
  MeteredSink resp_sink_{*this, request_metrics_, "resp"};
  MeteredSink http_sink_{*this, request_metrics_, "http"};
  // Declared last: destroyed before what they use.
  std::unique_ptr<RespServer> resp_server_;
  std::unique_ptr<HttpServer> http_server_;
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
      auto incoming = api::parse_incoming(**frame, &request_id);
      if (!incoming.is_ok()) {
        fail(request_id, incoming.status());
        return;
      }
      if (auto* request = std::get_if<core::ClientRequest>(&*incoming)) {
        submit(std::move(*request));
      } else if (auto* query = std::get_if<api::ClusterInfoQuery>(&*incoming)) {
        respond(server_.cluster_info(query->request_id));
      } else if (auto* status = std::get_if<api::NodeStatusQuery>(&*incoming)) {
        respond(server_.node_status(status->request_id));
      } else if (auto* command = std::get_if<api::MembershipCommand>(&*incoming)) {
        respond(server_.membership_command(*command));
      } else if (auto* bucket = std::get_if<api::BucketCommand>(&*incoming)) {
        respond(server_.bucket_command(*bucket));
      } else {
        server_.deliver_peer_message(std::get<api::PeerDelivery>(std::move(*incoming)));
      }
    }
    if (inflight_ >= kInflightPerConnectionMax) {
      paused_ = true;  // request_done() resumes reading.
      return;
    }
    read();
  }

  void submit(core::ClientRequest request) {
    ++inflight_;
    const std::uint64_t client_request_id = request.request_id;
    const core::ClientOp op = request.op;
    server_.native_sink().submit(std::move(request), [weak = weak_from_this(), client_request_id,
                                                      op](core::ClientReply reply) {
      auto self = weak.lock();
      if (!self) return;
      reply.request_id = client_request_id;
      self->respond(api::to_response(reply, op));
      self->request_done();
    });
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
  auto address = parse_host_port(config_.listen, "listen");
  if (!address.is_ok()) return address.status();
  boost::system::error_code error;
  const auto ip = asio::ip::make_address(address->host, error);
  if (error) return Status::invalid_argument("listen host '" + address->host + "' is not an IP address");
  const tcp::endpoint endpoint(ip, address->port);
  acceptor_.open(endpoint.protocol(), error);
  if (!error) acceptor_.set_option(tcp::acceptor::reuse_address(true), error);
  if (!error) acceptor_.bind(endpoint, error);
  if (error) return Status::io_error("cannot listen on " + config_.listen + ": " + error.message());
  port_ = acceptor_.local_endpoint().port();  // Known now (port 0), announced by gossip below.

  storage::EngineOptions options;
  options.engine = config_.engine;
  options.data_dir = config_.data_dir;
  options.sync = storage::parse_sync_policy(config_.sync).value();
  auto engine = storage::open_engine(options);
  if (!engine.is_ok()) return engine.status();
  engine_ = std::move(engine).value();

  core::NodeConfig node_config = node_config_from(config_);
  peer_specs_ = parse_peers(config_.peers).value();
  for (const auto& peer : peer_specs_) {
    node_config.members.push_back(
        {core::MembershipEvent::Kind::kJoin, peer.id, peer.weight, peer.zone});
    if (peer.id == config_.node_id) continue;
    peer_links_[peer.id] = make_link(peer.id, parse_host_port(peer.address, "peers").value());
  }
  const std::vector<PeerSpec> seed_specs = parse_seeds(config_.seeds).value();
  for (const auto& seed : seed_specs) {
    node_config.seeds.push_back(seed.id);
    seed_addresses_[seed.id] = seed.address;
  }
  if (!node_config.seeds.empty()) {
    advertised_address_ = !config_.advertise.empty() ? config_.advertise
                                                     : address->host + ":" + std::to_string(port_);
    apply_gossip_settings(config_, advertised_address_, node_config);
  }
  // Wall clock = steady clock since start + the system clock at start (a wall clock that never
  // jumps back while the process runs).
  node_config.wall_clock_offset_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count() -
      static_cast<std::int64_t>(now_ms());
  node_ = std::make_unique<core::Node>(node_config, *engine_, random_);
  RINGKV_RETURN_IF_ERROR(node_->start(now_ms()));
  drain();
  for (const std::string& bucket : node_->buckets_config_ignored()) {
    spdlog::warn(
        "bucket {}: the config file's properties differ from the cluster's, which apply "
        "(change them with `ringkv bucket set {} ...`)",
        bucket, bucket);
  }

  if (!config_.resp_listen.empty()) {
    RespServerOptions resp_options;
    resp_options.value_max_bytes = config_.value_max_bytes;
    resp_options.databases = api::parse_resp_databases(config_.resp_databases).value();
    resp_options.keys_max = config_.resp_keys_max;
    resp_options.allow_flush = config_.allow_flush;
    resp_options.scan_cursor_first_id = seed_from_os();
    resp_server_ = std::make_unique<RespServer>(io_, resp_sink_, std::move(resp_options));
    RINGKV_RETURN_IF_ERROR(resp_server_->listen(config_.resp_listen));
  }
  if (!config_.http_listen.empty()) {
    api::HttpHost host;
    host.value_max_bytes = config_.value_max_bytes;
    host.bucket_n = [this](std::string_view bucket) {
      return node_->bucket_properties(std::string(bucket)).n;
    };
    host.bucket_props = [this](const std::string& bucket) -> Result<std::string> {
      return bucket_json(bucket_info(bucket))
                 .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
             "\n";
    };
    host.set_bucket_props =
        [this](const std::string& bucket,
               const std::vector<std::pair<std::string, std::string>>& changes) -> Status {
      api::BucketCommand command;
      command.action = api::BucketCommand::Action::kSet;
      command.bucket = bucket;
      command.properties = changes;
      return run_bucket_command(command).status();
    };
    host.reset_bucket_props = [this](const std::string& bucket) -> Status {
      api::BucketCommand command;
      command.action = api::BucketCommand::Action::kReset;
      command.bucket = bucket;
      return run_bucket_command(command).status();
    };
    host.buckets_json = [this] {
      api::BucketCommand command;
      command.action = api::BucketCommand::Action::kList;
      auto list = run_bucket_command(command);
      nlohmann::json out;
      out["buckets"] = nlohmann::json::array();
      out["props"] = nlohmann::json::object();
      for (const auto& info : list->buckets()) {
        out["buckets"].push_back(info.name());
        out["props"][info.name()] = bucket_json(info);
      }
      out["defaults"] = bucket_json(list->defaults());
      return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    };
    host.stats_json = [this] { return stats_json(); };
    host.cluster_json = [this] { return cluster_json(); };
    host.metrics_text = [this] { return metrics_text(); };
    host.asset = [](std::string_view path) { return api::dashboard_asset(path); };
    http_server_ = std::make_unique<HttpServer>(io_, http_sink_, std::move(host));
    RINGKV_RETURN_IF_ERROR(http_server_->listen(config_.http_listen));
  }
  // Connections are accepted only from here on: the node exists and the start is logged first.
  spdlog::info("node {} (actor {:016x}) listening on {}:{} engine={} sync={} data_dir={}{}",
               config_.node_id, node_->actor_id(), address->host, port_, config_.engine,
               config_.sync, config_.data_dir,
               node_->dynamic_membership() ? " membership=" + node_->member_state() : "");
  acceptor_.listen(asio::socket_base::max_listen_connections, error);
  if (error) return Status::io_error("cannot listen on " + config_.listen + ": " + error.message());
  return Status::ok();
}

std::shared_ptr<PeerLink> Server::Impl::make_link(const core::NodeId& id, HostPort address) {
  auto link = std::make_shared<PeerLink>(io_, id, std::move(address));
  link->set_on_down([this](const std::string& peer) {
    // Refused or reset: the node sends elsewhere now rather than waiting for its timeouts.
    if (!node_) return;
    node_->on_peer_unreachable(peer, now_ms());
    drain();
    after_event();
  });
  return link;
}

PeerLink* Server::Impl::link_for(const core::NodeId& id) {
  if (id == config_.node_id) return nullptr;
  std::string address = node_->address_of(id);
  if (address.empty()) {
    auto seed = seed_addresses_.find(id);
    if (seed != seed_addresses_.end()) address = seed->second;
  }
  if (address.empty()) {
    auto announced = announced_addresses_.find(id);
    if (announced != announced_addresses_.end()) address = announced->second;
  }
  auto it = peer_links_.find(id);
  if (it != peer_links_.end() && (address.empty() || it->second->address() == address)) {
    return it->second.get();
  }
  if (address.empty()) return nullptr;
  auto parsed = parse_host_port(address, "address of " + id);
  if (!parsed.is_ok()) return nullptr;
  if (it != peer_links_.end()) it->second->close();  // The member moved.
  auto link = make_link(id, *parsed);
  link->set_address(address);
  peer_links_[id] = link;
  return link.get();
}

void Server::Impl::after_event() {
  if (departing_ || !node_->departed()) return;
  departing_ = true;
  // Linger a few gossip rounds so the cluster learns of the departure from us too.
  spdlog::warn("node {} has left the cluster: handed off {} keys ({} bytes); stopping in {} ms",
               config_.node_id, node_->stats().transfer_keys_handed_off,
               node_->stats().transfer_bytes_handed_off, 5 * config_.gossip_interval_ms);
  departure_timer_.expires_after(std::chrono::milliseconds(5 * config_.gossip_interval_ms));
  departure_timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error) shutdown("left the cluster");
  });
}

wire::BucketInfo Server::Impl::bucket_info(const std::string& name) const {
  wire::BucketInfo info;
  info.set_name(name);
  const core::BucketProperties& properties = node_->bucket_properties(name);
  for (std::string_view property : core::bucket_property_names()) {
    auto* out = info.add_properties();
    out->set_name(std::string(property));
    out->set_value(core::bucket_property_value(properties, property));
  }
  if (const core::BucketEntry* entry = node_->bucket_registry().entry(name); entry != nullptr) {
    info.set_own(!entry->reset);
    info.set_version(entry->version);
    info.set_set_by(entry->set_by);
  }
  return info;
}

Result<wire::BucketResponse> Server::Impl::run_bucket_command(const api::BucketCommand& command) {
  wire::BucketResponse response;
  using Action = api::BucketCommand::Action;
  if (command.action == Action::kSet || command.action == Action::kReset) {
    auto entry = command.action == Action::kSet
                     ? node_->set_bucket_properties(command.bucket, command.properties)
                     : node_->reset_bucket_properties(command.bucket);
    drain();
    if (!entry.is_ok()) return entry.status();
    std::string shown;
    for (std::string_view property : core::bucket_property_names()) {
      shown +=
          fmt::format(" {}={}", property, core::bucket_property_value(entry->properties, property));
    }
    spdlog::info("bucket {} {} (version {}):{}", command.bucket,
                 entry->reset ? "reset to the defaults" : "set", entry->version,
                 entry->reset ? "" : shown);
  }
  if (command.action == Action::kList) {
    for (const core::BucketEntry& entry : node_->bucket_registry().entries()) {
      if (!entry.reset) *response.add_buckets() = bucket_info(entry.name);
    }
  } else {
    *response.add_buckets() = bucket_info(command.bucket);
  }
  wire::BucketInfo* defaults = response.mutable_defaults();
  for (std::string_view property : core::bucket_property_names()) {
    auto* out = defaults->add_properties();
    out->set_name(std::string(property));
    out->set_value(core::bucket_property_value(node_->config().default_bucket, property));
  }
  for (const std::string& name : node_->buckets_config_ignored()) response.add_config_ignored(name);
  return response;
}

wire::Response Server::Impl::bucket_command(const api::BucketCommand& command) {
  auto result = run_bucket_command(command);
  if (!result.is_ok()) return api::error_response(command.request_id, result.status());
  wire::Response response;
  response.set_protocol_version(api::kProtocolVersion);
  response.set_request_id(command.request_id);
  *response.mutable_bucket() = std::move(result).value();
  return response;
}

wire::Response Server::Impl::membership_command(const api::MembershipCommand& command) {
  Status status;
  switch (command.action) {
    case api::MembershipCommand::Action::kJoin:
      status = node_->join(command.weight == 0 ? config_.weight : command.weight);
      break;
    case api::MembershipCommand::Action::kLeave:
      status = node_->leave();
      break;
    case api::MembershipCommand::Action::kRemove:
      status = node_->remove(command.node);
      break;
  }
  drain();
  if (!status.is_ok()) return api::error_response(command.request_id, status);
  spdlog::info("membership command done; node {} is {}", config_.node_id, node_->member_state());
  wire::Response response;
  response.set_protocol_version(api::kProtocolVersion);
  response.set_request_id(command.request_id);
  response.mutable_membership()->set_state(node_->member_state());
  return response;
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

void Server::Impl::submit(core::ClientRequest request, ReplyCallback on_reply) {
  if (stopping_) {
    core::ClientReply reply;
    reply.status = Status::unavailable("node " + config_.node_id + " is shutting down");
    on_reply(std::move(reply));
    return;
  }
  const std::uint64_t id = next_request_id_++;
  inflight_.emplace(id, std::move(on_reply));
  request.request_id = id;
  node_->on_client_request(std::move(request), now_ms());
  drain();
}

void Server::Impl::deliver_peer_message(api::PeerDelivery delivery) {
  if (stopping_) return;
  // With static membership only members may speak for themselves; anything else is dropped.
  // With gossip a new node must be heard before anyone knows it; the core checks what it says.
  if (!node_->dynamic_membership() && !peer_links_.contains(delivery.from)) {
    spdlog::warn("dropping a message from unknown node '{}'", delivery.from);
    return;
  }
  if (node_->dynamic_membership() && !delivery.from_address.empty() &&
      node_->address_of(delivery.from).empty() && !seed_addresses_.contains(delivery.from)) {
    if (announced_addresses_.size() >= 1024) announced_addresses_.clear();
    announced_addresses_[delivery.from] = delivery.from_address;
  }
  node_->on_peer_message(delivery.from, delivery.message, now_ms());
  drain();
  after_event();
}

wire::Response Server::Impl::cluster_info(std::uint64_t request_id) const {
  wire::Response response;
  response.set_protocol_version(api::kProtocolVersion);
  response.set_request_id(request_id);
  if (!node_->has_ring()) {
    return api::error_response(request_id,
                               Status::unavailable("node " + config_.node_id +
                                                   " is not part of a cluster yet"));
  }
  auto* info = response.mutable_cluster_info();
  const core::Ring& ring = node_->ring();
  info->set_partition_count(ring.partition_count());
  info->set_default_n(config_.n);
  std::map<core::NodeId, std::uint32_t> index;
  auto add = [&](const core::NodeId& id, const std::string& address, std::uint32_t weight,
                 const std::string& state, const std::string& zone) {
    index[id] = static_cast<std::uint32_t>(info->members_size());
    auto* member = info->add_members();
    member->set_id(id);
    member->set_address(address);
    member->set_weight(weight);
    member->set_state(state);
    member->set_zone(zone);
  };
  if (node_->dynamic_membership()) {
    for (const auto& member : node_->members()) {
      if (member.state == "removed") continue;
      add(member.id,
          member.id == config_.node_id && member.address.empty() ? config_.listen : member.address,
          member.weight, member.state, member.zone);
    }
  } else if (peer_specs_.empty()) {
    add(config_.node_id, config_.listen, 1, "up", config_.zone);
  } else {
    for (const auto& peer : peer_specs_) add(peer.id, peer.address, peer.weight, "up", peer.zone);
  }
  for (const auto& owner : ring.owners()) info->add_partition_owners(index.at(owner));
  return response;
}

// Applies the node's effects in the order effects.h documents.
void Server::Impl::drain() {
  while (true) {
    std::vector<core::Effect> effects = node_->take_effects();
    if (effects.empty()) return;
    // Writes the engine refused or completed inside write(), fed to the node once every effect of
    // this batch is applied (as the simulator does): the node hears of no completion while the
    // host is still applying the effects it emitted before it.
    std::vector<std::pair<std::uint64_t, Status>> completed;
    for (auto& effect : effects) {
      if (auto* persist = std::get_if<core::PersistEffect>(&effect)) {
        const std::uint64_t token = persist->token;
        // With nothing to sync (memory, sync=none) or a sync inside write() (sync=always) the
        // engine completes inside write() on this thread. Completions from the engine's
        // group-commit thread hop back to the loop.
        const auto caller = std::this_thread::get_id();
        writing_token_ = token;
        completed_inline_.reset();
        const Status status =
            engine_->write(persist->batch, [this, token, caller](Status result) {
              // Only a completion of this very write, inside write(), is taken inline; flush()
              // at shutdown also runs completions on this thread, later: those are posted.
              if (std::this_thread::get_id() == caller && writing_token_ == token) {
                completed_inline_ = std::move(result);
                return;
              }
              asio::post(io_, [this, token, result = std::move(result)] {
                note_storage_result(result);
                node_->on_persisted(token, result);
                drain();
              });
            });
        writing_token_ = 0;
        std::optional<Status> completed_inline = std::move(completed_inline_);
        completed_inline_.reset();
        if (!status.is_ok()) {
          // Refused: nothing was applied. The node answers the client with this error.
          note_storage_result(status);
          completed.emplace_back(token, status);
        } else if (completed_inline) {
          note_storage_result(*completed_inline);
          completed.emplace_back(token, std::move(*completed_inline));
        }
      } else if (auto* reply = std::get_if<core::ReplyEffect>(&effect)) {
        auto it = inflight_.find(reply->reply.request_id);
        if (it == inflight_.end()) continue;
        ReplyCallback on_reply = std::move(it->second);
        inflight_.erase(it);
        on_reply(std::move(reply->reply));
      } else if (auto* timer = std::get_if<core::TimerEffect>(&effect)) {
        arm_tick(timer->at_ms);
      } else if (auto* send = std::get_if<core::SendEffect>(&effect)) {
        PeerLink* link = link_for(send->to);
        if (link == nullptr) continue;
        std::string payload;
        api::make_peer_frame(config_.node_id, send->message, advertised_address_)
            .SerializeToString(&payload);
        std::string frame;
        api::append_frame(frame, payload);
        link->send(std::move(frame));
      }
    }
    for (const auto& [token, status] : completed) node_->on_persisted(token, status);
  }
}

void Server::Impl::note_storage_result(const Status& status) {
  const auto now = std::chrono::steady_clock::now();
  if (status.is_ok()) {
    if (storage_failures_ == 0) return;
    spdlog::info("storage writes succeed again after {} failed", storage_failures_);
    storage_failures_ = 0;
    storage_failures_logged_ = 0;
    return;
  }
  ++storage_failures_;
  // A full disk fails every write: say it at once, then at most every 10 s, with the count.
  if (storage_failures_ == 1 || now - storage_failure_logged_at_ >= std::chrono::seconds(10)) {
    const std::uint64_t unlogged = storage_failures_ - storage_failures_logged_ - 1;
    spdlog::error("storage write failed: {}{}", status.to_string(),
                  unlogged == 0 ? std::string()
                                : fmt::format(" ({} more failed since the last report)", unlogged));
    storage_failures_logged_ = storage_failures_;
    storage_failure_logged_at_ = now;
  }
}

wire::Response Server::Impl::node_status(std::uint64_t request_id) const {
  wire::Response response;
  response.set_protocol_version(api::kProtocolVersion);
  response.set_request_id(request_id);
  auto* status = response.mutable_node_status();
  status->set_node_id(config_.node_id);
  status->set_actor_id(fmt::format("{:016x}", node_->actor_id()));
  status->set_engine(config_.engine);
  status->set_sync(config_.sync);
  status->set_uptime_ms(now_ms());
  status->set_hints_held(node_->hints_held());
  status->set_hint_bytes(node_->hint_bytes());
  status->set_transfers_pending(node_->transfers_pending());
  status->set_transfer_keys_in_flight(node_->transfer_keys_in_flight());
  status->set_state(node_->member_state());
  status->set_dynamic_membership(node_->dynamic_membership());
  const core::NodeStats& stats = node_->stats();
  auto& counters = *status->mutable_counters();
  counters["gets"] = stats.gets;
  counters["puts"] = stats.puts;
  counters["deletes"] = stats.deletes;
  counters["rejected"] = stats.rejected;
  counters["forwarded"] = stats.forwarded;
  counters["timeouts"] = stats.timeouts;
  counters["read_repairs"] = stats.read_repairs;
  counters["replica_writes"] = stats.replica_writes;
  counters["hints_stored"] = stats.hints_stored;
  counters["hints_delivered"] = stats.hints_delivered;
  counters["hints_refused"] = stats.hints_refused;
  counters["hints_adopted"] = stats.hints_adopted;
  counters["stand_in_puts"] = stats.stand_in_puts;
  counters["forwards_retried"] = stats.forwards_retried;
  counters["peers_unreachable"] = stats.peers_unreachable;
  counters["rebuild_keys_sent"] = stats.rebuild_keys_sent;
  counters["rebuilds_done"] = stats.rebuilds_done;
  counters["transfer_keys_sent"] = stats.transfer_keys_sent;
  counters["transfer_keys_handed_off"] = stats.transfer_keys_handed_off;
  counters["transfer_bytes_handed_off"] = stats.transfer_bytes_handed_off;
  counters["ring_changes"] = stats.ring_changes;
  counters["ae_exchanges_started"] = stats.ae_exchanges_started;
  counters["ae_exchanges_completed"] = stats.ae_exchanges_completed;
  counters["ae_keys_repaired"] = stats.ae_keys_repaired;
  counters["ae_bytes_sent"] = stats.ae_bytes_sent;
  counters["tombstones_reaped"] = stats.tombstones_reaped;
  counters["actors_retired"] = stats.actors_retired;
  counters["storage_errors"] = stats.storage_errors;
  counters["scans"] = stats.scans;
  for (const auto& exchange : node_->exchanges()) {
    auto* entry = status->add_anti_entropy();
    entry->set_partition(exchange.partition);
    entry->set_last_exchange_age_ms(
        exchange.last_exchange_ms == 0
            ? -1
            : static_cast<std::int64_t>(node_->now_ms() - exchange.last_exchange_ms));
    entry->set_keys_repaired(exchange.keys_repaired);
  }
  for (const auto& member : node_->members()) {
    if (member.id != config_.node_id && member.state != "removed" && !member.alive) {
      status->add_peers_believed_down(member.id);
    }
  }
  return response;
}

namespace {

// The node's counters (core::NodeStats, as `ringkv status` names them) as Prometheus counters.
struct CounterDoc {
  std::string_view key;
  std::string_view metric;
  std::string_view help;
};
constexpr CounterDoc kCounterDocs[] = {
    {"gets", "ringkv_coordinated_gets_total", "Gets this node coordinated"},
    {"puts", "ringkv_coordinated_puts_total", "Puts and updates this node coordinated"},
    {"deletes", "ringkv_coordinated_deletes_total", "Deletes this node coordinated"},
    {"rejected", "ringkv_requests_rejected_total", "Client requests refused before coordination"},
    {"forwarded", "ringkv_requests_forwarded_total", "Requests forwarded to a home replica"},
    {"timeouts", "ringkv_quorum_timeouts_total",
     "Requests that did not reach their quorum in time"},
    {"read_repairs", "ringkv_read_repairs_total", "Stale replicas a read repaired"},
    {"replica_writes", "ringkv_replica_writes_total", "Replica writes this node applied"},
    {"hints_stored", "ringkv_hints_stored_total", "Hinted writes this node stored for others"},
    {"hints_delivered", "ringkv_hints_delivered_total", "Hints delivered to their home replica"},
    {"hints_refused", "ringkv_hints_refused_total", "Hints refused (hint store full)"},
    {"hints_adopted", "ringkv_hints_adopted_total", "Hints kept as this node's own replica"},
    {"stand_in_puts", "ringkv_stand_in_puts_total", "Writes taken by a fallback replica"},
    {"forwards_retried", "ringkv_forwards_retried_total", "Forwards retried on another replica"},
    {"peers_unreachable", "ringkv_peers_unreachable_total", "Sends to a peer with no link"},
    {"rebuild_keys_sent", "ringkv_rebuild_keys_sent_total", "Keys sent to rebuild a replica"},
    {"rebuilds_done", "ringkv_rebuilds_done_total", "Replica rebuilds completed"},
    {"transfer_keys_sent", "ringkv_transfer_keys_sent_total", "Keys sent by ownership transfers"},
    {"transfer_keys_handed_off", "ringkv_transfer_keys_handed_off_total",
     "Keys handed off to a new owner"},
    {"transfer_bytes_handed_off", "ringkv_transfer_bytes_total",
     "Bytes handed off to new owners by ownership transfers"},
    {"ring_changes", "ringkv_ring_changes_total", "Ring changes this node applied"},
    {"ae_exchanges_started", "ringkv_antientropy_exchanges_started_total",
     "Merkle-tree exchanges started"},
    {"ae_exchanges_completed", "ringkv_antientropy_exchanges_total",
     "Merkle-tree exchanges completed"},
    {"ae_keys_repaired", "ringkv_antientropy_keys_repaired_total", "Keys anti-entropy repaired"},
    {"ae_bytes_sent", "ringkv_antientropy_bytes_sent_total", "Bytes anti-entropy sent"},
    {"tombstones_reaped", "ringkv_tombstones_reaped_total", "Tombstones reaped"},
    {"actors_retired", "ringkv_actors_retired_total",
     "Partition actors retired after an erase (dots never reused)"},
    {"storage_errors", "ringkv_storage_errors_total", "Storage writes that failed"},
    {"scans", "ringkv_scans_total", "Scan calls coordinated"},
};

std::string to_json(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(message, &out, options).ok()) return "{}";
  return out + "\n";
}

}  // namespace

std::string Server::Impl::metrics_text() const {
  api::PrometheusWriter out;
  out.family("ringkv_build_info", "gauge", "Build of this node (value 1)");
  out.sample("ringkv_build_info",
             {{"version", RINGKV_VERSION}, {"node", config_.node_id}, {"engine", config_.engine}},
             1);
  out.family("ringkv_uptime_seconds", "gauge", "Seconds since this node started");
  out.sample("ringkv_uptime_seconds", static_cast<double>(now_ms()) / 1000.0);
  request_metrics_.write(out);
  const wire::Response status_response = node_status(0);
  const auto& counters = status_response.node_status().counters();
  for (const CounterDoc& doc : kCounterDocs) {
    const auto it = counters.find(std::string(doc.key));
    if (it == counters.end()) continue;
    out.family(doc.metric, "counter", doc.help);
    out.sample(doc.metric, static_cast<double>(it->second));
  }
  out.family("ringkv_hints_held", "gauge", "Hinted writes this node holds for other nodes");
  out.sample("ringkv_hints_held", static_cast<double>(node_->hints_held()));
  out.family("ringkv_hint_bytes", "gauge", "Bytes of the hinted writes this node holds");
  out.sample("ringkv_hint_bytes", static_cast<double>(node_->hint_bytes()));
  out.family("ringkv_transfers_pending", "gauge", "Partitions this node still has to hand off");
  out.sample("ringkv_transfers_pending", static_cast<double>(node_->transfers_pending()));
  out.family("ringkv_transfer_keys_in_flight", "gauge",
             "Transfer keys sent and not yet acknowledged");
  out.sample("ringkv_transfer_keys_in_flight",
             static_cast<double>(node_->transfer_keys_in_flight()));
  // Anti-entropy: the oldest last exchange over the partitions this node exchanges (-1: one has
  // never been exchanged), and how many partitions it exchanges.
  const auto exchanges = node_->exchanges();
  double oldest = 0;
  std::size_t never = 0;
  for (const auto& exchange : exchanges) {
    if (exchange.last_exchange_ms == 0) {
      ++never;
      continue;
    }
    oldest =
        std::max(oldest, static_cast<double>(node_->now_ms() - exchange.last_exchange_ms) / 1000.0);
  }
  out.family("ringkv_antientropy_partitions", "gauge",
             "Partitions this node runs anti-entropy for, by whether they were ever exchanged");
  out.sample("ringkv_antientropy_partitions", {{"exchanged", "true"}},
             static_cast<double>(exchanges.size() - never));
  out.sample("ringkv_antientropy_partitions", {{"exchanged", "false"}}, static_cast<double>(never));
  out.family("ringkv_antientropy_oldest_exchange_age_seconds", "gauge",
             "Age of the oldest last exchange among the partitions ever exchanged");
  out.sample("ringkv_antientropy_oldest_exchange_age_seconds", oldest);
  // Members by state and by this node's failure detector.
  std::map<std::pair<std::string, std::string>, std::size_t> members;
  for (const auto& member : node_->members()) {
    const bool self = member.id == config_.node_id;
    ++members[{member.state, self || member.alive ? "true" : "false"}];
  }
  out.family("ringkv_members", "gauge", "Cluster members as this node sees them, by state");
  for (const auto& [key, count] : members) {
    out.sample("ringkv_members", {{"state", key.first}, {"alive", key.second}},
               static_cast<double>(count));
  }
  std::size_t connected = 0;
  for (const auto& [id, link] : peer_links_) connected += link->connected() ? 1 : 0;
  out.family("ringkv_peer_links", "gauge", "Links to peer nodes, by whether they are connected");
  out.sample("ringkv_peer_links", {{"connected", "true"}}, static_cast<double>(connected));
  out.sample("ringkv_peer_links", {{"connected", "false"}},
             static_cast<double>(peer_links_.size() - connected));
  out.family("ringkv_connections", "gauge", "Open client connections by front door");
  std::size_t native = 0;
  for (const auto& weak : sessions_) native += weak.expired() ? 0 : 1;
  out.sample("ringkv_connections", {{"api", "native"}}, static_cast<double>(native));
  if (resp_server_) {
    out.sample("ringkv_connections", {{"api", "resp"}},
               static_cast<double>(resp_server_->connections()));
  }
  if (http_server_) {
    out.sample("ringkv_connections", {{"api", "http"}},
               static_cast<double>(http_server_->connections()));
  }
  for (const auto& gauge : engine_->gauges()) {
    const std::string name = "ringkv_storage_" + gauge.name;
    out.family(name, "gauge", gauge.help);
    out.sample(name, gauge.value);
  }
  return out.take();
}

std::string Server::Impl::stats_json() const {
  wire::Response response = node_status(0);
  auto& counters = *response.mutable_node_status()->mutable_counters();
  for (const auto& [name, count] : request_metrics_.totals()) counters["requests." + name] = count;
  return to_json(response.node_status());
}

std::string Server::Impl::cluster_json() const {
  nlohmann::json out;
  out["node"] = config_.node_id;
  out["state"] = node_->member_state();
  out["hints_held"] = node_->hints_held();
  out["hint_bytes"] = node_->hint_bytes();
  out["transfers_pending"] = node_->transfers_pending();
  out["transfer_keys_in_flight"] = node_->transfer_keys_in_flight();
  const wire::Response info = cluster_info(0);
  if (info.has_error()) {
    out["error"] = info.error().message();
    return out.dump() + "\n";
  }
  // Members as this node sees them (its failure detector says which are alive).
  std::map<std::string, core::MemberView> views;
  for (auto& member : node_->members()) views.emplace(member.id, std::move(member));
  nlohmann::json members = nlohmann::json::array();
  for (const auto& member : info.cluster_info().members()) {
    nlohmann::json entry;
    entry["id"] = member.id();
    entry["address"] = member.address();
    entry["weight"] = member.weight();
    entry["zone"] = member.zone();
    entry["state"] = member.state();
    const auto view = views.find(member.id());
    entry["alive"] =
        member.id() == config_.node_id ||
        (view != views.end() ? view->second.alive : node_->believes_alive(member.id()));
    if (view != views.end()) entry["transfers_pending"] = view->second.transfers_pending;
    members.push_back(std::move(entry));
  }
  out["members"] = std::move(members);
  out["partition_count"] = info.cluster_info().partition_count();
  out["default_n"] = info.cluster_info().default_n();
  out["partition_owners"] = info.cluster_info().partition_owners();
  nlohmann::json exchanges = nlohmann::json::array();
  for (const auto& exchange : node_->exchanges()) {
    exchanges.push_back(
        {{"partition", exchange.partition},
         {"last_exchange_age_ms",
          exchange.last_exchange_ms == 0
              ? -1
              : static_cast<std::int64_t>(node_->now_ms() - exchange.last_exchange_ms)},
         {"keys_repaired", exchange.keys_repaired}});
  }
  out["anti_entropy"] = std::move(exchanges);
  return out.dump() + "\n";
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
    after_event();
  });
}

void Server::Impl::shutdown(const std::string& reason) {
  if (stopping_) return;
  stopping_ = true;
  spdlog::info("shutting down: {}", reason);
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  tick_timer_.cancel();
  departure_timer_.cancel();
  signals_.cancel();
  for (auto& weak : sessions_) {
    if (auto session = weak.lock()) session->close();
  }
  for (auto& [id, link] : peer_links_) link->close();
  if (resp_server_) resp_server_->close();
  if (http_server_) http_server_->close();
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
  http_server_.reset();
  resp_server_.reset();
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
