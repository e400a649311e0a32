#include "api/resp_encoder.h"

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

}  // namespace

void append_resp_simple_string(std::string& out, std::string_view text) {
  append_line(out, '+', text);
}

void append_resp_error(std::string& out, std::string_view message) {
  append_line(out, '-', message);
}

void append_resp_integer(std::string& out, std::int64_t value) {
  out.push_back(':');
  out.append(std::to_string(value));
  out.append("\r\n");
}

void append_resp_bulk_string(std::string& out, std::string_view bytes) {
  append_length_line(out, '$', bytes.size());
  out.append(bytes);
  out.append("\r\n");
}

void append_resp_null_bulk_string(std::string& out) {
  out.append("$-1\r\n");
}

void append_resp_array_header(std::string& out, std::size_t count) {
  append_length_line(out, '*', count);
}

void append_resp_null_array(std::string& out) {
  out.append("*-1\r\n");
}

std::string encode_resp_command(const std::vector<std::string>& args) {
  std::string out;
  append_resp_array_header(out, args.size());
  for (const auto& arg : args) append_resp_bulk_string(out, arg);
  return out;
}

}  // namespace ringkv::api
