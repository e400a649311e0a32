// MembershipState: the merge algebra (RapidCheck), scuttlebutt reconciliation that converges and
// ships only what differs, restarts, removal, own-record transitions and the ring history.
#include "core/membership/membership_state.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <tuple>
#include <vector>

namespace ringkv::core {
namespace {

template <typename T>
T uniform(T low, T high) {  // [low, high), independent of the test case's size.
  return *rc::gen::resize(rc::kNominalSize, rc::gen::inRange<T>(low, high));
}

// Any valid record of member "x" over small stamps, so that random pairs tie often. Content is
// arbitrary: the algebra must hold even for records no correct cluster produces.
MemberRecord arbitrary_record() {
  MemberRecord r{.id = "x"};
  r.status = static_cast<MemberStatus>(uniform(0, 4));
  r.weight = uniform<std::uint32_t>(1, 3);
  r.join_order = uniform<std::uint64_t>(1, 3);
  const bool departed = r.status == MemberStatus::kLeaving || r.status == MemberStatus::kRemoved;
  r.leave_order = departed ? r.join_order + uniform<std::uint64_t>(1, 3) : 0;
  r.address = r.status == MemberStatus::kRemoved ? "" : (uniform(0, 2) == 0 ? "a:1" : "b:2");
  r.generation = uniform<std::uint64_t>(1, 3);
  r.version = uniform<std::uint64_t>(1, 4);
  r.heartbeat = uniform<std::uint64_t>(0, 4);
  return r;
}

// A record a correct cluster could hold: one writer per (generation, version) and per removal
// stamp, so the static content is a function of the stamp (what digests rely on).
MemberRecord realistic_record(const NodeId& id) {
  MemberRecord r{.id = id, .weight = 1, .join_order = 1};
  r.generation = uniform<std::uint64_t>(1, 3);
  r.version = uniform<std::uint64_t>(1, 4);
  r.heartbeat = uniform<std::uint64_t>(0, 4);
  if (uniform(0, 4) == 0) {
    r.status = MemberStatus::kRemoved;
    r.leave_order = 2 + uniform<std::uint64_t>(0, 2);
    return r;
  }
  const std::uint64_t stamp = r.generation * 10 + r.version;
  r.status = static_cast<MemberStatus>(stamp % 3);
  r.leave_order = r.status == MemberStatus::kLeaving ? 2 + stamp % 2 : 0;
  r.address = "h" + std::to_string(stamp) + ":7000";
  return r;
}

MembershipState realistic_state() {
  std::vector<MemberRecord> records;
  const int count = uniform(0, 6);
  for (int i = 0; i < count; ++i)
    records.push_back(realistic_record("m" + std::to_string(uniform(0, 5))));
  MembershipState state;
  const ApplyOutcome outcome = state.apply(records);
  RC_ASSERT(outcome.rejected == 0u);
  return state;
}

MembershipState merged(MembershipState a, const MembershipState& b) {
  (void)a.merge(b);
  return a;
}

// One scuttlebutt exchange initiated by `a` (gossip_messages.h), without the cap.
void exchange(MembershipState& a, MembershipState& b) {
  const Digest digest = a.digest();
  const std::vector<MemberRecord> delta = b.delta_for(digest);
  const Digest request = b.request_for(digest);
  (void)a.apply(delta);
  (void)b.apply(a.answer(request));
}

RC_GTEST_PROP(MembershipMerge, IsCommutativeAssociativeAndIdempotent, ()) {
  const MemberRecord a = arbitrary_record();
  const MemberRecord b = arbitrary_record();
  const MemberRecord c = arbitrary_record();
  RC_ASSERT(merge_records(a, b) == merge_records(b, a));
  RC_ASSERT(merge_records(merge_records(a, b), c) == merge_records(a, merge_records(b, c)));
  RC_ASSERT(merge_records(a, a) == a);
  RC_ASSERT(merge_records(a, merge_records(a, b)) == merge_records(a, b));
  RC_ASSERT(validate_record(merge_records(a, b)).is_ok());
}

RC_GTEST_PROP(MembershipMerge, RemovalIsAbsorbingAndLivenessFollowsGeneration, ()) {
  const MemberRecord a = arbitrary_record();
  const MemberRecord b = arbitrary_record();
  const MemberRecord m = merge_records(a, b);
  const bool any_removed = a.status == MemberStatus::kRemoved || b.status == MemberStatus::kRemoved;
  RC_ASSERT((m.status == MemberStatus::kRemoved) == any_removed);
  RC_ASSERT(m.generation == std::max(a.generation, b.generation));
  if (!any_removed) {
    const MemberRecord& newest =
        std::tie(a.generation, a.version) >= std::tie(b.generation, b.version) ? a : b;
    RC_ASSERT(m.version == newest.version);
    if (std::tie(a.generation, a.version) != std::tie(b.generation, b.version)) {
      RC_ASSERT(m.status == newest.status);
    }
  }
}

RC_GTEST_PROP(MembershipMerge, StateMergeIsASemilattice, ()) {
  const MembershipState a = realistic_state();
  const MembershipState b = realistic_state();
  const MembershipState c = realistic_state();
  RC_ASSERT(merged(a, b).members() == merged(b, a).members());
  RC_ASSERT(merged(merged(a, b), c).members() == merged(a, merged(b, c)).members());
  RC_ASSERT(merged(a, a).members() == a.members());
}

RC_GTEST_PROP(MembershipReconciliation, OneExchangeEqualsTheMerge, ()) {
  MembershipState a = realistic_state();
  MembershipState b = realistic_state();
  const MembershipState expected = merged(a, b);
  exchange(a, b);
  RC_ASSERT(a.members() == expected.members());
  RC_ASSERT(b.members() == expected.members());
  // Nothing left to say: the next exchange is empty both ways.
  RC_ASSERT(b.delta_for(a.digest()).empty());
  RC_ASSERT(b.request_for(a.digest()).empty());
}

RC_GTEST_PROP(MembershipReconciliation, DeltaHoldsExactlyTheRecordsThatChangeTheReceiver, ()) {
  const MembershipState a = realistic_state();
  const MembershipState b = realistic_state();
  for (const MemberRecord& record : b.delta_for(a.digest())) {
    MembershipState receiver = a;
    (void)receiver.apply({record});
    RC_ASSERT(receiver.members() != a.members());
  }
}

MembershipState cluster_of(int members) {
  MembershipState state;
  for (int i = 0; i < members; ++i) {
    const NodeId id = "n" + std::to_string(100 + i);
    EXPECT_TRUE(state.join(id, "10.0.0." + std::to_string(i) + ":7000", 1, 1).is_ok());
  }
  return state;
}

TEST(MembershipReconciliation, OnlyDifferingRecordsTravel) {
  MembershipState a = cluster_of(100);
  MembershipState b = a;
  a.beat("n105");
  ASSERT_TRUE(a.mark_up("n150").is_ok());
  ASSERT_TRUE(b.leave("n170").is_ok());
  b.beat("n199");
  const std::vector<MemberRecord> delta = a.delta_for(b.digest());
  ASSERT_EQ(delta.size(), 2u);
  EXPECT_EQ(delta[0].id, "n105");
  EXPECT_EQ(delta[1].id, "n150");
  const Digest request = a.request_for(b.digest());
  ASSERT_EQ(request.size(), 2u);
  EXPECT_TRUE(request.contains("n170"));
  EXPECT_TRUE(request.contains("n199"));
  const std::vector<MemberRecord> answer = b.answer(request);
  ASSERT_EQ(answer.size(), 2u);
  (void)b.apply(delta);
  (void)a.apply(answer);
  EXPECT_EQ(a.members(), b.members());
  EXPECT_TRUE(a.delta_for(b.digest()).empty());
}

TEST(MembershipReconciliation, CappedDeltaSendsMissingMembersFirst) {
  MembershipState a = cluster_of(50);
  MembershipState b = cluster_of(40);  // Same first 40 members, identical records.
  for (int i = 0; i < 40; ++i) a.beat("n" + std::to_string(100 + i));
  const std::vector<MemberRecord> delta = a.delta_for(b.digest(), 10);
  ASSERT_EQ(delta.size(), 10u);
  for (const MemberRecord& record : delta) EXPECT_FALSE(b.find(record.id)) << record.id;
  EXPECT_EQ(a.delta_for(b.digest()).size(), 50u);
}

TEST(MembershipRestart, NewGenerationSupersedesOldRecordDespiteLowerCounters) {
  MembershipState cluster = cluster_of(3);
  ASSERT_TRUE(cluster.mark_up("n101").is_ok());
  for (int i = 0; i < 50; ++i) cluster.beat("n101");
  MembershipState restarted = cluster;
  ASSERT_TRUE(restarted.restart("n101", 2).is_ok());
  restarted.beat("n101");
  const MemberRecord& fresh = *restarted.find("n101");
  EXPECT_EQ(fresh.generation, 2u);
  EXPECT_EQ(fresh.heartbeat, 1u);
  EXPECT_EQ(fresh.status, MemberStatus::kUp);  // Static content carried over.
  const ApplyOutcome outcome = cluster.apply(restarted.delta_for(cluster.digest()));
  EXPECT_EQ(*cluster.find("n101"), fresh);
  EXPECT_EQ(outcome.generation_changed, std::vector<NodeId>{"n101"});
  // And the old incarnation's records no longer change anything.
  MemberRecord stale = *restarted.find("n101");
  stale.generation = 1;
  stale.heartbeat = 1000;
  stale.version = 99;
  (void)cluster.apply({stale});
  EXPECT_EQ(*cluster.find("n101"), fresh);
  EXPECT_FALSE(restarted.restart("n101", 2).is_ok());
}

TEST(MembershipRemove, RemovedMemberStaysRemoved) {
  MembershipState dead_node_view = cluster_of(4);
  MembershipState operator_view = dead_node_view;
  ASSERT_TRUE(operator_view.remove("n102").is_ok());
  EXPECT_TRUE(operator_view.remove("n102").is_ok());  // Idempotent.
  // The dead node's own view moves on: more versions, then a restart under generation 5.
  ASSERT_TRUE(dead_node_view.mark_up("n102").is_ok());
  ASSERT_TRUE(dead_node_view.set_address("n102", "10.9.9.9:7000").is_ok());
  ASSERT_TRUE(dead_node_view.restart("n102", 5).is_ok());
  for (int i = 0; i < 10; ++i) dead_node_view.beat("n102");
  exchange(dead_node_view, operator_view);
  for (const MembershipState* view : {&dead_node_view, &operator_view}) {
    const MemberRecord& record = *view->find("n102");
    EXPECT_EQ(record.status, MemberStatus::kRemoved);
    EXPECT_EQ(record.generation, 5u);  // Its liveness still travels.
    EXPECT_TRUE(record.address.empty());
  }
  EXPECT_EQ(dead_node_view.members(), operator_view.members());
  EXPECT_FALSE(dead_node_view.join("n102", "10.0.0.2:7000", 1, 6).is_ok());
  EXPECT_FALSE(dead_node_view.mark_up("n102").is_ok());
}

TEST(MembershipRemove, ConcurrentRemovalsWithDifferentStampsConverge) {
  MembershipState a = cluster_of(4);
  MembershipState b = a;
  ASSERT_TRUE(b.join("n900", "10.0.1.1:7000", 1, 1).is_ok());  // b has seen a later stamp.
  ASSERT_TRUE(a.remove("n101").is_ok());
  ASSERT_TRUE(b.remove("n101").is_ok());
  ASSERT_NE(a.find("n101")->leave_order, b.find("n101")->leave_order);
  ASSERT_EQ(a.find("n101")->version, b.find("n101")->version);
  exchange(a, b);
  EXPECT_EQ(a.members(), b.members());
  EXPECT_EQ(a.ring_history(), b.ring_history());
}

TEST(MembershipOwnRecord, TransitionsFollowTheOperatorStateMachine) {
  MembershipState state;
  EXPECT_FALSE(state.join("n1", "no-port", 1, 1).is_ok());
  EXPECT_FALSE(state.join("n1", "h:7000", 0, 1).is_ok());
  ASSERT_TRUE(state.join("n1", "h:7000", 2, 1).is_ok());
  EXPECT_FALSE(state.join("n1", "h:7000", 2, 1).is_ok());
  EXPECT_EQ(state.find("n1")->status, MemberStatus::kJoining);
  EXPECT_EQ(state.find("n1")->join_order, 1u);
  ASSERT_TRUE(state.mark_up("n1").is_ok());
  EXPECT_FALSE(state.mark_up("n1").is_ok());
  ASSERT_TRUE(state.leave("n1").is_ok());
  EXPECT_FALSE(state.leave("n1").is_ok());
  const MemberRecord leaving = *state.find("n1");
  EXPECT_EQ(leaving.leave_order, 2u);
  EXPECT_EQ(leaving.version, 3u);
  ASSERT_TRUE(state.remove("n1").is_ok());
  EXPECT_EQ(state.find("n1")->leave_order, 2u);  // The leave stamp stays.
  EXPECT_EQ(state.remove("zz").code(), StatusCode::kNotFound);
}

TEST(MembershipRingHistory, JoinsInStampOrderThenLeavesAtTheirStamps) {
  MembershipState state;
  ASSERT_TRUE(state.join("c", "c:1", 1, 1).is_ok());  // Stamp 1.
  MemberRecord concurrent = *state.find("c");
  concurrent.id = "a";  // Another node that joined concurrently, also with stamp 1.
  concurrent.address = "a:1";
  (void)state.apply({concurrent});
  ASSERT_TRUE(state.join("b", "b:1", 2, 1).is_ok());  // Stamp 2.
  ASSERT_TRUE(state.remove("a").is_ok());             // Stamp 3.
  ASSERT_TRUE(state.join("d", "d:1", 1, 1).is_ok());  // Stamp 4.
  using Kind = MembershipEvent::Kind;
  const std::vector<MembershipEvent> expected = {{Kind::kJoin, "a", 1},
                                                 {Kind::kJoin, "c", 1},
                                                 {Kind::kJoin, "b", 2},
                                                 {Kind::kLeave, "a", 1},
                                                 {Kind::kJoin, "d", 1}};
  EXPECT_EQ(state.ring_history(), expected);
}

TEST(MembershipRingHistory, KeepingRemovedMembersMovesOnlyTheLeaversPartitions) {
  constexpr std::uint32_t kPartitions = 256;
  MembershipState state = cluster_of(8);
  const Result<Ring> before = Ring::build(kPartitions, state.ring_history());
  ASSERT_TRUE(before.is_ok());
  ASSERT_TRUE(state.remove("n103").is_ok());
  const Result<Ring> after = Ring::build(kPartitions, state.ring_history());
  ASSERT_TRUE(after.is_ok());
  int moved = 0;
  for (std::uint32_t p = 0; p < kPartitions; ++p) {
    if (before->owner(p) != after->owner(p)) {
      ++moved;
      EXPECT_EQ(before->owner(p), "n103") << p;
    }
  }
  EXPECT_EQ(moved, static_cast<int>(before->partitions_per_node().at("n103")));
  // The state's history equals the incremental ring: the removal appended one event.
  const Result<Ring> incremental = before->after({MembershipEvent::Kind::kLeave, "n103", 1});
  ASSERT_TRUE(incremental.is_ok());
  EXPECT_EQ(incremental->owners(), after->owners());
}

TEST(MembershipApply, RejectsInvalidRecordsAndCountsThem) {
  MembershipState state;
  MemberRecord bad{.id = "x", .address = "x:1", .join_order = 1, .generation = 1, .version = 0};
  MemberRecord removed_with_address{.id = "y",
                                    .address = "y:1",
                                    .status = MemberStatus::kRemoved,
                                    .join_order = 1,
                                    .leave_order = 2,
                                    .generation = 1,
                                    .version = 1};
  const ApplyOutcome outcome = state.apply({bad, removed_with_address});
  EXPECT_EQ(outcome.rejected, 2u);
  EXPECT_EQ(state.size(), 0u);
}

}  // namespace
}  // namespace ringkv::core
