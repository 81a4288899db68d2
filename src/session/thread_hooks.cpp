#include "session/thread_hooks.hpp"

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>

namespace zrt {

namespace {

// What zrt hands ORT as a thread handle: the join hook gets only the handle, so it
// carries the hooks that made it.
struct HookedThread {
  const ThreadHooks* hooks;
  void* handle;
};

void set_flag(OrtSessionOptions* options, bool cancel) noexcept {
  if (OrtStatus* status = detail::api().SessionOptionsSetLoadCancellationFlag(options, cancel)) {
    detail::api().ReleaseStatus(status);  // cannot fail for valid options
  }
}

}  // namespace

ThreadHooks ThreadHooks::std_threads(std::function<void(std::size_t index)> setup) {
  auto next = std::make_shared<std::atomic<std::size_t>>(0);
  ThreadHooks hooks;
  hooks.create = [setup = std::move(setup), next](ThreadWork work) -> void* {
    const std::size_t index = next->fetch_add(1);
    return new std::thread([setup, work, index] {
      if (setup) setup(index);
      work.run();
    });
  };
  hooks.join = [](void* handle) {
    auto* thread = static_cast<std::thread*>(handle);
    thread->join();
    delete thread;
  };
  return hooks;
}

namespace detail {

OrtCustomThreadHandle create_hooked_thread(void* hooks, OrtThreadWorkerFn work, void* argument) noexcept {
  const auto* h = static_cast<const ThreadHooks*>(hooks);
  try {
    auto hooked = std::make_unique<HookedThread>(HookedThread{h, nullptr});
    hooked->handle = h->create(ThreadWork(work, argument));
    if (hooked->handle == nullptr) return nullptr;  // ORT fails the pool's creation
    return reinterpret_cast<OrtCustomThreadHandle>(hooked.release());
  } catch (...) {
    return nullptr;  // must not unwind into ORT
  }
}

void join_hooked_thread(OrtCustomThreadHandle handle) noexcept {
  auto* hooked = reinterpret_cast<HookedThread*>(const_cast<OrtCustomHandleType*>(handle));
  try {
    hooked->hooks->join(hooked->handle);
  } catch (...) {
    // documented: dropped
  }
  delete hooked;
}

void check_thread_hooks(const ThreadHooks& hooks, const char* what) {
  if (!hooks.create != !hooks.join) {
    throw Error(std::string(what) + ": thread_hooks needs both create and join (" + (hooks.create ? "join" : "create") +
                " is empty)");
  }
}

LoadingScope::LoadingScope(const LoadCancellation* token, OrtSessionOptions* options)
    : state_(token != nullptr ? token->state().get() : nullptr), options_(options) {
  if (state_ == nullptr) return;
  std::lock_guard lock(state_->mutex);
  state_->loading.push_back(options_);
  set_flag(options_, state_->cancelled);
}

LoadingScope::~LoadingScope() {
  if (state_ == nullptr) return;
  std::lock_guard lock(state_->mutex);
  state_->loading.erase(std::find(state_->loading.begin(), state_->loading.end(), options_));
}

}  // namespace detail

LoadCancellation::LoadCancellation() : state_(std::make_shared<State>()) {}

void LoadCancellation::cancel() {
  std::lock_guard lock(state_->mutex);
  state_->cancelled = true;
  for (OrtSessionOptions* options : state_->loading) set_flag(options, true);
}

void LoadCancellation::reset() {
  std::lock_guard lock(state_->mutex);
  state_->cancelled = false;
}

bool LoadCancellation::cancelled() const noexcept {
  std::lock_guard lock(state_->mutex);
  return state_->cancelled;
}

}  // namespace zrt
