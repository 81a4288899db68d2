// zrt/compile.hpp on the CPU-only ORT core: the CPU EP compiles nothing, so the default
// compile fails with a clear error; with require_compiled_nodes(false) ORT writes the
// model uncompiled, which exercises every input and output form. What a compiling EP
// (TensorRT, QNN, OpenVINO, ...) would add, EPContext nodes, cannot be produced here.
#include "zrt/compile.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <vector>

#include "models/models.hpp"
#include "test_util.hpp"
#include "zrt/session.hpp"

namespace {

using zrt::CompileOptions;
using zrt::ErrorCode;
using zrt::Session;
using zrt::SessionOptions;
using zrt::test::throws_error;

const CompileOptions kUncompiled = CompileOptions{}.require_compiled_nodes(false);

// Y = X + C on the model compile() wrote: it must still be the same model.
void expect_add_constant(const Session& session) {
  std::vector<float> x(16);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i);
  const zrt::Outputs out = session.run({zrt::TensorView<const float>(x, {1, 16})});
  const auto y = out[0].data<float>();
  ASSERT_EQ(y.size(), 16u);
  for (std::size_t i = 0; i < y.size(); ++i) EXPECT_EQ(y[i], x[i] + zrt::test::add_constant_c(i)) << i;
}

TEST(Compile, TheCpuEpCompilesNothingAndSaysSo) {
  zrt::test::TempDir dir;
  const auto model = dir.write("add.onnx", zrt::test::add_constant());
  EXPECT_TRUE(throws_error([&] { zrt::compile(model, SessionOptions{}, dir.path() / "out.onnx"); }, ErrorCode::Fail,
                           {"zrt::compile '",
                            "add.onnx': no node was compiled: the SessionOptions name no execution "
                            "provider, and the CPU EP compiles nothing",
                            "CompileOptions::require_compiled_nodes(false)", "(ORT: Unable to compile any nodes"}));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "out.onnx"));
  EXPECT_TRUE(throws_error([&] { zrt::compile_to_bytes(zrt::test::add_constant(), SessionOptions{}); }, ErrorCode::Fail,
                           {"zrt::compile model bytes (", "no node was compiled"}));
}

TEST(Compile, FileToFileWritesARunnableModel) {
  zrt::test::TempDir dir;
  const auto model = dir.write("add.onnx", zrt::test::add_constant());
  const auto output = dir.path() / "add_ctx.onnx";
  zrt::compile(model, SessionOptions{}, output, kUncompiled);
  ASSERT_TRUE(std::filesystem::exists(output));
  expect_add_constant(Session(output));
  // Overwritten by default.
  zrt::compile(model, SessionOptions{}, output, CompileOptions(kUncompiled).embed_context(true));
  expect_add_constant(Session(output));
}

TEST(Compile, BytesInAndOut) {
  const zrt::test::Bytes model = zrt::test::add_constant();
  const std::vector<std::byte> compiled = zrt::compile_to_bytes(model, SessionOptions{}, kUncompiled);
  ASSERT_FALSE(compiled.empty());
  expect_add_constant(Session::from_bytes(compiled));

  zrt::test::TempDir dir;
  zrt::compile(model, SessionOptions{}, dir.path() / "from_bytes.onnx", kUncompiled);
  expect_add_constant(Session(dir.path() / "from_bytes.onnx"));
  const auto file = dir.write("add.onnx", model);
  const std::vector<std::byte> from_file = zrt::compile_to_bytes(
      file, SessionOptions{}, CompileOptions(kUncompiled).optimization_level(zrt::OptimizationLevel::Basic));
  expect_add_constant(Session::from_bytes(from_file));
}

TEST(Compile, ExternalInitializersGoToTheirFile) {
  zrt::test::TempDir dir;
  const auto model = dir.write("mlp.onnx", zrt::test::mlp());
  const auto output = dir.path() / "mlp_ctx.onnx";
  zrt::compile(model, SessionOptions{}, output, CompileOptions(kUncompiled).external_initializers("mlp_ctx.bin", 1024));
  ASSERT_TRUE(std::filesystem::exists(dir.path() / "mlp_ctx.bin"));
  // 784x128 + 128x10 floats and more: the big weights left the model file.
  EXPECT_GT(std::filesystem::file_size(dir.path() / "mlp_ctx.bin"), 784u * 128u * 4u);
  EXPECT_LT(std::filesystem::file_size(output), 64u * 1024u);
  const Session session(output);
  const std::vector<float> x = zrt::test::mlp_input(1);
  const zrt::Outputs out = session.run({zrt::TensorView<const float>(x, {1, 784})});
  EXPECT_EQ(zrt::test::to_vector(out[0].data<float>()), zrt::test::mlp_reference(x, 1));
  // ORT writes the file next to the output model: an absolute path is refused up front.
  EXPECT_TRUE(throws_error(
      [&] {
        zrt::compile(model, SessionOptions{}, output,
                     CompileOptions(kUncompiled).external_initializers(dir.path() / "abs.bin", 1024));
      },
      ErrorCode::InvalidArgument,
      {"CompileOptions::external_initializers: '",
       "abs.bin' is absolute; give a path relative to the output "
       "model's folder"}));
}

TEST(Compile, BadPathsAndBytesSayWhatIsWrong) {
  zrt::test::TempDir dir;
  const auto model = dir.write("add.onnx", zrt::test::add_constant());
  EXPECT_TRUE(throws_error([&] { zrt::compile(dir.path() / "missing.onnx", SessionOptions{}, dir.path() / "o.onnx"); },
                           ErrorCode::NoSuchFile, {"zrt::compile: model file not found: '", "missing.onnx'"}));
  EXPECT_TRUE(throws_error([&] { zrt::compile(dir.path(), SessionOptions{}, dir.path() / "o.onnx"); },
                           ErrorCode::NoSuchFile, {"zrt::compile: model path is a directory, not a file"}));
  EXPECT_TRUE(
      throws_error([&] { zrt::compile(model, SessionOptions{}, dir.path() / "no_such_dir" / "o.onnx", kUncompiled); },
                   ErrorCode::NoSuchFile, {"zrt::compile: cannot write '", "no_such_dir' does not exist"}));
  EXPECT_TRUE(throws_error([&] { zrt::compile(model, SessionOptions{}, dir.path(), kUncompiled); },
                           ErrorCode::InvalidArgument, {"zrt::compile: the output '", "' is a directory"}));
  EXPECT_TRUE(throws_error([&] { zrt::compile(model, SessionOptions{}, model, kUncompiled); },
                           ErrorCode::InvalidArgument, {"is the model itself; write it elsewhere"}));
  const auto existing = dir.write("existing.onnx", zrt::test::add_constant());
  EXPECT_TRUE(throws_error(
      [&] { zrt::compile(model, SessionOptions{}, existing, CompileOptions(kUncompiled).overwrite(false)); },
      ErrorCode::Fail, {"zrt::compile: the output '", "existing.onnx' exists and CompileOptions::overwrite is false"}));
  EXPECT_TRUE(throws_error([&] { zrt::compile_to_bytes(std::span<const std::byte>(), SessionOptions{}); },
                           ErrorCode::InvalidProtobuf, {"zrt::compile: the model bytes are empty"}));
  const std::string junk = "not a model";
  const std::span<const std::byte> junk_bytes(reinterpret_cast<const std::byte*>(junk.data()), junk.size());
  EXPECT_TRUE(throws_error([&] { zrt::compile_to_bytes(junk_bytes, SessionOptions{}, kUncompiled); },
                           ErrorCode::InvalidProtobuf, {"zrt::compile model bytes (11)", "protobuf parsing failed"}));
}

TEST(Compile, TheSessionOptionsReachOrt) {
  // A provider this core lacks fails in the options, before any compile, naming it.
  EXPECT_TRUE(
      throws_error([&] { zrt::compile_to_bytes(zrt::test::add_constant(), SessionOptions{}.provider(zrt::Cuda{})); },
                   ErrorCode::NotImplemented, {"execution provider 'CUDA' is not in this ONNX Runtime build"}));
  // Threads and config entries are applied as for a session, and the compile goes through.
  const std::vector<std::byte> compiled = zrt::compile_to_bytes(
      zrt::test::add_constant(), SessionOptions{}.intra_op_threads(1).config("session.disable_prepacking", "1"),
      kUncompiled);
  expect_add_constant(Session::from_bytes(compiled));
}

}  // namespace
