// Helpers shared by the unit tests.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "zrt/error.hpp"

namespace zrt::test {

// Succeeds when f() throws zrt::Error with `code` and a message containing every one
// of `parts`; the failure message shows what was thrown instead.
template <typename F>
::testing::AssertionResult throws_error(F&& f, ErrorCode code, std::initializer_list<std::string_view> parts) {
  try {
    f();
  } catch (const Error& e) {
    const std::string message = e.what();
    if (e.code() != code) {
      return ::testing::AssertionFailure() << "zrt::Error with code " << to_string(e.code()) << ", expected "
                                           << to_string(code) << "; message: " << message;
    }
    for (std::string_view part : parts) {
      if (message.find(part) == std::string::npos) {
        return ::testing::AssertionFailure() << "message lacks \"" << part << "\": " << message;
      }
    }
    return ::testing::AssertionSuccess() << message;
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "threw a non-zrt exception: " << e.what();
  } catch (...) {
    return ::testing::AssertionFailure() << "threw something that is not a std::exception";
  }
  return ::testing::AssertionFailure() << "did not throw";
}

// Byte-wise equality of two spans (exact, NaN payloads included).
template <typename A, typename B>
bool same_bytes(std::span<A> a, std::span<B> b) {
  return a.size_bytes() == b.size_bytes() &&
         (a.size_bytes() == 0 || std::memcmp(a.data(), b.data(), a.size_bytes()) == 0);
}

template <typename T>
std::vector<T> to_vector(std::span<const T> s) {
  return {s.begin(), s.end()};
}

}  // namespace zrt::test
