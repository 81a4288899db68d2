// Sparse tensors (COO, CSR, block-sparse) as zrt::Values: made over caller memory (zero
// copy: values and indices stay the caller's) or copied into ORT's memory, read back,
// and passed to and from runs like any value.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "zrt/element.hpp"
#include "zrt/shape.hpp"
#include "zrt/value.hpp"

namespace zrt {

// Same numbering as ORT's OrtSparseFormat.
enum class SparseFormat : int { Undefined = 0, Coo = 1, Csr = 2, BlockSparse = 4 };
const char* to_string(SparseFormat format) noexcept;

// Which indices of a sparse tensor to read (ORT's OrtSparseIndicesFormat).
enum class SparseIndices : int { Coo = 0, CsrInner = 1, CsrOuter = 2, BlockSparse = 3 };

namespace detail {
// Untyped makers behind the templates below (src/values/sparse_tensor.cpp).
Value sparse_coo(ElementType type, const void* values, std::size_t nnz, const Shape& dense_shape,
                 std::span<const std::int64_t> indices, bool copy);
Value sparse_csr(ElementType type, const void* values, std::size_t nnz, const Shape& dense_shape,
                 std::span<const std::int64_t> inner, std::span<const std::int64_t> outer, bool copy);
Value sparse_block(ElementType type, const void* values, const Shape& values_shape, const Shape& dense_shape,
                   std::span<const std::int32_t> indices, const Shape& indices_shape, bool copy);
const void* sparse_values(const Value& value, ElementType expected);
}  // namespace detail

// COO: `values` (nnz) and `indices`, either nnz linear indices into the dense shape or
// nnz * rank coordinates (row-major, one coordinate tuple per value).
// *_view keeps the caller's memory (which must outlive the value and stay unchanged
// while ORT reads it); *_copy copies it into memory ORT allocates.
template <Element T>
Value sparse_coo_view(std::span<T> values, std::span<std::int64_t> indices, const Shape& dense_shape) {
  return detail::sparse_coo(element_type_of<T>, values.data(), values.size(), dense_shape, indices, false);
}
template <Element T>
Value sparse_coo_copy(std::span<const T> values, std::span<const std::int64_t> indices, const Shape& dense_shape) {
  return detail::sparse_coo(element_type_of<T>, values.data(), values.size(), dense_shape, indices, true);
}

// CSR (2-D dense shape): `inner` holds each value's column (nnz), `outer` each row's
// start in values (rows + 1).
template <Element T>
Value sparse_csr_view(std::span<T> values, std::span<std::int64_t> inner, std::span<std::int64_t> outer,
                      const Shape& dense_shape) {
  return detail::sparse_csr(element_type_of<T>, values.data(), values.size(), dense_shape, inner, outer, false);
}
template <Element T>
Value sparse_csr_copy(std::span<const T> values, std::span<const std::int64_t> inner,
                      std::span<const std::int64_t> outer, const Shape& dense_shape) {
  return detail::sparse_csr(element_type_of<T>, values.data(), values.size(), dense_shape, inner, outer, true);
}

// Block-sparse: `values` of `values_shape` (e.g. [blocks, block_rows, block_cols]) and
// int32 block coordinates of `indices_shape` (e.g. [2, blocks]).
template <Element T>
Value sparse_block_view(std::span<T> values, const Shape& values_shape, std::span<std::int32_t> indices,
                        const Shape& indices_shape, const Shape& dense_shape) {
  detail::check_view(values.data(), values.size(), values_shape, element_type_of<T>);
  return detail::sparse_block(element_type_of<T>, values.data(), values_shape, dense_shape, indices, indices_shape,
                              false);
}
template <Element T>
Value sparse_block_copy(std::span<const T> values, const Shape& values_shape, std::span<const std::int32_t> indices,
                        const Shape& indices_shape, const Shape& dense_shape) {
  detail::check_view(values.data(), values.size(), values_shape, element_type_of<T>);
  return detail::sparse_block(element_type_of<T>, values.data(), values_shape, dense_shape, indices, indices_shape,
                              true);
}

// Reading a sparse tensor back. Each throws zrt::Error when `value` is not a sparse
// tensor (or, for indices, does not hold the ones asked for).
SparseFormat sparse_format(const Value& value);
ElementType sparse_element_type(const Value& value);
Shape sparse_dense_shape(const Value& value);
Shape sparse_values_shape(const Value& value);
// The values, typed: throws naming both types when T does not match.
template <Element T>
std::span<const T> sparse_values(const Value& value) {
  const Shape shape = sparse_values_shape(value);
  return {static_cast<const T*>(detail::sparse_values(value, element_type_of<T>)), shape.element_count()};
}
Shape sparse_indices_shape(const Value& value, SparseIndices which);
// COO and CSR indices (int64).
std::span<const std::int64_t> sparse_indices(const Value& value, SparseIndices which);
// Block-sparse indices (int32).
std::span<const std::int32_t> sparse_block_indices(const Value& value);

}  // namespace zrt
