// The model's output shapes for given input shapes, as far as the declared shapes tell:
// what ShapeBuckets and the Batcher size their lanes' outputs by.
#pragma once

#include <span>
#include <vector>

#include "zrt/session.hpp"
#include "zrt/shape.hpp"

namespace zrt::detail {

struct ResolvedOutputs {
  std::vector<Shape> shapes;  // per output; a dim no input names stays free (-1)
  std::vector<bool> free;     // per output: some dim unresolved (or no rank)
};

// A symbolic output dim takes the value of the input dim of the same name. Unranked and
// non-tensor outputs get an empty shape, marked free. Throws zrt::Error, starting with
// `what`, when two input dims of one name differ.
ResolvedOutputs resolve_output_shapes(const Session& session, std::span<const Shape> inputs, const char* what);

}  // namespace zrt::detail
