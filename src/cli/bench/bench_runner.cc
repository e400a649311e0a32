#include "cli/bench/bench_runner.h"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <condition_variable>
#include <latch>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/random.h"
#include "ringkv/client.h"

namespace ringkv::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Pauses between attempts to reach a node that refused or dropped a connection: long enough not
// to spin on a dead node, short enough to notice it come back within a second.
constexpr std::chrono::milliseconds kReconnectPauseMin{10};
constexpr std::chrono::milliseconds kReconnectPauseMax{1000};
// Pauses are slept in slices this long so a stop request or the end of the run cuts them short.
constexpr std::chrono::milliseconds kPauseSlice{10};
// Each write stamps a counter into the first bytes of its value, so no two writes of a thread
// store identical bytes (a storage engine that deduplicates or compresses gets no free ride).
constexpr std::size_t kValueStampBytes = 16;

double seconds_between(Clock::time_point start, Clock::time_point end) {
  return std::chrono::duration<double>(end - start).count();
}

// After these the client library may have closed the socket (it does on every timeout) or left
// half a reply in it, so the thread opens a fresh connection. Errors a node answered cleanly
// (InvalidArgument, TooLarge...) leave the connection usable.
bool leaves_connection_in_doubt(const Status& status) {
  switch (status.code()) {
    case StatusCode::kTimeout:
    case StatusCode::kUnavailable:
    case StatusCode::kIoError:
    case StatusCode::kCorruption:
    case StatusCode::kUnsupported:
      return true;
    default:
      return false;
  }
}

// One client: a connection, a random stream, and statistics no other thread writes.
struct Worker {
  std::string address;
  std::unique_ptr<client::Client> client;
  core::SplitMix64 random{0};
  std::string value;
  std::uint64_t writes = 0;
  std::chrono::milliseconds reconnect_pause = kReconnectPauseMin;
  std::array<OperationStats, kOperationCount> stats;
  ErrorTally errors;
  // Read by the progress line while the thread runs. On their own cache line so the reader's
  // loads do not bounce the line holding the fields above.
  alignas(64) std::atomic<std::uint64_t> live_completed{0};
  std::atomic<std::uint64_t> live_errors{0};
};

class Runner {
 public:
  Runner(const BenchOptions& options, const ProgressCallback& progress,
         const std::atomic<bool>& stop_requested);

  std::uint32_t connect_all();
  PhaseResult load();
  PhaseResult run();
  Status first_connect_error() const { return first_connect_error_; }

 private:
  using Body = std::function<void(Worker&, std::size_t worker_index)>;

  // Runs `body` on every worker's thread; with a `duration`, should_stop() turns true after it.
  PhaseResult run_phase(const char* name, std::optional<std::chrono::seconds> duration,
                        const Body& body);
  void report_progress(const char* name, Clock::time_point start, bool final);
  bool should_stop() const;
  void execute(Worker& worker, Operation operation, std::uint64_t record);
  Status connect(Worker& worker);
  Status write(client::Client& client, const std::string& key, Worker& worker);
  void pause_before_reconnecting(Worker& worker);

  const BenchOptions& options_;
  const ProgressCallback& progress_;
  const std::atomic<bool>& stop_requested_;
  WorkloadMix mix_;
  KeyChooser key_chooser_;
  OperationChooser operation_chooser_;
  client::ClientOptions client_options_;
  std::vector<std::unique_ptr<Worker>> workers_;
  Status first_connect_error_;

  // Set before the threads of a phase are released, read by them afterwards.
  std::optional<Clock::time_point> deadline_;
  // Operations handed out so far when the run is bounded by --operations.
  std::atomic<std::uint64_t> operations_issued_{0};

  // Progress sampling state, touched by the calling thread only.
  std::uint64_t last_completed_ = 0;
  Clock::time_point last_sample_time_;
};

Runner::Runner(const BenchOptions& options, const ProgressCallback& progress,
               const std::atomic<bool>& stop_requested)
    : options_(options),
      progress_(progress),
      stop_requested_(stop_requested),
      mix_(parse_workload(options.workload).value()),
      key_chooser_(parse_key_distribution(options.distribution).value(), options.record_count),
      operation_chooser_(mix_) {
  client_options_.request_timeout = std::chrono::milliseconds(options.timeout_ms);
  client_options_.value_max_bytes = std::max(client_options_.value_max_bytes, options.value_size);
  // Each client's stream is seeded from one SplitMix64 stream of the run's seed, so every thread
  // differs and the whole run is reproducible from --seed.
  core::SplitMix64 seeds(options.seed);
  for (std::uint32_t i = 0; i < options.clients; ++i) {
    auto worker = std::make_unique<Worker>();
    worker->address = options.servers[i % options.servers.size()];
    worker->random = core::SplitMix64(seeds.next_u64());
    // Printable bytes, like YCSB's values, so a value is readable when printed by `ringkv get`.
    worker->value.resize(options.value_size);
    for (char& c : worker->value) c = static_cast<char>(' ' + worker->random.uniform(95));
    workers_.push_back(std::move(worker));
  }
}

std::uint32_t Runner::connect_all() {
  std::vector<Status> results(workers_.size());
  {
    std::vector<std::jthread> threads;
    for (std::size_t i = 0; i < workers_.size(); ++i) {
      threads.emplace_back([this, &results, i] { results[i] = connect(*workers_[i]); });
    }
  }
  std::uint32_t connected = 0;
  for (const Status& status : results) {
    if (status.is_ok()) {
      ++connected;
    } else if (first_connect_error_.is_ok()) {
      first_connect_error_ = status;
    }
  }
  return connected;
}

PhaseResult Runner::load() {
  const std::size_t stride = workers_.size();
  return run_phase("load", std::nullopt, [this, stride](Worker& worker, std::size_t worker_index) {
    // Client i inserts records i, i + clients, i + 2 * clients...: every record exactly once.
    for (std::uint64_t record = worker_index; record < options_.record_count; record += stride) {
      if (should_stop()) return;
      execute(worker, Operation::kInsert, record);
    }
  });
}

PhaseResult Runner::run() {
  std::optional<std::chrono::seconds> duration;
  if (options_.operations == 0) duration = std::chrono::seconds(options_.duration_s);
  operations_issued_.store(0, std::memory_order_relaxed);
  return run_phase("run", duration, [this](Worker& worker, std::size_t) {
    while (!should_stop()) {
      if (options_.operations != 0 &&
          operations_issued_.fetch_add(1, std::memory_order_relaxed) >= options_.operations) {
        return;
      }
      // The operation first, then the key: the order fixes each thread's sequence for a seed.
      const Operation operation = operation_chooser_.next(worker.random);
      execute(worker, operation, key_chooser_.next(worker.random));
    }
  });
}

PhaseResult Runner::run_phase(const char* name, std::optional<std::chrono::seconds> duration,
                              const Body& body) {
  for (auto& worker : workers_) {
    worker->stats = {};
    worker->errors = {};
    worker->live_completed.store(0, std::memory_order_relaxed);
    worker->live_errors.store(0, std::memory_order_relaxed);
  }
  std::mutex mutex;
  std::condition_variable all_done;
  std::size_t running = workers_.size();
  // The threads wait at the gate until all exist, so the clock starts when they all can work.
  std::latch start_gate(static_cast<std::ptrdiff_t>(workers_.size() + 1));
  std::vector<std::jthread> threads;
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    threads.emplace_back([&, i] {
      start_gate.arrive_and_wait();
      body(*workers_[i], i);
      std::lock_guard lock(mutex);
      if (--running == 0) all_done.notify_one();
    });
  }
  const Clock::time_point start = Clock::now();
  // Written before the gate opens, so the threads read it only after this write.
  if (duration) deadline_ = start + *duration;
  last_completed_ = 0;
  last_sample_time_ = start;
  start_gate.arrive_and_wait();

  const auto interval = std::chrono::milliseconds(options_.progress_interval_ms);
  {
    std::unique_lock lock(mutex);
    while (running > 0) {
      if (interval.count() == 0 || !progress_) {
        all_done.wait(lock, [&] { return running == 0; });
        break;
      }
      if (all_done.wait_for(lock, interval, [&] { return running == 0; })) break;
      lock.unlock();
      report_progress(name, start, false);
      lock.lock();
    }
  }
  const Clock::time_point end = Clock::now();
  threads.clear();  // Joins; every thread has finished its body already.
  if (progress_ && interval.count() != 0) report_progress(name, start, true);

  PhaseResult result;
  result.elapsed_s = seconds_between(start, end);
  result.interrupted = stop_requested_.load();
  for (const auto& worker : workers_) {
    for (std::size_t op = 0; op < kOperationCount; ++op) {
      result.by_operation[op].merge(worker->stats[op]);
    }
    result.errors.merge(worker->errors);
  }
  deadline_.reset();
  return result;
}

void Runner::report_progress(const char* name, Clock::time_point start, bool final) {
  ProgressSnapshot snapshot;
  snapshot.phase = name;
  snapshot.final = final;
  const Clock::time_point now = Clock::now();
  snapshot.elapsed_s = seconds_between(start, now);
  for (const auto& worker : workers_) {
    snapshot.completed += worker->live_completed.load(std::memory_order_relaxed);
    snapshot.errors += worker->live_errors.load(std::memory_order_relaxed);
  }
  const double interval_s = seconds_between(last_sample_time_, now);
  if (interval_s > 0) {
    snapshot.interval_ops_per_s =
        static_cast<double>(snapshot.completed - last_completed_) / interval_s;
  }
  last_completed_ = snapshot.completed;
  last_sample_time_ = now;
  progress_(snapshot);
}

bool Runner::should_stop() const {
  if (stop_requested_.load(std::memory_order_relaxed)) return true;
  return deadline_ && Clock::now() >= *deadline_;
}

void Runner::execute(Worker& worker, Operation operation, std::uint64_t record) {
  OperationStats& stats = worker.stats[static_cast<std::size_t>(operation)];
  auto fail = [&](const Status& status) {
    ++stats.errors;
    worker.errors.add(status);
    worker.live_errors.fetch_add(1, std::memory_order_relaxed);
  };
  if (!worker.client) {
    if (Status status = connect(worker); !status.is_ok()) {
      fail(status);
      pause_before_reconnecting(worker);
      return;
    }
  }
  const std::string key = record_key(record);
  Status status;
  bool found = true;
  bool has_siblings = false;
  // Only the request is timed: key formatting and reconnecting are the bench's own costs.
  const Clock::time_point start = Clock::now();
  if (operation == Operation::kRead) {
    auto read = worker.client->get(options_.bucket, key);
    if (read.is_ok()) {
      found = read->found();
      has_siblings = read->has_siblings();
    } else {
      status = read.status();
    }
  } else {
    status = write(*worker.client, key, worker);
  }
  const Clock::time_point end = Clock::now();
  if (status.code() == StatusCode::kNotFound) {
    found = false;
    status = Status::ok();
  }
  if (!status.is_ok()) {
    fail(status);
    if (leaves_connection_in_doubt(status)) worker.client.reset();
    return;
  }
  ++stats.completed;
  if (!found) ++stats.not_found;
  if (has_siblings) ++stats.siblings;
  stats.latency_ns.record(static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count()));
  worker.live_completed.fetch_add(1, std::memory_order_relaxed);
}

// An update (and an insert) is a read-modify-write: the get's context goes with the put. A put
// without a context becomes a sibling of the stored version, so blind updates of a hot key would
// pile up siblings until the node refuses the key (limits::kSiblingsMax); a re-run of the load
// phase would do the same to every record. The reported latency covers both round trips.
Status Runner::write(client::Client& client, const std::string& key, Worker& worker) {
  auto read = client.get(options_.bucket, key);
  if (!read.is_ok() && read.status().code() != StatusCode::kNotFound) return read.status();
  const std::string_view context = read.is_ok() ? std::string_view(read->context) : "";
  ++worker.writes;
  std::string& value = worker.value;
  std::uint64_t stamp = worker.writes;
  for (std::size_t i = 0; i < std::min(kValueStampBytes, value.size()); ++i) {
    value[i] = "0123456789abcdef"[stamp & 0xF];
    stamp >>= 4;
  }
  return client.put(options_.bucket, key, value, context);
}

Status Runner::connect(Worker& worker) {
  auto client = client::Client::connect(worker.address, client_options_);
  if (!client.is_ok()) return client.status();
  worker.client = std::move(client).value();
  worker.reconnect_pause = kReconnectPauseMin;
  return Status::ok();
}

void Runner::pause_before_reconnecting(Worker& worker) {
  const Clock::time_point until = Clock::now() + worker.reconnect_pause;
  worker.reconnect_pause = std::min(worker.reconnect_pause * 2, kReconnectPauseMax);
  while (!should_stop() && Clock::now() < until) std::this_thread::sleep_for(kPauseSlice);
}

}  // namespace

void OperationStats::merge(const OperationStats& other) {
  completed += other.completed;
  not_found += other.not_found;
  siblings += other.siblings;
  errors += other.errors;
  latency_ns.merge(other.latency_ns);
}

void ErrorTally::add(const Status& status) {
  assert(!status.is_ok());
  Entry& entry = by_code[status_code_name(status.code())];
  if (entry.count == 0) entry.first_message = status.message();
  ++entry.count;
}

void ErrorTally::merge(const ErrorTally& other) {
  for (const auto& [code, theirs] : other.by_code) {
    Entry& ours = by_code[code];
    if (ours.count == 0) ours.first_message = theirs.first_message;
    ours.count += theirs.count;
  }
}

OperationStats PhaseResult::total() const {
  OperationStats sum;
  for (const OperationStats& stats : by_operation) sum.merge(stats);
  return sum;
}

double PhaseResult::throughput_ops_per_s() const {
  if (elapsed_s <= 0.0) return 0.0;
  return static_cast<double>(total().completed) / elapsed_s;
}

Result<BenchResult> run_benchmark(const BenchOptions& options, const ProgressCallback& progress,
                                  const std::atomic<bool>& stop_requested) {
  assert(validate_bench_options(options).is_ok());
  Runner runner(options, progress, stop_requested);
  BenchResult result;
  result.clients_connected_at_start = runner.connect_all();
  if (result.clients_connected_at_start == 0) {
    return Status::unavailable("no client could connect: " +
                               runner.first_connect_error().to_string());
  }
  if (options.load) result.load = runner.load();
  if (!stop_requested.load()) result.run = runner.run();
  return result;
}

}  // namespace ringkv::bench
