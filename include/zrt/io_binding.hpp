// IoBinding: inputs and outputs bound once to memory, then run many times.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "zrt/memory.hpp"
#include "zrt/session.hpp"
#include "zrt/value.hpp"

struct OrtIoBinding;

namespace zrt {

// One binding per thread: a run writes the binding's outputs. Keeps its session alive.
// Bound views borrow caller memory, which must outlive the runs.
class IoBinding {
 public:
  explicit IoBinding(const Session& session);
  IoBinding(IoBinding&&) noexcept;
  IoBinding& operator=(IoBinding&&) noexcept;
  IoBinding(const IoBinding&) = delete;
  IoBinding& operator=(const IoBinding&) = delete;
  ~IoBinding();

  // Inputs are checked against the model (type, rank, fixed dims) when bound.
  void bind_input(std::string_view name, const Value& value);
  void bind_input(std::size_t index, const Value& value);
  template <Element T>
  void bind_input(std::string_view name, const TensorView<T>& view) {
    bind_input(name, Value::view(view));
  }
  // Outputs: into a caller tensor (written in place by each run) ...
  void bind_output(std::string_view name, const Value& value);
  void bind_output(std::size_t index, const Value& value);
  template <Element T>
  void bind_output(std::string_view name, const TensorView<T>& view) {
    bind_output(name, Value::view(view));
  }
  // ... or to a memory location, where ORT allocates it anew each run, so its shape may
  // change from run to run.
  void bind_output(std::string_view name, const MemoryInfo& memory);

  void synchronize_inputs();
  void synchronize_outputs();
  // Also unbinds LoRA adapter parameters bound by earlier runs (see Session::run_with).
  void clear_inputs();
  void clear_outputs();

  // The bound outputs after a run, in binding order (shares ORT's buffers).
  std::vector<Value> outputs() const;
  std::vector<std::string> output_names() const;

  const Session& session() const noexcept { return session_; }
  OrtIoBinding* handle() const noexcept { return handle_; }

 private:
  friend class Session;
  friend class Lane;
  friend class PreparedRun;
  friend class PreparedBinding;
  // BindInput by handle, checked by the caller. A host tensor bound for an input the
  // session wants on a device is copied there by ORT when it is bound, not when a run
  // starts: such inputs are bound again before each run, so writes between runs count.
  void bind_input_handle(std::size_t index, const OrtValue* value, const char* what);
  void rebind_host_inputs();
  // The handle; throws zrt::Error "`what`: used after being moved from" when there is none.
  OrtIoBinding* live(const char* what) const;
  std::size_t checked_index(std::string_view name, bool input) const;
  // ORT keeps a memory-bound output's value after a run and would write the next run
  // into it (failing when the shape changes); binding it again lets ORT size it anew.
  void rebind_memory_outputs();
  void forget_memory_output(std::size_t index);
  // ORT ignores RunOptions' LoRA adapters in binding runs: a run whose options carry
  // another adapter set than the binding holds binds that set's parameters by name.
  // ORT cannot unbind one input, so a set that drops a bound parameter throws (the lane
  // clears and rebinds its inputs first).
  void bind_adapters(const RunOptions* options);
  Session session_;
  OrtIoBinding* handle_ = nullptr;
  std::vector<std::pair<std::size_t, MemoryInfo>> memory_outputs_;
  std::vector<unsigned char> device_inputs_;                             // per input: the session wants device memory
  std::vector<std::pair<std::size_t, const OrtValue*>> host_to_device_;  // bound again before each run
  std::shared_ptr<const RunOptions::AdapterSet> adapters_;               // whose parameters are bound
};

}  // namespace zrt
