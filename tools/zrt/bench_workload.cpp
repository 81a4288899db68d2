#include "bench_workload.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "builtin_model.hpp"
#include "zrt/error.hpp"
#include "zrt/options_file.hpp"

namespace zrt::cli::bench {
namespace {

EnvironmentOptions quiet_environment() {
  EnvironmentOptions o;
  o.log_level = LogLevel::Error;
  o.log_id = "zrt-bench";
  return o;
}

Session open(const Environment& env, const ModelSource& source, const SessionOptions& options) {
  if (source.path) return Session(env, *source.path, options);
  return Session::from_bytes(env, source.bytes, options);
}

bool numeric(ElementType type) { return type != ElementType::String && element_size(type) > 0; }

std::vector<ModelInput> checked_inputs(const Session& session, const DimValues& dims, const InputFiles& files,
                                       std::uint64_t seed) {
  for (const IoInfo& io : session.inputs()) {
    if (io.kind != ValueKind::Tensor || !numeric(io.element_type))
      throw Error(
          ErrorCode::NotImplemented,
          fmt::format("input '{}' is {}: zrt bench runs models whose inputs are numeric tensors", io.name, io.type));
  }
  return make_model_inputs(session, dims, files, seed);
}

// One run through the flexible path tells every output's kind, type and shape.
std::vector<OutputInfo> probe_outputs(const Session& session, const std::vector<ModelInput>& inputs) {
  std::vector<Value> values;
  std::vector<Input> in;
  values.reserve(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const HostTensor& t = inputs[i].tensor;
    values.push_back(Value::view_bytes(t.type, const_cast<std::byte*>(t.bytes.data()), t.bytes.size(), Shape(t.dims)));
    in.emplace_back(session.input_names()[i], values.back());
  }
  Outputs out = session.run(std::span<const Input>(in));
  std::vector<OutputInfo> infos;
  for (std::size_t j = 0; j < out.size(); ++j) {
    OutputInfo info;
    info.name = session.output(j).name;
    const Value& v = out[j];
    info.kind = v.empty() ? ValueKind::Unknown : v.kind();
    if (info.kind == ValueKind::Tensor) {
      info.type = v.element_type();
      const Shape shape = v.shape();
      info.dims.assign(shape.begin(), shape.end());
      info.bindable = numeric(info.type);
      if (info.bindable) info.bytes = byte_size(info.type, v.element_count());
    }
    infos.push_back(std::move(info));
  }
  return infos;
}

std::vector<CarryPair> resolve_carry(const Session& session,
                                     const std::vector<std::pair<std::string, std::string>>& pairs,
                                     const std::vector<ModelInput>& inputs, const std::vector<OutputInfo>& outputs) {
  std::vector<CarryPair> carry;
  for (const auto& [out_name, in_name] : pairs) {
    const std::string who = fmt::format("--carry {}={}", out_name, in_name);
    const auto out = session.find_output(out_name);
    if (!out)
      throw Error(fmt::format("{}: the model has no output '{}' (outputs: {})", who, out_name,
                              fmt::join(session.output_names(), ", ")));
    const auto in = session.find_input(in_name);
    if (!in)
      throw Error(fmt::format("{}: the model has no input '{}' (inputs: {})", who, in_name,
                              fmt::join(session.input_names(), ", ")));
    for (const CarryPair& c : carry)
      if (c.output == *out || c.input == *in) throw Error(who + ": each output and input may carry once");
    const OutputInfo& o = outputs[*out];
    const HostTensor& t = inputs[*in].tensor;
    if (!o.bindable) throw Error(fmt::format("{}: output '{}' is not a numeric tensor", who, out_name));
    if (o.type != t.type || o.dims != t.dims)
      throw Error(
          fmt::format("{}: output '{}' is {}[{}], input '{}' is {}[{}]; a carried state keeps its type "
                      "and shape",
                      who, out_name, element_name(o.type), fmt::join(o.dims, ","), in_name, element_name(t.type),
                      fmt::join(t.dims, ",")));
    carry.push_back({*out, *in});
  }
  return carry;
}

// --dim's sizes, then the model's own defaults for the dims --dim leaves out.
DimValues with_defaults(DimValues dims, const DimValues& defaults) {
  dims.insert(defaults.begin(), defaults.end());  // keeps what --dim gave
  return dims;
}

}  // namespace

SessionOptions bench_session_options(const WorkloadSpec& spec) {
  SessionOptions options;
  if (!spec.options_file.empty()) options = load_session_options(spec.options_file);
  if (spec.intra_op_threads)
    options.intra_op_threads(*spec.intra_op_threads);
  else if (spec.options_file.empty())
    options.intra_op_threads(1);
  apply_free_dims(options, spec.dims);
  // --ep with an options file that chooses providers too: the same list is fine (a file
  // `zrt tune --ep ... --write` saved), another one would be ambiguous.
  if (!spec.providers.empty() && !options.providers().empty()) {
    if (options.providers() != spec.providers) {
      std::vector<std::string> file;
      for (const Provider& p : options.providers()) file.push_back(p.to_string());
      throw Error(
          fmt::format("--ep: the options file '{}' already chooses execution providers ({}); give them in "
                      "one place",
                      spec.options_file, fmt::join(file, ", ")));
    }
    return options;
  }
  for (const Provider& p : spec.providers) options.provider(p);
  return options;
}

ModelSource model_source(const WorkloadSpec& spec) {
  ModelSource source;
  if (!spec.model.empty()) {
    source.label = spec.model;
    source.path = spec.model;
  } else {
    BuiltinModel m = builtin_model(spec.builtin);
    source.label = "builtin:" + m.name;
    source.description = std::move(m.description);
    source.bytes = std::move(m.bytes);
    if (!spec.no_carry) source.carry = std::move(m.carry);
    source.default_dims.insert(m.default_dims.begin(), m.default_dims.end());
  }
  if (!spec.carry.empty()) source.carry = spec.carry;
  if (spec.no_carry) source.carry.clear();
  return source;
}

Workload::Workload(const WorkloadSpec& spec) : Workload(spec, model_source(spec)) {}

Workload::Workload(const WorkloadSpec& spec, ModelSource source)
    : label(source.label),
      description(source.description),
      model_path(source.path),
      model_bytes(source.bytes),
      options(bench_session_options(spec)),
      environment(quiet_environment()),
      session(open(environment, source, options)),
      dims(with_defaults(spec.dims, source.default_dims)),
      inputs(checked_inputs(session, dims, spec.input_files, spec.seed)),
      outputs(probe_outputs(session, inputs)),
      carry(resolve_carry(session, source.carry, inputs, outputs)),
      options_file(spec.options_file) {}

std::optional<std::size_t> Workload::carry_into(std::size_t input) const noexcept {
  for (std::size_t p = 0; p < carry.size(); ++p)
    if (carry[p].input == input) return p;
  return std::nullopt;
}

std::optional<std::size_t> Workload::carry_from(std::size_t output) const noexcept {
  for (std::size_t p = 0; p < carry.size(); ++p)
    if (carry[p].output == output) return p;
  return std::nullopt;
}

MemoryInfo Workload::device_memory() const {
  if (options.providers().empty())
    throw Error(ErrorCode::NotImplemented, "needs a device execution provider (--ep, e.g. --ep webgpu)");
  const Provider& ep = options.providers().front();
  const std::string name = ep.ort_name();
  if (name == "WebGpuExecutionProvider") return MemoryInfo("WebGPU_Buffer", AllocatorType::Device, 0, MemType::Default);
  if (name == "CUDAExecutionProvider" || name == "TensorrtExecutionProvider") {
    int device = 0;
    for (const auto& [key, value] : ep.options())
      if (key == "device_id") device = std::stoi(value);
    return MemoryInfo("Cuda", AllocatorType::Device, device, MemType::Default);
  }
  throw Error(ErrorCode::NotImplemented,
              fmt::format("execution provider {} keeps tensors in host memory (no device memory to bench)", ep.name()));
}

Session Workload::open_session() const {
  if (model_path) return Session(environment, *model_path, options);
  return Session::from_bytes(environment, model_bytes, options);
}

}  // namespace zrt::cli::bench
