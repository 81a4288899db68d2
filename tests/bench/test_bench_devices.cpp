// zrt bench --ep webgpu: the device paths (a device lane against the C API on device
// tensors) run and compute what the host paths compute. Runs against the gpu ORT core
// (WebGPU on Mesa's lavapipe where there is no GPU). No test looks at a timing.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench_engine.hpp"
#include "bench_paths.hpp"
#include "bench_test_util.hpp"
#include "bench_workload.hpp"
#include "models/models.hpp"
#include "zrt/providers.hpp"

namespace zrt::cli::bench {
namespace {

WorkloadSpec on_webgpu(const std::string& builtin) {
  WorkloadSpec spec;
  spec.builtin = builtin;
  spec.providers = {Provider::parse("webgpu")};
  return spec;
}

using zrt::test::error_of;

TEST(BenchDevices, DevicePathsMatchTheReference) {
  const Workload w(on_webgpu("mlp"));
  EXPECT_FALSE(w.device_memory().is_host_accessible());
  std::vector<NamedPath> paths;
  for (const PathInfo& p : path_catalog())
    if (p.name != "zrt_prepared_binding") paths.push_back({std::string(p.name), make_path(p.name, w)});
  const NamedPath reference{std::string(kReferencePath), make_path(kReferencePath, w)};
  const CheckResult check = check_outputs(reference, paths, {"logits"}, 3);
  EXPECT_TRUE(check.identical);  // one EP, one session: the same kernels on every path
  // Runs after settling still give the reference's outputs.
  for (NamedPath& p : paths) {
    p.path->run();
    p.path->settle();
  }
  check_outputs(reference, paths, {"logits"}, 2);
}

TEST(BenchDevices, StateCarryIsNotForTheDevicePaths) {
  const Workload w(on_webgpu("gru"));
  ASSERT_FALSE(w.carry.empty());
  for (const char* name : {"c_binding_device", "zrt_lane_device"}) {
    const std::string e = error_of([&] { (void)make_path(name, w); });
    EXPECT_NE(e.find("without state carry"), std::string::npos) << name << ": " << e;
  }
}

using Result = zrt::test::CliResult;
using zrt::test::read_json;
Result zrt(const std::string& args) { return zrt::test::run_zrt(args); }

TEST(BenchDevicesCli, EpWebGpuAddsTheDevicePaths) {
  zrt::test::TempDir dir;
  const auto json = dir.path() / "bench.json";
  const Result r = zrt("bench --builtin mlp --ep webgpu --iters 50 --warmup 5 --json " + json.string());
  ASSERT_EQ(r.rc, 0) << r.output;  // a path whose outputs differ from cxx_run's fails the bench
  EXPECT_NE(r.output.find("on WebGPU"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("zrt_lane_device / c_binding_device = "), std::string::npos) << r.output;
  const nlohmann::json j = read_json(json);
  // Every path runs on the EP, the host paths and the device paths alike.
  for (const char* path :
       {"c_binding", "zrt_lane", "zrt_prepared", "zrt_prepared_binding", "c_binding_device", "zrt_lane_device"})
    EXPECT_EQ(j.at("paths").at(path).at("runs"), 50) << path;
  EXPECT_TRUE(j.at("skipped").empty()) << j.at("skipped");
  EXPECT_EQ(j.at("check").at("reference"), "cxx_run");
  EXPECT_TRUE(j.at("ratios").at("zrt_lane_device_vs_c_binding_device").is_number());
  EXPECT_EQ(j.at("config").at("providers"), nlohmann::json::array({"WebGPU"}));
}

TEST(BenchDevicesCli, AModelWithStateCarrySkipsTheDevicePaths) {
  zrt::test::TempDir dir;
  const auto json = dir.path() / "bench.json";
  const Result r =
      zrt("bench --builtin gru --ep webgpu --paths cxx_run,zrt_lane --iters 5 --warmup 1 --json " + json.string());
  ASSERT_EQ(r.rc, 0) << r.output;
  // Named paths only: asking for a device path that cannot run is an error.
  const Result named = zrt("bench --builtin gru --ep webgpu --paths zrt_lane_device --iters 5 --warmup 1");
  EXPECT_EQ(named.rc, 1) << named.output;
  EXPECT_NE(named.output.find("without state carry"), std::string::npos) << named.output;
  const Result all = zrt("bench --builtin gru --ep webgpu --iters 5 --warmup 1 --rounds 1 --json " + json.string());
  ASSERT_EQ(all.rc, 0) << all.output;
  const nlohmann::json j = read_json(json);
  EXPECT_FALSE(j.at("paths").contains("zrt_lane_device"));
  EXPECT_NE(j.at("skipped").at("zrt_lane_device").get<std::string>().find("without state carry"), std::string::npos);
  EXPECT_NE(j.at("skipped").at("c_binding_device").get<std::string>().find("without state carry"), std::string::npos);
}

}  // namespace
}  // namespace zrt::cli::bench
