// Proof, not promise, for the serving queues: heap allocations per request through a
// Batcher and a Pool, counted for the whole process (ORT's own included; see
// alloc_counter.hpp) after warm-up. ORT's own per-run allocations are measured apart,
// on a bare lane of the same model and batch size ("the floor"), and allowed once per
// batch: what is left is zrt's, and it must be zero for every submit form.
#include <gtest/gtest.h>

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "alloc/alloc_counter.hpp"
#include "batcher_models.hpp"
#include "zrt/batcher.hpp"
#include "zrt/lane.hpp"
#include "zrt/pool.hpp"
#include "zrt/session.hpp"

namespace {

using namespace std::chrono_literals;
using zrt::Batcher;
using zrt::BatcherOptions;
using zrt::Input;
using zrt::OutputSpan;
using zrt::RequestOutputs;
using zrt::Session;
using zrt::SessionOptions;
using zrt::Shape;
using zrt::TensorView;
using zrt::test::AllocationCounter;
using zrt::test::kDenseIn;
using zrt::test::kDenseOut;

constexpr std::size_t kBatch = 4;
constexpr std::size_t kWarmupBatches = 50;
constexpr std::size_t kBatches = 200;

Session dense_session() { return Session::from_bytes(zrt::test::dense_mlp(), SessionOptions{}.intra_op_threads(1)); }

void report(const std::string& what, double per_request) {
  std::printf("[ allocs   ] %-58s %8.3f allocs/request\n", what.c_str(), per_request);
  std::fflush(stdout);
  ::testing::Test::RecordProperty(what, std::to_string(per_request));
}

// ORT's allocations per run of a bare lane at `batch` rows: what a batch may cost.
double floor_per_run(const Session& session, std::size_t batch) {
  const auto b = static_cast<std::int64_t>(batch);
  zrt::Lane lane = session.make_lane({Shape{b, static_cast<std::int64_t>(kDenseIn)}},
                                     {Shape{b, static_cast<std::int64_t>(kDenseOut)}});
  lane.prime(kWarmupBatches);
  const AllocationCounter counter;
  for (std::size_t i = 0; i < kBatches; ++i) lane.run();
  return static_cast<double>(counter.allocations()) / kBatches;
}

// Requests in full batches of kBatch from one thread (a full batch goes at once, so
// the batches are exact); `submit_batch(batcher, round)` submits kBatch requests and
// waits for them. Returns zrt's allocations per request beyond the floor.
template <typename F>
double batcher_allocations(const char* what, F&& submit_batch) {
  if (!zrt::test::allocation_counting_active()) {
    ADD_FAILURE() << "the allocation counter is not linked in";
    return -1.0;
  }
  const Session session = dense_session();
  const double floor = floor_per_run(session, kBatch);
  Batcher batcher(session, BatcherOptions{}.batch_sizes({kBatch}).max_delay(600s).queue_bound(16));
  for (std::size_t i = 0; i < kWarmupBatches; ++i) submit_batch(batcher);
  const AllocationCounter counter;
  for (std::size_t i = 0; i < kBatches; ++i) submit_batch(batcher);
  const auto total = static_cast<double>(counter.allocations());
  const double zrt_per_request = (total - floor * kBatches) / (kBatches * kBatch);
  std::printf("[ allocs   ] ORT floor %.3f allocs/run at batch %zu\n", floor, kBatch);
  report(what, zrt_per_request);
  EXPECT_EQ(batcher.metrics().batches, (kWarmupBatches + kBatches));
  return zrt_per_request;
}

struct Rows {
  std::vector<float> x = zrt::test::rows_input(kBatch, kDenseIn, 5);
  std::vector<float> y = std::vector<float>(kBatch * kDenseOut);
  TensorView<const float> in(std::size_t r) const {
    return TensorView<const float>(std::span<const float>(x).subspan(r * kDenseIn, kDenseIn), {1, 64});
  }
  OutputSpan out(std::size_t r) { return OutputSpan(std::span<float>(y).subspan(r * kDenseOut, kDenseOut)); }
};

TEST(BatcherAllocations, FutureFormAllocatesNothingPerRequest) {
  Rows rows;
  std::vector<zrt::BatchFuture> futures(kBatch);  // reused: no growth
  const double per = batcher_allocations("Batcher::submit (future, copy)", [&](Batcher& b) {
    for (std::size_t r = 0; r < kBatch; ++r) futures[r] = b.submit({rows.in(r)}, {rows.out(r)});
    for (auto& f : futures) f.get();
  });
  EXPECT_EQ(per, 0.0);
}

// Waits until `n` completions were counted.
void wait_for(std::atomic<std::size_t>& done, std::size_t n) {
  while (done.load(std::memory_order_acquire) < n) std::this_thread::yield();
}

TEST(BatcherAllocations, CallbackCopyFormAllocatesNothingPerRequest) {
  Rows rows;
  std::atomic<std::size_t> done{0};
  std::size_t expected = 0;
  const double per = batcher_allocations("Batcher::submit (callback, copy)", [&](Batcher& b) {
    for (std::size_t r = 0; r < kBatch; ++r) {
      b.submit({rows.in(r)}, {rows.out(r)}, [&done](const RequestOutputs&, std::exception_ptr) noexcept {
        done.fetch_add(1, std::memory_order_release);
      });
    }
    expected += kBatch;
    wait_for(done, expected);
  });
  EXPECT_EQ(per, 0.0);
}

TEST(BatcherAllocations, CallbackViewFormAllocatesNothingPerRequest) {
  Rows rows;
  std::atomic<std::size_t> done{0};
  std::size_t expected = 0;
  float sink = 0;
  const double per = batcher_allocations("Batcher::submit (callback, view)", [&](Batcher& b) {
    for (std::size_t r = 0; r < kBatch; ++r) {
      b.submit({rows.in(r)}, [&done, &sink](const RequestOutputs& o, std::exception_ptr) noexcept {
        sink += o.output<float>(0)[0];
        done.fetch_add(1, std::memory_order_release);
      });
    }
    expected += kBatch;
    wait_for(done, expected);
  });
  EXPECT_EQ(per, 0.0);
  EXPECT_NE(sink, 0.0f);
}

// A fire-and-forget coroutine whose frames come from a fixed pool, so that the test's
// own coroutine frames do not count against the batcher.
struct PooledTask {
  struct promise_type {
    static void* operator new(std::size_t bytes);
    static void operator delete(void* p) noexcept;
    PooledTask get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }
  };
};
constexpr std::size_t kFrameBytes = 1024;
alignas(std::max_align_t) unsigned char g_frames[kBatch][kFrameBytes];
std::atomic<bool> g_frame_used[kBatch];
void* PooledTask::promise_type::operator new(std::size_t bytes) {
  if (bytes > kFrameBytes) std::abort();
  for (std::size_t i = 0; i < kBatch; ++i) {
    if (!g_frame_used[i].exchange(true)) return g_frames[i];
  }
  std::abort();
}
void PooledTask::promise_type::operator delete(void* p) noexcept {
  for (std::size_t i = 0; i < kBatch; ++i) {
    if (p == g_frames[i]) g_frame_used[i].store(false);
  }
}

PooledTask await_one(Batcher& b, Rows& rows, std::size_t r, std::atomic<std::size_t>& done) {
  auto request = b.submit_awaitable({rows.in(r)}, {rows.out(r)});
  (void)co_await request;
  done.fetch_add(1, std::memory_order_release);
}

TEST(BatcherAllocations, CoroutineFormAllocatesNothingPerRequest) {
  Rows rows;
  std::atomic<std::size_t> done{0};
  std::size_t expected = 0;
  const double per = batcher_allocations("Batcher::submit_awaitable (coroutine)", [&](Batcher& b) {
    for (std::size_t r = 0; r < kBatch; ++r) await_one(b, rows, r, done);
    expected += kBatch;
    wait_for(done, expected);
    // The frames are freed right after `done` is counted, on the worker: wait for them.
    for (std::size_t i = 0; i < kBatch; ++i) {
      while (g_frame_used[i].load()) std::this_thread::yield();
    }
  });
  EXPECT_EQ(per, 0.0);
}

TEST(PoolAllocations, SubmitAllocatesNothingPerRequest) {
  ASSERT_TRUE(zrt::test::allocation_counting_active());
  const Session session = dense_session();
  const double floor = floor_per_run(session, 1);
  std::atomic<std::size_t> done{0};
  // One lane: ORT sizes some per-thread buffers on a thread's first run, so a worker
  // that the warm-up happened not to reach would show them in the count.
  zrt::Pool pool(
      session, 1, [&done](std::uint64_t, zrt::Lane&, std::exception_ptr) { done.fetch_add(1); },
      zrt::PoolOptions{}.queue_bound(8), zrt::LaneOptions{}.input_shapes({Shape{1, 64}}).output_shapes({Shape{1, 32}}));
  const std::vector<float> x = zrt::test::rows_input(1, kDenseIn, 9);
  const Input in[] = {TensorView<const float>(x, {1, 64})};
  constexpr std::size_t kRequests = 800;
  for (std::size_t i = 0; i < 100; ++i) pool.submit(i, in);
  pool.wait_all();
  const AllocationCounter counter;
  for (std::size_t i = 0; i < kRequests; ++i) pool.submit(i, in);
  pool.wait_all();
  const double per = (static_cast<double>(counter.allocations()) - floor * kRequests) / kRequests;
  std::printf("[ allocs   ] ORT floor %.3f allocs/run at batch 1\n", floor);
  report("Pool::submit", per);
  EXPECT_EQ(per, 0.0);
  EXPECT_EQ(done.load(), 900u);
}

}  // namespace
