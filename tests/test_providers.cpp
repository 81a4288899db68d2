// providers.hpp against the default (CPU-only) ORT core: builders, specs, and the error
// for an EP this build lacks. The WebGPU tests (test_devices.cpp) run against the gpu core.
#include "zrt/providers.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/models.hpp"
#include "test_util.hpp"
#include "zrt/session.hpp"

namespace {

using zrt::ErrorCode;
using zrt::Provider;
using zrt::Session;
using zrt::SessionOptions;
using zrt::test::throws_error;

TEST(Providers, TheDefaultCoreHasTheCpuEpOnly) {
  EXPECT_EQ(zrt::available_providers(), (std::vector<std::string>{"CPUExecutionProvider"}));
}

TEST(Providers, BuildersSetOrtKeys) {
  const Provider cuda = zrt::Cuda{}.device_id(1).memory_limit(std::size_t{4} << 30).tf32(false).cuda_graph(true);
  EXPECT_EQ(cuda.name(), "CUDA");
  EXPECT_EQ(cuda.ort_name(), "CUDAExecutionProvider");
  EXPECT_EQ(cuda.to_string(), "CUDA:device_id=1,gpu_mem_limit=4294967296,use_tf32=0,enable_cuda_graph=1");
  const Provider trt = zrt::TensorRt{}.fp16(true).engine_cache("/tmp/engines");
  EXPECT_EQ(trt.to_string(), "TensorRT:trt_fp16_enable=1,trt_engine_cache_enable=1,trt_engine_cache_path=/tmp/engines");
  EXPECT_EQ(trt.ort_name(), "TensorrtExecutionProvider");
  const Provider webgpu = zrt::WebGpu{}.preferred_layout("NCHW");
  EXPECT_EQ(webgpu.to_string(), "WebGPU:preferredLayout=NCHW");
  EXPECT_EQ(webgpu.ort_name(), "WebGpuExecutionProvider");
}

TEST(Providers, ParseSpecs) {
  EXPECT_EQ(Provider::parse("webgpu"), Provider("WebGPU"));
  EXPECT_EQ(Provider::parse("cuda:device_id=1,use_tf32=0").to_string(), "CUDA:device_id=1,use_tf32=0");
  EXPECT_EQ(Provider::parse("XnnPack:intra_op_num_threads=2").name(), "XNNPACK");
  EXPECT_EQ(Provider::parse("MyPluginEp").ort_name(), "MyPluginEpExecutionProvider");  // not one zrt knows: kept
  EXPECT_TRUE(throws_error([] { (void)Provider::parse("cuda:device_id"); }, ErrorCode::InvalidArgument,
                           {"provider 'cuda:device_id': expected NAME[:key=value,...], got option 'device_id'"}));
  EXPECT_TRUE(throws_error([] { (void)Provider::parse(""); }, ErrorCode::InvalidArgument, {"the name is empty"}));
}

// An EP this ORT lacks: the error names it, lists what this build has and the flavor
// that has it; the CPU EP is always there.
TEST(Providers, AnEpThisBuildLacksIsNamedWithTheFlavorThatHasIt) {
  for (const Provider& p : {Provider(zrt::WebGpu{}), Provider(zrt::Cuda{}), Provider(zrt::TensorRt{})}) {
    SCOPED_TRACE(p.name());
    EXPECT_TRUE(
        throws_error([&] { (void)Session::from_bytes(zrt::test::add_constant(), SessionOptions{}.provider(p)); },
                     ErrorCode::NotImplemented,
                     {"execution provider '" + p.name() + "' is not in this ONNX Runtime build",
                      "it has CPUExecutionProvider", "zrt's gpu (scripts/fetch-onnxruntime.sh --flavor gpu"}));
  }
  // Every other typed builder: no zrt flavor has these EPs, so they are checked for the error.
  for (const Provider& p :
       {Provider(zrt::Xnnpack{}.threads(2)), Provider(zrt::OpenVino{}.device_type("CPU")), Provider(zrt::Qnn{}),
        Provider(zrt::CoreMl{}), Provider(zrt::MiGraphX{}), Provider(zrt::NvTensorRtRtx{}), Provider(zrt::DirectMl{}),
        Provider(zrt::VitisAi{}), Provider(zrt::OneDnn{}), Provider(zrt::Cann{})}) {
    SCOPED_TRACE(p.to_string());
    EXPECT_TRUE(throws_error(
        [&] { (void)Session::from_bytes(zrt::test::add_constant(), SessionOptions{}.provider(p)); },
        ErrorCode::NotImplemented, {"'" + p.name() + "' is not in this ONNX Runtime build", "CPUExecutionProvider"}));
  }
  const Session cpu = Session::from_bytes(zrt::test::add_constant(), SessionOptions{}.provider(Provider("cpu")));
  const std::vector<zrt::EpPlacement> placement = cpu.placement();
  ASSERT_EQ(placement.size(), 1u);
  EXPECT_EQ(placement[0].provider, "CPUExecutionProvider");
  ASSERT_EQ(placement[0].nodes.size(), 1u);
  EXPECT_EQ(placement[0].nodes[0].op_type, "Add");
}

TEST(Providers, PlacementMustBeRecorded) {
  const Session session = Session::from_bytes(zrt::test::add_constant());
  EXPECT_TRUE(throws_error([&] { (void)session.placement(); }, ErrorCode::InvalidArgument,
                           {"Session::placement: not recorded", "record_placement(true)"}));
  const Session recorded = Session::from_bytes(zrt::test::mlp(), SessionOptions{}.record_placement(true));
  const std::vector<zrt::EpPlacement> placement = recorded.placement();
  ASSERT_EQ(placement.size(), 1u);
  EXPECT_EQ(placement[0].provider, "CPUExecutionProvider");
  EXPECT_GE(placement[0].nodes.size(), 2u);  // the MatMuls (fused with their Adds or not)
}

// Devices ORT offers: in this ORT, the CPU EP's; appended by device, chosen by a policy
// or by a selector of ours.
TEST(EpDevices, TheCpuDeviceIsOfferedAndUsable) {
  const zrt::Environment env;
  const std::vector<zrt::EpDevice> devices = env.devices();
  const auto cpu = std::find_if(devices.begin(), devices.end(),
                                [](const zrt::EpDevice& d) { return d.ep_name == "CPUExecutionProvider"; });
  ASSERT_NE(cpu, devices.end());
  EXPECT_EQ(cpu->hardware, zrt::HardwareType::Cpu);
  EXPECT_STREQ(zrt::to_string(cpu->hardware), "CPU");
  EXPECT_NE(cpu->handle, nullptr);

  const std::vector<float> x(16, 1.0f);
  const zrt::TensorView<const float> view(x, {1, 16});
  auto expect_runs = [&](const SessionOptions& options) {
    const Session session = Session::from_bytes(env, zrt::test::add_constant(), options);
    EXPECT_EQ(session.run({view})[0].data<float>()[3], 1.0f + zrt::test::add_constant_c(3));
  };
  expect_runs(SessionOptions{}.provider_on({*cpu}));
  const Session by_device = Session::from_bytes(env, zrt::test::add_constant(), SessionOptions{}.provider_on({*cpu}));
  const std::optional<zrt::EpDevice> consumer = by_device.input_device(0);
  ASSERT_TRUE(consumer.has_value());
  EXPECT_EQ(consumer->ep_name, "CPUExecutionProvider");
  expect_runs(SessionOptions{}.device_policy(zrt::DevicePolicy::PreferCpu));
  std::size_t offered = 0;
  expect_runs(SessionOptions{}.device_selector([&](std::span<const zrt::EpDevice> d, std::size_t) {
    offered = d.size();
    for (std::size_t i = 0; i < d.size(); ++i)
      if (d[i].ep_name == "CPUExecutionProvider") return std::vector<std::size_t>{i};
    return std::vector<std::size_t>{};
  }));
  EXPECT_GE(offered, 1u);
}

TEST(EpDevices, SelectorErrorsFailSessionCreationWithTheirMessage) {
  EXPECT_TRUE(throws_error(
      [] {
        (void)Session::from_bytes(zrt::test::add_constant(),
                                  SessionOptions{}.device_selector([](std::span<const zrt::EpDevice>, std::size_t) {
                                    throw std::runtime_error("no device suits this model");
                                    return std::vector<std::size_t>{};
                                  }));
      },
      ErrorCode::Fail, {"SessionOptions.device_selector: no device suits this model"}));
  EXPECT_TRUE(throws_error(
      [] {
        (void)Session::from_bytes(zrt::test::add_constant(),
                                  SessionOptions{}.device_selector([](std::span<const zrt::EpDevice>, std::size_t) {
                                    return std::vector<std::size_t>{99};
                                  }));
      },
      ErrorCode::Fail, {"SessionOptions.device_selector: chose device 99 of"}));
}

TEST(EpDevices, ProviderLibrariesThatAreMissingOrNotLibrariesAreNamed) {
  zrt::Environment env;
  EXPECT_TRUE(throws_error([&] { env.register_provider_library("mine", "/no/such/libmy_ep.so"); },
                           ErrorCode::NoSuchFile,
                           {"register_provider_library 'mine': no library at '/no/such/libmy_ep.so'"}));
  const std::string text = ::testing::TempDir() + "not_a_library.so";
  std::ofstream(text) << "not an ELF file\n";
  EXPECT_TRUE(throws_error([&] { env.register_provider_library("text", text); }, ErrorCode::Fail,
                           {"register_provider_library 'text' from '" + text + "'"}));
}

TEST(EpDevices, InputAndOutputMemory) {
  const Session session = Session::from_bytes(zrt::test::add_constant());
  EXPECT_EQ(session.input_memory(0).name(), "Cpu");
  EXPECT_TRUE(session.output_memory(0).is_host_accessible());
  EXPECT_TRUE(throws_error([&] { (void)session.input_memory(1); }, ErrorCode::InvalidArgument, {"index 1"}));
}

}  // namespace
