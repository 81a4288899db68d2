// zrt/batcher.hpp: many threads submit single requests with random arrival; every
// request's outputs are bit-identical to running it alone at batch 1 through
// Session::run (dense MLP and conv net with irregular weights), in every submit form
// (future, callback copy and view, coroutine); the dispatch policy (full batch, delay,
// padding to the smallest prebuilt size, shape groups); the queue bound (reject,
// block); cancellation; construction and submit errors; metrics while it runs.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <coroutine>
#include <cstring>
#include <future>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "batcher_models.hpp"
#include "test_util.hpp"
#include "zrt/batcher.hpp"

namespace {

using namespace std::chrono_literals;
using zrt::Batcher;
using zrt::BatcherOptions;
using zrt::ErrorCode;
using zrt::Input;
using zrt::OutputSpan;
using zrt::QueueFull;
using zrt::RequestInfo;
using zrt::RequestOutputs;
using zrt::Session;
using zrt::SessionOptions;
using zrt::Shape;
using zrt::TensorView;
using zrt::test::throws_error;

// A model under test: its session and one row's geometry.
struct Model {
  Session session;
  Shape row;  // input shape of one row (leading dim 1)
  std::size_t in_width;
  std::size_t out_width;

  Shape rows(std::size_t n) const {
    std::vector<std::int64_t> d(row.begin(), row.end());
    d[0] = static_cast<std::int64_t>(n);
    return Shape(d);
  }
  // The reference: each row run alone at batch 1 through Session::run.
  std::vector<float> alone(std::span<const float> x, std::size_t n) const {
    std::vector<float> y;
    for (std::size_t r = 0; r < n; ++r) {
      const zrt::Outputs out = session.run({TensorView<const float>(x.subspan(r * in_width, in_width), rows(1))});
      const auto o = out[0].data<float>();
      y.insert(y.end(), o.begin(), o.end());
    }
    return y;
  }
};

Model dense() {
  return {Session::from_bytes(zrt::test::dense_mlp(), SessionOptions{}.intra_op_threads(1)),
          Shape{1, static_cast<std::int64_t>(zrt::test::kDenseIn)}, zrt::test::kDenseIn, zrt::test::kDenseOut};
}
Model conv() {
  return {Session::from_bytes(zrt::test::conv_net(), SessionOptions{}.intra_op_threads(1)), Shape{1, 3, 16, 16},
          zrt::test::kConvIn, zrt::test::kConvOut};
}

bool same_bytes(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// The precondition of the identity tests, checked on its own: ORT's CPU kernels give
// row r of a batch exactly what they give that row alone (MLAS accumulates each output
// element in the same order whatever the batch), for both models, at 1 and 2 threads.
TEST(Batcher, RowsOfABatchAreBitIdenticalToBatchOneRuns) {
  for (int threads : {1, 2}) {
    for (Model m : {dense(), conv()}) {
      m.session =
          Session::from_bytes(m.in_width == zrt::test::kDenseIn ? zrt::test::dense_mlp() : zrt::test::conv_net(),
                              SessionOptions{}.intra_op_threads(threads));
      for (std::size_t b : {2ul, 3ul, 8ul, 16ul}) {
        const std::vector<float> x = zrt::test::rows_input(b, m.in_width, b);
        const zrt::Outputs out = m.session.run({TensorView<const float>(x, m.rows(b))});
        const auto all = out[0].data<float>();
        EXPECT_TRUE(same_bytes({all.begin(), all.end()}, m.alone(x, b))) << "batch " << b << ", threads " << threads;
      }
    }
  }
}

// One submitted request and what it must produce.
struct Request {
  std::size_t rows = 1;
  std::vector<float> x;
  std::vector<float> expected;
  std::vector<float> got;
};

std::vector<Request> make_requests(const Model& m, std::size_t n, std::size_t max_rows, std::size_t seed) {
  std::mt19937 rng(static_cast<unsigned>(seed));
  std::vector<Request> reqs(n);
  for (std::size_t i = 0; i < n; ++i) {
    reqs[i].rows = 1 + rng() % max_rows;
    reqs[i].x = zrt::test::rows_input(reqs[i].rows, m.in_width, seed * 1000 + i);
    reqs[i].expected = m.alone(reqs[i].x, reqs[i].rows);
    reqs[i].got.assign(reqs[i].rows * m.out_width, -1.0f);
  }
  return reqs;
}

// Random arrival: a short seeded pause before some submits.
void pause(std::mt19937& rng) {
  const unsigned r = rng() % 4;
  if (r == 0) std::this_thread::sleep_for(std::chrono::microseconds(rng() % 300));
  if (r == 1) std::this_thread::yield();
}

enum class Form { Future, CallbackCopy, CallbackView, Mixed };

// kThreads threads submit their share of `reqs` in `form`; returns when all completed.
void serve(Batcher& batcher, const Model& m, std::vector<Request>& reqs, Form form, std::size_t threads) {
  std::atomic<std::size_t> done{0};
  std::atomic<std::size_t> errors{0};
  std::atomic<bool> polling{true};
  std::thread poller([&] {  // metrics are readable while requests run
    while (polling.load()) {
      const zrt::BatcherMetrics mt = batcher.metrics();
      EXPECT_LE(mt.completed, mt.submitted);
      std::this_thread::sleep_for(100us);
    }
  });
  std::vector<std::thread> pool;
  for (std::size_t t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(t + 17));
      std::vector<zrt::BatchFuture> futures;
      for (std::size_t i = t; i < reqs.size(); i += threads) {
        pause(rng);
        Request& r = reqs[i];
        const Input in[] = {TensorView<const float>(r.x, m.rows(r.rows))};
        const OutputSpan out[] = {r.got};
        Form f = form == Form::Mixed ? static_cast<Form>(i % 3) : form;
        if (f == Form::Future) {
          futures.push_back(batcher.submit(in, out));
        } else if (f == Form::CallbackCopy) {
          batcher.submit(in, out, [&done, &errors](const RequestOutputs& o, std::exception_ptr e) noexcept {
            if (e || o.size() != 1) ++errors;
            ++done;
          });
        } else {
          batcher.submit(in, [&done, &errors, &r](const RequestOutputs& o, std::exception_ptr e) noexcept {
            if (e) {
              ++errors;
            } else {
              const auto rows = o.output<float>(0);
              if (o.shape(0)[0] != static_cast<std::int64_t>(r.rows)) ++errors;
              std::copy(rows.begin(), rows.end(), r.got.begin());
            }
            ++done;
          });
        }
      }
      for (auto& f : futures) {
        const RequestInfo info = f.get();
        if (info.batch_rows < info.rows || info.batch_size < info.batch_rows) ++errors;
        ++done;
      }
    });
  }
  for (auto& th : pool) th.join();
  batcher.drain();
  polling = false;
  poller.join();
  EXPECT_EQ(done.load(), reqs.size());
  EXPECT_EQ(errors.load(), 0u);
}

void expect_identical(const std::vector<Request>& reqs) {
  for (std::size_t i = 0; i < reqs.size(); ++i) {
    ASSERT_TRUE(same_bytes(reqs[i].got, reqs[i].expected)) << "request " << i << " (" << reqs[i].rows << " rows)";
  }
}

void expect_consistent_metrics(const Batcher& batcher, const std::vector<Request>& reqs) {
  const zrt::BatcherMetrics m = batcher.metrics();
  std::size_t rows = 0;
  for (const Request& r : reqs) rows += r.rows;
  EXPECT_EQ(m.submitted, reqs.size());
  EXPECT_EQ(m.completed, reqs.size());
  EXPECT_EQ(m.failed + m.cancelled + m.rejected, 0u);
  EXPECT_EQ(m.queue_depth, 0u);
  std::uint64_t batches = 0, batch_rows = 0;
  for (std::size_t r = 0; r < m.batch_rows.size(); ++r) {
    batches += m.batch_rows[r];
    batch_rows += r * m.batch_rows[r];
  }
  EXPECT_EQ(m.batch_rows.size(), batcher.max_batch_size() + 1);
  EXPECT_EQ(batches, m.batches);
  EXPECT_EQ(batch_rows, rows);
  EXPECT_EQ(m.queue_wait.count, reqs.size());
  EXPECT_EQ(m.run_time.count, reqs.size());
  EXPECT_LE(m.run_time.p50, m.run_time.p99);
  EXPECT_LE(m.run_time.p99, m.run_time.max);
  EXPECT_GT(m.run_time.max.count(), 0);
}

TEST(Batcher, ManyThreadsFuturesDenseMlpBitIdentical) {
  const Model m = dense();
  std::vector<Request> reqs = make_requests(m, 400, 3, 1);
  Batcher batcher(m.session, BatcherOptions{}.batch_sizes({1, 2, 4, 8}).max_delay(200us).queue_bound(64));
  serve(batcher, m, reqs, Form::Future, 8);
  expect_identical(reqs);
  expect_consistent_metrics(batcher, reqs);
}

TEST(Batcher, ManyThreadsEveryFormConvNetTwoWorkersBitIdentical) {
  const Model m = conv();
  std::vector<Request> reqs = make_requests(m, 300, 2, 2);
  Batcher batcher(m.session,
                  BatcherOptions{}.batch_sizes({1, 2, 4, 8, 16}).max_delay(300us).queue_bound(32).workers(2));
  serve(batcher, m, reqs, Form::Mixed, 6);
  expect_identical(reqs);
  expect_consistent_metrics(batcher, reqs);
}

TEST(Batcher, CallbackViewFormDenseMlpBitIdentical) {
  const Model m = dense();
  std::vector<Request> reqs = make_requests(m, 200, 1, 3);
  Batcher batcher(m.session, BatcherOptions{}.batch_sizes({1, 2, 4, 8, 16}).max_delay(100us));
  serve(batcher, m, reqs, Form::CallbackView, 8);
  expect_identical(reqs);
}

// ---- policy: delay, full batch, padding, shape groups ------------------------------

// With a delay far longer than the test, nothing dispatches before drain() except a
// full batch: what ran with whom is then exact.
constexpr auto kForever = std::chrono::seconds(600);

TEST(Batcher, PartialBatchRunsOnTheSmallestSizeThatHoldsItWithPaddingNeverReturned) {
  const Model m = dense();
  std::vector<Request> reqs = make_requests(m, 3, 1, 4);
  Batcher batcher(m.session, BatcherOptions{}.batch_sizes({1, 4, 8}).max_delay(kForever));
  std::vector<zrt::BatchFuture> f;
  for (Request& r : reqs) f.push_back(batcher.submit({TensorView<const float>(r.x, m.rows(1))}, {OutputSpan(r.got)}));
  EXPECT_EQ(batcher.metrics().queue_depth, 3u);
  batcher.drain();
  for (auto& fut : f) {
    const RequestInfo info = fut.get();
    EXPECT_EQ(info.rows, 1u);
    EXPECT_EQ(info.batch_rows, 3u);
    EXPECT_EQ(info.batch_size, 4u);
  }
  expect_identical(reqs);
  const zrt::BatcherMetrics mt = batcher.metrics();
  EXPECT_EQ(mt.batches, 1u);
  EXPECT_EQ(mt.padding_rows, 1u);
  EXPECT_EQ(mt.batch_rows[3], 1u);
}

TEST(Batcher, FullBatchDispatchesWithoutWaitingForTheDelay) {
  const Model m = dense();
  std::vector<Request> reqs = make_requests(m, 5, 1, 5);
  Batcher batcher(m.session, BatcherOptions{}.batch_sizes({1, 2, 4}).max_delay(kForever));
  std::vector<zrt::BatchFuture> f;
  for (Request& r : reqs) f.push_back(batcher.submit({TensorView<const float>(r.x, m.rows(1))}, {OutputSpan(r.got)}));
  for (std::size_t i = 0; i < 4; ++i) {  // would wait 600 s if the full batch did not go at once
    const RequestInfo info = f[i].get();
    EXPECT_EQ(info.batch_rows, 4u);
    EXPECT_EQ(info.batch_size, 4u);
  }
  EXPECT_EQ(batcher.metrics().queue_depth, 1u);  // the fifth waits for its delay
  batcher.drain();
  EXPECT_EQ(f[4].get().batch_rows, 1u);
  expect_identical(reqs);
}

TEST(Batcher, ExpiredDelayDispatchesAPartialBatch) {
  const Model m = dense();
  std::vector<Request> reqs = make_requests(m, 1, 1, 6);
  Batcher batcher(m.session, BatcherOptions{}.batch_sizes({1, 8}).max_delay(1ms));
  auto f = batcher.submit({TensorView<const float>(reqs[0].x, m.rows(1))}, {OutputSpan(reqs[0].got)});
  const RequestInfo info = f.get();  // no drain: only the delay can send it
  EXPECT_EQ(info.batch_size, 1u);
  EXPECT_GE(info.queue_wait, std::chrono::nanoseconds(1ms));
  expect_identical(reqs);
}

TEST(Batcher, MultiRowRequestsShareBatchesInOrder) {
  const Model m = dense();
  std::vector<Request> reqs(3);
  const std::size_t rows[] = {3, 4, 2};
  for (std::size_t i = 0; i < 3; ++i) {
    reqs[i].rows = rows[i];
    reqs[i].x = zrt::test::rows_input(rows[i], m.in_width, 70 + i);
    reqs[i].expected = m.alone(reqs[i].x, rows[i]);
    reqs[i].got.assign(rows[i] * m.out_width, 0.0f);
  }
  Batcher batcher(m.session, BatcherOptions{}.batch_sizes({2, 8}).max_delay(kForever));
  std::vector<zrt::BatchFuture> f;
  for (Request& r : reqs) {
    f.push_back(batcher.submit({TensorView<const float>(r.x, m.rows(r.rows))}, {OutputSpan(r.got)}));
  }
  batcher.drain();
  // 3 + 4 fit in 8; 2 more would make 9, so the third goes in a batch of its own.
  EXPECT_EQ(f[0].get().batch_rows, 7u);
  EXPECT_EQ(f[1].get().batch_rows, 7u);
  const RequestInfo third = f[2].get();
  EXPECT_EQ(third.batch_rows, 2u);
  EXPECT_EQ(third.batch_size, 2u);
  expect_identical(reqs);
}

// y = 2 * x over float[N,L], served for L = 4 and L = 6.
zrt::test::Bytes doubler() {
  return zrt::test::from_text(R"(<ir_version: 8, opset_import: ["" : 17]>
doubler (float[N,L] x) => (float[N,L] y) {
  two = Constant <value = float {2.0}> ()
  y = Mul(x, two)
}
)");
}

TEST(Batcher, RequestsWithDifferentNonBatchShapesNeverShareABatch) {
  const Session s = Session::from_bytes(doubler(), SessionOptions{}.intra_op_threads(1));
  Batcher batcher(s, BatcherOptions{}.batch_sizes({1, 2, 4}).max_delay(kForever).shape_groups({{{1, 4}}, {{1, 6}}}));
  std::vector<float> a(4, 1.5f), b(4, 2.5f), c(6, 3.5f), ya(4), yb(4), yc(6);
  auto fa = batcher.submit({TensorView<const float>(a, {1, 4})}, {OutputSpan(ya)});
  auto fc = batcher.submit({TensorView<const float>(c, {1, 6})}, {OutputSpan(yc)});
  auto fb = batcher.submit({TensorView<const float>(b, {1, 4})}, {OutputSpan(yb)});
  batcher.drain();
  EXPECT_EQ(fa.get().batch_rows, 2u);
  EXPECT_EQ(fb.get().batch_rows, 2u);
  EXPECT_EQ(fc.get().batch_rows, 1u);
  EXPECT_EQ(ya, std::vector<float>(4, 3.0f));
  EXPECT_EQ(yb, std::vector<float>(4, 5.0f));
  EXPECT_EQ(yc, std::vector<float>(6, 7.0f));
  EXPECT_EQ(batcher.metrics().batches, 2u);
  std::vector<float> d(5), yd(5);
  EXPECT_TRUE(throws_error(
      [&] {
        (void)batcher.submit({TensorView<const float>(d, {1, 5})}, {OutputSpan(yd)});
      },
      ErrorCode::InvalidArgument, {"match no shape group", "[1,5]", "[1,4]", "[1,6]"}));
}

// ---- queue bound, cancellation, shutdown -------------------------------------------

TEST(Batcher, FullQueueRejectsAtOnceWithAClearError) {
  const Model m = dense();
  std::vector<Request> reqs = make_requests(m, 3, 1, 8);
  Batcher batcher(m.session,
                  BatcherOptions{}.batch_sizes({1, 8}).max_delay(kForever).queue_bound(2).when_full(QueueFull::Reject));
  auto f0 = batcher.submit({TensorView<const float>(reqs[0].x, m.rows(1))}, {OutputSpan(reqs[0].got)});
  auto f1 = batcher.submit({TensorView<const float>(reqs[1].x, m.rows(1))}, {OutputSpan(reqs[1].got)});
  EXPECT_TRUE(throws_error(
      [&] { (void)batcher.submit({TensorView<const float>(reqs[2].x, m.rows(1))}, {OutputSpan(reqs[2].got)}); },
      ErrorCode::InvalidArgument, {"queue full", "2 requests"}));
  EXPECT_EQ(batcher.metrics().rejected, 1u);
  batcher.drain();
  f0.get();
  f1.get();
  EXPECT_TRUE(same_bytes(reqs[0].got, reqs[0].expected));
  EXPECT_EQ(reqs[2].got, std::vector<float>(m.out_width, -1.0f));  // never written
}

TEST(Batcher, FullQueueBlocksUntilThereIsRoom) {
  const Model m = dense();
  std::vector<Request> reqs = make_requests(m, 2, 1, 9);
  Batcher batcher(m.session, BatcherOptions{}.batch_sizes({1, 8}).max_delay(kForever).queue_bound(1));
  auto f0 = batcher.submit({TensorView<const float>(reqs[0].x, m.rows(1))}, {OutputSpan(reqs[0].got)});
  std::promise<zrt::BatchFuture> second;
  std::thread blocked([&] {  // blocks while request 0 fills the queue
    second.set_value(batcher.submit({TensorView<const float>(reqs[1].x, m.rows(1))}, {OutputSpan(reqs[1].got)}));
  });
  batcher.drain();  // request 0 runs, which makes room
  zrt::BatchFuture f1 = second.get_future().get();
  blocked.join();
  batcher.drain();
  f0.get();
  f1.get();
  expect_identical(reqs);
  EXPECT_EQ(batcher.metrics().rejected, 0u);
}

TEST(Batcher, QueuedRequestsCanBeCancelledRunningOnesNot) {
  const Model m = dense();
  std::vector<Request> reqs = make_requests(m, 3, 1, 10);
  Batcher batcher(m.session, BatcherOptions{}.batch_sizes({1, 2, 4}).max_delay(kForever));
  auto f0 = batcher.submit({TensorView<const float>(reqs[0].x, m.rows(1))}, {OutputSpan(reqs[0].got)});
  std::atomic<int> called{0};
  std::exception_ptr cb_error;
  const zrt::RequestId id1 = batcher.submit({TensorView<const float>(reqs[1].x, m.rows(1))}, {OutputSpan(reqs[1].got)},
                                            [&](const RequestOutputs& o, std::exception_ptr e) noexcept {
                                              cb_error = e;
                                              EXPECT_EQ(o.size(), 0u);
                                              ++called;
                                            });
  auto f2 = batcher.submit({TensorView<const float>(reqs[2].x, m.rows(1))}, {OutputSpan(reqs[2].got)});
  EXPECT_NE(f0.id, id1);
  EXPECT_TRUE(batcher.cancel(f0.id));
  EXPECT_TRUE(batcher.cancel(id1));
  EXPECT_FALSE(batcher.cancel(id1));        // already gone
  EXPECT_FALSE(batcher.cancel(f0.id + 1));  // no such request
  EXPECT_TRUE(throws_error([&] { f0.get(); }, ErrorCode::Fail, {"cancelled"}));
  EXPECT_EQ(called.load(), 1);
  EXPECT_TRUE(throws_error([&] { std::rethrow_exception(cb_error); }, ErrorCode::Fail, {"cancelled"}));
  batcher.drain();
  const RequestInfo info = f2.get();
  EXPECT_EQ(info.batch_rows, 1u);       // the cancelled requests took no rows
  EXPECT_FALSE(batcher.cancel(f2.id));  // completed
  EXPECT_TRUE(same_bytes(reqs[2].got, reqs[2].expected));
  EXPECT_EQ(reqs[0].got, std::vector<float>(m.out_width, -1.0f));
  const zrt::BatcherMetrics mt = batcher.metrics();
  EXPECT_EQ(mt.cancelled, 2u);
  EXPECT_EQ(mt.completed, 1u);
}

TEST(Batcher, DestructionRunsEveryQueuedRequest) {
  const Model m = dense();
  std::vector<Request> reqs = make_requests(m, 3, 2, 11);
  std::atomic<int> called{0};
  {
    Batcher batcher(m.session, BatcherOptions{}.max_delay(kForever));
    for (Request& r : reqs) {
      batcher.submit({TensorView<const float>(r.x, m.rows(r.rows))}, {OutputSpan(r.got)},
                     [&called](const RequestOutputs&, std::exception_ptr e) noexcept {
                       if (!e) ++called;
                     });
    }
  }
  EXPECT_EQ(called.load(), 3);
  expect_identical(reqs);
}

TEST(Batcher, MovedBatcherKeepsServingAndMovedFromThrows) {
  const Model m = dense();
  std::vector<Request> reqs = make_requests(m, 1, 1, 12);
  Batcher a(m.session, BatcherOptions{}.max_delay(0us));
  Batcher b(std::move(a));
  b.submit({TensorView<const float>(reqs[0].x, m.rows(1))}, {OutputSpan(reqs[0].got)}).get();
  expect_identical(reqs);
  EXPECT_TRUE(throws_error([&] { (void)a.metrics(); }, ErrorCode::InvalidArgument, {"moved from"}));  // NOLINT
}

// ---- coroutine ---------------------------------------------------------------------

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

Task serve_one(Batcher& batcher, const Model& m, Request& r, RequestInfo& info) {
  auto request = batcher.submit_awaitable({TensorView<const float>(r.x, m.rows(r.rows))}, {OutputSpan(r.got)});
  info = co_await request;
}

TEST(Batcher, CoroutinesFromManyThreadsBitIdentical) {
  const Model m = conv();
  std::vector<Request> reqs = make_requests(m, 120, 2, 13);
  std::vector<RequestInfo> infos(reqs.size());
  Batcher batcher(m.session, BatcherOptions{}.batch_sizes({1, 2, 4, 8}).max_delay(200us).workers(2));
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::vector<Task> tasks;
      for (std::size_t i = t; i < reqs.size(); i += 4) tasks.push_back(serve_one(batcher, m, reqs[i], infos[i]));
      for (Task& task : tasks) task.finished.get();
    });
  }
  for (auto& th : threads) th.join();
  expect_identical(reqs);
  for (std::size_t i = 0; i < reqs.size(); ++i) EXPECT_EQ(infos[i].rows, reqs[i].rows);
}

Task cancelled_one(Batcher& batcher, const Model& m, Request& r, std::atomic<zrt::RequestId>& id, bool& threw) {
  auto request = batcher.submit_awaitable({TensorView<const float>(r.x, m.rows(1))}, {OutputSpan(r.got)});
  id = request.id();
  try {
    co_await request;
  } catch (const zrt::Error& e) {
    threw = std::string(e.what()).find("cancelled") != std::string::npos;
  }
}

TEST(Batcher, AnAwaitedRequestCanBeCancelledAndAnUnawaitedOneFreesItsRecord) {
  const Model m = dense();
  std::vector<Request> reqs = make_requests(m, 2, 1, 14);
  Batcher batcher(m.session, BatcherOptions{}.batch_sizes({1, 2}).max_delay(kForever).queue_bound(1));
  {
    auto unawaited =
        batcher.submit_awaitable({TensorView<const float>(reqs[0].x, m.rows(1))}, {OutputSpan(reqs[0].got)});
  }  // its record is free again: the next submit (bound 1) does not block
  std::atomic<zrt::RequestId> id{0};
  bool threw = false;
  Task t = cancelled_one(batcher, m, reqs[1], id, threw);
  EXPECT_EQ(batcher.metrics().queue_depth, 1u);
  EXPECT_NE(id.load(), 0u);
  EXPECT_TRUE(batcher.cancel(id.load()));  // resumes the coroutine here, with the error
  t.finished.get();
  EXPECT_TRUE(threw);
}

// ---- errors ------------------------------------------------------------------------

TEST(Batcher, ConstructionErrorsNameWhatIsWrong) {
  const Session fixed = Session::from_bytes(zrt::test::add_constant());  // float[1,16]
  EXPECT_TRUE(throws_error([&] { Batcher b(fixed); }, ErrorCode::InvalidArgument,
                           {"input 0 'X'", "no batch dim", "fixed at 1"}));
  const Model m = dense();
  EXPECT_TRUE(throws_error([&] { Batcher b(m.session, BatcherOptions{}.batch_dim("batch")); },
                           ErrorCode::InvalidArgument, {"batch dim 'batch'", "not a dim"}));
  Batcher named(m.session, BatcherOptions{}.batch_dim("N").batch_sizes({2}).prime(0));
  EXPECT_EQ(named.max_batch_size(), 2u);
  const Session dyn = Session::from_bytes(zrt::test::dynamic());  // X float[batch,seq] -> Y, S int64[2]
  EXPECT_TRUE(throws_error([&] { Batcher b(dyn); }, ErrorCode::InvalidArgument, {"dim 1 is free", "shape_groups"}));
  EXPECT_TRUE(throws_error(
      [&] {
        Batcher b(dyn, BatcherOptions{}.shape_groups({{{1, 3}}}));
      },
      ErrorCode::InvalidArgument, {"output 1 'S'", "not the batch"}));
  EXPECT_TRUE(throws_error(
      [&] {
        Batcher b(m.session, BatcherOptions{}.batch_sizes({0, 2}));
      },
      ErrorCode::InvalidArgument, {"batch size 0"}));
  EXPECT_TRUE(throws_error(
      [&] {
        Batcher b(m.session, BatcherOptions{}.batch_sizes({1, 4}).max_batch_size(5));
      },
      ErrorCode::InvalidArgument, {"max_batch_size 5", "largest prebuilt batch size 4"}));
  EXPECT_TRUE(throws_error([&] { Batcher b(m.session, BatcherOptions{}.queue_bound(0)); }, ErrorCode::InvalidArgument,
                           {"queue_bound"}));
  EXPECT_TRUE(throws_error([&] { Batcher b(m.session, BatcherOptions{}.workers(0)); }, ErrorCode::InvalidArgument,
                           {"workers"}));
  EXPECT_TRUE(throws_error(
      [&] {
        Batcher b(m.session, BatcherOptions{}.shape_groups({{{2, 64}}}));
      },
      ErrorCode::InvalidArgument, {"shape group 0", "1 row"}));
}

TEST(Batcher, BadSubmitsThrowAndQueueNothing) {
  const Model m = dense();
  Batcher batcher(m.session, BatcherOptions{}.batch_sizes({1, 4}).max_delay(kForever));
  std::vector<float> x5(5 * m.in_width), y5(5 * m.out_width), x1(m.in_width), y1(m.out_width), y2(2 * m.out_width);
  EXPECT_TRUE(throws_error([&] { (void)batcher.submit({TensorView<const float>(x5, m.rows(5))}, {OutputSpan(y5)}); },
                           ErrorCode::InvalidArgument, {"5 rows", "max_batch_size 4"}));
  EXPECT_TRUE(throws_error([&] { (void)batcher.submit({TensorView<const float>(x1, m.rows(1))}, {OutputSpan(y2)}); },
                           ErrorCode::InvalidArgument, {"output 0 'y'", "128 bytes", "got 256 bytes"}));
  std::vector<double> d(m.in_width);
  EXPECT_TRUE(throws_error(
      [&] {
        (void)batcher.submit({TensorView<const double>(d, {1, 64})}, {OutputSpan(y1)});
      },
      ErrorCode::InvalidArgument, {"input 0 'x'", "expected float", "got double"}));
  std::vector<float> wide(m.in_width + 1);
  EXPECT_TRUE(throws_error(
      [&] {
        (void)batcher.submit({TensorView<const float>(wide, {1, 65})}, {OutputSpan(y1)});
      },
      ErrorCode::InvalidArgument, {"match no shape group", "[1,65]"}));
  EXPECT_EQ(batcher.metrics().submitted, 0u);
  EXPECT_EQ(batcher.metrics().queue_depth, 0u);
}

TEST(Batcher, RequestOutputsCheckIndexAndType) {
  const Model m = dense();
  Batcher batcher(m.session, BatcherOptions{}.max_delay(0us));
  std::vector<float> x(m.in_width, 0.25f);
  std::promise<std::string> messages;
  batcher.submit({TensorView<const float>(x, m.rows(1))}, [&](const RequestOutputs& o, std::exception_ptr) noexcept {
    std::string got;
    try {
      (void)o.output<double>(0);
    } catch (const zrt::Error& e) {
      got += e.what();
    }
    try {
      (void)o.output<float>(1);
    } catch (const zrt::Error& e) {
      got += e.what();
    }
    messages.set_value(got);
  });
  const std::string got = messages.get_future().get();
  EXPECT_NE(got.find("is float, read as double"), std::string::npos) << got;
  EXPECT_NE(got.find("output 1 out of range"), std::string::npos) << got;
}

}  // namespace

namespace {

// The README's Batcher example, as written there (on the test MLP).
TEST(Batcher, ReadmeExample) {
  const Session session = Session::from_bytes(zrt::test::mlp(), SessionOptions{}.intra_op_threads(1));
  const std::vector<float> pixels = zrt::test::mlp_input(1, 3);
  zrt::Batcher batcher(session, zrt::BatcherOptions{}
                                    .batch_sizes({1, 2, 4, 8, 16})
                                    .max_delay(std::chrono::microseconds(200))
                                    .queue_bound(1024)
                                    .when_full(zrt::QueueFull::Reject));
  std::vector<float> logits(10);
  auto request = batcher.submit({zrt::TensorView<const float>(pixels, {1, 784})}, {logits});
  zrt::RequestInfo info = request.get();
  EXPECT_EQ(info.rows, 1u);
  EXPECT_EQ(logits, zrt::test::mlp_reference(pixels, 1));
}

}  // namespace
