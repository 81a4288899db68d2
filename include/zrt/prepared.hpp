// Prepared runs: everything a run needs is built once, so each run is one ORT call.
#pragma once

#include <array>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "zrt/error.hpp"

#include "zrt/io_binding.hpp"
#include "zrt/memory.hpp"
#include "zrt/run_options.hpp"
#include "zrt/session.hpp"
#include "zrt/value.hpp"

namespace zrt {

// A regular run (ORT allocates outputs) with input values and name/value arrays built
// once. The caller keeps writing into the viewed input memory between runs. Outputs
// from the previous run are released (or, for fixed shapes, written in place) by the
// next run. Once a run has shown the shape of every output (numeric tensors, none a
// pass-through of an input), later runs go through an IoBinding of those same values
// (ORT's cheaper RunWithBinding), so output() keeps returning the same, updated values;
// this holds for outputs the model declares with symbolic dims too, since the inputs'
// shapes are fixed here. Should a data-dependent output (NonZero, ...) change shape,
// ORT refuses the bound value: that run is made again unbound, and later runs stay
// unbound. Not thread-safe: one per thread.
class PreparedRun {
 public:
  PreparedRun(const Session& session, std::span<const Input> inputs);
  PreparedRun(const Session& session, std::initializer_list<Input> inputs)
      : PreparedRun(session, std::span<const Input>(inputs.begin(), inputs.size())) {}

  // Runs with run_options(), made once (ORT would otherwise build a default RunOptions
  // inside every run: one heap allocation each).
  void run();
  void run_with(const RunOptions& options);
  void prime(std::size_t n);
  // The RunOptions run() and prime() pass (a tag, config entries, terminate()).
  RunOptions& run_options() noexcept { return run_options_; }
  // Whether runs now go through ORT's RunWithBinding (see above).
  bool bound() const noexcept { return bound_.has_value(); }
  // run() for callers built without exceptions.
  Status try_run() noexcept {
    return Status::of([this] { run(); });
  }

  const Outputs& outputs() const noexcept { return outputs_; }
  const Value& output(std::size_t index) const { return outputs_.at(index); }
  const Session& session() const noexcept { return session_; }

 private:
  Session session_;
  std::vector<Value> inputs_;  // ORT values over the caller's memory, made once
  std::vector<const char*> names_;
  std::vector<const OrtValue*> values_;
  std::vector<const void*> input_data_;
  Outputs outputs_;
  RunOptions run_options_;
  std::optional<IoBinding> bound_;  // set once a run has shown every output's shape
  bool shapes_observed_ = false;    // bound_ holds an output the model declares with free dims
  bool stay_unbound_ = false;       // an output changed shape, or is one that never binds

  void run_impl(const RunOptions& options);
  void bind_outputs();
};

namespace detail {
void fixed_prepare(const Session& session, std::span<const Input> inputs, std::span<Value> owned,
                   std::span<const char*> names, std::span<const OrtValue*> values, std::span<const void*> data,
                   std::size_t num_outputs);
// One Run; fixed-shape outputs of the previous run marked in `reusable` are written in
// place, the others released first (so ORT allocates them).
void fixed_run(const Session& session, const RunOptions& options, const char* const* names,
               const OrtValue* const* values, const void* const* input_data, std::size_t n_in, OrtValue** outputs,
               unsigned char* reusable, std::size_t n_out);
void fixed_release(OrtValue** outputs, std::size_t n_out) noexcept;
const void* fixed_output(OrtValue* value, std::size_t index, ElementType type, std::size_t* count);
}  // namespace detail

// PreparedRun with input and output counts fixed at compile time: its arrays live in
// the object, so neither setup structures nor runs touch the heap in zrt.
template <std::size_t NumInputs, std::size_t NumOutputs>
class FixedPreparedRun {
 public:
  FixedPreparedRun(const Session& session, const std::array<Input, NumInputs>& inputs) : session_(session) {
    detail::fixed_prepare(session_, inputs, inputs_, names_, values_, input_data_, NumOutputs);
  }
  ~FixedPreparedRun() { detail::fixed_release(outputs_.data(), NumOutputs); }
  FixedPreparedRun(const FixedPreparedRun&) = delete;
  FixedPreparedRun& operator=(const FixedPreparedRun&) = delete;

  // Runs with run_options(), made once (see PreparedRun::run).
  void run() { run_impl(run_options_); }
  void run_with(const RunOptions& options) { run_impl(options); }
  void prime(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) run();
  }
  RunOptions& run_options() noexcept { return run_options_; }
  // Valid until the next run (which may write a fixed-shape output in place).
  OrtValue* output_handle(std::size_t index) const noexcept { return outputs_[index]; }
  template <Element T>
  std::span<const T> output(std::size_t index) const {
    if (index >= NumOutputs) throw Error("FixedPreparedRun::output: index " + std::to_string(index) + " out of range");
    std::size_t count = 0;
    const void* data = detail::fixed_output(outputs_[index], index, element_type_of<T>, &count);
    return {static_cast<const T*>(data), count};
  }

 private:
  Session session_;
  std::array<Value, NumInputs> inputs_;
  std::array<const char*, NumInputs> names_{};
  std::array<const OrtValue*, NumInputs> values_{};
  std::array<const void*, NumInputs> input_data_{};
  std::array<OrtValue*, NumOutputs> outputs_{};
  std::array<unsigned char, NumOutputs> reusable_{};
  RunOptions run_options_;

  void run_impl(const RunOptions& options) {
    detail::fixed_run(session_, options, names_.data(), values_.data(), input_data_.data(), NumInputs, outputs_.data(),
                      reusable_.data(), NumOutputs);
  }
};

// IoBinding prepared once in session I/O order: inputs and outputs bound to caller
// memory (views, Values, TensorBuffers), or outputs bound to a memory location.
// A run is one RunWithBinding call. Not thread-safe: one per thread.
class PreparedBinding {
 public:
  // One input per model input and one output per model output, in model order.
  PreparedBinding(const Session& session, std::span<const Input> inputs, std::span<const Input> outputs);
  // Outputs bound to `memory` (ORT allocates them each run; read with outputs()).
  PreparedBinding(const Session& session, std::span<const Input> inputs, const MemoryInfo& memory);

  // Runs with run_options(), made once (see PreparedRun::run).
  void run();
  void run_with(const RunOptions& options);
  void prime(std::size_t n);
  // run() for callers built without exceptions.
  Status try_run() noexcept {
    return Status::of([this] { run(); });
  }
  std::vector<Value> outputs() const { return binding_.outputs(); }
  IoBinding& binding() noexcept { return binding_; }
  RunOptions& run_options() noexcept { return run_options_; }

 private:
  static IoBinding bind_inputs(const Session& session, std::span<const Input> inputs, std::vector<Value>& keep);
  Session session_;
  std::vector<Value> values_;  // ORT values over the caller's memory, kept for the binding's life
  IoBinding binding_;          // after values_: its constructor fills values_
  RunOptions run_options_;
};

}  // namespace zrt
