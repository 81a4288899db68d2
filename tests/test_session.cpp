// zrt/session.hpp: loading, cached I/O info, metadata, running (every element type,
// strings, free dims, sequences, maps, optionals), Outputs reuse, threads, profiling.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "models/models.hpp"
#include "test_util.hpp"
#include "zrt/lane.hpp"
#include "zrt/prepared.hpp"
#include "zrt/session.hpp"

namespace {

using zrt::ElementType;
using zrt::ErrorCode;
using zrt::Input;
using zrt::Outputs;
using zrt::Session;
using zrt::SessionOptions;
using zrt::Shape;
using zrt::TensorView;
using zrt::Value;
using zrt::ValueKind;
using zrt::test::same_bytes;
using zrt::test::throws_error;
using zrt::test::to_vector;

// ---- every element type through Identity ----------------------------------------------

// Runs `values` through Identity declared [2,n] and checks type, shape and every byte.
template <typename T>
void expect_identity_round_trip(const std::vector<T>& values) {
  constexpr ElementType type = zrt::element_type_of<T>;
  SCOPED_TRACE(std::string(zrt::to_string(type)));
  ASSERT_EQ(values.size() % 2, 0u);
  const Session session = Session::from_bytes(zrt::test::identity(type, {2, "n"}));
  ASSERT_EQ(session.input(0).element_type, type);
  ASSERT_EQ(session.output(0).element_type, type);
  const Shape shape{2, static_cast<std::int64_t>(values.size() / 2)};
  Outputs out = session.run({TensorView<const T>(values, shape)});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].element_type(), type);
  EXPECT_EQ(out[0].shape(), shape);
  const std::span<const T> got = out[0].data<T>();
  ASSERT_EQ(got.size(), values.size());
  EXPECT_TRUE(same_bytes(got, std::span<const T>(values)));
  // Raw bytes agree too.
  EXPECT_TRUE(same_bytes(out[0].bytes(), std::as_bytes(std::span<const T>(values))));
}

template <typename T>
std::vector<T> integer_samples() {
  using L = std::numeric_limits<T>;
  return {L::min(), L::max(), T{0}, T{1}, static_cast<T>(L::max() / 3), static_cast<T>(L::min() / 5 + 1)};
}

template <typename F>
std::vector<F> float_samples() {
  using L = std::numeric_limits<F>;
  using U = std::conditional_t<sizeof(F) == 4, std::uint32_t, std::uint64_t>;
  // Quiet NaN with a payload, and a signalling-pattern NaN: Identity must keep the bits.
  U quiet_payload{};
  U negative_nan{};
  if constexpr (sizeof(F) == 4) {
    quiet_payload = 0x7FC12345u;
    negative_nan = 0xFFC00001u;
  } else {
    quiet_payload = 0x7FF8000000012345ull;
    negative_nan = 0xFFF8000000000001ull;
  }
  return {F{0},
          -F{0},
          F{1.5},
          F{-3.25},
          L::max(),
          L::lowest(),
          L::min(),
          L::denorm_min(),
          L::infinity(),
          -L::infinity(),
          L::quiet_NaN(),
          std::bit_cast<F>(quiet_payload),
          std::bit_cast<F>(negative_nan),
          F{1} / F{3}};
}

TEST(SessionElementTypes, Float) { expect_identity_round_trip(float_samples<float>()); }
TEST(SessionElementTypes, Double) { expect_identity_round_trip(float_samples<double>()); }
TEST(SessionElementTypes, Int8) { expect_identity_round_trip(integer_samples<std::int8_t>()); }
TEST(SessionElementTypes, Int16) { expect_identity_round_trip(integer_samples<std::int16_t>()); }
TEST(SessionElementTypes, Int32) { expect_identity_round_trip(integer_samples<std::int32_t>()); }
TEST(SessionElementTypes, Int64) { expect_identity_round_trip(integer_samples<std::int64_t>()); }
TEST(SessionElementTypes, UInt8) { expect_identity_round_trip(integer_samples<std::uint8_t>()); }
TEST(SessionElementTypes, UInt16) { expect_identity_round_trip(integer_samples<std::uint16_t>()); }
TEST(SessionElementTypes, UInt32) { expect_identity_round_trip(integer_samples<std::uint32_t>()); }
TEST(SessionElementTypes, UInt64) { expect_identity_round_trip(integer_samples<std::uint64_t>()); }

TEST(SessionElementTypes, Bool) {
  const std::vector<std::uint8_t> raw{1, 0, 0, 1, 1, 1};
  bool values[6];
  for (std::size_t i = 0; i < 6; ++i) values[i] = raw[i] != 0;
  const Session session = Session::from_bytes(zrt::test::identity(ElementType::Bool, {2, "n"}));
  Outputs out = session.run({TensorView<const bool>(std::span<const bool>(values), {2, 3})});
  ASSERT_EQ(out[0].element_type(), ElementType::Bool);
  const auto got = out[0].data<bool>();
  ASSERT_EQ(got.size(), 6u);
  for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(got[i], values[i]) << i;
}

TEST(SessionElementTypes, Float16) {
  std::vector<zrt::Float16> values;
  for (unsigned b : {0x0000u, 0x8000u, 0x3C00u, 0xC000u, 0x7BFFu, 0xFBFFu, 0x0001u, 0x03FFu, 0x0400u, 0x7C00u, 0xFC00u,
                     0x7E00u, 0x7E01u, 0xFD55u}) {
    values.push_back(zrt::Float16::from_bits(static_cast<std::uint16_t>(b)));
  }
  expect_identity_round_trip(values);
  // And values made from floats read back as the same floats.
  std::vector<zrt::Float16> from_floats;
  for (float f : {0.5f, -1.25f, 1024.0f, 0.099975586f}) from_floats.emplace_back(f);
  const Session session = Session::from_bytes(zrt::test::identity(ElementType::Float16, {2, "n"}));
  Outputs out = session.run({TensorView<const zrt::Float16>(from_floats, {2, 2})});
  const auto got = out[0].data<zrt::Float16>();
  EXPECT_EQ(got[0].to_float(), 0.5f);
  EXPECT_EQ(got[1].to_float(), -1.25f);
  EXPECT_EQ(got[2].to_float(), 1024.0f);
  EXPECT_EQ(got[3].bits, 0x2E66);
}

TEST(SessionElementTypes, BFloat16) {
  std::vector<zrt::BFloat16> values;
  for (unsigned b : {0x0000u, 0x8000u, 0x3F80u, 0xC000u, 0x7F7Fu, 0xFF7Fu, 0x0001u, 0x0080u, 0x7F80u, 0xFF80u, 0x7FC0u,
                     0x7FC1u, 0x4049u, 0xBEABu}) {
    values.push_back(zrt::BFloat16::from_bits(static_cast<std::uint16_t>(b)));
  }
  expect_identity_round_trip(values);
}

// Every one of the 256 bit patterns of each 8-bit float format comes back unchanged.
template <typename F8>
void expect_all_float8_patterns() {
  std::vector<F8> values(256);
  for (std::size_t i = 0; i < 256; ++i) values[i].bits = static_cast<std::uint8_t>(i);
  expect_identity_round_trip(values);
}
TEST(SessionElementTypes, Float8E4M3FN) { expect_all_float8_patterns<zrt::Float8E4M3FN>(); }
TEST(SessionElementTypes, Float8E4M3FNUZ) { expect_all_float8_patterns<zrt::Float8E4M3FNUZ>(); }
TEST(SessionElementTypes, Float8E5M2) { expect_all_float8_patterns<zrt::Float8E5M2>(); }
TEST(SessionElementTypes, Float8E5M2FNUZ) { expect_all_float8_patterns<zrt::Float8E5M2FNUZ>(); }

TEST(SessionElementTypes, String) {
  const std::vector<std::string> values{"", "a", "hello world", "ünïcødé ✓", std::string(5000, 'z'), "last"};
  const Session session = Session::from_bytes(zrt::test::identity(ElementType::String, {2, "n"}));
  EXPECT_EQ(session.input(0).element_type, ElementType::String);
  const Value in = Value::strings(values, {2, 3});
  Outputs out = session.run({in});
  EXPECT_EQ(out[0].element_type(), ElementType::String);
  EXPECT_EQ(out[0].shape(), (Shape{2, 3}));
  EXPECT_EQ(out[0].strings(), values);
  EXPECT_EQ(out[0].string_at(3), "ünïcødé ✓");
}

// ---- strings model, by StringTensor, across runs ----------------------------------------

TEST(Session, StringModel) {
  const Session session = Session::from_bytes(zrt::test::strings());
  ASSERT_EQ(session.input_count(), 1u);
  EXPECT_EQ(session.input(0).name, "text");
  EXPECT_EQ(session.input(0).type, "tensor(string)");
  EXPECT_EQ(session.input(0).symbolic_dims, (std::vector<std::string>{"n"}));
  EXPECT_EQ(session.output(0).name, "same");

  Outputs out = session.make_outputs();
  zrt::StringTensor first({"alpha", "beta"}, {2});
  session.run({first}, out);
  EXPECT_EQ(out[0].strings(), (std::vector<std::string>{"alpha", "beta"}));
  zrt::StringTensor second({"x", "", "zzz", "tail"}, {4});
  session.run({Input("text", second)}, out);
  EXPECT_EQ(out.at("same").strings(), (std::vector<std::string>{"x", "", "zzz", "tail"}));
}

// ---- I/O info ------------------------------------------------------------------------

TEST(Session, IoInfoWithSymbolicDims) {
  const Session session = Session::from_bytes(zrt::test::dynamic());
  ASSERT_EQ(session.input_count(), 1u);
  ASSERT_EQ(session.output_count(), 2u);
  const zrt::IoInfo& x = session.input(0);
  EXPECT_EQ(x.name, "X");
  EXPECT_EQ(x.kind, ValueKind::Tensor);
  EXPECT_EQ(x.element_type, ElementType::Float);
  EXPECT_EQ(x.shape, (Shape{-1, -1}));
  EXPECT_EQ(x.symbolic_dims, (std::vector<std::string>{"batch", "seq"}));
  EXPECT_FALSE(x.static_element_count.has_value());
  EXPECT_EQ(x.type, "tensor(float)");
  EXPECT_EQ(x.to_string(), "X: tensor(float)[batch,seq]");

  const zrt::IoInfo& s = session.output(1);
  EXPECT_EQ(s.name, "S");
  EXPECT_EQ(s.element_type, ElementType::Int64);
  EXPECT_EQ(s.shape, (Shape{2}));
  EXPECT_EQ(s.symbolic_dims, (std::vector<std::string>{""}));
  ASSERT_TRUE(s.static_element_count.has_value());
  EXPECT_EQ(*s.static_element_count, 2u);
  EXPECT_EQ(s.to_string(), "S: tensor(int64)[2]");

  EXPECT_EQ(session.inputs().size(), 1u);
  EXPECT_EQ(session.outputs().size(), 2u);
  EXPECT_EQ(session.outputs()[0].name, "Y");
  ASSERT_EQ(session.input_names().size(), 1u);
  EXPECT_STREQ(session.input_names()[0], "X");
  ASSERT_EQ(session.output_names().size(), 2u);
  EXPECT_STREQ(session.output_names()[0], "Y");
  EXPECT_STREQ(session.output_names()[1], "S");
  EXPECT_EQ(session.input_index("X"), 0u);
  EXPECT_EQ(session.output_index("S"), 1u);
  EXPECT_EQ(session.find_input("X"), std::optional<std::size_t>(0));
  EXPECT_EQ(session.find_input("Y"), std::nullopt);
  EXPECT_EQ(session.find_output("Y"), std::optional<std::size_t>(0));
  EXPECT_EQ(session.find_output("nope"), std::nullopt);
}

TEST(Session, IoInfoUnnamedFreeDimAndStaticShape) {
  const Session session = Session::from_bytes(zrt::test::identity(ElementType::Int32, {zrt::test::Dim::free(), 4}));
  const zrt::IoInfo& x = session.input(0);
  EXPECT_EQ(x.shape, (Shape{-1, 4}));
  EXPECT_EQ(x.symbolic_dims, (std::vector<std::string>{"", ""}));
  EXPECT_EQ(x.to_string(), "X: tensor(int32)[?,4]");

  const Session fixed = Session::from_bytes(zrt::test::add_constant());
  EXPECT_EQ(fixed.input(0).shape, (Shape{1, 16}));
  EXPECT_EQ(fixed.input(0).static_element_count, std::optional<std::size_t>(16));
  EXPECT_EQ(fixed.input(0).to_string(), "X: tensor(float)[1,16]");
}

TEST(Session, IoInfoOfSequencesMapsOptionals) {
  const Session seq = Session::from_bytes(zrt::test::sequence_optional());
  EXPECT_EQ(seq.output(0).name, "items");
  EXPECT_EQ(seq.output(0).kind, ValueKind::Sequence);
  EXPECT_EQ(seq.output(0).type, "seq(tensor(float))");
  EXPECT_EQ(seq.output(0).to_string(), "items: seq(tensor(float))");
  EXPECT_EQ(seq.output(1).name, "maybe");
  EXPECT_EQ(seq.output(1).kind, ValueKind::Optional);
  EXPECT_EQ(seq.output(1).type, "optional(tensor(float))");
  // An optional tensor is described by the tensor it may hold.
  EXPECT_EQ(seq.output(1).element_type, ElementType::Float);
  EXPECT_EQ(seq.output(1).shape, (Shape{2}));
  EXPECT_EQ(seq.output(1).static_element_count, std::optional<std::size_t>(2));
  EXPECT_EQ(seq.output(0).element_type, ElementType::Undefined);

  const Session zip = Session::from_bytes(zrt::test::zipmap());
  EXPECT_EQ(zip.output(0).kind, ValueKind::Sequence);
  EXPECT_EQ(zip.output(0).type, "seq(map(int64,tensor(float)))");
}

// ---- metadata ------------------------------------------------------------------------

TEST(Session, Metadata) {
  const Session session = Session::from_bytes(zrt::test::with_metadata());
  const zrt::ModelMetadata m = session.metadata();
  EXPECT_EQ(m.producer_name, zrt::test::kMetaProducer);
  EXPECT_EQ(m.graph_name, zrt::test::kMetaGraphName);
  EXPECT_EQ(m.graph_description, zrt::test::kMetaGraphDoc);
  EXPECT_EQ(m.domain, zrt::test::kMetaDomain);
  EXPECT_EQ(m.description, zrt::test::kMetaDoc);
  EXPECT_EQ(m.version, zrt::test::kMetaVersion);
  const std::map<std::string, std::string> expected{{"author", "zrt"}, {"license", "MIT"}, {"empty", ""}};
  EXPECT_EQ(m.custom, expected);
}

// A model without model_version: ORT reports its "no version" sentinel (INT64_MAX);
// zrt's ModelMetadata::version defaults to 0 and should read 0 here too.
TEST(Session, MetadataOfABareModel) {
  const Session session = Session::from_bytes(zrt::test::add_constant());
  const zrt::ModelMetadata m = session.metadata();
  EXPECT_EQ(m.producer_name, "");
  EXPECT_EQ(m.graph_name, "add_constant");
  EXPECT_EQ(m.domain, "");
  EXPECT_EQ(m.version, 0);
  EXPECT_TRUE(m.custom.empty());
}

// ---- running -------------------------------------------------------------------------

std::vector<float> add_constant_input(float scale) {
  std::vector<float> x(16);
  for (std::size_t i = 0; i < 16; ++i) x[i] = scale * static_cast<float>(i) - 1.0f;
  return x;
}

void expect_add_constant_output(const Value& y, const std::vector<float>& x) {
  ASSERT_EQ(y.shape(), (Shape{1, 16}));
  const auto got = y.data<float>();
  for (std::size_t i = 0; i < 16; ++i) EXPECT_EQ(got[i], x[i] + zrt::test::add_constant_c(i)) << i;
}

TEST(Session, AddConstantConvenienceRun) {
  const Session session = Session::from_bytes(zrt::test::add_constant());
  const auto x = add_constant_input(2.0f);
  const Outputs out = session.run({TensorView<const float>(x, {1, 16})});
  ASSERT_EQ(out.size(), 1u);
  expect_add_constant_output(out[0], x);
  expect_add_constant_output(out.at(0), x);
  expect_add_constant_output(out.at("Y"), x);
  std::size_t n = 0;
  for (const Value& v : out) n += v.empty() ? 0u : 1u;
  EXPECT_EQ(n, 1u);
}

TEST(Session, OutputsReusedAcrossRuns) {
  const Session session = Session::from_bytes(zrt::test::add_constant());
  Outputs out = session.make_outputs();
  EXPECT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].empty());
  for (int r = 0; r < 5; ++r) {
    const auto x = add_constant_input(static_cast<float>(r) + 0.25f);
    session.run({TensorView<const float>(x, {1, 16})}, out);
    expect_add_constant_output(out[0], x);
  }
  // A fresh, default-constructed Outputs is sized by the first run.
  Outputs blank;
  const auto x = add_constant_input(-3.0f);
  session.run({TensorView<const float>(x, {1, 16})}, blank);
  ASSERT_EQ(blank.size(), 1u);
  expect_add_constant_output(blank[0], x);
}

// Fixed-shape outputs are written in place on later runs: the same buffer each time.
TEST(Session, StaticOutputSlotIsReusedInPlace) {
  const Session session = Session::from_bytes(zrt::test::add_constant());
  Outputs out = session.make_outputs();
  const auto x1 = add_constant_input(1.0f);
  session.run({TensorView<const float>(x1, {1, 16})}, out);
  const float* first = out[0].data<float>().data();
  const auto x2 = add_constant_input(2.0f);
  session.run({TensorView<const float>(x2, {1, 16})}, out);
  EXPECT_EQ(out[0].data<float>().data(), first);
  expect_add_constant_output(out[0], x2);
}

// Identity may hand the input buffer through as the output. Such a slot must not be
// reused: the next run would write into the previous run's input (the caller's memory).
TEST(Session, PassThroughOutputNeverWritesIntoAnEarlierInput) {
  const Session session = Session::from_bytes(zrt::test::identity(ElementType::Float, {2, 3}));
  Outputs out = session.make_outputs();
  const std::vector<float> a{1, 2, 3, 4, 5, 6};
  const std::vector<float> b{-1, -2, -3, -4, -5, -6};
  std::vector<float> a_copy = a;
  session.run({TensorView<const float>(a_copy, {2, 3})}, out);
  EXPECT_EQ(to_vector(out[0].data<float>()), a);
  session.run({TensorView<const float>(b, {2, 3})}, out);
  EXPECT_EQ(to_vector(out[0].data<float>()), b);
  EXPECT_EQ(a_copy, a) << "the second run wrote into the first run's input";
}

TEST(Session, TakeAnOutputThenRunAgain) {
  const Session session = Session::from_bytes(zrt::test::add_constant());
  Outputs out = session.make_outputs();
  const auto x1 = add_constant_input(1.0f);
  session.run({TensorView<const float>(x1, {1, 16})}, out);
  Value kept = out.take(0);
  EXPECT_TRUE(out[0].empty());
  const auto x2 = add_constant_input(5.0f);
  session.run({TensorView<const float>(x2, {1, 16})}, out);
  expect_add_constant_output(out[0], x2);
  expect_add_constant_output(kept, x1);  // the taken value is ours and unchanged
}

// ---- ORT values over TensorView inputs, kept in Outputs --------------------------------
// A view with the same memory, shape and type as last run reuses last run's ORT value;
// any change of the three makes a new one. Either way the results are this run's.

TEST(SessionViewInputs, SameMemoryFollowsItsNewContents) {
  const Session session = Session::from_bytes(zrt::test::add_constant());
  Outputs out = session.make_outputs();
  std::vector<float> x(16);
  const TensorView<const float> kept(x, {1, 16});  // one view for every run
  for (int r = 0; r < 4; ++r) {
    const auto next = add_constant_input(static_cast<float>(r) - 1.5f);
    std::copy(next.begin(), next.end(), x.begin());  // same memory, new contents
    session.run({kept}, out);
    expect_add_constant_output(out[0], x);
    // A new view over the same memory, as the README writes it, is the same input.
    session.run({TensorView(x, {1, 16})}, out);
    expect_add_constant_output(out[0], x);
  }
}

TEST(SessionViewInputs, OtherMemory) {
  const Session session = Session::from_bytes(zrt::test::add_constant());
  Outputs out = session.make_outputs();
  const auto a = add_constant_input(1.0f);
  const auto b = add_constant_input(-2.0f);
  for (const std::vector<float>* x : {&a, &b, &a, &a, &b}) {
    session.run({TensorView(*x, {1, 16})}, out);
    expect_add_constant_output(out[0], *x);
  }
}

// Memory freed and allocated again (often at the same address) with other contents.
TEST(SessionViewInputs, FreedAndReallocatedMemory) {
  const Session session = Session::from_bytes(zrt::test::add_constant());
  Outputs out = session.make_outputs();
  for (int r = 0; r < 6; ++r) {
    auto x = std::make_unique<std::vector<float>>(add_constant_input(static_cast<float>(r) * 0.5f + 0.25f));
    session.run({TensorView<const float>(*x, {1, 16})}, out);
    expect_add_constant_output(out[0], *x);
  }
}

TEST(SessionViewInputs, OtherShapeOfTheSameMemory) {
  const Session session = Session::from_bytes(zrt::test::dynamic());
  Outputs out = session.make_outputs();
  std::vector<float> x(12);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i) - 5.0f;
  for (const Shape& shape : {Shape{3, 4}, Shape{4, 3}, Shape{3, 4}, Shape{12, 1}, Shape{1, 12}, Shape{2, 6}}) {
    session.run({TensorView<const float>(x, shape)}, out);
    ASSERT_EQ(out[0].shape(), shape);
    EXPECT_EQ(to_vector(out.at("S").data<std::int64_t>()), shape.to_vector());
    const auto y = out[0].data<float>();
    for (std::size_t i = 0; i < x.size(); ++i) EXPECT_EQ(y[i], 2.0f * x[i]) << i;
  }
  // A shorter view of the same memory (same address, fewer bytes).
  session.run({TensorView<const float>(std::span<const float>(x).first(6), {2, 3})}, out);
  ASSERT_EQ(out[0].shape(), (Shape{2, 3}));
  EXPECT_EQ(to_vector(out[0].data<float>()), (std::vector<float>{-10, -8, -6, -4, -2, 0}));
}

// The same bytes viewed as another element type: a model input's type is fixed, so it
// is refused at that input, and taken by a session whose input has that type.
TEST(SessionViewInputs, OtherTypeOfTheSameMemory) {
  const Session floats = Session::from_bytes(zrt::test::identity(ElementType::Float, {2, 3}));
  const Session ints = Session::from_bytes(zrt::test::identity(ElementType::Int32, {2, 3}));
  Outputs out = floats.make_outputs();
  std::vector<std::int32_t> bits{1, -2, 3, 0x3f800000, 5, -6};
  const std::span<const float> as_float(reinterpret_cast<const float*>(bits.data()), bits.size());
  const std::span<const std::int32_t> as_int(bits);
  floats.run({TensorView<const float>(as_float, {2, 3})}, out);
  EXPECT_TRUE(same_bytes(out[0].data<float>(), as_int));
  EXPECT_TRUE(throws_error(
      [&] {
        floats.run({TensorView<const std::int32_t>(as_int, {2, 3})}, out);
      },
      ErrorCode::InvalidArgument, {"element type", "float", "int32"}));
  ints.run({TensorView<const std::int32_t>(as_int, {2, 3})}, out);  // the same Outputs, other session
  EXPECT_EQ(out[0].element_type(), ElementType::Int32);
  EXPECT_EQ(to_vector(out[0].data<std::int32_t>()), bits);
  bits[0] = 0x40000000;  // 2.0f
  floats.run({TensorView<const float>(as_float, {2, 3})}, out);
  EXPECT_EQ(out[0].element_type(), ElementType::Float);
  EXPECT_EQ(out[0].data<float>()[0], 2.0f);
  EXPECT_TRUE(same_bytes(out[0].data<float>(), as_int));
}

// Named inputs in another order each run: the kept values follow the model input, not
// the argument's position.
TEST(SessionViewInputs, NamedInputsInAnyOrder) {
  const Session session = Session::from_bytes(zrt::test::multi_io());
  Outputs out = session.make_outputs();
  std::vector<float> a{1, 2, 3, 4, 5, 6};
  std::vector<std::int64_t> b{10, 20, 30, 40, 50, 60};
  std::vector<double> d{1, 2, 3};
  for (int r = 0; r < 3; ++r) {
    a[0] = static_cast<float>(r);
    if (r % 2 == 0) {
      session.run(
          {Input("a", TensorView(a, {2, 3})), Input("b", TensorView(b, {2, 3})), Input("d", TensorView(d, {3}))}, out);
    } else {
      session.run(
          {Input("d", TensorView(d, {3})), Input("b", TensorView(b, {2, 3})), Input("a", TensorView(a, {2, 3}))}, out);
    }
    EXPECT_EQ(to_vector(out.at("sum").data<float>()),
              (std::vector<float>{static_cast<float>(r) + 10, 22, 33, 44, 55, 66}));
    EXPECT_EQ(to_vector(out.at("twice").data<std::int64_t>()), (std::vector<std::int64_t>{20, 40, 60, 80, 100, 120}));
    EXPECT_EQ(to_vector(out.at("d_neg").data<double>()), (std::vector<double>{-1, -2, -3}));
  }
}

// ---- symbolic dims shared by inputs ---------------------------------------------------

// y = input + h: "batch" is input's dim 0 and h's dim 1.
zrt::test::Bytes shared_batch_model() {
  return zrt::test::from_text(
      "<ir_version: 8, opset_import: [\"\" : 17]>\n"
      "shared (float[batch,4] input, float[2,batch,4] h) => (float[2,batch,4] y) {\n  y = Add(input, h)\n}\n");
}

TEST(SessionSharedDims, AgreeingDimsRun) {
  const Session session = Session::from_bytes(shared_batch_model());
  std::vector<float> input(12), h(24);
  for (std::size_t i = 0; i < input.size(); ++i) input[i] = static_cast<float>(i);
  for (std::size_t i = 0; i < h.size(); ++i) h[i] = 100.0f * static_cast<float>(i);
  const Outputs out = session.run({TensorView(input, {3, 4}), TensorView(h, {2, 3, 4})});
  ASSERT_EQ(out[0].shape(), (Shape{2, 3, 4}));
  const auto y = out[0].data<float>();
  for (std::size_t i = 0; i < y.size(); ++i) EXPECT_EQ(y[i], h[i] + input[i % 12]) << i;
}

TEST(SessionSharedDims, DisagreeingDimsNameBothInputs) {
  const Session session = Session::from_bytes(shared_batch_model());
  std::vector<float> input(16), h(16);
  Outputs out = session.make_outputs();
  EXPECT_TRUE(throws_error(
      [&] {
        session.run({TensorView(input, {4, 4}), TensorView(h, {2, 2, 4})}, out);
      },
      ErrorCode::InvalidArgument,
      {"Session::run: symbolic dim 'batch' differs: input 'input' dim 0 is 4, input 'h' dim 1 is 2"}));
  // As Values, and named in the other order.
  const Value vi = Value::tensor_copy<float>(input, {4, 4});
  const Value vh = Value::tensor_copy<float>(h, {2, 2, 4});
  EXPECT_TRUE(throws_error(
      [&] {
        session.run({Input("h", vh), Input("input", vi)}, out);
      },
      ErrorCode::InvalidArgument,
      {"symbolic dim 'batch' differs", "input 'input' dim 0 is 4", "input 'h' dim 1 is 2"}));
  // The session is still usable.
  session.run({TensorView(std::span<float>(input).first(8), {2, 4}), TensorView(h, {2, 2, 4})}, out);
  EXPECT_EQ(out[0].shape(), (Shape{2, 2, 4}));
}

TEST(SessionSharedDims, OneInputTwice) {
  const Session session =
      Session::from_bytes(zrt::test::from_text("<ir_version: 8, opset_import: [\"\" : 17]>\n"
                                               "square (float[n,n] m) => (float[n,n] t) {\n  t = Transpose(m)\n}\n"));
  const std::vector<float> m{1, 2, 3, 4, 5, 6};
  EXPECT_TRUE(throws_error(
      [&] {
        (void)session.run({TensorView(m, {2, 3})});
      },
      ErrorCode::InvalidArgument, {"symbolic dim 'n' differs: input 'm' dim 0 is 2, input 'm' dim 1 is 3"}));
  const Outputs out = session.run({TensorView(std::span<const float>(m).first(4), {2, 2})});
  EXPECT_EQ(to_vector(out[0].data<float>()), (std::vector<float>{1, 3, 2, 4}));
}

TEST(SessionSharedDims, PreparedRunsCheckThemAtSetup) {
  const Session session = Session::from_bytes(shared_batch_model());
  std::vector<float> input(12), h(16);
  EXPECT_TRUE(throws_error(
      [&] {
        zrt::PreparedRun run(session, {TensorView(input, {3, 4}), TensorView(h, {2, 2, 4})});
      },
      ErrorCode::InvalidArgument,
      {"PreparedRun: symbolic dim 'batch' differs: input 'input' dim 0 is 3, input 'h' dim 1 is 2"}));
}

TEST(SessionSharedDims, LanesCheckThemAtSetup) {
  const Session session = Session::from_bytes(shared_batch_model());
  EXPECT_TRUE(throws_error(
      [&] {
        (void)session.make_lane({{3, 4}, {2, 5, 4}}, {{2, 3, 4}});
      },
      ErrorCode::InvalidArgument,
      {"Lane", "symbolic dim 'batch' differs: input 'input' dim 0 is 3, input 'h' dim 1 is 5"}));
}

TEST(Session, InputsAsValues) {
  const Session session = Session::from_bytes(zrt::test::add_constant());
  const auto x = add_constant_input(0.5f);
  const Value copy = Value::tensor_copy<float>(x, {1, 16});
  expect_add_constant_output(session.run({copy})[0], x);
  expect_add_constant_output(session.run({Input("X", copy)})[0], x);
}

// An Outputs that served one session is passed to another with as many outputs: its
// slots must not be handed to ORT as preallocated outputs of the other model.
TEST(Session, OneOutputsObjectForTwoSessions) {
  const Session add = Session::from_bytes(zrt::test::add_constant());
  const Session ident = Session::from_bytes(zrt::test::identity(ElementType::Float, {2, 3}));
  Outputs out;
  const auto x = add_constant_input(1.0f);
  add.run({TensorView<const float>(x, {1, 16})}, out);
  expect_add_constant_output(out[0], x);
  const std::vector<float> y{1, 2, 3, 4, 5, 6};
  ident.run({TensorView<const float>(y, {2, 3})}, out);
  EXPECT_EQ(out[0].shape(), (Shape{2, 3}));
  EXPECT_EQ(to_vector(out[0].data<float>()), y);
  EXPECT_EQ(to_vector(out.at("Y").data<float>()), y);
}

TEST(Session, DynamicDimsOneSessionManyShapes) {
  const Session session = Session::from_bytes(zrt::test::dynamic());
  Outputs out = session.make_outputs();
  for (std::int64_t batch : {1, 3, 7, 2}) {
    for (std::int64_t seq : {1, 5}) {
      std::vector<float> x(static_cast<std::size_t>(batch * seq));
      for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i) * 0.75f - 2.0f;
      session.run({TensorView<const float>(x, {batch, seq})}, out);
      ASSERT_EQ(out[0].shape(), (Shape{batch, seq}));
      const auto y = out[0].data<float>();
      ASSERT_EQ(y.size(), x.size());
      for (std::size_t i = 0; i < x.size(); ++i) EXPECT_EQ(y[i], 2.0f * x[i]);
      EXPECT_EQ(to_vector(out.at("S").data<std::int64_t>()), (std::vector<std::int64_t>{batch, seq}));
    }
  }
}

TEST(Session, EmptyTensors) {
  const Session session = Session::from_bytes(zrt::test::identity(ElementType::Float, {"n", 3}));
  Outputs out = session.run({TensorView<const float>(nullptr, 0, {0, 3})});
  EXPECT_EQ(out[0].shape(), (Shape{0, 3}));
  EXPECT_EQ(out[0].element_count(), 0u);
  EXPECT_TRUE(out[0].data<float>().empty());
  const Session strings = Session::from_bytes(zrt::test::strings());
  const zrt::StringTensor none(Shape{0});
  EXPECT_TRUE(strings.run({none})[0].strings().empty());
}

TEST(Session, ScalarInput) {
  const Session session = Session::from_bytes(zrt::test::identity(ElementType::Int64, {}));
  EXPECT_EQ(session.input(0).shape, Shape{});
  EXPECT_EQ(session.input(0).static_element_count, std::optional<std::size_t>(1));
  EXPECT_EQ(session.input(0).to_string(), "X: tensor(int64)[]");
  const std::int64_t v = -42;
  Outputs out = session.run({TensorView<const std::int64_t>(&v, 1, Shape{})});
  EXPECT_EQ(out[0].shape(), Shape{});
  EXPECT_EQ(out[0].data<std::int64_t>()[0], -42);
  // A rank-1 tensor for the scalar input is refused with the input's name.
  const std::vector<std::int64_t> two{1, 2};
  EXPECT_TRUE(throws_error([&] { (void)session.run({TensorView<const std::int64_t>(two, {2})}); },
                           ErrorCode::InvalidArgument, {"X"}));
  out = session.run({TensorView<const std::int64_t>(&v, 1, Shape{})});
  EXPECT_EQ(out[0].data<std::int64_t>()[0], -42);
}

// A model input declared without any shape accepts every rank.
TEST(Session, UnrankedInput) {
  const Session session = Session::from_bytes(zrt::test::identity_unranked(ElementType::Float));
  EXPECT_EQ(session.input(0).kind, ValueKind::Tensor);
  EXPECT_EQ(session.input(0).element_type, ElementType::Float);
  const float scalar = 2.5f;
  EXPECT_EQ(session.run({TensorView<const float>(&scalar, 1, Shape{})})[0].data<float>()[0], 2.5f);
  const std::vector<float> three{1, 2, 3};
  Outputs out = session.run({TensorView<const float>(three, {3, 1})});
  EXPECT_EQ(out[0].shape(), (Shape{3, 1}));
  EXPECT_EQ(to_vector(out[0].data<float>()), three);
}

TEST(Session, RankAboveTheInlineShape) {
  std::vector<zrt::test::Dim> dims;
  std::vector<std::int64_t> concrete;
  for (int d = 0; d < 10; ++d) {
    dims.emplace_back(d == 3 ? zrt::test::Dim("wide") : zrt::test::Dim(d % 3 == 0 ? 2 : 1));
    concrete.push_back(d == 3 ? 3 : (d % 3 == 0 ? 2 : 1));
  }
  const Session session = Session::from_bytes(zrt::test::identity(ElementType::Int16, dims));
  EXPECT_EQ(session.input(0).shape.rank(), 10u);
  EXPECT_EQ(session.input(0).symbolic_dims[3], "wide");
  EXPECT_EQ(session.input(0).to_string(), "X: tensor(int16)[2,1,1,wide,1,1,2,1,1,2]");
  const Shape shape(concrete);
  std::vector<std::int16_t> x(shape.element_count());
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<std::int16_t>(i * 7 - 100);
  Outputs out = session.run({TensorView<const std::int16_t>(x, shape)});
  EXPECT_EQ(out[0].shape(), shape);
  EXPECT_EQ(to_vector(out[0].data<std::int16_t>()), x);
}

TEST(Session, MlpExact) {
  const Session session = Session::from_bytes(zrt::test::mlp(), SessionOptions{}.intra_op_threads(1));
  EXPECT_EQ(session.input(0).to_string(), "x: tensor(float)[batch,784]");
  EXPECT_EQ(session.output(0).to_string(), "logits: tensor(float)[batch,10]");
  for (std::size_t batch : {1u, 5u}) {
    const auto x = zrt::test::mlp_input(batch, batch);
    const auto expected = zrt::test::mlp_reference(x, batch);
    const Outputs out = session.run({TensorView<const float>(x, {static_cast<std::int64_t>(batch), 784})});
    ASSERT_EQ(out[0].shape(), (Shape{static_cast<std::int64_t>(batch), 10}));
    EXPECT_EQ(to_vector(out[0].data<float>()), expected);
  }
}

TEST(Session, MultiInputMultiOutputMixedTypes) {
  const Session session = Session::from_bytes(zrt::test::multi_io());
  ASSERT_EQ(session.input_count(), 3u);
  ASSERT_EQ(session.output_count(), 4u);
  EXPECT_EQ(session.input(1).element_type, ElementType::Int64);
  EXPECT_EQ(session.input(2).element_type, ElementType::Double);
  EXPECT_EQ(session.output(2).element_type, ElementType::Bool);

  const std::vector<float> a{-1.5f, 0.0f, 2.25f, 3.0f, -0.5f, 8.0f};
  const std::vector<std::int64_t> b{1, -2, 3, 4000000000LL, 0, -7};
  const std::vector<double> d{0.1, -0.2, 1e300};
  auto check = [&](const Outputs& out) {
    EXPECT_EQ(to_vector(out.at("sum").data<float>()),
              // 4e9 + 3 rounds to 4e9 in float (spacing 256 there).
              (std::vector<float>{-0.5f, -2.0f, 5.25f, 4000000000.0f, -0.5f, 1.0f}));
    EXPECT_EQ(to_vector(out.at("twice").data<std::int64_t>()),
              (std::vector<std::int64_t>{2, -4, 6, 8000000000LL, 0, -14}));
    const auto positive = out.at("positive").data<bool>();
    const bool expected_positive[] = {false, false, true, true, false, true};
    ASSERT_EQ(positive.size(), 6u);
    for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(positive[i], expected_positive[i]) << i;
    EXPECT_EQ(to_vector(out.at("d_neg").data<double>()), (std::vector<double>{-0.1, 0.2, -1e300}));
  };
  const TensorView<const float> va(a, {2, 3});
  const TensorView<const std::int64_t> vb(b, {2, 3});
  const TensorView<const double> vd(d, {3});
  check(session.run({va, vb, vd}));
  // By name, in any order.
  check(session.run({Input("d", vd), Input("a", va), Input("b", vb)}));
  Outputs out = session.make_outputs();
  session.run({Input("b", vb), Input("d", vd), Input("a", va)}, out);
  check(out);
}

TEST(Session, SequenceAndOptionalOutputs) {
  const Session session = Session::from_bytes(zrt::test::sequence_optional());
  const std::vector<float> x{1.5f, -2.5f};
  const std::vector<float> y{3.0f, 4.0f, 5.0f};
  Outputs out = session.run({TensorView<const float>(x, {2}), TensorView<const float>(y, {3})});
  const Value& items = out.at("items");
  ASSERT_EQ(items.kind(), ValueKind::Sequence);
  ASSERT_EQ(items.sequence_size(), 2u);
  const Value first = items.sequence_at(0);
  const Value second = items.sequence_at(1);
  EXPECT_EQ(first.shape(), (Shape{2}));
  EXPECT_EQ(to_vector(first.data<float>()), x);
  EXPECT_EQ(to_vector(second.data<float>()), y);

  const Value& maybe = out.at("maybe");
  ASSERT_FALSE(maybe.empty());
  EXPECT_TRUE(maybe.has_value());
  EXPECT_EQ(to_vector(maybe.data<float>()), x);
}

TEST(Session, OptionalInputTakesATensor) {
  const Session session = Session::from_bytes(zrt::test::optional_input());
  const zrt::IoInfo& maybe = session.input(0);
  EXPECT_EQ(maybe.kind, ValueKind::Optional);
  EXPECT_EQ(maybe.type, "optional(tensor(float))");
  EXPECT_EQ(maybe.element_type, ElementType::Float);
  EXPECT_EQ(maybe.shape, (Shape{2}));
  const std::vector<float> x{7.5f, -1.0f};
  Outputs out = session.run({TensorView<const float>(x, {2})});
  ASSERT_EQ(out.at("has").element_count(), 1u);
  EXPECT_TRUE(out.at("has").data<bool>()[0]);
  EXPECT_EQ(to_vector(out.at("value").data<float>()), x);
  // The contained tensor's type and dims are checked like a tensor input's.
  const std::vector<double> wrong{1, 2};
  EXPECT_TRUE(throws_error([&] { (void)session.run({TensorView<const double>(wrong, {2})}); },
                           ErrorCode::InvalidArgument, {"'maybe'", "index 0", "float", "double"}));
  const std::vector<float> three{1, 2, 3};
  EXPECT_TRUE(throws_error([&] { (void)session.run({TensorView<const float>(three, {3})}); },
                           ErrorCode::InvalidArgument, {"'maybe'", "dim 0", "2", "got 3"}));
}

TEST(Session, ZipMapSequenceOfMaps) {
  const Session session = Session::from_bytes(zrt::test::zipmap());
  const std::vector<float> scores{0.1f, 0.2f, 0.7f, 0.5f, 0.25f, 0.25f};
  Outputs out = session.run({TensorView<const float>(scores, {2, 3})});
  const Value& zipped = out[0];
  ASSERT_EQ(zipped.kind(), ValueKind::Sequence);
  ASSERT_EQ(zipped.sequence_size(), 2u);
  for (std::size_t row = 0; row < 2; ++row) {
    const Value map = zipped.sequence_at(row);
    ASSERT_EQ(map.kind(), ValueKind::Map);
    const Value keys = map.map_keys();
    const Value values = map.map_values();
    EXPECT_EQ(to_vector(keys.data<std::int64_t>()), (std::vector<std::int64_t>{10, 20, 30}));
    EXPECT_EQ(to_vector(values.data<float>()),
              (std::vector<float>{scores[row * 3], scores[row * 3 + 1], scores[row * 3 + 2]}));
  }
}

// ---- loading -------------------------------------------------------------------------

TEST(Session, FromFileWithAndWithoutEnvironment) {
  zrt::test::TempDir dir;
  const auto path = dir.write("add.onnx", zrt::test::add_constant());
  const auto x = add_constant_input(3.0f);
  zrt::Environment env;
  const Session with_env(env, path, SessionOptions{}.intra_op_threads(1));
  EXPECT_EQ(with_env.environment().handle(), env.handle());
  expect_add_constant_output(with_env.run({TensorView<const float>(x, {1, 16})})[0], x);
  const Session plain(path);
  expect_add_constant_output(plain.run({TensorView<const float>(x, {1, 16})})[0], x);
  EXPECT_NE(plain.handle(), with_env.handle());
}

TEST(Session, CopiesShareTheModel) {
  const Session a = Session::from_bytes(zrt::test::add_constant());
  const Session b = a;  // NOLINT(performance-unnecessary-copy-initialization)
  EXPECT_EQ(a.handle(), b.handle());
  EXPECT_EQ(a.state(), b.state());
}

TEST(Session, SessionOptionsVariants) {
  const auto x = zrt::test::mlp_input(2, 7);
  const auto expected = zrt::test::mlp_reference(x, 2);
  const SessionOptions variants[] = {
      SessionOptions{}.optimization_level(zrt::OptimizationLevel::Disabled),
      SessionOptions{}.optimization_level(zrt::OptimizationLevel::Basic).intra_op_threads(2),
      SessionOptions{}.execution_mode(zrt::ExecutionMode::Parallel).log_id("variant"),
      SessionOptions{}.log_level(zrt::LogLevel::Error).cpu_arena(false).memory_pattern(false),
      SessionOptions{}.intra_op_spinning(false).inter_op_spinning(false),
      SessionOptions{}.free_dim("batch", 2).config("session.disable_prepacking", "1"),
  };
  for (const SessionOptions& options : variants) {
    const Session session = Session::from_bytes(zrt::test::mlp(), options);
    const Outputs out = session.run({TensorView<const float>(x, {2, 784})});
    EXPECT_EQ(to_vector(out[0].data<float>()), expected);
  }
  EXPECT_TRUE(throws_error([&] { (void)Session::from_bytes(zrt::test::mlp(), SessionOptions{}.intra_op_threads(-1)); },
                           ErrorCode::InvalidArgument, {"intra_op_threads", "-1"}));
}

TEST(Session, OptimizedModelIsWritten) {
  zrt::test::TempDir dir;
  const auto optimized = dir.path() / "optimized.onnx";
  SessionOptions options;
  options.optimized_model_path(optimized.string());
  const Session session = Session::from_bytes(zrt::test::mlp(), options);
  ASSERT_TRUE(std::filesystem::exists(optimized));
  EXPECT_GT(std::filesystem::file_size(optimized), 784u * 128u * 4u);
  // The optimized model loads and computes the same.
  const Session reloaded(optimized);
  const auto x = zrt::test::mlp_input(1, 3);
  EXPECT_EQ(to_vector(reloaded.run({TensorView<const float>(x, {1, 784})})[0].data<float>()),
            zrt::test::mlp_reference(x, 1));
}

// ---- threads -------------------------------------------------------------------------

TEST(Session, ManyThreadsOneSession) {
  const Session session = Session::from_bytes(zrt::test::mlp(), SessionOptions{}.intra_op_threads(1));
  constexpr int kThreads = 4;
  constexpr int kRuns = 25;
  std::atomic<int> mismatches{0};
  std::atomic<int> errors{0};
  std::atomic<int> runs{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Outputs out = session.make_outputs();  // one per thread
      for (int r = 0; r < kRuns; ++r) {
        const std::size_t batch = 1 + static_cast<std::size_t>((t + r) % 3);
        const auto x = zrt::test::mlp_input(batch, static_cast<std::size_t>(t * 1000 + r));
        const auto expected = zrt::test::mlp_reference(x, batch);
        try {
          session.run({TensorView<const float>(x, {static_cast<std::int64_t>(batch), 784})}, out);
          const auto got = out[0].data<float>();
          if (!std::equal(got.begin(), got.end(), expected.begin(), expected.end())) ++mismatches;
          ++runs;
        } catch (const std::exception&) {
          ++errors;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_EQ(runs.load(), kThreads * kRuns);
}

TEST(Session, ManyThreadsTheirOwnSessionCopies) {
  const Session original = Session::from_bytes(zrt::test::add_constant());
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&bad, copy = original, t] {
      Outputs out;
      for (int r = 0; r < 50; ++r) {
        const auto x = add_constant_input(static_cast<float>(t * 100 + r));
        copy.run({TensorView<const float>(x, {1, 16})}, out);
        const auto y = out[0].data<float>();
        for (std::size_t i = 0; i < 16; ++i) {
          if (y[i] != x[i] + zrt::test::add_constant_c(i)) ++bad;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(bad.load(), 0);
}

// ---- profiling -----------------------------------------------------------------------

TEST(Session, Profiling) {
  zrt::test::TempDir dir;
  SessionOptions options;
  options.profiling_prefix((dir.path() / "zrt_profile").string());
  Session session = Session::from_bytes(zrt::test::add_constant(), options);
  EXPECT_GT(session.profiling_start_time_ns(), 0u);
  const auto x = add_constant_input(1.0f);
  for (int i = 0; i < 3; ++i) expect_add_constant_output(session.run({TensorView<const float>(x, {1, 16})})[0], x);
  const std::filesystem::path trace = session.end_profiling();
  ASSERT_FALSE(trace.empty());
  ASSERT_TRUE(std::filesystem::exists(trace)) << trace;
  EXPECT_EQ(trace.filename().string().rfind("zrt_profile", 0), 0u) << trace;
  std::ifstream in(trace);
  const std::string json((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(json.empty());
  EXPECT_EQ(json.front(), '[');
  EXPECT_NE(json.find("\"name\""), std::string::npos);
  EXPECT_NE(json.find("\"dur\""), std::string::npos);
  // The trace file is ORT's to write; the folder is removed with the TempDir.
}

TEST(Session, NoProfilingByDefault) {
  const Session session = Session::from_bytes(zrt::test::add_constant());
  EXPECT_EQ(session.profiling_start_time_ns(), 0u);
}

}  // namespace
