#include "cli/bench/report.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/bench/workload.h"

namespace ringkv::bench {
namespace {

// The percentiles every report shows, with their JSON names.
struct PercentileColumn {
  double percentile;
  const char* json_name;
  const char* text_header;
};
constexpr PercentileColumn kPercentiles[] = {
    {50.0, "p50", "p50"}, {95.0, "p95", "p95"}, {99.0, "p99", "p99"}, {99.9, "p99_9", "p99.9"}};

double microseconds(std::uint64_t nanoseconds) {
  return static_cast<double>(nanoseconds) / 1e3;
}

// Operation types that were attempted in a phase, in a fixed order.
std::vector<Operation> attempted_operations(const PhaseResult& phase) {
  std::vector<Operation> operations;
  for (Operation op : {Operation::kInsert, Operation::kRead, Operation::kUpdate}) {
    const OperationStats& stats = phase.of(op);
    if (stats.completed + stats.errors > 0) operations.push_back(op);
  }
  return operations;
}

std::string describe_mix(const WorkloadMix& mix) {
  const int read_percent = static_cast<int>(mix.read_proportion * 100.0 + 0.5);
  if (read_percent == 100) return fmt::format("workload {} (read only)", mix.name);
  return fmt::format("workload {} ({}% read, {}% update)", mix.name, read_percent,
                     100 - read_percent);
}

void write_operation_row(std::ostream& out, const char* name, const OperationStats& stats,
                         bool reads_possible) {
  const std::string not_found = reads_possible ? std::to_string(stats.not_found) : "-";
  out << fmt::format("  {:<8} {:>11} {:>10} {:>9}", name, stats.completed, not_found, stats.errors);
  for (const PercentileColumn& column : kPercentiles) {
    out << fmt::format(" {:>10.1f}",
                       microseconds(stats.latency_ns.value_at_percentile(column.percentile)));
  }
  out << fmt::format(" {:>10.1f}\n", microseconds(stats.latency_ns.max()));
}

void write_phase(std::ostream& out, const char* name, const PhaseResult& phase) {
  const OperationStats total = phase.total();
  out << fmt::format("{}: {:.2f} s, {} operations, {:.0f} ops/s, {} errors{}\n", name,
                     phase.elapsed_s, total.completed, phase.throughput_ops_per_s(), total.errors,
                     phase.interrupted ? " (interrupted)" : "");
  if (total.completed + total.errors == 0) return;
  out << fmt::format("  {:<8} {:>11} {:>10} {:>9}", "op", "completed", "not_found", "errors");
  for (const PercentileColumn& column : kPercentiles) {
    out << fmt::format(" {:>10}", std::string(column.text_header) + " us");
  }
  out << fmt::format(" {:>10}\n", "max us");
  const std::vector<Operation> operations = attempted_operations(phase);
  for (Operation op : operations) {
    write_operation_row(out, operation_name(op), phase.of(op), op == Operation::kRead);
  }
  if (operations.size() > 1) write_operation_row(out, "all", total, true);
  if (total.siblings > 0) {
    out << fmt::format("  reads that returned siblings: {}\n", total.siblings);
  }
  for (const auto& [code, entry] : phase.errors.by_code) {
    out << fmt::format("  {} x {}, first: {}\n", entry.count, code, entry.first_message);
  }
}

nlohmann::ordered_json operation_json(const OperationStats& stats) {
  nlohmann::ordered_json latency = {{"min", microseconds(stats.latency_ns.min())},
                                    {"mean", stats.latency_ns.mean() / 1e3}};
  for (const PercentileColumn& column : kPercentiles) {
    latency[column.json_name] =
        microseconds(stats.latency_ns.value_at_percentile(column.percentile));
  }
  latency["max"] = microseconds(stats.latency_ns.max());
  return {{"completed", stats.completed},
          {"not_found", stats.not_found},
          {"siblings", stats.siblings},
          {"errors", stats.errors},
          {"latency_us", latency}};
}

nlohmann::ordered_json phase_json(const PhaseResult& phase) {
  const OperationStats total = phase.total();
  nlohmann::ordered_json operations = nlohmann::ordered_json::object();
  for (Operation op : attempted_operations(phase)) {
    operations[operation_name(op)] = operation_json(phase.of(op));
  }
  operations["all"] = operation_json(total);
  nlohmann::ordered_json errors = nlohmann::ordered_json::object();
  for (const auto& [code, entry] : phase.errors.by_code) {
    errors[code] = {{"count", entry.count}, {"first_message", entry.first_message}};
  }
  return {{"elapsed_s", phase.elapsed_s},
          {"interrupted", phase.interrupted},
          {"completed", total.completed},
          {"errors", total.errors},
          {"throughput_ops_per_s", phase.throughput_ops_per_s()},
          {"operations", operations},
          {"errors_by_code", errors}};
}

}  // namespace

std::string format_progress_line(const ProgressSnapshot& snapshot) {
  return fmt::format("{:<4} {:>7.1f} s {:>11} ops {:>9.0f} ops/s {:>8} errors", snapshot.phase,
                     snapshot.elapsed_s, snapshot.completed, snapshot.interval_ops_per_s,
                     snapshot.errors);
}

void write_text_report(std::ostream& out, const BenchOptions& options, const BenchResult& result) {
  const WorkloadMix mix = parse_workload(options.workload).value();
  const KeyDistribution distribution = parse_key_distribution(options.distribution).value();
  out << fmt::format("ringkv bench: {}, {} keys, {} records of {} bytes\n", describe_mix(mix),
                     key_distribution_name(distribution), options.record_count, options.value_size);
  out << fmt::format("  {} clients ({} connected at start) over {}, bucket {}, seed {}\n",
                     options.clients, result.clients_connected_at_start,
                     fmt::join(options.servers, ","), options.bucket, options.seed);
  out << "  an update (and an insert) is a get and a put with the get's context: two requests\n";
  if (result.load) write_phase(out, "load", *result.load);
  write_phase(out, "run", result.run);
}

nlohmann::ordered_json json_report(const BenchOptions& options, const BenchResult& result) {
  const WorkloadMix mix = parse_workload(options.workload).value();
  const KeyDistribution distribution = parse_key_distribution(options.distribution).value();
  nlohmann::ordered_json settings = {{"servers", options.servers},
                                     {"bucket", options.bucket},
                                     {"workload", std::string(1, mix.name)},
                                     {"read_proportion", mix.read_proportion},
                                     {"distribution", key_distribution_name(distribution)},
                                     {"record_count", options.record_count},
                                     {"value_size", options.value_size},
                                     {"clients", options.clients},
                                     {"load", options.load},
                                     {"seed", options.seed},
                                     {"timeout_ms", options.timeout_ms}};
  if (options.operations == 0) {
    settings["duration_s"] = options.duration_s;
  } else {
    settings["operations"] = options.operations;
  }
  return {{"settings", settings},
          {"clients_connected_at_start", result.clients_connected_at_start},
          {"load", result.load ? phase_json(*result.load) : nlohmann::ordered_json(nullptr)},
          {"run", phase_json(result.run)}};
}

}  // namespace ringkv::bench
