#include "zrt/prepared.hpp"

#include "ort/api.hpp"
#include "session/session_state.hpp"
#include "zrt/io_binding.hpp"

namespace zrt {

using detail::api;
using detail::check;

// ---- PreparedRun -------------------------------------------------------------------

PreparedRun::PreparedRun(const Session& session, std::span<const Input> inputs)
    : session_(session), outputs_(session.make_outputs()) {
  detail::PreparedInputs prepared = detail::prepare_inputs(*session.state(), inputs, "PreparedRun");
  inputs_ = std::move(prepared.owned);
  values_ = std::move(prepared.values);
  input_data_ = std::move(prepared.data);
  names_.assign(session.input_names().begin(), session.input_names().end());
}

void PreparedRun::run() { run_impl(run_options_); }
void PreparedRun::run_with(const RunOptions& options) { run_impl(options); }

void PreparedRun::run_impl(const RunOptions& options) {
  if (bound_) {
    // Other LoRA adapters than the binding holds: bind the inputs afresh, as a Lane does
    // (ORT cannot unbind the old parameters one by one).
    if (options.adapter_set() != bound_->adapters_ && bound_->adapters_) [[unlikely]] {
      bound_->clear_inputs();
      for (std::size_t i = 0; i < values_.size(); ++i) {
        bound_->bind_input_handle(i, values_[i], "PreparedRun: binding an input");
      }
    }
    try {
      session_.run_with(options, *bound_);
      return;
    } catch (const Error&) {
      if (!shapes_observed_) throw;  // every output has the shape the model fixes: a real error
    }
    // ORT refuses to write an output of another shape into the bound value, so this run
    // is made again unbound. If that succeeds, a data-dependent output changed shape and
    // later runs stay unbound; if it fails, its error is the run's.
    bound_.reset();
    session_.run_prepared(&options, names_.data(), values_.data(), input_data_.data(), names_.size(), outputs_,
                          "PreparedRun::run");
    stay_unbound_ = true;
    return;
  }
  session_.run_prepared(&options, names_.data(), values_.data(), input_data_.data(), names_.size(), outputs_,
                        "PreparedRun::run");
  if (!stay_unbound_) bind_outputs();
}

void PreparedRun::bind_outputs() {
  const Session::State& s = *session_.state();
  bool observed = false;
  for (std::size_t j = 0; j < outputs_.size(); ++j) {
    const Value& v = outputs_.values_[j];
    if (v.empty()) return;                          // an output not produced yet: try again next run
    if (outputs_.reusable_[j] != 0) continue;       // a fixed-shape tensor ORT writes in place
    if (s.output_is_static_tensor[j] != 0) return;  // a pass-through of an input (may change)
    // Declared with free dims: the shape this run showed, for a numeric tensor that is
    // not one of the caller's inputs passed through. Anything else never binds.
    if (v.kind() != ValueKind::Tensor || element_size(v.element_type()) == 0) {
      stay_unbound_ = true;
      return;
    }
    const void* data = nullptr;
    check(api().GetTensorData(v.handle(), &data), "PreparedRun: reading an output");
    for (const void* in : input_data_) {
      if (data == in) {
        stay_unbound_ = true;
        return;
      }
    }
    observed = true;
  }
  IoBinding binding(session_);
  for (std::size_t i = 0; i < values_.size(); ++i) {
    binding.bind_input_handle(i, values_[i], "PreparedRun: binding an input");
  }
  for (std::size_t j = 0; j < outputs_.size(); ++j) binding.bind_output(j, outputs_.values_[j]);
  bound_.emplace(std::move(binding));
  shapes_observed_ = observed;
}

void PreparedRun::prime(std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) run();
}

// ---- FixedPreparedRun (non-template parts) -----------------------------------------

namespace detail {

void fixed_prepare(const Session& session, std::span<const Input> inputs, std::span<Value> owned,
                   std::span<const char*> names, std::span<const OrtValue*> values, std::span<const void*> data,
                   std::size_t num_outputs) {
  if (num_outputs != session.output_count()) {
    throw Error("FixedPreparedRun: declared " + std::to_string(num_outputs) + " outputs, the model has " +
                std::to_string(session.output_count()));
  }
  PreparedInputs prepared = prepare_inputs(*session.state(), inputs, "FixedPreparedRun");
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    owned[i] = std::move(prepared.owned[i]);
    values[i] = prepared.values[i];
    data[i] = prepared.data[i];
    names[i] = session.input_names()[i];
  }
}

void fixed_run(const Session& session, const RunOptions& options, const char* const* names,
               const OrtValue* const* values, const void* const* input_data, std::size_t n_in, OrtValue** outputs,
               unsigned char* reusable, std::size_t n_out) {
  for (std::size_t j = 0; j < n_out; ++j) {
    if (!reusable[j] && outputs[j] != nullptr) api().ReleaseValue(std::exchange(outputs[j], nullptr));
  }
  detail::check_fast(api().Run(session.handle(), options.live("FixedPreparedRun::run"), names, values, n_in,
                               session.output_names().data(), n_out, outputs),
                     "FixedPreparedRun::run");
  const Session::State& s = *session.state();
  for (std::size_t j = 0; j < n_out; ++j) {
    // As in Session::run: a fixed-shape output is written in place next run, unless it
    // is a graph input passed through (it shares that input's buffer).
    bool reuse = s.output_is_static_tensor[j] != 0;
    if (reuse) {
      const void* data = nullptr;
      check(api().GetTensorData(outputs[j], &data));
      for (std::size_t i = 0; i < n_in && reuse; ++i) reuse = data != input_data[i];
    }
    reusable[j] = reuse ? 1 : 0;
  }
}

void fixed_release(OrtValue** outputs, std::size_t n_out) noexcept {
  for (std::size_t j = 0; j < n_out; ++j) {
    if (outputs[j] != nullptr) api().ReleaseValue(std::exchange(outputs[j], nullptr));
  }
}

const void* fixed_output(OrtValue* value, std::size_t index, ElementType type, std::size_t* count) {
  if (value == nullptr) throw Error("FixedPreparedRun::output " + std::to_string(index) + ": no run has completed");
  const TensorRef ref = tensor_ref(value, "FixedPreparedRun::output");
  if (ref.type != type) {
    throw Error("FixedPreparedRun::output<" + std::string(to_string(type)) + "> " + std::to_string(index) +
                ": the output holds " + std::string(to_string(ref.type)) + " elements");
  }
  *count = ref.element_count();
  const void* data = nullptr;
  check(api().GetTensorData(value, &data));
  return data;
}

}  // namespace detail

// ---- PreparedBinding ---------------------------------------------------------------

IoBinding PreparedBinding::bind_inputs(const Session& session, std::span<const Input> inputs,
                                       std::vector<Value>& keep) {
  detail::PreparedInputs prepared = detail::prepare_inputs(*session.state(), inputs, "PreparedBinding");
  IoBinding binding(session);
  for (std::size_t i = 0; i < prepared.values.size(); ++i) {
    binding.bind_input_handle(i, prepared.values[i],
                              ("PreparedBinding: binding " + detail::describe_input(*session.state(), i)).c_str());
  }
  for (Value& v : prepared.owned) keep.push_back(std::move(v));
  return binding;
}

PreparedBinding::PreparedBinding(const Session& session, std::span<const Input> inputs, std::span<const Input> outputs)
    : session_(session), binding_(bind_inputs(session, inputs, values_)) {
  if (outputs.size() != session.output_count()) {
    throw Error("PreparedBinding: expected " + std::to_string(session.output_count()) + " outputs, got " +
                std::to_string(outputs.size()));
  }
  for (std::size_t j = 0; j < outputs.size(); ++j) {
    const Input& out = outputs[j];
    if (out.value() != nullptr) {
      binding_.bind_output(j, *out.value());
    } else {
      Value view = Value::view_bytes(out.element_type(), out.data(), out.bytes(), out.shape());
      binding_.bind_output(j, view);
      values_.push_back(std::move(view));
    }
  }
}

PreparedBinding::PreparedBinding(const Session& session, std::span<const Input> inputs, const MemoryInfo& memory)
    : session_(session), binding_(bind_inputs(session, inputs, values_)) {
  for (const IoInfo& info : session.outputs()) binding_.bind_output(info.name, memory);
}

void PreparedBinding::run() { session_.run_bound(run_options_, binding_); }
void PreparedBinding::run_with(const RunOptions& options) { session_.run_bound(options, binding_); }
void PreparedBinding::prime(std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) run();
}

}  // namespace zrt
