#include "zrt/memory.hpp"

#include <cstdlib>
#include <cstring>

#include "ort/api.hpp"
#include "session/session_state.hpp"

namespace zrt {

namespace {

std::shared_ptr<const OrtMemoryInfo> own(OrtMemoryInfo* info) {
  return {info, [](const OrtMemoryInfo* p) { detail::api().ReleaseMemoryInfo(const_cast<OrtMemoryInfo*>(p)); }};
}

}  // namespace

MemoryInfo MemoryInfo::cpu(AllocatorType type, MemType mem) {
  detail::ensure_environment();
  OrtMemoryInfo* info = nullptr;
  detail::check(
      detail::api().CreateCpuMemoryInfo(static_cast<OrtAllocatorType>(type), static_cast<OrtMemType>(mem), &info),
      "MemoryInfo::cpu");
  MemoryInfo result;
  result.handle_ = own(info);
  return result;
}

MemoryInfo::MemoryInfo(const std::string& name, AllocatorType type, int device_id, MemType mem) {
  detail::ensure_environment();
  OrtMemoryInfo* info = nullptr;
  detail::check(detail::api().CreateMemoryInfo(name.c_str(), static_cast<OrtAllocatorType>(type), device_id,
                                               static_cast<OrtMemType>(mem), &info),
                ("MemoryInfo '" + name + "'").c_str());
  handle_ = own(info);
}

MemoryInfo MemoryInfo::borrow(const OrtMemoryInfo* info, std::shared_ptr<const void> owner) {
  MemoryInfo result;
  result.handle_ = std::shared_ptr<const OrtMemoryInfo>(std::move(owner), info);
  return result;
}

std::string MemoryInfo::name() const {
  const char* name = nullptr;
  detail::check(detail::api().MemoryInfoGetName(handle(), &name));
  return name != nullptr ? name : "";
}

int MemoryInfo::device_id() const {
  int id = 0;
  detail::check(detail::api().MemoryInfoGetId(handle(), &id));
  return id;
}

AllocatorType MemoryInfo::allocator_type() const {
  OrtAllocatorType type = OrtInvalidAllocator;
  detail::check(detail::api().MemoryInfoGetType(handle(), &type));
  return static_cast<AllocatorType>(type);
}

MemType MemoryInfo::mem_type() const {
  OrtMemType mem = OrtMemTypeDefault;
  detail::check(detail::api().MemoryInfoGetMemType(handle(), &mem));
  return static_cast<MemType>(mem);
}

bool MemoryInfo::is_host_accessible() const {
  OrtMemoryInfoDeviceType device = OrtMemoryInfoDeviceType_CPU;
  detail::api().MemoryInfoGetDeviceType(handle(), &device);
  // CPU memory, and pinned host memory that a device EP names after itself.
  return device == OrtMemoryInfoDeviceType_CPU || mem_type() == MemType::CpuInput || mem_type() == MemType::CpuOutput;
}

bool operator==(const MemoryInfo& a, const MemoryInfo& b) {
  int different = 1;
  detail::check(detail::api().CompareMemoryInfo(a.handle(), b.handle(), &different));
  return different == 0;
}

AllocatorStats AllocatorStats::delta_since(const AllocatorStats& before) const {
  AllocatorStats d = *this;
  d.limit -= before.limit;
  d.in_use -= before.in_use;
  d.total_allocated -= before.total_allocated;
  d.max_in_use -= before.max_in_use;
  d.num_allocs -= before.num_allocs;
  d.num_reserves -= before.num_reserves;
  d.num_arena_extensions -= before.num_arena_extensions;
  d.num_arena_shrinkages -= before.num_arena_shrinkages;
  d.max_alloc_size -= before.max_alloc_size;
  return d;
}

Allocator::Allocator(OrtAllocator* handle, bool owned, std::shared_ptr<const void> keep_alive) noexcept
    : handle_(handle), owned_(owned), keep_alive_(std::move(keep_alive)) {}

Allocator Allocator::default_allocator() { return Allocator(detail::default_allocator(), false, nullptr); }

Allocator::Allocator(const Session& session, const MemoryInfo& info) : keep_alive_(session.state()) {
  detail::check(detail::api().CreateAllocator(session.handle(), info.handle(), &handle_),
                ("Allocator for memory '" + info.name() + "'").c_str());
  owned_ = true;
}

Allocator::Allocator(Allocator&& other) noexcept
    : handle_(std::exchange(other.handle_, nullptr)),
      owned_(std::exchange(other.owned_, false)),
      keep_alive_(std::move(other.keep_alive_)) {}

Allocator& Allocator::operator=(Allocator&& other) noexcept {
  if (this != &other) {
    if (owned_ && handle_ != nullptr) detail::api().ReleaseAllocator(handle_);
    handle_ = std::exchange(other.handle_, nullptr);
    owned_ = std::exchange(other.owned_, false);
    keep_alive_ = std::move(other.keep_alive_);
  }
  return *this;
}

Allocator::~Allocator() {
  if (owned_ && handle_ != nullptr) detail::api().ReleaseAllocator(handle_);
}

OrtAllocator* Allocator::live(const char* what) const {
  if (handle_ == nullptr) throw Error(std::string(what) + ": used after being moved from");
  return handle_;
}

void* Allocator::allocate(std::size_t bytes) {
  void* p = nullptr;
  detail::check(detail::api().AllocatorAlloc(live("Allocator::allocate"), bytes, &p),
                ("Allocator::allocate(" + std::to_string(bytes) + " bytes)").c_str());
  return p;
}

void Allocator::free(void* p) noexcept {
  if (p == nullptr || handle_ == nullptr) return;
  if (OrtStatus* status = detail::api().AllocatorFree(handle_, p)) detail::api().ReleaseStatus(status);
}

MemoryInfo Allocator::memory_info() const {
  const OrtMemoryInfo* info = nullptr;
  detail::check(detail::api().AllocatorGetInfo(live("Allocator::memory_info"), &info));
  return MemoryInfo::borrow(info, keep_alive_);
}

AllocatorStats Allocator::stats() const {
  OrtKeyValuePairs* pairs = nullptr;
  detail::check(detail::api().AllocatorGetStats(live("Allocator::stats"), &pairs), "Allocator::stats");
  detail::KeyValuePairsPtr owned(pairs);
  const char* const* keys = nullptr;
  const char* const* values = nullptr;
  std::size_t count = 0;
  detail::api().GetKeyValuePairs(pairs, &keys, &values, &count);
  if (count == 0) {
    throw Error(ErrorCode::NotImplemented, "Allocator::stats: the allocator for memory '" + memory_info().name() +
                                               "' keeps no statistics (only arena allocators do)");
  }
  AllocatorStats stats;
  for (std::size_t i = 0; i < count; ++i) {
    stats.raw.emplace(keys[i], values[i]);
    const std::int64_t v = std::strtoll(values[i], nullptr, 10);
    const std::string_view key = keys[i];
    if (key == "Limit")
      stats.limit = v;
    else if (key == "InUse")
      stats.in_use = v;
    else if (key == "TotalAllocated")
      stats.total_allocated = v;
    else if (key == "MaxInUse")
      stats.max_in_use = v;
    else if (key == "NumAllocs")
      stats.num_allocs = v;
    else if (key == "NumReserves")
      stats.num_reserves = v;
    else if (key == "NumArenaExtensions")
      stats.num_arena_extensions = v;
    else if (key == "NumArenaShrinkages")
      stats.num_arena_shrinkages = v;
    else if (key == "MaxAllocSize")
      stats.max_alloc_size = v;
  }
  return stats;
}

}  // namespace zrt
