#include "zrt/packed.hpp"

#include <array>
#include <cmath>
#include <string>

namespace zrt {

namespace detail {

void throw_out_of_range(ElementType type, int value) {
  const auto [lo, hi] = [type]() -> std::pair<int, int> {
    switch (type) {
      case ElementType::Int4: return {Int4::min, Int4::max};
      case ElementType::UInt4: return {UInt4::min, UInt4::max};
      case ElementType::Int2: return {Int2::min, Int2::max};
      default: return {UInt2::min, UInt2::max};
    }
  }();
  throw Error(std::to_string(value) + " does not fit " + std::string(to_string(type)) + " (" + std::to_string(lo) +
              " .. " + std::to_string(hi) + ")");
}

void throw_packed_size(ElementType type, std::size_t count, std::size_t bytes, std::size_t expected) {
  throw Error(std::to_string(count) + " " + std::string(to_string(type)) + " values pack into " +
              std::to_string(expected) + " bytes, but the buffer holds " + std::to_string(bytes));
}

}  // namespace detail

namespace {
// Magnitudes of the codes 0..7.
constexpr std::array<float, 8> kFloat4Magnitudes{0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f};
}  // namespace

Float4E2M1::Float4E2M1(float value) {
  if (std::isnan(value)) throw Error("float4e2m1 has no NaN: cannot convert NaN");
  const std::uint8_t sign = std::signbit(value) ? 0x8u : 0x0u;
  const float magnitude = std::fabs(value);
  std::uint8_t code = 7;  // saturates at 6
  for (std::uint8_t c = 0; c < 7; ++c) {
    const float midpoint = (kFloat4Magnitudes[c] + kFloat4Magnitudes[c + 1]) / 2;
    if (magnitude < midpoint || (magnitude == midpoint && c % 2 == 0)) {  // ties to the even code
      code = c;
      break;
    }
  }
  raw = static_cast<std::uint8_t>(sign | code);
}

float Float4E2M1::to_float() const noexcept {
  const float magnitude = kFloat4Magnitudes[raw & 0x7u];
  return (raw & 0x8u) != 0 ? -magnitude : magnitude;
}

float to_float(Float8E8M0 value) noexcept {
  if (value.bits == 0xff) return std::nanf("");
  return std::ldexp(1.0f, static_cast<int>(value.bits) - 127);
}

}  // namespace zrt
