// ORT's thread-creation and load-cancellation hooks over zrt's ThreadHooks and
// LoadCancellation (private).
#pragma once

#include <mutex>
#include <vector>

#include "ort/api.hpp"
#include "zrt/load_cancellation.hpp"
#include "zrt/thread_hooks.hpp"

namespace zrt {

struct LoadCancellation::State {
  std::mutex mutex;
  bool cancelled = false;
  std::vector<OrtSessionOptions*> loading;  // options of sessions being made now
};

namespace detail {

// ORT's create/join functions; the creation options pointer is a `const ThreadHooks*`.
OrtCustomThreadHandle create_hooked_thread(void* hooks, OrtThreadWorkerFn work, void* argument) noexcept;
void join_hooked_thread(OrtCustomThreadHandle handle) noexcept;
// Throws zrt::Error (starting with `what`) unless create and join are both set.
void check_thread_hooks(const ThreadHooks& hooks, const char* what);

// While alive, `options` (of a session being made) follows `token`: cancel() sets its
// load cancellation flag.
class LoadingScope {
 public:
  LoadingScope(const LoadCancellation* token, OrtSessionOptions* options);
  ~LoadingScope();
  LoadingScope(const LoadingScope&) = delete;
  LoadingScope& operator=(const LoadingScope&) = delete;

 private:
  LoadCancellation::State* state_;
  OrtSessionOptions* options_;
};

}  // namespace detail
}  // namespace zrt
