// Soak: does zrt's resident memory stay flat over millions of runs?
//
// Four phases in one process, all on the MLP 784-128-10 of tests/models (built in
// memory, exact reference outputs) with 1 intra-op thread:
//   lane     10 M zrt::Lane runs (bound once, run many)
//   run      10 M Session::run calls (zero-copy TensorView input, one reused Outputs)
//   failing   1 M Session::run calls with a bad input (wrong dim, rank, type, count,
//            name; each must throw zrt::Error), the session checked after every 1,000
//   create   10 k Session::from_bytes create / run once / destroy cycles
// Every run's outputs are compared with the exact reference (the input changes every
// 1,000 runs). Each phase records VmRSS (/proc/self/status; also RssAnon, RssFile,
// AnonHugePages and Threads) and the session's CPU arena statistics at its start and at every 10 % of its progress, plus after its first 1,
// 10, 100, 1,000 and 10,000 iterations. Goal per phase: RSS at the end within 1 MiB of
// RSS at 10 %. A missed goal is reported, not an error: the exit status is non-zero
// only for a wrong output, a bad run that did not throw zrt::Error, or another failure.
//
// Usage: zrt_bench_soak [--scale S] [--lane-runs N] [--session-runs N]
//                       [--failing-runs N] [--cycles N] [--json PATH]
// ORT 1.29's Linux build starts a telemetry thread with the first environment; it stays
// off with ORT_DISABLE_TELEMETRY=1 (`make soak` runs the soak both ways). Each sample
// records the process's thread count, so its activity shows in the figures.
// `make soak` runs the full counts and writes BENCHMARKS.md's soak section and
// docs/soak.svg from the JSON files (scripts/soak-md.py).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "models/models.hpp"
#include "zrt/zrt.hpp"

namespace {

namespace test = zrt::test;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kInputs = 4;         // distinct inputs, each with its reference
constexpr std::uint64_t kSwitch = 1000;    // runs per input before the next one
constexpr double kGoalKib = 1024.0;        // end within 1 MiB of the 10 % point
const std::uint64_t kEarly[] = {1, 10, 100, 1000, 10000};

// A real failure: wrong output, a bad run that did not throw, ...
struct SoakFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A "Name:   123 kB" field of a /proc file in KiB; -1 when the file has none.
long proc_kib(const char* file, std::string_view field) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > field.size() && line.compare(0, field.size(), field) == 0 && line[field.size()] == ':') {
      return std::stol(line.substr(field.size() + 1));
    }
  }
  return -1;
}

long vm_rss_kib() {
  const long kib = proc_kib("/proc/self/status", "VmRSS");
  if (kib < 0) throw SoakFailure("no VmRSS in /proc/self/status");
  return kib;
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

struct Sample {
  std::uint64_t done = 0;  // iterations completed
  bool checkpoint = false; // a 10 % point (or the start), not an early sample
  long rss_kib = 0;
  long rss_anon_kib = 0;    // RssAnon: heap, arena, stacks
  long rss_file_kib = 0;    // RssFile: mapped files (the libraries' code and data)
  long anon_huge_kib = 0;   // AnonHugePages (smaps_rollup): anonymous memory in transparent huge pages
  long threads = 0;         // Threads: the process's threads
  std::optional<zrt::AllocatorStats> arena;
};

// Takes samples at the start, at every 10 %, and after the early counts.
class Sampler {
 public:
  Sampler(std::uint64_t total, const zrt::Allocator* arena) : arena_(arena) {
    for (int k = 1; k <= 10; ++k) {
      const auto at = static_cast<std::uint64_t>(std::llround(static_cast<double>(total) * k / 10.0));
      if (at > 0) points_.push_back({at, true});
    }
    const std::uint64_t first = points_.empty() ? 0 : points_.front().first;
    for (std::uint64_t e : kEarly) {
      if (e < first) points_.push_back({e, false});
    }
    std::sort(points_.begin(), points_.end());
    points_.erase(std::unique(points_.begin(), points_.end(),
                              [](const auto& a, const auto& b) { return a.first == b.first; }),
                  points_.end());
    take(0, true);
    next_ = points_.empty() ? UINT64_MAX : points_.front().first;
  }

  // After `done` iterations; cheap unless a sample is due.
  void after(std::uint64_t done) {
    if (done != next_) return;
    take(done, points_[index_].second);
    ++index_;
    next_ = index_ < points_.size() ? points_[index_].first : UINT64_MAX;
  }

  std::vector<Sample> samples;

 private:
  void take(std::uint64_t done, bool checkpoint) {
    Sample s;
    s.done = done;
    s.checkpoint = checkpoint;
    s.rss_kib = vm_rss_kib();
    s.rss_anon_kib = proc_kib("/proc/self/status", "RssAnon");
    s.rss_file_kib = proc_kib("/proc/self/status", "RssFile");
    s.anon_huge_kib = proc_kib("/proc/self/smaps_rollup", "AnonHugePages");
    s.threads = proc_kib("/proc/self/status", "Threads");
    if (arena_ != nullptr) s.arena = arena_->stats();
    samples.push_back(std::move(s));
  }

  const zrt::Allocator* arena_;
  std::vector<std::pair<std::uint64_t, bool>> points_;
  std::size_t index_ = 0;
  std::uint64_t next_ = 0;
};

struct Phase {
  std::string name;
  std::string title;
  std::string unit;  // what one iteration is
  std::uint64_t count = 0;
  double seconds = 0;
  std::vector<Sample> samples;
  std::vector<std::pair<std::string, std::string>> notes;  // extra JSON fields (already encoded)

  const Sample* at_checkpoint(std::size_t k) const {  // k-th checkpoint: 0 start, 1 = 10 %, 10 = end
    std::size_t seen = 0;
    for (const Sample& s : samples) {
      if (s.checkpoint && seen++ == k) return &s;
    }
    return nullptr;
  }
  long rss10() const { return at_checkpoint(1) ? at_checkpoint(1)->rss_kib : 0; }
  long rss_end() const { return samples.empty() ? 0 : samples.back().rss_kib; }
  bool pass() const { return std::abs(static_cast<double>(rss_end() - rss10())) <= kGoalKib; }
};

// The phase's loop, timed, with its samples.
Phase run_phase(std::string name, std::string title, std::string unit, std::uint64_t count,
                const zrt::Allocator* arena, const std::function<void(std::uint64_t)>& body) {
  Phase phase{std::move(name), std::move(title), std::move(unit), count, 0, {}, {}};
  std::printf("%-8s %llu %s ...\n", phase.name.c_str(), static_cast<unsigned long long>(count), phase.unit.c_str());
  std::fflush(stdout);
  Sampler sampler(count, arena);
  const auto start = Clock::now();
  for (std::uint64_t i = 0; i < count; ++i) {
    body(i);
    sampler.after(i + 1);
    if (sampler.samples.back().done == i + 1 && sampler.samples.back().checkpoint) {
      std::printf("  %3.0f %%  VmRSS %.2f MiB\n", 100.0 * static_cast<double>(i + 1) / static_cast<double>(count),
                  static_cast<double>(sampler.samples.back().rss_kib) / 1024.0);
      std::fflush(stdout);
    }
  }
  phase.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  phase.samples = std::move(sampler.samples);
  return phase;
}

void check_logits(std::span<const float> got, const std::vector<float>& expected, const char* what, std::uint64_t i) {
  if (got.size() != expected.size() || std::memcmp(got.data(), expected.data(), expected.size() * sizeof(float)) != 0) {
    throw SoakFailure(std::string(what) + ": wrong logits at iteration " + std::to_string(i));
  }
}

std::string stats_json(const zrt::AllocatorStats& a) {
  std::ostringstream o;
  o << "{\"total_allocated\": " << a.total_allocated << ", \"in_use\": " << a.in_use
    << ", \"max_in_use\": " << a.max_in_use << ", \"num_allocs\": " << a.num_allocs
    << ", \"num_reserves\": " << a.num_reserves << ", \"num_arena_extensions\": " << a.num_arena_extensions
    << ", \"num_arena_shrinkages\": " << a.num_arena_shrinkages << "}";
  return o.str();
}

std::string phase_json(const Phase& p) {
  std::ostringstream o;
  o << "    {\"name\": " << json_string(p.name) << ", \"title\": " << json_string(p.title)
    << ", \"unit\": " << json_string(p.unit) << ", \"count\": " << p.count << ", \"seconds\": " << p.seconds
    << ", \"per_s\": " << (p.seconds > 0 ? static_cast<double>(p.count) / p.seconds : 0.0)
    << ", \"rss_10_kib\": " << p.rss10() << ", \"rss_end_kib\": " << p.rss_end()
    << ", \"pass\": " << (p.pass() ? "true" : "false");
  for (const auto& [key, value] : p.notes) o << ", " << json_string(key) << ": " << value;
  o << ",\n     \"samples\": [";
  for (std::size_t i = 0; i < p.samples.size(); ++i) {
    const Sample& s = p.samples[i];
    o << (i ? ",\n       " : "\n       ") << "{\"done\": " << s.done << ", \"progress\": "
      << (p.count ? static_cast<double>(s.done) / static_cast<double>(p.count) : 0.0)
      << ", \"checkpoint\": " << (s.checkpoint ? "true" : "false") << ", \"rss_kib\": " << s.rss_kib
      << ", \"rss_anon_kib\": " << s.rss_anon_kib << ", \"rss_file_kib\": " << s.rss_file_kib
      << ", \"anon_huge_kib\": " << s.anon_huge_kib << ", \"threads\": " << s.threads
      << ", \"arena\": " << (s.arena ? stats_json(*s.arena) : "null") << "}";
  }
  o << "]}";
  return o.str();
}

struct Config {
  std::uint64_t lane_runs = 10'000'000;
  std::uint64_t session_runs = 10'000'000;
  std::uint64_t failing_runs = 1'000'000;
  std::uint64_t cycles = 10'000;
  std::string json;
};

std::uint64_t parse_count(const char* flag, const char* v) {
  char* end = nullptr;
  const double d = std::strtod(v, &end);
  if (end == v || *end != '\0' || !std::isfinite(d) || d < 0 || d > 1e12) {
    throw std::invalid_argument(std::string(flag) + " must be a number in [0, 1e12], got '" + v + "'");
  }
  return static_cast<std::uint64_t>(std::llround(d));
}

Config parse(int argc, char** argv) {
  Config c;
  double scale = 1.0;
  std::optional<std::uint64_t> lane, run, failing, cycles;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) throw std::invalid_argument("unknown or incomplete argument '" + a + "'");
    const char* v = argv[++i];
    if (a == "--scale") {
      char* end = nullptr;
      scale = std::strtod(v, &end);
      if (end == v || *end != '\0' || !std::isfinite(scale) || scale <= 0 || scale > 100) {
        throw std::invalid_argument(std::string("--scale must be in (0, 100], got '") + v + "'");
      }
    } else if (a == "--lane-runs") {
      lane = parse_count("--lane-runs", v);
    } else if (a == "--session-runs") {
      run = parse_count("--session-runs", v);
    } else if (a == "--failing-runs") {
      failing = parse_count("--failing-runs", v);
    } else if (a == "--cycles") {
      cycles = parse_count("--cycles", v);
    } else if (a == "--json") {
      c.json = v;
    } else {
      throw std::invalid_argument("unknown argument '" + a + "'");
    }
  }
  auto scaled = [&](std::uint64_t n) {
    return std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::llround(static_cast<double>(n) * scale)));
  };
  c.lane_runs = lane.value_or(scaled(c.lane_runs));
  c.session_runs = run.value_or(scaled(c.session_runs));
  c.failing_runs = failing.value_or(scaled(c.failing_runs));
  c.cycles = cycles.value_or(scaled(c.cycles));
  return c;
}

int soak(const Config& config) {
  const long rss_start = vm_rss_kib();
  zrt::Environment env;
  const test::Bytes model = test::mlp();
  std::vector<std::vector<float>> inputs, refs;
  for (std::size_t k = 0; k < kInputs; ++k) {
    inputs.push_back(test::mlp_input(1, k));
    refs.push_back(test::mlp_reference(inputs.back(), 1));
  }
  const auto options = zrt::SessionOptions{}.intra_op_threads(1);
  const long rss_before_session = vm_rss_kib();
  const zrt::Session session = zrt::Session::from_bytes(env, model, options);
  const long rss_session = vm_rss_kib();

  // The session's CPU arena (ORT's default), for its statistics.
  std::optional<zrt::Allocator> arena;
  try {
    arena.emplace(session, zrt::MemoryInfo::cpu(zrt::AllocatorType::Arena));
    (void)arena->stats();
  } catch (const zrt::Error& e) {
    std::printf("no arena statistics: %s\n", e.what());
    arena.reset();
  }
  const zrt::Allocator* arena_ptr = arena ? &*arena : nullptr;
  std::vector<Phase> phases;

  // --- lane: bind once, run many ---
  {
    zrt::Lane lane = session.make_lane({{1, 784}}, {{1, 10}});
    const std::span<float> x = lane.input<float>(0);
    const std::span<const float> y = lane.output<float>(0);
    std::size_t k = 0;
    phases.push_back(run_phase("lane", "zrt::Lane::run (bound once)", "lane runs", config.lane_runs, arena_ptr,
                               [&](std::uint64_t i) {
                                 if (i % kSwitch == 0) {
                                   k = static_cast<std::size_t>(i / kSwitch % kInputs);
                                   std::memcpy(x.data(), inputs[k].data(), x.size_bytes());
                                 }
                                 lane.run();
                                 check_logits(y, refs[k], "lane", i);
                               }));
  }

  // --- run: Session::run, zero-copy views in, one reused Outputs ---
  zrt::Outputs out = session.make_outputs();
  {
    phases.push_back(run_phase("run", "Session::run (TensorView in, reused Outputs)", "Session::run calls",
                               config.session_runs, arena_ptr, [&](std::uint64_t i) {
                                 const auto k = static_cast<std::size_t>(i / kSwitch % kInputs);
                                 session.run({zrt::TensorView<const float>(inputs[k], {1, 784})}, out);
                                 check_logits(out[0].data<float>(), refs[k], "Session::run", i);
                               }));
  }

  // --- failing: bad inputs must throw zrt::Error; the session must stay correct ---
  {
    const std::vector<float> short_x(28, 0.5f);
    const std::vector<double> double_x(784, 0.5);
    constexpr std::size_t kKinds = 5;
    const char* kind_names[kKinds] = {"wrong dim", "wrong rank", "wrong type", "too many inputs", "unknown name"};
    std::vector<std::string> messages(kKinds);
    std::vector<std::uint64_t> thrown(kKinds, 0);
    std::uint64_t checks = 0;
    const zrt::TensorView<const float> good(inputs[0], {1, 784});
    auto bad_run = [&](std::size_t kind) {
      switch (kind) {
        case 0: session.run({zrt::TensorView<const float>(short_x, {1, 28})}, out); break;
        case 1: session.run({zrt::TensorView<const float>(inputs[0], {784})}, out); break;
        case 2: session.run({zrt::TensorView<const double>(double_x, {1, 784})}, out); break;
        case 3: session.run({good, good}, out); break;
        default: session.run({zrt::Input("no_such_input", good)}, out); break;
      }
    };
    Phase p = run_phase(
        "failing", "Session::run with a bad input (throws zrt::Error)", "failing runs", config.failing_runs,
        arena_ptr, [&](std::uint64_t i) {
          const auto kind = static_cast<std::size_t>(i % kKinds);
          bool threw = false;
          try {
            bad_run(kind);
          } catch (const zrt::Error& e) {
            threw = true;
            ++thrown[kind];
            if (messages[kind].empty()) messages[kind] = e.what();
          }
          if (!threw) throw SoakFailure(std::string("failing: a run with ") + kind_names[kind] + " did not throw");
          if ((i + 1) % kSwitch == 0 || i + 1 == config.failing_runs) {  // the session still works
            const auto k = static_cast<std::size_t>(i / kSwitch % kInputs);
            session.run({zrt::TensorView<const float>(inputs[k], {1, 784})}, out);
            check_logits(out[0].data<float>(), refs[k], "Session::run after failing runs", i);
            ++checks;
          }
        });
    std::uint64_t total_thrown = 0;
    for (std::uint64_t t : thrown) total_thrown += t;
    if (total_thrown != config.failing_runs) {
      throw SoakFailure("failing: " + std::to_string(config.failing_runs - total_thrown) +
                        " bad runs did not throw zrt::Error");
    }
    std::ostringstream kinds;
    kinds << "[";
    for (std::size_t k = 0; k < kKinds; ++k) {
      kinds << (k ? ", " : "") << "{\"kind\": " << json_string(kind_names[k]) << ", \"thrown\": " << thrown[k]
            << ", \"message\": " << json_string(messages[k]) << "}";
    }
    kinds << "]";
    p.notes.emplace_back("kinds", kinds.str());
    p.notes.emplace_back("good_runs_checked", std::to_string(checks));
    phases.push_back(std::move(p));
  }

  // --- create: Session::from_bytes, one run, destroy ---
  phases.push_back(run_phase("create", "Session::from_bytes + one run + destroy", "create/destroy cycles",
                             config.cycles, nullptr, [&](std::uint64_t i) {
                               const zrt::Session s = zrt::Session::from_bytes(env, model, options);
                               const auto k = static_cast<std::size_t>(i % kInputs);
                               const zrt::Outputs o = s.run({zrt::TensorView<const float>(inputs[k], {1, 784})});
                               check_logits(o[0].data<float>(), refs[k], "new session", i);
                             }));

  // The main session still gives correct outputs after everything.
  session.run({zrt::TensorView<const float>(inputs[1], {1, 784})}, out);
  check_logits(out[0].data<float>(), refs[1], "Session::run at the end", 0);

  std::printf("\n%-8s %14s %12s %12s %10s %8s %14s\n", "phase", "iterations", "RSS 10 %", "RSS end", "end-10 %",
              "goal", "per second");
  for (const Phase& p : phases) {
    std::printf("%-8s %14llu %8.2f MiB %8.2f MiB %+7.3f MiB %8s %14.0f\n", p.name.c_str(),
                static_cast<unsigned long long>(p.count), static_cast<double>(p.rss10()) / 1024.0,
                static_cast<double>(p.rss_end()) / 1024.0, static_cast<double>(p.rss_end() - p.rss10()) / 1024.0,
                p.pass() ? "pass" : "MISS", p.seconds > 0 ? static_cast<double>(p.count) / p.seconds : 0.0);
  }

  if (!config.json.empty()) {
    std::ofstream f(config.json);
    f << "{\n  \"ort_version\": " << json_string(zrt::ort_version()) << ",\n  \"intra_op_threads\": 1"
      << ",\n  \"ort_disable_telemetry\": " << json_string(std::getenv("ORT_DISABLE_TELEMETRY") ? std::getenv("ORT_DISABLE_TELEMETRY") : "")
      << ",\n  \"model\": \"MLP 784-128-10 (tests/models mlp()), input float[1,784]\""
      << ",\n  \"goal_kib\": " << kGoalKib << ",\n  \"rss_start_kib\": " << rss_start
      << ",\n  \"rss_before_session_kib\": " << rss_before_session << ",\n  \"rss_session_kib\": " << rss_session
      << ",\n  \"weights_bytes\": "
      << (test::kMlpIn * test::kMlpHidden + test::kMlpHidden + test::kMlpHidden * test::kMlpOut + test::kMlpOut) *
             sizeof(float)
      << ",\n  \"arena_stats\": " << (arena_ptr ? "true" : "false") << ",\n  \"phases\": [\n";
    for (std::size_t i = 0; i < phases.size(); ++i) f << (i ? ",\n" : "") << phase_json(phases[i]);
    f << "\n  ]\n}\n";
    if (!f) throw SoakFailure("writing " + config.json + " failed");
    std::printf("\nwrote %s\n", config.json.c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Config config;
  try {
    config = parse(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr,
                 "soak: %s\nusage: %s [--scale S] [--lane-runs N] [--session-runs N] [--failing-runs N] "
                 "[--cycles N] [--json PATH]\n",
                 e.what(), argv[0]);
    return 2;
  }
  try {
    return soak(config);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "soak: %s\n", e.what());
    return 1;
  }
}
