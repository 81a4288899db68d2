#include "bench_lanes.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <mutex>
#include <thread>

#include "bench_alloc.hpp"
#include "zrt/error.hpp"
#include "zrt/runtime.hpp"

namespace zrt::cli::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Mode {
  LanesMode result;
  std::vector<std::unique_ptr<Path>> paths;  // one per thread
  std::vector<std::vector<double>> samples;  // per thread, all rounds
  std::vector<double> estimate_us;           // per thread, from its first warm-up
  std::uint64_t allocations = 0;
};

struct Pinning {
  std::mutex mutex;
  std::string failure;
};

void wait_for(std::atomic<std::size_t>& counter, std::size_t target) {
  for (std::size_t v = counter.load(); v < target; v = counter.load()) counter.wait(v);
}

// One round of one mode: every thread warms up, all start together, each runs its
// share, and allocations are counted from the start to the last thread's end.
void run_round(Mode& mode, const LanesConfig& config, std::size_t round, std::size_t rounds, Pinning& pinning) {
  const std::size_t n = mode.paths.size();
  const bool by_count = config.iters > 0;
  const double slice_us = config.duration_s * 1e6 / static_cast<double>(rounds);
  std::atomic<std::size_t> ready{0}, done{0};
  std::atomic<bool> go{false};
  std::atomic<bool> abandon{false};  // set when a thread could not be started
  std::vector<Clock::time_point> start(n), end(n);
  std::vector<std::exception_ptr> errors(n);
  std::vector<std::thread> threads;
  threads.reserve(n);
  // Starts thread t; when it cannot be, the threads already started are released and
  // joined (a joinable std::thread destroyed ends the process), then the error is thrown.
  auto start_thread = [&](std::size_t t, auto&& body) {
    try {
      threads.emplace_back(body);
    } catch (const std::exception& e) {
      abandon.store(true);
      go.store(true);
      go.notify_all();
      for (std::thread& started : threads) started.join();
      throw Error(ErrorCode::Fail, fmt::format("--lanes {}: cannot start thread {}: {}", n, t + 1, e.what()));
    }
  };
  for (std::size_t t = 0; t < n; ++t) {
    start_thread(t, [&, t] {
      bool signalled = false;
      try {
        if (config.pin) {
          try {
            pin_current_thread_to_core(t);
          } catch (const std::exception& e) {
            const std::lock_guard lock(pinning.mutex);
            if (pinning.failure.empty()) pinning.failure = e.what();
          }
        }
        Path& path = *mode.paths[t];
        const std::size_t warm =
            round == 0 ? std::max<std::size_t>(config.warmup, 1) : std::min<std::size_t>(config.warmup, 20);
        const auto w0 = Clock::now();
        for (std::size_t i = 0; i < warm; ++i) path.run();
        if (round == 0 && warm > 0)
          mode.estimate_us[t] = std::max(
              std::chrono::duration<double, std::micro>(Clock::now() - w0).count() / static_cast<double>(warm), 0.01);
        std::vector<double>& samples = mode.samples[t];
        const std::size_t first = samples.size();
        const std::size_t quota = by_count
                                      ? config.iters * (round + 1) / rounds - config.iters * round / rounds
                                      : static_cast<std::size_t>(std::ceil(slice_us / mode.estimate_us[t] * 3.0)) + 16;
        samples.resize(first + quota);  // before the timed section
        ready.fetch_add(1);
        ready.notify_all();
        signalled = true;
        go.wait(false);
        if (abandon.load()) throw Error("abandoned: another thread could not be started");
        std::size_t i = first;
        const std::size_t last = first + quota;
        start[t] = Clock::now();
        const auto deadline =
            start[t] + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::micro>(slice_us));
        while (i < last) {
          const auto t0 = Clock::now();
          path.run();
          const auto t1 = Clock::now();
          samples[i++] = std::chrono::duration<double, std::micro>(t1 - t0).count();
          if (!by_count && t1 >= deadline) break;
        }
        end[t] = Clock::now();
        samples.resize(i);  // shrinks: no allocation
      } catch (...) {
        errors[t] = std::current_exception();
        start[t] = end[t] = Clock::now();
      }
      if (!signalled) {
        ready.fetch_add(1);
        ready.notify_all();
      }
      done.fetch_add(1);
      done.notify_all();
    });
  }
  wait_for(ready, n);
  const AllocationSnapshot before = allocation_snapshot();
  go.store(true);
  go.notify_all();
  wait_for(done, n);
  const AllocationSnapshot after = allocation_snapshot();
  for (std::thread& t : threads) t.join();
  for (const std::exception_ptr& e : errors)
    if (e) std::rethrow_exception(e);
  mode.allocations += after.allocations - before.allocations;
  const auto first = *std::min_element(start.begin(), start.end());
  const auto last = *std::max_element(end.begin(), end.end());
  mode.result.seconds += std::chrono::duration<double>(last - first).count();
}

Mode make_mode(std::string name, std::string description, std::vector<std::unique_ptr<Path>> paths) {
  Mode m;
  m.result.name = std::move(name);
  m.result.description = std::move(description);
  m.result.threads = paths.size();
  m.samples.resize(paths.size());
  m.estimate_us.assign(paths.size(), 1.0);
  m.paths = std::move(paths);
  return m;
}

}  // namespace

const LanesMode* LanesResult::find(std::string_view name) const noexcept {
  for (const LanesMode& m : modes)
    if (m.name == name) return &m;
  return nullptr;
}

const LanesMode* LanesResult::best_zrt() const noexcept {
  const LanesMode* a = find("zrt_shared");
  const LanesMode* b = find("zrt_replicated");
  if (a == nullptr) return b;
  if (b == nullptr) return a;
  return b->throughput_per_s > a->throughput_per_s ? b : a;
}

LanesResult run_lanes(const Workload& w, const LanesConfig& config) {
  const std::size_t k = std::max<std::size_t>(config.lanes, 1);
  const LaneOptions lane_options = bench_lane_options(w);
  Runtime one = Runtime::shared(w.session, 1, lane_options);
  Runtime shared = Runtime::shared(w.session, k, lane_options);
  Runtime replicated = w.model_path
                           ? Runtime::replicated(w.environment, *w.model_path, k, w.options, lane_options)
                           : Runtime::replicated_from_bytes(w.environment, w.model_bytes, k, w.options, lane_options);

  std::vector<Mode> modes;
  {
    std::vector<std::unique_ptr<Path>> p;
    p.push_back(make_lane_path(one.lane(0), w));
    modes.push_back(make_mode("zrt_lane_x1", "one zrt lane on one thread", std::move(p)));
  }
  {
    std::vector<std::unique_ptr<Path>> p;
    for (std::size_t i = 0; i < k; ++i) p.push_back(make_lane_path(shared.lane(i), w));
    modes.push_back(
        make_mode("zrt_shared", fmt::format("zrt Runtime::shared: {} lanes on one session", k), std::move(p)));
  }
  {
    std::vector<std::unique_ptr<Path>> p;
    for (std::size_t i = 0; i < k; ++i) p.push_back(make_lane_path(replicated.lane(i), w));
    modes.push_back(make_mode(
        "zrt_replicated",
        fmt::format("zrt Runtime::replicated: {} sessions (shared prepacked weights), a lane each", k), std::move(p)));
  }
  {
    std::vector<std::unique_ptr<Path>> p;
    for (std::size_t i = 0; i < k; ++i) p.push_back(make_cxx_run_path(w.session, w));
    modes.push_back(make_mode(
        "cxx_run_shared", fmt::format("ORT C++ API: {} threads calling Session::Run on one session", k), std::move(p)));
  }

  Pinning pinning;
  const std::size_t rounds = std::max<std::size_t>(config.rounds, 1);
  std::size_t done = 0;
  for (std::size_t r = 0; r < rounds; ++r) {
    for (std::size_t i = 0; i < modes.size(); ++i) {
      run_round(modes[(r + i) % modes.size()], config, r, rounds, pinning);
      if (config.progress) config.progress("lanes", ++done, rounds * modes.size());
    }
  }

  LanesResult result;
  result.lanes = k;
  result.pinned = config.pin && pinning.failure.empty();
  if (!config.pin)
    result.pinning = "threads not pinned (--no-pin)";
  else if (!pinning.failure.empty())
    result.pinning = "threads not pinned: " + pinning.failure;
  else
    result.pinning = k == 1 ? "thread pinned to core 0" : fmt::format("threads pinned to cores 0-{}", k - 1);
  const bool counting = allocation_counting();
  for (Mode& m : modes) {
    std::vector<double> all;
    for (const auto& s : m.samples) all.insert(all.end(), s.begin(), s.end());
    m.result.stats = summarize(all);
    m.result.runs = all.size();
    m.result.throughput_per_s = m.result.seconds > 0 ? static_cast<double>(all.size()) / m.result.seconds : 0;
    if (counting && !all.empty())
      m.result.allocs_per_run = static_cast<double>(m.allocations) / static_cast<double>(all.size());
    result.modes.push_back(std::move(m.result));
  }
  return result;
}

}  // namespace zrt::cli::bench
