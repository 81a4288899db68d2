#include "zrt/run_options.hpp"

#include "ort/api.hpp"

namespace zrt {

using detail::api;
using detail::check;

RunOptions::RunOptions() { check(api().CreateRunOptions(&handle_), "RunOptions"); }

RunOptions::RunOptions(RunOptions&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}

RunOptions& RunOptions::operator=(RunOptions&& other) noexcept {
  if (this != &other) {
    if (handle_ != nullptr) api().ReleaseRunOptions(handle_);
    handle_ = std::exchange(other.handle_, nullptr);
  }
  return *this;
}

OrtRunOptions* RunOptions::live(const char* what) const {
  if (handle_ == nullptr) throw Error(std::string(what) + ": the RunOptions were moved from");
  return handle_;
}

RunOptions::~RunOptions() {
  if (handle_ != nullptr) api().ReleaseRunOptions(handle_);
}

RunOptions& RunOptions::tag(const std::string& tag) {
  check(api().RunOptionsSetRunTag(live("RunOptions::tag"), tag.c_str()), "RunOptions::tag");
  return *this;
}

std::string RunOptions::tag() const {
  const char* tag = nullptr;
  check(api().RunOptionsGetRunTag(live("RunOptions::tag"), &tag), "RunOptions::tag");
  return tag != nullptr ? tag : "";
}

RunOptions& RunOptions::log_level(LogLevel level) {
  check(api().RunOptionsSetRunLogSeverityLevel(live("RunOptions::log_level"), static_cast<int>(level)),
        "RunOptions::log_level");
  return *this;
}

RunOptions& RunOptions::log_verbosity(int verbosity) {
  check(api().RunOptionsSetRunLogVerbosityLevel(live("RunOptions::log_verbosity"), verbosity),
        "RunOptions::log_verbosity");
  return *this;
}

RunOptions& RunOptions::config(const std::string& key, const std::string& value) {
  check(api().AddRunConfigEntry(live("RunOptions::config"), key.c_str(), value.c_str()),
        ("RunOptions::config '" + key + "'").c_str());
  return *this;
}

void RunOptions::terminate() {
  check(api().RunOptionsSetTerminate(live("RunOptions::terminate")), "RunOptions::terminate");
}
void RunOptions::clear_terminate() {
  check(api().RunOptionsUnsetTerminate(live("RunOptions::clear_terminate")), "RunOptions::clear_terminate");
}

}  // namespace zrt
