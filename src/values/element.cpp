#include "zrt/element.hpp"

#include <cmath>
#include <cstring>
#include <string>

#include "zrt/error.hpp"
#include "zrt/shape.hpp"

namespace zrt {

std::size_t element_size(ElementType type) noexcept {
  switch (type) {
    case ElementType::Float: return 4;
    case ElementType::Double: return 8;
    case ElementType::Int8:
    case ElementType::UInt8:
    case ElementType::Bool:
    case ElementType::Float8E4M3FN:
    case ElementType::Float8E4M3FNUZ:
    case ElementType::Float8E5M2:
    case ElementType::Float8E5M2FNUZ:
    case ElementType::Float8E8M0: return 1;
    case ElementType::Int16:
    case ElementType::UInt16:
    case ElementType::Float16:
    case ElementType::BFloat16: return 2;
    case ElementType::Int32:
    case ElementType::UInt32: return 4;
    case ElementType::Int64:
    case ElementType::UInt64:
    case ElementType::Complex64: return 8;
    case ElementType::Complex128: return 16;
    default: return 0;  // String, packed sub-byte types, Undefined
  }
}

std::size_t byte_size(ElementType type, std::size_t count) {
  if (count > kMaxTensorBytes) {
    throw Error(std::to_string(count) + " elements of " + std::string(to_string(type)) + " are 2^63 or more");
  }
  if (const std::size_t size = element_size(type); size != 0) {
    if (count > kMaxTensorBytes / size) {
      throw Error(std::to_string(count) + " elements of " + std::string(to_string(type)) + " need 2^63 bytes or more");
    }
    return count * size;
  }
  switch (type) {  // packed sub-byte types
    case ElementType::Int4:
    case ElementType::UInt4:
    case ElementType::Float4E2M1: return (count + 1) / 2;
    case ElementType::Int2:
    case ElementType::UInt2: return (count + 3) / 4;
    default: throw Error("element type " + std::string(to_string(type)) + " has no fixed byte size");
  }
}

std::size_t tensor_byte_size(ElementType type, std::span<const std::int64_t> dims) {
  const std::size_t count = element_count(dims);
  const std::size_t size = element_size(type);
  if (size != 0 && count > kMaxTensorBytes / size) {
    throw Error("shape " + shape_to_string(dims) + " of " + std::string(to_string(type)) + " needs 2^63 bytes or more");
  }
  return byte_size(type, count);
}

std::string_view to_string(ElementType type) noexcept {
  switch (type) {
    case ElementType::Undefined: return "undefined";
    case ElementType::Float: return "float";
    case ElementType::UInt8: return "uint8";
    case ElementType::Int8: return "int8";
    case ElementType::UInt16: return "uint16";
    case ElementType::Int16: return "int16";
    case ElementType::Int32: return "int32";
    case ElementType::Int64: return "int64";
    case ElementType::String: return "string";
    case ElementType::Bool: return "bool";
    case ElementType::Float16: return "float16";
    case ElementType::Double: return "double";
    case ElementType::UInt32: return "uint32";
    case ElementType::UInt64: return "uint64";
    case ElementType::Complex64: return "complex64";
    case ElementType::Complex128: return "complex128";
    case ElementType::BFloat16: return "bfloat16";
    case ElementType::Float8E4M3FN: return "float8e4m3fn";
    case ElementType::Float8E4M3FNUZ: return "float8e4m3fnuz";
    case ElementType::Float8E5M2: return "float8e5m2";
    case ElementType::Float8E5M2FNUZ: return "float8e5m2fnuz";
    case ElementType::UInt4: return "uint4";
    case ElementType::Int4: return "int4";
    case ElementType::Float4E2M1: return "float4e2m1";
    case ElementType::Float8E8M0: return "float8e8m0";
    case ElementType::UInt2: return "uint2";
    case ElementType::Int2: return "int2";
  }
  return "unknown";
}

std::uint16_t Float16::from_float(float value) noexcept {
  const std::uint32_t f = std::bit_cast<std::uint32_t>(value);
  const std::uint32_t sign = (f >> 16) & 0x8000u;
  const std::uint32_t abs = f & 0x7fffffffu;
  if (abs >= 0x7f800000u) {  // Inf or NaN (NaN keeps a quiet payload bit)
    return static_cast<std::uint16_t>(sign | 0x7c00u | (abs > 0x7f800000u ? 0x0200u | ((abs >> 13) & 0x3ffu) : 0u));
  }
  if (abs >= 0x477ff000u) return static_cast<std::uint16_t>(sign | 0x7c00u);  // rounds to >= 65520: Inf
  if (abs < 0x38800000u) {                                           // below the smallest normal half: denormal or zero
    if (abs < 0x33000000u) return static_cast<std::uint16_t>(sign);  // < half the smallest denormal
    const std::uint32_t exponent = abs >> 23;
    const std::uint32_t mantissa = (abs & 0x7fffffu) | 0x800000u;
    const std::uint32_t shift = 126u - exponent;  // 14..24 -> denormal position
    std::uint32_t half = mantissa >> shift;
    const std::uint32_t rest = mantissa & ((1u << shift) - 1u);
    const std::uint32_t halfway = 1u << (shift - 1u);
    if (rest > halfway || (rest == halfway && (half & 1u))) ++half;
    return static_cast<std::uint16_t>(sign | half);
  }
  // Normal: rebias exponent (127 -> 15) and round the mantissa to nearest even.
  std::uint32_t half = ((abs - 0x38000000u) >> 13);
  const std::uint32_t rest = abs & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (half & 1u))) ++half;
  return static_cast<std::uint16_t>(sign | half);
}

float Float16::to_float(std::uint16_t bits) noexcept {
  const std::uint32_t sign = (std::uint32_t{bits} & 0x8000u) << 16;
  const std::uint32_t exponent = (bits >> 10) & 0x1fu;
  const std::uint32_t mantissa = bits & 0x3ffu;
  std::uint32_t f;
  if (exponent == 0x1fu) {
    f = sign | 0x7f800000u | (mantissa << 13);
  } else if (exponent != 0) {
    f = sign | ((exponent + 112u) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    f = sign;
  } else {  // denormal half: exact as a float
    const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  return std::bit_cast<float>(f);
}

std::uint16_t BFloat16::from_float(float value) noexcept {
  const std::uint32_t f = std::bit_cast<std::uint32_t>(value);
  if ((f & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((f >> 16) | 0x0040u);  // quiet NaN
  const std::uint32_t rounding = 0x7fffu + ((f >> 16) & 1u);
  return static_cast<std::uint16_t>((f + rounding) >> 16);
}

}  // namespace zrt
