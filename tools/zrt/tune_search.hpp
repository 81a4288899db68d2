// The search behind zrt tune: coordinate descent over session options (and, with
// --lanes, the lane count), each step measuring its candidates in interleaved blocks
// beside ORT's defaults as a control (a value 1.5x slower than the best so far in a
// block leaves the step, so hopeless values cost one block), then a confirmation: the best and the defaults in
// interleaved blocks until the gain's 95 % interval is tight or the budget ends. The
// best is recommended only when the whole interval is a gain. The search knows nothing
// about how a candidate is measured (tune.cpp measures with the bench engine), so it
// never times anything itself.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "tune_confidence.hpp"
#include "zrt/session_options.hpp"

namespace zrt::cli::tune {

struct Candidate {
  std::string label;  // what differs from ORT's defaults, e.g. "intra_op_threads=1 cpu_arena=off"
  SessionOptions options;
  std::size_t lanes = 0;  // with --lanes K: the lanes to run (0: K)
};

struct Measurement {
  double p50_us = 0;
  double p99_us = 0;
  double throughput_per_s = 0;  // runs per second (all lanes with --lanes)
  std::size_t runs = 0;
  std::string detail;  // e.g. the concurrency mode that won with --lanes
};

// One block: measures every candidate for about `seconds_each` seconds, one after
// another in the order given; results in that order. The search interleaves by
// rotating the order from block to block.
using MeasureFn = std::function<std::vector<Measurement>(std::span<const Candidate> candidates, double seconds_each)>;

// One coordinate: the values to try, given the best so far (an empty list skips the
// dimension, e.g. spinning with one thread). Labels are filled in by the search.
struct Dimension {
  std::string name;
  std::function<std::vector<Candidate>(const Candidate& current)> values;
};

// In this order (the most promising first, as the budget may cut the tail):
// intra_op_threads (1..cores, or 1..cores/lanes), with lanes > 1 the lane count
// (1..lanes - 1), intra_op_spinning (off, or on with a spin duration),
// dynamic_block_base (both only with intra-op workers), optimization_level,
// execution_mode (parallel, with inter_op_threads), cpu_arena, memory_pattern,
// prepacking, denormal_as_zero. Each tries the values other than ORT's default.
std::vector<Dimension> search_space(unsigned cores, std::size_t lanes);

// What differs from ORT's defaults, e.g. "intra_op_threads=1 prepacking=off lanes=1";
// "ORT defaults" when nothing does.
std::string describe(const Candidate& candidate);
// The parts of describe(b) that describe(a) lacks, e.g. "cpu_arena=off".
std::string describe_change(const Candidate& a, const Candidate& b);
bool same_options(const SessionOptions& a, const SessionOptions& b);
bool same_candidate(const Candidate& a, const Candidate& b);

struct SearchConfig {
  // Seconds the measuring may take, sessions and warm-up included: the descent stops
  // (skipping the dimensions left) once it has used its share and half the rest, and
  // the confirmation once the budget is spent (after at least three blocks).
  double budget_s = 10;
  // A value is adopted when it beats the best so far by this fraction and its 95 %
  // interval rules out its being slower by more than this fraction.
  double min_gain = 0.01;
  double search_share = 0.5;    // of the budget for the descent; the rest confirms
  std::size_t step_blocks = 4;  // interleaved blocks per step
  std::size_t min_blocks = 6;   // the confirmation measures at least this many blocks
  std::size_t max_blocks = 30;  // and at most this many (they share the rest of the budget)
  double precision = 0.01;      // and stops once the gain's 95 % half-width is this small
  double min_block_s = 0.002;   // the shortest a candidate is measured in one block
  bool by_throughput = false;   // rank by throughput (lanes) instead of p50
  // Seconds since some fixed start; unset: the steady clock.
  std::function<double()> clock;
  // Called after each step and after the confirmation ("final") with what it measured
  // (combined over its blocks), each candidate against the defaults, and the best.
  std::function<void(const std::string& step, std::span<const Candidate>, std::span<const Measurement>,
                     std::span<const RatioEstimate> vs_defaults, std::size_t chosen)>
      on_step;
};

struct Step {
  std::string dimension;
  Candidate candidate;
  Measurement measurement;     // combined over the blocks it ran (fewer when it left the step)
  RatioEstimate vs_defaults;   // in the same step
  RatioEstimate vs_incumbent;  // against the best so far, in the same step
  bool adopted = false;
};

// What one adopted value gained against the best before it, in its step.
struct OptionGain {
  std::string dimension;
  std::string change;  // e.g. "cpu_arena=off"
  RatioEstimate vs_previous;
};

struct SearchResult {
  // Per candidate in the first step (split over its blocks); later steps share what is left.
  double seconds_each = 0;
  double spent_s = 0;                // seconds measuring took, in all (by the clock)
  std::vector<std::string> skipped;  // dimensions the budget left no time for
  std::vector<Step> steps;           // everything measured, in order
  std::vector<OptionGain> option_gains;
  Candidate defaults;
  Candidate best;              // the search's winner (may be the defaults)
  Measurement defaults_final;  // the confirmation, combined over its blocks
  Measurement best_final;
  RatioEstimate confirmation;   // best against the defaults (blocks 0 when best is the defaults)
  bool beats_defaults = false;  // the confirmation's verdict is Faster
  Candidate recommended;        // best when it beats the defaults, else the defaults
  Measurement recommended_final;
  // confirmation.gain() when recommending the best, else 0.
  double gain = 0;
};

// Lower is better: p50, or 1 / throughput when ranking by throughput.
double score(const Measurement& m, bool by_throughput);

// Blocks of one candidate as one measurement: the median p50 and p99, the mean
// throughput, every run, the most frequent detail.
Measurement combine(std::span<const Measurement> blocks);

SearchResult search(const std::vector<Dimension>& space, const MeasureFn& measure, const SearchConfig& config);

}  // namespace zrt::cli::tune
