// Resident memory of N small sessions (the MLP of tests/models, 784->128->10, 0.4 MiB of
// weights, 1 intra-op thread) that each run one batch (64 rows: 32 KiB of activations;
// 1024 rows: 512 KiB), with the CPU allocator made four ways:
//   own          every session makes its own CPU arena (ORT's default)
//   no-arena     every session allocates without an arena (SessionOptions::cpu_arena(false))
//   shared       one arena registered on the Environment (Environment::register_allocator,
//                default ArenaConfig) that every session uses (use_env_allocators)
//   shared-exact as shared, the arena growing by what is asked (ArenaExtendStrategy::SameAsRequested)
// Each configuration runs in a fresh child process (this program, re-executed). A child
// reports VmRSS after making the sessions and one run on each, and its peak (VmHWM,
// reset just before), both minus VmRSS before.
//
// Usage: zrt_bench_env_allocator_rss [--json PATH]                the table
//        zrt_bench_env_allocator_rss rss MODE SESSIONS BATCH     one configuration
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "models/models.hpp"
#include "zrt/zrt.hpp"

namespace {

constexpr const char* kModes[] = {"own", "no-arena", "shared", "shared-exact"};
constexpr std::size_t kSessions[] = {1, 8};
constexpr std::size_t kBatches[] = {64, 1024};

double mib(long kib) { return static_cast<double>(kib) / 1024.0; }

int measure_rss(const std::string& mode, std::size_t sessions, std::size_t batch) {
  if (std::find(std::begin(kModes), std::end(kModes), mode) == std::end(kModes)) {
    throw std::runtime_error("unknown mode '" + mode + "'");
  }
  zrt::Environment env;
  const zrt::test::Bytes model = zrt::test::mlp();
  const std::vector<float> x = zrt::test::mlp_input(batch, 1);
  const std::vector<float> reference = zrt::test::mlp_reference(x, batch);
  const auto rows = static_cast<std::int64_t>(batch);
  const long before = zrt::bench::status_kib("VmRSS");
  zrt::bench::reset_peak();
  auto options = zrt::SessionOptions{}.intra_op_threads(1);
  if (mode == "no-arena") options.cpu_arena(false);
  if (mode == "shared" || mode == "shared-exact") {
    zrt::ArenaConfig arena;
    if (mode == "shared-exact") arena.extend_strategy = zrt::ArenaExtendStrategy::SameAsRequested;
    env.register_allocator(zrt::MemoryInfo::cpu(zrt::AllocatorType::Arena), arena);
    options.use_env_allocators(true);
  }
  std::vector<zrt::Session> made;
  for (std::size_t i = 0; i < sessions; ++i) {
    made.push_back(zrt::Session::from_bytes(env, model, options));
    const zrt::Outputs out =
        made.back().run({zrt::TensorView<const float>(x, {rows, static_cast<std::int64_t>(zrt::test::kMlpIn)})});
    const auto y = out[0].data<float>();
    if (!std::equal(y.begin(), y.end(), reference.begin(), reference.end())) {
      throw std::runtime_error(mode + ": session " + std::to_string(i) + " computed a wrong result");
    }
  }
  std::printf("RESULT %s %zu %ld %ld\n", mode.c_str(), sessions, zrt::bench::status_kib("VmRSS") - before,
              zrt::bench::status_kib("VmHWM") - before);
  return 0;
}

struct Row {
  std::string mode;
  std::size_t batch = 0;
  std::size_t sessions = 0;
  long rss = 0, peak = 0;
};

int table(const std::string& json) {
  std::printf("%-13s %6s %8s %9s %9s\n", "mode", "batch", "sessions", "RSS MiB", "peak MiB");
  std::vector<Row> rows;
  for (std::size_t batch : kBatches)
    for (std::size_t sessions : kSessions) {
      for (const char* mode : kModes) {
        const std::string out = zrt::bench::run_child({"rss", mode, std::to_string(sessions), std::to_string(batch)});
        Row row;
        char m[32];
        std::size_t n = 0;
        const auto at = out.find("RESULT ");
        if (at == std::string::npos ||
            std::sscanf(out.c_str() + at, "RESULT %31s %zu %ld %ld", m, &n, &row.rss, &row.peak) != 4) {
          throw std::runtime_error("no RESULT line from child " + std::string(mode));
        }
        row.mode = mode;
        row.batch = batch;
        row.sessions = sessions;
        rows.push_back(row);
        std::printf("%-13s %6zu %8zu %9.1f %9.1f\n", mode, batch, sessions, mib(row.rss), mib(row.peak));
        std::fflush(stdout);
      }
    }
  if (!json.empty()) {
    double load = 0;
    if (std::ifstream in("/proc/loadavg"); in) in >> load;
    std::ofstream out(json);
    out << "{\n  \"ort_version\": \"" << zrt::ort_version() << "\",\n  \"load_average\": " << load
        << ",\n  \"rss\": [\n";
    for (std::size_t i = 0; i < rows.size(); ++i) {
      out << "    {\"mode\": \"" << rows[i].mode << "\", \"batch\": " << rows[i].batch
          << ", \"sessions\": " << rows[i].sessions << ", \"rss_kib\": " << rows[i].rss
          << ", \"peak_kib\": " << rows[i].peak << "}" << (i + 1 < rows.size() ? ",\n" : "\n");
    }
    out << "  ]\n}\n";
    if (!out) throw std::runtime_error("writing " + json + " failed");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::vector<std::string> args(argv + 1, argv + argc);
    if (args.size() == 4 && args[0] == "rss") return measure_rss(args[1], std::stoul(args[2]), std::stoul(args[3]));
    std::string json;
    if (args.size() == 2 && args[0] == "--json") {
      json = args[1];
    } else if (!args.empty()) {
      std::fprintf(stderr, "usage: %s [--json PATH]\n", argv[0]);
      return 2;
    }
    return table(json);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "env_allocator_rss: %s\n", e.what());
    return 1;
  }
}
