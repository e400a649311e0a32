// The HTTP/JSON front door's request handling (docs/HTTP.md), free of sockets and Asio so the
// fuzz target links it directly: runtime/http_server.cc parses each request with Boost.Beast
// (bounded header and body sizes), hands it here as an HttpRequest, runs the core requests the
// returned HttpStep names and feeds their replies back until a step answers.
//
// Routes (Riak's conventions where they fit):
//   GET    /ping                      200 "OK"
//   GET    /buckets/B/keys/K          the value (200), the siblings (300), or 404 with the context
//   PUT    /buckets/B/keys/K          store the body (POST accepted too); 204
//   DELETE /buckets/B/keys/K          204
//   GET    /buckets/B/keys?keys=stream|true   the bucket's keys (a coverage scan; see below)
//   GET    /buckets/B/datatypes/K     a counter, set or hash as JSON
//   POST   /buckets/B/datatypes/K     a JSON operation on it
//   GET    /stats, /cluster           JSON from the host
//   GET    /metrics                   Prometheus text from the host
//   GET    /                          the dashboard page from the host
// The causal context travels base64 in the X-Ringkv-Context header. Quorum parameters r, w, pr,
// pw take an integer or one/quorum/all/default; timeout is in milliseconds.
// Thread-safety: pure functions; the callbacks in HttpHost run on the caller's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "core/requests.h"

namespace ringkv::api {

inline constexpr std::string_view kContextHeader = "x-ringkv-context";
// Keys per scan call of a key listing, and per page of ?keys=true.
inline constexpr std::uint32_t kHttpKeysPageDefault = 1000;

struct HttpRequest {
  std::string method;  // Upper case, as sent ("GET").
  std::string target;  // Path and query ("/buckets/b/keys/k?r=2").
  // Header names in lower case; a repeated header appears repeatedly.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The first value of header `name` (lower case), if present.
  std::optional<std::string_view> header(std::string_view name) const;
};

struct HttpResponse {
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // Content-Type included.
  std::string body;
};

// The node-side facts and documents a request may need, supplied by the host.
struct HttpHost {
  std::size_t value_max_bytes = 1024 * 1024;
  // A bucket's n, to resolve quorum words ("quorum" = n/2 + 1, "all" = n).
  std::function<std::uint32_t(std::string_view bucket)> bucket_n;
  // JSON documents and the Prometheus text; null: that endpoint answers 404.
  std::function<std::string()> stats_json;
  std::function<std::string()> cluster_json;
  std::function<std::string()> metrics_text;
  // Bucket properties (docs/HTTP.md, "Bucket properties"): a bucket's JSON document; set and
  // reset run on the node (errors name the property); the list of buckets with their own.
  std::function<Result<std::string>(const std::string& bucket)> bucket_props;
  std::function<Status(const std::string& bucket,
                       const std::vector<std::pair<std::string, std::string>>& changes)>
      set_bucket_props;
  std::function<Status(const std::string& bucket)> reset_bucket_props;
  std::function<std::string()> buckets_json;
  // The dashboard's files by path ("/", "/app.js"): content type and body; nullopt: not found.
  std::function<std::optional<std::pair<std::string, std::string>>(std::string_view path)> asset;
};

// One step of a request: core requests to run (their replies, in order, go to `then`), or an
// answer. A streamed answer (`streaming`) sends `response`'s status and headers with a chunked
// body: this step's `chunk`, then each following step's, until a step has no requests.
struct HttpStep {
  std::vector<core::ClientRequest> requests;
  std::function<HttpStep(std::vector<core::ClientReply>)> then;
  std::optional<HttpResponse> response;  // Set on the step that answers (or starts a stream).
  bool streaming = false;
  std::string chunk;

  bool finished() const { return requests.empty(); }
};

// The first step of `request`. Malformed or unknown requests answer at once (400, 404, 405,
// 413, 415) with a text body naming what was wrong.
HttpStep plan_http(HttpRequest request, const HttpHost& host);

// "%41b" -> "Ab"; nullopt for a truncated or non-hex escape. '+' stays '+' (paths).
std::optional<std::string> percent_decode(std::string_view text);

// The HTTP status for a failed core reply: 400 bad argument, 413 too large, 404 not found,
// 503 unavailable or timed out (quorum not reached), 500 otherwise.
unsigned http_status_of(const Status& status);

// A plain-text error answer.
HttpResponse http_error(unsigned status, std::string message);

}  // namespace ringkv::api
