// zrt/environment.hpp. ORT keeps one environment per process and its first logger:
// tests that set logging or global pools come first, and ctest runs each test in its
// own process. Tests that touch Environment::default_environment() (which lives for
// the process) come last.
#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "models/models.hpp"
#include "test_util.hpp"
#include "zrt/environment.hpp"
#include "zrt/memory.hpp"
#include "zrt/session.hpp"

namespace {

using zrt::Environment;
using zrt::EnvironmentOptions;
using zrt::ErrorCode;
using zrt::LogLevel;
using zrt::Session;
using zrt::TensorView;
using zrt::test::throws_error;

// Runs the add-constant model on one input and checks Y = X + C exactly.
void expect_add_constant_runs(const Session& session) {
  std::vector<float> x(16);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i) * 3.0f - 7.0f;
  zrt::Outputs out = session.run({TensorView<const float>(x, {1, 16})});
  ASSERT_EQ(out.size(), 1u);
  const auto y = out[0].data<float>();
  ASSERT_EQ(y.size(), 16u);
  for (std::size_t i = 0; i < 16; ++i) EXPECT_EQ(y[i], x[i] + zrt::test::add_constant_c(i)) << i;
}

struct LogRecord {
  LogLevel level;
  std::string category, log_id, location, message;
};

TEST(Environment, LogCallbackReceivesOrtMessages) {
  auto records = std::make_shared<std::vector<LogRecord>>();
  auto mutex = std::make_shared<std::mutex>();
  EnvironmentOptions options;
  options.log_level = LogLevel::Verbose;
  options.log_id = "zrt-log-test";
  options.log_callback = [records, mutex](LogLevel level, std::string_view category, std::string_view log_id,
                                          std::string_view location, std::string_view message) {
    std::lock_guard lock(*mutex);
    records->push_back(
        {level, std::string(category), std::string(log_id), std::string(location), std::string(message)});
  };
  {
    Environment env(options);
    EXPECT_EQ(env.options().log_level, LogLevel::Verbose);
    EXPECT_EQ(env.options().log_id, "zrt-log-test");
    const Session session = Session::from_bytes(env, zrt::test::add_constant());
    expect_add_constant_runs(session);
  }
  std::lock_guard lock(*mutex);
  ASSERT_FALSE(records->empty()) << "a verbose environment logged nothing while loading and running a model";
  bool any_message = false;
  for (const LogRecord& r : *records) {
    EXPECT_GE(static_cast<int>(r.level), static_cast<int>(LogLevel::Verbose));
    EXPECT_LE(static_cast<int>(r.level), static_cast<int>(LogLevel::Fatal));
    any_message = any_message || !r.message.empty();
  }
  EXPECT_TRUE(any_message);
}

// x [2,2] + a [n]: a run with n = 3 fails inside ORT's Add kernel.
zrt::test::Bytes broadcast_model() {
  return zrt::test::from_text(R"(<ir_version: 8, opset_import: ["" : 17]>
adds (float[2,2] x, float[n] a) => (float[2,n] y) {
  y = Add(x, a)
}
)");
}

// The default logger leaves out ORT's line about a failed run; a callback gets it.
TEST(Environment, LogCallbackSeesTheLinesOfAFailedRun) {
  auto messages = std::make_shared<std::vector<std::string>>();
  auto mutex = std::make_shared<std::mutex>();
  EnvironmentOptions options;
  options.log_level = LogLevel::Error;
  options.log_callback = [messages, mutex](LogLevel level, std::string_view, std::string_view, std::string_view,
                                           std::string_view message) {
    std::lock_guard lock(*mutex);
    if (level == LogLevel::Error) messages->emplace_back(message);
  };
  const Environment env(options);
  const Session session = Session::from_bytes(env, broadcast_model());
  const std::vector<float> x{1, 2, 3, 4}, a{1, 1, 1};
  ::testing::internal::CaptureStderr();
  EXPECT_TRUE(throws_error(
      [&] {
        (void)session.run({TensorView(x, {2, 2}), TensorView(a, {3})});
      },
      ErrorCode::Fail, {"Session::run: ", "Add node"}));
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");  // the callback replaces stderr
  std::lock_guard lock(*mutex);
  ASSERT_EQ(messages->size(), 1u);
  EXPECT_TRUE(messages->front().starts_with("Non-zero status code returned while running Add node"))
      << messages->front();
}

// What the default logger (and a callback that prints every line) writes.
TEST(Environment, PrintLogLine) {
  ::testing::internal::CaptureStderr();
  zrt::print_log_line(LogLevel::Warning, "onnxruntime", "zrt", "graph.cc:12 Resolve", "a warning");
  zrt::print_log_line(LogLevel::Error, "onnxruntime", "", "x.cc:1 f", "an error");
  EXPECT_EQ(::testing::internal::GetCapturedStderr(),
            "zrt: ORT warning [onnxruntime:zrt, graph.cc:12 Resolve] a warning\n"
            "zrt: ORT error [onnxruntime:, x.cc:1 f] an error\n");
}

TEST(Environment, GlobalThreadPools) {
  EnvironmentOptions options;
  zrt::GlobalThreadPools pools;
  pools.intra_op_threads = 2;
  pools.inter_op_threads = 1;
  options.global_thread_pools = pools;
  Environment env(options);
  EXPECT_TRUE(env.has_global_thread_pools());
  // Sessions on it use the global pools unless asked otherwise.
  const Session shared = Session::from_bytes(env, zrt::test::add_constant());
  expect_add_constant_runs(shared);
  const Session explicit_shared =
      Session::from_bytes(env, zrt::test::add_constant(), zrt::SessionOptions{}.per_session_threads(false));
  expect_add_constant_runs(explicit_shared);
  const Session own = Session::from_bytes(env, zrt::test::add_constant(),
                                          zrt::SessionOptions{}.intra_op_threads(1).per_session_threads(true));
  expect_add_constant_runs(own);
}

TEST(Environment, PerSessionThreadsOffNeedsGlobalPools) {
  Environment env;
  EXPECT_FALSE(env.has_global_thread_pools());
  EXPECT_TRUE(throws_error(
      [&] {
        (void)Session::from_bytes(env, zrt::test::add_constant(), zrt::SessionOptions{}.per_session_threads(false));
      },
      ErrorCode::InvalidArgument, {"per_session_threads", "global_thread_pools"}));
}

TEST(Environment, DefaultOptions) {
  Environment env;
  EXPECT_NE(env.handle(), nullptr);
  EXPECT_EQ(env.options().log_level, LogLevel::Warning);
  EXPECT_EQ(env.options().log_id, "zrt");
  EXPECT_FALSE(env.options().log_callback);
  EXPECT_FALSE(env.has_global_thread_pools());
}

TEST(Environment, CopiesShareOneOrtEnvironment) {
  Environment a;
  Environment b = a;  // NOLINT(performance-unnecessary-copy-initialization)
  EXPECT_EQ(a.handle(), b.handle());
  EXPECT_EQ(a.state(), b.state());
  Environment c;
  c = a;
  EXPECT_EQ(c.handle(), a.handle());
}

TEST(Environment, RejectsAnInvalidLogLevel) {
  EnvironmentOptions options;
  options.log_level = static_cast<LogLevel>(9);
  EXPECT_TRUE(throws_error([&] { Environment env(options); }, ErrorCode::InvalidArgument, {"log_level", "9"}));
}

// The headline lifetime guarantee: a Session keeps its environment alive.
TEST(Environment, DestroyedBeforeItsSession) {
  std::optional<Session> session;
  {
    Environment env;
    session.emplace(Session::from_bytes(env, zrt::test::add_constant()));
  }  // the Environment object dies here
  EXPECT_NE(session->environment().handle(), nullptr);
  expect_add_constant_runs(*session);
  expect_add_constant_runs(*session);
}

TEST(Environment, DestroyedBeforeAFileSessionAndItsCopies) {
  zrt::test::TempDir dir;
  const auto path = dir.write("add.onnx", zrt::test::add_constant());
  std::optional<Session> copy;
  {
    Environment env;
    Session original(env, path);
    copy.emplace(original);
  }  // the Environment and the original Session die here
  expect_add_constant_runs(*copy);
  // A session made later on a fresh environment works alongside it.
  Environment fresh;
  const Session other(fresh, path);
  expect_add_constant_runs(other);
  expect_add_constant_runs(*copy);
}

TEST(Environment, ManySessionsOutliveTheirEnvironment) {
  std::vector<Session> sessions;
  {
    Environment env;
    for (int i = 0; i < 4; ++i) sessions.push_back(Session::from_bytes(env, zrt::test::add_constant()));
  }
  while (!sessions.empty()) {
    expect_add_constant_runs(sessions.back());
    sessions.pop_back();
  }
}

// One arena for every session that opts in: its configuration shows in each session's
// allocator statistics, and what one session's runs allocate shows in the other's.
TEST(Environment, SharedArenaAllocator) {
  Environment env;
  const zrt::MemoryInfo arena_memory = zrt::MemoryInfo::cpu(zrt::AllocatorType::Arena);
  zrt::ArenaConfig arena;
  arena.max_mem = std::size_t{48} << 20;
  arena.extend_strategy = zrt::ArenaExtendStrategy::SameAsRequested;
  env.register_allocator(arena_memory, arena);
  const zrt::SessionOptions shared = zrt::SessionOptions{}.use_env_allocators(true).intra_op_threads(1);
  const Session a = Session::from_bytes(env, zrt::test::mlp(), shared);
  const Session b = Session::from_bytes(env, zrt::test::mlp(), shared);
  const Session own = Session::from_bytes(env, zrt::test::mlp(), zrt::SessionOptions{}.intra_op_threads(1));
  const std::vector<float> x = zrt::test::mlp_input(8, 2);
  const std::vector<float> reference = zrt::test::mlp_reference(x, 8);
  const zrt::Allocator from_a(a, arena_memory);
  const zrt::Allocator from_b(b, arena_memory);
  const zrt::Allocator from_own(own, arena_memory);
  EXPECT_EQ(from_a.stats().limit, static_cast<std::int64_t>(arena.max_mem));
  EXPECT_NE(from_own.stats().limit, static_cast<std::int64_t>(arena.max_mem));
  auto run = [&](const Session& s) {
    const zrt::Outputs out = s.run({TensorView<const float>(x, {8, 784})});
    EXPECT_EQ(zrt::test::to_vector(out[0].data<float>()), reference);
  };
  // A run of a allocates from b's allocator too (one arena), not from own's.
  const std::int64_t b_before = from_b.stats().num_allocs;
  const std::int64_t own_before = from_own.stats().num_allocs;
  run(a);
  EXPECT_GT(from_b.stats().num_allocs, b_before);
  EXPECT_EQ(from_own.stats().num_allocs, own_before);
  run(b);
  run(own);
  EXPECT_GT(from_own.stats().num_allocs, own_before);
  // Registering again replaces it for sessions made afterwards (ORT 1.29 does not refuse,
  // whatever its header says); sessions made before keep theirs.
  arena.max_mem = std::size_t{40} << 20;
  env.register_allocator(arena_memory, arena);
  const Session c = Session::from_bytes(env, zrt::test::mlp(), shared);
  EXPECT_EQ(zrt::Allocator(c, arena_memory).stats().limit, static_cast<std::int64_t>(arena.max_mem));
  EXPECT_EQ(from_a.stats().limit, std::int64_t{48} << 20);
  // Unregistered: new sessions that ask for shared allocators make their own.
  env.unregister_allocator(arena_memory);
  const Session d = Session::from_bytes(env, zrt::test::mlp(), shared);
  EXPECT_EQ(zrt::Allocator(d, arena_memory).stats().limit, from_own.stats().limit);
}

TEST(Version, OrtVersionMatchesApiVersion) {
  const std::string version = zrt::ort_version();
  const std::string prefix = "1." + std::to_string(zrt::ort_api_version()) + ".";
  EXPECT_EQ(version.rfind(prefix, 0), 0u) << "ORT " << version << " with C API version " << zrt::ort_api_version();
  EXPECT_GE(zrt::ort_api_version(), 23);
}

// ---- default environment (lives for the process: keep these last) -------------------

TEST(Environment, DefaultEnvironmentIsShared) {
  const Environment a = Environment::default_environment();
  const Environment b = Environment::default_environment();
  EXPECT_NE(a.handle(), nullptr);
  EXPECT_EQ(a.handle(), b.handle());
  const Session session = Session::from_bytes(zrt::test::add_constant());
  EXPECT_EQ(session.environment().handle(), a.handle());
  expect_add_constant_runs(session);
}

// Thread counts past the limit are errors naming the option and the limit (ORT took
// seconds per thousand threads to create them, and aborted at 100,000).
TEST(Environment, ThreadCountsAreBounded) {
  EXPECT_GE(zrt::thread_limit(), 16);
  const int over = zrt::thread_limit() + 1;
  EXPECT_TRUE(throws_error(
      [&] { (void)Session::from_bytes(zrt::test::add_constant(), zrt::SessionOptions{}.intra_op_threads(over)); },
      ErrorCode::InvalidArgument, {"SessionOptions: intra_op_threads", std::to_string(over), "zrt::set_thread_limit"}));
  EXPECT_TRUE(throws_error(
      [&] { (void)Session::from_bytes(zrt::test::add_constant(), zrt::SessionOptions{}.inter_op_threads(100000)); },
      ErrorCode::InvalidArgument, {"SessionOptions: inter_op_threads: 100000 threads"}));
  EXPECT_TRUE(throws_error(
      [] { (void)Session::from_bytes(zrt::test::add_constant(), zrt::SessionOptions{}.intra_op_threads(-1)); },
      ErrorCode::InvalidArgument, {"intra_op_threads: -1 threads"}));
  EnvironmentOptions options;
  options.global_thread_pools = zrt::GlobalThreadPools{};
  options.global_thread_pools->intra_op_threads = 100000;
  EXPECT_TRUE(throws_error([&] { Environment env(options); }, ErrorCode::InvalidArgument,
                           {"Environment: global intra_op_threads: 100000 threads"}));
  EXPECT_TRUE(throws_error([] { zrt::set_thread_limit(0); }, ErrorCode::InvalidArgument, {"outside 1..65536"}));
  EXPECT_TRUE(throws_error([] { zrt::set_thread_limit(zrt::kMaxThreadLimit + 1); }, ErrorCode::InvalidArgument, {}));
  // An explicit override raises the limit.
  zrt::set_thread_limit(over);
  const Session session = Session::from_bytes(zrt::test::add_constant(), zrt::SessionOptions{}.intra_op_threads(over));
  EXPECT_EQ(session.input_count(), 1u);
}

}  // namespace
