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
  return {static_cast<ElementType>(type), {dims, rank}};
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

std::string describe_type(const OrtTypeInfo* info) {
  const OrtApi& a = api();
  ONNXType type = ONNX_TYPE_UNKNOWN;
  check(a.GetOnnxTypeFromTypeInfo(info, &type));
  switch (type) {
    case ONNX_TYPE_TENSOR:
    case ONNX_TYPE_SPARSETENSOR: {
      const OrtTensorTypeAndShapeInfo* tensor = nullptr;
      check(a.CastTypeInfoToTensorInfo(info, &tensor));
      ONNXTensorElementDataType element = ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED;
      if (tensor != nullptr) check(a.GetTensorElementType(tensor, &element));
      return std::string(type == ONNX_TYPE_TENSOR ? "tensor(" : "sparse_tensor(") +
             std::string(to_string(static_cast<ElementType>(element))) + ")";
    }
    case ONNX_TYPE_SEQUENCE: {
      const OrtSequenceTypeInfo* seq = nullptr;
      check(a.CastTypeInfoToSequenceTypeInfo(info, &seq));
      OrtTypeInfo* element = nullptr;
      check(a.GetSequenceElementType(seq, &element));
      TypeInfoPtr owned(element);
      return "seq(" + describe_type(element) + ")";
    }
    case ONNX_TYPE_MAP: {
      const OrtMapTypeInfo* map = nullptr;
      check(a.CastTypeInfoToMapTypeInfo(info, &map));
      ONNXTensorElementDataType key = ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED;
      check(a.GetMapKeyType(map, &key));
      OrtTypeInfo* value = nullptr;
      check(a.GetMapValueType(map, &value));
      TypeInfoPtr owned(value);
      return "map(" + std::string(to_string(static_cast<ElementType>(key))) + "," + describe_type(value) + ")";
    }
    case ONNX_TYPE_OPTIONAL: {
      const OrtOptionalTypeInfo* opt = nullptr;
      check(a.CastTypeInfoToOptionalTypeInfo(info, &opt));
      OrtTypeInfo* contained = nullptr;
      check(a.GetOptionalContainedTypeInfo(opt, &contained));
      TypeInfoPtr owned(contained);
      return "optional(" + describe_type(contained) + ")";
    }
    case ONNX_TYPE_OPAQUE: return "opaque";
    default: return "unknown";
  }
}

}  // namespace zrt::detail
