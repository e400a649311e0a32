// PeerLink: the persistent outbound TCP connection from this node to one other node. Messages are
// one-way frames (the peer answers over its own link to us), so a link only writes; it keeps one
// read pending only to see the peer close the connection (a killed process's kernel closes it at
// once). It connects lazily, reconnects with capped exponential backoff after the peer restarts,
// and holds at most kQueuedBytesMax of unsent frames: beyond that new messages are dropped and
// counted, which the core tolerates like any message loss (requests time out, anti-entropy
// repairs). A refused connect, a failed write or a closed connection is reported (on_down), so
// the node can send elsewhere at once instead of waiting for a timeout.
// Thread-safety: owned and used by the event-loop thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "common/asio.h"
#include "common/host_port.h"

namespace ringkv::runtime {

class PeerLink : public std::enable_shared_from_this<PeerLink> {
 public:
  static constexpr std::size_t kQueuedBytesMax = 64 * 1024 * 1024;

  using DownCallback = std::function<void(const std::string& peer_id)>;

  PeerLink(asio::io_context& io, std::string peer_id, HostPort address);
  // Called (on the event loop) each time the peer is found unreachable.
  void set_on_down(DownCallback on_down) { on_down_ = std::move(on_down); }
  // The "HOST:PORT" this link was made for, as membership announced it (empty: from config).
  const std::string& address() const { return address_text_; }
  void set_address(std::string address) { address_text_ = std::move(address); }

  // Queues one encoded frame (header included) for the peer.
  void send(std::string frame);
  void close();

  std::uint64_t dropped_messages() const { return dropped_; }
  bool connected() const { return connected_; }
  const std::string& peer_id() const { return peer_id_; }

 private:
  void connect();
  void schedule_reconnect();
  void write();
  void watch_for_close();
  // The connection of `epoch` failed: close it (once), report, and reconnect later.
  void broke(std::uint64_t epoch, const boost::system::error_code& error);

  asio::io_context& io_;
  std::string peer_id_;
  HostPort address_;
  std::string address_text_;
  asio::ip::tcp::socket socket_;
  asio::steady_timer retry_timer_;
  std::chrono::milliseconds backoff_{50};
  std::deque<std::string> queue_;
  std::size_t queued_bytes_ = 0;
  std::string writing_;
  bool connecting_ = false;
  bool connected_ = false;
  bool writing_in_progress_ = false;
  bool closed_ = false;
  std::uint64_t dropped_ = 0;
  std::uint64_t epoch_ = 0;  // Counts connections; handlers of an older one are ignored.
  char read_byte_ = 0;
  DownCallback on_down_;
};

}  // namespace ringkv::runtime
