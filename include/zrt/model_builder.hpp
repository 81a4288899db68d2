// ModelBuilder: an ONNX model described in C++ (opsets, inputs, outputs, nodes with
// attributes, initializers), made into a Session with Session::from_model, or applied
// to a loaded model with ModelEditor (model_editor.hpp). No file, no protobuf: ORT's
// Model Editor API builds the graph. Nothing here is on the hot path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "zrt/element.hpp"
#include "zrt/shape.hpp"
#include "zrt/value.hpp"

namespace zrt {

class TensorBuffer;
struct IoInfo;
namespace detail {
struct ModelBuilderAccess;  // the builder's ORT side (src/extend/model_builder.cpp)
}  // namespace detail

// One dim of a declared input or output: a fixed size (4), a symbolic name ("batch"),
// or free without a name (Dim::free()).
class Dim {
 public:
  Dim(std::int64_t size) noexcept : size_(size) {}         // NOLINT(google-explicit-constructor)
  Dim(int size) noexcept : size_(size) {}                  // NOLINT(google-explicit-constructor)
  Dim(const char* symbol) : symbol_(symbol) {}             // NOLINT(google-explicit-constructor)
  Dim(std::string symbol) : symbol_(std::move(symbol)) {}  // NOLINT(google-explicit-constructor)
  static Dim free() { return Dim(std::string()); }

  std::int64_t size() const noexcept { return size_; }  // -1 unless fixed
  const std::string& symbol() const noexcept { return symbol_; }

 private:
  std::int64_t size_ = -1;
  std::string symbol_;
};

// A domain and the operator-set version the model imports from it ("" is ONNX).
// Custom-op domains ("my.ops") must be listed too.
struct Opset {
  std::string domain;
  int version = 0;
};

// A node attribute: int, float, string, or a list of ints, floats or strings. Braced
// lists pick the type of their elements: {"perm", {1, 0}}, {"scales", {0.5f, 2.0f}},
// {"names", {"a", "b"}}. (Tensor and graph attributes are not offered: ORT 1.29's
// CreateOpAttr refuses them; give a tensor as an initializer input instead.)
class Attribute {
 public:
  Attribute(std::string name, std::int64_t value) : name_(std::move(name)), value_(value) {}
  Attribute(std::string name, int value) : name_(std::move(name)), value_(std::int64_t{value}) {}
  Attribute(std::string name, float value) : name_(std::move(name)), value_(value) {}
  Attribute(std::string name, double value) : name_(std::move(name)), value_(static_cast<float>(value)) {}
  Attribute(std::string name, std::string value) : name_(std::move(name)), value_(std::move(value)) {}
  Attribute(std::string name, const char* value) : name_(std::move(name)), value_(std::string(value)) {}
  Attribute(std::string name, std::vector<std::int64_t> values) : name_(std::move(name)), value_(std::move(values)) {}
  Attribute(std::string name, std::vector<float> values) : name_(std::move(name)), value_(std::move(values)) {}
  Attribute(std::string name, std::vector<std::string> values) : name_(std::move(name)), value_(std::move(values)) {}
  Attribute(std::string name, std::initializer_list<int> values)
      : name_(std::move(name)), value_(std::vector<std::int64_t>(values.begin(), values.end())) {}
  Attribute(std::string name, std::initializer_list<std::int64_t> values)
      : name_(std::move(name)), value_(std::vector<std::int64_t>(values)) {}
  Attribute(std::string name, std::initializer_list<float> values)
      : name_(std::move(name)), value_(std::vector<float>(values)) {}
  Attribute(std::string name, std::initializer_list<double> values)
      : name_(std::move(name)), value_(std::vector<float>(values.begin(), values.end())) {}
  Attribute(std::string name, std::initializer_list<const char*> values)
      : name_(std::move(name)), value_(std::vector<std::string>(values.begin(), values.end())) {}

  using Data = std::variant<std::int64_t, float, std::string, std::vector<std::int64_t>, std::vector<float>,
                            std::vector<std::string>>;
  const std::string& name() const noexcept { return name_; }
  const Data& value() const noexcept { return value_; }

 private:
  std::string name_;
  Data value_;
};

class ModelBuilder {
 public:
  // One node of the graph. The reference node() returns stays valid for the
  // builder's life, so the domain and name may be set after the fact.
  class Node {
   public:
    // The operator's domain: "" (ONNX, the default), "com.microsoft", or a custom-op
    // domain such as "my.ops" (which must also be one of the model's opsets).
    Node& domain(std::string domain) {
      domain_ = std::move(domain);
      return *this;
    }
    // The node's name (default: "<op_type>_<index>"), as placement and profiles show it.
    Node& name(std::string name) {
      name_ = std::move(name);
      return *this;
    }

   private:
    friend class ModelBuilder;
    friend struct detail::ModelBuilderAccess;
    std::string op_type_;
    std::string domain_;
    std::string name_;
    std::vector<std::string> inputs_;  // "" for an omitted optional input
    std::vector<std::string> outputs_;
    std::vector<Attribute> attributes_;
  };

  // The model imports `opsets` (at least the ONNX domain "" for ONNX operators).
  explicit ModelBuilder(std::vector<Opset> opsets);

  // --- graph inputs and outputs (tensors), in order ---
  // When editing a loaded model (ModelEditor::apply), declaring any input replaces the
  // model's inputs with the declared list, and likewise for outputs: redeclare the
  // ones to keep, e.g. with output(editor.outputs()[i]).
  ModelBuilder& input(std::string name, ElementType type, std::vector<Dim> dims);
  template <Element T>
  ModelBuilder& input(std::string name, std::vector<Dim> dims) {
    return input(std::move(name), element_type_of<T>, std::move(dims));
  }
  ModelBuilder& input(const IoInfo& info);  // a tensor as a Session or ModelEditor describes it
  ModelBuilder& output(std::string name, ElementType type, std::vector<Dim> dims);
  template <Element T>
  ModelBuilder& output(std::string name, std::vector<Dim> dims) {
    return output(std::move(name), element_type_of<T>, std::move(dims));
  }
  ModelBuilder& output(const IoInfo& info);

  // --- initializers (constant tensors the nodes read by name) ---
  // Copies the data now (the name says copy); the builder owns the copy.
  template <Element T>
  ModelBuilder& initializer_copy(std::string name, const TensorView<T>& data) {
    return initializer_copy_bytes(std::move(name), element_type_of<T>, std::as_bytes(data.data()), data.shape());
  }
  ModelBuilder& initializer_copy_bytes(std::string name, ElementType type, std::span<const std::byte> bytes,
                                       const Shape& shape);
  // No copy: ORT reads `data` in place, and every Session made from this model keeps
  // `owner` (whatever owns the memory, never null) alive. The memory must not change.
  // Tensors under 128 bytes are copied anyway (ORT's shape inference must read them).
  //   auto w = std::make_shared<std::vector<float>>(...);
  //   model.initializer("W", zrt::TensorView(*w, {4, 2}), w);
  template <Element T>
  ModelBuilder& initializer(std::string name, const TensorView<T>& data, std::shared_ptr<const void> owner) {
    return initializer_bytes(std::move(name), element_type_of<T>, std::as_bytes(data.data()), data.shape(),
                             std::move(owner));
  }
  ModelBuilder& initializer_bytes(std::string name, ElementType type, std::span<const std::byte> bytes,
                                  const Shape& shape, std::shared_ptr<const void> owner);
  // No copy: a TensorBuffer shared with the sessions (kept alive by each).
  ModelBuilder& initializer(std::string name, std::shared_ptr<const TensorBuffer> buffer);

  // --- nodes ---
  // Adds `op_type`(inputs) -> outputs. Attributes: {{"alpha", 0.5f}, {"perm", {1, 0}}}.
  Node& node(std::string op_type, std::vector<std::string> inputs, std::vector<std::string> outputs,
             std::vector<Attribute> attributes = {});

  // --- what was declared ---
  const std::vector<Opset>& opsets() const noexcept { return opsets_; }
  std::size_t node_count() const noexcept { return nodes_.size(); }

  // The declared model, for Session::from_model and ModelEditor::apply.
  struct Tensor {
    std::string name;
    ElementType type = ElementType::Undefined;
    std::vector<Dim> dims;
    bool has_shape = true;  // false: any rank (only from an IoInfo that declares none)
  };
  struct Initializer {
    std::string name;
    ElementType type = ElementType::Undefined;
    Shape shape;
    const void* data = nullptr;
    std::size_t bytes = 0;
    std::shared_ptr<const void> owner;  // what keeps `data` alive
  };

 private:
  friend struct detail::ModelBuilderAccess;
  std::vector<Opset> opsets_;
  std::vector<Tensor> inputs_;
  std::vector<Tensor> outputs_;
  std::vector<Initializer> initializers_;
  std::deque<Node> nodes_;  // a deque: node() hands out references that must stay valid
};

}  // namespace zrt
