// zrt bench on the command line: error messages (unset free dims, bad .npy files,
// unknown path names, bad carry pairs) and short runs that write JSON and SVG.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "bench_test_util.hpp"
#include "models/models.hpp"
#include "zrt/options_file.hpp"
#include "zrt/session_options.hpp"

namespace {

using Result = zrt::test::CliResult;
Result zrt(const std::string& args) { return zrt::test::run_zrt(args); }
std::string read(const std::filesystem::path& p) { return zrt::test::read_text(p); }

// Short runs: the numbers do not matter, only that everything runs and is reported.
constexpr const char* kQuick = "--iters 20 --warmup 2 --rounds 2";

TEST(BenchCli, BuiltinModelPrintsTheSideBySideTable) {
  const Result r = zrt(std::string("bench ") + kQuick);
  ASSERT_EQ(r.rc, 0) << r.output;
  EXPECT_NE(r.output.find("zrt bench: builtin:mlp"), std::string::npos) << r.output;
  for (const char* path : {"c_binding", "cxx_run", "cxx_binding", "zrt_run", "zrt_run_view", "zrt_prepared",
                           "zrt_prepared_binding", "zrt_lane"})
    EXPECT_NE(r.output.find(std::string("\n") + path + " "), std::string::npos) << path << "\n" << r.output;
  EXPECT_NE(r.output.find("zrt_lane / c_binding = "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("zrt_run / cxx_run = "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("bit-identical to cxx_run"), std::string::npos) << r.output;
}

TEST(BenchCli, JsonAndHistogramFiles) {
  zrt::test::TempDir dir;
  const auto json = dir.path() / "bench.json";
  const auto svg = dir.path() / "bench.svg";
  const Result r = zrt(std::string("bench --builtin add --paths zrt_lane,c_binding,zrt_run,cxx_run,zrt_prepared ") +
                       kQuick + " --lanes 2 --json " + json.string() + " --histogram " + svg.string());
  ASSERT_EQ(r.rc, 0) << r.output;
  const nlohmann::json j = nlohmann::json::parse(read(json));
  EXPECT_EQ(j.at("model"), "builtin:add");
  EXPECT_EQ(j.at("paths").size(), 5u);
  EXPECT_EQ(j.at("paths").at("zrt_lane").at("runs"), 20);
  EXPECT_TRUE(j.at("paths").at("zrt_lane").at("allocs_per_run").is_number());
  EXPECT_TRUE(j.at("ratios").at("zrt_lane_vs_c_binding").is_number());
  EXPECT_TRUE(j.at("ratios").at("zrt_run_vs_cxx_run").is_number());
  EXPECT_TRUE(j.at("ratios").at("zrt_prepared_vs_c_binding").is_number());
  EXPECT_EQ(j.at("lanes").at("modes").size(), 4u);
  const std::string s = read(svg);
  EXPECT_NE(s.find("<svg"), std::string::npos);
  EXPECT_NE(s.find("</svg>"), std::string::npos);
}

TEST(BenchCli, StateCarryFromTheCommandLine) {
  zrt::test::TempDir dir;
  const auto model = dir.write("gru.onnx", zrt::test::gru());
  const Result r = zrt("bench " + model.string() + " --carry Y_h=H " + kQuick);
  ASSERT_EQ(r.rc, 0) << r.output;
  EXPECT_NE(r.output.find("carry  Y_h -> H"), std::string::npos) << r.output;
}

TEST(BenchCli, SessionOptionsFromAFile) {
  zrt::test::TempDir dir;
  const auto file = dir.path() / "options.json";
  zrt::save_session_options(zrt::SessionOptions{}.intra_op_threads(2).cpu_arena(false), file);
  Result r = zrt("bench --builtin add --options " + file.string() + " " + kQuick);
  ASSERT_EQ(r.rc, 0) << r.output;
  EXPECT_NE(r.output.find("intra-op threads 2, options from " + file.string()), std::string::npos) << r.output;
  r = zrt("bench --builtin add --options " + file.string() + " --threads 1 " + kQuick);  // --threads wins
  ASSERT_EQ(r.rc, 0) << r.output;
  EXPECT_NE(r.output.find("intra-op threads 1, options from"), std::string::npos) << r.output;
}

TEST(BenchCli, UnsetFreeDimIsNamed) {
  zrt::test::TempDir dir;
  const auto model = dir.write("dynamic.onnx", zrt::test::dynamic());
  const Result r = zrt("bench " + model.string() + " --dim batch=2 " + kQuick);
  EXPECT_EQ(r.rc, 1) << r.output;
  EXPECT_NE(r.output.find("zrt: error: input 'X' has a free dimension 'seq' (dim 1 of [2,seq]): give its size "
                          "with --dim seq=N"),
            std::string::npos)
      << r.output;
}

TEST(BenchCli, FreeDimsGiven) {
  zrt::test::TempDir dir;
  const auto model = dir.write("dynamic.onnx", zrt::test::dynamic());
  const Result r = zrt("bench " + model.string() + " --dim batch=2 --dim seq=5 " + kQuick);
  EXPECT_EQ(r.rc, 0) << r.output;
  EXPECT_NE(r.output.find("X: tensor(float)[2,5]"), std::string::npos) << r.output;
}

TEST(BenchCli, BadNpyIsNamed) {
  zrt::test::TempDir dir;
  const auto model = dir.write("add.onnx", zrt::test::add_constant());
  const std::string junk = "not a numpy file at all";
  const auto npy = dir.write("x.npy", std::as_bytes(std::span(junk.data(), junk.size())));
  const Result r = zrt("bench " + model.string() + " --input X=" + npy.string() + " " + kQuick);
  EXPECT_EQ(r.rc, 1) << r.output;
  EXPECT_NE(r.output.find("zrt: error: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("x.npy' is not a .npy file"), std::string::npos) << r.output;
}

TEST(BenchCli, UnknownPathIsNamed) {
  const Result r = zrt(std::string("bench --paths zrt_lane,c_bindings ") + kQuick);
  EXPECT_EQ(r.rc, 1) << r.output;
  EXPECT_NE(r.output.find("zrt: error: --paths: unknown path 'c_bindings'; the paths are: c_binding, cxx_run"),
            std::string::npos)
      << r.output;
}

TEST(BenchCli, UnknownBuiltinIsNamed) {
  const Result r = zrt(std::string("bench --builtin nope ") + kQuick);
  EXPECT_EQ(r.rc, 1) << r.output;
  EXPECT_NE(r.output.find("no built-in model 'nope'; the built-in models are: mlp, mlp_batch, add, gru"), std::string::npos)
      << r.output;
}

TEST(BenchCli, ItersAndDurationExcludeEachOther) {
  const Result r = zrt("bench --iters 10 --duration 1");
  EXPECT_EQ(r.rc, 2) << r.output;
  EXPECT_NE(r.output.find("excludes"), std::string::npos) << r.output;
}

}  // namespace
