// Properties of VersionedObject: merge is a join (commutative, associative, idempotent) over
// states reached by random histories; a put supersedes exactly what its read saw; concurrent puts
// become siblings and a put with their merged context collapses them; siblings stay bounded by
// the number of writers (the point of dotted version vectors, Preguica et al. 2010, section 3);
// pruning and tombstones.
#include "core/version/versioned_object.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <map>

#include "core/version/version_test_support.h"

namespace ringkv::core {
namespace {

using version_testing::Cluster;
using version_testing::Contexts;
using version_testing::dots_of;
using version_testing::holds;
using version_testing::uniform;
using version_testing::well_formed;

constexpr ActorId kA = 10;
constexpr ActorId kB = 20;

RC_GTEST_PROP(VersionedObjectMerge, IsCommutative, ()) {
  Cluster cluster = Cluster::random();
  cluster.run_random();
  const VersionedObject& a = cluster.pick_state();
  const VersionedObject& b = cluster.pick_state();
  RC_ASSERT(VersionedObject::merge(a, b) == VersionedObject::merge(b, a));
}

RC_GTEST_PROP(VersionedObjectMerge, IsAssociative, ()) {
  Cluster cluster = Cluster::random();
  cluster.run_random();
  const VersionedObject& a = cluster.pick_state();
  const VersionedObject& b = cluster.pick_state();
  const VersionedObject& c = cluster.pick_state();
  RC_ASSERT(VersionedObject::merge(VersionedObject::merge(a, b), c) ==
            VersionedObject::merge(a, VersionedObject::merge(b, c)));
}

RC_GTEST_PROP(VersionedObjectMerge, IsIdempotentAndAbsorbsWhatItMerged, ()) {
  Cluster cluster = Cluster::random();
  cluster.run_random();
  const VersionedObject& a = cluster.pick_state();
  const VersionedObject& b = cluster.pick_state();
  RC_ASSERT(VersionedObject::merge(a, a) == a);
  const VersionedObject ab = VersionedObject::merge(a, b);
  RC_ASSERT(VersionedObject::merge(ab, a) == ab);
  RC_ASSERT(well_formed(ab));
  RC_ASSERT(ab.context().descends(a.context()));
}

RC_GTEST_PROP(VersionedObjectMerge, EveryReachableStateIsWellFormed, ()) {
  Cluster cluster = Cluster::random();
  cluster.run_random();
  for (const VersionedObject& state : cluster.states()) RC_ASSERT(well_formed(state));
}

// What a context promises (docs/ARCHITECTURE.md, "Data model and versions"): a put carrying a
// read's context replaces the versions that read returned, and nothing else. After the read, other
// clients write blind or with contexts read before it, so nothing they do can supersede a version
// written after the read.
RC_GTEST_PROP(VersionedObjectUpdate, PutWithReadContextSupersedesExactlyWhatTheReadSaw, ()) {
  Cluster cluster = Cluster::random();
  cluster.run_random();
  const VersionedObject read = cluster.replica(cluster.pick_replica());
  const std::vector<Dot> written_after = cluster.run_random(Contexts::kBlindOrOld);
  const std::size_t at = cluster.pick_replica();
  const VersionedObject before = cluster.replica(at);
  const VersionedObject everything_before = cluster.converged();

  const Dot dot = cluster.replica(at).update(read.context(), cluster.actor(at), 1000, "put");

  std::vector<Dot> expected_here;  // Locally: what this replica held minus what the read saw.
  for (const Dot& d : dots_of(before)) {
    if (!read.context().covers(d)) expected_here.push_back(d);
  }
  expected_here.push_back(dot);
  std::sort(expected_here.begin(), expected_here.end());
  RC_ASSERT(dots_of(cluster.replica(at)) == expected_here);

  std::vector<Dot> expected;  // Once every replica has exchanged state.
  for (const Dot& d : dots_of(everything_before)) {
    if (!read.context().covers(d)) expected.push_back(d);
  }
  expected.push_back(dot);
  std::sort(expected.begin(), expected.end());
  const VersionedObject after = cluster.converged();
  RC_ASSERT(dots_of(after) == expected);
  for (const Dot& seen : dots_of(read)) RC_ASSERT(!holds(after, seen));
  for (const Dot& later : written_after) RC_ASSERT(holds(after, later));
}

RC_GTEST_PROP(VersionedObjectUpdate, ConcurrentPutsBecomeSiblingsThatAMergedPutCollapses, ()) {
  Cluster cluster = Cluster::random();
  cluster.run_random();
  const std::size_t first = cluster.pick_replica();
  const std::size_t second = cluster.pick_replica();
  const VersionVector context = cluster.replica(first).context();
  // Two clients read the same state and write without seeing each other.
  const Dot one = cluster.replica(first).update(context, cluster.actor(first), 1, "one");
  const Dot two = cluster.replica(second).update(context, cluster.actor(second), 2, "two");
  cluster.replica(first).merge_from(cluster.replica(second));
  const VersionedObject& merged = cluster.replica(first);
  RC_ASSERT(holds(merged, one));
  RC_ASSERT(holds(merged, two));
  // A client that reads the merged state and writes resolves the conflict.
  const Dot resolved =
      cluster.replica(first).update(merged.context(), cluster.actor(first), 3, "resolved");
  RC_ASSERT(dots_of(cluster.replica(first)) == std::vector<Dot>{resolved});
  RC_ASSERT(cluster.replica(first).live_values() == std::vector<std::string>{"resolved"});
}

TEST(VersionedObjectUpdate, ConcurrentPutsAtOneReplicaAreSiblings) {
  VersionedObject object;
  object.update({}, kA, 1, "base");
  const VersionVector read = object.context();
  object.update(read, kA, 2, "x");
  object.update(read, kA, 3, "y");  // Same context: it did not see "x".
  EXPECT_EQ(object.live_values(), (std::vector<std::string>{"x", "y"}));
  object.update(object.context(), kA, 4, "z");
  EXPECT_EQ(object.live_values(), std::vector<std::string>{"z"});
}

TEST(VersionedObjectUpdate, BlindPutNeverDestroysAValue) {
  VersionedObject object;
  object.update({}, kA, 1, "first");
  object.update({}, kB, 2, "second");
  EXPECT_EQ(object.live_values(), (std::vector<std::string>{"first", "second"}));
}

TEST(VersionedObjectUpdate, NewDotExceedsTheReadContextsCounter) {
  // The client read from a replica that knows more of kA's history than this one.
  VersionVector read;
  read.add({kA, 7}, 1);
  VersionedObject object;
  const Dot dot = object.update(read, kA, 2, "v");
  EXPECT_EQ(dot, (Dot{kA, 8}));
  EXPECT_EQ(object.context().counter(kA), 8u);
}

TEST(VersionedObjectUpdate, StaleReplicaDropsWhatTheClientSawElsewhere) {
  VersionedObject here;
  here.update({}, kA, 1, "old");
  VersionedObject there = here;
  there.update(there.context(), kB, 2, "newer");  // Supersedes "old" at the other replica.
  // A client read "newer" there and writes here, where "newer" never arrived.
  here.update(there.context(), kA, 3, "newest");
  here.merge_from(there);
  EXPECT_EQ(here.live_values(), std::vector<std::string>{"newest"});
}

// k writers each read at their own replica and write there with the context of their last read
// (which came after their previous write). Each write then supersedes the writer's previous one,
// so no replica ever holds more than one sibling per writer, however merges interleave. Plain
// per-server version vectors fail this (the DVV paper's sibling explosion).
RC_GTEST_PROP(VersionedObjectUpdate, SiblingsNeverExceedTheNumberOfWriters, ()) {
  const auto writers = uniform<std::size_t>(1, 6);
  Cluster cluster(uniform<std::size_t>(1, 4));
  std::vector<VersionVector> last_read(writers);
  std::vector<bool> read_since_write(writers, false);
  std::map<Dot, std::size_t> writer_of;
  const auto steps = *rc::gen::inRange(0, 80);
  for (int step = 0; step < steps; ++step) {
    const auto writer = uniform<std::size_t>(0, writers);
    const std::size_t home = writer % cluster.size();
    const int op = uniform(0, 3);
    if (op == 0 || (op == 1 && !read_since_write[writer])) {
      last_read[writer] = cluster.replica(home).context();
      read_since_write[writer] = true;
    } else if (op == 1) {
      writer_of[cluster.put(home, last_read[writer])] = writer;
      read_since_write[writer] = false;
    } else {
      cluster.random_merge();
    }
    for (std::size_t r = 0; r < cluster.size(); ++r) {
      std::vector<std::size_t> owners;
      for (const Dot& dot : dots_of(cluster.replica(r))) owners.push_back(writer_of.at(dot));
      std::sort(owners.begin(), owners.end());
      RC_ASSERT(std::adjacent_find(owners.begin(), owners.end()) == owners.end());
      RC_ASSERT(owners.size() <= writers);
    }
  }
}

RC_GTEST_PROP(VersionedObjectPrune, KeepsSizeBoundedAndEveryLiveSiblingsActor, ()) {
  Cluster cluster = Cluster::random();
  cluster.run_random();
  VersionedObject object = cluster.pick_state();
  // Contexts from clients may carry entries of actors that hold no sibling here.
  VersionVector extra;
  for (ActorId actor = 1; actor <= 20; ++actor) extra.add({actor, 1}, actor);
  object.update(extra, cluster.actor(0), 5000, "v");
  const auto entries_max = uniform<std::size_t>(0, 20);
  std::vector<ActorId> sibling_actors;
  for (const Dot& dot : dots_of(object)) sibling_actors.push_back(dot.actor);
  std::sort(sibling_actors.begin(), sibling_actors.end());
  sibling_actors.erase(std::unique(sibling_actors.begin(), sibling_actors.end()),
                       sibling_actors.end());
  const VersionedObject before = object;

  object.prune(entries_max);

  RC_ASSERT(object.siblings() == before.siblings());
  RC_ASSERT(object.context().size() <= std::max(entries_max, sibling_actors.size()));
  for (ActorId actor : sibling_actors) {
    RC_ASSERT(object.context().counter(actor) == before.context().counter(actor));
  }
  RC_ASSERT(well_formed(object));
}

TEST(VersionedObjectPrune, KeepsTheActorsItIsTold) {
  VersionedObject object;
  VersionVector read;
  read.add({1, 4}, 1);  // Oldest: would go first without `keep`.
  read.add({2, 4}, 2);
  read.add({3, 4}, 3);
  object.update(read, kA, 10, "v");
  object.prune(2, {1});
  EXPECT_EQ(object.context().counter(1), 4u);
  EXPECT_EQ(object.context().counter(kA), 1u);
  EXPECT_EQ(object.context().size(), 2u);
}

TEST(VersionedObjectTombstone, DeleteSupersedesWhatItSaw) {
  VersionedObject object;
  EXPECT_TRUE(object.is_deleted());  // An absent key reads as deleted.
  object.update({}, kA, 1, "v");
  EXPECT_FALSE(object.is_deleted());
  object.update(object.context(), kA, 2, std::nullopt);
  EXPECT_TRUE(object.is_deleted());
  EXPECT_FALSE(object.empty());  // The tombstone is kept and replicated.
  EXPECT_TRUE(object.live_values().empty());
  ASSERT_EQ(object.siblings().size(), 1u);
  EXPECT_TRUE(object.siblings()[0].tombstone);
  EXPECT_TRUE(object.siblings()[0].value.empty());
}

TEST(VersionedObjectTombstone, ConcurrentPutSurvivesADelete) {
  VersionedObject here;
  here.update({}, kA, 1, "v");
  VersionedObject there = here;
  const VersionVector read = here.context();
  here.update(read, kA, 2, std::nullopt);
  there.update(read, kB, 3, "concurrent");
  here.merge_from(there);
  EXPECT_FALSE(here.is_deleted());
  EXPECT_EQ(here.live_values(), std::vector<std::string>{"concurrent"});
  EXPECT_EQ(here.siblings().size(), 2u);
}

TEST(VersionedObjectTombstone, DeletedValueDoesNotResurfaceFromAStaleReplica) {
  VersionedObject stale;
  stale.update({}, kA, 1, "v");
  VersionedObject fresh = stale;
  fresh.update(fresh.context(), kB, 2, std::nullopt);
  EXPECT_TRUE(VersionedObject::merge(stale, fresh).is_deleted());
  EXPECT_TRUE(VersionedObject::merge(fresh, stale).is_deleted());
}

RC_GTEST_PROP(VersionedObjectTombstone, LiveValuesAreTheNonTombstoneSiblings, ()) {
  Cluster cluster = Cluster::random();
  cluster.run_random();
  const VersionedObject& object = cluster.pick_state();
  std::vector<std::string> values;
  for (const Sibling& sibling : object.siblings()) {
    if (!sibling.tombstone) values.push_back(sibling.value);
  }
  RC_ASSERT(object.live_values() == values);
  RC_ASSERT(object.is_deleted() == values.empty());
}

TEST(VersionedObjectUpdate, SiblingsAfterUpdateCountsWhatWouldRemain) {
  VersionedObject object;
  object.update({}, kA, 1, "x");
  const VersionVector read = object.context();
  object.update({}, kB, 2, "y");
  EXPECT_EQ(object.siblings_after_update(read), 2u);
  EXPECT_EQ(object.siblings_after_update({}), 3u);
  EXPECT_EQ(object.siblings_after_update(object.context()), 1u);
}

}  // namespace
}  // namespace ringkv::core
