#include "ringkv/client.h"

#include "api/frame_codec.h"
#include "api/native_codec.h"
#include "common/limits.h"
#include "common/asio.h"
#include "common/host_port.h"

namespace ringkv::client {

using ringkv::asio::ip::tcp;
namespace asio = ringkv::asio;

// Blocking request/response over one connection, with deadlines enforced by running the io
// context for at most the remaining time.
class Client::Impl {
 public:
  Impl(ClientOptions options)
      : options_(options), socket_(io_), decoder_(limits::frame_max_bytes(options.value_max_bytes)) {}

  Status connect(const std::string& address) {
    auto host_port = parse_host_port(address, "server address");
    if (!host_port.is_ok()) return host_port.status();
    tcp::resolver resolver(io_);
    boost::system::error_code error;
    auto endpoints = resolver.resolve(host_port->host, std::to_string(host_port->port), error);
    if (error) return Status::unavailable("cannot resolve " + address + ": " + error.message());
    boost::system::error_code result = asio::error::timed_out;
    asio::async_connect(socket_, endpoints,
                        [&](const boost::system::error_code& e, const tcp::endpoint&) { result = e; });
    if (!run_for(options_.connect_timeout)) {
      return Status::timeout("connecting to " + address + " timed out");
    }
    if (result) return Status::unavailable("cannot connect to " + address + ": " + result.message());
    socket_.set_option(tcp::no_delay(true));
    address_ = address;
    return Status::ok();
  }

  Result<core::ClientReply> call(core::ClientRequest request) {
    request.request_id = next_request_id_++;
    std::string payload;
    api::make_request(request).SerializeToString(&payload);
    std::string frame;
    api::append_frame(frame, payload);
    boost::system::error_code write_error = asio::error::timed_out;
    asio::async_write(socket_, asio::buffer(frame),
                      [&](const boost::system::error_code& e, std::size_t) { write_error = e; });
    if (!run_for(options_.request_timeout)) return Status::timeout("request to " + address_ + " timed out");
    if (write_error) return Status::unavailable("sending to " + address_ + ": " + write_error.message());
    return read_reply(request.request_id);
  }

 private:
  Result<core::ClientReply> read_reply(std::uint64_t request_id) {
    while (true) {
      auto frame = decoder_.next();
      if (!frame.is_ok()) return frame.status();
      if (frame->has_value()) {
        auto reply = api::parse_response(**frame);
        if (!reply.is_ok()) return reply.status();
        // An error for request 0 is the server rejecting the connection's input as a whole.
        if (reply->request_id == request_id || (reply->request_id == 0 && !reply->status.is_ok())) {
          return reply;
        }
        continue;  // A late answer to an earlier request that timed out.
      }
      boost::system::error_code error = asio::error::timed_out;
      std::size_t received = 0;
      socket_.async_read_some(asio::buffer(buffer_),
                              [&](const boost::system::error_code& e, std::size_t n) {
                                error = e;
                                received = n;
                              });
      if (!run_for(options_.request_timeout)) return Status::timeout("no reply from " + address_);
      if (error) return Status::unavailable("connection to " + address_ + " lost: " + error.message());
      decoder_.feed(std::string_view(buffer_.data(), received));
    }
  }

  // Runs pending operations until they complete or `timeout` passes; false on timeout (the
  // connection is then closed, since a half-done request leaves the stream in an unknown state).
  bool run_for(std::chrono::milliseconds timeout) {
    io_.restart();
    io_.run_for(timeout);
    if (!io_.stopped()) {
      boost::system::error_code ignored;
      socket_.close(ignored);
      io_.restart();
      io_.run();  // Let the cancelled handlers finish.
      return false;
    }
    return true;
  }

  ClientOptions options_;
  asio::io_context io_;
  tcp::socket socket_;
  api::FrameDecoder decoder_;
  std::array<char, 64 * 1024> buffer_{};
  std::string address_;
  std::uint64_t next_request_id_ = 1;
};

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() = default;

Result<std::unique_ptr<Client>> Client::connect(const std::string& address,
                                                ClientOptions options) {
  auto impl = std::make_unique<Impl>(options);
  RINGKV_RETURN_IF_ERROR(impl->connect(address));
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

Result<GetResult> Client::get(std::string_view bucket, std::string_view key) {
  core::ClientRequest request;
  request.op = core::ClientOp::kGet;
  request.bucket = bucket;
  request.key = key;
  auto reply = impl_->call(std::move(request));
  if (!reply.is_ok()) return reply.status();
  if (!reply->status.is_ok()) return reply->status;
  return GetResult{std::move(reply->values), std::move(reply->context)};
}

Status Client::put(std::string_view bucket, std::string_view key, std::string_view value,
                   std::string_view context) {
  core::ClientRequest request;
  request.op = core::ClientOp::kPut;
  request.bucket = bucket;
  request.key = key;
  request.value = value;
  request.context = context;
  auto reply = impl_->call(std::move(request));
  if (!reply.is_ok()) return reply.status();
  return reply->status;
}

Status Client::del(std::string_view bucket, std::string_view key, std::string_view context) {
  core::ClientRequest request;
  request.op = core::ClientOp::kDelete;
  request.bucket = bucket;
  request.key = key;
  request.context = context;
  auto reply = impl_->call(std::move(request));
  if (!reply.is_ok()) return reply.status();
  return reply->status;
}

}  // namespace ringkv::client
