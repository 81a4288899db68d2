// The ways zrt bench runs a model, side by side: ORT's raw C API (the floor), ORT's C++
// API (typical and expert use) and zrt's run paths. Every path runs the workload's one
// session on its own copy of the same inputs; with state carry, every path feeds each
// run's carried outputs into the next run (see path_catalog for how each does it).
#pragma once

#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "bench_workload.hpp"
#include "host_value.hpp"
#include "zrt/lane.hpp"

namespace zrt::cli::bench {

// One way of running the workload. Not thread-safe: one per thread.
class Path {
 public:
  virtual ~Path() = default;
  // Back to the initial state: carried inputs hold their initial values again.
  virtual void reset() = 0;
  // One run: what the bench times.
  virtual void run() = 0;
  // The last run's outputs in model order (copies, for comparison).
  virtual std::vector<HostValue> outputs() const = 0;
  // Waits until the device has done the work runs queued (a device run may return once
  // its work is submitted, as WebGPU's does). Called outside timed sections, so one
  // path's queued work is not timed as another's.
  virtual void settle() {}
};

struct PathInfo {
  std::string_view name;
  std::string_view description;  // what one run does
  std::string_view carry;        // how it feeds carried state to the next run
  bool device = false;           // inputs and outputs in the first EP's device memory (needs --ep)
};

// Every path, in the order the bench runs and prints them (the device paths last).
std::span<const PathInfo> path_catalog() noexcept;
const PathInfo* find_path(std::string_view name) noexcept;
// The reference every path's outputs are compared with.
inline constexpr std::string_view kReferencePath = "cxx_run";

// Throws zrt::Error listing the known names when `name` is unknown.
std::unique_ptr<Path> make_path(std::string_view name, const Workload& workload);

// For concurrent runs: ORT's C++ Run on `session` (a session of the workload's model),
// and a path that drives an existing lane made with bench_lane_options().
std::unique_ptr<Path> make_cxx_run_path(const Session& session, const Workload& workload);
std::unique_ptr<Path> make_lane_path(Lane& lane, const Workload& workload);
// Lane options for the workload: its input and output shapes and carry pairs.
LaneOptions bench_lane_options(const Workload& workload);

}  // namespace zrt::cli::bench
