#include "zrt/environment.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <iterator>
#include <mutex>
#include <thread>

#include "ort/api.hpp"
#include "session/session_state.hpp"

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
