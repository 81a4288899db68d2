// ValueKind: what an ORT value (or a model's input or output) is: tensor, sequence, ...
#pragma once

namespace zrt {

enum class ValueKind : int {
  Unknown = 0,
  Tensor = 1,
  Sequence = 2,
  Map = 3,
  Opaque = 4,
  SparseTensor = 5,
  Optional = 6
};
const char* to_string(ValueKind kind) noexcept;

}  // namespace zrt
