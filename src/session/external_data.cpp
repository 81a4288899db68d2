#include "session/external_data.hpp"

#include <charconv>
#include <system_error>

#include "zrt/buffer.hpp"
#include "zrt/error.hpp"

namespace zrt::detail {

namespace {

// Field numbers in onnx.proto.
constexpr std::uint64_t kModelGraph = 7;           // ModelProto.graph
constexpr std::uint64_t kGraphInitializer = 5;     // GraphProto.initializer
constexpr std::uint64_t kTensorDims = 1;           // TensorProto.dims
constexpr std::uint64_t kTensorDataType = 2;       // TensorProto.data_type
constexpr std::uint64_t kTensorName = 8;           // TensorProto.name
constexpr std::uint64_t kTensorExternalData = 13;  // TensorProto.external_data
constexpr std::uint64_t kTensorDataLocation = 14;  // TensorProto.data_location
constexpr std::uint64_t kEntryKey = 1;             // StringStringEntryProto.key
constexpr std::uint64_t kEntryValue = 2;           // StringStringEntryProto.value
constexpr std::uint64_t kLocationExternal = 1;     // TensorProto.DataLocation.EXTERNAL

enum WireType : unsigned { kVarint = 0, kFixed64 = 1, kLen = 2, kFixed32 = 5 };

// Reads protobuf's wire format from a byte range, bounds-checked; errors name the byte
// offset in the whole model.
class Reader {
 public:
  Reader(std::span<const std::byte> bytes, const std::byte* base, const std::string& what)
      : p_(bytes.data()), end_(bytes.data() + bytes.size()), base_(base), what_(what) {}

  bool done() const noexcept { return p_ == end_; }

  // The next field's number and wire type.
  std::uint64_t field(unsigned& wire) {
    const std::uint64_t tag = varint();
    wire = static_cast<unsigned>(tag & 7);
    if ((tag >> 3) == 0) fail("field number 0");
    return tag >> 3;
  }

  std::uint64_t varint() {
    std::uint64_t value = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) fail("a varint runs past the end");
      const auto byte = static_cast<std::uint8_t>(*p_++);
      value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return value;
    }
    fail("a varint is longer than 10 bytes");
  }

  std::span<const std::byte> bytes() {
    const std::uint64_t n = varint();
    if (n > static_cast<std::uint64_t>(end_ - p_)) {
      fail("a field of " + std::to_string(n) + " bytes runs past the end");
    }
    const std::span<const std::byte> out(p_, static_cast<std::size_t>(n));
    p_ += n;
    return out;
  }

  std::string string() {
    const std::span<const std::byte> b = bytes();
    return {reinterpret_cast<const char*>(b.data()), b.size()};
  }

  void skip(unsigned wire) {
    switch (wire) {
      case kVarint: (void)varint(); return;
      case kFixed64: advance(8); return;
      case kLen: (void)bytes(); return;
      case kFixed32: advance(4); return;
      default: fail("wire type " + std::to_string(wire) + " (groups or invalid)");
    }
  }

  // Checks that field `number` came with `expected` wire type.
  void expect(std::uint64_t number, unsigned wire, unsigned expected) const {
    if (wire != expected) {
      fail("field " + std::to_string(number) + " has wire type " + std::to_string(wire) + ", expected " +
           std::to_string(expected));
    }
  }

  Reader sub(std::span<const std::byte> bytes) const { return Reader(bytes, base_, what_); }

  [[noreturn]] void fail(const std::string& why) const {
    throw Error(what_ + ": not a valid ONNX model: " + why + " (at byte " + std::to_string(p_ - base_) + ")");
  }

 private:
  void advance(std::size_t n) {
    if (n > static_cast<std::size_t>(end_ - p_)) fail("a fixed-size field runs past the end");
    p_ += n;
  }

  const std::byte* p_;
  const std::byte* end_;
  const std::byte* base_;
  const std::string& what_;
};

// A TensorProto's fields that say where its data is.
struct TensorFields {
  std::string name;
  std::uint64_t data_type = 0;
  std::vector<std::int64_t> dims;
  std::vector<std::pair<std::string, std::string>> external;
  std::uint64_t location = 0;
};

TensorFields read_tensor(Reader r) {
  TensorFields t;
  while (!r.done()) {
    unsigned wire = 0;
    const std::uint64_t number = r.field(wire);
    if (number == kTensorDims && wire == kVarint) {
      t.dims.push_back(static_cast<std::int64_t>(r.varint()));
    } else if (number == kTensorDims && wire == kLen) {  // packed
      Reader packed = r.sub(r.bytes());
      while (!packed.done()) t.dims.push_back(static_cast<std::int64_t>(packed.varint()));
    } else if (number == kTensorDims) {
      r.expect(number, wire, kVarint);
    } else if (number == kTensorDataType) {
      r.expect(number, wire, kVarint);
      t.data_type = r.varint();
    } else if (number == kTensorName) {
      r.expect(number, wire, kLen);
      t.name = r.string();
    } else if (number == kTensorExternalData) {
      r.expect(number, wire, kLen);
      Reader entry = r.sub(r.bytes());
      std::pair<std::string, std::string> kv;
      while (!entry.done()) {
        unsigned entry_wire = 0;
        const std::uint64_t entry_number = entry.field(entry_wire);
        if (entry_number == kEntryKey || entry_number == kEntryValue) {
          entry.expect(entry_number, entry_wire, kLen);
          (entry_number == kEntryKey ? kv.first : kv.second) = entry.string();
        } else {
          entry.skip(entry_wire);
        }
      }
      t.external.push_back(std::move(kv));
    } else if (number == kTensorDataLocation) {
      r.expect(number, wire, kVarint);
      t.location = r.varint();
    } else {
      r.skip(wire);
    }
  }
  return t;
}

std::size_t parse_size(const std::string& text, const std::string& what) {
  std::size_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) throw Error(what + " is '" + text + "', not a byte count");
  return value;
}

ExternalInitializer resolve(const TensorFields& t, const std::filesystem::path& folder, const std::string& what) {
  const std::string where = what + ": initializer '" + t.name + "'";
  ExternalInitializer out;
  out.name = t.name;
  if (t.data_type == 0 || t.data_type > static_cast<std::uint64_t>(ElementType::Int2)) {
    throw Error(where + ": unknown element type " + std::to_string(t.data_type));
  }
  out.type = static_cast<ElementType>(t.data_type);
  if (out.type == ElementType::String) throw Error(where + ": string tensors have no fixed-size external data");
  out.dims = t.dims;
  try {
    out.bytes = tensor_byte_size(out.type, out.dims);
  } catch (const Error& e) {
    throw Error(where + ": " + e.what());
  }
  bool has_location = false;
  for (const auto& [key, value] : t.external) {
    if (key == "location") {
      const std::filesystem::path location(value);
      if (value.empty() || location.has_root_path()) {
        throw Error(where + ": external data location '" + value + "' must be a path relative to the model's folder");
      }
      for (const std::filesystem::path& part : location) {
        if (part == "..") throw Error(where + ": external data location '" + value + "' leaves the model's folder");
      }
      out.file = folder / location;
      has_location = true;
    } else if (key == "offset") {
      out.offset = parse_size(value, where + ": external data offset");
    } else if (key == "length") {
      const std::size_t length = parse_size(value, where + ": external data length");
      if (length != out.bytes) {
        throw Error(where + ": external data length " + std::to_string(length) + " differs from the " +
                    std::to_string(out.bytes) + " bytes of its type and dims");
      }
    }  // "checksum" and unknown keys: not needed to find the data
  }
  if (!has_location) throw Error(where + ": external data without a location");
  return out;
}

}  // namespace

std::vector<ExternalInitializer> external_initializers(std::span<const std::byte> model_bytes,
                                                       const std::filesystem::path& folder, const std::string& what) {
  std::vector<ExternalInitializer> out;
  Reader model(model_bytes, model_bytes.data(), what);
  while (!model.done()) {
    unsigned wire = 0;
    const std::uint64_t number = model.field(wire);
    if (number != kModelGraph) {
      model.skip(wire);
      continue;
    }
    model.expect(number, wire, kLen);
    Reader graph = model.sub(model.bytes());
    while (!graph.done()) {
      unsigned graph_wire = 0;
      const std::uint64_t graph_number = graph.field(graph_wire);
      if (graph_number != kGraphInitializer) {
        graph.skip(graph_wire);
        continue;
      }
      graph.expect(graph_number, graph_wire, kLen);
      const TensorFields tensor = read_tensor(graph.sub(graph.bytes()));
      if (tensor.location == kLocationExternal) out.push_back(resolve(tensor, folder, what));
    }
  }
  return out;
}

std::vector<ExternalInitializer> external_initializers(const std::filesystem::path& model) {
  const std::string what = "model '" + model.string() + "'";
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(model, ec);
  if (ec) {
    throw Error(ec == std::errc::no_such_file_or_directory ? ErrorCode::NoSuchFile : ErrorCode::Fail,
                what + ": cannot read its size: " + ec.message());
  }
  if (size == 0) throw Error(what + ": the file is empty");
  // Mapped, not read: a model that embeds its weights is walked without loading them.
  const TensorBuffer bytes =
      TensorBuffer::map_file(model, 0, ElementType::UInt8, Shape{static_cast<std::int64_t>(size)});
  const auto* data = static_cast<const std::byte*>(bytes.data());
  return external_initializers({data, bytes.bytes()}, model.parent_path(), what);
}

}  // namespace zrt::detail
