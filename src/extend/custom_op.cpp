// CustomOp and OpDomain over ORT's OrtCustomOp table: each op is an OrtCustomOp whose
// callbacks trampoline into the C++ definition; what C++ code throws is turned into an
// OrtStatus there (it must never cross into ORT).
#include "zrt/custom_op.hpp"

#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "extend/op_domain.hpp"
#include "ort/api.hpp"

namespace zrt {

using detail::api;
using detail::check;

namespace {

void release_custom_op_domain(OrtCustomOpDomain* p) noexcept { api().ReleaseCustomOpDomain(p); }
using CustomOpDomainPtr = detail::Owned<OrtCustomOpDomain, release_custom_op_domain>;
using TensorInfoPtr = detail::TensorInfoPtr;

// A string ORT writes into a caller buffer after reporting its size (node names,
// string attributes). `read(out, size)` is the ORT call.
template <typename Read>
std::string read_sized_string(Read read, const char* what) {
  std::size_t size = 0;
  check(read(nullptr, &size), what);
  std::string s(size, '\0');
  check(read(s.data(), &size), what);
  while (!s.empty() && s.back() == '\0') s.pop_back();  // the size counts the terminator
  return s;
}

std::string attribute_what(const std::string& name) { return "KernelInfo attribute '" + name + "'"; }

template <typename T, typename Read>
std::vector<T> read_array(const std::string& name, Read read) {
  const std::string what = attribute_what(name);
  std::size_t size = 0;
  check(read(nullptr, &size), what.c_str());
  std::vector<T> values(size);
  if (size > 0) check(read(values.data(), &size), what.c_str());
  return values;
}

OrtCustomOpInputOutputCharacteristic to_characteristic(Arity arity) noexcept {
  switch (arity) {
    case Arity::Optional: return INPUT_OUTPUT_OPTIONAL;
    case Arity::Variadic: return INPUT_OUTPUT_VARIADIC;
    default: return INPUT_OUTPUT_REQUIRED;
  }
}

}  // namespace

// ---- KernelInfo -------------------------------------------------------------------------

template <>
float KernelInfo::attribute<float>(const std::string& name) const {
  float v = 0;
  check(api().KernelInfoGetAttribute_float(info_, name.c_str(), &v), attribute_what(name).c_str());
  return v;
}
template <>
std::int64_t KernelInfo::attribute<std::int64_t>(const std::string& name) const {
  std::int64_t v = 0;
  check(api().KernelInfoGetAttribute_int64(info_, name.c_str(), &v), attribute_what(name).c_str());
  return v;
}
template <>
std::string KernelInfo::attribute<std::string>(const std::string& name) const {
  const std::string what = attribute_what(name);
  return read_sized_string(
      [&](char* out, std::size_t* size) { return api().KernelInfoGetAttribute_string(info_, name.c_str(), out, size); },
      what.c_str());
}
template <>
std::vector<float> KernelInfo::attribute<std::vector<float>>(const std::string& name) const {
  return read_array<float>(name, [&](float* out, std::size_t* size) {
    return api().KernelInfoGetAttributeArray_float(info_, name.c_str(), out, size);
  });
}
template <>
std::vector<std::int64_t> KernelInfo::attribute<std::vector<std::int64_t>>(const std::string& name) const {
  return read_array<std::int64_t>(name, [&](std::int64_t* out, std::size_t* size) {
    return api().KernelInfoGetAttributeArray_int64(info_, name.c_str(), out, size);
  });
}
template <>
std::vector<std::string> KernelInfo::attribute<std::vector<std::string>>(const std::string& name) const {
  OrtAllocator* allocator = detail::default_allocator();
  char** strings = nullptr;
  std::size_t size = 0;
  check(api().KernelInfoGetAttributeArray_string(info_, name.c_str(), allocator, &strings, &size),
        attribute_what(name).c_str());
  std::vector<std::string> values;
  values.reserve(size);
  for (std::size_t i = 0; i < size; ++i) values.push_back(detail::take_string(allocator, strings[i]));
  if (strings != nullptr) allocator->Free(allocator, static_cast<void*>(strings));
  return values;
}
template <>
Value KernelInfo::attribute<Value>(const std::string& name) const {
  OrtValue* value = nullptr;
  check(api().KernelInfoGetAttribute_tensor(info_, name.c_str(), detail::default_allocator(), &value),
        attribute_what(name).c_str());
  return Value::adopt(value);
}

std::string KernelInfo::node_name() const {
  return read_sized_string([&](char* out, std::size_t* size) { return api().KernelInfo_GetNodeName(info_, out, size); },
                           "KernelInfo::node_name");
}
std::size_t KernelInfo::input_count() const {
  std::size_t n = 0;
  check(api().KernelInfo_GetInputCount(info_, &n), "KernelInfo::input_count");
  return n;
}
std::size_t KernelInfo::output_count() const {
  std::size_t n = 0;
  check(api().KernelInfo_GetOutputCount(info_, &n), "KernelInfo::output_count");
  return n;
}

// ---- KernelContext ----------------------------------------------------------------------

std::size_t KernelContext::input_count() const {
  std::size_t n = 0;
  check(api().KernelContext_GetInputCount(context_, &n), "KernelContext::input_count");
  return n;
}
std::size_t KernelContext::output_count() const {
  std::size_t n = 0;
  check(api().KernelContext_GetOutputCount(context_, &n), "KernelContext::output_count");
  return n;
}

namespace {
const OrtValue* get_input(OrtKernelContext* context, std::size_t index) {
  std::size_t n = 0;
  check(api().KernelContext_GetInputCount(context, &n), "KernelContext input");
  if (index >= n) {
    throw Error("input " + std::to_string(index) + " is out of range (the node has " + std::to_string(n) + ")");
  }
  const OrtValue* value = nullptr;
  check(api().KernelContext_GetInput(context, index, &value), "KernelContext input");
  if (value == nullptr) throw Error("input " + std::to_string(index) + " is absent (an optional input left out)");
  return value;
}
}  // namespace

bool KernelContext::has_input(std::size_t index) const {
  if (index >= input_count()) return false;
  const OrtValue* value = nullptr;
  check(api().KernelContext_GetInput(context_, index, &value), "KernelContext::has_input");
  return value != nullptr;
}
Shape KernelContext::input_shape(std::size_t index) const {
  return Shape(detail::tensor_ref(get_input(context_, index), "KernelContext::input_shape").dims);
}
ElementType KernelContext::input_type(std::size_t index) const {
  return detail::tensor_ref(get_input(context_, index), "KernelContext::input_type").type;
}
KernelContext::RawInput KernelContext::input_data(std::size_t index, ElementType expected) const {
  const OrtValue* value = get_input(context_, index);
  const detail::TensorRef ref = detail::tensor_ref(value, "KernelContext::input");
  const ElementType type = ref.type;
  if (type != expected) {
    throw Error("input " + std::to_string(index) + " is " + std::string(to_string(type)) + ", read as " +
                std::string(to_string(expected)));
  }
  void* data = nullptr;
  check(api().GetTensorMutableData(const_cast<OrtValue*>(value), &data), "KernelContext::input");
  return {data, ref.element_count()};
}
void* KernelContext::output_data(std::size_t index, ElementType expected, const Shape& shape) {
  OrtValue* value = nullptr;
  if (OrtStatus* status = api().KernelContext_GetOutput(context_, index, shape.dims().data(), shape.rank(), &value))
    check(status, ("output " + std::to_string(index)).c_str());  // the message is built only on error
  if (value == nullptr) throw Error("output " + std::to_string(index) + " is not produced by this node");
  const ElementType type = detail::tensor_ref(value, "KernelContext::output").type;
  if (type != expected) {
    throw Error("output " + std::to_string(index) + " is " + std::string(to_string(type)) + ", written as " +
                std::string(to_string(expected)));
  }
  void* data = nullptr;
  check(api().GetTensorMutableData(value, &data), "KernelContext::output");
  return data;
}

// ---- ShapeInference ---------------------------------------------------------------------

namespace {
// Borrowed: the context owns what it hands out (ORT's C++ wrapper releases nothing).
const OrtTensorTypeAndShapeInfo* input_info(OrtShapeInferContext* context, std::size_t index) {
  OrtTensorTypeAndShapeInfo* info = nullptr;
  check(api().ShapeInferContext_GetInputTypeShape(context, index, &info),
        ("ShapeInference input " + std::to_string(index)).c_str());
  return info;
}
}  // namespace

std::size_t ShapeInference::input_count() const {
  std::size_t n = 0;
  check(api().ShapeInferContext_GetInputCount(context_, &n), "ShapeInference::input_count");
  return n;
}
ElementType ShapeInference::input_type(std::size_t index) const {
  ONNXTensorElementDataType type = ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED;
  check(api().GetTensorElementType(input_info(context_, index), &type), "ShapeInference::input_type");
  return static_cast<ElementType>(type);
}
std::vector<std::int64_t> ShapeInference::input_dims(std::size_t index) const {
  const OrtTensorTypeAndShapeInfo* info = input_info(context_, index);
  std::size_t rank = 0;
  check(api().GetDimensionsCount(info, &rank), "ShapeInference::input_dims");
  std::vector<std::int64_t> dims(rank);
  check(api().GetDimensions(info, dims.data(), rank), "ShapeInference::input_dims");
  return dims;
}
void ShapeInference::set_output(std::size_t index, ElementType type, std::span<const std::int64_t> dims) {
  const OrtApi& a = api();
  OrtTensorTypeAndShapeInfo* raw = nullptr;
  check(a.CreateTensorTypeAndShapeInfo(&raw), "ShapeInference::set_output");
  const TensorInfoPtr info(raw);
  check(a.SetTensorElementType(raw, static_cast<ONNXTensorElementDataType>(type)), "ShapeInference::set_output");
  check(a.SetDimensions(raw, dims.data(), dims.size()), "ShapeInference::set_output");
  check(a.ShapeInferContext_SetOutputTypeShape(context_, index, raw),
        ("ShapeInference output " + std::to_string(index)).c_str());
}
void ShapeInference::same_as_input(std::size_t output, std::size_t input) {
  check(api().ShapeInferContext_SetOutputTypeShape(context_, output, input_info(context_, input)),
        ("ShapeInference output " + std::to_string(output)).c_str());
}

// ---- CustomOp ---------------------------------------------------------------------------

CustomOp& CustomOp::input(ElementType type, Arity arity) {
  inputs_.push_back({type, arity});
  return *this;
}
CustomOp& CustomOp::output(ElementType type, Arity arity) {
  outputs_.push_back({type, arity});
  return *this;
}

// ---- OpDomain: the OrtCustomOp trampolines ------------------------------------------------

namespace {

// One op as ORT sees it. OrtCustomOp comes first so ORT's pointer converts back.
struct OpEntry : OrtCustomOp {
  CustomOp op;
  std::string qualified;  // "domain.Name", for messages
};

struct Kernel {
  const OpEntry* entry;
  std::string node;
  CustomOp::Compute compute;
};

const OpEntry& entry_of(const OrtCustomOp* op) noexcept { return *static_cast<const OpEntry*>(op); }

// What `f` throws, as an OrtStatus naming the op and the node.
template <typename F>
OrtStatus* guarded(const std::string& qualified, const std::string& node, F&& f) noexcept {
  try {
    f();
    return nullptr;
  } catch (const std::exception& e) {
    return api().CreateStatus(ORT_RUNTIME_EXCEPTION, (qualified + " (node '" + node + "'): " + e.what()).c_str());
  } catch (...) {
    return api().CreateStatus(ORT_RUNTIME_EXCEPTION, (qualified + " (node '" + node + "'): unknown exception").c_str());
  }
}

OrtStatus* ORT_API_CALL create_kernel(const OrtCustomOp* op, const OrtApi*, const OrtKernelInfo* info,
                                      void** kernel) noexcept {
  const OpEntry& entry = entry_of(op);
  *kernel = nullptr;
  std::string node;
  return guarded(entry.qualified, node, [&] {
    const KernelInfo kernel_info(info);
    node = kernel_info.node_name();
    auto made = std::make_unique<Kernel>(Kernel{&entry, node, entry.op.factory()(kernel_info)});
    if (!made->compute) throw Error("the kernel factory returned no compute function");
    *kernel = made.release();
  });
}

OrtStatus* ORT_API_CALL compute_kernel(void* kernel, OrtKernelContext* context) noexcept {
  Kernel& k = *static_cast<Kernel*>(kernel);
  try {
    KernelContext ctx(context);
    k.compute(ctx);
    return nullptr;
  } catch (...) {
    // Out of line from the success path; builds the message only on failure.
    return guarded(k.entry->qualified, k.node, [] { throw; });
  }
}

void ORT_API_CALL destroy_kernel(void* kernel) noexcept { delete static_cast<Kernel*>(kernel); }

thread_local std::string t_inference_error;  // see take_shape_inference_error

OrtStatus* ORT_API_CALL infer_shapes(const OrtCustomOp* op, OrtShapeInferContext* context) noexcept {
  const OpEntry& entry = entry_of(op);
  OrtStatus* status = guarded(entry.qualified, "shape inference", [&] {
    ShapeInference inference(context);
    entry.op.inference()(inference);
  });
  if (status != nullptr) {
    try {
      if (t_inference_error.empty()) t_inference_error = api().GetErrorMessage(status);
    } catch (...) {  // out of memory: the error is lost, as ORT would lose it
    }
    api().ReleaseStatus(status);
  }
  return nullptr;
}

const CustomOp::Port& port(const std::vector<CustomOp::Port>& ports, std::size_t index) noexcept {
  return ports[index < ports.size() ? index : ports.size() - 1];
}

void fill_table(OpEntry& e) {
  OrtCustomOp& t = e;
  t = OrtCustomOp{};
  t.version = ORT_API_VERSION;
  t.GetName = [](const OrtCustomOp* op) noexcept { return entry_of(op).op.name().c_str(); };
  t.GetExecutionProviderType = [](const OrtCustomOp*) noexcept -> const char* { return nullptr; };
  t.GetInputType = [](const OrtCustomOp* op, std::size_t i) noexcept {
    return static_cast<ONNXTensorElementDataType>(port(entry_of(op).op.inputs(), i).type);
  };
  t.GetInputTypeCount = [](const OrtCustomOp* op) noexcept { return entry_of(op).op.inputs().size(); };
  t.GetOutputType = [](const OrtCustomOp* op, std::size_t i) noexcept {
    return static_cast<ONNXTensorElementDataType>(port(entry_of(op).op.outputs(), i).type);
  };
  t.GetOutputTypeCount = [](const OrtCustomOp* op) noexcept { return entry_of(op).op.outputs().size(); };
  t.KernelDestroy = destroy_kernel;
  t.GetInputCharacteristic = [](const OrtCustomOp* op, std::size_t i) noexcept {
    return to_characteristic(port(entry_of(op).op.inputs(), i).arity);
  };
  t.GetOutputCharacteristic = [](const OrtCustomOp* op, std::size_t i) noexcept {
    return to_characteristic(port(entry_of(op).op.outputs(), i).arity);
  };
  t.GetInputMemoryType = [](const OrtCustomOp*, std::size_t) noexcept { return OrtMemTypeDefault; };
  t.GetVariadicInputMinArity = [](const OrtCustomOp* op) noexcept { return entry_of(op).op.min_variadic_inputs(); };
  t.GetVariadicInputHomogeneity = [](const OrtCustomOp* op) noexcept {
    return int{entry_of(op).op.inputs().back().type != ElementType::Undefined};
  };
  t.GetVariadicOutputMinArity = [](const OrtCustomOp* op) noexcept { return entry_of(op).op.min_variadic_outputs(); };
  t.GetVariadicOutputHomogeneity = [](const OrtCustomOp* op) noexcept {
    return int{entry_of(op).op.outputs().back().type != ElementType::Undefined};
  };
  t.CreateKernelV2 = create_kernel;
  t.KernelComputeV2 = compute_kernel;
  if (e.op.inference()) t.InferOutputShapeFn = infer_shapes;
  t.GetStartVersion = [](const OrtCustomOp* op) noexcept { return entry_of(op).op.since(); };
  t.GetEndVersion = [](const OrtCustomOp* op) noexcept { return entry_of(op).op.until(); };
}

void check_ports(const std::string& qualified, const std::vector<CustomOp::Port>& ports, const char* kind) {
  for (std::size_t i = 0; i + 1 < ports.size(); ++i) {
    if (ports[i].arity == Arity::Variadic) {
      throw Error("CustomOp " + qualified + ": variadic " + kind + " " + std::to_string(i) +
                  " is not the last one (only the last " + kind + " may be variadic)");
    }
  }
}

}  // namespace

struct OpDomain::State {
  std::string name;
  CustomOpDomainPtr domain;
  std::vector<std::unique_ptr<OpEntry>> ops;  // stable addresses: ORT holds pointers to them
};

OpDomain::OpDomain(std::string name) : state_(std::make_shared<State>()) {
  state_->name = std::move(name);
  OrtCustomOpDomain* raw = nullptr;
  check(api().CreateCustomOpDomain(state_->name.c_str(), &raw), ("OpDomain '" + state_->name + "'").c_str());
  state_->domain.reset(raw);
}

OpDomain& OpDomain::add(CustomOp op) {
  const std::string qualified = (state_->name.empty() ? std::string() : state_->name + ".") + op.name();
  if (op.name().empty()) throw Error("OpDomain '" + state_->name + "': a CustomOp has no name");
  if (!op.factory()) throw Error("CustomOp " + qualified + ": no kernel (call .kernel(...) or .compute(...))");
  if (op.outputs().empty()) throw Error("CustomOp " + qualified + ": no outputs");
  if (op.since() < 1 || op.until() < op.since()) {
    throw Error("CustomOp " + qualified + ": versions(" + std::to_string(op.since()) + ", " +
                std::to_string(op.until()) + ") is not a range of opset versions");
  }
  check_ports(qualified, op.inputs(), "input");
  check_ports(qualified, op.outputs(), "output");
  std::unique_ptr<OpEntry> entry(new OpEntry{OrtCustomOp{}, std::move(op), qualified});
  fill_table(*entry);
  check(api().CustomOpDomain_Add(state_->domain.get(), entry.get()), ("OpDomain::add " + qualified).c_str());
  state_->ops.push_back(std::move(entry));
  return *this;
}

const std::string& OpDomain::name() const noexcept { return state_->name; }
std::size_t OpDomain::size() const noexcept { return state_->ops.size(); }

namespace detail {
std::string take_shape_inference_error() { return std::exchange(t_inference_error, std::string()); }
OrtCustomOpDomain* op_domain_handle(const OpDomain& domain) noexcept { return domain.state()->domain.get(); }
}  // namespace detail

}  // namespace zrt
