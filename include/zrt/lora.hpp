// LoraAdapter: an ORT LoRA adapter (.onnx_adapter: named tensors in ORT's flatbuffer
// format), loaded once and activated per run through RunOptions::activate. While it is
// active, each of its parameters replaces the model input or overridable initializer of
// the same name, e.g. the low-rank factors of W + A·B.
//   zrt::LoraAdapter style("style.onnx_adapter");
//   zrt::RunOptions options;
//   options.activate(style);
//   session.run_with(options, {x});  // also lanes (Lane::run_with) and async runs
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "zrt/shape.hpp"
#include "zrt/value.hpp"

struct OrtLoraAdapter;

namespace zrt {

// A shared handle: copies refer to one loaded adapter, and RunOptions that activate it
// keep it alive. Immutable once loaded, so any number of runs and threads may use it.
class LoraAdapter {
 public:
  // Reads (maps) the file; ORT validates its format. Throws zrt::Error naming the file
  // and what is wrong (missing, not an adapter, unsupported format version).
  explicit LoraAdapter(const std::filesystem::path& file);
  // From adapter bytes, copied (the span may go after the call).
  static LoraAdapter from_bytes(std::span<const std::byte> bytes);

  struct Parameter {
    std::string name;  // the model input / initializer it replaces
    ElementType element_type = ElementType::Undefined;
    Shape shape;
    Value value;  // a view of the adapter's data (read-only: do not write through it)
  };
  std::span<const Parameter> parameters() const noexcept;
  // The parameter called `name`; null when there is none.
  const Parameter* find(std::string_view name) const noexcept;
  int adapter_version() const noexcept;
  int model_version() const noexcept;
  // "file 'style.onnx_adapter'" or "adapter bytes", for messages.
  const std::string& source() const noexcept;

  OrtLoraAdapter* handle() const noexcept;
  friend bool operator==(const LoraAdapter& a, const LoraAdapter& b) noexcept { return a.state_ == b.state_; }

  struct State;

 private:
  explicit LoraAdapter(std::shared_ptr<const State> state) : state_(std::move(state)) {}
  std::shared_ptr<const State> state_;
};

}  // namespace zrt
