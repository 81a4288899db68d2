// SessionOptions' custom ops onto ORT's session options: domains, libraries loaded by
// path, and registration functions found by name.
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <system_error>

#include "extend/op_domain.hpp"
#include "ort/api.hpp"

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

namespace {
// Protobuf wire format, as much as an empty ModelProto needs.
void put_varint(std::vector<std::byte>& out, std::uint64_t v) {
  do {
    const auto low = static_cast<std::uint8_t>(v & 0x7F);
    v >>= 7;
    out.push_back(static_cast<std::byte>(v != 0 ? (low | 0x80) : low));
  } while (v != 0);
}
void put_bytes(std::vector<std::byte>& out, std::uint8_t tag, std::span<const std::byte> bytes) {
  out.push_back(static_cast<std::byte>(tag));
  put_varint(out, bytes.size());
  out.insert(out.end(), bytes.begin(), bytes.end());
}
}  // namespace

std::vector<std::byte> empty_model(std::span<const Opset> opsets) {
  constexpr std::uint64_t kIrVersion = 10;
  std::vector<std::byte> model;
  model.push_back(std::byte{0x08});  // ModelProto.ir_version = 1 (varint)
  put_varint(model, kIrVersion);
  for (const Opset& opset : opsets) {
    std::vector<std::byte> id;                                    // OperatorSetIdProto
    put_bytes(id, 0x0A, std::as_bytes(std::span(opset.domain)));  // domain = 1
    id.push_back(std::byte{0x10});                                // version = 2 (varint)
    put_varint(id, static_cast<std::uint64_t>(opset.version));
    put_bytes(model, 0x42, id);  // ModelProto.opset_import = 8
  }
  const std::string name = "g";
  std::vector<std::byte> graph;
  put_bytes(graph, 0x12, std::as_bytes(std::span(name)));  // GraphProto.name = 2
  put_bytes(model, 0x3A, graph);                           // ModelProto.graph = 7
  return model;
}

}  // namespace zrt::detail
