// LoadCancellation: a token that stops sessions being loaded (ORT's load cancellation flag).
#pragma once

#include <memory>

namespace zrt {

// Give it to SessionOptions::load_cancellation, then cancel() from any thread: a Session
// being made with those options stops loading and its constructor throws zrt::Error
// (ModelLoadCanceled), and Sessions made later throw at once, until reset(). ORT checks
// the flag at points during loading, so a session that already finished is not undone.
// Copies share one flag.
class LoadCancellation {
 public:
  LoadCancellation();
  // Copy-only (moving copies the shared flag): a moved-from token is still the same one,
  // never empty.
  LoadCancellation(const LoadCancellation&) = default;
  LoadCancellation& operator=(const LoadCancellation&) = default;
  void cancel();
  void reset();
  bool cancelled() const noexcept;

  struct State;
  const std::shared_ptr<State>& state() const noexcept { return state_; }

 private:
  std::shared_ptr<State> state_;
};

}  // namespace zrt
