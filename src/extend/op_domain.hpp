// Private: custom-op registration on ORT's session options (op domains, libraries).
#pragma once

#include <onnxruntime_c_api.h>

#include <string>

#include "zrt/custom_op.hpp"
#include "zrt/session_options.hpp"

namespace zrt::detail {
OrtCustomOpDomain* op_domain_handle(const OpDomain& domain) noexcept;
// Adds the options' op domains, op libraries and registration functions to `raw`.
void register_custom_ops(OrtSessionOptions* raw, const SessionOptions& options);
// The first custom-op shape inference error on this thread since the last call (empty:
// none), cleared. ORT 1.29 drops (and leaks) the status InferOutputShapeFn returns, so
// zrt's trampoline records the error here and session creation throws it.
std::string take_shape_inference_error();
}  // namespace zrt::detail
