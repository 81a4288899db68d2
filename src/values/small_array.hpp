// SmallArray: N elements on the stack, on the heap only beyond N. For the handle
// arrays of a run, so the common case (<= 8 inputs/outputs) never allocates.
#pragma once

#include <array>
#include <cstddef>
#include <memory>

namespace zrt::detail {

template <typename T, std::size_t N = 8>
class SmallArray {
 public:
  explicit SmallArray(std::size_t size) : size_(size) {
    if (size > N) heap_ = std::make_unique<T[]>(size);
    std::fill_n(data(), size, T{});
  }
  T* data() noexcept { return heap_ ? heap_.get() : stack_.data(); }
  T& operator[](std::size_t i) noexcept { return data()[i]; }
  std::size_t size() const noexcept { return size_; }

 private:
  std::size_t size_;
  std::array<T, N> stack_;
  std::unique_ptr<T[]> heap_;
};

}  // namespace zrt::detail
