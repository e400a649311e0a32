// Storage key layout: partition id (4 bytes, big-endian), bucket length
// (2 bytes, big-endian), bucket bytes, key bytes. All keys of one partition form one contiguous
// range [partition_prefix(p), partition_prefix(p + 1)), so handoff and anti-entropy scan it in order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace ringkv::storage {

struct DecodedKey {
  std::uint32_t partition;
  std::string bucket;
  std::string key;
};

std::string encode_storage_key(std::uint32_t partition, std::string_view bucket, std::string_view key);
Result<DecodedKey> decode_storage_key(std::string_view storage_key);
// The 4-byte prefix shared by every key of `partition`.
std::string partition_prefix(std::uint32_t partition);
// The partition a key starting with partition_prefix() names, or nullopt if it is too short.
std::optional<std::uint32_t> partition_of_prefix(std::string_view key);
// The exclusive upper bound of `partition`'s range ("" for the last partition: scan to the end).
std::string partition_end(std::uint32_t partition);

}  // namespace ringkv::storage
