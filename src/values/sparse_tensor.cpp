#include "zrt/sparse_tensor.hpp"

#include <string>

#include "ort/api.hpp"

namespace zrt {

using detail::api;
using detail::check;

const char* to_string(SparseFormat format) noexcept {
  switch (format) {
    case SparseFormat::Coo: return "coo";
    case SparseFormat::Csr: return "csr";
    case SparseFormat::BlockSparse: return "block-sparse";
    case SparseFormat::Undefined: break;
  }
  return "undefined";
}

namespace {

ONNXTensorElementDataType ort_type(ElementType type) { return static_cast<ONNXTensorElementDataType>(type); }

void check_dense_shape(ElementType type, const Shape& dense_shape, const char* what) {
  if (type == ElementType::String || element_size(type) == 0) {
    throw Error(std::string(what) + ": element type " + std::string(to_string(type)) + " is not supported");
  }
  if (!dense_shape.is_static()) {
    throw Error(std::string(what) + ": dense shape " + dense_shape.to_string() + " has free dims (-1)");
  }
}

// A sparse tensor with no indices yet: over the caller's values, or allocated by ORT
// (to be filled by a FillSparseTensor* call).
Value make(ElementType type, const void* values, const Shape& values_shape, const Shape& dense_shape, bool copy,
           const char* what) {
  OrtValue* out = nullptr;
  if (copy) {
    check(api().CreateSparseTensorAsOrtValue(detail::default_allocator(), dense_shape.data(), dense_shape.rank(),
                                             ort_type(type), &out),
          what);
  } else {
    check(api().CreateSparseTensorWithValuesAsOrtValue(detail::cpu_memory_info(), const_cast<void*>(values),
                                                       dense_shape.data(), dense_shape.rank(), values_shape.data(),
                                                       values_shape.rank(), ort_type(type), &out),
          what);
  }
  return Value::adopt(out);
}

void require_sparse(const Value& value, const char* what) {
  if (value.empty()) throw Error(std::string(what) + ": the value is empty");
  int is_sparse = 0;
  check(api().IsSparseTensor(value.handle(), &is_sparse), what);
  if (is_sparse == 0) {
    throw Error(std::string(what) + ": the value is a " + to_string(value.kind()) + ", not a sparse tensor");
  }
}

Shape shape_of(OrtTensorTypeAndShapeInfo* raw, ElementType* type) {
  const detail::TensorInfoPtr info(raw);
  std::size_t rank = 0;
  check(api().GetDimensionsCount(raw, &rank));
  std::vector<std::int64_t> dims(rank);
  check(api().GetDimensions(raw, dims.data(), rank));
  if (type != nullptr) {
    ONNXTensorElementDataType element = ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED;
    check(api().GetTensorElementType(raw, &element));
    *type = detail::from_ort(element);
  }
  return Shape(dims);
}

std::string count_error(const char* what, const char* name, std::size_t got, const std::string& expected) {
  return std::string(what) + ": " + name + " holds " + std::to_string(got) + " entries, expected " + expected;
}

}  // namespace

namespace detail {

Value sparse_coo(ElementType type, const void* values, std::size_t nnz, const Shape& dense_shape,
                 std::span<const std::int64_t> indices, bool copy) {
  const char* what = copy ? "sparse_coo_copy" : "sparse_coo_view";
  check_dense_shape(type, dense_shape, what);
  if (values == nullptr && nnz > 0) throw Error(std::string(what) + ": null values");
  const std::size_t rank = dense_shape.rank();
  if (indices.size() != nnz && indices.size() != nnz * rank) {
    throw Error(count_error(what, "indices", indices.size(),
                            std::to_string(nnz) + " (linear) or " + std::to_string(nnz * rank) + " (nnz x rank " +
                                std::to_string(rank) + ")"));
  }
  const Shape values_shape{static_cast<std::int64_t>(nnz)};
  Value v = make(type, values, values_shape, dense_shape, copy, what);
  auto* index_data = const_cast<std::int64_t*>(indices.data());
  if (copy) {
    check(api().FillSparseTensorCoo(v.handle(), cpu_memory_info(), values_shape.data(), 1, values, index_data,
                                    indices.size()),
          what);
  } else {
    check(api().UseCooIndices(v.handle(), index_data, indices.size()), what);
  }
  return v;
}

Value sparse_csr(ElementType type, const void* values, std::size_t nnz, const Shape& dense_shape,
                 std::span<const std::int64_t> inner, std::span<const std::int64_t> outer, bool copy) {
  const char* what = copy ? "sparse_csr_copy" : "sparse_csr_view";
  check_dense_shape(type, dense_shape, what);
  if (dense_shape.rank() != 2) {
    throw Error(std::string(what) + ": CSR needs a 2-D dense shape, got " + dense_shape.to_string());
  }
  if (values == nullptr && nnz > 0) throw Error(std::string(what) + ": null values");
  if (inner.size() != nnz) throw Error(count_error(what, "inner indices", inner.size(), std::to_string(nnz)));
  const auto rows = static_cast<std::size_t>(dense_shape[0]);
  if (nnz > 0 && outer.size() != rows + 1) {
    throw Error(count_error(what, "outer indices", outer.size(), std::to_string(rows + 1) + " (rows + 1)"));
  }
  const Shape values_shape{static_cast<std::int64_t>(nnz)};
  Value v = make(type, values, values_shape, dense_shape, copy, what);
  auto* inner_data = const_cast<std::int64_t*>(inner.data());
  auto* outer_data = const_cast<std::int64_t*>(outer.data());
  if (copy) {
    check(api().FillSparseTensorCsr(v.handle(), cpu_memory_info(), values_shape.data(), 1, values, inner_data,
                                    inner.size(), outer_data, outer.size()),
          what);
  } else {
    check(api().UseCsrIndices(v.handle(), inner_data, inner.size(), outer_data, outer.size()), what);
  }
  return v;
}

Value sparse_block(ElementType type, const void* values, const Shape& values_shape, const Shape& dense_shape,
                   std::span<const std::int32_t> indices, const Shape& indices_shape, bool copy) {
  const char* what = copy ? "sparse_block_copy" : "sparse_block_view";
  check_dense_shape(type, dense_shape, what);
  if (!indices_shape.is_static() || indices.size() != indices_shape.element_count()) {
    throw Error(count_error(what, "indices", indices.size(), "the " + indices_shape.to_string() + " of indices_shape"));
  }
  Value v = make(type, values, values_shape, dense_shape, copy, what);
  auto* index_data = const_cast<std::int32_t*>(indices.data());
  if (copy) {
    check(api().FillSparseTensorBlockSparse(v.handle(), cpu_memory_info(), values_shape.data(), values_shape.rank(),
                                            values, indices_shape.data(), indices_shape.rank(), index_data),
          what);
  } else {
    check(api().UseBlockSparseIndices(v.handle(), indices_shape.data(), indices_shape.rank(), index_data), what);
  }
  return v;
}

const void* sparse_values(const Value& value, ElementType expected) {
  const ElementType actual = sparse_element_type(value);
  if (actual != expected) {
    throw Error("sparse_values<" + std::string(to_string(expected)) + ">: the sparse tensor holds " +
                std::string(to_string(actual)) + " values");
  }
  const void* data = nullptr;
  check(api().GetSparseTensorValues(value.handle(), &data), "sparse_values");
  return data;
}

}  // namespace detail

SparseFormat sparse_format(const Value& value) {
  require_sparse(value, "sparse_format");
  OrtSparseFormat format = ORT_SPARSE_UNDEFINED;
  check(api().GetSparseTensorFormat(value.handle(), &format), "sparse_format");
  return static_cast<SparseFormat>(format);
}

ElementType sparse_element_type(const Value& value) {
  require_sparse(value, "sparse_element_type");
  OrtTensorTypeAndShapeInfo* info = nullptr;
  check(api().GetSparseTensorValuesTypeAndShape(value.handle(), &info), "sparse_element_type");
  ElementType type = ElementType::Undefined;
  (void)shape_of(info, &type);
  return type;
}

Shape sparse_dense_shape(const Value& value) {
  require_sparse(value, "sparse_dense_shape");
  OrtTensorTypeAndShapeInfo* info = nullptr;
  check(api().GetTensorTypeAndShape(value.handle(), &info), "sparse_dense_shape");
  return shape_of(info, nullptr);
}

Shape sparse_values_shape(const Value& value) {
  require_sparse(value, "sparse_values_shape");
  OrtTensorTypeAndShapeInfo* info = nullptr;
  check(api().GetSparseTensorValuesTypeAndShape(value.handle(), &info), "sparse_values_shape");
  return shape_of(info, nullptr);
}

namespace {

// ORT fails deep inside when asked for indices the tensor lacks; zrt names the mismatch.
void require_indices(const Value& value, SparseIndices which, const char* what) {
  const SparseFormat format = sparse_format(value);
  const SparseFormat needed = which == SparseIndices::Coo           ? SparseFormat::Coo
                              : which == SparseIndices::BlockSparse ? SparseFormat::BlockSparse
                                                                    : SparseFormat::Csr;
  if (format != needed) {
    const char* names[] = {"coo", "csr inner", "csr outer", "block-sparse"};
    throw Error(std::string(what) + ": a " + to_string(format) + " sparse tensor has no " +
                names[static_cast<int>(which)] + " indices");
  }
}

}  // namespace

Shape sparse_indices_shape(const Value& value, SparseIndices which) {
  require_sparse(value, "sparse_indices_shape");
  require_indices(value, which, "sparse_indices_shape");
  OrtTensorTypeAndShapeInfo* info = nullptr;
  check(api().GetSparseTensorIndicesTypeShape(value.handle(), static_cast<OrtSparseIndicesFormat>(which), &info),
        "sparse_indices_shape");
  return shape_of(info, nullptr);
}

std::span<const std::int64_t> sparse_indices(const Value& value, SparseIndices which) {
  require_sparse(value, "sparse_indices");
  if (which == SparseIndices::BlockSparse) {
    throw Error("sparse_indices: block-sparse indices are int32: use sparse_block_indices");
  }
  require_indices(value, which, "sparse_indices");
  std::size_t count = 0;
  const void* data = nullptr;
  check(api().GetSparseTensorIndices(value.handle(), static_cast<OrtSparseIndicesFormat>(which), &count, &data),
        "sparse_indices");
  return {static_cast<const std::int64_t*>(data), count};
}

std::span<const std::int32_t> sparse_block_indices(const Value& value) {
  require_sparse(value, "sparse_block_indices");
  require_indices(value, SparseIndices::BlockSparse, "sparse_block_indices");
  std::size_t count = 0;
  const void* data = nullptr;
  check(api().GetSparseTensorIndices(value.handle(), ORT_SPARSE_BLOCK_SPARSE_INDICES, &count, &data),
        "sparse_block_indices");
  return {static_cast<const std::int32_t*>(data), count};
}

}  // namespace zrt
