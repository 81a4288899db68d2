// What zrt bench runs: one model, one session, the same inputs for every path, the
// outputs' types and shapes (from one reference run) and the state-carry pairs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model_inputs.hpp"
#include "zrt/environment.hpp"
#include "zrt/memory.hpp"
#include "zrt/providers.hpp"
#include "zrt/session.hpp"
#include "zrt/session_options.hpp"

namespace zrt::cli::bench {

struct WorkloadSpec {
  std::string model;            // an ONNX file; empty: the built-in model `builtin`
  std::string builtin = "mlp";  // see builtin_model.hpp
  DimValues dims;               // --dim
  InputFiles input_files;       // --input
  std::uint64_t seed = 0;       // random inputs
  // State carry (output name, input name). Empty with a built-in model: the model's own.
  std::vector<std::pair<std::string, std::string>> carry;
  bool no_carry = false;                // a built-in recurrent model without its carry
  std::optional<int> intra_op_threads;  // unset: the options file's, else 1
  std::string options_file;             // SessionOptions saved by `zrt tune --write`
  std::vector<Provider> providers;      // --ep, in order (added to the options file's)
};

// One model output as the reference run produced it.
struct OutputInfo {
  std::string name;
  ValueKind kind = ValueKind::Unknown;
  ElementType type = ElementType::Undefined;
  std::vector<std::int64_t> dims;
  // A numeric tensor: paths can bind it to caller memory (else ORT allocates it).
  bool bindable = false;
  std::size_t bytes = 0;  // bindable: its size
};

struct CarryPair {
  std::size_t output = 0;  // model output index
  std::size_t input = 0;   // model input index
};

// Where a workload's model comes from (a file, or a built-in model's bytes).
struct ModelSource {
  std::string label;
  std::string description;
  std::optional<std::filesystem::path> path;
  std::vector<std::byte> bytes;
  std::vector<std::pair<std::string, std::string>> carry;  // a built-in model's own
  DimValues default_dims;                                  // a built-in model's own, under --dim
};
ModelSource model_source(const WorkloadSpec& spec);

class Workload {
 public:
  explicit Workload(const WorkloadSpec& spec);

  std::string label;        // "builtin:mlp" or the model path
  std::string description;  // built-in models: what it is
  std::optional<std::filesystem::path> model_path;
  std::vector<std::byte> model_bytes;  // built-in models
  SessionOptions options;              // every session the bench makes uses these
  Environment environment;
  Session session;  // shared by every path
  DimValues dims;
  std::vector<ModelInput> inputs;  // model order; a carried input's value is the initial state
  std::vector<OutputInfo> outputs;
  std::vector<CarryPair> carry;
  std::string options_file;

  // The carry pair that feeds input `index`, if any.
  std::optional<std::size_t> carry_into(std::size_t input) const noexcept;
  std::optional<std::size_t> carry_from(std::size_t output) const noexcept;
  // Another session made from the same model with the same options.
  Session open_session() const;
  // Where the first provider keeps tensors (WebGPU, CUDA, TensorRT), for the device
  // paths. Throws zrt::Error saying why there is none (no provider, or a host-memory one).
  MemoryInfo device_memory() const;

 private:
  Workload(const WorkloadSpec& spec, ModelSource source);
};

// The options the bench uses: the options file (when given), intra-op threads (the
// spec's, else the file's, else 1), the named free dims and the --ep providers.
SessionOptions bench_session_options(const WorkloadSpec& spec);

}  // namespace zrt::cli::bench
