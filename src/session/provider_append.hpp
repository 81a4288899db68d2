// Private: a Provider appended to ORT's session options, and a session's placement.
#pragma once

#include <vector>

#include "ort/api.hpp"
#include "zrt/providers.hpp"

namespace zrt::detail {

// Provider options as the parallel C arrays ORT's append calls take (pointing into
// `options`, which must outlive them).
struct OptionArrays {
  std::vector<const char*> keys;
  std::vector<const char*> values;
  explicit OptionArrays(const Provider::Options& options) {
    for (const auto& [k, v] : options) {
      keys.push_back(k.c_str());
      values.push_back(v.c_str());
    }
  }
};

// Checks that this ORT has the EP and that zrt-known option keys are valid, then calls
// ORT's append for it. Throws zrt::Error naming the EP, what this ORT has, and the fix.
void append_provider(OrtSessionOptions* options, const Provider& provider);
// Session_GetEpGraphAssignmentInfo, grouped by EP.
std::vector<EpPlacement> read_placement(const OrtSession* session);

}  // namespace zrt::detail
