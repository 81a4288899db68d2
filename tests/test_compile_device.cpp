// zrt::compile against the gpu ORT core (label `device`): its WebGPU EP runs the model on
// Mesa's lavapipe but produces no EPContext nodes, so compiling with it fails with the
// error that names it; uncompiled output still runs. (TensorRT and CUDA, also in that
// core, need NVIDIA libraries these machines lack.)
#include <gtest/gtest.h>

#include <vector>

#include "models/models.hpp"
#include "test_util.hpp"
#include "zrt/compile.hpp"
#include "zrt/providers.hpp"
#include "zrt/session.hpp"

namespace {

using zrt::test::throws_error;

TEST(CompileDevice, WebGpuCompilesNothingAndTheErrorNamesIt) {
  const zrt::SessionOptions webgpu = zrt::SessionOptions{}.provider(zrt::WebGpu{});
  EXPECT_TRUE(throws_error([&] { zrt::compile_to_bytes(zrt::test::add_constant(), webgpu); }, zrt::ErrorCode::Fail,
                           {"zrt::compile model bytes (",
                            "no node was compiled: the execution providers given (WebGPU) "
                            "compiled none"}));
  // Each compile makes its own ORT options: a second compile with WebGPU is safe.
  const std::vector<std::byte> uncompiled = zrt::compile_to_bytes(
      zrt::test::add_constant(), webgpu, zrt::CompileOptions{}.require_compiled_nodes(false).embed_context(true));
  const zrt::Session session = zrt::Session::from_bytes(uncompiled, webgpu);
  std::vector<float> x(16, 1.0f);
  const zrt::Outputs out = session.run({zrt::TensorView<const float>(x, {1, 16})});
  for (std::size_t i = 0; i < 16; ++i) EXPECT_EQ(out[0].data<float>()[i], 1.0f + zrt::test::add_constant_c(i)) << i;
}

}  // namespace
