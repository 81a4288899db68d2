// Resident memory of N replicated sessions of a model with 64 MiB of weights
// (Y = MatMul(X[1,4096], W[4096,4096] float)), built three ways:
//   plain            every replica loads W from the model (and prepacks its own copy)
//   shared           W given as one caller-owned buffer to every replica
//                    (SessionOptions::initializer) plus one shared prepacked-weights
//                    container (Runtime::replicated makes it)
//   shared-nopack    as shared, with ORT's prepacking off: the caller's buffer is the
//                    only copy (MatMul packs per call instead)
// Each configuration runs in a fresh child process (this program, re-executed), so no
// heap retention from one configuration colours the next. Reports VmRSS after setup
// and one run per lane, minus VmRSS before anything model-related was made.
//
// Usage: zrt_bench_replica_rss                  the whole table
//        zrt_bench_replica_rss MODE REPLICAS    one configuration (what the table runs)
#include <onnx/onnx_pb.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "zrt/zrt.hpp"

extern char** environ;

namespace {

constexpr std::int64_t kN = 4096;  // W is kN x kN floats: 64 MiB

// W[i,j]: multiples of 1/8 in [0, 0.75], so the result with X = 1 is exact.
float weight(std::size_t i, std::size_t j) { return static_cast<float>((i * 3 + j * 5) % 7) / 8.0f; }

// The model's bytes, W embedded as raw data (the usual single-file model).
std::string make_model() {
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
    t->mutable_shape()->add_dim()->set_dim_value(1);
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
  std::string raw(static_cast<std::size_t>(kN * kN) * sizeof(float), '\0');
  auto* data = reinterpret_cast<float*>(raw.data());
  for (std::size_t i = 0; i < static_cast<std::size_t>(kN); ++i) {
    for (std::size_t j = 0; j < static_cast<std::size_t>(kN); ++j) data[i * kN + j] = weight(i, j);
  }
  w->set_raw_data(std::move(raw));
  std::string bytes;
  if (!model.SerializeToString(&bytes)) throw std::runtime_error("serializing the model failed");
  return bytes;
}

// A field of /proc/self/status in KiB ("VmRSS", "VmHWM").
long status_kib(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

double mib(long kib) { return static_cast<double>(kib) / 1024.0; }

// One configuration; prints "RESULT mode replicas rss_delta_kib hwm_kib".
int measure(const std::string& mode, std::size_t replicas) {
  if (mode != "plain" && mode != "shared" && mode != "shared-nopack") {
    throw std::runtime_error("unknown mode '" + mode + "' (plain, shared, shared-nopack)");
  }
  zrt::Environment env;
  const long before = status_kib("VmRSS");

  std::vector<std::byte> bytes;
  {
    const std::string model = make_model();
    const auto* p = reinterpret_cast<const std::byte*>(model.data());
    bytes.assign(p, p + model.size());
  }
  auto options = zrt::SessionOptions{}.intra_op_threads(1);
  if (mode != "plain") {  // one copy of W, given to every replica
    auto shared_w =
        std::make_shared<zrt::TensorBuffer>(zrt::ElementType::Float, zrt::Shape{kN, kN}, zrt::BufferPolicy::plain());
    const std::span<float> w = shared_w->span<float>();
    for (std::size_t i = 0; i < static_cast<std::size_t>(kN); ++i) {
      for (std::size_t j = 0; j < static_cast<std::size_t>(kN); ++j) w[i * kN + j] = weight(i, j);
    }
    options.initializer("W", std::move(shared_w));
    if (mode == "shared-nopack") options.config("session.disable_prepacking", "1");
  }
  zrt::Runtime runtime = zrt::Runtime::replicated_from_bytes(env, bytes, replicas, options);
  std::vector<std::byte>().swap(bytes);  // ORT keeps its own copy of what it needs

  // One run per lane with X = 1: Y[j] = sum_i W[i,j], exact.
  for (std::size_t r = 0; r < replicas; ++r) {
    for (float& x : runtime.lane(r).input<float>(0)) x = 1.0f;
  }
  runtime.prime(1);
  for (std::size_t r = 0; r < replicas; ++r) {
    const std::span<const float> y = runtime.lane(r).output<float>(0);
    for (std::size_t j = 0; j < static_cast<std::size_t>(kN); j += 511) {
      float expected = 0.0f;
      for (std::size_t i = 0; i < static_cast<std::size_t>(kN); ++i) expected += weight(i, j);
      if (y[j] != expected) {
        std::fprintf(stderr, "replica %zu: Y[%zu] = %g, expected %g\n", r, j, static_cast<double>(y[j]),
                     static_cast<double>(expected));
        return 1;
      }
    }
  }
  const long after = status_kib("VmRSS");
  std::printf("RESULT %s %zu %ld %ld\n", mode.c_str(), replicas, after - before, status_kib("VmHWM"));
  return 0;
}

// Runs `self MODE REPLICAS` and returns its RESULT line's numbers.
bool run_child(const char* self, const std::string& mode, std::size_t replicas, long& delta, long& hwm) {
  const std::string n = std::to_string(replicas);
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return false;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  std::vector<char*> argv{const_cast<char*>(self), const_cast<char*>(mode.c_str()), const_cast<char*>(n.c_str()),
                          nullptr};
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, self, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  if (spawned != 0) {
    close(pipe_fds[0]);
    return false;
  }
  std::string out;
  char buffer[256];
  ssize_t got = 0;
  while ((got = read(pipe_fds[0], buffer, sizeof buffer)) > 0) out.append(buffer, static_cast<std::size_t>(got));
  close(pipe_fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return false;
  const auto at = out.find("RESULT ");
  if (at == std::string::npos) return false;
  char m[32];
  std::size_t r = 0;
  return std::sscanf(out.c_str() + at, "RESULT %31s %zu %ld %ld", m, &r, &delta, &hwm) == 4;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc == 3) return measure(argv[1], std::strtoul(argv[2], nullptr, 10));
    if (argc != 1) {
      std::fprintf(stderr, "usage: %s [MODE REPLICAS]\n", argv[0]);
      return 2;
    }
    std::printf("replicas of Y = MatMul(X[1,4096], W[4096,4096] float): W is 64 MiB\n");
    std::printf("RSS after setup and one run per replica, minus RSS before (MiB); peak RSS of the process\n\n");
    std::printf("%-15s %8s %12s %12s %12s\n", "mode", "replicas", "RSS (MiB)", "per replica", "peak (MiB)");
    for (const char* mode : {"plain", "shared", "shared-nopack"}) {
      for (std::size_t replicas : {1u, 2u, 4u}) {
        long delta = 0, hwm = 0;
        if (!run_child("/proc/self/exe", mode, replicas, delta, hwm)) {
          std::printf("%-15s %8zu   (failed)\n", mode, replicas);
          return 1;
        }
        std::printf("%-15s %8zu %12.1f %12.1f %12.1f\n", mode, replicas, mib(delta),
                    mib(delta) / static_cast<double>(replicas), mib(hwm));
      }
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "replica_rss: %s\n", e.what());
    return 1;
  }
}
