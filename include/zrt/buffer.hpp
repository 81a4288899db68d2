// TensorBuffer: stable, owned host storage for one tensor, allocated under a
// BufferPolicy (alignment, prefault, hugepage hint, mlock) or mapped from a file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

#include "zrt/element.hpp"
#include "zrt/shape.hpp"
#include "zrt/value.hpp"

namespace zrt {

// How lane and runtime buffers are allocated. Combine the flags, or use a preset.
struct BufferPolicy {
  std::size_t alignment = 64;  // bytes, a power of two >= 8
  bool prefault = false;       // touch every page at allocation, so no run takes a page fault
  bool hugepage = false;       // align to 2 MiB and madvise(MADV_HUGEPAGE)
  bool lock = false;           // mlock: never swapped out; fails clearly past RLIMIT_MEMLOCK
  bool automatic = false;      // choose by size (see resolve)

  static BufferPolicy plain() { return {}; }
  static BufferPolicy prefaulted() { return with(64, true, false, false); }
  static BufferPolicy aligned(std::size_t alignment) { return with(alignment, false, false, false); }
  static BufferPolicy aligned_prefaulted(std::size_t alignment) { return with(alignment, true, false, false); }
  static BufferPolicy hugepages(bool prefault = true) { return with(kHugePage, prefault, true, false); }
  static BufferPolicy locked(BufferPolicy base = prefaulted()) {
    base.lock = true;
    return base;
  }
  // < 1 MiB: plain; 1-2 MiB: 4 KiB-aligned + prefaulted; >= 2 MiB: 2 MiB-aligned +
  // hugepage hint + prefaulted.
  static BufferPolicy automatic_by_size() {
    BufferPolicy p;
    p.automatic = true;
    return p;
  }

  // Named presets.
  static BufferPolicy balanced() { return automatic_by_size(); }
  static BufferPolicy latency() { return aligned_prefaulted(4096); }
  static BufferPolicy throughput_large() { return hugepages(true); }
  static BufferPolicy pinned_host() { return locked(aligned_prefaulted(4096)); }

  static constexpr std::size_t kHugePage = std::size_t{2} << 20;

  // The concrete policy for a buffer of `bytes` (resolves `automatic`).
  BufferPolicy resolve(std::size_t bytes) const;
  // "aligned(4096)+prefault+lock", for messages and reports.
  std::string to_string() const;
  friend bool operator==(const BufferPolicy&, const BufferPolicy&) = default;

 private:
  static BufferPolicy with(std::size_t alignment, bool prefault, bool hugepage, bool lock) {
    BufferPolicy p;
    p.alignment = alignment;
    p.prefault = prefault;
    p.hugepage = hugepage;
    p.lock = lock;
    return p;
  }
};

// Options for TensorBuffer::map_file.
struct MapOptions {
  bool sequential = false;  // madvise(MADV_SEQUENTIAL)
  bool hugepage = false;    // madvise(MADV_HUGEPAGE)
  bool lock = false;        // mlock the mapped range
  bool populate = false;    // MAP_POPULATE: read the pages in now
};

// Owns storage that never moves for the buffer's life, plus an ORT value over it
// (made once). Move-only; moving keeps the data pointer.
class TensorBuffer {
 public:
  TensorBuffer() = default;
  TensorBuffer(ElementType type, const Shape& shape, BufferPolicy policy = BufferPolicy::balanced());
  // A read-only mapping of `shape` elements of `type` at byte `offset` of `path`.
  static TensorBuffer map_file(const std::filesystem::path& path, std::size_t offset, ElementType type,
                               const Shape& shape, MapOptions options = {});

  TensorBuffer(TensorBuffer&& other) noexcept;
  TensorBuffer& operator=(TensorBuffer&& other) noexcept;
  TensorBuffer(const TensorBuffer&) = delete;
  TensorBuffer& operator=(const TensorBuffer&) = delete;
  ~TensorBuffer();

  ElementType element_type() const noexcept { return type_; }
  const Shape& shape() const noexcept { return shape_; }
  std::size_t bytes() const noexcept { return bytes_; }
  std::size_t element_count() const noexcept { return count_; }
  void* data() noexcept { return data_; }
  const void* data() const noexcept { return data_; }
  bool is_mapped() const noexcept { return mapped_; }
  bool is_writable() const noexcept { return writable_; }
  const BufferPolicy& policy() const noexcept { return policy_; }  // resolved

  // Typed spans; throw zrt::Error naming both types when T does not match.
  template <Element T>
  std::span<T> span() {
    check_type(element_type_of<T>, true);
    return {static_cast<T*>(data_), count_};
  }
  template <Element T>
  std::span<const T> span() const {
    check_type(element_type_of<T>, false);
    return {static_cast<const T*>(data_), count_};
  }

  // The ORT tensor over this storage (zero copy), for binding and as a run input.
  const Value& value() const noexcept { return value_; }

  // For a file mapping: tells the kernel that this process no longer needs its pages
  // (madvise(MADV_DONTNEED)). They leave the resident set at once and stay in the page
  // cache, where the kernel may reclaim them; a later read faults them back from the
  // file, unchanged (the mapping is read-only, so no page of it was ever private).
  // Throws zrt::Error for owned storage, whose contents this would erase, and for a
  // locked mapping (MapOptions::lock), which asked for the opposite.
  void release_pages() const;

 private:
  void check_type(ElementType expected, bool write) const;
  void release() noexcept;

  ElementType type_ = ElementType::Undefined;
  Shape shape_;
  std::size_t count_ = 0;
  std::size_t bytes_ = 0;
  void* data_ = nullptr;
  void* region_ = nullptr;  // what was allocated or mapped (data_ may sit inside it)
  std::size_t region_bytes_ = 0;
  bool mapped_ = false;
  bool locked_ = false;
  bool writable_ = true;
  BufferPolicy policy_;
  Value value_;
};

}  // namespace zrt
