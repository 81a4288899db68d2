// Row-independent models for the batcher tests, built from ONNX text with weights that
// are not exact in float (so summation order shows in the last bits).
#pragma once

#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "models/models.hpp"

namespace zrt::test {

// Irregular weights in about [-scale, scale].
inline std::string float_list(std::size_t n, std::size_t seed, float scale) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    const double v = std::sin(0.7 * static_cast<double>(i + 1) + 1.3 * static_cast<double>(seed)) * scale;
    s += (i ? "," : "") + std::to_string(static_cast<float>(v));
  }
  return s;
}

// x float[N,64] -> MatMul 64x256 + bias, Relu -> MatMul 256x32 + bias -> y float[N,32].
inline constexpr std::size_t kDenseIn = 64, kDenseOut = 32;
inline Bytes dense_mlp() {
  return from_text(R"(<ir_version: 8, opset_import: ["" : 17]>
dense (float[N,64] x) => (float[N,32] y)
<float[64,256] W1 = {)" +
                   float_list(64 * 256, 1, 0.2f) + R"(}, float[256] B1 = {)" + float_list(256, 2, 0.1f) +
                   R"(}, float[256,32] W2 = {)" + float_list(256 * 32, 3, 0.1f) + R"(}, float[32] B2 = {)" +
                   float_list(32, 4, 0.1f) + R"(}>
{
  h0 = MatMul(x, W1)
  h1 = Add(h0, B1)
  h = Relu(h1)
  y0 = MatMul(h, W2)
  y = Add(y0, B2)
}
)");
}

// x float[N,3,16,16] -> Conv 8x3x3x3 (pad 1) + bias, Relu, MaxPool 2x2 -> Flatten ->
// Gemm 512x10 + bias -> y float[N,10].
inline constexpr std::size_t kConvIn = 3 * 16 * 16, kConvOut = 10;
inline Bytes conv_net() {
  return from_text(R"(<ir_version: 8, opset_import: ["" : 17]>
convnet (float[N,3,16,16] x) => (float[N,10] y)
<float[8,3,3,3] K = {)" +
                   float_list(8 * 27, 5, 0.3f) + R"(}, float[8] KB = {)" + float_list(8, 6, 0.1f) +
                   R"(}, float[512,10] W = {)" + float_list(512 * 10, 7, 0.05f) + R"(}, float[10] B = {)" +
                   float_list(10, 8, 0.1f) + R"(}>
{
  c = Conv <pads = [1, 1, 1, 1]> (x, K, KB)
  r = Relu(c)
  p = MaxPool <kernel_shape = [2, 2], strides = [2, 2]> (r)
  f = Flatten <axis = 1> (p)
  y = Gemm(f, W, B)
}
)");
}

// Irregular inputs for `rows` rows of `width` values (seeded).
inline std::vector<float> rows_input(std::size_t rows, std::size_t width, std::size_t seed) {
  std::vector<float> v(rows * width);
  for (std::size_t i = 0; i < v.size(); ++i) {
    v[i] = static_cast<float>(std::cos(0.37 * static_cast<double>(i) + 0.91 * static_cast<double>(seed)));
  }
  return v;
}

}  // namespace zrt::test
