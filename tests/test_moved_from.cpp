// Moved-from handles: every public method that can still be called on one throws
// zrt::Error saying so, or answers as for an empty object; shared immutable handles
// (Environment, MemoryInfo, PrepackedWeights) stay what they were. Never a crash.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <utility>
#include <vector>

#include "models/models.hpp"
#include "test_util.hpp"
#include "zrt/zrt.hpp"

namespace {

using zrt::ErrorCode;
using zrt::Session;
using zrt::Shape;
using zrt::test::throws_error;

// f() must throw zrt::Error (InvalidArgument) whose message says "moved from".
template <typename F>
::testing::AssertionResult fails_moved_from(F&& f) {
  return throws_error(std::forward<F>(f), ErrorCode::InvalidArgument, {"moved from"});
}

Session tiny() { return Session::from_bytes(zrt::test::add_constant()); }

TEST(MovedFrom, SessionEveryMethodThrows) {
  Session a = tiny();
  Session b = std::move(a);
  EXPECT_EQ(b.input_count(), 1u);  // the new owner works
  EXPECT_TRUE(fails_moved_from([&] { (void)a.input_count(); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)a.output_count(); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)a.input(0); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)a.output(0); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)a.inputs(); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)a.outputs(); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)a.input_index("X"); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)a.output_index("Y"); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)a.find_input("X"); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)a.find_output("Y"); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)a.input_names(); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)a.output_names(); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)a.metadata(); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)a.profiling_start_time_ns(); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)a.end_profiling(); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)a.make_outputs(); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)a.environment(); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)a.handle(); }));
  std::vector<float> x(16, 1.0f);
  const zrt::TensorView<const float> view(x, {1, 16});
  zrt::Outputs out;
  EXPECT_TRUE(fails_moved_from([&] { a.run({view}, out); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)a.run({view}); }));
  const zrt::RunOptions options;
  EXPECT_TRUE(fails_moved_from([&] { a.run_with(options, {view}, out); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)a.run_with(options, {view}); }));
  zrt::IoBinding binding(b);
  EXPECT_TRUE(fails_moved_from([&] { a.run(binding); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)a.make_lane(zrt::LaneOptions{}); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)a.make_lane({Shape{1, 16}}); }));
  EXPECT_TRUE(fails_moved_from([&] { zrt::Lane lane(a); }));
  EXPECT_TRUE(fails_moved_from([&] { zrt::IoBinding bound(a); }));
  EXPECT_TRUE(fails_moved_from([&] { zrt::PreparedRun prepared(a, {view}); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)zrt::Runtime::shared(a, 1); }));
  EXPECT_TRUE(fails_moved_from([&] { zrt::ShapeBuckets buckets(a); }));
  EXPECT_TRUE(fails_moved_from([&] { zrt::Allocator allocator(a, zrt::MemoryInfo::cpu()); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)zrt::run_async(a, {view}); }));

  Session c = tiny();
  c = std::move(b);  // move assignment leaves b moved from too
  EXPECT_TRUE(fails_moved_from([&] { (void)b.input_count(); }));
  EXPECT_EQ(c.run({view})[0].data<float>()[0], 1.0f + zrt::test::add_constant_c(0));
}

TEST(MovedFrom, RunOptionsEveryMethodThrows) {
  zrt::RunOptions a;
  a.tag("kept");
  zrt::RunOptions b = std::move(a);
  EXPECT_EQ(b.tag(), "kept");
  EXPECT_EQ(a.handle(), nullptr);
  EXPECT_TRUE(fails_moved_from([&] { a.tag("x"); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)a.tag(); }));
  EXPECT_TRUE(fails_moved_from([&] { a.log_level(zrt::LogLevel::Error); }));
  EXPECT_TRUE(fails_moved_from([&] { a.log_verbosity(1); }));
  EXPECT_TRUE(fails_moved_from([&] { a.config("k", "v"); }));
  EXPECT_TRUE(fails_moved_from([&] { a.terminate(); }));
  EXPECT_TRUE(fails_moved_from([&] { a.clear_terminate(); }));
  // Running with moved-from options is an error too, not a run with defaults.
  const Session session = tiny();
  std::vector<float> x(16, 1.0f);
  const zrt::TensorView<const float> view(x, {1, 16});
  zrt::Outputs out;
  EXPECT_TRUE(fails_moved_from([&] { session.run_with(a, {view}, out); }));
  zrt::Lane lane(session);
  EXPECT_TRUE(fails_moved_from([&] { lane.run_with(a); }));
  zrt::PreparedRun prepared(session, {view});
  EXPECT_TRUE(fails_moved_from([&] { prepared.run_with(a); }));
}

TEST(MovedFrom, SharedHandlesStayValid) {
  zrt::EnvironmentOptions options;
  options.log_id = "kept";
  zrt::Environment a(options);
  zrt::Environment b = std::move(a);
  EXPECT_EQ(a.handle(), b.handle());
  EXPECT_EQ(a.options().log_id, "kept");
  EXPECT_FALSE(a.has_global_thread_pools());
  EXPECT_EQ(Session::from_bytes(a, zrt::test::add_constant()).input_count(), 1u);

  zrt::PrepackedWeights weights;
  zrt::PrepackedWeights taken = std::move(weights);
  EXPECT_TRUE(weights == taken);
  EXPECT_EQ(
      Session::from_bytes(zrt::test::add_constant(), zrt::SessionOptions{}.prepacked_weights(weights)).input_count(),
      1u);

  zrt::MemoryInfo m = zrt::MemoryInfo::cpu();
  zrt::MemoryInfo n = std::move(m);
  EXPECT_TRUE(m == n);
  EXPECT_EQ(m.name(), "Cpu");
  EXPECT_EQ(m.device_id(), 0);
  EXPECT_EQ(m.allocator_type(), zrt::AllocatorType::Device);
  EXPECT_EQ(m.mem_type(), zrt::MemType::Default);
  EXPECT_TRUE(m.is_host_accessible());
}

TEST(MovedFrom, AllocatorEveryMethodThrows) {
  const Session session = tiny();
  zrt::Allocator x(session, zrt::MemoryInfo::cpu());
  zrt::Allocator y = std::move(x);
  void* p = y.allocate(64);
  y.free(p);
  EXPECT_TRUE(fails_moved_from([&] { (void)x.allocate(16); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)x.memory_info(); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)x.stats(); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)zrt::Value::allocate(zrt::ElementType::Float, {2}, x); }));
  x.free(nullptr);  // noexcept: nothing to free
}

TEST(MovedFrom, IoBindingEveryMethodThrows) {
  const Session session = tiny();
  zrt::IoBinding a(session);
  zrt::IoBinding b = std::move(a);
  const zrt::Value x = zrt::Value::allocate(zrt::ElementType::Float, {1, 16});
  const zrt::Value y = zrt::Value::allocate(zrt::ElementType::Float, {1, 16});
  EXPECT_TRUE(fails_moved_from([&] { a.bind_input("X", x); }));
  EXPECT_TRUE(fails_moved_from([&] { a.bind_input(0, x); }));
  EXPECT_TRUE(fails_moved_from([&] { a.bind_output("Y", y); }));
  EXPECT_TRUE(fails_moved_from([&] { a.bind_output(0, y); }));
  EXPECT_TRUE(fails_moved_from([&] { a.bind_output("Y", zrt::MemoryInfo::cpu()); }));
  EXPECT_TRUE(fails_moved_from([&] { a.synchronize_inputs(); }));
  EXPECT_TRUE(fails_moved_from([&] { a.synchronize_outputs(); }));
  EXPECT_TRUE(fails_moved_from([&] { a.clear_inputs(); }));
  EXPECT_TRUE(fails_moved_from([&] { a.clear_outputs(); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)a.outputs(); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)a.output_names(); }));
  EXPECT_TRUE(fails_moved_from([&] { session.run(a); }));
}

TEST(MovedFrom, LaneEveryMethodThrows) {
  const Session session = tiny();
  zrt::Lane a(session);
  zrt::Lane b = std::move(a);
  b.run();
  EXPECT_EQ(a.input_count(), 0u);  // noexcept counts answer as for an empty lane
  EXPECT_EQ(a.output_count(), 0u);
  EXPECT_TRUE(fails_moved_from([&] { (void)a.input<float>(0); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)a.input<float>("X"); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)a.output<float>(0); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)a.output<float>("Y"); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)a.output_value(0); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)a.input_shape(0); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)a.output_shape(0); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)a.state<float>(0); }));
  EXPECT_TRUE(fails_moved_from([&] { a.run(); }));
  EXPECT_TRUE(fails_moved_from([&] { a.run_with(zrt::RunOptions{}); }));
  EXPECT_TRUE(fails_moved_from([&] { a.run_unsynchronized(); }));
  EXPECT_TRUE(fails_moved_from([&] { a.prime(1); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)a.run_with_stats(); }));
  EXPECT_TRUE(fails_moved_from([&] { a.audit(); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)a.session(); }));
  const zrt::Status status = a.try_run();
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("moved from"), std::string::npos) << status.message();
  a.reset_state();  // noexcept: nothing to reset
}

TEST(MovedFrom, PreparedRunsThrow) {
  const Session session = tiny();
  std::vector<float> x(16, 1.0f);
  const zrt::TensorView<const float> view(x, {1, 16});

  zrt::PreparedRun a(session, {view});
  zrt::PreparedRun b = std::move(a);
  b.run();
  EXPECT_TRUE(fails_moved_from([&] { a.run(); }));
  EXPECT_TRUE(fails_moved_from([&] { a.run_with(zrt::RunOptions{}); }));
  EXPECT_TRUE(fails_moved_from([&] { a.prime(1); }));
  EXPECT_TRUE(throws_error([&] { (void)a.output(0); }, ErrorCode::InvalidArgument, {"out of range for 0 outputs"}));
  EXPECT_FALSE(a.try_run().ok());

  const std::array<zrt::Input, 1> inputs{view};
  zrt::PreparedBinding c(session, inputs, zrt::MemoryInfo::cpu());
  zrt::PreparedBinding d = std::move(c);
  d.run();
  EXPECT_TRUE(fails_moved_from([&] { c.run(); }));
  EXPECT_TRUE(fails_moved_from([&] { c.run_with(zrt::RunOptions{}); }));
  EXPECT_TRUE(fails_moved_from([&] { c.prime(1); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)c.outputs(); }));
  EXPECT_FALSE(c.try_run().ok());
}

TEST(MovedFrom, RuntimeAndShapeBucketsThrow) {
  const Session session = tiny();
  zrt::Runtime a = zrt::Runtime::shared(session, 2);
  zrt::Runtime b = std::move(a);
  b.run_on(1);
  EXPECT_EQ(a.size(), 0u);
  EXPECT_TRUE(fails_moved_from([&] { (void)a.mode(); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)a.lane(0); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)a.session(0); }));
  EXPECT_TRUE(fails_moved_from([&] { a.run_on(0); }));
  EXPECT_TRUE(fails_moved_from([&] { a.prime(1); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)a.pin_current_thread(0); }));
  EXPECT_TRUE(fails_moved_from([&] { zrt::ShapeBuckets buckets(a); }));

  zrt::ShapeBuckets c(session);
  zrt::ShapeBuckets d = std::move(c);
  d.lane_for({Shape{1, 16}}).run();
  EXPECT_TRUE(fails_moved_from([&] { (void)c.acquire({Shape{1, 16}}); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)c.lane_for({Shape{1, 16}}); }));
  EXPECT_TRUE(fails_moved_from([&] { c.prebuild({{Shape{1, 16}}}); }));
  EXPECT_TRUE(fails_moved_from([&] { c.prime(1); }));
  EXPECT_TRUE(fails_moved_from([&] { c.warm(); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)c.bound(); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)c.lanes_per_bucket(); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)c.keys(); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)c.stats(); }));
  EXPECT_FALSE(c.contains({Shape{1, 16}}));  // noexcept queries answer as for no buckets
  EXPECT_EQ(c.size(), 0u);
  c.clear();
}

TEST(MovedFrom, ValuesAndBuffers) {
  zrt::Value a = zrt::Value::allocate(zrt::ElementType::Float, {2});
  zrt::Value b = std::move(a);
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(a.kind(), zrt::ValueKind::Unknown);
  EXPECT_TRUE(throws_error([&] { (void)a.shape(); }, ErrorCode::InvalidArgument, {"empty"}));
  EXPECT_TRUE(throws_error([&] { (void)a.data<float>(); }, ErrorCode::InvalidArgument, {"empty"}));

  zrt::StringTensor s({"a", "b"}, {2});
  zrt::StringTensor t = std::move(s);
  EXPECT_EQ(t.get(1), "b");
  EXPECT_TRUE(fails_moved_from([&] { s.set(0, "x"); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)s.get(0); }));
  EXPECT_TRUE(fails_moved_from([&] { (void)s.to_vector(); }));
  zrt::Value taken = std::move(t).take();
  EXPECT_EQ(taken.strings(), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(fails_moved_from([&] { (void)t.get(0); }));

  zrt::TensorBuffer buffer(zrt::ElementType::Float, {4});
  zrt::TensorBuffer moved = std::move(buffer);
  EXPECT_EQ(moved.span<float>().size(), 4u);
  EXPECT_TRUE(throws_error([&] { (void)buffer.span<float>(); }, ErrorCode::InvalidArgument, {"moved from"}));
  EXPECT_EQ(buffer.data(), nullptr);
}

}  // namespace
