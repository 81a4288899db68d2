// zrt::Error: the one exception type zrt throws.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace zrt {

// Mirrors ONNX Runtime's OrtErrorCode, so callers can branch on ORT's verdict
// without including ORT headers. zrt's own argument checks use InvalidArgument.
enum class ErrorCode : int {
  Ok = 0,
  Fail = 1,
  InvalidArgument = 2,
  NoSuchFile = 3,
  NoModel = 4,
  EngineError = 5,
  RuntimeException = 6,
  InvalidProtobuf = 7,
  ModelLoaded = 8,
  NotImplemented = 9,
  InvalidGraph = 10,
  ExecutionProviderFail = 11,
  ModelLoadCanceled = 12,
  ModelRequiresCompilation = 13,
  NotFound = 14,
};

// Thrown by every zrt call that fails. The message names what failed: which input
// (name and index), what was expected and what was given.
class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  explicit Error(const std::string& message) : Error(ErrorCode::InvalidArgument, message) {}

  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

// The outcome of a call that does not throw (for callers built without exceptions):
// ok(), or the code and message the matching zrt::Error would have carried.
class Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}
  bool ok() const noexcept { return code_ == ErrorCode::Ok; }
  explicit operator bool() const noexcept { return ok(); }
  ErrorCode code() const noexcept { return code_; }
  const std::string& message() const noexcept { return message_; }

  // Runs f() and turns what it throws into a Status.
  template <typename F>
  static Status of(F&& f) noexcept {
    try {
      f();
      return {};
    } catch (const Error& e) {
      return {e.code(), e.what()};
    } catch (const std::exception& e) {
      return {ErrorCode::Fail, e.what()};
    } catch (...) {
      return {ErrorCode::Fail, "unknown exception"};
    }
  }

 private:
  ErrorCode code_ = ErrorCode::Ok;
  std::string message_;
};

// The name of an error code, e.g. "InvalidArgument".
const char* to_string(ErrorCode code) noexcept;

}  // namespace zrt
