// SessionOptions: a plain value; the ORT handle is built when a Session is made.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "zrt/custom_op.hpp"
#include "zrt/devices.hpp"
#include "zrt/environment.hpp"
#include "zrt/load_cancellation.hpp"
#include "zrt/prepacked_weights.hpp"
#include "zrt/providers.hpp"

namespace zrt {

class TensorBuffer;

enum class OptimizationLevel : int { Disabled = 0, Basic = 1, Extended = 2, Layout = 3, All = 99 };
enum class ExecutionMode : int { Sequential = 0, Parallel = 1 };

// Every option left unset keeps ORT's default. Setters chain:
//   zrt::SessionOptions{}.intra_op_threads(1).cpu_arena(false)
// and each option has a getter of the same name.
class SessionOptions {
 public:
  using Entries = std::vector<std::pair<std::string, std::string>>;
  using DimOverrides = std::vector<std::pair<std::string, std::int64_t>>;
  SessionOptions& optimization_level(OptimizationLevel v) noexcept {
    optimization_level_ = v;
    return *this;
  }
  OptimizationLevel optimization_level() const noexcept { return optimization_level_; }
  // 0: ORT's default
  SessionOptions& intra_op_threads(int v) noexcept {
    intra_op_threads_ = v;
    return *this;
  }
  int intra_op_threads() const noexcept { return intra_op_threads_; }
  SessionOptions& inter_op_threads(int v) noexcept {
    inter_op_threads_ = v;
    return *this;
  }
  int inter_op_threads() const noexcept { return inter_op_threads_; }
  SessionOptions& execution_mode(ExecutionMode v) noexcept {
    execution_mode_ = v;
    return *this;
  }
  ExecutionMode execution_mode() const noexcept { return execution_mode_; }
  SessionOptions& log_id(std::string v) {
    log_id_ = std::move(v);
    return *this;
  }
  const std::string& log_id() const noexcept { return log_id_; }
  // unset: the environment's level
  SessionOptions& log_level(LogLevel v) noexcept {
    log_level_ = v;
    return *this;
  }
  std::optional<LogLevel> log_level() const noexcept { return log_level_; }
  SessionOptions& log_verbosity(int v) noexcept {
    log_verbosity_ = v;
    return *this;
  }
  int log_verbosity() const noexcept { return log_verbosity_; }
  // unset: ORT's default (on)
  SessionOptions& cpu_arena(bool v) noexcept {
    cpu_arena_ = v;
    return *this;
  }
  std::optional<bool> cpu_arena() const noexcept { return cpu_arena_; }
  // unset: ORT's default (on)
  SessionOptions& memory_pattern(bool v) noexcept {
    memory_pattern_ = v;
    return *this;
  }
  std::optional<bool> memory_pattern() const noexcept { return memory_pattern_; }
  // unset: per-session threads unless the environment has global thread pools
  SessionOptions& per_session_threads(bool v) noexcept {
    per_session_threads_ = v;
    return *this;
  }
  std::optional<bool> per_session_threads() const noexcept { return per_session_threads_; }
  // set: profiling on, trace files start with it
  SessionOptions& profiling_prefix(std::string v) {
    profiling_prefix_ = std::move(v);
    return *this;
  }
  const std::optional<std::string>& profiling_prefix() const noexcept { return profiling_prefix_; }
  SessionOptions& intra_op_spinning(bool v) noexcept {
    intra_op_spinning_ = v;
    return *this;
  }
  std::optional<bool> intra_op_spinning() const noexcept { return intra_op_spinning_; }
  SessionOptions& inter_op_spinning(bool v) noexcept {
    inter_op_spinning_ = v;
    return *this;
  }
  std::optional<bool> inter_op_spinning() const noexcept { return inter_op_spinning_; }
  // non-empty: ORT writes the optimized model there
  SessionOptions& optimized_model_path(std::string v) {
    optimized_model_path_ = std::move(v);
    return *this;
  }
  const std::string& optimized_model_path() const noexcept { return optimized_model_path_; }
  // Fix a free (symbolic) dim by name or by denotation, e.g. free_dim("batch", 1).
  SessionOptions& free_dim(std::string name, std::int64_t value) {
    free_dims_by_name_.emplace_back(std::move(name), value);
    return *this;
  }
  SessionOptions& free_dim_by_denotation(std::string denotation, std::int64_t value) {
    free_dims_by_denotation_.emplace_back(std::move(denotation), value);
    return *this;
  }
  const DimOverrides& free_dims_by_name() const noexcept { return free_dims_by_name_; }
  const DimOverrides& free_dims_by_denotation() const noexcept { return free_dims_by_denotation_; }
  // Any ORT session config entry (onnxruntime_session_options_config_keys.h).
  SessionOptions& config(std::string key, std::string value) {
    config_entries_.emplace_back(std::move(key), std::move(value));
    return *this;
  }
  const Entries& config_entries() const noexcept { return config_entries_; }

  // Caller-owned initializers: the model's initializer `name` is replaced by this
  // buffer's tensor, used in place (not copied). Sessions keep the buffer alive; give
  // every replica the same one and N sessions share one copy of the weights. The
  // buffer may be a file mapping (TensorBuffer::map_file). ORT does not check the
  // shape against the model's initializer: a wrong one fails when a run uses it.
  SessionOptions& initializer(std::string name, std::shared_ptr<const TensorBuffer> buffer);
  struct Initializer {
    std::string name;
    std::shared_ptr<const TensorBuffer> buffer;
  };
  const std::vector<Initializer>& initializers() const noexcept { return initializers_; }

  // Sessions made with the same container share their prepacked weights.
  SessionOptions& prepacked_weights(PrepackedWeights container) {
    prepacked_weights_ = std::make_shared<const PrepackedWeights>(std::move(container));
    return *this;
  }
  // Null when unset.
  const PrepackedWeights* prepacked_weights() const noexcept { return prepacked_weights_.get(); }

  // Execution providers, tried in the order added (see providers.hpp); the CPU EP
  // takes what they leave unless cpu_fallback(false).
  SessionOptions& provider(Provider p) {
    providers_.push_back(std::move(p));
    return *this;
  }
  const std::vector<Provider>& providers() const noexcept { return providers_; }
  // false: a node no chosen EP supports fails session creation instead of running on
  // the CPU (ORT's session.disable_cpu_ep_fallback). unset: ORT's default (fallback on).
  SessionOptions& cpu_fallback(bool v) noexcept {
    cpu_fallback_ = v;
    return *this;
  }
  std::optional<bool> cpu_fallback() const noexcept { return cpu_fallback_; }
  // Record which EP took each node, for Session::placement(). unset: on when a
  // provider is set.
  SessionOptions& record_placement(bool v) noexcept {
    record_placement_ = v;
    return *this;
  }
  bool records_placement() const noexcept {
    return record_placement_.value_or(!providers_.empty() || !device_providers_.empty());
  }
  std::optional<bool> record_placement() const noexcept { return record_placement_; }

  // Append by device (ORT's SessionOptionsAppendExecutionProvider_V2): the EP of these
  // devices (from Environment::devices(), all of one EP) with its options. The devices
  // must come from the environment the session is made with.
  SessionOptions& provider_on(std::vector<EpDevice> devices, Provider::Options options = {}) {
    device_providers_.push_back({std::move(devices), std::move(options)});
    return *this;
  }
  struct DeviceProvider {
    std::vector<EpDevice> devices;
    Provider::Options options;
  };
  const std::vector<DeviceProvider>& device_providers() const noexcept { return device_providers_; }
  // Let ORT choose EPs and devices by a policy, or by `selector` (devices.hpp).
  SessionOptions& device_policy(DevicePolicy policy) noexcept {
    device_policy_ = policy;
    return *this;
  }
  std::optional<DevicePolicy> device_policy() const noexcept { return device_policy_; }
  SessionOptions& device_selector(DeviceSelector selector) {
    device_selector_ = std::make_shared<const DeviceSelector>(std::move(selector));
    return *this;
  }
  const DeviceSelector* device_selector() const noexcept { return device_selector_.get(); }

  // Custom operators (custom_op.hpp): a domain of ops defined in C++; sessions keep it
  // alive. op_library loads a shared library and calls its RegisterCustomOps (ORT's
  // RegisterCustomOpsLibrary_V2; ORT unloads it after the last session). op_registration
  // calls a function of that signature found in the process by name (a library the
  // program links or has loaded).
  SessionOptions& op_domain(OpDomain domain) {
    op_domains_.push_back(std::move(domain));
    return *this;
  }
  const std::vector<OpDomain>& op_domains() const noexcept { return op_domains_; }
  SessionOptions& op_library(std::filesystem::path path) {
    op_libraries_.push_back(std::move(path));
    return *this;
  }
  const std::vector<std::filesystem::path>& op_libraries() const noexcept { return op_libraries_; }
  SessionOptions& op_registration(std::string function_name) {
    op_registrations_.push_back(std::move(function_name));
    return *this;
  }
  const std::vector<std::string>& op_registrations() const noexcept { return op_registrations_; }

  // ---- threads, memory, loading (docs/extending/threads-memory-options.md) ----
  // Deterministic kernels where the EP has them (ORT's SetDeterministicCompute; GPU EPs,
  // at some cost). unset: ORT's default (off).
  SessionOptions& deterministic_compute(bool v) noexcept {
    deterministic_compute_ = v;
    return *this;
  }
  std::optional<bool> deterministic_compute() const noexcept { return deterministic_compute_; }
  // true: the session takes allocators registered on its Environment
  // (Environment::register_allocator) instead of making its own (session.use_env_allocators).
  SessionOptions& use_env_allocators(bool v) noexcept {
    use_env_allocators_ = v;
    return *this;
  }
  std::optional<bool> use_env_allocators() const noexcept { return use_env_allocators_; }
  // Data for an initializer the model keeps in external data (ORT's
  // AddExternalInitializers): ORT checks name, type and shape against the model and
  // copies the data at load, so the buffer is needed only until the Session is made.
  // (initializer() instead uses the buffer in place, for any initializer.)
  SessionOptions& external_initializer(std::string name, std::shared_ptr<const TensorBuffer> buffer);
  const std::vector<Initializer>& external_initializers() const noexcept { return external_initializers_; }
  // The contents of an external data file, for a model whose data file is not on disk
  // (ORT's AddExternalInitializersFromFilesInMemory): `file` as the model's
  // external_data locations name it. ORT copies what it uses at load: the bytes must
  // stay valid only until the Session is made.
  SessionOptions& external_data_file(std::string file, std::span<const std::byte> bytes) {
    external_data_files_.push_back({std::move(file), bytes});
    return *this;
  }
  struct ExternalDataFile {
    std::string file;
    std::span<const std::byte> bytes;
  };
  const std::vector<ExternalDataFile>& external_data_files() const noexcept { return external_data_files_; }
  // A token that cancels loading from another thread (load_cancellation.hpp).
  SessionOptions& load_cancellation(LoadCancellation token) {
    load_cancellation_ = std::move(token);
    return *this;
  }
  const std::optional<LoadCancellation>& load_cancellation() const noexcept { return load_cancellation_; }
  // This session's ORT log lines go to `callback` instead of the environment's logger
  // (ORT's SetUserLoggingFunction), at the session's log_level. Same contract as the
  // environment's: thread-safe, never throwing.
  SessionOptions& log_callback(LogCallback callback) {
    log_callback_ = std::make_shared<const LogCallback>(std::move(callback));
    return *this;
  }
  // Null when unset (shared: the sessions made with these options keep it).
  const std::shared_ptr<const LogCallback>& log_callback() const noexcept { return log_callback_; }
  // Who creates and joins the session's own pool threads (thread_hooks.hpp).
  SessionOptions& thread_hooks(ThreadHooks hooks) {
    thread_hooks_ = std::make_shared<const ThreadHooks>(std::move(hooks));
    return *this;
  }
  const std::shared_ptr<const ThreadHooks>& thread_hooks() const noexcept { return thread_hooks_; }
  // The value ORT is given for session config entry `key` (ORT's GetSessionConfigEntry on
  // the options a Session would be made with, typed setters included: e.g.
  // intra_op_spinning(false) reads back "session.intra_op.allow_spinning" = "0"); unset:
  // nullopt. Builds the ORT options, so invalid options throw as a Session would.
  std::optional<std::string> config_entry(const std::string& key,
                                          const Environment& env = Environment::default_environment()) const;

 private:
  OptimizationLevel optimization_level_{OptimizationLevel::All};
  int intra_op_threads_{0};
  int inter_op_threads_{0};
  ExecutionMode execution_mode_{ExecutionMode::Sequential};
  std::string log_id_;
  std::optional<LogLevel> log_level_;
  int log_verbosity_{0};
  std::optional<bool> cpu_arena_;
  std::optional<bool> memory_pattern_;
  std::optional<bool> per_session_threads_;
  std::optional<std::string> profiling_prefix_;
  std::optional<bool> intra_op_spinning_;
  std::optional<bool> inter_op_spinning_;
  std::string optimized_model_path_;
  DimOverrides free_dims_by_name_;
  DimOverrides free_dims_by_denotation_;
  Entries config_entries_;
  std::vector<Initializer> initializers_;
  std::shared_ptr<const PrepackedWeights> prepacked_weights_;  // (not std::optional: GCC 12 warns falsely)
  std::vector<Provider> providers_;
  std::optional<bool> cpu_fallback_;
  std::optional<bool> record_placement_;
  std::vector<DeviceProvider> device_providers_;
  std::optional<DevicePolicy> device_policy_;
  std::shared_ptr<const DeviceSelector> device_selector_;  // shared: ORT calls it during creation
  std::vector<OpDomain> op_domains_;
  std::vector<std::filesystem::path> op_libraries_;
  std::vector<std::string> op_registrations_;

  std::optional<bool> deterministic_compute_;
  std::optional<bool> use_env_allocators_;
  std::vector<Initializer> external_initializers_;
  std::vector<ExternalDataFile> external_data_files_;
  std::optional<LoadCancellation> load_cancellation_;
  std::shared_ptr<const LogCallback> log_callback_;  // shared: sessions keep it for their life
  std::shared_ptr<const ThreadHooks> thread_hooks_;  // shared: sessions keep it for their pools' life
};

}  // namespace zrt
