// The ORT side of ModelBuilder: ORT's Model Editor API table, owners for its handles,
// and the translation of a declared model into an OrtModel.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "ort/api.hpp"
#include "zrt/model_builder.hpp"
#include "zrt/session.hpp"

namespace zrt::detail {

// ORT's Model Editor API; throws zrt::Error (prefixed with `what`) when this ORT build
// has none (a minimal build).
const OrtModelEditorApi& editor_api(const char* what);

void release_model(OrtModel* p) noexcept;
using ModelPtr = Owned<OrtModel, release_model>;

struct ModelBuilderAccess {
  // ORT's model for `builder`. A whole model (`whole` = true, Session::from_model) is
  // checked for what ORT would report unclearly: a node's domain that no opset names,
  // a value no one produces. Borrowed initializers' owners are appended to `owners`:
  // whatever runs the model must keep them alive. Errors start with `what`.
  static ModelPtr to_ort(const ModelBuilder& builder, const char* what, bool whole,
                         std::vector<std::shared_ptr<const void>>& owners);
  // Throws zrt::Error (starting with `what`) unless every input and output `builder`
  // declares is one of the session's, with the declared element type, rank and fixed
  // dims: ORT keeps an edited model's own type for a redeclared value without a word.
  static void check_declared(const ModelBuilder& builder, std::span<const IoInfo> inputs,
                             std::span<const IoInfo> outputs, const char* what);
};

}  // namespace zrt::detail
