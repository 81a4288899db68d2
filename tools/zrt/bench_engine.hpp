// The bench engine: runs several paths over one workload in interleaved rounds
// (round-robin, so drift and noise hit every path alike), after checking that every
// path computes what the reference computes. `zrt bench` prints its results; `zrt tune`
// uses it to compare configurations.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bench_paths.hpp"
#include "bench_stats.hpp"
#include "host_value.hpp"

namespace zrt::cli::bench {

// Called between timed sections (never inside one): phase, steps done, steps in all.
using ProgressFn = std::function<void(std::string_view phase, std::size_t done, std::size_t total)>;

struct NamedPath {
  std::string name;
  std::unique_ptr<Path> path;
};

// Outputs of deterministic CPU runs on one session are expected to be bit-identical
// across paths; the check allows this much (|got - expected| <= atol + rtol * |expected|).
inline constexpr Tolerance kCheckTolerance{1e-6, 1e-6};

struct CheckResult {
  std::string reference;  // the path every other was compared with
  std::size_t runs = 0;   // runs compared per path, from the initial state
  Tolerance tolerance;
  bool identical = true;    // every output bit-for-bit equal to the reference's
  double max_abs_diff = 0;  // largest difference seen on a floating-point output
};

// Runs `reference` and every path `runs` times from the initial state and compares
// each run's outputs. Throws zrt::Error naming the path, run, output and first
// differing index on a mismatch. Leaves every path reset.
CheckResult check_outputs(const NamedPath& reference, std::span<NamedPath> paths,
                          const std::vector<std::string>& output_names, std::size_t runs,
                          const Tolerance& tolerance = kCheckTolerance);

struct TimingConfig {
  std::size_t iters = 0;     // > 0: timed runs per path, split over the rounds
  double duration_s = 0.5;   // iters == 0: seconds of timed runs per path
  std::size_t warmup = 200;  // untimed runs per path first
  std::size_t rounds = 10;   // round-robin rounds (each starts at the next path)
  ProgressFn progress;
};

struct PathResult {
  std::string name;
  LatencyStats stats;
  // Process-wide allocations (ORT's included) during this path's timed runs, per run;
  // nullopt when this build does not count allocations.
  std::optional<double> allocs_per_run;
  std::optional<double> alloc_bytes_per_run;
  std::vector<double> samples_us;  // every timed run, in the order it ran
};

// Times every path. Nothing allocates inside a timed section but the paths themselves.
std::vector<PathResult> time_paths(std::span<NamedPath> paths, const TimingConfig& config);

}  // namespace zrt::cli::bench
