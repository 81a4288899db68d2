// zrt/async.hpp: run_async as a future, a callback and a coroutine awaitable; what the
// run owns (temporaries die right after the call), cancellation, the 1-thread error,
// input checks, and sessions whose last handle is the run's own.
#include "zrt/async.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <coroutine>
#include <cstring>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "models/models.hpp"
#include "test_util.hpp"
#include "zrt/session.hpp"

namespace {

using zrt::ErrorCode;
using zrt::Input;
using zrt::Outputs;
using zrt::RunOptions;
using zrt::Session;
using zrt::SessionOptions;
using zrt::TensorView;
using zrt::test::throws_error;

// RunAsync needs a worker thread in the session's intra-op pool.
SessionOptions async_options() { return SessionOptions{}.intra_op_threads(2); }

Session add_session() { return Session::from_bytes(zrt::test::add_constant(), async_options()); }

std::vector<float> add_input(float offset = 0.0f) {
  std::vector<float> x(16);
  for (std::size_t i = 0; i < 16; ++i) x[i] = static_cast<float>(i) - 4.5f + offset;
  return x;
}

void expect_add_output(const Outputs& out, const std::vector<float>& x) {
  ASSERT_EQ(out.size(), 1u);
  ASSERT_FALSE(out[0].empty());
  const auto y = out[0].data<float>();
  ASSERT_EQ(y.size(), 16u);
  for (std::size_t i = 0; i < 16; ++i) EXPECT_EQ(y[i], x[i] + zrt::test::add_constant_c(i)) << i;
}

// Waits for one callback result.
struct CallbackResult {
  std::mutex mutex;
  std::condition_variable cv;
  bool done = false;
  Outputs outputs;
  std::exception_ptr error;
  std::thread::id thread;

  auto callback() {
    return [this](Outputs&& out, std::exception_ptr e) {
      std::lock_guard lock(mutex);
      outputs = std::move(out);
      error = std::move(e);
      thread = std::this_thread::get_id();
      done = true;
      cv.notify_all();
    };
  }
  bool wait(std::chrono::seconds limit = std::chrono::seconds(60)) {
    std::unique_lock lock(mutex);
    return cv.wait_for(lock, limit, [&] { return done; });
  }
};

// A minimal eager coroutine task: runs at once; `finished` completes when it ends.
struct Task {
  struct promise_type {
    std::promise<void> done;
    Task get_return_object() { return Task{done.get_future()}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() { done.set_value(); }
    void unhandled_exception() { done.set_exception(std::current_exception()); }
  };
  std::future<void> finished;
};

// Overwrites a stretch of stack, so that anything a finished call left there is garbage.
__attribute__((noinline)) void scribble_stack() {
  volatile unsigned char junk[16384];
  for (std::size_t i = 0; i < sizeof(junk); ++i) junk[i] = 0xA5;
}

// ---- (a) future --------------------------------------------------------------------

TEST(Async, FutureGivesTheOutputs) {
  const Session session = add_session();
  const auto x = add_input();
  std::future<Outputs> future = zrt::run_async(session, {TensorView<const float>(x, {1, 16})});
  const Outputs out = future.get();
  expect_add_output(out, x);
  EXPECT_EQ(out.at("Y").shape(), (zrt::Shape{1, 16}));
}

// Everything but the input memory may die right after the call: the TensorView (and its
// Shape), the Input list, the RunOptions handle the caller passed, the caller's Session.
std::future<Outputs> start_with_temporaries(const std::vector<float>& x) {
  const Session session = add_session();
  auto options = std::make_shared<RunOptions>();
  options->tag("temporary").log_level(zrt::LogLevel::Error);
  return zrt::run_async(session, {TensorView<const float>(x.data(), 16, zrt::Shape{1, 16})}, std::move(options));
}

TEST(Async, TemporariesMayDieRightAfterTheCall) {
  const auto x = add_input(3.0f);
  std::vector<std::future<Outputs>> futures;
  for (int i = 0; i < 8; ++i) {
    futures.push_back(start_with_temporaries(x));
    scribble_stack();
  }
  for (auto& f : futures) expect_add_output(f.get(), x);
}

TEST(Async, ValueAndNamedInputs) {
  const Session session = add_session();
  const auto x = add_input(1.0f);
  const zrt::Value value = zrt::Value::tensor_copy<float>(x, {1, 16});
  expect_add_output(zrt::run_async(session, {value}).get(), x);
  expect_add_output(zrt::run_async(session, {Input("X", TensorView<const float>(x, {1, 16}))}).get(), x);
}

TEST(Async, MultipleInputsAndOutputsOfMixedTypes) {
  const Session session = Session::from_bytes(zrt::test::multi_io(), async_options());
  const std::vector<float> a{-1.5f, 0.0f, 2.25f, 3.0f, -0.5f, 8.0f};
  const std::vector<std::int64_t> b{1, -2, 3, 4000000000LL, 0, -7};
  const std::vector<double> d{0.1, -0.2, 1e300};
  const Outputs out = zrt::run_async(session, {Input("d", TensorView<const double>(d, {3})),
                                               Input("a", TensorView<const float>(a, {2, 3})),
                                               Input("b", TensorView<const std::int64_t>(b, {2, 3}))})
                          .get();
  EXPECT_EQ(zrt::test::to_vector(out.at("sum").data<float>()),
            (std::vector<float>{-0.5f, -2.0f, 5.25f, 4000000000.0f, -0.5f, 1.0f}));
  EXPECT_EQ(zrt::test::to_vector(out.at("twice").data<std::int64_t>()),
            (std::vector<std::int64_t>{2, -4, 6, 8000000000LL, 0, -14}));
  EXPECT_EQ(zrt::test::to_vector(out.at("d_neg").data<double>()), (std::vector<double>{-0.1, 0.2, -1e300}));
}

TEST(Async, ManyRunsInFlightOnOneSession) {
  const Session session = Session::from_bytes(zrt::test::mlp(), async_options());
  constexpr std::size_t kRuns = 24;
  std::vector<std::vector<float>> inputs;
  for (std::size_t r = 0; r < kRuns; ++r) inputs.push_back(zrt::test::mlp_input(2, r));
  std::vector<std::future<Outputs>> futures;
  for (std::size_t r = 0; r < kRuns; ++r) {
    futures.push_back(zrt::run_async(session, {TensorView<const float>(inputs[r], {2, 784})}));
  }
  for (std::size_t r = 0; r < kRuns; ++r) {
    const Outputs out = futures[r].get();
    EXPECT_EQ(zrt::test::to_vector(out[0].data<float>()), zrt::test::mlp_reference(inputs[r], 2)) << r;
  }
}

TEST(Async, OutputsFromAnAsyncRunCanBeReusedBySessionRun) {
  const Session session = add_session();
  const auto x = add_input();
  Outputs out = zrt::run_async(session, {TensorView<const float>(x, {1, 16})}).get();
  const auto x2 = add_input(7.0f);
  session.run({TensorView<const float>(x2, {1, 16})}, out);
  expect_add_output(out, x2);
}

// The run's own handle keeps the session alive; the last release happens off ORT's threads.
TEST(Async, TheRunKeepsATemporarySessionAlive) {
  const auto x = add_input(2.0f);
  auto future = zrt::run_async(Session::from_bytes(zrt::test::add_constant(), async_options()),
                               {TensorView<const float>(x, {1, 16})});
  expect_add_output(future.get(), x);
}

// ---- (b) callback ------------------------------------------------------------------

TEST(Async, CallbackGetsTheOutputsOnAnOrtThread) {
  const Session session = add_session();
  const auto x = add_input(-1.0f);
  CallbackResult result;
  zrt::run_async(session, {TensorView<const float>(x, {1, 16})}, result.callback());
  ASSERT_TRUE(result.wait());
  EXPECT_FALSE(result.error);
  expect_add_output(result.outputs, x);
  EXPECT_NE(result.thread, std::this_thread::get_id());
}

TEST(Async, CallbackGetsTheRunError) {
  const Session session = add_session();
  const auto x = add_input();
  auto options = std::make_shared<RunOptions>();
  options->terminate();
  CallbackResult result;
  zrt::run_async(session, {TensorView<const float>(x, {1, 16})}, options, result.callback());
  ASSERT_TRUE(result.wait());
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.outputs.size(), 0u);
  EXPECT_TRUE(throws_error([&] { std::rethrow_exception(result.error); }, ErrorCode::Fail, {"run_async", "terminate"}));
}

// A callback that holds the only handle to its session: the session must not be
// destroyed on ORT's own thread (ORT would join the thread it runs on).
TEST(Async, CallbackHoldingTheLastSessionHandle) {
  const auto x = add_input(5.0f);
  std::promise<std::vector<float>> got;
  {
    Session session = add_session();
    auto keep = std::make_shared<Session>(session);
    zrt::run_async(session, {TensorView<const float>(x, {1, 16})},
                   [keep, &got](Outputs&& out, std::exception_ptr error) mutable {
                     if (error) {
                       got.set_exception(error);
                     } else {
                       const auto y = out[0].data<float>();
                       got.set_value(std::vector<float>(y.begin(), y.end()));
                     }
                   });
  }
  const auto y = got.get_future().get();
  ASSERT_EQ(y.size(), 16u);
  for (std::size_t i = 0; i < 16; ++i) EXPECT_EQ(y[i], x[i] + zrt::test::add_constant_c(i));
}

// ---- (c) coroutine -----------------------------------------------------------------

Task add_twice(const Session& session, const std::vector<float>& x, std::vector<float>& y,
               std::thread::id& resumed_on) {
  // GCC 12 rejects a braced input list inside the co_await expression ("array used as
  // initializer"), so the awaitable is made in a statement of its own.
  auto run = zrt::run_async_awaitable(session, {TensorView<const float>(x, {1, 16})});
  Outputs first = co_await run;
  resumed_on = std::this_thread::get_id();
  // Feed the first result back in: y = x + 2c.
  const auto mid = first[0].data<float>();
  std::vector<float> m(mid.begin(), mid.end());
  auto again = zrt::run_async_awaitable(session, {TensorView<const float>(m, {1, 16})});
  Outputs second = co_await again;
  const auto out = second[0].data<float>();
  y.assign(out.begin(), out.end());
}

TEST(Async, CoroutineResumesWithTheOutputs) {
  const Session session = add_session();
  const auto x = add_input();
  std::vector<float> y;
  std::thread::id resumed_on;
  Task task = add_twice(session, x, y, resumed_on);
  task.finished.get();
  ASSERT_EQ(y.size(), 16u);
  for (std::size_t i = 0; i < 16; ++i) EXPECT_EQ(y[i], x[i] + 2 * zrt::test::add_constant_c(i));
  EXPECT_NE(resumed_on, std::this_thread::get_id());
}

Task await_and_catch(const Session& session, std::shared_ptr<RunOptions> options, std::string& message,
                     ErrorCode& code) {
  const auto x = add_input();
  try {
    auto run = zrt::run_async_awaitable(session, {TensorView<const float>(x, {1, 16})}, std::move(options));
    (void)co_await run;
    message = "no error";
  } catch (const zrt::Error& e) {
    message = e.what();
    code = e.code();
  }
}

TEST(Async, CoAwaitThrowsTheRunError) {
  const Session session = add_session();
  auto options = std::make_shared<RunOptions>();
  options->terminate();
  std::string message;
  ErrorCode code = ErrorCode::Ok;
  await_and_catch(session, options, message, code).finished.get();
  EXPECT_EQ(code, ErrorCode::Fail);
  EXPECT_NE(message.find("terminate"), std::string::npos) << message;
}

Task await_twice(const Session& session, const std::vector<float>& x, std::string& message) {
  auto awaitable = zrt::run_async_awaitable(session, {TensorView<const float>(x, {1, 16})});
  (void)co_await awaitable;
  try {
    (void)co_await awaitable;
    message = "no error";
  } catch (const zrt::Error& e) {
    message = e.what();
  }
}

TEST(Async, AnAwaitableRunsOnce) {
  const Session session = add_session();
  const auto x = add_input();
  std::string message;
  await_twice(session, x, message).finished.get();
  EXPECT_NE(message.find("already awaited"), std::string::npos) << message;
}

TEST(Async, AnAwaitableNeverAwaitedRunsNothing) {
  const Session session = add_session();
  const auto x = add_input();
  { auto awaitable = zrt::run_async_awaitable(session, {TensorView<const float>(x, {1, 16})}); }
  expect_add_output(zrt::run_async(session, {TensorView<const float>(x, {1, 16})}).get(), x);
}

// ---- cancellation ------------------------------------------------------------------

TEST(Async, TerminateCancelsARunningRunAndTheNextRunSucceeds) {
  constexpr int kSize = 128;
  const Session session = Session::from_bytes(zrt::test::long_running(400, kSize), async_options());
  std::vector<float> x(static_cast<std::size_t>(kSize) * kSize);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 89) * 0.5f - 20.0f;
  auto options = std::make_shared<RunOptions>();
  auto future = zrt::run_async(session, {TensorView<const float>(x, {kSize, kSize})}, options);
  options->terminate();  // from this thread, while ORT's thread runs (or before it starts)
  EXPECT_TRUE(throws_error([&] { (void)future.get(); }, ErrorCode::Fail, {"run_async", "terminate"}));

  options->clear_terminate();
  const Outputs out = zrt::run_async(session, {TensorView<const float>(x, {kSize, kSize})}, options).get();
  EXPECT_TRUE(zrt::test::same_bytes(out[0].data<float>(), std::span<const float>(x)));
}

TEST(Async, TerminateCancelsEveryRunSharingTheOptions) {
  constexpr int kSize = 128;
  const Session session = Session::from_bytes(zrt::test::long_running(400, kSize), async_options());
  std::vector<float> x(static_cast<std::size_t>(kSize) * kSize, 1.0f);
  auto options = std::make_shared<RunOptions>();
  std::vector<std::future<Outputs>> futures;
  for (int i = 0; i < 4; ++i) {
    futures.push_back(zrt::run_async(session, {TensorView<const float>(x, {kSize, kSize})}, options));
  }
  options->terminate();
  for (auto& f : futures) EXPECT_TRUE(throws_error([&] { (void)f.get(); }, ErrorCode::Fail, {"terminate"}));
}

// ---- the one-thread error and input checks -----------------------------------------

TEST(Async, OneIntraOpThreadIsAClearError) {
  const Session session = Session::from_bytes(zrt::test::add_constant(), SessionOptions{}.intra_op_threads(1));
  const auto x = add_input();
  const auto expect_clear = [](auto&& f) {
    EXPECT_TRUE(throws_error(f, ErrorCode::InvalidArgument, {"run_async", "intra_op_threads(1)", ">= 2"}));
  };
  expect_clear([&] { (void)zrt::run_async(session, {TensorView<const float>(x, {1, 16})}); });
  bool called = false;
  expect_clear([&] {
    zrt::run_async(session, {TensorView<const float>(x, {1, 16})},
                   [&](Outputs&&, std::exception_ptr) { called = true; });
  });
  EXPECT_FALSE(called);
  // co_await: the awaitable cannot start the run, so the coroutine resumes at once and throws.
  std::string message;
  ErrorCode code = ErrorCode::Ok;
  await_and_catch(session, nullptr, message, code).finished.get();
  EXPECT_EQ(code, ErrorCode::InvalidArgument);
  EXPECT_NE(message.find("intra_op_threads(1)"), std::string::npos) << message;
  // Synchronous runs on the same session are fine.
  expect_add_output(session.run({TensorView<const float>(x, {1, 16})}), x);
}

TEST(Async, BadInputsAreRejectedBeforeAnythingRuns) {
  const Session session = add_session();
  const auto x = add_input();
  const std::vector<double> xd(16, 1.0);
  const std::vector<float> x8(8, 1.0f);
  bool called = false;
  auto never = [&](Outputs&&, std::exception_ptr) { called = true; };
  EXPECT_TRUE(throws_error(
      [&] {
        zrt::run_async(session, {TensorView<const float>(x8, {1, 8})}, never);
      },
      ErrorCode::InvalidArgument, {"run_async:", "'X'", "dim 1 must be 16, got 8"}));
  EXPECT_TRUE(throws_error(
      [&] {
        zrt::run_async(session, {TensorView<const double>(xd, {1, 16})}, never);
      },
      ErrorCode::InvalidArgument, {"run_async:", "'X'", "float", "double"}));
  EXPECT_TRUE(throws_error([&] { (void)zrt::run_async(session, std::span<const Input>{}); }, ErrorCode::InvalidArgument,
                           {"run_async:", "expected 1 inputs", "got 0"}));
  EXPECT_TRUE(throws_error(
      [&] {
        (void)zrt::run_async(session, {Input("nope", TensorView<const float>(x, {1, 16}))});
      },
      ErrorCode::InvalidArgument, {"run_async:", "no input named 'nope'", "'X'"}));
  EXPECT_TRUE(throws_error([&] { (void)zrt::run_async(session, {zrt::Value()}); }, ErrorCode::InvalidArgument,
                           {"run_async:", "empty Value"}));
  EXPECT_TRUE(throws_error(
      [&] {
        (void)zrt::run_async_awaitable(session, {TensorView<const float>(x8, {1, 8})});
      },
      ErrorCode::InvalidArgument, {"run_async:", "dim 1 must be 16, got 8"}));
  EXPECT_FALSE(called);
  // The session is untouched.
  expect_add_output(zrt::run_async(session, {TensorView<const float>(x, {1, 16})}).get(), x);
}

TEST(Async, MovedFromRunOptionsAreRejected) {
  const Session session = add_session();
  const auto x = add_input();
  auto options = std::make_shared<RunOptions>();
  RunOptions taken = std::move(*options);
  EXPECT_TRUE(throws_error(
      [&] {
        (void)zrt::run_async(session, {TensorView<const float>(x, {1, 16})}, options);
      },
      ErrorCode::InvalidArgument, {"run_async", "RunOptions", "moved from"}));
}

}  // namespace
