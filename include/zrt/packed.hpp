// Sub-byte element types: int4, uint4 and float4e2m1 (two values a byte), int2 and uint2
// (four a byte), with the helpers that pack them into tensor bytes and unpack them again.
// ONNX's layout: value i sits in byte i / per_byte, lowest bits first (int4: value 0 in
// the low nibble, value 1 in the high one); the last byte's unused bits are zero.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "zrt/element.hpp"
#include "zrt/error.hpp"

namespace zrt {

namespace detail {
[[noreturn]] void throw_out_of_range(ElementType type, int value);
[[noreturn]] void throw_packed_size(ElementType type, std::size_t count, std::size_t bytes, std::size_t expected);
}  // namespace detail

// A signed or unsigned integer of Bits bits, one value (unpacked). Constructing one from
// an int outside its range throws zrt::Error naming the type and the value.
template <ElementType Tag, int Bits, bool Signed>
struct PackedInt {
  static constexpr ElementType type = Tag;
  static constexpr int bits = Bits;
  static constexpr int min = Signed ? -(1 << (Bits - 1)) : 0;
  static constexpr int max = Signed ? (1 << (Bits - 1)) - 1 : (1 << Bits) - 1;

  std::int8_t value = 0;

  constexpr PackedInt() = default;
  constexpr PackedInt(int v) : value(static_cast<std::int8_t>(v)) {  // NOLINT(google-explicit-constructor)
    if (v < min || v > max) detail::throw_out_of_range(Tag, v);
  }
  constexpr operator int() const noexcept { return value; }  // NOLINT(google-explicit-constructor)

  // The value's Bits-bit code, and back (sign-extended for signed types).
  constexpr std::uint8_t code() const noexcept { return static_cast<std::uint8_t>(value) & ((1u << Bits) - 1u); }
  static constexpr PackedInt from_code(std::uint8_t c) noexcept {
    PackedInt p;
    int v = c & ((1 << Bits) - 1);
    if (Signed && v > max) v -= 1 << Bits;
    p.value = static_cast<std::int8_t>(v);
    return p;
  }
  friend constexpr bool operator==(PackedInt a, PackedInt b) noexcept { return a.value == b.value; }
};
using Int4 = PackedInt<ElementType::Int4, 4, true>;     // -8 .. 7
using UInt4 = PackedInt<ElementType::UInt4, 4, false>;  // 0 .. 15
using Int2 = PackedInt<ElementType::Int2, 2, true>;     // -2 .. 1
using UInt2 = PackedInt<ElementType::UInt2, 2, false>;  // 0 .. 3

// float4 e2m1: sign, 2 exponent bits, 1 mantissa bit. Values ±{0, 0.5, 1, 1.5, 2, 3, 4, 6};
// no infinity, no NaN.
struct Float4E2M1 {
  static constexpr ElementType type = ElementType::Float4E2M1;
  static constexpr int bits = 4;

  std::uint8_t raw = 0;  // the 4-bit code

  constexpr Float4E2M1() = default;
  // Rounds to the nearest value (ties to the even code) and saturates at ±6. NaN has no
  // code: it throws zrt::Error.
  explicit Float4E2M1(float value);
  float to_float() const noexcept;
  explicit operator float() const noexcept { return to_float(); }

  constexpr std::uint8_t code() const noexcept { return raw; }
  static constexpr Float4E2M1 from_code(std::uint8_t c) noexcept {
    Float4E2M1 f;
    f.raw = c & 0x0fu;
    return f;
  }
  friend constexpr bool operator==(Float4E2M1 a, Float4E2M1 b) noexcept { return a.raw == b.raw; }
};

// A sub-byte element type: a value type with a `bits`-bit code.
template <typename P>
concept PackedElement = requires(P p, std::uint8_t c) {
  { P::type } -> std::convertible_to<ElementType>;
  { p.code() } -> std::same_as<std::uint8_t>;
  { P::from_code(c) } -> std::same_as<P>;
}
&&(P::bits == 2 || P::bits == 4);

// Bytes that `count` packed values take (byte_size of the element type).
template <PackedElement P>
std::size_t packed_size(std::size_t count) {
  return byte_size(P::type, count);
}

// Packs `values` into `out`, which must hold exactly packed_size<P>(values.size()) bytes.
template <PackedElement P>
void pack(std::span<const P> values, std::span<std::byte> out) {
  constexpr std::size_t per_byte = 8 / P::bits;
  const std::size_t expected = packed_size<P>(values.size());
  if (out.size() != expected) detail::throw_packed_size(P::type, values.size(), out.size(), expected);
  for (std::byte& b : out) b = std::byte{0};
  for (std::size_t i = 0; i < values.size(); ++i) {
    const unsigned shift = static_cast<unsigned>((i % per_byte) * P::bits);
    out[i / per_byte] |= static_cast<std::byte>(values[i].code() << shift);
  }
}
template <PackedElement P>
std::vector<std::byte> pack(std::span<const P> values) {
  std::vector<std::byte> out(packed_size<P>(values.size()));
  pack(values, std::span<std::byte>(out));
  return out;
}

// Unpacks `out.size()` values from `bytes`, which must hold exactly packed_size<P>(out.size()).
template <PackedElement P>
void unpack(std::span<const std::byte> bytes, std::span<P> out) {
  constexpr std::size_t per_byte = 8 / P::bits;
  const std::size_t expected = packed_size<P>(out.size());
  if (bytes.size() != expected) detail::throw_packed_size(P::type, out.size(), bytes.size(), expected);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const unsigned shift = static_cast<unsigned>((i % per_byte) * P::bits);
    out[i] = P::from_code(static_cast<std::uint8_t>(std::to_integer<unsigned>(bytes[i / per_byte]) >> shift));
  }
}
template <PackedElement P>
std::vector<P> unpack(std::span<const std::byte> bytes, std::size_t count) {
  std::vector<P> out(count);
  unpack(bytes, std::span<P>(out));
  return out;
}

}  // namespace zrt
