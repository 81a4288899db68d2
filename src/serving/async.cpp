#include "zrt/async.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ort/api.hpp"
#include "session/session_state.hpp"

namespace zrt {

using detail::api;

namespace detail {

// Everything ORT reads between RunAsync and its callback, plus what the callback needs.
struct AsyncCall {
  std::shared_ptr<const Session::State> session;  // released on the reaper thread only
  std::shared_ptr<RunOptions> options;
  PreparedInputs inputs;  // one ORT value per model input, in model order
  // LoRA adapters (RunAsync ignores RunOptions' adapters): their parameters follow the
  // model inputs in `inputs.values`, named in `names`; the set is kept for the run.
  std::shared_ptr<const RunOptions::AdapterSet> adapters;
  std::vector<const char*> names;  // empty: no adapters (the session's input names)
  std::vector<OrtValue*> out;      // ORT fills it; owned until moved into `outputs`
  Outputs outputs;                 // made for the session up front
  std::unique_ptr<AsyncCompletion> completion;
  // Release (start_async) / acquire (callback): the hand-over through ORT's queue is
  // invisible to ThreadSanitizer, which does see this pair.
  std::atomic<bool> started{false};

  ~AsyncCall() {
    for (OrtValue* v : out) {
      if (v != nullptr) api().ReleaseValue(v);
    }
  }
};

void AsyncCallDeleter::operator()(AsyncCall* call) const noexcept { delete call; }

}  // namespace detail

namespace {

// Releases session handles off ORT's threads. Destroying a session (or environment)
// on one of its own pool threads makes ORT join the thread it is running on, so the
// callback never drops its handle itself: it hands it here. One thread, started on
// first use, woken only when it sleeps. At exit (atexit, before the default
// Environment goes) it drains its queue and stops; handles that arrive after that,
// from runs still finishing while the process ends, are parked, never released on
// ORT's thread. The object itself is never destroyed, so a late caller is safe.
class Reaper {
 public:
  static Reaper& instance() {
    static Reaper* const reaper = [] {
      auto* r = new Reaper;
      std::atexit([] { instance().stop(); });
      return r;
    }();
    return *reaper;
  }

  void release(std::shared_ptr<const Session::State>&& session) noexcept {
    std::unique_lock lock(mutex_);
    try {
      if (stopping_) {
        parked_.push_back(std::move(session));  // the process is ending
        return;
      }
      if (!thread_.joinable()) thread_ = std::thread([this] { loop(); });
      queue_.push_back(std::move(session));
      const bool wake = sleeping_;
      lock.unlock();
      if (wake) wake_.notify_one();
      return;
    } catch (...) {
      // No thread or no memory: release here (unsafe on ORT's thread, but it leaks nothing).
    }
    if (lock.owns_lock()) lock.unlock();
    session.reset();
  }

  void stop() noexcept {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

 private:
  Reaper() = default;

  void loop() {
    std::vector<std::shared_ptr<const Session::State>> batch;
    for (;;) {
      {
        std::unique_lock lock(mutex_);
        sleeping_ = true;
        wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        sleeping_ = false;
        if (queue_.empty()) return;  // stopping, and everything released
        batch.swap(queue_);
      }
      batch.clear();  // the releases happen here, outside the lock
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<std::shared_ptr<const Session::State>> queue_;
  std::vector<std::shared_ptr<const Session::State>> parked_;
  std::thread thread_;
  bool sleeping_ = false;
  bool stopping_ = false;
};

// detail::check_input speaks for Session::run; the checks are the same, under our name.
template <typename F>
void checked(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    static constexpr std::string_view kPrefix = "Session::run:";
    std::string_view message = e.what();
    if (message.substr(0, kPrefix.size()) != kPrefix) throw;
    throw Error(e.code(), "run_async:" + std::string(message.substr(kPrefix.size())));
  }
}

bool is_thread_pool_error(const Error& e) { return std::strstr(e.what(), "intra op thread pool") != nullptr; }

void ORT_API_CALL on_complete(void* user_data, OrtValue** /*outputs*/, std::size_t /*count*/,
                              OrtStatus* status) noexcept {
  detail::AsyncCallPtr call(static_cast<detail::AsyncCall*>(user_data));
  (void)call->started.load(std::memory_order_acquire);

  std::exception_ptr error;
  if (status != nullptr) {
    try {
      detail::check(status, "run_async");  // releases the status
    } catch (...) {
      error = std::current_exception();
    }
  } else {
    // ORT filled our own array (the `outputs` argument points at it).
    for (std::size_t j = 0; j < call->out.size(); ++j) {
      call->outputs[j] = Value::adopt(std::exchange(call->out[j], nullptr));
    }
  }
  Outputs outputs;
  if (!error) outputs = std::move(call->outputs);
  std::unique_ptr<detail::AsyncCompletion> completion = std::move(call->completion);
  std::shared_ptr<const Session::State> session = std::move(call->session);
  call.reset();  // input values, arrays, our share of the RunOptions (the session lives on in `session`)

  completion->complete(std::move(outputs), std::move(error));
  // Whatever the completion still holds (a callback's captures, an abandoned future's
  // outputs) goes while `session` keeps the session alive, so none of it is the last
  // handle; `session` itself is released off this thread.
  completion.reset();
  outputs = Outputs();
  Reaper::instance().release(std::move(session));
}

// Delivers the result through a std::promise.
class PromiseCompletion final : public detail::AsyncCompletion {
 public:
  std::promise<Outputs> promise;
  void complete(Outputs&& outputs, std::exception_ptr error) noexcept override {
    try {
      if (error)
        promise.set_exception(std::move(error));
      else
        promise.set_value(std::move(outputs));
    } catch (...) {
      // set_* throws only when the promise was already satisfied, which cannot happen.
    }
  }
};

}  // namespace

namespace detail {

// Writes the result into the awaitable (in the coroutine frame) and resumes the coroutine.
class AwaitCompletion final : public AsyncCompletion {
 public:
  AwaitCompletion(RunAwaitable* awaitable, std::coroutine_handle<> handle) noexcept
      : awaitable_(awaitable), handle_(handle) {}
  void complete(Outputs&& outputs, std::exception_ptr error) noexcept override {
    awaitable_->outputs_ = std::move(outputs);
    awaitable_->error_ = std::move(error);
    handle_.resume();  // the awaitable may be gone after this
  }

 private:
  RunAwaitable* awaitable_;
  std::coroutine_handle<> handle_;
};

AsyncCallPtr prepare_async(const Session& session, std::span<const Input> inputs, std::shared_ptr<RunOptions> options) {
  const std::shared_ptr<const Session::State>& state = session.state();
  if (!state) throw Error("run_async: the Session was moved from");
  if (options && options->handle() == nullptr) throw Error("run_async: the RunOptions were moved from");
  const Session::State& s = *state;
  AsyncCallPtr call(new AsyncCall);
  // The same checks as Session::run; views become ORT values owned by the call (the
  // shape is copied into them, so the caller's TensorView and Input objects may go).
  checked([&] { call->inputs = detail::prepare_inputs(s, inputs, "run_async"); });
  call->session = state;
  if (options && options->adapter_set()) {
    call->adapters = options->adapter_set();
    call->names = s.input_names;
    for (const LoraAdapter& a : *call->adapters) {
      for (const LoraAdapter::Parameter& p : a.parameters()) {
        call->names.push_back(p.name.c_str());
        call->inputs.values.push_back(p.value.handle());
      }
    }
  }
  call->options = std::move(options);
  call->out.assign(s.outputs.size(), nullptr);
  call->outputs = session.make_outputs();
  return call;
}

void start_async(AsyncCallPtr call, std::unique_ptr<AsyncCompletion> completion) {
  if (!call) throw Error("run_async: this run was already started");
  if (!completion) throw Error("run_async: no completion given");
  AsyncCall& c = *call;
  c.completion = std::move(completion);
  const Session::State& s = *c.session;
  OrtSession* session = s.session.get();
  const char* const* input_names = c.names.empty() ? s.input_names.data() : c.names.data();
  const char* const* output_names = s.output_names.data();
  const OrtRunOptions* options = c.options ? c.options->live_without_adapters("run_async") : nullptr;
  const OrtValue* const* values = c.inputs.values.data();
  const std::size_t n_in = c.inputs.values.size();
  OrtValue** out = c.out.data();
  const std::size_t n_out = c.out.size();
  // Nothing below reads the call or the session state: from here on, on_complete may
  // run (and free both) at any time.
  c.started.store(true, std::memory_order_release);
  OrtStatus* status =
      api().RunAsync(session, options, input_names, values, n_in, output_names, n_out, out, on_complete, call.get());
  if (status == nullptr) {
    (void)call.release();  // ORT owns it until on_complete (which may already have run)
    return;
  }
  // ORT refused before scheduling anything: the call (and its completion) are still ours.
  try {
    detail::check(status, "run_async");
  } catch (const Error& e) {
    if (!is_thread_pool_error(e)) throw;
    throw Error(ErrorCode::InvalidArgument,
                "run_async: the session's intra-op thread pool has no worker thread (a session made with "
                "SessionOptions::intra_op_threads(1), or global thread pools of 1 intra-op thread); ORT runs "
                "async work on that pool, so make the session with intra_op_threads(0) (ORT's default) or >= 2. "
                "(" +
                    std::string(e.what()) + ")");
  }
}

}  // namespace detail

std::future<Outputs> run_async(const Session& session, std::span<const Input> inputs,
                               std::shared_ptr<RunOptions> options) {
  auto call = detail::prepare_async(session, inputs, std::move(options));
  auto completion = std::make_unique<PromiseCompletion>();
  std::future<Outputs> future = completion->promise.get_future();
  detail::start_async(std::move(call), std::move(completion));
  return future;
}

RunAwaitable run_async_awaitable(const Session& session, std::span<const Input> inputs,
                                 std::shared_ptr<RunOptions> options) {
  return RunAwaitable(detail::prepare_async(session, inputs, std::move(options)));
}

bool RunAwaitable::await_suspend(std::coroutine_handle<> handle) noexcept {
  try {
    if (!call_) throw Error("run_async_awaitable: this awaitable was already awaited");
    auto completion = std::make_unique<detail::AwaitCompletion>(this, handle);
    detail::start_async(std::move(call_), std::move(completion));
    return true;  // `this` may already be gone: the callback can resume the coroutine at once
  } catch (...) {
    error_ = std::current_exception();
    return false;
  }
}

Outputs RunAwaitable::await_resume() {
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  return std::move(outputs_);
}

}  // namespace zrt
