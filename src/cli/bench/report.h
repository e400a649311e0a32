// The output of `ringkv bench`: the live progress line, the text report a person reads at the
// end, and the same figures as JSON for scripts and docs/PERFORMANCE.md. Latencies are printed in
// microseconds; the histograms hold nanoseconds.
// Thread-safety: pure functions of their arguments.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "cli/bench/bench_options.h"
#include "cli/bench/bench_runner.h"

namespace ringkv::bench {

// "run     3.0 s    123456 ops    41152 ops/s    0 errors", without line ending or '\r'.
std::string format_progress_line(const ProgressSnapshot& snapshot);

void write_text_report(std::ostream& out, const BenchOptions& options, const BenchResult& result);

nlohmann::ordered_json json_report(const BenchOptions& options, const BenchResult& result);

}  // namespace ringkv::bench
