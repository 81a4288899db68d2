// Uses ORT's own C API on a zrt session (Session::handle()) through the ORT headers and
// library that zrt installs (zrt::onnxruntime, zrt-onnxruntime.pc). Usage:
// zrt_consumer_ort MODEL. Prints the file ORT was loaded from, which must be zrt's own
// copy in PREFIX/lib/zrt, and checks that ORT and zrt see the same model.
#include <dlfcn.h>
#include <onnxruntime_c_api.h>
#include <zrt/zrt.hpp>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: zrt_consumer_ort MODEL\n");
    return 2;
  }
  const OrtApiBase* base = OrtGetApiBase();
  Dl_info where{};
  if (dladdr(reinterpret_cast<const void*>(base), &where) == 0 || where.dli_fname == nullptr) {
    std::fprintf(stderr, "dladdr found no library for OrtGetApiBase\n");
    return 1;
  }
  std::printf("ORT from %s\n", where.dli_fname);
  if (zrt::ort_version() != base->GetVersionString()) {
    std::fprintf(stderr, "zrt loaded ORT %s, the consumer ORT %s\n", zrt::ort_version().c_str(),
                 base->GetVersionString());
    return 1;
  }

  const OrtApi* api = base->GetApi(ORT_API_VERSION);
  const zrt::Session session(argv[1]);
  std::size_t inputs = 0, outputs = 0;
  const auto ok = [api](OrtStatus* status) {
    if (status == nullptr) return true;
    std::fprintf(stderr, "ORT: %s\n", api->GetErrorMessage(status));
    api->ReleaseStatus(status);
    return false;
  };
  if (!ok(api->SessionGetInputCount(session.handle(), &inputs)) ||
      !ok(api->SessionGetOutputCount(session.handle(), &outputs)))
    return 1;
  if (inputs != session.input_count() || outputs != session.output_count()) {
    std::fprintf(stderr, "ORT counts %zu inputs and %zu outputs, zrt %zu and %zu\n", inputs, outputs,
                 session.input_count(), session.output_count());
    return 1;
  }
  std::printf("zrt consumer (ORT API): ORT %s, %zu inputs, %zu outputs\n", base->GetVersionString(), inputs, outputs);
  return 0;
}
