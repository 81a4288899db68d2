// zrt: inspect, run and check ONNX models through the zrt library.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <memory>
#include <new>
#include <string>

#include "app.hpp"
#include "zrt/error.hpp"

namespace {

void print_error(const std::string& message) { fmt::print(stderr, "zrt: error: {}\n", message); }

}  // namespace

int main(int argc, char** argv) {
  try {
    zrt::cli::Action action;
    const std::unique_ptr<CLI::App> app = zrt::cli::make_app(action);

    try {
      app->parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
      return app->exit(e);
    } catch (const CLI::CallForAllHelp& e) {
      return app->exit(e);
    } catch (const CLI::CallForVersion& e) {
      return app->exit(e);
    } catch (const CLI::ParseError& e) {
      print_error(e.what());
      fmt::print(stderr, "Run 'zrt --help' or 'zrt COMMAND --help' for usage.\n");
      return 2;
    }
    const int rc = action ? action() : 0;
    std::fflush(stdout);  // before a sanitizer's exit-time report can end the process
    return rc;
  } catch (const std::bad_alloc&) {
    print_error("out of memory");
    return 1;
  } catch (const zrt::Error& e) {
    print_error(e.what());
    return 1;
  } catch (const std::exception& e) {
    print_error(e.what());
    return 1;
  } catch (...) {
    print_error("unknown failure");
    return 1;
  }
}
