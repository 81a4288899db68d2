#include "zrt/buffer.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "zrt/error.hpp"

namespace zrt {

namespace {

constexpr std::size_t kPage = 4096;
constexpr std::size_t kMmapThreshold = 64 * 1024;  // below this, the heap is fine

std::size_t round_up(std::size_t n, std::size_t to) { return (n + to - 1) / to * to; }

std::string errno_text(int err) { return std::string(std::strerror(err)) + " (errno " + std::to_string(err) + ")"; }

std::string memlock_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_MEMLOCK, &limit) != 0) return "unknown";
  if (limit.rlim_cur == RLIM_INFINITY) return "unlimited";
  return std::to_string(limit.rlim_cur) + " bytes";
}

void lock_or_throw(const void* data, std::size_t bytes, const std::string& what) {
  if (mlock(data, bytes) != 0) {
    const int err = errno;
    throw Error(ErrorCode::Fail, what + ": mlock of " + std::to_string(bytes) + " bytes failed: " + errno_text(err) +
                                     "; RLIMIT_MEMLOCK is " + memlock_limit() +
                                     " (raise it with `ulimit -l`, or use a policy without lock)");
  }
}

// Anonymous mapping of `bytes` whose start is aligned to `alignment` (>= page size).
void* map_aligned(std::size_t bytes, std::size_t alignment, void** region, std::size_t* region_bytes) {
  const std::size_t padded = bytes + alignment;
  void* raw = mmap(nullptr, padded, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) {
    const int err = errno;
    throw Error(ErrorCode::Fail,
                "TensorBuffer: mmap of " + std::to_string(padded) + " bytes failed: " + errno_text(err));
  }
  const auto start = reinterpret_cast<std::uintptr_t>(raw);
  const auto aligned = (start + alignment - 1) / alignment * alignment;
  // Give the unaligned head and the unused tail back.
  if (aligned > start) munmap(raw, aligned - start);
  const std::uintptr_t end = start + padded;
  if (end > aligned + bytes) munmap(reinterpret_cast<void*>(aligned + bytes), end - (aligned + bytes));
  *region = reinterpret_cast<void*>(aligned);
  *region_bytes = bytes;
  return *region;
}

}  // namespace

BufferPolicy BufferPolicy::resolve(std::size_t bytes) const {
  if (!automatic) return *this;
  BufferPolicy p;
  if (bytes >= BufferPolicy::kHugePage) {
    p = hugepages(true);
  } else if (bytes >= (std::size_t{1} << 20)) {
    p = aligned_prefaulted(kPage);
  }
  p.lock = lock;
  return p;
}

std::string BufferPolicy::to_string() const {
  if (automatic) return lock ? "auto+lock" : "auto";
  std::string s = hugepage ? "hugepage" : "aligned(" + std::to_string(alignment) + ")";
  if (prefault) s += "+prefault";
  if (lock) s += "+lock";
  return s;
}

TensorBuffer::TensorBuffer(ElementType type, const Shape& shape, BufferPolicy policy)
    : type_(type), shape_(shape), policy_(policy) {
  const std::string what = "TensorBuffer " + std::string(zrt::to_string(type)) + shape.to_string();
  if (type == ElementType::String) throw Error(what + ": string tensors have no fixed-size storage");
  if (!shape.is_static()) throw Error(what + ": a buffer needs concrete dims, not free ones (-1)");
  bytes_ = tensor_byte_size(type, shape.dims());
  count_ = shape.element_count();
  policy_ = policy.resolve(bytes_);
  const std::size_t alignment =
      policy_.hugepage ? std::max(policy_.alignment, BufferPolicy::kHugePage) : policy_.alignment;
  if (alignment < sizeof(void*) || (alignment & (alignment - 1)) != 0) {
    throw Error(what + ": alignment " + std::to_string(alignment) +
                " is not a power of two >= " + std::to_string(sizeof(void*)));
  }
  const std::size_t storage = round_up(std::max<std::size_t>(bytes_, 1), std::min(alignment, kPage));
  if (policy_.hugepage || alignment >= kPage || storage >= kMmapThreshold) {
    // Pages come zeroed and lazily; prefault touches them now.
    map_aligned(round_up(storage, kPage), std::max(alignment, kPage), &region_, &region_bytes_);
    mapped_ = true;
    if (policy_.hugepage) madvise(region_, region_bytes_, MADV_HUGEPAGE);  // a hint: no error if unsupported
    if (policy_.prefault) {
      auto* bytes = static_cast<volatile unsigned char*>(region_);
      for (std::size_t off = 0; off < region_bytes_; off += kPage) bytes[off] = 0;
    }
  } else {
    if (posix_memalign(&region_, alignment, storage) != 0) {
      throw Error(ErrorCode::Fail, what + ": out of memory allocating " + std::to_string(storage) + " bytes");
    }
    region_bytes_ = storage;
    std::memset(region_, 0, storage);  // small buffers start zeroed and touched, like mapped ones
  }
  data_ = region_;
  if (policy_.lock) {
    try {
      lock_or_throw(region_, region_bytes_, what);
    } catch (...) {
      release();
      throw;
    }
    locked_ = true;
  }
  value_ = Value::view_bytes(type_, data_, bytes_, shape_);
}

TensorBuffer TensorBuffer::map_file(const std::filesystem::path& path, std::size_t offset, ElementType type,
                                    const Shape& shape, MapOptions options) {
  const std::string what = "TensorBuffer::map_file '" + path.string() + "'";
  if (type == ElementType::String) throw Error(what + ": string tensors cannot be mapped");
  if (!shape.is_static()) throw Error(what + ": shape " + shape.to_string() + " has free dims");
  TensorBuffer b;
  b.type_ = type;
  b.shape_ = shape;
  b.bytes_ = tensor_byte_size(type, shape.dims());
  b.count_ = shape.element_count();
  b.writable_ = false;
  b.policy_ = BufferPolicy::plain();
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    throw Error(err == ENOENT ? ErrorCode::NoSuchFile : ErrorCode::Fail, what + ": cannot open: " + errno_text(err));
  }
  struct stat st {};
  const bool fits = fstat(fd, &st) == 0 && offset <= static_cast<std::size_t>(st.st_size) &&
                    b.bytes_ <= static_cast<std::size_t>(st.st_size) - offset;  // no offset + bytes overflow
  if (!fits) {
    close(fd);
    throw Error(what + ": " + std::to_string(b.bytes_) + " bytes at offset " + std::to_string(offset) +
                " run past the end of the file (" + std::to_string(st.st_size) + " bytes)");
  }
  const std::size_t page_offset = offset / kPage * kPage;
  const std::size_t length = std::max<std::size_t>(offset - page_offset + b.bytes_, 1);
  void* raw = mmap(nullptr, length, PROT_READ, MAP_PRIVATE | (options.populate ? MAP_POPULATE : 0), fd,
                   static_cast<off_t>(page_offset));
  const int err = errno;
  close(fd);
  if (raw == MAP_FAILED) throw Error(ErrorCode::Fail, what + ": mmap failed: " + errno_text(err));
  b.region_ = raw;
  b.region_bytes_ = length;
  b.mapped_ = true;
  b.data_ = static_cast<unsigned char*>(raw) + (offset - page_offset);
  if (options.sequential) madvise(raw, length, MADV_SEQUENTIAL);
  if (options.hugepage) madvise(raw, length, MADV_HUGEPAGE);
  if (options.lock) {
    lock_or_throw(raw, length, what);
    b.locked_ = true;
  }
  b.value_ = Value::view_bytes(type, b.data_, b.bytes_, shape);
  return b;
}

void TensorBuffer::release_pages() const {
  if (region_ == nullptr)
    throw Error("TensorBuffer::release_pages: the buffer is empty (default-constructed or moved from)");
  if (writable_) {  // only map_file makes read-only buffers
    throw Error(
        "TensorBuffer::release_pages: the buffer owns its storage, which releasing would erase; only a file "
        "mapping (TensorBuffer::map_file) can be released");
  }
  if (locked_) throw Error("TensorBuffer::release_pages: the mapping is locked in memory (MapOptions::lock)");
  if (madvise(region_, region_bytes_, MADV_DONTNEED) != 0) {
    const int err = errno;
    throw Error(ErrorCode::Fail, "TensorBuffer::release_pages: madvise(MADV_DONTNEED) of " +
                                     std::to_string(region_bytes_) + " bytes failed: " + errno_text(err));
  }
}

TensorBuffer::TensorBuffer(TensorBuffer&& other) noexcept
    : type_(other.type_),
      shape_(std::move(other.shape_)),
      count_(std::exchange(other.count_, 0)),
      bytes_(std::exchange(other.bytes_, 0)),
      data_(std::exchange(other.data_, nullptr)),
      region_(std::exchange(other.region_, nullptr)),
      region_bytes_(std::exchange(other.region_bytes_, 0)),
      mapped_(std::exchange(other.mapped_, false)),
      locked_(std::exchange(other.locked_, false)),
      writable_(other.writable_),
      policy_(other.policy_),
      value_(std::move(other.value_)) {}

TensorBuffer& TensorBuffer::operator=(TensorBuffer&& other) noexcept {
  if (this != &other) {
    release();
    type_ = other.type_;
    shape_ = std::move(other.shape_);
    count_ = std::exchange(other.count_, 0);
    bytes_ = std::exchange(other.bytes_, 0);
    data_ = std::exchange(other.data_, nullptr);
    region_ = std::exchange(other.region_, nullptr);
    region_bytes_ = std::exchange(other.region_bytes_, 0);
    mapped_ = std::exchange(other.mapped_, false);
    locked_ = std::exchange(other.locked_, false);
    writable_ = other.writable_;
    policy_ = other.policy_;
    value_ = std::move(other.value_);
  }
  return *this;
}

TensorBuffer::~TensorBuffer() { release(); }

void TensorBuffer::release() noexcept {
  value_ = Value();  // the ORT value points into the storage: drop it first
  if (region_ == nullptr) return;
  if (locked_) munlock(region_, region_bytes_);
  if (mapped_) {
    munmap(region_, region_bytes_);
  } else {
    std::free(region_);
  }
  region_ = nullptr;
  data_ = nullptr;
  locked_ = false;
}

void TensorBuffer::check_type(ElementType expected, bool write) const {
  if (data_ == nullptr) {
    throw Error("TensorBuffer: the buffer is empty (default-constructed or moved from)");
  }
  if (expected != type_) {
    throw Error("TensorBuffer::span<" + std::string(zrt::to_string(expected)) + ">: the buffer holds " +
                std::string(zrt::to_string(type_)) + " elements");
  }
  if (write && !writable_) throw Error("TensorBuffer::span: the buffer is a read-only file mapping; use a const span");
}

}  // namespace zrt
