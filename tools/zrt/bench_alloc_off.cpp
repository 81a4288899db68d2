// No allocation counting (sanitizer builds: their runtimes replace malloc themselves).
#include "bench_alloc.hpp"

namespace zrt::cli::bench {

bool allocation_counting() noexcept { return false; }
AllocationSnapshot allocation_snapshot() noexcept { return {}; }

}  // namespace zrt::cli::bench
