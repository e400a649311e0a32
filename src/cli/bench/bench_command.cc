#include "cli/bench/bench_command.h"

#include "cli/cli_flags.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <csignal>
#include <fstream>
#include <iostream>

#include "cli/bench/bench_runner.h"
#include "cli/bench/report.h"

namespace ringkv::bench {
namespace {

// What a shell reports for a process ended by SIGINT (128 + 2).
constexpr int kExitInterrupted = 130;

// Set by SIGINT; the runner polls it between operations.
std::atomic<bool> g_stop_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free,
              "a signal handler may only touch lock-free atomics");

void request_stop(int) {
  g_stop_requested.store(true);
  // A second Ctrl-C kills the process, should a request hang past its timeout.
  std::signal(SIGINT, SIG_DFL);
}

// Installs request_stop for the lifetime of the object, then puts the previous handler back.
class StopOnInterrupt {
 public:
  StopOnInterrupt() : previous_(std::signal(SIGINT, request_stop)) {
    g_stop_requested.store(false);
  }
  ~StopOnInterrupt() { std::signal(SIGINT, previous_); }
  StopOnInterrupt(const StopOnInterrupt&) = delete;
  StopOnInterrupt& operator=(const StopOnInterrupt&) = delete;

 private:
  using Handler = void (*)(int);
  Handler previous_;
};

using cli::add_setting;

ProgressCallback make_progress_printer() {
  // On a terminal the line is redrawn in place; in a log file each sample gets its own line.
  const bool redraw = isatty(STDERR_FILENO) == 1;
  return [redraw](const ProgressSnapshot& snapshot) {
    const std::string line = format_progress_line(snapshot);
    if (!redraw) {
      std::cerr << line << "\n";
    } else {
      std::cerr << "\r" << line << (snapshot.final ? "\n" : "") << std::flush;
    }
  };
}

// 0 when the run measured something; 130 when Ctrl-C cut it short (the figures are printed, but
// a script should not take them for a complete run); 1, with the likeliest reason, when no
// operation of the run succeeded.
int exit_status(const BenchResult& result) {
  const bool interrupted = result.run.interrupted || (result.load && result.load->interrupted);
  if (interrupted) return kExitInterrupted;
  const OperationStats total = result.run.total();
  if (total.completed > 0) return 0;
  std::string reason = std::to_string(total.errors) + " errors";
  const auto& by_code = result.run.errors.by_code;
  const auto most_common = std::max_element(
      by_code.begin(), by_code.end(),
      [](const auto& a, const auto& b) { return a.second.count < b.second.count; });
  if (most_common != by_code.end()) {
    reason += ", mostly " + most_common->first + ": " + most_common->second.first_message;
  }
  std::cerr << "error: no operation of the run succeeded (" << reason << ")\n";
  return 1;
}

}  // namespace

CLI::App* add_bench_command(CLI::App& app, BenchOptions& options) {
  CLI::App* bench = app.add_subcommand(
      "bench", "Run a YCSB-style workload (A, B or C) and report throughput and latency");
  add_setting(*bench, "servers", options.servers,
              "Nodes HOST:PORT[,HOST:PORT...]; clients take them in turn")
      ->delimiter(',')
      ->capture_default_str();
  add_setting(*bench, "bucket", options.bucket, "Bucket of the records")->capture_default_str();
  add_setting(*bench, "workload", options.workload,
              "A: 50% read 50% update | B: 95/5 | C: read only")
      ->capture_default_str();
  add_setting(*bench, "distribution", options.distribution,
              "Keys: uniform | zipfian (YCSB's scrambled zipfian, theta 0.99)")
      ->capture_default_str();
  add_setting(*bench, "record_count", options.record_count, "Records (keys)")
      ->capture_default_str();
  add_setting(*bench, "value_size", options.value_size, "Bytes per value")->capture_default_str();
  add_setting(*bench, "clients", options.clients,
              "Concurrent clients, one thread and connection each")
      ->capture_default_str();
  auto* duration = add_setting(*bench, "duration_s", options.duration_s, "Length of the run")
                       ->capture_default_str();
  auto* operations =
      add_setting(*bench, "operations", options.operations, "Run this many operations instead");
  duration->excludes(operations);
  bench->add_flag("--load,!--no-load", options.load,
                  "Write every record before the run (default on; --no-load skips it)");
  add_setting(*bench, "seed", options.seed, "Seed of the clients' random choices")
      ->capture_default_str();
  add_setting(*bench, "json", options.json_path,
              "Also write the results as JSON to PATH ('-': stdout)");
  add_setting(*bench, "progress_interval_ms", options.progress_interval_ms,
              "Progress line period on stderr (0: none)")
      ->capture_default_str();
  add_setting(*bench, "timeout_ms", options.timeout_ms, "Request timeout")->capture_default_str();
  return bench;
}

int run_bench(const BenchOptions& options) {
  if (Status status = validate_bench_options(options); !status.is_ok()) {
    std::cerr << "error: " << status.message() << "\n";
    return 2;
  }
  // Opened before the run, so a bad path fails now rather than after the whole measurement.
  const bool json_to_stdout = options.json_path == "-";
  std::ofstream json_file;
  if (!options.json_path.empty() && !json_to_stdout) {
    json_file.open(options.json_path);
    if (!json_file) {
      std::cerr << "error: cannot write --json " << options.json_path << "\n";
      return 2;
    }
  }
  ProgressCallback progress;
  if (options.progress_interval_ms != 0) progress = make_progress_printer();

  Result<BenchResult> result = [&] {
    StopOnInterrupt stop_on_interrupt;
    return run_benchmark(options, progress, g_stop_requested);
  }();
  if (!result.is_ok()) {
    std::cerr << "error: " << result.status().message() << "\n";
    return 1;
  }
  // With JSON on standard output, the text goes to standard error to keep the JSON parseable.
  write_text_report(json_to_stdout ? std::cerr : std::cout, options, *result);
  if (!options.json_path.empty()) {
    std::ostream& out = json_to_stdout ? std::cout : json_file;
    out << json_report(options, *result).dump(2) << "\n";
    out.flush();
    if (!out) {
      std::cerr << "error: writing --json " << options.json_path << " failed\n";
      return 1;
    }
  }
  return exit_status(*result);
}

}  // namespace ringkv::bench
