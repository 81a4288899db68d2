// NumPy .npy files (format versions 1.0, 2.0, 3.0), C order, little-endian.
// Numeric dtypes: f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1; strings: S<n> (bytes) and
// U<n> (UTF-32) read as UTF-8 strings, written as S<n>.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "host_value.hpp"

namespace zrt::cli {

// Throws zrt::Error naming the file for a wrong magic, a bad header, an unsupported
// dtype, Fortran order or a data size that does not match the shape. Reads the header
// first and then only the data it announces; refuses anything but a regular file.
// Bool bytes other than 0 are read as 1.
HostTensor read_npy(const std::filesystem::path& path);
// The same from bytes in memory; `name` stands for the file in messages.
HostTensor parse_npy(std::string_view bytes, const std::string& name);
// bfloat16 is written as float32 (NumPy has no bfloat16); other types keep their dtype.
void write_npy(const std::filesystem::path& path, const HostTensor& tensor);

// The NumPy dtype string for an element type ("<f4"), or "" when NumPy has none.
std::string npy_dtype(ElementType type);

}  // namespace zrt::cli
