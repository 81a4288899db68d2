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
class Cuda {
 public:
  Cuda& device_id(int id) { return set("device_id", std::to_string(id)); }
  Cuda& memory_limit(std::size_t bytes) { return set("gpu_mem_limit", std::to_string(bytes)); }
  // "kNextPowerOfTwo" or "kSameAsRequested"
  Cuda& arena_extend_strategy(std::string s) { return set("arena_extend_strategy", std::move(s)); }
  // "EXHAUSTIVE", "HEURISTIC" or "DEFAULT"
  Cuda& cudnn_conv_algo_search(std::string s) { return set("cudnn_conv_algo_search", std::move(s)); }
  Cuda& copy_in_default_stream(bool on) { return set("do_copy_in_default_stream", on ? "1" : "0"); }
  Cuda& tf32(bool on) { return set("use_tf32", on ? "1" : "0"); }
  Cuda& prefer_nhwc(bool on) { return set("prefer_nhwc", on ? "1" : "0"); }
  Cuda& cuda_graph(bool on) { return set("enable_cuda_graph", on ? "1" : "0"); }
  operator Provider() const { return provider_; }  // NOLINT(google-explicit-constructor)

 private:
  Cuda& set(std::string key, std::string value) {
    provider_.option(std::move(key), std::move(value));
    return *this;
  }
  Provider provider_{"CUDA"};
};

class TensorRt {
 public:
  TensorRt& device_id(int id) { return set("device_id", std::to_string(id)); }
  TensorRt& fp16(bool on) { return set("trt_fp16_enable", on ? "1" : "0"); }
  TensorRt& int8(bool on) { return set("trt_int8_enable", on ? "1" : "0"); }
  TensorRt& max_workspace_size(std::size_t bytes) { return set("trt_max_workspace_size", std::to_string(bytes)); }
  TensorRt& engine_cache(std::string path) {
    set("trt_engine_cache_enable", "1");
    return set("trt_engine_cache_path", std::move(path));
  }
  TensorRt& timing_cache(std::string path) {
    set("trt_timing_cache_enable", "1");
    return set("trt_timing_cache_path", std::move(path));
  }
  // Shape profiles: "input:1x3x224x224,..." as ORT's trt_profile_* options take them.
  TensorRt& profile(std::string min, std::string opt, std::string max) {
    set("trt_profile_min_shapes", std::move(min));
    set("trt_profile_opt_shapes", std::move(opt));
    return set("trt_profile_max_shapes", std::move(max));
  }
  operator Provider() const { return provider_; }  // NOLINT(google-explicit-constructor)

 private:
  TensorRt& set(std::string key, std::string value) {
    provider_.option(std::move(key), std::move(value));
    return *this;
  }
  Provider provider_{"TensorRT"};
};

// WebGPU (Dawn over Vulkan, Metal or D3D12; on CPU-only Linux, Mesa's lavapipe).
class WebGpu {
 public:
  // "NCHW" or "NHWC" (ORT's default)
  WebGpu& preferred_layout(std::string layout) { return set("preferredLayout", std::move(layout)); }
  WebGpu& device_id(int id) { return set("deviceId", std::to_string(id)); }
  operator Provider() const { return provider_; }  // NOLINT(google-explicit-constructor)

 private:
  WebGpu& set(std::string key, std::string value) {
    provider_.option(std::move(key), std::move(value));
    return *this;
  }
  Provider provider_{"WebGPU"};
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
