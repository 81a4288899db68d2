// Extending ORT (the README's snippet): a custom operator defined in C++, a model built
// in code that uses it, and a run. No model file, no protobuf: a whole program.
#include <zrt/zrt.hpp>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <vector>

int main() try {
  // my.ops.Clamp: Y = X limited to [lo, hi]. The bounds are node attributes, read once
  // per node when ORT creates the kernel; the returned function runs on every call.
  zrt::OpDomain ops("my.ops");
  ops.add(zrt::CustomOp("Clamp").input<float>().output<float>().kernel([](const zrt::KernelInfo& node) {
    const float lo = node.attribute<float>("lo"), hi = node.attribute<float>("hi");
    return [lo, hi](zrt::KernelContext& k) {
      const auto x = k.input<float>(0);
      const auto y = k.output<float>(0, k.input_shape(0));  // allocated by shape
      std::transform(x.begin(), x.end(), y.begin(), [&](float v) { return std::clamp(v, lo, hi); });
    };
  }));

  // Y = Clamp(X * X), with ONNX's Mul and the custom op.
  zrt::ModelBuilder model({{"", 21}, {"my.ops", 1}});
  model.input<float>("X", {"n"}).output<float>("Y", {"n"});
  model.node("Mul", {"X", "X"}, {"X2"});
  model.node("Clamp", {"X2"}, {"Y"}, {{"lo", 1.0f}, {"hi", 10.0f}}).domain("my.ops");

  // The session keeps the ops alive; a kernel's exception becomes a zrt::Error.
  const zrt::Session session = zrt::Session::from_model(model, zrt::SessionOptions{}.op_domain(ops));
  const std::vector<float> x{0.5f, 2.0f, 3.0f, 4.0f};
  const zrt::Outputs out = session.run({zrt::TensorView<const float>(x, {4})});
  for (float y : out[0].data<float>()) std::printf("%g ", static_cast<double>(y));
  std::printf("\n");  // 1 4 9 10
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "extending: %s\n", e.what());
  return 1;
}
