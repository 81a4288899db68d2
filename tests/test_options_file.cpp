// Options files (options_file.hpp): every option round-trips through JSON and a file,
// and every malformed document is rejected with a message naming the key, what was
// expected and what was found.
#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "models/models.hpp"
#include "test_util.hpp"
#include "zrt/zrt.hpp"

namespace {

using zrt::ErrorCode;
using zrt::ExecutionMode;
using zrt::LogLevel;
using zrt::OptimizationLevel;
using zrt::SessionOptions;
using zrt::test::throws_error;

// A scratch folder per test, removed at the end.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("zrt_options_file_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// Every serializable option set away from its default.
SessionOptions everything_set() {
  return SessionOptions{}
      .optimization_level(OptimizationLevel::Extended)
      .intra_op_threads(3)
      .inter_op_threads(2)
      .execution_mode(ExecutionMode::Parallel)
      .log_id("tuned \"model\"\n")
      .log_level(LogLevel::Fatal)
      .log_verbosity(-2)
      .cpu_arena(false)
      .memory_pattern(false)
      .per_session_threads(true)
      .intra_op_spinning(false)
      .inter_op_spinning(true)
      .optimized_model_path("/tmp/opt.onnx")
      .profiling_prefix("prof_")
      .free_dim("batch", 4)
      .free_dim("seq", 0)
      .free_dim_by_denotation("DATA_BATCH", 8)
      .config("session.disable_prepacking", "1")
      .config("session.use_env_allocators", "0")
      .provider(zrt::WebGpu{}.preferred_layout("NCHW"))
      .provider(zrt::Cuda{}.device_id(1))
      .cpu_fallback(false)
      .record_placement(true)
      .deterministic_compute(true)
      .use_env_allocators(false);
}

void expect_same(const SessionOptions& a, const SessionOptions& b) {
  EXPECT_EQ(a.optimization_level(), b.optimization_level());
  EXPECT_EQ(a.intra_op_threads(), b.intra_op_threads());
  EXPECT_EQ(a.inter_op_threads(), b.inter_op_threads());
  EXPECT_EQ(a.execution_mode(), b.execution_mode());
  EXPECT_EQ(a.log_id(), b.log_id());
  EXPECT_EQ(a.log_level(), b.log_level());
  EXPECT_EQ(a.log_verbosity(), b.log_verbosity());
  EXPECT_EQ(a.cpu_arena(), b.cpu_arena());
  EXPECT_EQ(a.memory_pattern(), b.memory_pattern());
  EXPECT_EQ(a.per_session_threads(), b.per_session_threads());
  EXPECT_EQ(a.intra_op_spinning(), b.intra_op_spinning());
  EXPECT_EQ(a.inter_op_spinning(), b.inter_op_spinning());
  EXPECT_EQ(a.optimized_model_path(), b.optimized_model_path());
  EXPECT_EQ(a.profiling_prefix(), b.profiling_prefix());
  EXPECT_EQ(a.free_dims_by_name(), b.free_dims_by_name());
  EXPECT_EQ(a.free_dims_by_denotation(), b.free_dims_by_denotation());
  EXPECT_EQ(a.config_entries(), b.config_entries());
  EXPECT_EQ(a.providers(), b.providers());
  EXPECT_EQ(a.cpu_fallback(), b.cpu_fallback());
  EXPECT_EQ(a.record_placement(), b.record_placement());
  EXPECT_EQ(a.deterministic_compute(), b.deterministic_compute());
  EXPECT_EQ(a.use_env_allocators(), b.use_env_allocators());
}

TEST(OptionsFile, EveryOptionRoundTripsThroughJson) {
  const SessionOptions original = everything_set();
  const SessionOptions loaded = zrt::session_options_from_json(zrt::session_options_to_json(original));
  expect_same(original, loaded);
  EXPECT_EQ(loaded.log_level(), LogLevel::Fatal);
  EXPECT_EQ(loaded.free_dims_by_name().size(), 2u);
}

TEST(OptionsFile, DefaultsRoundTripAsUnset) {
  const SessionOptions loaded = zrt::session_options_from_json(zrt::session_options_to_json(SessionOptions{}));
  expect_same(SessionOptions{}, loaded);
  EXPECT_FALSE(loaded.cpu_arena().has_value());
  EXPECT_FALSE(loaded.log_level().has_value());
  EXPECT_FALSE(loaded.profiling_prefix().has_value());
}

TEST(OptionsFile, EveryEnumValueRoundTrips) {
  for (auto level : {OptimizationLevel::Disabled, OptimizationLevel::Basic, OptimizationLevel::Extended,
                     OptimizationLevel::Layout, OptimizationLevel::All}) {
    const auto o =
        zrt::session_options_from_json(zrt::session_options_to_json(SessionOptions{}.optimization_level(level)));
    EXPECT_EQ(o.optimization_level(), level);
  }
  for (auto level : {LogLevel::Verbose, LogLevel::Info, LogLevel::Warning, LogLevel::Error, LogLevel::Fatal}) {
    const auto o = zrt::session_options_from_json(zrt::session_options_to_json(SessionOptions{}.log_level(level)));
    EXPECT_EQ(o.log_level(), level);
  }
  for (auto mode : {ExecutionMode::Sequential, ExecutionMode::Parallel}) {
    const auto o = zrt::session_options_from_json(zrt::session_options_to_json(SessionOptions{}.execution_mode(mode)));
    EXPECT_EQ(o.execution_mode(), mode);
  }
  for (bool b : {true, false}) {
    const auto o = zrt::session_options_from_json(zrt::session_options_to_json(
        SessionOptions{}.cpu_arena(b).memory_pattern(b).per_session_threads(b).intra_op_spinning(b).inter_op_spinning(
            b)));
    EXPECT_EQ(o.cpu_arena(), b);
    EXPECT_EQ(o.memory_pattern(), b);
    EXPECT_EQ(o.per_session_threads(), b);
    EXPECT_EQ(o.intra_op_spinning(), b);
    EXPECT_EQ(o.inter_op_spinning(), b);
    const auto t = zrt::session_options_from_json(
        zrt::session_options_to_json(SessionOptions{}.deterministic_compute(b).use_env_allocators(b)));
    EXPECT_EQ(t.deterministic_compute(), b);
    EXPECT_EQ(t.use_env_allocators(), b);
  }
}

TEST(OptionsFile, EveryOptionRoundTripsThroughAFile) {
  TempDir dir;
  const auto path = dir.path() / "options.json";
  zrt::save_session_options(everything_set(), path);
  expect_same(everything_set(), zrt::load_session_options(path));
  // Saving again replaces the file.
  zrt::save_session_options(SessionOptions{}.intra_op_threads(1), path);
  EXPECT_EQ(zrt::load_session_options(path).intra_op_threads(), 1);
  EXPECT_FALSE(zrt::load_session_options(path).cpu_arena().has_value());
}

TEST(OptionsFile, FileIsReadableJsonWithEveryKey) {
  const std::string json = zrt::session_options_to_json(SessionOptions{}.intra_op_threads(1).cpu_arena(false));
  for (const char* key : {"\"zrt_session_options\": 1", "\"optimization_level\": \"all\"", "\"intra_op_threads\": 1",
                          "\"execution_mode\": \"sequential\"", "\"cpu_arena\": false", "\"memory_pattern\": null",
                          "\"free_dims_by_name\": {}", "\"config\": {}", "\"providers\": []", "\"cpu_fallback\": null",
                          "\"deterministic_compute\": null", "\"use_env_allocators\": null"})
    EXPECT_NE(json.find(key), std::string::npos) << key << " not in\n" << json;
}

TEST(OptionsFile, MissingKeysKeepDefaults) {
  const SessionOptions o = zrt::session_options_from_json(R"({"intra_op_threads": 2})");
  EXPECT_EQ(o.intra_op_threads(), 2);
  EXPECT_EQ(o.optimization_level(), OptimizationLevel::All);
  EXPECT_FALSE(o.memory_pattern().has_value());
  expect_same(SessionOptions{}, zrt::session_options_from_json("{}"));
}

TEST(OptionsFile, LoadedOptionsMakeAWorkingSession) {
  TempDir dir;
  const auto path = dir.path() / "options.json";
  zrt::save_session_options(
      SessionOptions{}.intra_op_threads(1).intra_op_spinning(false).cpu_arena(false).memory_pattern(false), path);
  const zrt::test::Bytes model = zrt::test::add_constant();
  const zrt::Session session = zrt::Session::from_bytes(model, zrt::load_session_options(path));
  std::vector<float> x(16, 1.0f);
  const zrt::Outputs out = session.run({zrt::TensorView<const float>(x, {1, 16})});
  const auto y = out[0].data<float>();
  ASSERT_EQ(y.size(), 16u);
  for (std::size_t i = 0; i < y.size(); ++i) EXPECT_EQ(y[i], 1.0f + zrt::test::add_constant_c(i));
}

// ---- errors ------------------------------------------------------------------------

TEST(OptionsFile, MissingFile) {
  TempDir dir;
  const auto path = dir.path() / "no_such_options.json";
  EXPECT_TRUE(throws_error([&] { (void)zrt::load_session_options(path); }, ErrorCode::NoSuchFile,
                           {"options file '", "no_such_options.json' does not exist"}));
}

TEST(OptionsFile, DirectoryIsNotAFile) {
  TempDir dir;
  EXPECT_TRUE(throws_error([&] { (void)zrt::load_session_options(dir.path()); }, ErrorCode::InvalidArgument,
                           {"is a directory"}));
}

TEST(OptionsFile, UnwritablePath) {
  TempDir dir;
  const auto path = dir.path() / "no_such_dir" / "options.json";
  EXPECT_TRUE(throws_error([&] { zrt::save_session_options(SessionOptions{}, path); }, ErrorCode::Fail,
                           {"cannot write options file '", "no_such_dir"}));
}

TEST(OptionsFile, BadJsonNamesFileLineAndColumn) {
  TempDir dir;
  const auto path = dir.path() / "bad.json";
  write_text(path, "{\n  \"intra_op_threads\": 1,\n}\n");
  EXPECT_TRUE(throws_error([&] { (void)zrt::load_session_options(path); }, ErrorCode::InvalidArgument,
                           {"options file '", "bad.json': not valid JSON: ", "line 3"}));
  EXPECT_TRUE(throws_error([&] { (void)zrt::session_options_from_json(""); }, ErrorCode::InvalidArgument,
                           {"options: not valid JSON"}));
  EXPECT_TRUE(throws_error([&] { (void)zrt::session_options_from_json("{} trailing"); }, ErrorCode::InvalidArgument,
                           {"not valid JSON"}));
}

TEST(OptionsFile, NotAnObject) {
  EXPECT_TRUE(throws_error([&] { (void)zrt::session_options_from_json("[1, 2]"); }, ErrorCode::InvalidArgument,
                           {"expected a JSON object of session options, got an array"}));
}

TEST(OptionsFile, UnknownKey) {
  TempDir dir;
  const auto path = dir.path() / "typo.json";
  write_text(path, R"({"intra_op_threads": 1, "intra_threads": 2})");
  EXPECT_TRUE(throws_error([&] { (void)zrt::load_session_options(path); }, ErrorCode::InvalidArgument,
                           {"typo.json': unknown key 'intra_threads'", "known keys: ", "intra_op_threads"}));
}

TEST(OptionsFile, WrongTypesNameKeyExpectedAndGot) {
  struct Case {
    const char* json;
    std::vector<std::string_view> parts;
  };
  const std::vector<Case> cases = {
      {R"({"intra_op_threads": "4"})",
       {"'intra_op_threads': expected an integer from 0 (ORT's default) to zrt's thread limit", "got string \"4\""}},
      {R"({"intra_op_threads": -1})",
       {"'intra_op_threads': expected an integer from 0 (ORT's default) to zrt's thread limit", "got number -1"}},
      {R"({"inter_op_threads": 1.5})",
       {"'inter_op_threads': expected an integer from 0 (ORT's default) to zrt's thread limit", "got number 1.5"}},
      {R"({"intra_op_threads": 99999999999})", {"'intra_op_threads'", "got number 99999999999"}},
      {R"({"optimization_level": "fast"})",
       {"'optimization_level': expected \"disabled\", \"basic\", \"extended\", \"layout\" or \"all\"",
        "got string \"fast\""}},
      {R"({"optimization_level": 99})", {"'optimization_level': expected", "got number 99"}},
      {R"({"execution_mode": true})", {"'execution_mode': expected \"sequential\" or \"parallel\"", "got true"}},
      {R"({"log_id": 3})", {"'log_id': expected a string, got number 3"}},
      {R"({"log_level": "loud"})", {"'log_level': expected \"verbose\"", "got string \"loud\""}},
      {R"({"log_level": 2})", {"'log_level': expected", "or null", "got number 2"}},
      {R"({"log_verbosity": "high"})", {"'log_verbosity': expected an integer, got string \"high\""}},
      {R"({"cpu_arena": "yes"})", {"'cpu_arena': expected true, false or null", "got string \"yes\""}},
      {R"({"memory_pattern": 1})", {"'memory_pattern': expected true, false or null", "got number 1"}},
      {R"({"per_session_threads": []})", {"'per_session_threads': expected true, false or null", "got an array"}},
      {R"({"intra_op_spinning": {}})", {"'intra_op_spinning': expected true, false or null", "got an object"}},
      {R"({"inter_op_spinning": "0"})", {"'inter_op_spinning': expected true, false or null"}},
      {R"({"optimized_model_path": null})", {"'optimized_model_path': expected a string, got null"}},
      {R"({"profiling_prefix": false})", {"'profiling_prefix': expected a string", "got false"}},
      {R"({"free_dims_by_name": [1]})", {"'free_dims_by_name': expected an object, got an array"}},
      {R"({"free_dims_by_name": {"batch": "1"}})",
       {"'free_dims_by_name.batch': expected an integer >= 0 (the dim's size), got string \"1\""}},
      {R"({"free_dims_by_denotation": {"DATA_BATCH": -3}})", {"'free_dims_by_denotation.DATA_BATCH'", "got number -3"}},
      {R"({"config": {"session.disable_prepacking": 1}})",
       {"'config.session.disable_prepacking': expected a string, got number 1"}},
      {R"({"config": "x"})", {"'config': expected an object, got string \"x\""}},
      {R"({"providers": "webgpu"})", {"'providers': expected an array of \"NAME[:key=value,...]\" strings"}},
      {R"({"providers": ["webgpu:x"]})", {"'providers[0]': provider 'webgpu:x': expected NAME[:key=value,...]"}},
      {R"({"providers": [3]})", {"'providers[0]': expected a string, got number 3"}},
      {R"({"cpu_fallback": "no"})", {"'cpu_fallback': expected true, false or null"}},
      {R"({"deterministic_compute": 1})", {"'deterministic_compute': expected true, false or null", "got number 1"}},
      {R"({"use_env_allocators": "1"})", {"'use_env_allocators': expected true, false or null"}},
      {R"({"zrt_session_options": 2})", {"'zrt_session_options' is 2; this zrt reads version 1"}},
      {R"({"zrt_session_options": "1"})", {"'zrt_session_options': expected 1, got string \"1\""}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.json);
    try {
      (void)zrt::session_options_from_json(c.json, "test.json");
      ADD_FAILURE() << "did not throw";
    } catch (const zrt::Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
      const std::string message = e.what();
      EXPECT_EQ(message.rfind("test.json: ", 0), 0u) << message;
      for (std::string_view part : c.parts) EXPECT_NE(message.find(part), std::string::npos) << message;
    }
  }
}

TEST(OptionsFile, LongStringsAreShortenedInMessages) {
  const std::string json = R"({"cpu_arena": ")" + std::string(200, 'x') + R"("})";
  EXPECT_TRUE(throws_error([&] { (void)zrt::session_options_from_json(json); }, ErrorCode::InvalidArgument,
                           {"got string \"xxxxxxxx", "...", "'cpu_arena'"}));
}

TEST(OptionsFile, InMemoryPartsCannotBeSaved) {
  auto buffer = std::make_shared<const zrt::TensorBuffer>(zrt::ElementType::Float, zrt::Shape{4, 3});
  EXPECT_TRUE(throws_error([&] { (void)zrt::session_options_to_json(SessionOptions{}.initializer("W", buffer)); },
                           ErrorCode::InvalidArgument,
                           {"caller-owned initializer", "'W'", "cannot be saved to an options file"}));
  EXPECT_TRUE(throws_error(
      [&] { (void)zrt::session_options_to_json(SessionOptions{}.prepacked_weights(zrt::PrepackedWeights{})); },
      ErrorCode::InvalidArgument, {"prepacked-weights container cannot be saved"}));
  const std::byte file[4]{};
  const std::vector<std::pair<SessionOptions, std::string_view>> in_memory = {
      {SessionOptions{}.external_initializer("W", buffer), "external initializers"},
      {SessionOptions{}.external_data_file("w.bin", file), "external data files"},
      {SessionOptions{}.load_cancellation(zrt::LoadCancellation{}), "a load cancellation token"},
      {SessionOptions{}.log_callback(zrt::print_log_line), "a log callback"},
      {SessionOptions{}.thread_hooks(zrt::ThreadHooks::std_threads({})), "thread hooks"},
  };
  for (const auto& [options, what] : in_memory) {
    EXPECT_TRUE(throws_error([&] { (void)zrt::session_options_to_json(options); }, ErrorCode::InvalidArgument,
                             {what, "cannot be saved to an options file"}));
  }
}

TEST(OptionsFile, DuplicateFreeDimIsRejectedAndDuplicateConfigKeepsTheLast) {
  EXPECT_TRUE(throws_error(
      [&] { (void)zrt::session_options_to_json(SessionOptions{}.free_dim("batch", 1).free_dim("batch", 2)); },
      ErrorCode::InvalidArgument, {"free dim 'batch' is set twice in free_dims_by_name"}));
  const auto o = zrt::session_options_from_json(
      zrt::session_options_to_json(SessionOptions{}.config("k", "1").config("other", "x").config("k", "2")));
  ASSERT_EQ(o.config_entries().size(), 2u);
  EXPECT_EQ(o.config_entries()[0], std::make_pair(std::string("k"), std::string("2")));
}

// Thread counts past zrt's limit, numbers JSON cannot hold, and files that are not
// regular files are errors naming the file (/dev/zero was read to the end).
TEST(OptionsFile, BoundedThreadsNumbersAndReads) {
  EXPECT_TRUE(throws_error(
      [] { (void)zrt::session_options_from_json(R"({"intra_op_threads": 2147483647})", "t.json"); },
      ErrorCode::InvalidArgument, {"t.json: 'intra_op_threads'", "thread limit", "got number 2147483647"}));
  EXPECT_TRUE(throws_error([] { (void)zrt::session_options_from_json(R"({"intra_op_threads": 1e400})", "t.json"); },
                           ErrorCode::InvalidArgument, {"t.json: not valid JSON: number overflow parsing '1e400'"}));
  EXPECT_TRUE(throws_error([] { (void)zrt::load_session_options("/dev/zero"); }, ErrorCode::InvalidArgument,
                           {"options file '/dev/zero' is not a regular file"}));
}

}  // namespace
