// zrt/error.hpp and every error a caller can provoke: each one is a zrt::Error whose
// message names what failed (the input's name and index, expected vs got), and the
// session that saw it keeps running correctly afterwards.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/models.hpp"
#include "test_util.hpp"
#include "zrt/zrt.hpp"

namespace {

using zrt::ElementType;
using zrt::Error;
using zrt::ErrorCode;
using zrt::Input;
using zrt::IoBinding;
using zrt::MemoryInfo;
using zrt::Outputs;
using zrt::Session;
using zrt::TensorView;
using zrt::Value;
using zrt::test::throws_error;
using zrt::test::to_vector;

// ---- Error itself --------------------------------------------------------------------

TEST(Error, CodeAndMessage) {
  const Error e(ErrorCode::NoSuchFile, "missing thing");
  EXPECT_EQ(e.code(), ErrorCode::NoSuchFile);
  EXPECT_STREQ(e.what(), "missing thing");
  const Error plain("bad argument");
  EXPECT_EQ(plain.code(), ErrorCode::InvalidArgument);
  const std::runtime_error& base = plain;  // catchable as std::runtime_error
  EXPECT_STREQ(base.what(), "bad argument");
}

TEST(Error, CodeNames) {
  EXPECT_STREQ(zrt::to_string(ErrorCode::Ok), "Ok");
  EXPECT_STREQ(zrt::to_string(ErrorCode::Fail), "Fail");
  EXPECT_STREQ(zrt::to_string(ErrorCode::InvalidArgument), "InvalidArgument");
  EXPECT_STREQ(zrt::to_string(ErrorCode::NoSuchFile), "NoSuchFile");
  EXPECT_STREQ(zrt::to_string(ErrorCode::NoModel), "NoModel");
  EXPECT_STREQ(zrt::to_string(ErrorCode::EngineError), "EngineError");
  EXPECT_STREQ(zrt::to_string(ErrorCode::RuntimeException), "RuntimeException");
  EXPECT_STREQ(zrt::to_string(ErrorCode::InvalidProtobuf), "InvalidProtobuf");
  EXPECT_STREQ(zrt::to_string(ErrorCode::ModelLoaded), "ModelLoaded");
  EXPECT_STREQ(zrt::to_string(ErrorCode::NotImplemented), "NotImplemented");
  EXPECT_STREQ(zrt::to_string(ErrorCode::InvalidGraph), "InvalidGraph");
  EXPECT_STREQ(zrt::to_string(ErrorCode::ExecutionProviderFail), "ExecutionProviderFail");
  EXPECT_STREQ(zrt::to_string(ErrorCode::ModelLoadCanceled), "ModelLoadCanceled");
  EXPECT_STREQ(zrt::to_string(ErrorCode::ModelRequiresCompilation), "ModelRequiresCompilation");
  EXPECT_STREQ(zrt::to_string(ErrorCode::NotFound), "NotFound");
}

// ---- helpers -------------------------------------------------------------------------

std::vector<float> add_input() {
  std::vector<float> x(16);
  for (std::size_t i = 0; i < 16; ++i) x[i] = static_cast<float>(i) * 1.5f;
  return x;
}

// The add-constant session still computes Y = X + C exactly.
void expect_add_session_works(const Session& session, Outputs& out) {
  const auto x = add_input();
  session.run({TensorView<const float>(x, {1, 16})}, out);
  const auto y = out[0].data<float>();
  ASSERT_EQ(y.size(), 16u);
  for (std::size_t i = 0; i < 16; ++i) ASSERT_EQ(y[i], x[i] + zrt::test::add_constant_c(i)) << i;
}

struct MultiInputs {
  std::vector<float> a{1, 2, 3, 4, 5, 6};
  std::vector<std::int64_t> b{1, 1, 1, 1, 1, 1};
  std::vector<double> d{1, 2, 3};
};

void expect_multi_session_works(const Session& session) {
  const MultiInputs in;
  const Outputs out = session.run({TensorView<const float>(in.a, {2, 3}), TensorView<const std::int64_t>(in.b, {2, 3}),
                                   TensorView<const double>(in.d, {3})});
  ASSERT_EQ(to_vector(out.at("sum").data<float>()), (std::vector<float>{2, 3, 4, 5, 6, 7}));
  ASSERT_EQ(to_vector(out.at("d_neg").data<double>()), (std::vector<double>{-1, -2, -3}));
}

class RunErrors : public ::testing::Test {
 protected:
  Session add = Session::from_bytes(zrt::test::add_constant());
  Session multi = Session::from_bytes(zrt::test::multi_io());
  Outputs out = add.make_outputs();
};

// ---- run: inputs that do not fit the model -------------------------------------------

TEST_F(RunErrors, WrongInputCount) {
  expect_add_session_works(add, out);  // the slots hold values from a good run
  const auto x = add_input();
  const TensorView<const float> v(x, {1, 16});
  EXPECT_TRUE(throws_error([&] { add.run({v, v}, out); }, ErrorCode::InvalidArgument, {"expected 1", "'X'", "got 2"}));
  expect_add_session_works(add, out);
  EXPECT_TRUE(throws_error([&] { add.run(std::span<const Input>{}, out); }, ErrorCode::InvalidArgument,
                           {"expected 1", "'X'", "got 0"}));
  expect_add_session_works(add, out);
  const MultiInputs in;
  EXPECT_TRUE(throws_error(
      [&] {
        (void)multi.run({TensorView<const float>(in.a, {2, 3})});
      },
      ErrorCode::InvalidArgument, {"expected 3", "'a'", "'b'", "'d'", "got 1"}));
  expect_multi_session_works(multi);
}

TEST_F(RunErrors, MissingNamedInput) {
  const MultiInputs in;
  // Named inputs may come in any order, but every model input must be given: zrt checks
  // that before ORT runs (ORT's own message is a kernel failure with code Fail).
  EXPECT_TRUE(throws_error(
      [&] {
        (void)multi.run(
            {Input("a", TensorView<const float>(in.a, {2, 3})), Input("d", TensorView<const double>(in.d, {3}))});
      },
      ErrorCode::InvalidArgument, {"'b'", "index 1"}));
  expect_multi_session_works(multi);
}

TEST_F(RunErrors, WrongElementType) {
  const std::vector<std::int32_t> ints(16);
  EXPECT_TRUE(throws_error(
      [&] {
        add.run({TensorView<const std::int32_t>(ints, {1, 16})}, out);
      },
      ErrorCode::InvalidArgument, {"'X'", "index 0", "float", "int32"}));
  expect_add_session_works(add, out);

  const MultiInputs in;
  const std::vector<float> d_as_float{1, 2, 3};
  EXPECT_TRUE(throws_error(
      [&] {
        (void)multi.run({TensorView<const float>(in.a, {2, 3}), TensorView<const std::int64_t>(in.b, {2, 3}),
                         TensorView<const float>(d_as_float, {3})});
      },
      ErrorCode::InvalidArgument, {"'d'", "index 2", "double", "float"}));
  // Same by name: the message names the model input, not the argument position.
  EXPECT_TRUE(throws_error(
      [&] {
        (void)multi.run({Input("d", TensorView<const float>(d_as_float, {3})),
                         Input("a", TensorView<const float>(in.a, {2, 3})),
                         Input("b", TensorView<const std::int64_t>(in.b, {2, 3}))});
      },
      ErrorCode::InvalidArgument, {"'d'", "index 2", "double", "float"}));
  expect_multi_session_works(multi);
}

TEST_F(RunErrors, WrongElementTypeAsValue) {
  const Value strings = Value::strings(std::vector<std::string>(16, "s"), {1, 16});
  EXPECT_TRUE(throws_error([&] { add.run({strings}, out); }, ErrorCode::InvalidArgument,
                           {"'X'", "index 0", "float", "string"}));
  expect_add_session_works(add, out);
  const Value as_double = Value::allocate(ElementType::Double, {1, 16});
  EXPECT_TRUE(throws_error([&] { add.run({as_double}, out); }, ErrorCode::InvalidArgument,
                           {"'X'", "index 0", "float", "double"}));
  expect_add_session_works(add, out);
}

TEST_F(RunErrors, WrongKindOfValue) {
  std::vector<Value> elements;
  elements.push_back(Value::allocate(ElementType::Float, {1, 16}));
  const Value seq = Value::sequence(elements);
  EXPECT_TRUE(throws_error([&] { add.run({seq}, out); }, ErrorCode::InvalidArgument,
                           {"'X'", "index 0", "tensor(float)", "seq"}));
  expect_add_session_works(add, out);
  const Value empty;
  EXPECT_TRUE(throws_error([&] { add.run({empty}, out); }, ErrorCode::InvalidArgument, {"'X'", "index 0", "empty"}));
  expect_add_session_works(add, out);
}

TEST_F(RunErrors, WrongRank) {
  const auto x = add_input();
  EXPECT_TRUE(throws_error([&] { add.run({TensorView<const float>(x, {16})}, out); }, ErrorCode::InvalidArgument,
                           {"'X'", "index 0", "rank 2", "[1,16]", "rank 1", "[16]"}));
  expect_add_session_works(add, out);
  EXPECT_TRUE(throws_error(
      [&] {
        add.run({TensorView<const float>(x, {1, 1, 16})}, out);
      },
      ErrorCode::InvalidArgument, {"'X'", "index 0", "rank 2", "rank 3", "[1,1,16]"}));
  expect_add_session_works(add, out);
}

TEST_F(RunErrors, StaticDimMismatch) {
  const std::vector<float> x(32);
  EXPECT_TRUE(throws_error(
      [&] {
        add.run({TensorView<const float>(x, {2, 16})}, out);
      },
      ErrorCode::InvalidArgument, {"'X'", "index 0", "dim 0", "1", "got 2", "[2,16]"}));
  expect_add_session_works(add, out);
  const std::vector<float> short_x(15);
  EXPECT_TRUE(throws_error(
      [&] {
        add.run({TensorView<const float>(short_x, {1, 15})}, out);
      },
      ErrorCode::InvalidArgument, {"'X'", "index 0", "dim 1", "16", "got 15", "[1,15]"}));
  expect_add_session_works(add, out);
  // A free dim accepts any size, a fixed one beside it still must match.
  const Session dyn = Session::from_bytes(zrt::test::identity(ElementType::Float, {"n", 4}));
  const std::vector<float> five(5);
  EXPECT_TRUE(throws_error(
      [&] {
        (void)dyn.run({TensorView<const float>(five, {1, 5})});
      },
      ErrorCode::InvalidArgument, {"'X'", "dim 1", "4", "got 5"}));
  const std::vector<float> eight(8, 2.0f);
  EXPECT_EQ(to_vector(dyn.run({TensorView<const float>(eight, {2, 4})})[0].data<float>()), eight);
}

TEST_F(RunErrors, UnknownDuplicateAndMixedNames) {
  const auto x = add_input();
  const TensorView<const float> v(x, {1, 16});
  EXPECT_TRUE(throws_error([&] { add.run({Input("nope", v)}, out); }, ErrorCode::InvalidArgument, {"'nope'", "'X'"}));
  expect_add_session_works(add, out);
  const MultiInputs in;
  const TensorView<const float> va(in.a, {2, 3});
  const TensorView<const std::int64_t> vb(in.b, {2, 3});
  EXPECT_TRUE(throws_error(
      [&] {
        (void)multi.run({Input("a", va), Input("a", va), Input("b", vb)});
      },
      ErrorCode::InvalidArgument, {"'a'", "twice"}));
  EXPECT_TRUE(throws_error(
      [&] {
        (void)multi.run({Input("a", va), vb, TensorView<const double>(in.d, {3})});
      },
      ErrorCode::InvalidArgument, {"name"}));
  expect_multi_session_works(multi);
}

// ---- TensorView construction ---------------------------------------------------------

TEST(ViewErrors, NullOrShortBuffers) {
  EXPECT_TRUE(throws_error(
      [] {
        (void)TensorView<const float>(nullptr, 16, {1, 16});
      },
      ErrorCode::InvalidArgument, {"null", "[1,16]", "16"}));
  const std::vector<float> short_buffer(15);
  EXPECT_TRUE(throws_error(
      [&] {
        (void)TensorView<const float>(short_buffer, {1, 16});
      },
      ErrorCode::InvalidArgument, {"[1,16]", "15", "16"}));
  const std::vector<float> long_buffer(17);
  EXPECT_TRUE(throws_error(
      [&] {
        (void)TensorView<const float>(long_buffer, {1, 16});
      },
      ErrorCode::InvalidArgument, {"[1,16]", "17", "16"}));
  const std::int64_t big = std::int64_t{1} << 40;
  EXPECT_TRUE(throws_error(
      [&] {
        (void)TensorView<const float>(long_buffer, {big, big});
      },
      ErrorCode::InvalidArgument, {}));
  EXPECT_TRUE(throws_error([] { (void)Value::view_bytes(ElementType::Float, nullptr, 64, {16}); },
                           ErrorCode::InvalidArgument, {"null"}));
}

// ---- loading -------------------------------------------------------------------------

TEST(LoadErrors, NulInPath) {
  const std::filesystem::path path(std::string("model\0.onnx", 11));
  EXPECT_TRUE(throws_error([&] { Session s(path); }, ErrorCode::InvalidArgument, {"NUL", "model"}));
}

TEST(LoadErrors, MissingFile) {
  zrt::test::TempDir dir;
  const auto path = dir.path() / "does_not_exist.onnx";
  EXPECT_TRUE(throws_error([&] { Session s(path); }, ErrorCode::NoSuchFile, {path.string()}));
  zrt::Environment env;
  EXPECT_TRUE(throws_error([&] { Session s(env, path); }, ErrorCode::NoSuchFile, {"does_not_exist.onnx"}));
  EXPECT_TRUE(throws_error([&] { Session s(env, dir.path()); }, ErrorCode::NoSuchFile, {dir.path().string()}));
}

TEST(LoadErrors, CorruptBytes) {
  std::vector<std::byte> garbage(256);
  for (std::size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<std::byte>((i * 37 + 11) & 0xFF);
  EXPECT_TRUE(throws_error([&] { (void)Session::from_bytes(garbage); }, ErrorCode::InvalidProtobuf, {"256 bytes"}));
  EXPECT_TRUE(throws_error([&] { (void)Session::from_bytes(std::span<const std::byte>{}); }, ErrorCode::InvalidProtobuf,
                           {"empty"}));
  // A model cut in half.
  const auto mlp = zrt::test::mlp();
  const std::span<const std::byte> half(mlp.data(), mlp.size() / 2);
  EXPECT_THROW((void)Session::from_bytes(half), Error);
  // The same garbage as a file names the file.
  zrt::test::TempDir dir;
  const auto path = dir.write("garbage.onnx", garbage);
  EXPECT_TRUE(throws_error([&] { Session s(path); }, ErrorCode::InvalidProtobuf, {"garbage.onnx"}));
}

TEST(LoadErrors, ValidProtobufInvalidGraph) {
  const auto bytes = zrt::test::from_text(
      "<ir_version: 8, opset_import: [\"\" : 17]>\n"
      "bad (float[2] X) => (float[2] Y) {\n  Y = NoSuchOperator(X)\n}\n");
  try {
    (void)Session::from_bytes(bytes);
    FAIL() << "a model with an unknown operator loaded";
  } catch (const Error& e) {
    EXPECT_NE(e.code(), ErrorCode::Ok);
    EXPECT_NE(std::string(e.what()).find("NoSuchOperator"), std::string::npos) << e.what();
  }
}

// ---- names and indices ---------------------------------------------------------------

TEST_F(RunErrors, UnknownNamesAndIndices) {
  EXPECT_TRUE(throws_error([&] { (void)add.input_index("nope"); }, ErrorCode::InvalidArgument, {"'nope'", "'X'"}));
  EXPECT_TRUE(throws_error([&] { (void)add.output_index("nope"); }, ErrorCode::InvalidArgument, {"'nope'", "'Y'"}));
  EXPECT_TRUE(throws_error([&] { (void)add.input(99); }, ErrorCode::InvalidArgument, {"99", "1 input", "'X'"}));
  EXPECT_TRUE(throws_error([&] { (void)add.output(99); }, ErrorCode::InvalidArgument, {"99", "1 output", "'Y'"}));
  EXPECT_TRUE(throws_error([&] { (void)multi.input(3); }, ErrorCode::InvalidArgument, {"3", "'a'", "'b'", "'d'"}));
  expect_add_session_works(add, out);
  EXPECT_TRUE(throws_error([&] { (void)out.at("nope"); }, ErrorCode::InvalidArgument, {"'nope'", "'Y'"}));
  EXPECT_TRUE(throws_error([&] { (void)out.at(1); }, ErrorCode::InvalidArgument, {"1"}));
  EXPECT_TRUE(throws_error([&] { (void)out.take(5); }, ErrorCode::InvalidArgument, {"5"}));
  expect_add_session_works(add, out);
}

TEST_F(RunErrors, IoBindingErrors) {
  IoBinding binding(add);
  const auto x = add_input();
  std::vector<float> y(16);
  const TensorView<const float> vx(x, {1, 16});
  EXPECT_TRUE(throws_error([&] { binding.bind_input("nope", vx); }, ErrorCode::InvalidArgument, {"'nope'", "'X'"}));
  EXPECT_TRUE(throws_error([&] { binding.bind_input(7, Value::view(vx)); }, ErrorCode::InvalidArgument, {"7"}));
  EXPECT_TRUE(throws_error([&] { binding.bind_output("nope", MemoryInfo::cpu()); }, ErrorCode::InvalidArgument,
                           {"'nope'", "'Y'"}));
  std::vector<float> y8(8);
  std::vector<double> yd(16);
  EXPECT_TRUE(throws_error(
      [&] {
        binding.bind_output("Y", TensorView<float>(y8, {1, 8}));
      },
      ErrorCode::InvalidArgument, {"bind_output 'Y' (index 0)", "dim 1 must be 16, got 8"}));
  EXPECT_TRUE(throws_error(
      [&] {
        binding.bind_output("Y", TensorView<double>(yd, {1, 16}));
      },
      ErrorCode::InvalidArgument, {"'Y'", "expects element type float, got double"}));
  EXPECT_TRUE(throws_error(
      [&] {
        binding.bind_output("nope", TensorView<float>(y, {1, 16}));
      },
      ErrorCode::InvalidArgument, {"'nope'", "'Y'"}));
  const std::vector<std::int32_t> ints(16);
  EXPECT_TRUE(throws_error(
      [&] {
        binding.bind_input("X", TensorView<const std::int32_t>(ints, {1, 16}));
      },
      ErrorCode::InvalidArgument, {"'X'", "float", "int32"}));
  EXPECT_TRUE(throws_error([&] { binding.bind_input("X", TensorView<const float>(x, {16})); },
                           ErrorCode::InvalidArgument, {"'X'", "[1,16]", "[16]"}));
  std::vector<double> wrong_out(16);
  EXPECT_TRUE(throws_error(
      [&] {
        binding.bind_output("Y", TensorView<double>(wrong_out, {1, 16}));
      },
      ErrorCode::InvalidArgument, {"'Y'", "float", "double"}));
  std::vector<float> wrong_shape(32);
  EXPECT_TRUE(throws_error(
      [&] {
        binding.bind_output("Y", TensorView<float>(wrong_shape, {2, 16}));
      },
      ErrorCode::InvalidArgument, {"'Y'", "[1,16]", "[2,16]"}));
  EXPECT_TRUE(throws_error(
      [&] {
        binding.bind_output(std::size_t{3}, Value::view(TensorView<float>(y, {1, 16})));
      },
      ErrorCode::InvalidArgument, {"3"}));

  // After all that, correct bindings run.
  binding.bind_input("X", vx);
  binding.bind_output("Y", TensorView<float>(y, {1, 16}));
  add.run(binding);
  for (std::size_t i = 0; i < 16; ++i) EXPECT_EQ(y[i], x[i] + zrt::test::add_constant_c(i));
  expect_add_session_works(add, out);
}

// ---- failures inside ORT ---------------------------------------------------------------

// The If node's then-branch adds x [2,2] to a [n]: only a run with n = 3 shows that it
// cannot broadcast, deep inside ORT (shape inference at load cannot tell). The branches
// and y are declared `type` ("float[2,2]", or "float": a scalar, which ORT warns about).
zrt::test::Bytes if_broadcast_model(const std::string& type = "float[2,2]") {
  std::string text = R"(<ir_version: 8, opset_import: ["" : 17]>
branchy (bool cond, float[2,2] x, float[n] a) => (TYPE y) {
  y = If (cond) <then_branch = then_g () => (TYPE t) { t = Add(x, a) },
                 else_branch = else_g () => (TYPE e) { e = Identity(x) }>
}
)";
  for (std::size_t at; (at = text.find("TYPE")) != std::string::npos;) text.replace(at, 4, type);
  return zrt::test::from_text(text);
}

// ORT's error comes back with the zrt call in front, and is not also printed: the
// default logger drops ORT's lines about a failed run (the caller gets the error).
TEST(OrtErrors, FailureInsideRunIsPrefixedAndNotPrinted) {
  const Session session = Session::from_bytes(if_broadcast_model());
  const bool cond = true;
  const std::vector<float> x{1, 2, 3, 4}, a3{1, 1, 1}, a2{10, 20};
  const TensorView<const bool> c(std::span<const bool>(&cond, 1), {});
  ::testing::internal::CaptureStderr();
  std::string message;
  try {
    (void)session.run({c, TensorView(x, {2, 2}), TensorView(a3, {3})});
  } catch (const Error& e) {
    message = e.what();
  }
  IoBinding binding(session);
  binding.bind_input("cond", c);
  binding.bind_input("x", TensorView(x, {2, 2}));
  binding.bind_input("a", TensorView(a3, {3}));
  binding.bind_output("y", MemoryInfo::cpu());
  std::string binding_message;
  try {
    session.run(binding);
  } catch (const Error& e) {
    binding_message = e.what();
  }
  const std::string printed = ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(message.starts_with("Session::run: Non-zero status code returned while running If node")) << message;
  EXPECT_NE(message.find("broadcast"), std::string::npos) << message;
  EXPECT_TRUE(binding_message.starts_with("Session::run: ")) << binding_message;
  EXPECT_NE(binding_message.find("If node"), std::string::npos) << binding_message;
  EXPECT_EQ(printed, "");
  // The session still runs inputs that fit.
  const Outputs out = session.run({c, TensorView(x, {2, 2}), TensorView(a2, {2})});
  EXPECT_EQ(to_vector(out[0].data<float>()), (std::vector<float>{11, 22, 13, 24}));
}

// The default logger still prints ORT's other lines: here the warning that an output's
// shape is not the declared one.
TEST(OrtErrors, DefaultLoggerPrintsWarnings) {
  const Session session = Session::from_bytes(if_broadcast_model("float"));
  const bool cond = false;
  const std::vector<float> x{1, 2, 3, 4}, a{1, 1};
  ::testing::internal::CaptureStderr();
  const Outputs out =
      session.run({TensorView(std::span<const bool>(&cond, 1), {}), TensorView(x, {2, 2}), TensorView(a, {2})});
  const std::string printed = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(to_vector(out[0].data<float>()), x);
  EXPECT_TRUE(printed.starts_with("zrt: ORT warning [onnxruntime:")) << printed;
  EXPECT_NE(printed.find("does not match actual shape of {2,2} for output y"), std::string::npos) << printed;
}

TEST(ValueErrors, TypedAccessNamesBothTypes) {
  const Value v = Value::allocate(ElementType::Int64, {2});
  EXPECT_TRUE(throws_error([&] { (void)v.data<float>(); }, ErrorCode::InvalidArgument, {"float", "int64"}));
  const Value s = Value::strings(std::vector<std::string>{"a"}, {1});
  EXPECT_TRUE(throws_error([&] { (void)s.data<std::int64_t>(); }, ErrorCode::InvalidArgument, {"int64", "string"}));
}

}  // namespace
