// HttpServer: the HTTP/JSON port of a node (docs/HTTP.md). Boost.Beast parses each request with
// bounded header and body sizes and a deadline; api/http_api.h decides what it means and which
// core requests it takes; the server runs those through its RequestSink and writes the answer,
// chunked when the answer streams (a key listing). HTTP/1.1 keep-alive, one request at a time
// per connection.
//
// Bad input closes only that connection, after an answer where one can be given: 400 for a
// malformed request, 413 for a body or header past its limit, 408 when a request is not read
// within kHttpReadTimeout. At most kHttpConnectionsMax connections are open; more are refused
// with 503.
// Thread-safety: construct, listen, close and destroy on the thread that runs `io` (or before it
// runs); everything else happens on that thread too.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "api/http_api.h"
#include "common/asio.h"
#include "common/status.h"
#include "runtime/request_sink.h"

namespace ringkv::runtime {

inline constexpr std::size_t kHttpConnectionsMax = 1024;
inline constexpr std::size_t kHttpHeaderBytesMax = 16 * 1024;
// The body limit is the value limit plus this much (JSON operations, multipart overhead).
inline constexpr std::size_t kHttpBodySlackBytes = 64 * 1024;
// A request (headers and body) must arrive within this; an idle keep-alive connection closes
// after kHttpIdleTimeout.
inline constexpr std::chrono::seconds kHttpReadTimeout{30};
inline constexpr std::chrono::seconds kHttpIdleTimeout{60};

class HttpServer {
 public:
  // `sink` and the callbacks in `host` must stay usable until close().
  HttpServer(asio::io_context& io, RequestSink& sink, api::HttpHost host);
  ~HttpServer();  // Calls close().
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds HOST:PORT (an IP address; port 0 picks a free one). Errors name "http_listen".
  Status listen(const std::string& host_port);
  std::uint16_t port() const;
  std::size_t connections() const;
  // Stops accepting and closes every connection. Idempotent.
  void close();

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace ringkv::runtime
