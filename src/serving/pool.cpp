// Pool: a bounded ring of request records, N worker threads, one lane each.
#include "zrt/pool.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "serving/serving_detail.hpp"
#include "zrt/error.hpp"

namespace zrt {

namespace {
using Clock = std::chrono::steady_clock;

// One queued request: its id, when it came, and where its inputs are (checked by submit).
struct Request {
  std::uint64_t id = 0;
  Clock::time_point submitted;
  std::vector<const std::byte*> inputs;  // sized once: the lanes' input count
};

// A lane's input buffers as bytes, fetched once.
struct LaneInputs {
  std::vector<std::byte*> data;
};
}  // namespace

struct Pool::State {
  Runtime runtime;
  Callback callback;
  PoolOptions options;
  std::vector<LaneInputs> lane_inputs;
  // What every lane expects (lanes share shapes and types): per input.
  std::vector<ElementType> types;
  std::vector<Shape> shapes;
  std::vector<std::size_t> bytes;

  mutable std::mutex mutex;
  std::condition_variable work;   // a request was queued, or stop
  std::condition_variable space;  // a request left the queue
  std::condition_variable idle;   // nothing queued or running
  std::vector<Request> ring;      // queue_bound records
  std::size_t head = 0;
  std::size_t count = 0;
  std::size_t running = 0;
  bool stop = false;

  std::atomic<std::uint64_t> submitted{0}, completed{0}, failed{0}, rejected{0};
  detail::LatencyHistogram queue_wait, run_time;
  std::vector<std::thread> threads;

  State(Runtime rt, Callback cb, const PoolOptions& opts)
      : runtime(std::move(rt)), callback(std::move(cb)), options(opts) {}

  void check(std::span<const Input> inputs, std::vector<const std::byte*>* out) const;
  bool enqueue(std::uint64_t id, std::span<const Input> inputs, bool may_block, bool may_throw);
  void work_loop(std::size_t lane_index);
};

void Pool::State::check(std::span<const Input> inputs, std::vector<const std::byte*>* out) const {
  const Session& session = runtime.session(0);
  if (inputs.size() != types.size()) {
    throw Error("Pool::submit: got " + std::to_string(inputs.size()) + " inputs, the model has " +
                std::to_string(types.size()));
  }
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].name() != nullptr && session.input_index(inputs[i].name()) != i) {
      throw Error("Pool::submit: inputs go in model order; got '" + std::string(inputs[i].name()) + "' at position " +
                  std::to_string(i));
    }
    const detail::HostInput h = detail::host_input("Pool::submit", session, inputs[i], i);
    if (h.type != types[i] || !(h.shape == shapes[i])) {
      throw Error("Pool::submit: " + detail::input_label(session, i) + ": expected " +
                  std::string(to_string(types[i])) + shapes[i].to_string() + " (the lanes' shape), got " +
                  std::string(to_string(h.type)) + h.shape.to_string());
    }
    if (out != nullptr) (*out)[i] = h.data;
  }
}

bool Pool::State::enqueue(std::uint64_t id, std::span<const Input> inputs, bool may_block, bool may_throw) {
  check(inputs, nullptr);
  std::unique_lock lock(mutex);
  if (count == ring.size()) {
    if (!may_block) {
      rejected.fetch_add(1, std::memory_order_relaxed);
      lock.unlock();
      if (may_throw) {
        throw Error("Pool::submit: queue full (" + std::to_string(ring.size()) +
                    " requests waiting); request rejected (QueueFull::Reject)");
      }
      return false;
    }
    space.wait(lock, [&] { return count < ring.size() || stop; });
    if (stop) throw Error("Pool::submit: the pool is shutting down");
  }
  Request& r = ring[(head + count) % ring.size()];
  r.id = id;
  r.submitted = Clock::now();
  check(inputs, &r.inputs);  // cannot throw now: the same inputs passed above
  ++count;
  submitted.fetch_add(1, std::memory_order_relaxed);
  lock.unlock();
  work.notify_one();
  return true;
}

void Pool::State::work_loop(std::size_t lane_index) {
  if (options.pin_workers()) runtime.pin_current_thread(lane_index);
  Lane& lane = runtime.lane(lane_index);
  const std::vector<std::byte*>& dst = lane_inputs[lane_index].data;
  std::vector<const std::byte*> src(types.size());
  for (;;) {
    std::uint64_t id = 0;
    Clock::time_point came;
    {
      std::unique_lock lock(mutex);
      work.wait(lock, [&] { return count > 0 || stop; });
      if (count == 0) return;  // stop, and nothing left
      Request& r = ring[head];
      id = r.id;
      came = r.submitted;
      std::copy(r.inputs.begin(), r.inputs.end(), src.begin());
      head = (head + 1) % ring.size();
      --count;
      ++running;
    }
    space.notify_one();
    const Clock::time_point start = Clock::now();
    queue_wait.record(start - came);
    std::exception_ptr error;
    try {
      for (std::size_t i = 0; i < dst.size(); ++i) std::memcpy(dst[i], src[i], bytes[i]);
      lane.run();
    } catch (...) {
      error = std::current_exception();
    }
    // noexcept context: an exception escaping the callback terminates, as documented.
    [&]() noexcept { callback(id, lane, error); }();
    run_time.record(Clock::now() - start);
    (error ? failed : completed).fetch_add(1, std::memory_order_relaxed);
    {
      std::lock_guard lock(mutex);
      --running;
      if (count == 0 && running == 0) idle.notify_all();
    }
  }
}

Pool::Pool(Runtime runtime, Callback callback, const PoolOptions& options)
    : state_(std::make_unique<State>(std::move(runtime), std::move(callback), options)) {
  State& s = *state_;
  if (s.runtime.size() == 0) throw Error("Pool: the runtime has no lanes");
  if (!s.callback) throw Error("Pool: the completion callback is empty");
  if (options.queue_bound() == 0) throw Error("Pool: queue_bound must be at least 1");
  const Lane& first = s.runtime.lane(0);
  for (std::size_t i = 0; i < first.input_count(); ++i) {
    const Value& t = first.input_tensor(i);  // throws for inputs not in lane-owned storage
    if (!t.memory_info().is_host_accessible()) {
      throw Error("Pool: " + detail::input_label(first.session(), i) + " is not in host memory");
    }
    s.types.push_back(t.element_type());
    s.shapes.push_back(first.input_shape(i));
    s.bytes.push_back(t.bytes().size());
  }
  for (std::size_t l = 0; l < s.runtime.size(); ++l) {
    Lane& lane = s.runtime.lane(l);
    LaneInputs li;
    for (std::size_t i = 0; i < lane.input_count(); ++i) {
      if (!(lane.input_shape(i) == s.shapes[i])) {
        throw Error("Pool: lane " + std::to_string(l) + " " + detail::input_label(lane.session(), i) + " has shape " +
                    lane.input_shape(i).to_string() + ", lane 0 has " + s.shapes[i].to_string() +
                    "; every lane must take the same shapes");
      }
      li.data.push_back(const_cast<Value&>(lane.input_tensor(i)).mutable_bytes().data());
    }
    s.lane_inputs.push_back(std::move(li));
  }
  s.ring.resize(options.queue_bound());
  for (Request& r : s.ring) r.inputs.resize(s.types.size());
  s.threads.reserve(s.runtime.size());
  for (std::size_t l = 0; l < s.runtime.size(); ++l) s.threads.emplace_back([&s, l] { s.work_loop(l); });
}

Pool::Pool(const Session& session, std::size_t lanes, Callback callback, const PoolOptions& options,
           const LaneOptions& lane_options)
    : Pool(Runtime::shared(session, lanes, lane_options), std::move(callback), options) {}

Pool::~Pool() {
  if (!state_) return;
  {
    std::lock_guard lock(state_->mutex);
    state_->stop = true;
  }
  state_->work.notify_all();
  state_->space.notify_all();
  for (std::thread& t : state_->threads) t.join();
}

Pool::Pool(Pool&&) noexcept = default;
Pool& Pool::operator=(Pool&& other) noexcept {
  if (this != &other) {
    Pool old(std::move(*this));
    state_ = std::move(other.state_);
  }
  return *this;
}

namespace {
Pool::State& live(const std::unique_ptr<Pool::State>& state, const char* what) {
  if (!state) throw Error(std::string(what) + ": the Pool was moved from");
  return *state;
}
}  // namespace

void Pool::submit(std::uint64_t id, std::span<const Input> inputs) {
  State& s = live(state_, "Pool::submit");
  s.enqueue(id, inputs, s.options.when_full() == QueueFull::Block, true);
}

bool Pool::try_submit(std::uint64_t id, std::span<const Input> inputs) {
  return live(state_, "Pool::try_submit").enqueue(id, inputs, false, false);
}

void Pool::wait_all() {
  State& s = live(state_, "Pool::wait_all");
  std::unique_lock lock(s.mutex);
  s.idle.wait(lock, [&] { return s.count == 0 && s.running == 0; });
}

PoolMetrics Pool::metrics() const {
  const State& s = live(state_, "Pool::metrics");
  PoolMetrics m;
  {
    std::lock_guard lock(s.mutex);
    m.queue_depth = s.count;
    m.running = s.running;
  }
  m.submitted = s.submitted.load(std::memory_order_relaxed);
  m.completed = s.completed.load(std::memory_order_relaxed) + s.failed.load(std::memory_order_relaxed);
  m.failed = s.failed.load(std::memory_order_relaxed);
  m.rejected = s.rejected.load(std::memory_order_relaxed);
  m.queue_wait = s.queue_wait.summary();
  m.run_time = s.run_time.summary();
  return m;
}

std::size_t Pool::size() const noexcept { return state_ ? state_->runtime.size() : 0; }

const Lane& Pool::lane(std::size_t i) const { return live(state_, "Pool::lane").runtime.lane(i); }

}  // namespace zrt
