// Prepared runs: PreparedRun, FixedPreparedRun, PreparedBinding.
#include "zrt/prepared.hpp"

#include <gtest/gtest.h>

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
