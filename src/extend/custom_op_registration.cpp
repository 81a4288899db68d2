// SessionOptions' custom ops onto ORT's session options: domains, libraries loaded by
// path, and registration functions found by name.
#include <filesystem>
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

}  // namespace zrt::detail
