#include "models/models.hpp"

#include <onnx/defs/parser.h>
#include <onnx/onnx_pb.h>
#include <stdlib.h>  // mkdtemp

#include <cmath>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <system_error>

namespace zrt::test {
namespace {

constexpr std::int64_t kIrVersion = 8;
constexpr std::int64_t kOpset = 17;

onnx::ModelProto parse(std::string_view text) {
  std::string copy(text);  // the parser wants a NUL-terminated string
  onnx::ModelProto model;
  auto status = onnx::OnnxParser::Parse(model, copy.c_str());
  if (!status.IsOK()) {
    throw std::runtime_error("zrt::test: model text does not parse: " + status.ErrorMessage() + "\n" + copy);
  }
  return model;
}

Bytes serialize(const onnx::ModelProto& model) {
  std::string s;
  if (!model.SerializeToString(&s)) {
    throw std::runtime_error("zrt::test: cannot serialize model");
  }
  Bytes bytes(s.size());
  std::memcpy(bytes.data(), s.data(), s.size());
  return bytes;
}

std::string header(std::int64_t ir = kIrVersion, std::int64_t opset = kOpset, std::string_view extra = {}) {
  std::string h = "<ir_version: " + std::to_string(ir) + ", opset_import: [\"\" : " + std::to_string(opset);
  if (!extra.empty()) {
    h += ", ";
    h += extra;
  }
  h += "]>\n";
  return h;
}

std::string shape_text(const std::vector<Dim>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i != 0) {
      s += ",";
    }
    if (shape[i].value >= 0) {
      s += std::to_string(shape[i].value);
    } else if (!shape[i].symbol.empty()) {
      s += shape[i].symbol;
    } else {
      s += "?";
    }
  }
  return s + "]";
}

// The 1.12 parser reads seq/map/optional types on their own but not in a graph's
// signature: such outputs are declared as float there and retyped here.
void set_output_type(onnx::ModelProto& model, int index, const char* type_text) {
  onnx::TypeProto type;
  auto status = onnx::OnnxParser::Parse(type, type_text);
  if (!status.IsOK()) {
    throw std::runtime_error(std::string("zrt::test: type does not parse: ") + type_text + ": " +
                             status.ErrorMessage());
  }
  *model.mutable_graph()->mutable_output(index)->mutable_type() = type;
}

void set_input_type(onnx::ModelProto& model, int index, const char* type_text) {
  onnx::TypeProto type;
  auto status = onnx::OnnxParser::Parse(type, type_text);
  if (!status.IsOK()) {
    throw std::runtime_error(std::string("zrt::test: type does not parse: ") + type_text + ": " +
                             status.ErrorMessage());
  }
  *model.mutable_graph()->mutable_input(index)->mutable_type() = type;
}

// A float initializer stored as raw little-endian data.
void add_float_initializer(onnx::GraphProto& graph, const std::string& name, const std::vector<std::int64_t>& dims,
                           const std::vector<float>& values) {
  onnx::TensorProto* t = graph.add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto_DataType_FLOAT);
  for (std::int64_t d : dims) {
    t->add_dims(d);
  }
  t->set_raw_data(values.data(), values.size() * sizeof(float));
}

// Dyadic weights in {-2,-1,0,1,2}/16: products with inputs k/16 are exact.
float small_dyadic(std::size_t v) { return static_cast<float>(static_cast<int>(v % 5) - 2) / 16.0f; }

}  // namespace

Bytes from_text(std::string_view text) { return serialize(parse(text)); }

int identity_opset(ElementType type) {
  switch (type) {
    case ElementType::Float8E4M3FN:
    case ElementType::Float8E4M3FNUZ:
    case ElementType::Float8E5M2:
    case ElementType::Float8E5M2FNUZ: return 19;
    case ElementType::UInt4:
    case ElementType::Int4: return 21;
    case ElementType::Float4E2M1: return 23;
    case ElementType::Float8E8M0: return 24;
    case ElementType::UInt2:
    case ElementType::Int2: return 25;
    default: return static_cast<int>(kOpset);
  }
}

namespace {

// `shape`: "[2,n]", "" (a scalar: shape with no dims) or "[]" (no shape: unknown rank).
Bytes identity_with_shape_text(ElementType type, const std::string& shape) {
  const int opset = identity_opset(type);
  // IR version that goes with the opset (IR 9 added float8, 10 int4, 11 float4/e8m0...).
  std::int64_t ir = kIrVersion;
  if (opset >= 25) {
    ir = 12;
  } else if (opset >= 23) {
    ir = 11;
  } else if (opset >= 21) {
    ir = 10;
  } else if (opset >= 19) {
    ir = 9;
  }
  onnx::ModelProto model =
      parse(header(ir, opset) + "identity (float" + shape + " X) => (float" + shape + " Y) {\n  Y = Identity(X)\n}\n");
  auto& graph = *model.mutable_graph();
  graph.mutable_input(0)->mutable_type()->mutable_tensor_type()->set_elem_type(static_cast<int>(type));
  graph.mutable_output(0)->mutable_type()->mutable_tensor_type()->set_elem_type(static_cast<int>(type));
  return serialize(model);
}

}  // namespace

Bytes identity(ElementType type, const std::vector<Dim>& shape) {
  return identity_with_shape_text(type, shape.empty() ? std::string() : shape_text(shape));
}

Bytes identity_unranked(ElementType type) { return identity_with_shape_text(type, "[]"); }

float add_constant_c(std::size_t i) { return 0.5f * static_cast<float>(i); }

Bytes add_constant() {
  std::string c;
  for (std::size_t i = 0; i < 16; ++i) {
    c += (i == 0 ? "" : ", ") + std::to_string(add_constant_c(i));
  }
  return from_text(header() + "add_constant (float[1,16] X) => (float[1,16] Y) {\n" +
                   "  C = Constant <value = float[1,16] {" + c + "}> ()\n" + "  Y = Add(X, C)\n}\n");
}

float mlp_w1(std::size_t i, std::size_t j) { return small_dyadic(i * 7 + j * 13); }
float mlp_b1(std::size_t j) { return static_cast<float>(static_cast<int>(j % 7) - 3) / 16.0f; }
float mlp_w2(std::size_t j, std::size_t k) { return small_dyadic(j * 5 + k * 11 + 1); }
float mlp_b2(std::size_t k) { return static_cast<float>(static_cast<int>(k % 3) - 1) / 16.0f; }

Bytes mlp() {
  onnx::ModelProto model = parse(header() +
                                 "mlp (float[batch,784] x) => (float[batch,10] logits) {\n"
                                 "  h0 = MatMul(x, W1)\n"
                                 "  h1 = Add(h0, B1)\n"
                                 "  h = Relu(h1)\n"
                                 "  l0 = MatMul(h, W2)\n"
                                 "  logits = Add(l0, B2)\n"
                                 "}\n");
  std::vector<float> w1(kMlpIn * kMlpHidden), b1(kMlpHidden), w2(kMlpHidden * kMlpOut), b2(kMlpOut);
  for (std::size_t i = 0; i < kMlpIn; ++i) {
    for (std::size_t j = 0; j < kMlpHidden; ++j) {
      w1[i * kMlpHidden + j] = mlp_w1(i, j);
    }
  }
  for (std::size_t j = 0; j < kMlpHidden; ++j) {
    b1[j] = mlp_b1(j);
    for (std::size_t k = 0; k < kMlpOut; ++k) {
      w2[j * kMlpOut + k] = mlp_w2(j, k);
    }
  }
  for (std::size_t k = 0; k < kMlpOut; ++k) {
    b2[k] = mlp_b2(k);
  }
  auto& graph = *model.mutable_graph();
  add_float_initializer(graph, "W1", {784, 128}, w1);
  add_float_initializer(graph, "B1", {128}, b1);
  add_float_initializer(graph, "W2", {128, 10}, w2);
  add_float_initializer(graph, "B2", {10}, b2);
  return serialize(model);
}

std::vector<float> mlp_input(std::size_t batch, std::size_t seed) {
  std::vector<float> x(batch * kMlpIn);
  for (std::size_t r = 0; r < batch; ++r) {
    for (std::size_t i = 0; i < kMlpIn; ++i) {
      x[r * kMlpIn + i] = static_cast<float>((r * 31 + i * 17 + seed * 3) % 16) / 16.0f;
    }
  }
  return x;
}

std::vector<float> mlp_reference(std::span<const float> x, std::size_t batch) {
  if (x.size() != batch * kMlpIn) {
    throw std::invalid_argument("mlp_reference: x must hold batch * 784 values");
  }
  std::vector<float> out(batch * kMlpOut);
  std::vector<double> h(kMlpHidden);
  for (std::size_t r = 0; r < batch; ++r) {
    for (std::size_t j = 0; j < kMlpHidden; ++j) {
      double s = 0;
      for (std::size_t i = 0; i < kMlpIn; ++i) {
        s += static_cast<double>(x[r * kMlpIn + i]) * static_cast<double>(mlp_w1(i, j));
      }
      s += static_cast<double>(mlp_b1(j));
      h[j] = s > 0 ? s : 0;
    }
    for (std::size_t k = 0; k < kMlpOut; ++k) {
      double s = 0;
      for (std::size_t j = 0; j < kMlpHidden; ++j) {
        s += h[j] * static_cast<double>(mlp_w2(j, k));
      }
      s += static_cast<double>(mlp_b2(k));
      out[r * kMlpOut + k] = static_cast<float>(s);  // exact: see models.hpp
    }
  }
  return out;
}

Bytes dynamic() {
  return from_text(header() +
                   "dynamic (float[batch,seq] X) => (float[batch,seq] Y, int64[2] S) {\n"
                   "  two = Constant <value = float[1] {2}> ()\n"
                   "  Y = Mul(X, two)\n"
                   "  S = Shape(X)\n"
                   "}\n");
}

Bytes nonzero() {
  return from_text(header() +
                   "nonzero (float[n] X) => (int64[1,k] where, float[n] twice) {\n"
                   "  where = NonZero(X)\n"
                   "  two = Constant <value = float[1] {2}> ()\n"
                   "  twice = Mul(X, two)\n"
                   "}\n");
}

Bytes strings() {
  return from_text(header() + "strings (string[n] text) => (string[n] same) {\n  same = Identity(text)\n}\n");
}

Bytes with_metadata() {
  onnx::ModelProto model = parse(header() + "placeholder (float[2] X) => (float[2] Y) {\n  Y = Identity(X)\n}\n");
  model.set_producer_name(std::string(kMetaProducer));
  model.set_producer_version(std::string(kMetaProducerVersion));
  model.set_domain(std::string(kMetaDomain));
  model.set_model_version(kMetaVersion);
  model.set_doc_string(std::string(kMetaDoc));
  auto& graph = *model.mutable_graph();
  graph.set_name(std::string(kMetaGraphName));
  graph.set_doc_string(std::string(kMetaGraphDoc));
  const std::pair<const char*, const char*> props[] = {{"author", "zrt"}, {"license", "MIT"}, {"empty", ""}};
  for (const auto& [key, value] : props) {
    auto* p = model.add_metadata_props();
    p->set_key(key);
    p->set_value(value);
  }
  return serialize(model);
}

Bytes long_running(int matmuls, int size) {
  if (matmuls < 1 || size < 1) {
    throw std::invalid_argument("long_running: matmuls and size must be positive");
  }
  const std::string n = std::to_string(size);
  std::string body;
  std::string prev = "X";
  for (int i = 0; i < matmuls; ++i) {
    const std::string next = i + 1 == matmuls ? std::string("Y") : "T" + std::to_string(i);
    body += "  " + next + " = MatMul(" + prev + ", W)\n";
    prev = next;
  }
  onnx::ModelProto model = parse(header() + "long_running (float[" + n + "," + n + "] X) => (float[" + n + "," + n +
                                 "] Y) {\n" + body + "}\n");
  const auto usize = static_cast<std::size_t>(size);
  std::vector<float> eye(usize * usize, 0.0f);
  for (std::size_t i = 0; i < usize; ++i) {
    eye[i * usize + i] = 1.0f;
  }
  add_float_initializer(*model.mutable_graph(), "W", {size, size}, eye);
  return serialize(model);
}

Bytes multi_io() {
  return from_text(header() +
                   "multi_io (float[2,3] a, int64[2,3] b, double[3] d)\n"
                   "    => (float[2,3] sum, int64[2,3] twice, bool[2,3] positive, double[3] d_neg) {\n"
                   "  bf = Cast <to = 1> (b)\n"
                   "  sum = Add(a, bf)\n"
                   "  two = Constant <value = int64[1] {2}> ()\n"
                   "  twice = Mul(b, two)\n"
                   "  zero = Constant <value = float[1] {0}> ()\n"
                   "  positive = Greater(a, zero)\n"
                   "  d_neg = Neg(d)\n"
                   "}\n");
}

Bytes sequence_optional() {
  onnx::ModelProto model = parse(header() +
                                 "sequence_optional (float[2] x, float[3] y) => (float items, float maybe) {\n"
                                 "  items = SequenceConstruct(x, y)\n"
                                 "  maybe = Optional(x)\n"
                                 "}\n");
  set_output_type(model, 0, "seq(float[])");
  set_output_type(model, 1, "optional(float[2])");
  return serialize(model);
}

Bytes optional_input() {
  onnx::ModelProto model = parse(header() +
                                 "optional_input (float maybe) => (bool has, float[2] value) {\n"
                                 "  has = OptionalHasElement(maybe)\n"
                                 "  value = OptionalGetElement(maybe)\n"
                                 "}\n");
  set_input_type(model, 0, "optional(float[2])");
  return serialize(model);
}

Bytes sequence_insert() {
  onnx::ModelProto model = parse(header() +
                                 "sequence_insert (float s, float[2] x) => (float grown, int64 n) {\n"
                                 "  grown = SequenceInsert(s, x)\n"
                                 "  n = SequenceLength(grown)\n"
                                 "}\n");
  set_input_type(model, 0, "seq(float[])");
  set_output_type(model, 0, "seq(float[])");
  return serialize(model);
}

Bytes dict_vectorizer() {
  onnx::ModelProto model = parse(header(kIrVersion, kOpset, "\"ai.onnx.ml\" : 3") +
                                 "dict_vectorizer (float dict) => (float[1,3] vector) {\n"
                                 "  vector = ai.onnx.ml.DictVectorizer <int64_vocabulary = [1, 2, 3]> (dict)\n"
                                 "}\n");
  set_input_type(model, 0, "map(int64, float[])");
  return serialize(model);
}

namespace {

void set_elem_type(onnx::ValueInfoProto& info, ElementType type) {
  info.mutable_type()->mutable_tensor_type()->set_elem_type(static_cast<int>(type));
}

// The 1.12 parser has no sparse_tensor types: a sparse float[rows, cols] is set here.
void set_sparse_float(onnx::ValueInfoProto& info, std::int64_t rows, std::int64_t cols) {
  onnx::TypeProto type;
  auto* sparse = type.mutable_sparse_tensor_type();
  sparse->set_elem_type(onnx::TensorProto_DataType_FLOAT);
  sparse->mutable_shape()->add_dim()->set_dim_value(rows);
  sparse->mutable_shape()->add_dim()->set_dim_value(cols);
  *info.mutable_type() = type;
}

}  // namespace

// The 1.12 parser knows no int4: the packed types are declared uint8 and retyped.
Bytes dequantize(ElementType packed) {
  onnx::ModelProto model = parse(header(kIrVersion, 21) +
                                 "dequantize (uint8[6] x, float scale) => (float[6] y) {\n"
                                 "  y = DequantizeLinear(x, scale)\n"
                                 "}\n");
  set_elem_type(*model.mutable_graph()->mutable_input(0), packed);
  return serialize(model);
}

Bytes quantize(ElementType packed) {
  onnx::ModelProto model = parse(header(kIrVersion, 21) +
                                 "quantize (float[6] x, float scale, uint8 zero_point) => (uint8[6] y) {\n"
                                 "  y = QuantizeLinear(x, scale, zero_point)\n"
                                 "}\n");
  set_elem_type(*model.mutable_graph()->mutable_input(2), packed);
  set_elem_type(*model.mutable_graph()->mutable_output(0), packed);
  return serialize(model);
}

Bytes sparse_matmul() {
  onnx::ModelProto model = parse(header(kIrVersion, kOpset, "\"com.microsoft\" : 1") +
                                 "sparse_matmul (float a, float[4,2] b) => (float[3,2] y) {\n"
                                 "  y = com.microsoft.SparseToDenseMatMul(a, b)\n"
                                 "}\n");
  set_sparse_float(*model.mutable_graph()->mutable_input(0), 3, 4);
  return serialize(model);
}

Bytes sparse_passthrough() {
  onnx::ModelProto model = parse(header() +
                                 "sparse_passthrough (float a, float[1] x) => (float b, float[1] y) {\n"
                                 "  y = Identity(x)\n"
                                 "}\n");
  set_sparse_float(*model.mutable_graph()->mutable_input(0), 3, 4);
  onnx::ValueInfoProto& out = *model.mutable_graph()->mutable_output(0);
  set_sparse_float(out, 3, 4);
  out.set_name("a");  // the graph's input is its output too
  return serialize(model);
}

Bytes zipmap() {
  onnx::ModelProto model = parse(header(kIrVersion, kOpset, "\"ai.onnx.ml\" : 3") +
                                 "zipmap (float[2,3] scores) => (float zipped) {\n"
                                 "  zipped = ai.onnx.ml.ZipMap <classlabels_int64s = [10, 20, 30]> (scores)\n"
                                 "}\n");
  set_output_type(model, 0, "seq(map(int64, float[]))");
  return serialize(model);
}

Bytes gru() {
  constexpr int kHidden = 8, kInput = 4;
  auto values = [](int count, float scale, int seed) {
    std::string s;
    for (int i = 0; i < count; ++i) {
      if (i) s += ",";
      s += std::to_string(scale * std::sin(static_cast<float>(i * 7 + seed)));
    }
    return s;
  };
  const std::string text = R"(<ir_version: 8, opset_import: ["" : 17]>
gru (float[1,1,4] X, float[1,1,8] H) => (float[1,1,8] Y_h) {
  W = Constant <value = float[1,24,4] {)" +
                           values(3 * kHidden * kInput, 0.5f, 1) + R"(}> ()
  R = Constant <value = float[1,24,8] {)" +
                           values(3 * kHidden * kHidden, 0.4f, 2) + R"(}> ()
  B = Constant <value = float[1,48] {)" +
                           values(6 * kHidden, 0.1f, 3) + R"(}> ()
  Y, Y_h = GRU <hidden_size = 8> (X, W, R, B, , H)
})";
  return from_text(text);
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "zrt-test-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    throw std::system_error(errno, std::generic_category(), "mkdtemp " + tmpl);
  }
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::filesystem::path TempDir::write(std::string_view name, std::span<const std::byte> bytes) const {
  std::filesystem::path p = path_ / std::filesystem::path(std::string(name));
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) {
    throw std::runtime_error("zrt::test: cannot write " + p.string());
  }
  return p;
}

}  // namespace zrt::test
