#include "tune_confidence.hpp"

#include <array>
#include <cmath>
#include <vector>

namespace zrt::cli::tune {

std::string_view verdict_name(Verdict v) noexcept {
  switch (v) {
    case Verdict::Faster: return "faster";
    case Verdict::Slower: return "slower";
    case Verdict::Noise: return "noise";
  }
  return "?";
}

Verdict RatioEstimate::verdict() const noexcept {
  if (blocks < 2) return Verdict::Noise;
  if (ratio_hi < 1) return Verdict::Faster;
  if (ratio_lo > 1) return Verdict::Slower;
  return Verdict::Noise;
}

double t_975(std::size_t dof) noexcept {
  static constexpr std::array<double, 30> kTable{12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                                 2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                                                 2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  if (dof <= kTable.size()) return kTable[dof == 0 ? 0 : dof - 1];
  return 1.960 + 2.4 / static_cast<double>(dof);  // 40: 2.020 (2.021), 60: 2.000, 120: 1.980
}

RatioEstimate estimate_ratio(std::span<const double> ratios) {
  std::vector<double> logs;
  for (double r : ratios)
    if (std::isfinite(r) && r > 0) logs.push_back(std::log(r));
  RatioEstimate e;
  e.blocks = logs.size();
  if (logs.empty()) return e;
  const double n = static_cast<double>(logs.size());
  double mean = 0;
  for (double v : logs) mean += v;
  mean /= n;
  e.ratio = e.ratio_lo = e.ratio_hi = std::exp(mean);
  if (logs.size() < 2) return e;
  double sq = 0;
  for (double v : logs) sq += (v - mean) * (v - mean);
  const double half = t_975(logs.size() - 1) * std::sqrt(sq / (n - 1) / n);
  e.ratio_lo = std::exp(mean - half);
  e.ratio_hi = std::exp(mean + half);
  return e;
}

}  // namespace zrt::cli::tune
