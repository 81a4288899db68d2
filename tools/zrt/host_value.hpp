// HostValue: a plain in-memory copy of a tensor, sequence, map or empty optional, the
// common ground between ONNX protobuf files, .npy files and zrt::Value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "zrt/element.hpp"
#include "zrt/value.hpp"

namespace zrt::cli {

struct HostTensor {
  ElementType type = ElementType::Undefined;
  std::vector<std::int64_t> dims;
  std::vector<std::byte> bytes;      // numeric types: element_size(type) * count, little-endian
  std::vector<std::string> strings;  // ElementType::String

  // Product of dims; throws zrt::Error for a negative dim or overflow.
  std::size_t element_count() const;
  // "tensor(float)[2,3]"
  std::string describe() const;
};

struct HostValue {
  enum class Kind { Tensor, Sequence, Map, None };
  Kind kind = Kind::None;
  HostTensor tensor;                // Tensor
  std::vector<HostValue> elements;  // Sequence
  // Sequence of tensors: their element type, which an empty sequence needs to be made
  // (Undefined when unknown; then an empty sequence cannot become a zrt::Value).
  ElementType element_type = ElementType::Undefined;
  HostTensor keys;    // Map: 1-D keys
  HostTensor values;  // Map: 1-D values, same length

  static HostValue of(HostTensor t) {
    HostValue v;
    v.kind = Kind::Tensor;
    v.tensor = std::move(t);
    return v;
  }
  // "tensor(float)[2,3]", "seq(3)", "map(int64,float)[4]", "none"
  std::string describe() const;
};

// "float", "int64", ... (zrt::to_string) with "type#N" for unknown numbers.
std::string element_name(ElementType type);

// HostValue <-> zrt::Value (copies). Throw zrt::Error when a value cannot be converted.
Value to_value(const HostValue& value);
Value to_value(const HostTensor& tensor);
HostValue from_value(const Value& value);
HostTensor tensor_from_value(const Value& value);

// Element i of a numeric tensor as double (float16/bfloat16 converted; int64 may round).
double element_as_double(const HostTensor& t, std::size_t i);
// Element i as text: "1.5", "-3", "true", "\"abc\"".
std::string element_to_string(const HostTensor& t, std::size_t i);
bool is_floating(ElementType type) noexcept;

struct Tolerance {
  double rtol = 1e-3;
  double atol = 1e-7;
};

// Compares `actual` against `expected`: same kind, element type and shape; floating
// values within |a - e| <= atol + rtol * |e| (NaN equals NaN, infinities must match);
// everything else exact. Returns nullopt when they match, else why not.
std::optional<std::string> compare(const HostValue& expected, const HostValue& actual, const Tolerance& tolerance);

// "[1, 2, 3, ...]  min=1 max=9 mean=4.5" for the CLI.
std::string summarize(const HostTensor& t, std::size_t max_values = 8);

}  // namespace zrt::cli
