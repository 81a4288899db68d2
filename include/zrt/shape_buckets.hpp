// ShapeBuckets: static lanes for a model with free dims, one set ("bucket") per
// concrete combination of input shapes, built on first use and kept under an LRU bound.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <vector>

#include "zrt/lane.hpp"
#include "zrt/session.hpp"
#include "zrt/shape.hpp"

namespace zrt {

class Runtime;

// Output shapes for one bucket: one Shape per model output, given the bucket's input
// shapes (one per model input, in model order).
using OutputShapeFn = std::function<std::vector<Shape>(std::span<const Shape> input_shapes)>;

// How buckets are built. Setters chain.
class BucketOptions {
 public:
  static constexpr std::size_t kDefaultBound = 16;

  // Most buckets held at once; a miss beyond it evicts the least recently used bucket.
  // 0 is rejected when the ShapeBuckets is made.
  BucketOptions& bound(std::size_t n) noexcept {
    bound_ = n;
    return *this;
  }
  // Lanes per bucket when the buckets are built over one session (default 1).
  BucketOptions& lanes_per_bucket(std::size_t n) noexcept {
    lanes_per_bucket_ = n;
    return *this;
  }
  // Policies, storage and carry pairs for every lane; input/output shapes are set per bucket.
  BucketOptions& lane_options(LaneOptions options) {
    lane_options_ = std::move(options);
    return *this;
  }
  // Output shapes. Without it, each output takes the model's declared shape, with a
  // symbolic dim that also names an input dim ("batch") taking that input's value.
  // Either way, an output whose shape still has a free dim (-1) or no rank is bound to
  // CPU memory (IoStorage::bound_to): ORT allocates it each run; read it with
  // Lane::output_value.
  BucketOptions& output_shapes(OutputShapeFn fn) {
    output_shapes_ = std::move(fn);
    return *this;
  }
  // Runs on every lane of a bucket right after it is built (default 0).
  BucketOptions& prime_on_build(std::size_t n) noexcept {
    prime_on_build_ = n;
    return *this;
  }

  std::size_t bound() const noexcept { return bound_; }
  std::size_t lanes_per_bucket() const noexcept { return lanes_per_bucket_; }
  const LaneOptions& lane_options() const noexcept { return lane_options_; }
  const OutputShapeFn& output_shapes() const noexcept { return output_shapes_; }
  std::size_t prime_on_build() const noexcept { return prime_on_build_; }

 private:
  std::size_t bound_ = kDefaultBound;
  std::size_t lanes_per_bucket_ = 1;
  LaneOptions lane_options_;
  OutputShapeFn output_shapes_;
  std::size_t prime_on_build_ = 0;
};

// Not thread-safe: acquire, prebuild, prime, warm and clear belong to one thread at a
// time (e.g. one ShapeBuckets per serving thread, or a dispatcher that hands lane j of
// a bucket to worker j). A bucket and its lanes stay valid until a miss evicts it or
// clear() runs; lanes of one bucket may run on different threads at once.
class ShapeBuckets {
 public:
  // One bucket: lanes for one concrete combination of input shapes.
  class Bucket {
   public:
    Bucket(const Bucket&) = delete;
    Bucket& operator=(const Bucket&) = delete;
    ~Bucket();

    std::size_t size() const noexcept { return lanes_.size(); }
    // Throws zrt::Error when i >= size().
    Lane& lane(std::size_t i = 0);
    std::span<const Shape> input_shapes() const noexcept { return input_shapes_; }
    std::span<const Shape> output_shapes() const noexcept { return output_shapes_; }
    void prime(std::size_t n);

   private:
    friend class ShapeBuckets;
    Bucket() = default;
    bool matches(std::span<const Shape> shapes) const noexcept;

    std::vector<Shape> input_shapes_;
    std::vector<Shape> output_shapes_;
    std::vector<Lane> lanes_;
    std::uint64_t last_used_ = 0;
    bool warmed_ = false;
  };

  struct Stats {
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;  // buckets built by acquire / lane_for
    std::uint64_t evictions = 0;
  };

  // Buckets of options.lanes_per_bucket() lanes, all over `session`.
  explicit ShapeBuckets(const Session& session, BucketOptions options = {});
  // Buckets of sessions.size() lanes: lane j of each bucket runs on sessions[j] (one
  // model, e.g. replicas). options.lanes_per_bucket() is ignored.
  ShapeBuckets(std::vector<Session> sessions, BucketOptions options = {});
  // Buckets of runtime.size() lanes: lane j of each bucket runs on runtime.session(j).
  explicit ShapeBuckets(const Runtime& runtime, BucketOptions options = {});

  ShapeBuckets(ShapeBuckets&& other) noexcept;
  ShapeBuckets& operator=(ShapeBuckets&& other) noexcept;
  ShapeBuckets(const ShapeBuckets&) = delete;
  ShapeBuckets& operator=(const ShapeBuckets&) = delete;
  ~ShapeBuckets();

  // The bucket for these input shapes (one per model input, in model order, every dim
  // fixed). A hit (the last bucket used is checked first) compares dims in place and
  // allocates nothing; a miss checks the shapes against the model, builds the bucket
  // (evicting the least recently used one at the bound) and primes it.
  Bucket& acquire(std::span<const Shape> input_shapes);
  Bucket& acquire(std::initializer_list<Shape> input_shapes) {
    return acquire(std::span<const Shape>(input_shapes.begin(), input_shapes.size()));
  }
  // acquire(input_shapes).lane(lane).
  Lane& lane_for(std::span<const Shape> input_shapes, std::size_t lane = 0);
  Lane& lane_for(std::initializer_list<Shape> input_shapes, std::size_t lane = 0) {
    return lane_for(std::span<const Shape>(input_shapes.begin(), input_shapes.size()), lane);
  }
  // Looks up without building and without touching the LRU order.
  bool contains(std::span<const Shape> input_shapes) const noexcept;
  bool contains(std::initializer_list<Shape> input_shapes) const noexcept {
    return contains(std::span<const Shape>(input_shapes.begin(), input_shapes.size()));
  }

  // Builds a bucket for each shape set that has none (each checked first: more sets
  // than the bound is an error, as they could not all be kept). Not counted as misses.
  void prebuild(std::span<const std::vector<Shape>> shape_sets);
  void prebuild(std::initializer_list<std::vector<Shape>> shape_sets) {
    prebuild(std::span<const std::vector<Shape>>(shape_sets.begin(), shape_sets.size()));
  }
  // n runs on every lane of every bucket held.
  void prime(std::size_t n);
  // One run on every lane of each bucket that has not run since it was built.
  void warm();
  // Drops every bucket.
  void clear() noexcept;

  std::size_t size() const noexcept;  // buckets held
  std::size_t bound() const;
  std::size_t lanes_per_bucket() const;
  // Input shape sets of the buckets held, most recently used first.
  std::vector<std::vector<Shape>> keys() const;
  Stats stats() const;

 private:
  struct State;
  State& state() const;
  Bucket& build(std::span<const Shape> input_shapes);
  std::unique_ptr<State> state_;
};

}  // namespace zrt
