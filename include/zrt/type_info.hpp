// TypeInfo: the structured type of a value, a model input or an output — tensor, sparse
// tensor, sequence, map or optional, nested as the model declares it.
#pragma once

#include <string>
#include <vector>

#include "zrt/element.hpp"
#include "zrt/value_kind.hpp"

namespace zrt {

struct TypeInfo {
  ValueKind kind = ValueKind::Unknown;
  // Tensor and SparseTensor: the element type. Undefined for the other kinds.
  ElementType element_type = ElementType::Undefined;
  // Map: the key's element type (int64, string, ...). Undefined for the other kinds.
  ElementType key_type = ElementType::Undefined;
  // Sequence: its element's type; Map: its value's type; Optional: the contained type.
  // Empty for tensors and opaque values.
  std::vector<TypeInfo> contained;

  // The one nested type of a sequence, map or optional; throws zrt::Error for the other kinds.
  const TypeInfo& element() const;
  // "tensor(float)", "seq(map(int64,tensor(float)))", "optional(seq(tensor(int64)))", as
  // IoInfo::type and Value::describe spell them.
  std::string to_string() const;

  friend bool operator==(const TypeInfo&, const TypeInfo&) = default;
};

}  // namespace zrt
