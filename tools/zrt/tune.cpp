// zrt tune [MODEL] [--builtin NAME] [--budget S] [--lanes K] [--write FILE] [--json FILE]
//          [--min-gain F] [--seed N] [--dim NAME=VALUE]... [--input NAME=FILE.npy]...
//          [--carry OUT=IN]... [--no-carry] [--no-pin] [--ep NAME[:key=value,...]]...
// Searches session options (intra-op threads, spinning, optimization level, arena,
// memory pattern, execution mode; with --lanes K also the concurrency mode) for the
// fastest configuration, measured by the bench engine side by side with ORT's defaults,
// and recommends it only when it beats the defaults in a final head-to-head. With --ep,
// every candidate runs on those execution providers and --write saves them too.
#include <fmt/format.h>
#include <unistd.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
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
// loads them; without --lanes, the candidates of one step are timed in interleaved
// rounds by bench::time_paths, on the zrt_lane path (zrt_run when the model does not
// fit a lane); with --lanes K, bench::run_lanes measures each and the faster zrt mode
// (shared session or replicated sessions) counts.
class EngineMeasure {
 public:
  EngineMeasure(bench::WorkloadSpec spec, std::size_t lanes, bool pin)
      : spec_(std::move(spec)), lanes_(lanes), pin_(pin) {
    const auto w = open({"ORT defaults", SessionOptions{}});
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
    std::vector<std::unique_ptr<bench::Workload>> workloads;
    for (const tune::Candidate& c : candidates) workloads.push_back(open(c));
    // Warm-up: about a tenth of the measuring time, 3 to 200 runs.
    const auto warmup = static_cast<std::size_t>(std::clamp(0.1 * seconds * 1e6 / std::max(run_us_, 0.01), 3.0, 200.0));
    std::vector<tune::Measurement> out;
    if (lanes_ > 0) {
      for (const auto& w : workloads) {
        bench::LanesConfig config;
        config.lanes = lanes_;
        config.duration_s = seconds / 4;  // run_lanes measures four modes
        config.warmup = warmup;
        config.rounds = 2;
        config.pin = pin_;
        const bench::LanesResult r = bench::run_lanes(*w, config);
        const bench::LanesMode* m = r.best_zrt();
        if (m == nullptr) throw Error(ErrorCode::Fail, "zrt tune --lanes: the bench measured no zrt lanes mode");
        out.push_back({m->stats.p50_us, m->stats.p99_us, m->throughput_per_s, m->runs, m->name});
      }
      return out;
    }
    std::vector<bench::NamedPath> paths;
    for (std::size_t i = 0; i < workloads.size(); ++i)
      paths.push_back({candidates[i].label, bench::make_path(path_, *workloads[i])});
    bench::TimingConfig timing;
    timing.duration_s = seconds;
    timing.warmup = warmup;
    timing.rounds = 5;
    for (const bench::PathResult& r : bench::time_paths(paths, timing))
      out.push_back({r.stats.p50_us, r.stats.p99_us, r.stats.throughput_per_s, r.stats.runs, path_});
    return out;
  }

  const std::string& path() const { return path_; }
  const std::string& path_note() const { return path_note_; }
  const std::string& label() const { return label_; }
  const std::string& description() const { return description_; }

 private:
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
  std::string path_;
  std::string path_note_;
  std::string label_;
  std::string description_;
  double run_us_ = 1;
};

std::string us(double v) { return v >= 1000 ? fmt::format("{:.1f}", v) : fmt::format("{:.2f}", v); }

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
             cores, eps, measure.path(), opt.lanes > 0 ? fmt::format(" with {} lanes", opt.lanes) : "",
             measure.path_note().empty() ? "" : " (no lane: " + measure.path_note() + ")",
             by_throughput ? "throughput" : "p50", opt.budget);
  std::fflush(stdout);

  tune::SearchConfig config;
  config.budget_s = opt.budget;
  config.min_gain = opt.min_gain;
  config.by_throughput = by_throughput;
  config.on_step = [&](const std::string& step, std::span<const tune::Candidate> c,
                       std::span<const tune::Measurement> m, std::size_t chosen) {
    fmt::print("\n{}\n", step == "final" ? "final: the best against ORT's defaults, side by side" : step);
    const double control = tune::score(m[0], by_throughput);
    for (std::size_t i = 0; i < c.size(); ++i) {
      const double ratio = control > 0 ? tune::score(m[i], by_throughput) / control : 1.0;
      fmt::print("  p50 {:>9} us  p99 {:>9} us  {:>10.0f} runs/s  x{:<7.3f} {}{}{}\n", us(m[i].p50_us), us(m[i].p99_us),
                 m[i].throughput_per_s, ratio, c[i].label, opt.lanes > 0 ? " (" + m[i].detail + ")" : "",
                 step != "final" && i == chosen ? "  <- best so far" : "");
    }
    std::fflush(stdout);
  };
  const tune::SearchResult r = tune::search(
      tune::search_space(cores, opt.lanes),
      [&measure](std::span<const tune::Candidate> c, double seconds) { return measure(c, seconds); }, config);

  fmt::print("\nORT defaults: p50 {} us, p99 {} us{}\n", us(r.defaults_final.p50_us), us(r.defaults_final.p99_us),
             by_throughput ? fmt::format(", {:.0f} runs/s", r.defaults_final.throughput_per_s) : "");
  if (r.beats_defaults) {
    fmt::print(
        "best:         p50 {} us, p99 {} us{}: {}\n", us(r.best_final.p50_us), us(r.best_final.p99_us),
        by_throughput ? fmt::format(", {:.0f} runs/s ({})", r.best_final.throughput_per_s, r.best_final.detail) : "",
        r.best.label);
    if (by_throughput)
      fmt::print("recommended: {} ({:.2f}x the throughput of ORT's defaults)\n", r.best.label,
                 r.best_final.throughput_per_s / r.defaults_final.throughput_per_s);
    else
      fmt::print("recommended: {} (p50 {:.1f} % lower than ORT's defaults)\n", r.best.label, 100 * r.gain);
  } else {
    fmt::print("nothing beat ORT's defaults{}: recommending the defaults\n",
               tune::same_options(r.best.options, r.defaults.options)
                   ? ""
                   : fmt::format(" in the final ({} measured p50 {} us)", r.best.label, us(r.best_final.p50_us)));
  }
  if (opt.lanes > 0 && !r.recommended_final.detail.empty())
    fmt::print("concurrency mode: {} (with {} lanes)\n", r.recommended_final.detail, opt.lanes);

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
    j["min_gain"] = opt.min_gain;
    j["defaults"] = candidate_json(r.defaults, r.defaults_final);
    j["best"] = candidate_json(r.best, r.best_final);
    j["recommended"] = candidate_json(r.recommended, r.recommended_final);
    j["recommended"]["is_defaults"] = !r.beats_defaults;
    j["gain"] = r.gain;
    j["throughput_ratio"] = r.defaults_final.throughput_per_s > 0
                                ? r.recommended_final.throughput_per_s / r.defaults_final.throughput_per_s
                                : 1.0;
    j["p50_ratio"] = r.defaults_final.p50_us > 0 ? r.recommended_final.p50_us / r.defaults_final.p50_us : 1.0;
    Json steps = Json::array();
    for (const tune::Step& s : r.steps) {
      Json step;
      step["dimension"] = s.dimension;
      step["label"] = s.candidate.label;
      step.update(measurement_json(s.measurement));
      step["vs_defaults"] = s.vs_defaults;
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
                  "Seconds of measuring, split over the candidates (session creation and warm-up come on top)")
      ->check(real_in(0.01, 86400.0))
      ->capture_default_str();
  cmd->add_option("--min-gain", opt->min_gain,
                  "A value is adopted when it is this fraction faster than the best so far")
      ->check(real_in(0.0, 0.9))
      ->capture_default_str();
  cmd->add_option("--lanes", opt->lanes,
                  "Tune for K threads each driving a lane (ranked by throughput; the concurrency mode is chosen too)")
      ->check(thread_count(1));
  cmd->add_flag("--no-pin", opt->no_pin, "Do not pin --lanes threads to cores");
  cmd->add_option("--write", opt->write, "Save the recommended options as JSON (zrt run/bench --options FILE)");
  cmd->add_option("--json", opt->json, "Write every measurement and the result as JSON to FILE");
  cmd->callback([opt, &action] { action = [opt] { return run_tune(*opt); }; });
}

}  // namespace zrt::cli
