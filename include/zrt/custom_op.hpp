// Custom operators: define an op in a few lines, group ops in an OpDomain, and give the
// domain to SessionOptions::op_domain. zrt fills ORT's OrtCustomOp table; the op's
// attributes are read once per node (KernelInfo), and a compute call sees typed spans
// (KernelContext). An exception thrown by a kernel becomes an ORT error naming the op
// and the node; the session stays usable.
//
//   zrt::OpDomain ops("my.ops");
//   ops.add(zrt::CustomOp("Scale").input<float>().output<float>().kernel([](const zrt::KernelInfo& info) {
//     const float k = info.attribute<float>("k");
//     return [k](zrt::KernelContext& ctx) {
//       auto x = ctx.input<float>(0);
//       auto y = ctx.output<float>(0, ctx.input_shape(0));
//       for (std::size_t i = 0; i < x.size(); ++i) y[i] = k * x[i];
//     };
//   }));
#pragma once

#include <climits>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "zrt/element.hpp"
#include "zrt/error.hpp"
#include "zrt/shape.hpp"
#include "zrt/value.hpp"

struct OrtKernelInfo;
struct OrtKernelContext;
struct OrtShapeInferContext;

namespace zrt {

// What a node gives the op, read when ORT creates the node's kernel (once per node,
// never per run). Attribute types: float, std::int64_t, std::string, and
// std::vector of each, and Value (a tensor attribute).
class KernelInfo {
 public:
  explicit KernelInfo(const OrtKernelInfo* info) noexcept : info_(info) {}
  // Throws zrt::Error naming the attribute when the node has none of that name and type.
  template <typename T>
  T attribute(const std::string& name) const;
  // `fallback` when the node has no attribute `name` readable as T.
  template <typename T>
  T attribute(const std::string& name, T fallback) const;
  std::string node_name() const;
  std::size_t input_count() const;  // the node's inputs (variadic ones counted)
  std::size_t output_count() const;
  const OrtKernelInfo* handle() const noexcept { return info_; }

 private:
  const OrtKernelInfo* info_;
};
template <typename T>
T KernelInfo::attribute(const std::string& name, T fallback) const {
  try {
    return attribute<T>(name);
  } catch (const Error&) {
    return fallback;
  }
}
template <>
float KernelInfo::attribute<float>(const std::string& name) const;
template <>
std::int64_t KernelInfo::attribute<std::int64_t>(const std::string& name) const;
template <>
std::string KernelInfo::attribute<std::string>(const std::string& name) const;
template <>
std::vector<float> KernelInfo::attribute<std::vector<float>>(const std::string& name) const;
template <>
std::vector<std::int64_t> KernelInfo::attribute<std::vector<std::int64_t>>(const std::string& name) const;
template <>
std::vector<std::string> KernelInfo::attribute<std::vector<std::string>>(const std::string& name) const;
template <>
Value KernelInfo::attribute<Value>(const std::string& name) const;

// One compute call: the node's inputs as typed read-only spans, its outputs allocated by
// shape. Reading allocates nothing (shapes up to rank Shape::kInlineRank stay inline).
class KernelContext {
 public:
  explicit KernelContext(OrtKernelContext* context) noexcept : context_(context) {}
  std::size_t input_count() const;
  std::size_t output_count() const;
  // False for an optional input the node leaves out.
  bool has_input(std::size_t index) const;
  // Throws zrt::Error when the input is absent or not a tensor of T.
  template <Element T>
  std::span<const T> input(std::size_t index) const {
    const RawInput in = input_data(index, element_type_of<T>);
    return {static_cast<const T*>(in.data), in.count};
  }
  Shape input_shape(std::size_t index) const;
  ElementType input_type(std::size_t index) const;
  // Allocates output `index` with `shape` (ORT owns it) and returns its elements.
  template <Element T>
  std::span<T> output(std::size_t index, const Shape& shape) {
    return {static_cast<T*>(output_data(index, element_type_of<T>, shape)), shape.element_count()};
  }
  OrtKernelContext* handle() const noexcept { return context_; }

 private:
  struct RawInput {
    const void* data;
    std::size_t count;
  };
  RawInput input_data(std::size_t index, ElementType expected) const;
  void* output_data(std::size_t index, ElementType expected, const Shape& shape);
  OrtKernelContext* context_;
};

// Shape inference, called when ORT resolves the graph: read the inputs' types and dims
// (-1: unknown) and set each output's.
class ShapeInference {
 public:
  explicit ShapeInference(OrtShapeInferContext* context) noexcept : context_(context) {}
  std::size_t input_count() const;
  ElementType input_type(std::size_t index) const;
  std::vector<std::int64_t> input_dims(std::size_t index) const;
  void set_output(std::size_t index, ElementType type, std::span<const std::int64_t> dims);
  // Output `output` gets input `input`'s type and shape, symbolic dim names included.
  void same_as_input(std::size_t output, std::size_t input);

 private:
  OrtShapeInferContext* context_;
};

// How many values an input or output takes. A variadic one must come last.
enum class Arity : int { Required, Optional, Variadic };

// An operator's definition: name, typed inputs and outputs, opset range, kernel.
// ElementType::Undefined accepts any element type.
class CustomOp {
 public:
  using Compute = std::function<void(KernelContext&)>;
  using Factory = std::function<Compute(const KernelInfo&)>;
  using Inference = std::function<void(ShapeInference&)>;
  struct Port {
    ElementType type;
    Arity arity;
  };

  explicit CustomOp(std::string name) : name_(std::move(name)) {}

  CustomOp& input(ElementType type, Arity arity = Arity::Required);
  CustomOp& output(ElementType type, Arity arity = Arity::Required);
  template <Element T>
  CustomOp& input() {
    return input(element_type_of<T>);
  }
  template <Element T>
  CustomOp& optional_input() {
    return input(element_type_of<T>, Arity::Optional);
  }
  // At least `min_count` values, all of type T.
  template <Element T>
  CustomOp& variadic_input(int min_count = 1) {
    min_variadic_inputs_ = min_count;
    return input(element_type_of<T>, Arity::Variadic);
  }
  template <Element T>
  CustomOp& output() {
    return output(element_type_of<T>);
  }
  template <Element T>
  CustomOp& optional_output() {
    return output(element_type_of<T>, Arity::Optional);
  }
  template <Element T>
  CustomOp& variadic_output(int min_count = 1) {
    min_variadic_outputs_ = min_count;
    return output(element_type_of<T>, Arity::Variadic);
  }
  // Opset versions of the op's domain this definition serves (inclusive).
  CustomOp& versions(int since, int until = INT_MAX) noexcept {
    since_ = since;
    until_ = until;
    return *this;
  }
  // `make(info)` runs once per node when ORT creates its kernel (read attributes
  // there) and returns the compute function, called on every run. Runs of one session
  // may call it concurrently: keep it free of unsynchronized mutable state.
  template <typename F>
  requires std::is_invocable_v<F&, const KernelInfo&> CustomOp& kernel(F make) {
    factory_ = [make = std::move(make)](const KernelInfo& info) -> Compute { return make(info); };
    return *this;
  }
  // A kernel that reads no attributes.
  template <typename F>
  requires std::is_invocable_v<F&, KernelContext&> CustomOp& compute(F f) {
    factory_ = [f = std::move(f)](const KernelInfo&) -> Compute { return f; };
    return *this;
  }
  CustomOp& infer_shapes(Inference f) {
    inference_ = std::move(f);
    return *this;
  }

  const std::string& name() const noexcept { return name_; }
  const std::vector<Port>& inputs() const noexcept { return inputs_; }
  const std::vector<Port>& outputs() const noexcept { return outputs_; }
  int min_variadic_inputs() const noexcept { return min_variadic_inputs_; }
  int min_variadic_outputs() const noexcept { return min_variadic_outputs_; }
  int since() const noexcept { return since_; }
  int until() const noexcept { return until_; }
  const Factory& factory() const noexcept { return factory_; }
  const Inference& inference() const noexcept { return inference_; }

 private:
  std::string name_;
  std::vector<Port> inputs_;
  std::vector<Port> outputs_;
  int min_variadic_inputs_ = 1;
  int min_variadic_outputs_ = 1;
  int since_ = 1;
  int until_ = INT_MAX;
  Factory factory_;
  Inference inference_;
};

// A named set of custom ops (an ONNX domain such as "my.ops"). A cheap handle: copies
// share the ops, and every session made with it keeps them alive.
class OpDomain {
 public:
  explicit OpDomain(std::string name);
  // A move copies the handle, so a moved-from OpDomain still names the same ops.
  OpDomain(const OpDomain&) = default;
  OpDomain& operator=(const OpDomain&) = default;
  OpDomain(OpDomain&& other) noexcept : state_(other.state_) {}
  OpDomain& operator=(OpDomain&& other) noexcept {
    state_ = other.state_;
    return *this;
  }
  ~OpDomain() = default;
  // Checks the definition (a kernel, a variadic port only last) and adds it. Add every
  // op before the first session is made with the domain.
  OpDomain& add(CustomOp op);
  const std::string& name() const noexcept;
  std::size_t size() const noexcept;

  struct State;
  const std::shared_ptr<State>& state() const noexcept { return state_; }

 private:
  std::shared_ptr<State> state_;
};

}  // namespace zrt
