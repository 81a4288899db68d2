// Shape: tensor dimensions, stored inline up to 8 dims so building one never allocates.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

namespace zrt {

class Shape {
 public:
  static constexpr std::size_t kInlineRank = 8;

  Shape() = default;
  Shape(std::initializer_list<std::int64_t> dims) { assign(dims.begin(), dims.size()); }
  explicit Shape(std::span<const std::int64_t> dims) { assign(dims.data(), dims.size()); }
  explicit Shape(const std::vector<std::int64_t>& dims) { assign(dims.data(), dims.size()); }
  Shape(const Shape&) = default;
  Shape& operator=(const Shape&) = default;
  // A moved-from Shape is empty (rank 0), never a rank without dims.
  Shape(Shape&& other) noexcept : rank_(other.rank_), inline_(other.inline_), heap_(std::move(other.heap_)) {
    other.rank_ = 0;
  }
  Shape& operator=(Shape&& other) noexcept {
    rank_ = other.rank_;
    inline_ = other.inline_;
    heap_ = std::move(other.heap_);
    other.rank_ = 0;
    return *this;
  }

  std::size_t rank() const noexcept { return rank_; }
  bool empty() const noexcept { return rank_ == 0; }
  const std::int64_t* data() const noexcept { return rank_ <= kInlineRank ? inline_.data() : heap_.data(); }
  std::span<const std::int64_t> dims() const noexcept { return {data(), rank_}; }
  std::int64_t operator[](std::size_t i) const noexcept { return data()[i]; }
  std::int64_t at(std::size_t i) const;  // throws zrt::Error when i >= rank()
  const std::int64_t* begin() const noexcept { return data(); }
  const std::int64_t* end() const noexcept { return data() + rank_; }
  std::vector<std::int64_t> to_vector() const { return {begin(), end()}; }

  // True when every dim is >= 0 (no free / symbolic dim, written -1).
  bool is_static() const noexcept;
  // Product of dims (1 for rank 0). Throws zrt::Error for a negative dim or for 2^63
  // elements or more (see zrt::element_count).
  std::size_t element_count() const;

  // "[1,3,224,224]"; free dims print as their symbol if given, else "?".
  std::string to_string() const;

  friend bool operator==(const Shape& a, const Shape& b) noexcept;

 private:
  void assign(const std::int64_t* dims, std::size_t rank);

  std::size_t rank_ = 0;
  std::array<std::int64_t, kInlineRank> inline_{};
  std::vector<std::int64_t> heap_;  // used only when rank_ > kInlineRank
};

// Product of `dims` (1 for none), checked: throws zrt::Error naming the shape for a
// negative dim or for 2^63 elements or more. Every count of dims in zrt goes through it.
std::size_t element_count(std::span<const std::int64_t> dims);
// "[1,3,224,224]", free dims as "?"; a shape with more than 32 dims is cut short with
// "...(N dims)" so that error messages stay readable.
std::string shape_to_string(std::span<const std::int64_t> dims);

}  // namespace zrt
