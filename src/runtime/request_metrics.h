// RequestMetrics: what every front door's requests did, for /metrics and /stats: latency
// histograms per front door and operation, request counts by result, siblings per read and value
// sizes. MeteredSink wraps the node's RequestSink for one front door ("native", "resp", "http")
// and measures each request from submit to reply with the steady clock.
// Thread-safety: the event-loop thread only, like the sink it wraps.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>

#include "api/prometheus_text.h"
#include "runtime/request_sink.h"

namespace ringkv::runtime {

class RequestMetrics {
 public:
  RequestMetrics();

  // One reply to a request of `op` from front door `api`; `written_bytes`: a put's value size.
  void record(std::string_view api, core::ClientOp op, std::size_t written_bytes,
              const core::ClientReply& reply, double seconds);
  // Writes the request families (latency, results, siblings, sizes).
  void write(api::PrometheusWriter& out) const;
  // Requests by front door and result, for /stats.
  std::map<std::string, std::uint64_t> totals() const;

 private:
  struct Key {
    std::string api;
    std::string op;
    friend auto operator<=>(const Key&, const Key&) = default;
  };
  std::map<Key, api::Histogram> latency_;
  std::map<std::tuple<std::string, std::string, std::string>, std::uint64_t> results_;
  api::Histogram siblings_;
  api::Histogram value_bytes_read_;
  api::Histogram value_bytes_written_;
};

// The name of a request's operation as metrics label it: get, put, delete, update, scan.
std::string_view op_label(core::ClientOp op);
// A reply's result label: ok, or the status code's name (unavailable, timeout, ...).
std::string result_label(const Status& status);

class MeteredSink : public RequestSink {
 public:
  MeteredSink(RequestSink& inner, RequestMetrics& metrics, std::string api)
      : inner_(inner), metrics_(metrics), api_(std::move(api)) {}
  void submit(core::ClientRequest request, ReplyCallback on_reply) override;

 private:
  RequestSink& inner_;
  RequestMetrics& metrics_;
  std::string api_;
};

}  // namespace ringkv::runtime
