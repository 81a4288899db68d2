// The zrt sub-commands. Each adds itself to the CLI11 app; when it is chosen on the
// command line, its callback stores the action main() runs.
#pragma once

#include <functional>

namespace CLI {
class App;
}

namespace zrt::cli {

// Returns the process exit code; throws zrt::Error (or std::exception) on failure.
using Action = std::function<int()>;

void add_info_command(CLI::App& app, Action& action);
void add_run_command(CLI::App& app, Action& action);
void add_conformance_command(CLI::App& app, Action& action);
void add_bench_command(CLI::App& app, Action& action);
void add_tune_command(CLI::App& app, Action& action);
void add_compile_command(CLI::App& app, Action& action);

}  // namespace zrt::cli
