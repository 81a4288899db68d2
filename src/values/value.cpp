#include "zrt/value.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "ort/api.hpp"
#include "zrt/environment.hpp"

namespace zrt {

using detail::api;
using detail::check;

const char* to_string(ValueKind kind) noexcept {
  switch (kind) {
    case ValueKind::Tensor: return "tensor";
    case ValueKind::Sequence: return "sequence";
    case ValueKind::Map: return "map";
    case ValueKind::Opaque: return "opaque";
    case ValueKind::SparseTensor: return "sparse tensor";
    case ValueKind::Optional: return "optional";
    case ValueKind::Unknown: break;
  }
  return "unknown";
}

namespace detail {

void check_view(const void* data, std::size_t count, const Shape& shape, ElementType type) {
  // The message is built only on failure: making a view must not allocate.
  auto what = [&] { return "TensorView<" + std::string(to_string(type)) + "> of shape " + shape.to_string(); };
  if (!shape.is_static()) throw Error(what() + ": a tensor needs concrete dims, not free ones (-1)");
  const std::size_t needed = shape.element_count();
  if (data == nullptr && needed > 0) {
    throw Error(what() + ": null buffer, expected " + std::to_string(needed) + " elements");
  }
  if (count != needed) {
    throw Error(what() + ": buffer holds " + std::to_string(count) + " elements, expected " + std::to_string(needed));
  }
}

void check_packed_count(std::size_t count, const Shape& shape, ElementType type) {
  if (!shape.is_static()) throw Error("Value::packed_copy of shape " + shape.to_string() + ": free dims (-1)");
  if (count != shape.element_count()) {
    throw Error("Value::packed_copy<" + std::string(to_string(type)) + "> of shape " + shape.to_string() + ": got " +
                std::to_string(count) + " values, expected " + std::to_string(shape.element_count()));
  }
}

const OrtMemoryInfo* cpu_memory_info() {
  static const OrtMemoryInfo* const info = [] {
    ensure_environment();  // tensors over caller memory fail (and ORT logs) on bad sizes
    OrtMemoryInfo* created = nullptr;
    check(api().CreateCpuMemoryInfo(OrtDeviceAllocator, OrtMemTypeDefault, &created), "CreateCpuMemoryInfo");
    return created;  // lives for the process
  }();
  return info;
}

}  // namespace detail

namespace {

ONNXTensorElementDataType ort_type(ElementType type) { return static_cast<ONNXTensorElementDataType>(type); }

std::size_t bytes_for(ElementType type, const Shape& shape) { return tensor_byte_size(type, shape.dims()); }

// Sets one element of a string tensor; any bytes, embedded NULs included.
void fill_string(OrtValue* tensor, std::size_t index, std::string_view s, const char* what) {
  char* buffer = nullptr;
  check(api().GetResizedStringTensorElementBuffer(tensor, index, s.size(), &buffer), what);
  if (!s.empty()) std::memcpy(buffer, s.data(), s.size());
}

void require_kind(const Value& v, ValueKind expected, const char* what) {
  if (v.empty()) throw Error(std::string(what) + ": the value is empty");
  const ValueKind kind = v.kind();
  if (kind != expected) {
    throw Error(std::string(what) + ": the value is a " + to_string(kind) + ", not a " + to_string(expected));
  }
}

}  // namespace

Value& Value::operator=(Value&& other) noexcept {
  if (this != &other) {
    if (handle_ != nullptr) api().ReleaseValue(handle_);
    handle_ = std::exchange(other.handle_, nullptr);
  }
  return *this;
}

Value::~Value() {
  if (handle_ != nullptr) api().ReleaseValue(handle_);
}

Value Value::view_bytes(ElementType type, void* data, std::size_t bytes, const Shape& shape) {
  if (type == ElementType::String) {
    throw Error("Value::view: string tensors cannot view caller memory; use StringTensor or Value::strings");
  }
  const std::size_t needed = bytes_for(type, shape);
  if (bytes != needed) {
    throw Error("Value::view of " + std::string(to_string(type)) + shape.to_string() + ": buffer holds " +
                std::to_string(bytes) + " bytes, expected " + std::to_string(needed));
  }
  if (data == nullptr && needed > 0) throw Error("Value::view: null buffer for shape " + shape.to_string());
  OrtValue* out = nullptr;
  check(api().CreateTensorWithDataAsOrtValue(detail::cpu_memory_info(), data, bytes, shape.data(), shape.rank(),
                                             ort_type(type), &out),
        "Value::view");
  return Value(out);
}

Value Value::allocate(ElementType type, const Shape& shape) {
  Allocator allocator = Allocator::default_allocator();
  return allocate(type, shape, allocator);
}

Value Value::allocate(ElementType type, const Shape& shape, Allocator& allocator) {
  if (!shape.is_static()) throw Error("Value::allocate: shape " + shape.to_string() + " has free dims");
  // Checked here so that an impossible shape is named by zrt, not failed inside ORT.
  const std::size_t bytes = type == ElementType::String ? 0 : bytes_for(type, shape);
  OrtValue* out = nullptr;
  if (allocator.handle() == nullptr) throw Error("Value::allocate: the Allocator was used after being moved from");
  check(api().CreateTensorAsOrtValue(allocator.handle(), shape.data(), shape.rank(), ort_type(type), &out),
        "Value::allocate");
  Value v(out);
  if (bytes > 0 && allocator.memory_info().is_host_accessible()) std::memset(v.mutable_bytes().data(), 0, bytes);
  return v;
}

Value Value::tensor_copy_bytes(ElementType type, std::span<const std::byte> bytes, const Shape& shape) {
  if (type == ElementType::String) throw Error("Value::tensor_copy: use Value::strings for string tensors");
  const std::size_t needed = bytes_for(type, shape);
  if (bytes.size() != needed) {
    throw Error("Value::tensor_copy of " + std::string(to_string(type)) + shape.to_string() + ": source holds " +
                std::to_string(bytes.size()) + " bytes, expected " + std::to_string(needed));
  }
  Value v = allocate(type, shape);
  if (needed > 0) std::memcpy(v.mutable_bytes().data(), bytes.data(), needed);
  // ORT's kernels read a bool byte as is: 2 would stay "2" through Not. Normalize.
  if (type == ElementType::Bool) {
    for (std::byte& b : v.mutable_bytes()) b = b != std::byte{0} ? std::byte{1} : std::byte{0};
  }
  return v;
}

Value Value::strings(std::span<const std::string> strings, const Shape& shape) {
  const std::size_t needed = shape.element_count();
  if (strings.size() != needed) {
    throw Error("Value::strings of shape " + shape.to_string() + ": got " + std::to_string(strings.size()) +
                " strings, expected " + std::to_string(needed));
  }
  Value v = allocate(ElementType::String, shape);
  for (std::size_t i = 0; i < strings.size(); ++i) fill_string(v.handle(), i, strings[i], "Value::strings");
  return v;
}

Value Value::sequence(std::span<const Value> elements) {
  if (elements.empty())
    throw Error("Value::sequence: no elements; an empty sequence needs its element type: use Value::empty_sequence");
  std::vector<const OrtValue*> handles;
  handles.reserve(elements.size());
  for (const Value& e : elements) {
    if (e.empty()) throw Error("Value::sequence: element " + std::to_string(handles.size()) + " is empty");
    handles.push_back(e.handle());
  }
  OrtValue* out = nullptr;
  check(api().CreateValue(handles.data(), handles.size(), ONNX_TYPE_SEQUENCE, &out), "Value::sequence");
  return Value(out);
}

Value Value::map(const Value& keys, const Value& values) {
  require_kind(keys, ValueKind::Tensor, "Value::map keys");
  require_kind(values, ValueKind::Tensor, "Value::map values");
  const OrtValue* handles[] = {keys.handle(), values.handle()};
  OrtValue* out = nullptr;
  check(api().CreateValue(handles, 2, ONNX_TYPE_MAP, &out), "Value::map");
  return Value(out);
}

ValueKind Value::kind() const {
  if (handle_ == nullptr) return ValueKind::Unknown;
  // IsTensor reads a flag; GetValueType builds a type info (allocating), so it is only
  // asked about non-tensors.
  int is_tensor = 0;
  check(api().IsTensor(handle_, &is_tensor), "Value::kind");
  if (is_tensor != 0) return ValueKind::Tensor;
  ONNXType type = ONNX_TYPE_UNKNOWN;
  check(api().GetValueType(handle_, &type), "Value::kind");
  return detail::to_value_kind(type);
}

bool Value::is_tensor() const {
  if (handle_ == nullptr) return false;
  int is = 0;
  check(api().IsTensor(handle_, &is));
  return is != 0;
}

bool Value::has_value() const {
  if (handle_ == nullptr) return false;
  int has = 0;
  check(api().HasValue(handle_, &has), "Value::has_value");
  return has != 0;
}

ElementType Value::element_type() const {
  require_kind(*this, ValueKind::Tensor, "Value::element_type");
  return detail::tensor_ref(handle_, "Value::element_type").type;
}

Shape Value::shape() const {
  require_kind(*this, ValueKind::Tensor, "Value::shape");
  return Shape(detail::tensor_ref(handle_, "Value::shape").dims);
}

std::size_t Value::element_count() const {
  require_kind(*this, ValueKind::Tensor, "Value::element_count");
  return detail::tensor_ref(handle_, "Value::element_count").element_count();
}

MemoryInfo Value::memory_info() const {
  require_kind(*this, ValueKind::Tensor, "Value::memory_info");
  const OrtMemoryInfo* info = nullptr;
  check(api().GetTensorMemoryInfo(handle_, &info), "Value::memory_info");
  const char* name = nullptr;
  int id = 0;
  OrtAllocatorType type = OrtDeviceAllocator;
  OrtMemType mem = OrtMemTypeDefault;
  check(api().MemoryInfoGetName(info, &name));
  check(api().MemoryInfoGetId(info, &id));
  check(api().MemoryInfoGetType(info, &type));
  check(api().MemoryInfoGetMemType(info, &mem));
  // A copy: the returned MemoryInfo may outlive this value.
  return MemoryInfo(name, static_cast<AllocatorType>(type), id, static_cast<MemType>(mem));
}

std::string Value::describe() const {
  if (handle_ == nullptr) return "empty";
  if (!has_value()) return "optional(none)";
  OrtTypeInfo* info = nullptr;
  check(api().GetTypeInfo(handle_, &info), "Value::describe");
  detail::TypeInfoPtr owned(info);
  std::string text = detail::describe_type(info);
  if (kind() == ValueKind::Tensor) text += shape().to_string();
  if (kind() == ValueKind::Sequence) text += "[" + std::to_string(sequence_size()) + "]";
  return text;
}

TypeInfo Value::type_info() const {
  if (handle_ == nullptr) throw Error("Value::type_info: the value is empty");
  OrtTypeInfo* info = nullptr;
  check(api().GetTypeInfo(handle_, &info), "Value::type_info");
  const detail::TypeInfoPtr owned(info);
  return detail::read_type_info(info);
}

namespace {

// Device memory (a WebGPU buffer, CUDA memory) is not a host pointer: reading it would
// crash, so host access to it is an error that says how to get the data.
void require_host(const OrtValue* value, const char* what) {
  const OrtMemoryInfo* info = nullptr;
  check(api().GetTensorMemoryInfo(value, &info), what);
  const MemoryInfo memory = MemoryInfo::borrow(info, nullptr);  // owned by the value
  if (!memory.is_host_accessible()) {
    throw Error(std::string(what) + ": the tensor lives in device memory ('" + memory.name() +
                "'); copy it to a host tensor with zrt::copy first");
  }
}

}  // namespace

void Value::check_element_type(ElementType expected, const char* what) const {
  require_kind(*this, ValueKind::Tensor, what);
  const ElementType actual = detail::tensor_ref(handle_, what).type;
  if (actual != expected) {
    throw Error(std::string(what) + "<" + std::string(to_string(expected)) + ">: the tensor holds " +
                std::string(to_string(actual)) + " elements, not " + std::string(to_string(expected)));
  }
}

const void* Value::checked_data(ElementType expected) const {
  check_element_type(expected, "Value::data");
  require_host(handle_, "Value::data");
  void* data = nullptr;
  check(api().GetTensorMutableData(handle_, &data), "Value::data");
  return data;
}

std::span<const std::byte> Value::bytes() const { return const_cast<Value*>(this)->mutable_bytes(); }

std::span<std::byte> Value::mutable_bytes() {
  if (element_type() == ElementType::String) {
    throw Error("Value::bytes: a string tensor has no raw bytes; use strings()");
  }
  require_host(handle_, "Value::bytes");
  std::size_t size = 0;
  check(api().GetTensorSizeInBytes(handle_, &size), "Value::bytes");
  void* data = nullptr;
  check(api().GetTensorMutableData(handle_, &data), "Value::bytes");
  return {static_cast<std::byte*>(data), size};
}

std::vector<std::string> Value::strings() const {
  const std::size_t count = element_count();
  std::vector<std::string> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) out.push_back(string_at(i));
  return out;
}

std::string Value::string_at(std::size_t index) const {
  const ElementType type = element_type();
  if (type != ElementType::String) {
    throw Error("Value::string_at: the tensor holds " + std::string(to_string(type)) + " elements, not strings");
  }
  const std::size_t count = element_count();
  if (index >= count) {
    throw Error("Value::string_at: index " + std::to_string(index) + " out of range for " + std::to_string(count) +
                " strings");
  }
  std::size_t length = 0;
  check(api().GetStringTensorElementLength(handle_, index, &length));
  std::string s(length, '\0');
  if (length > 0) check(api().GetStringTensorElement(handle_, length, index, s.data()));
  return s;
}

std::size_t Value::sequence_size() const {
  require_kind(*this, ValueKind::Sequence, "Value::sequence_size");
  std::size_t count = 0;
  check(api().GetValueCount(handle_, &count), "Value::sequence_size");
  return count;
}

Value Value::sequence_at(std::size_t index) const {
  const std::size_t count = sequence_size();
  if (index >= count) {
    throw Error("Value::sequence_at: index " + std::to_string(index) + " out of range for a sequence of " +
                std::to_string(count));
  }
  OrtValue* out = nullptr;
  check(api().GetValue(handle_, static_cast<int>(index), detail::default_allocator(), &out), "Value::sequence_at");
  return Value(out);
}

Value Value::map_keys() const {
  require_kind(*this, ValueKind::Map, "Value::map_keys");
  OrtValue* out = nullptr;
  check(api().GetValue(handle_, 0, detail::default_allocator(), &out), "Value::map_keys");
  return Value(out);
}

Value Value::map_values() const {
  require_kind(*this, ValueKind::Map, "Value::map_values");
  OrtValue* out = nullptr;
  check(api().GetValue(handle_, 1, detail::default_allocator(), &out), "Value::map_values");
  return Value(out);
}

void copy(const Value& src, Value& dst) {
  require_kind(src, ValueKind::Tensor, "zrt::copy source");
  require_kind(dst, ValueKind::Tensor, "zrt::copy destination");
  const detail::TensorRef s = detail::tensor_ref(src.handle(), "zrt::copy");
  const detail::TensorRef d = detail::tensor_ref(dst.handle(), "zrt::copy");
  if (s.type != d.type || !std::equal(s.dims.begin(), s.dims.end(), d.dims.begin(), d.dims.end())) {
    throw Error("zrt::copy: source is " + std::string(to_string(s.type)) + shape_to_string(s.dims) +
                ", destination is " + std::string(to_string(d.type)) + shape_to_string(d.dims) + "; they must match");
  }
  if (src.memory_info().is_host_accessible() && dst.memory_info().is_host_accessible()) {
    // Host to host: ORT registers no data transfer for it.
    const std::span<const std::byte> from = src.bytes();
    if (!from.empty()) std::memcpy(dst.mutable_bytes().data(), from.data(), from.size());
    return;
  }
  const OrtValue* from[] = {src.handle()};
  OrtValue* to[] = {dst.handle()};
  check(api().CopyTensors(Environment::default_environment().handle(), from, to, nullptr, 1), "zrt::copy");
}

// ---- StringTensor ------------------------------------------------------------------

StringTensor::StringTensor(const Shape& shape)
    : value_(Value::allocate(ElementType::String, shape)), shape_(shape), size_(shape.element_count()) {}

StringTensor::StringTensor(std::span<const std::string> strings, const Shape& shape)
    : value_(Value::strings(strings, shape)), shape_(shape), size_(strings.size()) {}

StringTensor::StringTensor(std::initializer_list<std::string_view> strings, const Shape& shape) : StringTensor(shape) {
  if (strings.size() != size_) {
    throw Error("StringTensor of shape " + shape.to_string() + ": got " + std::to_string(strings.size()) +
                " strings, expected " + std::to_string(size_));
  }
  std::size_t i = 0;
  for (std::string_view s : strings) set(i++, s);
}

const Value& StringTensor::live(const char* what) const {
  if (value_.empty()) throw Error(std::string(what) + ": used after being moved from (or taken)");
  return value_;
}

void StringTensor::set(std::size_t index, std::string_view s) {
  live("StringTensor::set");
  if (index >= size_) {
    throw Error("StringTensor::set: index " + std::to_string(index) + " out of range for " + std::to_string(size_) +
                " strings");
  }
  fill_string(value_.handle(), index, s, "StringTensor::set");
}

std::string StringTensor::get(std::size_t index) const { return live("StringTensor::get").string_at(index); }

}  // namespace zrt
