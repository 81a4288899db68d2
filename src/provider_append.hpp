// Private: a Provider appended to ORT's session options, and a session's placement.
#pragma once

#include <vector>

#include "ort/api.hpp"
#include "zrt/providers.hpp"

namespace zrt::detail {

// Checks that this ORT has the EP and that zrt-known option keys are valid, then calls
// ORT's append for it. Throws zrt::Error naming the EP, what this ORT has, and the fix.
void append_provider(OrtSessionOptions* options, const Provider& provider);
// Session_GetEpGraphAssignmentInfo, grouped by EP.
std::vector<EpPlacement> read_placement(const OrtSession* session);

}  // namespace zrt::detail
