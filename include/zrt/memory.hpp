// MemoryInfo (where a tensor lives) and Allocator (ORT's allocators, with statistics).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

struct OrtMemoryInfo;
struct OrtAllocator;

namespace zrt {

class Session;

enum class AllocatorType : int { Invalid = -1, Device = 0, Arena = 1, ReadOnly = 2 };
enum class MemType : int { CpuInput = -2, CpuOutput = -1, Default = 0 };

// Describes a memory location: allocator name (e.g. "Cpu", "Cuda"), device id,
// allocator type and memory type. Cheap to copy (shared, immutable).
class MemoryInfo {
 public:
  // Host memory, as ORT's CPU EP uses it.
  static MemoryInfo cpu(AllocatorType type = AllocatorType::Device, MemType mem = MemType::Default);
  // Any named location: "Cpu", "Cuda", "CudaPinned", ...
  MemoryInfo(const std::string& name, AllocatorType type, int device_id, MemType mem);
  // Copy-only (moving copies the shared handle): a moved-from MemoryInfo is still the
  // same one, never empty, so there is nothing to misuse.
  MemoryInfo(const MemoryInfo&) = default;
  MemoryInfo& operator=(const MemoryInfo&) = default;

  std::string name() const;
  int device_id() const;
  AllocatorType allocator_type() const;
  MemType mem_type() const;
  // True when the CPU can read and write the memory directly.
  bool is_host_accessible() const;

  friend bool operator==(const MemoryInfo& a, const MemoryInfo& b);

  const OrtMemoryInfo* handle() const noexcept { return handle_.get(); }
  // Wraps ORT's memory info (copies nothing; `owner` keeps it alive, may be null for static ones).
  static MemoryInfo borrow(const OrtMemoryInfo* info, std::shared_ptr<const void> owner);

 private:
  MemoryInfo() = default;
  std::shared_ptr<const OrtMemoryInfo> handle_;
};

// Allocator statistics as ORT reports them (arena allocators report most fields).
struct AllocatorStats {
  std::int64_t limit = 0;
  std::int64_t in_use = 0;
  std::int64_t total_allocated = 0;
  std::int64_t max_in_use = 0;
  std::int64_t num_allocs = 0;
  std::int64_t num_reserves = 0;
  std::int64_t num_arena_extensions = 0;
  std::int64_t num_arena_shrinkages = 0;
  std::int64_t max_alloc_size = 0;
  std::map<std::string, std::string> raw;  // every key/value ORT returned

  // Field-wise difference (this - before), for per-run deltas.
  AllocatorStats delta_since(const AllocatorStats& before) const;
};

// An ORT allocator: the process default CPU allocator, or one created for a session
// and memory info. Not copyable; movable.
class Allocator {
 public:
  // ORT's default CPU allocator (process-wide, never freed).
  static Allocator default_allocator();
  // The allocator a session uses for `info` (e.g. its CPU arena).
  Allocator(const Session& session, const MemoryInfo& info);

  Allocator(Allocator&&) noexcept;
  Allocator& operator=(Allocator&&) noexcept;
  Allocator(const Allocator&) = delete;
  Allocator& operator=(const Allocator&) = delete;
  ~Allocator();

  // Every method throws zrt::Error on a moved-from Allocator (free does nothing).
  void* allocate(std::size_t bytes);
  void free(void* p) noexcept;
  MemoryInfo memory_info() const;
  // Throws zrt::Error (NotImplemented) when the allocator keeps no statistics.
  AllocatorStats stats() const;

  OrtAllocator* handle() const noexcept { return handle_; }

 private:
  Allocator(OrtAllocator* handle, bool owned, std::shared_ptr<const void> keep_alive) noexcept;
  // The handle; throws zrt::Error "`what`: used after being moved from" when there is none.
  OrtAllocator* live(const char* what) const;
  OrtAllocator* handle_ = nullptr;
  bool owned_ = false;
  std::shared_ptr<const void> keep_alive_;  // the session an owned allocator belongs to
};

}  // namespace zrt
