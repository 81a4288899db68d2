// RunOptions: per-run settings, reusable across runs; terminate() cancels runs.
#pragma once

#include <memory>
#include <string>

#include "zrt/environment.hpp"

struct OrtRunOptions;

namespace zrt {

class RunOptions {
 public:
  RunOptions();
  RunOptions(RunOptions&&) noexcept;
  RunOptions& operator=(RunOptions&&) noexcept;
  RunOptions(const RunOptions&) = delete;
  RunOptions& operator=(const RunOptions&) = delete;
  ~RunOptions();

  RunOptions& tag(const std::string& tag);
  std::string tag() const;
  RunOptions& log_level(LogLevel level);
  RunOptions& log_verbosity(int verbosity);
  RunOptions& config(const std::string& key, const std::string& value);

  // Makes runs using these options fail with ErrorCode::Fail ("terminated"), including
  // one in progress. Safe to call from any thread. Sticky until clear_terminate().
  void terminate();
  void clear_terminate();

  // Null once moved from; every other method then throws zrt::Error.
  OrtRunOptions* handle() const noexcept { return handle_; }
  // The handle for a run; throws zrt::Error "`what`: the RunOptions were moved from"
  // instead of letting ORT run with its defaults.
  OrtRunOptions* live(const char* what) const;

 private:
  OrtRunOptions* handle_ = nullptr;
};

}  // namespace zrt
