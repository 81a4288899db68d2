// The ORT environment of the session and lane targets: one for the process, quiet,
// never destroyed.
#pragma once

#include <span>
#include <vector>

#include "models/models.hpp"
#include "zrt/environment.hpp"
#include "zrt/session.hpp"
#include "zrt/value.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define ZRT_FUZZ_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ZRT_FUZZ_LSAN 1
#endif
#endif
#ifdef ZRT_FUZZ_LSAN
#include <sanitizer/lsan_interface.h>
#endif

namespace zrt::fuzz {

// ORT 1.29 leaks a few bytes once per process: in CreateEnv and in its first run's
// one-time set-up (tests/sanitizers/lsan.supp). The suppressions match them only with
// a slow unwind of every malloc, which would cut the fuzzers' speed 7x, so that set-up
// (an environment and one run) happens here with leak detection off instead.
inline const Environment& environment() {
  static const Environment* env = [] {
#ifdef ZRT_FUZZ_LSAN
    const __lsan::ScopedDisabler no_leak_checks;
#endif
    EnvironmentOptions o;
    o.log_level = LogLevel::Fatal;
    auto* e = new Environment(o);
    const Session s = Session::from_bytes(*e, test::add_constant(), SessionOptions{}.intra_op_threads(1));
    std::vector<float> x(16, 1.0f);
    (void)s.run({TensorView<const float>(std::span<const float>(x), {1, 16})});
    return e;
  }();
  return *env;
}

}  // namespace zrt::fuzz
