// Values: TensorView<T> borrows caller memory; Value owns an ORT value (tensor,
// sequence, map, optional); StringTensor builds string tensors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "zrt/element.hpp"
#include "zrt/memory.hpp"
#include "zrt/packed.hpp"
#include "zrt/shape.hpp"
#include "zrt/type_info.hpp"
#include "zrt/value_kind.hpp"

struct OrtValue;

namespace zrt {

namespace detail {
// Throws zrt::Error unless `count` elements fill `shape` exactly and data is non-null when count > 0.
void check_view(const void* data, std::size_t count, const Shape& shape, ElementType type);
// Throws zrt::Error unless `count` packed values fill `shape` exactly.
void check_packed_count(std::size_t count, const Shape& shape, ElementType type);
}  // namespace detail

// Zero-copy view of caller memory as a tensor. T may be const (read-only input).
// The caller keeps the memory alive and unchanged while ORT reads it.
template <Element T>
class TensorView {
 public:
  TensorView(std::span<T> data, Shape shape) : data_(data.data()), count_(data.size()), shape_(std::move(shape)) {
    detail::check_view(data_, count_, shape_, element_type_of<T>);
  }
  TensorView(T* data, std::size_t count, Shape shape) : TensorView(std::span<T>(data, count), std::move(shape)) {}

  std::span<T> data() const noexcept { return {data_, count_}; }
  const Shape& shape() const noexcept { return shape_; }
  static constexpr ElementType element_type() noexcept { return element_type_of<T>; }

 private:
  T* data_;
  std::size_t count_;
  Shape shape_;
};

// Deduction from a contiguous range the caller keeps (vector, array, C array; spans also
// as temporaries) and a shape, braced or not: TensorView(x, {1, 784}) is a
// TensorView<float> for a std::vector<float> x and a TensorView<const float> for a const one.
template <typename R>
TensorView(R&, Shape) -> TensorView<std::remove_reference_t<decltype(*std::data(std::declval<R&>()))>>;
template <typename T, std::size_t N>
TensorView(std::span<T, N>, Shape) -> TensorView<T>;

// Owns one ORT value. Move-only. Tensor data is reachable as typed spans checked
// against the element type; sequences and maps are read element by element.
class Value {
 public:
  Value() noexcept = default;
  // Takes ownership of an ORT value (released with ReleaseValue).
  static Value adopt(OrtValue* value) noexcept { return Value(value); }

  Value(Value&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  Value& operator=(Value&& other) noexcept;
  Value(const Value&) = delete;
  Value& operator=(const Value&) = delete;
  ~Value();

  // --- creation ---
  // Zero copy: the tensor reads and writes the caller's memory.
  template <Element T>
  static Value view(const TensorView<T>& v) {
    return view_bytes(v.element_type(), const_cast<std::remove_const_t<T>*>(v.data().data()), v.data().size_bytes(),
                      v.shape());
  }
  static Value view_bytes(ElementType type, void* data, std::size_t bytes, const Shape& shape);
  // Copies `data` into a tensor that ORT allocates (the name says copy).
  template <Element T>
  static Value tensor_copy(std::span<const T> data, const Shape& shape) {
    detail::check_view(data.data(), data.size(), shape, element_type_of<T>);
    return tensor_copy_bytes(element_type_of<T>, std::as_bytes(data), shape);
  }
  static Value tensor_copy_bytes(ElementType type, std::span<const std::byte> bytes, const Shape& shape);
  // Packs sub-byte values (int4, uint4, float4e2m1, int2, uint2) into a tensor ORT allocates.
  template <PackedElement P>
  static Value packed_copy(std::span<const P> values, const Shape& shape) {
    detail::check_packed_count(values.size(), shape, P::type);
    return tensor_copy_bytes(P::type, pack(values), shape);
  }
  // A tensor allocated by ORT's default CPU allocator (zero-filled), or by `allocator`,
  // which must outlive the value (ORT frees the tensor through it).
  static Value allocate(ElementType type, const Shape& shape);
  static Value allocate(ElementType type, const Shape& shape, Allocator& allocator);
  // A string tensor holding copies of `strings`.
  static Value strings(std::span<const std::string> strings, const Shape& shape);
  // A sequence of tensors (or of maps); ORT copies the elements. At least one element:
  // an empty sequence needs its element type, so it is made by empty_sequence.
  static Value sequence(std::span<const Value> elements);
  // An empty seq(tensor(element)). ORT's C API has no call for it, so zrt runs a one-node
  // SequenceEmpty model (made once per element type, on first use) that returns one.
  static Value empty_sequence(ElementType element);
  // A map from a 1-D keys tensor to a 1-D values tensor of the same length.
  static Value map(const Value& keys, const Value& values);

  // --- inspection ---
  bool empty() const noexcept { return handle_ == nullptr; }
  explicit operator bool() const noexcept { return handle_ != nullptr; }
  ValueKind kind() const;
  bool is_tensor() const;
  // False for an optional value that holds nothing.
  bool has_value() const;
  ElementType element_type() const;   // tensors only
  Shape shape() const;                // tensors only
  std::size_t element_count() const;  // tensors only
  MemoryInfo memory_info() const;     // tensors only
  // "tensor(float)[1,3]", "seq", "map(int64,float)", ... for messages and the CLI.
  std::string describe() const;
  // The value's structured type (a sequence's element type, a map's key and value types).
  TypeInfo type_info() const;

  // Typed access; throws zrt::Error naming both types when T does not match.
  template <Element T>
  std::span<const T> data() const {
    return {static_cast<const T*>(checked_data(element_type_of<T>)), element_count()};
  }
  template <Element T>
  std::span<T> mutable_data() {
    return {static_cast<T*>(const_cast<void*>(checked_data(element_type_of<T>))), element_count()};
  }
  // A sub-byte tensor's values, unpacked; throws zrt::Error naming both types when P does not match.
  template <PackedElement P>
  std::vector<P> unpacked() const {
    check_element_type(P::type, "Value::unpacked");
    return unpack<P>(bytes(), element_count());
  }
  // Raw bytes of a numeric tensor (any element type, float8 and sub-byte included).
  std::span<const std::byte> bytes() const;
  std::span<std::byte> mutable_bytes();
  // String tensors.
  std::vector<std::string> strings() const;
  std::string string_at(std::size_t index) const;

  // Sequences: element count and copies of elements. Maps: keys and values tensors.
  std::size_t sequence_size() const;
  Value sequence_at(std::size_t index) const;
  Value map_keys() const;
  Value map_values() const;

  OrtValue* handle() const noexcept { return handle_; }
  OrtValue* release() noexcept { return std::exchange(handle_, nullptr); }

 private:
  explicit Value(OrtValue* value) noexcept : handle_(value) {}
  const void* checked_data(ElementType expected) const;
  void check_element_type(ElementType expected, const char* what) const;
  OrtValue* handle_ = nullptr;
};

// A string tensor (ORT stores strings in its own format, so this always copies).
// Copies src's tensor data into dst (same element type and shape), host to device,
// device to host or device to device, through ORT's CopyTensors. Both must be
// tensors; data() on a device tensor throws, so this is how its data reaches the host.
void copy(const Value& src, Value& dst);

class StringTensor {
 public:
  explicit StringTensor(const Shape& shape);  // every element empty
  StringTensor(std::span<const std::string> strings, const Shape& shape);
  StringTensor(std::initializer_list<std::string_view> strings, const Shape& shape);

  // A moved-from (or taken) StringTensor has size 0, and set/get/to_vector throw.
  StringTensor(StringTensor&& other) noexcept
      : value_(std::move(other.value_)), shape_(std::move(other.shape_)), size_(std::exchange(other.size_, 0)) {}
  StringTensor& operator=(StringTensor&& other) noexcept {
    value_ = std::move(other.value_);
    shape_ = std::move(other.shape_);
    size_ = std::exchange(other.size_, 0);
    return *this;
  }

  std::size_t size() const noexcept { return size_; }
  const Shape& shape() const noexcept { return shape_; }
  void set(std::size_t index, std::string_view s);
  std::string get(std::size_t index) const;
  std::vector<std::string> to_vector() const { return live("StringTensor::to_vector").strings(); }

  const Value& value() const noexcept { return value_; }
  Value take() && noexcept {
    size_ = 0;
    shape_ = Shape();
    return std::move(value_);
  }

 private:
  const Value& live(const char* what) const;

  Value value_;
  Shape shape_;
  std::size_t size_ = 0;
};

}  // namespace zrt
