// A custom-op library as third parties ship them: ORT's C API only, given the OrtApiBase
// by the loader (it links neither zrt nor a second ORT). Domain "zrt.test.lib", op
// Negate (float -> float, same shape). RegisterCustomOps is ORT's standard entry point;
// RegisterZrtTestOps is the same, for registration by function name.
#include <onnxruntime_c_api.h>

#include <cstddef>
#include <cstdint>

namespace {

const OrtApi* g_api = nullptr;

OrtStatus* compute(void*, OrtKernelContext* context) {
  const OrtValue* x = nullptr;
  if (OrtStatus* s = g_api->KernelContext_GetInput(context, 0, &x)) return s;
  ONNXTensorElementDataType type{};
  const std::int64_t* dims = nullptr;
  std::size_t rank = 0;
  if (OrtStatus* s = g_api->GetTensorElementTypeAndShapeDataReference(x, &type, &dims, &rank)) return s;
  OrtValue* y = nullptr;
  if (OrtStatus* s = g_api->KernelContext_GetOutput(context, 0, dims, rank, &y)) return s;
  void* in = nullptr;
  void* out = nullptr;
  if (OrtStatus* s = g_api->GetTensorMutableData(const_cast<OrtValue*>(x), &in)) return s;
  if (OrtStatus* s = g_api->GetTensorMutableData(y, &out)) return s;
  std::size_t count = 1;
  for (std::size_t i = 0; i < rank; ++i) count *= static_cast<std::size_t>(dims[i]);
  for (std::size_t i = 0; i < count; ++i) static_cast<float*>(out)[i] = -static_cast<const float*>(in)[i];
  return nullptr;
}

OrtCustomOp make_negate() {
  OrtCustomOp op{};
  op.version = ORT_API_VERSION;
  op.GetName = [](const OrtCustomOp*) { return "Negate"; };
  op.GetExecutionProviderType = [](const OrtCustomOp*) -> const char* { return nullptr; };
  op.GetInputType = [](const OrtCustomOp*, std::size_t) { return ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT; };
  op.GetInputTypeCount = [](const OrtCustomOp*) -> std::size_t { return 1; };
  op.GetOutputType = [](const OrtCustomOp*, std::size_t) { return ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT; };
  op.GetOutputTypeCount = [](const OrtCustomOp*) -> std::size_t { return 1; };
  op.KernelDestroy = [](void*) {};
  op.GetInputCharacteristic = [](const OrtCustomOp*, std::size_t) { return INPUT_OUTPUT_REQUIRED; };
  op.GetOutputCharacteristic = [](const OrtCustomOp*, std::size_t) { return INPUT_OUTPUT_REQUIRED; };
  op.CreateKernelV2 = [](const OrtCustomOp*, const OrtApi*, const OrtKernelInfo*, void** kernel) -> OrtStatus* {
    *kernel = &g_api;  // stateless; any non-null pointer
    return nullptr;
  };
  op.KernelComputeV2 = compute;
  // ORT calls these unchecked for ops of this version.
  op.GetInputMemoryType = [](const OrtCustomOp*, std::size_t) { return OrtMemTypeDefault; };
  op.GetVariadicInputMinArity = [](const OrtCustomOp*) { return 1; };
  op.GetVariadicInputHomogeneity = [](const OrtCustomOp*) { return 1; };
  op.GetVariadicOutputMinArity = [](const OrtCustomOp*) { return 1; };
  op.GetVariadicOutputHomogeneity = [](const OrtCustomOp*) { return 1; };
  op.GetStartVersion = [](const OrtCustomOp*) { return 1; };
  op.GetEndVersion = [](const OrtCustomOp*) { return 1 << 30; };
  return op;
}

// The op and domain live as long as the library (ORT unloads it after the last session
// that uses it); the domain is released when the library is unloaded.
struct Domain {
  OrtCustomOpDomain* handle = nullptr;
  Domain() = default;
  Domain(const Domain&) = delete;
  Domain& operator=(const Domain&) = delete;
  ~Domain() {
    if (handle != nullptr) g_api->ReleaseCustomOpDomain(handle);
  }
};

OrtStatus* register_ops(OrtSessionOptions* options, const OrtApiBase* base) {
  g_api = base->GetApi(ORT_API_VERSION);
  static OrtCustomOp negate = make_negate();
  static Domain domain;
  if (domain.handle == nullptr) {
    if (OrtStatus* s = g_api->CreateCustomOpDomain("zrt.test.lib", &domain.handle)) return s;
    if (OrtStatus* s = g_api->CustomOpDomain_Add(domain.handle, &negate)) return s;
  }
  return g_api->AddCustomOpDomain(options, domain.handle);
}

}  // namespace

extern "C" __attribute__((visibility("default"))) OrtStatus* RegisterCustomOps(OrtSessionOptions* options,
                                                                               const OrtApiBase* api) {
  return register_ops(options, api);
}
extern "C" __attribute__((visibility("default"))) OrtStatus* RegisterZrtTestOps(OrtSessionOptions* options,
                                                                                const OrtApiBase* api) {
  return register_ops(options, api);
}
