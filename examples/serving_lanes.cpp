// Serving with lanes: a Runtime of N lanes driven by N threads, one lane per thread.
// Each thread fetches its lane's spans once, then writes a request into the input
// span, calls run_on(i) and reads the logits in place: no allocation, no lock, no copy.
//
// Usage: serving_lanes [shared|replicated] [lanes] [requests per lane]
// (defaults: replicated, 2 lanes, 200 requests). The model (an MLP 784->128->10) is
// built in memory; every answer is checked against an exact reference.
#include <zrt/zrt.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "models/models.hpp"  // builds the demo model in memory

namespace {

constexpr std::size_t kBatch = 1;

struct LaneReport {
  std::size_t wrong = 0;
  std::size_t core = 0;
  bool pinned = false;
};

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "replicated";
  const std::size_t lanes = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 2;
  const std::size_t requests = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 200;
  if ((mode != "shared" && mode != "replicated") || lanes == 0) {
    std::fprintf(stderr, "usage: serving_lanes [shared|replicated] [lanes >= 1] [requests per lane]\n");
    return 2;
  }

  try {
    const zrt::test::Bytes model = zrt::test::mlp();
    // One intra-op thread per session: the lanes are the parallelism.
    const auto options = zrt::SessionOptions{}.intra_op_threads(1).intra_op_spinning(false);
    // The model's batch dim is free: each lane is bound to one concrete shape.
    const auto lane_options = zrt::LaneOptions{}
                                  .input_shapes({zrt::Shape{kBatch, zrt::test::kMlpIn}})
                                  .output_shapes({zrt::Shape{kBatch, zrt::test::kMlpOut}})
                                  .input_policy(zrt::BufferPolicy::latency());

    zrt::Runtime runtime = mode == "shared"
                               ? zrt::Runtime::shared(zrt::Session::from_bytes(model, options), lanes, lane_options)
                               : zrt::Runtime::replicated_from_bytes(model, lanes, options, lane_options);
    runtime.prime(8);  // warm every lane's arena and caches before serving

    std::vector<LaneReport> reports(lanes);
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < lanes; ++i) {
      threads.emplace_back([&runtime, &reports, i, requests] {
        LaneReport& report = reports[i];
        try {  // pinning is optional: serve unpinned where the machine does not allow it
          report.core = runtime.pin_current_thread(i);
          report.pinned = true;
        } catch (const zrt::Error&) {
        }
        zrt::Lane& lane = runtime.lane(i);
        const std::span<float> in = lane.input<float>(0);             // fetched once,
        const std::span<const float> logits = lane.output<float>(0);  // stable for the lane's life
        for (std::size_t r = 0; r < requests; ++r) {
          const std::vector<float> request = zrt::test::mlp_input(kBatch, 7919 * i + r);
          std::copy(request.begin(), request.end(), in.begin());
          runtime.run_on(i);  // the hot path
          const std::vector<float> expected = zrt::test::mlp_reference(request, kBatch);
          if (!std::equal(logits.begin(), logits.end(), expected.begin(), expected.end())) ++report.wrong;
        }
      });
    }
    for (std::thread& t : threads) t.join();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    std::size_t wrong = 0;
    for (std::size_t i = 0; i < lanes; ++i) {
      wrong += reports[i].wrong;
      if (reports[i].pinned) {
        std::printf("lane %zu: core %zu, %zu wrong\n", i, reports[i].core, reports[i].wrong);
      } else {
        std::printf("lane %zu: unpinned, %zu wrong\n", i, reports[i].wrong);
      }
    }
    std::printf("serving_lanes: %s runtime, %zu lanes x %zu requests in %.3f s (incl. reference checks)\n",
                zrt::to_string(runtime.mode()), lanes, requests, seconds);
    if (wrong != 0) {
      std::printf("serving_lanes: %zu wrong answers\n", wrong);
      return 1;
    }
    std::printf("serving_lanes: outputs exact\n");
    return 0;
  } catch (const zrt::Error& e) {
    std::fprintf(stderr, "serving_lanes: %s\n", e.what());
    return 1;
  }
}
