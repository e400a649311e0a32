// RespParser: reassembles Redis-protocol (RESP2) requests from a byte stream. A request is either
// an array of bulk strings (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`, what every client library sends)
// or an inline command (`PING\r\n`, what people type into telnet), both as Redis documents them
// in https://redis.io/docs/reference/protocol-spec/.
//
// Pure functions over bytes (no Asio, no coroutines) so the RESP server and the libFuzzer target
// (resp_parser_fuzz.cc) link the same code. Every length the client announces is checked against
// a limit before anything is allocated for it. After a protocol error the stream cannot be
// resynchronized: the caller replies with the error and closes the connection.
// Thread-safety: a plain object; one per connection.
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/limits.h"
#include "common/status.h"

namespace ringkv::api {

// One request: the command name followed by its arguments, as raw bytes.
using RespArgs = std::vector<std::string>;

// MGET, DEL and EXISTS take one key per argument and each key becomes one core request, so this
// also bounds how many requests a single command puts in flight.
inline constexpr std::size_t kRespArgsMax = 4096;
// An inline command is a line of text typed by a person; Redis allows 64 KiB as well.
inline constexpr std::size_t kRespInlineBytesMax = 64 * 1024;
// A `*N` or `$N` header holds at most a sign and 19 digits; anything longer is not a client.
inline constexpr std::size_t kRespHeaderBytesMax = 32;
// Bulk strings may exceed value_max_bytes by this much, so a value slightly over the limit still
// reaches the node and gets its TOOLARGE reply naming value_max_bytes (the connection stays
// usable); only far larger announcements are protocol errors that close the connection.
inline constexpr std::size_t kRespBulkSlackBytes = 64 * 1024;

// The longest bulk string accepted for a given value limit: a value or a key, plus the slack.
constexpr std::size_t resp_bulk_bytes_max(std::size_t value_max_bytes) {
  return std::max(value_max_bytes, limits::kKeyMaxBytes) + kRespBulkSlackBytes;
}
// A whole command (the sum of its arguments) may carry no more than one native-protocol frame
// may, so RESP accepts nothing the native protocol would refuse for its size.
constexpr std::size_t resp_command_bytes_max(std::size_t value_max_bytes) {
  return limits::frame_max_bytes(value_max_bytes);
}

static_assert(resp_bulk_bytes_max(limits::kValueMaxBytesDefault) <=
              resp_command_bytes_max(limits::kValueMaxBytesDefault));
static_assert(resp_bulk_bytes_max(limits::kValueMaxBytesCeiling) <=
              resp_command_bytes_max(limits::kValueMaxBytesCeiling));
// A context travels in base64 (4 bytes per 3) and must fit in one bulk string.
static_assert((limits::kContextMaxBytes + 2) / 3 * 4 < resp_bulk_bytes_max(0));
static_assert(kRespInlineBytesMax >= kRespHeaderBytesMax);

struct RespParserLimits {
  std::size_t args_max = kRespArgsMax;
  std::size_t bulk_bytes_max = resp_bulk_bytes_max(limits::kValueMaxBytesDefault);
  std::size_t command_bytes_max = resp_command_bytes_max(limits::kValueMaxBytesDefault);
  std::size_t inline_bytes_max = kRespInlineBytesMax;

  static RespParserLimits for_value_max(std::size_t value_max_bytes);
};

class RespParser {
 public:
  explicit RespParser(const RespParserLimits& limits = RespParserLimits());

  // Appends bytes read from the connection. Bulk payloads are moved into the request being
  // assembled as they arrive, so the buffer holds little more than one read.
  void feed(std::string_view bytes);
  // The next complete request, std::nullopt when more bytes are needed, or InvalidArgument whose
  // message starts with "Protocol error: " (reply "ERR " + message). Errors are sticky.
  Result<std::optional<RespArgs>> next();
  // Bytes fed but not yet consumed (excluding bulk payload already moved into a request).
  std::size_t buffered_bytes() const { return buffer_.size() - position_; }

 private:
  enum class State { kStart, kBulkHeader, kBulkData };
  // Outcome of looking for the end of a line: found, not yet (need more bytes) or too long.
  enum class LineStatus { kFound, kIncomplete, kTooLong };

  LineStatus find_line(std::size_t line_bytes_max, std::string_view& line);
  // An inline command; an empty one for a blank line.
  Result<std::optional<RespArgs>> parse_inline();
  Status parse_array_header(bool& command_is_empty);
  Status parse_bulk_header();
  // Consumes bulk payload; true once the bulk string and its CRLF are complete.
  Result<bool> parse_bulk_data();
  Status fail(std::string message);
  void compact();

  RespParserLimits limits_;
  std::string buffer_;
  std::size_t position_ = 0;      // First unconsumed byte of buffer_.
  std::size_t line_scanned_ = 0;  // Bytes after position_ already searched for '\n'.
  State state_ = State::kStart;
  RespArgs args_;  // The array request being assembled.
  std::size_t args_expected_ = 0;
  std::size_t command_bytes_ = 0;  // Sum of the announced bulk lengths so far.
  std::size_t bulk_remaining_ = 0;
  bool bulk_payload_done_ = false;  // Payload complete; waiting for its CRLF.
  Status error_;
};

}  // namespace ringkv::api
