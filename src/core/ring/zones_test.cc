// Zones (docs/ARCHITECTURE.md, "Zones"): preference lists take distinct zones first, the claim
// keeps balance by weight and alternates zones, and rings without zones are what they were. The
// tests print the figures they judge.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/ring/ring.h"

namespace ringkv::core {
namespace {

using Kind = MembershipEvent::Kind;

NodeId node_name(int i) {
  char name[16];
  std::snprintf(name, sizeof(name), "n%03d", i);
  return name;
}

MembershipEvent join(const NodeId& node, std::string zone, std::uint32_t weight = 1) {
  return {.kind = Kind::kJoin, .node = node, .weight = weight, .zone = std::move(zone)};
}

std::string zone_name(int zone) {
  return std::string("zone-") + static_cast<char>('a' + zone);
}

// `nodes` joins spread over `zones` zones: round robin (a, b, c, a, ...) or in blocks (every
// node of zone a first), with weight 1 or 1, 2, 3 in turn.
std::vector<MembershipEvent> zoned_joins(int nodes, int zones, bool blocks, bool weighted) {
  std::vector<MembershipEvent> history;
  for (int i = 0; i < nodes; ++i) {
    const int zone = blocks ? i * zones / nodes : i % zones;
    history.push_back(join(node_name(i), zone_name(zone), weighted ? 1 + i % 3 : 1));
  }
  return history;
}

Ring build(std::uint32_t partition_count, const std::vector<MembershipEvent>& history) {
  Result<Ring> ring = Ring::build(partition_count, history);
  EXPECT_TRUE(ring.is_ok()) << ring.status().to_string();
  return std::move(ring).value();
}

std::set<std::string> zones_of(const Ring& ring, const std::vector<NodeId>& nodes) {
  std::set<std::string> zones;
  for (const NodeId& node : nodes) zones.insert(ring.zones().at(node));
  return zones;
}

// The rule written plainly: distinct zones in ring order until every zone is used, then distinct
// nodes in ring order from the partition again.
std::vector<NodeId> naive_zone_walk(const Ring& ring, std::uint32_t partition, std::size_t count) {
  const std::uint32_t q = ring.partition_count();
  std::set<std::string> owning_zones;
  std::set<NodeId> owning;
  for (std::uint32_t p = 0; p < q; ++p) {
    owning.insert(ring.owner(p));
    const std::string& zone = ring.zones().at(ring.owner(p));
    owning_zones.insert(zone.empty() ? "\x01" + ring.owner(p) : zone);
  }
  count = std::min(count, owning.size());
  std::vector<NodeId> list;
  std::set<std::string> used;
  for (std::uint32_t step = 0; step < q && list.size() < count; ++step) {
    if (used.size() == owning_zones.size()) break;
    const NodeId& node = ring.owner((partition + step) % q);
    const std::string& zone = ring.zones().at(node);
    const std::string key = zone.empty() ? "\x01" + node : zone;
    if (used.insert(key).second) list.push_back(node);
  }
  for (std::uint32_t step = 0; step < q && list.size() < count; ++step) {
    const NodeId& node = ring.owner((partition + step) % q);
    if (std::find(list.begin(), list.end(), node) == list.end()) list.push_back(node);
  }
  return list;
}

// Max over members of partitions per unit of weight, divided by the mean.
double ownership_balance(const Ring& ring) {
  double total_weight = 0;
  for (const auto& [node, weight] : ring.weights()) total_weight += weight;
  double max_load = 0;
  for (const auto& [node, count] : ring.partitions_per_node()) {
    max_load = std::max(max_load, count / static_cast<double>(ring.weights().at(node)));
  }
  return max_load / (ring.partition_count() / total_weight);
}

// Max over members of the partitions it is a home replica of (n = 3), divided by the mean.
double replica_balance(const Ring& ring) {
  std::map<NodeId, int> replicas;
  for (std::uint32_t p = 0; p < ring.partition_count(); ++p) {
    for (const NodeId& node : ring.preference_list(p, 3)) ++replicas[node];
  }
  int most = 0;
  for (const auto& [node, count] : replicas) most = std::max(most, count);
  const double mean = 3.0 * ring.partition_count() / static_cast<double>(ring.weights().size());
  return most / mean;
}

// Fraction of windows of 3 consecutive partitions whose owners are in 3 distinct zones.
double zone_alternation(const Ring& ring) {
  const std::uint32_t q = ring.partition_count();
  std::uint32_t distinct = 0;
  for (std::uint32_t p = 0; p < q; ++p) {
    std::set<std::string> zones;
    for (std::uint32_t k = 0; k < 3; ++k) zones.insert(ring.zones().at(ring.owner((p + k) % q)));
    distinct += zones.size() == 3;
  }
  return static_cast<double>(distinct) / q;
}

TEST(ZonedPreferenceList, EveryListOfAThreeZoneRingCoversEveryZone) {
  std::printf("%5s %6s %7s %9s %9s %10s %11s\n", "Q", "nodes", "order", "weights", "balance",
              "replicas", "alternate");
  for (const std::uint32_t q : {64u, 256u}) {
    for (const int nodes : {3, 4, 6, 7, 9, 12, 30}) {
      for (const bool blocks : {false, true}) {
        for (const bool weighted : {false, true}) {
          const Ring ring = build(q, zoned_joins(nodes, 3, blocks, weighted));
          ASSERT_EQ(ring.zone_count(), 3u);
          for (std::uint32_t p = 0; p < q; ++p) {
            const std::vector<NodeId> list = ring.preference_list(p, 3);
            ASSERT_EQ(list.size(), 3u);
            ASSERT_EQ(zones_of(ring, list).size(), 3u) << "Q=" << q << " nodes=" << nodes;
            EXPECT_EQ(list.front(), ring.owner(p));
            for (const std::size_t count : {std::size_t{1}, std::size_t{5}, std::size_t(nodes)}) {
              ASSERT_EQ(ring.preference_list(p, count), naive_zone_walk(ring, p, count));
            }
          }
          // Balance by weight is the claim's, whatever the zones: as without zones.
          const double balance = ownership_balance(ring);
          std::printf("%5u %6d %7s %9s %9.3f %10.3f %11.3f\n", q, nodes, blocks ? "blocks" : "rr",
                      weighted ? "1,2,3" : "1", balance, weighted ? 0.0 : replica_balance(ring),
                      zone_alternation(ring));
          if (nodes * 3 <= static_cast<int>(q)) {
            EXPECT_LE(balance, 1.25);
          }
        }
      }
    }
  }
}

TEST(ZonedClaim, AlternatesZonesSoReplicaLoadStaysEven) {
  // Equal nodes in equal zones: every node should be a home replica of about 3Q/n partitions.
  // Joins in blocks (every node of one zone first) leave the claim less choice than round-robin
  // joins, since balance alone decides who gives partitions.
  for (const std::uint32_t q : {256u, 1024u}) {
    for (const int nodes : {6, 9, 12, 24}) {
      for (const bool blocks : {false, true}) {
        const Ring ring = build(q, zoned_joins(nodes, 3, blocks, false));
        const double replicas = replica_balance(ring);
        const double alternation = zone_alternation(ring);
        std::printf("Q=%u nodes=%d %s: replica balance %.3f, zone-distinct windows %.3f\n", q,
                    nodes, blocks ? "blocks" : "round robin", replicas, alternation);
        // Measured at 1.03 to 1.19 and 0.64 to 0.84; the same rings claimed without regard to
        // zones reach 1.53 and 0.22 to 0.49 (docs/ARCHITECTURE.md, "Zones").
        EXPECT_LE(replicas, 1.25) << "Q=" << q << " nodes=" << nodes;
        EXPECT_GE(alternation, 0.6) << "Q=" << q << " nodes=" << nodes;
      }
    }
  }
}

TEST(ZonedPreferenceList, FewerZonesThanNStillGivesNDistinctNodes) {
  for (const int zones : {1, 2}) {
    const Ring ring = build(64, zoned_joins(6, zones, false, false));
    for (std::uint32_t p = 0; p < 64; ++p) {
      const std::vector<NodeId> list = ring.preference_list(p, 3);
      ASSERT_EQ(list.size(), 3u);
      EXPECT_EQ(std::set<NodeId>(list.begin(), list.end()).size(), 3u);
      EXPECT_EQ(zones_of(ring, list).size(), static_cast<std::size_t>(zones));
      EXPECT_EQ(list, naive_zone_walk(ring, p, 3));
    }
  }
}

TEST(ZonedRing, WithoutZonesEverythingIsAsBefore) {
  // A ring whose members name no zone, or each a zone of its own, is claimed and walked as a
  // ring without zones: the same owners, and the plain distinct-node walk.
  std::vector<MembershipEvent> plain;
  std::vector<MembershipEvent> own_zones;
  for (int i = 0; i < 10; ++i) {
    plain.push_back(join(node_name(i), "", 1 + i % 2));
    own_zones.push_back(join(node_name(i), "z" + std::to_string(i), 1 + i % 2));
  }
  const Ring a = build(256, plain);
  const Ring b = build(256, own_zones);
  EXPECT_EQ(a.owners(), b.owners());
  EXPECT_EQ(a.zone_count(), 10u);
  for (std::uint32_t p = 0; p < 256; ++p) {
    std::vector<NodeId> walk;
    for (std::uint32_t step = 0; step < 256 && walk.size() < 4; ++step) {
      const NodeId& node = a.owner((p + step) % 256);
      if (std::find(walk.begin(), walk.end(), node) == walk.end()) walk.push_back(node);
    }
    EXPECT_EQ(a.preference_list(p, 4), walk);
    EXPECT_EQ(b.preference_list(p, 4), walk);
  }
  // An event without a zone hashes as before zones; one with a zone differs.
  std::vector<MembershipEvent> zoned = plain;
  zoned[3].zone = "x";
  EXPECT_NE(history_digest(plain), history_digest(zoned));
}

TEST(ZonedRing, MixedZonedAndUnzonedMembersEachUnzonedCountsAsItsOwnZone) {
  std::vector<MembershipEvent> history = zoned_joins(4, 2, false, false);
  history.push_back(join(node_name(10), ""));
  const Ring ring = build(64, history);
  EXPECT_EQ(ring.zone_count(), 3u);
  for (std::uint32_t p = 0; p < 64; ++p) {
    const std::vector<NodeId> list = ring.preference_list(p, 3);
    EXPECT_EQ(zones_of(ring, list).size(), 3u);
    EXPECT_EQ(list, naive_zone_walk(ring, p, 3));
  }
}

TEST(ZonedRing, AfterEqualsReplayingTheLongerHistory) {
  std::vector<MembershipEvent> history = zoned_joins(9, 3, false, true);
  Ring ring = build(256, history);
  const std::vector<MembershipEvent> more = {
      join(node_name(20), zone_name(1), 2),
      {.kind = Kind::kLeave, .node = node_name(4)},
      join(node_name(21), ""),
      {.kind = Kind::kLeave, .node = node_name(0)},
  };
  for (const MembershipEvent& event : more) {
    history.push_back(event);
    auto next = ring.after(event);
    ASSERT_TRUE(next.is_ok()) << next.status().to_string();
    ring = std::move(next).value();
    const Ring replayed = build(256, history);
    EXPECT_EQ(ring.owners(), replayed.owners());
    EXPECT_EQ(ring.zones(), replayed.zones());
  }
}

TEST(ZonedRing, RejectsInvalidZonesNamingTheNode) {
  const std::vector<std::string> bad_zones = {"has space",          "a/b",      "a,b", "a=b", "a@b",
                                              std::string(65, 'z'), "tab\there"};
  for (const std::string& bad : bad_zones) {
    auto ring = Ring::build(64, {join("n1", bad)});
    ASSERT_FALSE(ring.is_ok()) << bad;
    EXPECT_NE(ring.status().message().find("\"n1\" has zone"), std::string::npos)
        << ring.status().to_string();
  }
  EXPECT_TRUE(Ring::build(64, {join("n1", std::string(64, 'z'))}).is_ok());
  EXPECT_TRUE(Ring::build(64, {join("n1", "dc1.rack-2:row_3")}).is_ok());
}

}  // namespace
}  // namespace ringkv::core
