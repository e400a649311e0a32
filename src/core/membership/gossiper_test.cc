// Gossiper scenarios on the deterministic SimCluster: joining through one seed, failure detection
// and recovery, restarts, removal, seeds healing logical partitions, and the change counter.
#include "core/membership/gossiper.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/membership/gossip_test_support.h"

namespace ringkv::core {
namespace {

using gossip_testing::SimCluster;

NodeId name(int i) {
  return "n" + std::to_string(100 + i);
}

// `count` members n100.., all listing n100 and n101 as seeds, converged.
SimCluster formed_cluster(int count, std::uint64_t seed) {
  SimCluster cluster(seed);
  for (int i = 0; i < count; ++i) cluster.start_member(name(i), {name(0), name(1)});
  EXPECT_GT(cluster.rounds_to_convergence(50), 0);
  return cluster;
}

TEST(GossipJoin, JoiningNodeLearnsTheWholeClusterThroughOneSeed) {
  SimCluster cluster = formed_cluster(20, 1);
  Gossiper& joiner = cluster.start("new", {name(0)});
  EXPECT_FALSE(joiner.synced_with_seed());
  cluster.round();  // It knows nobody alive, so it asks its seed, and pulls everything.
  EXPECT_TRUE(joiner.synced_with_seed());
  EXPECT_EQ(joiner.membership().size(), 20u);
  EXPECT_FALSE(joiner.is_member());
  ASSERT_TRUE(joiner.join(1).is_ok());
  // Its join stamp follows every join it has seen, so the ring history only grows at its end.
  EXPECT_EQ(joiner.membership().ring_history().back().node, "new");
  const int rounds = cluster.rounds_to_convergence(30);
  EXPECT_GT(rounds, 0);
  for (int i = 0; i < 20; ++i) {
    const MemberRecord* record = cluster.node(name(i)).membership().find("new");
    ASSERT_NE(record, nullptr) << name(i);
    EXPECT_EQ(record->address, SimCluster::address_of("new"));
    EXPECT_EQ(cluster.node(name(i)).membership().ring_history(),
              joiner.membership().ring_history());
  }
}

TEST(GossipLiveness, SilentNodeIsSuspectedAndRecoversWhenItResumes) {
  SimCluster cluster = formed_cluster(10, 2);
  cluster.rounds(30);  // Enough heartbeats for a rhythm.
  for (int i = 1; i < 10; ++i)
    EXPECT_TRUE(cluster.node(name(i)).is_alive(name(5), cluster.now_ms()));
  cluster.pause(name(5));
  cluster.rounds(3);
  EXPECT_TRUE(cluster.node(name(1)).is_alive(name(5), cluster.now_ms()));  // A pause is tolerated.
  cluster.rounds(12);
  for (int i = 0; i < 10; ++i) {
    if (i == 5) continue;
    EXPECT_FALSE(cluster.node(name(i)).is_alive(name(5), cluster.now_ms())) << i;
  }
  // Nobody's view of the other members suffered.
  EXPECT_TRUE(cluster.node(name(1)).is_alive(name(2), cluster.now_ms()));
  cluster.resume(name(5));
  cluster.rounds(8);
  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(cluster.node(name(i)).is_alive(name(5), cluster.now_ms())) << i;
  }
}

TEST(GossipRestart, RestartedNodeReannouncesItsRecordUnderTheNewGeneration) {
  SimCluster cluster = formed_cluster(8, 3);
  ASSERT_TRUE(cluster.node(name(4)).mark_up().is_ok());
  cluster.rounds(10);
  const MemberRecord before = *cluster.node(name(0)).membership().find(name(4));
  // The host persisted only the generation; the new instance starts empty and learns the rest.
  Gossiper& restarted = cluster.start(name(4), {name(0), name(1)}, 2);
  EXPECT_FALSE(restarted.is_member());
  cluster.rounds(2);
  ASSERT_TRUE(restarted.is_member());
  EXPECT_EQ(restarted.generation(), 2u);
  ASSERT_GT(cluster.rounds_to_convergence(30), 0);
  const MemberRecord after = *cluster.node(name(0)).membership().find(name(4));
  EXPECT_EQ(after.generation, 2u);
  EXPECT_EQ(after.status, MemberStatus::kUp);
  EXPECT_EQ(after.join_order, before.join_order);
  EXPECT_LT(after.heartbeat, before.heartbeat);  // The new incarnation won with lower counters.
  EXPECT_TRUE(cluster.node(name(0)).is_alive(name(4), cluster.now_ms()));
}

TEST(GossipRestart, LostGenerationCounterIsOvertaken) {
  SimCluster cluster = formed_cluster(5, 4);
  cluster.start(name(3), {name(0)}, 2);  // Restart at 2 ...
  cluster.rounds(5);
  Gossiper& again = cluster.start(name(3), {name(0)}, 1);  // ... then the host forgot it.
  cluster.rounds(3);
  EXPECT_EQ(again.generation(), 3u);
  EXPECT_TRUE(again.is_member());
}

TEST(GossipRemove, RemovedNodeStaysRemovedEvenWhenItComesBack) {
  SimCluster cluster = formed_cluster(6, 5);
  cluster.pause(name(3));
  cluster.rounds(20);
  ASSERT_FALSE(cluster.node(name(0)).is_alive(name(3), cluster.now_ms()));
  ASSERT_TRUE(cluster.node(name(2)).remove(name(3)).is_ok());  // Any node runs the command.
  cluster.rounds(10);
  Gossiper& back = cluster.start(name(3), {name(0), name(1)}, 2);
  cluster.rounds(10);
  EXPECT_TRUE(back.self_removed());
  EXPECT_FALSE(back.is_member());
  for (int i = 0; i < 6; ++i) {
    const MemberRecord* record = cluster.node(name(i)).membership().find(name(3));
    ASSERT_NE(record, nullptr);
    EXPECT_EQ(record->status, MemberStatus::kRemoved) << i;
    EXPECT_FALSE(cluster.node(name(i)).is_alive(name(3), cluster.now_ms()) && i != 3);
  }
  // Nobody gossips to it any more; its own gossip still reaches the others.
  EXPECT_FALSE(back.join(1).is_ok());
}

TEST(GossipLeave, LeaveThenFinishMovesThroughLeavingToRemoved) {
  SimCluster cluster = formed_cluster(5, 6);
  Gossiper& leaver = cluster.node(name(2));
  EXPECT_FALSE(leaver.finish_leave().is_ok());
  ASSERT_TRUE(leaver.leave().is_ok());
  cluster.rounds(8);
  EXPECT_EQ(cluster.node(name(0)).membership().find(name(2))->status, MemberStatus::kLeaving);
  EXPECT_EQ(cluster.node(name(0)).membership().ring_history().back().kind,
            MembershipEvent::Kind::kLeave);
  ASSERT_TRUE(leaver.finish_leave().is_ok());
  cluster.rounds(8);
  EXPECT_EQ(cluster.node(name(4)).membership().find(name(2))->status, MemberStatus::kRemoved);
}

// The Dynamo paper's logical partition: A joins through seed S1, B through seed S2, and nobody
// else links them. Because the seeds list each other, the two halves always merge.
TEST(GossipSeeds, NodesJoiningThroughDifferentSeedsNeverStaySplit) {
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    SimCluster cluster(seed);
    cluster.start_member("s1", {"s1", "s2"});
    cluster.start_member("s2", {"s1", "s2"});
    for (int i = 0; i < 6; ++i) cluster.start_member("a" + std::to_string(i), {"s1"});
    for (int i = 0; i < 6; ++i) cluster.start_member("b" + std::to_string(i), {"s2"});
    const int rounds = cluster.rounds_to_convergence(200);
    EXPECT_GT(rounds, 0) << "seed " << seed;
  }
}

// Every node a seed, two clusters founded at once (each side started while the other was down):
// each side's live peers are all seeds, and they used to gossip only among themselves forever.
TEST(GossipSeeds, SeedsThatFoundedTwoClustersAtOnceMerge) {
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    SimCluster cluster(seed);
    const std::vector<NodeId> seeds = {"s1", "s2", "s3", "s4"};
    cluster.start_member("s1", seeds);
    cluster.start_member("s2", seeds);
    cluster.rounds(5);
    cluster.pause("s1");
    cluster.pause("s2");
    cluster.start_member("s3", seeds);
    cluster.start_member("s4", seeds);
    cluster.rounds(5);
    cluster.resume("s1");
    cluster.resume("s2");
    EXPECT_GT(cluster.rounds_to_convergence(300), 0) << "seed " << seed;
  }
}

TEST(GossipSeeds, AlwaysContactsASeedWhenNoPeerIsKnownAlive) {
  SplitMix64 random(7);
  Gossiper lonely("x", "x:1", 1, {"s1", "s2", "x"}, random);
  for (std::uint64_t t = 0; t < 10'000; t += 1000) {
    const std::vector<OutgoingGossip> out = lonely.on_tick(t);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_TRUE(out[0].to == "s1" || out[0].to == "s2");
    EXPECT_TRUE(std::holds_alternative<GossipDigest>(out[0].message));
  }
  EXPECT_TRUE(lonely.on_tick(9'500).empty());  // Between rounds.
}

TEST(GossipSeeds, SeedsGivenByAddressAreIdentifiedFromTheirGossip) {
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    SimCluster cluster(seed);
    const std::vector<NodeId> seeds = {seed_placeholder(SimCluster::address_of("s1")),
                                       seed_placeholder(SimCluster::address_of("s2"))};
    Gossiper& s1 = cluster.start_member("s1", seeds);  // Its own address is dropped from the list.
    cluster.start_member("s2", seeds);
    EXPECT_EQ(s1.seeds(), std::vector<NodeId>{seeds[1]}) << "seed " << seed;
    Gossiper& joiner = cluster.start("new", seeds);
    EXPECT_FALSE(joiner.synced_with_seed());
    cluster.round();  // Knowing nobody, it asks a seed by address and learns who answered.
    EXPECT_TRUE(joiner.synced_with_seed()) << "seed " << seed;
    ASSERT_TRUE(joiner.join(1).is_ok());
    EXPECT_GT(cluster.rounds_to_convergence(50), 0) << "seed " << seed;
    cluster.rounds(5);
    EXPECT_EQ(joiner.seeds(), (std::vector<NodeId>{"s1", "s2"})) << "seed " << seed;
    EXPECT_EQ(cluster.node("s1").seeds(), std::vector<NodeId>{"s2"}) << "seed " << seed;
    EXPECT_EQ(cluster.node("s2").seeds(), std::vector<NodeId>{"s1"}) << "seed " << seed;
  }
}

TEST(GossipSeeds, AStandInIsNotReplacedByAMemberAtAnotherAddress) {
  SimCluster cluster(3);
  const NodeId nowhere = seed_placeholder("nowhere.test:7000");
  cluster.start_member("s1", {"s1"});
  Gossiper& joiner = cluster.start("new", {"s1", nowhere});
  cluster.rounds(5);
  EXPECT_TRUE(joiner.synced_with_seed());
  EXPECT_EQ(joiner.seeds(), (std::vector<NodeId>{nowhere, "s1"}));
}

TEST(GossipChanges, CounterMovesOnMembershipChangesNotOnHeartbeats) {
  SimCluster cluster = formed_cluster(5, 8);
  Gossiper& watcher = cluster.node(name(0));
  const std::uint64_t before = watcher.change_count();
  cluster.rounds(10);
  EXPECT_EQ(watcher.change_count(), before);
  ASSERT_TRUE(cluster.node(name(3)).mark_up().is_ok());
  cluster.rounds(8);
  EXPECT_GT(watcher.change_count(), before);
}

TEST(GossipConfigValidation, NamesTheSetting) {
  GossipConfig config;
  config.gossip_interval_ms = 0;
  EXPECT_NE(config.validate().message().find("gossip_interval_ms"), std::string::npos);
  config = {};
  config.seed_probability = 1.5;
  EXPECT_NE(config.validate().message().find("seed_probability"), std::string::npos);
  EXPECT_TRUE(GossipConfig{}.validate().is_ok());
}

}  // namespace
}  // namespace ringkv::core
