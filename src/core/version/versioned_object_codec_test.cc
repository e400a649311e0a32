// VersionedObject's codec: round trips, canonical form, and totality on arbitrary and mutated
// bytes (the fuzz targets will push further; these keep the guarantees in every test run).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "common/limits.h"
#include "core/varint.h"
#include "core/version/version_test_support.h"
#include "core/version/versioned_object.h"

namespace ringkv::core {
namespace {

using version_testing::Cluster;
using version_testing::one_in;
using version_testing::uniform;
using version_testing::well_formed;

// Decodes arbitrary bytes; whatever is accepted must be well formed and re-encode to the input.
void check_decode_is_total(const std::string& bytes) {
  const Result<VersionedObject> decoded = VersionedObject::decode(bytes);
  if (!decoded.is_ok()) {
    RC_ASSERT(decoded.status().code() == StatusCode::kCorruption);
    return;
  }
  RC_ASSERT(well_formed(*decoded));
  RC_ASSERT(decoded->siblings().size() <= limits::kStoredSiblingsMax);
  if (static_cast<std::uint8_t>(bytes.front()) == kObjectFormatVersionPlain) {
    // Format 1 is re-encoded as format 2, which decodes to the same object.
    RC_ASSERT(VersionedObject::decode(decoded->encode()).value() == *decoded);
  } else {
    RC_ASSERT(decoded->encode() == bytes);
  }
}

std::string mutate(std::string bytes) {
  const auto mutations = uniform(1, 4);
  for (int i = 0; i < mutations; ++i) {
    const auto at = uniform<std::size_t>(0, bytes.size() + 1);
    switch (uniform(0, 4)) {
      case 0:
        bytes.resize(at);
        break;
      case 1:
        bytes.insert(at, 1, *rc::gen::arbitrary<char>());
        break;
      case 2:
        if (at < bytes.size()) bytes.erase(at, 1);
        break;
      default:
        if (at < bytes.size()) bytes[at] = static_cast<char>(bytes[at] ^ (1 << (at % 8)));
    }
  }
  return bytes;
}

RC_GTEST_PROP(VersionedObjectCodec, RoundTrips, ()) {
  Cluster cluster = Cluster::random();
  cluster.run_random();
  const VersionedObject& object = cluster.pick_state();
  const std::string bytes = object.encode();
  RC_ASSERT(static_cast<std::uint8_t>(bytes.front()) == kObjectFormatVersion);
  const Result<VersionedObject> decoded = VersionedObject::decode(bytes);
  RC_ASSERT(decoded.is_ok());
  RC_ASSERT(*decoded == object);
}

RC_GTEST_PROP(VersionedObjectCodec, EveryStrictPrefixIsRejected, ()) {
  Cluster cluster = Cluster::random();
  cluster.run_random();
  const std::string bytes = cluster.pick_state().encode();
  for (std::size_t length = 0; length < bytes.size(); ++length) {
    RC_ASSERT(!VersionedObject::decode(std::string_view(bytes).substr(0, length)).is_ok());
  }
  RC_ASSERT(!VersionedObject::decode(bytes + '\0').is_ok());  // Trailing garbage.
}

RC_GTEST_PROP(VersionedObjectCodec, RandomBytesNeverCrash, ()) {
  std::string bytes = *rc::gen::container<std::string>(rc::gen::arbitrary<char>());
  if (one_in(2)) bytes.insert(0, 1, static_cast<char>(kObjectFormatVersion));
  check_decode_is_total(bytes);
}

RC_GTEST_PROP(VersionedObjectCodec, MutatedEncodingsNeverCrash, ()) {
  Cluster cluster = Cluster::random();
  cluster.run_random();
  check_decode_is_total(mutate(cluster.pick_state().encode()));
}

TEST(VersionedObjectCodec, RejectsUnknownFormatVersion) {
  VersionedObject object;
  object.update({}, 1, 1, "v");
  std::string bytes = object.encode();
  bytes[0] = static_cast<char>(kObjectFormatVersion + 1);
  const Result<VersionedObject> decoded = VersionedObject::decode(bytes);
  EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption);
  EXPECT_NE(decoded.status().message().find("format version"), std::string::npos);
  EXPECT_EQ(VersionedObject::decode("").status().code(), StatusCode::kCorruption);
}

// Hand-built encodings of objects that no history produces, in format 1 (plain siblings), which
// must keep decoding with every check; format 2 is covered by the round-trip, prefix and mutation
// properties above and by core/datatypes/data_types_test.cc.
std::string object_bytes(std::uint64_t context_counter, std::uint64_t count,
                         const std::string& siblings) {
  std::string out(1, static_cast<char>(kObjectFormatVersionPlain));
  put_varint(out, 1);  // One context entry: actor 1.
  put_varint(out, 1);
  put_varint(out, context_counter);
  put_varint(out, 0);
  put_varint(out, count);
  return out + siblings;
}

std::string sibling_bytes(std::uint64_t counter, std::uint64_t kind, std::string_view value) {
  std::string out;
  put_varint(out, 1);  // Actor 1.
  put_varint(out, counter);
  put_varint(out, 0);
  put_varint(out, kind);
  if (kind == 0) put_bytes(out, value);
  return out;
}

TEST(VersionedObjectCodec, RejectsInvariantViolations) {
  const auto code = [](const std::string& bytes) {
    return VersionedObject::decode(bytes).status().code();
  };
  const std::string one = sibling_bytes(1, 0, "a");
  const std::string two = sibling_bytes(2, 1, "");
  EXPECT_EQ(code(object_bytes(2, 2, one + two)), StatusCode::kOk);
  EXPECT_EQ(code(object_bytes(2, 2, two + one)), StatusCode::kCorruption);  // Unsorted.
  EXPECT_EQ(code(object_bytes(2, 2, one + one)), StatusCode::kCorruption);  // Duplicate dot.
  EXPECT_EQ(code(object_bytes(1, 2, one + two)), StatusCode::kCorruption);  // Not covered.
  EXPECT_EQ(code(object_bytes(2, 1, sibling_bytes(0, 0, "a"))), StatusCode::kCorruption);
  EXPECT_EQ(code(object_bytes(2, 1, sibling_bytes(1, 2, ""))), StatusCode::kCorruption);  // Kind.
  EXPECT_EQ(code(object_bytes(2, 3, one + two)), StatusCode::kCorruption);  // Missing sibling.
}

// Two copies of one dot should never differ; if bytes from a bug or an old format make them, merge
// must still not depend on argument order, or replicas would never converge.
TEST(VersionedObjectMerge, ConflictingCopiesOfADotMergeTheSameBothWays) {
  const Result<VersionedObject> a =
      VersionedObject::decode(object_bytes(1, 1, sibling_bytes(1, 0, "a")));
  const Result<VersionedObject> b =
      VersionedObject::decode(object_bytes(1, 1, sibling_bytes(1, 0, "b")));
  const Result<VersionedObject> gone =
      VersionedObject::decode(object_bytes(1, 1, sibling_bytes(1, 1, "")));
  ASSERT_TRUE(a.is_ok() && b.is_ok() && gone.is_ok());
  EXPECT_EQ(VersionedObject::merge(*a, *b), VersionedObject::merge(*b, *a));
  EXPECT_EQ(VersionedObject::merge(*a, *gone), VersionedObject::merge(*gone, *a));
  EXPECT_EQ(VersionedObject::merge(*a, *b).siblings().size(), 1u);
}

TEST(VersionedObjectCodec, RejectsMoreSiblingsThanTheLimit) {
  std::string at_limit;
  for (std::uint64_t c = 1; c <= limits::kStoredSiblingsMax; ++c) at_limit += sibling_bytes(c, 1, "");
  EXPECT_TRUE(VersionedObject::decode(object_bytes(1000, limits::kStoredSiblingsMax, at_limit)).is_ok());
  const std::string over = at_limit + sibling_bytes(limits::kStoredSiblingsMax + 1, 1, "");
  const Result<VersionedObject> decoded =
      VersionedObject::decode(object_bytes(1000, limits::kStoredSiblingsMax + 1, over));
  EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption);
  EXPECT_NE(decoded.status().message().find("kStoredSiblingsMax"), std::string::npos);
}

}  // namespace
}  // namespace ringkv::core
