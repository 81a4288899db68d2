#include "zrt/options_file.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <utility>

#include "zrt/error.hpp"

namespace zrt {

namespace {

using Json = nlohmann::ordered_json;

constexpr int format_version = 1;
constexpr const char* version_key = "zrt_session_options";

template <typename E>
struct EnumName {
  E value;
  const char* name;
};

constexpr std::array<EnumName<OptimizationLevel>, 5> optimization_levels{{
    {OptimizationLevel::Disabled, "disabled"},
    {OptimizationLevel::Basic, "basic"},
    {OptimizationLevel::Extended, "extended"},
    {OptimizationLevel::Layout, "layout"},
    {OptimizationLevel::All, "all"},
}};
constexpr std::array<EnumName<ExecutionMode>, 2> execution_modes{{
    {ExecutionMode::Sequential, "sequential"},
    {ExecutionMode::Parallel, "parallel"},
}};
constexpr std::array<EnumName<LogLevel>, 5> log_levels{{
    {LogLevel::Verbose, "verbose"},
    {LogLevel::Info, "info"},
    {LogLevel::Warning, "warning"},
    {LogLevel::Error, "error"},
    {LogLevel::Fatal, "fatal"},
}};

template <typename E, std::size_t N>
const char* name_of(const std::array<EnumName<E>, N>& names, E value, const char* key) {
  for (const auto& n : names)
    if (n.value == value) return n.name;
  throw Error("SessionOptions." + std::string(key) + ": value " + std::to_string(static_cast<int>(value)) +
              " has no name");
}

template <typename E, std::size_t N>
std::string choices(const std::array<EnumName<E>, N>& names) {
  std::string s;
  for (std::size_t i = 0; i < N; ++i) {
    if (i > 0) s += i + 1 == N ? " or " : ", ";
    s += '"';
    s += names[i].name;
    s += '"';
  }
  return s;
}

Json optional_bool(std::optional<bool> v) { return v ? Json(*v) : Json(nullptr); }

template <typename Pairs>
Json dims_object(const Pairs& dims, const char* key) {
  Json object = Json::object();
  for (const auto& [name, value] : dims) {
    if (object.contains(name))
      throw Error("SessionOptions: free dim '" + name + "' is set twice in " + key +
                  "; an options file holds one value per dim");
    object[name] = value;
  }
  return object;
}

// ---- loading -------------------------------------------------------------------

// What a value is, for messages: `string "4"`, `number 1.5`, `array`.
std::string describe(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::boolean: return v.get<bool>() ? "true" : "false";
    case Json::value_t::string: {
      std::string s = v.dump();
      if (s.size() > 40) s = s.substr(0, 37) + "...";
      return "string " + s;
    }
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float: return "number " + v.dump();
    case Json::value_t::object: return "an object";
    case Json::value_t::array: return "an array";
    default: return v.type_name();
  }
}

class Reader {
 public:
  explicit Reader(std::string_view source) : source_(source) {}

  [[noreturn]] void fail(const std::string& key, const std::string& expected, const Json& got) const {
    throw Error(source_ + ": '" + key + "': expected " + expected + ", got " + describe(got));
  }

  std::int64_t integer(const std::string& key, const Json& v, std::int64_t min, std::int64_t max,
                       const std::string& expected) const {
    if (v.is_number_unsigned()) {
      const auto u = v.get<std::uint64_t>();
      if (u <= static_cast<std::uint64_t>(max)) return static_cast<std::int64_t>(u);
    } else if (v.is_number_integer()) {
      const auto i = v.get<std::int64_t>();
      if (i >= min && i <= max) return i;
    }
    fail(key, expected, v);
  }

  int threads(const std::string& key, const Json& v) const {
    return static_cast<int>(integer(key, v, 0, thread_limit(),
                                    "an integer from 0 (ORT's default) to zrt's thread limit " +
                                        std::to_string(thread_limit()) + " (see zrt::set_thread_limit)"));
  }

  bool boolean(const std::string& key, const Json& v) const {
    if (!v.is_boolean()) fail(key, "true or false", v);
    return v.get<bool>();
  }

  std::optional<bool> optional_boolean(const std::string& key, const Json& v) const {
    if (v.is_null()) return std::nullopt;
    if (!v.is_boolean()) fail(key, "true, false or null (ORT's default)", v);
    return v.get<bool>();
  }

  std::string string(const std::string& key, const Json& v) const {
    if (!v.is_string()) fail(key, "a string", v);
    return v.get<std::string>();
  }

  template <typename E, std::size_t N>
  E enumeration(const std::string& key, const Json& v, const std::array<EnumName<E>, N>& names) const {
    if (v.is_string()) {
      const auto& s = v.get_ref<const std::string&>();
      for (const auto& n : names)
        if (s == n.name) return n.value;
    }
    fail(key, choices(names), v);
  }

  template <typename F>
  void object(const std::string& key, const Json& v, F&& each) const {
    if (!v.is_object()) fail(key, "an object", v);
    for (auto it = v.begin(); it != v.end(); ++it) each(it.key(), it.value());
  }

 private:
  std::string source_;
};

std::string strip_json_prefix(std::string message) {
  // nlohmann's messages start with "[json.exception.parse_error.101] ".
  if (!message.empty() && message.front() == '[') {
    if (const auto end = message.find("] "); end != std::string::npos) message.erase(0, end + 2);
  }
  return message;
}

}  // namespace

std::string session_options_to_json(const SessionOptions& o) {
  if (!o.initializers().empty())
    throw Error("SessionOptions: " + std::to_string(o.initializers().size()) +
                " caller-owned initializer(s) (first: '" + o.initializers().front().name +
                "') cannot be saved to an options file; save the options without them and add them after loading");
  if (o.prepacked_weights())
    throw Error(
        "SessionOptions: a prepacked-weights container cannot be saved to an options file; save the options "
        "without it and add it after loading");
  // In memory only, like the two above: buffers, a token, functions.
  const char* in_memory = !o.external_initializers().empty() ? "external initializers (external_initializer)"
                          : !o.external_data_files().empty() ? "external data files (external_data_file)"
                          : o.load_cancellation()            ? "a load cancellation token"
                          : o.log_callback()                 ? "a log callback"
                          : o.thread_hooks()                 ? "thread hooks"
                                                             : nullptr;
  if (in_memory != nullptr)
    throw Error(std::string("SessionOptions: ") + in_memory +
                " cannot be saved to an options file; save the options without them and add them after loading");
  Json j = Json::object();
  j[version_key] = format_version;
  j["optimization_level"] = name_of(optimization_levels, o.optimization_level(), "optimization_level");
  j["intra_op_threads"] = o.intra_op_threads();
  j["inter_op_threads"] = o.inter_op_threads();
  j["execution_mode"] = name_of(execution_modes, o.execution_mode(), "execution_mode");
  j["log_id"] = o.log_id();
  j["log_level"] = o.log_level() ? Json(name_of(log_levels, *o.log_level(), "log_level")) : Json(nullptr);
  j["log_verbosity"] = o.log_verbosity();
  j["cpu_arena"] = optional_bool(o.cpu_arena());
  j["memory_pattern"] = optional_bool(o.memory_pattern());
  j["per_session_threads"] = optional_bool(o.per_session_threads());
  j["intra_op_spinning"] = optional_bool(o.intra_op_spinning());
  j["inter_op_spinning"] = optional_bool(o.inter_op_spinning());
  j["optimized_model_path"] = o.optimized_model_path();
  j["profiling_prefix"] = o.profiling_prefix() ? Json(*o.profiling_prefix()) : Json(nullptr);
  j["free_dims_by_name"] = dims_object(o.free_dims_by_name(), "free_dims_by_name");
  j["free_dims_by_denotation"] = dims_object(o.free_dims_by_denotation(), "free_dims_by_denotation");
  Json config = Json::object();
  for (const auto& [key, value] : o.config_entries()) config[key] = value;  // the last one wins, as in ORT
  j["config"] = std::move(config);
  Json providers = Json::array();  // "WebGPU", "CUDA:device_id=1", in the order ORT tries them
  for (const Provider& p : o.providers()) providers.push_back(p.to_string());
  j["providers"] = std::move(providers);
  j["cpu_fallback"] = optional_bool(o.cpu_fallback());
  j["record_placement"] = optional_bool(o.record_placement());
  j["deterministic_compute"] = optional_bool(o.deterministic_compute());
  j["use_env_allocators"] = optional_bool(o.use_env_allocators());
  return j.dump(2) + "\n";
}

SessionOptions session_options_from_json(std::string_view text, std::string_view source) {
  const std::string where(source);
  Json j;
  try {
    j = Json::parse(text.begin(), text.end());
  } catch (const Json::exception& e) {  // parse errors, and numbers out of range such as 1e400
    throw Error(where + ": not valid JSON: " + strip_json_prefix(e.what()));
  }
  if (!j.is_object()) throw Error(where + ": expected a JSON object of session options, got " + describe(j));

  const Reader r(where);
  SessionOptions o;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    const Json& v = it.value();
    if (key == version_key) {
      if (r.integer(key, v, 0, std::numeric_limits<int>::max(), "1") != format_version)
        throw Error(where + ": '" + key + "' is " + v.dump() + "; this zrt reads version " +
                    std::to_string(format_version));
    } else if (key == "optimization_level") {
      o.optimization_level(r.enumeration(key, v, optimization_levels));
    } else if (key == "intra_op_threads") {
      o.intra_op_threads(r.threads(key, v));
    } else if (key == "inter_op_threads") {
      o.inter_op_threads(r.threads(key, v));
    } else if (key == "execution_mode") {
      o.execution_mode(r.enumeration(key, v, execution_modes));
    } else if (key == "log_id") {
      o.log_id(r.string(key, v));
    } else if (key == "log_level") {
      if (!v.is_null()) {
        if (!v.is_string()) r.fail(key, choices(log_levels) + " or null (the environment's level)", v);
        o.log_level(r.enumeration(key, v, log_levels));
      }
    } else if (key == "log_verbosity") {
      o.log_verbosity(static_cast<int>(
          r.integer(key, v, std::numeric_limits<int>::min(), std::numeric_limits<int>::max(), "an integer")));
    } else if (key == "cpu_arena") {
      if (auto b = r.optional_boolean(key, v)) o.cpu_arena(*b);
    } else if (key == "memory_pattern") {
      if (auto b = r.optional_boolean(key, v)) o.memory_pattern(*b);
    } else if (key == "per_session_threads") {
      if (auto b = r.optional_boolean(key, v)) o.per_session_threads(*b);
    } else if (key == "intra_op_spinning") {
      if (auto b = r.optional_boolean(key, v)) o.intra_op_spinning(*b);
    } else if (key == "inter_op_spinning") {
      if (auto b = r.optional_boolean(key, v)) o.inter_op_spinning(*b);
    } else if (key == "optimized_model_path") {
      o.optimized_model_path(r.string(key, v));
    } else if (key == "profiling_prefix") {
      if (!v.is_null()) {
        if (!v.is_string()) r.fail(key, "a string (turns profiling on) or null", v);
        o.profiling_prefix(v.get<std::string>());
      }
    } else if (key == "free_dims_by_name" || key == "free_dims_by_denotation") {
      const bool by_name = key == "free_dims_by_name";
      r.object(key, v, [&](const std::string& name, const Json& value) {
        const std::int64_t dim = r.integer(key + "." + name, value, 0, std::numeric_limits<std::int64_t>::max(),
                                           "an integer >= 0 (the dim's size)");
        if (by_name)
          o.free_dim(name, dim);
        else
          o.free_dim_by_denotation(name, dim);
      });
    } else if (key == "config") {
      r.object(key, v,
               [&](const std::string& name, const Json& value) { o.config(name, r.string(key + "." + name, value)); });
    } else if (key == "providers") {
      if (!v.is_array()) r.fail(key, "an array of \"NAME[:key=value,...]\" strings", v);
      for (std::size_t i = 0; i < v.size(); ++i) {
        const std::string spec = r.string(key + "[" + std::to_string(i) + "]", v[i]);
        try {
          o.provider(Provider::parse(spec));
        } catch (const Error& e) {
          throw Error(where + ": '" + key + "[" + std::to_string(i) + "]': " + e.what());
        }
      }
    } else if (key == "cpu_fallback") {
      if (auto b = r.optional_boolean(key, v)) o.cpu_fallback(*b);
    } else if (key == "record_placement") {
      if (auto b = r.optional_boolean(key, v)) o.record_placement(*b);
    } else if (key == "deterministic_compute") {
      if (auto b = r.optional_boolean(key, v)) o.deterministic_compute(*b);
    } else if (key == "use_env_allocators") {
      if (auto b = r.optional_boolean(key, v)) o.use_env_allocators(*b);
    } else {
      throw Error(where + ": unknown key '" + key +
                  "'; known keys: zrt_session_options, optimization_level, intra_op_threads, inter_op_threads, "
                  "execution_mode, log_id, log_level, log_verbosity, cpu_arena, memory_pattern, "
                  "per_session_threads, intra_op_spinning, inter_op_spinning, optimized_model_path, "
                  "profiling_prefix, free_dims_by_name, free_dims_by_denotation, config, providers, cpu_fallback, "
                  "record_placement, deterministic_compute, use_env_allocators");
    }
  }
  return o;
}

void save_session_options(const SessionOptions& options, const std::filesystem::path& path) {
  const std::string text = session_options_to_json(options);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw Error(ErrorCode::Fail, "cannot write options file '" + path.string() + "': " + std::strerror(errno));
  out << text;
  out.flush();
  if (!out) throw Error(ErrorCode::Fail, "cannot write options file '" + path.string() + "'");
}

SessionOptions load_session_options(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    throw Error(ErrorCode::NoSuchFile, "options file '" + path.string() + "' does not exist");
  if (std::filesystem::is_directory(path, ec)) throw Error("options file '" + path.string() + "' is a directory");
  // A device or pipe (/dev/zero) would be read without end: only regular files, and small.
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw Error("options file '" + path.string() + "' is not a regular file");
  }
  constexpr std::uintmax_t kMaxBytes = 1 << 20;
  if (const std::uintmax_t size = std::filesystem::file_size(path, ec); !ec && size > kMaxBytes) {
    throw Error("options file '" + path.string() + "' has " + std::to_string(size) +
                " bytes; an options file is at most 1 MiB");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::Fail, "cannot read options file '" + path.string() + "': " + std::strerror(errno));
  std::string text(kMaxBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));  // bounded, even if the file grew
  if (in.bad()) throw Error(ErrorCode::Fail, "cannot read options file '" + path.string() + "'");
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxBytes) throw Error("options file '" + path.string() + "' is larger than 1 MiB");
  return session_options_from_json(text, "options file '" + path.string() + "'");
}

}  // namespace zrt
