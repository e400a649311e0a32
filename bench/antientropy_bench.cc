// Anti-entropy cost: two replicas of KEYS keys (one partition set, n=2) of which DIFFER_PERCENT
// differ (half missing on one side, half with a newer version on it), loaded straight into the
// simulated disks; then both nodes start (trees are rebuilt from storage) and exchange until every
// partition's trees are equal. Prints the bytes the exchanges sent (hashes, keys, objects, as
// counted by the nodes), the simulated time to converge, and the sizes to compare them with: the
// differing entries and a full copy of one replica.
//   ./build-release/bench/antientropy_bench [KEYS] [DIFFER_PERCENT] [VALUE_BYTES] [FANOUT] [DEPTH]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/key_position.h"
#include "core/version/versioned_object.h"
#include "sim/simulator.h"
#include "storage/storage_key.h"

using namespace ringkv;

int main(int argc, char** argv) {
  const std::uint64_t keys = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1'000'000;
  const double differ_percent = argc > 2 ? std::strtod(argv[2], nullptr) : 1.0;
  const std::size_t value_bytes = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 100;
  constexpr std::uint32_t kPartitions = 16;
  const std::uint64_t every = static_cast<std::uint64_t>(100.0 / differ_percent);

  sim::SimConfig config;
  config.seed = 1;
  config.latency_min_ms = 1;
  config.latency_max_ms = 2;
  config.node_template.partition_count = kPartitions;
  config.node_template.default_bucket = core::BucketProperties{2, 1, 1};
  config.node_template.hinted_handoff = false;
  config.node_template.read_repair = false;
  config.node_template.anti_entropy_interval_ms = 100;
  config.node_template.anti_entropy_exchanges_max = 4;
  const std::uint32_t fanout = argc > 4 ? static_cast<std::uint32_t>(std::strtoul(argv[4], nullptr, 10)) : 4;
  const std::uint32_t depth = argc > 5 ? static_cast<std::uint32_t>(std::strtoul(argv[5], nullptr, 10)) : 8;
  config.node_template.tree_fanout = fanout;  // 4^8 = 65 536 leaves per partition, ~1 M in all.
  config.node_template.tree_depth = depth;
  config.node_template.anti_entropy_leaves_max = 4096;
  config.node_template.anti_entropy_bytes_max = 1 << 20;
  config.node_template.request_timeout_ms = 5000;
  sim::Simulator sim(config);
  sim.add_nodes({"a", "b"});
  sim.run_for(100);
  sim.crash("a");
  sim.crash("b");

  std::uint64_t full_copy = 0, differing = 0, differing_keys = 0;
  storage::WriteBatch batch_a, batch_b;
  auto flush = [&](bool force) {
    if (!force && batch_a.size() < 10'000) return;
    (void)sim.disk("a").write(batch_a, [](const Status&) {});
    (void)sim.disk("b").write(batch_b, [](const Status&) {});
    sim.disk("a").sync();
    sim.disk("b").sync();
    batch_a = {};
    batch_b = {};
  };
  const auto load_began = std::chrono::steady_clock::now();
  for (std::uint64_t i = 0; i < keys; ++i) {
    const std::string key = "key" + std::to_string(i);
    const std::string storage_key = storage::encode_storage_key(
        core::partition_of(core::key_position("default", key), kPartitions), "default", key);
    core::VersionedObject object;
    object.update({}, 0xa11ce, 1, std::string(value_bytes, static_cast<char>('a' + i % 26)));
    std::string bytes = object.encode();
    full_copy += storage_key.size() + bytes.size();
    if (i % every == 0) {
      ++differing_keys;
      if ((i / every) % 2 == 0) {
        // Missing on b.
        differing += storage_key.size() + bytes.size();
        batch_a.put(storage::Namespace::kData, storage_key, bytes);
      } else {
        // b holds a newer version.
        core::VersionedObject newer = object;
        newer.update(object.context(), 0xb0b, 2, std::string(value_bytes, 'z'));
        std::string newer_bytes = newer.encode();
        differing += storage_key.size() + newer_bytes.size();
        batch_a.put(storage::Namespace::kData, storage_key, bytes);
        batch_b.put(storage::Namespace::kData, storage_key, newer_bytes);
      }
    } else {
      batch_a.put(storage::Namespace::kData, storage_key, bytes);
      batch_b.put(storage::Namespace::kData, storage_key, std::move(bytes));
    }
    flush(false);
  }
  flush(true);
  const double load_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - load_began).count();

  const auto start_began = std::chrono::steady_clock::now();
  sim.restart("a");
  sim.restart("b");
  const double start_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_began).count();
  const std::uint64_t began_ms = sim.now_ms();
  auto converged = [&] {
    for (std::uint32_t p = 0; p < kPartitions; ++p) {
      if (!(sim.node("a")->tree(p) == sim.node("b")->tree(p))) return false;
    }
    return true;
  };
  const auto run_began = std::chrono::steady_clock::now();
  while (!converged() && sim.now_ms() - began_ms < 600'000) sim.run_for(50);
  const double run_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - run_began).count();
  const std::uint64_t sent =
      sim.node("a")->stats().ae_bytes_sent + sim.node("b")->stats().ae_bytes_sent;
  const std::uint64_t repaired =
      sim.node("a")->stats().ae_keys_repaired + sim.node("b")->stats().ae_keys_repaired;
  std::printf("keys %llu, differing %llu (%.2f%%), values %zu bytes, %u partitions, trees of "
              "fanout %u depth %u\n",
              static_cast<unsigned long long>(keys),
              static_cast<unsigned long long>(differing_keys), differ_percent, value_bytes,
              kPartitions, fanout, depth);
  std::printf("load %.1f s; both trees rebuilt from storage at start in %.2f s\n", load_s,
              start_s);
  std::printf("converged: %s after %llu ms simulated (%.1f s of CPU), %llu keys repaired\n",
              converged() ? "yes" : "NO", static_cast<unsigned long long>(sim.now_ms() - began_ms),
              run_s, static_cast<unsigned long long>(repaired));
  std::printf("bytes exchanged %.2f MB; differing entries %.2f MB (ratio %.2f); full copy %.1f MB "
              "(exchanged = %.2f%% of it)\n",
              sent / 1048576.0, differing / 1048576.0,
              static_cast<double>(sent) / static_cast<double>(differing), full_copy / 1048576.0,
              100.0 * static_cast<double>(sent) / static_cast<double>(full_copy));
  return converged() ? 0 : 1;
}
