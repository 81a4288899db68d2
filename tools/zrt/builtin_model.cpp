#include "builtin_model.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <onnx/onnx_pb.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>

#include "zrt/error.hpp"

namespace zrt::cli {
namespace {

constexpr std::array<std::string_view, 4> kNames = {"mlp", "mlp_batch", "add", "gru"};

onnx::ModelProto new_model(const std::string& graph_name, const std::string& doc) {
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.set_producer_name("zrt");
  model.set_doc_string(doc);
  onnx::OperatorSetIdProto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(17);
  model.mutable_graph()->set_name(graph_name);
  return model;
}

// A dim given as kBatch is the free dim "batch".
constexpr std::int64_t kBatch = -1;

void add_io(google::protobuf::RepeatedPtrField<onnx::ValueInfoProto>* list, const std::string& name,
            const std::vector<std::int64_t>& dims) {
  onnx::ValueInfoProto* v = list->Add();
  v->set_name(name);
  onnx::TypeProto_Tensor* t = v->mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto_DataType_FLOAT);
  for (std::int64_t d : dims) {
    onnx::TensorShapeProto_Dimension* dim = t->mutable_shape()->add_dim();
    if (d == kBatch)
      dim->set_dim_param("batch");
    else
      dim->set_dim_value(d);
  }
}

void add_initializer(onnx::GraphProto& graph, const std::string& name, const std::vector<std::int64_t>& dims,
                     const std::vector<float>& values) {
  onnx::TensorProto* t = graph.add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto_DataType_FLOAT);
  for (std::int64_t d : dims) t->add_dims(d);
  t->set_raw_data(values.data(), values.size() * sizeof(float));
}

onnx::NodeProto* add_node(onnx::GraphProto& graph, const std::string& op, std::vector<std::string> inputs,
                          std::vector<std::string> outputs) {
  onnx::NodeProto* n = graph.add_node();
  n->set_op_type(op);
  for (auto& s : inputs) n->add_input(std::move(s));
  for (auto& s : outputs) n->add_output(std::move(s));
  return n;
}

// Seeded weights, normal with standard deviation `scale`.
std::vector<float> weights(std::size_t count, float scale, std::mt19937& rng) {
  std::normal_distribution<float> normal(0.0f, scale);
  std::vector<float> w(count);
  for (float& v : w) v = normal(rng);
  return w;
}

std::vector<std::byte> serialize(const onnx::ModelProto& model) {
  std::string s;
  if (!model.SerializeToString(&s)) throw Error("builtin model: cannot serialize");
  std::vector<std::byte> bytes(s.size());
  std::memcpy(bytes.data(), s.data(), s.size());
  return bytes;
}

// MLP 784-128-10 with the same weights either way; `batch` is 1 or kBatch (free).
onnx::ModelProto mlp_model(std::int64_t batch) {
  onnx::ModelProto model = new_model("mlp_784_128_10", "zrt built-in: MLP 784-128-10");
  onnx::GraphProto& g = *model.mutable_graph();
  std::mt19937 rng(7);
  add_initializer(g, "w1", {784, 128}, weights(784 * 128, 0.05f, rng));
  add_initializer(g, "b1", {128}, weights(128, 0.05f, rng));
  add_initializer(g, "w2", {128, 10}, weights(128 * 10, 0.05f, rng));
  add_initializer(g, "b2", {10}, weights(10, 0.05f, rng));
  add_node(g, "MatMul", {"image", "w1"}, {"h0"});
  add_node(g, "Add", {"h0", "b1"}, {"h1"});
  add_node(g, "Relu", {"h1"}, {"h2"});
  add_node(g, "MatMul", {"h2", "w2"}, {"h3"});
  add_node(g, "Add", {"h3", "b2"}, {"logits"});
  add_io(g.mutable_input(), "image", {batch, 784});
  add_io(g.mutable_output(), "logits", {batch, 10});
  return model;
}

BuiltinModel mlp() {
  return {"mlp", "MLP 784-128-10 (ReLU): image float[1,784] -> logits float[1,10]", serialize(mlp_model(1)), {}, {}};
}

// For batching (zrt bench --load): the session keeps "batch" free, and the bench's
// inputs are one row each (dim 0 of image set by position, which fixes nothing).
BuiltinModel mlp_batch() {
  return {"mlp_batch",
          "MLP 784-128-10 (ReLU) with a free batch dim: image float[batch,784] -> logits float[batch,10], "
          "requests of batch 1",
          serialize(mlp_model(kBatch)),
          {},
          {{"image:0", 1}}};
}

BuiltinModel add() {
  onnx::ModelProto model = new_model("add_constant", "zrt built-in: Y = X + C");
  onnx::GraphProto& g = *model.mutable_graph();
  std::vector<float> c(16);
  for (std::size_t i = 0; i < c.size(); ++i) c[i] = 0.5f * static_cast<float>(i);
  add_initializer(g, "C", {1, 16}, c);
  add_node(g, "Add", {"X", "C"}, {"Y"});
  add_io(g.mutable_input(), "X", {1, 16});
  add_io(g.mutable_output(), "Y", {1, 16});
  return {"add", "tiny Y = X + C: X float[1,16] -> Y float[1,16]", serialize(model), {}, {}};
}

BuiltinModel gru() {
  constexpr std::int64_t kInput = 16, kHidden = 64;
  onnx::ModelProto model = new_model("gru_step", "zrt built-in: one GRU step, state carried Y_h -> H");
  onnx::GraphProto& g = *model.mutable_graph();
  std::mt19937 rng(11);
  const auto h = static_cast<std::size_t>(kHidden), in = static_cast<std::size_t>(kInput);
  add_initializer(g, "W", {1, 3 * kHidden, kInput}, weights(3 * h * in, 0.3f, rng));
  add_initializer(g, "R", {1, 3 * kHidden, kHidden}, weights(3 * h * h, 0.2f, rng));
  add_initializer(g, "B", {1, 6 * kHidden}, weights(6 * h, 0.1f, rng));
  onnx::NodeProto* n = add_node(g, "GRU", {"X", "W", "R", "B", "", "H"}, {"", "Y_h"});
  onnx::AttributeProto* a = n->add_attribute();
  a->set_name("hidden_size");
  a->set_type(onnx::AttributeProto_AttributeType_INT);
  a->set_i(kHidden);
  add_io(g.mutable_input(), "X", {1, 1, kInput});
  add_io(g.mutable_input(), "H", {1, 1, kHidden});
  add_io(g.mutable_output(), "Y_h", {1, 1, kHidden});
  return {"gru",
          "one GRU step (hidden 64): X float[1,1,16], state H float[1,1,64] -> Y_h float[1,1,64], carried Y_h -> H",
          serialize(model),
          {{"Y_h", "H"}},
          {}};
}

}  // namespace

std::span<const std::string_view> builtin_model_names() noexcept { return kNames; }

BuiltinModel builtin_model(std::string_view name) {
  if (name == "mlp") return mlp();
  if (name == "mlp_batch") return mlp_batch();
  if (name == "add") return add();
  if (name == "gru") return gru();
  throw Error(fmt::format("no built-in model '{}'; the built-in models are: {}", name, fmt::join(kNames, ", ")));
}

}  // namespace zrt::cli
