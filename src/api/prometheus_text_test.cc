#include "api/prometheus_text.h"

#include <gtest/gtest.h>

namespace ringkv::api {
namespace {

TEST(PrometheusText, CountersAndGaugesCarryHelpTypeAndEscapedLabels) {
  PrometheusWriter out;
  out.family("ringkv_x_total", "counter", "Things\\n with a \\ and\nnewline");
  out.sample("ringkv_x_total", {{"op", "get"}, {"path", "a\"b\\c\nd"}}, 3);
  out.family("ringkv_y", "gauge", "A gauge");
  out.sample("ringkv_y", 0.25);
  EXPECT_EQ(out.text(),
            "# HELP ringkv_x_total Things\\\\n with a \\\\ and\\nnewline\n"
            "# TYPE ringkv_x_total counter\n"
            "ringkv_x_total{op=\"get\",path=\"a\\\"b\\\\c\\nd\"} 3\n"
            "# HELP ringkv_y A gauge\n# TYPE ringkv_y gauge\nringkv_y 0.25\n");
}

TEST(PrometheusText, HistogramsAreCumulativeWithAnInfBucketEqualToTheCount) {
  static constexpr double kBounds[] = {0.1, 1};
  Histogram histogram(kBounds);
  for (const double value : {0.05, 0.1, 0.5, 2.0, 3.0}) histogram.observe(value);
  PrometheusWriter out;
  out.histogram("ringkv_t_seconds", {{"op", "put"}}, histogram);
  EXPECT_EQ(out.text(),
            "ringkv_t_seconds_bucket{op=\"put\",le=\"0.1\"} 2\n"
            "ringkv_t_seconds_bucket{op=\"put\",le=\"1\"} 3\n"
            "ringkv_t_seconds_bucket{op=\"put\",le=\"+Inf\"} 5\n"
            "ringkv_t_seconds_sum{op=\"put\"} 5.65\n"
            "ringkv_t_seconds_count{op=\"put\"} 5\n");
  PrometheusWriter bare;
  bare.histogram("ringkv_s", {}, Histogram(kBounds));
  EXPECT_NE(bare.text().find("ringkv_s_bucket{le=\"+Inf\"} 0\n"), std::string::npos);
  EXPECT_NE(bare.text().find("ringkv_s_count 0\n"), std::string::npos);
}

TEST(PrometheusText, TheStandardBoundsIncrease) {
  for (const auto bounds : {latency_bounds_seconds(), size_bounds_bytes(), sibling_bounds()}) {
    ASSERT_FALSE(bounds.empty());
    for (std::size_t i = 1; i < bounds.size(); ++i) EXPECT_LT(bounds[i - 1], bounds[i]);
  }
}

}  // namespace
}  // namespace ringkv::api
