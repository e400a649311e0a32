// Key positions on the consistent-hashing ring (Dynamo paper section 4.2):
// position = MD5(bucket, key) read as a 128-bit big-endian integer. The ring is split into Q equal
// partitions (Q a power of two), so a key's partition is the top log2(Q) bits of its position.
#pragma once

#include <cstdint>
#include <string_view>

namespace ringkv::core {

struct RingPosition {
  std::uint64_t high = 0;  // Most significant 64 bits.
  std::uint64_t low = 0;
  friend bool operator==(const RingPosition&, const RingPosition&) = default;
  friend auto operator<=>(const RingPosition&, const RingPosition&) = default;
};

// MD5 over (bucket length as 2 big-endian bytes, bucket, key), so ("ab","c") and ("a","bc") differ.
RingPosition key_position(std::string_view bucket, std::string_view key);

// Partition of `position` in a ring of `partition_count` partitions (a power of two, >= 1).
std::uint32_t partition_of(const RingPosition& position, std::uint32_t partition_count);

constexpr bool is_power_of_two(std::uint32_t x) { return x != 0 && (x & (x - 1)) == 0; }

}  // namespace ringkv::core
