// zrt tune's search (tools/zrt/tune_search.hpp) and its confidence intervals
// (tools/zrt/tune_confidence.hpp), driven by made-up measurements: nothing is timed.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "tune_confidence.hpp"
#include "tune_search.hpp"

namespace zrt::cli::tune {
namespace {

TEST(TuneConfidence, TQuantiles) {
  EXPECT_DOUBLE_EQ(t_975(1), 12.706);
  EXPECT_DOUBLE_EQ(t_975(0), 12.706);
  EXPECT_DOUBLE_EQ(t_975(5), 2.571);
  EXPECT_DOUBLE_EQ(t_975(30), 2.042);
  EXPECT_NEAR(t_975(40), 2.021, 0.005);
  EXPECT_NEAR(t_975(120), 1.980, 0.005);
  EXPECT_NEAR(t_975(100000), 1.960, 0.001);
}

TEST(TuneConfidence, EqualBlocksGiveAPointInterval) {
  const std::vector<double> ratios{0.9, 0.9, 0.9, 0.9};
  const RatioEstimate e = estimate_ratio(ratios);
  EXPECT_EQ(e.blocks, 4u);
  EXPECT_NEAR(e.ratio, 0.9, 1e-12);
  EXPECT_NEAR(e.ratio_lo, 0.9, 1e-12);
  EXPECT_NEAR(e.ratio_hi, 0.9, 1e-12);
  EXPECT_NEAR(e.gain(), 0.1, 1e-12);
  EXPECT_NEAR(e.half_width(), 0.0, 1e-12);
  EXPECT_EQ(e.verdict(), Verdict::Faster);
}

TEST(TuneConfidence, IntervalIsStudentsTOnTheLogRatios) {
  // logs: ln 0.8, ln 0.9, ln 1.0; mean m, sd s; half = t(2) * s / sqrt(3).
  const std::vector<double> ratios{0.8, 0.9, 1.0};
  const double l[] = {std::log(0.8), std::log(0.9), std::log(1.0)};
  const double m = (l[0] + l[1] + l[2]) / 3;
  const double s = std::sqrt(((l[0] - m) * (l[0] - m) + (l[1] - m) * (l[1] - m) + (l[2] - m) * (l[2] - m)) / 2);
  const double half = 4.303 * s / std::sqrt(3.0);
  const RatioEstimate e = estimate_ratio(ratios);
  EXPECT_EQ(e.blocks, 3u);
  EXPECT_NEAR(e.ratio, std::exp(m), 1e-12);
  EXPECT_NEAR(e.ratio_lo, std::exp(m - half), 1e-12);
  EXPECT_NEAR(e.ratio_hi, std::exp(m + half), 1e-12);
  EXPECT_LT(e.ratio_lo, 0.8);  // wide: three blocks this far apart prove nothing
  EXPECT_GT(e.ratio_hi, 1.0);
  EXPECT_EQ(e.verdict(), Verdict::Noise);
  EXPECT_NEAR(e.gain_lo(), 1 - e.ratio_hi, 1e-12);
  EXPECT_NEAR(e.gain_hi(), 1 - e.ratio_lo, 1e-12);
}

TEST(TuneConfidence, SlowerNoiseAndUnusableBlocks) {
  EXPECT_EQ(estimate_ratio(std::vector<double>{1.10, 1.12, 1.11}).verdict(), Verdict::Slower);
  EXPECT_EQ(estimate_ratio(std::vector<double>{0.98, 1.02, 0.99, 1.01}).verdict(), Verdict::Noise);
  // One block: no interval, so no verdict but noise.
  const RatioEstimate one = estimate_ratio(std::vector<double>{0.5});
  EXPECT_EQ(one.blocks, 1u);
  EXPECT_DOUBLE_EQ(one.ratio, 0.5);
  EXPECT_EQ(one.verdict(), Verdict::Noise);
  // Zero, negative, infinite and NaN ratios are left out.
  const RatioEstimate some = estimate_ratio(std::vector<double>{0.0, -1.0, INFINITY, NAN, 0.9, 0.9});
  EXPECT_EQ(some.blocks, 2u);
  EXPECT_NEAR(some.ratio, 0.9, 1e-12);
  EXPECT_EQ(estimate_ratio(std::vector<double>{}).blocks, 0u);
  EXPECT_EQ(verdict_name(Verdict::Faster), "faster");
  EXPECT_EQ(verdict_name(Verdict::Slower), "slower");
  EXPECT_EQ(verdict_name(Verdict::Noise), "noise");
}

// A made-up p50 (µs) per candidate: 100, times a factor per option.
double fake_p50(const Candidate& c) {
  double p = 100;
  if (c.options.intra_op_threads() == 1) p *= 0.8;
  if (c.options.optimization_level() == OptimizationLevel::Disabled) p *= 3.0;  // leaves its step after a block
  if (c.options.cpu_arena() == false) p *= 0.95;
  for (const auto& [key, value] : c.options.config_entries())
    if (key == "session.disable_prepacking") p *= 1.2;
  return p;
}

struct FakeMeasure {
  std::vector<std::vector<std::string>> calls;  // labels per block, in order
  double seconds = 0;                           // asked for, in all
  // block index -> multiplier of every candidate whose label is `noisy` (drift in one block)
  std::string noisy;
  double noise = 1;

  std::vector<Measurement> operator()(std::span<const Candidate> c, double seconds_each) {
    std::vector<std::string> labels;
    std::vector<Measurement> out;
    for (const Candidate& x : c) {
      labels.push_back(x.label);
      double p = fake_p50(x);
      if (x.label == noisy) p *= (calls.size() % 2 == 0 ? noise : 1 / noise);
      out.push_back({p, 2 * p, 1e6 / p, 100, ""});
    }
    calls.push_back(std::move(labels));
    seconds += seconds_each * static_cast<double>(c.size());
    return out;
  }
};

SearchResult run(FakeMeasure& fake, SearchConfig config, std::size_t lanes = 0) {
  return search(
      search_space(2, lanes), [&fake](std::span<const Candidate> c, double s) { return fake(c, s); }, config);
}

TEST(TuneSearch, FindsTheFasterOptionsAndConfirmsThemWithATightInterval) {
  FakeMeasure fake;
  SearchConfig config;
  config.budget_s = 10;
  config.clock = [&fake] { return fake.seconds; };  // measuring takes what it is asked for
  const SearchResult r = run(fake, config);
  EXPECT_EQ(r.best.label, "intra_op_threads=1 cpu_arena=off");
  EXPECT_TRUE(r.beats_defaults);
  EXPECT_EQ(r.recommended.label, r.best.label);
  EXPECT_NEAR(r.gain, 1 - 0.8 * 0.95, 1e-9);
  EXPECT_NEAR(r.confirmation.ratio, 0.76, 1e-9);
  EXPECT_NEAR(r.confirmation.half_width(), 0, 1e-9);
  EXPECT_EQ(r.confirmation.verdict(), Verdict::Faster);
  // Tight at once: the confirmation stops at its minimum of blocks.
  EXPECT_EQ(r.confirmation.blocks, config.min_blocks);
  EXPECT_DOUBLE_EQ(r.defaults_final.p50_us, 100);
  EXPECT_DOUBLE_EQ(r.best_final.p50_us, 76);
  ASSERT_EQ(r.option_gains.size(), 2u);
  EXPECT_EQ(r.option_gains[0].dimension, "intra_op_threads");
  EXPECT_EQ(r.option_gains[0].change, "intra_op_threads=1");
  EXPECT_NEAR(r.option_gains[0].vs_previous.gain(), 0.2, 1e-9);
  EXPECT_EQ(r.option_gains[1].change, "cpu_arena=off");
  EXPECT_NEAR(r.option_gains[1].vs_previous.gain(), 0.05, 1e-9);
  // Never more measuring asked for than the budget.
  EXPECT_LE(fake.seconds, config.budget_s);
}

TEST(TuneSearch, EveryStepMeasuresTheDefaultsAndRotatesTheOrder) {
  FakeMeasure fake;
  const SearchResult r = run(fake, SearchConfig{});
  // The first step: defaults, intra_op_threads=1, intra_op_threads=2, rotated per block.
  ASSERT_GE(fake.calls.size(), 4u);
  EXPECT_EQ(fake.calls[0], (std::vector<std::string>{"ORT defaults", "intra_op_threads=1", "intra_op_threads=2"}));
  EXPECT_EQ(fake.calls[1], (std::vector<std::string>{"intra_op_threads=1", "intra_op_threads=2", "ORT defaults"}));
  EXPECT_EQ(fake.calls[2], (std::vector<std::string>{"intra_op_threads=2", "ORT defaults", "intra_op_threads=1"}));
  for (const Step& s : r.steps)
    if (s.candidate.label == "ORT defaults") {
      EXPECT_DOUBLE_EQ(s.vs_defaults.ratio, 1.0);
    }
  // With one thread adopted, spinning and block sizing have nothing to tune.
  for (const Step& s : r.steps) {
    EXPECT_NE(s.dimension, "intra_op_spinning");
    EXPECT_NE(s.dimension, "dynamic_block_base");
  }
}

TEST(TuneSearch, AFarSlowerValueLeavesItsStepAfterOneBlock) {
  FakeMeasure fake;
  const SearchResult r = run(fake, SearchConfig{});
  bool seen = false;
  for (const Step& s : r.steps) {
    if (s.candidate.label != "intra_op_threads=1 optimization_level=disabled") continue;
    seen = true;
    EXPECT_EQ(s.vs_defaults.blocks, 1u);
    EXPECT_NEAR(s.vs_defaults.ratio, 2.4, 1e-9);
    EXPECT_FALSE(s.adopted);
  }
  EXPECT_TRUE(seen);
  std::size_t measured = 0;
  for (const auto& call : fake.calls)
    for (const std::string& label : call) measured += label == "intra_op_threads=1 optimization_level=disabled";
  EXPECT_EQ(measured, 1u);
}

TEST(TuneSearch, NoiseIsNotAdoptedAndTheDefaultsAreRecommended) {
  // Only the arena option differs, by ±30 % from block to block: its interval is wide.
  FakeMeasure fake;
  fake.noisy = "intra_op_threads=1 cpu_arena=off";
  fake.noise = 1.3;
  SearchConfig config;
  const SearchResult r = search(
      {search_space(2, 0)[0], search_space(2, 0)[5]},
      [&fake](std::span<const Candidate> c, double s) { return fake(c, s); }, config);
  EXPECT_EQ(r.best.label, "intra_op_threads=1");
  for (const Step& s : r.steps)
    if (s.candidate.label == fake.noisy) {
      EXPECT_FALSE(s.adopted);
      EXPECT_GT(s.vs_incumbent.ratio_hi, 1.01);
    }
}

TEST(TuneSearch, RecommendsTheDefaultsWhenTheConfirmationDoesNotShowAGain) {
  // The search finds intra_op_threads=1 faster, but in the confirmation it is not.
  std::size_t calls = 0;
  SearchConfig config;
  config.budget_s = 1;
  const MeasureFn measure = [&calls](std::span<const Candidate> c, double) {
    ++calls;
    std::vector<Measurement> out;
    for (const Candidate& x : c) {
      const bool confirming = calls > 4;
      const double p =
          x.options.intra_op_threads() == 1 ? (confirming ? 101 + static_cast<double>(calls % 2) : 80) : 100;
      out.push_back({p, p, 1e6 / p, 10, ""});
    }
    return out;
  };
  const SearchResult r = search({search_space(2, 0)[0]}, measure, config);
  EXPECT_EQ(r.best.label, "intra_op_threads=1");
  EXPECT_FALSE(r.beats_defaults);
  EXPECT_EQ(r.confirmation.verdict(), Verdict::Slower);
  EXPECT_EQ(r.recommended.label, "ORT defaults");
  EXPECT_EQ(r.gain, 0.0);
  EXPECT_DOUBLE_EQ(r.recommended_final.p50_us, 100);
}

TEST(TuneSearch, NothingBetterMeansTheDefaultsWithoutAComparison) {
  SearchConfig config;
  const MeasureFn measure = [](std::span<const Candidate> c, double) {
    return std::vector<Measurement>(c.size(), Measurement{100, 100, 1e4, 10, ""});
  };
  const SearchResult r = search(search_space(4, 0), measure, config);
  EXPECT_TRUE(same_candidate(r.best, r.defaults));
  EXPECT_FALSE(r.beats_defaults);
  EXPECT_EQ(r.confirmation.blocks, 0u);
  EXPECT_TRUE(r.option_gains.empty());
  EXPECT_EQ(r.recommended.label, "ORT defaults");
}

TEST(TuneSearch, TheSpaceCoversTheWidenedOptions) {
  const Candidate defaults{"ORT defaults", SessionOptions{}, 0};
  std::vector<std::string> names, labels;
  for (const Dimension& d : search_space(2, 0)) {
    names.push_back(d.name);
    for (const Candidate& c : d.values(defaults)) labels.push_back(describe(c));
  }
  EXPECT_EQ(names, (std::vector<std::string>{"intra_op_threads", "intra_op_spinning", "dynamic_block_base",
                                             "optimization_level", "execution_mode", "cpu_arena", "memory_pattern",
                                             "prepacking", "denormal_as_zero"}));
  EXPECT_EQ(labels, (std::vector<std::string>{
                        "intra_op_threads=1", "intra_op_threads=2", "intra_op_spinning=off", "intra_op_spin_us=100",
                        "intra_op_spin_us=1000", "dynamic_block_base=1", "dynamic_block_base=4",
                        "optimization_level=disabled", "optimization_level=basic", "optimization_level=extended",
                        "optimization_level=layout", "execution_mode=parallel",
                        "execution_mode=parallel inter_op_threads=1", "execution_mode=parallel inter_op_threads=2",
                        "cpu_arena=off", "memory_pattern=off", "prepacking=off", "denormal_as_zero=on"}));
  // The config entries behind the short names are ORT's keys.
  const auto prepack = search_space(2, 0)[7].values(defaults).front();
  ASSERT_EQ(prepack.options.config_entries().size(), 1u);
  EXPECT_EQ(prepack.options.config_entries()[0],
            (std::pair<std::string, std::string>{"session.disable_prepacking", "1"}));
  const auto denormal = search_space(2, 0)[8].values(defaults).front();
  EXPECT_EQ(denormal.options.config_entries()[0],
            (std::pair<std::string, std::string>{"session.set_denormal_as_zero", "1"}));
}

TEST(TuneSearch, WithLanesTheLaneCountIsADimension) {
  const Candidate defaults{"ORT defaults", SessionOptions{}, 0};
  const auto space = search_space(8, 4);
  ASSERT_EQ(space[1].name, "lanes");
  std::vector<std::size_t> lanes;
  for (const Candidate& c : space[1].values(defaults)) lanes.push_back(c.lanes);
  EXPECT_EQ(lanes, (std::vector<std::size_t>{1, 2, 3}));
  // Threads per lane: 8 cores / 4 lanes.
  ASSERT_EQ(space[0].name, "intra_op_threads");
  std::vector<int> threads;
  for (const Candidate& c : space[0].values(defaults)) threads.push_back(c.options.intra_op_threads());
  EXPECT_EQ(threads, (std::vector<int>{1, 2}));
  EXPECT_EQ(describe({"", SessionOptions{}.intra_op_threads(1), 2}), "intra_op_threads=1 lanes=2");
  EXPECT_EQ(
      describe_change({"", SessionOptions{}.intra_op_threads(1), 0}, {"", SessionOptions{}.intra_op_threads(1), 2}),
      "lanes=2");
  for (const Dimension& d : search_space(8, 0)) EXPECT_NE(d.name, "lanes");
  for (const Dimension& d : search_space(8, 1)) EXPECT_NE(d.name, "lanes");
}

TEST(TuneSearch, RanksByThroughputWithLanes) {
  // Two lanes give more runs per second than three, though each run takes longer.
  SearchConfig config;
  config.by_throughput = true;
  const MeasureFn measure = [](std::span<const Candidate> c, double) {
    std::vector<Measurement> out;
    for (const Candidate& x : c) {
      const bool two = x.lanes == 2;
      out.push_back({two ? 120.0 : 100.0, 200, two ? 30000.0 : 20000.0, 100, two ? "zrt_replicated" : "zrt_shared"});
    }
    return out;
  };
  const SearchResult r = search(search_space(6, 3), measure, config);
  EXPECT_EQ(r.best.lanes, 2u);
  EXPECT_TRUE(r.beats_defaults);
  EXPECT_NEAR(r.confirmation.ratio, 2.0 / 3.0, 1e-9);
  EXPECT_EQ(r.recommended_final.detail, "zrt_replicated");
}

TEST(TuneSearch, TheBudgetBoundsTheRunWhenBlocksCostMoreThanAsked) {
  // Every block costs 0.3 s on top of what it measures (say, making sessions): the
  // descent stops at its share and skips the rest, the confirmation at the budget.
  double now = 0;
  std::size_t blocks = 0;
  SearchConfig config;
  config.budget_s = 4;
  config.clock = [&now] { return now; };
  const MeasureFn measure = [&](std::span<const Candidate> c, double seconds) {
    ++blocks;
    now += 0.3 + seconds * static_cast<double>(c.size());
    std::vector<Measurement> out;
    for (const Candidate& x : c) {
      const double p = fake_p50(x);
      out.push_back({p, p, 1e6 / p, 10, ""});
    }
    return out;
  };
  const SearchResult r = search(search_space(2, 0), measure, config);
  // The descent's share is 2 s, and it may run to 3 s. The threads step takes 1.37 s, the
  // optimization level step (spinning and block sizing have nothing to do with one
  // thread) ends at 2.71 s, the execution mode step starts and ends at about 4.1 s; the
  // dimensions after it are skipped.
  EXPECT_EQ(r.skipped, (std::vector<std::string>{"cpu_arena", "memory_pattern", "prepacking", "denormal_as_zero"}));
  EXPECT_EQ(r.best.label, "intra_op_threads=1");
  // Nothing is left for the confirmation but its minimum: three blocks.
  EXPECT_EQ(r.confirmation.blocks, 3u);
  EXPECT_EQ(r.confirmation.verdict(), Verdict::Faster);
  EXPECT_DOUBLE_EQ(r.spent_s, now);
  // Over by what the blocks themselves cost beyond their share: 4.86 s.
  EXPECT_GE(now, config.budget_s);
  EXPECT_LT(now, config.budget_s + 1);
  EXPECT_EQ(blocks, 4u + 4u + 4u + 3u);
}

TEST(TuneSearch, CombineTakesMediansMeansAndTheCommonDetail) {
  const std::vector<Measurement> blocks{
      {10, 30, 100, 5, "a"}, {12, 20, 200, 6, "b"}, {11, 25, 300, 7, "b"}, {50, 90, 400, 8, "b"}};
  const Measurement m = combine(blocks);
  EXPECT_DOUBLE_EQ(m.p50_us, 11.5);
  EXPECT_DOUBLE_EQ(m.p99_us, 27.5);
  EXPECT_DOUBLE_EQ(m.throughput_per_s, 250);
  EXPECT_EQ(m.runs, 26u);
  EXPECT_EQ(m.detail, "b");
}

}  // namespace
}  // namespace zrt::cli::tune
