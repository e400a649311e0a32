// Costs of the ring (docs/ARCHITECTURE.md, "The ring"): replaying a whole membership history (what
// a node does when it starts), applying one more event to a built ring (what it does on a
// membership change) and looking up a preference list (every request). Arguments are {Q, nodes};
// the counters give the resulting balance (max/mean partitions per unit of weight) and spread
// (fraction of partitions whose N = 3 home replicas are the next 3 partitions).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/ring/ring.h"

namespace ringkv::core {
namespace {

std::vector<MembershipEvent> joins(int nodes) {
  std::vector<MembershipEvent> history;
  for (int i = 0; i < nodes; ++i) {
    history.push_back({.kind = MembershipEvent::Kind::kJoin, .node = "n" + std::to_string(i)});
  }
  return history;
}

void set_figures(benchmark::State& state, const Ring& ring) {
  double total_weight = 0;
  for (const auto& [node, weight] : ring.weights()) total_weight += weight;
  double max_load = 0;
  for (const auto& [node, count] : ring.partitions_per_node()) {
    max_load = std::max(max_load, count / static_cast<double>(ring.weights().at(node)));
  }
  const std::uint32_t q = ring.partition_count();
  std::uint32_t ideal = 0;
  for (std::uint32_t p = 0; p < q; ++p) {
    const NodeId& a = ring.owner(p);
    const NodeId& b = ring.owner((p + 1) % q);
    const NodeId& c = ring.owner((p + 2) % q);
    ideal += a != b && b != c && a != c;
  }
  state.counters["balance"] = max_load / (q / total_weight);
  state.counters["spread"] = static_cast<double>(ideal) / q;
}

Ring build_or_skip(benchmark::State& state, std::uint32_t q,
                   const std::vector<MembershipEvent>& history) {
  Result<Ring> ring = Ring::build(q, history);
  if (!ring.is_ok()) {
    state.SkipWithError(ring.status().to_string().c_str());
    return Ring();
  }
  return std::move(ring).value();
}

void BM_Build(benchmark::State& state) {
  const auto q = static_cast<std::uint32_t>(state.range(0));
  const std::vector<MembershipEvent> history = joins(static_cast<int>(state.range(1)));
  for (auto _ : state) {
    Result<Ring> ring = Ring::build(q, history);
    benchmark::DoNotOptimize(ring);
  }
  set_figures(state, build_or_skip(state, q, history));
}

void BM_AfterJoin(benchmark::State& state) {
  const auto q = static_cast<std::uint32_t>(state.range(0));
  const Ring ring = build_or_skip(state, q, joins(static_cast<int>(state.range(1))));
  const MembershipEvent event{.kind = MembershipEvent::Kind::kJoin, .node = "joiner"};
  for (auto _ : state) {
    Result<Ring> next = ring.after(event);
    benchmark::DoNotOptimize(next);
  }
}

void BM_AfterLeave(benchmark::State& state) {
  const auto q = static_cast<std::uint32_t>(state.range(0));
  const Ring ring = build_or_skip(state, q, joins(static_cast<int>(state.range(1))));
  const MembershipEvent event{.kind = MembershipEvent::Kind::kLeave, .node = "n1"};
  for (auto _ : state) {
    Result<Ring> next = ring.after(event);
    benchmark::DoNotOptimize(next);
  }
}

void BM_PreferenceList(benchmark::State& state) {
  const auto q = static_cast<std::uint32_t>(state.range(0));
  const Ring ring = build_or_skip(state, q, joins(static_cast<int>(state.range(1))));
  std::uint32_t partition = 0;
  for (auto _ : state) {
    std::vector<NodeId> list = ring.preference_list(partition, 3);
    benchmark::DoNotOptimize(list);
    partition = (partition + 1) & (q - 1);
  }
}

void sizes(benchmark::internal::Benchmark* bench) {
  bench->ArgNames({"Q", "nodes"});
  for (const int q : {256, 1024, 4096}) {
    for (const int nodes : {8, 32, 128}) bench->Args({q, nodes});
  }
}

BENCHMARK(BM_Build)->Apply(sizes)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_AfterJoin)->Apply(sizes)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_AfterLeave)->Apply(sizes)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PreferenceList)->Apply(sizes);

}  // namespace
}  // namespace ringkv::core

BENCHMARK_MAIN();
