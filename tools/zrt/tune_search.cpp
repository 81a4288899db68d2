#include "tune_search.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "zrt/options_file.hpp"

namespace zrt::cli::tune {
namespace {

const char* level_name(OptimizationLevel level) {
  switch (level) {
    case OptimizationLevel::Disabled: return "disabled";
    case OptimizationLevel::Basic: return "basic";
    case OptimizationLevel::Extended: return "extended";
    case OptimizationLevel::Layout: return "layout";
    case OptimizationLevel::All: return "all";
  }
  return "?";
}

const char* on_off(bool v) { return v ? "on" : "off"; }

// 1..cores, thinned to powers of two (plus cores) beyond 8.
std::vector<int> thread_counts(unsigned cores) {
  std::vector<int> counts;
  const int n = static_cast<int>(std::max(cores, 1u));
  for (int t = 1; t <= n; t = n <= 8 ? t + 1 : t * 2) counts.push_back(t);
  if (counts.back() != n) counts.push_back(n);
  return counts;
}

}  // namespace

std::string describe(const SessionOptions& o) {
  std::vector<std::string> parts;
  if (o.intra_op_threads() != 0) parts.push_back(fmt::format("intra_op_threads={}", o.intra_op_threads()));
  if (o.inter_op_threads() != 0) parts.push_back(fmt::format("inter_op_threads={}", o.inter_op_threads()));
  if (o.intra_op_spinning()) parts.push_back(fmt::format("intra_op_spinning={}", on_off(*o.intra_op_spinning())));
  if (o.inter_op_spinning()) parts.push_back(fmt::format("inter_op_spinning={}", on_off(*o.inter_op_spinning())));
  if (o.optimization_level() != OptimizationLevel::All)
    parts.push_back(fmt::format("optimization_level={}", level_name(o.optimization_level())));
  if (o.cpu_arena()) parts.push_back(fmt::format("cpu_arena={}", on_off(*o.cpu_arena())));
  if (o.memory_pattern()) parts.push_back(fmt::format("memory_pattern={}", on_off(*o.memory_pattern())));
  if (o.execution_mode() == ExecutionMode::Parallel) parts.emplace_back("execution_mode=parallel");
  if (parts.empty()) return "ORT defaults";
  return fmt::format("{}", fmt::join(parts, " "));
}

bool same_options(const SessionOptions& a, const SessionOptions& b) {
  return session_options_to_json(a) == session_options_to_json(b);
}

std::vector<Dimension> search_space(unsigned cores, std::size_t lanes) {
  const unsigned per_lane = lanes > 1 ? std::max(1u, cores / static_cast<unsigned>(lanes)) : cores;
  std::vector<Dimension> space;
  space.push_back({"intra_op_threads", [per_lane](const SessionOptions& cur) {
                     std::vector<SessionOptions> v;
                     for (int t : thread_counts(per_lane)) v.push_back(SessionOptions(cur).intra_op_threads(t));
                     return v;
                   }});
  // Spinning only matters when the intra-op pool has workers.
  space.push_back({"intra_op_spinning", [](const SessionOptions& cur) {
                     if (cur.intra_op_threads() == 1) return std::vector<SessionOptions>{};
                     return std::vector<SessionOptions>{SessionOptions(cur).intra_op_spinning(false)};
                   }});
  space.push_back(
      {"optimization_level", [](const SessionOptions& cur) {
         std::vector<SessionOptions> v;
         for (auto level : {OptimizationLevel::Disabled, OptimizationLevel::Basic, OptimizationLevel::Extended})
           v.push_back(SessionOptions(cur).optimization_level(level));
         return v;
       }});
  space.push_back({"cpu_arena", [](const SessionOptions& cur) {
                     return std::vector<SessionOptions>{SessionOptions(cur).cpu_arena(false)};
                   }});
  space.push_back({"memory_pattern", [](const SessionOptions& cur) {
                     return std::vector<SessionOptions>{SessionOptions(cur).memory_pattern(false)};
                   }});
  space.push_back({"execution_mode", [](const SessionOptions& cur) {
                     return std::vector<SessionOptions>{SessionOptions(cur).execution_mode(ExecutionMode::Parallel)};
                   }});
  return space;
}

double score(const Measurement& m, bool by_throughput) {
  if (by_throughput) return m.throughput_per_s > 0 ? 1.0 / m.throughput_per_s : std::numeric_limits<double>::max();
  return m.runs > 0 ? m.p50_us : std::numeric_limits<double>::max();
}

SearchResult search(const std::vector<Dimension>& space, const MeasureFn& measure, const SearchConfig& config) {
  SearchResult result;
  result.defaults = {"ORT defaults", SessionOptions{}};
  Candidate best = result.defaults;

  // Every step measures the defaults, the best so far (when it differs) and the
  // dimension's values; the final measures two. Size the slots from the defaults.
  double slots = 2 * config.final_weight;
  for (const Dimension& d : space) {
    const std::size_t n = d.values(best.options).size();
    if (n > 0) slots += static_cast<double>(n + 2);
  }
  result.seconds_each = std::max(config.budget_s / std::max(slots, 1.0), 0.01);

  auto run_step = [&](const std::string& name, std::vector<Candidate> candidates) {
    const std::vector<Measurement> m = measure(candidates, result.seconds_each);
    const double control = score(m[0], config.by_throughput);
    // Index of the best so far in this step: the defaults (0) or the incumbent (1).
    const std::size_t incumbent = same_options(candidates[0].options, best.options) ? 0 : 1;
    std::size_t chosen = incumbent;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if (i == 0 || i == incumbent) continue;
      if (score(m[i], config.by_throughput) <
          score(m[chosen], config.by_throughput) * (chosen == incumbent ? 1.0 - config.min_gain : 1.0))
        chosen = i;
    }
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      Step s;
      s.dimension = name;
      s.candidate = candidates[i];
      s.measurement = m[i];
      s.vs_defaults = control > 0 ? score(m[i], config.by_throughput) / control : 1.0;
      s.adopted = i == chosen && chosen != incumbent;
      result.steps.push_back(std::move(s));
    }
    if (config.on_step) config.on_step(name, candidates, m, chosen);
    if (chosen != incumbent) best = candidates[chosen];
  };

  for (const Dimension& d : space) {
    const std::vector<SessionOptions> values = d.values(best.options);
    if (values.empty()) continue;
    std::vector<Candidate> candidates{result.defaults};
    if (!same_options(best.options, result.defaults.options)) candidates.push_back(best);
    for (const SessionOptions& v : values)
      if (!same_options(v, best.options) && !same_options(v, result.defaults.options))
        candidates.push_back({describe(v), v});
    if (candidates.size() > 1) run_step(d.name, std::move(candidates));
  }

  // Final head-to-head: the defaults against the best, with more time each.
  result.best = best;
  std::vector<Candidate> final_candidates{result.defaults};
  if (!same_options(best.options, result.defaults.options)) final_candidates.push_back(best);
  const std::vector<Measurement> m = measure(final_candidates, result.seconds_each * config.final_weight);
  result.defaults_final = m[0];
  result.best_final = m.back();
  if (config.on_step) config.on_step("final", final_candidates, m, m.size() - 1);
  const double d = score(result.defaults_final, config.by_throughput);
  const double b = score(result.best_final, config.by_throughput);
  // Never recommend anything slower than the defaults measured beside it.
  result.beats_defaults = final_candidates.size() > 1 && b < d;
  result.recommended = result.beats_defaults ? result.best : result.defaults;
  result.recommended_final = result.beats_defaults ? result.best_final : result.defaults_final;
  result.gain = result.beats_defaults && d > 0 ? (d - b) / d : 0.0;
  return result;
}

}  // namespace zrt::cli::tune
