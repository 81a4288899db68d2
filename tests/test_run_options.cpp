// zrt/run_options.hpp: tags, log levels, config entries, terminate().
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "models/models.hpp"
#include "test_util.hpp"
#include "zrt/run_options.hpp"
#include "zrt/session.hpp"

namespace {

using zrt::ErrorCode;
using zrt::Outputs;
using zrt::RunOptions;
using zrt::Session;
using zrt::SessionOptions;
using zrt::TensorView;
using zrt::test::throws_error;

constexpr int kSize = 256;

std::vector<float> square_input() {
  std::vector<float> x(static_cast<std::size_t>(kSize) * kSize);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 97) * 0.25f - 12.0f;
  return x;
}

std::vector<float> add_input() {
  std::vector<float> x(16);
  for (std::size_t i = 0; i < 16; ++i) x[i] = static_cast<float>(i) - 4.5f;
  return x;
}

void expect_add_output(const Outputs& out, const std::vector<float>& x) {
  const auto y = out[0].data<float>();
  ASSERT_EQ(y.size(), 16u);
  for (std::size_t i = 0; i < 16; ++i) EXPECT_EQ(y[i], x[i] + zrt::test::add_constant_c(i)) << i;
}

TEST(RunOptions, TagAndSettings) {
  RunOptions options;
  EXPECT_NE(options.handle(), nullptr);
  EXPECT_EQ(options.tag(), "");
  options.tag("first")
      .log_level(zrt::LogLevel::Error)
      .log_verbosity(0)
      .config("memory.enable_memory_arena_shrinkage", "cpu:0");
  EXPECT_EQ(options.tag(), "first");
  options.tag("second");
  EXPECT_EQ(options.tag(), "second");

  const Session session = Session::from_bytes(zrt::test::add_constant());
  const auto x = add_input();
  Outputs out = session.make_outputs();
  session.run_with(options, {TensorView<const float>(x, {1, 16})}, out);
  expect_add_output(out, x);
  expect_add_output(session.run_with(options, {TensorView<const float>(x, {1, 16})}), x);
}

TEST(RunOptions, Move) {
  RunOptions a;
  a.tag("moved");
  OrtRunOptions* handle = a.handle();
  RunOptions b = std::move(a);
  EXPECT_EQ(b.handle(), handle);
  EXPECT_EQ(b.tag(), "moved");
  RunOptions c;
  c = std::move(b);
  EXPECT_EQ(c.handle(), handle);
  EXPECT_EQ(c.tag(), "moved");
}

TEST(RunOptions, TerminateBeforeRunThenClear) {
  const Session session = Session::from_bytes(zrt::test::add_constant());
  const auto x = add_input();
  RunOptions options;
  options.terminate();
  Outputs out = session.make_outputs();
  EXPECT_TRUE(throws_error(
      [&] {
        session.run_with(options, {TensorView<const float>(x, {1, 16})}, out);
      },
      ErrorCode::Fail, {"terminate"}));
  // Sticky: still terminated.
  EXPECT_TRUE(throws_error(
      [&] {
        (void)session.run_with(options, {TensorView<const float>(x, {1, 16})});
      },
      ErrorCode::Fail, {"terminate"}));
  // Other runs on the same session are not affected.
  expect_add_output(session.run({TensorView<const float>(x, {1, 16})}), x);
  options.clear_terminate();
  session.run_with(options, {TensorView<const float>(x, {1, 16})}, out);
  expect_add_output(out, x);
}

TEST(RunOptions, TerminateFromAnotherThreadDuringALongRun) {
  const Session session =
      Session::from_bytes(zrt::test::long_running(1000, kSize), SessionOptions{}.intra_op_threads(1));
  const auto x = square_input();
  RunOptions options;
  Outputs out = session.make_outputs();

  // The other thread keeps calling terminate() until the run has returned, so the run
  // fails whether the flag lands before it starts or while it is running.
  std::atomic<bool> started{false};
  std::atomic<bool> finished{false};
  std::atomic<int> calls{0};
  std::thread stopper([&] {
    while (!started.load()) std::this_thread::yield();
    while (!finished.load()) {
      options.terminate();
      ++calls;
      std::this_thread::yield();
    }
  });
  started = true;
  const auto result = throws_error(
      [&] {
        session.run_with(options, {TensorView<const float>(x, {kSize, kSize})}, out);
      },
      ErrorCode::Fail, {"terminate"});
  finished = true;
  stopper.join();
  EXPECT_TRUE(result);
  EXPECT_GE(calls.load(), 1);

  // Cleared, the same options and the same Outputs give the full, exact result.
  options.clear_terminate();
  session.run_with(options, {TensorView<const float>(x, {kSize, kSize})}, out);
  ASSERT_EQ(out[0].shape(), (zrt::Shape{kSize, kSize}));
  EXPECT_TRUE(zrt::test::same_bytes(out[0].data<float>(), std::span<const float>(x)));
}

TEST(RunOptions, TerminateStopsEveryRunSharingTheOptions) {
  const Session session =
      Session::from_bytes(zrt::test::long_running(100, kSize), SessionOptions{}.intra_op_threads(1));
  const auto x = square_input();
  RunOptions options;
  options.terminate();
  std::atomic<int> terminated{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      Outputs out = session.make_outputs();
      try {
        session.run_with(options, {TensorView<const float>(x, {kSize, kSize})}, out);
      } catch (const zrt::Error& e) {
        if (e.code() == ErrorCode::Fail) ++terminated;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(terminated.load(), 3);
}

}  // namespace
