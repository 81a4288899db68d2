#include "zrt/session.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include "extend/op_domain.hpp"
#include "ort/api.hpp"
#include "session/provider_append.hpp"
#include "session/session_state.hpp"
#include "session/thread_hooks.hpp"
#include "values/small_array.hpp"
#include "zrt/buffer.hpp"
#include "zrt/io_binding.hpp"
#include "zrt/run_options.hpp"

namespace zrt {

using detail::api;
using detail::check;
using detail::check_fast;

namespace {

// ORT's EP selection delegate over a zrt DeviceSelector (the SessionOptions keep it
// alive while sessions are made). Exceptions and bad indices become ORT errors.
OrtStatus* ORT_API_CALL select_devices(const OrtEpDevice** devices, std::size_t count, const OrtKeyValuePairs*,
                                       const OrtKeyValuePairs*, const OrtEpDevice** selected, std::size_t max_selected,
                                       std::size_t* num_selected, void* state) noexcept {
  *num_selected = 0;
  try {
    std::vector<EpDevice> offered;
    for (std::size_t i = 0; i < count; ++i) offered.push_back(detail::describe_ep_device(devices[i]));
    const std::vector<std::size_t> chosen = (*static_cast<const DeviceSelector*>(state))(offered, max_selected);
    if (chosen.size() > max_selected) {
      throw Error("chose " + std::to_string(chosen.size()) + " devices, at most " + std::to_string(max_selected));
    }
    for (std::size_t index : chosen) {
      if (index >= count) {
        throw Error("chose device " + std::to_string(index) + " of " + std::to_string(count) + " offered");
      }
      selected[(*num_selected)++] = devices[index];
    }
    return nullptr;
  } catch (const std::exception& e) {
    *num_selected = 0;
    return api().CreateStatus(ORT_FAIL, ("SessionOptions.device_selector: " + std::string(e.what())).c_str());
  } catch (...) {
    *num_selected = 0;
    return api().CreateStatus(ORT_FAIL, "SessionOptions.device_selector: unknown exception");
  }
}

// ---- threads, memory, loading (docs/extending/threads-memory-options.md) ----

// A session's own logger: ORT's logging function over SessionOptions::log_callback.
void ORT_API_CALL session_log_trampoline(void* callback, OrtLoggingLevel severity, const char* category,
                                         const char* log_id, const char* code_location, const char* message) noexcept {
  try {
    (*static_cast<const LogCallback*>(callback))(static_cast<LogLevel>(severity), category ? category : "",
                                                 log_id ? log_id : "", code_location ? code_location : "",
                                                 message ? message : "");
  } catch (...) {
    // A logger must not unwind into ORT.
  }
}

void add_threads_memory_options(OrtSessionOptions* raw, const SessionOptions& o) {
  const OrtApi& a = api();
  if (o.deterministic_compute()) {
    check(a.SetDeterministicCompute(raw, *o.deterministic_compute()), "SessionOptions.deterministic_compute");
  }
  if (o.use_env_allocators()) {
    check(a.AddSessionConfigEntry(raw, "session.use_env_allocators", *o.use_env_allocators() ? "1" : "0"),
          "SessionOptions.use_env_allocators");
  }
  if (!o.external_initializers().empty()) {
    std::vector<const char*> names;
    std::vector<const OrtValue*> values;
    for (const SessionOptions::Initializer& init : o.external_initializers()) {
      if (!init.buffer || init.buffer->data() == nullptr) {
        throw Error("SessionOptions external initializer '" + init.name + "': the buffer is empty");
      }
      names.push_back(init.name.c_str());
      values.push_back(init.buffer->value().handle());
    }
    check(a.AddExternalInitializers(raw, names.data(), values.data(), names.size()),
          "SessionOptions.external_initializer");
  }
  if (!o.external_data_files().empty()) {
    std::vector<const char*> files;
    std::vector<char*> data;
    std::vector<std::size_t> sizes;
    for (const SessionOptions::ExternalDataFile& f : o.external_data_files()) {
      if (f.bytes.empty()) throw Error("SessionOptions external data file '" + f.file + "': no bytes given");
      files.push_back(f.file.c_str());
      // ORT's signature is not const; it only reads (and copies) the bytes.
      data.push_back(const_cast<char*>(reinterpret_cast<const char*>(f.bytes.data())));
      sizes.push_back(f.bytes.size());
    }
    check(a.AddExternalInitializersFromFilesInMemory(raw, files.data(), data.data(), sizes.data(), files.size()),
          "SessionOptions.external_data_file");
  }
  if (const LogCallback* callback = o.log_callback().get()) {
    if (!*callback) throw Error("SessionOptions.log_callback: the callback is empty");
    check(a.SetUserLoggingFunction(raw, session_log_trampoline, const_cast<LogCallback*>(callback)),
          "SessionOptions.log_callback");
  }
  if (const ThreadHooks* hooks = o.thread_hooks().get()) {
    detail::check_thread_hooks(*hooks, "SessionOptions");
    if (*hooks) {
      check(a.SessionOptionsSetCustomCreateThreadFn(raw, detail::create_hooked_thread), "SessionOptions.thread_hooks");
      check(a.SessionOptionsSetCustomThreadCreationOptions(raw, const_cast<ThreadHooks*>(hooks)),
            "SessionOptions.thread_hooks");
      check(a.SessionOptionsSetCustomJoinThreadFn(raw, detail::join_hooked_thread), "SessionOptions.thread_hooks");
    }
  }
}

}  // namespace

detail::SessionOptionsPtr detail::build_options(const SessionOptions& o, const Environment& env) {
  const OrtApi& a = api();
  OrtSessionOptions* raw = nullptr;
  check(a.CreateSessionOptions(&raw), "SessionOptions");
  detail::SessionOptionsPtr options(raw);
  check(a.SetSessionGraphOptimizationLevel(raw, static_cast<GraphOptimizationLevel>(o.optimization_level())),
        "SessionOptions.optimization_level");
  check_thread_count(o.intra_op_threads(), "SessionOptions: intra_op_threads");
  check_thread_count(o.inter_op_threads(), "SessionOptions: inter_op_threads");
  if (o.intra_op_threads() > 0)
    check(a.SetIntraOpNumThreads(raw, o.intra_op_threads()), "SessionOptions.intra_op_threads");
  if (o.inter_op_threads() > 0)
    check(a.SetInterOpNumThreads(raw, o.inter_op_threads()), "SessionOptions.inter_op_threads");
  check(a.SetSessionExecutionMode(raw,
                                  o.execution_mode() == zrt::ExecutionMode::Parallel ? ORT_PARALLEL : ORT_SEQUENTIAL),
        "SessionOptions.execution_mode");
  if (!o.log_id().empty()) check(a.SetSessionLogId(raw, o.log_id().c_str()), "SessionOptions.log_id");
  if (o.log_level())
    check(a.SetSessionLogSeverityLevel(raw, static_cast<int>(*o.log_level())), "SessionOptions.log_level");
  if (o.log_verbosity() != 0)
    check(a.SetSessionLogVerbosityLevel(raw, o.log_verbosity()), "SessionOptions.log_verbosity");
  if (o.cpu_arena())
    check(*o.cpu_arena() ? a.EnableCpuMemArena(raw) : a.DisableCpuMemArena(raw), "SessionOptions.cpu_arena");
  if (o.memory_pattern()) {
    check(*o.memory_pattern() ? a.EnableMemPattern(raw) : a.DisableMemPattern(raw), "SessionOptions.memory_pattern");
  }
  if (!o.per_session_threads().value_or(!env.has_global_thread_pools())) {
    if (!env.has_global_thread_pools()) {
      throw Error("SessionOptions.per_session_threads = false needs an Environment with global_thread_pools");
    }
    check(a.DisablePerSessionThreads(raw), "SessionOptions.per_session_threads");
  }
  if (o.profiling_prefix())
    check(a.EnableProfiling(raw, o.profiling_prefix()->c_str()), "SessionOptions.profiling_prefix");
  for (const auto& [name, value] : o.free_dims_by_name()) {
    check(a.AddFreeDimensionOverrideByName(raw, name.c_str(), value),
          ("SessionOptions free dim '" + name + "'").c_str());
  }
  for (const auto& [denotation, value] : o.free_dims_by_denotation()) {
    check(a.AddFreeDimensionOverride(raw, denotation.c_str(), value),
          ("SessionOptions free dim denotation '" + denotation + "'").c_str());
  }
  if (o.intra_op_spinning()) {
    check(a.AddSessionConfigEntry(raw, "session.intra_op.allow_spinning", *o.intra_op_spinning() ? "1" : "0"),
          "SessionOptions.intra_op_spinning");
  }
  if (o.inter_op_spinning()) {
    check(a.AddSessionConfigEntry(raw, "session.inter_op.allow_spinning", *o.inter_op_spinning() ? "1" : "0"),
          "SessionOptions.inter_op_spinning");
  }
  if (!o.optimized_model_path().empty()) {
    check(a.SetOptimizedModelFilePath(raw, o.optimized_model_path().c_str()), "SessionOptions.optimized_model_path");
  }
  for (const SessionOptions::Initializer& init : o.initializers()) {
    if (!init.buffer || init.buffer->data() == nullptr) {
      throw Error("SessionOptions initializer '" + init.name + "': the buffer is empty");
    }
    check(a.AddInitializer(raw, init.name.c_str(), init.buffer->value().handle()),
          ("SessionOptions initializer '" + init.name + "'").c_str());
  }
  if (o.cpu_fallback()) {
    check(a.AddSessionConfigEntry(raw, "session.disable_cpu_ep_fallback", *o.cpu_fallback() ? "0" : "1"),
          "SessionOptions.cpu_fallback");
  }
  if (o.records_placement()) {
    check(a.AddSessionConfigEntry(raw, "session.record_ep_graph_assignment_info", "1"),
          "SessionOptions.record_placement");
  }
  for (const Provider& p : o.providers()) detail::append_provider(raw, p);
  for (const SessionOptions::DeviceProvider& d : o.device_providers()) {
    if (d.devices.empty()) throw Error("SessionOptions::provider_on: no devices given");
    std::vector<const OrtEpDevice*> handles;
    for (const EpDevice& device : d.devices) {
      if (device.ep_name != d.devices.front().ep_name) {
        throw Error("SessionOptions::provider_on: the devices belong to different EPs ('" + d.devices.front().ep_name +
                    "' and '" + device.ep_name + "'); append each EP separately");
      }
      handles.push_back(device.handle);
    }
    const detail::OptionArrays kv(d.options);
    check(a.SessionOptionsAppendExecutionProvider_V2(raw, env.handle(), handles.data(), handles.size(), kv.keys.data(),
                                                     kv.values.data(), kv.keys.size()),
          ("SessionOptions::provider_on " + d.devices.front().ep_name).c_str());
  }
  if (o.device_policy()) {
    check(a.SessionOptionsSetEpSelectionPolicy(raw, static_cast<OrtExecutionProviderDevicePolicy>(*o.device_policy())),
          "SessionOptions.device_policy");
  }
  if (const DeviceSelector* selector = o.device_selector()) {
    check(a.SessionOptionsSetEpSelectionPolicyDelegate(raw, select_devices, const_cast<DeviceSelector*>(selector)),
          "SessionOptions.device_selector");
  }
  add_threads_memory_options(raw, o);
  for (const auto& [key, value] : o.config_entries()) {
    check(a.AddSessionConfigEntry(raw, key.c_str(), value.c_str()), ("SessionOptions config '" + key + "'").c_str());
  }
  detail::register_custom_ops(raw, o);
  return options;
}

namespace {

// Creates the ORT session with `make(options, &session)`. When CPU fallback is off and
// ORT refuses because some nodes would run on the CPU, ORT does not say which: a second
// session that may fall back and records placement finds them, and the error names them.
template <typename Make>
OrtSession* create_session(const Environment& env, const SessionOptions& options, const std::string& what, Make make) {
  const auto ort_options = detail::build_options(options, env);
  OrtSession* session = nullptr;
  (void)detail::take_shape_inference_error();  // none left from an earlier creation on this thread
  OrtStatus* status = nullptr;
  {
    const detail::LoadingScope loading(options.load_cancellation() ? &*options.load_cancellation() : nullptr,
                                       ort_options.get());
    status = make(ort_options.get(), &session);
  }
  if (std::string inference = detail::take_shape_inference_error(); !inference.empty()) {
    if (status != nullptr) api().ReleaseStatus(status);
    if (session != nullptr) api().ReleaseSession(session);
    throw Error(ErrorCode::Fail, what + ": " + inference);
  }
  if (status != nullptr && options.cpu_fallback() == false &&
      std::string(api().GetErrorMessage(status)).find("fallback to CPU EP has been explicitly disabled") !=
          std::string::npos) {
    api().ReleaseStatus(status);
    SessionOptions probe = options;
    probe.cpu_fallback(true).record_placement(true);
    const auto probe_options = detail::build_options(probe, env);
    OrtSession* raw = nullptr;
    check(make(probe_options.get(), &raw), what.c_str());
    const detail::SessionPtr probed(raw);
    std::string nodes;
    for (const EpPlacement& p : detail::read_placement(raw)) {
      if (p.provider != "CPUExecutionProvider") continue;
      for (const PlacedNode& n : p.nodes) {
        nodes += (nodes.empty() ? "" : ", ") + n.op_type + (n.name.empty() ? "" : " '" + n.name + "'");
      }
    }
    throw Error(ErrorCode::Fail, what + ": cpu_fallback is off, but no chosen execution provider supports: " + nodes);
  }
  check(status, what.c_str());
  return session;
}

IoInfo read_io_info(OrtSession* session, std::size_t index, bool input) {
  const OrtApi& a = api();
  IoInfo info;
  char* name = nullptr;
  OrtAllocator* allocator = detail::default_allocator();
  check(input ? a.SessionGetInputName(session, index, allocator, &name)
              : a.SessionGetOutputName(session, index, allocator, &name));
  info.name = detail::take_string(allocator, name);
  OrtTypeInfo* raw = nullptr;
  check(input ? a.SessionGetInputTypeInfo(session, index, &raw) : a.SessionGetOutputTypeInfo(session, index, &raw));
  detail::TypeInfoPtr type(raw);
  ONNXType onnx_type = ONNX_TYPE_UNKNOWN;
  check(a.GetOnnxTypeFromTypeInfo(raw, &onnx_type));
  info.kind = detail::to_value_kind(onnx_type);
  info.type_info = detail::read_type_info(raw);
  info.type = info.type_info.to_string();
  const OrtTypeInfo* tensor_type = raw;
  detail::TypeInfoPtr contained;
  if (onnx_type == ONNX_TYPE_OPTIONAL) {  // optional(tensor(T)): describe the tensor it may hold
    const OrtOptionalTypeInfo* optional = nullptr;
    check(a.CastTypeInfoToOptionalTypeInfo(raw, &optional));
    OrtTypeInfo* inner = nullptr;
    check(a.GetOptionalContainedTypeInfo(optional, &inner));
    contained.reset(inner);
    ONNXType inner_type = ONNX_TYPE_UNKNOWN;
    check(a.GetOnnxTypeFromTypeInfo(inner, &inner_type));
    tensor_type = inner_type == ONNX_TYPE_TENSOR ? inner : nullptr;
  } else if (onnx_type != ONNX_TYPE_TENSOR && onnx_type != ONNX_TYPE_SPARSETENSOR) {
    tensor_type = nullptr;
  }
  if (tensor_type != nullptr) {
    const OrtTensorTypeAndShapeInfo* tensor = nullptr;
    check(a.CastTypeInfoToTensorInfo(tensor_type, &tensor));
    ONNXTensorElementDataType element = ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED;
    check(a.GetTensorElementType(tensor, &element));
    info.element_type = detail::from_ort(element);
    info.has_shape = a.TensorTypeAndShape_HasShape(tensor);
    std::size_t rank = 0;
    check(a.GetDimensionsCount(tensor, &rank));
    std::vector<std::int64_t> dims(rank);
    check(a.GetDimensions(tensor, dims.data(), rank));
    std::vector<const char*> symbols(rank, nullptr);
    check(a.GetSymbolicDimensions(tensor, symbols.data(), rank));
    for (std::size_t d = 0; d < rank; ++d) {
      info.symbolic_dims.emplace_back(symbols[d] != nullptr ? symbols[d] : "");
      if (dims[d] < 0) dims[d] = -1;
    }
    info.shape = Shape(dims);
    if (info.shape.is_static()) info.static_element_count = info.shape.element_count();
  }
  return info;
}

// Every symbolic dim name that more than one input dim carries (see State::shared_symbols).
void find_shared_symbols(Session::State& state) {
  std::vector<Session::State::SharedSymbol> symbols;
  for (std::size_t i = 0; i < state.inputs.size(); ++i) {
    const IoInfo& info = state.inputs[i];
    if (!info.has_shape) continue;
    for (std::size_t d = 0; d < info.symbolic_dims.size(); ++d) {
      const std::string& name = info.symbolic_dims[d];
      if (name.empty() || info.shape[d] >= 0) continue;
      auto it = std::find_if(symbols.begin(), symbols.end(), [&](const auto& s) { return s.name == name; });
      if (it == symbols.end()) it = symbols.insert(symbols.end(), {name, {}});
      it->uses.push_back({i, d});
    }
  }
  for (auto& symbol : symbols) {
    if (symbol.uses.size() > 1) state.shared_symbols.push_back(std::move(symbol));
  }
}

// Reads (or re-reads) the session's I/O into `state`.
void read_io(Session::State& state) {
  OrtSession* session = state.session.get();
  state.inputs.clear();
  state.outputs.clear();
  state.input_names.clear();
  state.output_names.clear();
  state.output_is_static_tensor.clear();
  state.shared_symbols.clear();
  const OrtApi& a = api();
  std::size_t n_in = 0, n_out = 0;
  check(a.SessionGetInputCount(session, &n_in));
  check(a.SessionGetOutputCount(session, &n_out));
  for (std::size_t i = 0; i < n_in; ++i) state.inputs.push_back(read_io_info(session, i, true));
  for (std::size_t i = 0; i < n_out; ++i) state.outputs.push_back(read_io_info(session, i, false));
  // Pointers into the names are taken once the vectors stop growing.
  for (const IoInfo& info : state.inputs) state.input_names.push_back(info.name.c_str());
  for (const IoInfo& info : state.outputs) {
    state.output_names.push_back(info.name.c_str());
    const bool reusable = info.kind == ValueKind::Tensor && info.static_element_count.has_value() &&
                          info.element_type != ElementType::String;
    state.output_is_static_tensor.push_back(reusable ? 1 : 0);
  }
  find_shared_symbols(state);
}

std::shared_ptr<Session::State> finish(Environment env, OrtSession* session, const SessionOptions& options) {
  auto state = std::make_shared<Session::State>();
  state->environment = std::move(env);
  state->log_callback = options.log_callback();  // the very objects ORT was given
  state->thread_hooks = options.thread_hooks();
  state->session.reset(session);
  for (const SessionOptions::Initializer& init : options.initializers())
    state->initializer_owners.push_back(init.buffer);
  if (const PrepackedWeights* prepacked = options.prepacked_weights()) {
    state->prepacked_weights = std::make_shared<const PrepackedWeights>(*prepacked);
  }
  state->op_domains = options.op_domains();
  read_io(*state);
  return state;
}

}  // namespace

// ---- hooks for sessions made elsewhere (src/extend: models built or edited in code) ----
namespace detail {
OrtSession* create_session(const Environment& env, const SessionOptions& options, const std::string& what,
                           const MakeSession& make) {
  return zrt::create_session(env, options, what, make);
}
std::shared_ptr<Session::State> make_session_state(Environment env, OrtSession* session,
                                                   const SessionOptions& options) {
  return finish(std::move(env), session, options);
}
void reread_io(Session::State& state) { read_io(state); }
}  // namespace detail

namespace {

std::string join_names(const std::vector<IoInfo>& infos) {
  std::string s;
  for (const IoInfo& info : infos) s += (s.empty() ? "'" : ", '") + info.name + "'";
  return s.empty() ? "none" : s;
}

std::optional<std::size_t> find_name(const std::vector<IoInfo>& infos, std::string_view name) noexcept {
  for (std::size_t i = 0; i < infos.size(); ++i) {
    if (infos[i].name == name) return i;
  }
  return std::nullopt;
}

// The ORT value over a TensorView input: the one `cached` holds when it was made from
// the same data pointer, byte size, element type and shape, else a new one (kept in
// `cached` for the next run). Reusing it is exactly the same as making a new one: ORT's
// tensor over caller memory holds only those four things (and the CPU memory info,
// the same for every view), never anything read from the memory, which ORT reads
// afresh during each run. So a match is correct even when the memory was freed and a
// new allocation landed at the same address, and any change of the four makes a new
// value. A hit costs a few compares and no allocation.
const OrtValue* view_value(detail::ViewInput& cached, const Input& in, const Session::State& s, std::size_t index) {
  if (!cached.value.empty() && cached.data == in.data() && cached.bytes == in.bytes() &&
      cached.type == in.element_type() && cached.shape == in.shape()) {
    return cached.value.handle();
  }
  OrtValue* made = nullptr;
  check(api().CreateTensorWithDataAsOrtValue(detail::cpu_memory_info(), in.data(), in.bytes(), in.shape().data(),
                                             in.shape().rank(),
                                             static_cast<ONNXTensorElementDataType>(in.element_type()), &made),
        ("Session::run: " + detail::describe_input(s, index)).c_str());
  cached.value = Value::adopt(made);
  cached.data = in.data();
  cached.bytes = in.bytes();
  cached.type = in.element_type();
  cached.shape = in.shape();
  return made;
}

// Dims of a tensor value without allocating; empty when it is not a tensor.
std::span<const std::int64_t> value_dims(const OrtValue* value) noexcept {
  ONNXTensorElementDataType type = ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED;
  const std::int64_t* dims = nullptr;
  std::size_t rank = 0;
  if (OrtStatus* not_a_tensor = api().GetTensorElementTypeAndShapeDataReference(value, &type, &dims, &rank)) {
    api().ReleaseStatus(not_a_tensor);
    return {};
  }
  return {dims, rank};
}

}  // namespace

namespace detail {

std::string describe_input(const Session::State& state, std::size_t index) {
  return "input '" + state.inputs[index].name + "' (index " + std::to_string(index) + ")";
}

void throw_shared_dim_mismatch(const Session::State& state, const char* what,
                               const Session::State::SharedSymbol& symbol, Session::State::DimUse a,
                               std::int64_t a_value, Session::State::DimUse b, std::int64_t b_value) {
  auto use = [&](Session::State::DimUse u, std::int64_t v) {
    return "input '" + state.inputs[u.input].name + "' dim " + std::to_string(u.dim) + " is " + std::to_string(v);
  };
  throw Error(std::string(what) + ": symbolic dim '" + symbol.name + "' differs: " + use(a, a_value) + ", " +
              use(b, b_value));
}

void check_tensor(const std::string& what, const IoInfo& info, ElementType type, std::span<const std::int64_t> dims) {
  const Shape shape(dims);
  const bool optional_tensor = info.kind == ValueKind::Optional && info.element_type != ElementType::Undefined;
  if (info.kind != ValueKind::Tensor && !optional_tensor) {
    throw Error(what + " expects " + info.type + ", got tensor(" + std::string(to_string(type)) + ")" +
                shape.to_string());
  }
  if (type != info.element_type) {
    throw Error(what + " expects element type " + std::string(to_string(info.element_type)) + ", got " +
                std::string(to_string(type)));
  }
  if (!info.has_shape) return;  // the model declares no rank: any shape goes
  if (shape.rank() != info.shape.rank()) {
    throw Error(what + " expects rank " + std::to_string(info.shape.rank()) + " " + info.shape.to_string() +
                ", got rank " + std::to_string(shape.rank()) + " " + shape.to_string());
  }
  for (std::size_t d = 0; d < shape.rank(); ++d) {
    if (info.shape[d] >= 0 && info.shape[d] != shape[d]) {
      throw Error(what + " dim " + std::to_string(d) + " must be " + std::to_string(info.shape[d]) + ", got " +
                  std::to_string(shape[d]) + " (shape " + shape.to_string() + ", model " + info.shape.to_string() +
                  ")");
    }
  }
}

void check_input(const Session::State& state, std::size_t index, ElementType type, std::span<const std::int64_t> dims) {
  const IoInfo& info = state.inputs[index];
  // Cheap happy path first: the message is built only when something is wrong.
  if (info.kind == ValueKind::Tensor && type == info.element_type && info.has_shape &&
      dims.size() == info.shape.rank()) {
    bool fits = true;
    for (std::size_t d = 0; d < dims.size() && fits; ++d) fits = info.shape[d] < 0 || info.shape[d] == dims[d];
    if (fits) return;
  }
  check_tensor("Session::run: " + describe_input(state, index), info, type, dims);
}

const void* check_input(const Session::State& state, std::size_t index, const Value& value) {
  if (value.empty()) throw Error("Session::run: " + describe_input(state, index) + " is an empty Value");
  const IoInfo& info = state.inputs[index];
  const bool expects_tensor = info.kind == ValueKind::Tensor ||
                              (info.kind == ValueKind::Optional && info.element_type != ElementType::Undefined);
  if (expects_tensor) {  // the common case: one call gives type and dims without allocating
    const OrtApi& a = api();
    ONNXTensorElementDataType type = ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED;
    const std::int64_t* dims = nullptr;
    std::size_t rank = 0;
    if (OrtStatus* not_a_tensor = a.GetTensorElementTypeAndShapeDataReference(value.handle(), &type, &dims, &rank)) {
      a.ReleaseStatus(not_a_tensor);  // a sequence or map: the kind check below names it
    } else {
      check_input(state, index, detail::from_ort(type), {dims, rank});
      const void* data = nullptr;
      check(a.GetTensorData(value.handle(), &data));
      return data;
    }
  }
  const ValueKind kind = value.kind();
  if (kind != info.kind && info.kind != ValueKind::Optional) {
    throw Error("Session::run: " + describe_input(state, index) + " expects " + info.type + ", got " +
                value.describe());
  }
  return nullptr;
}

// The model input index for argument `i` of a run: its position, or its name when the
// inputs are named (all or none). Throws zrt::Error, starting with `what`, otherwise.
std::size_t resolve_input(const Session::State& s, std::span<const Input> inputs, std::size_t i, bool named,
                          const char* what) {
  const Input& in = inputs[i];
  if (!named) {
    if (in.name() != nullptr) {
      throw Error(std::string(what) + ": input " + std::to_string(i) + " is named '" + in.name() +
                  "' while input 0 is not; name all inputs or none");
    }
    return i;
  }
  if (in.name() == nullptr) {
    throw Error(std::string(what) + ": input " + std::to_string(i) +
                " has no name while input 0 has one; name all inputs or none");
  }
  const auto found = find_name(s.inputs, in.name());
  if (!found) {
    throw Error(std::string(what) + ": no input named '" + in.name() + "' (argument " + std::to_string(i) +
                "); the model's inputs are " + join_names(s.inputs));
  }
  return *found;
}

PreparedInputs prepare_inputs(const Session::State& s, std::span<const Input> inputs, const char* what) {
  if (inputs.size() != s.inputs.size()) {
    throw Error(std::string(what) + ": expected " + std::to_string(s.inputs.size()) + " inputs (" +
                join_names(s.inputs) + "), got " + std::to_string(inputs.size()));
  }
  const bool named = !inputs.empty() && inputs[0].name() != nullptr;
  PreparedInputs out;
  out.owned.resize(inputs.size());
  out.values.assign(inputs.size(), nullptr);
  out.data.assign(inputs.size(), nullptr);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const Input& in = inputs[i];
    const std::size_t index = resolve_input(s, inputs, i, named, what);
    if (out.values[index] != nullptr) throw Error(std::string(what) + ": input '" + in.name() + "' is given twice");
    if (in.value() != nullptr) {
      out.data[index] = check_input(s, index, *in.value());
      out.values[index] = in.value()->handle();
    } else {
      check_input(s, index, in.element_type(), in.shape().dims());
      out.owned[index] = Value::view_bytes(in.element_type(), in.data(), in.bytes(), in.shape());
      out.values[index] = out.owned[index].handle();
      out.data[index] = in.data();
    }
  }
  check_shared_dims(s, what, [&](std::size_t index) { return value_dims(out.values[index]); });
  return out;
}

}  // namespace detail

// ---- construction ------------------------------------------------------------------

SessionOptions& SessionOptions::initializer(std::string name, std::shared_ptr<const TensorBuffer> buffer) {
  initializers_.push_back({std::move(name), std::move(buffer)});
  return *this;
}

SessionOptions& SessionOptions::external_initializer(std::string name, std::shared_ptr<const TensorBuffer> buffer) {
  external_initializers_.push_back({std::move(name), std::move(buffer)});
  return *this;
}

std::optional<std::string> SessionOptions::config_entry(const std::string& key, const Environment& env) const {
  const auto options = detail::build_options(*this, env);
  const std::string what = "SessionOptions::config_entry('" + key + "')";
  int has = 0;
  check(api().HasSessionConfigEntry(options.get(), key.c_str(), &has), what.c_str());
  if (has == 0) return std::nullopt;
  std::size_t size = 0;
  check(api().GetSessionConfigEntry(options.get(), key.c_str(), nullptr, &size), what.c_str());
  std::string value(size, '\0');
  check(api().GetSessionConfigEntry(options.get(), key.c_str(), value.data(), &size), what.c_str());
  value.resize(size > 0 ? size - 1 : 0);  // size counts the terminating NUL
  return value;
}

Session::Session(const Environment& env, const std::filesystem::path& model, const SessionOptions& options) {
  const std::string& path = model.native();
  if (path.find('\0') != std::string::npos) {
    throw Error("Session: the model path contains a NUL character: '" + std::string(path.c_str()) + "\\0...'");
  }
  std::error_code ec;
  if (!std::filesystem::exists(model, ec)) {
    throw Error(ErrorCode::NoSuchFile, "Session: model file not found: '" + path + "'");
  }
  if (std::filesystem::is_directory(model, ec)) {
    throw Error(ErrorCode::NoSuchFile, "Session: model path is a directory, not a file: '" + path + "'");
  }
  const std::string what = "Session: loading '" + path + "'";
  OrtSession* session = create_session(env, options, what, [&](const OrtSessionOptions* o, OrtSession** out) {
    return options.prepacked_weights() ? api().CreateSessionWithPrepackedWeightsContainer(
                                             env.handle(), path.c_str(), o, options.prepacked_weights()->handle(), out)
                                       : api().CreateSession(env.handle(), path.c_str(), o, out);
  });
  state_ = finish(env, session, options);
}

Session::Session(const std::filesystem::path& model, const SessionOptions& options)
    : Session(Environment::default_environment(), model, options) {}

Session Session::from_bytes(const Environment& env, std::span<const std::byte> model, const SessionOptions& options) {
  if (model.empty()) throw Error(ErrorCode::InvalidProtobuf, "Session::from_bytes: the model bytes are empty");
  const std::string what = "Session::from_bytes: loading a model of " + std::to_string(model.size()) + " bytes";
  OrtSession* session = create_session(env, options, what, [&](const OrtSessionOptions* o, OrtSession** out) {
    return options.prepacked_weights()
               ? api().CreateSessionFromArrayWithPrepackedWeightsContainer(env.handle(), model.data(), model.size(), o,
                                                                           options.prepacked_weights()->handle(), out)
               : api().CreateSessionFromArray(env.handle(), model.data(), model.size(), o, out);
  });
  return Session(finish(env, session, options));
}

Session Session::from_bytes(std::span<const std::byte> model, const SessionOptions& options) {
  return from_bytes(Environment::default_environment(), model, options);
}

// ---- cached I/O --------------------------------------------------------------------

std::size_t Session::input_count() const { return live("Session::input_count").inputs.size(); }
std::size_t Session::output_count() const { return live("Session::output_count").outputs.size(); }

const IoInfo& Session::input(std::size_t index) const {
  if (index >= live("Session::input").inputs.size()) {
    throw Error("Session::input: index " + std::to_string(index) + " out of range; the model has " +
                std::to_string(state_->inputs.size()) + " inputs (" + join_names(state_->inputs) + ")");
  }
  return state_->inputs[index];
}

const IoInfo& Session::output(std::size_t index) const {
  if (index >= live("Session::output").outputs.size()) {
    throw Error("Session::output: index " + std::to_string(index) + " out of range; the model has " +
                std::to_string(state_->outputs.size()) + " outputs (" + join_names(state_->outputs) + ")");
  }
  return state_->outputs[index];
}

std::span<const IoInfo> Session::inputs() const { return live("Session::inputs").inputs; }
std::span<const IoInfo> Session::outputs() const { return live("Session::outputs").outputs; }

std::optional<std::size_t> Session::find_input(std::string_view name) const {
  return find_name(live("Session::find_input").inputs, name);
}
std::optional<std::size_t> Session::find_output(std::string_view name) const {
  return find_name(live("Session::find_output").outputs, name);
}

std::size_t Session::input_index(std::string_view name) const {
  if (auto i = find_input(name)) return *i;
  throw Error("Session: no input named '" + std::string(name) + "'; the model's inputs are " +
              join_names(state_->inputs));
}

std::size_t Session::output_index(std::string_view name) const {
  if (auto i = find_output(name)) return *i;
  throw Error("Session: no output named '" + std::string(name) + "'; the model's outputs are " +
              join_names(state_->outputs));
}

std::span<const char* const> Session::input_names() const { return live("Session::input_names").input_names; }
std::span<const char* const> Session::output_names() const { return live("Session::output_names").output_names; }

std::string IoInfo::to_string() const {
  std::string s = name + ": " + type;
  if (kind == ValueKind::Tensor || kind == ValueKind::SparseTensor) {
    s += '[';
    for (std::size_t d = 0; d < shape.rank(); ++d) {
      if (d) s += ',';
      if (shape[d] >= 0)
        s += std::to_string(shape[d]);
      else
        s += symbolic_dims[d].empty() ? "?" : symbolic_dims[d];
    }
    s += ']';
  }
  return s;
}

// ---- model facts -------------------------------------------------------------------

ModelMetadata Session::metadata() const {
  const OrtApi& a = api();
  OrtModelMetadata* raw = nullptr;
  check(a.SessionGetModelMetadata(live("Session::metadata").session.get(), &raw), "Session::metadata");
  detail::ModelMetadataPtr meta(raw);
  OrtAllocator* alloc = detail::default_allocator();
  auto get = [&](OrtStatus* (*fn)(const OrtModelMetadata*, OrtAllocator*, char**)) {
    char* s = nullptr;
    check(fn(raw, alloc, &s), "Session::metadata");
    return detail::take_string(alloc, s);
  };
  ModelMetadata m;
  m.producer_name = get(a.ModelMetadataGetProducerName);
  m.graph_name = get(a.ModelMetadataGetGraphName);
  m.graph_description = get(a.ModelMetadataGetGraphDescription);
  m.domain = get(a.ModelMetadataGetDomain);
  m.description = get(a.ModelMetadataGetDescription);
  check(a.ModelMetadataGetVersion(raw, &m.version), "Session::metadata");
  // ORT reports a model without model_version as INT64_MAX; ONNX's default is 0.
  if (m.version == std::numeric_limits<std::int64_t>::max()) m.version = 0;
  char** keys = nullptr;
  std::int64_t count = 0;
  check(a.ModelMetadataGetCustomMetadataMapKeys(raw, alloc, &keys, &count), "Session::metadata");
  for (std::int64_t i = 0; i < count; ++i) {
    char* value = nullptr;
    check(a.ModelMetadataLookupCustomMetadataMap(raw, alloc, keys[i], &value), "Session::metadata");
    std::string key = detail::take_string(alloc, keys[i]);
    m.custom.emplace(std::move(key), detail::take_string(alloc, value));
  }
  if (keys != nullptr) alloc->Free(alloc, keys);
  return m;
}

std::uint64_t Session::profiling_start_time_ns() const {
  std::uint64_t t = 0;
  check(api().SessionGetProfilingStartTimeNs(live("Session::profiling_start_time_ns").session.get(), &t),
        "Session::profiling_start_time_ns");
  return t;
}

std::filesystem::path Session::end_profiling() {
  char* path = nullptr;
  OrtAllocator* alloc = detail::default_allocator();
  check(api().SessionEndProfiling(live("Session::end_profiling").session.get(), alloc, &path),
        "Session::end_profiling");
  return detail::take_string(alloc, path);
}

const Environment& Session::environment() const { return live("Session::environment").environment; }
OrtSession* Session::handle() const { return live("Session::handle").session.get(); }

MemoryInfo Session::input_memory(std::size_t index) const {
  const State& s = live("Session::input_memory");
  input(index);  // range check
  std::vector<const OrtMemoryInfo*> infos(s.inputs.size());
  check(api().SessionGetMemoryInfoForInputs(s.session.get(), infos.data(), infos.size()), "Session::input_memory");
  return MemoryInfo::borrow(infos[index], state_);
}

MemoryInfo Session::output_memory(std::size_t index) const {
  const State& s = live("Session::output_memory");
  output(index);
  std::vector<const OrtMemoryInfo*> infos(s.outputs.size());
  check(api().SessionGetMemoryInfoForOutputs(s.session.get(), infos.data(), infos.size()), "Session::output_memory");
  return MemoryInfo::borrow(infos[index], state_);
}

std::optional<EpDevice> Session::input_device(std::size_t index) const {
  const State& s = live("Session::input_device");
  input(index);
  std::vector<const OrtEpDevice*> devices(s.inputs.size());
  check(api().SessionGetEpDeviceForInputs(s.session.get(), devices.data(), devices.size()), "Session::input_device");
  if (devices[index] == nullptr) return std::nullopt;
  return detail::describe_ep_device(devices[index]);
}

std::vector<EpPlacement> Session::placement() const {
  return detail::read_placement(live("Session::placement").session.get());
}

const Session::State& Session::live(const char* what) const {
  if (!state_) throw Error(std::string(what) + ": the Session was moved from");
  return *state_;
}

// ---- running -----------------------------------------------------------------------

namespace {
// For runs given no RunOptions: ORT would build a default one inside each run (a heap
// allocation per run). ORT only reads a RunOptions during runs, and concurrent runs may
// share one (its terminate flag is documented to stop them all); no caller can reach
// this one to change it.
const OrtRunOptions* default_run_options() {
  static const RunOptions options;
  return options.handle();
}
}  // namespace

Outputs Session::make_outputs() const {
  const State& s = live("Session::make_outputs");
  Outputs out;
  out.owner_ = state_;
  out.values_.resize(s.outputs.size());
  out.reusable_.assign(s.outputs.size(), 0);
  out.views_.resize(s.inputs.size());
  for (const IoInfo& info : s.outputs) out.names_.push_back(info.name);
  return out;
}

void Session::run(std::span<const Input> inputs, Outputs& outputs) const { run_impl(nullptr, inputs, outputs); }

Outputs Session::run(std::span<const Input> inputs) const {
  Outputs out = make_outputs();
  run_impl(nullptr, inputs, out);
  return out;
}

void Session::run_with(const RunOptions& options, std::span<const Input> inputs, Outputs& outputs) const {
  run_impl(&options, inputs, outputs);
}

Outputs Session::run_with(const RunOptions& options, std::initializer_list<Input> inputs) const {
  Outputs out = make_outputs();
  run_impl(&options, std::span<const Input>(inputs.begin(), inputs.size()), out);
  return out;
}

void Session::run_impl(const RunOptions* options, std::span<const Input> inputs, Outputs& outputs) const {
  const State& s = live("Session::run");
  const std::size_t n_in = inputs.size();
  const bool named = n_in > 0 && inputs[0].name() != nullptr;
  // Inputs may be left out by name (or all of them), but only optional ones (checked below).
  const bool partial = (named || n_in == 0) && n_in < s.inputs.size();
  if (n_in != s.inputs.size() && !partial) {
    throw Error("Session::run: expected " + std::to_string(s.inputs.size()) + " inputs (" + join_names(s.inputs) +
                "), got " + std::to_string(n_in));
  }

  if (outputs.owner_ != state_) outputs = make_outputs();  // first use, or made for another session
  detail::SmallArray<const char*> names(n_in);
  detail::SmallArray<const OrtValue*> values(n_in);
  detail::SmallArray<const void*> input_data(n_in);  // to spot outputs that alias an input
  for (std::size_t i = 0; i < n_in; ++i) {
    const Input& in = inputs[i];
    const std::size_t index = detail::resolve_input(s, inputs, i, named, "Session::run");
    for (std::size_t j = 0; j < i; ++j) {
      if (names[j] == s.input_names[index]) {
        throw Error("Session::run: input '" + std::string(in.name()) + "' is given twice");
      }
    }
    names[i] = s.input_names[index];
    if (in.value() != nullptr) {
      input_data[i] = detail::check_input(s, index, *in.value());
      values[i] = in.value()->handle();
    } else {
      detail::check_input(s, index, in.element_type(), in.shape().dims());
      values[i] = view_value(outputs.views_[index], in, s, index);
      input_data[i] = in.data();
    }
  }
  if (!s.shared_symbols.empty()) {
    detail::check_shared_dims(s, "Session::run", [&](std::size_t index) -> std::span<const std::int64_t> {
      for (std::size_t i = 0; i < n_in; ++i) {
        if (names[i] != s.input_names[index]) continue;
        return inputs[i].value() != nullptr ? value_dims(inputs[i].value()->handle()) : inputs[i].shape().dims();
      }
      return {};
    });
  }

  if (partial) {  // every input but optional(...) ones is required: name the first missing one
    for (std::size_t index = 0; index < s.inputs.size(); ++index) {
      bool given = s.inputs[index].kind == ValueKind::Optional;
      for (std::size_t i = 0; i < n_in && !given; ++i) given = names[i] == s.input_names[index];
      if (!given) {
        throw Error("Session::run: expected " + std::to_string(s.inputs.size()) + " inputs (" + join_names(s.inputs) +
                    "), got " + std::to_string(n_in) + ": " + detail::describe_input(s, index) +
                    " is missing (only optional inputs may be left out)");
      }
    }
  }

  run_prepared(options, names.data(), values.data(), input_data.data(), n_in, outputs);
}

void Session::run_prepared(const RunOptions* options, const char* const* names, const OrtValue* const* values,
                           const void* const* input_data, std::size_t n_in, Outputs& outputs, const char* what) const {
  const State& s = live(what);
  const std::size_t n_out = s.outputs.size();
  if (outputs.owner_ != state_) outputs = make_outputs();  // first use, or made for another session
  // Fixed-shape outputs ORT allocated last run are handed back to be written in place
  // (ORT need not allocate them again); other slots are released so ORT sizes them.
  detail::SmallArray<OrtValue*> out(n_out);
  for (std::size_t j = 0; j < n_out; ++j) {
    if (outputs.reusable_[j] && !outputs.values_[j].empty()) {
      out[j] = outputs.values_[j].handle();
    } else {
      outputs.values_[j] = Value();
    }
  }
  check_fast(api().Run(s.session.get(), options != nullptr ? options->live(what) : default_run_options(), names, values,
                       n_in, s.output_names.data(), n_out, out.data()),
             what);
  for (std::size_t j = 0; j < n_out; ++j) {
    if (out[j] != outputs.values_[j].handle()) outputs.values_[j] = Value::adopt(out[j]);
    // An output that is a graph input passed through shares that input's buffer; ORT
    // would not write it next run, so such a slot is never reused.
    bool reusable = s.output_is_static_tensor[j] != 0;
    if (reusable) {
      const void* data = nullptr;
      check(api().GetTensorData(out[j], &data), what);
      for (std::size_t i = 0; i < n_in && reusable; ++i) reusable = data != input_data[i];
    }
    outputs.reusable_[j] = reusable ? 1 : 0;
  }
}

void Session::run(IoBinding& binding) const { run_with_binding(nullptr, binding); }
void Session::run_with(const RunOptions& options, IoBinding& binding) const { run_with_binding(&options, binding); }

void Session::run_with_binding(const RunOptions* options, IoBinding& binding) const {
  (void)live("Session::run");
  if (binding.handle() == nullptr) throw Error("Session::run: the IoBinding was moved from");
  if (binding.session().handle() != handle()) {
    throw Error("Session::run: the IoBinding was made for another session");
  }
  if (options != nullptr) {
    run_bound(*options, binding);
    return;
  }
  if (!binding.memory_outputs_.empty()) binding.rebind_memory_outputs();
  if (!binding.host_to_device_.empty()) binding.rebind_host_inputs();
  if (binding.adapters_) [[unlikely]]
    binding.bind_adapters(nullptr);
  check_fast(api().RunWithBinding(handle(), default_run_options(), binding.handle()), "Session::run");
}

void Session::run_bound(const RunOptions& options, IoBinding& binding) const {
  if (!state_) [[unlikely]]
    (void)live("Session::run");  // a moved-from PreparedBinding: throws
  if (!binding.memory_outputs_.empty()) binding.rebind_memory_outputs();
  if (!binding.host_to_device_.empty()) binding.rebind_host_inputs();
  // ORT ignores (and warns about) RunOptions' LoRA adapters here: the binding holds
  // their parameters instead, bound when the set changes (one pointer compare a run).
  if (options.adapter_set() != binding.adapters_) [[unlikely]]
    binding.bind_adapters(&options);
  check_fast(
      api().RunWithBinding(state_->session.get(), options.live_without_adapters("Session::run"), binding.handle()),
      "Session::run");
}

// ---- Outputs -----------------------------------------------------------------------

Value& Outputs::at(std::size_t i) { return const_cast<Value&>(std::as_const(*this).at(i)); }

const Value& Outputs::at(std::size_t i) const {
  if (i >= values_.size()) {
    throw Error("Outputs::at: index " + std::to_string(i) + " out of range for " + std::to_string(values_.size()) +
                " outputs");
  }
  return values_[i];
}

const Value& Outputs::at(std::string_view name) const {
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) return values_[i];
  }
  std::string known;
  for (const std::string& n : names_) known += (known.empty() ? "'" : ", '") + n + "'";
  throw Error("Outputs::at: no output named '" + std::string(name) + "'; the outputs are " +
              (known.empty() ? std::string("none") : known));
}

Value Outputs::take(std::size_t i) { return std::move(at(i)); }

}  // namespace zrt
