// zrt bench --load on the command line: every strategy reports throughput, latency
// percentiles, mean batch and CPU time under the JSON names scripts read, closed and
// open loop; a strategy that cannot serve the model is reported, not fatal. No test
// looks at a timing beyond its sanity (positive, ordered percentiles).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "bench_test_util.hpp"
#include "models/models.hpp"

namespace {

using Result = zrt::test::CliResult;
Result zrt(const std::string& args) { return zrt::test::run_zrt(args); }

constexpr const char* kStrategies[] = {"lanes", "pool", "batcher", "cxx_shared"};

// A strategy that ran: the keys scripts read, with sane values.
void expect_ran(const nlohmann::json& load, const std::string& name) {
  SCOPED_TRACE(name);
  ASSERT_TRUE(load.at("strategies").contains(name)) << load.dump(2);
  const nlohmann::json& s = load.at("strategies").at(name);
  ASSERT_FALSE(s.contains("error")) << s.dump(2);
  EXPECT_GT(s.at("throughput_rps").get<double>(), 0);
  EXPECT_GT(s.at("p50_us").get<double>(), 0);
  EXPECT_LE(s.at("p50_us").get<double>(), s.at("p99_us").get<double>());
  EXPECT_LE(s.at("p99_us").get<double>(), s.at("p999_us").get<double>());
  EXPECT_GE(s.at("mean_batch").get<double>(), 1.0);
  EXPECT_GT(s.at("cpu_us_per_request").get<double>(), 0);
  EXPECT_GT(s.at("requests").get<std::uint64_t>(), 0u);
  if (name != "batcher") {
    EXPECT_EQ(s.at("mean_batch").get<double>(), 1.0);
  }
}

TEST(BenchLoad, ClosedLoopReportsEveryStrategy) {
  zrt::test::TempDir dir;
  const auto json = dir.path() / "load.json";
  const Result r =
      zrt("bench --builtin mlp_batch --load --clients 2 --duration 0.2 --warmup 4 --json " + json.string());
  ASSERT_EQ(r.rc, 0) << r.output;
  for (const char* name : kStrategies)
    EXPECT_NE(r.output.find(std::string("\n") + name + " "), std::string::npos) << name << "\n" << r.output;
  EXPECT_NE(r.output.find("--load: 2 clients, closed loop"), std::string::npos) << r.output;
  const nlohmann::json j = zrt::test::read_json(json);
  const nlohmann::json& load = j.at("load");
  EXPECT_EQ(load.at("clients"), 2);
  EXPECT_EQ(load.at("mode"), "closed");
  EXPECT_EQ(load.at("strategies").size(), 4u);
  for (const char* name : kStrategies) expect_ran(load, name);
  EXPECT_TRUE(load.at("batcher_vs_best_throughput").is_number());
  EXPECT_TRUE(j.at("paths").empty());  // --load runs the strategies instead of the paths
}

TEST(BenchLoad, OpenLoopAtAFixedRate) {
  zrt::test::TempDir dir;
  const auto json = dir.path() / "load.json";
  const Result r =
      zrt("bench --builtin mlp_batch --load --clients 3 --rate 3000 --duration 0.2 --warmup 3 --json " + json.string());
  ASSERT_EQ(r.rc, 0) << r.output;
  EXPECT_NE(r.output.find("open loop at 3000 requests/s"), std::string::npos) << r.output;
  const nlohmann::json load = zrt::test::read_json(json).at("load");
  EXPECT_EQ(load.at("clients"), 3);
  EXPECT_EQ(load.at("mode"), "open");
  EXPECT_EQ(load.at("rate_rps"), 3000.0);
  for (const char* name : kStrategies) expect_ran(load, name);
}

// The built-in mlp's batch dim is fixed at 1: the batcher cannot serve it, and says
// why, while the other strategies run.
TEST(BenchLoad, AStrategyThatCannotServeTheModelIsReportedUnavailable) {
  zrt::test::TempDir dir;
  const auto json = dir.path() / "load.json";
  const Result r = zrt("bench --load --clients 2 --duration 0.1 --warmup 2 --json " + json.string());
  ASSERT_EQ(r.rc, 0) << r.output;
  EXPECT_NE(r.output.find("batcher     unavailable: "), std::string::npos) << r.output;
  const nlohmann::json load = zrt::test::read_json(json).at("load");
  const std::string error = load.at("strategies").at("batcher").at("error");
  EXPECT_NE(error.find("batch"), std::string::npos) << error;
  EXPECT_FALSE(load.at("strategies").at("batcher").contains("throughput_rps"));
  for (const char* name : {"lanes", "pool", "cxx_shared"}) expect_ran(load, name);
  EXPECT_TRUE(load.at("batcher_vs_best_throughput").is_null());
}

TEST(BenchLoad, StrategiesChosenByName) {
  zrt::test::TempDir dir;
  const auto json = dir.path() / "load.json";
  Result r =
      zrt("bench --builtin mlp_batch --load --clients 2 --duration 0.05 --warmup 2 --strategies cxx_shared,lanes "
          "--json " +
          json.string());
  ASSERT_EQ(r.rc, 0) << r.output;
  const nlohmann::json load = zrt::test::read_json(json).at("load");
  EXPECT_EQ(load.at("strategies").size(), 2u);
  for (const char* name : {"lanes", "cxx_shared"}) expect_ran(load, name);
  EXPECT_TRUE(load.at("best_per_request").is_string());
  r = zrt("bench --load --strategies batcher,nope");
  EXPECT_EQ(r.rc, 1) << r.output;
  EXPECT_NE(
      r.output.find("--strategies: unknown strategy 'nope'; the strategies are: lanes, pool, batcher, cxx_shared"),
      std::string::npos)
      << r.output;
}

TEST(BenchLoad, FlagsNeedLoadAndExcludeThePaths) {
  Result r = zrt("bench --clients 4");
  EXPECT_EQ(r.rc, 2) << r.output;
  EXPECT_NE(r.output.find("--clients requires --load"), std::string::npos) << r.output;
  r = zrt("bench --rate 100");
  EXPECT_EQ(r.rc, 2) << r.output;
  EXPECT_NE(r.output.find("--rate requires --load"), std::string::npos) << r.output;
  r = zrt("bench --load --lanes 2");
  EXPECT_EQ(r.rc, 2) << r.output;
  EXPECT_NE(r.output.find("excludes"), std::string::npos) << r.output;
  r = zrt("bench --load --clients 0");
  EXPECT_EQ(r.rc, 2) << r.output;
  EXPECT_NE(r.output.find("--clients: expected a whole number from 1 to 1024, got '0'"), std::string::npos) << r.output;
}

}  // namespace
