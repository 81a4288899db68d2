// Private: custom-op registration on ORT's session options (op domains, libraries).
#pragma once

#include <onnxruntime_c_api.h>

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "zrt/custom_op.hpp"
#include "zrt/model_builder.hpp"
#include "zrt/session_options.hpp"

namespace zrt::detail {
OrtCustomOpDomain* op_domain_handle(const OpDomain& domain) noexcept;
// Adds the options' op domains, op libraries and registration functions to `raw`.
void register_custom_ops(OrtSessionOptions* raw, const SessionOptions& options);
// The first custom-op shape inference error on this thread since the last call (empty:
// none), cleared. ORT 1.29 drops (and leaks) the status InferOutputShapeFn returns, so
// zrt's trampoline records the error here and session creation throws it.
std::string take_shape_inference_error();

// True when `options` bring custom ops (domains, libraries or registration functions).
bool has_custom_ops(const SessionOptions& options) noexcept;
// A serialized ONNX model with these opset imports and an empty graph. ORT 1.29's
// CreateSessionFromModel loads a built model before it registers the options' custom
// ops (so their nodes do not resolve); a model-editor session over this empty model
// registers them first, and the built model is applied to it instead.
std::vector<std::byte> empty_model(std::span<const Opset> opsets);
}  // namespace zrt::detail
