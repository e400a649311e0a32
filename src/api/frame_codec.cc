#include "api/frame_codec.h"

namespace ringkv::api {

void append_frame(std::string& out, std::string_view payload) {
  const auto size = static_cast<std::uint32_t>(payload.size());
  out.push_back(static_cast<char>(size >> 24));
  out.push_back(static_cast<char>(size >> 16));
  out.push_back(static_cast<char>(size >> 8));
  out.push_back(static_cast<char>(size));
  out.append(payload);
}

Result<std::optional<std::string>> FrameDecoder::next() {
  const std::size_t available = buffer_.size() - consumed_;
  if (available < kFrameHeaderBytes) return std::optional<std::string>();
  const auto* header = reinterpret_cast<const unsigned char*>(buffer_.data() + consumed_);
  const std::size_t size = (std::size_t{header[0]} << 24) | (std::size_t{header[1]} << 16) |
                           (std::size_t{header[2]} << 8) | std::size_t{header[3]};
  if (size > frame_max_bytes_) {
    return Status::too_large("frame of " + std::to_string(size) + " bytes exceeds the limit of " +
                             std::to_string(frame_max_bytes_) + " bytes");
  }
  if (available < kFrameHeaderBytes + size) return std::optional<std::string>();
  std::string payload = buffer_.substr(consumed_ + kFrameHeaderBytes, size);
  consumed_ += kFrameHeaderBytes + size;
  // Compact once the consumed prefix dominates, keeping appends amortized O(1).
  if (consumed_ > 4096 && consumed_ * 2 > buffer_.size()) {
    buffer_.erase(0, consumed_);
    consumed_ = 0;
  }
  return std::optional<std::string>(std::move(payload));
}

}  // namespace ringkv::api
