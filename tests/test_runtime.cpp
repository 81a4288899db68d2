// zrt/runtime.hpp: runtimes over one shared session, replicated sessions and a
// factory; K threads each driving its own lane (exact outputs, race-free for TSan);
// run_on, prime, moves, bad arguments, core pinning.
#include <gtest/gtest.h>
#include <hwloc.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "models/models.hpp"
#include "test_util.hpp"
#include "zrt/runtime.hpp"

namespace {

using zrt::ErrorCode;
using zrt::Lane;
using zrt::LaneOptions;
using zrt::Runtime;
using zrt::RuntimeMode;
using zrt::Session;
using zrt::SessionOptions;
using zrt::Shape;
using zrt::test::throws_error;

constexpr std::size_t kBatch = 2;

LaneOptions mlp_lane() {
  return LaneOptions{}
      .input_shapes({Shape{kBatch, zrt::test::kMlpIn}})
      .output_shapes({Shape{kBatch, zrt::test::kMlpOut}});
}

SessionOptions one_thread() { return SessionOptions{}.intra_op_threads(1); }

// K threads, thread t drives lane t for `rounds` runs with inputs of its own; returns
// the number of runs whose logits were not exactly the reference.
std::size_t drive_lanes(Runtime& runtime, std::size_t rounds) {
  const std::size_t k = runtime.size();
  std::vector<std::size_t> wrong(k, 0);  // one slot per thread, read after join
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < k; ++t) {
    threads.emplace_back([&runtime, &wrong, t, rounds] {
      Lane& lane = runtime.lane(t);
      const std::span<float> in = lane.input<float>(0);
      const std::span<const float> out = lane.output<float>(0);
      for (std::size_t r = 0; r < rounds; ++r) {
        const std::vector<float> x = zrt::test::mlp_input(kBatch, 1000 * t + r);
        std::copy(x.begin(), x.end(), in.begin());
        runtime.run_on(t);
        const std::vector<float> expected = zrt::test::mlp_reference(x, kBatch);
        if (!std::equal(out.begin(), out.end(), expected.begin(), expected.end())) ++wrong[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::size_t total = 0;
  for (std::size_t w : wrong) total += w;
  return total;
}

// ---- the three modes ------------------------------------------------------------------

TEST(Runtime, SharedSessionKThreadsExact) {
  const Session session = Session::from_bytes(zrt::test::mlp(), one_thread());
  Runtime runtime = Runtime::shared(session, 4, mlp_lane());
  EXPECT_EQ(runtime.size(), 4u);
  EXPECT_EQ(runtime.mode(), RuntimeMode::SharedSession);
  for (std::size_t i = 0; i < runtime.size(); ++i) EXPECT_EQ(runtime.session(i).handle(), session.handle());
  EXPECT_EQ(drive_lanes(runtime, 25), 0u);
}

TEST(Runtime, ReplicatedKThreadsExact) {
  const zrt::test::Bytes model = zrt::test::mlp();
  Runtime runtime = Runtime::replicated_from_bytes(model, 4, one_thread(), mlp_lane());
  EXPECT_EQ(runtime.size(), 4u);
  EXPECT_EQ(runtime.mode(), RuntimeMode::Replicated);
  for (std::size_t i = 0; i < runtime.size(); ++i) {
    for (std::size_t j = i + 1; j < runtime.size(); ++j) {
      EXPECT_NE(runtime.session(i).handle(), runtime.session(j).handle()) << i << " vs " << j;
    }
  }
  EXPECT_EQ(drive_lanes(runtime, 25), 0u);
}

TEST(Runtime, ReplicatedFromPath) {
  zrt::test::TempDir dir;
  const auto path = dir.write("mlp.onnx", zrt::test::mlp());
  zrt::Environment env;
  Runtime runtime = Runtime::replicated(env, path, 2, one_thread(), mlp_lane());
  EXPECT_EQ(runtime.mode(), RuntimeMode::Replicated);
  EXPECT_NE(runtime.session(0).handle(), runtime.session(1).handle());
  EXPECT_EQ(drive_lanes(runtime, 5), 0u);
  Runtime default_env = Runtime::replicated(path, 1, one_thread(), mlp_lane());
  EXPECT_EQ(drive_lanes(default_env, 2), 0u);
}

TEST(Runtime, ReplicatedMissingFileNamesIt) {
  EXPECT_TRUE(throws_error([] { (void)Runtime::replicated("/nonexistent/zrt-model.onnx", 2); }, ErrorCode::NoSuchFile,
                           {"Runtime::replicated", "lane 0", "/nonexistent/zrt-model.onnx"}));
}

TEST(Runtime, FactoryKThreadsExact) {
  const zrt::test::Bytes model = zrt::test::mlp();
  std::vector<std::size_t> calls;
  Runtime runtime = Runtime::from_factory(
      3,
      [&](std::size_t i) {
        calls.push_back(i);
        return Session::from_bytes(model, one_thread());
      },
      mlp_lane());
  EXPECT_EQ(calls, (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_EQ(runtime.mode(), RuntimeMode::Factory);
  EXPECT_NE(runtime.session(0).handle(), runtime.session(2).handle());
  EXPECT_EQ(drive_lanes(runtime, 10), 0u);
}

TEST(Runtime, FactoryMayReuseOneSession) {
  const Session session = Session::from_bytes(zrt::test::mlp(), one_thread());
  Runtime runtime = Runtime::from_factory(
      2, [&](std::size_t) { return session; }, mlp_lane());
  EXPECT_EQ(runtime.session(0).handle(), runtime.session(1).handle());
  EXPECT_EQ(drive_lanes(runtime, 5), 0u);
}

// Replicas given one caller-owned W2 (all zeros, where the model's W2 is not) use it:
// logits are exactly B2 for every input, on every replica.
TEST(Runtime, ReplicatedSharesCallerOwnedWeights) {
  auto zeros =
      std::make_shared<zrt::TensorBuffer>(zrt::ElementType::Float, Shape{zrt::test::kMlpHidden, zrt::test::kMlpOut});
  for (float& w : zeros->span<float>()) w = 0.0f;
  for (const bool own_container : {false, true}) {
    SessionOptions replica_options = one_thread().initializer("W2", zeros);
    if (own_container) replica_options.prepacked_weights(zrt::PrepackedWeights());
    Runtime runtime = Runtime::replicated_from_bytes(zrt::test::mlp(), 3, replica_options, mlp_lane());
    std::vector<std::size_t> wrong(runtime.size(), 0);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < runtime.size(); ++t) {
      threads.emplace_back([&, t] {
        const std::vector<float> x = zrt::test::mlp_input(kBatch, 77 + t);
        const std::span<float> in = runtime.lane(t).input<float>(0);
        std::copy(x.begin(), x.end(), in.begin());
        runtime.run_on(t);
        const std::span<const float> out = runtime.lane(t).output<float>(0);
        for (std::size_t i = 0; i < out.size(); ++i) {
          if (out[i] != zrt::test::mlp_b2(i % zrt::test::kMlpOut)) ++wrong[t];
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    EXPECT_EQ(wrong, std::vector<std::size_t>(runtime.size(), 0)) << "own container: " << own_container;
  }
  // The replicas keep the buffer alive: the caller may drop its handle.
  std::weak_ptr<zrt::TensorBuffer> weak = zeros;
  {
    Runtime runtime = Runtime::replicated_from_bytes(zrt::test::mlp(), 2,
                                                     one_thread().initializer("W2", std::move(zeros)), mlp_lane());
    EXPECT_FALSE(weak.expired());
    std::fill(runtime.lane(1).input<float>(0).begin(), runtime.lane(1).input<float>(0).end(), 0.5f);
    runtime.run_on(1);
    EXPECT_EQ(runtime.lane(1).output<float>(0)[3], zrt::test::mlp_b2(3));
  }
  EXPECT_TRUE(weak.expired());
}

TEST(Runtime, ModeNames) {
  EXPECT_STREQ(zrt::to_string(RuntimeMode::SharedSession), "shared-session");
  EXPECT_STREQ(zrt::to_string(RuntimeMode::Replicated), "replicated");
  EXPECT_STREQ(zrt::to_string(RuntimeMode::Factory), "factory");
}

// ---- run_on, prime ------------------------------------------------------------------------

// Y = X + C on lane i, for every lane, after writing different inputs per lane.
TEST(Runtime, RunOnRunsThatLaneOnly) {
  const Session session = Session::from_bytes(zrt::test::add_constant());
  Runtime runtime = Runtime::shared(session, 3);
  for (std::size_t i = 0; i < 3; ++i) {
    const std::span<float> x = runtime.lane(i).input<float>(0);
    for (std::size_t k = 0; k < x.size(); ++k) x[k] = static_cast<float>(100 * i + k);
  }
  runtime.run_on(1);
  const std::span<const float> y1 = runtime.lane(1).output<float>(0);
  for (std::size_t k = 0; k < y1.size(); ++k) {
    EXPECT_EQ(y1[k], static_cast<float>(100 + k) + zrt::test::add_constant_c(k)) << k;
  }
  // Lanes 0 and 2 have not run: their outputs are not lane 1's.
  for (std::size_t i : {0u, 2u}) {
    const std::span<const float> y = runtime.lane(i).output<float>(0);
    EXPECT_NE(y[0], y1[0]) << "lane " << i;
  }
  runtime.run_on(2, zrt::RunOptions{});
  const std::span<const float> y2 = runtime.lane(2).output<float>(0);
  for (std::size_t k = 0; k < y2.size(); ++k) {
    EXPECT_EQ(y2[k], static_cast<float>(200 + k) + zrt::test::add_constant_c(k)) << k;
  }
}

TEST(Runtime, PrimeRunsEveryLane) {
  Runtime runtime = Runtime::replicated_from_bytes(zrt::test::add_constant(), 2, one_thread());
  for (std::size_t i = 0; i < 2; ++i) {
    const std::span<float> x = runtime.lane(i).input<float>(0);
    std::fill(x.begin(), x.end(), static_cast<float>(i + 1));
  }
  runtime.prime(3);
  for (std::size_t i = 0; i < 2; ++i) {
    const std::span<const float> y = runtime.lane(i).output<float>(0);
    for (std::size_t k = 0; k < y.size(); ++k) {
      EXPECT_EQ(y[k], static_cast<float>(i + 1) + zrt::test::add_constant_c(k)) << "lane " << i << " k " << k;
    }
  }
  runtime.prime(0);  // no runs, no error
}

// ---- moves ------------------------------------------------------------------------------

TEST(Runtime, MoveKeepsLanesAndSpans) {
  Runtime a = Runtime::shared(Session::from_bytes(zrt::test::add_constant()), 2);
  Lane* lane1 = &a.lane(1);
  const std::span<float> x = a.lane(1).input<float>(0);
  const std::span<const float> y = a.lane(1).output<float>(0);
  Runtime b = std::move(a);
  EXPECT_EQ(&b.lane(1), lane1);
  std::fill(x.begin(), x.end(), 1.0f);
  b.run_on(1);
  EXPECT_EQ(y[3], 1.0f + zrt::test::add_constant_c(3));

  Runtime c = Runtime::shared(Session::from_bytes(zrt::test::add_constant()), 1);
  c = std::move(b);
  EXPECT_EQ(c.size(), 2u);
  EXPECT_EQ(&c.lane(1), lane1);
  EXPECT_EQ(b.size(), 0u);  // NOLINT(bugprone-use-after-move): checking the moved-from state
}

TEST(Runtime, UsedAfterMoveIsAClearError) {
  Runtime a = Runtime::shared(Session::from_bytes(zrt::test::add_constant()), 2);
  Runtime b = std::move(a);
  // NOLINTBEGIN(bugprone-use-after-move): the moved-from object is what is tested
  EXPECT_EQ(a.size(), 0u);
  EXPECT_TRUE(throws_error([&] { a.run_on(0); }, ErrorCode::InvalidArgument, {"used after being moved from"}));
  EXPECT_TRUE(throws_error([&] { a.run_on(0, zrt::RunOptions{}); }, ErrorCode::InvalidArgument,
                           {"used after being moved from"}));
  EXPECT_TRUE(throws_error([&] { (void)a.lane(1); }, ErrorCode::InvalidArgument, {"used after being moved from"}));
  EXPECT_TRUE(throws_error([&] { (void)a.session(0); }, ErrorCode::InvalidArgument, {"used after being moved from"}));
  EXPECT_TRUE(throws_error([&] { (void)a.mode(); }, ErrorCode::InvalidArgument, {"used after being moved from"}));
  EXPECT_TRUE(throws_error([&] { a.prime(1); }, ErrorCode::InvalidArgument, {"used after being moved from"}));
  EXPECT_TRUE(throws_error([&] { (void)a.pin_current_thread(0); }, ErrorCode::InvalidArgument,
                           {"used after being moved from"}));
  // NOLINTEND(bugprone-use-after-move)
  b.run_on(1);  // the new owner works
}

// ---- bad arguments ----------------------------------------------------------------------

TEST(Runtime, LaneOutOfRange) {
  Runtime runtime = Runtime::shared(Session::from_bytes(zrt::test::add_constant()), 2);
  EXPECT_TRUE(throws_error([&] { runtime.run_on(2); }, ErrorCode::InvalidArgument, {"lane 2 out of range", "2 lanes"}));
  EXPECT_TRUE(throws_error([&] { (void)runtime.lane(7); }, ErrorCode::InvalidArgument, {"lane 7 out of range"}));
  const Runtime& view = runtime;
  EXPECT_TRUE(throws_error([&] { (void)view.lane(2); }, ErrorCode::InvalidArgument, {"lane 2 out of range"}));
  EXPECT_TRUE(
      throws_error([&] { (void)runtime.pin_current_thread(2); }, ErrorCode::InvalidArgument, {"lane 2 out of range"}));
  runtime.run_on(1);  // still usable
}

TEST(Runtime, ZeroLanesIsAnError) {
  const zrt::test::Bytes model = zrt::test::add_constant();
  const Session session = Session::from_bytes(model);
  EXPECT_TRUE(throws_error([&] { (void)Runtime::shared(session, 0); }, ErrorCode::InvalidArgument,
                           {"Runtime::shared", "at least one lane"}));
  EXPECT_TRUE(throws_error([&] { (void)Runtime::replicated_from_bytes(model, 0); }, ErrorCode::InvalidArgument,
                           {"Runtime::replicated_from_bytes", "at least one lane"}));
  EXPECT_TRUE(throws_error([&] { (void)Runtime::from_factory(0, [&](std::size_t) { return session; }); },
                           ErrorCode::InvalidArgument, {"Runtime::from_factory", "at least one lane"}));
}

TEST(Runtime, EmptyOrFailingFactory) {
  EXPECT_TRUE(throws_error([] { (void)Runtime::from_factory(2, Runtime::SessionFactory{}); },
                           ErrorCode::InvalidArgument, {"factory is empty"}));
  const zrt::test::Bytes model = zrt::test::add_constant();
  EXPECT_TRUE(throws_error(
      [&] {
        (void)Runtime::from_factory(3, [&](std::size_t i) {
          if (i == 1) throw zrt::Error(ErrorCode::NoSuchFile, "no model for lane one");
          return Session::from_bytes(model);
        });
      },
      ErrorCode::NoSuchFile, {"Runtime::from_factory", "lane 1", "no model for lane one"}));
}

TEST(Runtime, BadLaneOptionsNameTheLane) {
  const Session session = Session::from_bytes(zrt::test::mlp());
  // The MLP's batch dim is free: lanes need its shape.
  EXPECT_TRUE(throws_error([&] { (void)Runtime::shared(session, 2); }, ErrorCode::InvalidArgument,
                           {"Runtime::shared", "lane 0", "'x'"}));
  EXPECT_TRUE(throws_error(
      [&] {
        (void)Runtime::shared(session, 2, LaneOptions{}.input_shapes({Shape{1, 783}}));
      },
      ErrorCode::InvalidArgument, {"Runtime::shared", "lane 0", "783"}));
}

// ---- pinning ------------------------------------------------------------------------------

// The calling thread's binding as hwloc reports it equals core `core`'s processing units.
bool bound_to_core(std::size_t core) {
  hwloc_topology_t topology = nullptr;
  if (hwloc_topology_init(&topology) != 0) return false;
  bool ok = false;
  if (hwloc_topology_load(topology) == 0) {
    hwloc_obj_type_t type = HWLOC_OBJ_CORE;
    if (hwloc_get_nbobjs_by_type(topology, type) <= 0) type = HWLOC_OBJ_PU;
    hwloc_obj_t obj = hwloc_get_obj_by_type(topology, type, static_cast<unsigned>(core));
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    if (obj != nullptr && set != nullptr && hwloc_get_cpubind(topology, set, HWLOC_CPUBIND_THREAD) == 0) {
      ok = hwloc_bitmap_isequal(set, obj->cpuset) != 0;
    }
    hwloc_bitmap_free(set);
  }
  hwloc_topology_destroy(topology);
  return ok;
}

TEST(Runtime, PinCurrentThreadToCoreZero) {
  ASSERT_GE(zrt::core_count(), 1u);
  std::size_t core = 99;
  bool bound = false;
  std::thread worker([&] {
    core = zrt::pin_current_thread_to_core(0);
    bound = bound_to_core(0);
  });
  worker.join();
  EXPECT_EQ(core, 0u);
  EXPECT_TRUE(bound);
}

TEST(Runtime, PinWrapsAroundTheCores) {
  const std::size_t cores = zrt::core_count();
  Runtime runtime = Runtime::shared(Session::from_bytes(zrt::test::add_constant()), cores + 1);
  std::vector<std::size_t> pinned(runtime.size(), 99);
  std::vector<unsigned char> bound(runtime.size(), 0);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < runtime.size(); ++i) {
    threads.emplace_back([&, i] {
      pinned[i] = runtime.pin_current_thread(i);
      bound[i] = bound_to_core(pinned[i]) ? 1 : 0;
      runtime.run_on(i);
    });
  }
  for (std::thread& t : threads) t.join();
  for (std::size_t i = 0; i < runtime.size(); ++i) {
    EXPECT_EQ(pinned[i], i % cores) << "lane " << i;
    EXPECT_EQ(bound[i], 1) << "lane " << i;
  }
  std::size_t wrapped = 99;
  std::thread([&] { wrapped = zrt::pin_current_thread_to_core(cores); }).join();
  EXPECT_EQ(wrapped, 0u);  // index `cores` wraps to core 0
}

}  // namespace
