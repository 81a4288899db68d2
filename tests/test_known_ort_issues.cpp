// ONNX Runtime bugs that zrt cannot shield its users from, each reproduced with a
// minimal model as an expected failure. When a test here fails, the ORT in use no
// longer has the bug: move the case to a regular error test and update the README's
// "Bad input" section and docs/architecture.md ("Known ORT issues").
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "models/models.hpp"
#include "zrt/zrt.hpp"

namespace {

using zrt::Session;
using zrt::TensorView;

// ORT 1.29: a recurrent op (LSTM, GRU) whose X input has no declared shape, fed a
// scalar at run time, calls std::terminate inside Run (ORT's own C++ API does the same).
// A declared scalar is refused at load by shape inference; an undeclared rank reaches
// the kernel. zrt cannot check it: the model allows any rank for X.
// `gates` is the op's gate count (LSTM 4, GRU 3); the hidden size is 2.
void expect_scalar_x_terminates(const std::string& op, std::int64_t gates) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const std::int64_t rows = gates * 2;
  const std::string rows_text = std::to_string(rows);
  const zrt::test::Bytes model = zrt::test::from_text(
      "<ir_version: 8, opset_import: [\"\" : 14]>\nrnn (float[] X, float[1," + rows_text + ",1] W, float[1," +
      rows_text + ",2] R) => (float[] Y) {\n  Y = " + op + "<hidden_size: int = 2>(X, W, R)\n}\n");
  const Session session = Session::from_bytes(model, zrt::SessionOptions{}.intra_op_threads(1));
  const std::vector<float> w(static_cast<std::size_t>(rows), 0.5f), r(static_cast<std::size_t>(rows * 2), 0.25f);
  const TensorView<const float> wv(w, {1, rows, 1}), rv(r, {1, rows, 2});
  // A well-formed X [seq 1, batch 1, input 1] runs: the model itself is fine.
  const std::vector<float> x3(1, 1.0f);
  const zrt::Outputs out = session.run({TensorView<const float>(x3, {1, 1, 1}), wv, rv});
  EXPECT_EQ(out[0].shape(), (zrt::Shape{1, 1, 1, 2}));
  const std::array<float, 1> x{1.0f};
  EXPECT_DEATH({ (void)session.run({TensorView<const float>(x, {}), wv, rv}); }, "");
}

TEST(KnownOrtIssuesDeathTest, LstmWithScalarInputTerminatesInsideOrt) { expect_scalar_x_terminates("LSTM", 4); }

// Found again by the session fuzzer (make fuzz) as a GRU.
TEST(KnownOrtIssuesDeathTest, GruWithScalarInputTerminatesInsideOrt) { expect_scalar_x_terminates("GRU", 3); }

}  // namespace
