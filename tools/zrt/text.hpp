// Text from files and models shown in messages: bounded and printable.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace zrt::cli {

// `s` for an error message: bytes outside printable ASCII as \xNN (a NUL would end the
// message early on a terminal), cut after `max` bytes with "...(N bytes)".
std::string printable(std::string_view s, std::size_t max);

}  // namespace zrt::cli
