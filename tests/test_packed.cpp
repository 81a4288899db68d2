// zrt/packed.hpp: sub-byte element types (int4, uint4, float4e2m1, int2, uint2), their
// packing, float8e8m0, and int4 tensors end to end through Session::run.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "models/models.hpp"
#include "test_util.hpp"
#include "zrt/packed.hpp"
#include "zrt/session.hpp"
#include "zrt/value.hpp"

namespace {

using zrt::ElementType;
using zrt::ErrorCode;
using zrt::Float4E2M1;
using zrt::Int2;
using zrt::Int4;
using zrt::Session;
using zrt::TensorView;
using zrt::UInt2;
using zrt::UInt4;
using zrt::Value;
using zrt::test::throws_error;

std::vector<std::uint8_t> as_u8(const std::vector<std::byte>& bytes) {
  std::vector<std::uint8_t> out;
  for (std::byte b : bytes) out.push_back(std::to_integer<std::uint8_t>(b));
  return out;
}

TEST(Packed, RangesAreChecked) {
  static_assert(Int4::min == -8 && Int4::max == 7 && UInt4::max == 15 && Int2::min == -2 && UInt2::max == 3);
  EXPECT_EQ(static_cast<int>(Int4(-8)), -8);
  EXPECT_TRUE(throws_error([] { (void)Int4(8); }, ErrorCode::InvalidArgument, {"8 does not fit int4 (-8 .. 7)"}));
  EXPECT_TRUE(throws_error([] { (void)UInt4(-1); }, ErrorCode::InvalidArgument, {"-1", "uint4", "0 .. 15"}));
  EXPECT_TRUE(throws_error([] { (void)Int2(2); }, ErrorCode::InvalidArgument, {"int2", "-2 .. 1"}));
  EXPECT_TRUE(throws_error([] { (void)UInt2(4); }, ErrorCode::InvalidArgument, {"uint2", "0 .. 3"}));
}

TEST(Packed, Int4PacksTwoAByteLowNibbleFirst) {
  const std::vector<Int4> values{1, -1, 7};
  const std::vector<std::byte> bytes = zrt::pack(std::span<const Int4>(values));
  EXPECT_EQ(as_u8(bytes), (std::vector<std::uint8_t>{0xF1, 0x07}));  // -1 is code 0xF; the last high nibble is 0
  EXPECT_EQ(zrt::unpack<Int4>(bytes, 3), values);
  EXPECT_EQ(zrt::packed_size<Int4>(3), 2u);

  const std::vector<UInt4> u{15, 0, 9, 3};
  const std::vector<std::byte> ub = zrt::pack(std::span<const UInt4>(u));
  EXPECT_EQ(as_u8(ub), (std::vector<std::uint8_t>{0x0F, 0x39}));
  EXPECT_EQ(zrt::unpack<UInt4>(ub, 4), u);
}

TEST(Packed, TwoBitTypesPackFourAByte) {
  const std::vector<UInt2> u{0, 1, 2, 3, 1};
  const std::vector<std::byte> bytes = zrt::pack(std::span<const UInt2>(u));
  EXPECT_EQ(as_u8(bytes), (std::vector<std::uint8_t>{0xE4, 0x01}));
  EXPECT_EQ(zrt::unpack<UInt2>(bytes, 5), u);
  const std::vector<Int2> s{-2, 1, -1, 0};
  const std::vector<std::byte> sb = zrt::pack(std::span<const Int2>(s));
  EXPECT_EQ(as_u8(sb), (std::vector<std::uint8_t>{0x36}));  // codes 2, 1, 3, 0
  EXPECT_EQ(zrt::unpack<Int2>(sb, 4), s);
}

TEST(Packed, SizeMismatchIsAnError) {
  const std::vector<Int4> values{1, 2, 3};
  std::vector<std::byte> one(1);
  EXPECT_TRUE(throws_error([&] { zrt::pack(std::span<const Int4>(values), std::span<std::byte>(one)); },
                           ErrorCode::InvalidArgument, {"3 int4 values pack into 2 bytes", "holds 1"}));
  EXPECT_TRUE(throws_error([&] { (void)zrt::unpack<UInt2>(one, 5); }, ErrorCode::InvalidArgument,
                           {"5 uint2 values pack into 2 bytes"}));
}

TEST(Packed, Float4E2M1) {
  const float expected[] = {0, 0.5f, 1, 1.5f, 2, 3, 4, 6};
  for (std::uint8_t code = 0; code < 16; ++code) {
    const float magnitude = expected[code & 7];
    EXPECT_EQ(Float4E2M1::from_code(code).to_float(), (code & 8) ? -magnitude : magnitude) << int(code);
    EXPECT_EQ(Float4E2M1(Float4E2M1::from_code(code).to_float()).code(), code);  // -0 keeps its sign
  }
  EXPECT_EQ(Float4E2M1(0.75f).to_float(), 1.0f);  // tie: the even code (1.0)
  EXPECT_EQ(Float4E2M1(2.5f).to_float(), 2.0f);   // tie: the even code (2.0)
  EXPECT_EQ(Float4E2M1(5.0f).to_float(), 4.0f);   // tie: the even code (4.0)
  EXPECT_EQ(Float4E2M1(-0.3f).to_float(), -0.5f);
  EXPECT_EQ(Float4E2M1(100.0f).to_float(), 6.0f);  // saturates
  EXPECT_EQ(Float4E2M1(-INFINITY).to_float(), -6.0f);
  EXPECT_TRUE(throws_error([] { (void)Float4E2M1(NAN); }, ErrorCode::InvalidArgument, {"float4e2m1", "NaN"}));
  const std::vector<Float4E2M1> values{Float4E2M1(1.5f), Float4E2M1(-6.0f), Float4E2M1(0.5f)};
  const std::vector<std::byte> bytes = zrt::pack(std::span<const Float4E2M1>(values));
  EXPECT_EQ(as_u8(bytes), (std::vector<std::uint8_t>{0xF3, 0x01}));
  EXPECT_EQ(zrt::unpack<Float4E2M1>(bytes, 3), values);
}

TEST(Packed, Float8E8M0) {
  static_assert(zrt::element_type_of<zrt::Float8E8M0> == ElementType::Float8E8M0);
  EXPECT_EQ(zrt::element_size(ElementType::Float8E8M0), 1u);
  EXPECT_EQ(zrt::to_float(zrt::Float8E8M0{127}), 1.0f);
  EXPECT_EQ(zrt::to_float(zrt::Float8E8M0{130}), 8.0f);
  EXPECT_EQ(zrt::to_float(zrt::Float8E8M0{125}), 0.25f);
  EXPECT_TRUE(std::isnan(zrt::to_float(zrt::Float8E8M0{0xff})));
  // A float8e8m0 tensor is viewed like any byte type.
  std::vector<zrt::Float8E8M0> scales{{127}, {128}};
  const Value v = Value::view(TensorView<zrt::Float8E8M0>(scales, {2}));
  EXPECT_EQ(v.element_type(), ElementType::Float8E8M0);
  EXPECT_EQ(v.data<zrt::Float8E8M0>()[1].bits, 128);
}

TEST(Packed, ValuePackedCopyAndUnpacked) {
  const std::vector<Int4> values{-8, -3, 0, 1, 5};
  const Value v = Value::packed_copy<Int4>(values, {5});
  EXPECT_EQ(v.element_type(), ElementType::Int4);
  EXPECT_EQ(v.element_count(), 5u);
  EXPECT_EQ(v.bytes().size(), 3u);
  EXPECT_EQ(v.unpacked<Int4>(), values);
  EXPECT_TRUE(throws_error([&] { (void)v.unpacked<UInt4>(); }, ErrorCode::InvalidArgument,
                           {"Value::unpacked<uint4>", "holds int4"}));
  EXPECT_TRUE(throws_error(
      [&] {
        (void)Value::packed_copy<Int4>(values, {2, 2});
      },
      ErrorCode::InvalidArgument, {"int4", "[2,2]", "got 5 values, expected 4"}));
}

// ORT 1.29 takes ONNX's numbers for uint2, int2 and float8e8m0 (25, 26, 24) but reports
// its own enum's (24, 25, 26): zrt maps them back, so each type reads as itself.
TEST(Packed, TwoBitTensorsKeepTheirElementType) {
  const Value u = Value::packed_copy<UInt2>(std::vector<UInt2>{3, 0, 1, 2, 3}, {5});
  EXPECT_EQ(u.element_type(), ElementType::UInt2);
  EXPECT_EQ(u.bytes().size(), 2u);
  EXPECT_EQ(u.unpacked<UInt2>(), (std::vector<UInt2>{3, 0, 1, 2, 3}));
  const Value s = Value::packed_copy<Int2>(std::vector<Int2>{-2, 1}, {2});
  EXPECT_EQ(s.element_type(), ElementType::Int2);
  EXPECT_EQ(s.unpacked<Int2>(), (std::vector<Int2>{-2, 1}));
  const Value f = Value::packed_copy<Float4E2M1>(std::vector<Float4E2M1>{Float4E2M1(3.0f)}, {1});
  EXPECT_EQ(f.element_type(), ElementType::Float4E2M1);
  EXPECT_EQ(f.unpacked<Float4E2M1>()[0].to_float(), 3.0f);
}

// int4 in and out of ORT's kernels: DequantizeLinear reads packed int4, QuantizeLinear writes it.
TEST(Packed, Int4ThroughDequantizeAndQuantizeLinear) {
  const Session dequantize = Session::from_bytes(zrt::test::dequantize(ElementType::Int4));
  EXPECT_EQ(dequantize.input(0).element_type, ElementType::Int4);
  const Value x = Value::packed_copy<Int4>(std::vector<Int4>{-8, -3, 0, 1, 5, 7}, {6});
  const std::vector<float> scale{0.5f};
  zrt::Outputs out = dequantize.run({zrt::Input(x), zrt::Input(TensorView<const float>(scale, {}))});
  EXPECT_EQ(zrt::test::to_vector(out.at("y").data<float>()), (std::vector<float>{-4, -1.5f, 0, 0.5f, 2.5f, 3.5f}));

  const Session quantize = Session::from_bytes(zrt::test::quantize(ElementType::Int4));
  const std::vector<float> floats{-4, -1.6f, 0, 0.5f, 2.5f, 100};
  const Value zero = Value::packed_copy<Int4>(std::vector<Int4>{0}, {});
  zrt::Outputs q = quantize.run({zrt::Input(TensorView<const float>(floats, {6})),
                                 zrt::Input(TensorView<const float>(scale, {})), zrt::Input(zero)});
  const Value& y = q.at("y");
  EXPECT_EQ(y.element_type(), ElementType::Int4);
  EXPECT_EQ(y.unpacked<Int4>(), (std::vector<Int4>{-8, -3, 0, 1, 5, 7}));  // 100 / 0.5 saturates at 7
}

TEST(Packed, UInt4ThroughDequantizeLinear) {
  const Session session = Session::from_bytes(zrt::test::dequantize(ElementType::UInt4));
  const Value x = Value::packed_copy<UInt4>(std::vector<UInt4>{0, 1, 2, 3, 14, 15}, {6});
  const std::vector<float> scale{2.0f};
  zrt::Outputs out = session.run({zrt::Input(x), zrt::Input(TensorView<const float>(scale, {}))});
  EXPECT_EQ(zrt::test::to_vector(out.at("y").data<float>()), (std::vector<float>{0, 2, 4, 6, 28, 30}));
}

}  // namespace
