// Execution providers (EPs): which ones the loaded ONNX Runtime has, and the choice of
// one for a session, as a small value (`Provider`) that SessionOptions keeps in order.
//   zrt::SessionOptions{}.provider(zrt::WebGpu{}).cpu_fallback(false)
//   zrt::SessionOptions{}.provider(zrt::Cuda{}.device_id(1).memory_limit(4 << 30))
// ORT tries the providers in the order given; nodes none of them takes run on the CPU
// unless cpu_fallback(false).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace zrt {

// The EPs compiled into the loaded ORT, as ORT names them ("CPUExecutionProvider",
// "WebGpuExecutionProvider", ...). The default zrt ORT has the CPU EP only; the `gpu`
// flavor (scripts/fetch-onnxruntime.sh --flavor gpu) adds CUDA, TensorRT and WebGPU.
std::vector<std::string> available_providers();

// One EP with its options, as ORT's append call for it takes them. `name` is the name
// ORT's append-by-name knows ("WebGPU", "XNNPACK", "OpenVINO", "QNN", ...) or "CUDA" /
// "TensorRT" (which zrt appends through their own V2 option structs).
class Provider {
 public:
  using Options = std::vector<std::pair<std::string, std::string>>;

  explicit Provider(std::string name, Options options = {});
  // From a command-line spec "NAME[:key=value,...]"; NAME is case-insensitive
  // ("webgpu", "cuda:device_id=1"). Throws zrt::Error naming what is malformed.
  static Provider parse(std::string_view spec);

  Provider& option(std::string key, std::string value);
  const std::string& name() const noexcept { return name_; }
  const Options& options() const noexcept { return options_; }
  // ORT's name for it in available_providers() ("WebGpuExecutionProvider").
  std::string ort_name() const;
  // "WebGPU" or "CUDA:device_id=1,gpu_mem_limit=4294967296".
  std::string to_string() const;
  friend bool operator==(const Provider&, const Provider&) = default;

 private:
  std::string name_;
  Options options_;
};

// Typed builders: each sets ORT's option keys for its EP and converts to a Provider.
// `Self` is the builder, so that its setters chain.
template <typename Self>
class ProviderBuilder {
 public:
  explicit ProviderBuilder(std::string name) : provider_(std::move(name)) {}
  // Any other key ORT's EP takes.
  Self& option(std::string key, std::string value) {
    provider_.option(std::move(key), std::move(value));
    return static_cast<Self&>(*this);
  }
  operator Provider() const { return provider_; }  // NOLINT(google-explicit-constructor)

 protected:
  Self& flag(std::string key, bool on) { return option(std::move(key), on ? "1" : "0"); }
  Self& number(std::string key, std::size_t v) { return option(std::move(key), std::to_string(v)); }

 private:
  Provider provider_;
};

class Cuda : public ProviderBuilder<Cuda> {
 public:
  Cuda() : ProviderBuilder("CUDA") {}
  Cuda& device_id(int id) { return option("device_id", std::to_string(id)); }
  Cuda& memory_limit(std::size_t bytes) { return number("gpu_mem_limit", bytes); }
  // "kNextPowerOfTwo" or "kSameAsRequested"
  Cuda& arena_extend_strategy(std::string s) { return option("arena_extend_strategy", std::move(s)); }
  // "EXHAUSTIVE", "HEURISTIC" or "DEFAULT"
  Cuda& cudnn_conv_algo_search(std::string s) { return option("cudnn_conv_algo_search", std::move(s)); }
  Cuda& copy_in_default_stream(bool on) { return flag("do_copy_in_default_stream", on); }
  Cuda& tf32(bool on) { return flag("use_tf32", on); }
  Cuda& prefer_nhwc(bool on) { return flag("prefer_nhwc", on); }
  // Capture the graph once and replay it (runs choose the graph with RunOptions'
  // "gpu_graph_id"; see LaneOptions::graph_id).
  Cuda& cuda_graph(bool on) { return flag("enable_cuda_graph", on); }
};

class TensorRt : public ProviderBuilder<TensorRt> {
 public:
  TensorRt() : ProviderBuilder("TensorRT") {}
  TensorRt& device_id(int id) { return option("device_id", std::to_string(id)); }
  TensorRt& fp16(bool on) { return flag("trt_fp16_enable", on); }
  TensorRt& int8(bool on) { return flag("trt_int8_enable", on); }
  TensorRt& max_workspace_size(std::size_t bytes) { return number("trt_max_workspace_size", bytes); }
  TensorRt& engine_cache(std::string path) {
    flag("trt_engine_cache_enable", true);
    return option("trt_engine_cache_path", std::move(path));
  }
  TensorRt& timing_cache(std::string path) {
    flag("trt_timing_cache_enable", true);
    return option("trt_timing_cache_path", std::move(path));
  }
  // Shape profiles: "input:1x3x224x224,..." as ORT's trt_profile_* options take them.
  TensorRt& profile(std::string min, std::string opt, std::string max) {
    option("trt_profile_min_shapes", std::move(min));
    option("trt_profile_opt_shapes", std::move(opt));
    return option("trt_profile_max_shapes", std::move(max));
  }
  TensorRt& cuda_graph(bool on) { return flag("trt_cuda_graph_enable", on); }
};

// WebGPU (Dawn over Vulkan, Metal or D3D12; on CPU-only Linux, Mesa's lavapipe).
class WebGpu : public ProviderBuilder<WebGpu> {
 public:
  WebGpu() : ProviderBuilder("WebGPU") {}
  // "NCHW" or "NHWC" (ORT's default)
  WebGpu& preferred_layout(std::string layout) { return option("preferredLayout", std::move(layout)); }
  WebGpu& device_id(int id) { return option("deviceId", std::to_string(id)); }
  // Record the command graph once and replay it (inputs and outputs bound on the device).
  WebGpu& graph_capture(bool on) { return flag("enableGraphCapture", on); }
};

// EPs appended by name; zrt's ORT flavors have none of them, so these are checked for
// their errors only. Keys as ORT's documentation for each EP gives them.
class Xnnpack : public ProviderBuilder<Xnnpack> {
 public:
  Xnnpack() : ProviderBuilder("XNNPACK") {}
  Xnnpack& threads(int n) { return option("intra_op_num_threads", std::to_string(n)); }
};
class OpenVino : public ProviderBuilder<OpenVino> {
 public:
  OpenVino() : ProviderBuilder("OpenVINO") {}
  // "CPU", "GPU", "NPU", "AUTO:GPU,CPU", ...
  OpenVino& device_type(std::string d) { return option("device_type", std::move(d)); }
  // "FP32", "FP16", "ACCURACY"
  OpenVino& precision(std::string p) { return option("precision", std::move(p)); }
  OpenVino& threads(int n) { return option("num_of_threads", std::to_string(n)); }
  OpenVino& cache_dir(std::string dir) { return option("cache_dir", std::move(dir)); }
};
class Qnn : public ProviderBuilder<Qnn> {
 public:
  Qnn() : ProviderBuilder("QNN") {}
  Qnn& backend_path(std::string path) { return option("backend_path", std::move(path)); }
  // "burst", "high_performance", "balanced", "power_saver", ...
  Qnn& performance_mode(std::string mode) { return option("htp_performance_mode", std::move(mode)); }
};
class CoreMl : public ProviderBuilder<CoreMl> {
 public:
  CoreMl() : ProviderBuilder("CoreML") {}
  // "MLProgram" or "NeuralNetwork"
  CoreMl& model_format(std::string f) { return option("ModelFormat", std::move(f)); }
  // "CPUOnly", "CPUAndNeuralEngine", "CPUAndGPU", "ALL"
  CoreMl& compute_units(std::string u) { return option("MLComputeUnits", std::move(u)); }
};
class MiGraphX : public ProviderBuilder<MiGraphX> {
 public:
  MiGraphX() : ProviderBuilder("MIGraphX") {}
  MiGraphX& device_id(int id) { return option("device_id", std::to_string(id)); }
  MiGraphX& fp16(bool on) { return flag("migraphx_fp16_enable", on); }
};
class NvTensorRtRtx : public ProviderBuilder<NvTensorRtRtx> {
 public:
  NvTensorRtRtx() : ProviderBuilder("NvTensorRtRtx") {}
  NvTensorRtRtx& device_id(int id) { return option("device_id", std::to_string(id)); }
};
class DirectMl : public ProviderBuilder<DirectMl> {
 public:
  DirectMl() : ProviderBuilder("DML") {}
  DirectMl& device_id(int id) { return option("device_id", std::to_string(id)); }
};
// oneDNN and Huawei's CANN: appended through their own option structs, like CUDA.
class OneDnn : public ProviderBuilder<OneDnn> {
 public:
  OneDnn() : ProviderBuilder("DNNL") {}
  OneDnn& arena(bool on) { return flag("use_arena", on); }
};
class Cann : public ProviderBuilder<Cann> {
 public:
  Cann() : ProviderBuilder("CANN") {}
  Cann& device_id(int id) { return option("device_id", std::to_string(id)); }
  Cann& memory_limit(std::size_t bytes) { return number("npu_mem_limit", bytes); }
};
class VitisAi : public ProviderBuilder<VitisAi> {
 public:
  VitisAi() : ProviderBuilder("VitisAI") {}
  VitisAi& config_file(std::string path) { return option("config_file", std::move(path)); }
};

// Where a session's nodes run (Session::placement()): per EP, in the order ORT reports
// them, the nodes it took. Nodes on "CPUExecutionProvider" are the CPU fallbacks when
// another EP was asked for. ORT 1.29 lists the CPU EP's nodes and those of compiling
// EPs (TensorRT, ...), but not a kernel-based EP's such as WebGPU's: there, every node
// not listed runs on that EP.
struct PlacedNode {
  std::string name;  // may be empty: ONNX node names are optional
  std::string domain;
  std::string op_type;
  friend bool operator==(const PlacedNode&, const PlacedNode&) = default;
};
struct EpPlacement {
  std::string provider;  // ORT's name, e.g. "WebGpuExecutionProvider"
  std::vector<PlacedNode> nodes;
};

}  // namespace zrt
