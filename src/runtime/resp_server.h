// RespServer: the Redis-protocol (RESP2 and RESP3) port of a node. Accepts TCP connections on the
// runtime's event loop; each connection parses pipelined commands (api/resp_parser.h), plans them
// (api/resp_commands.h) with its own session state (api/resp_session.h: protocol, name, selected
// database, MULTI queue), submits their core requests to a RequestSink and writes the replies in
// command order, although the node answers them in any order.
//
// Per connection: commands start in order, each as soon as no earlier command still running
// touches one of its keys with a conflicting access (either writes), so a pipelined `SET k v`
// then `GET k` reads v, as in Redis, while commands on other keys run concurrently. Reading
// stops while kRespPendingCommandsMax commands or kRespUnwrittenReplyBytesMax reply bytes wait
// (backpressure); replies that are ready together leave in one write. A protocol error is
// answered ("-ERR Protocol error: ...") and closes that connection only.
//
// The server keeps a registry of its open connections (CLIENT LIST), counts connections and
// commands, measures the command rate (api/resp_stats.h) and the process's memory
// (/proc/self/statm and /proc/self/status) for INFO, and supplies the wall clock for TIME. It
// owns the node's SCAN cursor table (one for all connections) and the key counts of INFO's
// keyspace section (api/resp_keyspace_cache.h), which it refreshes in the background.
// Thread-safety: construct, listen, close and destroy on the thread that runs `io` (or before it
// runs); everything else happens on that thread too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "api/resp_commands.h"
#include "api/resp_keyspace_cache.h"
#include "common/asio.h"
#include "common/limits.h"
#include "common/status.h"
#include "runtime/request_sink.h"

namespace ringkv::runtime {

// A connection stops reading while this many of its commands are unanswered.
inline constexpr std::size_t kRespPendingCommandsMax = 1024;
// ... or while this many reply bytes wait for a client that does not read them.
inline constexpr std::size_t kRespUnwrittenReplyBytesMax = 16 * 1024 * 1024;
// Connections beyond this get "-ERR max number of clients reached" and are closed (as in Redis).
inline constexpr std::size_t kRespConnectionsMax = 10000;

struct RespServerOptions {
  std::size_t value_max_bytes = limits::kValueMaxBytesDefault;
  // The resp_databases setting, parsed (api::parse_resp_databases): the bucket of each
  // database number. Empty: just "default".
  std::vector<std::string> databases;
  std::uint64_t keys_max = api::kRespKeysMaxDefault;  // resp_keys_max
  bool allow_flush = false;                           // allow_flush
  // Where SCAN's numeric cursors start (the host draws it at random, so a cursor from before a
  // restart is unknown rather than someone else's).
  std::uint64_t scan_cursor_first_id = 1;
  // How old INFO keyspace's key counts may get before INFO starts a new count (tests shorten it).
  std::uint64_t keyspace_refresh_ms = api::kRespKeyspaceRefreshMs;
};

class RespServer {
 public:
  // `sink` must outlive every connection's use of it: close() stops all use.
  RespServer(asio::io_context& io, RequestSink& sink, RespServerOptions options);
  RespServer(asio::io_context& io, RequestSink& sink, std::size_t value_max_bytes);
  ~RespServer();  // Calls close().
  RespServer(const RespServer&) = delete;
  RespServer& operator=(const RespServer&) = delete;

  // Binds HOST:PORT (an IP address; port 0 picks a free one) and starts accepting. Errors name
  // the setting "resp_listen".
  Status listen(const std::string& host_port);
  // The bound port, once listen() succeeded.
  std::uint16_t port() const;
  // Open connections.
  std::size_t connections() const;
  // Stops accepting and closes every connection; requests already submitted may still complete
  // but their replies are dropped. Nothing is submitted to the sink afterwards. Idempotent.
  void close();

  struct State;  // Shared with the connections, which may outlive the server briefly.

 private:
  std::shared_ptr<State> state_;
};

}  // namespace ringkv::runtime
