// ONNX protobuf (libonnx's classes) -> HostValue: TensorProto, SequenceProto, MapProto,
// OptionalProto, and the model file itself.
#pragma once

#include <filesystem>
#include <string>

#include <onnx/onnx-data_pb.h>
#include <onnx/onnx_pb.h>

#include "host_value.hpp"

namespace zrt::cli {

// Reads and parses a model file. Throws zrt::Error naming the path on failure.
onnx::ModelProto load_model_proto(const std::filesystem::path& path);

// "tensor(float)[N,3]", "seq(tensor(int64))", "optional(seq(tensor(float)))", ...
std::string type_to_string(const onnx::TypeProto& type);

// Tensor data from raw_data or the typed fields. Throws zrt::Error (naming `what`) for
// external or segmented data, unsupported types and element counts that do not fit.
HostTensor tensor_from_proto(const onnx::TensorProto& proto, const std::string& what = "tensor");
HostValue sequence_from_proto(const onnx::SequenceProto& proto, const std::string& what = "sequence");
HostValue map_from_proto(const onnx::MapProto& proto, const std::string& what = "map");
HostValue optional_from_proto(const onnx::OptionalProto& proto, const std::string& what = "optional");

struct ProtoFile {
  HostValue value;
  std::string name;  // the proto's own name field ("" when unset)
};

// Reads a test-data .pb file. The file is a TensorProto, SequenceProto, MapProto or
// OptionalProto, which the bytes do not say: `type` (the model's declared type for the
// input or output) picks the message.
ProtoFile read_proto_file(const std::filesystem::path& path, const onnx::TypeProto& type);

}  // namespace zrt::cli
