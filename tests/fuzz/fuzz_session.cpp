// Fuzz target: Session::from_bytes on any bytes, then, for a model that loads, one run
// on random inputs made as the CLI makes them (model_inputs.hpp) and its outputs read
// back as the CLI reads them. Failures must be zrt::Error; nothing may crash.
#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "fuzz_environment.hpp"
#include "fuzz_util.hpp"
#include "host_value.hpp"
#include "model_inputs.hpp"
#include "zrt/error.hpp"
#include "zrt/session.hpp"

namespace {

// The input's shape with every free dim 1 (an unranked input: a vector of 1); nullopt
// when the run would need more than kMaxInputBytes for it.
std::optional<std::vector<std::int64_t>> bounded_shape(const zrt::IoInfo& io) {
  std::vector<std::int64_t> shape;
  if (!io.has_shape) shape.push_back(1);
  for (const std::int64_t d : io.shape.dims()) shape.push_back(d < 0 ? 1 : d);
  // Strings are made as "s0".."s9": count them like 32-byte elements.
  const std::size_t item = io.element_type == zrt::ElementType::String ? 32 : zrt::element_size(io.element_type);
  const auto bytes = zrt::fuzz::checked_bytes(shape, item == 0 ? 1 : item);
  if (!bytes || *bytes > zrt::fuzz::kMaxInputBytes) return std::nullopt;
  return shape;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> model(reinterpret_cast<const std::byte*>(data), size);
  try {
    // One intra-op thread: runs stay cheap and deterministic.
    const zrt::Session session =
        zrt::Session::from_bytes(zrt::fuzz::environment(), model, zrt::SessionOptions{}.intra_op_threads(1));
    std::mt19937_64 rng(size);
    std::vector<zrt::Value> values;
    for (std::size_t i = 0; i < session.input_count(); ++i) {
      const zrt::IoInfo& io = session.input(i);
      if (io.kind != zrt::ValueKind::Tensor) return 0;  // random_tensor makes tensors only
      const auto shape = bounded_shape(io);
      if (!shape) return 0;
      values.push_back(zrt::cli::to_value(zrt::cli::random_tensor(io, *shape, rng)));
    }
    std::vector<zrt::Input> inputs;
    for (std::size_t i = 0; i < values.size(); ++i) inputs.emplace_back(session.input_names()[i], values[i]);
    const zrt::Outputs outputs = session.run(std::span<const zrt::Input>(inputs));
    for (std::size_t i = 0; i < outputs.size(); ++i) (void)zrt::cli::from_value(outputs[i]);
  } catch (const zrt::Error&) {
    // Rejected models, inputs zrt cannot make and failed runs are all reported errors.
  }
  return 0;
}
