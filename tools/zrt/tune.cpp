// zrt tune [MODEL] [--builtin NAME] [--budget S] [--lanes K] [--write FILE] [--json FILE]
//          [--min-gain F] [--precision F] [--seed N] [--dim NAME=VALUE]... [--input NAME=FILE.npy]...
//          [--carry OUT=IN]... [--no-carry] [--no-pin] [--ep NAME[:key=value,...]]...
// Searches session options (tune_search.hpp: threads, spinning and spin duration, block
// sizing, optimization level, execution mode and inter-op threads, arena, memory
// pattern, prepacking, denormals; with --lanes K also the lane count and the concurrency
// mode) for the fastest configuration, measured by the bench engine beside ORT's
// defaults, and recommends it only when a final interleaved comparison shows it faster
// with 95 % confidence (tune_confidence.hpp). Without --lanes it ranks by p50 latency of
// one caller, with --lanes by throughput of all lanes. With --ep, every candidate runs
// on those execution providers and --write saves them too.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <list>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench_engine.hpp"
#include "bench_lanes.hpp"
#include "bench_paths.hpp"
#include "bench_workload.hpp"
#include "builtin_model.hpp"
#include "cli_checks.hpp"
#include "commands.hpp"
#include "json_text.hpp"
#include "model_inputs.hpp"
#include "tune_search.hpp"
#include "workload_options.hpp"
#include "zrt/environment.hpp"
#include "zrt/error.hpp"
#include "zrt/options_file.hpp"
#include "zrt/providers.hpp"

namespace zrt::cli {
namespace {

using Json = nlohmann::ordered_json;

struct TuneCommandOptions {
  WorkloadOptions workload;  // MODEL, --builtin, --seed, --dim, --input, --carry, --ep
  double budget = 10;
  double min_gain = 0.01;
  double precision = 0.01;
  std::size_t lanes = 0;
  bool no_pin = false;
  std::string write;
  std::string json;
};

// A scratch folder for the candidates' options files, removed at the end.
class ScratchDir {
 public:
  ScratchDir() {
    path_ = std::filesystem::temp_directory_path() / fmt::format("zrt-tune-{}", ::getpid());
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Measures candidates with the bench engine. Each candidate is a workload (its own
// session) whose options come from an options file, exactly as `zrt bench --options`
// loads them. Without --lanes, one block times the candidates in three round-robin rounds on the
// zrt_lane path (zrt_run when the model does not fit a lane) with bench::time_paths,
// ranked by p50 latency of one caller; with --lanes K, bench::run_lanes measures each
// with the candidate's lane count and the faster zrt mode (shared session or replicated
// sessions) counts, ranked by throughput of all lanes. Workloads and paths are kept
// from block to block while the search still measures them.
class EngineMeasure {
 public:
  EngineMeasure(bench::WorkloadSpec spec, std::size_t lanes, bool pin)
      : spec_(std::move(spec)), lanes_(lanes), pin_(pin) {
    const auto w = open({"ORT defaults", SessionOptions{}, 0});
    label_ = w->label;
    description_ = w->description;
    std::unique_ptr<bench::Path> path;
    try {
      path = bench::make_path("zrt_lane", *w);
      path_ = "zrt_lane";
    } catch (const Error& e) {
      path = bench::make_path("zrt_run", *w);
      path_ = "zrt_run";
      path_note_ = e.what();
    }
    // A few runs size the warm-up of each measurement.
    constexpr int kProbe = 5;
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kProbe; ++i) path->run();
    run_us_ = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / kProbe;
  }

  std::vector<tune::Measurement> operator()(std::span<const tune::Candidate> candidates, double seconds) {
    std::vector<Entry*> entries;
    for (const tune::Candidate& c : candidates) entries.push_back(&entry(c));
    forget_all_but(candidates);
    std::vector<tune::Measurement> out;
    if (lanes_ > 0) {
      // Warm-up before a block: a few runs, so the caches hold this candidate's data again.
      const auto warmup = runs_in(0.05 * seconds, 1, 20);
      for (std::size_t i = 0; i < candidates.size(); ++i) {
        bench::LanesConfig config;
        config.lanes = candidates[i].lanes > 0 ? candidates[i].lanes : lanes_;
        config.duration_s = seconds / 4;  // run_lanes measures four modes
        config.warmup = entries[i]->warm ? warmup : runs_in(0.2 * seconds, 3, 200);
        config.rounds = 1;
        config.pin = pin_;
        entries[i]->warm = true;
        const bench::LanesResult r = bench::run_lanes(*entries[i]->workload, config);
        const bench::LanesMode* m = r.best_zrt();
        if (m == nullptr) throw Error(ErrorCode::Fail, "zrt tune --lanes: the bench measured no zrt lanes mode");
        out.push_back({m->stats.p50_us, m->stats.p99_us, m->throughput_per_s, m->runs, m->name});
      }
      return out;
    }
    std::vector<bench::NamedPath> paths;
    double slowest_us = 0;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      Entry& e = *entries[i];
      if (!e.path) {
        e.path = bench::make_path(path_, *e.workload);
        // Two timed runs tell this candidate's run time, which sizes its warm-up: a
        // candidate far slower than the defaults (say, 1000x) is not warmed for long.
        e.run_us = std::max(std::min(timed_run(*e.path), timed_run(*e.path)), 0.01);
        const double more = std::clamp(0.2 * seconds * 1e6 / e.run_us, 0.0, 200.0);
        for (auto k = static_cast<std::size_t>(more); k > 0; --k) e.path->run();
      }
      slowest_us = std::max(slowest_us, e.run_us);
      paths.push_back({candidates[i].label, std::move(e.path)});
    }
    bench::TimingConfig timing;
    timing.duration_s = seconds;
    timing.warmup = static_cast<std::size_t>(std::clamp(0.05 * seconds * 1e6 / slowest_us, 1.0, 20.0));
    // Round-robin within the block too, so a burst of other load hits all alike; one
    // round when a run of the slowest takes most of a round (every round runs each once).
    timing.rounds = slowest_us * 3 > seconds * 1e6 ? 1 : 3;
    const std::vector<bench::PathResult> results = bench::time_paths(paths, timing);
    for (std::size_t i = 0; i < candidates.size(); ++i) entries[i]->path = std::move(paths[i].path);
    for (const bench::PathResult& r : results)
      out.push_back({r.stats.p50_us, r.stats.p99_us, r.stats.throughput_per_s, r.stats.runs, path_});
    return out;
  }

  const std::string& path() const { return path_; }
  const std::string& path_note() const { return path_note_; }
  const std::string& label() const { return label_; }
  const std::string& description() const { return description_; }

 private:
  struct Entry {
    std::string key;  // the candidate's options as JSON
    std::unique_ptr<bench::Workload> workload;
    std::unique_ptr<bench::Path> path;  // made at its first block (latency only)
    double run_us = 1;                  // one run of `path`, about
    bool warm = false;                  // --lanes: warmed up once
  };

  static double timed_run(bench::Path& path) {
    const auto t0 = std::chrono::steady_clock::now();
    path.run();
    return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
  }

  // Runs that take about `seconds`, within [lo, hi].
  std::size_t runs_in(double seconds, double lo, double hi) const {
    return static_cast<std::size_t>(std::clamp(seconds * 1e6 / std::max(run_us_, 0.01), lo, hi));
  }

  Entry& entry(const tune::Candidate& c) {
    const std::string key = session_options_to_json(c.options);
    for (Entry& e : cache_)
      if (e.key == key) return e;
    cache_.push_back({key, open(c), nullptr, run_us_, false});
    return cache_.back();
  }

  // Keeps the sessions of these candidates and of the defaults (in every step).
  void forget_all_but(std::span<const tune::Candidate> candidates) {
    std::vector<std::string> keep{session_options_to_json(SessionOptions{})};
    for (const tune::Candidate& c : candidates) keep.push_back(session_options_to_json(c.options));
    std::erase_if(cache_, [&](const Entry& e) { return std::find(keep.begin(), keep.end(), e.key) == keep.end(); });
  }

  std::unique_ptr<bench::Workload> open(const tune::Candidate& c) {
    const auto file = scratch_.path() / fmt::format("candidate_{}.json", files_++);
    save_session_options(c.options, file);
    bench::WorkloadSpec spec = spec_;
    spec.options_file = file.string();
    spec.intra_op_threads.reset();  // the file's
    return std::make_unique<bench::Workload>(spec);
  }

  bench::WorkloadSpec spec_;
  std::size_t lanes_;
  bool pin_;
  ScratchDir scratch_;
  std::size_t files_ = 0;
  std::list<Entry> cache_;  // a list: entries stay put while others come and go
  std::string path_;
  std::string path_note_;
  std::string label_;
  std::string description_;
  double run_us_ = 1;
};

std::string us(double v) { return v >= 1000 ? fmt::format("{:.1f}", v) : fmt::format("{:.2f}", v); }

// A gain and its 95 % interval: "9.8 % ± 0.6 %" of p50, or by throughput (the score is
// 1 / throughput) "x4.44 [2.79, 7.09]" the throughput.
std::string gain_text(const tune::RatioEstimate& e, bool by_throughput) {
  if (by_throughput) return fmt::format("x{:.2f} [{:.2f}, {:.2f}]", 1 / e.ratio, 1 / e.ratio_hi, 1 / e.ratio_lo);
  const double half = 100 * e.half_width();
  return fmt::format("{:.1f} % ± {:.{}f} %", 100 * e.gain(), half, half < 0.1 ? 2 : 1);
}

Json estimate_json(const tune::RatioEstimate& e) {
  Json j;
  j["gain"] = e.gain();
  j["gain_lo"] = e.gain_lo();
  j["gain_hi"] = e.gain_hi();
  j["ratio"] = e.ratio;
  j["ratio_lo"] = e.ratio_lo;
  j["ratio_hi"] = e.ratio_hi;
  j["blocks"] = e.blocks;
  j["verdict"] = tune::verdict_name(e.verdict());
  return j;
}

Json measurement_json(const tune::Measurement& m) {
  Json j;
  j["p50_us"] = m.p50_us;
  j["p99_us"] = m.p99_us;
  j["throughput_per_s"] = m.throughput_per_s;
  j["runs"] = m.runs;
  if (!m.detail.empty()) j["detail"] = m.detail;
  return j;
}

Json candidate_json(const tune::Candidate& c, const tune::Measurement& m) {
  Json j;
  j["label"] = c.label;
  j["options"] = Json::parse(session_options_to_json(c.options));
  if (c.lanes > 0) j["lanes"] = c.lanes;
  j.update(measurement_json(m));
  return j;
}

int run_tune(const TuneCommandOptions& opt) {
  if (!opt.write.empty()) {
    // Fail before measuring when the file cannot be written.
    std::ofstream probe(opt.write, std::ios::app);
    if (!probe) throw Error(ErrorCode::Fail, fmt::format("--write: cannot write '{}'", opt.write));
  }
  bench::WorkloadSpec spec = workload_spec(opt.workload);

  const unsigned cores = std::max(std::thread::hardware_concurrency(), 1u);
  EngineMeasure measure(spec, opt.lanes, !opt.no_pin);
  const bool by_throughput = opt.lanes > 0;

  fmt::print("zrt tune: {}{}\n", measure.label(),
             measure.description().empty() ? "" : " (" + measure.description() + ")");
  std::string eps;
  for (const Provider& p : spec.providers) eps += (eps.empty() ? " on " : ", ") + p.to_string();
  fmt::print("ONNX Runtime {}, {} cores{}; measured on the {} path{}{}, ranked by {}; budget {:.3g} s\n", ort_version(),
             cores, eps, measure.path(), opt.lanes > 0 ? fmt::format(" with up to {} lanes", opt.lanes) : "",
             measure.path_note().empty() ? "" : " (no lane: " + measure.path_note() + ")",
             by_throughput ? "throughput (runs/s of all lanes)" : "p50 latency (one caller)", opt.budget);
  std::fflush(stdout);

  tune::SearchConfig config;
  config.budget_s = opt.budget;
  config.min_gain = opt.min_gain;
  config.precision = opt.precision;
  config.by_throughput = by_throughput;
  // A lanes block starts threads and measures four modes: shorter ones measure the start.
  if (by_throughput) config.min_block_s = 0.04;
  config.on_step = [&](const std::string& step, std::span<const tune::Candidate> c,
                       std::span<const tune::Measurement> m, std::span<const tune::RatioEstimate> vs_defaults,
                       std::size_t chosen) {
    if (step == "final")
      fmt::print("\nfinal: the best against ORT's defaults, side by side in {} interleaved blocks\n",
                 vs_defaults.back().blocks);
    else
      fmt::print("\n{} ({} interleaved blocks; x: score against ORT's defaults, 95 % interval)\n", step,
                 vs_defaults.front().blocks);
    for (std::size_t i = 0; i < c.size(); ++i) {
      const tune::RatioEstimate& e = vs_defaults[i];
      const std::string x =
          e.blocks < vs_defaults.front().blocks
              ? fmt::format("x{:.3f} (left after {} block{}: far slower)", e.ratio, e.blocks, e.blocks == 1 ? "" : "s")
              : fmt::format("x{:.3f} [{:.3f}, {:.3f}]", e.ratio, e.ratio_lo, e.ratio_hi);
      fmt::print("  p50 {:>9} us  p99 {:>9} us  {:>10.0f} runs/s  {}  {}{}{}\n", us(m[i].p50_us), us(m[i].p99_us),
                 m[i].throughput_per_s, x, c[i].label, opt.lanes > 0 ? " (" + m[i].detail + ")" : "",
                 step != "final" && i == chosen ? "  <- best so far" : "");
    }
    std::fflush(stdout);
  };
  const tune::SearchResult r = tune::search(
      tune::search_space(cores, opt.lanes),
      [&measure](std::span<const tune::Candidate> c, double seconds) { return measure(c, seconds); }, config);

  if (!r.skipped.empty())
    fmt::print("\nthe budget left no time for: {} (a larger --budget measures them)\n", fmt::join(r.skipped, ", "));
  const bool best_is_defaults = tune::same_candidate(r.best, r.defaults);
  const std::string verdict = best_is_defaults ? "defaults" : std::string(tune::verdict_name(r.confirmation.verdict()));
  fmt::print("\nORT defaults: p50 {} us, p99 {} us{}\n", us(r.defaults_final.p50_us), us(r.defaults_final.p99_us),
             by_throughput ? fmt::format(", {:.0f} runs/s", r.defaults_final.throughput_per_s) : "");
  if (!best_is_defaults) {
    fmt::print(
        "best:         p50 {} us, p99 {} us{}: {}\n", us(r.best_final.p50_us), us(r.best_final.p99_us),
        by_throughput ? fmt::format(", {:.0f} runs/s ({})", r.best_final.throughput_per_s, r.best_final.detail) : "",
        r.best.label);
    fmt::print("{}: {} (95 %, {} blocks): {}\n", by_throughput ? "throughput" : "gain",
               gain_text(r.confirmation, by_throughput), r.confirmation.blocks, verdict);
  }
  if (r.beats_defaults) {
    if (by_throughput)
      fmt::print("recommended: {} ({} the throughput of ORT's defaults)\n", r.best.label,
                 gain_text(r.confirmation, true));
    else
      fmt::print("recommended: {} (p50 {} lower than ORT's defaults)\n", r.best.label,
                 gain_text(r.confirmation, false));
    if (!r.option_gains.empty()) {
      fmt::print("each change against the best before it, in its step (95 %):\n");
      for (const tune::OptionGain& g : r.option_gains)
        fmt::print("  {:<40} {} ({})\n", g.change, gain_text(g.vs_previous, by_throughput),
                   tune::verdict_name(g.vs_previous.verdict()));
    }
  } else if (best_is_defaults) {
    fmt::print("nothing beat ORT's defaults in the search: recommending the defaults\n");
  } else {
    fmt::print("nothing beat ORT's defaults with confidence ({} is {} against them): recommending the defaults\n",
               r.best.label, verdict);
  }
  if (opt.lanes > 0 && !r.recommended_final.detail.empty())
    fmt::print("concurrency mode: {} (with {} lanes)\n", r.recommended_final.detail,
               r.recommended.lanes > 0 ? r.recommended.lanes : opt.lanes);

  if (!opt.write.empty()) {
    // The file reproduces what was measured: the EPs too.
    SessionOptions recommended = r.recommended.options;
    for (const Provider& p : spec.providers) recommended.provider(p);
    save_session_options(recommended, opt.write);
    fmt::print("written to {} (use it with zrt run/bench --options {}, or zrt::load_session_options)\n", opt.write,
               opt.write);
  }
  if (!opt.json.empty()) {
    Json j;
    j["model"] = measure.label();
    j["ort_version"] = ort_version();
    j["cores"] = cores;
    j["path"] = measure.path();
    j["lanes"] = opt.lanes;
    j["ranked_by"] = by_throughput ? "throughput" : "p50";
    j["budget_s"] = opt.budget;
    j["seconds_each"] = r.seconds_each;
    j["measured_s"] = r.spent_s;
    j["min_gain"] = opt.min_gain;
    j["precision"] = opt.precision;
    j["defaults"] = candidate_json(r.defaults, r.defaults_final);
    j["best"] = candidate_json(r.best, r.best_final);
    j["recommended"] = candidate_json(r.recommended, r.recommended_final);
    j["recommended"]["is_defaults"] = !r.beats_defaults;
    if (opt.lanes > 0)
      j["concurrency"] = {{"mode", r.recommended_final.detail},
                          {"lanes", r.recommended.lanes > 0 ? r.recommended.lanes : opt.lanes}};
    // The recommended's gain, 1 - score ratio (p50, or 1 / throughput: the time per run
    // saved); 0 when recommending the defaults.
    j["gain"] = r.gain;
    j["verdict"] = verdict;  // faster | noise | slower | defaults (the search found nothing faster)
    j["confidence"] = 0.95;
    // The best against the defaults, whether or not it is recommended; null when the best is the defaults.
    j["confirmation"] = best_is_defaults ? Json() : estimate_json(r.confirmation);
    j["throughput_ratio"] = r.defaults_final.throughput_per_s > 0
                                ? r.recommended_final.throughput_per_s / r.defaults_final.throughput_per_s
                                : 1.0;
    j["p50_ratio"] = r.defaults_final.p50_us > 0 ? r.recommended_final.p50_us / r.defaults_final.p50_us : 1.0;
    Json gains = Json::array();
    for (const tune::OptionGain& g : r.option_gains) {
      Json o;
      o["dimension"] = g.dimension;
      o["change"] = g.change;
      o.update(estimate_json(g.vs_previous));
      gains.push_back(std::move(o));
    }
    j["option_gains"] = std::move(gains);
    j["skipped"] = r.skipped;
    Json steps = Json::array();
    for (const tune::Step& s : r.steps) {
      Json step;
      step["dimension"] = s.dimension;
      step["label"] = s.candidate.label;
      step.update(measurement_json(s.measurement));
      step["vs_defaults"] = s.vs_defaults.ratio;
      step["vs_defaults_lo"] = s.vs_defaults.ratio_lo;
      step["vs_defaults_hi"] = s.vs_defaults.ratio_hi;
      step["vs_best_before"] = s.vs_incumbent.ratio;
      step["blocks"] = s.vs_defaults.blocks;
      step["adopted"] = s.adopted;
      steps.push_back(std::move(step));
    }
    j["steps"] = std::move(steps);
    write_text_file(opt.json, json_text(j, "--json") + "\n", "--json");
  }
  return 0;
}

}  // namespace

void add_tune_command(CLI::App& app, Action& action) {
  auto opt = std::make_shared<TuneCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "tune", "Search session options for the fastest configuration, measured side by side with ORT's defaults");
  add_workload_options(*cmd, opt->workload, "tune");
  cmd->add_option("--budget", opt->budget,
                  "Seconds the search may take (wall clock, sessions and warm-up included): half for the search, the "
                  "rest for the final comparison; dimensions it leaves no time for are skipped")
      ->check(real_in(0.01, 86400.0))
      ->capture_default_str();
  cmd->add_option("--min-gain", opt->min_gain,
                  "A value is adopted when it is this fraction faster than the best so far (and its 95 % interval "
                  "rules out its being this fraction slower)")
      ->check(real_in(0.0, 0.9))
      ->capture_default_str();
  cmd->add_option("--precision", opt->precision,
                  "The final comparison stops early once the gain's 95 % interval is within this fraction (±)")
      ->check(real_in(0.001, 0.5))
      ->capture_default_str();
  cmd->add_option("--lanes", opt->lanes,
                  "Tune for K threads each driving a lane, ranked by throughput; the lane count (1..K) and the "
                  "concurrency mode (shared or replicated) are chosen too")
      ->check(thread_count(1));
  cmd->add_flag("--no-pin", opt->no_pin, "Do not pin --lanes threads to cores");
  cmd->add_option("--write", opt->write, "Save the recommended options as JSON (zrt run/bench --options FILE)");
  cmd->add_option("--json", opt->json, "Write every measurement and the result as JSON to FILE");
  cmd->callback([opt, &action] { action = [opt] { return run_tune(*opt); }; });
}

}  // namespace zrt::cli
