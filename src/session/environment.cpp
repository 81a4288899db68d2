#include "zrt/environment.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "ort/api.hpp"
#include "session/session_state.hpp"
#include "session/thread_hooks.hpp"
#include "zrt/memory.hpp"

namespace zrt {

namespace {

// ORT keeps one environment per process and keeps the first logger it was given, so
// the callback lives here, not in an Environment that may die before ORT's env does.
std::mutex g_log_mutex;
LogCallback g_log_callback;

// The line ORT's executors log when a node fails; the same text comes back as the run's
// failed status, which zrt throws (prefixed with the zrt call).
constexpr std::string_view kReturnedRunError = "Non-zero status code returned while running";

// Every environment logs through here: to the caller's callback when there is one,
// else to stderr, without the lines that only repeat an error the caller gets thrown.
void ORT_API_CALL log_trampoline(void*, OrtLoggingLevel severity, const char* category, const char* log_id,
                                 const char* code_location, const char* message) noexcept {
  const auto level = static_cast<LogLevel>(severity);
  const std::string_view text = message ? message : "";
  try {
    std::lock_guard lock(g_log_mutex);
    if (g_log_callback) {
      g_log_callback(level, category ? category : "", log_id ? log_id : "", code_location ? code_location : "", text);
      return;
    }
    if (level == LogLevel::Error && text.starts_with(kReturnedRunError)) return;
    print_log_line(level, category ? category : "", log_id ? log_id : "", code_location ? code_location : "", text);
  } catch (...) {
    // A logger must not unwind into ORT.
  }
}

// What ORT's process-wide environment calls for as long as it lives, which may be past
// the Environment that gave it (a later Environment shares ORT's): kept for the process.
template <typename T>
const T* keep_for_process(T value) {
  static std::mutex mutex;
  static auto* kept = new std::vector<std::shared_ptr<const void>>;  // never freed, on purpose
  auto owned = std::make_shared<const T>(std::move(value));
  std::lock_guard lock(mutex);
  kept->push_back(owned);
  return owned.get();
}

detail::ThreadingOptionsPtr make_threading_options(const GlobalThreadPools& pools) {
  const OrtApi& a = detail::api();
  check_thread_count(pools.intra_op_threads, "Environment: global intra_op_threads");
  check_thread_count(pools.inter_op_threads, "Environment: global inter_op_threads");
  OrtThreadingOptions* raw = nullptr;
  detail::check(a.CreateThreadingOptions(&raw), "Environment: thread pools");
  detail::ThreadingOptionsPtr options(raw);
  detail::check(a.SetGlobalIntraOpNumThreads(raw, pools.intra_op_threads), "Environment: intra_op_threads");
  detail::check(a.SetGlobalInterOpNumThreads(raw, pools.inter_op_threads), "Environment: inter_op_threads");
  detail::check(a.SetGlobalSpinControl(raw, pools.allow_spinning ? 1 : 0), "Environment: allow_spinning");
  if (!pools.intra_op_affinity.empty()) {
    detail::check(a.SetGlobalIntraOpThreadAffinity(raw, pools.intra_op_affinity.c_str()),
                  "Environment: intra_op_affinity");
  }
  if (pools.denormal_as_zero) detail::check(a.SetGlobalDenormalAsZero(raw), "Environment: denormal_as_zero");
  if (pools.thread_hooks.create || pools.thread_hooks.join) {
    detail::check_thread_hooks(pools.thread_hooks, "Environment: global_thread_pools");
    const ThreadHooks* hooks = keep_for_process(pools.thread_hooks);
    detail::check(a.SetGlobalCustomCreateThreadFn(raw, detail::create_hooked_thread), "Environment: thread_hooks");
    detail::check(a.SetGlobalCustomThreadCreationOptions(raw, const_cast<ThreadHooks*>(hooks)),
                  "Environment: thread_hooks");
    detail::check(a.SetGlobalCustomJoinThreadFn(raw, detail::join_hooked_thread), "Environment: thread_hooks");
  }
  return options;
}

}  // namespace

Environment::Environment() : Environment(EnvironmentOptions{}) {}

Environment::Environment(EnvironmentOptions options) : state_(std::make_shared<State>()) {
  const OrtApi& a = detail::api();
  state_->options = std::move(options);
  const EnvironmentOptions& o = state_->options;
  if (o.log_level < LogLevel::Verbose || o.log_level > LogLevel::Fatal) {
    throw Error("Environment: log_level " + std::to_string(static_cast<int>(o.log_level)) + " is not a LogLevel");
  }
  const auto level = static_cast<OrtLoggingLevel>(o.log_level);
  OrtEnv* env = nullptr;
  if (o.log_callback) {
    std::lock_guard lock(g_log_mutex);
    g_log_callback = o.log_callback;
  }
  if (o.global_thread_pools) {
    auto pools = make_threading_options(*o.global_thread_pools);
    detail::check(a.CreateEnvWithCustomLoggerAndGlobalThreadPools(log_trampoline, nullptr, level, o.log_id.c_str(),
                                                                  pools.get(), &env),
                  "Environment");
  } else {
    detail::check(a.CreateEnvWithCustomLogger(log_trampoline, nullptr, level, o.log_id.c_str(), &env), "Environment");
  }
  state_->env.reset(env);
}

Environment Environment::default_environment() {
  static const Environment env;
  return env;
}

const EnvironmentOptions& Environment::options() const noexcept { return state_->options; }

void Environment::register_allocator(const MemoryInfo& memory, const ArenaConfig& arena, const std::string& provider) {
  const OrtApi& a = detail::api();
  const std::string what = "Environment::register_allocator(" + memory.name() + ")";
  const char* keys[] = {"max_mem",
                        "arena_extend_strategy",
                        "initial_chunk_size_bytes",
                        "max_dead_bytes_per_chunk",
                        "initial_growth_chunk_size_bytes",
                        "max_power_of_two_extend_bytes"};
  // ORT reads each as size_t and takes its "default" (-1) as SIZE_MAX.
  const std::size_t values[] = {arena.max_mem,
                                static_cast<std::size_t>(static_cast<std::int64_t>(arena.extend_strategy)),
                                static_cast<std::size_t>(arena.initial_chunk_size_bytes),
                                static_cast<std::size_t>(arena.max_dead_bytes_per_chunk),
                                static_cast<std::size_t>(arena.initial_growth_chunk_size_bytes),
                                static_cast<std::size_t>(arena.max_power_of_two_extend_bytes)};
  OrtArenaCfg* raw = nullptr;
  detail::check(a.CreateArenaCfgV2(keys, values, std::size(keys), &raw), (what + ": arena").c_str());
  const std::unique_ptr<OrtArenaCfg, void (*)(OrtArenaCfg*)> config(raw, a.ReleaseArenaCfg);
  detail::check(a.CreateAndRegisterAllocatorV2(handle(), provider.c_str(), memory.handle(), raw, nullptr, nullptr, 0),
                what.c_str());
}

void Environment::unregister_allocator(const MemoryInfo& memory) {
  detail::check(detail::api().UnregisterAllocator(handle(), memory.handle()),
                ("Environment::unregister_allocator(" + memory.name() + ")").c_str());
}

namespace {

void* on_enqueue(void* callbacks) noexcept {
  try {
    const auto& c = *static_cast<const ThreadPoolCallbacks*>(callbacks);
    return c.on_enqueue ? c.on_enqueue() : nullptr;
  } catch (...) {
    return nullptr;
  }
}

template <std::function<void(void*)> ThreadPoolCallbacks::*member>
void on_work(void* callbacks, void* enqueued) noexcept {
  try {
    const auto& f = static_cast<const ThreadPoolCallbacks*>(callbacks)->*member;
    if (f) f(enqueued);
  } catch (...) {
    // documented: must not throw; dropped rather than unwinding into ORT
  }
}

}  // namespace

void Environment::set_thread_pool_callbacks(ThreadPoolCallbacks callbacks) {
  const ThreadPoolCallbacks* kept = keep_for_process(std::move(callbacks));
  OrtThreadPoolCallbacksConfig config{};
  config.version = ORT_API_VERSION;
  config.on_enqueue = on_enqueue;
  config.on_start_work = on_work<&ThreadPoolCallbacks::on_start>;
  config.on_stop_work = on_work<&ThreadPoolCallbacks::on_stop>;
  config.on_abandon = on_work<&ThreadPoolCallbacks::on_abandon>;
  config.user_context = const_cast<ThreadPoolCallbacks*>(kept);
  detail::check(detail::api().SetPerSessionThreadPoolCallbacks(handle(), &config),
                "Environment::set_thread_pool_callbacks");
}
OrtEnv* Environment::handle() const noexcept { return state_->env.get(); }

namespace {

int default_thread_limit() noexcept {
  const unsigned hardware = std::thread::hardware_concurrency();
  return static_cast<int>(std::max(16u, 4u * std::min(hardware, 1024u)));
}

std::atomic<int> g_thread_limit{default_thread_limit()};

}  // namespace

int thread_limit() noexcept { return g_thread_limit.load(std::memory_order_relaxed); }

void set_thread_limit(int limit) {
  if (limit < 1 || limit > kMaxThreadLimit) {
    throw Error("set_thread_limit: " + std::to_string(limit) + " is outside 1.." + std::to_string(kMaxThreadLimit));
  }
  g_thread_limit.store(limit, std::memory_order_relaxed);
}

void check_thread_count(int threads, std::string_view what) {
  if (threads < 0) {
    throw Error(std::string(what) + ": " + std::to_string(threads) + " threads; expected 0 (ORT's default) or more");
  }
  if (threads > thread_limit()) {
    throw Error(std::string(what) + ": " + std::to_string(threads) + " threads is more than zrt's limit of " +
                std::to_string(thread_limit()) +
                " (4 per hardware thread, at least 16); raise it with zrt::set_thread_limit if you mean it");
  }
}

namespace detail {

void ensure_environment() { static const Environment env = Environment::default_environment(); }

}  // namespace detail

void print_log_line(LogLevel level, std::string_view category, std::string_view log_id, std::string_view code_location,
                    std::string_view message) noexcept {
  static constexpr std::string_view kLevels[] = {"verbose", "info", "warning", "error", "fatal"};
  const auto index = static_cast<std::size_t>(level);
  const std::string_view name = index < std::size(kLevels) ? kLevels[index] : "log";
  // One write per line, so lines from ORT's threads do not interleave.
  try {
    std::string line = "zrt: ORT ";
    line.append(name).append(" [").append(category).append(":").append(log_id).append(", ");
    line.append(code_location).append("] ").append(message).append("\n");
    std::fwrite(line.data(), 1, line.size(), stderr);
  } catch (...) {
    // Out of memory: the line is lost, the caller is not.
  }
}

std::string ort_version() { return OrtGetApiBase()->GetVersionString(); }
int ort_api_version() noexcept { return ORT_API_VERSION; }

}  // namespace zrt
