// Allocation counts from the process-wide counter linked into this executable.
#include "bench_alloc.hpp"

#include "alloc_counter.hpp"

namespace zrt::cli::bench {

bool allocation_counting() noexcept { return zrt::test::allocation_counting_active(); }

AllocationSnapshot allocation_snapshot() noexcept {
  const zrt::test::AllocationCounts c = zrt::test::allocation_totals();
  AllocationSnapshot s;
  s.allocations = c.allocations;
  s.bytes = c.bytes;
  return s;
}

}  // namespace zrt::cli::bench
