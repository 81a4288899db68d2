// Process-wide allocation counts for zrt bench. The zrt binary replaces malloc and
// operator new with counting versions (tests/alloc/alloc_counter.cpp), so ORT's own
// allocations count too; sanitizer builds, whose runtimes replace them already, link
// bench_alloc_off.cpp instead and report no counts.
#pragma once

#include <cstdint>

namespace zrt::cli::bench {

struct AllocationSnapshot {
  std::uint64_t allocations = 0;
  std::uint64_t bytes = 0;
};

// True when this process counts allocations.
bool allocation_counting() noexcept;
// Totals since the process started (zeros when not counting).
AllocationSnapshot allocation_snapshot() noexcept;

}  // namespace zrt::cli::bench
