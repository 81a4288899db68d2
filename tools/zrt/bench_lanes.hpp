// zrt bench --lanes K: K threads, each driving its own lane, against ORT's C++ API with
// K threads calling Run on one shared session, and against one lane on one thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "bench_engine.hpp"
#include "bench_stats.hpp"
#include "bench_workload.hpp"

namespace zrt::cli::bench {

struct LanesConfig {
  std::size_t lanes = 2;
  std::size_t iters = 0;     // > 0: runs per thread, split over the rounds
  double duration_s = 0.5;   // iters == 0: seconds per mode, split over the rounds
  std::size_t warmup = 200;  // untimed runs per thread first
  std::size_t rounds = 3;    // round-robin rounds over the modes
  bool pin = true;           // thread i on core i (as Runtime::pin_current_thread does)
  ProgressFn progress;
};

struct LanesMode {
  std::string name;  // zrt_lane_x1, zrt_shared, zrt_replicated, cxx_run_shared
  std::string description;
  std::size_t threads = 0;
  std::size_t runs = 0;         // all threads
  double seconds = 0;           // wall time of the timed runs, all rounds
  double throughput_per_s = 0;  // runs / seconds
  LatencyStats stats;           // per-run latency over every thread's runs
  std::optional<double> allocs_per_run;
};

struct LanesResult {
  std::size_t lanes = 0;
  bool pinned = false;
  std::string pinning;  // "threads pinned to cores 0-1", or why not
  std::vector<LanesMode> modes;

  const LanesMode* find(std::string_view name) const noexcept;
  // The faster of zrt_shared and zrt_replicated.
  const LanesMode* best_zrt() const noexcept;
};

LanesResult run_lanes(const Workload& workload, const LanesConfig& config);

}  // namespace zrt::cli::bench
