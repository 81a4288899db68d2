// JSON output of the CLI (info --json, bench --json, tune --json).
#pragma once

#include <fmt/format.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace zrt::cli {

// j.dump(2). JSON text must be UTF-8, but model names and metadata may hold any bytes:
// then the invalid bytes become U+FFFD and a warning on stderr says so (`what`: "--json").
template <typename Json>
std::string json_text(const Json& j, std::string_view what) {
  try {
    return j.dump(2);
  } catch (const typename Json::type_error&) {  // 316: invalid UTF-8
    fmt::print(stderr,
               "zrt: warning: {}: text that is not UTF-8 (model names or metadata) is written with U+FFFD "
               "in place of the invalid bytes\n",
               what);
    return j.dump(2, ' ', false, Json::error_handler_t::replace);
  }
}

}  // namespace zrt::cli
