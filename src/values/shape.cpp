#include "zrt/shape.hpp"

#include <algorithm>

#include "zrt/element.hpp"

#include "zrt/error.hpp"

namespace zrt {

void Shape::assign(const std::int64_t* dims, std::size_t rank) {
  rank_ = rank;
  if (rank <= kInlineRank) {
    std::copy_n(dims, rank, inline_.begin());
    heap_.clear();
  } else {
    heap_.assign(dims, dims + rank);
  }
}

std::int64_t Shape::at(std::size_t i) const {
  if (i >= rank_) {
    throw Error("Shape::at: dim index " + std::to_string(i) + " out of range for rank " + std::to_string(rank_) +
                " shape " + to_string());
  }
  return data()[i];
}

bool Shape::is_static() const noexcept {
  return std::all_of(begin(), end(), [](std::int64_t d) { return d >= 0; });
}

std::size_t Shape::element_count() const { return zrt::element_count(dims()); }

std::string Shape::to_string() const { return shape_to_string(dims()); }

std::size_t element_count(std::span<const std::int64_t> dims) {
  for (std::int64_t d : dims) {
    if (d < 0) throw Error("shape " + shape_to_string(dims) + " has a free dim: it has no element count");
  }
  if (std::find(dims.begin(), dims.end(), 0) != dims.end()) return 0;  // however large the others
  std::size_t count = 1;
  for (std::int64_t d : dims) {
    const auto dim = static_cast<std::size_t>(d);
    if (count > kMaxTensorBytes / dim) throw Error("shape " + shape_to_string(dims) + " has 2^63 elements or more");
    count *= dim;
  }
  return count;
}

std::string shape_to_string(std::span<const std::int64_t> dims) {
  constexpr std::size_t kShown = 32;  // a 100,000-dim shape must not make a 1 MB message
  std::string s = "[";
  for (std::size_t i = 0; i < dims.size() && i < kShown; ++i) {
    if (i) s += ',';
    s += dims[i] < 0 ? std::string("?") : std::to_string(dims[i]);
  }
  if (dims.size() > kShown) s += ",...(" + std::to_string(dims.size()) + " dims)";
  return s + "]";
}

bool operator==(const Shape& a, const Shape& b) noexcept { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

}  // namespace zrt
