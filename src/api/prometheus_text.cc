// Prometheus text exposition; see prometheus_text.h.
#include "api/prometheus_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace ringkv::api {
namespace {

constexpr double kLatencyBounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                     0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
constexpr double kSizeBounds[] = {64,    256,    1024,    4096,    16384,
                                  65536, 262144, 1048576, 4194304, 16777216};
constexpr double kSiblingBounds[] = {1, 2, 3, 4, 8, 16, 64};

std::string number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return fmt::format("{}", static_cast<std::int64_t>(value));
  }
  return fmt::format("{}", value);
}

void write_labels(std::string& out, const MetricLabels& labels, std::string_view extra_name = {},
                  std::string_view extra_value = {}) {
  if (labels.empty() && extra_name.empty()) return;
  out += '{';
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out += ',';
    first = false;
    out += name;
    out += "=\"";
    out += escape_label_value(value);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!first) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
}

}  // namespace

Histogram::Histogram(std::span<const double> bounds)
    : bounds_(bounds), counts_(bounds.size() + 1, 0) {}

void Histogram::observe(double value) {
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value);
  ++counts_[static_cast<std::size_t>(it - bounds_.begin())];
  sum_ += value;
  ++count_;
}

std::span<const double> latency_bounds_seconds() {
  return kLatencyBounds;
}
std::span<const double> size_bounds_bytes() {
  return kSizeBounds;
}
std::span<const double> sibling_bounds() {
  return kSiblingBounds;
}

void PrometheusWriter::family(std::string_view name, std::string_view type, std::string_view help) {
  std::string escaped_help;
  for (const char c : help) {
    if (c == '\\') {
      escaped_help += "\\\\";
    } else if (c == '\n') {
      escaped_help += "\\n";
    } else {
      escaped_help += c;
    }
  }
  out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, escaped_help, name, type);
}

void PrometheusWriter::sample(std::string_view name, const MetricLabels& labels, double value) {
  out_ += name;
  write_labels(out_, labels);
  out_ += ' ';
  out_ += number(value);
  out_ += '\n';
}

void PrometheusWriter::histogram(std::string_view name, const MetricLabels& labels,
                                 const Histogram& histogram) {
  std::uint64_t cumulative = 0;
  const auto bounds = histogram.bounds();
  for (std::size_t i = 0; i <= bounds.size(); ++i) {
    cumulative += histogram.counts()[i];
    out_ += name;
    out_ += "_bucket";
    write_labels(out_, labels, "le", i < bounds.size() ? number(bounds[i]) : "+Inf");
    out_ += ' ';
    out_ += number(static_cast<double>(cumulative));
    out_ += '\n';
  }
  out_ += name;
  out_ += "_sum";
  write_labels(out_, labels);
  out_ += ' ';
  out_ += number(histogram.sum());
  out_ += '\n';
  out_ += name;
  out_ += "_count";
  write_labels(out_, labels);
  out_ += ' ';
  out_ += number(static_cast<double>(histogram.count()));
  out_ += '\n';
}

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace ringkv::api
