// Models built into the zrt binary (made in code at first use, nothing read from disk),
// so `zrt bench` runs without a model file and `make run` needs nothing but the build.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace zrt::cli {

struct BuiltinModel {
  std::string name;              // "mlp"
  std::string description;       // "MLP 784-128-10 (ReLU): image float[1,784] -> logits float[1,10]"
  std::vector<std::byte> bytes;  // the serialized ONNX model
  // State carry pairs (output, input) the model is meant to run with (recurrent models).
  std::vector<std::pair<std::string, std::string>> carry;
  // Sizes for its free dims that --dim does not give, as --dim NAME=VALUE would.
  std::vector<std::pair<std::string, std::int64_t>> default_dims;
};

// The names of the built-in models, the default first.
std::span<const std::string_view> builtin_model_names() noexcept;
// Builds a built-in model; throws zrt::Error listing the names when `name` is unknown.
BuiltinModel builtin_model(std::string_view name);

}  // namespace zrt::cli
