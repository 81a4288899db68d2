// zrt::Error: the one exception type zrt throws.
#pragma once

#include <stdexcept>
#include <string>

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

// The name of an error code, e.g. "InvalidArgument".
const char* to_string(ErrorCode code) noexcept;

}  // namespace zrt
