// providers.hpp against the default (CPU-only) ORT core: builders, specs, and the error
// for an EP this build lacks. The WebGPU tests (test_devices.cpp) run against the gpu core.
#include "zrt/providers.hpp"

#include <gtest/gtest.h>

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
  EXPECT_TRUE(throws_error(
      [] { (void)Session::from_bytes(zrt::test::add_constant(), SessionOptions{}.provider(Provider("XNNPACK"))); },
      ErrorCode::NotImplemented, {"'XNNPACK' is not in this ONNX Runtime build"}));
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

}  // namespace
