// Session construction variants: caller-owned initializers (shared Values, file
// mappings), shared prepacked weights, with paths and bytes.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "models/models.hpp"
#include "test_util.hpp"
#include "zrt/zrt.hpp"

namespace {

using zrt::ElementType;
using zrt::Session;
using zrt::SessionOptions;
using zrt::TensorView;

// Y = MatMul(X, W): X float[2,4], W an initializer float[4,3] with W[i][j] = i + 10 j,
// in the model, or (external_file set) in that external data file at offset 0: its
// bytes are model_w_bytes().
zrt::test::Bytes matmul_with_initializer(const std::string& external_file = "") {
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
  if (!external_file.empty()) {
    w->clear_float_data();
    w->set_data_location(onnx::TensorProto::EXTERNAL);
    for (const auto& [key, value] : {std::pair<const char*, std::string>{"location", external_file},
                                     {"offset", "0"},
                                     {"length", std::to_string(12 * sizeof(float))}}) {
      onnx::StringStringEntryProto* kv = w->add_external_data();
      kv->set_key(key);
      kv->set_value(value);
    }
  }
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

// W as matmul_with_initializer() has it, row-major.
std::vector<float> model_w() {
  std::vector<float> w(12);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 3; ++j) w[static_cast<std::size_t>(i * 3 + j)] = static_cast<float>(i + 10 * j);
  return w;
}

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

// ---- threads, memory, loading ------------------------------------------------------

TEST(SessionConstruction, DeterministicCompute) {
  const SessionOptions options = SessionOptions{}.deterministic_compute(true);
  EXPECT_EQ(options.deterministic_compute(), true);
  EXPECT_FALSE(SessionOptions{}.deterministic_compute().has_value());
  const zrt::test::Bytes model = zrt::test::mlp();
  const std::vector<float> x = zrt::test::mlp_input(3, 5);
  const Session a = Session::from_bytes(model, options);
  const Session b = Session::from_bytes(model, SessionOptions{}.deterministic_compute(false));
  const auto ra = a.run({TensorView<const float>(x, {3, 784})});
  const auto rb = b.run({TensorView<const float>(x, {3, 784})});
  EXPECT_EQ(zrt::test::to_vector(ra[0].data<float>()), zrt::test::mlp_reference(x, 3));
  EXPECT_EQ(zrt::test::to_vector(rb[0].data<float>()), zrt::test::mlp_reference(x, 3));
}

TEST(SessionConstruction, ExternalInitializerReplacesExternalData) {
  // The model's W lives in w.bin, which does not exist: the caller's tensor stands in.
  std::vector<float> w(12);
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = 0.25f * static_cast<float>(i) - 1.0f;
  auto weights = std::make_shared<zrt::TensorBuffer>(ElementType::Float, zrt::Shape{4, 3});
  std::copy(w.begin(), w.end(), weights->span<float>().begin());
  const zrt::test::Bytes model = matmul_with_initializer("w.bin");
  zrt::test::TempDir dir;
  const auto path = dir.write("mm.onnx", model);
  std::optional<Session> from_file(std::in_place, path, SessionOptions{}.external_initializer("W", weights));
  const Session from_bytes = Session::from_bytes(model, SessionOptions{}.external_initializer("W", weights));
  weights.reset();  // ORT copied the data at load: the buffer is no longer needed
  EXPECT_EQ(run(*from_file, kX), expected(kX, w));
  EXPECT_EQ(run(from_bytes, kX), expected(kX, w));
  // Without it the data file is missing.
  EXPECT_THROW((void)Session(path), zrt::Error);
  // ORT checks the replacement against the model.
  auto wrong = std::make_shared<zrt::TensorBuffer>(ElementType::Float, zrt::Shape{3, 4});
  EXPECT_TRUE(zrt::test::throws_error([&] { (void)Session(path, SessionOptions{}.external_initializer("W", wrong)); },
                                      zrt::ErrorCode::Fail, {"mm.onnx", "dimensions do not match"}));
  auto empty = std::make_shared<zrt::TensorBuffer>();
  EXPECT_TRUE(zrt::test::throws_error([&] { (void)Session(path, SessionOptions{}.external_initializer("W", empty)); },
                                      zrt::ErrorCode::InvalidArgument,
                                      {"external initializer 'W'", "buffer is empty"}));
}

TEST(SessionConstruction, ExternalDataFileFromMemory) {
  const std::vector<float> w = model_w();
  std::vector<std::byte> file(w.size() * sizeof(float));
  std::memcpy(file.data(), w.data(), file.size());
  const zrt::test::Bytes model = matmul_with_initializer("weights.bin");
  const Session s = Session::from_bytes(model, SessionOptions{}.external_data_file("weights.bin", file));
  file.assign(file.size(), std::byte{0xff});  // copied at load
  EXPECT_EQ(run(s, kX), expected(kX, w));
  EXPECT_TRUE(zrt::test::throws_error(
      [&] { (void)Session::from_bytes(model, SessionOptions{}.external_data_file("weights.bin", {})); },
      zrt::ErrorCode::InvalidArgument, {"external data file 'weights.bin'", "no bytes"}));
}

TEST(SessionConstruction, LoadCancellationBeforeAndAfter) {
  zrt::LoadCancellation token;
  const SessionOptions options = SessionOptions{}.load_cancellation(token);
  token.cancel();
  EXPECT_TRUE(token.cancelled());
  EXPECT_TRUE(zrt::test::throws_error([&] { (void)Session::from_bytes(matmul_with_initializer(), options); },
                                      zrt::ErrorCode::ModelLoadCanceled, {"Session::from_bytes", "canceled"}));
  token.reset();  // copies share the flag: the options' token is reset too
  EXPECT_FALSE(options.load_cancellation()->cancelled());
  zrt::LoadCancellation moved = std::move(token);  // moving copies: both stay usable
  token.cancel();
  EXPECT_TRUE(moved.cancelled());
  moved.reset();
  EXPECT_FALSE(token.cancelled());
  EXPECT_EQ(run(Session::from_bytes(matmul_with_initializer(), options), kX), expected(kX, model_w()));
}

TEST(SessionConstruction, LoadCancelledFromAnotherThreadWhileLoading) {
  // The session's first pool thread is asked for while the session is being made;
  // the hook has another thread cancel and waits for it, so the cancel lands mid-load.
  zrt::LoadCancellation token;
  zrt::ThreadHooks hooks = zrt::ThreadHooks::std_threads({});
  auto create = hooks.create;
  hooks.create = [create, token](zrt::ThreadWork work) mutable {
    std::thread([&token] { token.cancel(); }).join();
    return create(work);
  };
  const SessionOptions options = SessionOptions{}.intra_op_threads(2).thread_hooks(hooks).load_cancellation(token);
  EXPECT_TRUE(zrt::test::throws_error([&] { (void)Session::from_bytes(matmul_with_initializer(), options); },
                                      zrt::ErrorCode::ModelLoadCanceled, {"canceled"}));
  EXPECT_TRUE(token.cancelled());
}

TEST(SessionConstruction, PerSessionLogCallback) {
  struct Line {
    zrt::LogLevel level;
    std::string log_id, message;
  };
  auto lines = std::make_shared<std::vector<Line>>();
  auto mutex = std::make_shared<std::mutex>();
  const SessionOptions options =
      SessionOptions{}
          .log_id("mine")
          .log_level(zrt::LogLevel::Verbose)
          .log_callback([lines, mutex](zrt::LogLevel level, std::string_view, std::string_view log_id, std::string_view,
                                       std::string_view message) {
            std::lock_guard lock(*mutex);
            lines->push_back({level, std::string(log_id), std::string(message)});
          });
  {
    const Session s = Session::from_bytes(matmul_with_initializer(), options);
    EXPECT_EQ(run(s, kX), expected(kX, model_w()));
  }
  std::lock_guard lock(*mutex);
  ASSERT_FALSE(lines->empty());
  std::size_t verbose = 0;
  for (const Line& line : *lines) {
    EXPECT_EQ(line.log_id, "mine") << line.message;
    if (line.level == zrt::LogLevel::Verbose) ++verbose;
  }
  EXPECT_GT(verbose, 0u);
  EXPECT_TRUE(zrt::test::throws_error(
      [&] { (void)Session::from_bytes(matmul_with_initializer(), SessionOptions{}.log_callback({})); },
      zrt::ErrorCode::InvalidArgument, {"log_callback", "empty"}));
}

TEST(SessionConstruction, ConfigEntryReadsBackWhatOrtIsGiven) {
  const SessionOptions options =
      SessionOptions{}.intra_op_spinning(false).use_env_allocators(true).config("custom_op.mine.key", "v1");
  EXPECT_EQ(options.config_entry("session.intra_op.allow_spinning"), "0");
  EXPECT_EQ(options.config_entry("session.use_env_allocators"), "1");
  EXPECT_EQ(options.config_entry("custom_op.mine.key"), "v1");
  EXPECT_EQ(options.config_entry("session.inter_op.allow_spinning"), std::nullopt);
  EXPECT_EQ(SessionOptions{}.config("k", "").config_entry("k"), "");
  // The last value given wins, as in ORT.
  EXPECT_EQ(SessionOptions{}.config("k", "a").config("k", "bb").config_entry("k"), "bb");
}

}  // namespace
