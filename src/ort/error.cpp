#include "zrt/error.hpp"

namespace zrt {

const char* to_string(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::Ok: return "Ok";
    case ErrorCode::Fail: return "Fail";
    case ErrorCode::InvalidArgument: return "InvalidArgument";
    case ErrorCode::NoSuchFile: return "NoSuchFile";
    case ErrorCode::NoModel: return "NoModel";
    case ErrorCode::EngineError: return "EngineError";
    case ErrorCode::RuntimeException: return "RuntimeException";
    case ErrorCode::InvalidProtobuf: return "InvalidProtobuf";
    case ErrorCode::ModelLoaded: return "ModelLoaded";
    case ErrorCode::NotImplemented: return "NotImplemented";
    case ErrorCode::InvalidGraph: return "InvalidGraph";
    case ErrorCode::ExecutionProviderFail: return "ExecutionProviderFail";
    case ErrorCode::ModelLoadCanceled: return "ModelLoadCanceled";
    case ErrorCode::ModelRequiresCompilation: return "ModelRequiresCompilation";
    case ErrorCode::NotFound: return "NotFound";
  }
  return "Unknown";
}

}  // namespace zrt
