#include "bench_engine.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "bench_alloc.hpp"
#include "zrt/error.hpp"

namespace zrt::cli::bench {
namespace {

using Clock = std::chrono::steady_clock;

double micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

void report(const ProgressFn& progress, std::string_view phase, std::size_t done, std::size_t total) {
  if (progress) progress(phase, done, total);
}

// Largest |actual - expected| over the floating-point tensors of two matching values.
double max_abs_diff(const HostValue& expected, const HostValue& actual) {
  double worst = 0;
  if (expected.kind == HostValue::Kind::Tensor && actual.kind == HostValue::Kind::Tensor &&
      is_floating(expected.tensor.type) && expected.tensor.type == actual.tensor.type &&
      expected.tensor.dims == actual.tensor.dims) {
    const std::size_t n = expected.tensor.element_count();
    for (std::size_t i = 0; i < n; ++i) {
      const double d = std::fabs(element_as_double(actual.tensor, i) - element_as_double(expected.tensor, i));
      if (d > worst) worst = d;  // NaN never counts (NaN equals NaN in the check)
    }
  }
  if (expected.kind == HostValue::Kind::Sequence && actual.kind == HostValue::Kind::Sequence &&
      expected.elements.size() == actual.elements.size())
    for (std::size_t i = 0; i < expected.elements.size(); ++i)
      worst = std::max(worst, max_abs_diff(expected.elements[i], actual.elements[i]));
  return worst;
}

}  // namespace

CheckResult check_outputs(const NamedPath& reference, std::span<NamedPath> paths,
                          const std::vector<std::string>& output_names, std::size_t runs, const Tolerance& tolerance) {
  CheckResult result;
  result.reference = reference.name;
  result.runs = std::max<std::size_t>(runs, 1);
  result.tolerance = tolerance;
  std::vector<std::vector<HostValue>> expected;
  reference.path->reset();
  for (std::size_t r = 0; r < result.runs; ++r) {
    reference.path->run();
    expected.push_back(reference.path->outputs());
  }
  reference.path->reset();
  const Tolerance exact{0, 0};
  for (NamedPath& p : paths) {
    if (p.path.get() == reference.path.get()) continue;
    p.path->reset();
    for (std::size_t r = 0; r < result.runs; ++r) {
      p.path->run();
      const std::vector<HostValue> got = p.path->outputs();
      if (got.size() != expected[r].size())
        throw Error(fmt::format("path {} gives {} outputs, {} gives {}", p.name, got.size(), reference.name,
                                expected[r].size()));
      for (std::size_t j = 0; j < got.size(); ++j) {
        const std::string& name = j < output_names.size() ? output_names[j] : std::to_string(j);
        if (auto why = compare(expected[r][j], got[j], tolerance))
          throw Error(fmt::format("path {} disagrees with {} on output '{}' (run {} of {} from the initial state): {}",
                                  p.name, reference.name, name, r + 1, result.runs, *why));
        if (compare(expected[r][j], got[j], exact)) result.identical = false;
        result.max_abs_diff = std::max(result.max_abs_diff, max_abs_diff(expected[r][j], got[j]));
      }
    }
    p.path->reset();
  }
  return result;
}

std::vector<PathResult> time_paths(std::span<NamedPath> paths, const TimingConfig& config) {
  const std::size_t n_paths = paths.size();
  const std::size_t rounds = std::max<std::size_t>(config.rounds, 1);
  const bool by_count = config.iters > 0;
  const double slice_us = config.duration_s * 1e6 / static_cast<double>(rounds);

  // Warm-up, timed only to size the sample buffers of duration runs.
  std::vector<double> estimate_us(n_paths, 1.0);
  for (std::size_t p = 0; p < n_paths; ++p) {
    Path& path = *paths[p].path;
    const std::size_t n = std::max<std::size_t>(config.warmup, by_count ? 0 : 1);
    std::vector<double> warm(n);
    for (std::size_t i = 0; i < n; ++i) {
      const auto t0 = Clock::now();
      path.run();
      warm[i] = micros(Clock::now() - t0);
    }
    path.settle();
    if (!warm.empty()) {
      std::sort(warm.begin(), warm.end());
      estimate_us[p] = std::max(warm[warm.size() / 2], 0.01);
    }
    report(config.progress, "warm-up", p + 1, n_paths);
  }

  // Per path and round: how many runs (by count) or at most how many (by duration).
  constexpr double kMaxSamples = 50e6;
  std::vector<std::size_t> round_cap(n_paths);
  std::vector<PathResult> results(n_paths);
  for (std::size_t p = 0; p < n_paths; ++p) {
    std::size_t total;
    if (by_count) {
      round_cap[p] = (config.iters + rounds - 1) / rounds;
      total = config.iters;
    } else {
      const double cap =
          std::min(std::ceil(slice_us / estimate_us[p] * 3.0) + 16.0, kMaxSamples / static_cast<double>(rounds));
      round_cap[p] = static_cast<std::size_t>(cap);
      total = round_cap[p] * rounds;
    }
    results[p].name = paths[p].name;
    results[p].samples_us.resize(total);
  }

  const bool counting = allocation_counting();
  std::vector<std::size_t> count(n_paths, 0);
  std::vector<std::uint64_t> allocations(n_paths, 0), alloc_bytes(n_paths, 0);
  std::size_t done = 0;
  for (std::size_t r = 0; r < rounds; ++r) {
    for (std::size_t k = 0; k < n_paths; ++k) {
      const std::size_t p = (r + k) % n_paths;
      Path& path = *paths[p].path;
      double* samples = results[p].samples_us.data();
      std::size_t i = count[p];
      const AllocationSnapshot before = allocation_snapshot();
      if (by_count) {
        const std::size_t end = config.iters * (r + 1) / rounds;
        for (; i < end; ++i) {
          const auto t0 = Clock::now();
          path.run();
          samples[i] = micros(Clock::now() - t0);
        }
      } else {
        const std::size_t end = i + round_cap[p];
        const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                                 std::chrono::duration<double, std::micro>(slice_us));
        while (i < end) {
          const auto t0 = Clock::now();
          path.run();
          const auto t1 = Clock::now();
          samples[i++] = micros(t1 - t0);
          if (t1 >= deadline) break;
        }
      }
      const AllocationSnapshot after = allocation_snapshot();
      allocations[p] += after.allocations - before.allocations;
      alloc_bytes[p] += after.bytes - before.bytes;
      path.settle();
      count[p] = i;
      report(config.progress, "timing", ++done, rounds * n_paths);
    }
  }

  for (std::size_t p = 0; p < n_paths; ++p) {
    PathResult& res = results[p];
    res.samples_us.resize(count[p]);
    res.stats = summarize(res.samples_us);
    if (counting && count[p] > 0) {
      res.allocs_per_run = static_cast<double>(allocations[p]) / static_cast<double>(count[p]);
      res.alloc_bytes_per_run = static_cast<double>(alloc_bytes[p]) / static_cast<double>(count[p]);
    }
  }
  return results;
}

}  // namespace zrt::cli::bench
