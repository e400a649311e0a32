// libFuzzer target for the HTTP/JSON request handling (built with clang by scripts/fuzz.sh;
// links ringkv_api). The input is one request as the server hands it over after Beast parsed
// it: a method line, a target line, "name: value" header lines up to an empty line, then the
// body; the bytes after a 0xff byte in the body feed the fake core's replies (values, siblings,
// failures). Checked: every request finishes in a bounded number of steps, answers a status
// from the documented set, never puts CR or LF into a header (no response splitting), never
// asks the core for an empty or oversized bucket or key, and a value over the limit never
// reaches the core.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "api/http_api.h"
#include "common/limits.h"

namespace {

using ringkv::api::HttpRequest;
using ringkv::api::HttpStep;

void check(bool condition) {
  if (!condition) std::abort();
}

std::string_view next_line(std::string_view& rest) {
  const std::size_t end = rest.find('\n');
  const std::string_view line = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  HttpRequest request;
  request.method = std::string(next_line(rest));
  request.target = std::string(next_line(rest));
  while (!rest.empty()) {
    const std::string_view line = next_line(rest);
    if (line.empty()) break;
    const std::size_t colon = line.find(':');
    std::string name(line.substr(0, colon));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string_view value =
        colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    request.headers.emplace_back(std::move(name), std::string(value));
  }
  const std::size_t split = rest.find('\xff');
  request.body = std::string(rest.substr(0, split));
  std::string_view replies_source =
      split == std::string_view::npos ? std::string_view() : rest.substr(split + 1);

  ringkv::api::HttpHost host;
  host.value_max_bytes = 256;
  host.bucket_n = [](std::string_view) { return 3u; };
  host.stats_json = [] { return std::string("{}"); };
  host.metrics_text = [] { return std::string("# empty\n"); };
  // Bucket properties: the changes must reach the host well formed.
  host.bucket_props = [](const std::string&) -> ringkv::Result<std::string> {
    return std::string("{}");
  };
  host.set_bucket_props = [](const std::string& bucket,
                             const std::vector<std::pair<std::string, std::string>>& changes) {
    if (bucket.empty() || changes.empty() || changes.size() > 16) __builtin_trap();
    return ringkv::Status::ok();
  };
  host.reset_bucket_props = [](const std::string& bucket) {
    if (bucket.empty()) __builtin_trap();
    return ringkv::Status::ok();
  };
  host.buckets_json = [] { return std::string("{}"); };
  const std::size_t body_size = request.body.size();

  static const std::set<unsigned> kStatuses = {200, 204, 300, 400, 404, 405, 413, 415, 500, 503};
  HttpStep step = ringkv::api::plan_http(std::move(request), host);
  bool answered = false;
  for (int steps = 0;; ++steps) {
    check(steps < 64);
    if (step.response) {
      answered = true;
      check(kStatuses.count(step.response->status) == 1);
      for (const auto& [name, value] : step.response->headers) {
        check(name.find_first_of("\r\n") == std::string::npos);
        check(value.find_first_of("\r\n") == std::string::npos);
      }
    }
    if (step.finished()) break;
    check(static_cast<bool>(step.then));
    std::vector<ringkv::core::ClientReply> replies;
    for (const auto& core_request : step.requests) {
      check(!core_request.bucket.empty());
      check(core_request.bucket.size() <= ringkv::limits::kBucketMaxBytes);
      if (core_request.op != ringkv::core::ClientOp::kScan) {
        check(!core_request.key.empty());
        check(core_request.key.size() <= ringkv::limits::kKeyMaxBytes);
      }
      if (core_request.op == ringkv::core::ClientOp::kPut) check(body_size <= 256);
      ringkv::core::ClientReply reply;
      const char control = replies_source.empty() ? '\0' : replies_source.front();
      if (!replies_source.empty()) replies_source.remove_prefix(1);
      if (control % 7 == 1) reply.status = ringkv::Status::unavailable("1 of 3 replicas");
      const std::size_t values = static_cast<unsigned char>(control) % 4;
      for (std::size_t i = 0; i < values; ++i) {
        const std::size_t take = std::min<std::size_t>(replies_source.size(), 8);
        reply.values.emplace_back(replies_source.substr(0, take));
        replies_source.remove_prefix(take);
      }
      reply.context = "ctx";
      if (core_request.op == ringkv::core::ClientOp::kScan) {
        reply.scan.keys = reply.values;
        reply.scan.cursor = control % 3 == 2 && steps < 16 ? "c" : "0";
      }
      if (core_request.op == ringkv::core::ClientOp::kUpdate) {
        reply.result.clear();  // Any result decodes or fails cleanly; HTTP ignores it.
      }
      replies.push_back(std::move(reply));
    }
    step = step.then(std::move(replies));
  }
  check(answered);
  return 0;
}
