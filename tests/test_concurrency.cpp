// Concurrency: many threads on one session through every run path (Session::run,
// IoBinding, lanes, runtimes, run_async), outputs exact. Labelled `concurrency` in
// ctest; `make test-tsan` runs these under ThreadSanitizer.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <future>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "models/models.hpp"
#include "test_util.hpp"
#include "zrt/async.hpp"
#include "zrt/io_binding.hpp"
#include "zrt/lane.hpp"
#include "zrt/runtime.hpp"
#include "zrt/session.hpp"

namespace {

using zrt::Lane;
using zrt::LaneOptions;
using zrt::Outputs;
using zrt::Runtime;
using zrt::Session;
using zrt::SessionOptions;
using zrt::Shape;
using zrt::TensorView;

constexpr std::size_t kThreads = 4;
constexpr std::size_t kRounds = 30;
constexpr std::int64_t kBatch = 2;

SessionOptions one_thread() { return SessionOptions{}.intra_op_threads(1); }
// run_async needs a worker in the session's intra-op pool.
SessionOptions two_threads() { return SessionOptions{}.intra_op_threads(2); }

std::vector<float> input_for(std::size_t thread, std::size_t round) {
  return zrt::test::mlp_input(kBatch, 1000 * thread + round);
}

bool exact(std::span<const float> got, const std::vector<float>& x) {
  const std::vector<float> expected = zrt::test::mlp_reference(x, kBatch);
  return std::equal(got.begin(), got.end(), expected.begin(), expected.end());
}

// Runs body(t) on kThreads threads at once (released together) and joins them.
template <typename F>
void on_threads(F&& body) {
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      body(t);
    });
  }
  go.store(true, std::memory_order_release);
  for (std::thread& th : threads) th.join();
}

LaneOptions mlp_lane() { return LaneOptions{}.input_shapes({Shape{kBatch, 784}}).output_shapes({Shape{kBatch, 10}}); }

TEST(Concurrency, SessionRunFromManyThreads) {
  const Session session = Session::from_bytes(zrt::test::mlp(), one_thread());
  std::atomic<std::size_t> wrong{0};
  on_threads([&](std::size_t t) {
    Outputs out = session.make_outputs();  // one per thread, reused
    for (std::size_t r = 0; r < kRounds; ++r) {
      const auto x = input_for(t, r);
      session.run({TensorView<const float>(x, {kBatch, 784})}, out);
      if (!exact(out[0].data<float>(), x)) ++wrong;
    }
  });
  EXPECT_EQ(wrong.load(), 0u);
}

TEST(Concurrency, OneIoBindingPerThread) {
  const Session session = Session::from_bytes(zrt::test::mlp(), one_thread());
  std::atomic<std::size_t> wrong{0};
  on_threads([&](std::size_t t) {
    std::vector<float> x(kBatch * 784), y(kBatch * 10);
    zrt::IoBinding binding(session);
    binding.bind_input("x", TensorView<const float>(x, {kBatch, 784}));
    binding.bind_output("logits", TensorView<float>(y, {kBatch, 10}));
    for (std::size_t r = 0; r < kRounds; ++r) {
      const auto in = input_for(t, r);
      std::copy(in.begin(), in.end(), x.begin());
      session.run(binding);
      if (!exact(y, in)) ++wrong;
    }
  });
  EXPECT_EQ(wrong.load(), 0u);
}

// Thread t drives lane t of the runtime; returns the count of inexact runs.
std::size_t drive_lanes(Runtime& runtime) {
  std::atomic<std::size_t> wrong{0};
  on_threads([&](std::size_t t) {
    Lane& lane = runtime.lane(t);
    const std::span<float> in = lane.input<float>(0);
    const std::span<const float> out = lane.output<float>(0);
    for (std::size_t r = 0; r < kRounds; ++r) {
      const auto x = input_for(t, r);
      std::copy(x.begin(), x.end(), in.begin());
      runtime.run_on(t);
      if (!exact(out, x)) ++wrong;
    }
  });
  return wrong.load();
}

TEST(Concurrency, LanesOnOneSharedSession) {
  const Session session = Session::from_bytes(zrt::test::mlp(), one_thread());
  Runtime runtime = Runtime::shared(session, kThreads, mlp_lane());
  EXPECT_EQ(drive_lanes(runtime), 0u);
}

TEST(Concurrency, LanesOnReplicatedSessions) {
  Runtime runtime = Runtime::replicated_from_bytes(zrt::test::mlp(), kThreads, one_thread(), mlp_lane());
  EXPECT_EQ(drive_lanes(runtime), 0u);
}

// A recurrent step, H_out = H + X carried to H: thread t's lane accumulates its own
// inputs; the state must never mix between lanes.
TEST(Concurrency, StateCarryLanesOnOneSession) {
  const Session session = Session::from_bytes(zrt::test::from_text(R"(<ir_version: 8, opset_import: ["" : 17]>
step (float[1,16] X, float[1,16] H) => (float[1,16] H_out) {
  H_out = Add(H, X)
})"),
                                              one_thread());
  std::atomic<std::size_t> wrong{0};
  on_threads([&](std::size_t t) {
    Lane lane(session, LaneOptions{}.carry("H_out", "H"));
    lane.reset_state();
    const std::span<float> x = lane.input<float>("X");
    std::fill(x.begin(), x.end(), static_cast<float>(t + 1));  // small integers: sums are exact
    for (std::size_t r = 0; r < kRounds; ++r) lane.run();
    const std::span<float> h = lane.state<float>(0);
    for (float v : h) {
      if (v != static_cast<float>((t + 1) * kRounds)) ++wrong;
    }
  });
  EXPECT_EQ(wrong.load(), 0u);
}

TEST(Concurrency, AsyncFuturesFromManyThreads) {
  const Session session = Session::from_bytes(zrt::test::mlp(), two_threads());
  std::atomic<std::size_t> wrong{0};
  on_threads([&](std::size_t t) {
    constexpr std::size_t kInFlight = 6;
    std::vector<std::vector<float>> inputs;
    for (std::size_t r = 0; r < kInFlight; ++r) inputs.push_back(input_for(t, r));
    std::vector<std::future<Outputs>> futures;
    for (std::size_t r = 0; r < kInFlight; ++r) {
      futures.push_back(zrt::run_async(session, {TensorView<const float>(inputs[r], {kBatch, 784})}));
    }
    for (std::size_t r = 0; r < kInFlight; ++r) {
      const Outputs out = futures[r].get();
      if (!exact(out[0].data<float>(), inputs[r])) ++wrong;
    }
  });
  EXPECT_EQ(wrong.load(), 0u);
}

TEST(Concurrency, AsyncCallbacksFromManyThreads) {
  const Session session = Session::from_bytes(zrt::test::mlp(), two_threads());
  constexpr std::size_t kPerThread = 6;
  std::vector<std::vector<float>> inputs(kThreads * kPerThread);
  for (std::size_t i = 0; i < inputs.size(); ++i) inputs[i] = input_for(i / kPerThread, i % kPerThread);
  std::mutex mutex;
  std::condition_variable cv;
  std::size_t done = 0;
  std::size_t wrong = 0;
  on_threads([&](std::size_t t) {
    for (std::size_t r = 0; r < kPerThread; ++r) {
      const std::size_t i = t * kPerThread + r;
      zrt::run_async(session, {TensorView<const float>(inputs[i], {kBatch, 784})},
                     [&, i](Outputs&& out, std::exception_ptr error) {
                       const bool ok = !error && exact(out[0].data<float>(), inputs[i]);
                       std::lock_guard lock(mutex);
                       if (!ok) ++wrong;
                       ++done;
                       cv.notify_all();
                     });
    }
  });
  std::unique_lock lock(mutex);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(120), [&] { return done == inputs.size(); }));
  EXPECT_EQ(wrong, 0u);
}

// Every path at once on one session: Session::run, an IoBinding, a lane, run_async.
TEST(Concurrency, EveryPathAtOnceOnOneSession) {
  const Session session = Session::from_bytes(zrt::test::mlp(), two_threads());
  std::atomic<std::size_t> wrong{0};
  on_threads([&](std::size_t t) {
    switch (t % 4) {
      case 0: {
        Outputs out = session.make_outputs();
        for (std::size_t r = 0; r < kRounds; ++r) {
          const auto x = input_for(t, r);
          session.run({TensorView<const float>(x, {kBatch, 784})}, out);
          if (!exact(out[0].data<float>(), x)) ++wrong;
        }
        break;
      }
      case 1: {
        std::vector<float> x(kBatch * 784), y(kBatch * 10);
        zrt::IoBinding binding(session);
        binding.bind_input("x", TensorView<const float>(x, {kBatch, 784}));
        binding.bind_output("logits", TensorView<float>(y, {kBatch, 10}));
        for (std::size_t r = 0; r < kRounds; ++r) {
          const auto in = input_for(t, r);
          std::copy(in.begin(), in.end(), x.begin());
          session.run(binding);
          if (!exact(y, in)) ++wrong;
        }
        break;
      }
      case 2: {
        Lane lane(session, mlp_lane());
        const std::span<float> in = lane.input<float>(0);
        const std::span<const float> out = lane.output<float>(0);
        for (std::size_t r = 0; r < kRounds; ++r) {
          const auto x = input_for(t, r);
          std::copy(x.begin(), x.end(), in.begin());
          lane.run();
          if (!exact(out, x)) ++wrong;
        }
        break;
      }
      default: {
        for (std::size_t r = 0; r < kRounds; ++r) {
          const auto x = input_for(t, r);
          const Outputs out = zrt::run_async(session, {TensorView<const float>(x, {kBatch, 784})}).get();
          if (!exact(out[0].data<float>(), x)) ++wrong;
        }
      }
    }
  });
  EXPECT_EQ(wrong.load(), 0u);
}

// terminate() from one thread while other threads' async runs share the options: each
// run either completes exactly or fails with the terminate error, never anything else.
TEST(Concurrency, TerminateWhileAsyncRunsAreInFlight) {
  constexpr int kSize = 96;
  const Session session = Session::from_bytes(zrt::test::long_running(200, kSize), two_threads());
  std::vector<float> x(static_cast<std::size_t>(kSize) * kSize);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 13) - 6.0f;
  auto options = std::make_shared<zrt::RunOptions>();
  std::atomic<std::size_t> other{0};
  std::atomic<std::size_t> finished{0};
  on_threads([&](std::size_t t) {
    if (t == 0) {
      while (finished.load() == 0) std::this_thread::yield();  // let some runs start
      options->terminate();
      return;
    }
    for (int r = 0; r < 3; ++r) {
      try {
        const Outputs out = zrt::run_async(session, {TensorView<const float>(x, {kSize, kSize})}, options).get();
        if (!zrt::test::same_bytes(out[0].data<float>(), std::span<const float>(x))) ++other;
      } catch (const zrt::Error& e) {
        if (std::string(e.what()).find("terminate") == std::string::npos) ++other;
      }
      ++finished;
    }
  });
  EXPECT_EQ(other.load(), 0u);
}

}  // namespace
