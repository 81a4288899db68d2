// zrt conformance ROOT [--suite NAME]... [--filter SUBSTR]... [--baseline FILE] [--jobs N]
// Runs the ONNX backend test data (ROOT/SUITE/TEST/{model.onnx,test_data_set_N/}) through
// zrt::Session and compares every output with the expected one.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cli_checks.hpp"
#include "commands.hpp"
#include "proto_values.hpp"
#include "zrt/environment.hpp"
#include "zrt/error.hpp"
#include "zrt/io_binding.hpp"
#include "zrt/memory.hpp"
#include "zrt/providers.hpp"
#include "zrt/session.hpp"

namespace zrt::cli {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kDefaultSuites = {"node", "pytorch-converted", "pytorch-operator", "simple"};

struct ConformanceOptions {
  std::string root;
  std::vector<std::string> suites;
  std::vector<std::string> filters;
  std::string baseline;
  std::string write_baseline;
  unsigned jobs = 0;
  bool verbose = false;
  bool strict_data = false;
  Tolerance tolerance;
  std::vector<std::string> eps;  // --ep specs: every test runs on these EPs (CPU fallback on)
};

enum class Status { Pass, Fail, Error, Skip };

const char* status_name(Status s) {
  switch (s) {
    case Status::Pass: return "PASS";
    case Status::Fail: return "FAIL";
    case Status::Error: return "ERROR";
    case Status::Skip: return "SKIP";
  }
  return "?";
}

struct TestCase {
  std::string suite;
  std::string name;
  fs::path dir;
  std::string id() const { return suite + "/" + name; }
};

struct TestResult {
  Status status = Status::Error;
  std::string reason;
  std::vector<std::string> notes;  // quirks applied to the data (shown with --verbose)
  double seconds = 0.0;
};

// The first line of a message, trimmed, at most 400 characters.
std::string first_line(std::string_view text) {
  std::string s(text.substr(0, text.find('\n')));
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ')) s.pop_back();
  if (s.size() > 400) s = s.substr(0, 400) + "...";
  return s;
}

// Numbered entries `prefix<N><suffix>` of a folder, sorted by N.
std::vector<fs::path> numbered(const fs::path& dir, std::string_view prefix, std::string_view suffix, bool want_dirs) {
  std::vector<std::pair<long, fs::path>> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() <= prefix.size() + suffix.size() || name.compare(0, prefix.size(), prefix) != 0 ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    const std::string digits = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
    if (entry.is_directory() != want_dirs) continue;
    found.emplace_back(std::stol(digits), entry.path());
  }
  std::sort(found.begin(), found.end());
  std::vector<fs::path> paths;
  for (auto& [n, p] : found) paths.push_back(std::move(p));
  return paths;
}

bool declares_bfloat16(const onnx::TypeProto& type) {
  return type.has_tensor_type() && type.tensor_type().elem_type() == onnx::TensorProto::BFLOAT16;
}

// onnx 1.12's test data stores bfloat16 tensors as uint16 (their bits) where the model
// declares bfloat16. Read those bits as bfloat16 unless --strict-data.
void apply_quirks(HostValue& value, const onnx::TypeProto& type, const std::string& file, const ConformanceOptions& opt,
                  TestResult& result) {
  if (opt.strict_data) return;
  if (value.kind == HostValue::Kind::Tensor && value.tensor.type == ElementType::UInt16 && declares_bfloat16(type)) {
    value.tensor.type = ElementType::BFloat16;
    result.notes.push_back(file + ": uint16 data read as bfloat16 bits (onnx 1.12 data quirk)");
  }
}

// "Session: loading 'PATH': Load model from PATH failed:WHY" -> "WHY"
std::string without_load_prefix(std::string msg) {
  constexpr std::string_view zrt_prefix = "Session: loading '";
  if (msg.compare(0, zrt_prefix.size(), zrt_prefix) == 0) {
    if (const auto p = msg.find("': "); p != std::string::npos) msg.erase(0, p + 3);
  }
  constexpr std::string_view ort_prefix = "Load model from ";
  if (msg.compare(0, ort_prefix.size(), ort_prefix) == 0) {
    if (const auto p = msg.find(" failed:"); p != std::string::npos) msg.erase(0, p + 8);
  }
  return msg;
}

// Runs with the given inputs and returns the outputs in model order. Session::run
// takes every input or a named subset; when an optional input is left out (it holds
// nothing), an IoBinding expresses the run for any number of given inputs.
std::vector<Value> run_session(const Session& session, const std::vector<Value>& values,
                               const std::vector<std::size_t>& indices, bool inputs_omitted) {
  std::vector<Value> result;
  if (inputs_omitted) {
    IoBinding binding(session);
    for (std::size_t i = 0; i < values.size(); ++i) binding.bind_input(indices[i], values[i]);
    for (const IoInfo& out : session.outputs()) binding.bind_output(out.name, MemoryInfo::cpu());
    session.run(binding);
    return binding.outputs();
  }
  std::vector<Input> inputs;
  inputs.reserve(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) inputs.emplace_back(session.input_names()[indices[i]], values[i]);
  Outputs outputs = session.run(std::span<const Input>(inputs));
  for (std::size_t j = 0; j < outputs.size(); ++j) result.push_back(outputs.take(j));
  return result;
}

class TestRunner {
 public:
  TestRunner(const ConformanceOptions& opt, const Environment& env) : opt_(opt), env_(env) {}

  TestResult run(const TestCase& tc) const {
    const auto start = std::chrono::steady_clock::now();
    TestResult r;
    try {
      r = run_unchecked(tc);
    } catch (const std::exception& e) {
      r.status = Status::Error;
      r.reason = first_line(e.what());
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
  }

 private:
  static TestResult make(Status s, std::string reason, TestResult r = {}) {
    r.status = s;
    r.reason = first_line(reason);
    return r;
  }

  TestResult run_unchecked(const TestCase& tc) const {
    TestResult r;
    const fs::path model_path = tc.dir / "model.onnx";
    onnx::ModelProto model;
    try {
      model = load_model_proto(model_path);
    } catch (const std::exception& e) {
      return make(Status::Error, fmt::format("model.onnx: {}", e.what()));
    }
    // Data files follow the graph inputs that are not initializers, in order.
    std::set<std::string> initializers;
    for (const auto& init : model.graph().initializer()) initializers.insert(init.name());
    std::vector<const onnx::ValueInfoProto*> graph_inputs;
    for (const auto& in : model.graph().input())
      if (!initializers.count(in.name())) graph_inputs.push_back(&in);
    std::map<std::string, const onnx::ValueInfoProto*> input_by_name;
    for (const auto* in : graph_inputs) input_by_name[in->name()] = in;

    std::optional<Session> session;
    try {
      session.emplace(env_, model_path, session_options());
    } catch (const std::exception& e) {
      return make(Status::Error, fmt::format("session: {}", without_load_prefix(e.what())));
    }

    const std::vector<fs::path> data_sets = numbered(tc.dir, "test_data_set_", "", true);
    if (data_sets.empty()) return make(Status::Error, "no test_data_set_N folders");

    for (const fs::path& ds : data_sets) {
      const std::string ds_name = ds.filename().string();
      // --- inputs ---
      std::vector<Value> values;
      std::vector<std::size_t> indices;
      std::vector<std::string> omitted;
      const auto input_files = numbered(ds, "input_", ".pb", false);
      for (std::size_t k = 0; k < input_files.size(); ++k) {
        const std::string file = fmt::format("{}/{}", ds_name, input_files[k].filename().string());
        if (k >= graph_inputs.size())
          return make(
              Status::Error,
              fmt::format("{}: the model has only {} inputs that are not initializers", file, graph_inputs.size()), r);
        const onnx::ValueInfoProto* info = graph_inputs[k];
        ProtoFile pf;
        try {
          pf = read_proto_file(input_files[k], info->type());
        } catch (const std::exception& e) {
          return make(Status::Error, fmt::format("{}: {}", file, e.what()), r);
        }
        // A named file goes to the input of that name (a file may skip an optional input).
        if (!pf.name.empty() && pf.name != info->name()) {
          if (auto it = input_by_name.find(pf.name); it != input_by_name.end()) {
            info = it->second;
            pf = read_proto_file(input_files[k], info->type());
          }
        }
        apply_quirks(pf.value, info->type(), file, opt_, r);
        if (pf.value.kind == HostValue::Kind::None) {
          // An optional input that holds nothing: leave it out of the run.
          omitted.push_back(info->name());
          continue;
        }
        const auto index = session->find_input(info->name());
        if (!index)
          return make(Status::Error,
                      fmt::format("{}: graph input '{}' is not an input of the session", file, info->name()), r);
        try {
          values.push_back(to_value(pf.value));
        } catch (const std::exception& e) {
          return make(Status::Error,
                      fmt::format("{}: making input '{}' ({}): {}", file, info->name(), pf.value.describe(), e.what()),
                      r);
        }
        indices.push_back(*index);
      }
      // --- run ---
      std::vector<Value> outputs;
      try {
        outputs = run_session(*session, values, indices, !omitted.empty());
      } catch (const std::exception& e) {
        // ORT's C API passes an empty optional by leaving the input out, so a failure
        // here is ORT's verdict like any other.
        if (!omitted.empty())
          return make(Status::Error,
                      fmt::format("run ({}, optional input '{}' left out as it holds nothing): {}", ds_name,
                                  fmt::join(omitted, "', '"), first_line(e.what())),
                      r);
        return make(Status::Error, fmt::format("run ({}): {}", ds_name, e.what()), r);
      }

      // --- outputs ---
      const auto output_files = numbered(ds, "output_", ".pb", false);
      if (output_files.size() != static_cast<std::size_t>(model.graph().output_size()))
        return make(Status::Error,
                    fmt::format("{}: {} output files for {} model outputs", ds_name, output_files.size(),
                                model.graph().output_size()),
                    r);
      for (std::size_t k = 0; k < output_files.size(); ++k) {
        const auto& info = model.graph().output(static_cast<int>(k));
        const std::string file = fmt::format("{}/{}", ds_name, output_files[k].filename().string());
        ProtoFile expected;
        try {
          expected = read_proto_file(output_files[k], info.type());
        } catch (const std::exception& e) {
          return make(Status::Error, fmt::format("{}: {}", file, e.what()), r);
        }
        apply_quirks(expected.value, info.type(), file, opt_, r);
        const auto index = session->find_output(info.name());
        if (!index)
          return make(Status::Error, fmt::format("graph output '{}' is not an output of the session", info.name()), r);
        HostValue actual;
        try {
          actual = from_value(outputs.at(*index));
        } catch (const std::exception& e) {
          return make(Status::Error,
                      fmt::format("{} output '{}': reading the result: {}", ds_name, info.name(), e.what()), r);
        }
        if (auto why = compare(expected.value, actual, opt_.tolerance))
          return make(Status::Fail, fmt::format("{} output {} '{}': {}", ds_name, k, info.name(), *why), r);
      }
    }
    return make(Status::Pass, "", r);
  }

  SessionOptions session_options() const {
    SessionOptions options = SessionOptions{}.intra_op_threads(1).inter_op_threads(1);
    for (const std::string& spec : opt_.eps) options.provider(Provider::parse(spec));
    return options;
  }

  const ConformanceOptions& opt_;
  const Environment& env_;
};

std::vector<TestCase> discover(const ConformanceOptions& opt, const std::vector<std::string>& suites) {
  std::vector<TestCase> tests;
  for (const std::string& suite : suites) {
    const fs::path dir = fs::path(opt.root) / suite;
    std::vector<TestCase> found;
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (!entry.is_directory() || !fs::exists(entry.path() / "model.onnx")) continue;
      TestCase tc{suite, entry.path().filename().string(), entry.path()};
      if (!opt.filters.empty() && std::none_of(opt.filters.begin(), opt.filters.end(), [&](const std::string& f) {
            return tc.id().find(f) != std::string::npos;
          }))
        continue;
      found.push_back(std::move(tc));
    }
    std::sort(found.begin(), found.end(), [](const TestCase& a, const TestCase& b) { return a.name < b.name; });
    tests.insert(tests.end(), found.begin(), found.end());
  }
  return tests;
}

// Baseline entries (`suite/test`, '#' starts a comment), in file order.
std::vector<std::string> read_baseline(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(ErrorCode::NoSuchFile, fmt::format("cannot open baseline '{}'", path));
  std::vector<std::string> entries;
  std::string line;
  while (std::getline(in, line)) {
    line = line.substr(0, line.find('#'));
    const auto b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos) continue;
    const auto e = line.find_last_not_of(" \t\r");
    const std::string entry = line.substr(b, e - b + 1);
    if (entry.find('/') == std::string::npos)
      throw Error(fmt::format("baseline '{}': '{}' is not of the form suite/test", path, entry));
    entries.push_back(entry);
  }
  return entries;
}

int run_conformance(const ConformanceOptions& opt) {
  std::vector<std::string> suites = opt.suites.empty() ? kDefaultSuites : opt.suites;
  for (const std::string& suite : suites)
    if (!fs::is_directory(fs::path(opt.root) / suite))
      throw Error(ErrorCode::NoSuchFile, fmt::format("no suite '{}' under '{}' (expected the folder {})", suite,
                                                     opt.root, (fs::path(opt.root) / suite).string()));
  const std::vector<std::string> baseline =
      opt.baseline.empty() ? std::vector<std::string>{} : read_baseline(opt.baseline);
  // A malformed or missing EP is one error now, not one per test.
  for (const std::string& spec : opt.eps) {
    const Provider ep = Provider::parse(spec);
    const std::vector<std::string> available = available_providers();
    if (std::find(available.begin(), available.end(), ep.ort_name()) == available.end())
      throw Error(ErrorCode::NotImplemented,
                  fmt::format("--ep {}: this ONNX Runtime has {}", spec, fmt::join(available, ", ")));
  }
  const std::vector<TestCase> tests = discover(opt, suites);
  if (tests.empty()) throw Error("no tests selected (check ROOT, --suite and --filter)");

  EnvironmentOptions env_options;
  env_options.log_level = opt.verbose ? LogLevel::Warning : LogLevel::Fatal;
  const Environment env(env_options);
  const TestRunner runner(opt, env);
  unsigned jobs = opt.jobs != 0 ? opt.jobs : std::max(1u, std::thread::hardware_concurrency());
  jobs = std::min<unsigned>(jobs, static_cast<unsigned>(tests.size()));

  const auto start = std::chrono::steady_clock::now();
  std::vector<std::optional<TestResult>> results(tests.size());
  std::mutex mutex;
  std::condition_variable ready;
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> workers;
  // One job runs on this thread (no worker threads at all); more use worker threads
  // while this one prints the results in order.
  auto work = [&] {
    for (std::size_t i = next++; i < tests.size(); i = next++) {
      TestResult r = runner.run(tests[i]);
      {
        const std::lock_guard lock(mutex);
        results[i] = std::move(r);
      }
      ready.notify_all();
    }
  };
  for (unsigned w = 0; jobs > 1 && w < jobs; ++w) {
    try {
      workers.emplace_back(work);
    } catch (const std::exception& e) {
      // Let the started workers finish the test they hold, join them (a joinable
      // std::thread destroyed ends the process), then report.
      next = tests.size();
      for (auto& started : workers) started.join();
      throw Error(ErrorCode::Fail,
                  fmt::format("conformance: cannot start worker thread {} of {}: {}", w + 1, jobs, e.what()));
    }
  }

  struct Tally {
    std::size_t pass = 0, fail = 0, error = 0, skip = 0;
  };
  std::map<std::string, Tally> tally;
  std::map<std::string, const TestResult*> by_id;
  for (std::size_t i = 0; i < tests.size(); ++i) {
    if (jobs == 1) {
      results[i] = runner.run(tests[i]);
    } else {
      std::unique_lock lock(mutex);
      ready.wait(lock, [&] { return results[i].has_value(); });
    }
    const TestResult& r = *results[i];
    by_id[tests[i].id()] = &r;
    Tally& t = tally[tests[i].suite];
    switch (r.status) {
      case Status::Pass: ++t.pass; break;
      case Status::Fail: ++t.fail; break;
      case Status::Error: ++t.error; break;
      case Status::Skip: ++t.skip; break;
    }
    std::string line = fmt::format("{} {}", status_name(r.status), tests[i].id());
    if (!r.reason.empty()) line += " " + r.reason;
    if (opt.verbose) {
      line += fmt::format(" ({:.3f} s)", r.seconds);
      for (const auto& note : r.notes) line += "\n    note: " + note;
    }
    fmt::print("{}\n", line);
    std::fflush(stdout);
  }
  for (auto& w : workers) w.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  Tally total;
  for (const std::string& suite : suites) {
    const Tally& t = tally[suite];
    fmt::print("suite={} pass={} fail={} error={} skip={} total={}\n", suite, t.pass, t.fail, t.error, t.skip,
               t.pass + t.fail + t.error + t.skip);
    total.pass += t.pass;
    total.fail += t.fail;
    total.error += t.error;
    total.skip += t.skip;
  }
  fmt::print("conformance: {} tests, pass={} fail={} error={} skip={}, {:.1f} s with {} job{}\n", tests.size(),
             total.pass, total.fail, total.error, total.skip, seconds, jobs, jobs == 1 ? "" : "s");

  if (!opt.write_baseline.empty()) {
    std::ofstream out(opt.write_baseline, std::ios::trunc);
    if (!out) throw Error(ErrorCode::NoSuchFile, fmt::format("cannot write '{}'", opt.write_baseline));
    out << "# Conformance tests that pass through zrt (suite/test); `zrt conformance --baseline` fails when one "
           "does not.\n";
    for (const auto& [id, r] : by_id)
      if (r->status == Status::Pass) out << id << '\n';
    fmt::print("wrote the {} passing tests to {}\n", total.pass, opt.write_baseline);
  }

  std::fflush(stdout);
  if (opt.baseline.empty()) return 0;
  const std::set<std::string> selected_suites(suites.begin(), suites.end());
  std::vector<std::string> broken;
  std::size_t checked = 0;
  std::set<std::string> listed;
  for (const std::string& id : baseline) {
    listed.insert(id);
    const std::string suite = id.substr(0, id.find('/'));
    if (!selected_suites.count(suite)) continue;
    if (!opt.filters.empty() && std::none_of(opt.filters.begin(), opt.filters.end(),
                                             [&](const std::string& f) { return id.find(f) != std::string::npos; }))
      continue;
    ++checked;
    auto it = by_id.find(id);
    if (it == by_id.end())
      broken.push_back(fmt::format("{}: missing (no such test under {})", id, opt.root));
    else if (it->second->status != Status::Pass)
      broken.push_back(fmt::format("{}: {} {}", id, status_name(it->second->status), it->second->reason));
  }
  std::size_t unlisted = 0;
  for (const auto& [id, r] : by_id)
    if (r->status == Status::Pass && !listed.count(id)) ++unlisted;
  if (unlisted > 0) fmt::print("baseline: {} passing tests are not listed in {}\n", unlisted, opt.baseline);
  if (broken.empty()) {
    fmt::print("baseline: all {} listed tests pass\n", checked);
    return 0;
  }
  fmt::print("baseline: {} of {} listed tests do not pass:\n", broken.size(), checked);
  for (const auto& b : broken) fmt::print("  {}\n", b);
  return 1;
}

}  // namespace

void add_conformance_command(CLI::App& app, Action& action) {
  auto opt = std::make_shared<ConformanceOptions>();
  CLI::App* cmd = app.add_subcommand("conformance", "Run the ONNX backend test data through zrt and compare outputs");
  cmd->add_option("root", opt->root, "Test data folder holding the suites (e.g. /usr/share/libonnx-testdata/data)")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--suite,-s", opt->suites,
                  "Suite to run (repeatable; default: node pytorch-converted pytorch-operator simple)");
  cmd->add_option("--filter,-f", opt->filters, "Run only tests whose suite/test name contains SUBSTR (repeatable)");
  cmd->add_option("--baseline,-b", opt->baseline, "Fail when a test listed in FILE (lines suite/test) does not pass")
      ->check(regular_file());
  cmd->add_option("--write-baseline", opt->write_baseline, "Write the passing tests to FILE");
  cmd->add_option("--jobs,-j", opt->jobs, "Tests run at once (default: one per CPU)")->check(thread_count());
  cmd->add_option("--rtol", opt->tolerance.rtol, "Relative tolerance for floating outputs")
      ->check(real_in(0.0, 1e6))
      ->capture_default_str();
  cmd->add_option("--atol", opt->tolerance.atol, "Absolute tolerance for floating outputs")
      ->check(real_in(0.0, 1e6))
      ->capture_default_str();
  cmd->add_option("--ep", opt->eps,
                  "Run every test on this execution provider NAME[:key=value,...] (repeatable; nodes it lacks run "
                  "on the CPU)");
  cmd->add_flag("--strict-data", opt->strict_data, "Take the test data as stored (no bfloat16-as-uint16 fix-up)");
  cmd->add_flag("--verbose,-v", opt->verbose, "ORT warnings, per-test times and data notes");
  cmd->callback([opt, &action] { action = [opt] { return run_conformance(*opt); }; });
}

}  // namespace zrt::cli
