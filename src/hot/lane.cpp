#include "zrt/lane.hpp"

#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

#include "ort/api.hpp"
#include "session/session_state.hpp"
#include "zrt/io_binding.hpp"

namespace zrt {

using detail::api;
using detail::check;

namespace {

constexpr std::size_t kNotCarried = static_cast<std::size_t>(-1);

std::string io_name(const Session& session, std::size_t index, bool input) {
  const IoInfo& info = input ? session.input(index) : session.output(index);
  return std::string(input ? "input '" : "output '") + info.name + "' (index " + std::to_string(index) + ")";
}

// The address ORT gives for a tensor's data (a device address for device memory).
const void* tensor_address(const Value& v, const std::string& who) {
  const void* data = nullptr;
  check(api().GetTensorData(v.handle(), &data), who.c_str());
  return data;
}

// What to do about an input or output with free dims and no shape given: shapes for
// every one (a lane needs them all), or SessionOptions::free_dim, which fixes the dims
// in the session so that the lane needs no shapes at all.
std::string free_dims_advice(const IoInfo& info, bool input) {
  std::vector<std::string> ways{std::string("give the shape of every ") + (input ? "input" : "output") +
                                " in LaneOptions::" + (input ? "input_shapes" : "output_shapes") + " (a scalar is {})"};
  if (!input) ways.emplace_back("bind this output with IoStorage::bound_to");
  std::string fix;
  bool unnamed = false;
  for (std::size_t d = 0; d < info.shape.rank(); ++d) {
    if (info.shape[d] >= 0) continue;
    const std::string symbol = d < info.symbolic_dims.size() ? info.symbolic_dims[d] : std::string();
    if (symbol.empty()) {
      unnamed = true;
    } else if (fix.find("\"" + symbol + "\"") == std::string::npos) {
      fix += ".free_dim(\"" + symbol + "\", N)";
    }
  }
  if (!fix.empty()) {
    ways.push_back("fix the dims when the session is made: SessionOptions{}" + fix +
                   (unnamed ? " (its unnamed dims would still need a shape)" : ""));
  }
  std::string advice = ways[0];
  for (std::size_t w = 1; w < ways.size(); ++w) advice += (w + 1 == ways.size() ? " or " : ", ") + ways[w];
  return advice;
}

}  // namespace

struct Lane::State {
  struct Io {
    IoStorage storage;
    ElementType type = ElementType::Undefined;
    Shape shape;
    TensorBuffer buffer;                 // Buffer storage
    std::optional<Allocator> allocator;  // OrtAllocated storage: frees `value`, so it outlives it
    Value value;                         // OrtAllocated storage
    std::size_t carry = kNotCarried;
  };
  struct Carry {
    std::size_t output = 0;
    std::size_t input = 0;
    TensorBuffer buffers[2];             // host state: run k reads buffers[k % 2], writes buffers[(k + 1) % 2]
    std::optional<Allocator> allocator;  // device state: frees `device`, so it outlives it
    Value device[2];                     // device state, ping-ponged the same way
    const Value& value(std::size_t k) const { return allocator ? device[k] : buffers[k].value(); }
  };

  Session session;
  std::vector<Io> inputs;
  std::vector<Io> outputs;
  std::vector<Carry> carries;
  std::vector<IoBinding> bindings;  // two with state carry (ping-pong), else one
  std::size_t parity = 0;           // which binding the next run uses
  bool synchronize = false;         // some storage is not plain host memory
  bool rebind_inputs = false;
  std::optional<Allocator> stats_allocator;
  mutable std::size_t copies = 0;  // host<->device copies made by upload/download
  // Passed to every run(): made once, so ORT does not build a default one inside each
  // run (a heap allocation per run). Holds LaneOptions::graph_id's "gpu_graph_id".
  RunOptions run_options;

  explicit State(const Session& s) : session(s) {}

  const OrtValue* input_value(std::size_t i, std::size_t binding) const {
    const Io& io = inputs[i];
    if (io.carry != kNotCarried) return carries[io.carry].value(binding).handle();
    switch (io.storage.kind) {
      case IoStorage::Kind::Buffer: return io.buffer.value().handle();
      case IoStorage::Kind::External: return io.storage.value->handle();
      default: return io.value.handle();
    }
  }

  void bind_inputs(std::size_t binding) {
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      bindings[binding].bind_input_handle(i, input_value(i, binding), "Lane: binding an input");
    }
  }

  void run(const RunOptions& options, bool sync) {
    IoBinding& binding = bindings[parity];
    if (rebind_inputs) bind_inputs(parity);
    // Other LoRA adapters than last run: ORT cannot unbind the old parameters one by one,
    // so the lane binds its inputs afresh (the run then binds the new set's parameters).
    if (options.adapter_set() != binding.adapters_ && binding.adapters_) [[unlikely]] {
      binding.clear_inputs();
      bind_inputs(parity);
    }
    if (sync) binding.synchronize_inputs();
    session.run_bound(options, binding);
    if (sync) binding.synchronize_outputs();
    if (!carries.empty()) parity ^= 1u;
  }
};

Lane::Lane(const Session& session, const LaneOptions& options) : state_(std::make_unique<State>(session)) {
  State& s = *state_;
  const std::size_t n_in = session.input_count();
  const std::size_t n_out = session.output_count();
  if (!options.input_shapes().empty() && options.input_shapes().size() != n_in) {
    throw Error("Lane: got " + std::to_string(options.input_shapes().size()) + " input shapes, the model has " +
                std::to_string(n_in) + " inputs");
  }
  if (!options.output_shapes().empty() && options.output_shapes().size() != n_out) {
    throw Error("Lane: got " + std::to_string(options.output_shapes().size()) + " output shapes, the model has " +
                std::to_string(n_out) + " outputs");
  }
  s.inputs.resize(n_in);
  s.outputs.resize(n_out);
  for (const auto& [name, storage] : options.input_storage()) {
    if (storage.kind == IoStorage::Kind::Bound) {
      throw Error("Lane: input '" + name + "': IoStorage::bound_to is for outputs; use ort_allocated for inputs");
    }
    s.inputs[session.input_index(name)].storage = storage;
  }
  for (const auto& [name, storage] : options.output_storage()) s.outputs[session.output_index(name)].storage = storage;

  // Element types from the model; shapes from the options or the model.
  auto describe = [&](std::size_t i, bool input) {
    State::Io& io = input ? s.inputs[i] : s.outputs[i];
    const IoInfo& info = input ? session.input(i) : session.output(i);
    const std::string who = "Lane: " + io_name(session, i, input);
    if (info.kind != ValueKind::Tensor) throw Error(who + " is a " + info.type + "; lanes bind tensors only");
    io.type = info.element_type;
    const std::vector<Shape>& given = input ? options.input_shapes() : options.output_shapes();
    if (io.storage.kind == IoStorage::Kind::External) {
      const Value* v = io.storage.value;
      if (v == nullptr || v->empty() || v->kind() != ValueKind::Tensor)
        throw Error(who + ": the external value is not a tensor");
      if (v->element_type() != io.type) {
        throw Error(who + ": the external tensor holds " + std::string(to_string(v->element_type())) +
                    " elements, the model expects " + std::string(to_string(io.type)));
      }
      io.shape = v->shape();
    } else if (!given.empty()) {
      io.shape = given[i];
    } else if (info.shape.is_static() && info.has_shape) {
      io.shape = info.shape;
    } else if (io.storage.kind != IoStorage::Kind::Bound) {
      throw Error(who + " has free dims (" + info.to_string() + "); " + free_dims_advice(info, input));
    }
    if (io.storage.kind == IoStorage::Kind::Bound) return;
    if (!io.shape.is_static()) throw Error(who + ": shape " + io.shape.to_string() + " has free dims");
    detail::check_tensor(who, info, io.type, io.shape.dims());
  };
  for (std::size_t i = 0; i < n_in; ++i) describe(i, true);
  detail::check_shared_dims(*session.state(), "Lane", [&](std::size_t i) { return s.inputs[i].shape.dims(); });
  for (std::size_t j = 0; j < n_out; ++j) describe(j, false);

  // State carry pairs.
  for (const auto& [out_name, in_name] : options.carry()) {
    if (!session.find_output(out_name) && session.find_input(out_name) && session.find_output(in_name)) {
      throw Error("Lane: carry(\"" + out_name + "\", \"" + in_name + "\"): no output named '" + out_name + "' ('" +
                  out_name + "' is an input); carry takes (output, input): did you mean carry(\"" + in_name + "\", \"" +
                  out_name + "\")?");
    }
    const std::size_t out = session.output_index(out_name);
    const std::size_t in = session.input_index(in_name);
    const std::string who = "Lane: carry '" + out_name + "' -> '" + in_name + "'";
    State::Io& o = s.outputs[out];
    State::Io& i = s.inputs[in];
    if (o.carry != kNotCarried || i.carry != kNotCarried) throw Error(who + ": each input and output carries once");
    const bool on_device = o.storage.kind == IoStorage::Kind::OrtAllocated &&
                           i.storage.kind == IoStorage::Kind::OrtAllocated &&
                           o.storage.memory->name() == i.storage.memory->name();
    if (!on_device && (o.storage.kind != IoStorage::Kind::Buffer || i.storage.kind != IoStorage::Kind::Buffer)) {
      throw Error(who + ": carried inputs and outputs need Buffer storage, or OrtAllocated storage on one memory");
    }
    if (o.type != i.type) {
      throw Error(who + ": element types differ (" + std::string(to_string(o.type)) + " vs " +
                  std::string(to_string(i.type)) + ")");
    }
    if (!(o.shape == i.shape)) {
      throw Error(who + ": shapes differ (" + o.shape.to_string() + " vs " + i.shape.to_string() + ")");
    }
    State::Carry carry;
    carry.output = out;
    carry.input = in;
    if (on_device) {
      carry.allocator.emplace(session, *i.storage.memory);
      for (Value& v : carry.device) v = Value::allocate(i.type, i.shape, *carry.allocator);
      if (!i.storage.memory->is_host_accessible()) s.synchronize = true;
    } else {
      carry.buffers[0] = TensorBuffer(i.type, i.shape, options.input_policy());
      carry.buffers[1] = TensorBuffer(i.type, i.shape, options.input_policy());
    }
    o.carry = i.carry = s.carries.size();
    s.carries.push_back(std::move(carry));
  }

  // Storage.
  auto make_storage = [&](State::Io& io, const BufferPolicy& policy) {
    if (io.carry != kNotCarried) return;
    switch (io.storage.kind) {
      case IoStorage::Kind::Buffer: io.buffer = TensorBuffer(io.type, io.shape, policy); break;
      case IoStorage::Kind::OrtAllocated: {
        io.allocator.emplace(session, *io.storage.memory);
        io.value = Value::allocate(io.type, io.shape, *io.allocator);
        if (!io.storage.memory->is_host_accessible()) s.synchronize = true;
        break;
      }
      case IoStorage::Kind::Bound:
        if (!io.storage.memory->is_host_accessible()) s.synchronize = true;
        break;
      case IoStorage::Kind::External:
        if (!io.storage.value->memory_info().is_host_accessible()) s.synchronize = true;
        break;
    }
  };
  for (State::Io& io : s.inputs) make_storage(io, options.input_policy());
  for (State::Io& io : s.outputs) make_storage(io, options.output_policy());

  // Bindings: one, or two that swap the carried buffers.
  const std::size_t n_bindings = s.carries.empty() ? 1 : 2;
  for (std::size_t b = 0; b < n_bindings; ++b) {
    s.bindings.emplace_back(session);
    s.bind_inputs(b);
    for (std::size_t j = 0; j < n_out; ++j) {
      const State::Io& io = s.outputs[j];
      const std::string& name = session.output(j).name;
      if (io.carry != kNotCarried) {
        s.bindings[b].bind_output(j, s.carries[io.carry].value(1 - b));
      } else if (io.storage.kind == IoStorage::Kind::Buffer) {
        s.bindings[b].bind_output(j, io.buffer.value());
      } else if (io.storage.kind == IoStorage::Kind::OrtAllocated) {
        s.bindings[b].bind_output(j, io.value);
      } else if (io.storage.kind == IoStorage::Kind::External) {
        s.bindings[b].bind_output(j, *io.storage.value);
      } else {
        s.bindings[b].bind_output(name, *io.storage.memory);
      }
    }
  }
  s.rebind_inputs = options.rebind_inputs_each_run();
  if (options.graph_id()) s.run_options.config("gpu_graph_id", std::to_string(*options.graph_id()));
  reset_state();  // device state starts at zero too (host buffers already do)
}

Lane::Lane(Lane&&) noexcept = default;
Lane& Lane::operator=(Lane&&) noexcept = default;
Lane::~Lane() = default;

std::size_t Lane::input_count() const noexcept { return state_ ? state_->inputs.size() : 0; }
std::size_t Lane::output_count() const noexcept { return state_ ? state_->outputs.size() : 0; }

const Session& Lane::session() const {
  if (!state_) throw Error("Lane: used after being moved from");
  return state_->session;
}

namespace {
void require(const void* state) {
  if (state == nullptr) throw Error("Lane: used after being moved from");
}
}  // namespace

Lane::RawSpan Lane::raw_io(std::size_t index, bool input, ElementType type) const {
  require(state_.get());
  const State& s = *state_;
  const auto& ios = input ? s.inputs : s.outputs;
  if (index >= ios.size()) {
    throw Error(std::string("Lane::") + (input ? "input" : "output") + ": index " + std::to_string(index) +
                " out of range; the lane has " + std::to_string(ios.size()) + (input ? " inputs" : " outputs"));
  }
  const State::Io& io = ios[index];
  const std::string who = "Lane::" + std::string(input ? "input" : "output") + "<" + std::string(to_string(type)) +
                          ">: " + io_name(s.session, index, input);
  if (io.carry != kNotCarried) {
    throw Error(who + " is carried state; read or write it with state<T>(" + std::to_string(io.carry) + ")");
  }
  if (io.type != type) throw Error(who + " holds " + std::string(to_string(io.type)) + " elements");
  switch (io.storage.kind) {
    case IoStorage::Kind::Buffer: return {const_cast<void*>(io.buffer.data()), io.buffer.element_count()};
    case IoStorage::Kind::OrtAllocated: {
      if (!io.storage.memory->is_host_accessible()) {
        throw Error(who + " lives on '" + io.storage.memory->name() + "' memory, which the CPU cannot access");
      }
      Value& v = const_cast<Value&>(io.value);
      return {v.mutable_bytes().data(), v.element_count()};
    }
    case IoStorage::Kind::External: throw Error(who + " is an external tensor; read or write it through that tensor");
    case IoStorage::Kind::Bound: break;
  }
  throw Error(who + " is bound to memory and changes every run; read it with output_value()");
}

Lane::RawSpan Lane::raw_state(std::size_t pair, ElementType type) const {
  require(state_.get());
  const State& s = *state_;
  if (pair >= s.carries.size()) {
    throw Error("Lane::state: pair " + std::to_string(pair) + " out of range; the lane carries " +
                std::to_string(s.carries.size()) + " pairs");
  }
  if (s.carries[pair].allocator) {
    throw Error("Lane::state: pair " + std::to_string(pair) +
                " is carried on the device; read it with output_value() or download()");
  }
  const TensorBuffer& buffer = s.carries[pair].buffers[s.parity];
  if (buffer.element_type() != type) {
    throw Error("Lane::state<" + std::string(to_string(type)) + ">: pair " + std::to_string(pair) + " holds " +
                std::string(to_string(buffer.element_type())) + " elements");
  }
  return {const_cast<void*>(buffer.data()), buffer.element_count()};
}

Value Lane::output_value(std::size_t index) const {
  require(state_.get());
  const State& s = *state_;
  s.session.output(index);  // range check
  const State::Io& io = s.outputs[index];
  if (io.carry != kNotCarried) {
    const State::Carry& c = s.carries[io.carry];
    Value host = Value::allocate(io.type, io.shape);
    copy(c.value(s.parity), host);
    return host;
  }
  // The binding the last run used holds the values ORT wrote.
  const std::size_t last = s.carries.empty() ? 0 : (s.parity ^ 1u);
  std::vector<Value> values = s.bindings[last].outputs();
  if (index >= values.size())
    throw Error("Lane::output_value: no run has produced " + io_name(s.session, index, false));
  return std::move(values[index]);
}

const Shape& Lane::input_shape(std::size_t index) const {
  require(state_.get());
  state_->session.input(index);
  return state_->inputs[index].shape;
}

const Shape& Lane::output_shape(std::size_t index) const {
  require(state_.get());
  state_->session.output(index);
  return state_->outputs[index].shape;
}

void Lane::reset_state() noexcept {
  if (!state_) return;
  for (State::Carry& c : state_->carries) {
    if (!c.allocator) {
      for (TensorBuffer& b : c.buffers) std::memset(b.data(), 0, b.bytes());
      continue;
    }
    try {  // device state: zeros from the host (cannot fail for tensors the lane allocated)
      const Value zeros = Value::allocate(c.device[0].element_type(), c.device[0].shape());
      for (Value& v : c.device) copy(zeros, v);
      state_->copies += 2;
    } catch (...) {
    }
  }
  state_->parity = 0;
}

const Value& Lane::io_tensor(std::size_t index, bool input) const {
  require(state_.get());
  const State& s = *state_;
  const auto& ios = input ? s.inputs : s.outputs;
  const std::string who = std::string(input ? "Lane::input_tensor: " : "Lane::output_tensor: ");
  if (index >= ios.size()) {
    throw Error(who + "index " + std::to_string(index) + " out of range; the lane has " + std::to_string(ios.size()) +
                (input ? " inputs" : " outputs"));
  }
  const State::Io& io = ios[index];
  if (io.carry != kNotCarried) throw Error(who + io_name(s.session, index, input) + " is carried state");
  switch (io.storage.kind) {
    case IoStorage::Kind::Buffer: return io.buffer.value();
    case IoStorage::Kind::OrtAllocated: return io.value;
    case IoStorage::Kind::External: return *io.storage.value;
    case IoStorage::Kind::Bound: break;
  }
  throw Error(who + io_name(s.session, index, input) + " is bound to memory; read it with output_value()");
}

const Value& Lane::input_tensor(std::size_t index) const { return io_tensor(index, true); }
const Value& Lane::output_tensor(std::size_t index) const { return io_tensor(index, false); }

void Lane::copy_io(std::size_t index, bool input, ElementType type, void* data, std::size_t count) const {
  require(state_.get());
  const State& s = *state_;
  const auto& ios = input ? s.inputs : s.outputs;
  const char* what = input ? "Lane::upload" : "Lane::download";
  if (index >= ios.size()) {
    throw Error(std::string(what) + ": index " + std::to_string(index) + " out of range; the lane has " +
                std::to_string(ios.size()) + (input ? " inputs" : " outputs"));
  }
  const State::Io& io = ios[index];
  const std::string who = std::string(what) + ": " + io_name(s.session, index, input);
  if (io.type != type) {
    throw Error(who + " holds " + std::string(to_string(io.type)) + " elements, not " + std::string(to_string(type)));
  }
  // Carried state: the next run's input is what the last run wrote (the same tensor).
  const Value& tensor = io.carry != kNotCarried ? s.carries[io.carry].value(s.parity) : io_tensor(index, input);
  const Shape shape = tensor.shape();
  if (count != shape.element_count()) {
    throw Error(who + ": the host span holds " + std::to_string(count) + " elements, the tensor " + shape.to_string() +
                " holds " + std::to_string(shape.element_count()));
  }
  Value host = Value::view_bytes(type, data, tensor_byte_size(type, shape.dims()), shape);
  if (input) {
    copy(host, const_cast<Value&>(tensor));
  } else {
    copy(tensor, host);
  }
  ++s.copies;
}

std::size_t Lane::copies() const noexcept { return state_ ? state_->copies : 0; }

void Lane::run() {
  require(state_.get());
  state_->run(state_->run_options, state_->synchronize);
}

void Lane::run_with(const RunOptions& options) {
  require(state_.get());
  state_->run(options, state_->synchronize);
}

void Lane::run_unsynchronized() {
  require(state_.get());
  state_->run(state_->run_options, false);
}

RunOptions& Lane::run_options() {
  require(state_.get());
  return state_->run_options;
}

void Lane::prime(std::size_t n) {
  require(state_.get());
  State& s = *state_;
  // Priming must not advance a stream: the state the next run would read is saved and
  // put back afterwards (copies made here, at setup, never per run).
  struct Saved {
    std::vector<std::byte> host;
    Value device;
  };
  const std::size_t parity = s.parity;
  std::vector<Saved> saved(s.carries.size());
  for (std::size_t p = 0; p < s.carries.size(); ++p) {
    const State::Carry& c = s.carries[p];
    if (c.allocator) {
      saved[p].device = Value::allocate(c.device[parity].element_type(), c.device[parity].shape());
      copy(c.device[parity], saved[p].device);
    } else {
      const auto* data = static_cast<const std::byte*>(c.buffers[parity].data());
      saved[p].host.assign(data, data + c.buffers[parity].bytes());
    }
  }
  auto restore = [&] {
    s.parity = parity;
    for (std::size_t p = 0; p < s.carries.size(); ++p) {
      State::Carry& c = s.carries[p];
      if (c.allocator) {
        copy(saved[p].device, c.device[parity]);
        s.copies += 2;  // down and back up, counted as upload/download count theirs
      } else if (!saved[p].host.empty()) {
        std::memcpy(c.buffers[parity].data(), saved[p].host.data(), saved[p].host.size());
      }
    }
  };
  try {
    for (std::size_t i = 0; i < n; ++i) run();
  } catch (...) {
    restore();
    throw;
  }
  restore();
}

AllocatorStats Lane::run_with_stats() {
  require(state_.get());
  State& s = *state_;
  if (!s.stats_allocator) s.stats_allocator.emplace(s.session, MemoryInfo::cpu(AllocatorType::Arena));
  const AllocatorStats before = s.stats_allocator->stats();
  run();
  return s.stats_allocator->stats().delta_since(before);
}

void Lane::audit() const {
  require(state_.get());
  const State& s = *state_;
  const std::size_t last = s.carries.empty() ? 0 : (s.parity ^ 1u);
  for (std::size_t i = 0; i < s.inputs.size(); ++i) {
    const State::Io& io = s.inputs[i];
    const std::string who = "Lane::audit: " + io_name(s.session, i, true);
    const Value& mine = io.carry != kNotCarried ? s.carries[io.carry].value(s.parity) : io_tensor(i, true);
    const void* bound = nullptr;
    check(api().GetTensorData(s.input_value(i, s.parity), &bound), who.c_str());
    if (bound != tensor_address(mine, who)) {
      throw Error(who + ": ORT reads " + std::to_string(reinterpret_cast<std::uintptr_t>(bound)) +
                  " but the lane's buffer is at " +
                  std::to_string(reinterpret_cast<std::uintptr_t>(tensor_address(mine, who))));
    }
  }
  std::vector<Value> bound_outputs = s.bindings[last].outputs();
  for (std::size_t j = 0; j < s.outputs.size(); ++j) {
    const State::Io& io = s.outputs[j];
    const std::string who = "Lane::audit: " + io_name(s.session, j, false);
    if (io.storage.kind == IoStorage::Kind::Bound) {
      if (!io.storage.memory->is_host_accessible()) {
        throw Error(who + ": bound to '" + io.storage.memory->name() + "' memory, not host-accessible");
      }
      continue;
    }
    const Value& mine = io.carry != kNotCarried ? s.carries[io.carry].value(1 - last) : io_tensor(j, false);
    if (j >= bound_outputs.size()) throw Error(who + ": not bound");
    const void* bound = nullptr;
    check(api().GetTensorData(bound_outputs[j].handle(), &bound), who.c_str());
    if (bound != tensor_address(mine, who)) {
      throw Error(who + ": ORT writes " + std::to_string(reinterpret_cast<std::uintptr_t>(bound)) +
                  " but the lane's buffer is at " +
                  std::to_string(reinterpret_cast<std::uintptr_t>(tensor_address(mine, who))));
    }
  }
}

// ---- Session::make_lane --------------------------------------------------------------

Lane Session::make_lane(const LaneOptions& options) const { return Lane(*this, options); }

Lane Session::make_lane(std::vector<Shape> input_shapes, std::vector<Shape> output_shapes) const {
  return Lane(*this, LaneOptions{}.input_shapes(std::move(input_shapes)).output_shapes(std::move(output_shapes)));
}

}  // namespace zrt
