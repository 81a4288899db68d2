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
        fail(fmt::format("unknown header key '{}'", key));
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
    throw Error(fmt::format("'{}' is not a valid .npy file: {} (header: {})", file_, what, s_));
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

HostTensor read_npy(const std::filesystem::path& path) {
  const std::string file = path.string();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::NoSuchFile, fmt::format("cannot open '{}'", file));
  std::ostringstream ss;
  ss << in.rdbuf();
  const std::string bytes = std::move(ss).str();

  if (bytes.size() < 10 || std::string_view(bytes).substr(0, kMagic.size()) != kMagic)
    throw Error(fmt::format("'{}' is not a .npy file (no \\x93NUMPY magic)", file));
  const auto major = static_cast<unsigned char>(bytes[6]);
  std::size_t header_len = 0;
  std::size_t offset = 0;
  if (major == 1) {
    header_len =
        static_cast<unsigned char>(bytes[8]) | (static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) throw Error(fmt::format("'{}' is not a valid .npy file: truncated header", file));
    for (int i = 3; i >= 0; --i)
      header_len = (header_len << 8) | static_cast<unsigned char>(bytes[8 + static_cast<std::size_t>(i)]);
    offset = 12;
  } else {
    throw Error(fmt::format("'{}': unsupported .npy format version {}", file, major));
  }
  if (bytes.size() < offset + header_len)
    throw Error(fmt::format("'{}' is not a valid .npy file: truncated header", file));
  const std::string header_text = bytes.substr(offset, header_len);
  const Header h = HeaderParser(header_text, file).parse();
  if (h.fortran_order)
    throw Error(
        fmt::format("'{}': Fortran-order arrays are not supported (save a C-order array, "
                    "e.g. numpy.ascontiguousarray)",
                    file));

  HostTensor t;
  t.dims = h.shape;
  const std::size_t count = t.element_count();
  const std::string_view data = std::string_view(bytes).substr(offset + header_len);

  if (h.descr.size() < 2) throw Error(fmt::format("'{}': unsupported dtype '{}'", file, h.descr));
  const char order = h.descr[0];
  const std::string code = h.descr.substr(1);
  std::size_t itemsize = 0;
  bool big_endian = order == '>';
  if (order != '<' && order != '>' && order != '|' && order != '=')
    throw Error(fmt::format("'{}': unsupported dtype '{}'", file, h.descr));

  auto bytes_for = [&](std::size_t item) {
    if (item != 0 && count > std::numeric_limits<std::size_t>::max() / item)
      throw Error(fmt::format("'{}': shape [{}] of dtype '{}' is too large", file, fmt::join(t.dims, ","), h.descr));
    return count * item;
  };
  auto check_size = [&](std::size_t need) {
    if (data.size() != need)
      throw Error(fmt::format("'{}': the data holds {} bytes, but shape [{}] of dtype '{}' needs {}", file, data.size(),
                              fmt::join(t.dims, ","), h.descr, need));
  };

  if (code[0] == 'S' || code[0] == 'U') {
    const bool utf32 = code[0] == 'U';
    const std::string digits = code.substr(1);
    if (digits.empty() || digits.size() > 9 ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
      throw Error(fmt::format("'{}': unsupported dtype '{}'", file, h.descr));
    const std::size_t chars = std::stoul(digits);
    itemsize = utf32 ? chars * 4 : chars;
    if (utf32 && big_endian) throw Error(fmt::format("'{}': big-endian dtype '{}' is not supported", file, h.descr));
    check_size(bytes_for(itemsize));
    t.type = ElementType::String;
    t.strings.resize(count);
    for (std::size_t i = 0; i < count; ++i) {
      const std::string_view item = data.substr(i * itemsize, itemsize);
      std::string& s = t.strings[i];
      if (utf32) {
        for (std::size_t c = 0; c < chars; ++c) {
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

  const auto it = numeric_dtypes().find(code);
  if (it == numeric_dtypes().end())
    throw Error(
        fmt::format("'{}': unsupported dtype '{}' (supported: f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1 S U, "
                    "little-endian)",
                    file, h.descr));
  t.type = it->second;
  itemsize = zrt::element_size(t.type);
  if (big_endian && itemsize > 1)
    throw Error(fmt::format("'{}': big-endian dtype '{}' is not supported (save it as '<{}')", file, h.descr, code));
  check_size(bytes_for(itemsize));
  t.bytes.resize(data.size());
  if (!data.empty()) std::memcpy(t.bytes.data(), data.data(), data.size());
  return t;
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
