// Session construction variants: caller-owned initializers (shared Values, file
// mappings), shared prepacked weights, with paths and bytes.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <fstream>
#include <memory>
#include <vector>

#include "models/models.hpp"
#include "test_util.hpp"
#include "zrt/zrt.hpp"

namespace {

using zrt::ElementType;
using zrt::Session;
using zrt::SessionOptions;
using zrt::TensorView;

// Y = MatMul(X, W): X float[2,4], W an initializer float[4,3] with W[i][j] = i + 10 j.
zrt::test::Bytes matmul_with_initializer() {
  const zrt::test::Bytes text = zrt::test::from_text(R"(<ir_version: 8, opset_import: ["" : 17]>
mm (float[2,4] X, float[4,3] W) => (float[2,3] Y) {
  Y = MatMul(X, W)
})");
  onnx::ModelProto model;
  EXPECT_TRUE(model.ParseFromArray(text.data(), static_cast<int>(text.size())));
  onnx::TensorProto* w = model.mutable_graph()->add_initializer();
  w->set_name("W");
  w->set_data_type(onnx::TensorProto::FLOAT);
  w->add_dims(4);
  w->add_dims(3);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 3; ++j) w->add_float_data(static_cast<float>(i + 10 * j));
  model.mutable_graph()->mutable_input()->RemoveLast();  // W is an initializer, not an input
  std::string bytes;
  model.SerializeToString(&bytes);
  const auto* p = reinterpret_cast<const std::byte*>(bytes.data());
  return {p, p + bytes.size()};
}

std::vector<float> run(const Session& session, const std::vector<float>& x) {
  const zrt::Outputs out = session.run({TensorView<const float>(x, {2, 4})});
  const auto y = out[0].data<float>();
  return {y.begin(), y.end()};
}

std::vector<float> expected(const std::vector<float>& x, const std::vector<float>& w) {
  std::vector<float> y(6, 0.0f);
  for (int r = 0; r < 2; ++r)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k)
        y[static_cast<std::size_t>(r * 3 + j)] +=
            x[static_cast<std::size_t>(r * 4 + k)] * w[static_cast<std::size_t>(k * 3 + j)];
  return y;
}

const std::vector<float> kX{1, 2, 3, 4, -1, 0.5f, 0.25f, 2};

TEST(SessionConstruction, ModelsOwnInitializer) {
  std::vector<float> w(12);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 3; ++j) w[static_cast<std::size_t>(i * 3 + j)] = static_cast<float>(i + 10 * j);
  EXPECT_EQ(run(Session::from_bytes(matmul_with_initializer()), kX), expected(kX, w));
}

TEST(SessionConstruction, CallerOwnedInitializerIsUsedInPlaceAndKeptAlive) {
  std::vector<float> w(12);
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = 0.5f * static_cast<float>(i) - 2.0f;
  auto weights = std::make_shared<zrt::TensorBuffer>(ElementType::Float, zrt::Shape{4, 3});
  std::copy(w.begin(), w.end(), weights->span<float>().begin());
  const zrt::test::Bytes model = matmul_with_initializer();
  const Session a = Session::from_bytes(model, SessionOptions{}.initializer("W", weights));
  zrt::test::TempDir dir;
  const Session b(dir.write("mm.onnx", model), SessionOptions{}.initializer("W", weights));
  weights.reset();  // the sessions keep the buffer alive
  EXPECT_EQ(run(a, kX), expected(kX, w));
  EXPECT_EQ(run(b, kX), expected(kX, w));
}

TEST(SessionConstruction, InitializerFromAFileMapping) {
  zrt::test::TempDir dir;
  std::vector<float> w(12);
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(i) * 0.125f;
  const auto path = dir.path() / "w.bin";
  {
    std::ofstream f(path, std::ios::binary);
    const float pad[3] = {9, 9, 9};  // the tensor starts 12 bytes into the file
    f.write(reinterpret_cast<const char*>(pad), sizeof pad);
    f.write(reinterpret_cast<const char*>(w.data()), static_cast<std::streamsize>(w.size() * sizeof(float)));
  }
  auto mapped = std::make_shared<zrt::TensorBuffer>(zrt::TensorBuffer::map_file(path, 12, ElementType::Float, {4, 3}));
  const Session s = Session::from_bytes(matmul_with_initializer(), SessionOptions{}.initializer("W", mapped));
  EXPECT_EQ(run(s, kX), expected(kX, w));
}

TEST(SessionConstruction, SharedPrepackedWeights) {
  const zrt::PrepackedWeights prepacked;
  const zrt::test::Bytes model = zrt::test::mlp();
  const Session a = Session::from_bytes(model, SessionOptions{}.prepacked_weights(prepacked));
  const Session b = Session::from_bytes(model, SessionOptions{}.prepacked_weights(prepacked));
  const std::vector<float> x = zrt::test::mlp_input(2, 3);
  const auto ra = a.run({TensorView<const float>(x, {2, 784})});
  const auto rb = b.run({TensorView<const float>(x, {2, 784})});
  const std::vector<float> reference = zrt::test::mlp_reference(x, 2);
  EXPECT_EQ(zrt::test::to_vector(ra[0].data<float>()), reference);
  EXPECT_EQ(zrt::test::to_vector(rb[0].data<float>()), reference);
}

TEST(SessionConstruction, InitializerErrors) {
  // ORT accepts an initializer of the wrong shape at load; the run that uses it fails
  // cleanly, and the session keeps failing the same way rather than crashing.
  auto wrong = std::make_shared<zrt::TensorBuffer>(ElementType::Float, zrt::Shape{3, 3});
  const Session s = Session::from_bytes(matmul_with_initializer(), SessionOptions{}.initializer("W", wrong));
  EXPECT_THROW((void)run(s, kX), zrt::Error);
  EXPECT_THROW((void)run(s, kX), zrt::Error);
  auto empty = std::make_shared<zrt::TensorBuffer>();
  EXPECT_TRUE(zrt::test::throws_error(
      [&] { (void)Session::from_bytes(matmul_with_initializer(), SessionOptions{}.initializer("W", empty)); },
      zrt::ErrorCode::InvalidArgument, {"initializer 'W'", "buffer is empty"}));
}

}  // namespace
