// Storage engine throughput: puts and gets of 100-byte values through the Engine interface, for
// the memory engine and RocksDB under sync=none, batch (group commit) and always.
//
// A put is counted when its callback has run, i.e. when the client could be acknowledged: under
// sync=batch and sync=always that includes the fsync. One writer thread waiting for each
// acknowledgement measures latency-bound throughput; more writer threads (or the pipelined
// variant, which keeps many writes in flight from one thread) give group commit writes to share
// one fsync. Every rate is items_per_second over wall-clock time, summed across threads.
//
//   ./build-release/bench/storage_bench --benchmark_min_time=1
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <random>
#include <semaphore>
#include <stdexcept>
#include <string>

#include "storage/engine.h"
#include "storage/test_temp_dir.h"

namespace ringkv::storage {
namespace {

constexpr std::size_t kValueBytes = 100;
constexpr std::size_t kGetKeyCount = 100'000;
constexpr std::size_t kPopulateBatchOps = 1'000;
constexpr std::ptrdiff_t kPipelinedOutstandingMax = 256;

enum class Kind { kMemory, kRocksDbNone, kRocksDbBatch, kRocksDbAlways };

// One engine shared by every thread of a benchmark run, with its temp dir (removed afterwards).
struct BenchEngine {
  explicit BenchEngine(Kind kind) {
    EngineOptions options;
    options.engine = kind == Kind::kMemory ? "memory" : "rocksdb";
    options.data_dir = dir.path() + "/db";
    options.sync = kind == Kind::kRocksDbAlways  ? SyncPolicy::kAlways
                   : kind == Kind::kRocksDbBatch ? SyncPolicy::kBatch
                                                 : SyncPolicy::kNone;
    auto opened = open_engine(options);
    if (!opened.is_ok()) throw std::runtime_error(opened.status().to_string());
    engine = std::move(opened).value();
  }
  ~BenchEngine() {
    // Drains the group commit's callbacks before the engine (and its directory) goes away.
    Status status = engine->flush();
    (void)status;
    engine.reset();
  }

  TestTempDir dir{"ringkv-bench"};
  std::unique_ptr<Engine> engine;
};

// Set up by thread 0 before the timed loop and torn down by it after; Google Benchmark puts a
// barrier at the start and end of the loop, so the other threads see it only inside the loop.
BenchEngine* shared_engine = nullptr;

// Strings are built with append, not "literal" + std::string: GCC 12 at -O3 reports a false
// -Wrestrict on the latter (GCC bug 105329), and warnings are errors.
std::string bench_key(std::uint64_t index) {
  std::string key = "key";
  key.append(std::to_string(index));
  return key;
}

void put_and_wait(Engine& engine, std::string_view key, std::string_view value,
                  benchmark::State& state) {
  WriteBatch batch;
  batch.put(Namespace::kData, key, value);
  std::atomic<bool> acknowledged{false};
  Status status = engine.write(batch, [&](Status result) {
    if (!result.is_ok()) state.SkipWithError(result.to_string().c_str());
    acknowledged.store(true);
    acknowledged.notify_one();
  });
  if (!status.is_ok()) {
    state.SkipWithError(status.to_string().c_str());
    return;
  }
  acknowledged.wait(false);
}

void BM_Put(benchmark::State& state, Kind kind) {
  if (state.thread_index() == 0) shared_engine = new BenchEngine(kind);
  const std::string value(kValueBytes, 'v');
  std::string prefix = "t";
  prefix.append(std::to_string(state.thread_index())).append("-");
  std::uint64_t index = 0;
  std::string key;
  for (auto _ : state) {
    key.assign(prefix).append(std::to_string(index++));
    put_and_wait(*shared_engine->engine, key, value, state);
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    delete shared_engine;
    shared_engine = nullptr;
  }
}

// One thread keeps up to kPipelinedOutstandingMax writes in flight, as a node serving many
// clients would; the acknowledgements it waits for are the engine's callbacks.
void BM_PutPipelined(benchmark::State& state, Kind kind) {
  BenchEngine bench(kind);
  std::counting_semaphore<kPipelinedOutstandingMax> slots(kPipelinedOutstandingMax);
  std::atomic<bool> failed{false};
  const std::string value(kValueBytes, 'v');
  std::uint64_t index = 0;
  for (auto _ : state) {
    slots.acquire();
    WriteBatch batch;
    batch.put(Namespace::kData, bench_key(index++), value);
    Status status = bench.engine->write(batch, [&](Status result) {
      if (!result.is_ok()) failed.store(true);
      slots.release();
    });
    if (!status.is_ok()) {
      state.SkipWithError(status.to_string().c_str());
      break;
    }
  }
  // The last writes count only once acknowledged: wait for every slot to come back.
  for (std::ptrdiff_t i = 0; i < kPipelinedOutstandingMax; ++i) slots.acquire();
  if (failed.load()) state.SkipWithError("a write callback reported an error");
  state.SetItemsProcessed(state.iterations());
}

void populate(Engine& engine) {
  const std::string value(kValueBytes, 'v');
  for (std::size_t first = 0; first < kGetKeyCount; first += kPopulateBatchOps) {
    WriteBatch batch;
    for (std::size_t i = first; i < first + kPopulateBatchOps && i < kGetKeyCount; ++i) {
      batch.put(Namespace::kData, bench_key(i), value);
    }
    Status status = engine.write(batch, [](Status) {});
    if (!status.is_ok()) throw std::runtime_error(status.to_string());
  }
  Status status = engine.flush();
  if (!status.is_ok()) throw std::runtime_error(status.to_string());
}

void BM_Get(benchmark::State& state, Kind kind) {
  if (state.thread_index() == 0) {
    shared_engine = new BenchEngine(kind);
    populate(*shared_engine->engine);
  }
  std::mt19937_64 random(static_cast<std::uint64_t>(state.thread_index()) + 1);
  std::uniform_int_distribution<std::uint64_t> pick(0, kGetKeyCount - 1);
  for (auto _ : state) {
    auto value = shared_engine->engine->get(Namespace::kData, bench_key(pick(random)));
    if (!value.is_ok() || !value->has_value()) {
      state.SkipWithError("a populated key was not found");
      break;
    }
    benchmark::DoNotOptimize(value);
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    delete shared_engine;
    shared_engine = nullptr;
  }
}

BENCHMARK_CAPTURE(BM_Put, memory, Kind::kMemory);
BENCHMARK_CAPTURE(BM_Put, rocksdb_none, Kind::kRocksDbNone);
BENCHMARK_CAPTURE(BM_Put, rocksdb_batch, Kind::kRocksDbBatch)
    ->Threads(1)
    ->Threads(4)
    ->Threads(16)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Put, rocksdb_always, Kind::kRocksDbAlways)
    ->Threads(1)
    ->Threads(16)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_PutPipelined, rocksdb_none, Kind::kRocksDbNone)->UseRealTime();
BENCHMARK_CAPTURE(BM_PutPipelined, rocksdb_batch, Kind::kRocksDbBatch)->UseRealTime();
BENCHMARK_CAPTURE(BM_Get, memory, Kind::kMemory);
BENCHMARK_CAPTURE(BM_Get, rocksdb_none, Kind::kRocksDbNone);
BENCHMARK_CAPTURE(BM_Get, rocksdb_batch, Kind::kRocksDbBatch);

}  // namespace
}  // namespace ringkv::storage

BENCHMARK_MAIN();
