// Gossip at scale: rounds until every node knows every member at its latest version, for 10, 100
// and 1000 simulated nodes on the deterministic SimCluster (instant delivery, seeded randomness).
// Push-pull epidemics spread in O(log n) rounds (Karp et al., "Randomized rumor spreading", FOCS
// 2000); the test prints the figures it judges and the state each node holds at 1000 nodes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "core/membership/gossip_test_support.h"
#include "core/membership/membership_codec.h"

namespace ringkv::core {
namespace {

using gossip_testing::SimCluster;

NodeId name(int i) {
  char buffer[16];
  std::snprintf(buffer, sizeof(buffer), "n%04d", i);
  return buffer;
}

// Flow control keeps each message, and so the simulation, cheap: a joiner then needs a few rounds
// of bandwidth to pull a thousand records, which the logarithmic bound below still absorbs.
constexpr std::size_t kScaleRecordsPerMessageMax = 512;

struct ScaleRun {
  int rounds = 0;
  double messages_per_node_round = 0;
  double records_per_node_round = 0;
  double digest_entries_per_node_round = 0;
};

// `nodes` members that all join at once, each listing the same three seeds; nodes learn about one
// another only by gossip. A short detector window keeps the 1000-node run cheap; it does not
// change who gossips with whom while everybody is alive.
ScaleRun run(int nodes, std::uint64_t seed, std::unique_ptr<SimCluster>& kept) {
  GossipConfig config;
  config.failure_detector.window_samples_max = 8;
  config.records_per_message_max = kScaleRecordsPerMessageMax;
  kept = std::make_unique<SimCluster>(seed, config);
  SimCluster& cluster = *kept;
  const std::vector<NodeId> seeds = {name(0), name(1), name(2)};
  for (int i = 0; i < nodes; ++i) cluster.start_member(name(i), seeds);
  ScaleRun result;
  result.rounds = cluster.rounds_to_convergence(100);
  const double node_rounds = static_cast<double>(nodes) * std::max(result.rounds, 1);
  result.messages_per_node_round = static_cast<double>(cluster.messages()) / node_rounds;
  result.records_per_node_round = static_cast<double>(cluster.records_sent()) / node_rounds;
  result.digest_entries_per_node_round =
      static_cast<double>(cluster.digest_entries_sent()) / node_rounds;
  return result;
}

TEST(GossipScale, RoundsToConvergenceGrowLogarithmically) {
  std::vector<int> sizes = {10, 100, 1000};
  std::vector<int> rounds;
  std::unique_ptr<SimCluster> largest;
  for (const int nodes : sizes) {
    const ScaleRun result = run(nodes, 42, largest);
    ASSERT_GT(result.rounds, 0) << nodes << " nodes did not converge";
    rounds.push_back(result.rounds);
    std::printf(
        "gossip: %4d nodes converge in %2d rounds (log2 n = %4.1f); per node per round: "
        "%.2f messages, %.1f records, %.1f digest entries\n",
        nodes, result.rounds, std::log2(nodes), result.messages_per_node_round,
        result.records_per_node_round, result.digest_entries_per_node_round);
  }
  // Logarithmic growth: 100x more nodes costs a few more rounds, not 100x (or 10x) more.
  EXPECT_LE(rounds[2], 3 * rounds[0] + 4);
  EXPECT_LE(rounds[2], rounds[1] + 6);

  // The routing state a node holds at 1000 nodes, after convergence.
  const Gossiper& node = largest->node(name(500));
  const std::string table = encode_state(node.membership());
  std::string digest;
  encode_digest(digest, node.membership().digest());
  std::printf(
      "gossip: at 1000 nodes each node holds %zu member records (%zu bytes encoded, "
      "%.1f bytes/member), a digest of %zu bytes, and failure-detector state for %zu peers "
      "(up to %zu samples each)\n",
      node.membership().size(), table.size(),
      static_cast<double>(table.size()) / static_cast<double>(node.membership().size()),
      digest.size(), node.failure_detector().watched_count(),
      node.failure_detector().config().window_samples_max);
  EXPECT_EQ(node.membership().size(), 1000u);
  EXPECT_EQ(node.failure_detector().watched_count(), 999u);
}

}  // namespace
}  // namespace ringkv::core
