// Costs of the version layer on the request path: merging two replicas' objects (every get
// reconciles R replies, every replica write merges), a coordinator's update, and the object codec.
// Arguments are {siblings, clock entries}: 1, 2 and 8 siblings (8 is already a misbehaving
// client), 3 entries (N = 3 home replicas) and 16 (limits::kClockEntriesMaxDefault, after
// fallbacks and handoffs).
#include <benchmark/benchmark.h>

#include <string>

#include "core/version/versioned_object.h"

namespace ringkv::core {
namespace {

constexpr ActorId kFirstActor = 1000;
const std::string kValue(64, 'v');

// An object whose context has `entries` actors and whose `siblings` siblings are concurrent. The
// first sibling is kFirstActor's; the middle ones cycle over the other actors; the last is written
// by `last_writer`, so two objects built with different last writers share siblings - 1 siblings
// and each hold one the other lacks, like two diverged replicas.
VersionedObject diverged_object(int siblings, int entries, ActorId last_writer) {
  VersionVector history;
  for (int i = 0; i < entries; ++i) history.add({kFirstActor + i, 5}, 100 + i);
  VersionedObject object;
  object.update(history, kFirstActor, 200, kValue);
  for (int i = 1; i < siblings - 1; ++i) {
    object.update({}, kFirstActor + 1 + i % (entries - 1), 300, kValue);
  }
  if (siblings > 1) object.update({}, last_writer, 400, kValue);
  return object;
}

// The object of shape {siblings, entries} that the update and codec benchmarks work on.
VersionedObject object_for(const benchmark::State& state) {
  return diverged_object(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)),
                         kFirstActor + 1);
}

void set_labels(benchmark::State& state, const VersionedObject& object) {
  state.counters["siblings"] = static_cast<double>(object.siblings().size());
  state.counters["entries"] = static_cast<double>(object.context().size());
}

// Two replicas that each hold one sibling the other lacks (with 1 sibling: identical replicas,
// the common case of a read whose replies agree).
void BM_Merge(benchmark::State& state) {
  const auto siblings = static_cast<int>(state.range(0));
  const auto entries = static_cast<int>(state.range(1));
  const VersionedObject a = diverged_object(siblings, entries, kFirstActor + 1);
  const VersionedObject b = diverged_object(siblings, entries, kFirstActor + 2);
  for (auto _ : state) {
    VersionedObject merged = VersionedObject::merge(a, b);
    benchmark::DoNotOptimize(merged);
  }
  set_labels(state, a);
}

// A put by a client whose context covers only its own previous write (kFirstActor's sibling), so
// each update replaces that sibling and keeps the siblings - 1 concurrent ones: the object's shape
// stays fixed across iterations.
void BM_Update(benchmark::State& state) {
  VersionedObject object = object_for(state);
  set_labels(state, object);
  Dot last = object.siblings().front().dot;
  std::uint64_t now_ms = 1000;
  for (auto _ : state) {
    VersionVector read_context;
    read_context.add(last, now_ms);
    last = object.update(read_context, kFirstActor, ++now_ms, kValue);
  }
  if (object.siblings().size() != static_cast<std::size_t>(state.range(0))) {
    state.SkipWithError("update changed the number of siblings");
  }
}

void BM_Encode(benchmark::State& state) {
  const VersionedObject object = object_for(state);
  std::size_t bytes = 0;
  for (auto _ : state) {
    const std::string encoded = object.encode();
    bytes = encoded.size();
    benchmark::DoNotOptimize(encoded.data());
  }
  set_labels(state, object);
  state.counters["bytes"] = static_cast<double>(bytes);
}

void BM_Decode(benchmark::State& state) {
  const VersionedObject object = object_for(state);
  const std::string encoded = object.encode();
  for (auto _ : state) {
    Result<VersionedObject> decoded = VersionedObject::decode(encoded);
    if (!decoded.is_ok()) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(decoded);
  }
  set_labels(state, object);
  state.counters["bytes"] = static_cast<double>(encoded.size());
}

void shapes(benchmark::internal::Benchmark* bench) {
  bench->ArgNames({"siblings", "entries"});
  for (int siblings : {1, 2, 8}) {
    for (int entries : {3, 16}) bench->Args({siblings, entries});
  }
}

BENCHMARK(BM_Merge)->Apply(shapes);
BENCHMARK(BM_Update)->Apply(shapes);
BENCHMARK(BM_Encode)->Apply(shapes);
BENCHMARK(BM_Decode)->Apply(shapes);

}  // namespace
}  // namespace ringkv::core

BENCHMARK_MAIN();
