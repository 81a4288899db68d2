#include "zrt/lora.hpp"

#include <cstdint>
#include <cstring>
#include <vector>

#include "ort/api.hpp"
#include "zrt/buffer.hpp"

namespace zrt {

using detail::api;
using detail::check;

struct LoraAdapter::State {
  std::string source;
  TensorBuffer bytes;  // the file mapped read-only, or a copy of the caller's bytes
  OrtLoraAdapter* adapter = nullptr;
  std::vector<Parameter> parameters;  // values over `bytes`
  int adapter_version = 0;
  int model_version = 0;

  State() = default;
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  ~State() {
    if (adapter != nullptr) api().ReleaseLoraAdapter(adapter);
  }
};

namespace {

using State = LoraAdapter::State;
using Parameter = LoraAdapter::Parameter;

// Reads ORT's adapter flatbuffer (onnxruntime/lora/adapter_format/adapter_schema.fbs:
// Adapter{format_version, adapter_version, model_version, parameters:[Parameter]},
// Parameter{name, dims:[int64], data_type, raw_data:[uint8]}). ORT has verified the
// buffer before this runs; every read is still bounds-checked, so a buffer ORT would
// accept but zrt misreads fails with an error rather than reading out of range.
class FlatReader {
 public:
  FlatReader(const unsigned char* data, std::size_t size, const std::string& source)
      : data_(data), size_(size), source_(source) {}

  template <typename T>
  T read(std::size_t at) const {
    if (at > size_ || sizeof(T) > size_ - at) fail("a field lies outside the buffer");
    T v;
    std::memcpy(&v, data_ + at, sizeof(T));
    return v;
  }
  // Follows the uoffset at `at`.
  std::size_t deref(std::size_t at) const {
    const std::size_t target = at + read<std::uint32_t>(at);
    if (target >= size_) fail("a reference points outside the buffer");
    return target;
  }
  // The position of field `index` of the table at `table`, or 0 when it is absent.
  std::size_t field(std::size_t table, std::size_t index) const {
    const std::int64_t vtable = static_cast<std::int64_t>(table) - read<std::int32_t>(table);
    if (vtable < 0) fail("a table's vtable lies outside the buffer");
    const auto vt = static_cast<std::size_t>(vtable);
    const std::size_t vtable_size = read<std::uint16_t>(vt);
    if (4 + 2 * index + 2 > vtable_size) return 0;
    const std::size_t offset = read<std::uint16_t>(vt + 4 + 2 * index);
    return offset == 0 ? 0 : table + offset;
  }
  // A vector field: (position of the first element, element count).
  std::pair<std::size_t, std::size_t> vector(std::size_t table, std::size_t index, std::size_t element_size) const {
    const std::size_t at = field(table, index);
    if (at == 0) return {0, 0};
    const std::size_t vec = deref(at);
    const std::size_t count = read<std::uint32_t>(vec);
    if (count > (size_ - vec - 4) / element_size) fail("a vector runs past the end of the buffer");
    return {vec + 4, count};
  }
  const unsigned char* at(std::size_t pos) const noexcept { return data_ + pos; }
  [[noreturn]] void fail(const char* what) const {
    throw Error(ErrorCode::InvalidArgument, "LoraAdapter " + source_ + ": malformed adapter: " + what);
  }

 private:
  const unsigned char* data_;
  std::size_t size_;
  const std::string& source_;
};

void read_parameters(State& s) {
  auto* data = static_cast<unsigned char*>(s.bytes.data());
  const FlatReader r(data, s.bytes.bytes(), s.source);
  const std::size_t adapter = r.deref(0);
  if (const std::size_t f = r.field(adapter, 1)) s.adapter_version = r.read<std::int32_t>(f);
  if (const std::size_t f = r.field(adapter, 2)) s.model_version = r.read<std::int32_t>(f);
  const auto [first, count] = r.vector(adapter, 3, 4);
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t param = r.deref(first + 4 * i);
    Parameter p;
    if (const auto [chars, length] = r.vector(param, 0, 1); chars != 0) {
      p.name.assign(reinterpret_cast<const char*>(r.at(chars)), length);
    }
    const auto [dims_at, rank] = r.vector(param, 1, 8);
    std::vector<std::int64_t> dims(rank);
    for (std::size_t d = 0; d < rank; ++d) dims[d] = r.read<std::int64_t>(dims_at + 8 * d);
    p.shape = Shape(dims);
    const std::size_t type_at = r.field(param, 2);
    p.element_type = static_cast<ElementType>(type_at != 0 ? r.read<std::int32_t>(type_at) : 0);
    const auto [raw, bytes] = r.vector(param, 3, 1);
    const std::string who = "LoraAdapter " + s.source + ": parameter '" + p.name + "'";
    if (p.element_type == ElementType::String || p.element_type == ElementType::Undefined) {
      throw Error(ErrorCode::InvalidArgument,
                  who + ": element type " + std::string(to_string(p.element_type)) + " cannot be an adapter parameter");
    }
    if (tensor_byte_size(p.element_type, p.shape.dims()) != bytes) {
      throw Error(ErrorCode::InvalidArgument, who + ": shape " + p.shape.to_string() + " of " +
                                                  std::string(to_string(p.element_type)) + " needs " +
                                                  std::to_string(tensor_byte_size(p.element_type, p.shape.dims())) +
                                                  " bytes, the adapter holds " + std::to_string(bytes));
    }
    // Read-only views (ORT reads its copy the same way); a mapping is not writable.
    p.value = Value::view_bytes(p.element_type, bytes == 0 ? nullptr : data + raw, bytes, p.shape);
    s.parameters.push_back(std::move(p));
  }
}

// ORT's messages name its source line; zrt's name the adapter.
std::string ort_reason(const Error& e) {
  std::string m = e.what();
  if (const std::size_t cut = m.rfind(") ");
      cut != std::string::npos && m.find("adapter_format") != std::string::npos) {
    m = m.substr(cut + 2);
  }
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

}  // namespace

LoraAdapter::LoraAdapter(const std::filesystem::path& file) {
  detail::ensure_environment();
  auto s = std::make_shared<State>();
  s->source = "file '" + file.string() + "'";
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    throw Error(ErrorCode::NoSuchFile, "LoraAdapter: adapter file not found: '" + file.string() + "'");
  }
  if (std::filesystem::is_directory(file, ec)) {
    throw Error(ErrorCode::NoSuchFile, "LoraAdapter: '" + file.string() + "' is a directory, not an adapter file");
  }
  const auto size = std::filesystem::file_size(file, ec);
  if (ec || size == 0) throw Error(ErrorCode::InvalidArgument, "LoraAdapter " + s->source + ": the file is empty");
  // Mapped, as ORT maps it: both read the same page-cache pages.
  s->bytes = TensorBuffer::map_file(file, 0, ElementType::UInt8, Shape{static_cast<std::int64_t>(size)});
  try {
    check(api().CreateLoraAdapter(file.c_str(), nullptr, &s->adapter), nullptr);
  } catch (const Error& e) {
    throw Error(e.code(), "LoraAdapter " + s->source + ": " + ort_reason(e));
  }
  read_parameters(*s);
  state_ = std::move(s);
}

LoraAdapter LoraAdapter::from_bytes(std::span<const std::byte> bytes) {
  detail::ensure_environment();
  auto s = std::make_shared<State>();
  s->source = "bytes (" + std::to_string(bytes.size()) + ")";
  if (bytes.empty()) throw Error(ErrorCode::InvalidArgument, "LoraAdapter::from_bytes: the bytes are empty");
  s->bytes = TensorBuffer(ElementType::UInt8, Shape{static_cast<std::int64_t>(bytes.size())}, BufferPolicy::plain());
  std::memcpy(s->bytes.data(), bytes.data(), bytes.size());
  try {
    check(api().CreateLoraAdapterFromArray(s->bytes.data(), bytes.size(), nullptr, &s->adapter), nullptr);
  } catch (const Error& e) {
    throw Error(e.code(), "LoraAdapter::from_bytes: " + ort_reason(e));
  }
  read_parameters(*s);
  return LoraAdapter(std::shared_ptr<const State>(std::move(s)));
}

std::span<const LoraAdapter::Parameter> LoraAdapter::parameters() const noexcept { return state_->parameters; }

const LoraAdapter::Parameter* LoraAdapter::find(std::string_view name) const noexcept {
  for (const Parameter& p : state_->parameters) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

int LoraAdapter::adapter_version() const noexcept { return state_->adapter_version; }
int LoraAdapter::model_version() const noexcept { return state_->model_version; }
const std::string& LoraAdapter::source() const noexcept { return state_->source; }
OrtLoraAdapter* LoraAdapter::handle() const noexcept { return state_->adapter; }

}  // namespace zrt
