#include "storage/storage_key.h"

#include <cassert>
#include <limits>

namespace ringkv::storage {
namespace {

constexpr std::size_t kPartitionBytes = 4;
constexpr std::size_t kBucketLengthBytes = 2;

void append_u32_big_endian(std::string& out, std::uint32_t value) {
  out.push_back(static_cast<char>((value >> 24) & 0xFF));
  out.push_back(static_cast<char>((value >> 16) & 0xFF));
  out.push_back(static_cast<char>((value >> 8) & 0xFF));
  out.push_back(static_cast<char>(value & 0xFF));
}

std::uint32_t read_byte(std::string_view bytes, std::size_t index) {
  return static_cast<std::uint8_t>(bytes[index]);
}

}  // namespace

std::string encode_storage_key(std::uint32_t partition, std::string_view bucket,
                               std::string_view key) {
  // The bucket length has two bytes in the layout; callers validate buckets against
  // limits::kBucketMaxBytes long before a key is built, so a longer one here is our bug.
  assert(bucket.size() <= std::numeric_limits<std::uint16_t>::max());
  std::string out;
  out.reserve(kPartitionBytes + kBucketLengthBytes + bucket.size() + key.size());
  append_u32_big_endian(out, partition);
  out.push_back(static_cast<char>((bucket.size() >> 8) & 0xFF));
  out.push_back(static_cast<char>(bucket.size() & 0xFF));
  out.append(bucket);
  out.append(key);
  assert(out.size() == kPartitionBytes + kBucketLengthBytes + bucket.size() + key.size());
  return out;
}

Result<DecodedKey> decode_storage_key(std::string_view storage_key) {
  if (storage_key.size() < kPartitionBytes + kBucketLengthBytes) {
    return Status::corruption("storage key of " + std::to_string(storage_key.size()) +
                              " bytes is shorter than its 6-byte header");
  }
  const std::uint32_t partition = *partition_of_prefix(storage_key);
  const std::size_t bucket_size = (read_byte(storage_key, 4) << 8) | read_byte(storage_key, 5);
  const std::string_view rest = storage_key.substr(kPartitionBytes + kBucketLengthBytes);
  if (rest.size() < bucket_size) {
    return Status::corruption("storage key declares a " + std::to_string(bucket_size) +
                              "-byte bucket but only " + std::to_string(rest.size()) +
                              " bytes follow its header");
  }
  DecodedKey decoded{partition, std::string(rest.substr(0, bucket_size)),
                     std::string(rest.substr(bucket_size))};
  assert(decoded.bucket.size() + decoded.key.size() + kPartitionBytes + kBucketLengthBytes ==
         storage_key.size());
  return decoded;
}

std::string partition_prefix(std::uint32_t partition) {
  std::string out;
  out.reserve(kPartitionBytes);
  append_u32_big_endian(out, partition);
  return out;
}

std::optional<std::uint32_t> partition_of_prefix(std::string_view key) {
  if (key.size() < kPartitionBytes) return std::nullopt;
  return (read_byte(key, 0) << 24) | (read_byte(key, 1) << 16) | (read_byte(key, 2) << 8) |
         read_byte(key, 3);
}

std::string partition_end(std::uint32_t partition) {
  // The last partition's keys are followed by nothing, and no 4-byte prefix bounds them: "" means
  // "scan to the end" in Engine::scan.
  if (partition == std::numeric_limits<std::uint32_t>::max()) return {};
  return partition_prefix(partition + 1);
}

}  // namespace ringkv::storage
