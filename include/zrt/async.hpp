// Async runs on ORT's RunAsync: a std::future, a completion callback, or a C++20
// coroutine awaitable. ORT runs the model on the session's intra-op thread pool and
// completes on one of its threads.
//
// What each async run owns until it completes (so temporaries are fine):
//   the ORT values made for TensorView inputs (shape included), the input name and
//   value arrays, the output array, a handle to the session, and a share of the
//   RunOptions (std::shared_ptr: keep a copy to call terminate()).
// What it borrows (the caller keeps it alive and unchanged until completion):
//   the memory behind every TensorView input, and every Value / StringTensor input
//   (ORT reads the Value object's tensor; the C API cannot share it by reference count).
//
// Requirements: the session's intra-op pool needs a worker thread, i.e. the session
// was made with SessionOptions::intra_op_threads(0) (ORT's default) or >= 2, or on an
// Environment with global thread pools of >= 2 intra-op threads. intra_op_threads(1)
// makes every run_async throw zrt::Error saying so, before anything runs.
//
// Errors: inputs are checked exactly as Session::run checks them, and a rejected call
// throws zrt::Error at once (nothing runs). Failures while running (including
// RunOptions::terminate(), whose message contains "terminate") arrive as a zrt::Error
// through the future, the callback's exception_ptr, or thrown from co_await.
//
// Threads: callbacks run, and awaiting coroutines resume, on ORT's intra-op thread
// (or, when ORT's queue is full, on the calling thread before run_async returns).
// Keep that work short (it holds one of the session's compute threads) and do not
// drop the last handle to the session there. zrt's own handle to the session is never
// released on an ORT thread: it goes to a zrt helper thread (started by the first
// async run, joined at exit), because destroying a session on one of its own pool
// threads would make ORT join the thread it is running on.
#pragma once

#include <concepts>
#include <coroutine>
#include <exception>
#include <future>
#include <initializer_list>
#include <memory>
#include <span>
#include <type_traits>
#include <utility>

#include "zrt/run_options.hpp"
#include "zrt/session.hpp"

namespace zrt {

namespace detail {

// Receives the result of one async run, exactly once: outputs (in model order) and a
// null error, or empty outputs and a zrt::Error. Called on ORT's thread; must not throw.
class AsyncCompletion {
 public:
  virtual ~AsyncCompletion() = default;
  virtual void complete(Outputs&& outputs, std::exception_ptr error) noexcept = 0;
};

// One async run, checked and ready: what ORT reads until completion (async.cpp).
struct AsyncCall;
struct AsyncCallDeleter {
  void operator()(AsyncCall* call) const noexcept;
};
using AsyncCallPtr = std::unique_ptr<AsyncCall, AsyncCallDeleter>;
class AwaitCompletion;

// Checks the inputs as Session::run does and makes everything ORT will read. Throws zrt::Error.
AsyncCallPtr prepare_async(const Session& session, std::span<const Input> inputs, std::shared_ptr<RunOptions> options);
// Hands the call to ORT. Throws zrt::Error when ORT refuses to start it (the completion
// is then destroyed without being called); otherwise `completion` is called once.
void start_async(AsyncCallPtr call, std::unique_ptr<AsyncCompletion> completion);

template <typename F>
class CallbackCompletion final : public AsyncCompletion {
 public:
  explicit CallbackCompletion(F f) : f_(std::move(f)) {}
  void complete(Outputs&& outputs, std::exception_ptr error) noexcept override {
    f_(std::move(outputs), std::move(error));
  }

 private:
  F f_;
};

}  // namespace detail

// A completion callback: called once with (outputs, nullptr) or (empty Outputs, error).
template <typename F>
concept RunCallback = std::invocable < std::decay_t<F>
&, Outputs&&, std::exception_ptr > &&std::move_constructible<std::decay_t<F>>;

// --- (a) future ---------------------------------------------------------------------
// The future gives the outputs, or throws the run's zrt::Error from get().
// `options` may be null (ORT's defaults); share it to terminate() the run.
[[nodiscard]] std::future<Outputs> run_async(const Session& session, std::span<const Input> inputs,
                                             std::shared_ptr<RunOptions> options = nullptr);
[[nodiscard]] inline std::future<Outputs> run_async(const Session& session, std::initializer_list<Input> inputs,
                                                    std::shared_ptr<RunOptions> options = nullptr) {
  return run_async(session, std::span<const Input>(inputs.begin(), inputs.size()), std::move(options));
}

// --- (b) callback -------------------------------------------------------------------
// `callback(Outputs&& outputs, std::exception_ptr error)` runs once on ORT's thread; it
// must not throw (an exception escaping it calls std::terminate). It is not called when
// run_async itself throws.
template <RunCallback F>
void run_async(const Session& session, std::span<const Input> inputs, std::shared_ptr<RunOptions> options,
               F&& callback) {
  auto call = detail::prepare_async(session, inputs, std::move(options));
  detail::start_async(std::move(call),
                      std::make_unique<detail::CallbackCompletion<std::decay_t<F>>>(std::forward<F>(callback)));
}
template <RunCallback F>
void run_async(const Session& session, std::span<const Input> inputs, F&& callback) {
  run_async(session, inputs, nullptr, std::forward<F>(callback));
}
template <RunCallback F>
void run_async(const Session& session, std::initializer_list<Input> inputs, std::shared_ptr<RunOptions> options,
               F&& callback) {
  run_async(session, std::span<const Input>(inputs.begin(), inputs.size()), std::move(options),
            std::forward<F>(callback));
}
template <RunCallback F>
void run_async(const Session& session, std::initializer_list<Input> inputs, F&& callback) {
  run_async(session, std::span<const Input>(inputs.begin(), inputs.size()), nullptr, std::forward<F>(callback));
}

// --- (c) coroutine ------------------------------------------------------------------
// `Outputs out = co_await run_async_awaitable(session, {...});`
// The inputs are checked (and their ORT values made) when run_async_awaitable is
// called; the run starts when the awaitable is awaited, and the coroutine resumes on
// ORT's thread when it completes (co_await throws the run's zrt::Error on failure).
// Await it once. The coroutine must not be destroyed while it waits for a run.
// GCC 12 rejects a braced input list inside the co_await expression itself ("array
// used as initializer"); make the awaitable in a statement of its own there:
//   auto run = zrt::run_async_awaitable(session, {view});
//   zrt::Outputs out = co_await run;
class RunAwaitable {
 public:
  RunAwaitable(RunAwaitable&&) noexcept = default;
  RunAwaitable& operator=(RunAwaitable&&) noexcept = default;
  RunAwaitable(const RunAwaitable&) = delete;
  RunAwaitable& operator=(const RunAwaitable&) = delete;
  ~RunAwaitable() = default;

  bool await_ready() const noexcept { return false; }
  // Starts the run; returns false (resume at once, co_await throws) if it cannot start.
  bool await_suspend(std::coroutine_handle<> handle) noexcept;
  Outputs await_resume();

 private:
  friend RunAwaitable run_async_awaitable(const Session&, std::span<const Input>, std::shared_ptr<RunOptions>);
  explicit RunAwaitable(detail::AsyncCallPtr call) noexcept : call_(std::move(call)) {}
  friend class detail::AwaitCompletion;

  detail::AsyncCallPtr call_;
  Outputs outputs_;
  std::exception_ptr error_;
};

[[nodiscard]] RunAwaitable run_async_awaitable(const Session& session, std::span<const Input> inputs,
                                               std::shared_ptr<RunOptions> options = nullptr);
[[nodiscard]] inline RunAwaitable run_async_awaitable(const Session& session, std::initializer_list<Input> inputs,
                                                      std::shared_ptr<RunOptions> options = nullptr) {
  return run_async_awaitable(session, std::span<const Input>(inputs.begin(), inputs.size()), std::move(options));
}

}  // namespace zrt
