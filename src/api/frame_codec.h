// Length-prefixed frames of the native protocol: a 4-byte big-endian length, then the payload.
// Pure functions over bytes (no Asio), shared by the server, the client and the fuzz targets.
// Thread-safety: FrameDecoder is a plain object; one per connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace ringkv::api {

inline constexpr std::size_t kFrameHeaderBytes = 4;

// Appends the header and `payload` to `out`.
void append_frame(std::string& out, std::string_view payload);

// Reassembles frames from a byte stream. After an error the stream cannot be resynchronized and
// the connection must be closed.
class FrameDecoder {
 public:
  explicit FrameDecoder(std::size_t frame_max_bytes) : frame_max_bytes_(frame_max_bytes) {}

  void feed(std::string_view bytes) { buffer_.append(bytes); }
  // The next complete frame's payload, std::nullopt when more bytes are needed, or TooLarge when
  // the announced length exceeds the limit (the message names both sizes).
  Result<std::optional<std::string>> next();
  std::size_t buffered_bytes() const { return buffer_.size() - consumed_; }

 private:
  std::size_t frame_max_bytes_;
  std::string buffer_;
  std::size_t consumed_ = 0;
};

}  // namespace ringkv::api
