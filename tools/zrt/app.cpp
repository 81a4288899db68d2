#include "app.hpp"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "zrt/environment.hpp"

namespace zrt::cli {

std::unique_ptr<CLI::App> make_app(Action& action) {
  auto app = std::make_unique<CLI::App>("zrt: inspect, run and check ONNX models (ONNX Runtime underneath)", "zrt");
  app->require_subcommand(1);
  app->set_version_flag("--version", [] { return fmt::format("zrt 0.1.0 (ONNX Runtime {})", zrt::ort_version()); });
  add_info_command(*app, action);
  add_run_command(*app, action);
  add_conformance_command(*app, action);
  add_bench_command(*app, action);
  add_tune_command(*app, action);
  add_compile_command(*app, action);
  return app;
}

}  // namespace zrt::cli
