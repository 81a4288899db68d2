// The zrt command line as a CLI11 app, shared by main() and the CLI fuzz target
// (tests/fuzz), so that the fuzzer parses exactly what the tool parses.
#pragma once

#include <memory>

#include "commands.hpp"

namespace CLI {
class App;
}

namespace zrt::cli {

// Every sub-command added; parsing the chosen one stores its action in `action`
// (which must outlive the app). Nothing runs until the caller calls the action.
std::unique_ptr<CLI::App> make_app(Action& action);

}  // namespace zrt::cli
