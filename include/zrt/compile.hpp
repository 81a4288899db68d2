// Compiled models (ORT's Compile API): execution providers that compile (TensorRT,
// TensorRT RTX, QNN, OpenVINO, VitisAI, ...) turn the parts of a model they take into
// EPContext nodes holding their compiled form, so later sessions load it instead of
// compiling again. The EPs and their options are the SessionOptions' (providers.hpp):
//   zrt::compile("model.onnx", zrt::SessionOptions{}.provider(zrt::TensorRt{}), "model_ctx.onnx");
//   std::vector<std::byte> ctx = zrt::compile_to_bytes(model_bytes, options);
// A session made from the output (zrt::Session) runs the compiled parts.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "zrt/environment.hpp"
#include "zrt/session_options.hpp"

namespace zrt {

// How compile() writes the model. Setters chain; each has a getter of the same name.
class CompileOptions {
 public:
  // The environment whose devices the SessionOptions name (unset: the default one).
  CompileOptions& environment(Environment env) {
    environment_ = std::move(env);
    return *this;
  }
  const std::optional<Environment>& environment() const noexcept { return environment_; }
  // true: each EPContext node holds its compiled binary; false (ORT's default): the EP
  // writes it to a file next to the output model and the node names that file.
  CompileOptions& embed_context(bool v) noexcept {
    embed_context_ = v;
    return *this;
  }
  bool embed_context() const noexcept { return embed_context_; }
  // true (default): compiling no node at all fails with a zrt::Error that names the EPs
  // (the CPU EP compiles nothing). false: ORT then writes the model without EPContext
  // nodes (only with basic graph optimizations), as its Compile API does by default.
  CompileOptions& require_compiled_nodes(bool v) noexcept {
    require_compiled_nodes_ = v;
    return *this;
  }
  bool require_compiled_nodes() const noexcept { return require_compiled_nodes_; }
  // false: an existing output file fails the compile instead of being replaced.
  CompileOptions& overwrite(bool v) noexcept {
    overwrite_ = v;
    return *this;
  }
  bool overwrite() const noexcept { return overwrite_; }
  // unset: ORT's default for compiling (no graph optimization).
  CompileOptions& optimization_level(OptimizationLevel v) noexcept {
    optimization_level_ = v;
    return *this;
  }
  std::optional<OptimizationLevel> optimization_level() const noexcept { return optimization_level_; }
  // Initializers of nodes left uncompiled that are larger than `threshold` bytes go to
  // `file` (relative to the output model's folder) instead of the output model.
  CompileOptions& external_initializers(std::filesystem::path file, std::size_t threshold) {
    external_initializers_ = std::move(file);
    external_threshold_ = threshold;
    return *this;
  }
  const std::filesystem::path& external_initializers() const noexcept { return external_initializers_; }
  std::size_t external_initializers_threshold() const noexcept { return external_threshold_; }
  // With a bytes input or output (no output path to go by): the folder and model name
  // from which the EP names its context binary files.
  CompileOptions& context_binary(std::filesystem::path directory, std::string model_name) {
    context_directory_ = std::move(directory);
    context_model_name_ = std::move(model_name);
    return *this;
  }
  const std::filesystem::path& context_directory() const noexcept { return context_directory_; }
  const std::string& context_model_name() const noexcept { return context_model_name_; }

 private:
  std::optional<Environment> environment_;
  bool embed_context_ = false;
  bool require_compiled_nodes_ = true;
  bool overwrite_ = true;
  std::optional<OptimizationLevel> optimization_level_;
  std::filesystem::path external_initializers_;
  std::size_t external_threshold_ = 0;
  std::filesystem::path context_directory_;
  std::string context_model_name_;
};

// Compiles `model` (a file, or model bytes read during the call) with the execution
// providers of `options` into the file `output` or into bytes. Throws zrt::Error naming
// the model and what failed: a missing model, an output folder that does not exist, an
// existing output with overwrite(false), or (with require_compiled_nodes) EPs that
// compiled nothing.
void compile(const std::filesystem::path& model, const SessionOptions& options, const std::filesystem::path& output,
             const CompileOptions& how = {});
void compile(std::span<const std::byte> model, const SessionOptions& options, const std::filesystem::path& output,
             const CompileOptions& how = {});
std::vector<std::byte> compile_to_bytes(const std::filesystem::path& model, const SessionOptions& options,
                                        const CompileOptions& how = {});
std::vector<std::byte> compile_to_bytes(std::span<const std::byte> model, const SessionOptions& options,
                                        const CompileOptions& how = {});

}  // namespace zrt
