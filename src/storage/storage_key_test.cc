#include "storage/storage_key.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

namespace ringkv::storage {
namespace {

using namespace std::string_literals;

TEST(StorageKey, RoundTripsPartitionBucketAndKey) {
  const std::string encoded = encode_storage_key(0x01020304, "users", "alice");
  auto decoded = decode_storage_key(encoded);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(decoded->partition, 0x01020304u);
  EXPECT_EQ(decoded->bucket, "users");
  EXPECT_EQ(decoded->key, "alice");
}

TEST(StorageKey, LayoutIsBigEndianPartitionThenBucketLengthThenBytes) {
  EXPECT_EQ(encode_storage_key(0x01020304, "ab", "k"),
            "\x01\x02\x03\x04\x00\x02"
            "abk"s);
}

TEST(StorageKey, RoundTripsEmptyAndBinaryParts) {
  const std::vector<std::tuple<std::uint32_t, std::string, std::string>> cases = {
      {0, "", ""},
      {0xFFFFFFFF, "b", ""},
      {7, "", "k"},
      {42, "\0\xFF\0"s, "\0key\0"s},
      {1, std::string(255, '\xFF'), std::string(1000, '\0')},
      {2, std::string(0xFFFF, 'b'), "k"},
  };
  for (const auto& [partition, bucket, key] : cases) {
    auto decoded = decode_storage_key(encode_storage_key(partition, bucket, key));
    ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
    EXPECT_EQ(decoded->partition, partition);
    EXPECT_EQ(decoded->bucket, bucket);
    EXPECT_EQ(decoded->key, key);
  }
}

TEST(StorageKey, DecodeRejectsTruncatedHeader) {
  const std::string encoded = encode_storage_key(9, "bucket", "key");
  for (std::size_t length = 0; length < 6; ++length) {
    auto decoded = decode_storage_key(std::string_view(encoded).substr(0, length));
    ASSERT_FALSE(decoded.is_ok()) << "length " << length;
    EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption);
  }
}

TEST(StorageKey, DecodeRejectsTruncatedBucket) {
  const std::string encoded = encode_storage_key(9, "bucket", "");
  for (std::size_t length = 6; length < encoded.size(); ++length) {
    auto decoded = decode_storage_key(std::string_view(encoded).substr(0, length));
    ASSERT_FALSE(decoded.is_ok()) << "length " << length;
    EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption);
  }
  EXPECT_TRUE(decode_storage_key(encoded).is_ok());
}

TEST(StorageKey, PartitionPrefixIsTheFirstFourBytesOfEveryKey) {
  EXPECT_EQ(partition_prefix(0x0A0B0C0D), "\x0A\x0B\x0C\x0D");
  const std::string key = encode_storage_key(0x0A0B0C0D, "b", "k");
  EXPECT_EQ(key.substr(0, 4), partition_prefix(0x0A0B0C0D));
}

TEST(StorageKey, PartitionEndIsTheNextPrefixAndEmptyForTheLastPartition) {
  EXPECT_EQ(partition_end(0), partition_prefix(1));
  EXPECT_EQ(partition_end(0x00FFFFFF), partition_prefix(0x01000000));
  EXPECT_EQ(partition_end(0xFFFFFFFE), partition_prefix(0xFFFFFFFF));
  EXPECT_EQ(partition_end(0xFFFFFFFF), "");
}

TEST(StorageKey, EveryKeyOfAPartitionSortsInsideItsRange) {
  const std::vector<std::uint32_t> partitions = {0,          1,          255,       256,
                                                 0x7FFFFFFF, 0xFFFFFFFE, 0xFFFFFFFF};
  const std::vector<std::string> buckets = {"", "a", std::string(255, '\xFF'), "\0"s};
  const std::vector<std::string> keys = {"", "z", std::string(64, '\xFF'), "\0\0"s};
  for (std::uint32_t partition : partitions) {
    const std::string begin = partition_prefix(partition);
    const std::string end = partition_end(partition);
    for (const std::string& bucket : buckets) {
      for (const std::string& key : keys) {
        const std::string encoded = encode_storage_key(partition, bucket, key);
        EXPECT_GE(encoded, begin);
        if (!end.empty()) {
          EXPECT_LT(encoded, end);
        }
      }
    }
  }
}

TEST(StorageKey, KeysSortByPartitionFirst) {
  std::vector<std::string> encoded = {
      encode_storage_key(2, "a", "a"),
      encode_storage_key(1, std::string(255, '\xFF'), std::string(10, '\xFF')),
      encode_storage_key(0x100, "", ""),
  };
  std::sort(encoded.begin(), encoded.end());
  EXPECT_EQ(decode_storage_key(encoded[0])->partition, 1u);
  EXPECT_EQ(decode_storage_key(encoded[1])->partition, 2u);
  EXPECT_EQ(decode_storage_key(encoded[2])->partition, 0x100u);
}

}  // namespace
}  // namespace ringkv::storage
