#include "zrt/compile.hpp"

#include <cstring>
#include <memory>
#include <string_view>

#include "ort/api.hpp"
#include "session/session_state.hpp"

namespace zrt {

using detail::api;
using detail::check;

namespace {

struct ReleaseCompileOptions {
  void operator()(OrtModelCompilationOptions* p) const noexcept {
    api().GetCompileApi()->ReleaseModelCompilationOptions(p);
  }
};

// The model, as a file or borrowed bytes, with the name messages use.
struct Source {
  const std::filesystem::path* file = nullptr;
  std::span<const std::byte> bytes;
  std::string describe() const {
    return file != nullptr ? "'" + file->string() + "'" : "model bytes (" + std::to_string(bytes.size()) + ")";
  }
};

void check_path(const std::filesystem::path& p, const char* role) {
  if (p.native().find('\0') != std::string::npos) {
    throw Error(std::string("zrt::compile: the ") + role + " path contains a NUL character");
  }
}

void check_source(const Source& src) {
  if (src.file == nullptr) {
    if (src.bytes.empty()) throw Error(ErrorCode::InvalidProtobuf, "zrt::compile: the model bytes are empty");
    return;
  }
  check_path(*src.file, "model");
  std::error_code ec;
  if (!std::filesystem::exists(*src.file, ec)) {
    throw Error(ErrorCode::NoSuchFile, "zrt::compile: model file not found: " + src.describe());
  }
  if (std::filesystem::is_directory(*src.file, ec)) {
    throw Error(ErrorCode::NoSuchFile, "zrt::compile: model path is a directory, not a file: " + src.describe());
  }
}

void check_output(const Source& src, const std::filesystem::path& output, const CompileOptions& how) {
  check_path(output, "output");
  if (output.empty()) throw Error("zrt::compile: the output path is empty");
  std::error_code ec;
  const std::filesystem::path folder = output.parent_path().empty() ? "." : output.parent_path();
  if (!std::filesystem::is_directory(folder, ec)) {
    throw Error(ErrorCode::NoSuchFile, "zrt::compile: cannot write '" + output.string() + "': the folder '" +
                                           folder.string() + "' does not exist");
  }
  if (std::filesystem::is_directory(output, ec)) {
    throw Error("zrt::compile: the output '" + output.string() + "' is a directory");
  }
  if (src.file != nullptr && std::filesystem::equivalent(*src.file, output, ec)) {
    throw Error("zrt::compile: the output '" + output.string() + "' is the model itself; write it elsewhere");
  }
  if (!how.overwrite() && std::filesystem::exists(output, ec)) {
    throw Error(ErrorCode::Fail,
                "zrt::compile: the output '" + output.string() + "' exists and CompileOptions::overwrite is false");
  }
}

// "WebGPU, CUDA" or "no execution provider (CPU only)".
std::string describe_providers(const SessionOptions& options) {
  std::string names;
  for (const Provider& p : options.providers()) names += (names.empty() ? "" : ", ") + p.name();
  for (const SessionOptions::DeviceProvider& d : options.device_providers()) {
    if (!d.devices.empty()) names += (names.empty() ? "" : ", ") + d.devices.front().ep_name;
  }
  if (options.device_policy() || options.device_selector())
    names += (names.empty() ? "" : ", ") + std::string("EPs chosen by a device policy");
  return names;
}

void check_external_initializers(const CompileOptions& how) {
  const std::filesystem::path& file = how.external_initializers();
  if (file.empty()) return;
  check_path(file, "external initializers");
  if (file.is_absolute()) {
    throw Error("CompileOptions::external_initializers: '" + file.string() +
                "' is absolute; give a path relative to the output model's folder (ORT writes it there)");
  }
}

void run_compile(const Source& src, const SessionOptions& options, const std::filesystem::path* output,
                 std::vector<std::byte>* bytes_out, const CompileOptions& how) {
  check_source(src);
  if (output != nullptr) check_output(src, *output, how);
  check_external_initializers(how);
  const Environment env = how.environment() ? *how.environment() : Environment::default_environment();
  const OrtCompileApi& c = *api().GetCompileApi();
  const std::string what = "zrt::compile " + src.describe();
  const detail::SessionOptionsPtr session_options = detail::build_options(options, env);
  OrtModelCompilationOptions* raw = nullptr;
  check(c.CreateModelCompilationOptionsFromSessionOptions(env.handle(), session_options.get(), &raw), what.c_str());
  // Made afresh for every compile: ORT 1.29 with WebGPU terminates the process when one
  // OrtModelCompilationOptions compiles twice.
  const std::unique_ptr<OrtModelCompilationOptions, ReleaseCompileOptions> co(raw);
  if (src.file != nullptr) {
    check(c.ModelCompilationOptions_SetInputModelPath(raw, src.file->c_str()), what.c_str());
  } else {
    check(c.ModelCompilationOptions_SetInputModelFromBuffer(raw, src.bytes.data(), src.bytes.size()), what.c_str());
  }
  void* buffer = nullptr;
  std::size_t buffer_size = 0;
  OrtAllocator* allocator = detail::default_allocator();
  if (output != nullptr) {
    check(c.ModelCompilationOptions_SetOutputModelPath(raw, output->c_str()), what.c_str());
  } else {
    check(c.ModelCompilationOptions_SetOutputModelBuffer(raw, allocator, &buffer, &buffer_size), what.c_str());
  }
  check(c.ModelCompilationOptions_SetEpContextEmbedMode(raw, how.embed_context()), what.c_str());
  std::uint32_t flags = OrtCompileApiFlags_NONE;
  if (how.require_compiled_nodes()) flags |= OrtCompileApiFlags_ERROR_IF_NO_NODES_COMPILED;
  if (!how.overwrite()) flags |= OrtCompileApiFlags_ERROR_IF_OUTPUT_FILE_EXISTS;
  check(c.ModelCompilationOptions_SetFlags(raw, flags), what.c_str());
  if (how.optimization_level()) {
    check(c.ModelCompilationOptions_SetGraphOptimizationLevel(
              raw, static_cast<GraphOptimizationLevel>(*how.optimization_level())),
          (what + ": optimization_level").c_str());
  }
  if (!how.external_initializers().empty()) {
    check(c.ModelCompilationOptions_SetOutputModelExternalInitializersFile(raw, how.external_initializers().c_str(),
                                                                           how.external_initializers_threshold()),
          (what + ": external_initializers").c_str());
  }
  if (!how.context_directory().empty() || !how.context_model_name().empty()) {
    check(c.ModelCompilationOptions_SetEpContextBinaryInformation(raw, how.context_directory().c_str(),
                                                                  how.context_model_name().c_str()),
          (what + ": context_binary").c_str());
  }

  OrtStatus* status = c.CompileModel(env.handle(), raw);
  if (status != nullptr) {
    const std::string message = api().GetErrorMessage(status);
    if (message.find("Unable to compile any nodes") != std::string::npos) {
      api().ReleaseStatus(status);
      const std::string eps = describe_providers(options);
      const std::string why =
          eps.empty() ? "the SessionOptions name no execution provider, and the CPU EP compiles nothing"
                      : "the execution providers given (" + eps +
                            ") compiled none: they cannot compile (produce EPContext nodes) or took no node of it";
      throw Error(ErrorCode::Fail, what + ": no node was compiled: " + why +
                                       ". CompileOptions::require_compiled_nodes(false) writes the model uncompiled. "
                                       "(ORT: " +
                                       message + ")");
    }
    check(status, what.c_str());
  }
  if (bytes_out != nullptr) {
    // ORT allocated the buffer with `allocator`: copy it out and free it.
    const auto free_buffer = [allocator](void* p) {
      if (p != nullptr) allocator->Free(allocator, p);
    };
    const std::unique_ptr<void, decltype(free_buffer)> owned(buffer, free_buffer);
    bytes_out->resize(buffer_size);
    if (buffer_size != 0) std::memcpy(bytes_out->data(), buffer, buffer_size);
  }
}

}  // namespace

void compile(const std::filesystem::path& model, const SessionOptions& options, const std::filesystem::path& output,
             const CompileOptions& how) {
  run_compile(Source{&model, {}}, options, &output, nullptr, how);
}

void compile(std::span<const std::byte> model, const SessionOptions& options, const std::filesystem::path& output,
             const CompileOptions& how) {
  run_compile(Source{nullptr, model}, options, &output, nullptr, how);
}

std::vector<std::byte> compile_to_bytes(const std::filesystem::path& model, const SessionOptions& options,
                                        const CompileOptions& how) {
  std::vector<std::byte> out;
  run_compile(Source{&model, {}}, options, nullptr, &out, how);
  return out;
}

std::vector<std::byte> compile_to_bytes(std::span<const std::byte> model, const SessionOptions& options,
                                        const CompileOptions& how) {
  std::vector<std::byte> out;
  run_compile(Source{nullptr, model}, options, nullptr, &out, how);
  return out;
}

}  // namespace zrt
