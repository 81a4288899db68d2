#include "zrt/run_options.hpp"

#include "ort/api.hpp"

namespace zrt {

using detail::api;
using detail::check;

RunOptions::RunOptions() { check(api().CreateRunOptions(&handle_), "RunOptions"); }

RunOptions::RunOptions(RunOptions&& other) noexcept
    : handle_(std::exchange(other.handle_, nullptr)),
      without_adapters_(std::exchange(other.without_adapters_, nullptr)),
      adapters_(std::move(other.adapters_)),
      log_level_(other.log_level_),
      log_verbosity_(other.log_verbosity_),
      config_(std::move(other.config_)),
      terminated_(other.terminated_.load()) {}

RunOptions& RunOptions::operator=(RunOptions&& other) noexcept {
  if (this != &other) {
    if (handle_ != nullptr) api().ReleaseRunOptions(handle_);
    if (without_adapters_ != nullptr) api().ReleaseRunOptions(without_adapters_);
    handle_ = std::exchange(other.handle_, nullptr);
    without_adapters_ = std::exchange(other.without_adapters_, nullptr);
    adapters_ = std::move(other.adapters_);
    log_level_ = other.log_level_;
    log_verbosity_ = other.log_verbosity_;
    config_ = std::move(other.config_);
    terminated_ = other.terminated_.load();
  }
  return *this;
}

OrtRunOptions* RunOptions::live(const char* what) const {
  if (handle_ == nullptr) throw Error(std::string(what) + ": the RunOptions were moved from");
  return handle_;
}

RunOptions::~RunOptions() {
  if (handle_ != nullptr) api().ReleaseRunOptions(handle_);
  if (without_adapters_ != nullptr) api().ReleaseRunOptions(without_adapters_);
}

// Applies a setting to every ORT handle these options have.
template <typename Apply>
void RunOptions::apply(const char* what, Apply&& f) {
  check(f(live(what)), what);
  if (without_adapters_ != nullptr) check(f(without_adapters_), what);
}

RunOptions& RunOptions::tag(const std::string& tag) {
  apply("RunOptions::tag", [&](OrtRunOptions* h) { return api().RunOptionsSetRunTag(h, tag.c_str()); });
  return *this;
}

std::string RunOptions::tag() const {
  const char* tag = nullptr;
  check(api().RunOptionsGetRunTag(live("RunOptions::tag"), &tag), "RunOptions::tag");
  return tag != nullptr ? tag : "";
}

RunOptions& RunOptions::log_level(LogLevel level) {
  apply("RunOptions::log_level",
        [&](OrtRunOptions* h) { return api().RunOptionsSetRunLogSeverityLevel(h, static_cast<int>(level)); });
  log_level_ = static_cast<int>(level);
  return *this;
}

RunOptions& RunOptions::log_verbosity(int verbosity) {
  apply("RunOptions::log_verbosity",
        [&](OrtRunOptions* h) { return api().RunOptionsSetRunLogVerbosityLevel(h, verbosity); });
  log_verbosity_ = verbosity;
  return *this;
}

RunOptions& RunOptions::config(const std::string& key, const std::string& value) {
  const std::string what = "RunOptions::config '" + key + "'";
  apply(what.c_str(), [&](OrtRunOptions* h) { return api().AddRunConfigEntry(h, key.c_str(), value.c_str()); });
  config_.emplace_back(key, value);
  return *this;
}

void RunOptions::terminate() {
  apply("RunOptions::terminate", [](OrtRunOptions* h) { return api().RunOptionsSetTerminate(h); });
  terminated_ = true;
}
void RunOptions::clear_terminate() {
  apply("RunOptions::clear_terminate", [](OrtRunOptions* h) { return api().RunOptionsUnsetTerminate(h); });
  terminated_ = false;
}

// ---- LoRA adapters -----------------------------------------------------------------

OrtRunOptions* RunOptions::make_handle_without_adapters() const {
  const char* what = "RunOptions::activate";
  OrtRunOptions* raw = nullptr;
  check(api().CreateRunOptions(&raw), what);
  struct Guard {
    OrtRunOptions* h;
    ~Guard() {
      if (h != nullptr) api().ReleaseRunOptions(h);
    }
  } guard{raw};
  const std::string t = tag();
  if (!t.empty()) check(api().RunOptionsSetRunTag(raw, t.c_str()), what);
  if (log_level_) check(api().RunOptionsSetRunLogSeverityLevel(raw, *log_level_), what);
  if (log_verbosity_) check(api().RunOptionsSetRunLogVerbosityLevel(raw, *log_verbosity_), what);
  for (const auto& [key, value] : config_) check(api().AddRunConfigEntry(raw, key.c_str(), value.c_str()), what);
  if (terminated_) check(api().RunOptionsSetTerminate(raw), what);
  return std::exchange(guard.h, nullptr);
}

RunOptions& RunOptions::activate(const LoraAdapter& adapter) {
  live("RunOptions::activate");
  auto next = std::make_shared<AdapterSet>();
  if (adapters_) {
    for (const LoraAdapter& active : *adapters_) {
      if (active == adapter) return *this;  // already active
      for (const LoraAdapter::Parameter& p : adapter.parameters()) {
        if (active.find(p.name) != nullptr) {
          throw Error("RunOptions::activate: LoRA adapter " + adapter.source() + " and the active adapter " +
                      active.source() + " both set parameter '" + p.name + "'; active adapters may not overlap");
        }
      }
    }
    *next = *adapters_;
  }
  next->push_back(adapter);
  if (without_adapters_ == nullptr) without_adapters_ = make_handle_without_adapters();
  check(api().RunOptionsAddActiveLoraAdapter(handle_, adapter.handle()),
        ("RunOptions::activate " + adapter.source()).c_str());
  adapters_ = std::move(next);
  return *this;
}

RunOptions& RunOptions::deactivate_adapters() {
  live("RunOptions::deactivate_adapters");
  if (!adapters_) return *this;
  // ORT cannot remove an adapter from its options: the handle without them takes over.
  api().ReleaseRunOptions(handle_);
  handle_ = std::exchange(without_adapters_, nullptr);
  adapters_.reset();
  return *this;
}

std::span<const LoraAdapter> RunOptions::adapters() const noexcept {
  return adapters_ ? std::span<const LoraAdapter>(*adapters_) : std::span<const LoraAdapter>();
}

}  // namespace zrt
