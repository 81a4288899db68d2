// bench_report.hpp: the JSON document's schema, the table's ratios and the SVG
// histogram, on a report made from known samples.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bench_report.hpp"

namespace zrt::cli::bench {
namespace {

PathResult path(const std::string& name, double base, std::optional<double> allocs) {
  PathResult p;
  p.name = name;
  for (int i = 0; i < 100; ++i) p.samples_us.push_back(base + 0.01 * i);
  p.stats = summarize(p.samples_us);
  p.allocs_per_run = allocs;
  if (allocs) p.alloc_bytes_per_run = *allocs * 64;
  return p;
}

BenchReport sample_report(bool with_lanes) {
  BenchReport r;
  r.model = "builtin:mlp";
  r.description = "MLP";
  r.ort_version = "1.29.0";
  r.dims = {{"batch", 1}};
  r.inputs.push_back({"image", "tensor(float)[1,784]", "random (seed 0)"});
  r.intra_op_threads = 1;
  r.iters = 100;
  r.warmup = 10;
  r.rounds = 4;
  r.allocation_counting = true;
  r.check.reference = "cxx_run";
  r.check.runs = 2;
  r.check.tolerance = kCheckTolerance;
  r.paths.push_back(path("c_binding", 10.0, 0.0));
  r.paths.push_back(path("cxx_run", 12.0, 7.0));
  r.paths.push_back(path("zrt_run", 10.5, 1.0));
  r.paths.push_back(path("zrt_prepared", 10.2, 0.0));
  r.paths.push_back(path("zrt_lane", 10.1, 0.0));
  if (with_lanes) {
    LanesResult l;
    l.lanes = 2;
    l.pinned = true;
    l.pinning = "threads pinned to cores 0-1";
    const char* names[] = {"zrt_lane_x1", "zrt_shared", "zrt_replicated", "cxx_run_shared"};
    const double rates[] = {1000, 1500, 1900, 1200};
    for (int i = 0; i < 4; ++i) {
      LanesMode m;
      m.name = names[i];
      m.threads = i == 0 ? 1 : 2;
      m.runs = 100;
      m.seconds = 100 / rates[i];
      m.throughput_per_s = rates[i];
      m.allocs_per_run = 0.0;
      l.modes.push_back(m);
    }
    r.lanes = l;
  }
  return r;
}

TEST(BenchReport, JsonHasTheDocumentedShape) {
  const nlohmann::ordered_json j = report_json(sample_report(true));
  ASSERT_TRUE(j.is_object());
  EXPECT_TRUE(j.at("model").is_string());
  EXPECT_EQ(j.at("model"), "builtin:mlp");
  EXPECT_TRUE(j.at("ort_version").is_string());
  ASSERT_TRUE(j.at("dims").is_object());
  EXPECT_EQ(j.at("dims").at("batch"), 1);
  ASSERT_TRUE(j.at("paths").is_object());
  EXPECT_EQ(j.at("paths").size(), 5u);
  for (const auto& [name, p] : j.at("paths").items()) {
    for (const char* key : {"p50_us", "p90_us", "p99_us", "p999_us", "mean_us", "min_us", "allocs_per_run"})
      EXPECT_TRUE(p.at(key).is_number_float()) << name << "." << key;
    EXPECT_TRUE(p.at("runs").is_number_unsigned()) << name;
    EXPECT_EQ(p.at("runs"), 100);
  }
  EXPECT_DOUBLE_EQ(j.at("paths").at("c_binding").at("p50_us").get<double>(), 10.495);
  EXPECT_DOUBLE_EQ(j.at("paths").at("cxx_run").at("allocs_per_run").get<double>(), 7.0);
  const auto& ratios = j.at("ratios");
  ASSERT_TRUE(ratios.is_object());
  for (const char* key : {"zrt_lane_vs_c_binding", "zrt_run_vs_cxx_run", "zrt_prepared_vs_c_binding"})
    EXPECT_TRUE(ratios.at(key).is_number_float()) << key;
  EXPECT_DOUBLE_EQ(ratios.at("zrt_lane_vs_c_binding").get<double>(), 10.595 / 10.495);
  EXPECT_DOUBLE_EQ(ratios.at("zrt_run_vs_cxx_run").get<double>(), 10.995 / 12.495);
  EXPECT_TRUE(ratios.at("cxx_binding_vs_c_binding").is_null());  // cxx_binding did not run
  ASSERT_TRUE(j.at("lanes").is_object());
  EXPECT_EQ(j.at("lanes").at("lanes"), 2);
  EXPECT_EQ(j.at("lanes").at("best_zrt_mode"), "zrt_replicated");
  EXPECT_DOUBLE_EQ(j.at("lanes").at("best_zrt_vs_one_lane").get<double>(), 1.9);
  EXPECT_DOUBLE_EQ(j.at("lanes").at("modes").at("zrt_shared").at("vs_one_lane").get<double>(), 1.5);
  EXPECT_EQ(j.at("check").at("reference"), "cxx_run");
  // The document round-trips through text.
  EXPECT_EQ(nlohmann::ordered_json::parse(j.dump()), j);
}

TEST(BenchReport, JsonWithoutLanesOrCounting) {
  BenchReport r = sample_report(false);
  r.allocation_counting = false;
  for (PathResult& p : r.paths) p.allocs_per_run.reset();
  const nlohmann::ordered_json j = report_json(r);
  EXPECT_TRUE(j.at("lanes").is_object());
  EXPECT_TRUE(j.at("lanes").empty());
  EXPECT_TRUE(j.at("paths").at("zrt_lane").at("allocs_per_run").is_null());
  EXPECT_FALSE(j.at("allocation_counting").get<bool>());
}

TEST(BenchReport, TableShowsEveryPathAndTheRatios) {
  const std::string t = format_table(sample_report(true));
  for (const char* name : {"c_binding", "cxx_run", "zrt_run", "zrt_prepared", "zrt_lane"})
    EXPECT_NE(t.find(name), std::string::npos) << name;
  EXPECT_NE(t.find("zrt_lane / c_binding = 1.010"), std::string::npos) << t;
  EXPECT_NE(t.find("zrt_run / cxx_run = 0.880"), std::string::npos) << t;
  EXPECT_NE(t.find("--lanes 2 (threads pinned to cores 0-1)"), std::string::npos) << t;
  EXPECT_NE(t.find("1.90x"), std::string::npos) << t;
  EXPECT_NE(t.find("bit-identical to cxx_run"), std::string::npos) << t;
}

TEST(BenchReport, RatioNeedsBothPaths) {
  const BenchReport r = sample_report(false);
  EXPECT_FALSE(p50_ratio(r, "cxx_binding", "c_binding"));
  ASSERT_TRUE(p50_ratio(r, "zrt_prepared", "c_binding"));
  EXPECT_DOUBLE_EQ(*p50_ratio(r, "zrt_prepared", "c_binding"), 10.695 / 10.495);
}

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

TEST(BenchReport, HistogramHasOneCurveAndLegendEntryPerPath) {
  const std::string svg = histogram_svg(sample_report(false));
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_EQ(count(svg, "</svg>"), 1u);
  EXPECT_EQ(count(svg, "<polyline"), 5u);
  for (const char* name : {"c_binding", "cxx_run", "zrt_run", "zrt_prepared", "zrt_lane"})
    EXPECT_NE(svg.find(">" + std::string(name) + "</text>"), std::string::npos) << name;
  EXPECT_NE(svg.find("latency per run (µs)"), std::string::npos);
  EXPECT_NE(svg.find("share of runs"), std::string::npos);
}

}  // namespace
}  // namespace zrt::cli::bench
