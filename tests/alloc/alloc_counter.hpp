// Counts every heap allocation in the process: malloc, calloc, realloc, posix_memalign,
// aligned_alloc, memalign, valloc, pvalloc and every form of operator new, from any
// library (ONNX Runtime's included), on any thread. alloc_counter.cpp replaces those
// functions and forwards them to glibc (__libc_malloc, ...). It must be compiled into
// the test executable itself (not a shared library) and never into a sanitizer build,
// whose runtime replaces malloc too.
#pragma once

#include <cstdint>

namespace zrt::test {

struct AllocationCounts {
  std::uint64_t allocations = 0;  // calls that allocate (realloc counts as one)
  std::uint64_t frees = 0;        // free / operator delete of a non-null pointer
  std::uint64_t bytes = 0;        // bytes requested by those allocations
};

// Totals since the process started.
AllocationCounts allocation_totals() noexcept;

// True once a replaced function has run, i.e. the replacements are in effect.
bool allocation_counting_active() noexcept;

// Counts for a region: from construction to each call.
class AllocationCounter {
 public:
  AllocationCounter() noexcept : start_(allocation_totals()) {}
  AllocationCounts counts() const noexcept {
    const AllocationCounts now = allocation_totals();
    AllocationCounts d;
    d.allocations = now.allocations - start_.allocations;
    d.frees = now.frees - start_.frees;
    d.bytes = now.bytes - start_.bytes;
    return d;
  }
  std::uint64_t allocations() const noexcept { return counts().allocations; }
  std::uint64_t frees() const noexcept { return counts().frees; }
  void restart() noexcept { start_ = allocation_totals(); }

 private:
  AllocationCounts start_;
};

}  // namespace zrt::test
