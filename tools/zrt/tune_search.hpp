// The search behind zrt tune: coordinate descent over session options, each step
// measuring its candidates side by side with ORT's defaults as a control, then a final
// head-to-head of the best against the defaults. The search knows nothing about how a
// candidate is measured (tune.cpp measures with the bench engine), so it never times
// anything itself.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "zrt/session_options.hpp"

namespace zrt::cli::tune {

struct Candidate {
  std::string label;  // what differs from ORT's defaults, e.g. "intra_op_threads=1 cpu_arena=off"
  SessionOptions options;
};

struct Measurement {
  double p50_us = 0;
  double p99_us = 0;
  double throughput_per_s = 0;  // runs per second (all lanes with --lanes)
  std::size_t runs = 0;
  std::string detail;  // e.g. the concurrency mode that won with --lanes
};

// Measures every candidate for about `seconds_each` seconds, side by side where it can
// (interleaved, so drift hits every candidate alike); results in candidate order.
using MeasureFn = std::function<std::vector<Measurement>(std::span<const Candidate> candidates, double seconds_each)>;

// One coordinate: the values to try, given the best options so far (an empty list
// skips the dimension, e.g. spinning with one thread).
struct Dimension {
  std::string name;
  std::function<std::vector<SessionOptions>(const SessionOptions& current)> values;
};

// intra_op_threads (1..cores, or 1..cores/lanes with lanes > 1), intra_op_spinning,
// optimization_level, cpu_arena, memory_pattern, execution_mode: each dimension tries
// the values other than ORT's default.
std::vector<Dimension> search_space(unsigned cores, std::size_t lanes);

// The options that differ from ORT's defaults, e.g. "intra_op_threads=1 cpu_arena=off";
// "ORT defaults" when none does.
std::string describe(const SessionOptions& options);
bool same_options(const SessionOptions& a, const SessionOptions& b);

struct SearchConfig {
  double budget_s = 10;        // time spent measuring, about (sessions and warm-up come on top)
  double min_gain = 0.01;      // a value is adopted when it beats the current best by this fraction
  double final_weight = 3;     // the final head-to-head gets this many candidate slots each
  bool by_throughput = false;  // rank by throughput (lanes) instead of p50
  // Called after each step with what it measured (for live output).
  std::function<void(const std::string& step, std::span<const Candidate>, std::span<const Measurement>,
                     std::size_t chosen)>
      on_step;
};

struct Step {
  std::string dimension;
  Candidate candidate;
  Measurement measurement;
  double vs_defaults = 1;  // score / defaults' score in the same step (< 1: faster)
  bool adopted = false;
};

struct SearchResult {
  double seconds_each = 0;  // per candidate and step
  std::vector<Step> steps;  // everything measured, in order
  Candidate defaults;
  Candidate best;              // the search's winner (may be the defaults)
  Measurement defaults_final;  // the final head-to-head
  Measurement best_final;
  bool beats_defaults = false;  // best is faster than the defaults in the final
  Candidate recommended;        // best when it beats the defaults, else the defaults
  Measurement recommended_final;
  // (score(defaults) - score(recommended)) / score(defaults): 0 when recommending the defaults.
  double gain = 0;
};

// Lower is better: p50, or 1 / throughput when ranking by throughput.
double score(const Measurement& m, bool by_throughput);

SearchResult search(const std::vector<Dimension>& space, const MeasureFn& measure, const SearchConfig& config);

}  // namespace zrt::cli::tune
