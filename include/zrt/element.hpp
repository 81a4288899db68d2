// Element types of tensors, and the 16-bit / 8-bit float types ORT stores as raw bits.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

namespace zrt {

// Same numbering as ONNX's TensorProto.DataType (and ORT's ONNXTensorElementDataType).
enum class ElementType : int {
  Undefined = 0,
  Float = 1,
  UInt8 = 2,
  Int8 = 3,
  UInt16 = 4,
  Int16 = 5,
  Int32 = 6,
  Int64 = 7,
  String = 8,
  Bool = 9,
  Float16 = 10,
  Double = 11,
  UInt32 = 12,
  UInt64 = 13,
  Complex64 = 14,
  Complex128 = 15,
  BFloat16 = 16,
  Float8E4M3FN = 17,
  Float8E4M3FNUZ = 18,
  Float8E5M2 = 19,
  Float8E5M2FNUZ = 20,
  UInt4 = 21,
  Int4 = 22,
  Float4E2M1 = 23,
  Float8E8M0 = 24,
  UInt2 = 25,
  Int2 = 26,
};

// Bytes per element; 0 for String (variable) and for sub-byte packed types.
std::size_t element_size(ElementType type) noexcept;
// The largest tensor zrt accepts, in elements and in bytes: 2^63 - 1, so that every size
// fits std::ptrdiff_t and no size computation can wrap around.
inline constexpr std::size_t kMaxTensorBytes = static_cast<std::size_t>(PTRDIFF_MAX);
// Bytes that `count` elements take in a tensor (packed sub-byte types round up).
// Throws zrt::Error for String and Undefined, which have no fixed size, and when the
// size would exceed kMaxTensorBytes.
std::size_t byte_size(ElementType type, std::size_t count);
// The one checked size computation for a tensor of `type` with `dims`: the product of
// the dims times the element size. Throws zrt::Error naming the shape for a free
// (negative) dim or when the tensor needs 2^63 bytes or more.
std::size_t tensor_byte_size(ElementType type, std::span<const std::int64_t> dims);
// "float", "int64", "float16", ... as ONNX spells them in its text syntax.
std::string_view to_string(ElementType type) noexcept;

// IEEE 754 half precision, stored as its 16 bits.
struct Float16 {
  std::uint16_t bits = 0;

  constexpr Float16() = default;
  static constexpr Float16 from_bits(std::uint16_t b) noexcept {
    Float16 h;
    h.bits = b;
    return h;
  }
  explicit Float16(float value) noexcept : bits(from_float(value)) {}
  explicit operator float() const noexcept { return to_float(bits); }
  float to_float() const noexcept { return to_float(bits); }
  friend constexpr bool operator==(Float16 a, Float16 b) noexcept { return a.bits == b.bits; }

  static std::uint16_t from_float(float value) noexcept;  // round to nearest even
  static float to_float(std::uint16_t bits) noexcept;
};

// bfloat16: the top 16 bits of a float.
struct BFloat16 {
  std::uint16_t bits = 0;

  constexpr BFloat16() = default;
  static constexpr BFloat16 from_bits(std::uint16_t b) noexcept {
    BFloat16 h;
    h.bits = b;
    return h;
  }
  explicit BFloat16(float value) noexcept : bits(from_float(value)) {}
  explicit operator float() const noexcept { return to_float(bits); }
  float to_float() const noexcept { return to_float(bits); }
  friend constexpr bool operator==(BFloat16 a, BFloat16 b) noexcept { return a.bits == b.bits; }

  static std::uint16_t from_float(float value) noexcept;  // round to nearest even, NaN kept
  static float to_float(std::uint16_t bits) noexcept { return std::bit_cast<float>(std::uint32_t{bits} << 16); }
};

// 8-bit float formats are carried as raw bytes; zrt does not convert them.
template <ElementType Tag>
struct Float8 {
  std::uint8_t bits = 0;
  friend constexpr bool operator==(Float8 a, Float8 b) noexcept { return a.bits == b.bits; }
};
using Float8E4M3FN = Float8<ElementType::Float8E4M3FN>;
using Float8E4M3FNUZ = Float8<ElementType::Float8E4M3FNUZ>;
using Float8E5M2 = Float8<ElementType::Float8E5M2>;
using Float8E5M2FNUZ = Float8<ElementType::Float8E5M2FNUZ>;
// float8 e8m0: an exponent only, the value 2^(bits - 127); 0xff is NaN (MX block scales).
using Float8E8M0 = Float8<ElementType::Float8E8M0>;
float to_float(Float8E8M0 value) noexcept;  // src/values/packed.cpp
// The sub-byte types (int4, uint4, float4e2m1, int2, uint2) are in zrt/packed.hpp.

// element_type_of<T>: the ElementType of a C++ element type (compile-time).
template <typename T>
struct ElementTypeOf {
  static constexpr ElementType value = ElementType::Undefined;
};
#define ZRT_ELEMENT_TYPE_OF(T, E)                        \
  template <>                                            \
  struct ElementTypeOf<T> {                              \
    static constexpr ElementType value = ElementType::E; \
  }
ZRT_ELEMENT_TYPE_OF(float, Float);
ZRT_ELEMENT_TYPE_OF(double, Double);
ZRT_ELEMENT_TYPE_OF(std::int8_t, Int8);
ZRT_ELEMENT_TYPE_OF(std::int16_t, Int16);
ZRT_ELEMENT_TYPE_OF(std::int32_t, Int32);
ZRT_ELEMENT_TYPE_OF(std::int64_t, Int64);
ZRT_ELEMENT_TYPE_OF(std::uint8_t, UInt8);
ZRT_ELEMENT_TYPE_OF(std::uint16_t, UInt16);
ZRT_ELEMENT_TYPE_OF(std::uint32_t, UInt32);
ZRT_ELEMENT_TYPE_OF(std::uint64_t, UInt64);
ZRT_ELEMENT_TYPE_OF(bool, Bool);
ZRT_ELEMENT_TYPE_OF(Float16, Float16);
ZRT_ELEMENT_TYPE_OF(BFloat16, BFloat16);
ZRT_ELEMENT_TYPE_OF(Float8E4M3FN, Float8E4M3FN);
ZRT_ELEMENT_TYPE_OF(Float8E4M3FNUZ, Float8E4M3FNUZ);
ZRT_ELEMENT_TYPE_OF(Float8E5M2, Float8E5M2);
ZRT_ELEMENT_TYPE_OF(Float8E5M2FNUZ, Float8E5M2FNUZ);
ZRT_ELEMENT_TYPE_OF(Float8E8M0, Float8E8M0);
#undef ZRT_ELEMENT_TYPE_OF

template <typename T>
inline constexpr ElementType element_type_of = ElementTypeOf<std::remove_cv_t<T>>::value;

// A numeric element type zrt can view directly in memory.
template <typename T>
concept Element = element_type_of<T>
!= ElementType::Undefined;

}  // namespace zrt
