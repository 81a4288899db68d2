// zrt/value.hpp: TensorView, Value (tensors, strings, sequences, maps), StringTensor.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "models/models.hpp"
#include "test_util.hpp"
#include "zrt/memory.hpp"
#include "zrt/session.hpp"
#include "zrt/value.hpp"

namespace {

using zrt::ElementType;
using zrt::ErrorCode;
using zrt::Shape;
using zrt::StringTensor;
using zrt::TensorView;
using zrt::Value;
using zrt::ValueKind;
using zrt::test::throws_error;

// ---- TensorView ----------------------------------------------------------------------

TEST(TensorView, ViewsCallerMemory) {
  std::vector<float> data{1, 2, 3, 4, 5, 6};
  const TensorView<float> view(data, {2, 3});
  EXPECT_EQ(view.data().data(), data.data());
  EXPECT_EQ(view.data().size(), 6u);
  EXPECT_EQ(view.shape(), (Shape{2, 3}));
  static_assert(TensorView<float>::element_type() == ElementType::Float);
  static_assert(TensorView<const std::int64_t>::element_type() == ElementType::Int64);

  const std::vector<std::int64_t> ints{7, 8};
  const TensorView<const std::int64_t> cview(ints, {2});
  EXPECT_EQ(cview.data()[1], 8);
  const TensorView<const std::int64_t> pview(ints.data(), ints.size(), {1, 2});
  EXPECT_EQ(pview.shape(), (Shape{1, 2}));
}

TEST(TensorView, DeductionGuide) {
  std::vector<double> d(4);
  TensorView v(d, Shape{4});
  static_assert(std::is_same_v<decltype(v), TensorView<double>>);
  const std::vector<double> cd(4);
  TensorView cv(cd, Shape{2, 2});
  static_assert(std::is_same_v<decltype(cv), TensorView<const double>>);
  std::array<std::int32_t, 3> a{};
  TensorView av(a, Shape{3});
  static_assert(std::is_same_v<decltype(av), TensorView<std::int32_t>>);
  EXPECT_EQ(av.data().size(), 3u);
  // A braced shape deduces too (it once gave 64 lines of errors).
  std::vector<float> x(784);
  TensorView bv(x, {1, 784});
  static_assert(std::is_same_v<decltype(bv), TensorView<float>>);
  EXPECT_EQ(bv.shape(), (Shape{1, 784}));
  TensorView cbv(std::as_const(x), {28, 28});
  static_assert(std::is_same_v<decltype(cbv), TensorView<const float>>);
  float c_array[6] = {};
  TensorView cav(c_array, {2, 3});
  static_assert(std::is_same_v<decltype(cav), TensorView<float>>);
  TensorView sv(std::span<const float>(x).first(4), {2, 2});  // a temporary span
  static_assert(std::is_same_v<decltype(sv), TensorView<const float>>);
  TensorView fsv(std::span<float, 6>(c_array), {6});
  static_assert(std::is_same_v<decltype(fsv), TensorView<float>>);
  TensorView pv(x.data(), 4, {4});
  static_assert(std::is_same_v<decltype(pv), TensorView<float>>);
  EXPECT_EQ(pv.data().data(), x.data());
  // And straight into a run's input list, as the README writes it.
  const zrt::Input in = TensorView(x, {1, 784});
  EXPECT_EQ(in.element_type(), zrt::ElementType::Float);
  EXPECT_EQ(in.shape(), (Shape{1, 784}));
}

TEST(TensorView, EmptyTensorNeedsNoBuffer) {
  const TensorView<float> v(nullptr, 0, {0, 3});
  EXPECT_EQ(v.data().size(), 0u);
}

TEST(TensorView, RejectsWrongSizeNullAndFreeDims) {
  std::vector<float> data(15);
  EXPECT_TRUE(throws_error(
      [&] {
        (void)TensorView<float>(data, {1, 16});
      },
      ErrorCode::InvalidArgument, {"float", "[1,16]", "15", "16"}));
  EXPECT_TRUE(throws_error(
      [&] {
        (void)TensorView<float>(nullptr, 16, {1, 16});
      },
      ErrorCode::InvalidArgument, {"null", "[1,16]"}));
  EXPECT_TRUE(throws_error(
      [&] {
        (void)TensorView<float>(data.data(), 15, {-1, 15});
      },
      ErrorCode::InvalidArgument, {"[?,15]"}));
  std::vector<std::int64_t> too_many(17);
  EXPECT_TRUE(throws_error([&] { (void)TensorView<std::int64_t>(too_many, {16}); }, ErrorCode::InvalidArgument,
                           {"int64", "17", "16"}));
}

// ---- Value: tensors ------------------------------------------------------------------

TEST(Value, DefaultIsEmpty) {
  const Value v;
  EXPECT_TRUE(v.empty());
  EXPECT_FALSE(static_cast<bool>(v));
  EXPECT_EQ(v.handle(), nullptr);
  EXPECT_EQ(v.kind(), ValueKind::Unknown);
  EXPECT_FALSE(v.is_tensor());
  EXPECT_FALSE(v.has_value());
  EXPECT_EQ(v.describe(), "empty");
  EXPECT_TRUE(throws_error([&] { (void)v.shape(); }, ErrorCode::InvalidArgument, {"empty"}));
}

TEST(Value, ViewIsZeroCopy) {
  std::vector<float> data{1, 2, 3, 4, 5, 6};
  Value v = Value::view(TensorView<float>(data, {2, 3}));
  EXPECT_TRUE(v.is_tensor());
  EXPECT_EQ(v.kind(), ValueKind::Tensor);
  EXPECT_TRUE(v.has_value());
  EXPECT_EQ(v.element_type(), ElementType::Float);
  EXPECT_EQ(v.shape(), (Shape{2, 3}));
  EXPECT_EQ(v.element_count(), 6u);
  EXPECT_EQ(v.data<float>().data(), data.data());
  data[4] = 50;
  EXPECT_EQ(v.data<float>()[4], 50.0f);
  v.mutable_data<float>()[0] = -1;
  EXPECT_EQ(data[0], -1.0f);
  EXPECT_EQ(v.bytes().size(), 24u);
  EXPECT_EQ(static_cast<const void*>(v.bytes().data()), static_cast<const void*>(data.data()));
  EXPECT_EQ(v.describe(), "tensor(float)[2,3]");
  const zrt::MemoryInfo mem = v.memory_info();
  EXPECT_EQ(mem.name(), "Cpu");
  EXPECT_TRUE(mem.is_host_accessible());
}

TEST(Value, ViewOfConstData) {
  const std::vector<std::int32_t> data{4, 5, 6};
  const Value v = Value::view(TensorView<const std::int32_t>(data, {3}));
  EXPECT_EQ(v.element_type(), ElementType::Int32);
  EXPECT_EQ(zrt::test::to_vector(v.data<std::int32_t>()), data);
}

TEST(Value, TensorCopyIsIndependent) {
  std::vector<double> src{1.5, -2.5, 3.25};
  Value v = Value::tensor_copy<double>(src, {3});
  src[0] = 100;
  EXPECT_NE(static_cast<const void*>(v.data<double>().data()), static_cast<const void*>(src.data()));
  EXPECT_EQ(zrt::test::to_vector(v.data<double>()), (std::vector<double>{1.5, -2.5, 3.25}));
  EXPECT_EQ(v.describe(), "tensor(double)[3]");
}

TEST(Value, TensorCopyBytesAndViewBytes) {
  const std::array<std::uint8_t, 4> raw{0x00, 0x3C, 0x00, 0xC0};  // float16 1.0, -2.0 (little endian)
  Value h = Value::tensor_copy_bytes(ElementType::Float16, std::as_bytes(std::span(raw)), {2});
  ASSERT_EQ(h.element_type(), ElementType::Float16);
  EXPECT_EQ(h.data<zrt::Float16>()[0].to_float(), 1.0f);
  EXPECT_EQ(h.data<zrt::Float16>()[1].to_float(), -2.0f);
  EXPECT_TRUE(
      throws_error([&] { (void)Value::tensor_copy_bytes(ElementType::Float16, std::as_bytes(std::span(raw)), {3}); },
                   ErrorCode::InvalidArgument, {"float16", "4", "6"}));

  std::array<std::uint8_t, 3> e4m3{0x38, 0x40, 0xB8};
  Value f8 = Value::view_bytes(ElementType::Float8E4M3FN, e4m3.data(), e4m3.size(), {3});
  EXPECT_EQ(f8.element_type(), ElementType::Float8E4M3FN);
  EXPECT_EQ(f8.data<zrt::Float8E4M3FN>()[2].bits, 0xB8);
  EXPECT_EQ(f8.bytes().size(), 3u);
  EXPECT_TRUE(throws_error([&] { (void)Value::view_bytes(ElementType::Float, e4m3.data(), 3, {1}); },
                           ErrorCode::InvalidArgument, {"float", "3", "4"}));
  // Packed 4-bit: 5 elements take 3 bytes.
  std::array<std::uint8_t, 3> packed{0x21, 0x43, 0x05};
  Value i4 = Value::view_bytes(ElementType::Int4, packed.data(), packed.size(), {5});
  EXPECT_EQ(i4.element_type(), ElementType::Int4);
  EXPECT_EQ(i4.shape(), (Shape{5}));
  EXPECT_EQ(i4.bytes().size(), 3u);
}

TEST(Value, AllocateIsZeroFilled) {
  Value v = Value::allocate(ElementType::Int64, {3, 4});
  EXPECT_EQ(v.element_type(), ElementType::Int64);
  EXPECT_EQ(v.shape(), (Shape{3, 4}));
  for (std::int64_t x : v.data<std::int64_t>()) EXPECT_EQ(x, 0);
  v.mutable_data<std::int64_t>()[11] = 42;
  EXPECT_EQ(v.data<std::int64_t>()[11], 42);
  EXPECT_TRUE(throws_error(
      [&] {
        (void)Value::allocate(ElementType::Float, {-1, 2});
      },
      ErrorCode::InvalidArgument, {"[?,2]"}));
}

TEST(Value, TypedAccessChecksTheType) {
  std::vector<float> data(4);
  Value v = Value::view(TensorView<float>(data, {4}));
  EXPECT_TRUE(throws_error([&] { (void)v.data<std::int32_t>(); }, ErrorCode::InvalidArgument, {"int32", "float"}));
  EXPECT_TRUE(throws_error([&] { (void)v.mutable_data<double>(); }, ErrorCode::InvalidArgument, {"double", "float"}));
  EXPECT_TRUE(throws_error([&] { (void)v.strings(); }, ErrorCode::InvalidArgument, {"float"}));
}

TEST(Value, MoveTransfersOwnership) {
  std::vector<float> data{1, 2};
  Value a = Value::tensor_copy<float>(data, {2});
  OrtValue* handle = a.handle();
  Value b = std::move(a);
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(b.handle(), handle);
  Value c;
  c = std::move(b);
  EXPECT_EQ(c.handle(), handle);
  c = Value::tensor_copy<float>(data, {1, 2});  // releases the old one
  EXPECT_EQ(c.shape(), (Shape{1, 2}));
  OrtValue* raw = c.release();
  EXPECT_TRUE(c.empty());
  Value adopted = Value::adopt(raw);
  EXPECT_EQ(adopted.shape(), (Shape{1, 2}));
}

TEST(Value, EveryNumericType) {
  auto check = [](auto sample, ElementType expected) {
    using T = decltype(sample);
    const T data[3] = {sample, sample, sample};  // not std::vector: vector<bool> is packed
    Value v = Value::tensor_copy<T>(std::span<const T>(data), {3});
    EXPECT_EQ(v.element_type(), expected) << zrt::to_string(expected);
    EXPECT_EQ(v.bytes().size(), 3 * sizeof(T)) << zrt::to_string(expected);
    EXPECT_TRUE(zrt::test::same_bytes(v.data<T>(), std::span<const T>(data))) << zrt::to_string(expected);
    EXPECT_EQ(v.describe(), "tensor(" + std::string(zrt::to_string(expected)) + ")[3]");
  };
  check(1.5f, ElementType::Float);
  check(2.5, ElementType::Double);
  check(std::int8_t{-5}, ElementType::Int8);
  check(std::int16_t{-500}, ElementType::Int16);
  check(std::int32_t{-50000}, ElementType::Int32);
  check(std::int64_t{-5000000000}, ElementType::Int64);
  check(std::uint8_t{250}, ElementType::UInt8);
  check(std::uint16_t{65000}, ElementType::UInt16);
  check(std::uint32_t{4000000000u}, ElementType::UInt32);
  check(std::uint64_t{18000000000000000000u}, ElementType::UInt64);
  check(true, ElementType::Bool);
  check(zrt::Float16(0.5f), ElementType::Float16);
  check(zrt::BFloat16(0.5f), ElementType::BFloat16);
  check(zrt::Float8E4M3FN{0x38}, ElementType::Float8E4M3FN);
  check(zrt::Float8E4M3FNUZ{0x40}, ElementType::Float8E4M3FNUZ);
  check(zrt::Float8E5M2{0x3C}, ElementType::Float8E5M2);
  check(zrt::Float8E5M2FNUZ{0x40}, ElementType::Float8E5M2FNUZ);
}

// ---- strings -------------------------------------------------------------------------

TEST(Value, Strings) {
  const std::vector<std::string> s{"", "hello", "héllo wörld", std::string(1000, 'x')};
  Value v = Value::strings(s, {2, 2});
  EXPECT_EQ(v.element_type(), ElementType::String);
  EXPECT_EQ(v.shape(), (Shape{2, 2}));
  EXPECT_EQ(v.strings(), s);
  EXPECT_EQ(v.string_at(2), "héllo wörld");
  EXPECT_EQ(v.describe(), "tensor(string)[2,2]");
  EXPECT_TRUE(throws_error([&] { (void)v.string_at(4); }, ErrorCode::InvalidArgument, {"4"}));
  EXPECT_TRUE(throws_error([&] { (void)v.bytes(); }, ErrorCode::InvalidArgument, {"string"}));
  EXPECT_TRUE(throws_error([&] { (void)v.data<float>(); }, ErrorCode::InvalidArgument, {"string", "float"}));
  EXPECT_TRUE(throws_error([&] { (void)Value::strings(s, {3}); }, ErrorCode::InvalidArgument, {"[3]", "4", "3"}));
}

// std::string may hold NUL bytes; a string tensor built from one must keep them.
TEST(Value, StringsKeepEmbeddedNul) {
  const std::vector<std::string> s{std::string("a\0b", 3), std::string("\0", 1)};
  Value v = Value::strings(s, {2});
  EXPECT_EQ(v.string_at(0).size(), 3u);
  EXPECT_EQ(v.strings(), s);
  StringTensor t(Shape{1});
  t.set(0, std::string_view("x\0y", 3));
  EXPECT_EQ(t.get(0), std::string("x\0y", 3));
}

TEST(StringTensor, SetGet) {
  StringTensor t({"a", "bb", "ccc"}, {3});
  EXPECT_EQ(t.size(), 3u);
  EXPECT_EQ(t.shape(), (Shape{3}));
  EXPECT_EQ(t.get(1), "bb");
  t.set(1, "replaced");
  EXPECT_EQ(t.to_vector(), (std::vector<std::string>{"a", "replaced", "ccc"}));
  EXPECT_TRUE(throws_error([&] { t.set(3, "x"); }, ErrorCode::InvalidArgument, {"3"}));
  EXPECT_TRUE(throws_error([&] { (void)t.get(3); }, ErrorCode::InvalidArgument, {"3"}));

  StringTensor empty(Shape{2, 2});
  EXPECT_EQ(empty.to_vector(), (std::vector<std::string>(4)));
  const std::vector<std::string> src{"x", "y"};
  StringTensor from_span(src, {1, 2});
  EXPECT_EQ(from_span.value().shape(), (Shape{1, 2}));
  Value taken = std::move(from_span).take();
  EXPECT_EQ(taken.strings(), src);
  EXPECT_TRUE(throws_error([&] { (void)StringTensor({"a"}, {2}); }, ErrorCode::InvalidArgument, {"[2]", "1", "2"}));
}

// ---- sequences and maps --------------------------------------------------------------

TEST(Value, SequenceOfTensors) {
  std::vector<Value> elements;
  elements.push_back(Value::tensor_copy<float>(std::vector<float>{1, 2}, {2}));
  elements.push_back(Value::tensor_copy<float>(std::vector<float>{3, 4, 5}, {3}));
  Value seq = Value::sequence(elements);
  EXPECT_EQ(seq.kind(), ValueKind::Sequence);
  EXPECT_FALSE(seq.is_tensor());
  EXPECT_EQ(seq.sequence_size(), 2u);
  EXPECT_EQ(zrt::test::to_vector(seq.sequence_at(0).data<float>()), (std::vector<float>{1, 2}));
  EXPECT_EQ(zrt::test::to_vector(seq.sequence_at(1).data<float>()), (std::vector<float>{3, 4, 5}));
  EXPECT_TRUE(throws_error([&] { (void)seq.sequence_at(2); }, ErrorCode::InvalidArgument, {"2"}));
  EXPECT_TRUE(throws_error([&] { (void)seq.shape(); }, ErrorCode::InvalidArgument, {"sequence", "tensor"}));
  EXPECT_TRUE(throws_error([&] { (void)seq.map_keys(); }, ErrorCode::InvalidArgument, {"sequence", "map"}));
  EXPECT_NE(seq.describe().find("seq"), std::string::npos) << seq.describe();
  // The elements were copied: the originals are untouched and still owned here.
  EXPECT_EQ(elements[1].element_count(), 3u);
  EXPECT_TRUE(throws_error([&] { (void)Value::sequence({}); }, ErrorCode::InvalidArgument, {"empty_sequence"}));
}

TEST(Value, EmptySequence) {
  for (const ElementType type : {ElementType::Float, ElementType::Int64, ElementType::String, ElementType::Bool}) {
    const Value seq = Value::empty_sequence(type);
    ASSERT_FALSE(seq.empty());
    EXPECT_EQ(seq.kind(), ValueKind::Sequence);
    EXPECT_EQ(seq.sequence_size(), 0u);
    EXPECT_EQ(seq.describe(), "seq(tensor(" + std::string(zrt::to_string(type)) + "))[0]");
    EXPECT_TRUE(throws_error([&] { (void)seq.sequence_at(0); }, ErrorCode::InvalidArgument, {"0", "out of range"}));
  }
  EXPECT_TRUE(throws_error([] { (void)Value::empty_sequence(ElementType::Undefined); }, ErrorCode::InvalidArgument,
                           {"Value::empty_sequence", "not a tensor element type"}));
}

// The cached SequenceEmpty sessions are made once and shared by every thread.
TEST(Value, EmptySequenceFromManyThreads) {
  std::vector<std::thread> threads;
  std::atomic<int> made{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&made] {
      for (int i = 0; i < 20; ++i) {
        const Value seq = Value::empty_sequence(i % 2 == 0 ? ElementType::Float : ElementType::Double);
        if (seq.kind() == ValueKind::Sequence && seq.sequence_size() == 0) ++made;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(made.load(), 80);
}

// An empty sequence is a run input: SequenceInsert appends x, SequenceLength counts.
TEST(Value, EmptySequenceAsRunInput) {
  const zrt::Session session = zrt::Session::from_bytes(zrt::test::sequence_insert());
  const Value empty = Value::empty_sequence(ElementType::Float);
  const std::vector<float> x{1, 2};
  zrt::Outputs out = session.run({zrt::Input(empty), zrt::Input(TensorView<const float>(x, {2}))});
  EXPECT_EQ(out.at("n").data<std::int64_t>()[0], 1);
  const Value& grown = out.at("grown");
  ASSERT_EQ(grown.sequence_size(), 1u);
  EXPECT_EQ(zrt::test::to_vector(grown.sequence_at(0).data<float>()), x);
  // The element type is checked by ORT against the model's: seq(tensor(int64)) is refused.
  const Value wrong = Value::empty_sequence(ElementType::Int64);
  EXPECT_THROW((void)session.run({zrt::Input(wrong), zrt::Input(TensorView<const float>(x, {2}))}), zrt::Error);
}

TEST(Value, MapOfInt64ToFloat) {
  Value keys = Value::tensor_copy<std::int64_t>(std::vector<std::int64_t>{10, 20, 30}, {3});
  Value values = Value::tensor_copy<float>(std::vector<float>{0.5f, 1.5f, 2.5f}, {3});
  Value map = Value::map(keys, values);
  EXPECT_EQ(map.kind(), ValueKind::Map);
  EXPECT_EQ(zrt::test::to_vector(map.map_keys().data<std::int64_t>()), (std::vector<std::int64_t>{10, 20, 30}));
  EXPECT_EQ(zrt::test::to_vector(map.map_values().data<float>()), (std::vector<float>{0.5f, 1.5f, 2.5f}));
  EXPECT_TRUE(throws_error([&] { (void)map.sequence_size(); }, ErrorCode::InvalidArgument, {"map", "sequence"}));
  EXPECT_TRUE(throws_error([&] { (void)Value::map(Value(), values); }, ErrorCode::InvalidArgument, {"empty"}));
}

// A map is a run input: DictVectorizer places each key's value in the vocabulary's order.
TEST(Value, MapAsRunInput) {
  const zrt::Session session = zrt::Session::from_bytes(zrt::test::dict_vectorizer());
  const Value map = Value::map(Value::tensor_copy<std::int64_t>(std::vector<std::int64_t>{3, 1}, {2}),
                               Value::tensor_copy<float>(std::vector<float>{7.5f, -2}, {2}));
  zrt::Outputs out = session.run({zrt::Input(map)});
  const Value& vector = out.at("vector");
  EXPECT_EQ(vector.shape(), (Shape{1, 3}));
  EXPECT_EQ(zrt::test::to_vector(vector.data<float>()), (std::vector<float>{-2, 0, 7.5f}));
  // A map of the wrong key type is refused by ORT, naming the input.
  const Value strings_map = Value::map(Value::strings(std::vector<std::string>{"a"}, {1}),
                                       Value::tensor_copy<float>(std::vector<float>{1}, {1}));
  EXPECT_THROW((void)session.run({zrt::Input(strings_map)}), zrt::Error);
}

TEST(Value, SequenceOfMaps) {
  std::vector<Value> maps;
  for (int m = 0; m < 2; ++m) {
    Value keys = Value::tensor_copy<std::int64_t>(std::vector<std::int64_t>{1, 2}, {2});
    Value values = Value::tensor_copy<float>(std::vector<float>{static_cast<float>(m), 9}, {2});
    maps.push_back(Value::map(keys, values));
  }
  Value seq = Value::sequence(maps);
  ASSERT_EQ(seq.sequence_size(), 2u);
  Value second = seq.sequence_at(1);
  EXPECT_EQ(second.kind(), ValueKind::Map);
  EXPECT_EQ(zrt::test::to_vector(second.map_values().data<float>()), (std::vector<float>{1, 9}));
}

TEST(ValueKind, Names) {
  EXPECT_STREQ(zrt::to_string(ValueKind::Tensor), "tensor");
  EXPECT_STREQ(zrt::to_string(ValueKind::Sequence), "sequence");
  EXPECT_STREQ(zrt::to_string(ValueKind::Map), "map");
  EXPECT_STREQ(zrt::to_string(ValueKind::Optional), "optional");
  EXPECT_STREQ(zrt::to_string(ValueKind::Unknown), "unknown");
}

// Sizes that would wrap: the buffer checks once accepted 4 bytes for float[2^62 + 1].
TEST(Value, ViewAndCopyRejectSizesThatWouldWrap) {
  const Shape huge{(std::int64_t{1} << 62) + 1};
  float four_bytes = 0;
  EXPECT_TRUE(throws_error([&] { (void)Value::view_bytes(ElementType::Float, &four_bytes, 4, huge); },
                           ErrorCode::InvalidArgument, {"shape [4611686018427387905] of float needs 2^63 bytes"}));
  const std::array<std::byte, 4> bytes{};
  EXPECT_TRUE(throws_error([&] { (void)Value::tensor_copy_bytes(ElementType::Float, bytes, huge); },
                           ErrorCode::InvalidArgument, {"needs 2^63 bytes or more"}));
  EXPECT_TRUE(throws_error([&] { (void)Value::allocate(ElementType::Float, Shape{std::int64_t{1} << 62}); },
                           ErrorCode::InvalidArgument, {"shape [4611686018427387904] of float needs 2^63 bytes"}));
}

// No Environment has been made in this process (each test runs in its own): an
// allocation ORT cannot make must fail with an error, not end the process because ORT
// has no logger ("Attempt to use DefaultLogger but none has been registered").
// Not built under ASan: its operator new cannot fail by throwing (it reports
// out-of-memory and ends the process), so the failure under test cannot happen there;
// the Release build of `make test` runs it.
#if !defined(__SANITIZE_ADDRESS__)
TEST(Value, AllocationFailureBeforeAnyEnvironmentIsAnError) {
  try {
    (void)Value::allocate(ElementType::Float, Shape{std::int64_t{1} << 60});  // 4 EiB
    ADD_FAILURE() << "a 4 EiB tensor was allocated";
  } catch (const zrt::Error& e) {
    EXPECT_NE(std::string(e.what()).find("Value::allocate"), std::string::npos) << e.what();
  }
  EXPECT_EQ(Value::allocate(ElementType::Float, {2}).data<float>().size(), 2u);  // still usable
}
#endif

// Bool bytes from outside are normalized: ORT's Not would turn 2 into 253 ("true").
TEST(Value, TensorCopyNormalizesBoolBytes) {
  const std::array<std::byte, 4> raw{std::byte{2}, std::byte{255}, std::byte{0}, std::byte{1}};
  const Value v = Value::tensor_copy_bytes(ElementType::Bool, raw, {4});
  const std::span<const std::byte> got = v.bytes();
  EXPECT_EQ(std::vector<std::byte>(got.begin(), got.end()),
            (std::vector<std::byte>{std::byte{1}, std::byte{1}, std::byte{0}, std::byte{1}}));
}

TEST(Value, CopyBetweenHostTensors) {
  const std::vector<float> data{1.5f, -2.0f, 3.25f};
  Value dst = Value::allocate(ElementType::Float, {3});
  zrt::copy(Value::view(TensorView<const float>(data, {3})), dst);
  EXPECT_EQ(std::vector<float>(dst.data<float>().begin(), dst.data<float>().end()), data);
  Value other = Value::allocate(ElementType::Int32, {3});
  EXPECT_TRUE(throws_error([&] { zrt::copy(dst, other); }, ErrorCode::InvalidArgument,
                           {"zrt::copy: source is float[3], destination is int32[3]; they must match"}));
}

}  // namespace
