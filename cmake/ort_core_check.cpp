// zrt_ort_core_check: which ONNX Runtime core did libzrt load? Linked to libzrt only, so
// ORT arrives as libzrt's dependency (found through LD_LIBRARY_PATH, then libzrt's
// DT_RUNPATH). Prints
//   core <path of the loaded libonnxruntime>
//   version <ORT version>
//   providers <the EPs that core has, ORT's order>
// Used by the ctest tests ort_core_default and ort_core_gpu (cmake/ZrtOnnxRuntime.cmake).
#include <dlfcn.h>

#include <cstdio>
#include <cstring>

#include <onnxruntime_c_api.h>
#include <zrt/environment.hpp>

int main() {
  // A call into libzrt, so that it (and, as its dependency, ORT) is loaded.
  std::printf("zrt thread limit %d\n", zrt::thread_limit());
  void* symbol = dlsym(RTLD_DEFAULT, "OrtGetApiBase");
  if (symbol == nullptr) {
    std::fprintf(stderr, "zrt_ort_core_check: OrtGetApiBase is not loaded\n");
    return 1;
  }
  Dl_info info{};
  if (dladdr(symbol, &info) == 0 || info.dli_fname == nullptr) {
    std::fprintf(stderr, "zrt_ort_core_check: dladdr found no file for OrtGetApiBase\n");
    return 1;
  }
  using GetApiBase = const OrtApiBase* (*)();
  GetApiBase get_api_base = nullptr;
  std::memcpy(&get_api_base, &symbol, sizeof symbol);
  const OrtApiBase* base = get_api_base();
  const OrtApi* api = base->GetApi(ORT_API_VERSION);
  if (api == nullptr) {
    std::fprintf(stderr, "zrt_ort_core_check: %s has no API version %d\n", info.dli_fname, ORT_API_VERSION);
    return 1;
  }
  char** names = nullptr;
  int count = 0;
  if (OrtStatus* status = api->GetAvailableProviders(&names, &count); status != nullptr) {
    std::fprintf(stderr, "zrt_ort_core_check: GetAvailableProviders: %s\n", api->GetErrorMessage(status));
    api->ReleaseStatus(status);
    return 1;
  }
  std::printf("core %s\nversion %s\nproviders", info.dli_fname, base->GetVersionString());
  for (int i = 0; i < count; ++i) std::printf(" %s", names[i]);
  std::printf("\n");
  if (OrtStatus* status = api->ReleaseAvailableProviders(names, count); status != nullptr) {
    api->ReleaseStatus(status);
    return 1;
  }
  return 0;
}
