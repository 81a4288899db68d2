// zrt/element.hpp: element sizes and names, Float16 / BFloat16 conversions.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "zrt/element.hpp"
#include "zrt/error.hpp"

namespace {

using zrt::BFloat16;
using zrt::ElementType;
using zrt::Float16;

float bits_to_float(std::uint32_t bits) { return std::bit_cast<float>(bits); }
std::uint32_t float_bits(float f) { return std::bit_cast<std::uint32_t>(f); }

TEST(Element, SizesMatchOnnx) {
  EXPECT_EQ(zrt::element_size(ElementType::Float), 4u);
  EXPECT_EQ(zrt::element_size(ElementType::UInt8), 1u);
  EXPECT_EQ(zrt::element_size(ElementType::Int8), 1u);
  EXPECT_EQ(zrt::element_size(ElementType::UInt16), 2u);
  EXPECT_EQ(zrt::element_size(ElementType::Int16), 2u);
  EXPECT_EQ(zrt::element_size(ElementType::Int32), 4u);
  EXPECT_EQ(zrt::element_size(ElementType::Int64), 8u);
  EXPECT_EQ(zrt::element_size(ElementType::String), 0u);
  EXPECT_EQ(zrt::element_size(ElementType::Bool), 1u);
  EXPECT_EQ(zrt::element_size(ElementType::Float16), 2u);
  EXPECT_EQ(zrt::element_size(ElementType::Double), 8u);
  EXPECT_EQ(zrt::element_size(ElementType::UInt32), 4u);
  EXPECT_EQ(zrt::element_size(ElementType::UInt64), 8u);
  EXPECT_EQ(zrt::element_size(ElementType::Complex64), 8u);
  EXPECT_EQ(zrt::element_size(ElementType::Complex128), 16u);
  EXPECT_EQ(zrt::element_size(ElementType::BFloat16), 2u);
  EXPECT_EQ(zrt::element_size(ElementType::Float8E4M3FN), 1u);
  EXPECT_EQ(zrt::element_size(ElementType::Float8E4M3FNUZ), 1u);
  EXPECT_EQ(zrt::element_size(ElementType::Float8E5M2), 1u);
  EXPECT_EQ(zrt::element_size(ElementType::Float8E5M2FNUZ), 1u);
  EXPECT_EQ(zrt::element_size(ElementType::Float8E8M0), 1u);
  // Packed sub-byte types have no whole-byte size.
  EXPECT_EQ(zrt::element_size(ElementType::UInt4), 0u);
  EXPECT_EQ(zrt::element_size(ElementType::Int4), 0u);
  EXPECT_EQ(zrt::element_size(ElementType::Float4E2M1), 0u);
  EXPECT_EQ(zrt::element_size(ElementType::UInt2), 0u);
  EXPECT_EQ(zrt::element_size(ElementType::Int2), 0u);
  EXPECT_EQ(zrt::element_size(ElementType::Undefined), 0u);
}

TEST(Element, NamesAsOnnxSpellsThem) {
  EXPECT_EQ(zrt::to_string(ElementType::Undefined), "undefined");
  EXPECT_EQ(zrt::to_string(ElementType::Float), "float");
  EXPECT_EQ(zrt::to_string(ElementType::UInt8), "uint8");
  EXPECT_EQ(zrt::to_string(ElementType::Int8), "int8");
  EXPECT_EQ(zrt::to_string(ElementType::UInt16), "uint16");
  EXPECT_EQ(zrt::to_string(ElementType::Int16), "int16");
  EXPECT_EQ(zrt::to_string(ElementType::Int32), "int32");
  EXPECT_EQ(zrt::to_string(ElementType::Int64), "int64");
  EXPECT_EQ(zrt::to_string(ElementType::String), "string");
  EXPECT_EQ(zrt::to_string(ElementType::Bool), "bool");
  EXPECT_EQ(zrt::to_string(ElementType::Float16), "float16");
  EXPECT_EQ(zrt::to_string(ElementType::Double), "double");
  EXPECT_EQ(zrt::to_string(ElementType::UInt32), "uint32");
  EXPECT_EQ(zrt::to_string(ElementType::UInt64), "uint64");
  EXPECT_EQ(zrt::to_string(ElementType::Complex64), "complex64");
  EXPECT_EQ(zrt::to_string(ElementType::Complex128), "complex128");
  EXPECT_EQ(zrt::to_string(ElementType::BFloat16), "bfloat16");
  EXPECT_EQ(zrt::to_string(ElementType::Float8E4M3FN), "float8e4m3fn");
  EXPECT_EQ(zrt::to_string(ElementType::Float8E4M3FNUZ), "float8e4m3fnuz");
  EXPECT_EQ(zrt::to_string(ElementType::Float8E5M2), "float8e5m2");
  EXPECT_EQ(zrt::to_string(ElementType::Float8E5M2FNUZ), "float8e5m2fnuz");
  EXPECT_EQ(zrt::to_string(ElementType::UInt4), "uint4");
  EXPECT_EQ(zrt::to_string(ElementType::Int4), "int4");
  EXPECT_EQ(zrt::to_string(ElementType::Float4E2M1), "float4e2m1");
  EXPECT_EQ(zrt::to_string(ElementType::Float8E8M0), "float8e8m0");
  EXPECT_EQ(zrt::to_string(ElementType::UInt2), "uint2");
  EXPECT_EQ(zrt::to_string(ElementType::Int2), "int2");
}

TEST(Element, CompileTimeMapping) {
  static_assert(zrt::element_type_of<float> == ElementType::Float);
  static_assert(zrt::element_type_of<const float> == ElementType::Float);
  static_assert(zrt::element_type_of<double> == ElementType::Double);
  static_assert(zrt::element_type_of<std::int8_t> == ElementType::Int8);
  static_assert(zrt::element_type_of<std::int16_t> == ElementType::Int16);
  static_assert(zrt::element_type_of<std::int32_t> == ElementType::Int32);
  static_assert(zrt::element_type_of<std::int64_t> == ElementType::Int64);
  static_assert(zrt::element_type_of<std::uint8_t> == ElementType::UInt8);
  static_assert(zrt::element_type_of<std::uint16_t> == ElementType::UInt16);
  static_assert(zrt::element_type_of<std::uint32_t> == ElementType::UInt32);
  static_assert(zrt::element_type_of<std::uint64_t> == ElementType::UInt64);
  static_assert(zrt::element_type_of<bool> == ElementType::Bool);
  static_assert(zrt::element_type_of<Float16> == ElementType::Float16);
  static_assert(zrt::element_type_of<BFloat16> == ElementType::BFloat16);
  static_assert(zrt::element_type_of<zrt::Float8E4M3FN> == ElementType::Float8E4M3FN);
  static_assert(zrt::element_type_of<zrt::Float8E4M3FNUZ> == ElementType::Float8E4M3FNUZ);
  static_assert(zrt::element_type_of<zrt::Float8E5M2> == ElementType::Float8E5M2);
  static_assert(zrt::element_type_of<zrt::Float8E5M2FNUZ> == ElementType::Float8E5M2FNUZ);
  static_assert(zrt::element_type_of<char> == ElementType::Undefined);
  static_assert(zrt::element_type_of<std::string> == ElementType::Undefined);
  static_assert(zrt::Element<float> && zrt::Element<Float16> && !zrt::Element<std::string>);
  static_assert(sizeof(Float16) == 2 && sizeof(BFloat16) == 2 && sizeof(zrt::Float8E5M2) == 1);
  // Same numbering as ONNX's TensorProto.DataType.
  static_assert(static_cast<int>(ElementType::Float) == 1 && static_cast<int>(ElementType::BFloat16) == 16 &&
                static_cast<int>(ElementType::Float8E5M2FNUZ) == 20 && static_cast<int>(ElementType::Int2) == 26);
  SUCCEED();
}

// ---- Float16 -------------------------------------------------------------------------

TEST(Float16, FromFloatKnownBits) {
  EXPECT_EQ(Float16::from_float(0.0f), 0x0000);
  EXPECT_EQ(Float16::from_float(-0.0f), 0x8000);
  EXPECT_EQ(Float16::from_float(1.0f), 0x3C00);
  EXPECT_EQ(Float16::from_float(-2.0f), 0xC000);
  EXPECT_EQ(Float16::from_float(0.5f), 0x3800);
  EXPECT_EQ(Float16::from_float(65504.0f), 0x7BFF);  // largest finite
  EXPECT_EQ(Float16::from_float(-65504.0f), 0xFBFF);
  EXPECT_EQ(Float16::from_float(std::ldexp(1.0f, -14)), 0x0400);     // smallest normal
  EXPECT_EQ(Float16::from_float(std::ldexp(1.0f, -24)), 0x0001);     // smallest denormal
  EXPECT_EQ(Float16::from_float(std::ldexp(1023.0f, -24)), 0x03FF);  // largest denormal
  EXPECT_EQ(Float16::from_float(-std::ldexp(1.0f, -24)), 0x8001);
  EXPECT_EQ(Float16::from_float(0.333251953125f), 0x3555);
}

TEST(Float16, FromFloatRoundsToNearestEven) {
  // 1 + 2^-11 is halfway between 0x3C00 and 0x3C01: ties go to the even one.
  EXPECT_EQ(Float16::from_float(1.0f + std::ldexp(1.0f, -11)), 0x3C00);
  // 1 + 3 * 2^-11 is halfway between 0x3C01 and 0x3C02.
  EXPECT_EQ(Float16::from_float(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3C02);
  // Just above halfway rounds up.
  EXPECT_EQ(Float16::from_float(1.0f + std::ldexp(1.0f, -11) + std::ldexp(1.0f, -20)), 0x3C01);
  // Just below halfway rounds down.
  EXPECT_EQ(Float16::from_float(1.0f + std::ldexp(1.0f, -11) - std::ldexp(1.0f, -20)), 0x3C00);
  // Spacing is 2 at 2048: 2049 ties to 2048, 2051 ties to 2052.
  EXPECT_EQ(Float16::from_float(2049.0f), 0x6800);
  EXPECT_EQ(Float16::from_float(2051.0f), 0x6802);
  // Denormal ties: 2^-25 is halfway between 0 and the smallest denormal -> 0;
  // 3 * 2^-25 is halfway between denormals 1 and 2 -> 2.
  EXPECT_EQ(Float16::from_float(std::ldexp(1.0f, -25)), 0x0000);
  EXPECT_EQ(Float16::from_float(std::ldexp(3.0f, -25)), 0x0002);
  EXPECT_EQ(Float16::from_float(std::ldexp(1.0f, -25) * 1.0001f), 0x0001);
  // Far below the smallest denormal: signed zero.
  EXPECT_EQ(Float16::from_float(1e-10f), 0x0000);
  EXPECT_EQ(Float16::from_float(-1e-10f), 0x8000);
  // The largest denormal plus half an ulp rounds up into the smallest normal.
  EXPECT_EQ(Float16::from_float(std::ldexp(1023.5f, -24)), 0x0400);
}

TEST(Float16, FromFloatOverflowInfNaN) {
  // 65519.99 rounds down to 65504; 65520 is halfway to the next binade: rounds to Inf.
  EXPECT_EQ(Float16::from_float(65519.0f), 0x7BFF);
  EXPECT_EQ(Float16::from_float(65520.0f), 0x7C00);
  EXPECT_EQ(Float16::from_float(1e6f), 0x7C00);
  EXPECT_EQ(Float16::from_float(-1e6f), 0xFC00);
  EXPECT_EQ(Float16::from_float(std::numeric_limits<float>::max()), 0x7C00);
  EXPECT_EQ(Float16::from_float(std::numeric_limits<float>::infinity()), 0x7C00);
  EXPECT_EQ(Float16::from_float(-std::numeric_limits<float>::infinity()), 0xFC00);
  for (std::uint32_t nan_bits : {0x7FC00000u, 0xFFC00000u, 0x7F800001u, 0x7FBFFFFFu, 0x7F802000u}) {
    const std::uint16_t h = Float16::from_float(bits_to_float(nan_bits));
    EXPECT_EQ(h & 0x7C00, 0x7C00) << std::hex << nan_bits;
    EXPECT_NE(h & 0x03FF, 0) << "NaN 0x" << std::hex << nan_bits << " became Inf";
    EXPECT_EQ(static_cast<std::uint32_t>(h & 0x8000u), (nan_bits >> 16) & 0x8000u) << "sign of NaN";
  }
}

TEST(Float16, ToFloatKnownValues) {
  EXPECT_EQ(Float16::to_float(0x3C00), 1.0f);
  EXPECT_EQ(Float16::to_float(0xC000), -2.0f);
  EXPECT_EQ(Float16::to_float(0x7BFF), 65504.0f);
  EXPECT_EQ(Float16::to_float(0x0400), std::ldexp(1.0f, -14));
  EXPECT_EQ(Float16::to_float(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(Float16::to_float(0x03FF), std::ldexp(1023.0f, -24));
  EXPECT_EQ(Float16::to_float(0x8001), -std::ldexp(1.0f, -24));
  EXPECT_EQ(Float16::to_float(0x3555), 0.333251953125f);
  EXPECT_EQ(float_bits(Float16::to_float(0x0000)), 0x00000000u);
  EXPECT_EQ(float_bits(Float16::to_float(0x8000)), 0x80000000u);  // -0 keeps its sign
  EXPECT_EQ(Float16::to_float(0x7C00), std::numeric_limits<float>::infinity());
  EXPECT_EQ(Float16::to_float(0xFC00), -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(Float16::to_float(0x7E00)));
  EXPECT_TRUE(std::isnan(Float16::to_float(0x7C01)));
  EXPECT_TRUE(std::isnan(Float16::to_float(0xFE00)));
}

TEST(Float16, EveryBitPatternRoundTrips) {
  for (std::uint32_t b = 0; b <= 0xFFFF; ++b) {
    const auto bits = static_cast<std::uint16_t>(b);
    const float f = Float16::to_float(bits);
    const bool is_nan = (bits & 0x7C00) == 0x7C00 && (bits & 0x03FF) != 0;
    ASSERT_EQ(std::isnan(f), is_nan) << std::hex << b;
    if (is_nan) {
      const std::uint16_t back = Float16::from_float(f);
      ASSERT_TRUE((back & 0x7C00) == 0x7C00 && (back & 0x03FF) != 0) << std::hex << b;
    } else {
      ASSERT_EQ(Float16::from_float(f), bits) << std::hex << b;
    }
  }
}

TEST(Float16, ValueType) {
  const Float16 one(1.0f);
  EXPECT_EQ(one.bits, 0x3C00);
  EXPECT_EQ(static_cast<float>(one), 1.0f);
  EXPECT_EQ(one.to_float(), 1.0f);
  EXPECT_EQ(Float16::from_bits(0x3C00), one);
  EXPECT_FALSE(Float16::from_bits(0x3C01) == one);
  constexpr Float16 zero;
  static_assert(zero.bits == 0);
}

// ---- BFloat16 ------------------------------------------------------------------------

TEST(BFloat16, FromFloatKnownBits) {
  EXPECT_EQ(BFloat16::from_float(0.0f), 0x0000);
  EXPECT_EQ(BFloat16::from_float(-0.0f), 0x8000);
  EXPECT_EQ(BFloat16::from_float(1.0f), 0x3F80);
  EXPECT_EQ(BFloat16::from_float(-2.0f), 0xC000);
  EXPECT_EQ(BFloat16::from_float(3.140625f), 0x4049);
  EXPECT_EQ(BFloat16::from_float(std::numeric_limits<float>::infinity()), 0x7F80);
  EXPECT_EQ(BFloat16::from_float(-std::numeric_limits<float>::infinity()), 0xFF80);
}

TEST(BFloat16, FromFloatRoundsToNearestEven) {
  EXPECT_EQ(BFloat16::from_float(bits_to_float(0x3F808000u)), 0x3F80);  // tie, even stays
  EXPECT_EQ(BFloat16::from_float(bits_to_float(0x3F818000u)), 0x3F82);  // tie, odd rounds up
  EXPECT_EQ(BFloat16::from_float(bits_to_float(0x3F808001u)), 0x3F81);  // above half
  EXPECT_EQ(BFloat16::from_float(bits_to_float(0x3F807FFFu)), 0x3F80);  // below half
  EXPECT_EQ(BFloat16::from_float(bits_to_float(0xBF818000u)), 0xBF82);  // negative tie
  // Rounding carries into the exponent; FLT_MAX rounds up to Inf.
  EXPECT_EQ(BFloat16::from_float(bits_to_float(0x3FFFFFFFu)), 0x4000);
  EXPECT_EQ(BFloat16::from_float(std::numeric_limits<float>::max()), 0x7F80);
  // Denormals round like everything else.
  EXPECT_EQ(BFloat16::from_float(bits_to_float(0x00000001u)), 0x0000);
  EXPECT_EQ(BFloat16::from_float(bits_to_float(0x00010000u)), 0x0001);
  EXPECT_EQ(BFloat16::from_float(bits_to_float(0x00018000u)), 0x0002);
  EXPECT_EQ(BFloat16::from_float(bits_to_float(0x80008000u)), 0x8000);
}

TEST(BFloat16, NaNStaysNaN) {
  for (std::uint32_t nan_bits : {0x7FC00000u, 0xFFC00000u, 0x7F800001u, 0x7FFFFFFFu, 0x7F80FFFFu, 0xFF800001u}) {
    const std::uint16_t h = BFloat16::from_float(bits_to_float(nan_bits));
    EXPECT_EQ(h & 0x7F80, 0x7F80) << std::hex << nan_bits;
    EXPECT_NE(h & 0x007F, 0) << "NaN 0x" << std::hex << nan_bits << " became Inf or rounded away";
    EXPECT_EQ(static_cast<std::uint32_t>(h & 0x8000u), (nan_bits >> 16) & 0x8000u) << "sign of NaN";
    EXPECT_TRUE(std::isnan(BFloat16::to_float(h)));
  }
}

TEST(BFloat16, ToFloatIsTheTopHalf) {
  EXPECT_EQ(BFloat16::to_float(0x3F80), 1.0f);
  EXPECT_EQ(BFloat16::to_float(0x4049), 3.140625f);
  EXPECT_EQ(float_bits(BFloat16::to_float(0x8000)), 0x80000000u);
  EXPECT_EQ(BFloat16::to_float(0x7F80), std::numeric_limits<float>::infinity());
  EXPECT_EQ(float_bits(BFloat16::to_float(0x0001)), 0x00010000u);  // a float denormal
}

TEST(BFloat16, EveryBitPatternRoundTrips) {
  for (std::uint32_t b = 0; b <= 0xFFFF; ++b) {
    const auto bits = static_cast<std::uint16_t>(b);
    const float f = BFloat16::to_float(bits);
    ASSERT_EQ(float_bits(f), b << 16);
    const bool is_nan = (bits & 0x7F80) == 0x7F80 && (bits & 0x007F) != 0;
    if (is_nan) {
      ASSERT_TRUE(std::isnan(BFloat16::to_float(BFloat16::from_float(f)))) << std::hex << b;
    } else {
      ASSERT_EQ(BFloat16::from_float(f), bits) << std::hex << b;
    }
  }
}

TEST(BFloat16, ValueType) {
  const BFloat16 one(1.0f);
  EXPECT_EQ(one.bits, 0x3F80);
  EXPECT_EQ(static_cast<float>(one), 1.0f);
  EXPECT_EQ(BFloat16::from_bits(0x3F80), one);
  EXPECT_EQ(BFloat16(1.00390625f).bits, 0x3F80);  // 1 + 2^-8 ties to even
}

TEST(Float8, RawBitsCompare) {
  const zrt::Float8E4M3FN a{0x38};
  const zrt::Float8E4M3FN b{0x38};
  const zrt::Float8E4M3FN c{0x39};
  EXPECT_EQ(a, b);
  EXPECT_FALSE(a == c);
}

// One checked size computation: sizes that would wrap around are errors naming the shape
// (byte_size once returned 4 bytes for float[2^62 + 1] and 0 for float[2^62]).
TEST(Element, SizesThatWouldWrapAreErrors) {
  const std::int64_t huge = (std::int64_t{1} << 62) + 1;
  const std::int64_t dims[] = {huge};
  try {
    (void)zrt::tensor_byte_size(ElementType::Float, dims);
    ADD_FAILURE() << "float[2^62+1] did not throw";
  } catch (const zrt::Error& e) {
    EXPECT_STREQ(e.what(), "shape [4611686018427387905] of float needs 2^63 bytes or more");
  }
  const std::int64_t exact[] = {std::int64_t{1} << 62};
  EXPECT_THROW((void)zrt::tensor_byte_size(ElementType::Float, exact), zrt::Error);
  EXPECT_THROW((void)zrt::byte_size(ElementType::Float, std::size_t{1} << 62), zrt::Error);
  EXPECT_THROW((void)zrt::byte_size(ElementType::Complex128, std::size_t{1} << 60), zrt::Error);
  EXPECT_THROW((void)zrt::byte_size(ElementType::Int4, std::numeric_limits<std::size_t>::max()), zrt::Error);
  // The largest sizes that fit still compute exactly.
  EXPECT_EQ(zrt::byte_size(ElementType::Float, (std::size_t{1} << 61) - 1), (std::size_t{1} << 63) - 4);
  EXPECT_EQ(zrt::byte_size(ElementType::UInt8, zrt::kMaxTensorBytes), zrt::kMaxTensorBytes);
  const std::int64_t fits[] = {2, 3, std::int64_t{1} << 40};
  EXPECT_EQ(zrt::tensor_byte_size(ElementType::Double, fits), 48 * (std::size_t{1} << 40));
  const std::int64_t zero[] = {huge, 0, huge};  // a zero dim: no elements, however large the rest
  EXPECT_EQ(zrt::tensor_byte_size(ElementType::Float, zero), 0u);
  const std::int64_t free_dim[] = {-1, 4};
  EXPECT_THROW((void)zrt::tensor_byte_size(ElementType::Float, free_dim), zrt::Error);
}

}  // namespace
