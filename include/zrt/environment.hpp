// Environment: ORT's process environment (logging, optional global thread pools).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zrt/thread_hooks.hpp"

struct OrtEnv;

namespace zrt {

struct EpDevice;
class MemoryInfo;

enum class LogLevel : int { Verbose = 0, Info = 1, Warning = 2, Error = 3, Fatal = 4 };

// Called by ORT for each log message at or above the environment's level, from ORT's
// threads: it must be thread-safe and must not throw.
using LogCallback = std::function<void(LogLevel level, std::string_view category, std::string_view log_id,
                                       std::string_view code_location, std::string_view message)>;

// Global thread pools shared by every session on the environment (sessions then do
// not create their own unless their options ask for per-session threads).
struct GlobalThreadPools {
  int intra_op_threads = 0;  // 0: ORT's default (one per physical core)
  int inter_op_threads = 0;
  bool allow_spinning = true;
  std::string intra_op_affinity;  // ORT's affinity string, e.g. "1;2"; empty: none
  bool denormal_as_zero = false;
  // Unset: ORT creates the threads. Set: every global pool thread is made by these hooks.
  ThreadHooks thread_hooks;
};

// The arena of an allocator shared through the environment (ORT's OrtArenaCfg). -1 or
// 0 (max_mem) keeps ORT's default.
enum class ArenaExtendStrategy : int { Default = -1, NextPowerOfTwo = 0, SameAsRequested = 1 };
struct ArenaConfig {
  std::size_t max_mem = 0;  // bytes the arena may hold; 0: no limit
  ArenaExtendStrategy extend_strategy = ArenaExtendStrategy::Default;
  std::int64_t initial_chunk_size_bytes = -1;         // the first block (NextPowerOfTwo)
  std::int64_t max_dead_bytes_per_chunk = -1;         // unused bytes past which a chunk is split
  std::int64_t initial_growth_chunk_size_bytes = -1;  // the second block (NextPowerOfTwo)
  std::int64_t max_power_of_two_extend_bytes = -1;    // NextPowerOfTwo grows by at most this (ORT: 1 GiB)
};

// Callbacks around each piece of work of per-session thread pools (ORT's
// OrtThreadPoolCallbacksConfig). on_enqueue runs on the submitting thread and returns
// a pointer handed to the matching on_start/on_stop (or on_abandon, for work dropped
// unrun). They run on ORT's threads, concurrently: thread-safe, never throwing.
struct ThreadPoolCallbacks {
  std::function<void*()> on_enqueue;
  std::function<void(void* enqueued)> on_start;
  std::function<void(void* enqueued)> on_stop;
  std::function<void(void* enqueued)> on_abandon;
};

struct EnvironmentOptions {
  LogLevel log_level = LogLevel::Warning;
  std::string log_id = "zrt";
  // Empty: lines go to stderr (print_log_line), except ORT's lines about a failed run,
  // whose error the caller gets thrown as zrt::Error. A callback gets every line.
  LogCallback log_callback;
  std::optional<GlobalThreadPools> global_thread_pools;
};

// Shared handle: copies refer to the same ORT environment, and every Session made
// from it keeps it alive, so destroying the Environment object first is safe.
// ORT allows one environment per process: a second one created while the first is
// alive shares the first's logging and thread pools.
class Environment {
 public:
  Environment();
  explicit Environment(EnvironmentOptions options);
  // Copy-only (moving copies the shared handle): a moved-from Environment is still the
  // same one, never empty, so there is nothing to misuse.
  Environment(const Environment&) = default;
  Environment& operator=(const Environment&) = default;

  // The environment that sessions made without one use (created on first use).
  static Environment default_environment();

  const EnvironmentOptions& options() const noexcept;
  // The (execution provider, device) pairs ORT offers (devices.hpp), built-in EPs and
  // those of registered libraries.
  std::vector<EpDevice> devices() const;
  // A plugin EP library (ORT's RegisterExecutionProviderLibrary): its devices then show
  // in devices(). Throws zrt::Error naming the library when it is missing or not one.
  void register_provider_library(const std::string& name, const std::filesystem::path& library);
  void unregister_provider_library(const std::string& name);
  // An allocator for `memory` that sessions opting in (SessionOptions::use_env_allocators)
  // share instead of each making its own: one arena for N sessions. `memory` names the
  // location and must be an arena type to get an arena (MemoryInfo::cpu(AllocatorType::Arena));
  // `provider` is the EP that makes it. Registering again for the same `memory` replaces
  // it for sessions made afterwards (ORT's environment is per process: so is this).
  void register_allocator(const MemoryInfo& memory, const ArenaConfig& arena = {},
                          const std::string& provider = "CPUExecutionProvider");
  void unregister_allocator(const MemoryInfo& memory);
  // Callbacks for the pools of sessions made after this call (ORT's
  // SetPerSessionThreadPoolCallbacks). ORT builds without
  // --enable_session_threadpool_callbacks (the released packages among them) refuse:
  // zrt::Error with code NotImplemented.
  void set_thread_pool_callbacks(ThreadPoolCallbacks callbacks);
  bool has_global_thread_pools() const noexcept { return options().global_thread_pools.has_value(); }
  OrtEnv* handle() const noexcept;

  struct State;
  const std::shared_ptr<State>& state() const noexcept { return state_; }

 private:
  std::shared_ptr<State> state_;
};

// The most threads zrt lets one ORT thread pool have (session options, global pools,
// options files, the CLI): by default 4 per hardware thread, at least 16. More threads
// only oversubscribe the cores, and ORT takes seconds per thousand threads to create
// them (and aborts far beyond). set_thread_limit raises or lowers it for the process
// (1 .. kMaxThreadLimit); larger counts are an error naming the option and the limit.
inline constexpr int kMaxThreadLimit = 65536;
int thread_limit() noexcept;
void set_thread_limit(int limit);
// Throws zrt::Error "`what`: N threads is more than the limit L ..." unless
// 0 <= threads <= thread_limit(); 0 means ORT's default.
void check_thread_count(int threads, std::string_view what);

// Writes one ORT log line to stderr, "zrt: ORT warning [category:log_id, file:line] message",
// as the default logger does; usable as a LogCallback that prints every line.
void print_log_line(LogLevel level, std::string_view category, std::string_view log_id, std::string_view code_location,
                    std::string_view message) noexcept;

// The ORT version string of the loaded library, e.g. "1.29.0".
std::string ort_version();
// The ORT C API version zrt was built against (ORT_API_VERSION).
int ort_api_version() noexcept;

}  // namespace zrt
