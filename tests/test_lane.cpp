// Lane: bind once, run many; typed stable spans; state carry; storage kinds; errors.
#include "zrt/lane.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "models/models.hpp"
#include "test_util.hpp"
#include "zrt/zrt.hpp"

namespace {

using zrt::ElementType;
using zrt::IoStorage;
using zrt::Lane;
using zrt::LaneOptions;
using zrt::Session;
using zrt::Shape;
using zrt::test::throws_error;

std::vector<float> step_input(int step) {
  std::vector<float> x(4);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::cos(static_cast<float>(step * 3 + static_cast<int>(i)));
  return x;
}

TEST(Lane, RunsOnItsOwnStableBuffers) {
  const Session session = Session::from_bytes(zrt::test::add_constant());
  Lane lane = session.make_lane(LaneOptions{});
  std::span<float> x = lane.input<float>(0);
  std::span<const float> y = lane.output<float>("Y");
  ASSERT_EQ(x.size(), 16u);
  ASSERT_EQ(y.size(), 16u);
  lane.prime(3);
  for (int round = 0; round < 5; ++round) {
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(round * 100) + static_cast<float>(i);
    lane.run();
    for (std::size_t i = 0; i < y.size(); ++i) {
      EXPECT_EQ(y[i], static_cast<float>(round * 100) + static_cast<float>(i) + zrt::test::add_constant_c(i));
    }
  }
  // The spans are fetched once and stay put; ORT reads and writes exactly them.
  EXPECT_EQ(lane.input<float>(0).data(), x.data());
  EXPECT_EQ(lane.output<float>(0).data(), y.data());
  EXPECT_NO_THROW(lane.audit());
}

TEST(Lane, MovedLaneKeepsSpansAndMovedFromLaneFailsClearly) {
  const Session session = Session::from_bytes(zrt::test::add_constant());
  Lane a(session);
  std::span<float> x = a.input<float>(0);
  Lane b = std::move(a);
  EXPECT_EQ(b.input<float>(0).data(), x.data());
  x[0] = 1.0f;
  b.run();
  EXPECT_EQ(b.output<float>(0)[0], 1.0f + zrt::test::add_constant_c(0));
  EXPECT_TRUE(throws_error([&] { a.run(); }, zrt::ErrorCode::InvalidArgument, {"moved from"}));
  EXPECT_TRUE(throws_error([&] { (void)a.input<float>("X"); }, zrt::ErrorCode::InvalidArgument, {"moved from"}));
  EXPECT_TRUE(throws_error([&] { (void)a.session(); }, zrt::ErrorCode::InvalidArgument, {"moved from"}));
}

TEST(Lane, MlpWithBatchShapeMatchesReferenceExactly) {
  const Session session = Session::from_bytes(zrt::test::mlp(), zrt::SessionOptions{}.intra_op_threads(1));
  Lane lane = session.make_lane({{3, 784}}, {{3, 10}});
  const std::vector<float> x = zrt::test::mlp_input(3, 5);
  std::copy(x.begin(), x.end(), lane.input<float>(0).begin());
  lane.run();
  EXPECT_EQ(zrt::test::to_vector(lane.output<float>(0)), zrt::test::mlp_reference(x, 3));
}

TEST(Lane, MixedElementTypesHaveTypedSpans) {
  const Session session = Session::from_bytes(zrt::test::multi_io());
  Lane lane(session);
  std::span<float> a = lane.input<float>("a");
  std::span<std::int64_t> b = lane.input<std::int64_t>("b");
  std::span<double> d = lane.input<double>("d");
  for (std::size_t i = 0; i < 6; ++i) {
    a[i] = static_cast<float>(i) - 2.5f;
    b[i] = static_cast<std::int64_t>(i * i);
  }
  for (std::size_t i = 0; i < 3; ++i) d[i] = 0.25 * static_cast<double>(i);
  lane.run();
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(lane.output<float>("sum")[i], a[i] + static_cast<float>(b[i]));
    EXPECT_EQ(lane.output<std::int64_t>("twice")[i], 2 * b[i]);
    EXPECT_EQ(lane.output<bool>("positive")[i], a[i] > 0);
  }
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(lane.output<double>("d_neg")[i], -d[i]);
  EXPECT_TRUE(throws_error([&] { (void)lane.input<double>("a"); }, zrt::ErrorCode::InvalidArgument,
                           {"input 'a' (index 0)", "holds float"}));
  EXPECT_TRUE(throws_error([&] { (void)lane.output<float>(9); }, zrt::ErrorCode::InvalidArgument, {"out of range"}));
}

TEST(Lane, StateCarryEqualsManualCopiesBitForBit) {
  const Session session = Session::from_bytes(zrt::test::gru(), zrt::SessionOptions{}.intra_op_threads(1));
  Lane lane(session, LaneOptions{}.carry("Y_h", "H"));
  std::span<float> x = lane.input<float>("X");

  std::vector<float> h(8, 0.0f);  // the reference: Session::run with the state copied by hand
  zrt::Outputs out = session.make_outputs();
  for (int step = 0; step < 25; ++step) {
    const std::vector<float> xs = step_input(step);
    std::copy(xs.begin(), xs.end(), x.begin());
    lane.run();
    session.run({zrt::TensorView<const float>(xs, {1, 1, 4}), zrt::TensorView<const float>(h, {1, 1, 8})}, out);
    const std::span<const float> expected = out[0].data<float>();
    h.assign(expected.begin(), expected.end());
    const std::span<const float> state = lane.state<float>(0);
    ASSERT_TRUE(zrt::test::same_bytes(state, expected)) << "step " << step;
    EXPECT_TRUE(zrt::test::same_bytes(lane.output_value(0).data<float>(), expected));
  }
  EXPECT_NO_THROW(lane.audit());
  EXPECT_TRUE(throws_error([&] { (void)lane.output<float>("Y_h"); }, zrt::ErrorCode::InvalidArgument,
                           {"carried state", "state<T>(0)"}));
  lane.reset_state();
  for (float v : lane.state<float>(0)) EXPECT_EQ(v, 0.0f);
}

TEST(Lane, CarryErrors) {
  const Session gru = Session::from_bytes(zrt::test::gru());
  EXPECT_TRUE(throws_error([&] { Lane(gru, LaneOptions{}.carry("Y_h", "X")); }, zrt::ErrorCode::InvalidArgument,
                           {"carry 'Y_h' -> 'X'", "shapes differ", "[1,1,8] vs [1,1,4]"}));
  EXPECT_TRUE(throws_error([&] { Lane(gru, LaneOptions{}.carry("nope", "H")); }, zrt::ErrorCode::InvalidArgument,
                           {"no output named 'nope'", "'Y_h'"}));
  const Session multi = Session::from_bytes(zrt::test::multi_io());
  EXPECT_TRUE(throws_error([&] { Lane(multi, LaneOptions{}.carry("twice", "a")); }, zrt::ErrorCode::InvalidArgument,
                           {"element types differ", "int64 vs float"}));
}

TEST(Lane, PrimeKeepsTheCarriedState) {
  // prime(n) runs n times but puts the state back: the stream starts where it was.
  const Session session = Session::from_bytes(zrt::test::gru(), zrt::SessionOptions{}.intra_op_threads(1));
  Lane primed(session, LaneOptions{}.carry("Y_h", "H"));
  Lane fresh(session, LaneOptions{}.carry("Y_h", "H"));
  const std::vector<float> h0{0.5f, -0.25f, 0.125f, 0.0f, 1.0f, -1.0f, 0.75f, -0.5f};
  for (Lane* lane : {&primed, &fresh}) {
    std::copy(h0.begin(), h0.end(), lane->state<float>(0).begin());
    const std::vector<float> xs = step_input(0);
    std::copy(xs.begin(), xs.end(), lane->input<float>("X").begin());
  }
  primed.prime(8);
  EXPECT_EQ(zrt::test::to_vector(std::span<const float>(primed.state<float>(0))), h0);
  for (int step = 0; step < 5; ++step) {
    for (Lane* lane : {&primed, &fresh}) {
      const std::vector<float> xs = step_input(step);
      std::copy(xs.begin(), xs.end(), lane->input<float>("X").begin());
      lane->run();
    }
    ASSERT_TRUE(zrt::test::same_bytes(primed.state<float>(0), fresh.state<float>(0))) << "step " << step;
  }
}

TEST(Lane, PrimeKeepsOrtAllocatedCarriedState) {
  // State carried in tensors ORT allocates (the device path, here on CPU memory) is put
  // back the same way, through copies that copies() counts.
  const Session session = Session::from_bytes(zrt::test::gru(), zrt::SessionOptions{}.intra_op_threads(1));
  Lane primed(session, LaneOptions{}
                           .input_storage("H", IoStorage::ort_allocated())
                           .output_storage("Y_h", IoStorage::ort_allocated())
                           .carry("Y_h", "H"));
  Lane fresh(session, LaneOptions{}.carry("Y_h", "H"));
  const std::vector<float> h0{-0.5f, 0.25f, 0.0f, 0.125f, -1.0f, 1.0f, -0.75f, 0.5f};
  const std::size_t h = session.input_index("H");
  primed.upload<float>(h, h0);
  std::copy(h0.begin(), h0.end(), fresh.state<float>(0).begin());
  const std::size_t copies = primed.copies();
  primed.prime(8);
  EXPECT_EQ(primed.copies(), copies + 2);  // the state down to the host and back
  std::vector<float> state(8);
  primed.download<float>(session.output_index("Y_h"), state);
  EXPECT_EQ(state, h0);
  for (int step = 0; step < 5; ++step) {
    for (Lane* lane : {&primed, &fresh}) {
      const std::vector<float> xs = step_input(step);
      std::copy(xs.begin(), xs.end(), lane->input<float>("X").begin());
      lane->run();
    }
    primed.download<float>(session.output_index("Y_h"), state);
    ASSERT_TRUE(zrt::test::same_bytes(std::span<const float>(state), fresh.state<float>(0))) << "step " << step;
  }
}

TEST(Lane, CarryWithSwappedArgumentsSaysWhichOrder) {
  const Session gru = Session::from_bytes(zrt::test::gru());
  EXPECT_TRUE(throws_error([&] { Lane(gru, LaneOptions{}.carry("H", "Y_h")); }, zrt::ErrorCode::InvalidArgument,
                           {"no output named 'H'", "'H' is an input", "carry takes (output, input)",
                            "did you mean carry(\"Y_h\", \"H\")?"}));
}

TEST(Lane, FreeDimsErrorSuggestsFreeDim) {
  // dynamic(): X float[batch,seq] -> Y float[batch,seq], S int64[2].
  const Session dynamic = Session::from_bytes(zrt::test::dynamic());
  EXPECT_TRUE(throws_error(
      [&] { Lane{dynamic}; }, zrt::ErrorCode::InvalidArgument,
      {"input 'X' (index 0) has free dims", "give the shape of every input",
       "LaneOptions::input_shapes (a scalar is {})", "SessionOptions{}.free_dim(\"batch\", N).free_dim(\"seq\", N)"}));
  EXPECT_TRUE(throws_error(
      [&] {
        (void)dynamic.make_lane({{2, 3}});
      },
      zrt::ErrorCode::InvalidArgument,
      {"output 'Y' (index 0) has free dims", "LaneOptions::output_shapes", "IoStorage::bound_to",
       "free_dim(\"batch\", N)"}));
  // With the dims fixed in the session, the lane needs no shapes.
  const Session fixed =
      Session::from_bytes(zrt::test::dynamic(), zrt::SessionOptions{}.free_dim("batch", 2).free_dim("seq", 3));
  Lane lane(fixed);
  std::span<float> x = lane.input<float>(0);
  ASSERT_EQ(x.size(), 6u);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i) - 2.5f;
  lane.run();
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_EQ(lane.output<float>("Y")[i], 2.0f * x[i]);
  EXPECT_EQ(zrt::test::to_vector(lane.output<std::int64_t>("S")), (std::vector<std::int64_t>{2, 3}));
}

TEST(Lane, MultiInputLaneWithAScalarInput) {
  // README's example: a scalar is the shape {} in LaneOptions::input_shapes; or the
  // session fixes the free dim and the lane needs no shapes.
  const zrt::test::Bytes scale = zrt::test::from_text(R"(<ir_version: 8, opset_import: ["" : 17]>
scale (float[n] x, float gain) => (float[n] y) {
  y = Mul(x, gain)
})");
  const Session session = Session::from_bytes(scale);
  const Session fixed = Session::from_bytes(scale, zrt::SessionOptions{}.free_dim("n", 4));
  Lane shaped(session, LaneOptions{}.input_shapes({{4}, {}}).output_shapes({{4}}));
  Lane unshaped(fixed);
  for (Lane* lane : {&shaped, &unshaped}) {
    std::span<float> x = lane->input<float>("x");
    std::span<float> gain = lane->input<float>("gain");
    ASSERT_EQ(x.size(), 4u);
    ASSERT_EQ(gain.size(), 1u);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i) + 1.0f;
    gain[0] = 0.5f;
    lane->run();
    EXPECT_EQ(zrt::test::to_vector(lane->output<float>("y")), (std::vector<float>{0.5f, 1.0f, 1.5f, 2.0f}));
    EXPECT_EQ(lane->input_shape(1), zrt::Shape{});
  }
}

TEST(Lane, ShapeErrors) {
  const Session dynamic = Session::from_bytes(zrt::test::dynamic());
  EXPECT_TRUE(throws_error([&] { Lane{dynamic}; }, zrt::ErrorCode::InvalidArgument,
                           {"input 'X' (index 0)", "free dims", "input_shapes"}));
  EXPECT_TRUE(throws_error(
      [&] {
        (void)dynamic.make_lane({{2, 3}, {1}});
      },
      zrt::ErrorCode::InvalidArgument, {"2 input shapes", "1 inputs"}));
  const Session fixed = Session::from_bytes(zrt::test::add_constant());
  EXPECT_TRUE(throws_error(
      [&] {
        (void)fixed.make_lane({{1, 8}});
      },
      zrt::ErrorCode::InvalidArgument, {"input 'X' (index 0)", "dim 1 must be 16, got 8"}));
  EXPECT_TRUE(throws_error([&] { Lane(fixed, LaneOptions{}.input_storage("X", IoStorage::bound_to())); },
                           zrt::ErrorCode::InvalidArgument, {"for outputs"}));
}

TEST(Lane, BoundOutputsFollowDynamicShapes) {
  const Session session = Session::from_bytes(zrt::test::dynamic());
  Lane lane(session, LaneOptions{}
                         .input_shapes({{2, 3}})
                         .output_storage("Y", IoStorage::bound_to())
                         .output_storage("S", IoStorage::bound_to()));
  std::span<float> x = lane.input<float>(0);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i) + 0.5f;
  lane.run();
  const zrt::Value y = lane.output_value(0);
  EXPECT_EQ(y.shape(), (Shape{2, 3}));
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_EQ(y.data<float>()[i], 2.0f * x[i]);
  EXPECT_EQ(zrt::test::to_vector(lane.output_value(1).data<std::int64_t>()), (std::vector<std::int64_t>{2, 3}));
  EXPECT_TRUE(throws_error([&] { (void)lane.output<float>(0); }, zrt::ErrorCode::InvalidArgument, {"output_value()"}));
}

TEST(Lane, OrtAllocatedStorageIsHostAccessibleOnCpu) {
  const Session session = Session::from_bytes(zrt::test::add_constant());
  Lane lane(
      session,
      LaneOptions{}.input_storage("X", IoStorage::ort_allocated()).output_storage("Y", IoStorage::ort_allocated()));
  std::span<float> x = lane.input<float>(0);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = 2.0f * static_cast<float>(i);
  lane.run();
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_EQ(lane.output<float>(0)[i], x[i] + zrt::test::add_constant_c(i));
  EXPECT_NO_THROW(lane.audit());
}

TEST(Lane, RunWithOptionsTerminateAndRecover) {
  const Session session = Session::from_bytes(zrt::test::add_constant());
  Lane lane(session);
  zrt::RunOptions options;
  options.terminate();
  EXPECT_TRUE(throws_error([&] { lane.run_with(options); }, zrt::ErrorCode::Fail, {"terminate"}));
  options.clear_terminate();
  const zrt::Status moved_ok = lane.try_run();
  EXPECT_TRUE(moved_ok.ok()) << moved_ok.message();
  Lane moved_from = std::move(lane);
  const zrt::Status failed = lane.try_run();  // NOLINT(bugprone-use-after-move): the point of the test
  EXPECT_EQ(failed.code(), zrt::ErrorCode::InvalidArgument);
  EXPECT_NE(failed.message().find("moved from"), std::string::npos);
  lane = std::move(moved_from);
  lane.input<float>(0)[3] = 7.0f;
  lane.run_with(options);
  EXPECT_EQ(lane.output<float>(0)[3], 7.0f + zrt::test::add_constant_c(3));
  lane.run_unsynchronized();
  EXPECT_EQ(lane.output<float>(0)[3], 7.0f + zrt::test::add_constant_c(3));
}

TEST(Lane, RunPassesTheLanesRunOptions) {
  const Session session = Session::from_bytes(zrt::test::add_constant());
  Lane lane(session);
  lane.run_options().tag("lane-7").terminate();
  EXPECT_EQ(lane.run_options().tag(), "lane-7");
  EXPECT_TRUE(throws_error([&] { lane.run(); }, zrt::ErrorCode::Fail, {"terminate"}));
  EXPECT_TRUE(throws_error([&] { lane.run_unsynchronized(); }, zrt::ErrorCode::Fail, {"terminate"}));
  EXPECT_TRUE(throws_error([&] { lane.prime(1); }, zrt::ErrorCode::Fail, {"terminate"}));
  const zrt::RunOptions other;  // run_with passes the caller's options instead
  lane.input<float>(0)[1] = 3.0f;
  lane.run_with(other);
  EXPECT_EQ(lane.output<float>(0)[1], 3.0f + zrt::test::add_constant_c(1));
  lane.run_options().clear_terminate();
  lane.input<float>(0)[1] = 5.0f;
  lane.run();
  EXPECT_EQ(lane.output<float>(0)[1], 5.0f + zrt::test::add_constant_c(1));
  Lane moved = std::move(lane);
  EXPECT_TRUE(throws_error([&] { (void)lane.run_options(); },
                           zrt::ErrorCode::InvalidArgument,  // NOLINT(bugprone-use-after-move)
                           {"moved from"}));
}

TEST(Lane, RunWithStatsReportsArenaDeltas) {
  const Session session = Session::from_bytes(zrt::test::mlp(), zrt::SessionOptions{}.cpu_arena(true));
  Lane lane = session.make_lane({{1, 784}}, {{1, 10}});
  lane.prime(2);
  const zrt::AllocatorStats delta = lane.run_with_stats();
  EXPECT_FALSE(delta.raw.empty());
  EXPECT_GE(delta.num_allocs, 0);
}

TEST(Lane, BufferPoliciesApply) {
  const Session session = Session::from_bytes(zrt::test::mlp());
  Lane lane(session, LaneOptions{}
                         .input_shapes({{1024, 784}})
                         .output_shapes({{1024, 10}})
                         .input_policy(zrt::BufferPolicy::automatic_by_size())
                         .output_policy(zrt::BufferPolicy::aligned(256)));
  // 1024 x 784 floats = 3 MiB: the automatic policy gives 2 MiB alignment.
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(lane.input<float>(0).data()) % zrt::BufferPolicy::kHugePage, 0u);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(lane.output<float>(0).data()) % 256u, 0u);
}

}  // namespace
