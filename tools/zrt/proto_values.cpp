#include "proto_values.hpp"

#include <fmt/format.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>

#include "zrt/error.hpp"

namespace zrt::cli {
namespace {

std::string read_file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::NoSuchFile, fmt::format("cannot open '{}'", path.string()));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw Error(ErrorCode::Fail, fmt::format("cannot read '{}'", path.string()));
  return std::move(ss).str();
}

template <typename Out, typename Field>
void narrow_into(std::vector<std::byte>& bytes, const Field& field) {
  bytes.resize(static_cast<std::size_t>(field.size()) * sizeof(Out));
  std::size_t i = 0;
  for (auto v : field) {
    const auto x = static_cast<Out>(v);
    std::memcpy(bytes.data() + i * sizeof(Out), &x, sizeof(Out));
    ++i;
  }
}

std::string elem_type_name(std::int32_t type) { return element_name(static_cast<ElementType>(type)); }

std::string shape_to_string(const onnx::TensorShapeProto& shape) {
  std::string s = "[";
  for (int i = 0; i < shape.dim_size(); ++i) {
    if (i > 0) s += ",";
    const auto& d = shape.dim(i);
    if (d.has_dim_value())
      s += std::to_string(d.dim_value());
    else if (d.has_dim_param() && !d.dim_param().empty())
      s += d.dim_param();
    else
      s += "?";
  }
  return s + "]";
}

}  // namespace

onnx::ModelProto load_model_proto(const std::filesystem::path& path) {
  const std::string bytes = read_file_bytes(path);
  onnx::ModelProto model;
  if (!model.ParseFromString(bytes))
    throw Error(ErrorCode::InvalidProtobuf,
                fmt::format("'{}' is not an ONNX model (protobuf parse failed)", path.string()));
  return model;
}

std::string type_to_string(const onnx::TypeProto& type) {
  switch (type.value_case()) {
    case onnx::TypeProto::kTensorType: {
      std::string s = fmt::format("tensor({})", elem_type_name(type.tensor_type().elem_type()));
      if (type.tensor_type().has_shape()) s += shape_to_string(type.tensor_type().shape());
      return s;
    }
    case onnx::TypeProto::kSparseTensorType: {
      std::string s = fmt::format("sparse_tensor({})", elem_type_name(type.sparse_tensor_type().elem_type()));
      if (type.sparse_tensor_type().has_shape()) s += shape_to_string(type.sparse_tensor_type().shape());
      return s;
    }
    case onnx::TypeProto::kSequenceType:
      return fmt::format("seq({})", type_to_string(type.sequence_type().elem_type()));
    case onnx::TypeProto::kMapType:
      return fmt::format("map({},{})", elem_type_name(type.map_type().key_type()),
                         type_to_string(type.map_type().value_type()));
    case onnx::TypeProto::kOptionalType:
      return fmt::format("optional({})", type_to_string(type.optional_type().elem_type()));
    default: return "unknown";
  }
}

HostTensor tensor_from_proto(const onnx::TensorProto& proto, const std::string& what) {
  if (proto.data_location() == onnx::TensorProto::EXTERNAL)
    throw Error(ErrorCode::NotImplemented, fmt::format("{}: external tensor data is not supported", what));
  if (proto.has_segment())
    throw Error(ErrorCode::NotImplemented, fmt::format("{}: segmented tensors are not supported", what));
  HostTensor t;
  t.type = static_cast<ElementType>(proto.data_type());
  t.dims.assign(proto.dims().begin(), proto.dims().end());
  const std::size_t count = t.element_count();
  if (t.type == ElementType::String) {
    if (static_cast<std::size_t>(proto.string_data_size()) != count)
      throw Error(fmt::format("{}: {} strings for {} elements", what, proto.string_data_size(), count));
    t.strings.assign(proto.string_data().begin(), proto.string_data().end());
    return t;
  }
  const std::size_t size = zrt::element_size(t.type);
  if (size == 0 || t.type == ElementType::Complex64 || t.type == ElementType::Complex128)
    throw Error(ErrorCode::NotImplemented,
                fmt::format("{}: element type {} is not supported", what, element_name(t.type)));
  if (proto.has_raw_data()) {
    const std::string& raw = proto.raw_data();
    const std::size_t needed = tensor_byte_size(t.type, t.dims);
    if (raw.size() != needed)
      throw Error(fmt::format("{}: raw_data holds {} bytes, {} elements of {} need {}", what, raw.size(), count,
                              element_name(t.type), needed));
    t.bytes.resize(raw.size());
    if (!raw.empty()) std::memcpy(t.bytes.data(), raw.data(), raw.size());
    if (t.type == ElementType::Bool)  // any byte may be stored; ORT's kernels expect 0 or 1
      for (std::byte& b : t.bytes) b = b != std::byte{0} ? std::byte{1} : std::byte{0};
    return t;
  }
  int field_size = 0;
  switch (t.type) {
    case ElementType::Float:
      narrow_into<float>(t.bytes, proto.float_data());
      field_size = proto.float_data_size();
      break;
    case ElementType::Double:
      narrow_into<double>(t.bytes, proto.double_data());
      field_size = proto.double_data_size();
      break;
    case ElementType::Int64:
      narrow_into<std::int64_t>(t.bytes, proto.int64_data());
      field_size = proto.int64_data_size();
      break;
    case ElementType::UInt32:
      narrow_into<std::uint32_t>(t.bytes, proto.uint64_data());
      field_size = proto.uint64_data_size();
      break;
    case ElementType::UInt64:
      narrow_into<std::uint64_t>(t.bytes, proto.uint64_data());
      field_size = proto.uint64_data_size();
      break;
    case ElementType::Int32:
      narrow_into<std::int32_t>(t.bytes, proto.int32_data());
      field_size = proto.int32_data_size();
      break;
    case ElementType::Int16:
      narrow_into<std::int16_t>(t.bytes, proto.int32_data());
      field_size = proto.int32_data_size();
      break;
    case ElementType::UInt16:
    case ElementType::Float16:
    case ElementType::BFloat16:
      // float16 / bfloat16 values are stored as their bits in int32_data.
      narrow_into<std::uint16_t>(t.bytes, proto.int32_data());
      field_size = proto.int32_data_size();
      break;
    case ElementType::Int8:
      narrow_into<std::int8_t>(t.bytes, proto.int32_data());
      field_size = proto.int32_data_size();
      break;
    case ElementType::UInt8:
    case ElementType::Float8E4M3FN:
    case ElementType::Float8E4M3FNUZ:
    case ElementType::Float8E5M2:
    case ElementType::Float8E5M2FNUZ:
      narrow_into<std::uint8_t>(t.bytes, proto.int32_data());
      field_size = proto.int32_data_size();
      break;
    case ElementType::Bool: {
      t.bytes.resize(static_cast<std::size_t>(proto.int32_data_size()));
      std::size_t i = 0;
      for (auto v : proto.int32_data()) t.bytes[i++] = v != 0 ? std::byte{1} : std::byte{0};
      field_size = proto.int32_data_size();
      break;
    }
    default:
      throw Error(ErrorCode::NotImplemented,
                  fmt::format("{}: element type {} is not supported", what, element_name(t.type)));
  }
  if (static_cast<std::size_t>(field_size) != count)
    throw Error(
        fmt::format("{}: {} values for {} elements (shape [{}])", what, field_size, count, fmt::join(t.dims, ",")));
  return t;
}

HostValue sequence_from_proto(const onnx::SequenceProto& proto, const std::string& what) {
  HostValue v;
  v.kind = HostValue::Kind::Sequence;
  if (proto.sparse_tensor_values_size() > 0)
    throw Error(ErrorCode::NotImplemented, fmt::format("{}: sequences of sparse tensors are not supported", what));
  for (int i = 0; i < proto.tensor_values_size(); ++i)
    v.elements.push_back(HostValue::of(tensor_from_proto(proto.tensor_values(i), fmt::format("{}[{}]", what, i))));
  for (int i = 0; i < proto.sequence_values_size(); ++i)
    v.elements.push_back(sequence_from_proto(proto.sequence_values(i), fmt::format("{}[{}]", what, i)));
  for (int i = 0; i < proto.map_values_size(); ++i)
    v.elements.push_back(map_from_proto(proto.map_values(i), fmt::format("{}[{}]", what, i)));
  for (int i = 0; i < proto.optional_values_size(); ++i)
    v.elements.push_back(optional_from_proto(proto.optional_values(i), fmt::format("{}[{}]", what, i)));
  return v;
}

HostValue map_from_proto(const onnx::MapProto& proto, const std::string& what) {
  HostValue v;
  v.kind = HostValue::Kind::Map;
  v.keys.type = static_cast<ElementType>(proto.key_type());
  std::size_t n = 0;
  if (v.keys.type == ElementType::String) {
    v.keys.strings.assign(proto.string_keys().begin(), proto.string_keys().end());
    n = v.keys.strings.size();
  } else {
    const std::size_t size = zrt::element_size(v.keys.type);
    if (size == 0 || !(v.keys.type == ElementType::Int64 || v.keys.type == ElementType::Int32 ||
                       v.keys.type == ElementType::Int16 || v.keys.type == ElementType::Int8 ||
                       v.keys.type == ElementType::UInt64 || v.keys.type == ElementType::UInt32 ||
                       v.keys.type == ElementType::UInt16 || v.keys.type == ElementType::UInt8))
      throw Error(fmt::format("{}: map key type {} is not supported", what, element_name(v.keys.type)));
    n = static_cast<std::size_t>(proto.keys_size());
    v.keys.bytes.resize(n * size);
    for (std::size_t i = 0; i < n; ++i) {
      const std::int64_t k = proto.keys(static_cast<int>(i));
      std::memcpy(v.keys.bytes.data() + i * size, &k, size);  // little-endian: low bytes first
    }
  }
  v.keys.dims = {static_cast<std::int64_t>(n)};
  // ORT maps hold one scalar per key: the values sequence holds one-element tensors.
  const HostValue values = sequence_from_proto(proto.values(), what + " values");
  if (values.elements.size() != n)
    throw Error(fmt::format("{}: {} keys but {} values", what, n, values.elements.size()));
  v.values.dims = {static_cast<std::int64_t>(n)};
  for (std::size_t i = 0; i < n; ++i) {
    const HostValue& e = values.elements[i];
    if (e.kind != HostValue::Kind::Tensor || e.tensor.element_count() != 1)
      throw Error(fmt::format("{}: value {} is not a one-element tensor", what, i));
    if (i == 0) v.values.type = e.tensor.type;
    if (e.tensor.type != v.values.type) throw Error(fmt::format("{}: map values of mixed element types", what));
    if (e.tensor.type == ElementType::String)
      v.values.strings.push_back(e.tensor.strings[0]);
    else
      v.values.bytes.insert(v.values.bytes.end(), e.tensor.bytes.begin(), e.tensor.bytes.end());
  }
  return v;
}

HostValue optional_from_proto(const onnx::OptionalProto& proto, const std::string& what) {
  if (proto.has_tensor_value()) return HostValue::of(tensor_from_proto(proto.tensor_value(), what));
  if (proto.has_sequence_value()) return sequence_from_proto(proto.sequence_value(), what);
  if (proto.has_map_value()) return map_from_proto(proto.map_value(), what);
  if (proto.has_optional_value()) return optional_from_proto(proto.optional_value(), what);
  if (proto.has_sparse_tensor_value())
    throw Error(ErrorCode::NotImplemented, fmt::format("{}: optional sparse tensors are not supported", what));
  return HostValue{};  // None
}

ProtoFile read_proto_file(const std::filesystem::path& path, const onnx::TypeProto& type) {
  const std::string bytes = read_file_bytes(path);
  const std::string what = path.filename().string();
  auto parse = [&](auto& message) {
    if (!message.ParseFromString(bytes))
      throw Error(ErrorCode::InvalidProtobuf,
                  fmt::format("'{}' does not parse as a {}", path.string(), message.GetTypeName()));
  };
  ProtoFile file;
  switch (type.value_case()) {
    case onnx::TypeProto::kTensorType: {
      onnx::TensorProto proto;
      parse(proto);
      file.name = proto.name();
      file.value = HostValue::of(tensor_from_proto(proto, what));
      return file;
    }
    case onnx::TypeProto::kSequenceType: {
      onnx::SequenceProto proto;
      parse(proto);
      file.name = proto.name();
      file.value = sequence_from_proto(proto, what);
      // The proto does not say an empty sequence's element type; the model's type does.
      if (const onnx::TypeProto& element = type.sequence_type().elem_type(); element.has_tensor_type())
        file.value.element_type = static_cast<ElementType>(element.tensor_type().elem_type());
      return file;
    }
    case onnx::TypeProto::kMapType: {
      onnx::MapProto proto;
      parse(proto);
      file.name = proto.name();
      file.value = map_from_proto(proto, what);
      return file;
    }
    case onnx::TypeProto::kOptionalType: {
      onnx::OptionalProto proto;
      parse(proto);
      file.name = proto.name();
      file.value = optional_from_proto(proto, what);
      return file;
    }
    default: break;
  }
  throw Error(ErrorCode::NotImplemented,
              fmt::format("'{}': values of type {} are not supported", path.string(), type_to_string(type)));
}

}  // namespace zrt::cli
