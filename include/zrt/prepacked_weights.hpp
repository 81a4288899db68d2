// PrepackedWeights: ORT's container of prepacked weights, shared by sessions so that
// replicas of a model keep one prepacked copy instead of one each.
#pragma once

#include <memory>

struct OrtPrepackedWeightsContainer;

namespace zrt {

// A shared handle: copies refer to one container, and every Session made with it
// keeps it alive (ORT requires the container to outlive its sessions).
class PrepackedWeights {
 public:
  PrepackedWeights();
  // Copy-only (moving copies the shared handle): a moved-from PrepackedWeights is still the
  // same one, never empty, so there is nothing to misuse.
  PrepackedWeights(const PrepackedWeights&) = default;
  PrepackedWeights& operator=(const PrepackedWeights&) = default;
  OrtPrepackedWeightsContainer* handle() const noexcept { return container_.get(); }
  friend bool operator==(const PrepackedWeights& a, const PrepackedWeights& b) noexcept {
    return a.container_ == b.container_;
  }

 private:
  std::shared_ptr<OrtPrepackedWeightsContainer> container_;
};

}  // namespace zrt
