// Properties of VersionVector: the partial order (descends, covers), the join semilattice, add,
// pruning and the codec.
#include "core/version/version_vector.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

#include "core/version/version_test_support.h"

namespace ringkv::core {
namespace {

using version_testing::one_in;
using version_testing::small_vector;
using version_testing::uniform;
using version_testing::wide_vector;

VersionVector joined(VersionVector a, const VersionVector& b) {
  a.join(b);
  return a;
}

TEST(VersionVector, CounterIsZeroForAnAbsentActor) {
  VersionVector vector;
  vector.add({5, 3}, 100);
  EXPECT_EQ(vector.counter(5), 3u);
  EXPECT_EQ(vector.counter(4), 0u);
  EXPECT_TRUE(vector.covers({5, 3}));
  EXPECT_FALSE(vector.covers({5, 4}));
  EXPECT_TRUE(vector.covers({4, 0}));
}

TEST(VersionVector, JoinKeepsTheTimestampOfTheLargerCounter) {
  VersionVector a;
  a.add({1, 5}, 10);
  a.add({2, 1}, 99);
  VersionVector b;
  b.add({1, 4}, 50);
  b.add({2, 1}, 70);
  a.join(b);
  EXPECT_EQ(a.entries(), (std::vector<ClockEntry>{{1, 5, 10}, {2, 1, 99}}));
}

RC_GTEST_PROP(VersionVector, CoversMeansCounterAtLeast, ()) {
  const VersionVector vector = small_vector();
  const Dot dot{uniform<ActorId>(0, 10), uniform<std::uint64_t>(1, 8)};
  RC_ASSERT(vector.covers(dot) == (vector.counter(dot.actor) >= dot.counter));
}

RC_GTEST_PROP(VersionVector, JoinIsCommutativeAssociativeIdempotent, ()) {
  const VersionVector a = small_vector();
  const VersionVector b = small_vector();
  const VersionVector c = small_vector();
  RC_ASSERT(joined(a, b) == joined(b, a));
  RC_ASSERT(joined(joined(a, b), c) == joined(a, joined(b, c)));
  RC_ASSERT(joined(a, a) == a);
}

RC_GTEST_PROP(VersionVector, JoinIsTheLeastUpperBound, ()) {
  const VersionVector a = small_vector();
  const VersionVector b = small_vector();
  const VersionVector ab = joined(a, b);
  RC_ASSERT(ab.descends(a));
  RC_ASSERT(ab.descends(b));
  // Any vector above both is above the join.
  const VersionVector upper = joined(ab, small_vector());
  RC_ASSERT(upper.descends(ab));
  for (const ClockEntry& entry : ab.entries()) {
    RC_ASSERT(entry.counter == std::max(a.counter(entry.actor), b.counter(entry.actor)));
  }
}

RC_GTEST_PROP(VersionVector, DescendsIsAPartialOrder, ()) {
  const VersionVector a = small_vector();
  const VersionVector b = small_vector();
  const VersionVector c = small_vector();
  RC_ASSERT(a.descends(a));
  RC_ASSERT(a.descends(VersionVector()));
  if (a.descends(b) && b.descends(c)) RC_ASSERT(a.descends(c));
  // Antisymmetric on counters (timestamps are not part of the order).
  if (a.descends(b) && b.descends(a)) {
    RC_ASSERT(a.size() == b.size());
    for (const ClockEntry& entry : a.entries()) {
      RC_ASSERT(entry.counter == b.counter(entry.actor));
    }
  }
}

RC_GTEST_PROP(VersionVector, DescendsIffCoversEveryEntry, ()) {
  const VersionVector a = small_vector();
  const VersionVector b = small_vector();
  const bool covers_all = std::all_of(b.entries().begin(), b.entries().end(), [&](auto& e) {
    return a.covers({e.actor, e.counter});
  });
  RC_ASSERT(a.descends(b) == covers_all);
}

RC_GTEST_PROP(VersionVector, AddIsJoinWithOneEntry, ()) {
  VersionVector vector = small_vector();
  const Dot dot{uniform<ActorId>(1, 9), uniform<std::uint64_t>(1, 8)};
  const auto timestamp_ms = uniform<std::uint64_t>(0, 5);
  VersionVector single;
  single.add(dot, timestamp_ms);
  const VersionVector expected = joined(vector, single);
  vector.add(dot, timestamp_ms);
  RC_ASSERT(vector == expected);
  RC_ASSERT(vector.covers(dot));
}

RC_GTEST_PROP(VersionVector, EntriesStaySortedByActor, ()) {
  const VersionVector vector = joined(small_vector(), small_vector());
  const auto& entries = vector.entries();
  RC_ASSERT(std::adjacent_find(entries.begin(), entries.end(), [](auto& x, auto& y) {
              return x.actor >= y.actor;
            }) == entries.end());
}

RC_GTEST_PROP(VersionVectorPrune, KeepsAtMostMaxAndNeverAKeptActor, ()) {
  VersionVector vector = wide_vector();
  const VersionVector before = vector;
  const auto entries_max = uniform<std::size_t>(0, 12);
  std::vector<ActorId> keep;
  for (const ClockEntry& entry : before.entries()) {
    if (one_in(4)) keep.push_back(entry.actor);
  }
  const std::size_t removed = vector.prune(entries_max, keep);
  RC_ASSERT(vector.size() + removed == before.size());
  RC_ASSERT(vector.size() <= std::max(entries_max, keep.size()));
  if (before.size() <= entries_max) RC_ASSERT(vector == before);
  for (ActorId actor : keep) RC_ASSERT(vector.counter(actor) == before.counter(actor));
  // Survivors are unchanged, and every pruned entry is older than every unkept survivor.
  for (const ClockEntry& entry : vector.entries()) {
    RC_ASSERT(before.counter(entry.actor) == entry.counter);
  }
  for (const ClockEntry& gone : before.entries()) {
    if (vector.counter(gone.actor) != 0) continue;
    for (const ClockEntry& kept : vector.entries()) {
      if (std::find(keep.begin(), keep.end(), kept.actor) != keep.end()) continue;
      RC_ASSERT(std::tie(gone.timestamp_ms, gone.actor) < std::tie(kept.timestamp_ms, kept.actor));
    }
  }
}

TEST(VersionVectorPrune, RemovesTheOldestFirst) {
  VersionVector vector;
  vector.add({1, 1}, 30);
  vector.add({2, 1}, 10);
  vector.add({3, 1}, 20);
  vector.add({4, 1}, 5);
  EXPECT_EQ(vector.prune(2, {4}), 2u);
  EXPECT_EQ(vector.entries(), (std::vector<ClockEntry>{{1, 1, 30}, {4, 1, 5}}));
}

RC_GTEST_PROP(VersionVectorCodec, RoundTrips, ()) {
  const VersionVector vector = wide_vector();
  std::string bytes;
  vector.encode_to(bytes);
  bytes += "tail";  // decode_from consumes exactly one vector and leaves the rest.
  std::string_view in = bytes;
  const Result<VersionVector> decoded = VersionVector::decode_from(in);
  RC_ASSERT(decoded.is_ok());
  RC_ASSERT(*decoded == vector);
  RC_ASSERT(in == "tail");
}

RC_GTEST_PROP(VersionVectorCodec, RandomBytesNeverCrashAndAcceptedBytesAreCanonical, ()) {
  const auto bytes = *rc::gen::container<std::string>(rc::gen::arbitrary<char>());
  std::string_view in = bytes;
  const Result<VersionVector> decoded = VersionVector::decode_from(in);
  if (!decoded.is_ok()) {
    RC_ASSERT(decoded.status().code() == StatusCode::kCorruption);
    RC_ASSERT(in.size() == bytes.size());
    return;
  }
  std::string again;
  decoded->encode_to(again);
  RC_ASSERT(again == bytes.substr(0, bytes.size() - in.size()));
}

TEST(VersionVectorCodec, RejectsUnsortedDuplicateAndZeroEntries) {
  const auto decode = [](std::string bytes) {
    std::string_view in = bytes;
    return VersionVector::decode_from(in).status().code();
  };
  EXPECT_EQ(decode(std::string("\x02\x05\x01\x00\x03\x01\x00", 7)), StatusCode::kCorruption);
  EXPECT_EQ(decode(std::string("\x02\x05\x01\x00\x05\x02\x00", 7)), StatusCode::kCorruption);
  EXPECT_EQ(decode(std::string("\x01\x05\x00\x00", 4)), StatusCode::kCorruption);
  EXPECT_EQ(decode(std::string("\x02\x05\x01\x00", 4)), StatusCode::kCorruption);  // Truncated.
  EXPECT_EQ(decode(std::string("\x02\x03\x01\x00\x05\x02\x00", 7)), StatusCode::kOk);
}

TEST(VersionVectorCodec, RejectsCountersAboveTheMaximum) {
  VersionVector vector;
  vector.add({1, kCounterMax}, 0);
  std::string bytes;
  vector.encode_to(bytes);
  std::string_view in = bytes;
  EXPECT_TRUE(VersionVector::decode_from(in).is_ok());
  vector.add({1, kCounterMax + 1}, 0);
  bytes.clear();
  vector.encode_to(bytes);
  in = bytes;
  EXPECT_EQ(VersionVector::decode_from(in).status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace ringkv::core
