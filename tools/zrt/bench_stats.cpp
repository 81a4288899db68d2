#include "bench_stats.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace zrt::cli::bench {

double percentile(std::span<const double> sorted, double q) noexcept {
  if (sorted.empty()) return 0;
  q = std::clamp(q, 0.0, 1.0);
  const double pos = static_cast<double>(sorted.size() - 1) * q;
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  const double frac = pos - static_cast<double>(lo);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

LatencyStats summarize(std::span<const double> samples_us) {
  LatencyStats s;
  s.runs = samples_us.size();
  if (samples_us.empty()) return s;
  std::vector<double> sorted(samples_us.begin(), samples_us.end());
  std::sort(sorted.begin(), sorted.end());
  s.min_us = sorted.front();
  s.max_us = sorted.back();
  s.p50_us = percentile(sorted, 0.50);
  s.p90_us = percentile(sorted, 0.90);
  s.p99_us = percentile(sorted, 0.99);
  s.p999_us = percentile(sorted, 0.999);
  double total = 0;
  for (double v : sorted) total += v;
  s.total_us = total;
  s.mean_us = total / static_cast<double>(s.runs);
  double sq = 0;
  for (double v : sorted) sq += (v - s.mean_us) * (v - s.mean_us);
  s.stddev_us = s.runs > 1 ? std::sqrt(sq / static_cast<double>(s.runs - 1)) : 0.0;
  s.throughput_per_s = total > 0 ? static_cast<double>(s.runs) * 1e6 / total : 0.0;
  return s;
}

}  // namespace zrt::cli::bench
