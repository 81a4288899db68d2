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
  // Moving copies the shared handle: a moved-from container is still the same one.
  PrepackedWeights(const PrepackedWeights&) = default;
  PrepackedWeights& operator=(const PrepackedWeights&) = default;
  PrepackedWeights(PrepackedWeights&& other) noexcept : container_(other.container_) {}
  PrepackedWeights& operator=(PrepackedWeights&& other) noexcept {
    container_ = other.container_;
    return *this;
  }
  OrtPrepackedWeightsContainer* handle() const noexcept { return container_.get(); }
  friend bool operator==(const PrepackedWeights& a, const PrepackedWeights& b) noexcept {
    return a.container_ == b.container_;
  }

 private:
  std::shared_ptr<OrtPrepackedWeightsContainer> container_;
};

}  // namespace zrt
