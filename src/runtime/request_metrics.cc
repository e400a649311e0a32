// Request metrics; see request_metrics.h.
#include "runtime/request_metrics.h"

#include <cctype>

namespace ringkv::runtime {

RequestMetrics::RequestMetrics()
    : siblings_(api::sibling_bounds()),
      value_bytes_read_(api::size_bounds_bytes()),
      value_bytes_written_(api::size_bounds_bytes()) {}

std::string_view op_label(core::ClientOp op) {
  switch (op) {
    case core::ClientOp::kGet:
      return "get";
    case core::ClientOp::kPut:
      return "put";
    case core::ClientOp::kDelete:
      return "delete";
    case core::ClientOp::kUpdate:
      return "update";
    case core::ClientOp::kScan:
      return "scan";
  }
  return "unknown";
}

std::string result_label(const Status& status) {
  if (status.is_ok()) return "ok";
  std::string name = status_code_name(status.code());
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

void RequestMetrics::record(std::string_view api, core::ClientOp request_op,
                            std::size_t written_bytes, const core::ClientReply& reply,
                            double seconds) {
  const std::string op(op_label(request_op));
  auto [it, inserted] =
      latency_.try_emplace(Key{std::string(api), op}, api::latency_bounds_seconds());
  it->second.observe(seconds);
  ++results_[{std::string(api), op, result_label(reply.status)}];
  if (!reply.status.is_ok()) return;
  if (request_op == core::ClientOp::kGet && !reply.values.empty()) {
    siblings_.observe(static_cast<double>(reply.values.size()));
    for (const auto& value : reply.values) {
      value_bytes_read_.observe(static_cast<double>(value.size()));
    }
  } else if (request_op == core::ClientOp::kPut) {
    value_bytes_written_.observe(static_cast<double>(written_bytes));
  }
}

void RequestMetrics::write(api::PrometheusWriter& out) const {
  out.family("ringkv_request_duration_seconds", "histogram",
             "Client request latency from a front door's submit to the node's reply");
  for (const auto& [key, histogram] : latency_) {
    out.histogram("ringkv_request_duration_seconds", {{"api", key.api}, {"op", key.op}}, histogram);
  }
  out.family("ringkv_requests_total", "counter",
             "Client requests by front door, operation and result");
  for (const auto& [key, count] : results_) {
    const auto& [api_name, op, result] = key;
    out.sample("ringkv_requests_total", {{"api", api_name}, {"op", op}, {"result", result}},
               static_cast<double>(count));
  }
  out.family("ringkv_read_siblings", "histogram", "Sibling values per successful read of a key");
  out.histogram("ringkv_read_siblings", {}, siblings_);
  out.family("ringkv_value_size_bytes", "histogram", "Sizes of values read and written");
  out.histogram("ringkv_value_size_bytes", {{"direction", "read"}}, value_bytes_read_);
  out.histogram("ringkv_value_size_bytes", {{"direction", "written"}}, value_bytes_written_);
}

std::map<std::string, std::uint64_t> RequestMetrics::totals() const {
  std::map<std::string, std::uint64_t> out;
  for (const auto& [key, count] : results_) {
    const auto& [api_name, op, result] = key;
    out[api_name + "." + op + "." + result] += count;
  }
  return out;
}

void MeteredSink::submit(core::ClientRequest request, ReplyCallback on_reply) {
  const auto started = std::chrono::steady_clock::now();
  const core::ClientOp op = request.op;
  const std::size_t written = op == core::ClientOp::kPut ? request.value.size() : 0;
  inner_.submit(std::move(request), [this, started, op, written,
                                     on_reply = std::move(on_reply)](core::ClientReply reply) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    metrics_.record(api_, op, written, reply, seconds);
    on_reply(std::move(reply));
  });
}

}  // namespace ringkv::runtime
