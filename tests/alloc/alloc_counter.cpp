// Process-wide replacements of the C allocation functions and of operator new/delete,
// counting calls and forwarding to glibc's own allocator. Defined in the executable, so
// every shared library (libzrt, libonnxruntime, libstdc++) binds to them.
#include "alloc_counter.hpp"

#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <new>

extern "C" {
void* __libc_malloc(std::size_t size);
void* __libc_calloc(std::size_t count, std::size_t size);
void* __libc_realloc(void* p, std::size_t size);
void __libc_free(void* p);
void* __libc_memalign(std::size_t alignment, std::size_t size);
void* __libc_valloc(std::size_t size);
void* __libc_pvalloc(std::size_t size);
}

namespace {

// Per-thread counters, so counting costs a plain increment (no shared cache line, no
// locked instruction): a benchmark that counts allocations during its timed runs is
// not slowed in proportion to how much each path allocates. Each thread takes a slot
// from a static table on its first allocation (no malloc inside malloc); only its own
// thread writes a slot, and totals sum every slot. Threads past the table share one
// atomic slot. Slots are never reused, so counts of finished threads stay in the totals.
struct alignas(64) Slot {  // one cache line each: threads never share a line
  std::atomic<std::uint64_t> allocations{0};
  std::atomic<std::uint64_t> frees{0};
  std::atomic<std::uint64_t> bytes{0};
};
constexpr std::size_t kSlots = 4096;
Slot g_slots[kSlots];
Slot g_shared;  // for threads beyond kSlots
std::atomic<std::size_t> g_slots_used{0};
std::atomic<bool> g_active{false};
thread_local Slot* t_slot = nullptr;  // zero-initialized: no TLS constructor runs in malloc

inline void bump(std::atomic<std::uint64_t>& counter, std::uint64_t n, bool shared) noexcept {
  if (shared) {
    counter.fetch_add(n, std::memory_order_relaxed);
  } else {  // only this thread writes it: a plain load and store
    counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
}

inline Slot& my_slot() noexcept {
  if (t_slot == nullptr) {
    const std::size_t index = g_slots_used.fetch_add(1, std::memory_order_relaxed);
    t_slot = index < kSlots ? &g_slots[index] : &g_shared;
    if (!g_active.load(std::memory_order_relaxed)) g_active.store(true, std::memory_order_relaxed);
  }
  return *t_slot;
}

inline void* counted(void* p, std::size_t bytes) noexcept {
  if (p != nullptr) {
    Slot& slot = my_slot();
    const bool shared = &slot == &g_shared;
    bump(slot.allocations, 1, shared);
    bump(slot.bytes, bytes, shared);
  }
  return p;
}

inline void release(void* p) noexcept {
  if (p == nullptr) return;
  Slot& slot = my_slot();
  bump(slot.frees, 1, &slot == &g_shared);
  __libc_free(p);
}

bool valid_alignment(std::size_t alignment) noexcept { return alignment != 0 && (alignment & (alignment - 1)) == 0; }

void* new_impl(std::size_t size) {
  if (size == 0) size = 1;
  for (;;) {
    if (void* p = counted(__libc_malloc(size), size)) return p;
    std::new_handler handler = std::get_new_handler();
    if (handler == nullptr) throw std::bad_alloc();
    handler();
  }
}

void* new_aligned_impl(std::size_t size, std::align_val_t alignment) {
  if (size == 0) size = 1;
  const auto a = static_cast<std::size_t>(alignment);
  for (;;) {
    if (void* p = counted(__libc_memalign(a, size), size)) return p;
    std::new_handler handler = std::get_new_handler();
    if (handler == nullptr) throw std::bad_alloc();
    handler();
  }
}

}  // namespace

namespace zrt::test {

AllocationCounts allocation_totals() noexcept {
  AllocationCounts c;
  const std::size_t used = std::min(g_slots_used.load(std::memory_order_relaxed), kSlots);
  auto add = [&c](const Slot& slot) {
    c.allocations += slot.allocations.load(std::memory_order_relaxed);
    c.frees += slot.frees.load(std::memory_order_relaxed);
    c.bytes += slot.bytes.load(std::memory_order_relaxed);
  };
  for (std::size_t i = 0; i < used; ++i) add(g_slots[i]);
  add(g_shared);
  return c;
}

bool allocation_counting_active() noexcept { return g_active.load(std::memory_order_relaxed); }

}  // namespace zrt::test

// ---- C allocation functions ---------------------------------------------------------

extern "C" {

void* malloc(std::size_t size) noexcept { return counted(__libc_malloc(size), size); }

void* calloc(std::size_t count, std::size_t size) noexcept { return counted(__libc_calloc(count, size), count * size); }

void* realloc(void* p, std::size_t size) noexcept {
  if (p != nullptr && size == 0) {  // glibc: frees p
    release(p);
    return nullptr;
  }
  return counted(__libc_realloc(p, size), size);
}

void* reallocarray(void* p, std::size_t count, std::size_t size) noexcept {
  std::size_t bytes = 0;
  if (__builtin_mul_overflow(count, size, &bytes)) {
    errno = ENOMEM;
    return nullptr;
  }
  return realloc(p, bytes);
}

void free(void* p) noexcept { release(p); }

int posix_memalign(void** out, std::size_t alignment, std::size_t size) noexcept {
  if (!valid_alignment(alignment) || alignment % sizeof(void*) != 0) return EINVAL;
  void* p = counted(__libc_memalign(alignment, size), size);
  if (p == nullptr) return ENOMEM;
  *out = p;
  return 0;
}

void* aligned_alloc(std::size_t alignment, std::size_t size) noexcept {
  return counted(__libc_memalign(alignment, size), size);
}

void* memalign(std::size_t alignment, std::size_t size) noexcept {
  return counted(__libc_memalign(alignment, size), size);
}

void* valloc(std::size_t size) noexcept { return counted(__libc_valloc(size), size); }

void* pvalloc(std::size_t size) noexcept { return counted(__libc_pvalloc(size), size); }

}  // extern "C"

// ---- operator new / delete, every form ----------------------------------------------

void* operator new(std::size_t size) { return new_impl(size); }
void* operator new[](std::size_t size) { return new_impl(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return new_impl(size);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return new_impl(size);
  } catch (...) {
    return nullptr;
  }
}
void* operator new(std::size_t size, std::align_val_t alignment) { return new_aligned_impl(size, alignment); }
void* operator new[](std::size_t size, std::align_val_t alignment) { return new_aligned_impl(size, alignment); }
void* operator new(std::size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  try {
    return new_aligned_impl(size, alignment);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  try {
    return new_aligned_impl(size, alignment);
  } catch (...) {
    return nullptr;
  }
}

void operator delete(void* p) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t) noexcept { release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete(void* p, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { release(p); }
