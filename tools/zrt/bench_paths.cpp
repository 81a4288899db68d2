#include "bench_paths.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <onnxruntime_cxx_api.h>

#include <array>
#include <cstring>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "zrt/buffer.hpp"
#include "zrt/error.hpp"
#include "zrt/prepared.hpp"

namespace zrt::cli::bench {
namespace {

constexpr std::array<PathInfo, 11> kPaths = {{
    {"c_binding",
     "C API RunWithBinding with a RunOptions made once, bound once to caller-owned inputs and outputs (the floor)",
     "two bindings, ping-pong", false},
    {"cxx_run", "C++ API Ort::Session::Run returning std::vector<Ort::Value>; names and input values made once",
     "the returned value is the next input", false},
    {"cxx_binding", "C++ API Ort::IoBinding bound once to caller-owned inputs and outputs, Ort::RunOptions made once",
     "two bindings, ping-pong", false},
    {"zrt_run", "zrt Session::run, input Values made once, Outputs reused", "two Outputs, ping-pong", false},
    {"zrt_run_view", "zrt Session::run, TensorView inputs (made into ORT values each run), Outputs reused",
     "two Outputs, ping-pong", false},
    {"zrt_prepared", "zrt PreparedRun: inputs prepared once, ORT allocates outputs (fixed shapes written in place)",
     "copies the state into the input buffer", false},
    {"zrt_prepared_binding", "zrt PreparedBinding bound once to caller-owned inputs and outputs",
     "two bindings, ping-pong", false},
    {"zrt_lane", "zrt Lane: bound once to its own buffers", "LaneOptions::carry (two bindings, ping-pong)", false},
    {"c_binding_null",
     "c_binding with a null RunOptions, so ORT builds its default RunOptions inside each run (one heap allocation)",
     "two bindings, ping-pong", false},
    {"c_binding_device",
     "C API RunWithBinding (synchronizing bound inputs and outputs), bound once to device tensors from the "
     "session's device allocator (the device floor)",
     "none (device paths run models without state carry)", true},
    {"zrt_lane_device", "zrt Lane with IoStorage::ort_allocated(device) for every input and output",
     "none (device paths run models without state carry)", true},
}};

// ---- helpers ----------------------------------------------------------------------

template <typename F>
decltype(auto) visit_element(ElementType type, F&& f) {
  switch (type) {
    case ElementType::Float: return f(std::type_identity<float>{});
    case ElementType::Double: return f(std::type_identity<double>{});
    case ElementType::Int8: return f(std::type_identity<std::int8_t>{});
    case ElementType::Int16: return f(std::type_identity<std::int16_t>{});
    case ElementType::Int32: return f(std::type_identity<std::int32_t>{});
    case ElementType::Int64: return f(std::type_identity<std::int64_t>{});
    case ElementType::UInt8: return f(std::type_identity<std::uint8_t>{});
    case ElementType::UInt16: return f(std::type_identity<std::uint16_t>{});
    case ElementType::UInt32: return f(std::type_identity<std::uint32_t>{});
    case ElementType::UInt64: return f(std::type_identity<std::uint64_t>{});
    case ElementType::Bool: return f(std::type_identity<bool>{});
    case ElementType::Float16: return f(std::type_identity<Float16>{});
    case ElementType::BFloat16: return f(std::type_identity<BFloat16>{});
    case ElementType::Float8E4M3FN: return f(std::type_identity<Float8E4M3FN>{});
    case ElementType::Float8E4M3FNUZ: return f(std::type_identity<Float8E4M3FNUZ>{});
    case ElementType::Float8E5M2: return f(std::type_identity<Float8E5M2>{});
    case ElementType::Float8E5M2FNUZ: return f(std::type_identity<Float8E5M2FNUZ>{});
    default:
      throw Error(ErrorCode::NotImplemented,
                  fmt::format("zrt bench: tensors of {} are not supported", element_name(type)));
  }
}

const OrtApi& ort() { return Ort::GetApi(); }

[[noreturn]] void fail(OrtStatus* status, const char* what) {
  const std::string message = ort().GetErrorMessage(status);
  const auto code = static_cast<ErrorCode>(ort().GetErrorCode(status));
  ort().ReleaseStatus(status);
  throw Error(code, fmt::format("{}: {}", what, message));
}

inline void check(OrtStatus* status, const char* what) {
  if (status != nullptr) [[unlikely]]
    fail(status, what);
}

const OrtMemoryInfo* cpu_memory() {
  static const Ort::MemoryInfo info = Ort::MemoryInfo::CreateCpu(OrtDeviceAllocator, OrtMemTypeDefault);
  return info;
}

// An ORT tensor over a buffer, made with ORT's C++ API (the C and C++ paths use no zrt
// call per run; zrt only allocated the memory, as it does for its own paths).
Ort::Value ort_view(TensorBuffer& b) {
  std::vector<std::int64_t> dims(b.shape().begin(), b.shape().end());
  return Ort::Value::CreateTensor(cpu_memory(), b.data(), b.bytes(), dims.data(), dims.size(),
                                  static_cast<ONNXTensorElementDataType>(b.element_type()));
}

TensorBuffer buffer_for(const HostTensor& t) {
  TensorBuffer b(t.type, Shape(t.dims));
  if (!t.bytes.empty()) std::memcpy(b.data(), t.bytes.data(), t.bytes.size());
  return b;
}

// A HostValue copy of a value the caller keeps owning.
HostValue host_of(const OrtValue* value) {
  struct Borrowed {
    Value value;
    ~Borrowed() { (void)value.release(); }
  } borrowed{Value::adopt(const_cast<OrtValue*>(value))};
  return from_value(borrowed.value);
}

HostValue host_of(const TensorBuffer& b) {
  HostTensor t;
  t.type = b.element_type();
  t.dims.assign(b.shape().begin(), b.shape().end());
  const auto* p = static_cast<const std::byte*>(b.data());
  t.bytes.assign(p, p + b.bytes());
  return HostValue::of(std::move(t));
}

// On an EP that keeps tensors on a device, ORT copies a bound host input to the device
// when it is bound, not at each run: the raw C and C++ API paths that bind host inputs
// once bind them again before each run (zrt's IoBinding does it for zrt's paths), else a
// changed input (carried state) would not be read.
bool rebind_inputs(const Workload& w) { return !w.options.providers().empty(); }

const std::byte* initial_state(const Workload& w, std::size_t pair) {
  return w.inputs[w.carry[pair].input].tensor.bytes.data();
}
std::size_t state_bytes(const Workload& w, std::size_t pair) {
  return w.inputs[w.carry[pair].input].tensor.bytes.size();
}

// Caller-owned buffers for one path, allocated as a lane allocates its own (same
// policy), so every path's memory is alike: each non-carried input and bindable
// output, and two buffers per carried state. With carry a path has two bindings:
// binding b reads state buffer b and writes state buffer 1 - b, which the next run
// (binding 1 - b) reads.
class CallerMemory {
 public:
  explicit CallerMemory(const Workload& w) : w_(&w) {
    for (std::size_t i = 0; i < w.inputs.size(); ++i)
      inputs_.push_back(w.carry_into(i) ? TensorBuffer() : buffer_for(w.inputs[i].tensor));
    for (std::size_t j = 0; j < w.outputs.size(); ++j) {
      const OutputInfo& o = w.outputs[j];
      outputs_.push_back(o.bindable && !w.carry_from(j) ? TensorBuffer(o.type, Shape(o.dims)) : TensorBuffer());
    }
    for (std::size_t p = 0; p < w.carry.size(); ++p) {
      const HostTensor& t = w.inputs[w.carry[p].input].tensor;
      state_.push_back({TensorBuffer(t.type, Shape(t.dims)), TensorBuffer(t.type, Shape(t.dims))});
    }
    reset();
  }

  std::size_t bindings() const noexcept { return w_->carry.empty() ? 1 : 2; }
  TensorBuffer& input(std::size_t i, std::size_t binding) {
    if (auto p = w_->carry_into(i)) return state_[*p][binding];
    return inputs_[i];
  }
  // Null: not a numeric tensor (bound to CPU memory, ORT allocates it).
  TensorBuffer* output(std::size_t j, std::size_t binding) {
    if (auto p = w_->carry_from(j)) return &state_[*p][1 - binding];
    return w_->outputs[j].bindable ? &outputs_[j] : nullptr;
  }
  void reset() {
    for (std::size_t p = 0; p < state_.size(); ++p)
      if (state_bytes(*w_, p) > 0) std::memcpy(state_[p][0].data(), initial_state(*w_, p), state_bytes(*w_, p));
  }
  // Output j as the last run left it, `next` being the binding the next run uses;
  // nullopt for outputs ORT allocated.
  std::optional<HostValue> output_value(std::size_t j, std::size_t next) const {
    if (auto p = w_->carry_from(j)) return host_of(state_[*p][next]);
    if (w_->outputs[j].bindable) return host_of(outputs_[j]);
    return std::nullopt;
  }

 private:
  const Workload* w_;
  std::vector<TensorBuffer> inputs_;
  std::vector<TensorBuffer> outputs_;
  std::vector<std::array<TensorBuffer, 2>> state_;
};

// ---- c_binding / c_binding_null: ORT's C API, RunWithBinding ------------------------

class CBindingPath final : public Path {
 public:
  // `keep_run_options`: pass a RunOptions made once (what a careful C caller does), else
  // null (ORT then builds a default RunOptions inside each run).
  CBindingPath(const Workload& w, bool keep_run_options)
      : w_(w),
        mem_(w),
        api_(ort()),
        session_(w.session.handle()),
        in_names_(w.session.input_names().begin(), w.session.input_names().end()),
        rebind_(rebind_inputs(w)),
        flip_(mem_.bindings() - 1) {
    const auto out_names = w.session.output_names();
    if (keep_run_options) run_options_ = Ort::RunOptions();
    for (std::size_t b = 0; b < mem_.bindings(); ++b) {
      check(api_.CreateIoBinding(session_, &bindings_[b]), "c_binding: CreateIoBinding");
      for (std::size_t i = 0; i < in_names_.size(); ++i) {
        values_.push_back(ort_view(mem_.input(i, b)));
        inputs_[b].push_back(values_.back());
        check(api_.BindInput(bindings_[b], in_names_[i], values_.back()), "c_binding: BindInput");
      }
      for (std::size_t j = 0; j < out_names.size(); ++j) {
        if (TensorBuffer* out = mem_.output(j, b)) {
          values_.push_back(ort_view(*out));
          check(api_.BindOutput(bindings_[b], out_names[j], values_.back()), "c_binding: BindOutput");
        } else {
          check(api_.BindOutputToDevice(bindings_[b], out_names[j], cpu_memory()), "c_binding: BindOutputToDevice");
          if (b == 0) device_outputs_.push_back(out_names[j]);
        }
      }
    }
  }
  ~CBindingPath() override {
    for (OrtIoBinding* b : bindings_)
      if (b != nullptr) api_.ReleaseIoBinding(b);
  }
  CBindingPath(const CBindingPath&) = delete;
  CBindingPath& operator=(const CBindingPath&) = delete;

  void reset() override {
    mem_.reset();
    next_ = 0;
  }
  void run() override {
    if (rebind_)
      for (std::size_t i = 0; i < in_names_.size(); ++i)
        check(api_.BindInput(bindings_[next_], in_names_[i], inputs_[next_][i]), "c_binding: BindInput");
    // ORT keeps a device-bound output's value and would write the next run into it
    // (a sequence grows run by run): bind it anew, as zrt's IoBinding does.
    for (const char* name : device_outputs_)
      check(api_.BindOutputToDevice(bindings_[next_], name, cpu_memory()), "c_binding: BindOutputToDevice");
    check(api_.RunWithBinding(session_, run_options_, bindings_[next_]), "c_binding: RunWithBinding");
    next_ ^= flip_;
  }
  std::vector<HostValue> outputs() const override {
    std::vector<HostValue> out;
    for (std::size_t j = 0; j < w_.outputs.size(); ++j) {
      if (auto v = mem_.output_value(j, next_)) {
        out.push_back(std::move(*v));
      } else {
        const std::vector<Ort::Value> bound = Ort::UnownedIoBinding(bindings_[next_ ^ flip_]).GetOutputValues();
        out.push_back(host_of(bound.at(j)));
      }
    }
    return out;
  }

 private:
  const Workload& w_;
  CallerMemory mem_;
  const OrtApi& api_;
  OrtSession* session_;
  std::vector<const char*> in_names_;
  bool rebind_;
  std::vector<Ort::Value> values_;
  std::array<std::vector<const OrtValue*>, 2> inputs_;  // per binding, model order
  std::vector<const char*> device_outputs_;
  std::array<OrtIoBinding*, 2> bindings_{};
  Ort::RunOptions run_options_{nullptr};  // null for c_binding_null (the wrapper only releases it)
  std::size_t next_ = 0;
  std::size_t flip_;
};

// ---- cxx_run: ORT's C++ API, Session::Run returning a vector ------------------------

class CxxRunPath final : public Path {
 public:
  CxxRunPath(const Session& session, const Workload& w)
      : w_(w),
        keep_(session),
        session_(session.handle()),
        in_names_(session.input_names().begin(), session.input_names().end()),
        out_names_(session.output_names().begin(), session.output_names().end()) {
    for (const ModelInput& in : w.inputs) buffers_.push_back(buffer_for(in.tensor));
    for (TensorBuffer& b : buffers_) inputs_.push_back(ort_view(b));
  }

  void reset() override {
    for (const CarryPair& c : w_.carry) inputs_[c.input] = ort_view(buffers_[c.input]);
    results_.clear();
  }
  void run() override {
    results_ = session_.Run(run_options_, in_names_.data(), inputs_.data(), inputs_.size(), out_names_.data(),
                            out_names_.size());
    for (const CarryPair& c : w_.carry) inputs_[c.input] = std::move(results_[c.output]);
  }
  std::vector<HostValue> outputs() const override {
    std::vector<HostValue> out;
    for (std::size_t j = 0; j < out_names_.size(); ++j) {
      if (auto p = w_.carry_from(j))
        out.push_back(host_of(inputs_[w_.carry[*p].input]));
      else
        out.push_back(host_of(results_.at(j)));
    }
    return out;
  }

 private:
  const Workload& w_;
  Session keep_;
  Ort::UnownedSession session_;
  Ort::RunOptions run_options_{nullptr};
  std::vector<const char*> in_names_;
  std::vector<const char*> out_names_;
  std::vector<TensorBuffer> buffers_;
  std::vector<Ort::Value> inputs_;
  std::vector<Ort::Value> results_;
};

// ---- cxx_binding: ORT's C++ API, IoBinding ------------------------------------------

// An Ort::Session over zrt's session handle that does not release it.
struct BorrowedSession {
  explicit BorrowedSession(OrtSession* s) : session(s) {}
  ~BorrowedSession() { (void)session.release(); }
  BorrowedSession(const BorrowedSession&) = delete;
  BorrowedSession& operator=(const BorrowedSession&) = delete;
  Ort::Session session;
};

class CxxBindingPath final : public Path {
 public:
  explicit CxxBindingPath(const Workload& w)
      : w_(w),
        mem_(w),
        borrowed_(w.session.handle()),
        in_names_(w.session.input_names().begin(), w.session.input_names().end()),
        rebind_(rebind_inputs(w)),
        flip_(mem_.bindings() - 1) {
    const auto out_names = w.session.output_names();
    for (std::size_t b = 0; b < mem_.bindings(); ++b) {
      bindings_[b] = Ort::IoBinding(borrowed_.session);
      for (std::size_t i = 0; i < in_names_.size(); ++i) {
        values_.push_back(ort_view(mem_.input(i, b)));
        inputs_[b].push_back(values_.size() - 1);
        bindings_[b].BindInput(in_names_[i], values_.back());
      }
      for (std::size_t j = 0; j < out_names.size(); ++j) {
        if (TensorBuffer* out = mem_.output(j, b)) {
          values_.push_back(ort_view(*out));
          bindings_[b].BindOutput(out_names[j], values_.back());
        } else {
          bindings_[b].BindOutput(out_names[j], cpu_memory());
          if (b == 0) device_outputs_.push_back(out_names[j]);
        }
      }
    }
  }

  void reset() override {
    mem_.reset();
    next_ = 0;
  }
  void run() override {
    if (rebind_)  // see rebind_inputs
      for (std::size_t i = 0; i < in_names_.size(); ++i)
        bindings_[next_].BindInput(in_names_[i], values_[inputs_[next_][i]]);
    for (const char* name : device_outputs_) bindings_[next_].BindOutput(name, cpu_memory());  // see c_binding
    borrowed_.session.Run(run_options_, bindings_[next_]);
    next_ ^= flip_;
  }
  std::vector<HostValue> outputs() const override {
    std::vector<HostValue> out;
    for (std::size_t j = 0; j < w_.outputs.size(); ++j) {
      if (auto v = mem_.output_value(j, next_)) {
        out.push_back(std::move(*v));
      } else {
        const std::vector<Ort::Value> bound = bindings_[next_ ^ flip_].GetOutputValues();
        out.push_back(host_of(bound.at(j)));
      }
    }
    return out;
  }

 private:
  const Workload& w_;
  CallerMemory mem_;
  BorrowedSession borrowed_;
  Ort::RunOptions run_options_;  // made once: a null one makes ORT build a default inside each run
  std::vector<const char*> in_names_;
  bool rebind_;
  std::vector<Ort::Value> values_;
  std::array<std::vector<std::size_t>, 2> inputs_;  // per binding: indices into values_
  std::vector<const char*> device_outputs_;
  std::array<Ort::IoBinding, 2> bindings_{Ort::IoBinding(nullptr), Ort::IoBinding(nullptr)};
  std::size_t next_ = 0;
  std::size_t flip_;
};

// ---- zrt_run / zrt_run_view: Session::run ---------------------------------------------

class ZrtRunPath final : public Path {
 public:
  ZrtRunPath(const Workload& w, bool views) : w_(w), session_(w.session), views_(views) {
    for (const ModelInput& in : w.inputs) buffers_.push_back(buffer_for(in.tensor));
    for (std::size_t i = 0; i < buffers_.size(); ++i) inputs_.push_back(initial_input(i));
    flip_ = w.carry.empty() ? 0 : 1;
  }

  void reset() override {
    for (const CarryPair& c : w_.carry) inputs_[c.input] = initial_input(c.input);
    next_ = 0;
  }
  void run() override {
    session_.run(std::span<const Input>(inputs_), outputs_[next_]);
    for (const CarryPair& c : w_.carry)
      inputs_[c.input] = Input(session_.input_names()[c.input], outputs_[next_][c.output]);
    next_ ^= flip_;
  }
  std::vector<HostValue> outputs() const override {
    std::vector<HostValue> out;
    for (const Value& v : outputs_[next_ ^ flip_]) out.push_back(from_value(v));
    return out;
  }

 private:
  Input initial_input(std::size_t i) const {
    const char* name = session_.input_names()[i];
    const TensorBuffer& b = buffers_[i];
    if (!views_) return Input(name, b.value());
    return visit_element(b.element_type(), [&]<typename T>(std::type_identity<T>) {
      return Input(name, TensorView<const T>(static_cast<const T*>(b.data()), b.element_count(), b.shape()));
    });
  }

  const Workload& w_;
  Session session_;
  bool views_;
  std::vector<TensorBuffer> buffers_;
  std::vector<Input> inputs_;
  std::array<Outputs, 2> outputs_;
  std::size_t next_ = 0;
  std::size_t flip_ = 0;
};

// ---- zrt_prepared: PreparedRun ------------------------------------------------------

std::vector<TensorBuffer> input_buffers(const Workload& w) {
  std::vector<TensorBuffer> buffers;
  for (const ModelInput& in : w.inputs) buffers.push_back(buffer_for(in.tensor));
  return buffers;
}

std::vector<Input> buffer_inputs(const Session& session, const std::vector<TensorBuffer>& buffers) {
  std::vector<Input> inputs;
  for (std::size_t i = 0; i < buffers.size(); ++i) inputs.emplace_back(session.input_names()[i], buffers[i].value());
  return inputs;
}

class ZrtPreparedPath final : public Path {
 public:
  explicit ZrtPreparedPath(const Workload& w)
      : w_(w), buffers_(input_buffers(w)), prepared_(w.session, buffer_inputs(w.session, buffers_)) {}

  void reset() override {
    for (std::size_t p = 0; p < w_.carry.size(); ++p)
      if (state_bytes(w_, p) > 0)
        std::memcpy(buffers_[w_.carry[p].input].data(), initial_state(w_, p), state_bytes(w_, p));
  }
  void run() override {
    prepared_.run();
    // PreparedRun reads the caller's input memory, so carried state is copied there.
    for (const CarryPair& c : w_.carry) {
      const void* data = nullptr;
      check(ort().GetTensorData(prepared_.outputs()[c.output].handle(), &data), "zrt_prepared: GetTensorData");
      TensorBuffer& b = buffers_[c.input];
      std::memcpy(b.data(), data, b.bytes());
    }
  }
  std::vector<HostValue> outputs() const override {
    std::vector<HostValue> out;
    for (const Value& v : prepared_.outputs()) out.push_back(from_value(v));
    return out;
  }

 private:
  const Workload& w_;
  std::vector<TensorBuffer> buffers_;
  PreparedRun prepared_;
};

// ---- zrt_prepared_binding: PreparedBinding ------------------------------------------

class ZrtPreparedBindingPath final : public Path {
 public:
  explicit ZrtPreparedBindingPath(const Workload& w) : w_(w), mem_(w), flip_(mem_.bindings() - 1) {
    for (const OutputInfo& o : w.outputs) caller_outputs_ = caller_outputs_ && o.bindable;
    if (!caller_outputs_ && !w.carry.empty())
      throw Error(ErrorCode::NotImplemented,
                  "zrt_prepared_binding: state carry needs every output to be a numeric tensor");
    bindings_.reserve(mem_.bindings());
    for (std::size_t b = 0; b < mem_.bindings(); ++b) {
      std::vector<Input> inputs;
      for (std::size_t i = 0; i < w.inputs.size(); ++i)
        inputs.emplace_back(w.session.input_names()[i], mem_.input(i, b).value());
      if (caller_outputs_) {
        std::vector<Input> outputs;
        for (std::size_t j = 0; j < w.outputs.size(); ++j) outputs.emplace_back(mem_.output(j, b)->value());
        bindings_.emplace_back(w.session, inputs, outputs);
      } else {
        bindings_.emplace_back(w.session, inputs, MemoryInfo::cpu());
      }
    }
  }

  void reset() override {
    mem_.reset();
    next_ = 0;
  }
  void run() override {
    bindings_[next_].run();
    next_ ^= flip_;
  }
  std::vector<HostValue> outputs() const override {
    std::vector<HostValue> out;
    if (!caller_outputs_) {  // every output bound to CPU memory (the other constructor)
      for (const Value& v : bindings_[next_ ^ flip_].outputs()) out.push_back(from_value(v));
      return out;
    }
    for (std::size_t j = 0; j < w_.outputs.size(); ++j) out.push_back(*mem_.output_value(j, next_));
    return out;
  }

 private:
  const Workload& w_;
  CallerMemory mem_;
  bool caller_outputs_ = true;  // false: a non-tensor output, so every output is bound to CPU memory
  std::vector<PreparedBinding> bindings_;
  std::size_t next_ = 0;
  std::size_t flip_;
};

// ---- zrt_lane / zrt_lane_device: Lane ------------------------------------------------

void* lane_input(Lane& lane, std::size_t i, ElementType type) {
  return visit_element(type, [&]<typename T>(std::type_identity<T>) -> void* { return lane.input<T>(i).data(); });
}
void* lane_state(Lane& lane, std::size_t pair, ElementType type) {
  return visit_element(type, [&]<typename T>(std::type_identity<T>) -> void* { return lane.state<T>(pair).data(); });
}

// Lane options for a device lane: every input and output OrtAllocated on `device`.
LaneOptions device_lane_options(const Workload& w, const std::optional<MemoryInfo>& device) {
  LaneOptions options = bench_lane_options(w);
  if (device) {
    for (std::size_t i = 0; i < w.inputs.size(); ++i)
      options.input_storage(w.session.input(i).name, IoStorage::ort_allocated(*device));
    for (const OutputInfo& o : w.outputs) options.output_storage(o.name, IoStorage::ort_allocated(*device));
  }
  return options;
}

class ZrtLanePath final : public Path {
 public:
  // With `device`, the lane's tensors live there: inputs are uploaded once, outputs()
  // downloads (runs copy nothing).
  explicit ZrtLanePath(const Workload& w, std::optional<MemoryInfo> device = std::nullopt)
      : w_(w), device_(std::move(device)), owned_(std::in_place, w.session, device_lane_options(w, device_)) {
    lane_ = &*owned_;
    init();
  }
  ZrtLanePath(Lane& lane, const Workload& w) : w_(w), lane_(&lane) { init(); }

  void reset() override {
    lane_->reset_state();
    for (std::size_t p = 0; p < w_.carry.size(); ++p) {
      const HostTensor& t = w_.inputs[w_.carry[p].input].tensor;
      if (!t.bytes.empty()) std::memcpy(lane_state(*lane_, p, t.type), t.bytes.data(), t.bytes.size());
    }
  }
  void run() override { lane_->run(); }
  std::vector<HostValue> outputs() const override {
    std::vector<HostValue> out;
    for (std::size_t j = 0; j < w_.outputs.size(); ++j) {
      if (!device_) {
        out.push_back(from_value(lane_->output_value(j)));
        continue;
      }
      TensorBuffer b(w_.outputs[j].type, Shape(w_.outputs[j].dims));
      download(j, b);
      out.push_back(host_of(b));
    }
    return out;
  }
  void settle() override {
    if (device_) download(0, settled_);  // a read waits for the queued runs
  }

 private:
  void download(std::size_t j, TensorBuffer& b) const {
    visit_element(b.element_type(), [&]<typename T>(std::type_identity<T>) {
      lane_->download<T>(j, std::span<T>(static_cast<T*>(b.data()), b.element_count()));
    });
  }
  void init() {
    if (device_) settled_ = TensorBuffer(w_.outputs[0].type, Shape(w_.outputs[0].dims));
    for (std::size_t i = 0; i < w_.inputs.size(); ++i) {
      if (w_.carry_into(i)) continue;
      const HostTensor& t = w_.inputs[i].tensor;
      if (t.bytes.empty()) continue;
      if (device_) {
        const TensorBuffer b = buffer_for(t);  // typed, aligned host memory to upload from
        visit_element(t.type, [&]<typename T>(std::type_identity<T>) {
          lane_->upload<T>(i, std::span<const T>(static_cast<const T*>(b.data()), b.element_count()));
        });
      } else {
        std::memcpy(lane_input(*lane_, i, t.type), t.bytes.data(), t.bytes.size());
      }
    }
    reset();
    lane_->run();
    lane_->audit();  // the pointers the bench writes (or uploads to) are the ones ORT reads
    reset();
  }

  const Workload& w_;
  std::optional<MemoryInfo> device_;
  std::optional<Lane> owned_;
  Lane* lane_ = nullptr;
  TensorBuffer settled_;  // device: where settle() reads output 0
};

// ---- c_binding_device: ORT's C API, RunWithBinding on device tensors ----------------

// The device memory of the workload's first EP, or zrt::Error saying why the device
// paths cannot run it (the bench then skips them).
MemoryInfo device_memory_for(const Workload& w) {
  MemoryInfo device = w.device_memory();
  if (!w.carry.empty())
    throw Error(ErrorCode::NotImplemented, "the device paths run models without state carry (try --no-carry)");
  for (const OutputInfo& o : w.outputs)
    if (!o.bindable)
      throw Error(ErrorCode::NotImplemented,
                  fmt::format("output '{}' is not a numeric tensor (the device paths bind tensors only)", o.name));
  return device;
}

class CBindingDevicePath final : public Path {
 public:
  explicit CBindingDevicePath(const Workload& w)
      : w_(w), api_(ort()), session_(w.session.handle()), env_(w.environment.handle()) {
    const MemoryInfo device = device_memory_for(w);
    try {
      check(api_.CreateAllocator(session_, device.handle(), &allocator_), "c_binding_device: CreateAllocator");
      check(api_.CreateRunOptions(&run_options_), "c_binding_device: CreateRunOptions");
      check(api_.CreateIoBinding(session_, &binding_), "c_binding_device: CreateIoBinding");
      const auto in_names = w.session.input_names();
      for (std::size_t i = 0; i < in_names.size(); ++i) {
        const HostTensor& t = w.inputs[i].tensor;
        inputs_.push_back(device_tensor(t.type, t.dims));
        TensorBuffer host = buffer_for(t);
        copy_tensor(ort_view(host), inputs_.back());  // host -> device, once
        check(api_.BindInput(binding_, in_names[i], inputs_.back()), "c_binding_device: BindInput");
      }
      const auto out_names = w.session.output_names();
      for (std::size_t j = 0; j < out_names.size(); ++j) {
        outputs_.push_back(device_tensor(w.outputs[j].type, w.outputs[j].dims));
        check(api_.BindOutput(binding_, out_names[j], outputs_.back()), "c_binding_device: BindOutput");
      }
      settled_ = TensorBuffer(w.outputs[0].type, Shape(w.outputs[0].dims));
      settled_view_ = ort_view(settled_);
    } catch (...) {
      release();
      throw;
    }
  }
  ~CBindingDevicePath() override { release(); }
  CBindingDevicePath(const CBindingDevicePath&) = delete;
  CBindingDevicePath& operator=(const CBindingDevicePath&) = delete;

  void reset() override {}
  void run() override {
    // What a correct device run takes (as a device lane's run does): inputs ready on the
    // device before the run, outputs complete after it.
    check(api_.SynchronizeBoundInputs(binding_), "c_binding_device: SynchronizeBoundInputs");
    check(api_.RunWithBinding(session_, run_options_, binding_), "c_binding_device: RunWithBinding");
    check(api_.SynchronizeBoundOutputs(binding_), "c_binding_device: SynchronizeBoundOutputs");
  }
  void settle() override { copy_tensor(outputs_[0], settled_view_); }  // a read waits for the queued runs
  std::vector<HostValue> outputs() const override {
    std::vector<HostValue> out;
    for (std::size_t j = 0; j < outputs_.size(); ++j) {
      TensorBuffer host(w_.outputs[j].type, Shape(w_.outputs[j].dims));
      Ort::Value view = ort_view(host);
      copy_tensor(outputs_[j], view);  // device -> host
      out.push_back(host_of(host));
    }
    return out;
  }

 private:
  Ort::Value device_tensor(ElementType type, const std::vector<std::int64_t>& dims) {
    OrtValue* v = nullptr;
    check(api_.CreateTensorAsOrtValue(allocator_, dims.data(), dims.size(),
                                      static_cast<ONNXTensorElementDataType>(type), &v),
          "c_binding_device: CreateTensorAsOrtValue");
    return Ort::Value(v);
  }
  void copy_tensor(const OrtValue* src, OrtValue* dst) const {
    check(api_.CopyTensors(env_, &src, &dst, nullptr, 1), "c_binding_device: CopyTensors");
  }
  // The binding and the tensors before the allocator that made them.
  void release() noexcept {
    if (binding_ != nullptr) api_.ReleaseIoBinding(std::exchange(binding_, nullptr));
    inputs_.clear();
    outputs_.clear();
    settled_view_ = Ort::Value(nullptr);
    if (run_options_ != nullptr) api_.ReleaseRunOptions(std::exchange(run_options_, nullptr));
    if (allocator_ != nullptr) api_.ReleaseAllocator(std::exchange(allocator_, nullptr));
  }

  const Workload& w_;
  const OrtApi& api_;
  OrtSession* session_;
  const OrtEnv* env_;
  OrtAllocator* allocator_ = nullptr;
  OrtRunOptions* run_options_ = nullptr;
  OrtIoBinding* binding_ = nullptr;
  std::vector<Ort::Value> inputs_;
  std::vector<Ort::Value> outputs_;
  TensorBuffer settled_;  // where settle() reads output 0
  Ort::Value settled_view_{nullptr};
};

}  // namespace

std::span<const PathInfo> path_catalog() noexcept { return kPaths; }

const PathInfo* find_path(std::string_view name) noexcept {
  for (const PathInfo& p : kPaths)
    if (p.name == name) return &p;
  return nullptr;
}

std::unique_ptr<Path> make_path(std::string_view name, const Workload& w) {
  if (name == "c_binding") return std::make_unique<CBindingPath>(w, true);
  if (name == "c_binding_null") return std::make_unique<CBindingPath>(w, false);
  if (name == "cxx_run") return std::make_unique<CxxRunPath>(w.session, w);
  if (name == "cxx_binding") return std::make_unique<CxxBindingPath>(w);
  if (name == "zrt_run") return std::make_unique<ZrtRunPath>(w, false);
  if (name == "zrt_run_view") return std::make_unique<ZrtRunPath>(w, true);
  if (name == "zrt_prepared") return std::make_unique<ZrtPreparedPath>(w);
  if (name == "zrt_prepared_binding") return std::make_unique<ZrtPreparedBindingPath>(w);
  if (name == "zrt_lane") return std::make_unique<ZrtLanePath>(w);
  if (name == "c_binding_device") return std::make_unique<CBindingDevicePath>(w);
  if (name == "zrt_lane_device") return std::make_unique<ZrtLanePath>(w, device_memory_for(w));
  std::vector<std::string_view> names;
  for (const PathInfo& p : kPaths) names.push_back(p.name);
  throw Error(fmt::format("unknown path '{}'; the paths are: {}", name, fmt::join(names, ", ")));
}

std::unique_ptr<Path> make_cxx_run_path(const Session& session, const Workload& w) {
  return std::make_unique<CxxRunPath>(session, w);
}

std::unique_ptr<Path> make_lane_path(Lane& lane, const Workload& w) { return std::make_unique<ZrtLanePath>(lane, w); }

LaneOptions bench_lane_options(const Workload& w) {
  std::vector<Shape> in_shapes;
  for (const ModelInput& in : w.inputs) in_shapes.emplace_back(in.tensor.dims);
  std::vector<Shape> out_shapes;
  for (const OutputInfo& o : w.outputs) out_shapes.push_back(o.bindable ? Shape(o.dims) : Shape());
  LaneOptions options;
  options.input_shapes(std::move(in_shapes)).output_shapes(std::move(out_shapes));
  for (const OutputInfo& o : w.outputs)
    if (!o.bindable) options.output_storage(o.name, IoStorage::bound_to());
  for (const CarryPair& c : w.carry) options.carry(w.outputs[c.output].name, w.session.input(c.input).name);
  return options;
}

}  // namespace zrt::cli::bench
