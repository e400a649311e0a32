#include "connection.h"

#include "common/host_port.h"

#include <sys/socket.h>

#include <cerrno>

namespace ringkv::client {

using asio::ip::tcp;

Connection::Connection(std::size_t frame_max_bytes, std::chrono::milliseconds request_timeout)
    : frame_max_bytes_(frame_max_bytes), request_timeout_(request_timeout), socket_(io_), decoder_(frame_max_bytes) {}

Status Connection::open(const std::string& address, std::chrono::milliseconds timeout) {
  auto host_port = parse_host_port(address, "server address");
  if (!host_port.is_ok()) return host_port.status();
  tcp::resolver resolver(io_);
  boost::system::error_code error;
  auto endpoints = resolver.resolve(host_port->host, std::to_string(host_port->port), error);
  if (error) return Status::unavailable("cannot resolve " + address + ": " + error.message());
  boost::system::error_code result = asio::error::timed_out;
  asio::async_connect(socket_, endpoints,
                      [&](const boost::system::error_code& e, const tcp::endpoint&) { result = e; });
  if (!run_for(timeout)) return Status::timeout("connecting to " + address + " timed out");
  if (result) {
    boost::system::error_code ignored;
    socket_.close(ignored);
    return Status::unavailable("cannot connect to " + address + ": " + result.message());
  }
  socket_.set_option(tcp::no_delay(true));
  address_ = address;
  decoder_ = api::FrameDecoder(frame_max_bytes_);  // Fresh stream, fresh decoder.
  return Status::ok();
}

void Connection::close_if_stale() {
  if (!is_open()) return;
  char byte;
  const ssize_t peeked = ::recv(socket_.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  // 0: the node closed the connection; -1 other than "nothing to read": the connection broke.
  // Unsolicited bytes cannot arrive either, so any peeked byte also means the stream is off.
  if (peeked == 0 || peeked > 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }
}

Result<wire::Response> Connection::call(wire::Request request) {
  if (!is_open()) return Status::unavailable("not connected");
  const std::uint64_t request_id = next_request_id_++;
  request.set_request_id(request_id);
  std::string payload;
  request.SerializeToString(&payload);
  std::string frame;
  api::append_frame(frame, payload);
  boost::system::error_code write_error = asio::error::timed_out;
  asio::async_write(socket_, asio::buffer(frame),
                    [&](const boost::system::error_code& e, std::size_t) { write_error = e; });
  if (!run_for(request_timeout_)) return Status::timeout("request to " + address_ + " timed out");
  if (write_error) {
    boost::system::error_code ignored;
    socket_.close(ignored);
    return Status::unavailable("sending to " + address_ + ": " + write_error.message());
  }
  return read_response(request_id);
}

Result<wire::Response> Connection::read_response(std::uint64_t request_id) {
  while (true) {
    auto frame = decoder_.next();
    if (!frame.is_ok()) return frame.status();
    if (frame->has_value()) {
      wire::Response response;
      if (!response.ParseFromString(**frame)) {
        return Status::corruption("malformed response from " + address_);
      }
      // An error for request 0 is the server rejecting the connection's input as a whole.
      if (response.request_id() == request_id ||
          (response.request_id() == 0 && response.has_error())) {
        return response;
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
    if (!run_for(request_timeout_)) return Status::timeout("no reply from " + address_);
    if (error) {
      boost::system::error_code ignored;
      socket_.close(ignored);
      return Status::unavailable("connection to " + address_ + " lost: " + error.message());
    }
    decoder_.feed(std::string_view(buffer_.data(), received));
  }
}

bool Connection::run_for(std::chrono::milliseconds timeout) {
  io_.restart();
  io_.run_for(timeout);
  if (!io_.stopped()) {
    // A half-done request leaves the stream in an unknown state: close it.
    boost::system::error_code ignored;
    socket_.close(ignored);
    io_.restart();
    io_.run();  // Let the cancelled handlers finish.
    return false;
  }
  return true;
}

}  // namespace ringkv::client
