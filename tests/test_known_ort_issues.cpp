// ONNX Runtime bugs that zrt cannot shield its users from, each reproduced with a
// minimal model as an expected failure. When a test here fails, the ORT in use no
// longer has the bug: move the case to a regular error test and update the README's
// "Bad input" section and docs/architecture.md ("Known ORT issues").
#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "models/models.hpp"
#include "zrt/zrt.hpp"

namespace {

using zrt::Session;
using zrt::TensorView;

// ORT 1.29: an LSTM whose X input has no declared shape, fed a scalar at run time,
// calls std::terminate inside Run (ORT's own C++ API does the same). A declared
// scalar is refused at load by shape inference; an undeclared rank reaches the kernel.
// zrt cannot check it: the model allows any rank for X.
TEST(KnownOrtIssuesDeathTest, LstmWithScalarInputTerminatesInsideOrt) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const zrt::test::Bytes model = zrt::test::from_text(R"(<ir_version: 8, opset_import: ["" : 14]>
lstm (float[] X, float[1,8,1] W, float[1,8,2] R) => (float[] Y) {
  Y = LSTM<hidden_size: int = 2>(X, W, R)
}
)");
  const Session session = Session::from_bytes(model, zrt::SessionOptions{}.intra_op_threads(1));
  const std::vector<float> w(8, 0.5f), r(16, 0.25f);
  const std::array<float, 1> x{1.0f};
  // A well-formed X [seq 1, batch 1, input 1] runs: the model itself is fine.
  const std::vector<float> x3(1, 1.0f);
  zrt::Outputs out = session.run({TensorView<const float>(x3, {1, 1, 1}), TensorView<const float>(w, {1, 8, 1}),
                                  TensorView<const float>(r, {1, 8, 2})});
  EXPECT_EQ(out[0].shape(), (zrt::Shape{1, 1, 1, 2}));
  EXPECT_DEATH(
      {
        (void)session.run({TensorView<const float>(x, {}), TensorView<const float>(w, {1, 8, 1}),
                           TensorView<const float>(r, {1, 8, 2})});
      },
      "");
}

// The same for a GRU (found again by the session fuzzer, make fuzz): ORT 1.29's
// recurrent kernels do not check X's rank when the model leaves it undeclared.
TEST(KnownOrtIssuesDeathTest, GruWithScalarInputTerminatesInsideOrt) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const zrt::test::Bytes model = zrt::test::from_text(R"(<ir_version: 8, opset_import: ["" : 14]>
gru (float[] X, float[1,24,1] W, float[1,24,8] R) => (float[] Y) {
  Y = GRU<hidden_size: int = 8>(X, W, R)
}
)");
  const Session session = Session::from_bytes(model, zrt::SessionOptions{}.intra_op_threads(1));
  const std::vector<float> w(24, 0.5f), r(192, 0.25f);
  const std::vector<float> x3(1, 1.0f);
  const zrt::Outputs out = session.run({TensorView<const float>(x3, {1, 1, 1}), TensorView<const float>(w, {1, 24, 1}),
                                        TensorView<const float>(r, {1, 24, 8})});
  EXPECT_EQ(out[0].shape(), (zrt::Shape{1, 1, 1, 8}));
  const std::array<float, 1> x{1.0f};
  EXPECT_DEATH(
      {
        (void)session.run({TensorView<const float>(x, {}), TensorView<const float>(w, {1, 24, 1}),
                           TensorView<const float>(r, {1, 24, 8})});
      },
      "");
}

}  // namespace
