#include "zrt/shape.hpp"

#include <algorithm>
#include <limits>

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

std::size_t Shape::element_count() const {
  std::size_t count = 1;
  for (std::int64_t d : dims()) {
    if (d < 0) throw Error("shape " + to_string() + " has a free dim: it has no element count");
    const auto dim = static_cast<std::size_t>(d);
    if (dim != 0 && count > std::numeric_limits<std::size_t>::max() / dim) {
      throw Error("shape " + to_string() + " has more elements than fit in memory");
    }
    count *= dim;
  }
  return count;
}

std::string Shape::to_string() const {
  std::string s = "[";
  for (std::size_t i = 0; i < rank_; ++i) {
    if (i) s += ',';
    s += data()[i] < 0 ? std::string("?") : std::to_string(data()[i]);
  }
  return s + "]";
}

bool operator==(const Shape& a, const Shape& b) noexcept { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

}  // namespace zrt
