// Distributed key scans in the simulator (core/node_scan.cc; docs/ARCHITECTURE.md, "The path of
// a scan"): keys written under message loss, duplication, reordering and crashes, then scanned
// through random nodes. Every acknowledged live key comes back (Redis's guarantee: a key present
// for the whole scan is returned at least once); with one node crashed or cut off, or a disk
// failing scans, the scan still completes as long as R replicas of every partition answer, and
// fails naming the partition when they cannot; a node joining during the scan loses no key; TYPE
// follows the data types, and expired keys are not returned.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "core/datatypes/data_op.h"
#include "sim/simulator.h"

namespace ringkv::sim {
namespace {

SimConfig lossy_config(std::uint64_t seed) {
  SimConfig config;
  config.seed = seed;
  config.drop_probability = 0.05;
  config.duplicate_probability = 0.05;
  config.latency_min_ms = 1;
  config.latency_max_ms = 40;  // Jitter reorders messages.
  config.node_template.request_timeout_ms = 400;
  config.node_template.forward_retry_ms = 150;  // A lost page request is sent again in time.
  config.node_template.tick_interval_ms = 50;
  config.node_template.partition_count = 64;
  return config;
}

core::ClientRequest put_request(const std::string& key, const std::string& value,
                                const std::string& bucket = "default") {
  return {.op = core::ClientOp::kPut,
          .bucket = bucket,
          .key = key,
          .value = value,
          .supersede_known = true};
}

core::ClientRequest delete_request(const std::string& key) {
  return {.op = core::ClientOp::kDelete, .bucket = "default", .key = key, .supersede_known = true};
}

core::ClientRequest scan_request(const std::string& cursor, core::ScanQuery query = {},
                                 const std::string& bucket = "default") {
  query.cursor = cursor;
  return {.op = core::ClientOp::kScan, .bucket = bucket, .scan = std::move(query)};
}

struct FullScan {
  std::vector<std::string> keys;  // In the order returned, repeats kept.
  std::uint64_t count = 0;        // count_only.
  int calls = 0;
  int failed_calls = 0;  // Retried with the same cursor.
  bool complete = false;
  std::string last_error;
};

// Scans to the end through nodes `pick()` chooses (a new one per call: any node resumes any
// cursor), retrying a failed call with the same cursor up to `retries_max` times in a row.
template <typename Pick>
FullScan full_scan(Simulator& sim, Pick pick, core::ScanQuery query = {},
                   const std::string& bucket = "default", int retries_max = 20,
                   std::uint64_t wait_ms_max = 60'000) {
  FullScan scan;
  std::string cursor = "0";
  int retries = 0;
  while (scan.calls < 10'000) {
    ++scan.calls;
    const core::ClientReply reply =
        sim.call(pick(), scan_request(cursor, query, bucket), wait_ms_max);
    if (!reply.status.is_ok()) {
      ++scan.failed_calls;
      scan.last_error = reply.status.to_string();
      if (++retries > retries_max) return scan;
      continue;
    }
    retries = 0;
    EXPECT_LE(reply.scan.keys.size(), query.count == 0 ? 10 : std::min(query.count, 1024u));
    scan.keys.insert(scan.keys.end(), reply.scan.keys.begin(), reply.scan.keys.end());
    scan.count += reply.scan.count;
    cursor = reply.scan.cursor;
    if (cursor == "0") {
      scan.complete = true;
      return scan;
    }
  }
  return scan;
}

// Writes `count` keys through random nodes under the simulator's faults, with one node down now
// and then and some keys deleted again. Returns the keys whose put was acknowledged and that no
// delete was sent for (they must be found), and every key a put was sent for (the only ones that
// may be found).
struct Written {
  std::set<std::string> live;
  std::set<std::string> attempted;
};

Written write_keys(Simulator& sim, int count, std::uint64_t seed) {
  Written written;
  const std::vector<core::NodeId> nodes = sim.node_ids();
  std::string down;
  for (int i = 0; i < count; ++i) {
    if (sim.random().chance(0.05)) {
      if (!down.empty()) sim.restart(down);
      down = nodes[sim.random().uniform(nodes.size())];
      sim.crash(down);
    }
    const std::string key = "key:" + std::to_string(seed) + ":" + std::to_string(i);
    written.attempted.insert(key);
    const core::NodeId node = nodes[sim.random().uniform(nodes.size())];
    const core::ClientReply reply = sim.call(node, put_request(key, "v" + std::to_string(i)));
    if (!reply.status.is_ok()) continue;
    if (sim.random().chance(0.1)) {
      (void)sim.call(nodes[sim.random().uniform(nodes.size())], delete_request(key));
      continue;  // Acknowledged or not, it may be gone.
    }
    written.live.insert(key);
  }
  if (!down.empty()) sim.restart(down);
  return written;
}

// Every key that must be found was, none that may not be was; returns the repeats.
std::size_t check_scan(const FullScan& scan, const Written& written, const std::string& what) {
  EXPECT_TRUE(scan.complete) << what << ": " << scan.last_error;
  std::map<std::string, int> seen;
  for (const std::string& key : scan.keys) ++seen[key];
  for (const std::string& key : written.live) {
    EXPECT_TRUE(seen.contains(key)) << what << ": acknowledged live key " << key << " not returned";
  }
  std::size_t repeats = 0;
  for (const auto& [key, times] : seen) {
    EXPECT_TRUE(written.attempted.contains(key))
        << what << ": returned " << key << ", which nobody wrote";
    repeats += static_cast<std::size_t>(times - 1);
  }
  return repeats;
}

TEST(Scan, AFullScanThroughRandomNodesReturnsEveryAcknowledgedLiveKey) {
  std::uint64_t keys_checked = 0, calls = 0, failed_calls = 0, repeats = 0;
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    Simulator sim(lossy_config(seed));
    sim.add_nodes({"n1", "n2", "n3", "n4", "n5"});
    sim.run_for(300);
    const Written written = write_keys(sim, 150, seed);
    // The scan runs under the same loss, duplication and reordering, each call through another
    // node, with small and large COUNTs.
    const std::vector<core::NodeId> nodes = sim.node_ids();
    auto random_node = [&] { return nodes[sim.random().uniform(nodes.size())]; };
    for (std::uint32_t count : {0u, 7u, 1000u}) {
      const FullScan scan = full_scan(sim, random_node, core::ScanQuery{.count = count});
      repeats += check_scan(scan, written,
                            "seed " + std::to_string(seed) + " count " + std::to_string(count));
      keys_checked += written.live.size();
      calls += scan.calls;
      failed_calls += scan.failed_calls;
    }
  }
  std::printf(
      "live keys checked: %llu, scan calls: %llu (%llu failed and retried), repeats: "
      "%llu\n",
      static_cast<unsigned long long>(keys_checked), static_cast<unsigned long long>(calls),
      static_cast<unsigned long long>(failed_calls), static_cast<unsigned long long>(repeats));
  EXPECT_GT(keys_checked, 3000u);
  EXPECT_EQ(repeats, 0u);  // The ring did not change: no key twice.
}

TEST(Scan, CompletesWithOneNodeCrashedAndFailsNamingThePartitionWithTwo) {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    SimConfig config = lossy_config(seed);
    config.drop_probability = 0.0;  // Every failure below is the crash's.
    Simulator sim(config);
    sim.add_nodes({"n1", "n2", "n3", "n4", "n5"});
    sim.run_for(300);
    const Written written = write_keys(sim, 100, seed);
    sim.run_for(2000);  // Hints delivered: every home replica holds its keys.
    sim.crash("n2");
    // At once (n2 still believed up: its refusals fail it over) and after it is believed down.
    for (std::uint64_t wait : {0u, 3000u}) {
      sim.run_for(wait);
      const FullScan scan = full_scan(
          sim, [] { return "n1"; }, {}, "default", /*retries=*/0);
      check_scan(scan, written,
                 "seed " + std::to_string(seed) + " after " + std::to_string(wait) + " ms");
      EXPECT_EQ(scan.failed_calls, 0) << scan.last_error;
    }
    // Two of five down: some partitions have one home replica left, fewer than r=2.
    sim.crash("n3");
    sim.run_for(3000);
    const FullScan failing = full_scan(
        sim, [] { return "n1"; }, {}, "default", 0);
    EXPECT_FALSE(failing.complete);
    EXPECT_NE(failing.last_error.find("Unavailable: scan of partition"), std::string::npos)
        << failing.last_error;
    EXPECT_NE(failing.last_error.find("of the r=2 required replicas answered"), std::string::npos)
        << failing.last_error;
    // With r=1 each partition needs one replica: it completes (and may miss keys that only the
    // crashed nodes held, as a get with r=1 would).
    core::ClientRequest request = scan_request("0");
    request.r = 1;
    std::string cursor = "0";
    int calls = 0;
    do {
      request.scan.cursor = cursor;
      const core::ClientReply reply = sim.call("n1", request);
      ASSERT_TRUE(reply.status.is_ok()) << reply.status.to_string();
      cursor = reply.scan.cursor;
    } while (cursor != "0" && ++calls < 1000);
    EXPECT_EQ(cursor, "0");
  }
}

TEST(Scan, CompletesWhileANodeIsCutOffSilently) {
  // A partition is silent (no refusal): a replica that does not answer gets company after
  // forward_retry_ms, as a forward does, until the failure detector stops asking it first.
  SimConfig config = lossy_config(3);
  config.drop_probability = 0.0;
  config.node_template.request_timeout_ms = 2000;
  Simulator sim(config);
  sim.add_nodes({"n1", "n2", "n3", "n4", "n5"});
  sim.run_for(300);
  const Written written = write_keys(sim, 100, 3);
  sim.run_for(2000);
  sim.partition({{"n1", "n2", "n3", "n4"}, {"n5"}});
  const std::uint64_t start = sim.now_ms();
  const FullScan scan = full_scan(
      sim, [] { return "n1"; }, {}, "default", 0);
  check_scan(scan, written, "n5 cut off");
  EXPECT_EQ(scan.failed_calls, 0) << scan.last_error;
  std::printf("scan with n5 cut off: %d calls, %llu ms simulated\n", scan.calls,
              static_cast<unsigned long long>(sim.now_ms() - start));
  // Through the node that is cut off, no partition has r=2 replicas it can reach.
  const core::ClientReply alone = sim.call("n5", scan_request("0"), 30'000);
  EXPECT_EQ(alone.status.code(), StatusCode::kUnavailable) << alone.status.to_string();
  sim.heal();
}

TEST(Scan, FailingStorageScansAreRetriedElsewhereAndNeverLookLikeTheEnd) {
  SimConfig config = lossy_config(5);
  config.drop_probability = 0.0;
  config.duplicate_probability = 0.0;
  Simulator sim(config);
  sim.add_nodes({"n1", "n2", "n3", "n4"});
  sim.run_for(300);
  const Written written = write_keys(sim, 120, 5);
  sim.run_for(2000);
  // One disk fails a third of its scans: the scan asks the next home replica instead.
  sim.disk("n1").set_faults(DiskFaults{.scan_error_probability = 0.35});
  FullScan scan = full_scan(sim, [] { return "n1"; });
  check_scan(scan, written, "n1's scans failing");
  const std::uint64_t errors = sim.node("n1")->stats().storage_errors;
  EXPECT_GT(errors, 0u);
  std::printf("scan with a failing disk: %d calls, %d failed, %llu storage errors on n1\n",
              scan.calls, scan.failed_calls, static_cast<unsigned long long>(errors));
  // Every disk fails every scan: no page can be read, and the call says so instead of
  // answering "0" with nothing.
  for (const auto& id : sim.node_ids()) {
    sim.disk(id).set_faults(DiskFaults{.scan_error_probability = 1.0});
  }
  const core::ClientReply reply = sim.call("n2", scan_request("0"));
  EXPECT_EQ(reply.status.code(), StatusCode::kUnavailable);
  EXPECT_NE(reply.status.message().find("scan of partition 0"), std::string::npos)
      << reply.status.to_string();
  EXPECT_NE(reply.status.message().find("failed"), std::string::npos) << reply.status.to_string();
  EXPECT_TRUE(reply.scan.keys.empty());
}

TEST(Scan, MatchCountTypeAndBucketsFilterAsInRedis) {
  SimConfig config = lossy_config(9);
  config.drop_probability = 0.0;
  config.duplicate_probability = 0.0;
  Simulator sim(config);
  sim.add_nodes({"n1", "n2", "n3"});
  sim.run_for(300);
  std::set<std::string> users, all;
  for (int i = 0; i < 60; ++i) {
    const std::string key = (i % 3 == 0 ? "user:" : "item:") + std::to_string(i);
    ASSERT_TRUE(sim.call("n1", put_request(key, "v")).status.is_ok());
    all.insert(key);
    if (i % 3 == 0) users.insert(key);
    // The same names in another bucket, in the same partitions.
    ASSERT_TRUE(sim.call("n2", put_request(key, "v", "other")).status.is_ok());
  }
  auto through_n3 = [] { return "n3"; };
  FullScan scan = full_scan(sim, through_n3, {.match = "user:*"});
  EXPECT_EQ(std::set<std::string>(scan.keys.begin(), scan.keys.end()), users);
  EXPECT_EQ(scan.keys.size(), users.size());
  scan = full_scan(sim, through_n3, {.count = 5});
  EXPECT_EQ(std::set<std::string>(scan.keys.begin(), scan.keys.end()), all);
  EXPECT_GE(scan.calls, 12);  // At most 5 keys per call.
  scan = full_scan(sim, through_n3, {.match = "user:[0-2]?", .type = "string"});
  EXPECT_EQ(
      std::set<std::string>(scan.keys.begin(), scan.keys.end()),
      (std::set<std::string>{"user:12", "user:15", "user:18", "user:21", "user:24", "user:27"}));
  scan = full_scan(sim, through_n3, {.type = "hash"});
  EXPECT_TRUE(scan.complete);
  EXPECT_TRUE(scan.keys.empty());
  scan = full_scan(sim, through_n3, {}, "no-such-bucket");
  EXPECT_TRUE(scan.complete);
  EXPECT_TRUE(scan.keys.empty());
  // Counting: one replica per partition, summed.
  scan = full_scan(sim, through_n3, {.count_only = true});
  EXPECT_TRUE(scan.complete);
  EXPECT_TRUE(scan.keys.empty());
  EXPECT_EQ(scan.count, all.size());
  // Deleted keys are neither returned nor counted.
  ASSERT_TRUE(sim.call("n1", delete_request("user:0")).status.is_ok());
  sim.run_for(1000);
  scan = full_scan(sim, through_n3, {.count_only = true});
  EXPECT_EQ(scan.count, all.size() - 1);
  scan = full_scan(sim, through_n3, {.match = "user:0"});
  EXPECT_TRUE(scan.keys.empty());
  // Bad arguments are refused with the reason.
  for (const std::string& cursor : {std::string("garbage"), std::string("1zzzz")}) {
    const core::ClientReply bad = sim.call("n1", scan_request(cursor));
    EXPECT_EQ(bad.status.code(), StatusCode::kInvalidArgument) << cursor;
    EXPECT_NE(bad.status.message().find("invalid scan cursor"), std::string::npos);
  }
  const core::ClientReply bad_type = sim.call("n1", scan_request("0", {.type = "sets"}));
  EXPECT_EQ(bad_type.status.code(), StatusCode::kInvalidArgument);
  const core::ClientReply bad_bucket = sim.call("n1", scan_request("0", {}, ""));
  EXPECT_EQ(bad_bucket.status.code(), StatusCode::kInvalidArgument);
}

core::ClientRequest update_request(const std::string& key, core::DataOp op) {
  return {.op = core::ClientOp::kUpdate,
          .bucket = "default",
          .key = key,
          .value = core::encode_data_op(op)};
}

TEST(Scan, TypeFiltersByTheRedisTypeAndExpiredKeysAreNotReturned) {
  SimConfig config = lossy_config(12);
  config.drop_probability = 0.0;
  config.duplicate_probability = 0.0;
  Simulator sim(config);
  sim.add_nodes({"n1", "n2", "n3", "n4"});
  sim.run_for(300);
  ASSERT_TRUE(sim.call("n1", put_request("s1", "v")).status.is_ok());
  ASSERT_TRUE(
      sim.call("n2", update_request("h1", {.code = core::DataOpCode::kHashSet, .args = {"f", "v"}}))
          .status.is_ok());
  ASSERT_TRUE(sim.call("n3", update_request(
                                 "set1", {.code = core::DataOpCode::kSetAdd, .args = {"a", "b"}}))
                  .status.is_ok());
  ASSERT_TRUE(
      sim.call("n4", update_request("c1", {.code = core::DataOpCode::kIncrBy, .integer = 5}))
          .status.is_ok());
  ASSERT_TRUE(sim.call("n1", update_request("ttl", {.code = core::DataOpCode::kSet,
                                                    .args = {"v"},
                                                    .expiry = core::ExpiryKind::kRelativeMs,
                                                    .expiry_ms = 60'000}))
                  .status.is_ok());
  auto keys_of = [&](core::ScanQuery query) {
    const FullScan scan = full_scan(
        sim, [] { return "n2"; }, std::move(query));
    EXPECT_TRUE(scan.complete) << scan.last_error;
    return std::set<std::string>(scan.keys.begin(), scan.keys.end());
  };
  EXPECT_EQ(keys_of({}), (std::set<std::string>{"c1", "h1", "s1", "set1", "ttl"}));
  EXPECT_EQ(keys_of({.type = "string"}), (std::set<std::string>{"c1", "s1", "ttl"}));
  EXPECT_EQ(keys_of({.type = "hash"}), std::set<std::string>{"h1"});
  EXPECT_EQ(keys_of({.type = "set"}), std::set<std::string>{"set1"});
  EXPECT_TRUE(keys_of({.type = "list"}).empty());
  sim.run_for(60'000);  // "ttl" expires.
  EXPECT_EQ(keys_of({}), (std::set<std::string>{"c1", "h1", "s1", "set1"}));
  EXPECT_EQ(full_scan(sim, [] { return "n3"; }, {.count_only = true}).count, 4u);
}

TEST(Scan, ASparseKeySpaceAnswersEachCallWithinItsPageBudget) {
  SimConfig config = lossy_config(4);
  config.drop_probability = 0.0;
  config.node_template.partition_count = 1024;
  Simulator sim(config);
  sim.add_nodes({"n1", "n2", "n3", "n4", "n5", "n6"});
  sim.run_for(300);
  ASSERT_TRUE(sim.call("n1", put_request("only", "v")).status.is_ok());
  const FullScan scan = full_scan(sim, [] { return "n2"; });
  EXPECT_TRUE(scan.complete);
  EXPECT_EQ(scan.keys, std::vector<std::string>{"only"});
  // 1024 empty partitions, at most 64 pages a call: calls that return nothing but a cursor.
  EXPECT_GE(scan.calls, 1024 / 64);
}

TEST(Scan, ANodeJoiningDuringTheScanLosesNoKey) {
  // Dynamic membership: while the joiner takes partitions over, their previous owners still
  // hold keys it has not received, and the scan asks them too. One replica per key (n=1), so a
  // partition's keys are only on its previous owner until the handoff moved them.
  SimConfig config;
  config.node_template.default_bucket = core::BucketProperties{.n = 1, .r = 1, .w = 1};
  config.seed = 21;
  config.latency_max_ms = 20;
  config.node_template.partition_count = 64;
  config.node_template.seeds = {"n1", "n2"};
  config.node_template.tick_interval_ms = 50;
  config.node_template.request_timeout_ms = 400;
  config.node_template.peer_down_after_ms = 400;
  config.node_template.transfer_interval_ms = 100;
  config.node_template.transfer_bytes_per_s = 300;  // Slow: the handoff spans the scan.
  config.node_template.join_grace_ms = 1000;
  config.node_template.gossip.gossip_interval_ms = 200;
  Simulator sim(config);
  sim.add_nodes({"n1", "n2", "n3", "n4"});
  sim.run_for(8000);
  Written written;
  for (int i = 0; i < 400; ++i) {
    const std::string key = "k" + std::to_string(i);
    written.attempted.insert(key);
    if (sim.call("n" + std::to_string(1 + i % 4), put_request(key, std::string(500, 'v')))
            .status.is_ok()) {
      written.live.insert(key);
    }
  }
  std::string cursor = "0";
  FullScan scan;
  bool joined = false;
  for (int call = 0; call < 2000; ++call) {
    const core::ClientReply reply = sim.call("n1", scan_request(cursor, {.count = 5}));
    ++scan.calls;
    if (!reply.status.is_ok()) {
      ++scan.failed_calls;
      scan.last_error = reply.status.to_string();
      continue;
    }
    scan.keys.insert(scan.keys.end(), reply.scan.keys.begin(), reply.scan.keys.end());
    cursor = reply.scan.cursor;
    if (cursor == "0") {
      scan.complete = true;
      break;
    }
    if (!joined && scan.keys.size() > 40) {
      sim.add_node("n5");  // Joins by itself and starts taking partitions.
      joined = true;
    }
    sim.run_for(100);
  }
  ASSERT_TRUE(joined);
  check_scan(scan, written, "n5 joining");
  // The handoff was still running when the scan ended.
  std::uint64_t pending = 0;
  for (const auto& id : sim.node_ids()) pending += sim.node(id)->transfers_pending();
  EXPECT_GT(pending, 0u);
  std::printf("scan across a join: %d calls (%d failed), %zu keys\n", scan.calls, scan.failed_calls,
              scan.keys.size());
}

TEST(Scan, AScanRunIsAFunctionOfItsSeed) {
  auto run = [](std::uint64_t seed) {
    Simulator sim(lossy_config(seed));
    sim.add_nodes({"n1", "n2", "n3", "n4"});
    sim.run_for(300);
    (void)write_keys(sim, 60, seed);
    const std::vector<core::NodeId> nodes = sim.node_ids();
    const FullScan scan =
        full_scan(sim, [&] { return nodes[sim.random().uniform(nodes.size())]; }, {.count = 4});
    return std::make_pair(sim.trace_hash(), scan.keys);
  };
  const auto first = run(77);
  const auto again = run(77);
  EXPECT_EQ(first.first, again.first);
  EXPECT_EQ(first.second, again.second);
  EXPECT_FALSE(first.second.empty());
  EXPECT_NE(run(78).first, first.first);
}

}  // namespace
}  // namespace ringkv::sim
