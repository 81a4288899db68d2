// bench_stats.hpp: percentiles and summaries on known samples.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <vector>

#include "bench_stats.hpp"

namespace zrt::cli::bench {
namespace {

std::vector<double> one_to(std::size_t n) {
  std::vector<double> v(n);
  std::iota(v.begin(), v.end(), 1.0);
  return v;
}

TEST(BenchStats, PercentileInterpolatesBetweenRanks) {
  const std::vector<double> v = one_to(100);  // 1..100
  EXPECT_DOUBLE_EQ(percentile(v, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(percentile(v, 1.0), 100.0);
  EXPECT_DOUBLE_EQ(percentile(v, 0.5), 50.5);    // position 49.5
  EXPECT_DOUBLE_EQ(percentile(v, 0.9), 90.1);    // position 89.1
  EXPECT_DOUBLE_EQ(percentile(v, 0.99), 99.01);  // position 98.01
  EXPECT_NEAR(percentile(v, 0.999), 99.901, 1e-9);
}

TEST(BenchStats, PercentileOfOddCountHitsTheMiddle) {
  const std::vector<double> v = {1, 2, 3, 4, 5};
  EXPECT_DOUBLE_EQ(percentile(v, 0.5), 3.0);
  EXPECT_DOUBLE_EQ(percentile(v, 0.25), 2.0);
  EXPECT_DOUBLE_EQ(percentile(v, 0.1), 1.4);
}

TEST(BenchStats, PercentileEdgeCases) {
  EXPECT_DOUBLE_EQ(percentile({}, 0.5), 0.0);
  const std::vector<double> one = {7.5};
  EXPECT_DOUBLE_EQ(percentile(one, 0.0), 7.5);
  EXPECT_DOUBLE_EQ(percentile(one, 0.999), 7.5);
  const std::vector<double> v = {1, 2};
  EXPECT_DOUBLE_EQ(percentile(v, -1.0), 1.0);  // clamped
  EXPECT_DOUBLE_EQ(percentile(v, 2.0), 2.0);
}

TEST(BenchStats, SummarizeSortsAndCounts) {
  std::vector<double> v = one_to(1000);
  std::shuffle(v.begin(), v.end(), std::mt19937(3));
  const LatencyStats s = summarize(v);
  EXPECT_EQ(s.runs, 1000u);
  EXPECT_DOUBLE_EQ(s.min_us, 1.0);
  EXPECT_DOUBLE_EQ(s.max_us, 1000.0);
  EXPECT_DOUBLE_EQ(s.p50_us, 500.5);
  EXPECT_DOUBLE_EQ(s.p90_us, 900.1);
  EXPECT_DOUBLE_EQ(s.p99_us, 990.01);
  EXPECT_NEAR(s.p999_us, 999.001, 1e-9);
  EXPECT_DOUBLE_EQ(s.mean_us, 500.5);
  EXPECT_DOUBLE_EQ(s.total_us, 500500.0);
  EXPECT_NEAR(s.throughput_per_s, 1000.0 * 1e6 / 500500.0, 1e-9);
  EXPECT_NEAR(s.stddev_us, 288.8194360957494, 1e-9);  // sample standard deviation of 1..1000
}

TEST(BenchStats, SummarizeOfNothing) {
  const LatencyStats s = summarize({});
  EXPECT_EQ(s.runs, 0u);
  EXPECT_DOUBLE_EQ(s.p50_us, 0.0);
  EXPECT_DOUBLE_EQ(s.throughput_per_s, 0.0);
}

TEST(BenchStats, ConstantSamples) {
  const std::vector<double> v(10, 4.0);
  const LatencyStats s = summarize(v);
  EXPECT_DOUBLE_EQ(s.min_us, 4.0);
  EXPECT_DOUBLE_EQ(s.p999_us, 4.0);
  EXPECT_DOUBLE_EQ(s.stddev_us, 0.0);
  EXPECT_DOUBLE_EQ(s.throughput_per_s, 250000.0);
}

}  // namespace
}  // namespace zrt::cli::bench
