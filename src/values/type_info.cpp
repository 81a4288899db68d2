#include "zrt/type_info.hpp"

#include "ort/api.hpp"

namespace zrt {

const TypeInfo& TypeInfo::element() const {
  if (contained.size() != 1) {
    throw Error("TypeInfo::element: a " + std::string(zrt::to_string(kind)) +
                " type holds no nested type (only sequences, maps and optionals do)");
  }
  return contained.front();
}

std::string TypeInfo::to_string() const {
  const auto nested = [this] { return contained.empty() ? std::string("unknown") : contained.front().to_string(); };
  switch (kind) {
    case ValueKind::Tensor: return "tensor(" + std::string(zrt::to_string(element_type)) + ")";
    case ValueKind::SparseTensor: return "sparse_tensor(" + std::string(zrt::to_string(element_type)) + ")";
    case ValueKind::Sequence: return "seq(" + nested() + ")";
    case ValueKind::Map: return "map(" + std::string(zrt::to_string(key_type)) + "," + nested() + ")";
    case ValueKind::Optional: return "optional(" + nested() + ")";
    case ValueKind::Opaque: return "opaque";
    case ValueKind::Unknown: break;
  }
  return "unknown";
}

namespace detail {

TypeInfo read_type_info(const OrtTypeInfo* info) {
  const OrtApi& a = api();
  ONNXType onnx_type = ONNX_TYPE_UNKNOWN;
  check(a.GetOnnxTypeFromTypeInfo(info, &onnx_type), "reading a type");
  TypeInfo out;
  out.kind = to_value_kind(onnx_type);
  // Reads an owned nested type info into out.contained.
  const auto add_nested = [&out](OrtTypeInfo* nested) {
    const TypeInfoPtr owned(nested);
    out.contained.push_back(read_type_info(nested));
  };
  switch (onnx_type) {
    case ONNX_TYPE_TENSOR:
    case ONNX_TYPE_SPARSETENSOR: {
      const OrtTensorTypeAndShapeInfo* tensor = nullptr;
      check(a.CastTypeInfoToTensorInfo(info, &tensor), "reading a tensor type");
      ONNXTensorElementDataType element = ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED;
      if (tensor != nullptr) check(a.GetTensorElementType(tensor, &element), "reading a tensor type");
      out.element_type = detail::from_ort(element);
      break;
    }
    case ONNX_TYPE_SEQUENCE: {
      const OrtSequenceTypeInfo* seq = nullptr;
      check(a.CastTypeInfoToSequenceTypeInfo(info, &seq), "reading a sequence type");
      OrtTypeInfo* element = nullptr;
      check(a.GetSequenceElementType(seq, &element), "reading a sequence type");
      add_nested(element);
      break;
    }
    case ONNX_TYPE_MAP: {
      const OrtMapTypeInfo* map = nullptr;
      check(a.CastTypeInfoToMapTypeInfo(info, &map), "reading a map type");
      ONNXTensorElementDataType key = ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED;
      check(a.GetMapKeyType(map, &key), "reading a map type");
      out.key_type = detail::from_ort(key);
      OrtTypeInfo* value = nullptr;
      check(a.GetMapValueType(map, &value), "reading a map type");
      add_nested(value);
      break;
    }
    case ONNX_TYPE_OPTIONAL: {
      const OrtOptionalTypeInfo* optional = nullptr;
      check(a.CastTypeInfoToOptionalTypeInfo(info, &optional), "reading an optional type");
      OrtTypeInfo* contained = nullptr;
      check(a.GetOptionalContainedTypeInfo(optional, &contained), "reading an optional type");
      add_nested(contained);
      break;
    }
    default: break;
  }
  return out;
}

std::string describe_type(const OrtTypeInfo* info) { return read_type_info(info).to_string(); }

}  // namespace detail
}  // namespace zrt
