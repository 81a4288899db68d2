// What zrt bench prints: the side-by-side table, the JSON document (--json) and the
// latency histograms (--histogram, SVG).
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bench_engine.hpp"
#include "bench_lanes.hpp"
#include "bench_load.hpp"
#include "model_inputs.hpp"

namespace zrt::cli::bench {

struct BenchReport {
  std::string model;        // path or builtin:NAME
  std::string description;  // built-in models
  std::string ort_version;
  DimValues dims;
  struct InputLine {
    std::string name;
    std::string type;  // "tensor(float)[1,784]"
    std::string origin;
  };
  std::vector<InputLine> inputs;
  std::vector<std::pair<std::string, std::string>> carry;  // (output, input)
  int intra_op_threads = 0;
  std::vector<std::string> providers;  // the sessions' EPs ("WebGPU"), in order; empty: the CPU EP
  std::string options_file;
  std::size_t iters = 0;
  double duration_s = 0;
  std::size_t warmup = 0;
  std::size_t rounds = 0;
  std::uint64_t seed = 0;
  bool allocation_counting = false;
  CheckResult check;
  std::vector<PathResult> paths;
  std::vector<std::pair<std::string, std::string>> skipped;  // (path, why it cannot run this model)
  std::optional<LanesResult> lanes;
  std::optional<LoadResult> load;  // --load: the strategies instead of the paths

  const PathResult* find(std::string_view path) const noexcept;
};

// p50(a) / p50(b); nullopt unless both paths ran.
std::optional<double> p50_ratio(const BenchReport& report, std::string_view a, std::string_view b);

// The ratios the report names, as (json key, a, b).
struct RatioSpec {
  std::string_view key;
  std::string_view a;
  std::string_view b;
};
std::vector<RatioSpec> report_ratios();

std::string format_table(const BenchReport& report);
// {"model", "ort_version", "dims", "paths": {name: {p50_us, ...}}, "ratios", "lanes", "load", ...}
nlohmann::ordered_json report_json(const BenchReport& report);
// One latency histogram per path, overlaid, one colour each, with axes and a legend.
std::string histogram_svg(const BenchReport& report);

}  // namespace zrt::cli::bench
