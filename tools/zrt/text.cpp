#include "text.hpp"

#include <fmt/format.h>

namespace zrt::cli {

std::string printable(std::string_view s, std::size_t max) {
  std::string out;
  for (const char c : s.substr(0, max)) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f)
      out += c;
    else
      out += fmt::format("\\x{:02x}", u);
  }
  if (s.size() > max) out += fmt::format("...({} bytes)", s.size());
  return out;
}

}  // namespace zrt::cli
