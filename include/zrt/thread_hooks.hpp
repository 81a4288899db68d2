// ThreadHooks: who creates and joins the threads of ORT's thread pools.
#pragma once

#include <cstddef>
#include <functional>

namespace zrt {

// The work loop ORT gives each pool thread it asks for: the thread ThreadHooks::create
// starts must call run() once; it returns when ORT shuts the pool down.
class ThreadWork {
 public:
  using Function = void (*)(void*);
  ThreadWork(Function function, void* argument) noexcept : function_(function), argument_(argument) {}
  void run() const { function_(argument_); }

 private:
  Function function_;
  void* argument_;
};

// Custom creation of ORT's pool threads (ORT's OrtCustomCreateThreadFn/JoinThreadFn):
// per session (SessionOptions::thread_hooks: the session's own intra-/inter-op pools)
// or per environment (GlobalThreadPools::thread_hooks: the global pools). Set both
// functions or neither. An intra-op pool of N threads asks for N-1 (the calling thread
// is the Nth). The hooks are kept alive as long as any pool made with them.
struct ThreadHooks {
  // Starts a thread that calls work.run() and returns a non-null handle for it. Runs on
  // the thread that makes the pool (session creation, Environment construction);
  // throwing or returning null makes that creation fail.
  std::function<void*(ThreadWork work)> create;
  // Waits for the thread behind `handle` (from create) to end and frees it; runs when
  // the pool is destroyed. Must not throw (what it throws is dropped).
  std::function<void(void* handle)> join;

  explicit operator bool() const noexcept { return create != nullptr; }

  // Hooks whose threads are std::threads that first call setup(index) on the new thread
  // (name it, pin it, set its priority...), then ORT's work. `index` counts the threads
  // these hooks (and their copies) created, from 0.
  static ThreadHooks std_threads(std::function<void(std::size_t index)> setup);
};

}  // namespace zrt
