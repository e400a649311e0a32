// Prometheus text exposition format 0.0.4 (docs/OPERATIONS.md, "Metrics"): metric families with
// HELP and TYPE lines, counters, gauges and cumulative histograms with a +Inf bucket, label
// values escaped. A family's samples are written together, as the format requires.
// Thread-safety: a writer is used by one thread.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ringkv::api {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

// Observations counted into fixed upper bounds (`bounds`, increasing), plus their sum.
class Histogram {
 public:
  explicit Histogram(std::span<const double> bounds);
  void observe(double value);

  std::span<const double> bounds() const { return bounds_; }
  // Observations at or below bounds()[i] (not cumulative); the last entry counts those above
  // every bound.
  const std::vector<std::uint64_t>& counts() const { return counts_; }
  double sum() const { return sum_; }
  std::uint64_t count() const { return count_; }

 private:
  std::span<const double> bounds_;
  std::vector<std::uint64_t> counts_;
  double sum_ = 0;
  std::uint64_t count_ = 0;
};

// Request latency bounds in seconds: 100 us to 10 s.
std::span<const double> latency_bounds_seconds();
// Object size bounds in bytes: 64 B to 16 MiB.
std::span<const double> size_bounds_bytes();
// Siblings per read: 1 to 64.
std::span<const double> sibling_bounds();

class PrometheusWriter {
 public:
  // Starts a family: `type` is "counter", "gauge" or "histogram". Each name once per scrape.
  void family(std::string_view name, std::string_view type, std::string_view help);
  // One sample of the current family (a counter's name ends in _total).
  void sample(std::string_view name, const MetricLabels& labels, double value);
  void sample(std::string_view name, double value) { sample(name, {}, value); }
  // The _bucket, _sum and _count samples of a histogram family's series.
  void histogram(std::string_view name, const MetricLabels& labels, const Histogram& histogram);

  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

// A label value or HELP text escaped as the format requires (\\, \" in labels, \n).
std::string escape_label_value(std::string_view value);

}  // namespace ringkv::api
