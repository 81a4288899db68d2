// Where a model keeps its external-data initializers (ONNX external data: a tensor with
// data_location EXTERNAL and "location"/"offset"/"length" entries), read straight from
// the model file's protobuf encoding. zrt does not link protobuf, and ORT's C API gives
// no model's initializer table outside an execution provider, so this decodes only the
// fields on the path ModelProto.graph.initializer[] and skips everything else unread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "zrt/element.hpp"

namespace zrt::detail {

struct ExternalInitializer {
  std::string name;
  ElementType type = ElementType::Undefined;
  std::vector<std::int64_t> dims;
  std::filesystem::path file;  // the model's folder joined with "location"
  std::size_t offset = 0;
  std::size_t bytes = 0;  // from type and dims (checked against "length" where the model gives one)
};

// The main graph's initializers stored externally, in model order. `model_bytes` are
// the model file's contents, `folder` the folder it lies in. Throws zrt::Error naming
// `what` and the malformed part: bad encoding, an unsafe location (absolute or with
// ".."), an offset or length that is not a number, a length that disagrees with the
// type and dims.
std::vector<ExternalInitializer> external_initializers(std::span<const std::byte> model_bytes,
                                                       const std::filesystem::path& folder, const std::string& what);
// The same for the model file at `model` (mapped read-only while it is decoded).
std::vector<ExternalInitializer> external_initializers(const std::filesystem::path& model);

}  // namespace zrt::detail
