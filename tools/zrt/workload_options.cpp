#include "workload_options.hpp"
#include "cli_checks.hpp"

#include <fmt/format.h>

#include <fstream>

#include "builtin_model.hpp"
#include "model_inputs.hpp"
#include "zrt/error.hpp"
#include "zrt/providers.hpp"

namespace zrt::cli {

void add_workload_options(CLI::App& cmd, WorkloadOptions& options, const char* verb) {
  cmd.add_option("model", options.model, "ONNX model file (default: a built-in model, see --builtin)")
      ->check(regular_file());
  std::string builtin_help = fmt::format("Built-in model to {} when no MODEL is given:", verb);
  for (std::string_view n : builtin_model_names()) builtin_help += " " + std::string(n);
  cmd.add_option("--builtin", options.builtin, builtin_help)->capture_default_str();
  cmd.add_option("--seed", options.seed, "Seed for random inputs")
      ->check(count_in(0, UINT64_MAX))
      ->capture_default_str();
  cmd.add_option("--dim,-d", options.dims,
                 "NAME=VALUE: size of a symbolic dimension (or INPUT:INDEX=VALUE for an unnamed one)");
  cmd.add_option("--input,-i", options.inputs, "NAME=FILE.npy: an input's value (others are random)");
  cmd.add_option("--carry", options.carry,
                 "OUTPUT=INPUT: state carry, each run's OUTPUT is the next run's INPUT (the input's value is the "
                 "initial state)");
  cmd.add_flag("--no-carry", options.no_carry, "Run a built-in recurrent model without its state carry");
  cmd.add_option("--ep", options.eps,
                 "Execution provider NAME[:key=value,...] for every session, e.g. webgpu or cuda:device_id=1 "
                 "(repeatable)");
}

bench::WorkloadSpec workload_spec(const WorkloadOptions& options) {
  bench::WorkloadSpec spec;
  spec.model = options.model;
  spec.builtin = options.builtin;
  spec.dims = parse_dims(options.dims);
  spec.input_files = parse_input_files(options.inputs);
  spec.seed = options.seed;
  for (const std::string& c : options.carry) spec.carry.push_back(split_assignment(c, "--carry"));
  spec.no_carry = options.no_carry;
  for (const std::string& ep : options.eps) spec.providers.push_back(Provider::parse(ep));
  return spec;
}

void write_text_file(const std::string& path, const std::string& text, const char* what) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw Error(ErrorCode::Fail, fmt::format("{}: cannot write '{}'", what, path));
}

}  // namespace zrt::cli
