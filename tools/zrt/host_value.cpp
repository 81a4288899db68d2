#include "host_value.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <span>

#include "zrt/error.hpp"
#include "zrt/shape.hpp"

namespace zrt::cli {

static_assert(std::endian::native == std::endian::little, "zrt::cli assumes a little-endian host");

namespace {

template <typename T>
T load(const HostTensor& t, std::size_t i) {
  T v;
  std::memcpy(&v, t.bytes.data() + i * sizeof(T), sizeof(T));
  return v;
}

// Cut short for very long shapes (a .npy file may claim 100,000 dims).
std::string dims_to_string(const std::vector<std::int64_t>& dims) { return shape_to_string(dims); }

// "[0,2,1]" for flat index i of dims.
std::string index_to_string(const std::vector<std::int64_t>& dims, std::size_t flat) {
  if (dims.empty()) return "[]";
  std::vector<std::int64_t> idx(dims.size());
  for (std::size_t k = dims.size(); k-- > 0;) {
    const auto d = static_cast<std::size_t>(std::max<std::int64_t>(dims[k], 1));
    idx[k] = static_cast<std::int64_t>(flat % d);
    flat /= d;
  }
  return dims_to_string(idx);
}

bool element_equal(const HostTensor& a, const HostTensor& b, std::size_t i) {
  if (a.type == ElementType::String) return a.strings[i] == b.strings[i];
  const std::size_t size = zrt::element_size(a.type);
  if (a.type == ElementType::Bool) return (a.bytes[i] != std::byte{0}) == (b.bytes[i] != std::byte{0});
  return std::memcmp(a.bytes.data() + i * size, b.bytes.data() + i * size, size) == 0;
}

bool close(double expected, double actual, const Tolerance& tol) {
  if (std::isnan(expected) || std::isnan(actual)) return std::isnan(expected) && std::isnan(actual);
  if (expected == actual) return true;
  if (std::isinf(expected) || std::isinf(actual)) return false;
  return std::fabs(actual - expected) <= tol.atol + tol.rtol * std::fabs(expected);
}

std::optional<std::string> compare_tensors(const HostTensor& e, const HostTensor& a, const Tolerance& tol) {
  if (e.type != a.type)
    return fmt::format("expected element type {}, got {}", element_name(e.type), element_name(a.type));
  if (e.dims != a.dims) return fmt::format("expected shape {}, got {}", dims_to_string(e.dims), dims_to_string(a.dims));
  const std::size_t n = e.element_count();
  const bool floating = is_floating(e.type);
  std::size_t mismatches = 0;
  std::size_t first = 0;
  double max_abs = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    bool ok = false;
    if (floating) {
      const double x = element_as_double(e, i);
      const double y = element_as_double(a, i);
      ok = close(x, y, tol);
      if (!ok && std::isfinite(x) && std::isfinite(y)) max_abs = std::max(max_abs, std::fabs(x - y));
    } else {
      ok = element_equal(e, a, i);
    }
    if (!ok && mismatches++ == 0) first = i;
  }
  if (mismatches == 0) return std::nullopt;
  std::string reason =
      fmt::format("element {} (flat {} of {}): expected {}, got {}; {} element{} differ{}",
                  index_to_string(e.dims, first), first, n, element_to_string(e, first), element_to_string(a, first),
                  mismatches, mismatches == 1 ? "" : "s", mismatches == 1 ? "s" : "");
  if (floating && max_abs > 0.0) reason += fmt::format(" (max abs diff {:.6g})", max_abs);
  return reason;
}

// Sorts a map's (key, value) pairs by key so maps from different sources compare.
std::vector<std::size_t> key_order(const HostTensor& keys) {
  std::vector<std::size_t> order(keys.element_count());
  std::iota(order.begin(), order.end(), std::size_t{0});
  if (keys.type == ElementType::String) {
    std::sort(order.begin(), order.end(),
              [&](std::size_t x, std::size_t y) { return keys.strings[x] < keys.strings[y]; });
  } else if (keys.type == ElementType::Int64) {
    std::sort(order.begin(), order.end(),
              [&](std::size_t x, std::size_t y) { return load<std::int64_t>(keys, x) < load<std::int64_t>(keys, y); });
  }
  return order;
}

HostTensor permuted(const HostTensor& t, const std::vector<std::size_t>& order) {
  HostTensor r;
  r.type = t.type;
  r.dims = t.dims;
  if (t.type == ElementType::String) {
    for (std::size_t i : order) r.strings.push_back(t.strings[i]);
    return r;
  }
  const std::size_t size = zrt::element_size(t.type);
  r.bytes.resize(t.bytes.size());
  for (std::size_t k = 0; k < order.size(); ++k)
    std::memcpy(r.bytes.data() + k * size, t.bytes.data() + order[k] * size, size);
  return r;
}

const char* kind_name(HostValue::Kind kind) {
  switch (kind) {
    case HostValue::Kind::Tensor: return "tensor";
    case HostValue::Kind::Sequence: return "sequence";
    case HostValue::Kind::Map: return "map";
    case HostValue::Kind::None: return "none (empty optional)";
  }
  return "?";
}

}  // namespace

std::size_t HostTensor::element_count() const { return zrt::element_count(dims); }

std::string HostTensor::describe() const {
  return fmt::format("tensor({}){}", element_name(type), dims_to_string(dims));
}

std::string HostValue::describe() const {
  switch (kind) {
    case Kind::Tensor: return tensor.describe();
    case Kind::Sequence: return fmt::format("seq({})", elements.size());
    case Kind::Map:
      return fmt::format("map({},{})[{}]", element_name(keys.type), element_name(values.type), keys.element_count());
    case Kind::None: return "none";
  }
  return "?";
}

std::string element_name(ElementType type) {
  const std::string_view name = to_string(type);
  if (name.empty() || name == "undefined" || name == "unknown") return fmt::format("type#{}", static_cast<int>(type));
  return std::string(name);
}

bool is_floating(ElementType type) noexcept {
  return type == ElementType::Float || type == ElementType::Double || type == ElementType::Float16 ||
         type == ElementType::BFloat16;
}

double element_as_double(const HostTensor& t, std::size_t i) {
  switch (t.type) {
    case ElementType::Float: return static_cast<double>(load<float>(t, i));
    case ElementType::Double: return load<double>(t, i);
    case ElementType::Float16: return static_cast<double>(Float16::to_float(load<std::uint16_t>(t, i)));
    case ElementType::BFloat16: return static_cast<double>(BFloat16::to_float(load<std::uint16_t>(t, i)));
    case ElementType::Int8: return load<std::int8_t>(t, i);
    case ElementType::UInt8: return load<std::uint8_t>(t, i);
    case ElementType::Int16: return load<std::int16_t>(t, i);
    case ElementType::UInt16: return load<std::uint16_t>(t, i);
    case ElementType::Int32: return load<std::int32_t>(t, i);
    case ElementType::UInt32: return load<std::uint32_t>(t, i);
    case ElementType::Int64: return static_cast<double>(load<std::int64_t>(t, i));
    case ElementType::UInt64: return static_cast<double>(load<std::uint64_t>(t, i));
    case ElementType::Bool: return t.bytes[i] != std::byte{0} ? 1.0 : 0.0;
    default: throw Error(fmt::format("element type {} has no numeric value", element_name(t.type)));
  }
}

std::string element_to_string(const HostTensor& t, std::size_t i) {
  switch (t.type) {
    case ElementType::String: return fmt::format("\"{}\"", t.strings[i]);
    case ElementType::Bool: return t.bytes[i] != std::byte{0} ? "true" : "false";
    case ElementType::Int64: return fmt::format("{}", load<std::int64_t>(t, i));
    case ElementType::UInt64: return fmt::format("{}", load<std::uint64_t>(t, i));
    case ElementType::Float: return fmt::format("{}", load<float>(t, i));
    case ElementType::Float16:
    case ElementType::BFloat16: return fmt::format("{}", static_cast<float>(element_as_double(t, i)));
    default:
      if (zrt::element_size(t.type) == 0 || t.type == ElementType::Complex64 || t.type == ElementType::Complex128 ||
          (t.type >= ElementType::Float8E4M3FN && t.type <= ElementType::Float8E5M2FNUZ))
        return fmt::format("0x{:02x}",
                           static_cast<unsigned>(t.bytes[i * std::max<std::size_t>(zrt::element_size(t.type), 1)]));
      return fmt::format("{}", element_as_double(t, i));
  }
}

Value to_value(const HostTensor& t) {
  const Shape shape(t.dims);
  if (t.type == ElementType::String) return Value::strings(std::span<const std::string>(t.strings), shape);
  if (zrt::element_size(t.type) == 0)
    throw Error(fmt::format("cannot make a tensor of element type {}", element_name(t.type)));
  return Value::tensor_copy_bytes(t.type, std::span<const std::byte>(t.bytes), shape);
}

Value to_value(const HostValue& v) {
  switch (v.kind) {
    case HostValue::Kind::Tensor: return to_value(v.tensor);
    case HostValue::Kind::Sequence: {
      if (v.elements.empty()) {
        if (v.element_type == ElementType::Undefined)
          throw Error("an empty sequence whose element type is not known cannot be made into a zrt::Value");
        return Value::empty_sequence(v.element_type);
      }
      std::vector<Value> elements;
      elements.reserve(v.elements.size());
      for (const HostValue& e : v.elements) elements.push_back(to_value(e));
      return Value::sequence(std::span<const Value>(elements));
    }
    case HostValue::Kind::Map: return Value::map(to_value(v.keys), to_value(v.values));
    case HostValue::Kind::None: break;
  }
  throw Error("an empty optional cannot be made into a zrt::Value");
}

HostTensor tensor_from_value(const Value& value) {
  HostTensor t;
  t.type = value.element_type();
  const Shape shape = value.shape();
  t.dims.assign(shape.begin(), shape.end());
  if (t.type == ElementType::String) {
    t.strings = value.strings();
  } else {
    const std::span<const std::byte> bytes = value.bytes();
    t.bytes.assign(bytes.begin(), bytes.end());
  }
  return t;
}

HostValue from_value(const Value& value) {
  HostValue r;
  if (value.empty()) return r;  // None
  switch (value.kind()) {
    case ValueKind::Tensor: return HostValue::of(tensor_from_value(value));
    case ValueKind::Sequence: {
      r.kind = HostValue::Kind::Sequence;
      const std::size_t n = value.sequence_size();
      r.elements.reserve(n);
      for (std::size_t i = 0; i < n; ++i) r.elements.push_back(from_value(value.sequence_at(i)));
      return r;
    }
    case ValueKind::Map:
      r.kind = HostValue::Kind::Map;
      r.keys = tensor_from_value(value.map_keys());
      r.values = tensor_from_value(value.map_values());
      return r;
    case ValueKind::Optional:
      if (!value.has_value()) return r;  // None
      throw Error("an optional value that holds a value is not readable through zrt::Value");
    default: break;
  }
  throw Error(fmt::format("cannot read a value of kind {}", to_string(value.kind())));
}

std::optional<std::string> compare(const HostValue& expected, const HostValue& actual, const Tolerance& tolerance) {
  if (expected.kind != actual.kind)
    return fmt::format("expected a {}, got a {}", kind_name(expected.kind), kind_name(actual.kind));
  switch (expected.kind) {
    case HostValue::Kind::None: return std::nullopt;
    case HostValue::Kind::Tensor: return compare_tensors(expected.tensor, actual.tensor, tolerance);
    case HostValue::Kind::Sequence:
      if (expected.elements.size() != actual.elements.size())
        return fmt::format("expected a sequence of {} elements, got {}", expected.elements.size(),
                           actual.elements.size());
      for (std::size_t i = 0; i < expected.elements.size(); ++i) {
        if (auto why = compare(expected.elements[i], actual.elements[i], tolerance))
          return fmt::format("sequence element {}: {}", i, *why);
      }
      return std::nullopt;
    case HostValue::Kind::Map: {
      if (expected.keys.type != actual.keys.type || expected.values.type != actual.values.type)
        return fmt::format("expected {}, got {}", expected.describe(), actual.describe());
      const auto eo = key_order(expected.keys);
      const auto ao = key_order(actual.keys);
      if (eo.size() != ao.size()) return fmt::format("expected {} map entries, got {}", eo.size(), ao.size());
      if (auto why = compare_tensors(permuted(expected.keys, eo), permuted(actual.keys, ao), tolerance))
        return "map keys: " + *why;
      if (auto why = compare_tensors(permuted(expected.values, eo), permuted(actual.values, ao), tolerance))
        return "map values: " + *why;
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::string summarize(const HostTensor& t, std::size_t max_values) {
  const std::size_t n = t.element_count();
  std::vector<std::string> shown;
  for (std::size_t i = 0; i < std::min(n, max_values); ++i) shown.push_back(element_to_string(t, i));
  std::string s = fmt::format("[{}{}]", fmt::join(shown, ", "), n > max_values ? ", ..." : "");
  if (n == 0) return s;
  if (t.type == ElementType::Bool) {
    std::size_t count = 0;
    for (std::size_t i = 0; i < n; ++i)
      if (t.bytes[i] != std::byte{0}) ++count;
    return s + fmt::format("  true={} false={}", count, n - count);
  }
  if (t.type == ElementType::String || zrt::element_size(t.type) == 0 || t.type == ElementType::Complex64 ||
      t.type == ElementType::Complex128 ||
      (t.type >= ElementType::Float8E4M3FN && t.type <= ElementType::Float8E5M2FNUZ))
    return s;
  double lo = std::numeric_limits<double>::infinity();
  double hi = -lo;
  double sum = 0.0;
  std::size_t nan = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double x = element_as_double(t, i);
    if (std::isnan(x)) {
      ++nan;
      continue;
    }
    lo = std::min(lo, x);
    hi = std::max(hi, x);
    sum += x;
  }
  if (nan == n) return s + fmt::format("  all NaN");
  s += fmt::format("  min={:.6g} max={:.6g} mean={:.6g}", lo, hi, sum / static_cast<double>(n - nan));
  if (nan > 0) s += fmt::format(" nan={}", nan);
  return s;
}

}  // namespace zrt::cli
