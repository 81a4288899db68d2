// zrt/sparse_tensor.hpp: sparse tensors (COO, CSR, block-sparse) over caller memory and
// copied, read back, and as run inputs (SparseToDenseMatMul) and outputs.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "models/models.hpp"
#include "test_util.hpp"
#include "zrt/session.hpp"
#include "zrt/sparse_tensor.hpp"
#include "zrt/value.hpp"

namespace {

using zrt::ElementType;
using zrt::ErrorCode;
using zrt::Session;
using zrt::Shape;
using zrt::SparseFormat;
using zrt::SparseIndices;
using zrt::TensorView;
using zrt::Value;
using zrt::ValueKind;
using zrt::test::throws_error;
using zrt::test::to_vector;

// A = [[0,2,0,0],[1,0,0,3],[0,0,4,0]] (3x4), B = [[1,2],[3,4],[5,6],[7,8]] (4x2).
const std::vector<float> kB{1, 2, 3, 4, 5, 6, 7, 8};
const std::vector<float> kAB{6, 8, 22, 26, 20, 24};
const Shape kDense{3, 4};

std::vector<float> matmul(const Session& session, const Value& a) {
  zrt::Outputs out = session.run({zrt::Input(a), zrt::Input(TensorView<const float>(kB, {4, 2}))});
  return to_vector(out.at("y").data<float>());
}

TEST(Sparse, CooViewIsZeroCopy) {
  std::vector<float> values{2, 1, 3, 4};
  std::vector<std::int64_t> coordinates{0, 1, 1, 0, 1, 3, 2, 2};  // (row, col) per value
  const Value a = zrt::sparse_coo_view<float>(values, coordinates, kDense);
  EXPECT_EQ(a.kind(), ValueKind::SparseTensor);
  EXPECT_EQ(zrt::sparse_format(a), SparseFormat::Coo);
  EXPECT_EQ(zrt::sparse_element_type(a), ElementType::Float);
  EXPECT_EQ(zrt::sparse_dense_shape(a), kDense);
  EXPECT_EQ(zrt::sparse_values_shape(a), (Shape{4}));
  EXPECT_EQ(zrt::sparse_values<float>(a).data(), values.data());  // the caller's memory
  EXPECT_EQ(zrt::sparse_indices(a, SparseIndices::Coo).data(), coordinates.data());
  EXPECT_EQ(zrt::sparse_indices_shape(a, SparseIndices::Coo), (Shape{4, 2}));
  EXPECT_EQ(a.type_info().to_string(), "sparse_tensor(float)");
  const Session session = Session::from_bytes(zrt::test::sparse_matmul());
  EXPECT_EQ(session.input(0).kind, ValueKind::SparseTensor);
  EXPECT_EQ(session.input(0).type, "sparse_tensor(float)");
  EXPECT_EQ(matmul(session, a), kAB);
  values[0] = 10;  // the run reads the caller's memory: row 0 becomes 10 * B[1]
  EXPECT_EQ(matmul(session, a), (std::vector<float>{30, 40, 22, 26, 20, 24}));
}

TEST(Sparse, CooCopyWithLinearIndices) {
  std::vector<float> values{2, 1, 3, 4};
  std::vector<std::int64_t> indices{1, 4, 7, 10};  // linear into [3,4]
  const Value a = zrt::sparse_coo_copy<float>(values, indices, kDense);
  EXPECT_NE(zrt::sparse_values<float>(a).data(), values.data());
  EXPECT_NE(zrt::sparse_indices(a, SparseIndices::Coo).data(), indices.data());
  values[0] = 99;  // a copy: unaffected
  EXPECT_EQ(to_vector(zrt::sparse_values<float>(a)), (std::vector<float>{2, 1, 3, 4}));
  EXPECT_EQ(to_vector(zrt::sparse_indices(a, SparseIndices::Coo)), indices);
  EXPECT_EQ(zrt::sparse_indices_shape(a, SparseIndices::Coo), (Shape{4}));
}

TEST(Sparse, CsrViewAndCopy) {
  std::vector<float> values{2, 1, 3, 4};
  std::vector<std::int64_t> inner{1, 0, 3, 2};  // columns
  std::vector<std::int64_t> outer{0, 1, 3, 4};  // row starts
  const Value view = zrt::sparse_csr_view<float>(values, inner, outer, kDense);
  EXPECT_EQ(zrt::sparse_format(view), SparseFormat::Csr);
  EXPECT_EQ(zrt::sparse_values<float>(view).data(), values.data());
  EXPECT_EQ(zrt::sparse_indices(view, SparseIndices::CsrInner).data(), inner.data());
  EXPECT_EQ(zrt::sparse_indices(view, SparseIndices::CsrOuter).data(), outer.data());
  const Value copy = zrt::sparse_csr_copy<float>(values, inner, outer, kDense);
  EXPECT_EQ(to_vector(zrt::sparse_indices(copy, SparseIndices::CsrOuter)), outer);
  const Session session = Session::from_bytes(zrt::test::sparse_matmul());
  EXPECT_EQ(matmul(session, view), kAB);
  EXPECT_EQ(matmul(session, copy), kAB);
  EXPECT_TRUE(throws_error([&] { (void)zrt::sparse_indices(view, SparseIndices::Coo); }, ErrorCode::InvalidArgument,
                           {"sparse_indices", "a csr sparse tensor has no coo indices"}));
}

TEST(Sparse, BlockSparseViewAndCopy) {
  // A 4x4 tensor with 2x2 blocks at block (0,0) and block (1,1).
  std::vector<float> values{1, 2, 3, 4, 5, 6, 7, 8};
  std::vector<std::int32_t> indices{0, 1, 0, 1};  // [2, blocks]: block rows, then block columns
  const Value view = zrt::sparse_block_view<float>(values, {2, 2, 2}, indices, {2, 2}, {4, 4});
  EXPECT_EQ(zrt::sparse_format(view), SparseFormat::BlockSparse);
  EXPECT_EQ(zrt::sparse_values<float>(view).data(), values.data());
  EXPECT_EQ(zrt::sparse_block_indices(view).data(), indices.data());
  EXPECT_EQ(zrt::sparse_values_shape(view), (Shape{2, 2, 2}));
  EXPECT_EQ(zrt::sparse_indices_shape(view, SparseIndices::BlockSparse), (Shape{2, 2}));
  const Value copy = zrt::sparse_block_copy<float>(values, {2, 2, 2}, indices, {2, 2}, {4, 4});
  EXPECT_NE(zrt::sparse_values<float>(copy).data(), values.data());
  EXPECT_EQ(to_vector(zrt::sparse_values<float>(copy)), values);
  EXPECT_EQ(to_vector(zrt::sparse_block_indices(copy)), indices);
  EXPECT_EQ(zrt::sparse_dense_shape(copy), (Shape{4, 4}));
}

TEST(Sparse, AsRunOutput) {
  std::vector<float> values{2, 1, 3, 4};
  std::vector<std::int64_t> indices{1, 4, 7, 10};
  const Value a = zrt::sparse_coo_view<float>(values, indices, kDense);
  const Session session = Session::from_bytes(zrt::test::sparse_passthrough());
  EXPECT_EQ(session.output(0).kind, ValueKind::SparseTensor);
  const std::vector<float> x{5};
  zrt::Outputs out = session.run({zrt::Input(a), zrt::Input(TensorView<const float>(x, {1}))});
  const Value& b = out.at("a");
  EXPECT_EQ(b.kind(), ValueKind::SparseTensor);
  EXPECT_EQ(zrt::sparse_format(b), SparseFormat::Coo);
  EXPECT_EQ(zrt::sparse_dense_shape(b), kDense);
  EXPECT_EQ(to_vector(zrt::sparse_values<float>(b)), values);
  EXPECT_EQ(to_vector(zrt::sparse_indices(b, SparseIndices::Coo)), indices);
}

TEST(Sparse, BadInputIsNamed) {
  std::vector<float> values{1, 2};
  std::vector<std::int64_t> three{0, 1, 2};
  EXPECT_TRUE(throws_error([&] { (void)zrt::sparse_coo_view<float>(values, three, kDense); },
                           ErrorCode::InvalidArgument, {"sparse_coo_view", "indices holds 3", "2 (linear) or 4"}));
  std::vector<std::int64_t> inner{0, 1};
  std::vector<std::int64_t> outer{0, 2};
  EXPECT_TRUE(throws_error([&] { (void)zrt::sparse_csr_copy<float>(values, inner, outer, kDense); },
                           ErrorCode::InvalidArgument, {"sparse_csr_copy", "outer indices holds 2", "4 (rows + 1)"}));
  EXPECT_TRUE(throws_error([&] { (void)zrt::sparse_csr_view<float>(values, inner, outer, Shape{8}); },
                           ErrorCode::InvalidArgument, {"CSR needs a 2-D dense shape"}));
  const Value dense = Value::tensor_copy<float>(values, {2});
  EXPECT_TRUE(throws_error([&] { (void)zrt::sparse_format(dense); }, ErrorCode::InvalidArgument,
                           {"sparse_format", "tensor, not a sparse tensor"}));
  std::vector<std::int64_t> two{0, 1};
  const Value a = zrt::sparse_coo_view<float>(values, two, kDense);
  EXPECT_TRUE(throws_error([&] { (void)zrt::sparse_values<double>(a); }, ErrorCode::InvalidArgument,
                           {"sparse_values<double>", "holds float"}));
}

}  // namespace
