// The command-line options that choose a model and its inputs, shared by `zrt bench`
// and `zrt tune`, and the file writing both do.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "bench_workload.hpp"

namespace zrt::cli {

struct WorkloadOptions {
  std::string model;  // empty: the built-in model
  std::string builtin = "mlp";
  std::uint64_t seed = 0;
  std::vector<std::string> dims;    // NAME=VALUE
  std::vector<std::string> inputs;  // NAME=FILE.npy
  std::vector<std::string> carry;   // OUTPUT=INPUT
  bool no_carry = false;
  std::vector<std::string> eps;  // --ep NAME[:key=value,...], in order
};

// Adds MODEL, --builtin, --seed, --dim, --input, --carry, --no-carry and --ep to `cmd`;
// `verb` completes "Built-in model to ... when no MODEL is given".
void add_workload_options(CLI::App& cmd, WorkloadOptions& options, const char* verb);

// The bench engine's workload for these options (parses --dim, --input, --carry and --ep).
bench::WorkloadSpec workload_spec(const WorkloadOptions& options);

// Writes `text` to `path`; throws zrt::Error naming the option (`what`) and the path.
void write_text_file(const std::string& path, const std::string& text, const char* what);

}  // namespace zrt::cli
