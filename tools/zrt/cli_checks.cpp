#include "cli_checks.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <string>

#include "zrt/environment.hpp"

namespace zrt::cli {
namespace {

// The value as typed, cut and quoted so that a long or binary argument stays readable.
std::string shown(const std::string& text) {
  std::string s;
  for (const char c : text.substr(0, 64)) s += std::isprint(static_cast<unsigned char>(c)) ? c : '?';
  return fmt::format("'{}'{}", s, text.size() > 64 ? "..." : "");
}

}  // namespace

CLI::Validator real_in(double min, double max) {
  return CLI::Validator(
      [min, max](std::string& text) -> std::string {
        double v = 0;
        const char* end = text.data() + text.size();
        const auto [ptr, ec] = std::from_chars(text.data(), end, v);
        if (ec != std::errc() || ptr != end || !std::isfinite(v) || v < min || v > max)
          return fmt::format("expected a number from {} to {}, got {}", min, max, shown(text));
        return {};
      },
      fmt::format("NUMBER in [{}, {}]", min, max));
}

CLI::Validator count_in(std::uint64_t min, std::uint64_t max) {
  return CLI::Validator(
      [min, max](std::string& text) -> std::string {
        std::uint64_t v = 0;
        const char* end = text.data() + text.size();
        const auto [ptr, ec] = std::from_chars(text.data(), end, v);
        if (text.empty() || text[0] == '+' || ec != std::errc() || ptr != end || v < min || v > max)
          return fmt::format("expected a whole number from {} to {}, got {}", min, max, shown(text));
        return {};
      },
      fmt::format("INT in [{}, {}]", min, max));
}

CLI::Validator thread_count(std::uint64_t min) {
  return CLI::Validator(
      [min](std::string& text) -> std::string {
        const auto limit = static_cast<std::uint64_t>(thread_limit());
        std::string error = count_in(min, limit)(text);
        if (!error.empty()) error += " (zrt's thread limit: 4 per hardware thread, at least 16)";
        return error;
      },
      "THREADS");
}

CLI::Validator regular_file() {
  return CLI::Validator(
      [](std::string& path) -> std::string {
        std::error_code ec;
        const auto status = std::filesystem::status(path, ec);
        if (ec || !std::filesystem::exists(status)) return fmt::format("file does not exist: {}", path);
        if (!std::filesystem::is_regular_file(status)) return fmt::format("not a regular file: {}", path);
        return {};
      },
      "FILE");
}

}  // namespace zrt::cli
