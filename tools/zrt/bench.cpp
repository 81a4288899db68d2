// zrt bench [MODEL] [--builtin NAME] [--paths LIST] [--iters N | --duration S] [--warmup N]
//           [--rounds N] [--threads N] [--options FILE] [--seed N] [--dim NAME=VALUE]...
//           [--input NAME=FILE.npy]... [--carry OUT=IN]... [--lanes K] [--json FILE]
//           [--histogram FILE.svg] [--ep NAME[:key=value,...]]...
//           [--load [--clients C] [--rate R] [--strategies LIST]]
// Runs one model through ORT's C API, ORT's C++ API and zrt's run paths side by side, in
// one process on the same inputs, after checking that every path computes the same
// outputs; prints latency percentiles, throughput and allocations per run for each. With
// --ep (a device EP such as webgpu) every session runs on it, and two device paths (a
// device lane against the C API on device tensors) join the others. With --load, C client
// threads load four serving strategies instead (bench_load.hpp).
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "bench_alloc.hpp"
#include "bench_engine.hpp"
#include "bench_lanes.hpp"
#include "bench_load.hpp"
#include "bench_report.hpp"
#include "bench_workload.hpp"
#include "builtin_model.hpp"
#include "cli_checks.hpp"
#include "commands.hpp"
#include "json_text.hpp"
#include "model_inputs.hpp"
#include "workload_options.hpp"
#include "zrt/environment.hpp"
#include "zrt/error.hpp"
#include "zrt/providers.hpp"

namespace zrt::cli {
namespace {

struct BenchCommandOptions {
  WorkloadOptions workload;  // MODEL, --builtin, --seed, --dim, --input, --carry, --ep
  std::vector<std::string> paths;
  std::size_t iters = 0;
  double duration = 0.5;
  std::size_t warmup = 200;
  std::size_t rounds = 10;
  std::optional<int> threads;
  std::string options_file;
  std::size_t lanes = 0;
  bool no_pin = false;
  bool load = false;
  std::size_t clients = 16;
  std::optional<double> rate;
  std::vector<std::string> strategies;
  std::string json;
  std::string histogram;
};

// A progress bar on stderr, drawn only when stderr is a terminal.
class ProgressBar {
 public:
  ProgressBar() : enabled_(isatty(STDERR_FILENO) == 1) {}
  ~ProgressBar() { clear(); }
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  bench::ProgressFn callback() {
    if (!enabled_) return {};
    return [this](std::string_view phase, std::size_t done, std::size_t total) { draw(phase, done, total); };
  }
  void clear() {
    if (enabled_ && drawn_) {
      std::fputs("\r\033[K", stderr);
      std::fflush(stderr);
      drawn_ = false;
    }
  }

 private:
  void draw(std::string_view phase, std::size_t done, std::size_t total) {
    constexpr std::size_t kWidth = 30;
    const std::size_t filled = total == 0 ? kWidth : done * kWidth / total;
    fmt::print(stderr, "\r\033[K{:<8} [{}{}] {:>3}%", phase, std::string(filled, '#'),
               std::string(kWidth - filled, '.'), total == 0 ? 100 : done * 100 / total);
    std::fflush(stderr);
    drawn_ = true;
  }
  bool enabled_;
  bool drawn_ = false;
};

std::vector<std::string> selected_paths(const std::vector<std::string>& requested) {
  std::vector<std::string> names;
  for (const std::string& r : requested)
    if (bench::find_path(r) == nullptr) {
      std::vector<std::string_view> known;
      for (const bench::PathInfo& p : bench::path_catalog()) known.push_back(p.name);
      throw Error(fmt::format("--paths: unknown path '{}'; the paths are: {}", r, fmt::join(known, ", ")));
    }
  for (const bench::PathInfo& p : bench::path_catalog()) {
    if (requested.empty() || std::find(requested.begin(), requested.end(), p.name) != requested.end())
      names.emplace_back(p.name);
  }
  return names;
}

// What every report says about the workload and the run.
void describe_run(bench::BenchReport& report, const bench::Workload& w, const BenchCommandOptions& opt) {
  report.model = w.label;
  report.description = w.description;
  report.ort_version = ort_version();
  report.dims = w.dims;
  for (std::size_t i = 0; i < w.inputs.size(); ++i)
    report.inputs.push_back({w.session.input(i).name, w.inputs[i].tensor.describe(), w.inputs[i].origin});
  for (const bench::CarryPair& c : w.carry)
    report.carry.emplace_back(w.outputs[c.output].name, w.session.input(c.input).name);
  report.intra_op_threads = w.options.intra_op_threads();
  for (const Provider& p : w.options.providers()) report.providers.push_back(p.to_string());
  report.options_file = w.options_file;
  report.iters = opt.iters;
  report.duration_s = opt.duration;
  report.warmup = opt.warmup;
  report.rounds = opt.rounds;
  report.seed = opt.workload.seed;
  report.allocation_counting = bench::allocation_counting();
}

void write_report(const bench::BenchReport& report, const BenchCommandOptions& opt) {
  fmt::print("{}", bench::format_table(report));
  std::fflush(stdout);
  if (!opt.json.empty()) write_text_file(opt.json, json_text(bench::report_json(report), "--json") + "\n", "--json");
  if (!opt.histogram.empty()) write_text_file(opt.histogram, bench::histogram_svg(report), "--histogram");
}

// zrt bench --load: the load generator instead of the side-by-side paths.
int run_load_bench(const bench::Workload& w, const BenchCommandOptions& opt) {
  ProgressBar bar;
  bench::LoadConfig load;
  load.strategies = opt.strategies;
  load.clients = opt.clients;
  load.duration_s = opt.duration;
  load.rate = opt.rate;
  load.warmup = opt.warmup;
  load.rounds = std::min<std::size_t>(opt.rounds, 3);
  load.seed = opt.workload.seed;
  load.progress = bar.callback();
  bench::BenchReport report;
  report.load = bench::run_load(w, load);
  bar.clear();
  describe_run(report, w, opt);
  report.rounds = report.load->rounds;
  write_report(report, opt);
  return 0;
}

int run_bench(const BenchCommandOptions& opt) {
  bench::WorkloadSpec spec = workload_spec(opt.workload);
  spec.intra_op_threads = opt.threads;
  spec.options_file = opt.options_file;
  const bench::Workload w(spec);
  if (opt.load) return run_load_bench(w, opt);
  std::vector<std::string> names = selected_paths(opt.paths);
  // The device paths need an EP; without one they are run only when asked for (and then
  // fail saying so).
  const std::vector<Provider>& providers = w.options.providers();
  if (opt.paths.empty() && providers.empty())
    std::erase_if(names, [](const std::string& n) { return bench::find_path(n)->device; });

  ProgressBar bar;
  // A path that cannot run this model (e.g. a lane, which binds tensors only, on a model
  // with a sequence output) is an error when asked for by name, else left out with a note.
  std::vector<bench::NamedPath> paths;
  std::vector<std::pair<std::string, std::string>> skipped;
  for (const std::string& name : names) {
    try {
      paths.push_back({name, bench::make_path(name, w)});
    } catch (const Error& e) {
      if (!opt.paths.empty() || name == bench::kReferencePath) throw;
      skipped.emplace_back(name, e.what());
    }
  }
  bench::NamedPath separate_reference;
  const bench::NamedPath* reference = nullptr;
  for (const bench::NamedPath& p : paths)
    if (p.name == bench::kReferencePath) reference = &p;
  if (reference == nullptr) {
    separate_reference = {std::string(bench::kReferencePath), bench::make_path(bench::kReferencePath, w)};
    reference = &separate_reference;
  }
  std::vector<std::string> output_names;
  for (const bench::OutputInfo& o : w.outputs) output_names.push_back(o.name);

  bench::BenchReport report;
  report.check = bench::check_outputs(*reference, paths, output_names, w.carry.empty() ? 2 : 3);

  bench::TimingConfig timing;
  timing.iters = opt.iters;
  timing.duration_s = opt.duration;
  timing.warmup = opt.warmup;
  timing.rounds = opt.rounds;
  timing.progress = bar.callback();
  report.paths = bench::time_paths(paths, timing);

  if (opt.lanes > 0) {
    bench::LanesConfig lanes;
    lanes.lanes = opt.lanes;
    lanes.iters = opt.iters;
    lanes.duration_s = opt.duration;
    lanes.warmup = opt.warmup;
    lanes.rounds = std::min<std::size_t>(opt.rounds, 3);
    lanes.pin = !opt.no_pin;
    lanes.progress = bar.callback();
    report.lanes = bench::run_lanes(w, lanes);
  }
  bar.clear();

  describe_run(report, w, opt);
  report.skipped = std::move(skipped);
  write_report(report, opt);
  return 0;
}

}  // namespace

void add_bench_command(CLI::App& app, Action& action) {
  auto opt = std::make_shared<BenchCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "bench", "Time a model through ORT's C and C++ APIs and zrt's run paths, side by side, in one process");
  add_workload_options(*cmd, opt->workload, "run");
  auto* paths =
      cmd->add_option("--paths", opt->paths,
                      "Paths to run (comma-separated): c_binding, cxx_run, cxx_binding, zrt_run, zrt_run_view, "
                      "zrt_prepared, zrt_prepared_binding, zrt_lane, and with --ep c_binding_device, zrt_lane_device "
                      "(default: all)")
          ->delimiter(',');
  auto* iters = cmd->add_option("--iters,-n", opt->iters, "Timed runs per path (instead of --duration)")
                    ->check(count_in(1, std::uint64_t{1} << 32));
  cmd->add_option("--duration", opt->duration, "Seconds of timed runs per path")
      ->check(real_in(0.001, 3600.0))
      ->excludes(iters)
      ->capture_default_str();
  cmd->add_option("--warmup", opt->warmup, "Untimed runs per path before timing")
      ->check(count_in(0, 1'000'000))
      ->capture_default_str();
  cmd->add_option("--rounds", opt->rounds, "Interleaved rounds (round-robin over the paths)")
      ->check(count_in(1, 100'000))
      ->capture_default_str();
  cmd->add_option("--threads", opt->threads, "Intra-op threads (0: ORT's default; default 1, or the --options file's)")
      ->check(thread_count());
  cmd->add_option("--options", opt->options_file, "Session options from a JSON file (zrt tune --write)")
      ->check(CLI::ExistingFile);
  auto* lanes =
      cmd->add_option(
             "--lanes", opt->lanes,
             "Also run K threads, each on its own lane (shared session and replicated sessions), against ORT's "
             "C++ Run from K threads on one session and against one lane")
          ->check(thread_count(1));
  cmd->add_flag("--no-pin", opt->no_pin, "Do not pin --lanes threads to cores");
  auto* load = cmd->add_flag("--load", opt->load,
                             "Instead of the paths: C client threads load four serving strategies (lanes, pool, "
                             "batcher, cxx_shared) for --duration seconds each, closed loop unless --rate");
  cmd->add_option("--clients", opt->clients, "--load: client threads (the bench's own, up to 1024)")
      ->check(count_in(1, 1024))
      ->needs(load)
      ->capture_default_str();
  cmd->add_option("--rate", opt->rate,
                  "--load: open loop at R requests/s in all (Poisson arrivals; latency from the scheduled arrival)")
      ->check(real_in(0.001, 1e9))
      ->needs(load);
  cmd->add_option("--strategies", opt->strategies,
                  "--load: strategies to run (comma-separated): lanes, pool, batcher, cxx_shared (default: all)")
      ->delimiter(',')
      ->needs(load);
  load->excludes(iters)->excludes(paths)->excludes(lanes);
  cmd->add_option("--json", opt->json, "Write the results as JSON to FILE");
  auto* histogram =
      cmd->add_option("--histogram", opt->histogram, "Write latency histograms of the paths as SVG to FILE");
  load->excludes(histogram);
  cmd->callback([opt, &action] { action = [opt] { return run_bench(*opt); }; });
}

}  // namespace zrt::cli
