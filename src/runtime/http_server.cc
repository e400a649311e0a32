// The HTTP/JSON port; see http_server.h.
#include "runtime/http_server.h"

#include <spdlog/spdlog.h>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <cstdio>
#include <optional>
#include <sstream>
#include <vector>

#include "common/host_port.h"

namespace ringkv::runtime {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);
}  // namespace

struct HttpServer::State {
  State(asio::io_context& io_context, RequestSink& request_sink, api::HttpHost http_host)
      : io(io_context),
        sink(request_sink),
        host(std::move(http_host)),
        acceptor(io_context),
        accept_retry(io_context) {}

  asio::io_context& io;
  RequestSink& sink;
  api::HttpHost host;
  tcp::acceptor acceptor;
  asio::steady_timer accept_retry;
  std::uint16_t port = 0;
  std::size_t live_connections = 0;
  std::vector<std::weak_ptr<beast::tcp_stream>> streams;
  bool closed = false;
};

namespace {

// One connection: read a request, plan it, run its steps, write the answer, repeat.
class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  HttpConnection(tcp::socket socket, std::shared_ptr<HttpServer::State> server)
      : stream_(std::make_shared<beast::tcp_stream>(std::move(socket))),
        server_(std::move(server)) {
    ++server_->live_connections;
  }
  ~HttpConnection() { --server_->live_connections; }

  void start() {
    server_->streams.push_back(stream_);
    read_request();
  }

 private:
  void read_request() {
    if (server_->closed) return;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(kHttpHeaderBytesMax));
    parser_->body_limit(server_->host.value_max_bytes + kHttpBodySlackBytes);
    // The first request of a connection, or the next on a kept-alive one: the idle timeout
    // covers the wait for it, the read timeout what follows (Beast has one deadline per
    // operation, so the longer applies to the whole read).
    stream_->expires_after(requests_served_ == 0 ? kHttpReadTimeout : kHttpIdleTimeout);
    http::async_read(*stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code error, std::size_t) {
                       self->on_read(error);
                     });
  }

  void on_read(beast::error_code error) {
    if (server_->closed) return;
    if (error == http::error::end_of_stream || error == asio::error::eof ||
        error == asio::error::operation_aborted) {
      close();
      return;
    }
    if (error == beast::error::timeout) {
      if (buffer_.size() == 0 && requests_served_ > 0) {
        close();  // An idle keep-alive connection.
        return;
      }
      finish_with(api::http_error(408, "the request did not arrive within " +
                                           std::to_string(kHttpReadTimeout.count()) + " s"),
                  false);
      return;
    }
    if (error == http::error::body_limit) {
      finish_with(api::http_error(
                      413, "the body exceeds " +
                               std::to_string(server_->host.value_max_bytes + kHttpBodySlackBytes) +
                               " bytes (value_max_bytes plus JSON slack)"),
                  false);
      return;
    }
    if (error == http::error::header_limit) {
      finish_with(api::http_error(431, "the request headers exceed " +
                                           std::to_string(kHttpHeaderBytesMax) + " bytes"),
                  false);
      return;
    }
    if (error) {
      finish_with(api::http_error(400, "malformed HTTP request: " + error.message()), false);
      return;
    }
    auto message = parser_->release();
    keep_alive_ = message.keep_alive();
    head_ = message.method() == http::verb::head;
    version_ = message.version();
    api::HttpRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    for (const auto& field : message) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      request.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    request.body = std::move(message.body());
    run(api::plan_http(std::move(request), server_->host));
  }

  // Runs `step`: answers, streams a chunk, or submits its requests and continues with their
  // replies (from the event loop, never inside the submit that answered).
  void run(api::HttpStep step) {
    if (server_->closed) return;
    if (step.streaming) {
      stream(std::move(step));
      return;
    }
    if (step.response) {
      finish_with(std::move(*step.response), keep_alive_);
      return;
    }
    submit(std::move(step));
  }

  void submit(api::HttpStep step) {
    struct Pending {
      std::function<api::HttpStep(std::vector<core::ClientReply>)> then;
      std::vector<core::ClientReply> replies;
      std::size_t missing = 0;
    };
    auto pending = std::make_shared<Pending>();
    pending->then = std::move(step.then);
    pending->replies.resize(step.requests.size());
    pending->missing = step.requests.size();
    for (std::size_t slot = 0; slot < step.requests.size(); ++slot) {
      server_->sink.submit(std::move(step.requests[slot]),
                           [self = shared_from_this(), pending, slot](core::ClientReply reply) {
                             pending->replies[slot] = std::move(reply);
                             if (--pending->missing > 0) return;
                             asio::post(self->server_->io, [self, pending] {
                               if (self->server_->closed) return;
                               self->run(pending->then(std::move(pending->replies)));
                             });
                           });
    }
  }

  // A chunked answer: the head once, then each step's chunk; the last chunk ends it.
  void stream(api::HttpStep step) {
    std::string out;
    if (!stream_started_) {
      stream_started_ = true;
      http::response<http::empty_body> head;
      head.version(version_);
      head.result(step.response ? step.response->status : 200);
      if (step.response) {
        for (const auto& [name, value] : step.response->headers) head.set(name, value);
      }
      head.set(http::field::server, "ringkv");
      head.keep_alive(keep_alive_);
      head.chunked(true);
      std::ostringstream text;
      text << head.base();
      out = text.str();
    }
    if (!step.chunk.empty()) {
      char size[32];
      const int written = std::snprintf(size, sizeof(size), "%zx\r\n", step.chunk.size());
      out.append(size, static_cast<std::size_t>(written));
      out += step.chunk;
      out += "\r\n";
    }
    const bool last = step.finished();
    if (last) out += "0\r\n\r\n";
    write_buffer_ = std::move(out);
    stream_->expires_after(kHttpReadTimeout);
    asio::async_write(*stream_, asio::buffer(write_buffer_),
                      [self = shared_from_this(), last, step = std::move(step)](
                          beast::error_code error, std::size_t) mutable {
                        if (error || self->server_->closed) {
                          self->close();
                          return;
                        }
                        if (!last) {
                          step.streaming = false;
                          step.response.reset();
                          self->submit(std::move(step));
                          return;
                        }
                        self->after_answer(self->keep_alive_);
                      });
  }

  void finish_with(api::HttpResponse answer, bool keep_alive) {
    auto response = std::make_shared<http::response<http::string_body>>();
    response->version(version_ == 0 ? 11 : version_);
    response->result(answer.status);
    for (const auto& [name, value] : answer.headers) response->set(name, value);
    response->set(http::field::server, "ringkv");
    response->keep_alive(keep_alive);
    const std::size_t length = answer.body.size();
    if (!head_) response->body() = std::move(answer.body);
    response->content_length(length);
    stream_->expires_after(kHttpReadTimeout);
    if (head_) {
      // HEAD: the length of the body a GET would carry, without it.
      auto serializer = std::make_shared<http::response_serializer<http::string_body>>(*response);
      http::async_write_header(*stream_, *serializer,
                               [self = shared_from_this(), response, serializer, keep_alive](
                                   beast::error_code error, std::size_t) {
                                 if (error) {
                                   self->close();
                                   return;
                                 }
                                 self->after_answer(keep_alive);
                               });
      return;
    }
    http::async_write(
        *stream_, *response,
        [self = shared_from_this(), response, keep_alive](beast::error_code error, std::size_t) {
          if (error) {
            self->close();
            return;
          }
          self->after_answer(keep_alive);
        });
  }

  void after_answer(bool keep_alive) {
    ++requests_served_;
    stream_started_ = false;
    if (!keep_alive || server_->closed) {
      beast::error_code ignored;
      stream_->socket().shutdown(tcp::socket::shutdown_send, ignored);
      close();
      return;
    }
    read_request();
  }

  void close() {
    beast::error_code ignored;
    stream_->socket().close(ignored);
  }

  std::shared_ptr<beast::tcp_stream> stream_;
  std::shared_ptr<HttpServer::State> server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string write_buffer_;
  std::uint64_t requests_served_ = 0;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool head_ = false;
  bool stream_started_ = false;
};

void refuse(tcp::socket socket) {
  static const std::string kReply =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 31\r\n"
      "Connection: close\r\n\r\ntoo many connections; retry later";
  auto refused = std::make_shared<tcp::socket>(std::move(socket));
  asio::async_write(*refused, asio::buffer(kReply),
                    [refused](const boost::system::error_code&, std::size_t) {
                      boost::system::error_code ignored;
                      refused->close(ignored);
                    });
}

void accept_next(const std::shared_ptr<HttpServer::State>& state) {
  state->acceptor.async_accept([state](const boost::system::error_code& error, tcp::socket socket) {
    if (state->closed) return;
    if (error) {
      spdlog::warn("HTTP accept failed: {}", error.message());
      state->accept_retry.expires_after(kAcceptRetryDelay);
      state->accept_retry.async_wait([state](const boost::system::error_code& wait_error) {
        if (!wait_error && !state->closed) accept_next(state);
      });
      return;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    if (state->live_connections >= kHttpConnectionsMax) {
      refuse(std::move(socket));
    } else {
      std::erase_if(state->streams, [](const auto& weak) { return weak.expired(); });
      std::make_shared<HttpConnection>(std::move(socket), state)->start();
    }
    accept_next(state);
  });
}

}  // namespace

HttpServer::HttpServer(asio::io_context& io, RequestSink& sink, api::HttpHost host)
    : state_(std::make_shared<State>(io, sink, std::move(host))) {}

HttpServer::~HttpServer() {
  close();
}

Status HttpServer::listen(const std::string& host_port) {
  if (state_->closed) return Status::invalid_argument("http_listen: the HTTP server is closed");
  auto address = parse_host_port(host_port, "http_listen");
  if (!address.is_ok()) return address.status();
  boost::system::error_code error;
  const auto ip = asio::ip::make_address(address->host, error);
  if (error) {
    return Status::invalid_argument("http_listen host '" + address->host +
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
    return Status::io_error("cannot listen on http_listen " + host_port + ": " + error.message());
  }
  state_->port = acceptor.local_endpoint().port();
  spdlog::info("HTTP listening on {}:{}", address->host, state_->port);
  accept_next(state_);
  return Status::ok();
}

std::uint16_t HttpServer::port() const {
  return state_->port;
}

std::size_t HttpServer::connections() const {
  return state_->live_connections;
}

void HttpServer::close() {
  if (state_->closed) return;
  state_->closed = true;
  boost::system::error_code ignored;
  state_->acceptor.close(ignored);
  state_->accept_retry.cancel();
  for (auto& weak : state_->streams) {
    if (auto stream = weak.lock()) {
      beast::error_code error;
      stream->socket().close(error);
    }
  }
  state_->streams.clear();
}

}  // namespace ringkv::runtime
