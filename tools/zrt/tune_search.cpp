#include "tune_search.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>

#include "zrt/error.hpp"
#include "zrt/options_file.hpp"

namespace zrt::cli::tune {
namespace {

// ORT session config keys the search sets (onnxruntime_session_options_config_keys.h).
constexpr const char* kSpinDuration = "session.intra_op.spin_duration_us";
constexpr const char* kDynamicBlockBase = "session.dynamic_block_base";
constexpr const char* kDisablePrepacking = "session.disable_prepacking";
constexpr const char* kDenormalAsZero = "session.set_denormal_as_zero";

// A value whose score is this many times the best so far's in one block leaves its step.
constexpr double kDropRatio = 1.5;

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

// The short name the search's config entries go by.
std::string config_part(const std::string& key, const std::string& value) {
  if (key == kSpinDuration) return "intra_op_spin_us=" + value;
  if (key == kDynamicBlockBase) return "dynamic_block_base=" + value;
  if (key == kDisablePrepacking) return fmt::format("prepacking={}", on_off(value != "1"));
  if (key == kDenormalAsZero) return fmt::format("denormal_as_zero={}", on_off(value == "1"));
  return key + "=" + value;
}

std::vector<std::string> describe_parts(const Candidate& c) {
  const SessionOptions& o = c.options;
  std::vector<std::string> parts;
  if (o.intra_op_threads() != 0) parts.push_back(fmt::format("intra_op_threads={}", o.intra_op_threads()));
  if (o.intra_op_spinning()) parts.push_back(fmt::format("intra_op_spinning={}", on_off(*o.intra_op_spinning())));
  if (o.optimization_level() != OptimizationLevel::All)
    parts.push_back(fmt::format("optimization_level={}", level_name(o.optimization_level())));
  if (o.execution_mode() == ExecutionMode::Parallel) parts.emplace_back("execution_mode=parallel");
  if (o.inter_op_threads() != 0) parts.push_back(fmt::format("inter_op_threads={}", o.inter_op_threads()));
  if (o.inter_op_spinning()) parts.push_back(fmt::format("inter_op_spinning={}", on_off(*o.inter_op_spinning())));
  if (o.cpu_arena()) parts.push_back(fmt::format("cpu_arena={}", on_off(*o.cpu_arena())));
  if (o.memory_pattern()) parts.push_back(fmt::format("memory_pattern={}", on_off(*o.memory_pattern())));
  // Config entries: the last value of each key wins, as in ORT.
  std::vector<std::pair<std::string, std::string>> config;
  for (const auto& [key, value] : o.config_entries()) {
    auto it = std::find_if(config.begin(), config.end(), [&](const auto& e) { return e.first == key; });
    if (it == config.end())
      config.emplace_back(key, value);
    else
      it->second = value;
  }
  for (const auto& [key, value] : config) parts.push_back(config_part(key, value));
  if (c.lanes != 0) parts.push_back(fmt::format("lanes={}", c.lanes));
  return parts;
}

// 1..n, thinned to powers of two (plus n) beyond 8.
std::vector<int> counts_up_to(unsigned n_max) {
  std::vector<int> counts;
  const int n = static_cast<int>(std::max(n_max, 1u));
  for (int t = 1; t <= n; t = n <= 8 ? t + 1 : t * 2) counts.push_back(t);
  if (counts.back() != n) counts.push_back(n);
  return counts;
}

Candidate with_options(const Candidate& c, SessionOptions o) { return {"", std::move(o), c.lanes}; }

}  // namespace

std::string describe(const Candidate& c) {
  const std::vector<std::string> parts = describe_parts(c);
  return parts.empty() ? "ORT defaults" : fmt::format("{}", fmt::join(parts, " "));
}

std::string describe_change(const Candidate& a, const Candidate& b) {
  const std::vector<std::string> before = describe_parts(a);
  std::vector<std::string> change;
  for (const std::string& p : describe_parts(b))
    if (std::find(before.begin(), before.end(), p) == before.end()) change.push_back(p);
  return fmt::format("{}", fmt::join(change, " "));
}

bool same_options(const SessionOptions& a, const SessionOptions& b) {
  return session_options_to_json(a) == session_options_to_json(b);
}

bool same_candidate(const Candidate& a, const Candidate& b) {
  return a.lanes == b.lanes && same_options(a.options, b.options);
}

std::vector<Dimension> search_space(unsigned cores, std::size_t lanes) {
  const unsigned per_lane = lanes > 1 ? std::max(1u, cores / static_cast<unsigned>(lanes)) : cores;
  // Spinning and block sizing only matter when the intra-op pool has workers.
  const auto workers = [per_lane](const Candidate& c) {
    return c.options.intra_op_threads() == 0 ? per_lane > 1 : c.options.intra_op_threads() > 1;
  };
  std::vector<Dimension> space;
  space.push_back({"intra_op_threads", [per_lane](const Candidate& cur) {
                     std::vector<Candidate> v;
                     for (int t : counts_up_to(per_lane))
                       v.push_back(with_options(cur, SessionOptions(cur.options).intra_op_threads(t)));
                     return v;
                   }});
  // With K lanes, the lane count next: with the threads, it decides how the cores are shared.
  if (lanes > 1)
    space.push_back({"lanes", [lanes](const Candidate& cur) {
                       std::vector<Candidate> v;
                       for (int n : counts_up_to(static_cast<unsigned>(lanes - 1)))
                         v.push_back({"", cur.options, static_cast<std::size_t>(n)});
                       return v;
                     }});
  space.push_back({"intra_op_spinning", [workers](const Candidate& cur) {
                     std::vector<Candidate> v;
                     if (!workers(cur)) return v;
                     v.push_back(with_options(cur, SessionOptions(cur.options).intra_op_spinning(false)));
                     for (const char* us : {"100", "1000"})
                       v.push_back(with_options(cur, SessionOptions(cur.options).config(kSpinDuration, us)));
                     return v;
                   }});
  space.push_back({"dynamic_block_base", [workers](const Candidate& cur) {
                     std::vector<Candidate> v;
                     if (!workers(cur)) return v;
                     for (const char* base : {"1", "4"})
                       v.push_back(with_options(cur, SessionOptions(cur.options).config(kDynamicBlockBase, base)));
                     return v;
                   }});
  space.push_back({"optimization_level", [](const Candidate& cur) {
                     std::vector<Candidate> v;
                     for (auto level : {OptimizationLevel::Disabled, OptimizationLevel::Basic,
                                        OptimizationLevel::Extended, OptimizationLevel::Layout})
                       v.push_back(with_options(cur, SessionOptions(cur.options).optimization_level(level)));
                     return v;
                   }});
  // Inter-op threads only run in parallel mode: one dimension for both.
  space.push_back({"execution_mode", [cores](const Candidate& cur) {
                     std::vector<Candidate> v;
                     const SessionOptions parallel =
                         SessionOptions(cur.options).execution_mode(ExecutionMode::Parallel);
                     v.push_back(with_options(cur, parallel));
                     for (int t : counts_up_to(cores))
                       v.push_back(with_options(cur, SessionOptions(parallel).inter_op_threads(t)));
                     return v;
                   }});
  space.push_back({"cpu_arena", [](const Candidate& cur) {
                     return std::vector<Candidate>{with_options(cur, SessionOptions(cur.options).cpu_arena(false))};
                   }});
  space.push_back({"memory_pattern", [](const Candidate& cur) {
                     return std::vector<Candidate>{
                         with_options(cur, SessionOptions(cur.options).memory_pattern(false))};
                   }});
  space.push_back({"prepacking", [](const Candidate& cur) {
                     return std::vector<Candidate>{
                         with_options(cur, SessionOptions(cur.options).config(kDisablePrepacking, "1"))};
                   }});
  space.push_back({"denormal_as_zero", [](const Candidate& cur) {
                     return std::vector<Candidate>{
                         with_options(cur, SessionOptions(cur.options).config(kDenormalAsZero, "1"))};
                   }});
  return space;
}

double score(const Measurement& m, bool by_throughput) {
  if (by_throughput) return m.throughput_per_s > 0 ? 1.0 / m.throughput_per_s : std::numeric_limits<double>::max();
  return m.runs > 0 ? m.p50_us : std::numeric_limits<double>::max();
}

Measurement combine(std::span<const Measurement> blocks) {
  Measurement out;
  if (blocks.empty()) return out;
  auto median = [&](double Measurement::*field) {
    std::vector<double> v;
    for (const Measurement& m : blocks) v.push_back(m.*field);
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  };
  out.p50_us = median(&Measurement::p50_us);
  out.p99_us = median(&Measurement::p99_us);
  std::map<std::string, std::size_t> details;
  for (const Measurement& m : blocks) {
    out.throughput_per_s += m.throughput_per_s / static_cast<double>(blocks.size());
    out.runs += m.runs;
    if (!m.detail.empty()) ++details[m.detail];
  }
  std::size_t most = 0;
  for (const auto& [detail, n] : details)
    if (n > most) {
      most = n;
      out.detail = detail;
    }
  return out;
}

SearchResult search(const std::vector<Dimension>& space, const MeasureFn& measure, const SearchConfig& config) {
  SearchResult result;
  result.defaults = {"ORT defaults", SessionOptions{}, 0};
  Candidate best = result.defaults;
  const bool by_tp = config.by_throughput;
  const std::size_t step_blocks = std::max<std::size_t>(config.step_blocks, 1);

  // Every step measures the defaults, the best so far (when it differs) and the
  // dimension's values: slots[i], sized from the defaults, are dimension i's. Each step
  // shares what is left of the descent's time over the slots left, so time that
  // sessions and warm-up took comes out of the later steps.
  std::vector<double> slots;
  for (const Dimension& d : space) {
    const std::size_t n = d.values(best).size();
    slots.push_back(n > 0 ? static_cast<double>(n + 2) : 0.0);
  }
  const double descent_s = config.budget_s * std::clamp(config.search_share, 0.0, 1.0);
  const double min_block_s = std::max(config.min_block_s, 1e-6);
  auto seconds_each = [&](std::size_t dimension) {
    double left = 0;
    for (std::size_t i = dimension; i < slots.size(); ++i) left += slots[i];
    const double share = left > 0 ? (descent_s - result.spent_s) / left : 0.0;
    return std::max(share, min_block_s * static_cast<double>(step_blocks));
  };
  result.seconds_each = seconds_each(0);
  double step_s = result.seconds_each;
  // The budget counts what measuring really takes (sessions and warm-up included).
  const std::function<double()> clock = config.clock ? config.clock : [start = std::chrono::steady_clock::now()] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  const double t0 = clock();

  // Block `b` measures the candidates rotated by b, so each takes every position in turn;
  // appends each candidate's measurement to its column of `m`.
  auto measure_block = [&](const std::vector<Candidate>& c, std::size_t b, double seconds,
                           std::vector<std::vector<Measurement>>& m) {
    const std::size_t n = c.size();
    std::vector<Candidate> order;
    for (std::size_t k = 0; k < n; ++k) order.push_back(c[(k + b) % n]);
    const std::vector<Measurement> got = measure(order, seconds);
    if (got.size() != n)
      throw Error(ErrorCode::Fail, fmt::format("zrt tune: measured {} of {} candidates", got.size(), n));
    for (std::size_t k = 0; k < n; ++k) m[(k + b) % n].push_back(got[k]);
    result.spent_s = clock() - t0;
  };
  auto compare = [by_tp](const std::vector<Measurement>& a, const std::vector<Measurement>& ref) {
    std::vector<double> ratios;
    for (std::size_t b = 0; b < std::min(a.size(), ref.size()); ++b)
      ratios.push_back(score(a[b], by_tp) / score(ref[b], by_tp));
    return estimate_ratio(ratios);
  };

  auto run_step = [&](const std::string& name, const std::vector<Candidate>& candidates) {
    const std::size_t n = candidates.size();
    // Index of the best so far in this step: the defaults (0) or the incumbent (1).
    const std::size_t incumbent = same_candidate(candidates[0], best) ? 0 : 1;
    std::vector<std::vector<Measurement>> m(n);
    std::vector<std::size_t> active(n);
    for (std::size_t i = 0; i < n; ++i) active[i] = i;
    for (std::size_t b = 0; b < step_blocks; ++b) {
      std::vector<Candidate> subset;
      for (std::size_t i : active) subset.push_back(candidates[i]);
      std::vector<std::vector<Measurement>> got(subset.size());
      measure_block(subset, b, step_s / static_cast<double>(step_blocks), got);
      for (std::size_t k = 0; k < active.size(); ++k) m[active[k]].push_back(got[k].front());
      // A value far slower than the best so far in a block cannot win: it leaves the step.
      std::erase_if(active, [&](std::size_t i) {
        return i != 0 && i != incumbent && score(m[i].back(), by_tp) > kDropRatio * score(m[incumbent].back(), by_tp);
      });
    }
    std::vector<RatioEstimate> vs_defaults(n), vs_incumbent(n);
    std::vector<Measurement> combined(n);
    for (std::size_t i = 0; i < n; ++i) {
      vs_defaults[i] = compare(m[i], m[0]);
      vs_incumbent[i] = compare(m[i], m[incumbent]);
      combined[i] = combine(m[i]);
    }
    // Adopt the fastest value that beats the best so far by min_gain and whose interval
    // rules out its being more than min_gain slower (a wide interval is noise); values
    // that left the step are out.
    std::size_t chosen = incumbent;
    for (std::size_t i = 1; i < n; ++i) {
      if (i == incumbent || m[i].size() < m[incumbent].size() || vs_incumbent[i].ratio_hi >= 1.0 + config.min_gain)
        continue;
      const double bar = chosen == incumbent ? 1.0 - config.min_gain : vs_incumbent[chosen].ratio;
      if (vs_incumbent[i].ratio < bar) chosen = i;
    }
    for (std::size_t i = 0; i < n; ++i) {
      Step s;
      s.dimension = name;
      s.candidate = candidates[i];
      s.measurement = combined[i];
      s.vs_defaults = vs_defaults[i];
      s.vs_incumbent = vs_incumbent[i];
      s.adopted = i == chosen && chosen != incumbent;
      result.steps.push_back(std::move(s));
    }
    if (config.on_step) config.on_step(name, candidates, combined, vs_defaults, chosen);
    if (chosen != incumbent) {
      result.option_gains.push_back({name, describe_change(best, candidates[chosen]), vs_incumbent[chosen]});
      best = candidates[chosen];
    }
  };

  for (std::size_t di = 0; di < space.size(); ++di) {
    const Dimension& d = space[di];
    // Sessions and warm-up may take the descent past its share, into half of the
    // confirmation's; beyond that the dimensions left (the least promising) are skipped.
    if (result.spent_s >= (descent_s + config.budget_s) / 2) {
      result.skipped.push_back(d.name);
      continue;
    }
    std::vector<Candidate> candidates{result.defaults};
    if (!same_candidate(best, result.defaults)) candidates.push_back(best);
    const std::size_t controls = candidates.size();
    for (Candidate& v : d.values(best)) {
      if (same_candidate(v, best) || same_candidate(v, result.defaults)) continue;
      v.label = describe(v);
      candidates.push_back(std::move(v));
    }
    if (candidates.size() <= controls) continue;
    step_s = seconds_each(di);
    run_step(d.name, candidates);
  }

  // Confirmation: the defaults against the best in interleaved blocks, sharing the rest
  // of the budget, until the interval is tight (or the budget ends).
  result.best = best;
  std::vector<Candidate> final_candidates{result.defaults};
  if (!same_candidate(best, result.defaults)) final_candidates.push_back(best);
  const std::size_t n_final = final_candidates.size();
  const std::size_t min_blocks = std::max<std::size_t>(config.min_blocks, 2);
  const std::size_t max_blocks = std::max(config.max_blocks, min_blocks);
  const double remaining = std::max(config.budget_s - result.spent_s, 0.0);
  const double block_s = std::max(remaining / static_cast<double>(2 * max_blocks), min_block_s);
  std::vector<std::vector<Measurement>> m(n_final);
  for (std::size_t b = 0; b < max_blocks; ++b) {
    measure_block(final_candidates, b, block_s, m);
    const std::size_t done = b + 1;
    if (n_final == 1) {
      if (done >= min_blocks) break;
      continue;
    }
    result.confirmation = compare(m[1], m[0]);
    if (done >= min_blocks && result.confirmation.half_width() <= config.precision) break;
    if (done >= 3 && result.spent_s >= config.budget_s) break;
  }
  result.defaults_final = combine(m[0]);
  result.best_final = combine(m.back());
  if (config.on_step) {
    const std::vector<Measurement> combined{result.defaults_final, result.best_final};
    std::vector<RatioEstimate> vs_defaults{compare(m[0], m[0]), result.confirmation};
    vs_defaults.resize(n_final);
    config.on_step("final", final_candidates, std::span(combined).first(n_final), vs_defaults, n_final - 1);
  }
  // Never recommend anything the confirmation does not show to be faster.
  result.beats_defaults = n_final > 1 && result.confirmation.verdict() == Verdict::Faster;
  result.recommended = result.beats_defaults ? result.best : result.defaults;
  result.recommended_final = result.beats_defaults ? result.best_final : result.defaults_final;
  result.gain = result.beats_defaults ? result.confirmation.gain() : 0.0;
  return result;
}

}  // namespace zrt::cli::tune
