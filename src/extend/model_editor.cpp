#include "zrt/model_editor.hpp"

#include "extend/model_editor_detail.hpp"
#include "ort/api.hpp"
#include "session/session_state.hpp"
#include "zrt/model_builder.hpp"
#include "zrt/prepacked_weights.hpp"

namespace zrt {

using detail::api;
using detail::check;

// The editor holds a Session's state from the start (ORT's editor session is an
// OrtSession not yet initialized), so finalize hands it on without copying anything.
struct ModelEditor::State {
  SessionOptions options;
  std::shared_ptr<Session::State> session;
};

namespace {

ModelEditor::State* make_state(const Environment& env, const SessionOptions& options, const std::string& what,
                               const detail::MakeSession& make) {
  auto state = std::make_unique<ModelEditor::State>();
  state->options = options;
  OrtSession* session = detail::create_session(env, options, what, make);
  state->session = detail::make_session_state(env, session, options);
  return state.release();
}

}  // namespace

ModelEditor::ModelEditor(const Environment& env, const std::filesystem::path& model, const SessionOptions& options) {
  const std::string& path = model.native();
  if (path.find('\0') != std::string::npos) {
    throw Error("ModelEditor: the model path contains a NUL character: '" + std::string(path.c_str()) + "\\0...'");
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(model, ec)) {
    throw Error(ErrorCode::NoSuchFile, "ModelEditor: model file not found: '" + path + "'");
  }
  const std::string what = "ModelEditor: loading '" + path + "'";
  const OrtModelEditorApi& e = detail::editor_api("ModelEditor");
  state_.reset(make_state(env, options, what, [&](const OrtSessionOptions* o, OrtSession** out) {
    return e.CreateModelEditorSession(env.handle(), path.c_str(), o, out);
  }));
}

ModelEditor::ModelEditor(const std::filesystem::path& model, const SessionOptions& options)
    : ModelEditor(Environment::default_environment(), model, options) {}

ModelEditor ModelEditor::from_bytes(const Environment& env, std::span<const std::byte> model,
                                    const SessionOptions& options) {
  if (model.empty()) throw Error(ErrorCode::InvalidProtobuf, "ModelEditor::from_bytes: the model bytes are empty");
  const std::string what = "ModelEditor::from_bytes: loading a model of " + std::to_string(model.size()) + " bytes";
  const OrtModelEditorApi& e = detail::editor_api("ModelEditor::from_bytes");
  ModelEditor editor;
  editor.state_.reset(make_state(env, options, what, [&](const OrtSessionOptions* o, OrtSession** out) {
    return e.CreateModelEditorSessionFromArray(env.handle(), model.data(), model.size(), o, out);
  }));
  return editor;
}

ModelEditor ModelEditor::from_bytes(std::span<const std::byte> model, const SessionOptions& options) {
  return from_bytes(Environment::default_environment(), model, options);
}

ModelEditor::ModelEditor() noexcept = default;
ModelEditor::ModelEditor(ModelEditor&&) noexcept = default;
ModelEditor& ModelEditor::operator=(ModelEditor&&) noexcept = default;
ModelEditor::~ModelEditor() = default;

const ModelEditor::State& ModelEditor::live(const char* what) const {
  if (!state_) throw Error(std::string(what) + ": the ModelEditor was moved from or already finalized");
  return *state_;
}

int ModelEditor::opset(std::string_view domain) const {
  const State& s = live("ModelEditor::opset");
  const std::string d(domain);
  int version = 0;
  check(
      detail::editor_api("ModelEditor::opset").SessionGetOpsetForDomain(s.session->session.get(), d.c_str(), &version),
      ("ModelEditor::opset('" + d + "')").c_str());
  return version;
}

std::span<const IoInfo> ModelEditor::inputs() const { return live("ModelEditor::inputs").session->inputs; }
std::span<const IoInfo> ModelEditor::outputs() const { return live("ModelEditor::outputs").session->outputs; }

ModelEditor& ModelEditor::apply(const ModelBuilder& changes) {
  const char* what = "ModelEditor::apply";
  const State& s = live(what);
  std::vector<std::shared_ptr<const void>> owners;
  const detail::ModelPtr model = detail::ModelBuilderAccess::to_ort(changes, what, false, owners);
  check(detail::editor_api(what).ApplyModelToModelEditorSession(s.session->session.get(), model.get()), what);
  // ORT reads the borrowed initializers from now on, whatever becomes of `changes`.
  auto& kept = s.session->initializer_owners;
  kept.insert(kept.end(), owners.begin(), owners.end());
  detail::reread_io(*s.session);
  detail::ModelBuilderAccess::check_declared(changes, s.session->inputs, s.session->outputs, what);
  return *this;
}

Session ModelEditor::finalize() && {
  const char* what = "ModelEditor::finalize";
  const State& s = live(what);
  const detail::SessionOptionsPtr ort_options = detail::build_options(s.options, s.session->environment);
  const PrepackedWeights* prepacked = s.options.prepacked_weights();
  check(detail::editor_api(what).FinalizeModelEditorSession(s.session->session.get(), ort_options.get(),
                                                            prepacked != nullptr ? prepacked->handle() : nullptr),
        what);
  detail::reread_io(*s.session);
  std::unique_ptr<State> spent = std::move(state_);
  return Session(std::move(spent->session));
}

}  // namespace zrt
