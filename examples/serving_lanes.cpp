// Serving with lanes: a Runtime of N lanes driven by N threads, one lane per thread.
// Each thread fetches its lane's spans once, then writes a request into the input
// span, calls run_on(i) and reads the logits in place: no allocation, no lock, no copy.
//
// Usage: serving_lanes [shared|replicated] [lanes] [requests per lane] [model.onnx]
// (defaults: replicated, 2 lanes, 200 requests, mlp.onnx: the MLP 784->128->10 of
// examples/models, which CMakeLists.txt copies next to the program). Every answer is
// checked against the same model run through a separate Session.
#include <zrt/zrt.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr std::size_t kBatch = 1, kIn = 784, kOut = 10;

// Request `seed`: values k/16 in [0,1).
std::vector<float> make_request(std::size_t seed) {
  std::vector<float> x(kBatch * kIn);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 17 + seed * 3) % 16) / 16.0f;
  return x;
}

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
  const std::string model = argc > 4 ? argv[4] : "mlp.onnx";
  if ((mode != "shared" && mode != "replicated") || lanes == 0) {
    std::fprintf(stderr, "usage: serving_lanes [shared|replicated] [lanes >= 1] [requests per lane] [model.onnx]\n");
    return 2;
  }

  try {
    // One intra-op thread per session: the lanes are the parallelism.
    const auto options = zrt::SessionOptions{}.intra_op_threads(1).intra_op_spinning(false);
    // The model's batch dim is free: each lane is bound to one concrete shape.
    const auto lane_options = zrt::LaneOptions{}
                                  .input_shapes({zrt::Shape{kBatch, kIn}})
                                  .output_shapes({zrt::Shape{kBatch, kOut}})
                                  .input_policy(zrt::BufferPolicy::latency());

    zrt::Runtime runtime = mode == "shared" ? zrt::Runtime::shared(zrt::Session(model, options), lanes, lane_options)
                                            : zrt::Runtime::replicated(model, lanes, options, lane_options);
    const zrt::Session reference(model, options);  // checks the answers; run() is thread-safe
    runtime.prime(8);                              // warm every lane's arena and caches before serving

    std::vector<LaneReport> reports(lanes);
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < lanes; ++i) {
      threads.emplace_back([&runtime, &reference, &reports, i, requests] {
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
          const std::vector<float> request = make_request(7919 * i + r);
          std::copy(request.begin(), request.end(), in.begin());
          runtime.run_on(i);  // the hot path
          const zrt::Outputs expected = reference.run({zrt::TensorView<const float>(request, {kBatch, kIn})});
          const std::span<const float> want = expected[0].data<float>();
          if (!std::equal(logits.begin(), logits.end(), want.begin(), want.end())) ++report.wrong;
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
  } catch (const std::exception& e) {
    std::fprintf(stderr, "serving_lanes: %s\n", e.what());
    return 1;
  }
}
