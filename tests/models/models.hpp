// Test models built in memory from ONNX text syntax (libonnx's parser), so no test
// depends on a binary file and none can skip because a model is missing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "zrt/element.hpp"

namespace zrt::test {

using Bytes = std::vector<std::byte>;

// One dimension of a declared shape: a fixed size, a named symbol ("batch"), or
// unnamed-free (Dim::free()).
struct Dim {
  Dim(std::int64_t v) : value(v) {}             // NOLINT(google-explicit-constructor)
  Dim(int v) : value(v) {}                      // NOLINT(google-explicit-constructor)
  Dim(const char* s) : symbol(s) {}             // NOLINT(google-explicit-constructor)
  Dim(std::string s) : symbol(std::move(s)) {}  // NOLINT(google-explicit-constructor)
  static Dim free() { return Dim(std::string()); }

  std::int64_t value = -1;  // -1: not fixed
  std::string symbol;       // "" with value -1: free without a name
};

// Parses a whole model in ONNX text syntax and serializes it. Throws
// std::runtime_error with the parser's message when the text does not parse.
Bytes from_text(std::string_view text);

// Y = Identity(X) for any element type, X and Y declared with `shape` (empty: a
// scalar, rank 0). identity_unranked declares no shape at all (any rank). Types the
// text parser does not know (float8, int4, ...) are set on the proto directly, and
// the opset is raised to the one whose Identity accepts them (19 for float8, 21 for
// 4-bit types); every other type uses opset 17.
Bytes identity(ElementType type, const std::vector<Dim>& shape);
Bytes identity_unranked(ElementType type);
// The opset identity() uses for `type`.
int identity_opset(ElementType type);

// Y = X + C, X and Y float[1,16], C[i] = 0.5 * i. Input "X", output "Y".
Bytes add_constant();
float add_constant_c(std::size_t i);

// MLP 784 -> 128 (Relu) -> 10: input "x" float[batch,784], output "logits"
// float[batch,10]. Weights and biases are small dyadic rationals, so with inputs that
// are multiples of 1/16 in [0,1) every product and partial sum is exact in float and
// the result does not depend on summation order: mlp_reference() is exact.
inline constexpr std::size_t kMlpIn = 784;
inline constexpr std::size_t kMlpHidden = 128;
inline constexpr std::size_t kMlpOut = 10;
Bytes mlp();
float mlp_w1(std::size_t i, std::size_t j);  // [784,128]
float mlp_b1(std::size_t j);
float mlp_w2(std::size_t j, std::size_t k);  // [128,10]
float mlp_b2(std::size_t k);
// A deterministic input (multiples of 1/16 in [0,1)) for row `row`, 784 values.
std::vector<float> mlp_input(std::size_t batch, std::size_t seed = 0);
// Logits for `batch` rows of 784 inputs, [batch,10].
std::vector<float> mlp_reference(std::span<const float> x, std::size_t batch);

// Free dims: input "X" float[batch,seq], outputs "Y" = 2 * X float[batch,seq] and
// "S" = Shape(X) int64[2].
Bytes dynamic();

// A data-dependent output shape: input "X" float[n] -> "where" = NonZero(X) int64[1,k]
// (k = the number of non-zero elements) and "twice" = 2 * X float[n].
Bytes nonzero();

// Strings: input "text" string[n] -> output "same" string[n] (Identity).
Bytes strings();

// A model whose metadata fields are all set (see the constants below).
Bytes with_metadata();
inline constexpr std::string_view kMetaProducer = "zrt-tests";
inline constexpr std::string_view kMetaProducerVersion = "1.2.3";
inline constexpr std::string_view kMetaGraphName = "meta_graph";
inline constexpr std::string_view kMetaGraphDoc = "A graph with a description";
inline constexpr std::string_view kMetaDomain = "ai.zrt.test";
inline constexpr std::string_view kMetaDoc = "The model's own description";
inline constexpr std::int64_t kMetaVersion = 42;
// metadata_props: {"author": "zrt", "license": "MIT", "empty": ""}.

// A slow model: `matmuls` chained MatMuls of X float[size,size] by the identity
// matrix, so Y equals X exactly. Input "X", output "Y".
Bytes long_running(int matmuls = 400, int size = 256);

// Mixed types, several inputs and outputs:
//   inputs  "a" float[2,3], "b" int64[2,3], "d" double[3]
//   outputs "sum" = a + float(b) float[2,3], "twice" = 2 * b int64[2,3],
//           "positive" = a > 0 bool[2,3], "d_neg" = -d double[3]
Bytes multi_io();

// Sequences and optionals: inputs "x" float[2], "y" float[3];
// outputs "items" = SequenceConstruct(x, y) seq(tensor(float)), "maybe" = Optional(x).
Bytes sequence_optional();

// An optional input: "maybe" optional(tensor(float))[2] -> "has" =
// OptionalHasElement(maybe) bool scalar, "value" = OptionalGetElement(maybe) float[2].
Bytes optional_input();

// Maps: ZipMap (ai.onnx.ml) over input "scores" float[2,3] with labels {10,20,30}:
// output "zipped" seq(map(int64,tensor(float))), one map per row.
Bytes zipmap();

// A recurrent model: one GRU step. Inputs "X" float[1,1,4] and state "H" float[1,1,8];
// output "Y_h" float[1,1,8], the next state. Fixed, irregular weights, so every step
// changes the state: carry Y_h -> H to run a stream.
Bytes gru();

// ---- the rest of ORT's value surface (test_value, test_session, test_sparse) ----
// Inputs "s" seq(tensor(float)), "x" float[2]; outputs "grown" = SequenceInsert(s, x)
// seq(tensor(float)) and "n" = SequenceLength(grown) int64 scalar.
Bytes sequence_insert();

// A map input: "dict" map(int64, tensor(float)) -> DictVectorizer (ai.onnx.ml) with the
// vocabulary {1, 2, 3} -> "vector" float[1,3], each key's value at its place (0 elsewhere).
Bytes dict_vectorizer();

// int4 end to end (opset 21): "dequantize" takes "x" of `packed` (Int4 or UInt4)[6] and
// "scale" float scalar -> "y" = DequantizeLinear(x, scale) float[6]; "quantize" takes
// "x" float[6], "scale" float scalar and "zero_point" `packed` scalar -> "y" =
// QuantizeLinear(x, scale, zero_point) `packed`[6].
Bytes dequantize(ElementType packed);
Bytes quantize(ElementType packed);

// Sparse inputs and outputs. sparse_matmul: "a" sparse_tensor(float)[3,4] and "b"
// float[4,2] -> "y" = SparseToDenseMatMul(a, b) (com.microsoft) float[3,2].
// sparse_passthrough: "a" sparse_tensor(float)[3,4] is also the output "a" (no op of
// ORT's CPU kernels returns a sparse tensor); "x" float[1] -> "y" = Identity(x).
Bytes sparse_matmul();
Bytes sparse_passthrough();

// A temporary folder removed (with its contents) when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const noexcept { return path_; }
  // Writes `bytes` to path()/name and returns the full path.
  std::filesystem::path write(std::string_view name, std::span<const std::byte> bytes) const;

 private:
  std::filesystem::path path_;
};

}  // namespace zrt::test
