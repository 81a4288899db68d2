// Private: custom-op registration on ORT's session options (op domains, libraries).
#pragma once

#include <onnxruntime_c_api.h>

#include "zrt/custom_op.hpp"
#include "zrt/session_options.hpp"

namespace zrt::detail {
OrtCustomOpDomain* op_domain_handle(const OpDomain& domain) noexcept;
// Adds the options' op domains, op libraries and registration functions to `raw`.
void register_custom_ops(OrtSessionOptions* raw, const SessionOptions& options);
}  // namespace zrt::detail
