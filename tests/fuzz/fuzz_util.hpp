// Shared by the fuzz targets: turns the fuzzer's bytes into choices, and bounds sizes.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <type_traits>

namespace zrt::fuzz {

// Reads integers and strings off the front of the input; past the end it reads zeros,
// so every input, however short, is a complete sequence of choices.
class FuzzInput {
 public:
  FuzzInput(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  bool empty() const noexcept { return pos_ >= size_; }

  template <typename T>
  T take() noexcept {
    static_assert(std::is_trivially_copyable_v<T>);
    unsigned char raw[sizeof(T)] = {};
    const std::size_t n = std::min(sizeof(T), size_ - std::min(pos_, size_));
    if (n > 0) std::memcpy(raw, data_ + pos_, n);
    pos_ += sizeof(T);
    T v;
    std::memcpy(&v, raw, sizeof(T));
    return v;
  }
  // A value in [0, n), n > 0.
  std::size_t below(std::size_t n) noexcept { return take<std::uint8_t>() % n; }
  bool flag() noexcept { return (take<std::uint8_t>() & 1) != 0; }
  // A length byte, then up to that many bytes.
  std::string string(std::size_t max) {
    const std::size_t want = std::min<std::size_t>(take<std::uint8_t>(), max);
    const std::size_t left = size_ - std::min(pos_, size_);
    const std::size_t n = std::min(want, left);
    std::string s(reinterpret_cast<const char*>(data_) + std::min(pos_, size_), n);
    pos_ += n;
    return s;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

// Product of `dims` times `item` bytes; nullopt for a negative dim or on overflow.
inline std::optional<std::size_t> checked_bytes(std::span<const std::int64_t> dims, std::size_t item) {
  std::size_t n = item;
  for (const std::int64_t d : dims) {
    if (d < 0) return std::nullopt;
    const auto u = static_cast<std::uint64_t>(d);
    if (u != 0 && n > SIZE_MAX / u) return std::nullopt;
    n *= static_cast<std::size_t>(u);
  }
  return n;
}

// Runs stay bounded: inputs larger than this are not made.
inline constexpr std::size_t kMaxInputBytes = std::size_t{16} << 20;

}  // namespace zrt::fuzz
