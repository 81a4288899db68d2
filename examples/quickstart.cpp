// zrt quick start: load a model, run it on caller memory, read the output in place.
// Usage: quickstart [model.onnx]   (without a path it writes a small MLP 784->128->10)
#include <zrt/zrt.hpp>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "models/models.hpp"  // builds the demo model in memory

int main(int argc, char** argv) {
  zrt::test::TempDir dir;
  const auto path = argc > 1 ? std::filesystem::path(argv[1]) : dir.write("mlp.onnx", zrt::test::mlp());

  zrt::Environment env;
  zrt::Session session(env, path, zrt::SessionOptions{.intra_op_threads = 1});
  std::printf("%s -> %s\n", session.input(0).to_string().c_str(), session.output(0).to_string().c_str());

  std::vector<float> pixels(784, 0.5f);                  // the caller's memory...
  zrt::TensorView<const float> x(pixels, {1, 784});      // ...viewed, not copied
  zrt::Outputs out = session.run({x});                   // reuse `out` across runs
  std::span<const float> logits = out[0].data<float>();  // ORT's buffer, no copy

  const auto best = std::max_element(logits.begin(), logits.end()) - logits.begin();
  std::printf("class %td (logit %g)\n", best, static_cast<double>(logits[static_cast<std::size_t>(best)]));
  return 0;
}
