// zrt run MODEL [--input NAME=file.npy]... [--dim NAME=VALUE]... [--output-dir DIR]
//               [--seed N] [--threads N] [--options FILE]
// Runs a model once on inputs read from .npy files or made up at random, prints a
// summary of every output and optionally writes each output as NAME.npy.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "cli_checks.hpp"
#include "commands.hpp"
#include "host_value.hpp"
#include "model_inputs.hpp"
#include "npy.hpp"
#include "text.hpp"
#include "zrt/environment.hpp"
#include "zrt/error.hpp"
#include "zrt/options_file.hpp"
#include "zrt/session.hpp"

namespace zrt::cli {
namespace {

struct RunCommandOptions {
  std::string model;
  std::vector<std::string> inputs;
  std::vector<std::string> dims;
  std::string output_dir;
  std::uint64_t seed = 0;
  std::optional<int> threads;    // unset: the options file's, else ORT's default
  std::string options_file;      // SessionOptions saved by `zrt tune --write`
  std::vector<std::string> eps;  // --ep specs, in order
  bool verbose = false;          // ORT's log lines, a failed run's included
};

std::string file_stem_for(const std::string& name) {
  std::string s;
  for (char c : name) s += (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.') ? c : '_';
  if (s.empty() || s == "." || s == "..") s = "output";
  return s;
}

void print_value(const std::string& label, const HostValue& v, const std::filesystem::path* dir,
                 const std::string& stem) {
  switch (v.kind) {
    case HostValue::Kind::Tensor:
      fmt::print("{}: {}\n    {}\n", label, v.tensor.describe(), summarize(v.tensor));
      if (dir) {
        const auto path = *dir / (stem + ".npy");
        write_npy(path, v.tensor);
        fmt::print("    written to {}\n", path.string());
      }
      return;
    case HostValue::Kind::Sequence:
      fmt::print("{}: sequence of {}\n", label, v.elements.size());
      for (std::size_t i = 0; i < v.elements.size(); ++i)
        print_value(fmt::format("  [{}]", i), v.elements[i], dir, fmt::format("{}.{}", stem, i));
      return;
    case HostValue::Kind::Map:
      fmt::print("{}: {}\n    keys:   {}\n    values: {}\n", label, v.describe(), summarize(v.keys),
                 summarize(v.values));
      if (dir) {
        write_npy(*dir / (stem + ".keys.npy"), v.keys);
        write_npy(*dir / (stem + ".values.npy"), v.values);
        fmt::print("    written to {} and {}\n", (*dir / (stem + ".keys.npy")).string(),
                   (*dir / (stem + ".values.npy")).string());
      }
      return;
    case HostValue::Kind::None: fmt::print("{}: none (empty optional)\n", label); return;
  }
}

// The files `--output-dir` writes for one output (a sequence's elements, a map's keys
// and values), so that clashes are found before anything is written.
void list_files(const HostValue& v, const std::string& stem, std::vector<std::string>& files) {
  switch (v.kind) {
    case HostValue::Kind::Tensor: files.push_back(stem + ".npy"); return;
    case HostValue::Kind::Sequence:
      for (std::size_t i = 0; i < v.elements.size(); ++i)
        list_files(v.elements[i], fmt::format("{}.{}", stem, i), files);
      return;
    case HostValue::Kind::Map:
      files.push_back(stem + ".keys.npy");
      files.push_back(stem + ".values.npy");
      return;
    case HostValue::Kind::None: return;
  }
}

// Outputs named "a/b" and "a_b" both become a_b.npy: refuse rather than overwrite one.
void check_unique_files(const Session& session, const std::vector<HostValue>& values) {
  std::map<std::string, std::string> owner;  // file -> output name
  for (std::size_t i = 0; i < values.size(); ++i) {
    const std::string& name = session.output(i).name;
    std::vector<std::string> files;
    list_files(values[i], file_stem_for(name), files);
    for (const std::string& f : files) {
      const auto [it, added] = owner.emplace(f, name);
      if (!added)
        throw Error(
            fmt::format("--output-dir: outputs '{}' and '{}' would both be written to '{}'; nothing was written",
                        printable(it->second, 200), printable(name, 200), f));
    }
  }
}

int run_model(const RunCommandOptions& opt) {
  const DimValues dims = parse_dims(opt.dims);
  SessionOptions so = opt.options_file.empty() ? SessionOptions{} : load_session_options(opt.options_file);
  if (opt.threads) so.intra_op_threads(*opt.threads);
  for (const std::string& spec : opt.eps) so.provider(Provider::parse(spec));
  apply_free_dims(so, dims);
  const InputFiles files = parse_input_files(opt.inputs);

  EnvironmentOptions env_options;
  env_options.log_level = opt.verbose ? LogLevel::Info : LogLevel::Error;
  // The default logger leaves out ORT's line about a failed run (the error is reported
  // once, below); --verbose prints every line.
  if (opt.verbose) env_options.log_callback = print_log_line;
  const Environment env(env_options);
  const auto t0 = std::chrono::steady_clock::now();
  const Session session(env, opt.model, so);
  const auto t1 = std::chrono::steady_clock::now();

  std::vector<ModelInput> model_inputs = make_model_inputs(session, dims, files, opt.seed);
  std::vector<Value> values;
  fmt::print("inputs:\n");
  for (std::size_t i = 0; i < model_inputs.size(); ++i) {
    const HostTensor& t = model_inputs[i].tensor;
    fmt::print("  {}: {} from {}\n    {}\n", session.input(i).name, t.describe(), model_inputs[i].origin, summarize(t));
    values.push_back(to_value(t));
  }
  std::vector<Input> inputs;
  for (std::size_t i = 0; i < values.size(); ++i) inputs.emplace_back(session.input_names()[i], values[i]);

  const auto t2 = std::chrono::steady_clock::now();
  Outputs outputs = session.run(std::span<const Input>(inputs));
  const auto t3 = std::chrono::steady_clock::now();

  std::vector<HostValue> values_out;
  for (std::size_t i = 0; i < outputs.size(); ++i) values_out.push_back(from_value(outputs[i]));
  std::optional<std::filesystem::path> dir;
  if (!opt.output_dir.empty()) {
    check_unique_files(session, values_out);
    dir = opt.output_dir;
    std::error_code ec;
    std::filesystem::create_directories(*dir, ec);
    if (ec) throw Error(ErrorCode::Fail, fmt::format("cannot create '{}': {}", opt.output_dir, ec.message()));
  }
  fmt::print("outputs:\n");
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const std::string& name = session.output(i).name;
    print_value("  " + name, values_out[i], dir ? &*dir : nullptr, file_stem_for(name));
  }
  using ms = std::chrono::duration<double, std::milli>;
  fmt::print("session created in {:.2f} ms, run took {:.3f} ms\n", ms(t1 - t0).count(), ms(t3 - t2).count());
  return 0;
}

}  // namespace

void add_run_command(CLI::App& app, Action& action) {
  auto opt = std::make_shared<RunCommandOptions>();
  CLI::App* cmd = app.add_subcommand("run", "Run a model once on .npy or random inputs and summarize its outputs");
  cmd->add_option("model", opt->model, "ONNX model file")->required()->check(regular_file());
  cmd->add_option("--input,-i", opt->inputs, "NAME=FILE.npy: an input's value (others are random)");
  cmd->add_option("--dim,-d", opt->dims,
                  "NAME=VALUE: size of a symbolic dimension (or INPUT:INDEX=VALUE for an unnamed one)");
  cmd->add_option("--output-dir,-o", opt->output_dir, "Write each output to DIR/NAME.npy");
  cmd->add_option("--seed", opt->seed, "Seed for random inputs")->check(count_in(0, UINT64_MAX))->capture_default_str();
  cmd->add_option("--threads", opt->threads,
                  "Intra-op threads (0: ORT's default; default: the --options file's, else 0)")
      ->check(thread_count());
  cmd->add_option("--options", opt->options_file, "Session options from a JSON file (zrt tune --write)");
  cmd->add_option("--ep", opt->eps,
                  "Execution provider NAME[:key=value,...], e.g. webgpu or cuda:device_id=1 (repeatable)");
  cmd->add_flag("--verbose,-v", opt->verbose, "Print ONNX Runtime's log lines (info and above) to stderr");
  cmd->callback([opt, &action] { action = [opt] { return run_model(*opt); }; });
}

}  // namespace zrt::cli
