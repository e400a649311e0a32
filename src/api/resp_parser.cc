#include "api/resp_parser.h"

#include <cassert>
#include <cstdint>

namespace ringkv::api {
namespace {

// Parses a decimal integer the way Redis's string2ll does: an optional '-', then digits without
// leading zeros, no more than fit in 64 bits.
bool parse_decimal(std::string_view text, std::int64_t& out) {
  bool negative = false;
  if (!text.empty() && text.front() == '-') {
    negative = true;
    text.remove_prefix(1);
  }
  if (text.empty() || text.size() > 18) return false;  // 18 digits cannot overflow.
  if (text.size() > 1 && text.front() == '0') return false;
  std::int64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  out = negative ? -value : value;
  return true;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// One double-quoted inline argument starting after the opening quote; escapes as in Redis's
// sdssplitargs (\n \r \t \b \a \xHH, any other escaped character stands for itself). Advances
// `i` past the closing quote. False when the quote is unbalanced or not followed by a space.
bool parse_double_quoted(std::string_view line, std::size_t& i, std::string& arg) {
  while (i < line.size()) {
    const char c = line[i];
    if (c == '"') {
      ++i;
      return i == line.size() || is_space(line[i]);
    }
    if (c == '\\' && i + 3 < line.size() && line[i + 1] == 'x' && hex_digit(line[i + 2]) >= 0 &&
        hex_digit(line[i + 3]) >= 0) {
      arg.push_back(static_cast<char>(hex_digit(line[i + 2]) * 16 + hex_digit(line[i + 3])));
      i += 4;
    } else if (c == '\\' && i + 1 < line.size()) {
      const char escaped = line[i + 1];
      switch (escaped) {
        case 'n':
          arg.push_back('\n');
          break;
        case 'r':
          arg.push_back('\r');
          break;
        case 't':
          arg.push_back('\t');
          break;
        case 'b':
          arg.push_back('\b');
          break;
        case 'a':
          arg.push_back('\a');
          break;
        default:
          arg.push_back(escaped);
          break;
      }
      i += 2;
    } else {
      arg.push_back(c);
      ++i;
    }
  }
  return false;
}

// One single-quoted inline argument: only \' is an escape.
bool parse_single_quoted(std::string_view line, std::size_t& i, std::string& arg) {
  while (i < line.size()) {
    const char c = line[i];
    if (c == '\\' && i + 1 < line.size() && line[i + 1] == '\'') {
      arg.push_back('\'');
      i += 2;
    } else if (c == '\'') {
      ++i;
      return i == line.size() || is_space(line[i]);
    } else {
      arg.push_back(c);
      ++i;
    }
  }
  return false;
}

// Splits an inline command into arguments. False on unbalanced quotes.
bool split_inline(std::string_view line, std::size_t args_max, RespArgs& args, bool& too_many) {
  std::size_t i = 0;
  while (true) {
    while (i < line.size() && is_space(line[i])) ++i;
    if (i == line.size()) return true;
    if (args.size() == args_max) {
      too_many = true;
      return true;
    }
    std::string arg;
    bool closed_quote = true;
    while (i < line.size() && !is_space(line[i])) {
      const char c = line[i++];
      if (c == '"') {
        closed_quote = parse_double_quoted(line, i, arg);
        break;
      }
      if (c == '\'') {
        closed_quote = parse_single_quoted(line, i, arg);
        break;
      }
      arg.push_back(c);
    }
    if (!closed_quote) return false;
    args.push_back(std::move(arg));
  }
}

// A byte shown in an error message: printable as itself, anything else as \xHH.
std::string printable(char c) {
  if (c >= 0x20 && c < 0x7f) return std::string(1, c);
  static constexpr char kHex[] = "0123456789abcdef";
  const auto byte = static_cast<unsigned char>(c);
  return std::string("\\x") + kHex[byte >> 4] + kHex[byte & 0xf];
}

}  // namespace

RespParserLimits RespParserLimits::for_value_max(std::size_t value_max_bytes) {
  RespParserLimits limits;
  limits.bulk_bytes_max = resp_bulk_bytes_max(value_max_bytes);
  limits.command_bytes_max = resp_command_bytes_max(value_max_bytes);
  return limits;
}

RespParser::RespParser(const RespParserLimits& limits) : limits_(limits) {
  assert(limits_.args_max > 0);
  assert(limits_.bulk_bytes_max <= limits_.command_bytes_max);
}

void RespParser::feed(std::string_view bytes) {
  compact();
  buffer_.append(bytes);
}

// Drops the consumed prefix once it dominates the buffer, keeping appends amortized O(1).
void RespParser::compact() {
  if (position_ == buffer_.size()) {
    buffer_.clear();
    position_ = 0;
  } else if (position_ > 4096 && position_ * 2 > buffer_.size()) {
    buffer_.erase(0, position_);
    position_ = 0;
  }
}

Status RespParser::fail(std::string message) {
  error_ = Status::invalid_argument("Protocol error: " + std::move(message));
  args_.clear();
  buffer_.clear();
  position_ = 0;
  return error_;
}

// Finds the next '\n' without rescanning bytes a previous call already searched, so a slow
// client feeding a long line byte by byte costs linear, not quadratic, time.
RespParser::LineStatus RespParser::find_line(std::size_t line_bytes_max, std::string_view& line) {
  const std::string_view pending(buffer_.data() + position_, buffer_.size() - position_);
  const std::size_t newline = pending.find('\n', line_scanned_);
  // The line may be followed by "\r\n": allow one byte beyond the limit for the '\r'.
  if (newline == std::string_view::npos) {
    line_scanned_ = pending.size();
    return pending.size() > line_bytes_max + 1 ? LineStatus::kTooLong : LineStatus::kIncomplete;
  }
  if (newline > line_bytes_max + 1) return LineStatus::kTooLong;
  line = pending.substr(0, newline);
  position_ += newline + 1;
  line_scanned_ = 0;
  return LineStatus::kFound;
}

Result<std::optional<RespArgs>> RespParser::next() {
  if (!error_.is_ok()) return error_;
  while (true) {
    if (state_ == State::kStart) {
      if (position_ == buffer_.size()) return std::optional<RespArgs>();
      if (buffer_[position_] != '*') {
        auto command = parse_inline();
        // A blank line is no command; look at what follows it.
        if (!command.is_ok() || !command->has_value() || !(*command)->empty()) return command;
        continue;
      }
      bool command_is_empty = false;
      RINGKV_RETURN_IF_ERROR(parse_array_header(command_is_empty));
      if (state_ == State::kStart && !command_is_empty) return std::optional<RespArgs>();
      continue;  // An empty array is no command at all (Redis skips it too).
    }
    if (state_ == State::kBulkHeader) {
      const std::size_t before = position_;
      RINGKV_RETURN_IF_ERROR(parse_bulk_header());
      if (position_ == before) return std::optional<RespArgs>();
      continue;
    }
    auto complete = parse_bulk_data();
    if (!complete.is_ok()) return complete.status();
    if (!*complete) return std::optional<RespArgs>();
    if (args_.size() == args_expected_) {
      state_ = State::kStart;
      RespArgs command;
      command.swap(args_);
      return std::optional<RespArgs>(std::move(command));
    }
    state_ = State::kBulkHeader;
  }
}

Result<std::optional<RespArgs>> RespParser::parse_inline() {
  std::string_view line;
  const LineStatus status = find_line(limits_.inline_bytes_max, line);
  if (status == LineStatus::kTooLong) return fail("too big inline request");
  if (status == LineStatus::kIncomplete) return std::optional<RespArgs>();
  RespArgs args;
  bool too_many = false;
  if (!split_inline(line, limits_.args_max, args, too_many)) {
    return fail("unbalanced quotes in request");
  }
  if (too_many) {
    return fail("inline request has more than " + std::to_string(limits_.args_max) + " arguments");
  }
  return std::optional<RespArgs>(std::move(args));
}

// Reads "*N\r\n". Leaves the state at kStart when the header is incomplete (or announces no
// arguments, reported through `command_is_empty`).
Status RespParser::parse_array_header(bool& command_is_empty) {
  std::string_view line;
  const LineStatus status = find_line(kRespHeaderBytesMax, line);
  if (status == LineStatus::kTooLong) return fail("too big mbulk count string");
  if (status == LineStatus::kIncomplete) return Status::ok();
  if (line.empty() || line.back() != '\r') return fail("array header not terminated by CRLF");
  std::int64_t count = 0;
  if (!parse_decimal(line.substr(1, line.size() - 2), count)) {
    return fail("invalid multibulk length");
  }
  if (count <= 0) {
    command_is_empty = true;
    return Status::ok();
  }
  if (static_cast<std::uint64_t>(count) > limits_.args_max) {
    return fail("invalid multibulk length " + std::to_string(count) + " (limit is " +
                std::to_string(limits_.args_max) + " arguments)");
  }
  args_expected_ = static_cast<std::size_t>(count);
  args_.clear();
  // Reserve for what the client announced only up to a small bound: it may never send them.
  args_.reserve(std::min<std::size_t>(args_expected_, 16));
  command_bytes_ = 0;
  state_ = State::kBulkHeader;
  return Status::ok();
}

// Reads "$N\r\n"; leaves position_ unchanged while the header is incomplete.
Status RespParser::parse_bulk_header() {
  if (position_ == buffer_.size()) return Status::ok();
  if (buffer_[position_] != '$') {
    return fail("expected '$', got '" + printable(buffer_[position_]) + "'");
  }
  std::string_view line;
  const LineStatus status = find_line(kRespHeaderBytesMax, line);
  if (status == LineStatus::kTooLong) return fail("too big bulk count string");
  if (status == LineStatus::kIncomplete) return Status::ok();
  if (line.back() != '\r') return fail("bulk header not terminated by CRLF");
  std::int64_t length = 0;
  if (!parse_decimal(line.substr(1, line.size() - 2), length) || length < 0) {
    return fail("invalid bulk length");
  }
  const auto bytes = static_cast<std::uint64_t>(length);
  if (bytes > limits_.bulk_bytes_max) {
    return fail("invalid bulk length " + std::to_string(bytes) + " (limit is " +
                std::to_string(limits_.bulk_bytes_max) + " bytes)");
  }
  if (command_bytes_ + bytes > limits_.command_bytes_max) {
    return fail("command of more than " + std::to_string(command_bytes_ + bytes) +
                " bytes exceeds the limit of " + std::to_string(limits_.command_bytes_max) +
                " bytes");
  }
  command_bytes_ += bytes;
  bulk_remaining_ = static_cast<std::size_t>(bytes);
  bulk_payload_done_ = false;
  args_.emplace_back();
  args_.back().reserve(std::min<std::size_t>(bulk_remaining_, 64 * 1024));
  state_ = State::kBulkData;
  return Status::ok();
}

Result<bool> RespParser::parse_bulk_data() {
  assert(state_ == State::kBulkData);
  assert(!args_.empty());
  if (!bulk_payload_done_) {
    const std::size_t take = std::min(bulk_remaining_, buffer_.size() - position_);
    args_.back().append(buffer_, position_, take);
    position_ += take;
    bulk_remaining_ -= take;
    compact();
    if (bulk_remaining_ > 0) return false;
    bulk_payload_done_ = true;
  }
  if (buffer_.size() - position_ < 2) return false;
  if (buffer_[position_] != '\r' || buffer_[position_ + 1] != '\n') {
    return fail("expected CRLF after bulk data, got '" + printable(buffer_[position_]) + "'");
  }
  position_ += 2;
  return true;
}

}  // namespace ringkv::api
