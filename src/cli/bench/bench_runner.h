// The engine of `ringkv bench`: one thread per client, each with its own connection (the client
// library is blocking and single-threaded), running the load phase and then the measured phase.
//
// Each thread keeps its counts and latency histograms to itself, without locks or shared writes,
// and publishes only two relaxed atomic counters for the progress line; the histograms are merged
// after the threads are joined, so measuring costs the measured threads nothing they share.
//
// Errors are data here: every failed operation is counted by status code and the run goes on.
// A connection that failed in a way that leaves its stream in doubt is dropped and re-opened
// before the thread's next operation, with a growing pause while the node stays unreachable.
//
// Thread-safety: run_benchmark() is called from one thread, which it blocks until the run ends.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "cli/bench/bench_options.h"
#include "cli/bench/latency_histogram.h"
#include "cli/bench/workload.h"
#include "common/status.h"

namespace ringkv::bench {

// Counts and latencies of one operation type, for one thread or merged over all of them.
struct OperationStats {
  std::uint64_t completed = 0;  // Answered by the node, including reads that found nothing.
  std::uint64_t not_found = 0;  // Reads of a record that does not exist (run with --no-load).
  std::uint64_t siblings = 0;   // Reads that returned concurrent versions of the record.
  std::uint64_t errors = 0;     // Not answered, or answered with an error.
  // Completed operations only: failures would mix timeouts into the figures of the node's answers.
  LatencyHistogram latency_ns;

  void merge(const OperationStats& other);
};

// Failed operations by status code, with the first message seen for each code.
struct ErrorTally {
  struct Entry {
    std::uint64_t count = 0;
    std::string first_message;
  };
  std::map<std::string, Entry> by_code;  // Keyed by status_code_name().

  void add(const Status& status);
  void merge(const ErrorTally& other);
};

// The outcome of one phase (load or run), merged over all clients.
struct PhaseResult {
  double elapsed_s = 0.0;
  bool interrupted = false;  // Stopped early by the stop flag (Ctrl-C), not by its own end.
  std::array<OperationStats, kOperationCount> by_operation;
  ErrorTally errors;

  const OperationStats& of(Operation operation) const {
    return by_operation[static_cast<std::size_t>(operation)];
  }
  // Every operation type merged into one.
  OperationStats total() const;
  double throughput_ops_per_s() const;  // Completed operations per second.
};

struct BenchResult {
  std::uint32_t clients_connected_at_start = 0;
  std::optional<PhaseResult> load;  // Absent with --no-load.
  PhaseResult run;
};

// What the progress line shows, sampled from the threads' counters while a phase runs.
struct ProgressSnapshot {
  const char* phase = "";  // "load" or "run".
  double elapsed_s = 0.0;
  std::uint64_t completed = 0;
  std::uint64_t errors = 0;
  double interval_ops_per_s = 0.0;  // Completed operations per second since the last snapshot.
  bool final = false;               // The phase has ended; this is its last snapshot.
};
using ProgressCallback = std::function<void(const ProgressSnapshot&)>;

// Connects the clients, loads the records (unless --no-load) and runs the workload. `options`
// must have passed validate_bench_options(). `progress`, if set, is called on the calling thread
// every progress_interval_ms and once at the end of each phase. Setting `stop_requested` ends the
// current phase early (its results still count) and skips the ones after it.
// Fails only when no client could connect at the start; errors after that are counted.
Result<BenchResult> run_benchmark(const BenchOptions& options, const ProgressCallback& progress,
                                  const std::atomic<bool>& stop_requested);

}  // namespace ringkv::bench
