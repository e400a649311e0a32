// Server: hosts one core Node on a Boost.Asio event loop and serves the native protocol over TCP
// (length-prefixed protobuf frames, see api/frame_codec.h and docs/PROTOCOL.md).
//
// One thread runs the event loop and is the only one that touches the Node. Storage completions
// (group commit runs on the engine's thread) are posted back to it. Bad input (oversize or
// malformed frames, unknown versions or message types) gets an error response and closes only
// that connection; other clients are unaffected.
// Thread-safety: stop() may be called from any thread; everything else from the owning thread.
#pragma once

#include <cstdint>
#include <memory>

#include "common/status.h"
#include "runtime/config.h"

namespace ringkv::runtime {

class Server {
 public:
  explicit Server(ServerConfig config);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Opens storage, starts the node and binds the listener. After it returns ok, port() is known.
  Status open();
  std::uint16_t port() const;
  // Serves until stop() or SIGTERM/SIGINT; then drains writes and flushes storage.
  Status run();
  void stop();

  class Impl;  // Public only so the connection sessions in server.cc can name it.

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace ringkv::runtime
