#include "zrt/model_builder.hpp"

#include <algorithm>
#include <cstring>
#include <new>
#include <set>

#include "extend/model_editor_detail.hpp"
#include "extend/op_domain.hpp"
#include "ort/api.hpp"
#include "session/session_state.hpp"
#include "zrt/buffer.hpp"
#include "zrt/model_editor.hpp"
#include "zrt/session.hpp"

namespace zrt {

using detail::api;
using detail::check;

namespace detail {

const OrtModelEditorApi& editor_api(const char* what) {
  const OrtModelEditorApi* editor = api().GetModelEditorApi();
  if (editor == nullptr) {
    throw Error(ErrorCode::NotImplemented,
                std::string(what) + ": this ONNX Runtime build has no Model Editor API (a minimal build)");
  }
  return *editor;
}

void release_model(OrtModel* p) noexcept { api().ReleaseModel(p); }

}  // namespace detail

namespace {

void release_graph(OrtGraph* p) noexcept { api().ReleaseGraph(p); }
void release_node(OrtNode* p) noexcept { api().ReleaseNode(p); }
void release_value_info(OrtValueInfo* p) noexcept { api().ReleaseValueInfo(p); }
void release_op_attr(OrtOpAttr* p) noexcept { api().ReleaseOpAttr(p); }
using GraphPtr = detail::Owned<OrtGraph, release_graph>;
using NodePtr = detail::Owned<OrtNode, release_node>;
using ValueInfoPtr = detail::Owned<OrtValueInfo, release_value_info>;
using OpAttrPtr = detail::Owned<OrtOpAttr, release_op_attr>;

// Initializers ORT may read in place must be at least this large: ONNX shape inference
// cannot read external data, and the small tensors it reads (shapes, axes) are below it.
constexpr std::size_t kMinExternalBytes = 128;

// The ONNX domain has two spellings.
std::string_view canonical_domain(std::string_view domain) { return domain == "ai.onnx" ? "" : domain; }

std::string in_quotes(std::string_view s) { return "'" + std::string(s) + "'"; }

void check_name(const std::string& name, const char* what, const char* kind) {
  if (name.empty()) throw Error(std::string(what) + ": the " + kind + " name is empty");
  if (name.find('\0') != std::string::npos) {
    throw Error(std::string(what) + ": the " + kind + " name " + in_quotes(name.c_str()) +
                "... contains a NUL character");
  }
}

ModelBuilder::Tensor make_tensor(std::string name, ElementType type, std::vector<Dim> dims, const char* what) {
  check_name(name, what, "value");
  if (type == ElementType::Undefined) throw Error(std::string(what) + " " + in_quotes(name) + ": no element type");
  for (std::size_t d = 0; d < dims.size(); ++d) {
    if (dims[d].size() < -1) {
      throw Error(std::string(what) + " " + in_quotes(name) + ": dim " + std::to_string(d) + " is " +
                  std::to_string(dims[d].size()) + "; give a size >= 0, a symbol or Dim::free()");
    }
  }
  return {std::move(name), type, std::move(dims), true};
}

ModelBuilder::Tensor tensor_from_info(const IoInfo& info, const char* what) {
  if (info.kind != ValueKind::Tensor) {
    throw Error(std::string(what) + " " + in_quotes(info.name) + ": only tensors can be declared, this is " +
                info.type);
  }
  std::vector<Dim> dims;
  for (std::size_t d = 0; d < info.shape.rank(); ++d) {
    const std::string symbol = d < info.symbolic_dims.size() ? info.symbolic_dims[d] : std::string();
    dims.push_back(info.shape[d] >= 0 ? Dim(info.shape[d]) : Dim(symbol));
  }
  ModelBuilder::Tensor t = make_tensor(info.name, info.element_type, std::move(dims), what);
  t.has_shape = info.has_shape;
  return t;
}

void add_tensor(std::vector<ModelBuilder::Tensor>& list, ModelBuilder::Tensor t, const char* what) {
  if (std::any_of(list.begin(), list.end(), [&](const auto& x) { return x.name == t.name; })) {
    throw Error(std::string(what) + ": " + in_quotes(t.name) + " is already declared");
  }
  list.push_back(std::move(t));
}

// A copy in 64-byte-aligned storage, so kernels that read it in place find it aligned.
std::shared_ptr<const std::byte> aligned_copy(std::span<const std::byte> bytes) {
  constexpr std::align_val_t kAlign{64};
  auto* p = static_cast<std::byte*>(::operator new(std::max<std::size_t>(bytes.size(), 1), kAlign));
  if (!bytes.empty()) std::memcpy(p, bytes.data(), bytes.size());
  return {p, [](const std::byte* q) { ::operator delete(const_cast<std::byte*>(q), kAlign); }};
}

detail::TypeInfoPtr tensor_type(const ModelBuilder::Tensor& t, const std::string& what) {
  const OrtApi& a = api();
  OrtTensorTypeAndShapeInfo* raw = nullptr;
  check(a.CreateTensorTypeAndShapeInfo(&raw), what.c_str());
  const detail::TensorInfoPtr info(raw);
  check(a.SetTensorElementType(raw, static_cast<ONNXTensorElementDataType>(t.type)), what.c_str());
  if (t.has_shape) {
    // ORT 1.29 gives every free dim of a declared tensor the first entry of its symbol
    // list (microsoft/onnxruntime#28307): [n, m] would become [n, n], which ties two
    // dims together. So a tensor passes one symbol, in every entry, when all its free
    // dims share it; when they differ, none (free dims without names, tied to nothing).
    std::string_view shared;
    bool uniform = true, first = true;
    for (const Dim& d : t.dims) {
      if (d.size() >= 0) continue;
      if (first) shared = d.symbol();
      uniform = uniform && d.symbol() == shared;
      first = false;
    }
    const std::string symbol(uniform ? shared : std::string_view());
    std::vector<std::int64_t> sizes;
    std::vector<const char*> symbols;
    for (const Dim& d : t.dims) {
      sizes.push_back(d.size());
      symbols.push_back(symbol.c_str());
    }
    check(a.SetDimensions(raw, sizes.data(), sizes.size()), what.c_str());
    check(a.SetSymbolicDimensions(raw, symbols.data(), symbols.size()), what.c_str());
  }
  OrtTypeInfo* type = nullptr;
  check(detail::editor_api(what.c_str()).CreateTensorTypeInfo(raw, &type), what.c_str());
  return detail::TypeInfoPtr(type);
}

// ORT takes the handles it was given by nulling their array entries (CreateNode's
// attributes, SetGraphInputs' value infos): those are no longer ours to release.
template <typename Ptr, typename T>
void let_go_of_taken(std::vector<Ptr>& owned, const std::vector<T*>& raw) noexcept {
  for (std::size_t i = 0; i < owned.size(); ++i) {
    if (raw[i] == nullptr) static_cast<void>(owned[i].release());
  }
}

// Sets the graph's inputs (or outputs) to `tensors`; ORT takes the value infos.
void set_graph_values(OrtGraph* graph, const std::vector<ModelBuilder::Tensor>& tensors, bool inputs,
                      const char* what) {
  const OrtModelEditorApi& e = detail::editor_api(what);
  std::vector<ValueInfoPtr> owned;
  std::vector<OrtValueInfo*> raw;
  for (const ModelBuilder::Tensor& t : tensors) {
    const std::string context = std::string(what) + ": graph " + (inputs ? "input " : "output ") + in_quotes(t.name);
    const detail::TypeInfoPtr type = tensor_type(t, context);
    OrtValueInfo* info = nullptr;
    check(e.CreateValueInfo(t.name.c_str(), type.get(), &info), context.c_str());
    owned.emplace_back(info);
    raw.push_back(info);
  }
  OrtStatus* status =
      inputs ? e.SetGraphInputs(graph, raw.data(), raw.size()) : e.SetGraphOutputs(graph, raw.data(), raw.size());
  let_go_of_taken(owned, raw);
  check(status, (std::string(what) + (inputs ? ": graph inputs" : ": graph outputs")).c_str());
}

OpAttrPtr make_attribute(const Attribute& attribute, const std::string& what) {
  const OrtApi& a = api();
  const std::string context = what + " attribute " + in_quotes(attribute.name());
  OrtOpAttr* out = nullptr;
  const char* name = attribute.name().c_str();
  static constexpr std::int64_t kNone = 0;  // a valid pointer for empty lists
  const Attribute::Data& v = attribute.value();
  OrtStatus* status = nullptr;
  if (const auto* i = std::get_if<std::int64_t>(&v)) {
    status = a.CreateOpAttr(name, i, 1, ORT_OP_ATTR_INT, &out);
  } else if (const auto* f = std::get_if<float>(&v)) {
    status = a.CreateOpAttr(name, f, 1, ORT_OP_ATTR_FLOAT, &out);
  } else if (const auto* s = std::get_if<std::string>(&v)) {
    status = a.CreateOpAttr(name, s->data(), static_cast<int>(s->size()), ORT_OP_ATTR_STRING, &out);
  } else if (const auto* is = std::get_if<std::vector<std::int64_t>>(&v)) {
    status = a.CreateOpAttr(name, is->empty() ? &kNone : static_cast<const void*>(is->data()),
                            static_cast<int>(is->size()), ORT_OP_ATTR_INTS, &out);
  } else if (const auto* fs = std::get_if<std::vector<float>>(&v)) {
    status = a.CreateOpAttr(name, fs->empty() ? &kNone : static_cast<const void*>(fs->data()),
                            static_cast<int>(fs->size()), ORT_OP_ATTR_FLOATS, &out);
  } else {
    const auto& strings = std::get<std::vector<std::string>>(v);
    std::vector<const char*> pointers;
    for (const std::string& one : strings) pointers.push_back(one.c_str());
    status = a.CreateOpAttr(name, pointers.empty() ? &kNone : static_cast<const void*>(pointers.data()),
                            static_cast<int>(pointers.size()), ORT_OP_ATTR_STRINGS, &out);
  }
  check(status, context.c_str());
  return OpAttrPtr(out);
}

// "node 'MatMul_0' (MatMul)", "node 'n' (my.ops:MyOp)"
std::string node_label(const std::string& name, const std::string& op_type, const std::string& domain) {
  return "node " + in_quotes(name) + " (" + (domain.empty() ? "" : domain + ":") + op_type + ")";
}

// A node's name: the one given, or "<op_type>_<index>".
std::string node_name(const std::string& name, const std::string& op_type, std::size_t index) {
  return name.empty() ? op_type + "_" + std::to_string(index) : name;
}

}  // namespace

// ---- declaring -----------------------------------------------------------------------

ModelBuilder::ModelBuilder(std::vector<Opset> opsets) : opsets_(std::move(opsets)) {
  std::set<std::string, std::less<>> seen;
  for (const Opset& o : opsets_) {
    if (o.version < 1) {
      throw Error("ModelBuilder: opset " + std::to_string(o.version) + " for domain " + in_quotes(o.domain) +
                  " (versions start at 1)");
    }
    if (!seen.insert(std::string(canonical_domain(o.domain))).second) {
      throw Error("ModelBuilder: domain " + in_quotes(o.domain) + " is listed twice in the opsets");
    }
  }
}

ModelBuilder& ModelBuilder::input(std::string name, ElementType type, std::vector<Dim> dims) {
  add_tensor(inputs_, make_tensor(std::move(name), type, std::move(dims), "ModelBuilder::input"),
             "ModelBuilder::input");
  return *this;
}
ModelBuilder& ModelBuilder::input(const IoInfo& info) {
  add_tensor(inputs_, tensor_from_info(info, "ModelBuilder::input"), "ModelBuilder::input");
  return *this;
}
ModelBuilder& ModelBuilder::output(std::string name, ElementType type, std::vector<Dim> dims) {
  add_tensor(outputs_, make_tensor(std::move(name), type, std::move(dims), "ModelBuilder::output"),
             "ModelBuilder::output");
  return *this;
}
ModelBuilder& ModelBuilder::output(const IoInfo& info) {
  add_tensor(outputs_, tensor_from_info(info, "ModelBuilder::output"), "ModelBuilder::output");
  return *this;
}

ModelBuilder& ModelBuilder::initializer_copy_bytes(std::string name, ElementType type, std::span<const std::byte> bytes,
                                                   const Shape& shape) {
  // Checked before copying, so a wrong size names this call.
  if (type == ElementType::String || type == ElementType::Undefined) {
    throw Error("ModelBuilder::initializer_copy " + in_quotes(name) + ": numeric tensors only, not " +
                std::string(to_string(type)));
  }
  const std::size_t needed = tensor_byte_size(type, shape.dims());
  if (bytes.size() != needed) {
    throw Error("ModelBuilder::initializer_copy " + in_quotes(name) + " of " + std::string(to_string(type)) +
                shape.to_string() + ": the data holds " + std::to_string(bytes.size()) + " bytes, expected " +
                std::to_string(needed));
  }
  std::shared_ptr<const std::byte> copy = aligned_copy(bytes);
  const std::byte* data = copy.get();
  return initializer_bytes(std::move(name), type, {data, bytes.size()}, shape, std::move(copy));
}

ModelBuilder& ModelBuilder::initializer_bytes(std::string name, ElementType type, std::span<const std::byte> bytes,
                                              const Shape& shape, std::shared_ptr<const void> owner) {
  const char* what = "ModelBuilder::initializer";
  check_name(name, what, "initializer");
  if (type == ElementType::String || type == ElementType::Undefined) {
    throw Error(std::string(what) + " " + in_quotes(name) + ": numeric tensors only, not " +
                std::string(to_string(type)));
  }
  if (!owner) {
    throw Error(std::string(what) + " " + in_quotes(name) +
                ": no owner; pass what keeps the memory alive (or use initializer_copy)");
  }
  const std::size_t needed = tensor_byte_size(type, shape.dims());
  if (bytes.size() != needed) {
    throw Error(std::string(what) + " " + in_quotes(name) + " of " + std::string(to_string(type)) + shape.to_string() +
                ": the data holds " + std::to_string(bytes.size()) + " bytes, expected " + std::to_string(needed));
  }
  if (bytes.data() == nullptr && needed > 0) throw Error(std::string(what) + " " + in_quotes(name) + ": null data");
  if (std::any_of(initializers_.begin(), initializers_.end(), [&](const auto& i) { return i.name == name; })) {
    throw Error(std::string(what) + ": " + in_quotes(name) + " is already an initializer");
  }
  initializers_.push_back({std::move(name), type, shape, bytes.data(), bytes.size(), std::move(owner)});
  return *this;
}

ModelBuilder& ModelBuilder::initializer(std::string name, std::shared_ptr<const TensorBuffer> buffer) {
  if (!buffer || buffer->data() == nullptr) {
    throw Error("ModelBuilder::initializer " + in_quotes(name) + ": the TensorBuffer is empty");
  }
  const TensorBuffer& b = *buffer;
  return initializer_bytes(std::move(name), b.element_type(), {static_cast<const std::byte*>(b.data()), b.bytes()},
                           b.shape(), std::move(buffer));
}

ModelBuilder::Node& ModelBuilder::node(std::string op_type, std::vector<std::string> inputs,
                                       std::vector<std::string> outputs, std::vector<Attribute> attributes) {
  check_name(op_type, "ModelBuilder::node", "operator");
  if (outputs.empty()) throw Error("ModelBuilder::node " + in_quotes(op_type) + ": no outputs");
  for (const std::string& out : outputs)
    check_name(out, ("ModelBuilder::node " + in_quotes(op_type)).c_str(), "output");
  for (std::size_t i = 0; i < attributes.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (attributes[i].name() == attributes[j].name()) {
        throw Error("ModelBuilder::node " + in_quotes(op_type) + ": attribute " + in_quotes(attributes[i].name()) +
                    " is given twice");
      }
    }
  }
  Node& n = nodes_.emplace_back();
  n.op_type_ = std::move(op_type);
  n.inputs_ = std::move(inputs);
  n.outputs_ = std::move(outputs);
  n.attributes_ = std::move(attributes);
  return n;
}

// ---- to ORT --------------------------------------------------------------------------

namespace detail {

ModelPtr ModelBuilderAccess::to_ort(const ModelBuilder& b, const char* what, bool whole,
                                    std::vector<std::shared_ptr<const void>>& owners) {
  const OrtModelEditorApi& e = editor_api(what);
  const std::string w(what);

  // What ORT would report late or vaguely, checked here with the names the caller used.
  std::set<std::string, std::less<>> domains;
  for (const Opset& o : b.opsets_) domains.insert(std::string(canonical_domain(o.domain)));
  std::set<std::string, std::less<>> produced;  // graph inputs, initializers, node outputs
  for (const auto& t : b.inputs_) produced.insert(t.name);
  // (An initializer may also be a graph input: a default the caller may override.)
  for (const auto& i : b.initializers_) produced.insert(i.name);
  for (std::size_t n = 0; n < b.nodes_.size(); ++n) {
    const ModelBuilder::Node& node = b.nodes_[n];
    const std::string label = node_label(node_name(node.name_, node.op_type_, n), node.op_type_, node.domain_);
    if (whole && domains.count(canonical_domain(node.domain_)) == 0) {
      std::string listed;
      for (const Opset& o : b.opsets_) listed += (listed.empty() ? "" : ", ") + in_quotes(o.domain);
      throw Error(w + ": " + label + " uses domain " + in_quotes(node.domain_) +
                  ", which the model's opsets do not import (they import " + (listed.empty() ? "none" : listed) + ")");
    }
    for (const std::string& out : node.outputs_) {
      if (!produced.insert(out).second) {
        throw Error(w + ": " + label + " output " + in_quotes(out) +
                    " is already a graph input, an initializer or another node's output");
      }
    }
  }
  if (whole) {
    for (std::size_t n = 0; n < b.nodes_.size(); ++n) {
      const ModelBuilder::Node& node = b.nodes_[n];
      for (std::size_t i = 0; i < node.inputs_.size(); ++i) {
        const std::string& in = node.inputs_[i];
        if (in.empty() || produced.count(in) != 0) continue;
        throw Error(w + ": " + node_label(node_name(node.name_, node.op_type_, n), node.op_type_, node.domain_) +
                    " input " + std::to_string(i) + " " + in_quotes(in) +
                    " is not a graph input, an initializer or any node's output");
      }
    }
    for (const auto& t : b.outputs_) {
      if (produced.count(t.name) == 0) {
        throw Error(w + ": graph output " + in_quotes(t.name) +
                    " is not a graph input, an initializer or any node's output");
      }
    }
    if (b.outputs_.empty()) throw Error(w + ": the model declares no outputs");
  }

  OrtGraph* raw_graph = nullptr;
  check(e.CreateGraph(&raw_graph), what);
  GraphPtr graph(raw_graph);
  if (!b.inputs_.empty()) set_graph_values(graph.get(), b.inputs_, true, what);
  if (!b.outputs_.empty()) set_graph_values(graph.get(), b.outputs_, false, what);

  std::vector<std::shared_ptr<const void>> kept;
  for (const ModelBuilder::Initializer& i : b.initializers_) {
    const std::string context = w + ": initializer " + in_quotes(i.name);
    const bool in_place = i.bytes >= kMinExternalBytes;
    Value tensor = in_place
                       ? Value::view_bytes(i.type, const_cast<void*>(i.data), i.bytes, i.shape)
                       : Value::tensor_copy_bytes(i.type, {static_cast<const std::byte*>(i.data), i.bytes}, i.shape);
    check(e.AddInitializerToGraph(graph.get(), i.name.c_str(), tensor.handle(), in_place), context.c_str());
    static_cast<void>(tensor.release());  // the graph owns the OrtValue now
    if (in_place) kept.push_back(i.owner);
  }

  for (std::size_t n = 0; n < b.nodes_.size(); ++n) {
    const ModelBuilder::Node& node = b.nodes_[n];
    const std::string name = node_name(node.name_, node.op_type_, n);
    const std::string context = w + ": " + node_label(name, node.op_type_, node.domain_);
    std::vector<OpAttrPtr> attributes;
    std::vector<OrtOpAttr*> raw_attributes;
    for (const Attribute& a : node.attributes_) {
      attributes.push_back(make_attribute(a, context));
      raw_attributes.push_back(attributes.back().get());
    }
    std::vector<const char*> inputs, outputs;
    for (const std::string& s : node.inputs_) inputs.push_back(s.c_str());
    for (const std::string& s : node.outputs_) outputs.push_back(s.c_str());
    OrtNode* raw_node = nullptr;
    OrtStatus* status =
        e.CreateNode(node.op_type_.c_str(), node.domain_.c_str(), name.c_str(), inputs.data(), inputs.size(),
                     outputs.data(), outputs.size(), raw_attributes.data(), raw_attributes.size(), &raw_node);
    let_go_of_taken(attributes, raw_attributes);
    check(status, context.c_str());
    NodePtr owned(raw_node);
    check(e.AddNodeToGraph(graph.get(), raw_node), context.c_str());
    static_cast<void>(owned.release());  // the graph owns it now
  }

  std::vector<const char*> domain_names;
  std::vector<int> versions;
  for (const Opset& o : b.opsets_) {
    domain_names.push_back(o.domain.c_str());
    versions.push_back(o.version);
  }
  OrtModel* raw_model = nullptr;
  check(e.CreateModel(domain_names.data(), versions.data(), domain_names.size(), &raw_model), what);
  ModelPtr model(raw_model);
  check(e.AddGraphToModel(model.get(), graph.get()), what);
  static_cast<void>(graph.release());  // the model owns it now
  owners.insert(owners.end(), kept.begin(), kept.end());
  return model;
}

void ModelBuilderAccess::check_declared(const ModelBuilder& b, std::span<const IoInfo> inputs,
                                        std::span<const IoInfo> outputs, const char* what) {
  const auto check_list = [&](const std::vector<ModelBuilder::Tensor>& declared, std::span<const IoInfo> actual,
                              const char* kind) {
    for (const ModelBuilder::Tensor& t : declared) {
      const auto it = std::find_if(actual.begin(), actual.end(), [&](const IoInfo& i) { return i.name == t.name; });
      const std::string head = std::string(what) + ": " + kind + " " + in_quotes(t.name);
      if (it == actual.end()) throw Error(head + " is declared, but the model has no such " + kind);
      std::string declared_type = std::string(to_string(t.type));
      if (t.has_shape) {
        declared_type += "[";
        for (std::size_t d = 0; d < t.dims.size(); ++d) {
          const Dim& dim = t.dims[d];
          declared_type += (d > 0 ? "," : "") +
                           (dim.size() >= 0 ? std::to_string(dim.size()) : (dim.symbol().empty() ? "?" : dim.symbol()));
        }
        declared_type += "]";
      }
      bool same = it->kind == ValueKind::Tensor && it->element_type == t.type;
      if (same && t.has_shape && it->has_shape) {
        same = it->shape.rank() == t.dims.size();
        for (std::size_t d = 0; same && d < t.dims.size(); ++d) {
          same = t.dims[d].size() < 0 || it->shape[d] < 0 || t.dims[d].size() == it->shape[d];
        }
      }
      if (!same) {
        throw Error(head + " is declared " + declared_type + ", but the model makes it " + it->to_string());
      }
    }
  };
  check_list(b.inputs_, inputs, "input");
  check_list(b.outputs_, outputs, "output");
}

}  // namespace detail

// ---- sessions from built models --------------------------------------------------------

Session Session::from_model(const Environment& env, const ModelBuilder& model, const SessionOptions& options) {
  const char* what = "Session::from_model";
  if (options.prepacked_weights() != nullptr) {
    throw Error(std::string(what) +
                ": SessionOptions.prepacked_weights cannot apply (ORT makes sessions from built models without a "
                "prepacked-weights container)");
  }
  if (detail::has_custom_ops(options)) {  // see detail::empty_model (ORT 1.29 registers custom ops too late)
    ModelEditor editor = ModelEditor::from_bytes(env, detail::empty_model(model.opsets()), options);
    editor.apply(model);
    return std::move(editor).finalize();
  }
  std::vector<std::shared_ptr<const void>> owners;
  const detail::ModelPtr ort_model = detail::ModelBuilderAccess::to_ort(model, what, true, owners);
  const OrtModelEditorApi& e = detail::editor_api(what);
  OrtSession* session = detail::create_session(env, options, what, [&](const OrtSessionOptions* o, OrtSession** out) {
    return e.CreateSessionFromModel(env.handle(), ort_model.get(), o, out);
  });
  std::shared_ptr<Session::State> state = detail::make_session_state(env, session, options);
  detail::ModelBuilderAccess::check_declared(model, state->inputs, state->outputs, what);
  state->initializer_owners.insert(state->initializer_owners.end(), owners.begin(), owners.end());
  return Session(std::move(state));
}

Session Session::from_model(const ModelBuilder& model, const SessionOptions& options) {
  return from_model(Environment::default_environment(), model, options);
}

}  // namespace zrt
