// Pool: N lanes served by N worker threads behind one bounded queue, with one
// completion callback that takes the request id (the OpenVINO AsyncInferQueue
// pattern). The simple way to keep every core busy without batching, and the baseline
// a Batcher must beat. Submitting never allocates in steady state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>

#include "zrt/lane.hpp"
#include "zrt/runtime.hpp"
#include "zrt/serving_queue.hpp"
#include "zrt/session.hpp"

namespace zrt {

// How a Pool queues and runs. Setters chain.
class PoolOptions {
 public:
  // Most requests waiting at once (not counting those running); 0 is rejected.
  PoolOptions& queue_bound(std::size_t n) noexcept {
    queue_bound_ = n;
    return *this;
  }
  // What submit does when the queue is full (default: block).
  PoolOptions& when_full(QueueFull mode) noexcept {
    when_full_ = mode;
    return *this;
  }
  // Pin worker i to core i % core_count() (Runtime::pin_current_thread).
  PoolOptions& pin_workers(bool on) noexcept {
    pin_workers_ = on;
    return *this;
  }
  std::size_t queue_bound() const noexcept { return queue_bound_; }
  QueueFull when_full() const noexcept { return when_full_; }
  bool pin_workers() const noexcept { return pin_workers_; }

 private:
  std::size_t queue_bound_ = 64;
  QueueFull when_full_ = QueueFull::Block;
  bool pin_workers_ = false;
};

// Readable while the pool runs (a snapshot; counters since construction).
struct PoolMetrics {
  std::size_t queue_depth = 0;  // requests waiting now
  std::size_t running = 0;      // requests on a lane now
  std::uint64_t submitted = 0;  // accepted by submit
  std::uint64_t completed = 0;  // callback called (with or without an error)
  std::uint64_t failed = 0;     // of those, with an error
  std::uint64_t rejected = 0;   // refused because the queue was full (QueueFull::Reject)
  LatencySummary queue_wait;    // submit -> a worker takes it
  LatencySummary run_time;      // input copy + lane run + callback
};

class Pool {
 public:
  // Called once per request, on the worker thread that ran it, with the request's id,
  // the lane it ran on (read the outputs there: lane.output<T>(i); they stay valid
  // until the callback returns) and a null error, or the run's zrt::Error. Must not
  // throw (an escaping exception calls std::terminate). Keep it short: it holds a lane.
  using Callback = std::function<void(std::uint64_t id, Lane& lane, std::exception_ptr error)>;

  // Over the lanes of `runtime` (any mode): one worker thread per lane.
  Pool(Runtime runtime, Callback callback, const PoolOptions& options = {});
  // Over `lanes` lanes on one session (Runtime::shared).
  Pool(const Session& session, std::size_t lanes, Callback callback, const PoolOptions& options = {},
       const LaneOptions& lane_options = {});

  // Finishes every queued request (callbacks included), then joins the workers.
  ~Pool();
  Pool(Pool&&) noexcept;
  Pool& operator=(Pool&&) noexcept;
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // Queues request `id` (any value; ids need not be unique). A worker copies each
  // input's bytes into its lane's input buffer, runs the lane and calls the callback.
  // Inputs are checked here against the lanes' inputs (count, element type, shape) and
  // a mismatch throws zrt::Error naming the input. The memory the inputs view is
  // borrowed until the callback for `id` returns. Thread-safe; one short lock.
  // When the queue is full: blocks, or throws zrt::Error (QueueFull::Reject).
  void submit(std::uint64_t id, std::span<const Input> inputs);
  void submit(std::uint64_t id, std::initializer_list<Input> inputs) {
    submit(id, std::span<const Input>(inputs.begin(), inputs.size()));
  }
  // Like submit, but returns false instead of blocking or throwing when the queue is
  // full (the metrics count it as rejected).
  bool try_submit(std::uint64_t id, std::span<const Input> inputs);

  // Waits until no request is queued or running.
  void wait_all();

  PoolMetrics metrics() const;
  // Lanes (= worker threads); 0 after a move.
  std::size_t size() const noexcept;
  // Lane i, e.g. to read its shapes. Driving it while the pool runs is a data race.
  const Lane& lane(std::size_t i) const;

  struct State;

 private:
  std::unique_ptr<State> state_;
};

}  // namespace zrt
