// zrt/io_binding.hpp: bind once, run many; outputs into caller memory or ORT memory.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "models/models.hpp"
#include "test_util.hpp"
#include "zrt/io_binding.hpp"
#include "zrt/session.hpp"

namespace {

using zrt::ElementType;
using zrt::ErrorCode;
using zrt::IoBinding;
using zrt::MemoryInfo;
using zrt::Outputs;
using zrt::Session;
using zrt::SessionOptions;
using zrt::Shape;
using zrt::TensorView;
using zrt::Value;
using zrt::test::same_bytes;
using zrt::test::throws_error;
using zrt::test::to_vector;

Session mlp_session() { return Session::from_bytes(zrt::test::mlp(), SessionOptions{}.intra_op_threads(1)); }

TEST(IoBinding, OutputIntoCallerBufferMatchesRun) {
  const Session session = mlp_session();
  const std::size_t batch = 3;
  std::vector<float> x = zrt::test::mlp_input(batch, 11);
  std::vector<float> logits(batch * 10, -999.0f);

  IoBinding binding(session);
  EXPECT_EQ(binding.session().handle(), session.handle());
  binding.bind_input("x", TensorView<float>(x, {3, 784}));
  binding.bind_output("logits", TensorView<float>(logits, {3, 10}));
  session.run(binding);

  const Outputs reference = session.run({TensorView<const float>(x, {3, 784})});
  EXPECT_TRUE(same_bytes(std::span<const float>(logits), reference[0].data<float>()));
  EXPECT_EQ(logits, zrt::test::mlp_reference(x, batch));

  // The bound output is the caller's buffer itself.
  const std::vector<Value> bound = binding.outputs();
  ASSERT_EQ(bound.size(), 1u);
  EXPECT_EQ(bound[0].data<float>().data(), logits.data());
  EXPECT_EQ(binding.output_names(), (std::vector<std::string>{"logits"}));

  // Bound views read the caller's memory on every run: change it in place, run again.
  const std::vector<float> next = zrt::test::mlp_input(batch, 12);
  std::copy(next.begin(), next.end(), x.begin());
  session.run(binding);
  EXPECT_EQ(logits, zrt::test::mlp_reference(next, batch));
}

TEST(IoBinding, InputChangedInPlaceIsSeenByTheNextRun) {
  const Session session = mlp_session();
  std::vector<float> x = zrt::test::mlp_input(1, 1);
  std::vector<float> logits(10);
  IoBinding binding(session);
  binding.bind_input("x", TensorView<float>(x, {1, 784}));
  binding.bind_output("logits", TensorView<float>(logits, {1, 10}));
  for (std::size_t seed = 1; seed < 6; ++seed) {
    const std::vector<float> next = zrt::test::mlp_input(1, seed);
    std::copy(next.begin(), next.end(), x.begin());  // same storage
    session.run(binding);
    EXPECT_EQ(logits, zrt::test::mlp_reference(x, 1)) << "seed " << seed;
  }
}

TEST(IoBinding, OutputToMemoryInfoReadBackThroughOutputs) {
  const Session session = mlp_session();
  const std::vector<float> x = zrt::test::mlp_input(2, 5);
  IoBinding binding(session);
  binding.bind_input(0, Value::view(TensorView<const float>(x, {2, 784})));
  binding.bind_output("logits", MemoryInfo::cpu());
  session.run(binding);
  binding.synchronize_outputs();
  const std::vector<Value> out = binding.outputs();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].shape(), (Shape{2, 10}));
  EXPECT_EQ(out[0].memory_info().name(), "Cpu");
  EXPECT_EQ(to_vector(out[0].data<float>()), zrt::test::mlp_reference(x, 2));
}

// io_binding.hpp: an output bound to a memory location is allocated by ORT and its
// "shape may change per run" - bound once, then runs with different batch sizes.
TEST(IoBinding, MemoryBoundOutputFollowsChangingShapes) {
  const Session session = Session::from_bytes(zrt::test::dynamic());
  IoBinding binding(session);
  binding.bind_output("Y", MemoryInfo::cpu());
  binding.bind_output("S", MemoryInfo::cpu());
  for (std::int64_t batch : {1, 4, 2}) {
    std::vector<float> x(static_cast<std::size_t>(batch) * 3);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i) + 0.5f;
    binding.bind_input("X", TensorView<float>(x, {batch, 3}));
    binding.synchronize_inputs();
    session.run(binding);
    binding.synchronize_outputs();
    const std::vector<Value> out = binding.outputs();
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(binding.output_names(), (std::vector<std::string>{"Y", "S"}));
    ASSERT_EQ(out[0].shape(), (Shape{batch, 3}));
    for (std::size_t i = 0; i < x.size(); ++i) EXPECT_EQ(out[0].data<float>()[i], 2.0f * x[i]);
    EXPECT_EQ(to_vector(out[1].data<std::int64_t>()), (std::vector<std::int64_t>{batch, 3}));
  }
}

TEST(IoBinding, ValuesAndIndicesAndClear) {
  const Session session = Session::from_bytes(zrt::test::multi_io());
  const std::vector<float> a{1, -2, 3, -4, 5, -6};
  const std::vector<std::int64_t> b{1, 2, 3, 4, 5, 6};
  const std::vector<double> d{1.0, 2.0, 3.0};
  IoBinding binding(session);
  binding.bind_input("a", TensorView<const float>(a, {2, 3}));
  binding.bind_input(1, Value::tensor_copy<std::int64_t>(b, {2, 3}));
  binding.bind_input("d", Value::view(TensorView<const double>(d, {3})));
  Value twice = Value::allocate(ElementType::Int64, {2, 3});
  binding.bind_output("twice", twice);
  binding.bind_output(3, Value::allocate(ElementType::Double, {3}));
  session.run(binding);
  EXPECT_EQ(to_vector(twice.data<std::int64_t>()), (std::vector<std::int64_t>{2, 4, 6, 8, 10, 12}));
  std::vector<Value> out = binding.outputs();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(to_vector(out[1].data<double>()), (std::vector<double>{-1.0, -2.0, -3.0}));

  // Rebind the outputs: only "sum" now.
  binding.clear_outputs();
  binding.bind_output("sum", MemoryInfo::cpu());
  session.run(binding);
  out = binding.outputs();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(to_vector(out[0].data<float>()), (std::vector<float>{2, 0, 6, 0, 10, 0}));

  // Without inputs the run fails with ORT's error, and the binding can be refilled.
  binding.clear_inputs();
  EXPECT_THROW(session.run(binding), zrt::Error);
  binding.bind_input("a", TensorView<const float>(a, {2, 3}));
  binding.bind_input("b", TensorView<const std::int64_t>(b, {2, 3}));
  binding.bind_input("d", TensorView<const double>(d, {3}));
  session.run(binding);
  EXPECT_EQ(to_vector(binding.outputs()[0].data<float>()), (std::vector<float>{2, 0, 6, 0, 10, 0}));
}

TEST(IoBinding, StringInputAndOutput) {
  const Session session = Session::from_bytes(zrt::test::strings());
  IoBinding binding(session);
  const zrt::StringTensor text({"one", "two", "three"}, {3});
  binding.bind_input("text", text.value());
  binding.bind_output("same", MemoryInfo::cpu());
  session.run(binding);
  const std::vector<Value> out = binding.outputs();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].strings(), (std::vector<std::string>{"one", "two", "three"}));
}

TEST(IoBinding, RunWithOptionsAndTerminate) {
  const Session session = mlp_session();
  const std::vector<float> x = zrt::test::mlp_input(1, 2);
  std::vector<float> logits(10);
  IoBinding binding(session);
  binding.bind_input("x", TensorView<const float>(x, {1, 784}));
  binding.bind_output("logits", TensorView<float>(logits, {1, 10}));
  zrt::RunOptions options;
  options.terminate();
  EXPECT_TRUE(throws_error([&] { session.run_with(options, binding); }, ErrorCode::Fail, {"terminate"}));
  options.clear_terminate();
  session.run_with(options, binding);
  EXPECT_EQ(logits, zrt::test::mlp_reference(x, 1));
}

TEST(IoBinding, MoveKeepsTheBindings) {
  const Session session = mlp_session();
  const std::vector<float> x = zrt::test::mlp_input(1, 4);
  std::vector<float> logits(10);
  IoBinding first(session);
  first.bind_input("x", TensorView<const float>(x, {1, 784}));
  first.bind_output("logits", TensorView<float>(logits, {1, 10}));
  IoBinding moved = std::move(first);
  EXPECT_EQ(first.handle(), nullptr);
  session.run(moved);
  EXPECT_EQ(logits, zrt::test::mlp_reference(x, 1));
  IoBinding assigned(session);
  assigned = std::move(moved);
  std::fill(logits.begin(), logits.end(), 0.0f);
  session.run(assigned);
  EXPECT_EQ(logits, zrt::test::mlp_reference(x, 1));
}

TEST(IoBinding, KeepsItsSessionAlive) {
  std::vector<float> x(16, 1.0f);
  std::vector<float> y(16);
  std::optional<IoBinding> binding;
  {
    const Session session = Session::from_bytes(zrt::test::add_constant());
    binding.emplace(session);
  }
  binding->bind_input("X", TensorView<const float>(x, {1, 16}));
  binding->bind_output("Y", TensorView<float>(y, {1, 16}));
  binding->session().run(*binding);
  for (std::size_t i = 0; i < 16; ++i) EXPECT_EQ(y[i], 1.0f + zrt::test::add_constant_c(i));
}

TEST(IoBinding, OneBindingPerThread) {
  const Session session = mlp_session();
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      std::vector<float> x = zrt::test::mlp_input(2, static_cast<std::size_t>(t));
      std::vector<float> logits(20);
      IoBinding binding(session);
      binding.bind_input("x", TensorView<const float>(x, {2, 784}));
      binding.bind_output("logits", TensorView<float>(logits, {2, 10}));
      const auto expected = zrt::test::mlp_reference(x, 2);
      for (int r = 0; r < 20; ++r) {
        std::fill(logits.begin(), logits.end(), 0.0f);
        session.run(binding);
        if (logits != expected) ++bad;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(bad.load(), 0);
}

TEST(IoBinding, BindingOfAnotherSessionIsRejected) {
  const Session a = Session::from_bytes(zrt::test::add_constant());
  const Session b = Session::from_bytes(zrt::test::add_constant());
  IoBinding binding(a);
  EXPECT_TRUE(throws_error([&] { b.run(binding); }, ErrorCode::InvalidArgument, {"IoBinding", "another session"}));
}

}  // namespace
