#include "ort/api.hpp"

#include <cstring>
#include <string>

namespace zrt::detail {

namespace {

const OrtApi* resolve_api() {
  const OrtApiBase* base = OrtGetApiBase();
  const OrtApi* table = base->GetApi(ORT_API_VERSION);
  if (table == nullptr) {
    throw Error(ErrorCode::Fail,
                std::string("zrt: the loaded ONNX Runtime library (version ") + base->GetVersionString() +
                    ") does not provide C API version " + std::to_string(ORT_API_VERSION) +
                    " that zrt was built against; use ONNX Runtime 1." + std::to_string(ORT_API_VERSION) + " or newer");
  }
  return table;
}

}  // namespace

const OrtApi& api() {
  static const OrtApi* const table = resolve_api();
  return *table;
}

void check(OrtStatus* status, const char* what) {
  if (status == nullptr) return;
  const OrtApi& a = api();
  const auto code = static_cast<ErrorCode>(a.GetErrorCode(status));
  std::string message = a.GetErrorMessage(status);
  a.ReleaseStatus(status);
  if (what != nullptr) message = std::string(what) + ": " + message;
  throw Error(code, message);
}

void release_session(OrtSession* p) noexcept { api().ReleaseSession(p); }
void release_session_options(OrtSessionOptions* p) noexcept { api().ReleaseSessionOptions(p); }
void release_type_info(OrtTypeInfo* p) noexcept { api().ReleaseTypeInfo(p); }
void release_tensor_info(OrtTensorTypeAndShapeInfo* p) noexcept { api().ReleaseTensorTypeAndShapeInfo(p); }
void release_memory_info(OrtMemoryInfo* p) noexcept { api().ReleaseMemoryInfo(p); }
void release_env(OrtEnv* p) noexcept { api().ReleaseEnv(p); }
void release_model_metadata(OrtModelMetadata* p) noexcept { api().ReleaseModelMetadata(p); }
void release_threading_options(OrtThreadingOptions* p) noexcept { api().ReleaseThreadingOptions(p); }
void release_key_value_pairs(OrtKeyValuePairs* p) noexcept { api().ReleaseKeyValuePairs(p); }

std::string take_string(OrtAllocator* allocator, char* s) {
  if (s == nullptr) return {};
  std::string copy(s);
  allocator->Free(allocator, s);
  return copy;
}

OrtAllocator* default_allocator() {
  static OrtAllocator* const allocator = [] {
    ensure_environment();  // an allocation that fails makes ORT log
    OrtAllocator* a = nullptr;
    check(api().GetAllocatorWithDefaultOptions(&a), "GetAllocatorWithDefaultOptions");
    return a;
  }();
  return allocator;
}

TensorRef tensor_ref(const OrtValue* value, const char* what) {
  ONNXTensorElementDataType type = ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED;
  const std::int64_t* dims = nullptr;
  std::size_t rank = 0;
  check(api().GetTensorElementTypeAndShapeDataReference(value, &type, &dims, &rank), what);
  return {from_ort(type), {dims, rank}};
}

ValueKind to_value_kind(ONNXType type) noexcept {
  switch (type) {
    case ONNX_TYPE_TENSOR: return ValueKind::Tensor;
    case ONNX_TYPE_SEQUENCE: return ValueKind::Sequence;
    case ONNX_TYPE_MAP: return ValueKind::Map;
    case ONNX_TYPE_OPAQUE: return ValueKind::Opaque;
    case ONNX_TYPE_SPARSETENSOR: return ValueKind::SparseTensor;
    case ONNX_TYPE_OPTIONAL: return ValueKind::Optional;
    default: return ValueKind::Unknown;
  }
}

}  // namespace zrt::detail
