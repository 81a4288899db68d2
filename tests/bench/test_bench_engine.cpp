// bench_engine.hpp, bench_paths.hpp, bench_workload.hpp, bench_lanes.hpp: every path
// computes what the reference computes (with and without state carry, on several
// element types and free dims), a wrong path is caught, timing counts what it ran.
// No test looks at a timing.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "bench_alloc.hpp"
#include "bench_engine.hpp"
#include "bench_lanes.hpp"
#include "bench_paths.hpp"
#include "bench_test_util.hpp"
#include "bench_workload.hpp"
#include "models/models.hpp"
#include "zrt/error.hpp"
#include "zrt/options_file.hpp"
#include "zrt/providers.hpp"
#include "zrt/session_options.hpp"

namespace zrt::cli::bench {
namespace {

WorkloadSpec builtin(const std::string& name) {
  WorkloadSpec spec;
  spec.builtin = name;
  return spec;
}

// Every host path (the device paths need an EP: tests/bench/test_bench_devices.cpp).
std::vector<NamedPath> all_paths(const Workload& w) {
  std::vector<NamedPath> paths;
  for (const PathInfo& p : path_catalog())
    if (!p.device) paths.push_back({std::string(p.name), make_path(p.name, w)});
  return paths;
}

std::vector<std::string> output_names(const Workload& w) {
  std::vector<std::string> names;
  for (const OutputInfo& o : w.outputs) names.push_back(o.name);
  return names;
}

CheckResult check_all(const Workload& w, std::size_t runs = 2) {
  std::vector<NamedPath> paths = all_paths(w);
  const NamedPath reference{"cxx_run", make_path("cxx_run", w)};
  return check_outputs(reference, paths, output_names(w), runs);
}

using zrt::test::error_of;

// Runs another path and changes one element of its first output.
class WrongPath final : public Path {
 public:
  explicit WrongPath(std::unique_ptr<Path> inner) : inner_(std::move(inner)) {}
  void reset() override { inner_->reset(); }
  void run() override { inner_->run(); }
  std::vector<HostValue> outputs() const override {
    std::vector<HostValue> out = inner_->outputs();
    HostTensor& t = out.at(0).tensor;
    float v = 0;
    std::memcpy(&v, t.bytes.data() + 3 * sizeof(float), sizeof v);
    v += 0.5f;
    std::memcpy(t.bytes.data() + 3 * sizeof(float), &v, sizeof v);
    return out;
  }

 private:
  std::unique_ptr<Path> inner_;
};

TEST(BenchPaths, CatalogStartsWithTheFloorAndTheReference) {
  ASSERT_GE(path_catalog().size(), 8u);
  EXPECT_EQ(path_catalog()[0].name, "c_binding");
  EXPECT_EQ(path_catalog()[1].name, kReferencePath);
  for (const PathInfo& p : path_catalog()) {
    EXPECT_EQ(find_path(p.name), &p);
    EXPECT_FALSE(p.description.empty());
  }
  EXPECT_EQ(find_path("nope"), nullptr);
}

TEST(BenchPaths, DevicePathsNeedADeviceProvider) {
  const Workload w(builtin("add"));
  for (const char* name : {"c_binding_device", "zrt_lane_device"}) {
    ASSERT_NE(find_path(name), nullptr);
    EXPECT_TRUE(find_path(name)->device);
    const std::string e = error_of([&] { (void)make_path(name, w); });
    EXPECT_NE(e.find("needs a device execution provider (--ep"), std::string::npos) << e;
  }
}

TEST(BenchWorkload, EpAndAnOptionsFileWithOtherProvidersIsAnError) {
  zrt::test::TempDir dir;
  const auto file = dir.path() / "options.json";
  zrt::save_session_options(zrt::SessionOptions{}.provider(zrt::Provider("XNNPACK")), file);
  WorkloadSpec spec = builtin("add");
  spec.options_file = file.string();
  spec.providers = {zrt::Provider::parse("webgpu")};
  const std::string e = error_of([&] { (void)bench_session_options(spec); });
  EXPECT_NE(e.find("already chooses execution providers (XNNPACK)"), std::string::npos) << e;
  spec.providers = {zrt::Provider("XNNPACK")};  // the same list: fine
  EXPECT_EQ(bench_session_options(spec).providers().size(), 1u);
}

TEST(BenchPaths, UnknownPathListsTheNames) {
  const Workload w(builtin("add"));
  const std::string e = error_of([&] { (void)make_path("c_bindings", w); });
  EXPECT_NE(e.find("unknown path 'c_bindings'"), std::string::npos) << e;
  EXPECT_NE(e.find("c_binding, cxx_run, cxx_binding, zrt_run"), std::string::npos) << e;
}

TEST(BenchEngine, EveryPathAgreesOnTheBuiltinMlp) {
  const Workload w(builtin("mlp"));
  EXPECT_EQ(w.label, "builtin:mlp");
  ASSERT_EQ(w.outputs.size(), 1u);
  EXPECT_EQ(w.outputs[0].name, "logits");
  EXPECT_EQ(w.outputs[0].dims, (std::vector<std::int64_t>{1, 10}));
  const CheckResult c = check_all(w);
  EXPECT_EQ(c.reference, "cxx_run");
  EXPECT_EQ(c.runs, 2u);
  EXPECT_LE(c.max_abs_diff, 1e-6);
}

TEST(BenchEngine, EveryPathAgreesOnTheTinyModel) {
  const Workload w(builtin("add"));
  const CheckResult c = check_all(w);
  EXPECT_TRUE(c.identical);  // one Add: nothing to reorder
  EXPECT_EQ(c.max_abs_diff, 0.0);
}

TEST(BenchEngine, StateCarryEveryPathFeedsItsStateForward) {
  const Workload w(builtin("gru"));
  ASSERT_EQ(w.carry.size(), 1u);  // the built-in GRU carries Y_h -> H
  EXPECT_EQ(w.outputs[w.carry[0].output].name, "Y_h");
  EXPECT_EQ(w.session.input(w.carry[0].input).name, "H");
  // The state changes from run to run, so agreeing over 4 runs means every path carried it.
  std::unique_ptr<Path> ref = make_path("cxx_run", w);
  ref->reset();
  ref->run();
  const std::vector<HostValue> first = ref->outputs();
  ref->run();
  const std::vector<HostValue> second = ref->outputs();
  EXPECT_NE(first[0].tensor.bytes, second[0].tensor.bytes);
  const CheckResult c = check_all(w, 4);
  EXPECT_EQ(c.runs, 4u);
  EXPECT_LE(c.max_abs_diff, 1e-6);
}

TEST(BenchEngine, WithoutCarryTheStateStaysTheInput) {
  WorkloadSpec spec = builtin("gru");
  spec.no_carry = true;
  const Workload w(spec);
  EXPECT_TRUE(w.carry.empty());
  std::unique_ptr<Path> lane = make_path("zrt_lane", w);
  lane->run();
  const std::vector<HostValue> first = lane->outputs();
  lane->run();
  EXPECT_EQ(first[0].tensor.bytes, lane->outputs()[0].tensor.bytes);
  check_all(w, 3);
}

TEST(BenchEngine, CarryGivenByName) {
  zrt::test::TempDir dir;
  WorkloadSpec spec;
  spec.model = dir.write("gru.onnx", zrt::test::gru()).string();
  spec.carry = {{"Y_h", "H"}};
  const Workload w(spec);
  ASSERT_EQ(w.carry.size(), 1u);
  check_all(w, 3);
}

TEST(BenchEngine, CarryErrorsNameTheProblem) {
  zrt::test::TempDir dir;
  WorkloadSpec spec;
  spec.model = dir.write("gru.onnx", zrt::test::gru()).string();
  spec.carry = {{"nope", "H"}};
  EXPECT_NE(error_of([&] { Workload w(spec); }).find("--carry nope=H: the model has no output 'nope' (outputs: Y_h)"),
            std::string::npos);
  spec.carry = {{"Y_h", "X"}};  // [1,1,8] -> [1,1,4]
  const std::string e = error_of([&] { Workload w(spec); });
  EXPECT_NE(e.find("output 'Y_h' is float[1,1,8], input 'X' is float[1,1,4]"), std::string::npos) << e;
}

TEST(BenchEngine, MixedElementTypesAndOutputs) {
  zrt::test::TempDir dir;
  WorkloadSpec spec;
  spec.model = dir.write("multi_io.onnx", zrt::test::multi_io()).string();
  const Workload w(spec);
  EXPECT_EQ(w.inputs.size(), 3u);
  EXPECT_EQ(w.outputs.size(), 4u);
  const CheckResult c = check_all(w);
  EXPECT_TRUE(c.identical);
}

TEST(BenchEngine, OutputsThatAreNotTensorsAreLeftToOrt) {
  zrt::test::TempDir dir;
  WorkloadSpec spec;
  spec.model = dir.write("sequence_optional.onnx", zrt::test::sequence_optional()).string();
  const Workload w(spec);
  ASSERT_EQ(w.outputs.size(), 2u);
  EXPECT_FALSE(w.outputs[0].bindable);  // a sequence
  // Lanes bind tensors only (zrt bench skips the path when it was not asked for).
  EXPECT_NE(error_of([&] { (void)make_path("zrt_lane", w); }).find("lanes bind tensors only"), std::string::npos);
  std::vector<NamedPath> paths;
  for (const PathInfo& p : path_catalog())
    if (p.name != "zrt_lane" && !p.device) paths.push_back({std::string(p.name), make_path(p.name, w)});
  const NamedPath reference{"cxx_run", make_path("cxx_run", w)};
  check_outputs(reference, paths, output_names(w), 2);
}

TEST(BenchEngine, FreeDimsFromDimValues) {
  zrt::test::TempDir dir;
  WorkloadSpec spec;
  spec.model = dir.write("dynamic.onnx", zrt::test::dynamic()).string();
  spec.dims = {{"batch", 2}, {"seq", 3}};
  const Workload w(spec);
  EXPECT_EQ(w.inputs[0].tensor.dims, (std::vector<std::int64_t>{2, 3}));
  check_all(w);
}

TEST(BenchEngine, UnsetFreeDimNamesTheInputAndTheDim) {
  zrt::test::TempDir dir;
  WorkloadSpec spec;
  spec.model = dir.write("dynamic.onnx", zrt::test::dynamic()).string();
  spec.dims = {{"batch", 2}};
  const std::string e = error_of([&] { Workload w(spec); });
  EXPECT_NE(e.find("input 'X' has a free dimension 'seq'"), std::string::npos) << e;
  EXPECT_NE(e.find("--dim seq=N"), std::string::npos) << e;
}

TEST(BenchEngine, AWrongPathIsCaught) {
  const Workload w(builtin("mlp"));
  std::vector<NamedPath> paths;
  paths.push_back({"zrt_lane", make_path("zrt_lane", w)});
  paths.push_back({"wrong", std::make_unique<WrongPath>(make_path("zrt_run", w))});
  const NamedPath reference{"cxx_run", make_path("cxx_run", w)};
  const std::string e = error_of([&] { check_outputs(reference, paths, output_names(w), 2); });
  EXPECT_NE(e.find("path wrong disagrees with cxx_run on output 'logits' (run 1 of 2"), std::string::npos) << e;
  EXPECT_NE(e.find("element [0,3]"), std::string::npos) << e;
}

TEST(BenchEngine, TimingByCountRunsEveryPathThatOften) {
  const Workload w(builtin("add"));
  std::vector<NamedPath> paths = all_paths(w);
  TimingConfig config;
  config.iters = 25;
  config.warmup = 5;
  config.rounds = 4;  // 25 runs over 4 rounds: 6, 6, 6, 7
  std::size_t progress_calls = 0;
  config.progress = [&](std::string_view, std::size_t done, std::size_t total) {
    ++progress_calls;
    EXPECT_LE(done, total);
  };
  const std::vector<PathResult> results = time_paths(paths, config);
  ASSERT_EQ(results.size(), paths.size());
  EXPECT_EQ(progress_calls, paths.size() + 4 * paths.size());
  for (std::size_t p = 0; p < results.size(); ++p) {
    EXPECT_EQ(results[p].name, paths[p].name);
    EXPECT_EQ(results[p].stats.runs, 25u);
    EXPECT_EQ(results[p].samples_us.size(), 25u);
    EXPECT_LE(results[p].stats.min_us, results[p].stats.p50_us);
    EXPECT_LE(results[p].stats.p50_us, results[p].stats.p99_us);
    EXPECT_EQ(results[p].allocs_per_run.has_value(), allocation_counting());
  }
}

TEST(BenchEngine, TimingByDurationRunsAtLeastOncePerRound) {
  const Workload w(builtin("add"));
  std::vector<NamedPath> paths;
  paths.push_back({"zrt_lane", make_path("zrt_lane", w)});
  TimingConfig config;
  config.duration_s = 0.01;
  config.warmup = 3;
  config.rounds = 2;
  const std::vector<PathResult> results = time_paths(paths, config);
  EXPECT_GE(results[0].stats.runs, 2u);
}

TEST(BenchEngine, AllocationCounterIsLinked) {
  // This test executable links the process-wide counter, as the zrt binary does
  // (except in sanitizer builds).
  EXPECT_EQ(allocation_counting(), ZRT_BENCH_COUNTS_ALLOCATIONS == 1);
  if (!allocation_counting()) return;
  const AllocationSnapshot before = allocation_snapshot();
  auto p = std::make_unique<std::vector<int>>(100);
  EXPECT_GE(allocation_snapshot().allocations - before.allocations, 2u);
}

TEST(BenchLanes, EveryModeRuns) {
  const Workload w(builtin("mlp"));
  LanesConfig config;
  config.lanes = 2;
  config.iters = 20;
  config.warmup = 2;
  config.rounds = 2;
  const LanesResult r = run_lanes(w, config);
  EXPECT_EQ(r.lanes, 2u);
  ASSERT_EQ(r.modes.size(), 4u);
  EXPECT_EQ(r.modes[0].name, "zrt_lane_x1");
  EXPECT_EQ(r.modes[0].threads, 1u);
  EXPECT_EQ(r.modes[0].runs, 20u);
  for (std::size_t i = 1; i < r.modes.size(); ++i) {
    EXPECT_EQ(r.modes[i].threads, 2u);
    EXPECT_EQ(r.modes[i].runs, 40u);
    EXPECT_GT(r.modes[i].seconds, 0.0);
  }
  EXPECT_NE(r.find("cxx_run_shared"), nullptr);
  ASSERT_NE(r.best_zrt(), nullptr);
  EXPECT_TRUE(r.best_zrt()->name == "zrt_shared" || r.best_zrt()->name == "zrt_replicated");
  EXPECT_FALSE(r.pinning.empty());
}

TEST(BenchLanes, StateCarryLanes) {
  const Workload w(builtin("gru"));
  LanesConfig config;
  config.lanes = 2;
  config.iters = 10;
  config.warmup = 1;
  config.rounds = 1;
  config.pin = false;
  const LanesResult r = run_lanes(w, config);
  EXPECT_EQ(r.modes.size(), 4u);
  EXPECT_FALSE(r.pinned);
}

}  // namespace
}  // namespace zrt::cli::bench
