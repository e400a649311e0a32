#include "api/resp_planner.h"

#include <limits>
#include <utility>

namespace ringkv::api {
namespace {

char to_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

core::ClientRequest make_request(core::ClientOp op, std::string_view bucket, std::string key) {
  core::ClientRequest request;
  request.op = op;
  request.bucket = std::string(bucket);
  request.key = std::move(key);
  return request;
}

}  // namespace

RespStep reply_step(std::string reply) {
  RespStep step;
  step.reply = std::move(reply);
  return step;
}

RespStep reply_step(RespWriter&& writer) {
  return reply_step(writer.take());
}

RespStep error_step(std::string_view message) {
  RespWriter out(RespProtocol::kResp2);
  out.error(message);
  return reply_step(std::move(out));
}

RespStep simple_step(std::string_view text) {
  RespWriter out(RespProtocol::kResp2);
  out.simple(text);
  return reply_step(std::move(out));
}

RespStep integer_step(std::int64_t value) {
  RespWriter out(RespProtocol::kResp2);
  out.integer(value);
  return reply_step(std::move(out));
}

RespStep bulk_step(std::string_view bytes) {
  RespWriter out(RespProtocol::kResp2);
  out.bulk(bytes);
  return reply_step(std::move(out));
}

RespCommandPlan immediate(RespStep step) {
  RespCommandPlan plan;
  plan.first = std::move(step);
  return plan;
}

std::string arity_error(std::string_view command) {
  return "ERR wrong number of arguments for '" + lowercase(echoed(command)) + "' command";
}

std::string unknown_command_error(std::string_view name) {
  if (const auto family = resp_unsupported_family(name)) {
    return resp_unsupported_error(name, *family);
  }
  return "ERR unknown command '" + echoed(name) + "'";
}

std::string unknown_subcommand_error(std::string_view subcommand, std::string_view command) {
  return "ERR unknown subcommand '" + echoed(subcommand) + "'. Try " + std::string(command) +
         " HELP.";
}

std::string echoed(std::string_view text) {
  return std::string(text.substr(0, kEchoedNameBytesMax));
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = to_lower(c);
  return out;
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (to_lower(a[i]) != to_lower(b[i])) return false;
  }
  return true;
}

std::optional<std::int64_t> parse_resp_integer(std::string_view text) {
  bool negative = false;
  if (!text.empty() && text.front() == '-') {
    negative = true;
    text.remove_prefix(1);
  }
  if (text.empty() || text.size() > 19) return std::nullopt;
  if (text.front() == '0' && (text.size() > 1 || negative)) return std::nullopt;
  // Accumulate as a negative number: its range holds the magnitude of INT64_MIN.
  std::int64_t value = 0;
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const int digit = c - '0';
    if (value < (kMin + digit) / 10) return std::nullopt;
    value = value * 10 - digit;
  }
  if (!negative) {
    if (value == kMin) return std::nullopt;
    value = -value;
  }
  return value;
}

core::ClientRequest make_get(std::string_view bucket, std::string key) {
  return make_request(core::ClientOp::kGet, bucket, std::move(key));
}

core::ClientRequest make_put(std::string_view bucket, std::string key, std::string value,
                             std::string context, bool supersede_known) {
  core::ClientRequest request = make_request(core::ClientOp::kPut, bucket, std::move(key));
  request.value = std::move(value);
  request.context = std::move(context);
  request.supersede_known = supersede_known;
  return request;
}

core::ClientRequest make_delete(std::string_view bucket, std::string key, std::string context) {
  core::ClientRequest request = make_request(core::ClientOp::kDelete, bucket, std::move(key));
  request.context = std::move(context);
  return request;
}

core::ClientRequest make_update(std::string_view bucket, std::string key, const core::DataOp& op) {
  core::ClientRequest request = make_request(core::ClientOp::kUpdate, bucket, std::move(key));
  request.value = core::encode_data_op(op);
  return request;
}

core::ClientRequest make_scan(std::string_view bucket, std::string cursor, std::uint32_t count,
                              std::string match, std::string type, bool count_only) {
  core::ClientRequest request = make_request(core::ClientOp::kScan, bucket, {});
  request.scan.cursor = std::move(cursor);
  request.scan.count = count;
  request.scan.match = std::move(match);
  request.scan.type = std::move(type);
  request.scan.count_only = count_only;
  return request;
}

}  // namespace ringkv::api
