// Private access to ORT's C API: the table resolved once, statuses turned into
// zrt::Error, and RAII owners for ORT handles. Never included by public headers.
#pragma once

#include <onnxruntime_c_api.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "zrt/element.hpp"
#include "zrt/error.hpp"
#include "zrt/type_info.hpp"
#include "zrt/value.hpp"

namespace zrt::detail {

// ORT's API table for ORT_API_VERSION, resolved on first use. Throws zrt::Error when
// the loaded libonnxruntime is older than the headers zrt was built with.
const OrtApi& api();

// Throws zrt::Error carrying ORT's code and message (prefixed with `what`) if status
// is an error; releases the status either way.
void check(OrtStatus* status, const char* what = nullptr);
// As check(), for the hot path: the throwing part stays out of line. `what` names the
// zrt call (a literal: nothing is built unless the status is an error).
inline void check_fast(OrtStatus* status, const char* what = nullptr) {
  if (status != nullptr) [[unlikely]]
    check(status, what);
}

// RAII owner of an ORT handle, released with the matching Release* function.
template <typename T, void (*Release)(T*)>
struct Releaser {
  void operator()(T* p) const noexcept {
    if (p != nullptr) Release(p);
  }
};
void release_session(OrtSession* p) noexcept;
void release_session_options(OrtSessionOptions* p) noexcept;
void release_type_info(OrtTypeInfo* p) noexcept;
void release_tensor_info(OrtTensorTypeAndShapeInfo* p) noexcept;
void release_memory_info(OrtMemoryInfo* p) noexcept;
void release_env(OrtEnv* p) noexcept;
void release_model_metadata(OrtModelMetadata* p) noexcept;
void release_threading_options(OrtThreadingOptions* p) noexcept;
void release_key_value_pairs(OrtKeyValuePairs* p) noexcept;

template <typename T, void (*Release)(T*)>
using Owned = std::unique_ptr<T, Releaser<T, Release>>;
using SessionPtr = Owned<OrtSession, release_session>;
using SessionOptionsPtr = Owned<OrtSessionOptions, release_session_options>;
using TypeInfoPtr = Owned<OrtTypeInfo, release_type_info>;
using TensorInfoPtr = Owned<OrtTensorTypeAndShapeInfo, release_tensor_info>;
using MemoryInfoPtr = Owned<OrtMemoryInfo, release_memory_info>;
using EnvPtr = Owned<OrtEnv, release_env>;
using ModelMetadataPtr = Owned<OrtModelMetadata, release_model_metadata>;
using ThreadingOptionsPtr = Owned<OrtThreadingOptions, release_threading_options>;
using KeyValuePairsPtr = Owned<OrtKeyValuePairs, release_key_value_pairs>;

// A string ORT allocated with `allocator`, copied out and freed.
std::string take_string(OrtAllocator* allocator, char* s);

// Makes sure ORT has an environment (zrt's default one unless the caller made one):
// ORT calls std::terminate when it must log an error and no environment exists, so
// every entry point that reaches ORT without an Environment calls this first.
void ensure_environment();

// The default CPU allocator (never freed).
OrtAllocator* default_allocator();

// A CPU memory info for tensors over caller memory (created once, never freed).
const OrtMemoryInfo* cpu_memory_info();

// Element type and dims of a tensor value, read without allocating (the dims point
// into the value). Throws zrt::Error (prefixed with `what`) when it is not a tensor.
struct TensorRef {
  ElementType type;
  std::span<const std::int64_t> dims;
  // Unchecked on purpose (hot path): ORT checks a value's size when it creates it.
  std::size_t element_count() const noexcept {
    std::size_t n = 1;
    for (std::int64_t d : dims) n *= static_cast<std::size_t>(d);
    return n;
  }
};
TensorRef tensor_ref(const OrtValue* value, const char* what);

// The ElementType of an element type ORT reports. ORT 1.29 takes ONNX's numbering when
// it makes a tensor (float8e8m0 = 24, uint2 = 25, int2 = 26) but reports its own C enum,
// which orders the last three differently (uint2 = 24, int2 = 25, float8e8m0 = 26); the
// rest agree. So zrt passes ElementType as is and maps what ORT reports through here.
constexpr ElementType from_ort(ONNXTensorElementDataType type) noexcept {
  switch (static_cast<int>(type)) {
    case 24: return ElementType::UInt2;
    case 25: return ElementType::Int2;
    case 26: return ElementType::Float8E8M0;
    default: return static_cast<ElementType>(type);
  }
}

// ValueKind of an ONNXType.
ValueKind to_value_kind(ONNXType type) noexcept;

// The structured type of an ORT type info, nested types read recursively
// (src/values/type_info.cpp), and its text: "tensor(float)", "seq(tensor(int64))",
// "map(string,tensor(float))", "optional(...)".
TypeInfo read_type_info(const OrtTypeInfo* info);
std::string describe_type(const OrtTypeInfo* info);

}  // namespace zrt::detail
