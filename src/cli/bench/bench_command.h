// `ringkv bench`: YCSB-style workloads (Cooper et al., SoCC 2010, core workloads A, B and C)
// against running nodes, through the client library. It loads the records, runs the workload for
// a time or a number of operations, shows a progress line on standard error, and reports
// throughput and latency percentiles as text and, with --json, as JSON.
//
// Exit status: 0 after a run in which operations succeeded; 1 when no client could connect or no
// operation of the run succeeded; 2 for invalid settings; 130 when Ctrl-C cut the run short (the
// figures measured until then are still reported). Errors during the run are counted and
// reported, never fatal.
#pragma once

#include "cli/bench/bench_options.h"

namespace CLI {
class App;
}  // namespace CLI

namespace ringkv::bench {

// Declares the `bench` subcommand of `app`, parsing into `options` (which must outlive parsing).
CLI::App* add_bench_command(CLI::App& app, BenchOptions& options);

// Runs the benchmark described by `options` and returns the process exit status.
int run_bench(const BenchOptions& options);

}  // namespace ringkv::bench
