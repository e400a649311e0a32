#include "api/resp_encoder.h"

#include <charconv>
#include <cmath>
#include <system_error>

#include "common/invariant.h"

namespace ringkv::api {
namespace {

void append_line(std::string& out, char type, std::string_view text) {
  out.push_back(type);
  const std::size_t start = out.size();
  out.append(text);
  for (std::size_t i = start; i < out.size(); ++i) {
    if (out[i] == '\r' || out[i] == '\n') out[i] = ' ';
  }
  out.append("\r\n");
}

void append_length_line(std::string& out, char type, std::size_t length) {
  out.push_back(type);
  out.append(std::to_string(length));
  out.append("\r\n");
}

void append_bulk(std::string& out, std::string_view bytes) {
  append_length_line(out, '$', bytes.size());
  out.append(bytes);
  out.append("\r\n");
}

}  // namespace

void RespWriter::simple(std::string_view text) {
  append_line(out_, '+', text);
}

void RespWriter::error(std::string_view message) {
  append_line(out_, '-', message);
}

void RespWriter::integer(std::int64_t value) {
  out_.push_back(':');
  out_.append(std::to_string(value));
  out_.append("\r\n");
}

void RespWriter::bulk(std::string_view bytes) {
  append_bulk(out_, bytes);
}

void RespWriter::null() {
  out_.append(resp3() ? "_\r\n" : "$-1\r\n");
}

void RespWriter::null_array() {
  out_.append(resp3() ? "_\r\n" : "*-1\r\n");
}

void RespWriter::array(std::size_t count) {
  append_length_line(out_, '*', count);
}

void RespWriter::map(std::size_t pairs) {
  if (resp3()) {
    append_length_line(out_, '%', pairs);
  } else {
    append_length_line(out_, '*', pairs * 2);
  }
}

void RespWriter::set(std::size_t count) {
  append_length_line(out_, resp3() ? '~' : '*', count);
}

void RespWriter::floating(double value) {
  const std::string text = resp_double_text(value);
  if (resp3()) {
    append_line(out_, ',', text);
  } else {
    append_bulk(out_, text);
  }
}

void RespWriter::boolean(bool value) {
  if (resp3()) {
    out_.append(value ? "#t\r\n" : "#f\r\n");
  } else {
    integer(value ? 1 : 0);
  }
}

void RespWriter::big_number(std::string_view digits) {
  if (resp3()) {
    append_line(out_, '(', digits);
  } else {
    append_bulk(out_, digits);
  }
}

void RespWriter::verbatim(std::string_view text, std::string_view format) {
  if (!resp3()) {
    append_bulk(out_, text);
    return;
  }
  // The format is exactly three bytes, then ':'; pad or cut a caller's mistake rather than
  // break the framing.
  std::string prefix(format.substr(0, 3));
  prefix.resize(3, ' ');
  prefix.push_back(':');
  append_length_line(out_, '=', prefix.size() + text.size());
  out_.append(prefix);
  out_.append(text);
  out_.append("\r\n");
}

std::string resp_double_text(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  RINGKV_INVARIANT(result.ec == std::errc());  // 64 bytes hold any double's shortest form.
  return std::string(buffer, result.ptr);
}

std::string encode_resp_command(const std::vector<std::string>& args) {
  std::string out;
  append_length_line(out, '*', args.size());
  for (const auto& arg : args) append_bulk(out, arg);
  return out;
}

}  // namespace ringkv::api
