// ModelEditor: a loaded model changed in code before it becomes a Session. Add nodes,
// initializers, inputs and outputs (a ModelBuilder of changes), then finalize.
//
//   zrt::ModelEditor editor("model.onnx");
//   zrt::ModelBuilder changes({{"", editor.opset("")}});
//   changes.node("Neg", {"Y"}, {"Z"});
//   for (const zrt::IoInfo& out : editor.outputs()) changes.output(out);  // keep Y
//   changes.output<float>("Z", {"batch", 4});
//   editor.apply(changes);
//   zrt::Session session = std::move(editor).finalize();
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>
#include <string_view>

#include "zrt/environment.hpp"
#include "zrt/session.hpp"
#include "zrt/session_options.hpp"

namespace zrt {

class ModelBuilder;

class ModelEditor {
 public:
  // Loads the model to edit; `options` apply to the finalized session too. Throws
  // zrt::Error (NoSuchFile) naming the path when it is missing.
  ModelEditor(const Environment& env, const std::filesystem::path& model, const SessionOptions& options = {});
  explicit ModelEditor(const std::filesystem::path& model, const SessionOptions& options = {});
  static ModelEditor from_bytes(const Environment& env, std::span<const std::byte> model,
                                const SessionOptions& options = {});
  static ModelEditor from_bytes(std::span<const std::byte> model, const SessionOptions& options = {});

  ModelEditor(ModelEditor&&) noexcept;
  ModelEditor& operator=(ModelEditor&&) noexcept;
  ~ModelEditor();

  // The opset version the model imports for `domain` ("" is ONNX): new nodes must use
  // it. Throws zrt::Error when the model does not import the domain.
  int opset(std::string_view domain = "") const;
  // The model's inputs and outputs as they stand (after the changes applied so far).
  std::span<const IoInfo> inputs() const;
  std::span<const IoInfo> outputs() const;

  // Adds `changes`' nodes and initializers (ORT connects them by value name) and,
  // where `changes` declares inputs or outputs, replaces the model's lists with them.
  // ORT validates the result; throws zrt::Error naming the call when it is invalid.
  ModelEditor& apply(const ModelBuilder& changes);

  // Prepares the edited model for running. The editor is spent (moved from) after.
  Session finalize() &&;

  struct State;

 private:
  ModelEditor() noexcept;
  std::unique_ptr<State> state_;
  const State& live(const char* what) const;
};

}  // namespace zrt
