#include "npy.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <string_view>

#include "text.hpp"
#include "zrt/error.hpp"

namespace zrt::cli {
namespace {

constexpr std::string_view kMagic = "\x93NUMPY";

struct Header {
  std::string descr;
  bool fortran_order = false;
  std::vector<std::int64_t> shape;
};

// Parses the header: a Python dict literal such as
// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& file) : s_(text), file_(file) {}

  Header parse() {
    Header h;
    bool have_descr = false, have_order = false, have_shape = false;
    expect('{');
    for (;;) {
      skip_space();
      if (peek() == '}') break;
      const std::string key = quoted();
      expect(':');
      skip_space();
      if (key == "descr") {
        if (peek() == '[') fail("structured dtypes are not supported");
        h.descr = quoted();
        have_descr = true;
      } else if (key == "fortran_order") {
        h.fortran_order = boolean();
        have_order = true;
      } else if (key == "shape") {
        h.shape = tuple();
        have_shape = true;
      } else {
        fail(fmt::format("unknown header key '{}'", printable(key, 40)));
      }
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == '}') break;
      fail("expected ',' or '}'");
    }
    if (!have_descr || !have_order || !have_shape) fail("the header needs 'descr', 'fortran_order' and 'shape'");
    return h;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(fmt::format("'{}' is not a valid .npy file: {} (header: {})", file_, what, printable(s_, 200)));
  }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void skip_space() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  void expect(char c) {
    skip_space();
    if (peek() != c) fail(fmt::format("expected '{}'", c));
    ++pos_;
  }
  std::string quoted() {
    skip_space();
    const char q = peek();
    if (q != '\'' && q != '"') fail("expected a quoted string");
    const std::size_t end = s_.find(q, pos_ + 1);
    if (end == std::string_view::npos) fail("unterminated string");
    std::string r(s_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return r;
  }
  bool boolean() {
    if (s_.substr(pos_, 4) == "True") {
      pos_ += 4;
      return true;
    }
    if (s_.substr(pos_, 5) == "False") {
      pos_ += 5;
      return false;
    }
    fail("expected True or False");
  }
  std::vector<std::int64_t> tuple() {
    std::vector<std::int64_t> dims;
    expect('(');
    for (;;) {
      skip_space();
      if (peek() == ')') {
        ++pos_;
        return dims;
      }
      if (!std::isdigit(static_cast<unsigned char>(peek()))) fail("expected a non-negative dimension");
      std::int64_t d = 0;
      while (std::isdigit(static_cast<unsigned char>(peek()))) {
        if (d > (std::int64_t{1} << 52)) fail("dimension too large");
        d = d * 10 + (peek() - '0');
        ++pos_;
      }
      // Python 2 writes longs as 3L.
      if (peek() == 'L') ++pos_;
      dims.push_back(d);
      skip_space();
      if (peek() == ',')
        ++pos_;
      else if (peek() != ')')
        fail("expected ',' or ')' in the shape");
    }
  }

  std::string_view s_;
  const std::string& file_;
  std::size_t pos_ = 0;
};

const std::map<std::string, ElementType>& numeric_dtypes() {
  static const std::map<std::string, ElementType> table = {
      {"f2", ElementType::Float16}, {"f4", ElementType::Float},  {"f8", ElementType::Double},
      {"i1", ElementType::Int8},    {"i2", ElementType::Int16},  {"i4", ElementType::Int32},
      {"i8", ElementType::Int64},   {"u1", ElementType::UInt8},  {"u2", ElementType::UInt16},
      {"u4", ElementType::UInt32},  {"u8", ElementType::UInt64}, {"b1", ElementType::Bool},
  };
  return table;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace

std::string npy_dtype(ElementType type) {
  switch (type) {
    case ElementType::Float16: return "<f2";
    case ElementType::Float: return "<f4";
    case ElementType::Double: return "<f8";
    case ElementType::Int8: return "|i1";
    case ElementType::Int16: return "<i2";
    case ElementType::Int32: return "<i4";
    case ElementType::Int64: return "<i8";
    case ElementType::UInt8: return "|u1";
    case ElementType::UInt16: return "<u2";
    case ElementType::UInt32: return "<u4";
    case ElementType::UInt64: return "<u8";
    case ElementType::Bool: return "|b1";
    default: return "";
  }
}

namespace {

// Where the header ends and the data starts, from the magic and the header length
// (the first 10 bytes, 12 for format 2 and 3). Throws when `prefix` cannot say.
std::size_t data_offset(std::string_view prefix, const std::string& file) {
  if (prefix.size() < 10 || prefix.substr(0, kMagic.size()) != kMagic)
    throw Error(fmt::format("'{}' is not a .npy file (no \\x93NUMPY magic)", file));
  const auto major = static_cast<unsigned char>(prefix[6]);
  auto byte = [&](std::size_t i) { return static_cast<std::size_t>(static_cast<unsigned char>(prefix[i])); };
  if (major == 1) return 10 + (byte(8) | byte(9) << 8);
  if (major == 2 || major == 3) {
    if (prefix.size() < 12) throw Error(fmt::format("'{}' is not a valid .npy file: truncated header", file));
    return 12 + (byte(8) | byte(9) << 8 | byte(10) << 16 | byte(11) << 24);
  }
  throw Error(fmt::format("'{}': unsupported .npy format version {}", file, major));
}

// What the header says about the data that follows it.
struct Layout {
  std::vector<std::int64_t> dims;
  std::string descr;
  ElementType type = ElementType::Undefined;
  std::size_t count = 0;     // elements
  std::size_t itemsize = 0;  // bytes per element in the file
  std::size_t chars = 0;     // S<n> / U<n>: characters per element
  bool utf32 = false;        // U<n>
  std::size_t data_bytes = 0;
};

// Parses the header (`head` holds the file from its start through the header).
Layout parse_layout(std::string_view head, std::size_t offset, const std::string& file) {
  const std::size_t text_start = static_cast<unsigned char>(head[6]) == 1 ? 10 : 12;
  const Header h = HeaderParser(head.substr(text_start, offset - text_start), file).parse();
  if (h.fortran_order)
    throw Error(
        fmt::format("'{}': Fortran-order arrays are not supported (save a C-order array, "
                    "e.g. numpy.ascontiguousarray)",
                    file));
  Layout l;
  l.dims = h.shape;
  l.descr = h.descr;
  l.count = zrt::element_count(l.dims);
  const std::string shown_descr = printable(h.descr, 40);
  if (h.descr.size() < 2) throw Error(fmt::format("'{}': unsupported dtype '{}'", file, shown_descr));
  const char order = h.descr[0];
  const std::string code = h.descr.substr(1);
  const bool big_endian = order == '>';
  if (order != '<' && order != '>' && order != '|' && order != '=')
    throw Error(fmt::format("'{}': unsupported dtype '{}'", file, shown_descr));

  if (code[0] == 'S' || code[0] == 'U') {
    l.utf32 = code[0] == 'U';
    const std::string digits = code.substr(1);
    if (digits.empty() || digits.size() > 9 ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
      throw Error(fmt::format("'{}': unsupported dtype '{}'", file, shown_descr));
    l.chars = std::stoul(digits);
    l.itemsize = l.utf32 ? l.chars * 4 : l.chars;
    if (l.utf32 && big_endian)
      throw Error(fmt::format("'{}': big-endian dtype '{}' is not supported", file, shown_descr));
    l.type = ElementType::String;
  } else {
    const auto it = numeric_dtypes().find(code);
    if (it == numeric_dtypes().end())
      throw Error(
          fmt::format("'{}': unsupported dtype '{}' (supported: f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1 S U, "
                      "little-endian)",
                      file, shown_descr));
    l.type = it->second;
    l.itemsize = zrt::element_size(l.type);
    if (big_endian && l.itemsize > 1)
      throw Error(fmt::format("'{}': big-endian dtype '{}' is not supported (save it as '<{}')", file, shown_descr,
                              printable(code, 40)));
  }
  if (l.itemsize != 0 && l.count > kMaxTensorBytes / l.itemsize)
    throw Error(fmt::format("'{}': shape {} of dtype '{}' needs 2^63 bytes or more", file, shape_to_string(l.dims),
                            shown_descr));
  l.data_bytes = l.count * l.itemsize;
  return l;
}

// The data's size must be exactly what the header says, checked before it is read.
void check_data_size(const Layout& l, std::size_t available, const std::string& file) {
  if (available != l.data_bytes)
    throw Error(fmt::format("'{}': the data holds {} bytes, but shape {} of dtype '{}' needs {}", file, available,
                            shape_to_string(l.dims), printable(l.descr, 40), l.data_bytes));
}

HostTensor decode(const Layout& l, std::string_view data, const std::string& file) {
  HostTensor t;
  t.dims = l.dims;
  t.type = l.type;
  if (l.type == ElementType::String) {
    t.strings.resize(l.count);
    for (std::size_t i = 0; i < l.count; ++i) {
      const std::string_view item = data.substr(i * l.itemsize, l.itemsize);
      std::string& s = t.strings[i];
      if (l.utf32) {
        for (std::size_t c = 0; c < l.chars; ++c) {
          std::uint32_t cp = 0;
          std::memcpy(&cp, item.data() + c * 4, 4);
          if (cp == 0) break;
          if (cp > 0x10FFFF) throw Error(fmt::format("'{}': element {} is not valid UTF-32", file, i));
          append_utf8(s, cp);
        }
      } else {
        s.assign(item.substr(0, item.find('\0')));
      }
    }
    return t;
  }
  t.bytes.resize(data.size());
  if (!data.empty()) std::memcpy(t.bytes.data(), data.data(), data.size());
  // NumPy bools are one byte, but any byte can be stored; ORT's kernels would pass 2 or
  // 255 through as is (Not gives 253 and 0, both "true"). Normalize to 0/1.
  if (t.type == ElementType::Bool)
    for (std::byte& b : t.bytes) b = b != std::byte{0} ? std::byte{1} : std::byte{0};
  return t;
}

}  // namespace

HostTensor parse_npy(std::string_view bytes, const std::string& name) {
  const std::size_t offset = data_offset(bytes, name);
  if (bytes.size() < offset) throw Error(fmt::format("'{}' is not a valid .npy file: truncated header", name));
  const Layout layout = parse_layout(bytes.substr(0, offset), offset, name);
  check_data_size(layout, bytes.size() - offset, name);
  return decode(layout, bytes.substr(offset), name);
}

HostTensor read_npy(const std::filesystem::path& path) {
  const std::string file = path.string();
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) throw Error(ErrorCode::NoSuchFile, fmt::format("cannot open '{}'", file));
  // A device or a pipe (/dev/zero) has no size to check the header against.
  if (!std::filesystem::is_regular_file(status)) throw Error(fmt::format("'{}' is not a regular file", file));
  std::ifstream in(path, std::ios::binary);
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (!in || ec) throw Error(ErrorCode::NoSuchFile, fmt::format("cannot open '{}'", file));

  // Read the header first, then only the data it announces.
  auto read = [&](std::string& into, std::size_t n) {
    const std::size_t at = into.size();
    into.resize(at + n);
    in.read(into.data() + at, static_cast<std::streamsize>(n));
    if (static_cast<std::size_t>(in.gcount()) != n) throw Error(ErrorCode::Fail, fmt::format("cannot read '{}'", file));
  };
  std::string head;
  read(head, static_cast<std::size_t>(std::min<std::uintmax_t>(size, 10)));
  const bool long_length = head.size() == 10 && static_cast<unsigned char>(head[6]) >= 2;  // format 2 and 3
  if (long_length && size >= 12) read(head, 2);
  const std::size_t offset = data_offset(head, file);
  if (offset > size) throw Error(fmt::format("'{}' is not a valid .npy file: truncated header", file));
  read(head, offset - head.size());
  const Layout layout = parse_layout(head, offset, file);
  check_data_size(layout, static_cast<std::size_t>(size) - offset, file);
  std::string data;
  read(data, layout.data_bytes);
  return decode(layout, data, file);
}

void write_npy(const std::filesystem::path& path, const HostTensor& tensor) {
  HostTensor converted;
  const HostTensor* t = &tensor;
  std::string descr;
  std::size_t string_width = 0;
  if (tensor.type == ElementType::BFloat16) {
    converted.type = ElementType::Float;
    converted.dims = tensor.dims;
    const std::size_t n = tensor.element_count();
    converted.bytes.resize(n * 4);
    for (std::size_t i = 0; i < n; ++i) {
      const auto f = static_cast<float>(element_as_double(tensor, i));
      std::memcpy(converted.bytes.data() + i * 4, &f, 4);
    }
    t = &converted;
    descr = "<f4";
  } else if (tensor.type == ElementType::String) {
    for (const auto& s : tensor.strings) string_width = std::max(string_width, s.size());
    string_width = std::max<std::size_t>(string_width, 1);
    descr = fmt::format("|S{}", string_width);
  } else {
    descr = npy_dtype(tensor.type);
    if (descr.empty())
      throw Error(ErrorCode::NotImplemented, fmt::format("cannot write '{}': NumPy has no dtype for {}", path.string(),
                                                         element_name(tensor.type)));
  }

  std::string shape;
  if (t->dims.size() == 1)
    shape = fmt::format("({},)", t->dims[0]);
  else
    shape = fmt::format("({})", fmt::join(t->dims, ", "));
  std::string header = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}", descr, shape);
  // Pad so that the data starts on a 64-byte boundary; the header ends with '\n'.
  std::size_t prefix = 10;
  if (header.size() + 1 + prefix > 65535) prefix = 12;
  const std::size_t total = ((prefix + header.size() + 1 + 63) / 64) * 64;
  header.append(total - prefix - header.size() - 1, ' ');
  header += '\n';

  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw Error(ErrorCode::NoSuchFile, fmt::format("cannot write '{}'", path.string()));
  out.write(kMagic.data(), static_cast<std::streamsize>(kMagic.size()));
  const std::size_t len = header.size();
  if (prefix == 10) {
    const char v[4] = {1, 0, static_cast<char>(len & 0xFF), static_cast<char>((len >> 8) & 0xFF)};
    out.write(v, 4);
  } else {
    const char v[6] = {2,
                       0,
                       static_cast<char>(len & 0xFF),
                       static_cast<char>((len >> 8) & 0xFF),
                       static_cast<char>((len >> 16) & 0xFF),
                       static_cast<char>((len >> 24) & 0xFF)};
    out.write(v, 6);
  }
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  if (t->type == ElementType::String) {
    std::string item;
    for (const auto& s : t->strings) {
      item.assign(string_width, '\0');
      std::memcpy(item.data(), s.data(), s.size());
      out.write(item.data(), static_cast<std::streamsize>(item.size()));
    }
  } else {
    out.write(reinterpret_cast<const char*>(t->bytes.data()), static_cast<std::streamsize>(t->bytes.size()));
  }
  if (!out) throw Error(ErrorCode::Fail, fmt::format("writing '{}' failed", path.string()));
}

}  // namespace zrt::cli
