// Lane: one binding plus stable buffers for every input and output of a session.
// Bind once, run many: a run is one ORT call, with no allocation, lock or copy in zrt.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "zrt/buffer.hpp"
#include "zrt/error.hpp"
#include "zrt/memory.hpp"
#include "zrt/run_options.hpp"
#include "zrt/session.hpp"
#include "zrt/value.hpp"

namespace zrt {

// Where one lane input or output lives.
struct IoStorage {
  enum class Kind {
    Buffer,        // a TensorBuffer the lane owns (host memory, under the lane's BufferPolicy)
    OrtAllocated,  // a tensor ORT allocates once on `memory` (e.g. a device), bound once
    Bound,         // outputs only: bound to `memory`; ORT allocates each run (shape may vary)
    External,      // a tensor the caller owns (e.g. another lane's device output), bound once
  };
  Kind kind = Kind::Buffer;
  std::optional<MemoryInfo> memory;
  const Value* value = nullptr;  // External: the caller's tensor, which must outlive the lane

  static IoStorage buffer() { return {}; }
  static IoStorage ort_allocated(MemoryInfo memory = MemoryInfo::cpu()) {
    return {Kind::OrtAllocated, std::move(memory)};
  }
  static IoStorage bound_to(MemoryInfo memory = MemoryInfo::cpu()) { return {Kind::Bound, std::move(memory)}; }
  // Chaining: bind `value` itself, e.g. lane_a.output_tensor(0) as lane B's input, so a
  // device output feeds the next model with no trip to the host. `value` outlives the lane.
  static IoStorage external(const Value& value) { return {Kind::External, std::nullopt, &value}; }
};

// How a lane is built. Everything unset comes from the model: element types always;
// shapes when the model fixes them (free dims need a shape here). Setters chain.
class LaneOptions {
 public:
  // One shape per model input / output, in model order.
  LaneOptions& input_shapes(std::vector<Shape> shapes) {
    input_shapes_ = std::move(shapes);
    return *this;
  }
  LaneOptions& output_shapes(std::vector<Shape> shapes) {
    output_shapes_ = std::move(shapes);
    return *this;
  }
  // Buffer policies for Buffer storage (inputs and outputs separately).
  LaneOptions& input_policy(BufferPolicy policy) {
    input_policy_ = policy;
    return *this;
  }
  LaneOptions& output_policy(BufferPolicy policy) {
    output_policy_ = policy;
    return *this;
  }
  // Storage for one input/output by name (default: IoStorage::buffer()).
  LaneOptions& input_storage(std::string name, IoStorage storage) {
    input_storage_.emplace_back(std::move(name), std::move(storage));
    return *this;
  }
  LaneOptions& output_storage(std::string name, IoStorage storage) {
    output_storage_.emplace_back(std::move(name), std::move(storage));
    return *this;
  }
  // State carry, output first: what run k writes to `output` is what run k+1 reads as
  // `input`, with no copy (the lane ping-pongs two buffers). Same element type and shape
  // required; both Buffer storage (host) or both OrtAllocated on one memory (state on
  // the device).
  LaneOptions& carry(std::string output, std::string input) {
    carry_.emplace_back(std::move(output), std::move(input));
    return *this;
  }
  // Bind every input again before each run (device EPs that cache input addresses).
  LaneOptions& rebind_inputs_each_run(bool on) {
    rebind_inputs_each_run_ = on;
    return *this;
  }
  // Graph capture and replay (CUDA graphs: Cuda{}.cuda_graph(true); WebGPU:
  // WebGpu{}.graph_capture(true)): the lane's run_options() get "gpu_graph_id" = id,
  // so the EP captures the graph on the first run() and replays it after. Needs every
  // input and output in device memory and fixed shapes.
  LaneOptions& graph_id(int id) {
    graph_id_ = id;
    return *this;
  }
  std::optional<int> graph_id() const noexcept { return graph_id_; }

  const std::vector<Shape>& input_shapes() const noexcept { return input_shapes_; }
  const std::vector<Shape>& output_shapes() const noexcept { return output_shapes_; }
  const BufferPolicy& input_policy() const noexcept { return input_policy_; }
  const BufferPolicy& output_policy() const noexcept { return output_policy_; }
  const std::vector<std::pair<std::string, IoStorage>>& input_storage() const noexcept { return input_storage_; }
  const std::vector<std::pair<std::string, IoStorage>>& output_storage() const noexcept { return output_storage_; }
  const std::vector<std::pair<std::string, std::string>>& carry() const noexcept { return carry_; }
  bool rebind_inputs_each_run() const noexcept { return rebind_inputs_each_run_; }

 private:
  std::vector<Shape> input_shapes_;
  std::vector<Shape> output_shapes_;
  BufferPolicy input_policy_ = BufferPolicy::balanced();
  BufferPolicy output_policy_ = BufferPolicy::balanced();
  std::vector<std::pair<std::string, IoStorage>> input_storage_;
  std::vector<std::pair<std::string, IoStorage>> output_storage_;
  std::vector<std::pair<std::string, std::string>> carry_;
  bool rebind_inputs_each_run_ = false;
  std::optional<int> graph_id_;
};

// Not thread-safe: one lane per thread (a Runtime holds N of them). Keeps its session
// alive. Move-only; spans stay valid across moves.
class Lane {
 public:
  explicit Lane(const Session& session, const LaneOptions& options = {});
  Lane(Lane&&) noexcept;
  Lane& operator=(Lane&&) noexcept;
  Lane(const Lane&) = delete;
  Lane& operator=(const Lane&) = delete;
  ~Lane();

  std::size_t input_count() const noexcept;
  std::size_t output_count() const noexcept;

  // Typed spans over the lane's storage, checked once here and stable for the lane's
  // life: fetch them once, then write inputs / read outputs around each run().
  template <Element T>
  std::span<T> input(std::size_t index) {
    return typed<T>(raw_io(index, true, element_type_of<T>));
  }
  template <Element T>
  std::span<T> input(std::string_view name) {
    return input<T>(session().input_index(name));
  }
  template <Element T>
  std::span<const T> output(std::size_t index) const {
    return typed<const T>(raw_io(index, false, element_type_of<T>));
  }
  template <Element T>
  std::span<const T> output(std::string_view name) const {
    return output<T>(session().output_index(name));
  }
  // The current value of an output (any storage; for Bound outputs the last run's).
  Value output_value(std::size_t index) const;
  // The tensor the lane binds for an input / output (Buffer, OrtAllocated or External
  // storage; not carried state or Bound outputs), e.g. to chain lanes on a device.
  const Value& input_tensor(std::size_t index) const;
  const Value& output_tensor(std::size_t index) const;

  // Device lanes: copy host data into an input's storage / an output's storage into host
  // memory (any storage; for device memory through ORT's CopyTensors). Each counts as
  // one copy in copies(): a device lane's runs copy nothing by themselves.
  template <Element T>
  void upload(std::size_t input, std::span<const T> data) {
    copy_io(input, true, element_type_of<T>, const_cast<T*>(data.data()), data.size());
  }
  template <Element T>
  void download(std::size_t output, std::span<T> data) const {
    copy_io(output, false, element_type_of<T>, data.data(), data.size());
  }
  // Host<->device copies made through upload/download (and device state resets).
  std::size_t copies() const noexcept;
  const Shape& input_shape(std::size_t index) const;
  const Shape& output_shape(std::size_t index) const;

  // State carry: the buffer the next run reads for pair `pair` (= what the last run
  // wrote). Its address alternates between two buffers from run to run.
  template <Element T>
  std::span<T> state(std::size_t pair) {
    return typed<T>(raw_state(pair, element_type_of<T>));
  }
  // Zero every carried state (both buffers of each pair).
  void reset_state() noexcept;

  // --- the hot path: one ORT call, its status checked ---
  // Runs with the lane's own run_options(), made once (ORT would otherwise build a
  // default RunOptions inside every run: one heap allocation each).
  void run();
  // Runs with the caller's options instead (a graph lane's "gpu_graph_id" is then the
  // caller's to set).
  void run_with(const RunOptions& options);
  // run() for callers built without exceptions: the error comes back as a Status.
  Status try_run() noexcept {
    return Status::of([this] { run(); });
  }
  // No SynchronizeBound* calls even when storage is on a device.
  void run_unsynchronized();
  // n runs to warm ORT's arena and caches (inputs as they are). Carried state is put
  // back as it was: after prime(n) the next run reads the state it would have read.
  void prime(std::size_t n);
  // The RunOptions every run(), run_unsynchronized() and prime() pass: set a tag or a
  // config entry once, or terminate() a run from another thread.
  RunOptions& run_options();
  // One run, with the session's CPU allocator statistics before and after.
  AllocatorStats run_with_stats();

  // Hot-path audit: for every buffer, the pointer the caller writes is the pointer ORT
  // reads, and the memory is host-accessible. Throws zrt::Error naming the first that is not.
  void audit() const;

  const Session& session() const;  // throws zrt::Error on a moved-from lane

  struct State;

 private:
  struct RawSpan {
    void* data;
    std::size_t count;
  };
  // Checked once: index in range, host-accessible storage, element type matches.
  RawSpan raw_io(std::size_t index, bool input, ElementType type) const;
  RawSpan raw_state(std::size_t pair, ElementType type) const;
  const Value& io_tensor(std::size_t index, bool input) const;
  void copy_io(std::size_t index, bool input, ElementType type, void* data, std::size_t count) const;
  template <typename T>
  static std::span<T> typed(RawSpan raw) noexcept {
    return {static_cast<T*>(raw.data), raw.count};
  }
  std::unique_ptr<State> state_;
};

}  // namespace zrt
