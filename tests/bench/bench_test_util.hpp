// Helpers shared by the bench tests: running the zrt tool, reading what it wrote, and
// the message of an expected error.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace zrt::test {

struct CliResult {
  int rc = -1;
  std::string output;  // stdout and stderr
};

// Runs `zrt ARGS` (the binary the test target names in ZRT_CLI_PATH).
inline CliResult run_zrt(const std::string& args) {
  const std::string command = std::string(ZRT_CLI_PATH) + " " + args + " 2>&1";
  CliResult r;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) r.output.append(buffer.data(), n);
  const int status = pclose(pipe);
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline nlohmann::json read_json(const std::filesystem::path& p) { return nlohmann::json::parse(read_text(p)); }

// The message of what f() throws, or "(no error)".
inline std::string error_of(auto&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace zrt::test
