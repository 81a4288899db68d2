// Resident memory and speed of N replicated sessions of a model with 64 MiB of weights
// (Y = MatMul(X[1,4096], W[4096,4096] float)), built five ways:
//   plain          every replica loads W from the model file (W embedded in it) and
//                  prepacks its own copy
//   shared         W given as one caller-owned buffer to every replica
//                  (SessionOptions::initializer) plus one shared prepacked-weights
//                  container (Runtime::replicated makes it)
//   shared-nopack  as shared, with ORT's prepacking off: the caller's buffer is the
//                  only copy (MatMul reads it unpacked in every run)
//   mapped         W kept in the model's external data file; Runtime::replicated with
//                  ReplicaWeights::Mapped maps it once, the replicas share one
//                  prepacked copy, and the mapped pages are released after the build
//   mapped-nopack  as mapped, prepacking off: runs read W from the mapping
// Each configuration runs in a fresh child process (this program, re-executed), so no
// heap retention from one configuration colours the next. A child reports VmRSS after
// setup and one run per lane, and its peak (VmHWM, reset just before setup), both minus
// VmRSS before anything model-related was made. The speed table builds one replica of
// each configuration in one child and times single runs in interleaved rounds, so
// that load from other processes falls on all of them alike.
//
// Usage: zrt_bench_replica_rss [--json PATH] [--rounds N]   both tables
//        zrt_bench_replica_rss models DIR                   writes the two model files
//        zrt_bench_replica_rss rss MODE REPLICAS DIR        one configuration
//        zrt_bench_replica_rss speed DIR ROUNDS             the speed table's child
#include <onnx/onnx_pb.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "zrt/zrt.hpp"

using zrt::bench::run_child;
using zrt::bench::status_kib;

namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kN = 4096;  // W is kN x kN floats: 64 MiB
constexpr const char* kModes[] = {"plain", "shared", "shared-nopack", "mapped", "mapped-nopack"};
constexpr std::size_t kReplicas[] = {1, 2, 4, 8};

// W[i,j]: multiples of 1/8 in [0, 0.75], so the result with X = 1 is exact.
float weight(std::size_t i, std::size_t j) { return static_cast<float>((i * 3 + j * 5) % 7) / 8.0f; }

std::string weights_bytes() {
  std::string raw(static_cast<std::size_t>(kN * kN) * sizeof(float), '\0');
  auto* data = reinterpret_cast<float*>(raw.data());
  for (std::size_t i = 0; i < static_cast<std::size_t>(kN); ++i) {
    for (std::size_t j = 0; j < static_cast<std::size_t>(kN); ++j) data[i * kN + j] = weight(i, j);
  }
  return raw;
}

// Writes DIR/embedded.onnx (W as raw data) and DIR/external.onnx with W in
// DIR/external.onnx.data (ONNX external data).
void write_models(const fs::path& dir) {
  onnx::ModelProto model;
  model.set_ir_version(8);
  auto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(17);
  auto* graph = model.mutable_graph();
  graph->set_name("replica_rss");
  auto declare = [](onnx::ValueInfoProto* v, const char* name) {
    v->set_name(name);
    auto* t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto::FLOAT);
    t->mutable_shape()->add_dim()->set_dim_param("batch");
    t->mutable_shape()->add_dim()->set_dim_value(kN);
  };
  declare(graph->add_input(), "X");
  declare(graph->add_output(), "Y");
  auto* node = graph->add_node();
  node->set_op_type("MatMul");
  node->add_input("X");
  node->add_input("W");
  node->add_output("Y");
  auto* w = graph->add_initializer();
  w->set_name("W");
  w->set_data_type(onnx::TensorProto::FLOAT);
  w->add_dims(kN);
  w->add_dims(kN);
  const std::string raw = weights_bytes();
  auto save = [](const onnx::ModelProto& m, const fs::path& path) {
    std::ofstream out(path, std::ios::binary);
    if (!m.SerializeToOstream(&out)) throw std::runtime_error("writing " + path.string() + " failed");
  };
  w->set_raw_data(raw);
  save(model, dir / "embedded.onnx");
  w->clear_raw_data();
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  auto entry = [w](const char* key, const std::string& value) {
    auto* e = w->add_external_data();
    e->set_key(key);
    e->set_value(value);
  };
  entry("location", "external.onnx.data");
  entry("offset", "0");
  entry("length", std::to_string(raw.size()));
  save(model, dir / "external.onnx");
  std::ofstream data(dir / "external.onnx.data", std::ios::binary);
  data.write(raw.data(), static_cast<std::streamsize>(raw.size()));
  if (!data) throw std::runtime_error("writing external.onnx.data failed");
}

double mib(long kib) { return static_cast<double>(kib) / 1024.0; }

bool is_mode(const std::string& mode) {
  return std::find(std::begin(kModes), std::end(kModes), mode) != std::end(kModes);
}

// `replicas` replicas of one configuration, lanes for `batch` rows of X.
zrt::Runtime build(const zrt::Environment& env, const std::string& mode, std::size_t replicas, const fs::path& dir,
                   std::int64_t batch = 1) {
  if (!is_mode(mode)) throw std::runtime_error("unknown mode '" + mode + "'");
  const auto lanes = zrt::LaneOptions{}.input_shapes({zrt::Shape{batch, kN}}).output_shapes({zrt::Shape{batch, kN}});
  auto options = zrt::SessionOptions{}.intra_op_threads(1);
  if (mode.ends_with("-nopack")) options.config("session.disable_prepacking", "1");
  if (mode == "plain") return zrt::Runtime::replicated(env, dir / "embedded.onnx", replicas, options, lanes);
  if (mode.starts_with("mapped")) {
    return zrt::Runtime::replicated(env, dir / "external.onnx", replicas, options, lanes, zrt::ReplicaWeights::Mapped);
  }
  // shared: one caller-owned copy of W, given to every replica
  auto shared_w =
      std::make_shared<zrt::TensorBuffer>(zrt::ElementType::Float, zrt::Shape{kN, kN}, zrt::BufferPolicy::plain());
  const std::span<float> w = shared_w->span<float>();
  for (std::size_t i = 0; i < static_cast<std::size_t>(kN); ++i) {
    for (std::size_t j = 0; j < static_cast<std::size_t>(kN); ++j) w[i * kN + j] = weight(i, j);
  }
  options.initializer("W", std::move(shared_w));
  return zrt::Runtime::replicated(env, dir / "embedded.onnx", replicas, options, lanes);
}

// Sets X = 1 on every lane; after a run every row of Y is Y[j] = sum_i W[i,j], exact.
// Throws when a replica's output is not that.
void set_inputs(zrt::Runtime& runtime) {
  for (std::size_t r = 0; r < runtime.size(); ++r) {
    for (float& x : runtime.lane(r).input<float>(0)) x = 1.0f;
  }
}
void check_outputs(const zrt::Runtime& runtime, const std::string& mode) {
  for (std::size_t r = 0; r < runtime.size(); ++r) {
    const std::span<const float> y = runtime.lane(r).output<float>(0);
    for (std::size_t j = 0; j < y.size(); j += 511) {
      const std::size_t column = j % static_cast<std::size_t>(kN);
      float expected = 0.0f;
      for (std::size_t i = 0; i < static_cast<std::size_t>(kN); ++i) expected += weight(i, column);
      if (y[j] != expected) {
        throw std::runtime_error(mode + " replica " + std::to_string(r) + ": Y[" + std::to_string(j) +
                                 "] = " + std::to_string(y[j]) + ", expected " + std::to_string(expected));
      }
    }
  }
}

// One configuration; prints "RESULT mode replicas rss_kib peak_kib anon_kib file_kib".
int measure_rss(const std::string& mode, std::size_t replicas, const fs::path& dir) {
  zrt::Environment env;
  const long before = status_kib("VmRSS");
  const long anon_before = status_kib("RssAnon");
  const long file_before = status_kib("RssFile");
  zrt::bench::reset_peak();  // VmHWM := VmRSS, so the peak is this setup's
  zrt::Runtime runtime = build(env, mode, replicas, dir);
  set_inputs(runtime);
  runtime.prime(1);
  check_outputs(runtime, mode);
  std::printf("RESULT %s %zu %ld %ld %ld %ld\n", mode.c_str(), replicas, status_kib("VmRSS") - before,
              status_kib("VmHWM") - before, status_kib("RssAnon") - anon_before, status_kib("RssFile") - file_before);
  return 0;
}

// Microseconds of CPU time the calling thread has used (ORT runs a session with one
// intra-op thread on the caller's thread): unlike wall time, it leaves out the time
// the thread waited for a core while other processes ran.
double thread_cpu_us() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

double percentile(std::vector<double> v, std::size_t percent) {
  std::sort(v.begin(), v.end());
  return v[v.size() * percent / 100];
}

// `rounds` rounds in which each runtime times `runs_per_round` single runs in turn,
// starting with another one each round. Prints
// "SPEED mode batch p50_us p90_us cpu_p50_us runs" per runtime (kModes order).
void measure_rounds(std::vector<zrt::Runtime>& runtimes, std::int64_t batch, std::size_t rounds,
                    std::size_t runs_per_round) {
  std::vector<std::vector<double>> wall(runtimes.size()), cpu(runtimes.size());
  for (std::size_t round = 0; round < rounds; ++round) {
    for (std::size_t turn = 0; turn < runtimes.size(); ++turn) {
      const std::size_t m = (round + turn) % runtimes.size();  // each configuration goes first as often
      for (std::size_t k = 0; k < runs_per_round; ++k) {
        const auto start = std::chrono::steady_clock::now();
        const double cpu_start = thread_cpu_us();
        runtimes[m].run_on(0);
        cpu[m].push_back(thread_cpu_us() - cpu_start);
        wall[m].push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
      }
    }
  }
  for (std::size_t m = 0; m < runtimes.size(); ++m) {
    check_outputs(runtimes[m], kModes[m]);
    std::printf("SPEED %s %lld %.1f %.1f %.1f %zu\n", kModes[m], static_cast<long long>(batch), percentile(wall[m], 50),
                percentile(wall[m], 90), percentile(cpu[m], 50), wall[m].size());
  }
}

// Batch sizes of the speed table: one row of X (MatMul is a matrix-vector product that
// reads all of W per row, bound by memory bandwidth) and 16 (a matrix product, bound by
// arithmetic, where prepacking matters), with the runs per round of each.
constexpr std::int64_t kBatches[] = {1, 16};
constexpr std::size_t kRunsPerRound[] = {5, 1};

// For each batch size: one replica of every configuration, timed by measure_rounds.
int measure_speed(const fs::path& dir, std::size_t rounds) {
  zrt::Environment env;
  for (std::size_t b = 0; b < std::size(kBatches); ++b) {
    std::vector<zrt::Runtime> runtimes;
    for (const char* mode : kModes) {
      runtimes.push_back(build(env, mode, 1, dir, kBatches[b]));
      set_inputs(runtimes.back());
      runtimes.back().prime(2);
      check_outputs(runtimes.back(), mode);
    }
    measure_rounds(runtimes, kBatches[b], rounds, kRunsPerRound[b]);
  }
  return 0;
}

struct RssRow {
  std::string mode;
  std::size_t replicas = 0;
  long rss = 0, peak = 0, anon = 0, file = 0;
};
struct SpeedRow {
  std::string mode;
  long long batch = 0;
  double p50 = 0, p90 = 0, cpu_p50 = 0;
  std::size_t runs = 0;
};

int table(const std::string& json_path, std::size_t rounds) {
  const fs::path dir = fs::temp_directory_path() / ("zrt_replica_rss." + std::to_string(getpid()));
  fs::create_directories(dir);
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{dir};
  write_models(dir);

  std::printf("replicas of Y = MatMul(X[1,4096], W[4096,4096] float): W is 64 MiB\n");
  std::printf("RSS after setup and one run per replica, and peak RSS during setup, minus RSS before (MiB)\n\n");
  std::printf("%-14s %8s %10s %9s %10s %9s %9s\n", "mode", "replicas", "RSS", "x plain", "peak", "anon", "file");
  std::vector<RssRow> rss;
  for (const char* mode : kModes) {
    for (std::size_t replicas : kReplicas) {
      RssRow row;
      const std::string out = run_child({"rss", mode, std::to_string(replicas), dir.string()});
      char m[32];
      std::size_t r = 0;
      const auto at = out.find("RESULT ");
      if (at == std::string::npos || std::sscanf(out.c_str() + at, "RESULT %31s %zu %ld %ld %ld %ld", m, &r, &row.rss,
                                                 &row.peak, &row.anon, &row.file) != 6) {
        throw std::runtime_error("no RESULT line from child " + std::string(mode));
      }
      row.mode = mode;
      row.replicas = replicas;
      rss.push_back(row);
      const double plain = static_cast<double>(rss.front().rss);
      std::printf("%-14s %8zu %10.1f %9.2f %10.1f %9.1f %9.1f\n", mode, replicas, mib(row.rss),
                  static_cast<double>(row.rss) / plain, mib(row.peak), mib(row.anon), mib(row.file));
      std::fflush(stdout);
    }
  }

  std::printf("\nspeed, one replica each, %zu interleaved rounds (5 runs each at batch 1, 1 at 16), µs per run\n\n",
              rounds);
  std::printf("%-14s %6s %10s %10s %9s %10s %9s\n", "mode", "batch", "p50", "p90", "x plain", "CPU p50", "x plain");
  std::vector<SpeedRow> speed;
  SpeedRow plain;
  double load[1] = {0.0};  // how busy the machine was as the timing began
  if (getloadavg(load, 1) != 1) load[0] = -1.0;
  std::istringstream lines(run_child({"speed", dir.string(), std::to_string(rounds)}));
  std::string line;
  while (std::getline(lines, line)) {
    SpeedRow row;
    char m[32];
    if (std::sscanf(line.c_str(), "SPEED %31s %lld %lf %lf %lf %zu", m, &row.batch, &row.p50, &row.p90, &row.cpu_p50,
                    &row.runs) != 6)
      continue;
    row.mode = m;
    if (row.mode == kModes[0]) plain = row;  // kModes[0] comes first for each batch size
    speed.push_back(row);
    std::printf("%-14s %6lld %10.1f %10.1f %9.2f %10.1f %9.2f\n", m, row.batch, row.p50, row.p90, row.p50 / plain.p50,
                row.cpu_p50, row.cpu_p50 / plain.cpu_p50);
  }
  if (speed.size() != std::size(kModes) * std::size(kBatches)) {
    throw std::runtime_error("the speed child reported too few configurations");
  }

  if (!json_path.empty()) {
    std::ofstream j(json_path);
    j << "{\n  \"ort_version\": \"" << zrt::ort_version() << "\",\n  \"weights_mib\": 64,\n  \"rounds\": " << rounds
      << ",\n  \"load_average\": " << load[0] << ",\n  \"rss\": [\n";
    for (std::size_t i = 0; i < rss.size(); ++i) {
      const RssRow& r = rss[i];
      j << "    {\"mode\": \"" << r.mode << "\", \"replicas\": " << r.replicas << ", \"rss_kib\": " << r.rss
        << ", \"peak_kib\": " << r.peak << ", \"anon_kib\": " << r.anon << ", \"file_kib\": " << r.file << "}"
        << (i + 1 < rss.size() ? ",\n" : "\n");
    }
    j << "  ],\n  \"speed\": [\n";
    for (std::size_t i = 0; i < speed.size(); ++i) {
      const SpeedRow& s = speed[i];
      j << "    {\"mode\": \"" << s.mode << "\", \"batch\": " << s.batch << ", \"p50_us\": " << s.p50
        << ", \"p90_us\": " << s.p90 << ", \"cpu_p50_us\": " << s.cpu_p50 << ", \"runs\": " << s.runs << "}"
        << (i + 1 < speed.size() ? ",\n" : "\n");
    }
    j << "  ]\n}\n";
    if (!j) throw std::runtime_error("writing " + json_path + " failed");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::vector<std::string> args(argv + 1, argv + argc);
    if (args.size() == 2 && args[0] == "models") {
      write_models(args[1]);
      return 0;
    }
    if (args.size() == 4 && args[0] == "rss") return measure_rss(args[1], std::stoul(args[2]), args[3]);
    if (args.size() == 3 && args[0] == "speed") return measure_speed(args[1], std::stoul(args[2]));
    std::string json;
    std::size_t rounds = 20;
    for (std::size_t i = 0; i < args.size(); ++i) {
      if (args[i] == "--json" && i + 1 < args.size()) {
        json = args[++i];
      } else if (args[i] == "--rounds" && i + 1 < args.size()) {
        rounds = std::stoul(args[++i]);
      } else {
        std::fprintf(stderr, "usage: %s [--json PATH] [--rounds N]\n", argv[0]);
        return 2;
      }
    }
    return table(json, std::max<std::size_t>(rounds, 1));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "replica_rss: %s\n", e.what());
    return 1;
  }
}
