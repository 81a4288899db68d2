// Fuzz target: the `zrt run` and `zrt bench` command lines, parsed in-process by the
// tool's own app (tools/zrt/app.hpp), then put through the steps that need no model
// run: --dim, --input and --carry parsing, free dims, the bench workload and paths.
// The parsed action is never called, so nothing is run or benchmarked.
//
// Input: arguments separated by '\n'. When the first is neither "run" nor "bench",
// the command is "run" and every line is an argument.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "app.hpp"
#include "bench_paths.hpp"
#include "bench_workload.hpp"
#include "model_inputs.hpp"
#include "workload_options.hpp"
#include "zrt/error.hpp"
#include "zrt/session_options.hpp"

namespace {

// An option the commands are known to have; its absence means this target is stale.
CLI::Option* option(CLI::App& cmd, const std::string& name) {
  CLI::Option* o = cmd.get_option_no_throw(name);
  if (o == nullptr) {
    std::fprintf(stderr, "fuzz_cli: '%s' has no option '%s': update tests/fuzz/fuzz_cli.cpp\n", cmd.get_name().c_str(),
                 name.c_str());
    std::abort();
  }
  return o;
}

std::vector<std::string> strings(CLI::App& cmd, const std::string& name) {
  return option(cmd, name)->as<std::vector<std::string>>();
}

void check_run(CLI::App& cmd) {
  const zrt::cli::DimValues dims = zrt::cli::parse_dims(strings(cmd, "--dim"));
  (void)zrt::cli::parse_input_files(strings(cmd, "--input"));
  zrt::SessionOptions options;
  zrt::cli::apply_free_dims(options, dims);
}

void check_bench(CLI::App& cmd) {
  zrt::cli::WorkloadOptions w;
  w.model = option(cmd, "model")->as<std::string>();
  w.builtin = option(cmd, "--builtin")->as<std::string>();
  w.seed = option(cmd, "--seed")->as<std::uint64_t>();
  w.dims = strings(cmd, "--dim");
  w.inputs = strings(cmd, "--input");
  w.carry = strings(cmd, "--carry");
  w.no_carry = option(cmd, "--no-carry")->count() > 0;
  const zrt::cli::bench::WorkloadSpec spec = zrt::cli::workload_spec(w);
  // A model file would be read; a built-in model is made in memory.
  if (spec.model.empty()) (void)zrt::cli::bench::model_source(spec);
  for (const std::string& p : strings(cmd, "--paths")) (void)zrt::cli::bench::find_path(p);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> args;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (std::size_t pos = 0; pos <= text.size();) {
    const std::size_t end = std::min(text.find('\n', pos), text.size());
    args.emplace_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  if (args.empty() || (args[0] != "run" && args[0] != "bench")) args.insert(args.begin(), "run");
  // CLI11 parses a vector given in reverse order (it pops arguments off the back).
  const std::string command = args[0];
  std::vector<std::string> reversed(args.rbegin(), args.rend());

  zrt::cli::Action action;
  const std::unique_ptr<CLI::App> app = zrt::cli::make_app(action);
  try {
    app->parse(reversed);
    CLI::App& cmd = *app->get_subcommand(command);
    if (command == "run")
      check_run(cmd);
    else
      check_bench(cmd);
  } catch (const CLI::Error&) {
    // Parse errors, --help and --version: reported by main() as usage errors.
  } catch (const zrt::Error&) {
    // Bad --dim, --input or --carry values: reported by main() as errors.
  }
  return 0;
}
