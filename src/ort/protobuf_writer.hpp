// Protobuf's wire format, as much as zrt needs to write small ONNX models by hand (the
// library links no protobuf): varint and length-delimited fields, by field number.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace zrt::detail {

inline void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// Field `field` of wire type 0 (varint).
inline void put_int(std::string& out, int field, std::uint64_t v) {
  put_varint(out, static_cast<std::uint64_t>(field) << 3);
  put_varint(out, v);
}

// Field `field` of wire type 2 (length-delimited: bytes, strings, messages).
inline void put_bytes(std::string& out, int field, std::string_view bytes) {
  put_varint(out, (static_cast<std::uint64_t>(field) << 3) | 2);
  put_varint(out, bytes.size());
  out.append(bytes);
}

}  // namespace zrt::detail
