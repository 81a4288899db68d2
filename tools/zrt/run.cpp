// zrt run MODEL [--input NAME=file.npy]... [--dim NAME=VALUE]... [--output-dir DIR]
//               [--seed N] [--threads N]
// Runs a model once on inputs read from .npy files or made up at random, prints a
// summary of every output and optionally writes each output as NAME.npy.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "commands.hpp"
#include "host_value.hpp"
#include "npy.hpp"
#include "zrt/environment.hpp"
#include "zrt/error.hpp"
#include "zrt/session.hpp"

namespace zrt::cli {
namespace {

struct RunCommandOptions {
  std::string model;
  std::vector<std::string> inputs;
  std::vector<std::string> dims;
  std::string output_dir;
  std::uint64_t seed = 0;
  int threads = 0;
};

std::pair<std::string, std::string> split_assignment(const std::string& arg, const char* option) {
  const auto eq = arg.rfind('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size())
    throw Error(fmt::format("{} expects NAME=VALUE, got '{}'", option, arg));
  return {arg.substr(0, eq), arg.substr(eq + 1)};
}

std::int64_t parse_dim_value(const std::string& name, const std::string& text) {
  std::size_t used = 0;
  long long v = -1;
  try {
    v = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || v < 0)
    throw Error(fmt::format("--dim {}: '{}' is not a non-negative integer", name, text));
  return static_cast<std::int64_t>(v);
}

std::string dims_text(const IoInfo& io) {
  std::vector<std::string> parts;
  for (std::size_t i = 0; i < io.shape.rank(); ++i) {
    if (io.shape[i] >= 0)
      parts.push_back(std::to_string(io.shape[i]));
    else if (i < io.symbolic_dims.size() && !io.symbolic_dims[i].empty())
      parts.push_back(io.symbolic_dims[i]);
    else
      parts.push_back("?");
  }
  return fmt::format("[{}]", fmt::join(parts, ","));
}

// The concrete shape for a random input: fixed dims as declared, free dims from --dim
// (by symbol, or INPUT:INDEX for unnamed ones).
std::vector<std::int64_t> concrete_shape(const IoInfo& io, const std::map<std::string, std::int64_t>& dims) {
  std::vector<std::int64_t> shape;
  for (std::size_t i = 0; i < io.shape.rank(); ++i) {
    if (io.shape[i] >= 0) {
      shape.push_back(io.shape[i]);
      continue;
    }
    const std::string symbol = i < io.symbolic_dims.size() ? io.symbolic_dims[i] : std::string();
    if (!symbol.empty()) {
      if (auto it = dims.find(symbol); it != dims.end()) {
        shape.push_back(it->second);
        continue;
      }
    }
    const std::string positional = fmt::format("{}:{}", io.name, i);
    if (auto it = dims.find(positional); it != dims.end()) {
      shape.push_back(it->second);
      continue;
    }
    if (!symbol.empty())
      throw Error(fmt::format("input '{}' has a free dimension '{}' (dim {} of {}): give its size with --dim {}=N",
                              io.name, symbol, i, dims_text(io), symbol));
    throw Error(fmt::format("input '{}' has an unnamed free dimension (dim {} of {}): give its size with --dim {}=N",
                            io.name, i, dims_text(io), positional));
  }
  return shape;
}

template <typename T>
void fill(HostTensor& t, std::size_t n, auto&& make) {
  t.bytes.resize(n * sizeof(T));
  for (std::size_t i = 0; i < n; ++i) {
    const T v = make();
    std::memcpy(t.bytes.data() + i * sizeof(T), &v, sizeof(T));
  }
}

HostTensor random_tensor(const IoInfo& io, std::vector<std::int64_t> shape, std::mt19937_64& rng) {
  HostTensor t;
  t.type = io.element_type;
  t.dims = std::move(shape);
  const std::size_t n = t.element_count();
  std::uniform_real_distribution<float> real(-1.0f, 1.0f);
  std::uniform_int_distribution<int> small(0, 9);
  auto integer = [&] { return small(rng); };
  switch (t.type) {
    case ElementType::Float: fill<float>(t, n, [&] { return real(rng); }); break;
    case ElementType::Double: fill<double>(t, n, [&] { return static_cast<double>(real(rng)); }); break;
    case ElementType::Float16: fill<std::uint16_t>(t, n, [&] { return Float16::from_float(real(rng)); }); break;
    case ElementType::BFloat16: fill<std::uint16_t>(t, n, [&] { return BFloat16::from_float(real(rng)); }); break;
    case ElementType::Int8: fill<std::int8_t>(t, n, [&] { return static_cast<std::int8_t>(integer()); }); break;
    case ElementType::Int16: fill<std::int16_t>(t, n, [&] { return static_cast<std::int16_t>(integer()); }); break;
    case ElementType::Int32: fill<std::int32_t>(t, n, [&] { return static_cast<std::int32_t>(integer()); }); break;
    case ElementType::Int64: fill<std::int64_t>(t, n, [&] { return static_cast<std::int64_t>(integer()); }); break;
    case ElementType::UInt8: fill<std::uint8_t>(t, n, [&] { return static_cast<std::uint8_t>(integer()); }); break;
    case ElementType::UInt16: fill<std::uint16_t>(t, n, [&] { return static_cast<std::uint16_t>(integer()); }); break;
    case ElementType::UInt32: fill<std::uint32_t>(t, n, [&] { return static_cast<std::uint32_t>(integer()); }); break;
    case ElementType::UInt64: fill<std::uint64_t>(t, n, [&] { return static_cast<std::uint64_t>(integer()); }); break;
    case ElementType::Bool: fill<std::uint8_t>(t, n, [&] { return static_cast<std::uint8_t>(integer() & 1); }); break;
    case ElementType::String:
      for (std::size_t i = 0; i < n; ++i) t.strings.push_back(fmt::format("s{}", integer()));
      break;
    default:
      throw Error(ErrorCode::NotImplemented,
                  fmt::format("input '{}': cannot make random values of type {}; give it with "
                              "--input {}=FILE.npy",
                              io.name, io.type, io.name));
  }
  return t;
}

void check_npy_against(const IoInfo& io, const HostTensor& t, const std::string& file) {
  if (io.element_type == ElementType::Undefined)
    throw Error(ErrorCode::NotImplemented,
                fmt::format("input '{}' is {}: a .npy file ('{}') holds a tensor", io.name, io.type, file));
  if (t.type != io.element_type)
    throw Error(fmt::format("input '{}': '{}' holds {} ({}), the model expects {} ({})", io.name, file,
                            element_name(t.type), t.type == ElementType::String ? "string" : npy_dtype(t.type),
                            element_name(io.element_type), io.type));
  bool ok = t.dims.size() == io.shape.rank();
  for (std::size_t i = 0; ok && i < t.dims.size(); ++i) ok = io.shape[i] < 0 || io.shape[i] == t.dims[i];
  if (!ok)
    throw Error(fmt::format("input '{}': '{}' has shape [{}], the model expects {}", io.name, file,
                            fmt::join(t.dims, ","), dims_text(io)));
}

std::string file_stem_for(const std::string& name) {
  std::string s;
  for (char c : name) s += (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.') ? c : '_';
  if (s.empty() || s == "." || s == "..") s = "output";
  return s;
}

void print_value(const std::string& label, const HostValue& v, const std::filesystem::path* dir,
                 const std::string& stem) {
  switch (v.kind) {
    case HostValue::Kind::Tensor:
      fmt::print("{}: {}\n    {}\n", label, v.tensor.describe(), summarize(v.tensor));
      if (dir) {
        const auto path = *dir / (stem + ".npy");
        write_npy(path, v.tensor);
        fmt::print("    written to {}\n", path.string());
      }
      return;
    case HostValue::Kind::Sequence:
      fmt::print("{}: sequence of {}\n", label, v.elements.size());
      for (std::size_t i = 0; i < v.elements.size(); ++i)
        print_value(fmt::format("  [{}]", i), v.elements[i], dir, fmt::format("{}.{}", stem, i));
      return;
    case HostValue::Kind::Map:
      fmt::print("{}: {}\n    keys:   {}\n    values: {}\n", label, v.describe(), summarize(v.keys),
                 summarize(v.values));
      if (dir) {
        write_npy(*dir / (stem + ".keys.npy"), v.keys);
        write_npy(*dir / (stem + ".values.npy"), v.values);
        fmt::print("    written to {} and {}\n", (*dir / (stem + ".keys.npy")).string(),
                   (*dir / (stem + ".values.npy")).string());
      }
      return;
    case HostValue::Kind::None: fmt::print("{}: none (empty optional)\n", label); return;
  }
}

int run_model(const RunCommandOptions& opt) {
  std::map<std::string, std::int64_t> dims;
  SessionOptions so;
  so.intra_op_threads(opt.threads);
  for (const std::string& arg : opt.dims) {
    auto [name, text] = split_assignment(arg, "--dim");
    const std::int64_t value = parse_dim_value(name, text);
    dims[name] = value;
    if (name.find(':') == std::string::npos) so.free_dim(name, value);
  }
  std::map<std::string, std::string> files;
  for (const std::string& arg : opt.inputs) {
    auto [name, file] = split_assignment(arg, "--input");
    if (!files.emplace(name, file).second) throw Error(fmt::format("--input {} is given twice", name));
  }

  EnvironmentOptions env_options;
  env_options.log_level = LogLevel::Error;
  const Environment env(env_options);
  const auto t0 = std::chrono::steady_clock::now();
  const Session session(env, opt.model, so);
  const auto t1 = std::chrono::steady_clock::now();

  for (const auto& [name, file] : files) (void)session.input_index(name);  // names the model's inputs when unknown

  std::mt19937_64 rng(opt.seed);
  std::vector<HostTensor> tensors;
  std::vector<std::string> origins;
  for (std::size_t i = 0; i < session.input_count(); ++i) {
    const IoInfo& io = session.input(i);
    HostTensor t;
    std::string origin;
    if (auto it = files.find(io.name); it != files.end()) {
      t = read_npy(it->second);
      check_npy_against(io, t, it->second);
      origin = it->second;
    } else {
      // Tensors, and optional(tensor) inputs (fed a tensor of the contained type).
      if (io.kind != ValueKind::Tensor &&
          !(io.kind == ValueKind::Optional && io.element_type != ElementType::Undefined))
        throw Error(ErrorCode::NotImplemented,
                    fmt::format("input '{}' is {}: zrt run can only make up tensors and read them from .npy files",
                                io.name, io.type));
      const std::vector<std::int64_t> shape = concrete_shape(io, dims);
      try {
        t = random_tensor(io, shape, rng);
      } catch (const std::bad_alloc&) {
        throw Error(ErrorCode::Fail, fmt::format("input '{}': out of memory making a tensor of shape [{}]", io.name,
                                                 fmt::join(shape, ",")));
      }
      origin = fmt::format("random (seed {})", opt.seed);
    }
    tensors.push_back(std::move(t));
    origins.push_back(std::move(origin));
  }
  std::vector<Value> values;
  fmt::print("inputs:\n");
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    fmt::print("  {}: {} from {}\n    {}\n", session.input(i).name, tensors[i].describe(), origins[i],
               summarize(tensors[i]));
    values.push_back(to_value(tensors[i]));
  }
  std::vector<Input> inputs;
  for (std::size_t i = 0; i < values.size(); ++i) inputs.emplace_back(session.input_names()[i], values[i]);

  const auto t2 = std::chrono::steady_clock::now();
  Outputs outputs = session.run(std::span<const Input>(inputs));
  const auto t3 = std::chrono::steady_clock::now();

  std::optional<std::filesystem::path> dir;
  if (!opt.output_dir.empty()) {
    dir = opt.output_dir;
    std::error_code ec;
    std::filesystem::create_directories(*dir, ec);
    if (ec) throw Error(ErrorCode::Fail, fmt::format("cannot create '{}': {}", opt.output_dir, ec.message()));
  }
  fmt::print("outputs:\n");
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const std::string& name = session.output(i).name;
    print_value("  " + name, from_value(outputs[i]), dir ? &*dir : nullptr, file_stem_for(name));
  }
  using ms = std::chrono::duration<double, std::milli>;
  fmt::print("session created in {:.2f} ms, run took {:.3f} ms\n", ms(t1 - t0).count(), ms(t3 - t2).count());
  return 0;
}

}  // namespace

void add_run_command(CLI::App& app, Action& action) {
  auto opt = std::make_shared<RunCommandOptions>();
  CLI::App* cmd = app.add_subcommand("run", "Run a model once on .npy or random inputs and summarize its outputs");
  cmd->add_option("model", opt->model, "ONNX model file")->required()->check(CLI::ExistingFile);
  cmd->add_option("--input,-i", opt->inputs, "NAME=FILE.npy: an input's value (others are random)");
  cmd->add_option("--dim,-d", opt->dims,
                  "NAME=VALUE: size of a symbolic dimension (or INPUT:INDEX=VALUE for an unnamed one)");
  cmd->add_option("--output-dir,-o", opt->output_dir, "Write each output to DIR/NAME.npy");
  cmd->add_option("--seed", opt->seed, "Seed for random inputs")->capture_default_str();
  cmd->add_option("--threads", opt->threads, "Intra-op threads (0: ORT's default)")
      ->check(CLI::Range(0, 4096))
      ->capture_default_str();
  cmd->callback([opt, &action] { action = [opt] { return run_model(*opt); }; });
}

}  // namespace zrt::cli
