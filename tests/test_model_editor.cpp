// Models built in code (ModelBuilder, Session::from_model) and loaded models changed
// in code (ModelEditor): a built model matches the same model in ONNX text syntax, in
// behaviour and in structure; an edited model gives its added output.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <unistd.h>
#include <algorithm>
#include <filesystem>
#include <fstream>

#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/models.hpp"
#include "test_util.hpp"
#include "zrt/zrt.hpp"

namespace {

using zrt::ElementType;
using zrt::ErrorCode;
using zrt::ModelBuilder;
using zrt::ModelEditor;
using zrt::Session;
using zrt::SessionOptions;
using zrt::TensorView;
using zrt::test::throws_error;

// W[i][j] = (i - 2 j) / 8 and B[j] = j / 4 - 1: dyadic, so every sum below is exact.
std::vector<float> weights() {
  std::vector<float> w(4 * 8);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 8; ++j) w[static_cast<std::size_t>(i * 8 + j)] = static_cast<float>(i - 2 * j) / 8.0f;
  return w;
}
std::vector<float> bias() {
  std::vector<float> b(8);
  for (int j = 0; j < 8; ++j) b[static_cast<std::size_t>(j)] = static_cast<float>(j) / 4.0f - 1.0f;
  return b;
}

std::string list(const std::vector<float>& v) {
  std::string s;
  for (float x : v) s += (s.empty() ? "" : ", ") + std::to_string(x);
  return s;
}

// Z = Transpose(LeakyRelu(MatMul(X, W) + B)): X float[batch,4], Z float[8,batch].
zrt::test::Bytes text_model() {
  return zrt::test::from_text(R"(<ir_version: 8, opset_import: ["" : 17]>
net (float[batch,4] X) => (float[8,batch] Z)
<float[4,8] W = {)" + list(weights()) +
                              R"(}, float[8] B = {)" + list(bias()) + R"(}>
{
  H = MatMul(X, W)
  A = Add(H, B)
  R = LeakyRelu <alpha = 0.125> (A)
  Z = Transpose <perm = [1, 0]> (R)
})");
}

// The same model in code. W (128 bytes) is read in place from `w`; B is copied.
ModelBuilder built_model(const std::shared_ptr<const std::vector<float>>& w) {
  ModelBuilder m({{"", 17}});
  m.input<float>("X", {"batch", 4});
  m.initializer("W", TensorView(*w, {4, 8}), w);
  const std::vector<float> b = bias();
  m.initializer_copy("B", TensorView(b, {8}));
  m.node("MatMul", {"X", "W"}, {"H"});
  m.node("Add", {"H", "B"}, {"A"});
  m.node("LeakyRelu", {"A"}, {"R"}, {{"alpha", 0.125f}});
  m.node("Transpose", {"R"}, {"Z"}, {{"perm", {1, 0}}});
  m.output<float>("Z", {8, "batch"});
  return m;
}

std::vector<float> run_z(const Session& s, std::int64_t batch) {
  std::vector<float> x(static_cast<std::size_t>(batch * 4));
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 7) / 2.0f - 1.0f;
  const zrt::Outputs out = s.run({TensorView<const float>(x, {batch, 4})});
  const auto z = out[0].data<float>();
  EXPECT_EQ(out[0].shape(), zrt::Shape({8, batch}));
  return {z.begin(), z.end()};
}

void expect_same_io(const std::vector<zrt::IoInfo>& a, std::span<const zrt::IoInfo> b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].to_string(), b[i].to_string());
    EXPECT_EQ(a[i].symbolic_dims, b[i].symbolic_dims);
    EXPECT_EQ(a[i].element_type, b[i].element_type);
    EXPECT_EQ(a[i].shape, b[i].shape);
  }
}

// The model ORT writes with optimizations off: the graph as given, in protobuf.
onnx::ModelProto written(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  onnx::ModelProto model;
  EXPECT_TRUE(model.ParseFromString(bytes)) << path;
  return model;
}

SessionOptions writing_to(const std::filesystem::path& path) {
  return SessionOptions{}.optimization_level(zrt::OptimizationLevel::Disabled).optimized_model_path(path);
}

// A node as text without its name (the names differ: text nodes have none).
std::string describe(const onnx::NodeProto& n) {
  std::string s = n.domain() + ":" + n.op_type() + "(";
  for (const auto& i : n.input()) s += i + ",";
  s += ")->(";
  for (const auto& o : n.output()) s += o + ",";
  s += ")";
  for (const auto& a : n.attribute()) s += " " + a.ShortDebugString();
  return s;
}

std::vector<float> floats_of(const onnx::TensorProto& t) {
  if (t.float_data_size() > 0) return {t.float_data().begin(), t.float_data().end()};
  std::vector<float> v(t.raw_data().size() / sizeof(float));
  std::memcpy(v.data(), t.raw_data().data(), v.size() * sizeof(float));
  return v;
}

std::filesystem::path temp_path(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("zrt_model_editor_" + std::to_string(::getpid()) + "_" + name);
}

// ---- a built model equals the text one ------------------------------------------------

TEST(ModelBuilder, BuiltModelRunsLikeTheSameModelInTextSyntax) {
  const auto w = std::make_shared<const std::vector<float>>(weights());
  const Session text = Session::from_bytes(text_model());
  const Session built = Session::from_model(built_model(w));
  expect_same_io({text.inputs().begin(), text.inputs().end()}, built.inputs());
  expect_same_io({text.outputs().begin(), text.outputs().end()}, built.outputs());
  EXPECT_EQ(built.input(0).to_string(), "X: tensor(float)[batch,4]");
  EXPECT_EQ(built.output(0).to_string(), "Z: tensor(float)[8,batch]");
  for (std::int64_t batch : {1, 3}) {
    const std::vector<float> expected = run_z(text, batch);
    EXPECT_EQ(run_z(built, batch), expected);
    // And the values themselves: Z[j][n] = LeakyRelu(sum_i X[n][i] W[i][j] + B[j]).
    std::vector<float> x(static_cast<std::size_t>(batch * 4));
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 7) / 2.0f - 1.0f;
    for (std::int64_t n = 0; n < batch; ++n) {
      for (std::size_t j = 0; j < 8; ++j) {
        float a = bias()[j];
        for (std::size_t i = 0; i < 4; ++i) a += x[static_cast<std::size_t>(n) * 4 + i] * (*w)[i * 8 + j];
        const float z = a < 0 ? a * 0.125f : a;
        EXPECT_EQ(expected[j * static_cast<std::size_t>(batch) + static_cast<std::size_t>(n)], z);
      }
    }
  }
}

TEST(ModelBuilder, BuiltModelHasTheSameStructureAsTheTextModel) {
  const auto w = std::make_shared<const std::vector<float>>(weights());
  const auto text_path = temp_path("text.onnx");
  const auto built_path = temp_path("built.onnx");
  { const Session s = Session::from_bytes(text_model(), writing_to(text_path)); }
  { const Session s = Session::from_model(built_model(w), writing_to(built_path)); }
  const onnx::ModelProto text = written(text_path);
  const onnx::ModelProto built = written(built_path);
  std::filesystem::remove(text_path);
  std::filesystem::remove(built_path);

  ASSERT_EQ(built.graph().node_size(), text.graph().node_size());
  for (int i = 0; i < text.graph().node_size(); ++i) {
    EXPECT_EQ(describe(built.graph().node(i)), describe(text.graph().node(i)));
  }
  ASSERT_EQ(built.graph().input_size(), text.graph().input_size());
  EXPECT_EQ(built.graph().input(0).ShortDebugString(), text.graph().input(0).ShortDebugString());
  ASSERT_EQ(built.graph().output_size(), 1);
  EXPECT_EQ(built.graph().output(0).ShortDebugString(), text.graph().output(0).ShortDebugString());
  ASSERT_EQ(built.graph().initializer_size(), 2);
  for (const std::string name : {"W", "B"}) {
    const auto find = [&](const onnx::ModelProto& m) {
      for (const auto& t : m.graph().initializer())
        if (t.name() == name) return t;
      ADD_FAILURE() << "no initializer " << name;
      return onnx::TensorProto();
    };
    const onnx::TensorProto a = find(text), b = find(built);
    EXPECT_EQ(std::vector<std::int64_t>(b.dims().begin(), b.dims().end()),
              std::vector<std::int64_t>(a.dims().begin(), a.dims().end()));
    EXPECT_EQ(b.data_type(), a.data_type());
    EXPECT_EQ(floats_of(b), floats_of(a)) << name;
  }
  const auto opset = [](const onnx::ModelProto& m) {
    for (const auto& o : m.opset_import())
      if (o.domain().empty() || o.domain() == "ai.onnx") return o.version();
    return std::int64_t{-1};
  };
  EXPECT_EQ(opset(built), 17);
  EXPECT_EQ(opset(built), opset(text));
}

// ---- attributes, dims, initializers -----------------------------------------------

TEST(ModelBuilder, AttributesOfEveryKindReachTheOperator) {
  // Constant takes each attribute kind ORT's CreateOpAttr offers and returns it as a tensor.
  ModelBuilder m({{"", 17}});
  m.node("Constant", {}, {"i"}, {{"value_int", 7}});
  m.node("Constant", {}, {"f"}, {{"value_float", 2.5f}});
  m.node("Constant", {}, {"s"}, {{"value_string", "zrt"}});
  m.node("Constant", {}, {"is"}, {{"value_ints", {3, -4, 5}}});
  m.node("Constant", {}, {"fs"}, {{"value_floats", {0.5f, -1.5f}}});
  m.node("Constant", {}, {"ss"}, {{"value_strings", {"a", "bc"}}});
  m.node("Constant", {}, {"d"}, {{"value_float", 0.25}});  // a double literal becomes a float
  m.node("Constant", {}, {"v"}, {{"value_ints", std::vector<std::int64_t>{}}});
  m.output<std::int64_t>("i", {}).output<float>("f", {}).output("s", ElementType::String, {});
  m.output<std::int64_t>("is", {3}).output<float>("fs", {2}).output("ss", ElementType::String, {2});
  m.output<float>("d", {}).output<std::int64_t>("v", {0});
  const Session s = Session::from_model(m);
  const zrt::Outputs out = s.run({});
  EXPECT_EQ(out.at("i").data<std::int64_t>()[0], 7);
  EXPECT_EQ(out.at("f").data<float>()[0], 2.5f);
  EXPECT_EQ(out.at("s").string_at(0), "zrt");
  EXPECT_EQ(zrt::test::to_vector(out.at("is").data<std::int64_t>()), (std::vector<std::int64_t>{3, -4, 5}));
  EXPECT_EQ(zrt::test::to_vector(out.at("fs").data<float>()), (std::vector<float>{0.5f, -1.5f}));
  EXPECT_EQ(out.at("ss").strings(), (std::vector<std::string>{"a", "bc"}));
  EXPECT_EQ(out.at("d").data<float>()[0], 0.25f);
  EXPECT_EQ(out.at("v").element_count(), 0u);
}

TEST(ModelBuilder, DeclaredDimsAreFixedSymbolicOrFree) {
  ModelBuilder m({{"", 17}});
  m.input<float>("A", {"n", 3});
  m.input<float>("B", {3, "n"});  // a symbol after a fixed dim
  m.input<float>("C", {zrt::Dim::free(), 2});
  m.node("MatMul", {"A", "B"}, {"P"});
  m.node("Identity", {"C"}, {"D"});
  m.output<float>("P", {"n", "n"});
  m.output<float>("D", {zrt::Dim::free(), 2});
  const Session s = Session::from_model(m);
  EXPECT_EQ(s.input(0).to_string(), "A: tensor(float)[n,3]");
  EXPECT_EQ(s.input(1).to_string(), "B: tensor(float)[3,n]");
  EXPECT_EQ(s.input(1).symbolic_dims, (std::vector<std::string>{"", "n"}));
  EXPECT_EQ(s.input(2).shape, zrt::Shape({-1, 2}));
  EXPECT_EQ(s.input(2).symbolic_dims, (std::vector<std::string>{"", ""}));
  EXPECT_EQ(s.output(0).to_string(), "P: tensor(float)[n,n]");
  // The shared symbol "n" is checked as for a loaded model.
  std::vector<float> a(2 * 3, 1.0f), b(3 * 5, 2.0f), c(2, 0.5f);
  EXPECT_TRUE(throws_error(
      [&] {
        s.run({TensorView(a, {2, 3}), TensorView(b, {3, 5}), TensorView(c, {1, 2})});
      },
      ErrorCode::InvalidArgument, {"'n'"}));
  b.resize(3 * 2);
  const zrt::Outputs out = s.run({TensorView(a, {2, 3}), TensorView(b, {3, 2}), TensorView(c, {1, 2})});
  EXPECT_EQ(zrt::test::to_vector(out[0].data<float>()), std::vector<float>(4, 6.0f));
}

// ORT 1.29 gives every free dim of a built tensor the first dim's symbol
// (microsoft/onnxruntime#28307): [n, m] would become [n, n] and tie the two together.
// zrt declares such a tensor with unnamed free dims instead: nothing is tied.
TEST(ModelBuilder, FreeDimsWithDifferentNamesAreDeclaredUnnamed) {
  ModelBuilder m({{"", 17}});
  m.input<float>("X", {"n", "m", 2});
  m.node("Identity", {"X"}, {"Y"});
  m.output<float>("Y", {"n", "m", 2});
  const Session s = Session::from_model(m);
  EXPECT_EQ(s.input(0).shape, zrt::Shape({-1, -1, 2}));
  EXPECT_EQ(s.input(0).symbolic_dims, (std::vector<std::string>{"", "", ""}));
  std::vector<float> x(1 * 3 * 2, 1.0f);  // n = 1, m = 3: not tied
  EXPECT_EQ(s.run({TensorView(x, {1, 3, 2})})[0].shape(), zrt::Shape({1, 3, 2}));
}

TEST(ModelBuilder, BorrowedInitializersLiveAsLongAsTheSession) {
  auto w = std::make_shared<std::vector<float>>(64);
  for (std::size_t i = 0; i < w->size(); ++i) (*w)[i] = static_cast<float>(i);
  std::optional<Session> s;
  {
    ModelBuilder m({{"", 17}});
    m.input<float>("X", {64});
    m.initializer("W", TensorView(*w, {64}), w);
    m.node("Add", {"X", "W"}, {"Y"});
    m.output<float>("Y", {64});
    s.emplace(Session::from_model(m));
  }
  const std::weak_ptr<std::vector<float>> alive = w;
  w.reset();
  EXPECT_FALSE(alive.expired()) << "the session keeps the borrowed initializer's owner";
  {
    std::vector<float> x(64, 0.5f);
    const zrt::Outputs out = s->run({TensorView(x, {64})});  // (outputs keep the session's state too)
    for (std::size_t i = 0; i < 64; ++i) EXPECT_EQ(out[0].data<float>()[i], static_cast<float>(i) + 0.5f);
  }
  s.reset();
  EXPECT_TRUE(alive.expired()) << "and lets go of it with the session";
}

TEST(ModelBuilder, TensorBufferInitializersAreSharedWithEverySession) {
  auto buffer = std::make_shared<zrt::TensorBuffer>(ElementType::Float, zrt::Shape{2, 32});
  std::span<float> data = buffer->span<float>();
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<float>(i) / 4.0f;
  ModelBuilder m({{"", 17}});
  m.input<float>("X", {2, 32});
  m.initializer("W", std::shared_ptr<const zrt::TensorBuffer>(buffer));
  m.node("Mul", {"X", "W"}, {"Y"});
  m.output<float>("Y", {2, 32});
  const Session a = Session::from_model(m);
  const Session b = Session::from_model(m);  // one builder, any number of sessions
  const long before = buffer.use_count();
  buffer.reset();
  EXPECT_GE(before, 3);  // the builder and both sessions hold it
  std::vector<float> x(64, 2.0f);
  for (const Session* s : {&a, &b}) {
    const zrt::Outputs out = s->run({TensorView(x, {2, 32})});
    for (std::size_t i = 0; i < 64; ++i) EXPECT_EQ(out[0].data<float>()[i], static_cast<float>(i) / 2.0f);
  }
}

TEST(ModelBuilder, SmallAndCopiedInitializersDoNotDependOnTheCallersMemory) {
  std::vector<std::int64_t> shape = {2, 3};
  std::vector<float> c(6, 1.0f);
  ModelBuilder m({{"", 17}});
  m.input<float>("X", {6});
  m.initializer_copy("shape", TensorView(shape, {2}));  // read by shape inference: a copy
  m.initializer_copy("C", TensorView(c, {2, 3}));
  m.node("Reshape", {"X", "shape"}, {"R"});
  m.node("Sub", {"R", "C"}, {"Y"});
  m.output<float>("Y", {2, 3});
  std::fill(shape.begin(), shape.end(), 0);  // changing the caller's memory changes nothing
  std::fill(c.begin(), c.end(), 9.0f);
  const Session s = Session::from_model(m);
  std::vector<float> x = {1, 2, 3, 4, 5, 6};
  const zrt::Outputs out = s.run({TensorView(x, {6})});
  EXPECT_EQ(out[0].shape(), zrt::Shape({2, 3}));
  EXPECT_EQ(zrt::test::to_vector(out[0].data<float>()), (std::vector<float>{0, 1, 2, 3, 4, 5}));
}

TEST(ModelBuilder, OptionalInputsMayBeOmittedAndNodesNamed) {
  ModelBuilder m({{"", 17}});
  m.input<float>("X", {4});
  const std::vector<float> lo = {0.0f};
  m.initializer_copy("lo", TensorView(lo, zrt::Shape{}));
  m.node("Clip", {"X", "lo", ""}, {"Y"}).name("clip_low");  // no max
  m.output<float>("Y", {4});
  const Session s = Session::from_model(m, SessionOptions{}.record_placement(true));
  std::vector<float> x = {-2, -0.5f, 0.5f, 7};
  EXPECT_EQ(zrt::test::to_vector(s.run({TensorView(x, {4})})[0].data<float>()), (std::vector<float>{0, 0, 0.5f, 7}));
  bool named = false;
  for (const zrt::EpPlacement& p : s.placement())
    for (const zrt::PlacedNode& n : p.nodes) named = named || n.name == "clip_low";
  EXPECT_TRUE(named);
}

TEST(ModelBuilder, SessionOptionsApply) {
  ModelBuilder m({{"", 17}});
  m.input<float>("X", {"batch", 2});
  m.node("Relu", {"X"}, {"Y"});
  m.output<float>("Y", {"batch", 2});
  const Session s = Session::from_model(m, SessionOptions{}.free_dim("batch", 5));
  EXPECT_EQ(s.input(0).shape, zrt::Shape({5, 2}));
}

// ---- errors ------------------------------------------------------------------------

TEST(ModelBuilder, InvalidGraphsGiveErrorsNamingTheCallAndTheNode) {
  {  // an operator no domain has
    ModelBuilder m({{"", 17}});
    m.input<float>("X", {2});
    m.node("NoSuchOp", {"X"}, {"Y"});
    m.output<float>("Y", {2});
    const auto r = throws_error([&] { Session::from_model(m); }, ErrorCode::Fail, {"Session::from_model", "NoSuchOp"});
    // ORT's code for this varies between releases: any zrt::Error naming the call and op will do.
    if (!r) {
      EXPECT_TRUE(
          throws_error([&] { Session::from_model(m); }, ErrorCode::InvalidGraph, {"Session::from_model", "NoSuchOp"}))
          << r.message();
    }
  }
  {  // a value nothing produces
    ModelBuilder m({{"", 17}});
    m.input<float>("X", {2});
    m.node("Add", {"X", "Q"}, {"Y"});
    m.output<float>("Y", {2});
    EXPECT_TRUE(throws_error([&] { Session::from_model(m); }, ErrorCode::InvalidArgument,
                             {"Session::from_model", "node 'Add_0' (Add) input 1 'Q'", "not a graph input"}));
  }
  {  // an output nothing produces
    ModelBuilder m({{"", 17}});
    m.input<float>("X", {2});
    m.node("Relu", {"X"}, {"Y"});
    m.output<float>("Z", {2});
    EXPECT_TRUE(throws_error([&] { Session::from_model(m); }, ErrorCode::InvalidArgument,
                             {"Session::from_model", "graph output 'Z'"}));
  }
  {  // element types that do not match
    ModelBuilder m({{"", 17}});
    m.input<float>("X", {2});
    m.input<std::int64_t>("N", {2});
    m.node("Add", {"X", "N"}, {"Y"});
    m.output<float>("Y", {2});
    try {
      Session::from_model(m);
      ADD_FAILURE() << "a float + int64 Add made a session";
    } catch (const zrt::Error& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find("Session::from_model"), std::string::npos) << message;
      EXPECT_NE(message.find("Add_0"), std::string::npos) << message;
    }
  }
  {  // a custom domain the opsets do not import
    ModelBuilder m({{"", 17}});
    m.input<float>("X", {2});
    m.node("MyOp", {"X"}, {"Y"}).domain("my.ops");
    m.output<float>("Y", {2});
    EXPECT_TRUE(throws_error([&] { Session::from_model(m); }, ErrorCode::InvalidArgument,
                             {"node 'MyOp_0' (my.ops:MyOp) uses domain 'my.ops'", "import ''"}));
  }
  {  // a custom domain imported, but no kernel registered for it
    ModelBuilder m({{"", 17}, {"my.ops", 1}});
    m.input<float>("X", {2});
    m.node("MyOp", {"X"}, {"Y"}).domain("my.ops");
    m.output<float>("Y", {2});
    try {
      Session::from_model(m);
      ADD_FAILURE() << "an unregistered custom op made a session";
    } catch (const zrt::Error& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find("Session::from_model"), std::string::npos) << message;
      EXPECT_NE(message.find("MyOp"), std::string::npos) << message;
    }
  }
}

TEST(ModelBuilder, BadDeclarationsFailWhereTheyAreMade) {
  EXPECT_TRUE(throws_error([] { ModelBuilder({{"", 0}}); }, ErrorCode::InvalidArgument, {"opset 0"}));
  EXPECT_TRUE(throws_error(
      [] {
        ModelBuilder({{"", 17}, {"ai.onnx", 18}});
      },
      ErrorCode::InvalidArgument, {"listed twice"}));
  ModelBuilder m({{"", 17}});
  m.input<float>("X", {2});
  EXPECT_TRUE(throws_error([&] { m.input<float>("X", {3}); }, ErrorCode::InvalidArgument,
                           {"ModelBuilder::input", "'X' is already declared"}));
  EXPECT_TRUE(throws_error([&] { m.input<float>("", {3}); }, ErrorCode::InvalidArgument, {"name is empty"}));
  EXPECT_TRUE(throws_error([&] { m.output<float>("Y", {-2}); }, ErrorCode::InvalidArgument,
                           {"ModelBuilder::output 'Y': dim 0 is -2"}));
  EXPECT_TRUE(throws_error([&] { m.input("U", ElementType::Undefined, {1}); }, ErrorCode::InvalidArgument,
                           {"no element type"}));
  std::vector<float> small(3);
  EXPECT_TRUE(throws_error([&] { m.initializer_copy("W", TensorView(small, {4})); }, ErrorCode::InvalidArgument,
                           {}));  // TensorView itself refuses 3 elements for [4]
  EXPECT_TRUE(
      throws_error([&] { m.initializer_copy_bytes("W", ElementType::Float, std::as_bytes(std::span(small)), {4}); },
                   ErrorCode::InvalidArgument, {"ModelBuilder::initializer_copy 'W'", "holds 12 bytes, expected 16"}));
  auto owned = std::make_shared<std::vector<float>>(64);
  EXPECT_TRUE(throws_error([&] { m.initializer("W", TensorView(*owned, {64}), nullptr); }, ErrorCode::InvalidArgument,
                           {"'W': no owner"}));
  m.initializer("W", TensorView(*owned, {64}), owned);
  EXPECT_TRUE(throws_error([&] { m.initializer_copy("W", TensorView(*owned, {64})); }, ErrorCode::InvalidArgument,
                           {"'W' is already an initializer"}));
  EXPECT_TRUE(throws_error([&] { m.initializer("E", std::shared_ptr<const zrt::TensorBuffer>()); },
                           ErrorCode::InvalidArgument, {"'E': the TensorBuffer is empty"}));
  EXPECT_TRUE(throws_error([&] { m.node("Relu", {"X"}, {}); }, ErrorCode::InvalidArgument, {"'Relu': no outputs"}));
  EXPECT_TRUE(throws_error(
      [&] {
        m.node("Cast", {"X"}, {"Y"}, {{"to", 1}, {"to", 7}});
      },
      ErrorCode::InvalidArgument, {"attribute 'to' is given twice"}));
  m.node("Relu", {"X"}, {"Y"});
  m.node("Neg", {"X"}, {"Y"});
  m.output<float>("Y", {2});
  EXPECT_TRUE(throws_error([&] { Session::from_model(m); }, ErrorCode::InvalidArgument,
                           {"node 'Neg_1' (Neg) output 'Y' is already"}));
  ModelBuilder none({{"", 17}});
  none.input<float>("X", {2});
  EXPECT_TRUE(throws_error([&] { Session::from_model(none); }, ErrorCode::InvalidArgument, {"no outputs"}));
}

// ---- editing a loaded model ---------------------------------------------------------

// Y = Relu(X), X and Y float[N,32].
zrt::test::Bytes relu_model() {
  return zrt::test::from_text(R"(<ir_version: 8, opset_import: ["" : 17]>
relu (float[N,32] X) => (float[N,32] Y) {
  Y = Relu(X)
})");
}

TEST(ModelEditor, AnExtraOutputGivesItsValues) {
  ModelEditor editor = ModelEditor::from_bytes(relu_model());
  EXPECT_EQ(editor.opset(""), 17);
  ASSERT_EQ(editor.outputs().size(), 1u);
  EXPECT_EQ(editor.outputs()[0].to_string(), "Y: tensor(float)[N,32]");
  EXPECT_EQ(editor.inputs()[0].to_string(), "X: tensor(float)[N,32]");

  // Z = Y * C + X, C a borrowed initializer (128 bytes, read in place).
  auto c = std::make_shared<std::vector<float>>(32);
  for (std::size_t i = 0; i < 32; ++i) (*c)[i] = static_cast<float>(i) / 8.0f;
  ModelBuilder changes({{"", editor.opset("")}});
  changes.initializer("C", TensorView(*c, {32}), c);
  changes.node("Mul", {"Y", "C"}, {"P"});
  changes.node("Add", {"P", "X"}, {"Z"});
  for (const zrt::IoInfo& out : editor.outputs()) changes.output(out);  // keep Y
  changes.output<float>("Z", {"N", 32});
  editor.apply(changes);
  ASSERT_EQ(editor.outputs().size(), 2u);
  EXPECT_EQ(editor.outputs()[1].to_string(), "Z: tensor(float)[N,32]");
  const std::weak_ptr<std::vector<float>> c_alive = c;
  c.reset();

  const Session s = std::move(editor).finalize();
  ASSERT_EQ(s.output_count(), 2u);
  EXPECT_EQ(s.output(1).name, "Z");
  EXPECT_FALSE(c_alive.expired());
  std::vector<float> x(2 * 32);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 5) - 2.0f;
  const zrt::Outputs out = s.run({TensorView(x, {2, 32})});
  for (std::size_t i = 0; i < x.size(); ++i) {
    const float y = std::max(x[i], 0.0f);
    EXPECT_EQ(out.at("Y").data<float>()[i], y);
    EXPECT_EQ(out.at("Z").data<float>()[i], y * static_cast<float>(i % 32) / 8.0f + x[i]);
  }
  EXPECT_TRUE(throws_error([&] { editor.opset(""); }, ErrorCode::InvalidArgument,
                           {"ModelEditor::opset", "moved from or already finalized"}));
  EXPECT_TRUE(throws_error([&] { editor.apply(changes); }, ErrorCode::InvalidArgument, {"ModelEditor::apply"}));
}

TEST(ModelEditor, EditsAModelFileAndKeepsItsOutputsUnlessTold) {
  const auto path = temp_path("relu.onnx");
  {
    const zrt::test::Bytes bytes = relu_model();
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  ModelEditor editor(path);
  std::filesystem::remove(path);
  // A node added before the existing ones: X is now computed from a new input.
  ModelBuilder changes({{"", 17}});
  changes.input<float>("X0", {"N", 32});
  changes.node("Neg", {"X0"}, {"X"});
  editor.apply(changes);  // outputs not declared: Y stays the only output
  ASSERT_EQ(editor.inputs().size(), 1u);
  EXPECT_EQ(editor.inputs()[0].name, "X0");
  const Session s = std::move(editor).finalize();
  ASSERT_EQ(s.output_count(), 1u);
  std::vector<float> x0(32);
  for (std::size_t i = 0; i < 32; ++i) x0[i] = static_cast<float>(i) - 16.0f;
  const zrt::Outputs out = s.run({TensorView(x0, {1, 32})});
  for (std::size_t i = 0; i < 32; ++i) EXPECT_EQ(out[0].data<float>()[i], std::max(-x0[i], 0.0f));
}

TEST(ModelEditor, ErrorsNameTheCall) {
  EXPECT_TRUE(throws_error([] { ModelEditor(temp_path("missing.onnx")); }, ErrorCode::NoSuchFile,
                           {"ModelEditor: model file not found", "missing.onnx"}));
  EXPECT_TRUE(throws_error([] { ModelEditor::from_bytes(std::span<const std::byte>()); }, ErrorCode::InvalidProtobuf,
                           {"ModelEditor::from_bytes: the model bytes are empty"}));
  ModelEditor editor = ModelEditor::from_bytes(relu_model());
  try {
    editor.opset("no.such.domain");
    ADD_FAILURE() << "an unknown domain has an opset";
  } catch (const zrt::Error& e) {
    EXPECT_NE(std::string(e.what()).find("ModelEditor::opset('no.such.domain')"), std::string::npos) << e.what();
  }
  {  // a node reading a value the model does not have
    ModelEditor e = ModelEditor::from_bytes(relu_model());
    ModelBuilder bad({{"", 17}});
    bad.node("Relu", {"Q"}, {"Z"});
    bad.output<float>("Y", {"N", 32}).output<float>("Z", {"N", 32});
    try {
      e.apply(bad);
      std::move(e).finalize();
      ADD_FAILURE() << "a node reading an unknown value was accepted";
    } catch (const zrt::Error& err) {
      const std::string message = err.what();
      EXPECT_TRUE(message.find("ModelEditor::apply") != std::string::npos ||
                  message.find("ModelEditor::finalize") != std::string::npos)
          << message;
      EXPECT_NE(message.find("Q"), std::string::npos) << message;
    }
  }
  {  // an output declared with another element type than the model gives it
    ModelEditor e = ModelEditor::from_bytes(relu_model());
    ModelBuilder bad({{"", 17}});
    bad.output<std::int64_t>("Y", {"N", 32});
    try {
      e.apply(bad);
      const Session s = std::move(e).finalize();
      ADD_FAILURE() << "declared int64, made " << s.output(0).to_string();
    } catch (const zrt::Error& err) {
      EXPECT_NE(std::string(err.what())
                    .find("ModelEditor::apply: output 'Y' is declared int64[N,32], but the model "
                          "makes it Y: tensor(float)[N,32]"),
                std::string::npos)
          << err.what();
    }
  }
}

}  // namespace
