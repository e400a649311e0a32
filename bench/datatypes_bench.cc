// The cost of one update of a Redis collection as a function of its size: a coordinator decodes
// its replica's object, applies the operation (SADD of a new member, HSET of a new field, HINCRBY
// of one field, SREM of one member), and encodes the result that every replica write carries;
// each replica then decodes it and merges it into its own copy. Arguments: elements in the set or
// hash (10, 1k, 100k; docs/PERFORMANCE.md, "Data types"). Members and fields are 16 bytes.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>

#include "core/datatypes/data_op.h"
#include "core/datatypes/data_types.h"

namespace ringkv::core {
namespace {

constexpr std::uint64_t kNow = 1'700'000'000'000;
constexpr ActorId kActors[] = {0x1234567890abcdefULL, 0x2234567890abcdefULL, 0x3234567890abcdefULL};

std::string element(std::int64_t i) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "element-%08lld", static_cast<long long>(i));
  return buffer;
}

// A set or hash of `size` elements, added by writes of up to 10 elements each from three
// replicas (every write is one dot; fewer, bigger writes would make the object smaller).
VersionedObject collection(bool hash, std::int64_t size) {
  VersionedObject object;
  for (std::int64_t i = 0; i < size; i += 10) {
    DataOp op = make_data_op(hash ? DataOpCode::kHashSet : DataOpCode::kSetAdd, {});
    for (std::int64_t j = i; j < std::min(size, i + 10); ++j) {
      op.args.push_back(element(j));
      if (hash) op.args.push_back("value-" + element(j));
    }
    (void)apply_data_op(object, op, kActors[(i / 10) % 3], kNow + static_cast<std::uint64_t>(i));
  }
  return object;
}

void run_update(benchmark::State& state, bool hash, DataOpCode code) {
  const std::int64_t size = state.range(0);
  // Built once per shape: the benchmark library calls this function once per trial, and building
  // 100,000 elements ten at a time costs far more than the updates measured.
  static std::map<std::pair<bool, std::int64_t>, std::string> built;
  auto [it, fresh] = built.try_emplace({hash, size});
  if (fresh) it->second = collection(hash, size).encode();
  const std::string& stored = it->second;
  std::int64_t next = size;
  std::size_t bytes = 0;
  for (auto _ : state) {
    // Coordinator: decode, apply, encode.
    auto object = VersionedObject::decode(stored);
    DataOp op;
    switch (code) {
      case DataOpCode::kSetAdd:
        op = make_data_op(code, {element(next++)});
        break;
      case DataOpCode::kSetRemove:
        op = make_data_op(code, {element(size / 2)});
        break;
      case DataOpCode::kHashSet:
        op = make_data_op(code, {element(next++), "new-value"});
        break;
      default:
        op = make_data_op(code, {element(size / 2 + 1)}, 1);
        break;
    }
    auto applied = apply_data_op(*object, op, kActors[0], kNow + 1'000'000);
    std::string encoded = object->encode();
    // A replica: decode the write and merge it into its (older) copy.
    auto incoming = VersionedObject::decode(encoded);
    auto local = VersionedObject::decode(stored);
    local->merge_from(*incoming);
    bytes = encoded.size();
    benchmark::DoNotOptimize(applied);
    benchmark::DoNotOptimize(local);
  }
  state.counters["object_bytes"] = static_cast<double>(bytes);
}

void BM_SetAdd(benchmark::State& state) {
  run_update(state, false, DataOpCode::kSetAdd);
}
void BM_SetRemove(benchmark::State& state) {
  run_update(state, false, DataOpCode::kSetRemove);
}
void BM_HashSet(benchmark::State& state) {
  run_update(state, true, DataOpCode::kHashSet);
}
void BM_HashIncrBy(benchmark::State& state) {
  run_update(state, true, DataOpCode::kHashIncrBy);
}

// A counter's increment: the object holds one entry per incrementing replica whatever the count.
void BM_CounterIncr(benchmark::State& state) {
  VersionedObject counter;
  for (int i = 0; i < 1000; ++i) {
    (void)apply_data_op(counter, make_data_op(DataOpCode::kIncrBy, {}, 1), kActors[i % 3],
                        kNow + i);
  }
  const std::string stored = counter.encode();
  for (auto _ : state) {
    auto object = VersionedObject::decode(stored);
    auto applied =
        apply_data_op(*object, make_data_op(DataOpCode::kIncrBy, {}, 1), kActors[0], kNow + 5000);
    std::string encoded = object->encode();
    benchmark::DoNotOptimize(applied);
    benchmark::DoNotOptimize(encoded);
  }
  state.counters["object_bytes"] = static_cast<double>(stored.size());
}

BENCHMARK(BM_SetAdd)->Arg(10)->Arg(1000)->Arg(100'000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SetRemove)->Arg(10)->Arg(1000)->Arg(100'000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_HashSet)->Arg(10)->Arg(1000)->Arg(100'000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_HashIncrBy)->Arg(10)->Arg(1000)->Arg(100'000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_CounterIncr)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace ringkv::core

BENCHMARK_MAIN();
