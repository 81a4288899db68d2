// How sure zrt tune is that one configuration is faster than another. The two run in
// interleaved blocks (each block measures both back to back, the order alternating), a
// block gives the ratio of their scores (p50, or 1 / throughput with --lanes), and the
// 95 % interval of the mean log ratio comes from Student's t over the blocks: pairing
// within a block cancels the drift that hits both alike, so the interval measures
// what is left.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace zrt::cli::tune {

enum class Verdict { Faster, Slower, Noise };
std::string_view verdict_name(Verdict v) noexcept;  // "faster", "slower", "noise"

struct RatioEstimate {
  std::size_t blocks = 0;
  double ratio = 1;     // geometric mean over the blocks of score(candidate) / score(reference): < 1 faster
  double ratio_lo = 1;  // its 95 % interval (equal to ratio with fewer than two blocks)
  double ratio_hi = 1;

  double gain() const noexcept { return 1 - ratio; }  // > 0: faster
  double gain_lo() const noexcept { return 1 - ratio_hi; }
  double gain_hi() const noexcept { return 1 - ratio_lo; }
  double half_width() const noexcept { return (ratio_hi - ratio_lo) / 2; }
  // Faster when the whole interval is a gain, Slower when it is all a loss, else Noise
  // (always Noise with fewer than two blocks: no interval).
  Verdict verdict() const noexcept;
};

// Student's t 0.975 quantile for `dof` degrees of freedom (exact to 3 decimals up to 30,
// within 0.005 beyond). dof 0 counts as 1.
double t_975(std::size_t dof) noexcept;

// `ratios`: one per block, score(candidate) / score(reference); blocks whose ratio is
// not a positive finite number are left out.
RatioEstimate estimate_ratio(std::span<const double> ratios);

}  // namespace zrt::cli::tune
