#include "core/key_position.h"

#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/md5.h>

#include <array>
#include <bit>
#include <cassert>

namespace ringkv::core {

RingPosition key_position(std::string_view bucket, std::string_view key) {
  assert(bucket.size() <= 0xFFFF);
  const std::array<unsigned char, 2> length = {static_cast<unsigned char>(bucket.size() >> 8),
                                               static_cast<unsigned char>(bucket.size() & 0xFF)};
  // MD5 is used for placement only (as in Dynamo), not for security. The low-level MD5 functions
  // hash on the stack; the EVP interface allocates and takes locks per call, which cost more
  // than the hash itself on the request path. OpenSSL 3 marks them deprecated, not removed.
  MD5_CTX context;
  MD5_Init(&context);
  MD5_Update(&context, length.data(), length.size());
  MD5_Update(&context, bucket.data(), bucket.size());
  MD5_Update(&context, key.data(), key.size());
  std::array<unsigned char, MD5_DIGEST_LENGTH> digest{};
  MD5_Final(digest.data(), &context);
  RingPosition position;
  for (int i = 0; i < 8; ++i) position.high = (position.high << 8) | digest[i];
  for (int i = 8; i < 16; ++i) position.low = (position.low << 8) | digest[i];
  return position;
}

std::uint32_t partition_of(const RingPosition& position, std::uint32_t partition_count) {
  assert(is_power_of_two(partition_count));
  if (partition_count == 1) return 0;
  const int bits = std::countr_zero(partition_count);
  return static_cast<std::uint32_t>(position.high >> (64 - bits));
}

}  // namespace ringkv::core
