#include "bench_load.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include "bench_paths.hpp"
#include "zrt/batcher.hpp"
#include "zrt/error.hpp"
#include "zrt/pool.hpp"
#include "zrt/runtime.hpp"

namespace zrt::cli::bench {
namespace {

using Clock = std::chrono::steady_clock;

// One way of serving the clients' requests. request(c) is called by client c's thread
// only, so a strategy may keep per-client state; different clients call it concurrently.
class Strategy {
 public:
  virtual ~Strategy() = default;
  // One request: returns when its result is ready.
  virtual void request(std::size_t client) = 0;
  // Model runs so far, for strategies that batch requests into one run; nullopt: one
  // run per request.
  virtual std::optional<std::uint64_t> model_runs() const { return std::nullopt; }
};

Runtime replicated_runtime(const Workload& w, std::size_t lanes) {
  const LaneOptions options = bench_lane_options(w);
  return w.model_path ? Runtime::replicated(w.environment, *w.model_path, lanes, w.options, options)
                      : Runtime::replicated_from_bytes(w.environment, w.model_bytes, lanes, w.options, options);
}

// (1) Lanes: min(clients, cores) lanes of a replicated Runtime, client c on lane
// c % lanes; clients that share a lane take turns (a lane serves one thread at a time).
class LanesStrategy final : public Strategy {
 public:
  LanesStrategy(const Workload& w, std::size_t lanes) : runtime_(replicated_runtime(w, lanes)), locks_(lanes) {
    for (std::size_t i = 0; i < lanes; ++i) paths_.push_back(make_lane_path(runtime_.lane(i), w));
  }
  void request(std::size_t client) override {
    const std::size_t lane = client % paths_.size();
    const std::lock_guard lock(locks_[lane]);
    paths_[lane]->run();
  }

 private:
  Runtime runtime_;
  std::vector<std::mutex> locks_;
  std::vector<std::unique_ptr<Path>> paths_;
};

// The workload's inputs as views, which the Pool and the Batcher copy into their lanes
// (every request reads the same memory; nothing writes it).
class RequestInputs {
 public:
  explicit RequestInputs(const Workload& w) {
    values_.reserve(w.inputs.size());
    for (const ModelInput& in : w.inputs) {
      const HostTensor& t = in.tensor;
      values_.push_back(
          Value::view_bytes(t.type, const_cast<std::byte*>(t.bytes.data()), t.bytes.size(), Shape(t.dims)));
    }
    inputs_.assign(values_.begin(), values_.end());
  }
  std::span<const Input> get() const noexcept { return inputs_; }

 private:
  std::vector<Value> values_;
  std::vector<Input> inputs_;
};

// Where a client waits for its request's completion, signalled from a worker thread.
// The client sleeps at once (a condition variable): std::atomic::wait would spin and
// sched_yield first, which with more clients than cores takes the workers' CPU.
struct Completion {
  std::mutex mutex;
  std::condition_variable cv;
  bool done = false;
  std::exception_ptr error;

  void signal(std::exception_ptr e) noexcept {
    {
      const std::lock_guard lock(mutex);
      error = std::move(e);
      done = true;
    }
    cv.notify_one();
  }
  // Waits for signal(), then re-arms; rethrows the request's error.
  void wait() {
    std::unique_lock lock(mutex);
    cv.wait(lock, [this] { return done; });
    done = false;
    if (error) std::rethrow_exception(std::exchange(error, nullptr));
  }
};

// (2) Pool: one lane and one worker per core (replicated sessions), requests queued to
// whichever worker is free; the client waits for the completion callback.
class PoolStrategy final : public Strategy {
 public:
  PoolStrategy(const Workload& w, std::size_t clients, std::size_t cores)
      : inputs_(w),
        completions_(clients),
        pool_(replicated_runtime(w, cores),
              [this](std::uint64_t id, Lane&, std::exception_ptr e) { completions_[id].signal(std::move(e)); }) {}
  void request(std::size_t client) override {
    pool_.submit(client, inputs_.get());
    completions_[client].wait();
  }

 private:
  RequestInputs inputs_;
  std::vector<Completion> completions_;
  Pool pool_;
};

// (3) Batcher with default settings: concurrent requests run together, each request's
// rows viewed in the batch lane's outputs by the completion callback.
class BatcherStrategy final : public Strategy {
 public:
  BatcherStrategy(const Workload& w, std::size_t clients) : inputs_(w), completions_(clients), batcher_(w.session) {}
  void request(std::size_t client) override {
    Completion* c = &completions_[client];
    (void)batcher_.submit(inputs_.get(),
                          [c](const RequestOutputs&, std::exception_ptr e) noexcept { c->signal(std::move(e)); });
    c->wait();
  }
  std::optional<std::uint64_t> model_runs() const override { return batcher_.metrics().batches; }

 private:
  RequestInputs inputs_;
  std::vector<Completion> completions_;
  Batcher batcher_;
};

// (4) ORT's C++ API: every client calls Session::Run on the workload's one session.
class CxxSharedStrategy final : public Strategy {
 public:
  CxxSharedStrategy(const Workload& w, std::size_t clients) {
    for (std::size_t c = 0; c < clients; ++c) paths_.push_back(make_cxx_run_path(w.session, w));
  }
  void request(std::size_t client) override { paths_[client]->run(); }

 private:
  std::vector<std::unique_ptr<Path>> paths_;
};

struct Contender {
  LoadStrategyResult result;
  std::unique_ptr<Strategy> strategy;
  std::vector<std::vector<double>> samples_us;  // per client, all rounds
  double cpu_s = 0;
  std::uint64_t context_switches = 0;
  std::uint64_t runs = 0;  // model runs in the windows (batching strategies)
};

double process_cpu_seconds() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Context switches of the whole process so far, voluntary (a thread blocked) and not
// (preempted).
std::uint64_t process_context_switches() noexcept {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<std::uint64_t>(u.ru_nvcsw) + static_cast<std::uint64_t>(u.ru_nivcsw);
}

void wait_for(std::atomic<std::size_t>& counter, std::size_t target) {
  for (std::size_t v = counter.load(); v < target; v = counter.load()) counter.wait(v);
}

// One round of one strategy: every client warms up, all start together and submit
// requests until the slice's deadline (closed loop: one after another; open loop: at
// their Poisson arrival times). The window runs from the start to the last client's end.
void run_round(Contender& c, const LoadConfig& config, std::size_t round, std::size_t rounds) {
  const std::size_t n = c.samples_us.size();
  const auto slice = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(config.duration_s / static_cast<double>(rounds)));
  const std::size_t warm = round == 0 ? std::max<std::size_t>(config.warmup / n, 1) : 1;
  std::atomic<std::size_t> ready{0}, done{0};
  std::atomic<bool> go{false}, abandon{false};
  Clock::time_point origin;  // written before `go`, read after
  std::vector<Clock::time_point> end(n);
  std::vector<std::exception_ptr> errors(n);
  std::vector<std::thread> threads;
  threads.reserve(n);
  for (std::size_t t = 0; t < n; ++t) {
    try {
      threads.emplace_back([&, t] {
        bool signalled = false;
        try {
          for (std::size_t i = 0; i < warm; ++i) c.strategy->request(t);
          std::vector<double>& samples = c.samples_us[t];
          samples.reserve(samples.size() + 4096);
          ready.fetch_add(1);
          ready.notify_all();
          signalled = true;
          go.wait(false);
          if (abandon.load()) throw Error("abandoned: another client could not be started");
          const Clock::time_point deadline = origin + slice;
          if (config.rate) {
            // Each client's arrivals are a Poisson process of rate R / clients: together, rate R.
            // Sleeps end as close to the arrival as the kernel allows (its default 50 us of
            // timer slack would count as latency).
            prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
            std::mt19937_64 rng(config.seed * 1'000'003 + round * 1'009 + t);
            std::exponential_distribution<double> gap(*config.rate / static_cast<double>(n));
            auto next = [&] {
              return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(gap(rng)));
            };
            for (Clock::time_point arrival = origin + next(); arrival < deadline; arrival += next()) {
              if (Clock::now() < arrival) std::this_thread::sleep_until(arrival);
              c.strategy->request(t);
              samples.push_back(std::chrono::duration<double, std::micro>(Clock::now() - arrival).count());
            }
          } else {
            for (;;) {
              const auto t0 = Clock::now();
              c.strategy->request(t);
              const auto t1 = Clock::now();
              samples.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
              if (t1 >= deadline) break;
            }
          }
        } catch (...) {
          errors[t] = std::current_exception();
        }
        end[t] = Clock::now();
        if (!signalled) {
          ready.fetch_add(1);
          ready.notify_all();
        }
        done.fetch_add(1);
        done.notify_all();
      });
    } catch (const std::exception& e) {
      // A joinable std::thread destroyed ends the process: release and join the others.
      abandon.store(true);
      go.store(true);
      go.notify_all();
      for (std::thread& started : threads) started.join();
      throw Error(ErrorCode::Fail, fmt::format("--load: cannot start client thread {}: {}", t + 1, e.what()));
    }
  }
  wait_for(ready, n);
  const std::optional<std::uint64_t> runs_before = c.strategy->model_runs();
  const double cpu_before = process_cpu_seconds();
  const std::uint64_t switches_before = process_context_switches();
  origin = Clock::now();
  go.store(true);
  go.notify_all();
  wait_for(done, n);
  const double cpu_after = process_cpu_seconds();
  const std::uint64_t switches_after = process_context_switches();
  const std::optional<std::uint64_t> runs_after = c.strategy->model_runs();
  for (std::thread& t : threads) t.join();
  for (const std::exception_ptr& e : errors)
    if (e) std::rethrow_exception(e);
  c.result.seconds += std::chrono::duration<double>(*std::max_element(end.begin(), end.end()) - origin).count();
  c.cpu_s += cpu_after - cpu_before;
  c.context_switches += switches_after - switches_before;
  if (runs_before && runs_after) c.runs += *runs_after - *runs_before;
}

std::unique_ptr<Strategy> make_strategy(std::string_view name, const Workload& w, std::size_t clients,
                                        std::size_t lanes, std::size_t cores) {
  if (name == "lanes") return std::make_unique<LanesStrategy>(w, lanes);
  if (name == "pool") return std::make_unique<PoolStrategy>(w, clients, cores);
  if (name == "batcher") return std::make_unique<BatcherStrategy>(w, clients);
  if (name == "cxx_shared") return std::make_unique<CxxSharedStrategy>(w, clients);
  throw Error(ErrorCode::NotImplemented, fmt::format("strategy '{}' is not in this build", name));
}

std::string describe(std::string_view name, std::size_t clients, std::size_t lanes, std::size_t cores) {
  if (name == "lanes")
    return fmt::format("zrt Runtime::replicated, {} lane{} (one per client, at most one per core)", lanes,
                       lanes == 1 ? "" : "s");
  if (name == "pool")
    return fmt::format("zrt Pool over Runtime::replicated, {} lane{} and worker{} (one per core)", cores,
                       cores == 1 ? "" : "s", cores == 1 ? "" : "s");
  if (name == "batcher")
    return "zrt Batcher, default settings (1 worker, batch sizes 1-8, max delay 200 us) on the shared session";
  return fmt::format("ORT C++ API: {} client thread{} calling Session::Run on one session", clients,
                     clients == 1 ? "" : "s");
}

}  // namespace

const LoadStrategyResult* LoadResult::find(std::string_view name) const noexcept {
  for (const LoadStrategyResult& s : strategies)
    if (s.name == name) return &s;
  return nullptr;
}

const LoadStrategyResult* LoadResult::best_per_request() const noexcept {
  const LoadStrategyResult* best = nullptr;
  for (const LoadStrategyResult& s : strategies)
    if (s.name != "batcher" && s.ran() && (best == nullptr || s.throughput_rps > best->throughput_rps)) best = &s;
  return best;
}

LoadResult run_load(const Workload& w, const LoadConfig& config) {
  LoadResult result;
  result.clients = std::max<std::size_t>(config.clients, 1);
  result.rate = config.rate;
  result.duration_s = config.duration_s;
  result.rounds = std::max<std::size_t>(config.rounds, 1);
  result.cores = core_count();
  const std::size_t lanes = std::min(result.clients, result.cores);

  std::vector<Contender> contenders;
  for (const std::string& name : config.strategies)
    if (std::find(std::begin(kLoadStrategies), std::end(kLoadStrategies), name) == std::end(kLoadStrategies))
      throw Error(fmt::format("--strategies: unknown strategy '{}'; the strategies are: {}", name,
                              fmt::join(kLoadStrategies, ", ")));
  for (std::string_view name : kLoadStrategies) {
    if (!config.strategies.empty() &&
        std::find(config.strategies.begin(), config.strategies.end(), name) == config.strategies.end())
      continue;
    Contender c;
    c.result.name = name;
    c.result.description = describe(name, result.clients, lanes, result.cores);
    c.samples_us.resize(result.clients);
    try {
      c.strategy = make_strategy(name, w, result.clients, lanes, result.cores);
    } catch (const std::exception& e) {
      c.result.error = e.what();
    }
    contenders.push_back(std::move(c));
  }

  std::size_t step = 0;
  const std::size_t steps = result.rounds * contenders.size();
  for (std::size_t r = 0; r < result.rounds; ++r) {
    for (std::size_t i = 0; i < contenders.size(); ++i) {
      Contender& c = contenders[(r + i) % contenders.size()];
      if (c.result.error.empty()) {
        try {
          run_round(c, config, r, result.rounds);
        } catch (const std::exception& e) {
          c.result.error = e.what();
        }
      }
      if (config.progress) config.progress("load", ++step, steps);
    }
  }

  for (Contender& c : contenders) {
    LoadStrategyResult& s = c.result;
    if (s.error.empty()) {
      std::vector<double> all;
      for (const std::vector<double>& v : c.samples_us) all.insert(all.end(), v.begin(), v.end());
      s.stats = summarize(all);
      s.requests = all.size();
      s.throughput_rps = s.seconds > 0 ? static_cast<double>(s.requests) / s.seconds : 0;
      s.cpu_us_per_request = s.requests > 0 ? c.cpu_s * 1e6 / static_cast<double>(s.requests) : 0;
      s.context_switches_per_request =
          s.requests > 0 ? static_cast<double>(c.context_switches) / static_cast<double>(s.requests) : 0;
      if (c.runs > 0) s.mean_batch = static_cast<double>(s.requests) / static_cast<double>(c.runs);
    }
    result.strategies.push_back(std::move(s));
  }
  return result;
}

}  // namespace zrt::cli::bench
