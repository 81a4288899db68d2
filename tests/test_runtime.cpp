// zrt/runtime.hpp: runtimes over one shared session, replicated sessions and a
// factory; K threads each driving its own lane (exact outputs, race-free for TSan);
// replicas over weights mapped from external data (released pages, exact outputs);
// run_on, prime, moves, bad arguments, core pinning.
#include <gtest/gtest.h>
#include <hwloc.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "models/models.hpp"
#include "resident.hpp"
#include "test_util.hpp"
#include "zrt/runtime.hpp"

namespace {

using zrt::ErrorCode;
using zrt::Lane;
using zrt::LaneOptions;
using zrt::ReplicaWeights;
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

// ---- weights mapped from external data ------------------------------------------------

// One MLP initializer moved to external data in weights.bin.
struct External {
  External(std::string n, std::string loc = "weights.bin", std::optional<std::string> len = {})
      : name(std::move(n)), location(std::move(loc)), length(std::move(len)) {}
  std::string name;
  std::string location;               // as the model says
  std::optional<std::string> length;  // unset: the true length
};
constexpr std::size_t kPad = 128;  // bytes before each tensor in weights.bin
constexpr std::size_t kW1Bytes = zrt::test::kMlpIn * zrt::test::kMlpHidden * 4;  // 401,408: worth mapping
constexpr std::size_t kW1PagesKib = (kPad + kW1Bytes + 4095) / 4096 * 4;         // W1's mapping: 99 pages

// Writes dir/mlp_external.onnx, the MLP with the `moved` initializers' data in
// dir/weights.bin (each after kPad bytes), and returns its path.
std::filesystem::path external_mlp(const zrt::test::TempDir& dir, const std::vector<External>& moved) {
  const zrt::test::Bytes bytes = zrt::test::mlp();
  onnx::ModelProto model;
  if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) throw std::runtime_error("mlp: bad model");
  std::string data;
  for (const External& e : moved) {
    onnx::TensorProto* t = nullptr;
    for (onnx::TensorProto& init : *model.mutable_graph()->mutable_initializer()) {
      if (init.name() == e.name) t = &init;
    }
    if (t == nullptr) throw std::runtime_error("mlp has no initializer " + e.name);
    data.append(kPad, '\0');
    const std::size_t offset = data.size();
    data += t->raw_data();
    auto entry = [t](const char* key, const std::string& value) {
      onnx::StringStringEntryProto* kv = t->add_external_data();
      kv->set_key(key);
      kv->set_value(value);
    };
    entry("location", e.location);
    entry("offset", std::to_string(offset));
    entry("length", e.length.value_or(std::to_string(t->raw_data().size())));
    t->clear_raw_data();
    t->set_data_location(onnx::TensorProto::EXTERNAL);
  }
  std::ofstream(dir.path() / "weights.bin", std::ios::binary) << data;
  const auto path = dir.path() / "mlp_external.onnx";
  std::ofstream out(path, std::ios::binary);
  if (!model.SerializeToOstream(&out)) throw std::runtime_error("writing " + path.string() + " failed");
  return path;
}

// Three replicas over one mapping of W1: the pages are released once the replicas are
// built, every replica's logits are exact, and runs use the shared prepacked copy, so
// the mapping stays out of the resident set.
TEST(Runtime, MappedWeightsAreOneReleasedCopy) {
  zrt::test::TempDir dir;
  const auto model = external_mlp(dir, {{"W1"}});
  const auto data = dir.path() / "weights.bin";
  zrt::Environment env;
  Runtime runtime = Runtime::replicated(env, model, 3, one_thread(), mlp_lane(), ReplicaWeights::Mapped);
  EXPECT_EQ(runtime.mode(), RuntimeMode::Replicated);
  EXPECT_EQ(zrt::test::resident_kib(data), 0u);
  EXPECT_EQ(drive_lanes(runtime, 10), 0u);
  EXPECT_EQ(zrt::test::resident_kib(data), 0u);
  // The same model loaded by ORT into every replica gives the same logits.
  Runtime loaded = Runtime::replicated(model, 2, one_thread(), mlp_lane());
  EXPECT_EQ(drive_lanes(loaded, 5), 0u);
  // Small external initializers (W2, 5 KiB) are left to ORT beside a mapped W1.
  zrt::test::TempDir both_dir;
  Runtime both = Runtime::replicated(external_mlp(both_dir, {{"W1"}, {"W2"}}), 2, one_thread(), mlp_lane(),
                                     ReplicaWeights::Mapped);
  EXPECT_EQ(drive_lanes(both, 5), 0u);
}

// With prepacking off MatMul reads W1 as it is: the first runs fault every page of the
// one mapping back in from the file, shared by all replicas, and the logits are exact.
TEST(Runtime, MappedWeightsWithoutPrepackingAreReadFromTheFile) {
  zrt::test::TempDir dir;
  const auto model = external_mlp(dir, {{"W1"}});
  const auto data = dir.path() / "weights.bin";
  Runtime runtime = Runtime::replicated(model, 3, one_thread().config("session.disable_prepacking", "1"), mlp_lane(),
                                        ReplicaWeights::Mapped);
  EXPECT_EQ(zrt::test::resident_kib(data), 0u);
  EXPECT_EQ(drive_lanes(runtime, 3), 0u);
  EXPECT_EQ(zrt::test::resident_kib(data), kW1PagesKib);
}

// Run, release the mapped initializer's pages, run again: bit-identical logits, with
// and without prepacking; only the unpacked kernel brings the pages back.
TEST(Runtime, ReleasingAMappedInitializerKeepsResultsBitIdentical) {
  zrt::test::TempDir dir;
  (void)external_mlp(dir, {{"W1"}});
  const auto data = dir.path() / "weights.bin";
  for (const bool prepack : {true, false}) {
    auto w1 = std::make_shared<const zrt::TensorBuffer>(zrt::TensorBuffer::map_file(
        data, kPad, zrt::ElementType::Float, Shape{zrt::test::kMlpIn, zrt::test::kMlpHidden}));
    SessionOptions options = one_thread().initializer("W1", w1);
    if (!prepack) options.config("session.disable_prepacking", "1");
    Runtime runtime = Runtime::replicated_from_bytes(zrt::test::mlp(), 1, options, mlp_lane());
    Lane& lane = runtime.lane(0);
    const std::vector<float> x = zrt::test::mlp_input(kBatch, 5);
    std::copy(x.begin(), x.end(), lane.input<float>(0).begin());
    lane.run();
    const std::vector<float> before = zrt::test::to_vector(lane.output<float>(0));
    EXPECT_EQ(before, zrt::test::mlp_reference(x, kBatch)) << "prepack " << prepack;
    EXPECT_EQ(zrt::test::resident_kib(data), kW1PagesKib) << "prepack " << prepack;  // read to prepack or to run
    w1->release_pages();
    EXPECT_EQ(zrt::test::resident_kib(data), 0u) << "prepack " << prepack;
    const std::vector<float> other = zrt::test::mlp_input(kBatch, 6);  // a run in between, so the next one writes
    std::copy(other.begin(), other.end(), lane.input<float>(0).begin());
    lane.run();
    ASSERT_NE(zrt::test::to_vector(lane.output<float>(0)), before);
    std::copy(x.begin(), x.end(), lane.input<float>(0).begin());
    lane.run();
    EXPECT_TRUE(zrt::test::same_bytes(lane.output<float>(0), std::span<const float>(before))) << "prepack " << prepack;
    EXPECT_EQ(zrt::test::resident_kib(data), prepack ? 0u : kW1PagesKib) << "prepack " << prepack;
  }
}

TEST(Runtime, MappedWeightsErrorsSayWhy) {
  zrt::test::TempDir dir;
  const auto mapped = [](const std::filesystem::path& model, SessionOptions options = one_thread()) {
    (void)Runtime::replicated(model, 2, options, mlp_lane(), ReplicaWeights::Mapped);
  };
  // Nothing to map: weights embedded, only small ones external, or W1 given by the caller.
  const auto embedded = dir.write("mlp.onnx", zrt::test::mlp());
  EXPECT_TRUE(throws_error([&] { mapped(embedded); }, ErrorCode::InvalidArgument,
                           {"Runtime::replicated", "ReplicaWeights::Mapped", "mlp.onnx", "nothing to map"}));
  zrt::test::TempDir small_dir;
  const auto small = external_mlp(small_dir, {{"W2"}});
  EXPECT_TRUE(throws_error([&] { mapped(small); }, ErrorCode::InvalidArgument, {"nothing to map"}));
  Runtime loaded = Runtime::replicated(small, 1, one_thread(), mlp_lane());
  EXPECT_EQ(drive_lanes(loaded, 2), 0u);
  zrt::test::TempDir given_dir;
  const auto given = external_mlp(given_dir, {{"W1"}});
  auto w1 =
      std::make_shared<zrt::TensorBuffer>(zrt::ElementType::Float, Shape{zrt::test::kMlpIn, zrt::test::kMlpHidden});
  EXPECT_TRUE(throws_error([&] { mapped(given, one_thread().initializer("W1", w1)); }, ErrorCode::InvalidArgument,
                           {"nothing to map", "already given"}));
  // Bad external data entries name the initializer.
  const std::vector<std::pair<External, std::string>> bad = {
      {{"W1", "../weights.bin"}, "'../weights.bin' leaves the model's folder"},
      {{"W1", "/tmp/weights.bin"}, "'/tmp/weights.bin' must be a path relative to the model's folder"},
      {{"W1", "weights.bin", "12"}, "external data length 12 differs from the 401408 bytes"},
      {{"W1", "weights.bin", "4x"}, "external data length is '4x', not a byte count"},
  };
  for (const auto& [external, message] : bad) {
    zrt::test::TempDir bad_dir;
    const auto model = external_mlp(bad_dir, {external});
    EXPECT_TRUE(throws_error([&] { mapped(model); }, ErrorCode::InvalidArgument,
                             {"Runtime::replicated", "initializer 'W1'", message}));
  }
  zrt::test::TempDir missing_dir;
  const auto missing = external_mlp(missing_dir, {{"W1", "missing.bin"}});
  EXPECT_TRUE(throws_error([&] { mapped(missing); }, ErrorCode::NoSuchFile, {"ReplicaWeights::Mapped", "missing.bin"}));
  // Not a model, or a model cut short.
  const std::string not_a_model = "not a model";
  const auto garbage = dir.write("garbage.onnx", std::as_bytes(std::span(not_a_model)));
  EXPECT_TRUE(throws_error([&] { mapped(garbage); }, ErrorCode::InvalidArgument,
                           {"garbage.onnx", "not a valid ONNX model", "wire type"}));
  const zrt::test::Bytes whole = zrt::test::mlp();
  const auto cut = dir.write("cut.onnx", std::span(whole).first(whole.size() / 2));
  EXPECT_TRUE(throws_error([&] { mapped(cut); }, ErrorCode::InvalidArgument, {"cut.onnx", "runs past the end"}));
  EXPECT_STREQ(zrt::to_string(ReplicaWeights::Loaded), "loaded");
  EXPECT_STREQ(zrt::to_string(ReplicaWeights::Mapped), "mapped");
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
