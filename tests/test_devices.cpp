// A real non-CPU execution provider with its own device memory: WebGPU (Dawn over Vulkan
// over Mesa's lavapipe on CPU-only machines). These tests run against the gpu ORT core
// (ctest sets LD_LIBRARY_PATH and XDG_RUNTIME_DIR: see cmake/ZrtOnnxRuntime.cmake).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "models/models.hpp"
#include "test_util.hpp"
#include "zrt/zrt.hpp"

namespace {

using zrt::ElementType;
using zrt::ErrorCode;
using zrt::MemoryInfo;
using zrt::Session;
using zrt::SessionOptions;
using zrt::TensorView;
using zrt::Value;
using zrt::test::throws_error;

// WebGPU computes in float32 with its own summation order: results match the CPU EP's
// within this (the MLP's logits are O(1)).
constexpr float kTolerance = 1e-4f;

SessionOptions webgpu() { return SessionOptions{}.provider(zrt::WebGpu{}).intra_op_threads(1); }

MemoryInfo webgpu_memory() { return MemoryInfo("WebGPU_Buffer", zrt::AllocatorType::Device, 0, zrt::MemType::Default); }

void expect_near(std::span<const float> got, std::span<const float> want, float tolerance) {
  ASSERT_EQ(got.size(), want.size());
  float worst = 0;
  for (std::size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::abs(got[i] - want[i]));
  EXPECT_LE(worst, tolerance);
}

TEST(Devices, TheGpuCoreHasWebGpu) {
  const std::vector<std::string> eps = zrt::available_providers();
  for (const char* ep :
       {"WebGpuExecutionProvider", "CUDAExecutionProvider", "TensorrtExecutionProvider", "CPUExecutionProvider"}) {
    EXPECT_NE(std::find(eps.begin(), eps.end(), ep), eps.end()) << ep;
  }
}

TEST(Devices, MlpOnWebGpuMatchesTheCpu) {
  const Session gpu = Session::from_bytes(zrt::test::mlp(), webgpu());
  const Session cpu = Session::from_bytes(zrt::test::mlp(), SessionOptions{}.intra_op_threads(1));
  const std::vector<float> x = zrt::test::mlp_input(4);
  const TensorView<const float> view(x, {4, 784});
  const zrt::Outputs want = cpu.run({view});
  const zrt::Outputs got = gpu.run({view});
  expect_near(got[0].data<float>(), want[0].data<float>(), kTolerance);
  expect_near(got[0].data<float>(), zrt::test::mlp_reference(x, 4), kTolerance);
}

// A small conv net: Conv 1 -> 4 channels (3x3, padded) + Relu + Conv 4 -> 2 (1x1).
TEST(Devices, ConvNetOnWebGpuMatchesTheCpu) {
  std::string w1, w2;
  for (int i = 0; i < 36; ++i) w1 += (i ? ", " : "") + std::to_string(static_cast<float>((i * 7) % 11 - 5) / 8.0f);
  for (int i = 0; i < 8; ++i) w2 += (i ? ", " : "") + std::to_string(static_cast<float>((i * 3) % 7 - 3) / 4.0f);
  const zrt::test::Bytes model = zrt::test::from_text(
      "<ir_version: 8, opset_import: [\"\" : 17]>\nconv (float[1,1,8,8] X) => (float[1,2,8,8] Y) {\n"
      "  W1 = Constant <value = float[4,1,3,3] {" +
      w1 +
      "}> ()\n"
      "  W2 = Constant <value = float[2,4,1,1] {" +
      w2 +
      "}> ()\n"
      "  A = Conv <pads = [1, 1, 1, 1]> (X, W1)\n  B = Relu(A)\n  Y = Conv(B, W2)\n}\n");
  const Session gpu = Session::from_bytes(model, webgpu().cpu_fallback(false));  // every node on WebGPU
  const Session cpu = Session::from_bytes(model, SessionOptions{}.intra_op_threads(1));
  std::vector<float> x(64);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(static_cast<float>(i) * 0.37f);
  const TensorView<const float> view(x, {1, 1, 8, 8});
  expect_near(gpu.run({view})[0].data<float>(), cpu.run({view})[0].data<float>(), kTolerance);
}

TEST(Devices, GruStreamOnWebGpuMatchesTheCpu) {
  const Session gpu = Session::from_bytes(zrt::test::gru(), webgpu());
  const Session cpu = Session::from_bytes(zrt::test::gru(), SessionOptions{}.intra_op_threads(1));
  std::vector<float> h_gpu(8, 0.0f), h_cpu(8, 0.0f);
  for (float step = 0; step < 5; ++step) {
    const std::vector<float> x{std::sin(step), std::cos(step), 0.5f, -0.25f};
    const zrt::Outputs g = gpu.run({TensorView<const float>(x, {1, 1, 4}), TensorView<const float>(h_gpu, {1, 1, 8})});
    const zrt::Outputs c = cpu.run({TensorView<const float>(x, {1, 1, 4}), TensorView<const float>(h_cpu, {1, 1, 8})});
    const std::span<const float> gy = g.at("Y_h").data<float>();
    const std::span<const float> cy = c.at("Y_h").data<float>();
    expect_near(gy, cy, kTolerance);
    h_gpu.assign(gy.begin(), gy.end());
    h_cpu.assign(cy.begin(), cy.end());
  }
}

// Placement names the nodes that fell back to the CPU.
TEST(Devices, PlacementShowsWebGpuNodesAndCpuFallbacks) {
  // NonZero has no WebGPU kernel in ORT 1.29: it falls back to the CPU.
  const zrt::test::Bytes model = zrt::test::from_text(R"(<ir_version: 8, opset_import: ["" : 17]>
mixed (float[4] X) => (float[4] Y, int64[1,?] I) {
  Y = Relu(X)
  I = NonZero(Y)
}
)");
  const Session session = Session::from_bytes(model, webgpu());
  const std::vector<zrt::EpPlacement> placement = session.placement();
  auto nodes_of = [&](const std::string& ep) {
    std::vector<std::string> ops;
    for (const zrt::EpPlacement& p : placement)
      if (p.provider == ep)
        for (const zrt::PlacedNode& n : p.nodes) ops.push_back(n.op_type);
    return ops;
  };
  // ORT 1.29 lists the CPU EP's nodes, not WebGPU's (see providers.hpp): Relu is on WebGPU.
  EXPECT_EQ(nodes_of("CPUExecutionProvider"), (std::vector<std::string>{"NonZero"}));
  EXPECT_TRUE(nodes_of("WebGpuExecutionProvider").empty());
  const Session all_webgpu = Session::from_bytes(zrt::test::mlp(), webgpu().cpu_fallback(false));
  for (const zrt::EpPlacement& p : all_webgpu.placement()) EXPECT_NE(p.provider, "CPUExecutionProvider");
  // Without CPU fallback the mixed model is refused, naming the node no EP supports.
  EXPECT_TRUE(throws_error([&] { (void)Session::from_bytes(model, webgpu().cpu_fallback(false)); }, ErrorCode::Fail,
                           {"cpu_fallback is off, but no chosen execution provider supports: NonZero"}));
}

// Device memory: a tensor allocated in WebGPU memory, filled from the host and read back
// with zrt::copy; reading it as a host pointer is an error, not a crash.
TEST(Devices, DeviceValuesCopyToAndFromTheHost) {
  const Session session = Session::from_bytes(zrt::test::add_constant(), webgpu());
  zrt::Allocator device(session, webgpu_memory());
  EXPECT_EQ(device.memory_info().name(), "WebGPU_Buf");
  EXPECT_FALSE(device.memory_info().is_host_accessible());
  Value on_device = Value::allocate(ElementType::Float, {1, 16}, device);
  EXPECT_EQ(on_device.memory_info().name(), "WebGPU_Buf");
  EXPECT_TRUE(throws_error([&] { (void)on_device.data<float>(); }, ErrorCode::InvalidArgument,
                           {"Value::data: the tensor lives in device memory ('WebGPU_Buf')", "zrt::copy"}));
  std::vector<float> host(16);
  for (std::size_t i = 0; i < host.size(); ++i) host[i] = static_cast<float>(i) * 0.25f - 1.0f;
  zrt::copy(Value::view(TensorView<const float>(host, {1, 16})), on_device);
  Value back = Value::allocate(ElementType::Float, {1, 16});
  zrt::copy(on_device, back);
  EXPECT_EQ(zrt::test::to_vector(back.data<float>()), host);
  Value wrong = Value::allocate(ElementType::Float, {2, 8});
  EXPECT_TRUE(throws_error([&] { zrt::copy(on_device, wrong); }, ErrorCode::InvalidArgument,
                           {"zrt::copy: source is float[1,16], destination is float[2,8]"}));
}

// IoBinding with a device input and a device output: the run never touches host memory
// for them, and the output read back equals the CPU EP's.
TEST(Devices, IoBindingWithDeviceInputAndOutput) {
  const Session session = Session::from_bytes(zrt::test::add_constant(), webgpu());
  zrt::Allocator device(session, webgpu_memory());
  std::vector<float> host(16, 2.0f);
  Value x = Value::allocate(ElementType::Float, {1, 16}, device);
  zrt::copy(Value::view(TensorView<const float>(host, {1, 16})), x);
  zrt::IoBinding binding(session);
  binding.bind_input("X", x);
  binding.bind_output("Y", webgpu_memory());
  session.run(binding);
  binding.synchronize_outputs();
  const std::vector<Value> outputs = binding.outputs();
  ASSERT_EQ(outputs.size(), 1u);
  EXPECT_EQ(outputs[0].memory_info().name(), "WebGPU_Buf");
  Value y = Value::allocate(ElementType::Float, {1, 16});
  zrt::copy(outputs[0], y);
  for (std::size_t i = 0; i < 16; ++i) EXPECT_EQ(y.data<float>()[i], 2.0f + zrt::test::add_constant_c(i)) << i;
}

// Asking for CUDA or TensorRT on a machine without an NVIDIA driver names what is missing.
TEST(Devices, CudaAndTensorRtWithoutADriverNameTheMissingLibrary) {
  for (const zrt::Provider& p : {zrt::Provider(zrt::Cuda{}), zrt::Provider(zrt::TensorRt{})}) {
    SCOPED_TRACE(p.name());
    try {
      (void)Session::from_bytes(zrt::test::add_constant(), SessionOptions{}.provider(p));
      ADD_FAILURE() << p.name() << " loaded on a machine without an NVIDIA driver";
    } catch (const zrt::Error& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find("SessionOptions: provider " + p.name()), std::string::npos) << message;
      // The provider library itself, or the driver it needs.
      EXPECT_TRUE(message.find("libonnxruntime_providers_") != std::string::npos ||
                  message.find("libcuda.so") != std::string::npos)
          << message;
    }
  }
}

TEST(Devices, UnknownOptionKeysListTheValidOnes) {
  EXPECT_TRUE(throws_error(
      [] {
        (void)Session::from_bytes(zrt::test::add_constant(),
                                  SessionOptions{}.provider(zrt::Provider::parse("webgpu:preferedLayout=NCHW")));
      },
      ErrorCode::InvalidArgument,
      {"provider WebGPU: unknown option 'preferedLayout'; valid keys: preferredLayout, enableGraphCapture"}));
  EXPECT_TRUE(throws_error(
      [] {
        (void)Session::from_bytes(zrt::test::add_constant(),
                                  SessionOptions{}.provider(zrt::Provider::parse("cuda:gpu_memory_limit=1")));
      },
      ErrorCode::InvalidArgument, {"provider CUDA: unknown option 'gpu_memory_limit'; valid keys: device_id"}));
  // A valid key with ORT's value syntax works.
  const Session nchw =
      Session::from_bytes(zrt::test::mlp(), SessionOptions{}.provider(zrt::WebGpu{}.preferred_layout("NCHW")));
  EXPECT_EQ(nchw.input_count(), 1u);
}

// A lane whose input and output live in WebGPU memory: the input is uploaded once, every
// run reads and writes device memory only, and the output read back equals a CPU lane's.
TEST(Devices, DeviceLaneEqualsTheCpuLane) {
  const Session gpu = Session::from_bytes(zrt::test::mlp(), webgpu());
  const Session cpu = Session::from_bytes(zrt::test::mlp(), SessionOptions{}.intra_op_threads(1));
  const zrt::LaneOptions shapes = zrt::LaneOptions{}.input_shapes({{2, 784}}).output_shapes({{2, 10}});
  zrt::Lane device(gpu, zrt::LaneOptions(shapes)
                            .input_storage("x", zrt::IoStorage::ort_allocated(webgpu_memory()))
                            .output_storage("logits", zrt::IoStorage::ort_allocated(webgpu_memory())));
  zrt::Lane host(cpu, shapes);
  const std::vector<float> x = zrt::test::mlp_input(2, 3);
  device.upload<float>(0, x);
  std::copy(x.begin(), x.end(), host.input<float>(0).begin());
  EXPECT_TRUE(throws_error([&] { (void)device.input<float>(0); }, ErrorCode::InvalidArgument,
                           {"memory, which the CPU cannot access"}));
  std::vector<float> y(20);
  for (int run = 0; run < 3; ++run) {
    device.run();
    host.run();
  }
  device.download<float>(0, y);
  expect_near(y, host.output<float>(0), kTolerance);
  EXPECT_EQ(device.copies(), 2u);   // one upload, one download: the runs copied nothing
  EXPECT_NO_THROW(device.audit());  // ORT reads and writes the lane's own device tensors
  EXPECT_EQ(device.output_tensor(0).memory_info().name(), "WebGPU_Buf");
  std::vector<float> wrong(7);
  EXPECT_TRUE(throws_error([&] { device.download<float>(0, wrong); }, ErrorCode::InvalidArgument,
                           {"Lane::download: output 'logits' (index 0): the host span holds 7 elements, the tensor "
                            "[2,10] holds 20"}));
}

// Model A's device output is model B's device input: no trip to the host between them.
TEST(Devices, ChainedDeviceLanesEqualTheCpuPipeline) {
  const zrt::test::Bytes negate = zrt::test::from_text(R"(<ir_version: 8, opset_import: ["" : 17]>
negate (float[1,16] Y) => (float[1,16] Z) {
  Z = Neg(Y)
}
)");
  const Session a = Session::from_bytes(zrt::test::add_constant(), webgpu());
  const Session b = Session::from_bytes(negate, webgpu());
  zrt::Lane first(a, zrt::LaneOptions{}
                         .input_storage("X", zrt::IoStorage::ort_allocated(webgpu_memory()))
                         .output_storage("Y", zrt::IoStorage::ort_allocated(webgpu_memory())));
  zrt::Lane second(b, zrt::LaneOptions{}
                          .input_storage("Y", zrt::IoStorage::external(first.output_tensor(0)))
                          .output_storage("Z", zrt::IoStorage::ort_allocated(webgpu_memory())));
  std::vector<float> x(16);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i) - 4.0f;
  first.upload<float>(0, x);
  first.run();
  second.run();
  std::vector<float> z(16);
  second.download<float>(0, z);
  for (std::size_t i = 0; i < z.size(); ++i) EXPECT_EQ(z[i], -(x[i] + zrt::test::add_constant_c(i))) << i;
  // Lane B reads lane A's output tensor itself, and only the ends crossed to the host.
  EXPECT_EQ(&second.input_tensor(0), &first.output_tensor(0));
  EXPECT_NO_THROW(second.audit());
  EXPECT_EQ(first.copies() + second.copies(), 2u);
}

// State carry on the device: the GRU's state ping-pongs between two WebGPU tensors and
// matches a host lane's carry step for step.
TEST(Devices, StateCarryOnTheDevice) {
  const Session gpu = Session::from_bytes(zrt::test::gru(), webgpu());
  const Session cpu = Session::from_bytes(zrt::test::gru(), SessionOptions{}.intra_op_threads(1));
  const auto on_device = zrt::IoStorage::ort_allocated(webgpu_memory());
  zrt::Lane device(gpu, zrt::LaneOptions{}
                            .input_storage("X", on_device)
                            .input_storage("H", on_device)
                            .output_storage("Y_h", on_device)
                            .carry("Y_h", "H"));
  zrt::Lane host(cpu, zrt::LaneOptions{}.carry("Y_h", "H"));
  std::vector<float> state(8);
  for (float step = 0; step < 5; ++step) {
    const std::vector<float> x{std::sin(step), std::cos(step), 0.5f, -0.25f};
    device.upload<float>(0, x);
    std::copy(x.begin(), x.end(), host.input<float>(0).begin());
    device.run();
    host.run();
    device.download<float>(0, state);  // Y_h: what this run wrote
    expect_near(state, host.state<float>(0), kTolerance);
  }
  EXPECT_TRUE(
      throws_error([&] { (void)device.state<float>(0); }, ErrorCode::InvalidArgument, {"carried on the device"}));
  device.reset_state();
  device.download<float>(0, state);
  EXPECT_EQ(state, std::vector<float>(8, 0.0f));
}

// Where a WebGPU session wants its inputs and produces its outputs.
TEST(Devices, SessionInputAndOutputMemory) {
  const Session session = Session::from_bytes(zrt::test::add_constant(), webgpu().cpu_fallback(false));
  EXPECT_EQ(session.input_memory(0).name(), "WebGPU_Buf");
  EXPECT_FALSE(session.output_memory(0).is_host_accessible());
}

// Host inputs on a device session: ORT copies a bound host input to the device when it
// is bound, so zrt binds such inputs again before each run. Without that, a lane, a
// PreparedRun or a PreparedBinding would keep computing on the first input written.
TEST(Devices, HostInputsWrittenBetweenRunsReachTheDevice) {
  const Session gpu = Session::from_bytes(zrt::test::add_constant(), webgpu());
  zrt::Lane lane(gpu);
  std::vector<float> x(16, 0.0f);
  const TensorView<const float> view(x, {1, 16});
  zrt::PreparedRun prepared(gpu, {view});
  std::vector<float> y(16, 0.0f);
  const std::array<zrt::Input, 1> inputs{view};
  const std::array<zrt::Input, 1> outputs{TensorView<float>(y, {1, 16})};
  zrt::PreparedBinding bound(gpu, inputs, outputs);
  for (int round = 0; round < 4; ++round) {
    const float v = static_cast<float>(round) * 10.0f;
    std::fill(x.begin(), x.end(), v);
    std::fill(lane.input<float>(0).begin(), lane.input<float>(0).end(), v);
    lane.run();
    prepared.run();
    bound.run();
    for (std::size_t i = 0; i < 16; ++i) {
      const float want = v + zrt::test::add_constant_c(i);
      EXPECT_EQ(lane.output<float>(0)[i], want) << "lane, round " << round;
      EXPECT_EQ(prepared.output(0).data<float>()[i], want) << "prepared, round " << round;
      EXPECT_EQ(y[i], want) << "prepared binding, round " << round;
    }
  }
}

// Graph capture and replay on WebGPU: a device lane with a graph id captures on its first
// run and replays after; each replay computes on the newly uploaded input.
TEST(Devices, GraphCaptureLaneReplaysOnNewInputs) {
  const Session gpu = Session::from_bytes(
      zrt::test::add_constant(), SessionOptions{}.provider(zrt::WebGpu{}.graph_capture(true)).intra_op_threads(1));
  zrt::Lane lane(gpu, zrt::LaneOptions{}
                          .input_storage("X", zrt::IoStorage::ort_allocated(webgpu_memory()))
                          .output_storage("Y", zrt::IoStorage::ort_allocated(webgpu_memory()))
                          .graph_id(1));
  std::vector<float> x(16), y(16);
  for (int round = 0; round < 4; ++round) {
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(round * 16 + static_cast<int>(i));
    lane.upload<float>(0, x);
    lane.run();
    lane.download<float>(0, y);
    for (std::size_t i = 0; i < y.size(); ++i) EXPECT_EQ(y[i], x[i] + zrt::test::add_constant_c(i)) << round;
  }
}

}  // namespace
