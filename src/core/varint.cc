// LEB128 varints (7 bits per byte, least significant group first, high bit = more follows), the
// encoding protobuf uses. Decoding is strict so that every accepted byte string re-encodes to
// itself: a value must fit in 64 bits and use the fewest bytes (no trailing 0x80 0x00 padding).
// Canonical input is what lets the fuzzers check decode(encode(x)) == x and encode(decode(b)) == b.
#include "core/varint.h"

#include <bit>
#include <cstddef>

namespace ringkv::core {
namespace {

constexpr std::size_t kVarintBytesMax = 10;  // ceil(64 / 7).
constexpr std::uint8_t kMoreBit = 0x80;
constexpr std::uint8_t kPayloadMask = 0x7f;

}  // namespace

void put_varint(std::string& out, std::uint64_t value) {
  // Sized once and written in place: a push_back per byte re-checks capacity each time.
  const int significant_bits = 64 - std::countl_zero(value | 1);
  const auto length = static_cast<std::size_t>((significant_bits + 6) / 7);
  const std::size_t start = out.size();
  out.resize(start + length);
  char* bytes = out.data() + start;
  for (std::size_t i = 0; i + 1 < length; ++i) {
    bytes[i] = static_cast<char>(static_cast<std::uint8_t>(value) | kMoreBit);
    value >>= 7;
  }
  bytes[length - 1] = static_cast<char>(value);
}

void put_bytes(std::string& out, std::string_view bytes) {
  put_varint(out, bytes.size());
  out.append(bytes);
}

bool get_varint(std::string_view& in, std::uint64_t& value) {
  std::uint64_t result = 0;
  for (std::size_t i = 0; i < kVarintBytesMax && i < in.size(); ++i) {
    const auto byte = static_cast<std::uint8_t>(in[i]);
    const std::uint64_t payload = byte & kPayloadMask;
    // The tenth byte holds only bit 63; anything above it overflows 64 bits.
    if (i == kVarintBytesMax - 1 && byte > 1) return false;
    result |= payload << (7 * i);
    if ((byte & kMoreBit) == 0) {
      // A zero final byte after the first adds nothing: a padded, non-canonical encoding.
      if (i > 0 && byte == 0) return false;
      value = result;
      in.remove_prefix(i + 1);
      return true;
    }
  }
  return false;  // Truncated, or longer than ten bytes.
}

bool get_bytes(std::string_view& in, std::string_view& bytes) {
  std::string_view rest = in;
  std::uint64_t length = 0;
  if (!get_varint(rest, length)) return false;
  if (length > rest.size()) return false;
  bytes = rest.substr(0, static_cast<std::size_t>(length));
  rest.remove_prefix(static_cast<std::size_t>(length));
  in = rest;
  return true;
}

std::string encode_fixed64(std::uint64_t value) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = static_cast<char>(value & 0xFF);
    value >>= 8;
  }
  return out;
}

std::uint64_t decode_fixed64(std::string_view bytes) {
  std::uint64_t value = 0;
  for (char c : bytes) value = (value << 8) | static_cast<unsigned char>(c);
  return value;
}

}  // namespace ringkv::core
