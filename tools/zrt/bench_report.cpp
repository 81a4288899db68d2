#include "bench_report.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cmath>

#ifndef ZRT_BENCH_VERSION
#define ZRT_BENCH_VERSION "unknown"
#endif

namespace zrt::cli::bench {
namespace {

// The first three are the headline ratios (printed on the first line), three a line.
constexpr std::array<RatioSpec, 7> kRatios = {{
    {"zrt_lane_vs_c_binding", "zrt_lane", "c_binding"},
    {"zrt_prepared_vs_c_binding", "zrt_prepared", "c_binding"},
    {"zrt_run_vs_cxx_run", "zrt_run", "cxx_run"},
    {"zrt_prepared_binding_vs_c_binding", "zrt_prepared_binding", "c_binding"},
    {"zrt_run_view_vs_cxx_run", "zrt_run_view", "cxx_run"},
    {"cxx_binding_vs_c_binding", "cxx_binding", "c_binding"},
    {"zrt_lane_device_vs_c_binding_device", "zrt_lane_device", "c_binding_device"},
}};

std::string number(double v) {
  if (v >= 10000) return fmt::format("{:.0f}", v);
  if (v >= 100) return fmt::format("{:.1f}", v);
  return fmt::format("{:.2f}", v);
}

std::string allocs_text(const std::optional<double>& a) {
  if (!a) return "n/a";
  return std::fabs(*a - std::round(*a)) < 0.005 ? fmt::format("{:.0f}", *a) : fmt::format("{:.2f}", *a);
}

nlohmann::ordered_json optional_number(const std::optional<double>& v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

nlohmann::ordered_json stats_json(const LatencyStats& s) {
  nlohmann::ordered_json j;
  j["p50_us"] = s.p50_us;
  j["p90_us"] = s.p90_us;
  j["p99_us"] = s.p99_us;
  j["p999_us"] = s.p999_us;
  j["mean_us"] = s.mean_us;
  j["min_us"] = s.min_us;
  j["max_us"] = s.max_us;
  j["stddev_us"] = s.stddev_us;
  j["runs"] = s.runs;
  return j;
}

std::string escape_xml(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// Tick step for about `count` ticks over `range`: 1, 2 or 5 times a power of ten.
double tick_step(double range, int count) {
  if (range <= 0) return 1;
  const double raw = range / count;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / mag;
  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
}

std::string tick_label(double v, double step) {
  if (step >= 1) return fmt::format("{:.0f}", v);
  const int decimals = static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
  return fmt::format("{:.{}f}", v, decimals);
}

// --load: one line per strategy, then the batcher against the best per-request strategy.
void format_load(std::string& s, const LoadResult& l) {
  auto out = std::back_inserter(s);
  fmt::format_to(
      out, "\n--load: {} client{}, {}, {:.2f} s per strategy in {} interleaved rounds, {} core{}\n", l.clients,
      l.clients == 1 ? "" : "s",
      l.rate ? fmt::format("open loop at {:g} requests/s (Poisson arrivals)", *l.rate) : std::string("closed loop"),
      l.duration_s, l.rounds, l.cores, l.cores == 1 ? "" : "s");
  fmt::format_to(out, "{:<12}{:>12}{:>10}{:>10}{:>10}{:>12}{:>15}  {}\n", "strategy", "requests/s", "p50 µs", "p99 µs",
                 "p99.9 µs", "mean batch", "CPU µs/request", "");
  for (const LoadStrategyResult& st : l.strategies) {
    if (!st.error.empty()) {
      fmt::format_to(out, "{:<12}unavailable: {}\n", st.name, st.error);
      continue;
    }
    fmt::format_to(out, "{:<12}{:>12.0f}{:>10}{:>10}{:>10}{:>12.2f}{:>15}  {}\n", st.name, st.throughput_rps,
                   number(st.stats.p50_us), number(st.stats.p99_us), number(st.stats.p999_us), st.mean_batch,
                   number(st.cpu_us_per_request), st.description);
  }
  const LoadStrategyResult* batcher = l.find("batcher");
  const LoadStrategyResult* best = l.best_per_request();
  if (batcher && batcher->ran() && best && best->throughput_rps > 0 && best->stats.p99_us > 0)
    fmt::format_to(out, "batcher vs the best per-request strategy ({}): {:.2f}x the throughput, {:.2f}x the p99\n",
                   best->name, batcher->throughput_rps / best->throughput_rps,
                   batcher->stats.p99_us / best->stats.p99_us);
}

nlohmann::ordered_json load_json(const LoadResult& l) {
  nlohmann::ordered_json j;
  j["clients"] = l.clients;
  j["mode"] = l.rate ? "open" : "closed";
  j["rate_rps"] = optional_number(l.rate);
  j["duration_s"] = l.duration_s;
  j["rounds"] = l.rounds;
  j["cores"] = l.cores;
  j["strategies"] = nlohmann::ordered_json::object();
  for (const LoadStrategyResult& st : l.strategies) {
    nlohmann::ordered_json sj;
    sj["description"] = st.description;
    if (!st.error.empty()) {
      sj["error"] = st.error;
    } else {
      sj["throughput_rps"] = st.throughput_rps;
      sj["p50_us"] = st.stats.p50_us;
      sj["p99_us"] = st.stats.p99_us;
      sj["p999_us"] = st.stats.p999_us;
      sj["mean_batch"] = st.mean_batch;
      sj["cpu_us_per_request"] = st.cpu_us_per_request;
      sj["context_switches_per_request"] = st.context_switches_per_request;
      sj["mean_us"] = st.stats.mean_us;
      sj["max_us"] = st.stats.max_us;
      sj["requests"] = st.requests;
      sj["seconds"] = st.seconds;
    }
    j["strategies"][st.name] = sj;
  }
  const LoadStrategyResult* batcher = l.find("batcher");
  const LoadStrategyResult* best = l.best_per_request();
  const bool compared = batcher && batcher->ran() && best && best->throughput_rps > 0 && best->stats.p99_us > 0;
  j["best_per_request"] = best ? nlohmann::ordered_json(best->name) : nlohmann::ordered_json(nullptr);
  j["batcher_vs_best_throughput"] = compared ? nlohmann::ordered_json(batcher->throughput_rps / best->throughput_rps)
                                             : nlohmann::ordered_json(nullptr);
  j["batcher_vs_best_p99"] =
      compared ? nlohmann::ordered_json(batcher->stats.p99_us / best->stats.p99_us) : nlohmann::ordered_json(nullptr);
  return j;
}

}  // namespace

const PathResult* BenchReport::find(std::string_view path) const noexcept {
  for (const PathResult& p : paths)
    if (p.name == path) return &p;
  return nullptr;
}

std::optional<double> p50_ratio(const BenchReport& report, std::string_view a, std::string_view b) {
  const PathResult* pa = report.find(a);
  const PathResult* pb = report.find(b);
  if (pa == nullptr || pb == nullptr || pa->stats.runs == 0 || pb->stats.runs == 0 || pb->stats.p50_us <= 0)
    return std::nullopt;
  return pa->stats.p50_us / pb->stats.p50_us;
}

std::vector<RatioSpec> report_ratios() { return {kRatios.begin(), kRatios.end()}; }

std::string format_table(const BenchReport& r) {
  std::string s;
  auto out = std::back_inserter(s);
  fmt::format_to(out, "zrt bench: {}{}\n", r.model, r.description.empty() ? "" : "  (" + r.description + ")");
  std::string timing =
      r.iters > 0 ? fmt::format("{} runs per path", r.iters) : fmt::format("{:.2f} s of runs per path", r.duration_s);
  timing = r.load ? fmt::format("warm-up {} requests per strategy", r.warmup)
                  : fmt::format("{} interleaved rounds, {}, warm-up {} runs per path", r.rounds, timing, r.warmup);
  fmt::format_to(out, "ONNX Runtime {}{}, intra-op threads {}{}; {}\n", r.ort_version,
                 r.providers.empty() ? "" : fmt::format(" on {} (CPU fallback)", fmt::join(r.providers, ", ")),
                 r.intra_op_threads == 0 ? std::string("ORT default") : std::to_string(r.intra_op_threads),
                 r.options_file.empty() ? "" : ", options from " + r.options_file, timing);
  for (const auto& in : r.inputs) fmt::format_to(out, "input  {}: {} from {}\n", in.name, in.type, in.origin);
  for (const auto& [o, i] : r.carry)
    fmt::format_to(out, "carry  {} -> {} (each run's {} is the next run's {})\n", o, i, o, i);
  if (r.load) {
    format_load(s, *r.load);
    return s;
  }
  if (r.check.identical)
    fmt::format_to(out, "check  every path's outputs are bit-identical to {}'s ({} runs each from the same state)\n",
                   r.check.reference, r.check.runs);
  else
    fmt::format_to(out,
                   "check  every path's outputs match {}'s within rtol {:g}, atol {:g} (largest difference {:g})\n",
                   r.check.reference, r.check.tolerance.rtol, r.check.tolerance.atol, r.check.max_abs_diff);
  fmt::format_to(out, "\n{:<22}{:>10}{:>10}{:>10}{:>10}{:>10}{:>10}{:>9}{:>11}{:>12}{:>10}\n", "path", "p50 µs",
                 "p90 µs", "p99 µs", "p99.9 µs", "mean µs", "min µs", "runs", "runs/s", "allocs/run", "p50 vs C");
  // Device paths compare with the device floor.
  const PathResult* host_floor = r.find("c_binding");
  const PathResult* device_floor = r.find("c_binding_device");
  for (const PathResult& p : r.paths) {
    const PathInfo* info = find_path(p.name);
    const PathResult* floor = info != nullptr && info->device ? device_floor : host_floor;
    const LatencyStats& st = p.stats;
    const std::string vs =
        floor && floor->stats.p50_us > 0 ? fmt::format("{:.3f}", st.p50_us / floor->stats.p50_us) : "-";
    fmt::format_to(out, "{:<22}{:>10}{:>10}{:>10}{:>10}{:>10}{:>10}{:>9}{:>11.0f}{:>12}{:>10}\n", p.name,
                   number(st.p50_us), number(st.p90_us), number(st.p99_us), number(st.p999_us), number(st.mean_us),
                   number(st.min_us), st.runs, st.throughput_per_s, allocs_text(p.allocs_per_run), vs);
  }
  if (!r.allocation_counting) fmt::format_to(out, "(allocations are not counted in this build)\n");
  for (const auto& [name, why] : r.skipped) fmt::format_to(out, "{:<22}skipped: {}\n", name, why);
  // The headline ratios first (the floor for bound paths, ORT's typical Run for the
  // flexible one), then the others.
  s += "\n";
  for (std::size_t line = 0; line * 3 < kRatios.size(); ++line) {
    bool any = false;
    for (std::size_t q = line * 3; q < std::min(line * 3 + 3, kRatios.size()); ++q) {
      if (auto v = p50_ratio(r, kRatios[q].a, kRatios[q].b)) {
        fmt::format_to(out, "{}{} / {} = {:.3f}",
                       any         ? "   "
                       : line == 0 ? "p50 ratios  "
                                   : "            ",
                       kRatios[q].a, kRatios[q].b, *v);
        any = true;
      }
    }
    if (any) s += "\n";
  }

  if (r.lanes) {
    const LanesResult& l = *r.lanes;
    fmt::format_to(out, "\n--lanes {} ({})\n", l.lanes, l.pinning);
    fmt::format_to(out, "{:<18}{:>8}{:>12}{:>14}{:>10}{:>10}{:>12}  {}\n", "mode", "threads", "runs/s", "vs one lane",
                   "p50 µs", "p99 µs", "allocs/run", "");
    const LanesMode* one = l.find("zrt_lane_x1");
    for (const LanesMode& m : l.modes) {
      const std::string vs =
          one && one->throughput_per_s > 0 ? fmt::format("{:.2f}x", m.throughput_per_s / one->throughput_per_s) : "-";
      fmt::format_to(out, "{:<18}{:>8}{:>12.0f}{:>14}{:>10}{:>10}{:>12}  {}\n", m.name, m.threads, m.throughput_per_s,
                     vs, number(m.stats.p50_us), number(m.stats.p99_us), allocs_text(m.allocs_per_run), m.description);
    }
    const LanesMode* best = l.best_zrt();
    const LanesMode* cxx = l.find("cxx_run_shared");
    if (best && cxx && cxx->throughput_per_s > 0)
      fmt::format_to(out, "best zrt mode ({}) vs ORT C++ Run from {} threads: {:.2f}x the throughput\n", best->name,
                     cxx->threads, best->throughput_per_s / cxx->throughput_per_s);
  }
  return s;
}

nlohmann::ordered_json report_json(const BenchReport& r) {
  nlohmann::ordered_json j;
  j["model"] = r.model;
  j["ort_version"] = r.ort_version;
  j["dims"] = nlohmann::ordered_json::object();
  for (const auto& [name, value] : r.dims) j["dims"][name] = value;
  j["paths"] = nlohmann::ordered_json::object();
  for (const PathResult& p : r.paths) {
    nlohmann::ordered_json pj = stats_json(p.stats);
    pj["allocs_per_run"] = optional_number(p.allocs_per_run);
    pj["alloc_bytes_per_run"] = optional_number(p.alloc_bytes_per_run);
    pj["throughput_per_s"] = p.stats.throughput_per_s;
    if (const PathInfo* info = find_path(p.name)) pj["description"] = info->description;
    j["paths"][p.name] = pj;
  }
  j["skipped"] = nlohmann::ordered_json::object();
  for (const auto& [name, why] : r.skipped) j["skipped"][name] = why;
  j["ratios"] = nlohmann::ordered_json::object();
  for (const RatioSpec& q : kRatios) j["ratios"][std::string(q.key)] = optional_number(p50_ratio(r, q.a, q.b));
  j["lanes"] = nlohmann::ordered_json::object();
  if (r.lanes) {
    const LanesResult& l = *r.lanes;
    nlohmann::ordered_json lj;
    lj["lanes"] = l.lanes;
    lj["pinned"] = l.pinned;
    lj["pinning"] = l.pinning;
    lj["modes"] = nlohmann::ordered_json::object();
    const LanesMode* one = l.find("zrt_lane_x1");
    for (const LanesMode& m : l.modes) {
      nlohmann::ordered_json mj;
      mj["description"] = m.description;
      mj["threads"] = m.threads;
      mj["runs"] = m.runs;
      mj["seconds"] = m.seconds;
      mj["throughput_per_s"] = m.throughput_per_s;
      mj["vs_one_lane"] = one && one->throughput_per_s > 0
                              ? nlohmann::ordered_json(m.throughput_per_s / one->throughput_per_s)
                              : nlohmann::ordered_json(nullptr);
      mj["p50_us"] = m.stats.p50_us;
      mj["p99_us"] = m.stats.p99_us;
      mj["allocs_per_run"] = optional_number(m.allocs_per_run);
      lj["modes"][m.name] = mj;
    }
    const LanesMode* best = l.best_zrt();
    const LanesMode* cxx = l.find("cxx_run_shared");
    lj["best_zrt_mode"] = best ? nlohmann::ordered_json(best->name) : nlohmann::ordered_json(nullptr);
    lj["best_zrt_vs_one_lane"] = best && one && one->throughput_per_s > 0
                                     ? nlohmann::ordered_json(best->throughput_per_s / one->throughput_per_s)
                                     : nlohmann::ordered_json(nullptr);
    lj["best_zrt_vs_cxx_run_shared"] = best && cxx && cxx->throughput_per_s > 0
                                           ? nlohmann::ordered_json(best->throughput_per_s / cxx->throughput_per_s)
                                           : nlohmann::ordered_json(nullptr);
    j["lanes"] = lj;
  }
  j["load"] = r.load ? load_json(*r.load) : nlohmann::ordered_json::object();
  j["description"] = r.description;
  j["zrt_version"] = ZRT_BENCH_VERSION;
  nlohmann::ordered_json inputs = nlohmann::ordered_json::array();
  for (const auto& in : r.inputs) inputs.push_back({{"name", in.name}, {"type", in.type}, {"origin", in.origin}});
  j["inputs"] = inputs;
  nlohmann::ordered_json carry = nlohmann::ordered_json::array();
  for (const auto& [o, i] : r.carry) carry.push_back({{"output", o}, {"input", i}});
  j["carry"] = carry;
  j["config"] = {{"iters", r.iters},
                 {"duration_s", r.iters > 0 ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.duration_s)},
                 {"warmup", r.warmup},
                 {"rounds", r.rounds},
                 {"intra_op_threads", r.intra_op_threads},
                 {"providers", r.providers},
                 {"seed", r.seed},
                 {"options_file",
                  r.options_file.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.options_file)}};
  j["check"] = {{"reference", r.check.reference}, {"runs", r.check.runs},
                {"rtol", r.check.tolerance.rtol}, {"atol", r.check.tolerance.atol},
                {"identical", r.check.identical}, {"max_abs_diff", r.check.max_abs_diff}};
  j["allocation_counting"] = r.allocation_counting;
  j["ratio_basis"] = "p50";
  return j;
}

std::string histogram_svg(const BenchReport& r) {
  // One panel per path (small multiples on one shared x axis), so no curve hides another.
  constexpr std::array<const char*, 10> kColours = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                                    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  constexpr double kWidth = 1000, kLeft = 70, kRight = 270, kTop = 56, kBottom = 64, kGap = 10;
  constexpr double kPlotW = kWidth - kLeft - kRight;
  constexpr std::size_t kBins = 120;
  const std::size_t n = r.paths.size();
  const double panel_h = std::clamp(440.0 / static_cast<double>(std::max<std::size_t>(n, 1)), 56.0, 120.0);
  const double height = kTop + static_cast<double>(n) * (panel_h + kGap) + kBottom;

  // x: from the fastest run to the slowest path's p99, but at most 3x the slowest p50
  // (beyond that the tail would squeeze the body; runs past the axis are counted).
  double lo = 0, hi = 1, max_p50 = 0;
  bool first = true;
  for (const PathResult& p : r.paths) {
    if (p.stats.runs == 0) continue;
    lo = first ? p.stats.min_us : std::min(lo, p.stats.min_us);
    hi = first ? p.stats.p99_us : std::max(hi, p.stats.p99_us);
    max_p50 = std::max(max_p50, p.stats.p50_us);
    first = false;
  }
  if (max_p50 > 0) hi = std::min(hi, 3 * max_p50);
  if (hi <= lo) hi = lo + 1;
  const double pad = (hi - lo) * 0.04;
  lo = std::max(0.0, lo - pad);
  hi += pad;
  const double step = tick_step(hi - lo, 10);
  lo = std::floor(lo / step) * step;
  hi = std::ceil(hi / step) * step;
  const double bin_w = (hi - lo) / static_cast<double>(kBins);
  auto x_of = [&](double v) { return kLeft + (std::clamp(v, lo, hi) - lo) / (hi - lo) * kPlotW; };

  std::string s;
  auto out = std::back_inserter(s);
  fmt::format_to(out,
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
                 "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"13\">\n",
                 kWidth, height);
  fmt::format_to(out, "<rect width=\"{}\" height=\"{}\" fill=\"white\"/>\n", kWidth, height);
  fmt::format_to(out, "<text x=\"{}\" y=\"24\" font-size=\"16\" font-weight=\"bold\">{}</text>\n", kLeft,
                 escape_xml(fmt::format("zrt bench: latency per run, {} (ONNX Runtime {})", r.model, r.ort_version)));
  fmt::format_to(out,
                 "<text x=\"{}\" y=\"42\" fill=\"#555\">share of runs per {} µs bin, each panel scaled to its "
                 "peak; dashed: p50, dotted: p99</text>\n",
                 kLeft, tick_label(bin_w, bin_w / 10));
  const double bottom = kTop + static_cast<double>(n) * (panel_h + kGap) - kGap;
  for (double v = lo; v <= hi + step * 0.5; v += step) {
    const double x = x_of(v);
    fmt::format_to(out, "<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"#e5e5e5\"/>\n", x, kTop,
                   bottom);
    fmt::format_to(out, "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n", x, bottom + 18,
                   tick_label(v, step));
  }
  fmt::format_to(out, "<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"middle\">latency per run (µs)</text>\n",
                 kLeft + kPlotW / 2, bottom + 40);

  for (std::size_t p = 0; p < n; ++p) {
    const PathResult& path = r.paths[p];
    const char* colour = kColours[p % kColours.size()];
    const double top = kTop + static_cast<double>(p) * (panel_h + kGap);
    const double base = top + panel_h;
    std::vector<double> share(kBins, 0);
    std::size_t beyond = 0;
    for (double v : path.samples_us) {
      if (v >= hi) {
        ++beyond;
        continue;
      }
      const auto b = static_cast<std::size_t>(std::max(0.0, (v - lo) / bin_w));
      share[std::min(b, kBins - 1)] += 1;
    }
    const double runs = std::max<double>(1, static_cast<double>(path.samples_us.size()));
    double peak = 0;
    for (double& c : share) peak = std::max(peak, c = c * 100.0 / runs);
    const double scale = peak > 0 ? (panel_h - 6) / peak : 0;
    fmt::format_to(out, "<rect x=\"{}\" y=\"{:.1f}\" width=\"{}\" height=\"{:.1f}\" fill=\"none\" stroke=\"#999\"/>\n",
                   kLeft, top, kPlotW, panel_h);
    std::string points = fmt::format("{:.1f},{:.1f}", x_of(lo), base);
    for (std::size_t b = 0; b < kBins; ++b) {
      const double y = base - share[b] * scale;
      points += fmt::format(" {:.1f},{:.1f} {:.1f},{:.1f}", x_of(lo + bin_w * static_cast<double>(b)), y,
                            x_of(lo + bin_w * static_cast<double>(b + 1)), y);
    }
    points += fmt::format(" {:.1f},{:.1f}", x_of(hi), base);
    fmt::format_to(out,
                   "<polyline points=\"{}\" fill=\"{}\" fill-opacity=\"0.45\" stroke=\"{}\" stroke-width=\"1.2\"/>\n",
                   points, colour, colour);
    fmt::format_to(out,
                   "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"#222\" "
                   "stroke-dasharray=\"5 3\"/>\n",
                   x_of(path.stats.p50_us), top, base);
    if (path.stats.p99_us < hi)
      fmt::format_to(out,
                     "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"#222\" "
                     "stroke-dasharray=\"1 3\"/>\n",
                     x_of(path.stats.p99_us), top, base);
    // y ticks: 0 and the panel's peak
    fmt::format_to(out, "<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\" font-size=\"11\">0</text>\n", kLeft - 6, base);
    fmt::format_to(out, "<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\" font-size=\"11\">{:.0f}%</text>\n", kLeft - 6,
                   base - peak * scale + 10, peak);
    // legend entry beside the panel
    const double lx = kLeft + kPlotW + 16;
    fmt::format_to(out, "<rect x=\"{}\" y=\"{:.1f}\" width=\"16\" height=\"12\" fill=\"{}\"/>\n", lx, top + 4, colour);
    fmt::format_to(out, "<text x=\"{}\" y=\"{:.1f}\" font-weight=\"bold\">{}</text>\n", lx + 22, top + 15,
                   escape_xml(path.name));
    fmt::format_to(out, "<text x=\"{}\" y=\"{:.1f}\" font-size=\"12\">p50 {} µs, p99 {} µs</text>\n", lx + 22, top + 31,
                   number(path.stats.p50_us), number(path.stats.p99_us));
    if (beyond > 0 && panel_h >= 50)
      fmt::format_to(out,
                     "<text x=\"{}\" y=\"{:.1f}\" font-size=\"12\" fill=\"#555\">{} of {} runs past the axis</text>\n",
                     lx + 22, top + 46, beyond, path.samples_us.size());
  }
  s += "</svg>\n";
  return s;
}

}  // namespace zrt::cli::bench
