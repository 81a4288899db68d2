// zrt compile MODEL -o OUT [--ep NAME[:key=value,...]]... [--embed] [--allow-uncompiled]
//                   [--no-overwrite] [--options FILE] [--external-initializers FILE[:BYTES]]
// Compiles a model with ORT's Compile API: the execution providers that compile turn
// the parts they take into EPContext nodes, written to OUT (zrt::compile).
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cli_checks.hpp"
#include "commands.hpp"
#include "zrt/compile.hpp"
#include "zrt/environment.hpp"
#include "zrt/error.hpp"
#include "zrt/options_file.hpp"

namespace zrt::cli {
namespace {

struct CompileCommandOptions {
  std::string model;
  std::string output;
  std::vector<std::string> eps;  // --ep specs, in order
  std::string options_file;      // SessionOptions saved by `zrt tune --write`
  bool embed = false;
  bool allow_uncompiled = false;
  bool no_overwrite = false;
  std::string external;  // FILE[:BYTES]
  bool verbose = false;
};

int compile_model(const CompileCommandOptions& opt) {
  SessionOptions so = opt.options_file.empty() ? SessionOptions{} : load_session_options(opt.options_file);
  for (const std::string& spec : opt.eps) so.provider(Provider::parse(spec));
  EnvironmentOptions env_options;
  env_options.log_level = opt.verbose ? LogLevel::Info : LogLevel::Error;
  if (opt.verbose) env_options.log_callback = print_log_line;
  CompileOptions how = CompileOptions{}
                           .environment(Environment(env_options))
                           .embed_context(opt.embed)
                           .require_compiled_nodes(!opt.allow_uncompiled)
                           .overwrite(!opt.no_overwrite);
  if (!opt.external.empty()) {
    const std::size_t colon = opt.external.rfind(':');
    std::size_t threshold = 1024;
    std::string file = opt.external;
    if (colon != std::string::npos) {
      const std::string bytes = opt.external.substr(colon + 1);
      std::size_t used = 0;
      try {
        threshold = std::stoull(bytes, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (bytes.empty() || used != bytes.size()) {
        throw Error(fmt::format("--external-initializers: expected FILE[:BYTES], got '{}'", opt.external));
      }
      file = opt.external.substr(0, colon);
    }
    how.external_initializers(file, threshold);
  }
  const auto t0 = std::chrono::steady_clock::now();
  try {
    compile(opt.model, so, opt.output, how);
  } catch (const Error& e) {
    const std::string message = e.what();
    if (message.find("no node was compiled") == std::string::npos) throw;
    throw Error(e.code(), message + "\n(zrt compile: --allow-uncompiled writes it uncompiled)");
  }
  const auto t1 = std::chrono::steady_clock::now();
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(opt.output, ec);
  fmt::print("compiled {} -> {} ({} bytes) in {:.1f} ms{}\n", opt.model, opt.output, ec ? 0 : bytes,
             std::chrono::duration<double, std::milli>(t1 - t0).count(),
             opt.allow_uncompiled ? " (uncompiled parts allowed)" : "");
  return 0;
}

}  // namespace

void add_compile_command(CLI::App& app, Action& action) {
  auto opt = std::make_shared<CompileCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "compile", "Compile a model for its execution providers (ORT's Compile API: EPContext nodes) into a new model");
  cmd->add_option("model", opt->model, "ONNX model file")->required()->check(regular_file());
  cmd->add_option("--output,-o", opt->output, "The compiled model file")->required();
  cmd->add_option("--ep", opt->eps,
                  "Execution provider NAME[:key=value,...] that compiles, e.g. tensorrt or qnn (repeatable)");
  cmd->add_option("--options", opt->options_file, "Session options from a JSON file (zrt tune --write)");
  cmd->add_flag("--embed", opt->embed, "Embed each EPContext binary in the model instead of a file next to it");
  cmd->add_flag("--allow-uncompiled", opt->allow_uncompiled,
                "Write the model even when no node was compiled (ORT then writes it uncompiled)");
  cmd->add_flag("--no-overwrite", opt->no_overwrite, "Fail if the output file exists");
  cmd->add_option("--external-initializers", opt->external,
                  "FILE[:BYTES]: initializers above BYTES (default 1024) of uncompiled nodes go to FILE, relative "
                  "to the output's folder");
  cmd->add_flag("--verbose,-v", opt->verbose, "Print ONNX Runtime's log lines (info and above) to stderr");
  cmd->callback([opt, &action] { action = [opt] { return compile_model(*opt); }; });
}

}  // namespace zrt::cli
