#include "core/scan/scan_cursor.h"

#include "common/limits.h"
#include "core/varint.h"

namespace ringkv::core {
namespace {

constexpr char kFormat = '1';
constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int sextet_of(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

void append_base64url(std::string& out, std::string_view bytes) {
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t group = (static_cast<std::uint8_t>(bytes[i]) << 16) |
                                (static_cast<std::uint8_t>(bytes[i + 1]) << 8) |
                                static_cast<std::uint8_t>(bytes[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out.push_back(kAlphabet[(group >> shift) & 63]);
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 0) return;
  std::uint32_t group = static_cast<std::uint8_t>(bytes[i]) << 16;
  if (rest == 2) group |= static_cast<std::uint8_t>(bytes[i + 1]) << 8;
  out.push_back(kAlphabet[(group >> 18) & 63]);
  out.push_back(kAlphabet[(group >> 12) & 63]);
  if (rest == 2) out.push_back(kAlphabet[(group >> 6) & 63]);
}

// Strict: no padding, no characters outside the alphabet, no stray length, unused low bits zero
// (so every accepted text is what append_base64url writes for its bytes).
bool decode_base64url(std::string_view text, std::string& out) {
  if (text.size() % 4 == 1) return false;
  std::uint32_t group = 0;
  int bits = 0;
  for (char c : text) {
    const int sextet = sextet_of(c);
    if (sextet < 0) return false;
    group = (group << 6) | static_cast<std::uint32_t>(sextet);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((group >> bits) & 0xFF));
    }
  }
  return (group & ((1u << bits) - 1)) == 0;
}

Status bad_cursor(const std::string& why) {
  return Status::invalid_argument("invalid scan cursor: " + why);
}

}  // namespace

std::string encode_scan_cursor(const ScanPosition& position) {
  if (position.partition == 0 && position.after.empty()) return std::string(kScanCursorStart);
  std::string bytes;
  put_varint(bytes, position.partition);
  bytes.append(position.after);
  std::string out(1, kFormat);
  append_base64url(out, bytes);
  return out;
}

Result<ScanPosition> decode_scan_cursor(std::string_view cursor, std::uint32_t partition_count) {
  if (cursor.empty() || cursor == kScanCursorStart) return ScanPosition{};
  if (cursor[0] != kFormat) return bad_cursor("it does not start with '1' (or is not \"0\")");
  // A key of kKeyMaxBytes and a five-byte varint, in base64: anything longer is not a cursor.
  if (cursor.size() > 1 + (limits::kKeyMaxBytes + 5 + 2) / 3 * 4) {
    return bad_cursor("it is " + std::to_string(cursor.size()) + " bytes long");
  }
  std::string bytes;
  if (!decode_base64url(cursor.substr(1), bytes)) return bad_cursor("it is not base64url");
  std::string_view in = bytes;
  std::uint64_t partition = 0;
  if (!get_varint(in, partition)) return bad_cursor("it holds no partition");
  if (partition >= partition_count) {
    return bad_cursor("it names partition " + std::to_string(partition) + " of a ring of " +
                      std::to_string(partition_count));
  }
  if (in.size() > limits::kKeyMaxBytes) return bad_cursor("its key is over 64 KiB");
  ScanPosition position{static_cast<std::uint32_t>(partition), std::string(in)};
  if (position == ScanPosition{}) return bad_cursor("the start of a scan is \"0\"");
  return position;
}

}  // namespace ringkv::core
