#include "zrt/providers.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include <memory>

#include "ort/api.hpp"
#include "session/provider_append.hpp"
#include "zrt/environment.hpp"
#include "zrt/error.hpp"

namespace zrt {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// What zrt knows of each EP: the name ORT's append call takes, the name
// GetAvailableProviders reports, which zrt ORT flavor has it, and (when zrt checks them)
// the option keys ORT accepts.
struct KnownProvider {
  std::string_view name;
  std::string_view ort_name;
  std::string_view flavor;  // "" when no zrt flavor has it
  std::vector<std::string_view> keys;
};

const std::vector<KnownProvider>& known_providers() {
  static const std::vector<KnownProvider> known = {
      {"CUDA",
       "CUDAExecutionProvider",
       "gpu (scripts/fetch-onnxruntime.sh --flavor gpu --with-cuda-providers)",
       {"device_id", "has_user_compute_stream", "gpu_mem_limit", "arena_extend_strategy", "cudnn_conv_algo_search",
        "do_copy_in_default_stream", "cudnn_conv_use_max_workspace", "cudnn_conv1d_pad_to_nc1d", "enable_cuda_graph",
        "enable_skip_layer_norm_strict_mode", "use_ep_level_unified_stream", "use_tf32", "prefer_nhwc",
        "tunable_op_enable", "tunable_op_tuning_enable", "tunable_op_max_tuning_duration_ms", "sdpa_kernel",
        "fuse_conv_bias"}},
      {"TensorRT",
       "TensorrtExecutionProvider",
       "gpu (scripts/fetch-onnxruntime.sh --flavor gpu --with-cuda-providers)",
       {"device_id",
        "trt_max_workspace_size",
        "trt_max_partition_iterations",
        "trt_min_subgraph_size",
        "trt_fp16_enable",
        "trt_int8_enable",
        "trt_int8_calibration_table_name",
        "trt_int8_use_native_calibration_table",
        "trt_dla_enable",
        "trt_dla_core",
        "trt_dump_subgraphs",
        "trt_engine_cache_enable",
        "trt_engine_cache_path",
        "trt_engine_cache_prefix",
        "trt_engine_decryption_enable",
        "trt_engine_decryption_lib_path",
        "trt_force_sequential_engine_build",
        "trt_context_memory_sharing_enable",
        "trt_layer_norm_fp32_fallback",
        "trt_timing_cache_enable",
        "trt_timing_cache_path",
        "trt_force_timing_cache",
        "trt_detailed_build_log",
        "trt_build_heuristics_enable",
        "trt_sparsity_enable",
        "trt_builder_optimization_level",
        "trt_auxiliary_streams",
        "trt_tactic_sources",
        "trt_extra_plugin_lib_paths",
        "trt_profile_min_shapes",
        "trt_profile_max_shapes",
        "trt_profile_opt_shapes",
        "trt_cuda_graph_enable",
        "trt_dump_ep_context_model",
        "trt_ep_context_file_path",
        "trt_ep_context_embed_mode",
        "trt_weight_stripped_engine_enable",
        "trt_onnx_model_folder_path",
        "trt_engine_hw_compatible",
        "trt_op_types_to_exclude"}},
      {"WebGPU",
       "WebGpuExecutionProvider",
       "gpu (scripts/fetch-onnxruntime.sh --flavor gpu)",
       {"preferredLayout", "enableGraphCapture", "dawnBackendType", "deviceId", "storageBufferCacheMode",
        "uniformBufferCacheMode", "queryResolveBufferCacheMode", "defaultBufferCacheMode", "validationMode",
        "forceCpuNodeNames", "preserveDevice"}},
      {"DNNL", "DnnlExecutionProvider", "", {}},
      {"CANN", "CANNExecutionProvider", "", {}},
      {"XNNPACK", "XnnpackExecutionProvider", "", {}},
      {"OpenVINO", "OpenVINOExecutionProvider", "", {}},
      {"QNN", "QNNExecutionProvider", "", {}},
      {"CoreML", "CoreMLExecutionProvider", "", {}},
      {"DML", "DmlExecutionProvider", "", {}},
      {"SNPE", "SNPEExecutionProvider", "", {}},
      {"VitisAI", "VitisAIExecutionProvider", "", {}},
      {"NvTensorRtRtx", "NvTensorRTRTXExecutionProvider", "", {}},
      {"MIGraphX", "MIGraphXExecutionProvider", "", {}},
      {"WEBNN", "WebNNExecutionProvider", "", {}},
      {"JS", "JsExecutionProvider", "", {}},
      {"AZURE", "AzureExecutionProvider", "", {}},
      {"CPU", "CPUExecutionProvider", "", {}},
  };
  return known;
}

const KnownProvider* find_known(std::string_view name) {
  const std::string want = lower(name);
  for (const KnownProvider& k : known_providers()) {
    if (lower(k.name) == want || lower(k.ort_name) == want) return &k;
  }
  return nullptr;
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : std::string(sep)) + s;
  return out;
}

std::string join_keys(const std::vector<std::string_view>& keys) {
  std::string out;
  for (std::string_view k : keys) out += (out.empty() ? "" : ", ") + std::string(k);
  return out;
}

// The EPs ORT appends from an options struct (CUDA, TensorRT, oneDNN, CANN): create it,
// set the keys, append, release.
template <typename Options, typename Update, typename Append>
void append_with_struct(OrtSessionOptions* session_options, const Provider& p,
                        OrtStatus*(ORT_API_CALL* create)(Options**), void(ORT_API_CALL* release)(Options*),
                        Update update, Append append) {
  const std::string what = "SessionOptions: provider " + p.to_string();
  Options* raw = nullptr;
  detail::check(create(&raw), what.c_str());
  const std::unique_ptr<Options, void(ORT_API_CALL*)(Options*)> owned(raw, release);
  const detail::OptionArrays o(p.options());
  detail::check(update(raw, o.keys.data(), o.values.data(), o.keys.size()), what.c_str());
  detail::check(append(session_options, raw), what.c_str());
}

}  // namespace

std::vector<std::string> available_providers() {
  detail::ensure_environment();
  char** names = nullptr;
  int count = 0;
  detail::check(detail::api().GetAvailableProviders(&names, &count), "available_providers");
  std::vector<std::string> out(names, names + count);
  detail::check(detail::api().ReleaseAvailableProviders(names, count), "available_providers");
  return out;
}

Provider::Provider(std::string name, Options options) : name_(std::move(name)), options_(std::move(options)) {
  if (const KnownProvider* k = find_known(name_)) name_ = std::string(k->name);  // "webgpu" -> "WebGPU"
  if (name_.empty()) throw Error("Provider: the name is empty");
}

Provider Provider::parse(std::string_view spec) {
  const std::size_t colon = spec.find(':');
  Provider p{std::string(spec.substr(0, colon))};
  if (colon == std::string_view::npos) return p;
  std::string_view rest = spec.substr(colon + 1);
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      throw Error("provider '" + std::string(spec) + "': expected NAME[:key=value,...], got option '" +
                  std::string(item) + "'");
    }
    p.option(std::string(item.substr(0, eq)), std::string(item.substr(eq + 1)));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  return p;
}

Provider& Provider::option(std::string key, std::string value) {
  for (auto& [k, v] : options_) {
    if (k == key) {
      v = std::move(value);
      return *this;
    }
  }
  options_.emplace_back(std::move(key), std::move(value));
  return *this;
}

std::string Provider::ort_name() const {
  const KnownProvider* k = find_known(name_);
  return k != nullptr ? std::string(k->ort_name) : name_ + "ExecutionProvider";
}

std::string Provider::to_string() const {
  std::string s = name_;
  for (std::size_t i = 0; i < options_.size(); ++i) {
    s += (i == 0 ? ":" : ",") + options_[i].first + "=" + options_[i].second;
  }
  return s;
}

namespace detail {

void append_provider(OrtSessionOptions* options, const Provider& p) {
  const OrtApi& a = api();
  const KnownProvider* known = find_known(p.name());
  // An EP this ORT lacks: say which ones it has and which zrt flavor has this one.
  const std::vector<std::string> available = available_providers();
  if (std::find(available.begin(), available.end(), p.ort_name()) == available.end()) {
    std::string message = "SessionOptions: execution provider '" + p.name() + "' is not in this ONNX Runtime build (" +
                          ort_version() + ", it has " + join(available, ", ") + ")";
    if (known != nullptr && !known->flavor.empty()) message += "; zrt's " + std::string(known->flavor) + " has it";
    throw Error(ErrorCode::NotImplemented, message);
  }
  if (known != nullptr && !known->keys.empty()) {
    for (const auto& [key, value] : p.options()) {
      if (std::find(known->keys.begin(), known->keys.end(), key) == known->keys.end()) {
        throw Error("SessionOptions: provider " + p.name() + ": unknown option '" + key +
                    "'; valid keys: " + join_keys(known->keys));
      }
    }
  }
  const std::string what = "SessionOptions: provider " + p.to_string();
  if (p.name() == "CUDA") {
    append_with_struct(options, p, a.CreateCUDAProviderOptions, a.ReleaseCUDAProviderOptions,
                       a.UpdateCUDAProviderOptions, a.SessionOptionsAppendExecutionProvider_CUDA_V2);
  } else if (p.name() == "TensorRT") {
    append_with_struct(options, p, a.CreateTensorRTProviderOptions, a.ReleaseTensorRTProviderOptions,
                       a.UpdateTensorRTProviderOptions, a.SessionOptionsAppendExecutionProvider_TensorRT_V2);
  } else if (p.name() == "DNNL") {
    append_with_struct(options, p, a.CreateDnnlProviderOptions, a.ReleaseDnnlProviderOptions,
                       a.UpdateDnnlProviderOptions, a.SessionOptionsAppendExecutionProvider_Dnnl);
  } else if (p.name() == "CANN") {
    append_with_struct(options, p, a.CreateCANNProviderOptions, a.ReleaseCANNProviderOptions,
                       a.UpdateCANNProviderOptions, a.SessionOptionsAppendExecutionProvider_CANN);
  } else if (p.name() != "CPU") {  // the CPU EP is always there, last
    const OptionArrays o(p.options());
    check(a.SessionOptionsAppendExecutionProvider(options, p.name().c_str(), o.keys.data(), o.values.data(),
                                                  o.keys.size()),
          what.c_str());
  }
}

std::vector<EpPlacement> read_placement(const OrtSession* session) {
  const OrtApi& a = api();
  const OrtEpAssignedSubgraph* const* subgraphs = nullptr;
  std::size_t count = 0;
  if (OrtStatus* status = a.Session_GetEpGraphAssignmentInfo(session, &subgraphs, &count)) {
    a.ReleaseStatus(status);
    throw Error(
        "Session::placement: not recorded; make the session with SessionOptions::record_placement(true) "
        "(on by default when a provider is set)");
  }
  std::vector<EpPlacement> out;
  for (std::size_t i = 0; i < count; ++i) {
    const char* ep = nullptr;
    check(a.EpAssignedSubgraph_GetEpName(subgraphs[i], &ep), "Session::placement");
    auto it = std::find_if(out.begin(), out.end(), [&](const EpPlacement& e) { return e.provider == ep; });
    if (it == out.end()) it = out.insert(out.end(), EpPlacement{ep, {}});
    const OrtEpAssignedNode* const* nodes = nullptr;
    std::size_t n = 0;
    check(a.EpAssignedSubgraph_GetNodes(subgraphs[i], &nodes, &n), "Session::placement");
    for (std::size_t j = 0; j < n; ++j) {
      const char *name = nullptr, *domain = nullptr, *op = nullptr;
      check(a.EpAssignedNode_GetName(nodes[j], &name), "Session::placement");
      check(a.EpAssignedNode_GetDomain(nodes[j], &domain), "Session::placement");
      check(a.EpAssignedNode_GetOperatorType(nodes[j], &op), "Session::placement");
      it->nodes.push_back({name ? name : "", domain ? domain : "", op ? op : ""});
    }
  }
  return out;
}

}  // namespace detail

}  // namespace zrt
