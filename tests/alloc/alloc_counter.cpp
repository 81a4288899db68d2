// Process-wide replacements of the C allocation functions and of operator new/delete,
// counting calls and forwarding to glibc's own allocator. Defined in the executable, so
// every shared library (libzrt, libonnxruntime, libstdc++) binds to them.
#include "alloc_counter.hpp"

#include <malloc.h>

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

// Relaxed atomics: allocations on ORT's threads count as well as the caller's.
std::atomic<std::uint64_t> g_allocations{0};
std::atomic<std::uint64_t> g_frees{0};
std::atomic<std::uint64_t> g_bytes{0};
std::atomic<bool> g_active{false};

inline void* counted(void* p, std::size_t bytes) noexcept {
  if (p != nullptr) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    g_bytes.fetch_add(bytes, std::memory_order_relaxed);
    if (!g_active.load(std::memory_order_relaxed)) g_active.store(true, std::memory_order_relaxed);
  }
  return p;
}

inline void release(void* p) noexcept {
  if (p == nullptr) return;
  g_frees.fetch_add(1, std::memory_order_relaxed);
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
  c.allocations = g_allocations.load(std::memory_order_relaxed);
  c.frees = g_frees.load(std::memory_order_relaxed);
  c.bytes = g_bytes.load(std::memory_order_relaxed);
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
