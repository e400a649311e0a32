// Connection: one blocking request/response connection to a node over the native protocol, with
// deadlines. After a timeout or a broken stream the connection is closed and reports it; the
// client then opens a new one.
// Thread-safety: none.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <string>

#include "api/frame_codec.h"
#include "common/asio.h"
#include "common/status.h"
#include "proto/ringkv.pb.h"

namespace ringkv::client {

class Connection {
 public:
  Connection(std::size_t frame_max_bytes, std::chrono::milliseconds request_timeout);

  Status open(const std::string& address, std::chrono::milliseconds timeout);
  bool is_open() const { return socket_.is_open(); }
  // Closes the connection if the node already closed its side (say, it was restarted while this
  // connection sat idle). Checked before a write is sent, so a write never goes out on a
  // connection that cannot deliver it.
  void close_if_stale();
  // Sends `request` (its request_id is assigned here) and waits for the matching response.
  Result<wire::Response> call(wire::Request request);

 private:
  Result<wire::Response> read_response(std::uint64_t request_id);
  bool run_for(std::chrono::milliseconds timeout);

  std::size_t frame_max_bytes_;
  std::chrono::milliseconds request_timeout_;
  asio::io_context io_;
  asio::ip::tcp::socket socket_;
  api::FrameDecoder decoder_;
  std::array<char, 64 * 1024> buffer_{};
  std::string address_;
  std::uint64_t next_request_id_ = 1;
};

}  // namespace ringkv::client
