// Batcher: single requests from many threads, run together in micro-batches over
// bind-once lanes (one lane per prebuilt batch size and worker), with no allocation per
// request in steady state.
//
// Policy: a worker dispatches when the largest batch is full, or when the oldest queued
// request has waited `max_delay`. A partial batch runs on the smallest prebuilt size
// that holds it; the padding rows (zeros) are never returned. Requests whose non-batch
// shapes differ never share a batch. A queued request can be cancelled; a running batch
// is never torn apart.
//
// For models whose rows are independent (row i of the outputs depends only on row i of
// the inputs): MLPs, conv nets, per-row attention. Not for models that mix rows across
// the batch (batch norm in training mode, attention across the batch, anything that
// reduces over the batch axis): their results would depend on the other requests.
// The batch axis must be the leading dim of every input and output; a model with no
// such dim is rejected at construction.
//
// Each request's outputs are those of running it alone at batch size 1 through
// Session::run, when the model's kernels compute a row the same way at every batch
// size (docs/architecture.md, "Serving", says where ORT's CPU kernels do and do not).
#pragma once

#include <chrono>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <future>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "zrt/element.hpp"
#include "zrt/error.hpp"
#include "zrt/lane.hpp"
#include "zrt/serving_queue.hpp"
#include "zrt/session.hpp"
#include "zrt/shape.hpp"
#include "zrt/shape_buckets.hpp"

namespace zrt {

// Identifies one queued request (for cancel). Never reused while the Batcher lives.
using RequestId = std::uint64_t;

// How a Batcher is built. Setters chain.
class BatcherOptions {
 public:
  // The prebuilt batch sizes, one lane each per worker and shape group (default 1, 2,
  // 4, 8). Sorted and de-duplicated at construction; 0 is rejected.
  BatcherOptions& batch_sizes(std::vector<std::size_t> sizes) {
    batch_sizes_ = std::move(sizes);
    return *this;
  }
  // Most rows in one batch (default: the largest prebuilt size; more is rejected).
  // A batch is "full", and dispatched at once, when it holds this many rows.
  BatcherOptions& max_batch_size(std::size_t n) noexcept {
    max_batch_size_ = n;
    return *this;
  }
  // Longest time the oldest queued request waits for others (default 200 us).
  BatcherOptions& max_delay(std::chrono::nanoseconds delay) noexcept {
    max_delay_ = delay;
    return *this;
  }
  // Most requests queued at once, not counting running batches (default 1024). The
  // request records are preallocated for this many; 0 is rejected.
  BatcherOptions& queue_bound(std::size_t n) noexcept {
    queue_bound_ = n;
    return *this;
  }
  // What submit does when the queue is full (default: block).
  BatcherOptions& when_full(QueueFull mode) noexcept {
    when_full_ = mode;
    return *this;
  }
  // Worker threads, each with its own lanes, so that batches run concurrently (default 1).
  BatcherOptions& workers(std::size_t n) noexcept {
    workers_ = n;
    return *this;
  }
  // The batch dim: the symbolic name of the inputs' leading dim (e.g. "N"). Default:
  // the leading dim of every input, which must be free (-1).
  BatcherOptions& batch_dim(std::string symbol) {
    batch_dim_ = std::move(symbol);
    return *this;
  }
  // The shapes one request row may have, one group per entry, each one Shape per model
  // input with the batch dim as 1 (e.g. {{{1, 128}}, {{1, 256}}} for two sequence
  // lengths). Default: the model's input shapes with the batch dim as 1, which then
  // must have no other free dim. A request matching no group is rejected by submit.
  BatcherOptions& shape_groups(std::vector<std::vector<Shape>> groups) {
    shape_groups_ = std::move(groups);
    return *this;
  }
  // Output shapes for one lane, given its input shapes (batch dim included). Default:
  // the model's declared output shapes, with the batch dim (and any symbolic dim that
  // also names an input dim) taken from the inputs, as ShapeBuckets does.
  BatcherOptions& output_shapes(OutputShapeFn fn) {
    output_shapes_ = std::move(fn);
    return *this;
  }
  // Buffer policies for every lane (shapes are set per lane; storage must stay host buffers).
  BatcherOptions& lane_options(LaneOptions options) {
    lane_options_ = std::move(options);
    return *this;
  }
  // Runs made on every lane at construction, to warm ORT's arena (default 2).
  BatcherOptions& prime(std::size_t n) noexcept {
    prime_ = n;
    return *this;
  }
  // Pin worker i to core i % core_count() (Runtime::pin_current_thread).
  BatcherOptions& pin_workers(bool on) noexcept {
    pin_workers_ = on;
    return *this;
  }

  const std::vector<std::size_t>& batch_sizes() const noexcept { return batch_sizes_; }
  std::size_t max_batch_size() const noexcept { return max_batch_size_; }  // 0: the largest size
  std::chrono::nanoseconds max_delay() const noexcept { return max_delay_; }
  std::size_t queue_bound() const noexcept { return queue_bound_; }
  QueueFull when_full() const noexcept { return when_full_; }
  std::size_t workers() const noexcept { return workers_; }
  const std::string& batch_dim() const noexcept { return batch_dim_; }
  const std::vector<std::vector<Shape>>& shape_groups() const noexcept { return shape_groups_; }
  const OutputShapeFn& output_shapes() const noexcept { return output_shapes_; }
  const LaneOptions& lane_options() const noexcept { return lane_options_; }
  std::size_t prime() const noexcept { return prime_; }
  bool pin_workers() const noexcept { return pin_workers_; }

 private:
  std::vector<std::size_t> batch_sizes_{1, 2, 4, 8};
  std::size_t max_batch_size_ = 0;
  std::chrono::nanoseconds max_delay_ = std::chrono::microseconds(200);
  std::size_t queue_bound_ = 1024;
  QueueFull when_full_ = QueueFull::Block;
  std::size_t workers_ = 1;
  std::string batch_dim_;
  std::vector<std::vector<Shape>> shape_groups_;
  OutputShapeFn output_shapes_;
  LaneOptions lane_options_;
  std::size_t prime_ = 2;
  bool pin_workers_ = false;
};

// What happened to one request.
struct RequestInfo {
  RequestId id = 0;
  std::size_t rows = 0;                    // the request's own rows (its inputs' batch dim)
  std::size_t batch_rows = 0;              // real rows in the batch it ran in (all requests)
  std::size_t batch_size = 0;              // the prebuilt size it ran on (batch_size - batch_rows rows were padding)
  std::chrono::nanoseconds queue_wait{0};  // submit -> its batch starts
  std::chrono::nanoseconds run_time{0};    // its batch: rows in, lane run, rows out
};

// Where the copy form writes one output's rows: caller memory of exactly the request's
// rows times one row's elements, of the output's element type. Borrowed until completion.
class OutputSpan {
 public:
  template <Element T>
  requires(!std::is_const_v<T>) OutputSpan(std::span<T> data)
  noexcept  // NOLINT(google-explicit-constructor)
      : data_(data.data()), bytes_(data.size_bytes()), type_(element_type_of<T>) {}
  template <Element T, typename A>
  OutputSpan(std::vector<T, A>& data) noexcept  // NOLINT(google-explicit-constructor)
      : OutputSpan(std::span<T>(data)) {}

  void* data() const noexcept { return data_; }
  std::size_t bytes() const noexcept { return bytes_; }
  ElementType element_type() const noexcept { return type_; }

 private:
  void* data_ = nullptr;
  std::size_t bytes_ = 0;
  ElementType type_ = ElementType::Undefined;
};

// One request's output rows, as a callback sees them: views of the batch lane's
// output buffers (view form) or of the caller's memory (copy form). Valid only during
// the callback; copy what must outlive it.
class RequestOutputs {
 public:
  // One output's rows, type-erased (Batcher fills these).
  struct Rows {
    const void* data = nullptr;
    std::size_t count = 0;  // elements
    ElementType type = ElementType::Undefined;
    Shape shape;  // the request's rows in the leading dim
  };

  RequestOutputs(const RequestInfo& info, std::span<const Rows> rows) noexcept : info_(&info), rows_(rows) {}

  std::size_t size() const noexcept { return rows_.size(); }
  // Output i's rows; throws zrt::Error when i is out of range or T is not its type.
  template <Element T>
  std::span<const T> output(std::size_t i) const {
    const Rows& r = checked(i, element_type_of<T>);
    return {static_cast<const T*>(r.data), r.count};
  }
  const Shape& shape(std::size_t i) const { return checked(i, ElementType::Undefined).shape; }
  ElementType element_type(std::size_t i) const { return checked(i, ElementType::Undefined).type; }
  const RequestInfo& info() const noexcept { return *info_; }

 private:
  const Rows& checked(std::size_t i, ElementType type) const;  // Undefined: any type
  const RequestInfo* info_;
  std::span<const Rows> rows_;
};

// A completion callback: called once with (outputs, nullptr) or (empty outputs,
// error), on a worker thread; must not throw. Stored inline (64 bytes at most), so
// submitting it never allocates; capture a pointer to anything larger. Keep it short
// (it holds the worker), and never let it (or a coroutine resumed by the batcher) wait
// on this Batcher: a blocking submit there could wait for the worker it holds.
template <typename F>
concept BatchCallback = std::invocable < std::decay_t<F>
&, const RequestOutputs&, std::exception_ptr > &&std::is_nothrow_move_constructible_v<std::decay_t<F>>;

namespace detail {
using BatchCallbackFn = InlineFunction<void(const RequestOutputs&, std::exception_ptr), 64>;
struct BatchWaiter;  // the coroutine form's completion (batcher.cpp)
}  // namespace detail

// Readable while the Batcher runs (a snapshot; counters since construction).
struct BatcherMetrics {
  std::size_t queue_depth = 0;  // requests queued now
  std::uint64_t submitted = 0;  // accepted by submit
  std::uint64_t completed = 0;  // completed with outputs
  std::uint64_t failed = 0;     // completed with a run error
  std::uint64_t cancelled = 0;  // removed by cancel
  std::uint64_t rejected = 0;   // refused: queue full (QueueFull::Reject)
  std::uint64_t batches = 0;    // lane runs
  std::uint64_t padding_rows = 0;
  // batch_rows[r]: batches that ran with r real rows (index 0 unused; size max_batch_size + 1).
  std::vector<std::uint64_t> batch_rows;
  LatencySummary queue_wait;  // per request: submit -> its batch starts
  LatencySummary run_time;    // per request: its batch's rows in, run, rows out
};

// The future form's result: the request's id (for cancel) and its future, which gives
// the RequestInfo once the outputs are in the caller's memory, or throws the error.
struct BatchFuture {
  RequestId id = 0;
  std::future<RequestInfo> future;
  RequestInfo get() { return future.get(); }
};

class BatchAwaitable;

class Batcher {
 public:
  // Builds every lane (workers x shape groups x batch sizes), primes them and starts
  // the workers. Throws zrt::Error naming what is wrong: a model without a batch dim,
  // an output whose leading dim is not the batch, bad sizes or bounds.
  explicit Batcher(const Session& session, const BatcherOptions& options = {});
  // Runs every queued request to completion (no waiting for the delay), then joins
  // the workers.
  ~Batcher();
  Batcher(Batcher&&) noexcept;
  Batcher& operator=(Batcher&&) noexcept;
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  // Every form takes inputs in model order (TensorView inputs of host memory), each
  // with the same rows r >= 1 in its leading dim (r <= max_batch_size) and the rest of
  // its shape matching one shape group. The memory they view is borrowed until the
  // request completes: its rows are copied once, into the batch lane, when its batch
  // starts. Bad inputs throw zrt::Error at once (nothing is queued). When the queue is
  // full: blocks, or throws zrt::Error saying "queue full" (QueueFull::Reject).
  // Thread-safe: one short lock per submit.

  // (a) future, copy form: each output's rows are copied into `outputs` (model order).
  [[nodiscard]] BatchFuture submit(std::span<const Input> inputs, std::span<const OutputSpan> outputs);
  [[nodiscard]] BatchFuture submit(std::initializer_list<Input> inputs, std::initializer_list<OutputSpan> outputs) {
    return submit(std::span<const Input>(inputs.begin(), inputs.size()),
                  std::span<const OutputSpan>(outputs.begin(), outputs.size()));
  }

  // (b) callback, copy form: rows copied into `outputs`, then `callback` sees them there.
  template <BatchCallback F>
  RequestId submit(std::span<const Input> inputs, std::span<const OutputSpan> outputs, F&& callback) {
    return submit_callback(inputs, outputs, true, detail::BatchCallbackFn(std::forward<F>(callback)));
  }
  template <BatchCallback F>
  RequestId submit(std::initializer_list<Input> inputs, std::initializer_list<OutputSpan> outputs, F&& callback) {
    return submit(std::span<const Input>(inputs.begin(), inputs.size()),
                  std::span<const OutputSpan>(outputs.begin(), outputs.size()), std::forward<F>(callback));
  }
  // (b) callback, view form: `callback` sees the rows in the batch lane's own output
  // buffers (no copy); the views end when it returns.
  template <BatchCallback F>
  RequestId submit(std::span<const Input> inputs, F&& callback) {
    return submit_callback(inputs, {}, false, detail::BatchCallbackFn(std::forward<F>(callback)));
  }
  template <BatchCallback F>
  RequestId submit(std::initializer_list<Input> inputs, F&& callback) {
    return submit(std::span<const Input>(inputs.begin(), inputs.size()), std::forward<F>(callback));
  }

  // (c) coroutine, copy form: `RequestInfo info = co_await batcher.submit_awaitable(in, out);`
  // The inputs are checked and a request record is taken here (blocking or throwing
  // when the queue is full); the request joins the queue when the awaitable is awaited,
  // and the coroutine resumes on a worker thread (co_await throws the error on
  // failure). Await it once; GCC 12 needs the awaitable made in a statement of its own
  // when the input list is braced (see RunAwaitable).
  [[nodiscard]] BatchAwaitable submit_awaitable(std::span<const Input> inputs, std::span<const OutputSpan> outputs);
  [[nodiscard]] BatchAwaitable submit_awaitable(std::initializer_list<Input> inputs,
                                                std::initializer_list<OutputSpan> outputs);

  // Removes a queued request: true when it was still queued (its completion then
  // reports a zrt::Error saying "cancelled", on the calling thread, before cancel
  // returns); false when its batch has started or it has completed (its outputs arrive
  // as usual), or the id is unknown.
  bool cancel(RequestId id);

  // Waits until no request is queued or running (dispatching partial batches at once).
  void drain();

  // A snapshot, readable while the Batcher runs (allocates the histogram vector).
  BatcherMetrics metrics() const;

  // The prebuilt sizes (sorted) and the largest batch in rows.
  std::span<const std::size_t> batch_sizes() const;
  std::size_t max_batch_size() const;
  const Session& session() const;

  struct State;

 private:
  friend class BatchAwaitable;
  RequestId submit_callback(std::span<const Input> inputs, std::span<const OutputSpan> outputs, bool copy,
                            detail::BatchCallbackFn callback);
  std::unique_ptr<State> state_;
};

// The coroutine form (see Batcher::submit_awaitable). Holds a request record, taken
// when it is made, until it is awaited (or destroyed: then the record is freed unqueued).
// It must not outlive its Batcher. (A BatchFuture may: its shared state keeps what it needs.)
class BatchAwaitable {
 public:
  BatchAwaitable(BatchAwaitable&&) noexcept;
  BatchAwaitable& operator=(BatchAwaitable&&) = delete;
  BatchAwaitable(const BatchAwaitable&) = delete;
  BatchAwaitable& operator=(const BatchAwaitable&) = delete;
  ~BatchAwaitable();

  bool await_ready() const noexcept { return false; }
  // Queues the request; returns false (resume at once, co_await throws) if it cannot.
  bool await_suspend(std::coroutine_handle<> handle) noexcept;
  RequestInfo await_resume();
  // The request's id, for cancel from another thread.
  RequestId id() const noexcept { return info_.id; }

 private:
  friend class Batcher;
  friend struct detail::BatchWaiter;
  BatchAwaitable(Batcher::State& state, std::uint32_t slot) noexcept : state_(&state), slot_(slot) {}

  Batcher::State* state_ = nullptr;
  std::uint32_t slot_ = 0;
  bool queued_ = false;
  std::coroutine_handle<> handle_;
  RequestInfo info_;
  std::exception_ptr error_;
};

}  // namespace zrt
