// RunOptions: per-run settings, reusable across runs; terminate() cancels runs;
// activate() applies LoRA adapters to the runs that use them.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "zrt/environment.hpp"
#include "zrt/lora.hpp"

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

  // LoRA adapters (lora.hpp): every run with these options applies them, whatever the
  // path: Session::run_with, prepared runs, lanes and IoBinding runs (zrt binds their
  // parameters, which ORT ignores there), async runs (zrt passes them as inputs). More
  // than one may be active; no two may share a parameter name. The options keep them
  // alive. Setup calls: not while a run uses these options.
  RunOptions& activate(const LoraAdapter& adapter);
  RunOptions& deactivate_adapters();
  std::span<const LoraAdapter> adapters() const noexcept;
  // The active set as one object, replaced by every activate/deactivate (null: none):
  // a binding compares it with the set it bound, one pointer per run.
  using AdapterSet = std::vector<LoraAdapter>;
  const std::shared_ptr<const AdapterSet>& adapter_set() const noexcept { return adapters_; }

  // Null once moved from; every other method then throws zrt::Error.
  OrtRunOptions* handle() const noexcept { return handle_; }
  // The handle for a run; throws zrt::Error "`what`: the RunOptions were moved from"
  // instead of letting ORT run with its defaults.
  OrtRunOptions* live(const char* what) const;
  // As live(), for the runs where ORT ignores adapters and warns on each (IoBinding
  // runs, RunAsync): the same settings without the adapters, whose parameters zrt
  // passes itself.
  OrtRunOptions* live_without_adapters(const char* what) const {
    if (handle_ == nullptr) [[unlikely]]
      return live(what);  // throws
    return without_adapters_ != nullptr ? without_adapters_ : handle_;
  }

 private:
  // A new ORT handle with the recorded settings and no adapters.
  OrtRunOptions* make_handle_without_adapters() const;
  template <typename Apply>
  void apply(const char* what, Apply&& f);

  OrtRunOptions* handle_ = nullptr;
  OrtRunOptions* without_adapters_ = nullptr;  // made by the first activate(), kept in step
  std::shared_ptr<const AdapterSet> adapters_;
  // Recorded, so the handles can be made again with the same settings.
  std::optional<int> log_level_;
  std::optional<int> log_verbosity_;
  std::vector<std::pair<std::string, std::string>> config_;
  std::atomic<bool> terminated_{false};
};

}  // namespace zrt
