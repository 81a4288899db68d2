// zrt info MODEL [--json] [--ep NAME[:key=value,...]]...: inputs, outputs, metadata and
// opsets of a model; with --ep, which execution provider takes which node.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cli_checks.hpp"
#include "commands.hpp"
#include "json_text.hpp"
#include "proto_values.hpp"
#include "zrt/environment.hpp"
#include "zrt/error.hpp"
#include "zrt/providers.hpp"
#include "zrt/session.hpp"

namespace zrt::cli {
namespace {

struct InfoOptions {
  std::string model;
  bool json = false;
  std::vector<std::string> eps;  // --ep specs, in order
};

// Per EP, the nodes it takes. ORT 1.29 reports the CPU EP's nodes but not a kernel-based
// EP's (WebGPU): the model's nodes the report leaves out are given to the first --ep.
std::vector<EpPlacement> full_placement(const Session& session, const std::vector<Provider>& providers,
                                        const std::optional<onnx::ModelProto>& proto) {
  std::vector<EpPlacement> placement = session.placement();
  if (!proto || providers.empty()) return placement;
  std::vector<PlacedNode> listed;
  for (const EpPlacement& p : placement) listed.insert(listed.end(), p.nodes.begin(), p.nodes.end());
  std::vector<PlacedNode> rest;
  for (const auto& node : proto->graph().node()) {
    const PlacedNode n{node.name(), node.domain(), node.op_type()};
    const auto it = std::find_if(listed.begin(), listed.end(),
                                 [&](const PlacedNode& l) { return l.op_type == n.op_type && l.name == n.name; });
    if (it != listed.end())
      listed.erase(it);
    else
      rest.push_back(n);
  }
  if (rest.empty()) return placement;
  const std::string ep = providers.front().ort_name();
  const auto it =
      std::find_if(placement.begin(), placement.end(), [&](const EpPlacement& p) { return p.provider == ep; });
  if (it == placement.end()) {
    placement.insert(placement.begin(), EpPlacement{ep, rest});
  } else {
    it->nodes.insert(it->nodes.end(), rest.begin(), rest.end());
  }
  return placement;
}

std::string node_text(const PlacedNode& n) {
  return n.name.empty() ? n.op_type : fmt::format("{} '{}'", n.op_type, n.name);
}

// The model file's own type for each graph input/output (richer than ORT's for
// sequences and optionals: element shapes and symbols survive).
using DeclaredTypes = std::map<std::string, std::string>;

DeclaredTypes declared_types(const onnx::ModelProto& model) {
  DeclaredTypes types;
  for (const auto& v : model.graph().input()) types[v.name()] = type_to_string(v.type());
  for (const auto& v : model.graph().output()) types[v.name()] = type_to_string(v.type());
  return types;
}

std::string declared_suffix(const IoInfo& io, const DeclaredTypes& declared) {
  const auto it = declared.find(io.name);
  if (it == declared.end() || io.kind == ValueKind::Tensor || it->second == io.type) return "";
  return "   (declared " + it->second + ")";
}

nlohmann::json io_to_json(const IoInfo& io, const DeclaredTypes& declared) {
  nlohmann::json dims = nlohmann::json::array();
  for (std::size_t i = 0; i < io.shape.rank(); ++i) {
    if (io.shape[i] >= 0)
      dims.push_back(io.shape[i]);
    else if (i < io.symbolic_dims.size() && !io.symbolic_dims[i].empty())
      dims.push_back(io.symbolic_dims[i]);
    else
      dims.push_back(nullptr);
  }
  nlohmann::json j = {{"name", io.name}, {"type", io.type}, {"kind", to_string(io.kind)}};
  if (io.element_type != ElementType::Undefined) {  // tensors, sparse tensors, optional(tensor)
    j["element_type"] = element_name(io.element_type);
    j["shape"] = dims;
  }
  if (const auto it = declared.find(io.name); it != declared.end()) j["declared_type"] = it->second;
  return j;
}

std::string domain_name(const std::string& domain) { return domain.empty() ? "ai.onnx" : domain; }

int run_info(const InfoOptions& opt) {
  // Load through zrt first: it reports a missing or broken model with ORT's verdict.
  EnvironmentOptions env_options;
  env_options.log_level = LogLevel::Error;
  const Environment env(env_options);
  SessionOptions options =
      SessionOptions{}.optimization_level(OptimizationLevel::Disabled).intra_op_threads(1).inter_op_threads(1);
  std::vector<Provider> providers;
  for (const std::string& spec : opt.eps) providers.push_back(Provider::parse(spec));
  for (const Provider& p : providers) options.provider(p);
  const Session session(env, opt.model, options);
  const ModelMetadata meta = session.metadata();

  // Opsets and IR version are only in the model file (ORT's C API does not expose them).
  std::optional<onnx::ModelProto> proto;
  std::string proto_error;
  try {
    proto = load_model_proto(opt.model);
  } catch (const Error& e) {
    proto_error = e.what();
  }
  const DeclaredTypes declared = proto ? declared_types(*proto) : DeclaredTypes{};
  // Without the file's proto, zrt's metadata reports an unset model_version as 0.
  const bool has_version = proto ? proto->has_model_version() : meta.version != 0;

  if (opt.json) {
    nlohmann::json j;
    j["path"] = opt.model;
    j["producer_name"] = meta.producer_name;
    j["graph_name"] = meta.graph_name;
    j["graph_description"] = meta.graph_description;
    j["domain"] = meta.domain;
    j["description"] = meta.description;
    j["version"] = has_version ? nlohmann::json(meta.version) : nlohmann::json(nullptr);
    j["custom_metadata"] = meta.custom;
    if (proto) {
      j["ir_version"] = proto->ir_version();
      j["producer_version"] = proto->producer_version();
      nlohmann::json opsets = nlohmann::json::array();
      for (const auto& op : proto->opset_import())
        opsets.push_back({{"domain", domain_name(op.domain())}, {"version", op.version()}});
      j["opsets"] = opsets;
      j["initializers"] = proto->graph().initializer_size();
      j["nodes"] = proto->graph().node_size();
    }
    j["inputs"] = nlohmann::json::array();
    for (const IoInfo& io : session.inputs()) j["inputs"].push_back(io_to_json(io, declared));
    j["outputs"] = nlohmann::json::array();
    for (const IoInfo& io : session.outputs()) j["outputs"].push_back(io_to_json(io, declared));
    if (!providers.empty()) {
      j["placement"] = nlohmann::json::array();
      for (const EpPlacement& p : full_placement(session, providers, proto)) {
        nlohmann::json nodes = nlohmann::json::array();
        for (const PlacedNode& n : p.nodes)
          nodes.push_back({{"name", n.name}, {"domain", domain_name(n.domain)}, {"op_type", n.op_type}});
        j["placement"].push_back({{"provider", p.provider}, {"nodes", nodes}});
      }
    }
    fmt::print("{}\n", json_text(j, "--json"));
    return 0;
  }

  fmt::print("model: {}\n", opt.model);
  if (proto) {
    fmt::print("  ir version:  {}\n", proto->ir_version());
    std::vector<std::string> opsets;
    for (const auto& op : proto->opset_import())
      opsets.push_back(fmt::format("{} {}", domain_name(op.domain()), op.version()));
    fmt::print("  opsets:      {}\n", opsets.empty() ? "(none)" : fmt::format("{}", fmt::join(opsets, ", ")));
  } else {
    fmt::print("  opsets:      unknown ({})\n", proto_error);
  }
  std::string producer = meta.producer_name;
  if (proto && !proto->producer_version().empty()) producer += " " + proto->producer_version();
  fmt::print("  producer:    {}\n", producer);
  fmt::print("  graph:       {}\n", meta.graph_name);
  if (!meta.graph_description.empty()) fmt::print("  graph doc:   {}\n", meta.graph_description);
  if (!meta.description.empty()) fmt::print("  description: {}\n", meta.description);
  if (!meta.domain.empty()) fmt::print("  domain:      {}\n", meta.domain);
  fmt::print("  version:     {}\n", has_version ? std::to_string(meta.version) : std::string("(unset)"));
  if (proto)
    fmt::print("  graph size:  {} nodes, {} initializers\n", proto->graph().node_size(),
               proto->graph().initializer_size());
  if (!meta.custom.empty()) {
    fmt::print("  metadata:\n");
    for (const auto& [key, value] : meta.custom) fmt::print("    {}: {}\n", key, value);
  }
  fmt::print("inputs ({}):\n", session.input_count());
  for (const IoInfo& io : session.inputs()) fmt::print("  {}{}\n", io.to_string(), declared_suffix(io, declared));
  fmt::print("outputs ({}):\n", session.output_count());
  for (const IoInfo& io : session.outputs()) fmt::print("  {}{}\n", io.to_string(), declared_suffix(io, declared));
  if (!providers.empty()) {
    fmt::print("placement:\n");
    for (const EpPlacement& p : full_placement(session, providers, proto)) {
      std::vector<std::string> nodes;
      for (const PlacedNode& n : p.nodes) nodes.push_back(node_text(n));
      const bool fallback = p.provider == "CPUExecutionProvider";
      fmt::print("  {}{} ({} nodes): {}\n", p.provider, fallback ? " (CPU fallback)" : "", nodes.size(),
                 fmt::join(nodes, ", "));
    }
  }
  return 0;
}

}  // namespace

void add_info_command(CLI::App& app, Action& action) {
  auto opt = std::make_shared<InfoOptions>();
  CLI::App* cmd = app.add_subcommand("info", "Show a model's inputs, outputs, metadata and opsets");
  cmd->add_option("model", opt->model, "ONNX model file")->required()->check(regular_file());
  cmd->add_flag("--json", opt->json, "Print JSON instead of text");
  cmd->add_option("--ep", opt->eps,
                  "Execution provider NAME[:key=value,...] (e.g. webgpu); shows which nodes it takes (repeatable)");
  cmd->callback([opt, &action] { action = [opt] { return run_info(*opt); }; });
}

}  // namespace zrt::cli
