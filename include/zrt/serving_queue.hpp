// What the serving queues (Pool, Batcher) share: what submit does when the queue is
// full, latency summaries for their metrics, and a callable stored inline so that
// queuing a callback never allocates.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>
#include <utility>

namespace zrt {

// What submit does when the queue holds its bound of requests.
enum class QueueFull : int {
  Block,   // wait until a request leaves the queue
  Reject,  // throw zrt::Error at once ("queue full"); counted in the metrics' `rejected`
};
const char* to_string(QueueFull mode) noexcept;

// Percentiles of one per-request latency, from a log-scale histogram (buckets 1/8 of
// a power of two wide, so a percentile is within 12.5% of the true value). Readable
// while requests run; recording one sample is a few relaxed atomic adds.
struct LatencySummary {
  std::uint64_t count = 0;
  std::chrono::nanoseconds p50{0};
  std::chrono::nanoseconds p99{0};
  std::chrono::nanoseconds max{0};
};

namespace detail {

// A move-only callable of signature R(Args...) stored in `Bytes` bytes inline: never
// allocates. A callable that does not fit is a compile-time error (capture a pointer
// to larger state instead).
template <typename Signature, std::size_t Bytes = 64>
class InlineFunction;

template <typename R, typename... Args, std::size_t Bytes>
class InlineFunction<R(Args...), Bytes> {
 public:
  InlineFunction() noexcept = default;
  template <typename F>
  requires(!std::is_same_v<std::decay_t<F>, InlineFunction> && std::is_invocable_r_v<R, std::decay_t<F>&, Args...>)
      InlineFunction(F&& f)
  noexcept(std::is_nothrow_constructible_v<std::decay_t<F>, F&&>) {  // NOLINT
    using D = std::decay_t<F>;
    static_assert(sizeof(D) <= Bytes,
                  "zrt: this callback is too large to store inline; capture a pointer to its state instead");
    static_assert(alignof(D) <= alignof(std::max_align_t), "zrt: this callback is over-aligned");
    static_assert(std::is_nothrow_move_constructible_v<D>, "zrt: a callback must be nothrow move constructible");
    ::new (static_cast<void*>(storage_)) D(std::forward<F>(f));
    ops_ = &kOps<D>;
  }
  InlineFunction(InlineFunction&& other) noexcept { take(other); }
  InlineFunction& operator=(InlineFunction&& other) noexcept {
    if (this != &other) {
      reset();
      take(other);
    }
    return *this;
  }
  InlineFunction(const InlineFunction&) = delete;
  InlineFunction& operator=(const InlineFunction&) = delete;
  ~InlineFunction() { reset(); }

  explicit operator bool() const noexcept { return ops_ != nullptr; }
  R operator()(Args... args) { return ops_->invoke(storage_, std::forward<Args>(args)...); }
  void reset() noexcept {
    if (ops_ != nullptr) ops_->destroy(storage_);
    ops_ = nullptr;
  }

 private:
  struct Ops {
    R (*invoke)(void*, Args&&...);
    void (*relocate)(void* from, void* to) noexcept;
    void (*destroy)(void*) noexcept;
  };
  template <typename D>
  static constexpr Ops kOps{
      [](void* p, Args&&... args) -> R { return (*static_cast<D*>(p))(std::forward<Args>(args)...); },
      [](void* from, void* to) noexcept {
        ::new (to) D(std::move(*static_cast<D*>(from)));
        static_cast<D*>(from)->~D();
      },
      [](void* p) noexcept { static_cast<D*>(p)->~D(); }};

  void take(InlineFunction& other) noexcept {
    if (other.ops_ != nullptr) {
      other.ops_->relocate(other.storage_, storage_);
      ops_ = std::exchange(other.ops_, nullptr);
    }
  }

  alignas(std::max_align_t) unsigned char storage_[Bytes];
  const Ops* ops_ = nullptr;
};

}  // namespace detail
}  // namespace zrt
