// zrt quick start (the README's snippet): load a model, run it on your memory, read
// the output in place. Usage: quickstart [model.onnx] (default mlp.onnx: the MLP
// 784->128->10 of examples/models, which CMakeLists.txt copies next to the program).
#include <zrt/zrt.hpp>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <vector>

int main(int argc, char** argv) try {
  const char* path = argc > 1 ? argv[1] : "mlp.onnx";

  zrt::Environment env;            // logging, optional global thread pools
  zrt::Session session(env, path,  // names, types, shapes read once
                       zrt::SessionOptions{}.intra_op_threads(1));

  std::vector<float> pixels(784, 0.5f);                  // your memory...
  zrt::TensorView<const float> x(pixels, {1, 784});      // ...viewed, not copied
  zrt::Outputs out = session.make_outputs();             // keep it: slots are reused
  session.run({x}, out);                                 // thread-safe; one Outputs per thread
  std::span<const float> logits = out[0].data<float>();  // ORT's buffer, no copy

  const auto best = static_cast<std::size_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
  std::printf("%s -> %s\n", session.input(0).to_string().c_str(), session.output(0).to_string().c_str());
  std::printf("class %zu (logit %g)\n", best, static_cast<double>(logits[best]));
  return 0;
} catch (const std::exception& e) {  // zrt::Error says what was wrong: a missing file, a bad input
  std::fprintf(stderr, "quickstart: %s\n", e.what());
  return 1;
}
