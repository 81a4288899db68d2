// zrt/shape_buckets.hpp: one static lane set per concrete input shape; hits (last
// first), misses, LRU eviction order, bound 0, prebuild, prime, warm, output shapes
// (resolved from symbols, from a callback, or bound), several lanes per bucket.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "models/models.hpp"
#include "test_util.hpp"
#include "zrt/runtime.hpp"
#include "zrt/shape_buckets.hpp"

namespace {

using zrt::BucketOptions;
using zrt::ErrorCode;
using zrt::Lane;
using zrt::Session;
using zrt::Shape;
using zrt::ShapeBuckets;
using zrt::test::throws_error;
using Keys = std::vector<std::vector<Shape>>;

// dynamic(): X float[batch,seq] -> Y = 2 * X float[batch,seq], S = Shape(X) int64[2].
Session dynamic_session() { return Session::from_bytes(zrt::test::dynamic()); }

// Fills X with 0, 1, 2, ... (+ offset), runs, and checks Y and S exactly.
void expect_doubles(Lane& lane, std::int64_t rows, std::int64_t cols, float offset = 0.0f) {
  const std::span<float> x = lane.input<float>(0);
  ASSERT_EQ(x.size(), static_cast<std::size_t>(rows * cols));
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i) + offset;
  lane.run();
  const std::span<const float> y = lane.output<float>(0);
  ASSERT_EQ(y.size(), x.size());
  for (std::size_t i = 0; i < y.size(); ++i) EXPECT_EQ(y[i], 2.0f * (static_cast<float>(i) + offset)) << i;
  const std::span<const std::int64_t> s = lane.output<std::int64_t>(1);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0], rows);
  EXPECT_EQ(s[1], cols);
}

// ---- hits and misses --------------------------------------------------------------------

TEST(ShapeBuckets, MissBuildsThenHitReturnsTheSameBucket) {
  ShapeBuckets buckets(dynamic_session());
  EXPECT_EQ(buckets.bound(), 16u);
  EXPECT_EQ(buckets.lanes_per_bucket(), 1u);
  EXPECT_EQ(buckets.size(), 0u);

  ShapeBuckets::Bucket& a = buckets.acquire({Shape{2, 3}});
  EXPECT_EQ(buckets.size(), 1u);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a.input_shapes().size(), 1u);
  EXPECT_EQ(a.input_shapes()[0], (Shape{2, 3}));
  ASSERT_EQ(a.output_shapes().size(), 2u);
  EXPECT_EQ(a.output_shapes()[0], (Shape{2, 3}));  // batch, seq resolved from X
  EXPECT_EQ(a.output_shapes()[1], (Shape{2}));
  EXPECT_EQ(a.lane().input_shape(0), (Shape{2, 3}));
  expect_doubles(a.lane(), 2, 3);

  ShapeBuckets::Bucket& again = buckets.acquire({Shape{2, 3}});
  EXPECT_EQ(&again, &a);
  Lane& lane = buckets.lane_for({Shape{2, 3}});
  EXPECT_EQ(&lane, &a.lane(0));
  const ShapeBuckets::Stats stats = buckets.stats();
  EXPECT_EQ(stats.misses, 1u);
  EXPECT_EQ(stats.hits, 2u);
  EXPECT_EQ(stats.evictions, 0u);

  // Another shape: another bucket; the first one is still there and still right.
  Lane& other = buckets.lane_for({Shape{1, 5}});
  EXPECT_NE(&other, &a.lane(0));
  expect_doubles(other, 1, 5, 0.5f);
  expect_doubles(buckets.lane_for({Shape{2, 3}}), 2, 3, 1.0f);
  EXPECT_EQ(buckets.size(), 2u);
  EXPECT_EQ(buckets.stats().misses, 2u);
  EXPECT_EQ(buckets.stats().hits, 3u);
}

TEST(ShapeBuckets, SpanOfShapesAcquires) {
  ShapeBuckets buckets(dynamic_session());
  const std::vector<Shape> shapes{Shape{4, 1}};
  ShapeBuckets::Bucket& a = buckets.acquire(shapes);
  EXPECT_EQ(&buckets.acquire(std::span<const Shape>(shapes)), &a);
  EXPECT_TRUE(buckets.contains(shapes));
  EXPECT_TRUE(buckets.contains({Shape{4, 1}}));
  EXPECT_FALSE(buckets.contains({Shape{1, 4}}));
  EXPECT_FALSE(buckets.contains({Shape{4, 1}, Shape{4, 1}}));
  expect_doubles(buckets.lane_for(shapes, 0), 4, 1);
}

// ---- LRU --------------------------------------------------------------------------------

TEST(ShapeBuckets, EvictsTheLeastRecentlyUsed) {
  ShapeBuckets buckets(dynamic_session(), BucketOptions{}.bound(3));
  const Shape a{1, 1}, b{1, 2}, c{1, 3}, d{1, 4}, e{1, 5};
  buckets.acquire({a});
  buckets.acquire({b});
  buckets.acquire({c});
  EXPECT_EQ(buckets.keys(), (Keys{{c}, {b}, {a}}));
  buckets.acquire({a});  // hit: a becomes the most recent
  EXPECT_EQ(buckets.keys(), (Keys{{a}, {c}, {b}}));
  buckets.acquire({d});  // miss at the bound: b (least recent) goes
  EXPECT_EQ(buckets.keys(), (Keys{{d}, {a}, {c}}));
  EXPECT_FALSE(buckets.contains({b}));
  EXPECT_EQ(buckets.size(), 3u);
  buckets.acquire({c});
  buckets.acquire({e});  // a is now the least recent
  EXPECT_EQ(buckets.keys(), (Keys{{e}, {c}, {d}}));
  const ShapeBuckets::Stats stats = buckets.stats();
  EXPECT_EQ(stats.misses, 5u);
  EXPECT_EQ(stats.hits, 2u);
  EXPECT_EQ(stats.evictions, 2u);
  // An evicted shape comes back as a fresh, working bucket.
  expect_doubles(buckets.lane_for({b}), 1, 2);
  EXPECT_EQ(buckets.keys(), (Keys{{b}, {e}, {c}}));
}

TEST(ShapeBuckets, BoundOneKeepsOnlyTheLast) {
  ShapeBuckets buckets(dynamic_session(), BucketOptions{}.bound(1));
  expect_doubles(buckets.lane_for({Shape{1, 2}}), 1, 2);
  expect_doubles(buckets.lane_for({Shape{2, 2}}), 2, 2);
  EXPECT_EQ(buckets.keys(), (Keys{{Shape{2, 2}}}));
  expect_doubles(buckets.lane_for({Shape{1, 2}}), 1, 2);
  EXPECT_EQ(buckets.stats().evictions, 2u);
}

TEST(ShapeBuckets, BoundZeroIsAClearError) {
  EXPECT_TRUE(throws_error([] { ShapeBuckets b(dynamic_session(), BucketOptions{}.bound(0)); },
                           ErrorCode::InvalidArgument, {"bound must be at least 1", "got 0"}));
}

TEST(ShapeBuckets, ZeroLanesPerBucketIsAnError) {
  EXPECT_TRUE(throws_error([] { ShapeBuckets b(dynamic_session(), BucketOptions{}.lanes_per_bucket(0)); },
                           ErrorCode::InvalidArgument, {"at least one lane"}));
  EXPECT_TRUE(
      throws_error([] { ShapeBuckets b(std::vector<Session>{}); }, ErrorCode::InvalidArgument, {"at least one lane"}));
}

// ---- prebuild, prime, warm --------------------------------------------------------------

TEST(ShapeBuckets, PrebuildThenHit) {
  ShapeBuckets buckets(dynamic_session(), BucketOptions{}.bound(4));
  buckets.prebuild({{Shape{1, 8}}, {Shape{2, 8}}, {Shape{4, 8}}});
  EXPECT_EQ(buckets.size(), 3u);
  EXPECT_TRUE(buckets.contains({Shape{2, 8}}));
  EXPECT_EQ(buckets.stats().misses, 0u);
  expect_doubles(buckets.lane_for({Shape{2, 8}}), 2, 8);
  expect_doubles(buckets.lane_for({Shape{4, 8}}), 4, 8);
  EXPECT_EQ(buckets.stats().misses, 0u);
  EXPECT_EQ(buckets.stats().hits, 2u);
  // Prebuilding what is already there builds nothing.
  ShapeBuckets::Bucket* before = &buckets.acquire({Shape{1, 8}});
  buckets.prebuild({{Shape{1, 8}}});
  EXPECT_EQ(&buckets.acquire({Shape{1, 8}}), before);
  EXPECT_EQ(buckets.size(), 3u);
}

TEST(ShapeBuckets, PrebuildChecksEverySetFirst) {
  ShapeBuckets buckets(dynamic_session(), BucketOptions{}.bound(2));
  EXPECT_TRUE(throws_error(
      [&] {
        buckets.prebuild({{Shape{1, 1}}, {Shape{1, 2}}, {Shape{1, 3}}});
      },
      ErrorCode::InvalidArgument, {"3 shape sets exceed the bound of 2"}));
  EXPECT_TRUE(throws_error(
      [&] {
        buckets.prebuild({{Shape{1, 1}}, {Shape{1, 2, 3}}});
      },
      ErrorCode::InvalidArgument, {"'X'", "rank 2", "[1,2,3]"}));
  EXPECT_EQ(buckets.size(), 0u);  // nothing built by a rejected prebuild
}

TEST(ShapeBuckets, WarmRunsOnlyNewBucketsPrimeRunsAll) {
  ShapeBuckets buckets(dynamic_session());
  buckets.prebuild({{Shape{1, 2}}, {Shape{1, 3}}});
  Lane& two = buckets.lane_for({Shape{1, 2}});
  Lane& three = buckets.lane_for({Shape{1, 3}});
  auto fill = [](Lane& lane, float v) {
    for (float& x : lane.input<float>(0)) x = v;
  };
  fill(two, 1.0f);
  fill(three, 1.0f);
  buckets.warm();  // both new: one run each
  EXPECT_EQ(two.output<float>(0)[0], 2.0f);
  EXPECT_EQ(three.output<float>(0)[1], 2.0f);
  fill(two, 5.0f);
  buckets.warm();  // nothing new: no run
  EXPECT_EQ(two.output<float>(0)[0], 2.0f);
  Lane& four = buckets.lane_for({Shape{1, 4}});
  fill(four, 3.0f);
  buckets.warm();  // only the new bucket runs
  EXPECT_EQ(four.output<float>(0)[3], 6.0f);
  EXPECT_EQ(two.output<float>(0)[0], 2.0f);
  buckets.prime(2);  // every bucket runs
  EXPECT_EQ(two.output<float>(0)[0], 10.0f);
  EXPECT_EQ(four.output<float>(0)[3], 6.0f);
}

TEST(ShapeBuckets, PrimeOnBuild) {
  ShapeBuckets buckets(dynamic_session(), BucketOptions{}.prime_on_build(1));
  Lane& lane = buckets.lane_for({Shape{3, 7}});
  const std::span<const std::int64_t> s = lane.output<std::int64_t>(1);
  EXPECT_EQ(s[0], 3);
  EXPECT_EQ(s[1], 7);
}

// ---- bad shapes -------------------------------------------------------------------------

TEST(ShapeBuckets, BadShapesAreClearErrorsAndChangeNothing) {
  ShapeBuckets buckets(dynamic_session());
  buckets.acquire({Shape{1, 1}});
  EXPECT_TRUE(throws_error(
      [&] {
        buckets.acquire({Shape{1, 1}, Shape{1, 1}});
      },
      ErrorCode::InvalidArgument, {"2 input shapes given", "1 inputs"}));
  EXPECT_TRUE(throws_error([&] { buckets.acquire(std::span<const Shape>()); }, ErrorCode::InvalidArgument,
                           {"0 input shapes given"}));
  EXPECT_TRUE(throws_error([&] { buckets.acquire({Shape{4}}); }, ErrorCode::InvalidArgument,
                           {"'X' (index 0)", "rank 2", "[4]"}));
  EXPECT_TRUE(throws_error(
      [&] {
        buckets.acquire({Shape{-1, 4}});
      },
      ErrorCode::InvalidArgument, {"'X' (index 0)", "free dim"}));
  EXPECT_EQ(buckets.size(), 1u);
  EXPECT_EQ(buckets.stats().misses, 1u);
  expect_doubles(buckets.lane_for({Shape{1, 1}}), 1, 1);
}

TEST(ShapeBuckets, FixedDimsMustMatch) {
  // X float[n,3]
  ShapeBuckets buckets(Session::from_bytes(zrt::test::identity(zrt::ElementType::Float, {"n", 3})));
  EXPECT_TRUE(throws_error(
      [&] {
        buckets.acquire({Shape{2, 4}});
      },
      ErrorCode::InvalidArgument, {"fixes dim 1 to 3", "[2,4]"}));
  Lane& lane = buckets.lane_for({Shape{2, 3}});
  EXPECT_EQ(lane.output_shape(0), (Shape{2, 3}));
}

TEST(ShapeBuckets, OneSymbolTwoValuesIsAnError) {
  ShapeBuckets buckets(Session::from_bytes(zrt::test::from_text(R"(<ir_version: 8, opset_import: ["" : 17]>
pair (float[batch,3] A, float[batch,3] B) => (float[batch,3] C) {
  C = Add(A, B)
})")));
  EXPECT_TRUE(throws_error(
      [&] {
        buckets.acquire({Shape{2, 3}, Shape{4, 3}});
      },
      ErrorCode::InvalidArgument, {"dim 'batch' is 2", "4", "'B'"}));
  Lane& lane = buckets.lane_for({Shape{2, 3}, Shape{2, 3}});
  EXPECT_EQ(lane.output_shape(0), (Shape{2, 3}));
  for (float& a : lane.input<float>(0)) a = 1.5f;
  for (float& b : lane.input<float>(1)) b = 2.0f;
  lane.run();
  for (float c : lane.output<float>(0)) EXPECT_EQ(c, 3.5f);
}

// ---- outputs with free dims ---------------------------------------------------------------

// Y = Concat(X, X): X float[n], Y float[m] (m is no input's symbol).
zrt::test::Bytes concat_model() {
  return zrt::test::from_text(R"(<ir_version: 8, opset_import: ["" : 17]>
concat (float[n] X) => (float[m] Y) {
  Y = Concat <axis = 0> (X, X)
})");
}

TEST(ShapeBuckets, UnresolvedOutputIsBound) {
  ShapeBuckets buckets(Session::from_bytes(concat_model()));
  ShapeBuckets::Bucket& bucket = buckets.acquire({Shape{3}});
  EXPECT_FALSE(bucket.output_shapes()[0].is_static());
  Lane& lane = bucket.lane();
  const std::span<float> x = lane.input<float>(0);
  x[0] = 1.0f;
  x[1] = 2.0f;
  x[2] = 3.0f;
  lane.run();
  EXPECT_TRUE(throws_error([&] { (void)lane.output<float>(0); }, ErrorCode::InvalidArgument, {"output_value"}));
  const zrt::Value y = lane.output_value(0);
  EXPECT_EQ(y.shape(), (Shape{6}));
  EXPECT_EQ(zrt::test::to_vector(y.data<float>()), (std::vector<float>{1, 2, 3, 1, 2, 3}));
}

TEST(ShapeBuckets, OutputShapeCallback) {
  std::vector<Shape> seen;
  ShapeBuckets buckets(Session::from_bytes(concat_model()),
                       BucketOptions{}.output_shapes([&](std::span<const Shape> in) {
                         seen.push_back(in[0]);
                         return std::vector<Shape>{Shape{2 * in[0][0]}};
                       }));
  Lane& lane = buckets.lane_for({Shape{2}});
  EXPECT_EQ(seen, (std::vector<Shape>{Shape{2}}));
  const std::span<float> x = lane.input<float>(0);
  x[0] = 4.0f;
  x[1] = 5.0f;
  lane.run();
  EXPECT_EQ(zrt::test::to_vector(lane.output<float>(0)), (std::vector<float>{4, 5, 4, 5}));
  (void)buckets.lane_for({Shape{2}});  // a hit does not ask again
  EXPECT_EQ(seen.size(), 1u);
}

TEST(ShapeBuckets, OutputShapeCallbackWithTheWrongCount) {
  ShapeBuckets buckets(Session::from_bytes(concat_model()),
                       BucketOptions{}.output_shapes([](std::span<const Shape>) { return std::vector<Shape>{}; }));
  EXPECT_TRUE(throws_error([&] { buckets.acquire({Shape{2}}); }, ErrorCode::InvalidArgument,
                           {"callback returned 0 shapes", "1 outputs"}));
  EXPECT_EQ(buckets.size(), 0u);
}

TEST(ShapeBuckets, LaneOptionsApplyToEveryBucket) {
  // The caller's storage choice wins over the default for a resolvable output.
  ShapeBuckets buckets(dynamic_session(), BucketOptions{}.lane_options(
                                              zrt::LaneOptions{}.output_storage("Y", zrt::IoStorage::bound_to())));
  Lane& lane = buckets.lane_for({Shape{1, 2}});
  for (float& x : lane.input<float>(0)) x = 1.25f;
  lane.run();
  EXPECT_EQ(zrt::test::to_vector(lane.output_value(0).data<float>()), (std::vector<float>{2.5f, 2.5f}));
  EXPECT_EQ(lane.output<std::int64_t>(1)[1], 2);
}

// ---- several lanes per bucket -------------------------------------------------------------

TEST(ShapeBuckets, SeveralLanesPerBucketOnThreads) {
  ShapeBuckets buckets(dynamic_session(), BucketOptions{}.lanes_per_bucket(3));
  EXPECT_EQ(buckets.lanes_per_bucket(), 3u);
  ShapeBuckets::Bucket& bucket = buckets.acquire({Shape{2, 5}});
  ASSERT_EQ(bucket.size(), 3u);
  EXPECT_NE(&bucket.lane(0), &bucket.lane(1));
  EXPECT_TRUE(
      throws_error([&] { (void)bucket.lane(3); }, ErrorCode::InvalidArgument, {"lane 3 out of range", "3 lanes"}));
  std::vector<std::size_t> wrong(3, 0);
  std::vector<std::thread> threads;
  for (std::size_t j = 0; j < 3; ++j) {
    threads.emplace_back([&bucket, &wrong, j] {
      Lane& lane = bucket.lane(j);
      const std::span<float> x = lane.input<float>(0);
      const std::span<const float> y = lane.output<float>(0);
      for (std::size_t r = 0; r < 20; ++r) {
        for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(100 * j + r + i);
        lane.run();
        for (std::size_t i = 0; i < y.size(); ++i) {
          if (y[i] != 2.0f * static_cast<float>(100 * j + r + i)) ++wrong[j];
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong, (std::vector<std::size_t>{0, 0, 0}));
}

TEST(ShapeBuckets, OverARuntime) {
  zrt::Runtime runtime = zrt::Runtime::replicated_from_bytes(
      zrt::test::dynamic(), 2, {},
      zrt::LaneOptions{}.input_shapes({Shape{1, 1}}).output_shapes({Shape{1, 1}, Shape{2}}));
  ShapeBuckets buckets(runtime, BucketOptions{}.bound(2));
  EXPECT_EQ(buckets.lanes_per_bucket(), 2u);
  ShapeBuckets::Bucket& bucket = buckets.acquire({Shape{3, 2}});
  ASSERT_EQ(bucket.size(), 2u);
  for (std::size_t j = 0; j < 2; ++j) {
    EXPECT_EQ(bucket.lane(j).session().handle(), runtime.session(j).handle()) << j;
    expect_doubles(bucket.lane(j), 3, 2, static_cast<float>(j));
  }
}

TEST(ShapeBuckets, SessionsMustRunOneModel) {
  std::vector<Session> sessions{dynamic_session(), Session::from_bytes(zrt::test::add_constant())};
  EXPECT_TRUE(throws_error([&] { ShapeBuckets b(sessions); }, ErrorCode::InvalidArgument,
                           {"session 1", "same inputs and outputs"}));
  ShapeBuckets ok(std::vector<Session>{dynamic_session(), dynamic_session()});
  EXPECT_EQ(ok.lanes_per_bucket(), 2u);
}

// ---- moves --------------------------------------------------------------------------------

TEST(ShapeBuckets, UsedAfterMoveIsAClearError) {
  ShapeBuckets a(dynamic_session());
  Lane& lane = a.lane_for({Shape{2, 2}});
  ShapeBuckets b = std::move(a);
  EXPECT_EQ(&b.lane_for({Shape{2, 2}}), &lane);  // buckets move with the object
  // NOLINTBEGIN(bugprone-use-after-move): the moved-from object is what is tested
  EXPECT_EQ(a.size(), 0u);
  EXPECT_FALSE(a.contains({Shape{2, 2}}));
  EXPECT_TRUE(throws_error(
      [&] {
        a.acquire({Shape{2, 2}});
      },
      ErrorCode::InvalidArgument, {"used after being moved from"}));
  EXPECT_TRUE(throws_error(
      [&] {
        a.prebuild({{Shape{1, 1}}});
      },
      ErrorCode::InvalidArgument, {"used after being moved from"}));
  EXPECT_TRUE(throws_error([&] { a.prime(1); }, ErrorCode::InvalidArgument, {"used after being moved from"}));
  EXPECT_TRUE(throws_error([&] { a.warm(); }, ErrorCode::InvalidArgument, {"used after being moved from"}));
  EXPECT_TRUE(throws_error([&] { (void)a.keys(); }, ErrorCode::InvalidArgument, {"used after being moved from"}));
  a.clear();  // harmless
  // NOLINTEND(bugprone-use-after-move)
  b.clear();
  EXPECT_EQ(b.size(), 0u);
  EXPECT_FALSE(b.contains({Shape{2, 2}}));
  expect_doubles(b.lane_for({Shape{2, 2}}), 2, 2);
}

}  // namespace
