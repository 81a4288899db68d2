// zrt bench --load: C client threads, each submitting one request at a time and
// waiting for its result (closed loop), or submitting at Poisson arrival times for a
// total rate R (open loop, latency from the scheduled arrival, so queueing is not
// hidden by coordinated omission), through four serving strategies on one workload:
// lanes (Runtime), Pool, Batcher, and ORT's C++ Session::Run on one shared session.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bench_engine.hpp"
#include "bench_stats.hpp"
#include "bench_workload.hpp"

namespace zrt::cli::bench {

// The strategies, in the order the bench runs and reports them (the JSON keys).
inline constexpr std::string_view kLoadStrategies[] = {"lanes", "pool", "batcher", "cxx_shared"};

struct LoadConfig {
  std::vector<std::string> strategies;  // of kLoadStrategies; empty: all
  std::size_t clients = 16;
  double duration_s = 1.0;     // seconds per strategy, split over the rounds
  std::optional<double> rate;  // open loop: requests per second in all; unset: closed loop
  std::size_t warmup = 200;    // untimed requests in all (split over the clients) per strategy first
  std::size_t rounds = 3;      // round-robin rounds over the strategies
  std::uint64_t seed = 0;      // open loop: the arrival times
  ProgressFn progress;
};

struct LoadStrategyResult {
  std::string name;          // one of kLoadStrategies
  std::string description;   // how it serves the requests
  std::string error;         // not empty: the strategy could not run, and why
  std::size_t requests = 0;  // completed in the measured windows
  double seconds = 0;        // the measured windows' wall time, all rounds
  double throughput_rps = 0;
  LatencyStats stats;                       // per request: completion - submission (open loop: - scheduled arrival)
  double mean_batch = 1;                    // requests per model run (1 unless the strategy batches)
  double cpu_us_per_request = 0;            // process CPU time over the windows / requests
  double context_switches_per_request = 0;  // the process's, voluntary and not, over the windows

  bool ran() const noexcept { return error.empty() && requests > 0; }
};

struct LoadResult {
  std::size_t clients = 0;
  std::optional<double> rate;
  double duration_s = 0;
  std::size_t rounds = 0;
  std::size_t cores = 0;  // the lanes strategy's cap
  std::vector<LoadStrategyResult> strategies;

  const LoadStrategyResult* find(std::string_view name) const noexcept;
  // The per-request strategy (not the batcher) with the highest throughput, if any ran.
  const LoadStrategyResult* best_per_request() const noexcept;
};

// Throws zrt::Error naming the known strategies when config.strategies names another.
LoadResult run_load(const Workload& workload, const LoadConfig& config);

}  // namespace zrt::cli::bench
