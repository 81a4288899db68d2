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

RunOptions::~RunOptions() {
  if (handle_ != nullptr) api().ReleaseRunOptions(handle_);
}

RunOptions& RunOptions::tag(const std::string& tag) {
  check(api().RunOptionsSetRunTag(handle_, tag.c_str()), "RunOptions::tag");
  return *this;
}

std::string RunOptions::tag() const {
  const char* tag = nullptr;
  check(api().RunOptionsGetRunTag(handle_, &tag), "RunOptions::tag");
  return tag != nullptr ? tag : "";
}

RunOptions& RunOptions::log_level(LogLevel level) {
  check(api().RunOptionsSetRunLogSeverityLevel(handle_, static_cast<int>(level)), "RunOptions::log_level");
  return *this;
}

RunOptions& RunOptions::log_verbosity(int verbosity) {
  check(api().RunOptionsSetRunLogVerbosityLevel(handle_, verbosity), "RunOptions::log_verbosity");
  return *this;
}

RunOptions& RunOptions::config(const std::string& key, const std::string& value) {
  check(api().AddRunConfigEntry(handle_, key.c_str(), value.c_str()), ("RunOptions::config '" + key + "'").c_str());
  return *this;
}

void RunOptions::terminate() { check(api().RunOptionsSetTerminate(handle_), "RunOptions::terminate"); }
void RunOptions::clear_terminate() { check(api().RunOptionsUnsetTerminate(handle_), "RunOptions::clear_terminate"); }

}  // namespace zrt
