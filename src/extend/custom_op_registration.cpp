// SessionOptions' custom ops onto ORT's session options: domains, libraries loaded by
// path, and registration functions found by name.
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <system_error>

#include "extend/op_domain.hpp"
#include "ort/api.hpp"
#include "ort/protobuf_writer.hpp"

namespace zrt::detail {

void register_custom_ops(OrtSessionOptions* raw, const SessionOptions& options) {
  const OrtApi& a = api();
  for (const OpDomain& domain : options.op_domains()) {
    check(a.AddCustomOpDomain(raw, op_domain_handle(domain)),
          ("SessionOptions::op_domain '" + domain.name() + "'").c_str());
  }
  for (const std::filesystem::path& path : options.op_libraries()) {
    const std::string what = "SessionOptions::op_library '" + path.string() + "'";
    // A bare file name is searched for by the loader; a path must exist.
    std::error_code ec;
    if (path.has_parent_path() && !std::filesystem::exists(path, ec)) {
      throw Error(ErrorCode::NoSuchFile, what + ": no such file");
    }
    check(a.RegisterCustomOpsLibrary_V2(raw, path.c_str()), what.c_str());
  }
  for (const std::string& name : options.op_registrations()) {
    check(a.RegisterCustomOpsUsingFunction(raw, name.c_str()),
          ("SessionOptions::op_registration '" + name + "'").c_str());
  }
}

bool has_custom_ops(const SessionOptions& options) noexcept {
  return !options.op_domains().empty() || !options.op_libraries().empty() || !options.op_registrations().empty();
}

std::vector<std::byte> empty_model(std::span<const Opset> opsets) {
  std::string model;  // ModelProto{ir_version: 10, opset_import..., graph: {name: "g"}}
  put_int(model, 1, 10);
  for (const Opset& opset : opsets) {
    std::string id;  // OperatorSetIdProto{domain, version}
    put_bytes(id, 1, opset.domain);
    put_int(id, 2, static_cast<std::uint64_t>(opset.version));
    put_bytes(model, 8, id);
  }
  std::string graph;
  put_bytes(graph, 2, "g");
  put_bytes(model, 7, graph);
  const auto* bytes = reinterpret_cast<const std::byte*>(model.data());
  return {bytes, bytes + model.size()};
}

}  // namespace zrt::detail
