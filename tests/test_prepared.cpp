// Prepared runs: PreparedRun, FixedPreparedRun, PreparedBinding.
#include "zrt/prepared.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "models/models.hpp"
#include "test_util.hpp"
#include "zrt/zrt.hpp"

namespace {

using zrt::Session;
using zrt::TensorView;
using zrt::test::throws_error;

TEST(PreparedRun, ReadsTheCallersMemoryEachRun) {
  const Session session = Session::from_bytes(zrt::test::add_constant());
  std::vector<float> x(16, 0.0f);
  zrt::PreparedRun run(session, {TensorView<const float>(x, {1, 16})});
  run.prime(2);
  for (int round = 0; round < 4; ++round) {
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(round) * 10.0f + static_cast<float>(i);
    run.run();
    const auto y = run.output(0).data<float>();
    for (std::size_t i = 0; i < x.size(); ++i) EXPECT_EQ(y[i], x[i] + zrt::test::add_constant_c(i));
  }
}

TEST(PreparedRun, NamedInputsAndErrors) {
  const Session session = Session::from_bytes(zrt::test::multi_io());
  const std::vector<float> a{1, -2, 3, -4, 5, -6};
  const std::vector<std::int64_t> b{1, 2, 3, 4, 5, 6};
  const std::vector<double> d{1.0, 2.0, 3.0};
  zrt::PreparedRun run(session, {{"d", TensorView<const double>(d, {3})},
                                 {"a", TensorView<const float>(a, {2, 3})},
                                 {"b", TensorView<const std::int64_t>(b, {2, 3})}});
  run.run();
  EXPECT_EQ(run.outputs().at("d_neg").data<double>()[2], -3.0);
  EXPECT_EQ(run.outputs().at("twice").data<std::int64_t>()[5], 12);
  EXPECT_TRUE(throws_error(
      [&] {
        zrt::PreparedRun(session, {TensorView<const float>(a, {2, 3})});
      },
      zrt::ErrorCode::InvalidArgument, {"expected 3 inputs", "got 1"}));
  EXPECT_TRUE(throws_error(
      [&] {
        zrt::PreparedRun(session, {TensorView<const float>(a, {2, 3}), TensorView<const float>(a, {2, 3}),
                                   TensorView<const double>(d, {3})});
      },
      zrt::ErrorCode::InvalidArgument, {"input 'b' (index 1)", "expects element type int64, got float"}));
}

TEST(PreparedRun, BindsOutputsDeclaredWithSymbolicDimsOnceShapesAreKnown) {
  // logits is float[batch,10]: the first run shows its shape, later runs are bound.
  const Session session = Session::from_bytes(zrt::test::mlp());
  std::vector<float> x = zrt::test::mlp_input(2);
  zrt::PreparedRun run(session, {TensorView<const float>(x, {2, zrt::test::kMlpIn})});
  EXPECT_FALSE(run.bound());
  for (std::size_t seed = 0; seed < 4; ++seed) {
    const std::vector<float> next = zrt::test::mlp_input(2, seed);
    std::copy(next.begin(), next.end(), x.begin());  // in place: the run reads x's buffer
    run.run();
    EXPECT_TRUE(run.bound()) << "seed " << seed;
    EXPECT_EQ(run.output(0).shape(), (zrt::Shape{2, 10}));
    EXPECT_EQ(zrt::test::to_vector(run.output(0).data<float>()), zrt::test::mlp_reference(x, 2)) << "seed " << seed;
  }
}

// NonZero's output shape follows the data: the expected [1,k] indices of non-zero x.
std::vector<std::int64_t> nonzero_of(const std::vector<float>& x) {
  std::vector<std::int64_t> where;
  for (std::size_t i = 0; i < x.size(); ++i)
    if (x[i] != 0.0f) where.push_back(static_cast<std::int64_t>(i));
  return where;
}

TEST(PreparedRun, DataDependentShapesFallBackToUnboundRuns) {
  const Session session = Session::from_bytes(zrt::test::nonzero());
  std::vector<float> x{1, 0, 2, 0};
  zrt::PreparedRun run(session, {TensorView<const float>(x, {4})});
  auto expect_outputs = [&](const char* when) {
    const std::vector<std::int64_t> where = nonzero_of(x);
    EXPECT_EQ(run.output(0).shape(), (zrt::Shape{1, static_cast<std::int64_t>(where.size())})) << when;
    EXPECT_EQ(zrt::test::to_vector(run.output(0).data<std::int64_t>()), where) << when;
    const auto twice = run.output(1).data<float>();
    ASSERT_EQ(twice.size(), x.size()) << when;
    for (std::size_t i = 0; i < x.size(); ++i) EXPECT_EQ(twice[i], 2.0f * x[i]) << when << ", element " << i;
  };
  run.run();
  expect_outputs("first run");
  EXPECT_TRUE(run.bound());  // shapes seen once: bound to them
  x.assign({0, 5, 6, 0});    // in place (same size); the same number of non-zeros: still bound
  run.run();
  expect_outputs("bound, same shapes");
  EXPECT_TRUE(run.bound());
  x.assign({3, 4, 0, 5});  // 'where' grows to [1,3]: ORT refuses the bound value, the run is made again unbound
  run.run();
  expect_outputs("shape changed");
  EXPECT_FALSE(run.bound());
  for (const std::vector<float>& next : {std::vector<float>{0, 0, 0, 7}, std::vector<float>{0, 0, 0, 0},
                                         std::vector<float>{1, 2, 3, 4}, std::vector<float>{0, 9, 0, 9}}) {
    std::copy(next.begin(), next.end(), x.begin());
    run.run();
    expect_outputs("unbound for good");
    EXPECT_FALSE(run.bound());
  }
}

TEST(PreparedRun, AFailedBoundRunIsNotTakenForAShapeChange) {
  // The run after a failure binds again: only a run that succeeds unbound where the
  // bound one failed says that the shapes vary.
  const Session session = Session::from_bytes(zrt::test::nonzero());
  std::vector<float> x{1, 0, 2, 0};
  zrt::PreparedRun run(session, {TensorView<const float>(x, {4})});
  run.run();
  ASSERT_TRUE(run.bound());
  run.run_options().terminate();
  EXPECT_TRUE(throws_error([&] { run.run(); }, zrt::ErrorCode::Fail, {"terminate"}));
  run.run_options().clear_terminate();
  x.assign({0, 3, 0, 4});
  run.run();
  EXPECT_TRUE(run.bound());
  EXPECT_EQ(zrt::test::to_vector(run.output(0).data<std::int64_t>()), (std::vector<std::int64_t>{1, 3}));
}

TEST(PreparedRuns, KeptRunOptionsReachTheRun) {
  // run() passes run_options(): a terminate() set there stops it, clearing it recovers.
  const Session session = Session::from_bytes(zrt::test::add_constant());
  std::vector<float> x(16, 1.0f), y(16);
  zrt::PreparedRun prepared(session, {TensorView<const float>(x, {1, 16})});
  zrt::FixedPreparedRun<1, 1> fixed(session, {zrt::Input(TensorView<const float>(x, {1, 16}))});
  const zrt::Input inputs[] = {TensorView<const float>(x, {1, 16})};
  const zrt::Input outputs[] = {TensorView<float>(y, {1, 16})};
  zrt::PreparedBinding binding(session, inputs, outputs);
  prepared.run();  // bound from here on
  for (zrt::RunOptions* options : {&prepared.run_options(), &fixed.run_options(), &binding.run_options()}) {
    options->terminate();
  }
  EXPECT_TRUE(throws_error([&] { prepared.run(); }, zrt::ErrorCode::Fail, {"terminate"}));
  EXPECT_TRUE(throws_error([&] { fixed.run(); }, zrt::ErrorCode::Fail, {"terminate"}));
  EXPECT_TRUE(throws_error([&] { binding.run(); }, zrt::ErrorCode::Fail, {"terminate"}));
  for (zrt::RunOptions* options : {&prepared.run_options(), &fixed.run_options(), &binding.run_options()}) {
    options->clear_terminate();
  }
  x[2] = 4.0f;
  prepared.run();
  fixed.run();
  binding.run();
  const float expected = 4.0f + zrt::test::add_constant_c(2);
  EXPECT_EQ(prepared.output(0).data<float>()[2], expected);
  EXPECT_EQ(fixed.output<float>(0)[2], expected);
  EXPECT_EQ(y[2], expected);
}

TEST(FixedPreparedRun, RunsWithArraysInTheObject) {
  const Session session = Session::from_bytes(zrt::test::add_constant());
  std::vector<float> x(16, 1.5f);
  zrt::FixedPreparedRun<1, 1> run(session, {zrt::Input(TensorView<const float>(x, {1, 16}))});
  run.prime(2);
  x[4] = 9.0f;
  run.run();
  EXPECT_EQ(run.output<float>(0)[4], 9.0f + zrt::test::add_constant_c(4));
  EXPECT_TRUE(throws_error([&] { (void)run.output<double>(0); }, zrt::ErrorCode::InvalidArgument, {"holds float"}));
  EXPECT_TRUE(throws_error(
      [&] {
        zrt::FixedPreparedRun<1, 2>(session, {zrt::Input(TensorView<const float>(x, {1, 16}))});
      },
      zrt::ErrorCode::InvalidArgument, {"declared 2 outputs", "has 1"}));
}

TEST(PreparedBinding, OutputsIntoCallerBuffers) {
  const Session session = Session::from_bytes(zrt::test::add_constant());
  std::vector<float> x(16), y(16, -1.0f);
  const zrt::Input inputs[] = {TensorView<const float>(x, {1, 16})};
  const zrt::Input outputs[] = {TensorView<float>(y, {1, 16})};
  zrt::PreparedBinding binding(session, inputs, outputs);
  for (int round = 0; round < 3; ++round) {
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(round + static_cast<int>(i));
    binding.run();
    for (std::size_t i = 0; i < y.size(); ++i) EXPECT_EQ(y[i], x[i] + zrt::test::add_constant_c(i));
  }
}

TEST(PreparedBinding, MemoryOutputsFollowShapes) {
  const Session session = Session::from_bytes(zrt::test::dynamic());
  std::vector<float> x{1, 2, 3, 4};
  const zrt::Input inputs[] = {TensorView<const float>(x, {2, 2})};
  zrt::PreparedBinding binding(session, inputs, zrt::MemoryInfo::cpu());
  binding.run();
  const std::vector<zrt::Value> out = binding.outputs();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(zrt::test::to_vector(out[0].data<float>()), (std::vector<float>{2, 4, 6, 8}));
}

}  // namespace
