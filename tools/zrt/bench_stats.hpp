// Latency statistics for zrt bench: percentiles and a summary of timed runs.
#pragma once

#include <cstddef>
#include <span>

namespace zrt::cli::bench {

// The q-quantile (0 <= q <= 1) of `sorted` (ascending), interpolated linearly between
// the two closest ranks: the value at position (n - 1) * q, as NumPy's default
// (method "linear"). 0 for an empty span.
double percentile(std::span<const double> sorted, double q) noexcept;

struct LatencyStats {
  std::size_t runs = 0;
  double min_us = 0;
  double p50_us = 0;
  double p90_us = 0;
  double p99_us = 0;
  double p999_us = 0;
  double max_us = 0;
  double mean_us = 0;
  double stddev_us = 0;
  double total_us = 0;          // sum of every run's latency
  double throughput_per_s = 0;  // runs per second of run time (one caller): runs / total
};

// Statistics of per-run latencies in microseconds (any order).
LatencyStats summarize(std::span<const double> samples_us);

}  // namespace zrt::cli::bench
