#include "zrt/io_binding.hpp"

#include "ort/api.hpp"
#include "session/session_state.hpp"

namespace zrt {

using detail::api;
using detail::check;

IoBinding::IoBinding(const Session& session) : session_(session) {
  check(api().CreateIoBinding(session.handle(), &handle_), "IoBinding");
  // Where the session wants each input (read once: one ORT call for all of them).
  std::vector<const OrtMemoryInfo*> wanted(session.input_count());
  check(api().SessionGetMemoryInfoForInputs(session.handle(), wanted.data(), wanted.size()), "IoBinding");
  device_inputs_.resize(wanted.size());
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    device_inputs_[i] = MemoryInfo::borrow(wanted[i], nullptr).is_host_accessible() ? 0 : 1;
  }
}

IoBinding::IoBinding(IoBinding&& other) noexcept
    : session_(other.session_),
      handle_(std::exchange(other.handle_, nullptr)),
      memory_outputs_(std::move(other.memory_outputs_)),
      device_inputs_(std::move(other.device_inputs_)),
      host_to_device_(std::move(other.host_to_device_)),
      adapters_(std::move(other.adapters_)) {}

IoBinding& IoBinding::operator=(IoBinding&& other) noexcept {
  if (this != &other) {
    if (handle_ != nullptr) api().ReleaseIoBinding(handle_);
    session_ = other.session_;
    handle_ = std::exchange(other.handle_, nullptr);
    memory_outputs_ = std::move(other.memory_outputs_);
    device_inputs_ = std::move(other.device_inputs_);
    host_to_device_ = std::move(other.host_to_device_);
    adapters_ = std::move(other.adapters_);
  }
  return *this;
}

IoBinding::~IoBinding() {
  if (handle_ != nullptr) api().ReleaseIoBinding(handle_);
}

OrtIoBinding* IoBinding::live(const char* what) const {
  if (handle_ == nullptr) throw Error(std::string(what) + ": used after being moved from");
  return handle_;
}

std::size_t IoBinding::checked_index(std::string_view name, bool input) const {
  live(input ? "IoBinding::bind_input" : "IoBinding::bind_output");
  return input ? session_.input_index(name) : session_.output_index(name);
}

void IoBinding::bind_input(std::string_view name, const Value& value) { bind_input(checked_index(name, true), value); }

void IoBinding::bind_input(std::size_t index, const Value& value) {
  live("IoBinding::bind_input");
  const Session::State& s = *session_.state();
  session_.input(index);  // range check with a clear message
  detail::check_input(s, index, value);
  bind_input_handle(index, value.handle(), ("IoBinding::bind_input " + detail::describe_input(s, index)).c_str());
}

void IoBinding::bind_output(std::string_view name, const Value& value) {
  bind_output(checked_index(name, false), value);
}

void IoBinding::bind_output(std::size_t index, const Value& value) {
  live("IoBinding::bind_output");
  const IoInfo& info = session_.output(index);
  const std::string what = "IoBinding::bind_output '" + info.name + "' (index " + std::to_string(index) + ")";
  if (value.empty()) throw Error(what + ": the value is empty");
  if (info.kind == ValueKind::Tensor && value.kind() == ValueKind::Tensor) {
    const detail::TensorRef tensor = detail::tensor_ref(value.handle(), what.c_str());
    detail::check_tensor(what, info, tensor.type, tensor.dims);
  }
  check(api().BindOutput(handle_, session_.output_names()[index], value.handle()), what.c_str());
  forget_memory_output(index);
}

void IoBinding::bind_output(std::string_view name, const MemoryInfo& memory) {
  const std::size_t index = checked_index(name, false);
  check(api().BindOutputToDevice(live("IoBinding::bind_output"), session_.output_names()[index], memory.handle()),
        ("IoBinding::bind_output '" + std::string(name) + "' to memory '" + memory.name() + "'").c_str());
  forget_memory_output(index);
  memory_outputs_.emplace_back(index, memory);
}

void IoBinding::bind_input_handle(std::size_t index, const OrtValue* value, const char* what) {
  check(api().BindInput(live("IoBinding::bind_input"), session_.input_names()[index], value), what);
  std::erase_if(host_to_device_, [index](const auto& entry) { return entry.first == index; });
  if (device_inputs_[index] != 0) {
    const OrtMemoryInfo* info = nullptr;
    check(api().GetTensorMemoryInfo(value, &info), what);
    if (MemoryInfo::borrow(info, nullptr).is_host_accessible()) host_to_device_.emplace_back(index, value);
  }
}

void IoBinding::rebind_host_inputs() {
  for (const auto& [index, value] : host_to_device_) {
    check(api().BindInput(handle_, session_.input_names()[index], value), "IoBinding: binding a host input again");
  }
}

void IoBinding::forget_memory_output(std::size_t index) {
  std::erase_if(memory_outputs_, [index](const auto& entry) { return entry.first == index; });
}

void IoBinding::rebind_memory_outputs() {
  for (const auto& [index, memory] : memory_outputs_) {
    check(api().BindOutputToDevice(live("IoBinding::rebind_memory_outputs"), session_.output_names()[index],
                                   memory.handle()),
          "IoBinding: binding a memory output again");
  }
}

void IoBinding::synchronize_inputs() {
  check(api().SynchronizeBoundInputs(live("IoBinding::synchronize_inputs")), "IoBinding::synchronize_inputs");
}
void IoBinding::synchronize_outputs() {
  check(api().SynchronizeBoundOutputs(live("IoBinding::synchronize_outputs")), "IoBinding::synchronize_outputs");
}
void IoBinding::clear_inputs() {
  api().ClearBoundInputs(live("IoBinding::clear_inputs"));
  host_to_device_.clear();
  adapters_.reset();
}

void IoBinding::bind_adapters(const RunOptions* options) {
  const std::shared_ptr<const RunOptions::AdapterSet> none;
  const std::shared_ptr<const RunOptions::AdapterSet>& next = options != nullptr ? options->adapter_set() : none;
  auto in_next = [&](const std::string& name) {
    if (next) {
      for (const LoraAdapter& a : *next) {
        if (a.find(name) != nullptr) return true;
      }
    }
    return false;
  };
  if (adapters_) {
    for (const LoraAdapter& a : *adapters_) {
      for (const LoraAdapter::Parameter& p : a.parameters()) {
        if (!in_next(p.name)) {
          throw Error("Session::run: this IoBinding holds LoRA adapter " + a.source() + " (parameter '" + p.name +
                      "') from an earlier run, and this run's RunOptions do not activate it; ORT cannot unbind "
                      "one input: call IoBinding::clear_inputs() and bind the inputs again");
        }
      }
    }
  }
  if (next) {
    for (const LoraAdapter& a : *next) {
      for (const LoraAdapter::Parameter& p : a.parameters()) {
        if (OrtStatus* status = api().BindInput(live("Session::run"), p.name.c_str(), p.value.handle())) {
          const std::string reason = api().GetErrorMessage(status);
          api().ReleaseStatus(status);
          throw Error("Session::run: LoRA adapter " + a.source() + ", parameter '" + p.name +
                      "': the model has no input or overridable initializer of that name (ORT: " + reason + ")");
        }
      }
    }
  }
  adapters_ = next;
}
void IoBinding::clear_outputs() {
  api().ClearBoundOutputs(live("IoBinding::clear_outputs"));
  memory_outputs_.clear();
}

std::vector<Value> IoBinding::outputs() const {
  OrtAllocator* alloc = detail::default_allocator();
  OrtValue** values = nullptr;
  std::size_t count = 0;
  check(api().GetBoundOutputValues(live("IoBinding::outputs"), alloc, &values, &count), "IoBinding::outputs");
  std::vector<Value> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) out.push_back(Value::adopt(values[i]));
  if (values != nullptr) alloc->Free(alloc, values);
  return out;
}

std::vector<std::string> IoBinding::output_names() const {
  OrtAllocator* alloc = detail::default_allocator();
  char* buffer = nullptr;
  std::size_t* lengths = nullptr;
  std::size_t count = 0;
  check(api().GetBoundOutputNames(live("IoBinding::output_names"), alloc, &buffer, &lengths, &count),
        "IoBinding::output_names");
  std::vector<std::string> names;
  std::size_t offset = 0;
  for (std::size_t i = 0; i < count; ++i) {
    names.emplace_back(buffer + offset, lengths[i]);
    offset += lengths[i];
  }
  if (buffer != nullptr) alloc->Free(alloc, buffer);
  if (lengths != nullptr) alloc->Free(alloc, lengths);
  return names;
}

}  // namespace zrt
