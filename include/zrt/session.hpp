// Session: a loaded model. Resolves names, types and shapes once; runs on caller
// memory; thread-safe (any number of threads may run one Session at once).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "zrt/environment.hpp"
#include "zrt/run_options.hpp"
#include "zrt/session_options.hpp"
#include "zrt/value.hpp"

struct OrtSession;

namespace zrt {

class IoBinding;
class Lane;
class LaneOptions;
class ModelBuilder;
class ModelEditor;

// What the model declares for one input or output, cached at load.
struct IoInfo {
  std::string name;
  ValueKind kind = ValueKind::Unknown;
  // Tensors, sparse tensors and optional(tensor): the (contained) tensor's type and dims.
  ElementType element_type = ElementType::Undefined;
  Shape shape;                                      // free dims are -1
  bool has_shape = false;                           // false: the model declares no rank at all
  std::vector<std::string> symbolic_dims;           // per dim; "" where none
  std::optional<std::size_t> static_element_count;  // set when every dim is fixed
  std::string type;                                 // "tensor(float)", "seq(tensor(int64))", ...
  TypeInfo type_info;                               // the same type, structured: kinds, element types, nesting

  // "x: tensor(float)[batch,3,224,224]"
  std::string to_string() const;
};

struct ModelMetadata {
  std::string producer_name;
  std::string graph_name;
  std::string graph_description;
  std::string domain;
  std::string description;
  std::int64_t version = 0;
  std::map<std::string, std::string> custom;
};

// One run input: a zero-copy view of caller memory or an existing Value, optionally
// with the model input's name (otherwise inputs go in model order). Borrows: the
// viewed memory or the Value must outlive the run.
class Input {
 public:
  template <Element T>
  Input(const TensorView<T>& view) noexcept  // NOLINT(google-explicit-constructor)
      : data_(const_cast<std::remove_const_t<T>*>(view.data().data())),
        bytes_(view.data().size_bytes()),
        type_(element_type_of<T>),
        shape_(view.shape()) {}
  Input(const Value& value) noexcept : value_(&value) {}         // NOLINT(google-explicit-constructor)
  Input(const StringTensor& s) noexcept : value_(&s.value()) {}  // NOLINT(google-explicit-constructor)
  template <typename V>
  Input(const char* name, const V& v) noexcept : Input(v) {
    name_ = name;
  }

  const char* name() const noexcept { return name_; }
  const Value* value() const noexcept { return value_; }
  void* data() const noexcept { return data_; }
  std::size_t bytes() const noexcept { return bytes_; }
  ElementType element_type() const noexcept { return type_; }
  const Shape& shape() const noexcept { return shape_; }

 private:
  const char* name_ = nullptr;
  const Value* value_ = nullptr;
  void* data_ = nullptr;
  std::size_t bytes_ = 0;
  ElementType type_ = ElementType::Undefined;
  Shape shape_;  // a copy (inline, no allocation), so an Input may outlive the view it came from
};

namespace detail {
// The ORT value a run made over a TensorView input, and what it was made from (see
// Session::run: a later view with the same data, byte size, element type and shape
// reuses it instead of making a new one).
struct ViewInput {
  Value value;
  const void* data = nullptr;
  std::size_t bytes = 0;
  ElementType type = ElementType::Undefined;
  Shape shape;
};
}  // namespace detail

// The outputs of a run, in model order. Keep one per calling thread and pass it to
// every run: its slots are reused, so a steady-state run allocates nothing in zrt.
// Values stay valid until the next run into the same Outputs. It also keeps the ORT
// values made over TensorView inputs, so a run on the same memory makes none.
class Outputs {
 public:
  Outputs() = default;

  std::size_t size() const noexcept { return values_.size(); }
  Value& operator[](std::size_t i) noexcept { return values_[i]; }
  const Value& operator[](std::size_t i) const noexcept { return values_[i]; }
  Value& at(std::size_t i);
  const Value& at(std::size_t i) const;
  // By output name; throws zrt::Error listing the model's outputs when unknown.
  const Value& at(std::string_view name) const;
  // Moves one output out (its slot is empty until the next run).
  Value take(std::size_t i);
  auto begin() noexcept { return values_.begin(); }
  auto end() noexcept { return values_.end(); }
  auto begin() const noexcept { return values_.begin(); }
  auto end() const noexcept { return values_.end(); }

 private:
  friend class Session;
  friend class PreparedRun;
  std::shared_ptr<const void> owner_;  // the session state these slots were made for
  std::vector<Value> values_;
  std::vector<std::string> names_;
  // Per slot: may the value be handed back to ORT to be written in place next run?
  // (Only fixed-shape tensors ORT allocated; never one that aliases a run's input.)
  std::vector<unsigned char> reusable_;
  std::vector<detail::ViewInput> views_;  // per model input
};

class Session {
 public:
  // From a file. Throws zrt::Error (NoSuchFile) naming the path when it is missing.
  Session(const Environment& env, const std::filesystem::path& model, const SessionOptions& options = {});
  explicit Session(const std::filesystem::path& model, const SessionOptions& options = {});
  // From model bytes in memory (ORT copies them).
  static Session from_bytes(const Environment& env, std::span<const std::byte> model,
                            const SessionOptions& options = {});
  static Session from_bytes(std::span<const std::byte> model, const SessionOptions& options = {});
  // From a model built in code (model_builder.hpp): no file, no protobuf. The builder
  // may make any number of sessions; each keeps the builder's borrowed initializers alive.
  static Session from_model(const Environment& env, const ModelBuilder& model, const SessionOptions& options = {});
  static Session from_model(const ModelBuilder& model, const SessionOptions& options = {});

  // --- cached model I/O ---
  // Every method throws zrt::Error on a moved-from Session.
  std::size_t input_count() const;
  std::size_t output_count() const;
  const IoInfo& input(std::size_t index) const;  // throws zrt::Error when out of range
  const IoInfo& output(std::size_t index) const;
  std::span<const IoInfo> inputs() const;
  std::span<const IoInfo> outputs() const;
  // Index of a named input/output; throws zrt::Error listing the names when unknown.
  std::size_t input_index(std::string_view name) const;
  std::size_t output_index(std::string_view name) const;
  std::optional<std::size_t> find_input(std::string_view name) const;
  std::optional<std::size_t> find_output(std::string_view name) const;
  // Stable C strings, in model order, for callers that talk to ORT directly.
  std::span<const char* const> input_names() const;
  std::span<const char* const> output_names() const;

  // --- model facts ---
  ModelMetadata metadata() const;
  // Which execution provider took which nodes (providers.hpp). Needs
  // SessionOptions::record_placement (on by default when a provider is set).
  std::vector<EpPlacement> placement() const;
  // Where the session wants an input / produces an output (the EP's device memory, or CPU).
  MemoryInfo input_memory(std::size_t index) const;
  MemoryInfo output_memory(std::size_t index) const;
  // The EP device that consumes an input, when ORT knows it (EPs appended by device or
  // chosen by a device policy); empty otherwise.
  std::optional<EpDevice> input_device(std::size_t index) const;
  // Nanoseconds since the epoch when profiling started (0 when it is off).
  std::uint64_t profiling_start_time_ns() const;
  // Stops profiling and returns the trace file's path.
  std::filesystem::path end_profiling();

  // --- running ---
  // An Outputs sized for this session, to reuse across runs.
  Outputs make_outputs() const;
  void run(std::span<const Input> inputs, Outputs& outputs) const;
  void run(std::initializer_list<Input> inputs, Outputs& outputs) const {
    run(std::span<const Input>(inputs.begin(), inputs.size()), outputs);
  }
  Outputs run(std::span<const Input> inputs) const;
  Outputs run(std::initializer_list<Input> inputs) const {
    return run(std::span<const Input>(inputs.begin(), inputs.size()));
  }
  void run_with(const RunOptions& options, std::span<const Input> inputs, Outputs& outputs) const;
  void run_with(const RunOptions& options, std::initializer_list<Input> inputs, Outputs& outputs) const {
    run_with(options, std::span<const Input>(inputs.begin(), inputs.size()), outputs);
  }
  Outputs run_with(const RunOptions& options, std::initializer_list<Input> inputs) const;
  // Runs with everything bound in `binding` (see io_binding.hpp).
  void run(IoBinding& binding) const;
  void run_with(const RunOptions& options, IoBinding& binding) const;

  // A lane: bound once to its own stable buffers, run many times (see lane.hpp).
  Lane make_lane(const LaneOptions& options) const;
  Lane make_lane(std::vector<Shape> input_shapes, std::vector<Shape> output_shapes = {}) const;

  const Environment& environment() const;
  OrtSession* handle() const;

  struct State;
  const std::shared_ptr<const State>& state() const noexcept { return state_; }

 private:
  explicit Session(std::shared_ptr<const State> state) noexcept : state_(std::move(state)) {}
  // The state; throws zrt::Error "`what`: the Session was moved from" when there is none.
  const State& live(const char* what) const;
  friend class PreparedRun;
  friend class PreparedBinding;
  friend class Lane;
  friend class ModelEditor;  // wraps the session it finalizes
  void run_impl(const RunOptions* options, std::span<const Input> inputs, Outputs& outputs) const;
  // One ORT Run of prepared arrays into `outputs` (slots reused where safe); `what`
  // names the zrt call in errors.
  void run_prepared(const RunOptions* options, const char* const* names, const OrtValue* const* values,
                    const void* const* input_data, std::size_t n_in, Outputs& outputs,
                    const char* what = "Session::run") const;
  void run_with_binding(const RunOptions* options, IoBinding& binding) const;
  // The run of run_with_binding without its checks that the session is live and that the
  // binding is its own: for lanes and prepared bindings, which checked both at setup
  // (their binding is made for the session they keep), so a run is only the ORT call
  // and the binding's own per-run work.
  void run_bound(const RunOptions& options, IoBinding& binding) const;
  std::shared_ptr<const State> state_;
};

}  // namespace zrt
