#include "zrt/prepacked_weights.hpp"

#include "ort/api.hpp"

namespace zrt {

PrepackedWeights::PrepackedWeights() {
  OrtPrepackedWeightsContainer* raw = nullptr;
  detail::check(detail::api().CreatePrepackedWeightsContainer(&raw), "PrepackedWeights");
  container_.reset(raw, [](OrtPrepackedWeightsContainer* p) { detail::api().ReleasePrepackedWeightsContainer(p); });
}

}  // namespace zrt
