// What Pool and Batcher share inside the library: a latency histogram that threads
// record into without a lock, and the host view of one request input.
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "zrt/element.hpp"
#include "zrt/serving_queue.hpp"
#include "zrt/session.hpp"
#include "zrt/shape.hpp"

namespace zrt::detail {

// Log-scale buckets of nanoseconds: values below 8 exactly, then 8 buckets per power
// of two. record() is lock-free and never allocates; summary() may run concurrently.
class LatencyHistogram {
 public:
  void record(std::chrono::nanoseconds d) noexcept {
    const auto v = static_cast<std::uint64_t>(d.count() < 0 ? 0 : d.count());
    buckets_[index(v)].fetch_add(1, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
    std::uint64_t m = max_.load(std::memory_order_relaxed);
    while (v > m && !max_.compare_exchange_weak(m, v, std::memory_order_relaxed)) {
    }
  }
  LatencySummary summary() const noexcept;

 private:
  static constexpr std::size_t kSub = 8;
  static constexpr std::size_t kBuckets = kSub + (64 - 3) * kSub;
  static std::size_t index(std::uint64_t v) noexcept {
    if (v < kSub) return static_cast<std::size_t>(v);
    const auto e = static_cast<std::size_t>(std::bit_width(v) - 1);  // >= 3
    const auto sub = static_cast<std::size_t>((v >> (e - 3)) & (kSub - 1));
    return kSub + (e - 3) * kSub + sub;
  }
  // The largest value that falls in bucket i.
  static std::uint64_t upper(std::size_t i) noexcept;

  std::array<std::atomic<std::uint64_t>, kBuckets> buckets_{};
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> max_{0};
};

// One request input as host bytes, checked: a tensor (TensorView or Value) in host
// memory. Throws zrt::Error naming `who` and the input otherwise.
struct HostInput {
  const std::byte* data = nullptr;
  std::size_t bytes = 0;
  ElementType type = ElementType::Undefined;
  Shape shape;
};
HostInput host_input(const char* who, const Session& session, const Input& input, std::size_t index);

// "input 0 'x'" / "output 1 'y'" for messages.
std::string input_label(const Session& session, std::size_t index);
std::string output_label(const Session& session, std::size_t index);

}  // namespace zrt::detail
