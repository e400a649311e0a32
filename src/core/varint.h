// Varint and length-prefixed byte helpers shared by the core's binary codecs. Decoders consume
// from a string_view and fail (return false) on truncated or overlong input; they never read past
// the end of the view.
// Varints are LEB128 (as in protobuf). get_varint also rejects values above 64 bits and padded,
// non-minimal encodings, so accepted bytes re-encode to themselves. On failure neither `in` nor
// the output argument is changed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ringkv::core {

void put_varint(std::string& out, std::uint64_t value);
void put_bytes(std::string& out, std::string_view bytes);  // varint length + bytes
[[nodiscard]] bool get_varint(std::string_view& in, std::uint64_t& value);
[[nodiscard]] bool get_bytes(std::string_view& in, std::string_view& bytes);

// Fixed 8-byte big-endian integers (metadata values: the actor id, actor epochs).
std::string encode_fixed64(std::uint64_t value);
// `bytes` must hold exactly 8 bytes (callers check the size first).
std::uint64_t decode_fixed64(std::string_view bytes);

}  // namespace ringkv::core
