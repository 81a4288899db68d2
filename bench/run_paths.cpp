// Side-by-side cost of one run, in one process, on the same model and inputs:
// ORT's C API (the floor), ORT's C++ API (typical use) and zrt's flexible Session::run.
// Rounds are interleaved so drift hits every path alike; prints percentiles per path.
#include <onnx/defs/parser.h>
#include <onnxruntime_cxx_api.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "zrt/zrt.hpp"

namespace {

std::vector<std::byte> parse_model(const char* text) {
  onnx::ModelProto model;
  const auto status = onnx::OnnxParser::Parse(model, text);
  if (!status.IsOK()) throw std::runtime_error("model text: " + status.ErrorMessage());
  std::string bytes;
  model.SerializeToString(&bytes);
  const auto* p = reinterpret_cast<const std::byte*>(bytes.data());
  return {p, p + bytes.size()};
}

struct ModelCase {
  const char* name;
  std::vector<std::byte> bytes;
  std::vector<std::int64_t> shape;
};

// Y = X + C, X [1,16]
ModelCase tiny() {
  return {"tiny Y=X+C [1,16]",
          parse_model(R"(<ir_version: 8, opset_import: ["" : 17]>
tiny (float[1,16] X) => (float[1,16] Y) {
  C = Constant <value = float[1,16] {1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16}> ()
  Y = Add(X, C)
})"),
          {1, 16}};
}

// MLP 784-128-10 with constant-filled weights (values do not change the cost).
ModelCase mlp() {
  return {"MLP 784-128-10",
          parse_model(R"(<ir_version: 8, opset_import: ["" : 17]>
mlp (float[1,784] X) => (float[1,10] Y) {
  s1 = Constant <value = int64[2] {784, 128}> ()
  s2 = Constant <value = int64[2] {128, 10}> ()
  w1 = ConstantOfShape <value = float[1] {0.01}> (s1)
  w2 = ConstantOfShape <value = float[1] {0.02}> (s2)
  h = MatMul(X, w1)
  r = Relu(h)
  Y = MatMul(r, w2)
})"),
          {1, 784}};
}

struct Path {
  std::string name;
  std::function<void()> run;
  std::vector<double> samples_us;
};

void check(OrtStatus* status) {
  if (status != nullptr) {
    std::string msg = Ort::GetApi().GetErrorMessage(status);
    Ort::GetApi().ReleaseStatus(status);
    throw std::runtime_error(msg);
  }
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  return v[i];
}

void bench(const ModelCase& model, int rounds, int runs_per_round) {
  const OrtApi& api = Ort::GetApi();
  Ort::Env ort_env(ORT_LOGGING_LEVEL_WARNING, "bench");
  Ort::SessionOptions ort_options;
  ort_options.SetIntraOpNumThreads(1);
  Ort::Session ort_session(ort_env, model.bytes.data(), model.bytes.size(), ort_options);
  zrt::Session session = zrt::Session::from_bytes(model.bytes, zrt::SessionOptions{}.intra_op_threads(1));

  std::size_t count = 1;
  for (auto d : model.shape) count *= static_cast<std::size_t>(d);
  std::vector<float> x(count, 0.5f);
  const char* in_name = session.input_names()[0];
  const char* out_name = session.output_names()[0];
  auto cpu = Ort::MemoryInfo::CreateCpu(OrtDeviceAllocator, OrtMemTypeDefault);
  Ort::Value x_value = Ort::Value::CreateTensor<float>(cpu, x.data(), x.size(), model.shape.data(), model.shape.size());

  // C API RunWithBinding, bound once, caller-owned output (the floor).
  std::vector<float> y_bound(session.output(0).static_element_count.value());
  std::vector<std::int64_t> y_shape(session.output(0).shape.begin(), session.output(0).shape.end());
  Ort::Value y_value =
      Ort::Value::CreateTensor<float>(cpu, y_bound.data(), y_bound.size(), y_shape.data(), y_shape.size());
  OrtIoBinding* binding = nullptr;
  check(api.CreateIoBinding(ort_session, &binding));
  check(api.BindInput(binding, in_name, x_value));
  check(api.BindOutput(binding, out_name, y_value));
  Ort::RunOptions ort_run_options;

  zrt::Outputs outputs = session.make_outputs();
  zrt::Value x_zrt = zrt::Value::view(zrt::TensorView<const float>(x, zrt::Shape(model.shape)));
  const zrt::Shape x_shape(model.shape);

  std::vector<Path> paths;
  paths.push_back(
      {"c_binding (C API RunWithBinding)", [&] { check(api.RunWithBinding(ort_session, nullptr, binding)); }, {}});
  paths.push_back({"c_run (C API Run, ORT allocates)",
                   [&] {
                     const OrtValue* in[] = {x_value};
                     OrtValue* out[] = {nullptr};
                     check(api.Run(ort_session, nullptr, &in_name, in, 1, &out_name, 1, out));
                     api.ReleaseValue(out[0]);
                   },
                   {}});
  paths.push_back({"cxx_run (C++ API Run -> vector)",
                   [&] { auto out = ort_session.Run(ort_run_options, &in_name, &x_value, 1, &out_name, 1); },
                   {}});
  paths.push_back({"zrt_run (Session::run, Value in)", [&] { session.run({x_zrt}, outputs); }, {}});
  paths.push_back({"zrt_run (Session::run, TensorView in)",
                   [&] { session.run({zrt::TensorView<const float>(x.data(), x.size(), x_shape)}, outputs); },
                   {}});

  for (auto& p : paths)
    for (int i = 0; i < 200; ++i) p.run();  // warm-up
  using clock = std::chrono::steady_clock;
  for (int r = 0; r < rounds; ++r) {
    for (auto& p : paths) {
      for (int i = 0; i < runs_per_round; ++i) {
        const auto t0 = clock::now();
        p.run();
        p.samples_us.push_back(std::chrono::duration<double, std::micro>(clock::now() - t0).count());
      }
    }
  }
  api.ReleaseIoBinding(binding);

  std::printf("\n%s (ORT %s, intra-op threads 1, %d rounds x %d runs per path)\n", model.name,
              zrt::ort_version().c_str(), rounds, runs_per_round);
  std::printf("%-40s %9s %9s %9s %9s %11s\n", "path", "p50 us", "p90 us", "p99 us", "min us", "p50/floor");
  const double floor_p50 = percentile(paths[0].samples_us, 0.5);
  for (const auto& p : paths) {
    const double p50 = percentile(p.samples_us, 0.5);
    std::printf("%-40s %9.3f %9.3f %9.3f %9.3f %11.3f\n", p.name.c_str(), p50, percentile(p.samples_us, 0.9),
                percentile(p.samples_us, 0.99), *std::min_element(p.samples_us.begin(), p.samples_us.end()),
                p50 / floor_p50);
  }
  const double cxx = percentile(paths[2].samples_us, 0.5);
  std::printf("ratio zrt_run(Value)/cxx_run p50 = %.3f, zrt_run(TensorView)/cxx_run p50 = %.3f\n",
              percentile(paths[3].samples_us, 0.5) / cxx, percentile(paths[4].samples_us, 0.5) / cxx);
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::stoi(argv[1]) : 20;
  const int runs = argc > 2 ? std::stoi(argv[2]) : 2000;
  try {
    bench(tiny(), rounds, runs);
    bench(mlp(), rounds, runs / 4);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
