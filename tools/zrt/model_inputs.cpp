#include "model_inputs.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstring>
#include <exception>
#include <new>

#include "npy.hpp"
#include "zrt/error.hpp"

namespace zrt::cli {

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

DimValues parse_dims(const std::vector<std::string>& args) {
  DimValues dims;
  for (const std::string& arg : args) {
    auto [name, text] = split_assignment(arg, "--dim");
    dims[name] = parse_dim_value(name, text);
  }
  return dims;
}

InputFiles parse_input_files(const std::vector<std::string>& args) {
  InputFiles files;
  for (const std::string& arg : args) {
    auto [name, file] = split_assignment(arg, "--input");
    if (!files.emplace(name, file).second) throw Error(fmt::format("--input {} is given twice", name));
  }
  return files;
}

void apply_free_dims(SessionOptions& options, const DimValues& dims) {
  for (const auto& [name, value] : dims)
    if (name.find(':') == std::string::npos) options.free_dim(name, value);
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

std::vector<std::int64_t> concrete_shape(const IoInfo& io, const DimValues& dims) {
  std::vector<std::int64_t> shape;
  for (std::size_t i = 0; i < io.shape.rank(); ++i) {
    if (io.shape[i] >= 0) {
      // A size given for a fixed dim would be silently ignored: say so instead.
      if (auto it = dims.find(fmt::format("{}:{}", io.name, i)); it != dims.end() && it->second != io.shape[i])
        throw Error(fmt::format("--dim {}:{}={}: dim {} of input '{}' is fixed at {} ({})", io.name, i, it->second, i,
                                io.name, io.shape[i], dims_text(io)));
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

namespace {

// `T` is the storage of t.type (uint16_t for float16, uint8_t for bool): the byte size
// is the checked one of t.type and t.dims, so it can never wrap to a short buffer.
template <typename T>
void fill(HostTensor& t, std::size_t n, auto&& make) {
  t.bytes.resize(tensor_byte_size(t.type, t.dims));
  for (std::size_t i = 0; i < n; ++i) {
    const T v = make();
    std::memcpy(t.bytes.data() + i * sizeof(T), &v, sizeof(T));
  }
}

}  // namespace

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

std::vector<ModelInput> make_model_inputs(const Session& session, const DimValues& dims, const InputFiles& files,
                                          std::uint64_t seed) {
  for (const auto& [name, file] : files) (void)session.input_index(name);  // names the model's inputs when unknown
  std::mt19937_64 rng(seed);
  std::vector<ModelInput> inputs;
  for (std::size_t i = 0; i < session.input_count(); ++i) {
    const IoInfo& io = session.input(i);
    ModelInput in;
    if (auto it = files.find(io.name); it != files.end()) {
      in.tensor = read_npy(it->second);
      check_npy_against(io, in.tensor, it->second);
      in.origin = it->second;
    } else {
      // Tensors, and optional(tensor) inputs (fed a tensor of the contained type).
      if (io.kind != ValueKind::Tensor &&
          !(io.kind == ValueKind::Optional && io.element_type != ElementType::Undefined))
        throw Error(ErrorCode::NotImplemented,
                    fmt::format("input '{}' is {}: zrt can only make up tensors and read them from .npy files", io.name,
                                io.type));
      const std::vector<std::int64_t> shape = concrete_shape(io, dims);
      try {
        in.tensor = random_tensor(io, shape, rng);
      } catch (const std::bad_alloc&) {
        throw Error(ErrorCode::Fail, fmt::format("input '{}': out of memory making a tensor of shape {}", io.name,
                                                 shape_to_string(shape)));
      } catch (const Error& e) {  // a shape too large to exist
        throw Error(e.code(), fmt::format("input '{}': {}", io.name, e.what()));
      }
      in.origin = fmt::format("random (seed {})", seed);
    }
    inputs.push_back(std::move(in));
  }
  return inputs;
}

}  // namespace zrt::cli
