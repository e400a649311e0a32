// Properties of the Redis data types on the shared dot store: every type merges as a semilattice,
// counters count every increment, sets and hashes let an add win over a concurrent remove,
// expiry merges to the latest time with PERSIST on top, and the type-conflict rule is one
// deterministic function of the merged state.
//
// Histories are generated as a small cluster of replicas that each coordinate ops under their own
// actor (as home replicas do) and exchange state by one-way merges, so every state is reachable.
#include "core/datatypes/data_types.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "common/limits.h"
#include "core/datatypes/data_op.h"
#include "core/version/version_test_support.h"

namespace ringkv::core {
namespace {

using version_testing::one_in;
using version_testing::uniform;

constexpr std::uint64_t kNow = 1'700'000'000'000;

class TypedCluster {
 public:
  explicit TypedCluster(std::size_t size, bool lww = false) : replicas_(size), lww_(lww) {}
  static TypedCluster random() { return TypedCluster(uniform<std::size_t>(2, 5)); }

  std::size_t size() const { return replicas_.size(); }
  ActorId actor(std::size_t i) const { return 100 + 7 * i; }
  VersionedObject& replica(std::size_t i) { return replicas_[i]; }
  std::size_t pick() const { return uniform<std::size_t>(0, size()); }
  const std::vector<VersionedObject>& states() const { return states_; }
  std::uint64_t now() const { return now_ms_; }

  Result<Applied> apply(std::size_t at, const DataOp& op) {
    now_ms_ += 1;
    auto applied = apply_data_op(replicas_[at], op, actor(at), now_ms_);
    if (lww_) keep_newest_values(replicas_[at]);
    states_.push_back(replicas_[at]);
    return applied;
  }

  void merge(std::size_t from, std::size_t to) {
    replicas_[to].merge_from(replicas_[from]);
    if (lww_) keep_newest_values(replicas_[to]);
    states_.push_back(replicas_[to]);
  }
  void random_merge() { merge(pick(), pick()); }

  VersionedObject converged() const {
    VersionedObject all;
    for (const auto& replica : replicas_) all.merge_from(replica);
    return all;
  }

 private:
  std::vector<VersionedObject> replicas_;
  bool lww_ = false;  // Every state kept as a bucket with conflict = lww keeps it.
  std::vector<VersionedObject> states_{VersionedObject()};
  std::uint64_t now_ms_ = kNow;
};

std::string small_member() {
  return std::string(1, static_cast<char>('a' + uniform(0, 5)));
}

// Any op of any type, with small argument pools so that ops collide.
DataOp random_op() {
  switch (uniform(0, 13)) {
    case 0: {
      DataOp op = make_data_op(DataOpCode::kSet, {"s" + small_member()});
      if (one_in(4)) op.keep_ttl = true;
      return op;
    }
    case 1:
    case 2:
      return make_data_op(DataOpCode::kIncrBy, {}, uniform<std::int64_t>(-5, 10));
    case 3:
      return make_data_op(DataOpCode::kSetAdd, {small_member(), small_member()});
    case 4:
      return make_data_op(DataOpCode::kSetRemove, {small_member()});
    case 5:
      return make_data_op(DataOpCode::kHashSet, {small_member(), "v" + small_member()});
    case 6:
      return make_data_op(DataOpCode::kHashDelete, {small_member()});
    case 7:
      return make_data_op(DataOpCode::kHashIncrBy, {small_member()}, uniform<std::int64_t>(-3, 6));
    case 8: {
      DataOp op = make_data_op(DataOpCode::kExpire);
      op.expiry = ExpiryKind::kAbsoluteMs;
      op.expiry_ms = static_cast<std::int64_t>(kNow) + uniform<std::int64_t>(1, 10'000);
      return op;
    }
    case 9:
      return make_data_op(DataOpCode::kPersist);
    case 10:
      return make_data_op(DataOpCode::kDelete);
    case 11:
      return make_data_op(DataOpCode::kIncrByFloat, {"0.5"});
    default:
      return make_data_op(DataOpCode::kAppend, {"x"});
  }
}

void run_random(TypedCluster& cluster) {
  const auto steps = *rc::gen::inRange<int>(0, 40);
  for (int i = 0; i < steps; ++i) {
    if (!one_in(3)) {
      (void)cluster.apply(cluster.pick(), random_op());  // WRONGTYPE and the like are fine here.
    } else {
      cluster.random_merge();
    }
  }
}

const VersionedObject& pick_state(const TypedCluster& cluster) {
  return cluster.states()[uniform<std::size_t>(0, cluster.states().size())];
}

RC_GTEST_PROP(DataTypes, MergeOfAnyTypedStatesIsASemilattice, ()) {
  TypedCluster cluster = TypedCluster::random();
  run_random(cluster);
  const VersionedObject& a = pick_state(cluster);
  const VersionedObject& b = pick_state(cluster);
  const VersionedObject& c = pick_state(cluster);
  RC_ASSERT(VersionedObject::merge(a, b) == VersionedObject::merge(b, a));
  RC_ASSERT(VersionedObject::merge(a, VersionedObject::merge(b, c)) ==
            VersionedObject::merge(VersionedObject::merge(a, b), c));
  RC_ASSERT(VersionedObject::merge(a, a) == a);
  // Views are functions of the state: replicas that converge read the same.
  const VersionedObject ab = VersionedObject::merge(a, b);
  const VersionedObject ba = VersionedObject::merge(b, a);
  RC_ASSERT(type_of(ab, kNow) == type_of(ba, kNow));
  RC_ASSERT(string_value(ab, kNow).text == string_value(ba, kNow).text);
}

RC_GTEST_PROP(DataTypes, TypedObjectsRoundTripThroughTheCodec, ()) {
  TypedCluster cluster = TypedCluster::random();
  run_random(cluster);
  const VersionedObject& object = pick_state(cluster);
  const std::string bytes = object.encode();
  auto decoded = VersionedObject::decode(bytes);
  RC_ASSERT(decoded.is_ok());
  RC_ASSERT(*decoded == object);
  RC_ASSERT(decoded->encode() == bytes);
}

RC_GTEST_PROP(DataTypes, ACounterIsTheSumOfEveryIncrementMergedIn, ()) {
  TypedCluster cluster = TypedCluster::random();
  std::int64_t sum = 0;
  const auto steps = *rc::gen::inRange<int>(0, 60);
  for (int i = 0; i < steps; ++i) {
    if (!one_in(3)) {
      const auto delta = uniform<std::int64_t>(-1000, 1000);
      const auto applied =
          cluster.apply(cluster.pick(), make_data_op(DataOpCode::kIncrBy, {}, delta));
      RC_ASSERT(applied.is_ok());
      sum += delta;
    } else {
      cluster.random_merge();
    }
  }
  const VersionedObject all = cluster.converged();
  if (steps == 0 || all.empty()) return;
  RC_ASSERT(string_value(all, cluster.now()).text == std::to_string(sum));
}

TEST(DataTypes, TheIncrementReplyIsWhatTheCoordinatorMerged) {
  TypedCluster cluster(2);
  ASSERT_EQ(cluster.apply(0, make_data_op(DataOpCode::kIncrBy, {}, 5))->result.integer, 5);
  ASSERT_EQ(cluster.apply(1, make_data_op(DataOpCode::kIncrBy, {}, 3))->result.integer, 3);
  cluster.merge(0, 1);
  EXPECT_EQ(cluster.apply(1, make_data_op(DataOpCode::kIncrBy, {}, 1))->result.integer, 9);
}

// SET on a counter is an observed reset: what it saw is replaced by its value, increments it did
// not see count on top of it.
TEST(DataTypes, SetOnACounterIsAnObservedReset) {
  TypedCluster cluster(2);
  ASSERT_TRUE(cluster.apply(0, make_data_op(DataOpCode::kIncrBy, {}, 10)).is_ok());
  cluster.merge(0, 1);
  // Concurrently: replica 1 sets 100, replica 0 increments by 1 twice.
  ASSERT_TRUE(cluster.apply(1, make_data_op(DataOpCode::kSet, {"100"})).is_ok());
  ASSERT_TRUE(cluster.apply(0, make_data_op(DataOpCode::kIncrBy, {}, 1)).is_ok());
  ASSERT_TRUE(cluster.apply(0, make_data_op(DataOpCode::kIncrBy, {}, 1)).is_ok());
  cluster.merge(0, 1);
  cluster.merge(1, 0);
  EXPECT_EQ(string_value(cluster.replica(0), cluster.now()).text, "102");
  EXPECT_EQ(string_value(cluster.replica(1), cluster.now()).text, "102");
  // Later increments on either side continue from there.
  EXPECT_EQ(cluster.apply(1, make_data_op(DataOpCode::kIncrBy, {}, 1))->result.integer, 103);
  // Replica 0 has not seen that increment yet: its reply is what it merged.
  EXPECT_EQ(cluster.apply(0, make_data_op(DataOpCode::kIncrBy, {}, -3))->result.integer, 99);
  cluster.merge(0, 1);
  EXPECT_EQ(string_value(cluster.replica(1), cluster.now()).text, "100");
}

TEST(DataTypes, ADeleteConcurrentWithIncrementsKeepsOnlyTheUnseenIncrements) {
  TypedCluster cluster(2);
  ASSERT_TRUE(cluster.apply(0, make_data_op(DataOpCode::kIncrBy, {}, 10)).is_ok());
  cluster.merge(0, 1);
  ASSERT_TRUE(cluster.apply(1, make_data_op(DataOpCode::kDelete)).is_ok());
  ASSERT_TRUE(cluster.apply(0, make_data_op(DataOpCode::kIncrBy, {}, 2)).is_ok());
  cluster.merge(0, 1);
  EXPECT_EQ(string_value(cluster.replica(1), cluster.now()).text, "2");
  // Without a concurrent increment the key is gone, and counts from zero again.
  TypedCluster quiet(1);
  ASSERT_TRUE(quiet.apply(0, make_data_op(DataOpCode::kIncrBy, {}, 10)).is_ok());
  ASSERT_TRUE(quiet.apply(0, make_data_op(DataOpCode::kDelete)).is_ok());
  EXPECT_EQ(type_of(quiet.replica(0), quiet.now()), ValueType::kNone);
  EXPECT_EQ(quiet.apply(0, make_data_op(DataOpCode::kIncrBy, {}, 1))->result.integer, 1);
}

TEST(DataTypes, CounterErrorsAreRedisErrors) {
  TypedCluster cluster(1);
  ASSERT_TRUE(cluster.apply(0, make_data_op(DataOpCode::kSet, {"abc"})).is_ok());
  auto applied = cluster.apply(0, make_data_op(DataOpCode::kIncrBy, {}, 1));
  ASSERT_FALSE(applied.is_ok());
  EXPECT_EQ(applied.status().message(), "value is not an integer or out of range");
  ASSERT_TRUE(cluster.apply(0, make_data_op(DataOpCode::kSet, {"9223372036854775807"})).is_ok());
  applied = cluster.apply(0, make_data_op(DataOpCode::kIncrBy, {}, 1));
  ASSERT_FALSE(applied.is_ok());
  EXPECT_EQ(applied.status().message(), "increment or decrement would overflow");
  ASSERT_TRUE(cluster.apply(0, make_data_op(DataOpCode::kSetAdd, {"m"}))
                  .status()
                  .message()
                  .starts_with("WRONGTYPE"));
}

TEST(DataTypes, FloatIncrementsFollowRedisFormatting) {
  TypedCluster cluster(1);
  ASSERT_TRUE(cluster.apply(0, make_data_op(DataOpCode::kSet, {"10.50"})).is_ok());
  EXPECT_EQ(cluster.apply(0, make_data_op(DataOpCode::kIncrByFloat, {"0.1"}))->result.bulk, "10.6");
  EXPECT_EQ(cluster.apply(0, make_data_op(DataOpCode::kIncrByFloat, {"-5.6"}))->result.bulk, "5");
  // The value reads as an integer again, so INCR works on it.
  EXPECT_EQ(cluster.apply(0, make_data_op(DataOpCode::kIncrBy, {}, 2))->result.integer, 7);
  EXPECT_FALSE(cluster.apply(0, make_data_op(DataOpCode::kIncrByFloat, {"abc"})).is_ok());
}

// The set model: an element is present iff some add of it was not observed by any remove.
RC_GTEST_PROP(DataTypes, SetsKeepEveryAddNoObservingRemoveRemoved, ()) {
  TypedCluster cluster = TypedCluster::random();
  // Each add of a member is identified by the (replica, add count) that made it; the replica's
  // state tells which adds it has observed.
  struct Add {
    std::string member;
    std::size_t replica;
    VersionedObject after;  // The state right after the add, holding its dot.
  };
  std::vector<Add> adds;
  std::vector<std::pair<std::string, VersionVector>> removes;  // Member and what it observed.
  const auto steps = *rc::gen::inRange<int>(0, 50);
  for (int i = 0; i < steps; ++i) {
    const std::size_t at = cluster.pick();
    const int choice = uniform(0, 5);
    if (choice <= 1) {
      const std::string member = small_member();
      RC_ASSERT(cluster.apply(at, make_data_op(DataOpCode::kSetAdd, {member})).is_ok());
      adds.push_back({member, at, cluster.replica(at)});
    } else if (choice == 2) {
      const std::string member = small_member();
      const VersionVector observed = cluster.replica(at).context();
      RC_ASSERT(cluster.apply(at, make_data_op(DataOpCode::kSetRemove, {member})).is_ok());
      removes.emplace_back(member, observed);
    } else {
      cluster.random_merge();
    }
  }
  const VersionedObject all = cluster.converged();
  std::set<std::string> expected;
  for (const Add& add : adds) {
    // The add's dot: the newest member entry of its replica's actor at that moment.
    Dot dot;
    for (const Sibling& e : add.after.siblings()) {
      if (e.kind == EntryKind::kMember && e.field == add.member &&
          e.dot.actor == cluster.actor(add.replica)) {
        dot = std::max(dot, e.dot);
      }
    }
    const bool removed = std::any_of(removes.begin(), removes.end(), [&](const auto& remove) {
      return remove.first == add.member && remove.second.covers(dot);
    });
    if (!removed) expected.insert(add.member);
  }
  const auto members = set_members(all, cluster.now());
  RC_ASSERT(std::set<std::string>(members.begin(), members.end()) == expected);
}

TEST(DataTypes, AnAddWinsOverAConcurrentRemove) {
  TypedCluster cluster(2);
  ASSERT_TRUE(cluster.apply(0, make_data_op(DataOpCode::kSetAdd, {"x"})).is_ok());
  cluster.merge(0, 1);
  ASSERT_EQ(cluster.apply(1, make_data_op(DataOpCode::kSetRemove, {"x"}))->result.integer, 1);
  ASSERT_EQ(cluster.apply(0, make_data_op(DataOpCode::kSetAdd, {"x"}))->result.integer, 0);
  cluster.merge(0, 1);
  cluster.merge(1, 0);
  EXPECT_EQ(set_members(cluster.replica(0), cluster.now()), std::vector<std::string>{"x"});
  EXPECT_EQ(set_members(cluster.replica(1), cluster.now()), std::vector<std::string>{"x"});
}

TEST(DataTypes, HashFieldsAreAddWinsAndCountersCount) {
  TypedCluster cluster(2);
  ASSERT_EQ(
      cluster.apply(0, make_data_op(DataOpCode::kHashSet, {"f", "1", "g", "x"}))->result.integer,
      2);
  cluster.merge(0, 1);
  ASSERT_EQ(cluster.apply(1, make_data_op(DataOpCode::kHashDelete, {"g"}))->result.integer, 1);
  ASSERT_EQ(cluster.apply(0, make_data_op(DataOpCode::kHashSet, {"g", "y"}))->result.integer, 0);
  ASSERT_EQ(cluster.apply(0, make_data_op(DataOpCode::kHashIncrBy, {"f"}, 5))->result.integer, 6);
  ASSERT_EQ(cluster.apply(1, make_data_op(DataOpCode::kHashIncrBy, {"f"}, 2))->result.integer, 3);
  cluster.merge(0, 1);
  const auto fields = hash_fields(cluster.replica(1), cluster.now());
  ASSERT_EQ(fields.size(), 2u);
  EXPECT_EQ(fields[0], (std::pair<std::string, std::string>{"f", "8"}));
  EXPECT_EQ(fields[1], (std::pair<std::string, std::string>{"g", "y"}));
  EXPECT_FALSE(cluster.apply(1, make_data_op(DataOpCode::kHashIncrBy, {"g"}, 1)).is_ok());
}

RC_GTEST_PROP(DataTypes, ExpiryMergesToTheLatestWithPersistOnTop, ()) {
  TypedCluster cluster = TypedCluster::random();
  RC_ASSERT(cluster.apply(0, make_data_op(DataOpCode::kSet, {"v"})).is_ok());
  for (std::size_t i = 1; i < cluster.size(); ++i) cluster.merge(0, i);
  // Concurrent expiry changes, one per replica.
  bool persisted = false;
  std::int64_t latest = 0;
  for (std::size_t i = 0; i < cluster.size(); ++i) {
    if (one_in(4)) {
      // PERSIST on a key without a TTL changes nothing; give it one first.
      DataOp expire = make_data_op(DataOpCode::kExpire);
      expire.expiry = ExpiryKind::kAbsoluteMs;
      expire.expiry_ms = static_cast<std::int64_t>(kNow) + 1'000'000;
      RC_ASSERT(cluster.apply(i, expire).is_ok());
      RC_ASSERT(cluster.apply(i, make_data_op(DataOpCode::kPersist))->changed);
      persisted = true;
    } else {
      DataOp expire = make_data_op(DataOpCode::kExpire);
      expire.expiry = ExpiryKind::kAbsoluteMs;
      expire.expiry_ms = static_cast<std::int64_t>(kNow) + uniform<std::int64_t>(100'000, 900'000);
      RC_ASSERT(cluster.apply(i, expire).is_ok());
      latest = std::max(latest, expire.expiry_ms);
    }
  }
  const VersionedObject all = cluster.converged();
  if (persisted) {
    RC_ASSERT(!expiry_of(all).has_value());
  } else {
    RC_ASSERT(expiry_of(all) == std::optional<std::uint64_t>(static_cast<std::uint64_t>(latest)));
  }
}

TEST(DataTypes, AnExpiredKeyReadsAsAbsentAndWritesStartFromNothing) {
  TypedCluster cluster(2);
  ASSERT_TRUE(cluster.apply(0, make_data_op(DataOpCode::kIncrBy, {}, 5)).is_ok());
  DataOp expire = make_data_op(DataOpCode::kExpire);
  expire.expiry = ExpiryKind::kAbsoluteMs;
  expire.expiry_ms = static_cast<std::int64_t>(kNow) + 10'000;
  ASSERT_TRUE(cluster.apply(0, expire).is_ok());
  cluster.merge(0, 1);
  const VersionedObject& object = cluster.replica(1);
  EXPECT_EQ(string_value(object, kNow + 9'999).text, "5");
  EXPECT_FALSE(string_value(object, kNow + 10'000).exists);
  EXPECT_EQ(type_of(object, kNow + 10'000), ValueType::kNone);
  // Merging an older copy back never revives it: the expiry entry is part of the state.
  VersionedObject stale;
  ASSERT_TRUE(apply_data_op(stale, make_data_op(DataOpCode::kSet, {"old"}), 999, kNow - 1).is_ok());
  VersionedObject merged = VersionedObject::merge(object, cluster.replica(0));
  EXPECT_FALSE(string_value(merged, kNow + 10'000).exists);
  // A write after the expiry starts from an absent key.
  auto applied =
      apply_data_op(merged, make_data_op(DataOpCode::kIncrBy, {}, 1), 100, kNow + 20'000);
  ASSERT_TRUE(applied.is_ok());
  EXPECT_EQ(applied->result.integer, 1);
  EXPECT_FALSE(expiry_of(merged).has_value());
  // The clean-up delete leaves a tombstone only.
  VersionedObject expired = cluster.replica(1);
  auto cleanup =
      apply_data_op(expired, make_data_op(DataOpCode::kDeleteIfExpired), 100, kNow + 10'000);
  ASSERT_TRUE(cleanup.is_ok() && cleanup->changed);
  EXPECT_TRUE(expired.is_deleted());
  EXPECT_TRUE(VersionedObject::merge(expired, cluster.replica(0)).is_deleted());
}

TEST(DataTypes, SetClearsTheTtlUnlessKeepTtl) {
  TypedCluster cluster(1);
  DataOp set = make_data_op(DataOpCode::kSet, {"v"});
  set.expiry = ExpiryKind::kRelativeMs;
  set.expiry_ms = 5'000;
  ASSERT_TRUE(cluster.apply(0, set).is_ok());
  ASSERT_TRUE(expiry_of(cluster.replica(0)).has_value());
  DataOp keep = make_data_op(DataOpCode::kSet, {"w"});
  keep.keep_ttl = true;
  ASSERT_TRUE(cluster.apply(0, keep).is_ok());
  ASSERT_TRUE(expiry_of(cluster.replica(0)).has_value());
  ASSERT_TRUE(cluster.apply(0, make_data_op(DataOpCode::kSet, {"x"})).is_ok());
  EXPECT_FALSE(expiry_of(cluster.replica(0)).has_value());
}

// A concurrent SET k and SADD k: the newest write's type wins on every replica, the other stays
// stored until a write of the winning type removes it.
TEST(DataTypes, TypeConflictsResolveToTheNewestWritesType) {
  TypedCluster cluster(2);
  ASSERT_TRUE(cluster.apply(0, make_data_op(DataOpCode::kSet, {"string"})).is_ok());
  VersionedObject set_side;
  ASSERT_TRUE(
      apply_data_op(set_side, make_data_op(DataOpCode::kSetAdd, {"m"}), 555, kNow + 100).is_ok());
  VersionedObject merged = VersionedObject::merge(cluster.replica(0), set_side);
  EXPECT_EQ(type_of(merged, kNow + 200), ValueType::kSet);
  EXPECT_EQ(type_of(VersionedObject::merge(set_side, cluster.replica(0)), kNow + 200),
            ValueType::kSet);
  EXPECT_FALSE(string_value(merged, kNow + 200).exists);
  EXPECT_EQ(merged.live_values(), std::vector<std::string>{"string"});  // Still stored.
  // A string write is refused as Redis refuses it; a SET (any type) replaces both.
  EXPECT_TRUE(apply_data_op(merged, make_data_op(DataOpCode::kAppend, {"x"}), 100, kNow + 300)
                  .status()
                  .message()
                  .starts_with("WRONGTYPE"));
  ASSERT_TRUE(
      apply_data_op(merged, make_data_op(DataOpCode::kSetAdd, {"n"}), 100, kNow + 300).is_ok());
  EXPECT_TRUE(merged.live_values().empty());  // The set write removed the string it observed.
}

TEST(DataTypes, OpsRoundTripAndMalformedBytesAreRefused) {
  DataOp op = make_data_op(DataOpCode::kHashSet, {"f", std::string("\0v", 2)}, -42);
  op.condition = WriteCondition::kIfAbsent;
  op.expiry = ExpiryKind::kRelativeMs;
  op.expiry_ms = -5;
  op.keep_ttl = true;
  auto decoded = decode_data_op(encode_data_op(op));
  ASSERT_TRUE(decoded.is_ok());
  EXPECT_EQ(*decoded, op);
  std::string bytes = encode_data_op(op);
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_FALSE(decode_data_op(bytes.substr(0, cut)).is_ok());
  }
  EXPECT_FALSE(decode_data_op(bytes + "x").is_ok());
  bytes[0] = 99;
  EXPECT_FALSE(decode_data_op(bytes).is_ok());
  OpResult result{OpResult::Kind::kBulk, -7, "b"};
  auto round = decode_op_result(encode_op_result(result));
  ASSERT_TRUE(round.is_ok());
  EXPECT_EQ(*round, result);
}

TEST(DataTypes, FormatOneObjectsStillDecode) {
  // Bytes as format 1 wrote them: version 1, context {7:2@5}, two siblings (7,1) tombstone and
  // (7,2) value "hi".
  const std::string bytes = std::string("\x01\x01\x07\x02\x05\x02", 6) +
                            std::string("\x07\x01\x05\x01", 4) +
                            std::string("\x07\x02\x05\x00\x02hi", 7);
  auto decoded = VersionedObject::decode(bytes);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(decoded->live_values(), std::vector<std::string>{"hi"});
  EXPECT_EQ(string_value(*decoded, kNow).text, "hi");
  // Re-encoded in format 2, it decodes to the same object.
  auto again = VersionedObject::decode(decoded->encode());
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(*again, *decoded);
}

TEST(DataTypes, CollectionsAreBoundedByElementCount) {
  // One write adding past the limit is refused with a message naming it.
  VersionedObject object;
  DataOp add = make_data_op(DataOpCode::kSetAdd);
  for (std::size_t i = 0; i <= limits::kCollectionElementsMax; ++i) {
    add.args.push_back(std::to_string(i));
  }
  auto applied = apply_data_op(object, add, 1, kNow);
  ASSERT_FALSE(applied.is_ok());
  EXPECT_EQ(applied.status().code(), StatusCode::kTooLarge);
  EXPECT_NE(applied.status().message().find("kCollectionElementsMax"), std::string::npos);
  EXPECT_TRUE(object.empty());
}

// Last write wins (conflict = lww) only drops what no reader sees: every view of any reachable
// state is the same after keep_newest_values, which leaves one value or tombstone per slot and
// is idempotent.
RC_GTEST_PROP(DataTypes, LwwKeepsWhatEveryReaderSeesAndNoSiblings, ()) {
  TypedCluster cluster = TypedCluster::random();
  run_random(cluster);
  const VersionedObject& state = pick_state(cluster);
  VersionedObject newest = state;
  keep_newest_values(newest);
  for (std::uint64_t now : {kNow, kNow + 20'000}) {
    RC_ASSERT(type_of(newest, now) == type_of(state, now));
    RC_ASSERT(string_value(newest, now).exists == string_value(state, now).exists);
    RC_ASSERT(string_value(newest, now).text == string_value(state, now).text);
    RC_ASSERT(hash_fields(newest, now) == hash_fields(state, now));
    RC_ASSERT(set_members(newest, now) == set_members(state, now));
  }
  RC_ASSERT(expiry_of(newest) == expiry_of(state));
  RC_ASSERT(newest.context() == state.context());
  std::map<std::string, int> bases;  // Per slot ("" the string, else the field).
  for (const Sibling& entry : newest.siblings()) {
    if (entry.kind == EntryKind::kValue || entry.kind == EntryKind::kTombstone) ++bases[""];
    if (entry.kind == EntryKind::kFieldValue || entry.kind == EntryKind::kFieldTombstone) {
      ++bases["f" + entry.field];
    }
  }
  for (const auto& [slot, count] : bases) RC_ASSERT(count == 1);
  VersionedObject again = newest;
  RC_ASSERT(!keep_newest_values(again));
  RC_ASSERT(again == newest);
}

// Replicas of an lww bucket that collapse at every write and merge, in any order, end equal once
// they have exchanged their states.
RC_GTEST_PROP(DataTypes, LwwReplicasConverge, ()) {
  TypedCluster cluster(uniform<std::size_t>(2, 5), /*lww=*/true);
  run_random(cluster);
  for (int round = 0; round < 2; ++round) {
    for (std::size_t to = 0; to < cluster.size(); ++to) {
      for (std::size_t from = 0; from < cluster.size(); ++from) cluster.merge(from, to);
    }
  }
  for (std::size_t i = 1; i < cluster.size(); ++i)
    RC_ASSERT(cluster.replica(i) == cluster.replica(0));
}

TEST(DataTypes, LwwKeepsOnlyTheNewestOfConcurrentSets) {
  VersionedObject a, b;
  ASSERT_TRUE(apply_data_op(a, make_data_op(DataOpCode::kSet, {"old"}), 1, kNow).is_ok());
  ASSERT_TRUE(apply_data_op(b, make_data_op(DataOpCode::kSet, {"new"}), 2, kNow + 5).is_ok());
  VersionedObject siblings = VersionedObject::merge(a, b);
  EXPECT_EQ(siblings.live_values().size(), 2U);
  VersionedObject lww = siblings;
  EXPECT_TRUE(keep_newest_values(lww));
  EXPECT_EQ(lww.live_values(), std::vector<std::string>{"new"});
  EXPECT_EQ(string_value(lww, kNow + 10).text, "new");
  // The context still covers the dropped write: a replica holding it drops it at the merge.
  a.merge_from(lww);
  EXPECT_EQ(a.live_values(), std::vector<std::string>{"new"});
  // A newer delete wins the same way, and the older value goes with its reset offsets.
  VersionedObject counter;
  ASSERT_TRUE(apply_data_op(counter, make_data_op(DataOpCode::kIncrBy, {}, 5), 3, kNow).is_ok());
  VersionedObject reset = counter;
  ASSERT_TRUE(apply_data_op(reset, make_data_op(DataOpCode::kSet, {"10"}), 4, kNow + 1).is_ok());
  VersionedObject other = counter;
  ASSERT_TRUE(apply_data_op(other, make_data_op(DataOpCode::kSet, {"20"}), 5, kNow + 2).is_ok());
  VersionedObject both = VersionedObject::merge(reset, other);
  VersionedObject collapsed = both;
  keep_newest_values(collapsed);
  EXPECT_EQ(string_value(collapsed, kNow + 3).text, string_value(both, kNow + 3).text);
  EXPECT_EQ(string_value(collapsed, kNow + 3).text, "20");
  EXPECT_LT(collapsed.siblings().size(), both.siblings().size());
}

}  // namespace
}  // namespace ringkv::core
