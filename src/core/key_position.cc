#include "core/key_position.h"

#include <openssl/evp.h>

#include <array>
#include <bit>
#include <cassert>
#include <memory>

namespace ringkv::core {

RingPosition key_position(std::string_view bucket, std::string_view key) {
  assert(bucket.size() <= 0xFFFF);
  const std::array<unsigned char, 2> length = {static_cast<unsigned char>(bucket.size() >> 8),
                                               static_cast<unsigned char>(bucket.size() & 0xFF)};
  std::array<unsigned char, 16> digest{};
  unsigned int digest_size = 0;
  // MD5 is used for placement only (as in Dynamo), not for security. Fetching the algorithm and
  // allocating a context per call cost more than the hash itself (OpenSSL 3 takes a lock to
  // fetch), so both are made once per thread; the result depends only on the input.
  static EVP_MD* const md5 = EVP_MD_fetch(nullptr, "MD5", nullptr);
  thread_local const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(
      EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EVP_MD_CTX* ctx = context.get();
  const bool ok = md5 != nullptr && ctx != nullptr && EVP_DigestInit_ex(ctx, md5, nullptr) == 1 &&
                  EVP_DigestUpdate(ctx, length.data(), length.size()) == 1 &&
                  EVP_DigestUpdate(ctx, bucket.data(), bucket.size()) == 1 &&
                  EVP_DigestUpdate(ctx, key.data(), key.size()) == 1 &&
                  EVP_DigestFinal_ex(ctx, digest.data(), &digest_size) == 1;
  assert(ok && digest_size == 16);
  (void)ok;
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
