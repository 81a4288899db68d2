// Execution providers and devices (the README's example): an MLP on the WebGPU EP with
// its input and output in device memory, checked against the CPU EP. Runs on any Linux
// machine with the gpu ORT core (make setup fetches it): on CPU-only machines WebGPU
// runs on Mesa's lavapipe. Usage: device_lane [model.onnx] (default mlp.onnx: the MLP
// 784->128->10 of examples/models, which CMakeLists.txt copies next to the program).
#include <zrt/zrt.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <vector>

int main(int argc, char** argv) try {
  const char* path = argc > 1 ? argv[1] : "mlp.onnx";

  for (const std::string& ep : zrt::available_providers()) std::printf("available: %s\n", ep.c_str());

  // WebGPU takes every node, or the session is refused naming the ones it cannot take.
  const zrt::Session gpu(path, zrt::SessionOptions{}.provider(zrt::WebGpu{}).cpu_fallback(false));

  // A lane whose input and output live in WebGPU memory.
  const zrt::MemoryInfo device("WebGPU_Buffer", zrt::AllocatorType::Device, 0, zrt::MemType::Default);
  zrt::Lane lane(gpu, zrt::LaneOptions{}
                          .input_shapes({{1, 784}})
                          .output_shapes({{1, 10}})
                          .input_storage("x", zrt::IoStorage::ort_allocated(device))
                          .output_storage("logits", zrt::IoStorage::ort_allocated(device)));
  std::vector<float> pixels(784, 0.5f);
  lane.upload<float>(0, pixels);  // host -> device, once
  lane.run();                     // device memory in, device memory out
  std::vector<float> logits(10);
  lane.download<float>(0, logits);  // device -> host

  // The same input on the CPU EP.
  const zrt::Session cpu(path, zrt::SessionOptions{}.intra_op_threads(1));
  const zrt::Outputs want = cpu.run({zrt::TensorView<const float>(pixels, {1, 784})});
  float worst = 0;
  for (std::size_t i = 0; i < logits.size(); ++i)
    worst = std::max(worst, std::abs(logits[i] - want[0].data<float>()[i]));
  const auto best = static_cast<std::size_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
  std::printf("class %zu on WebGPU, max |WebGPU - CPU| = %g, %zu host<->device copies\n", best,
              static_cast<double>(worst), lane.copies());
  return worst <= 1e-4f ? 0 : 1;
} catch (const std::exception& e) {
  std::fprintf(stderr, "device_lane: %s\n", e.what());
  return 1;
}
