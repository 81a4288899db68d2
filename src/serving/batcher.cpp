// Batcher: request records preallocated for the queue bound (plus what running batches
// hold), one FIFO per shape group, worker threads that each own one lane per shape
// group and prebuilt batch size. Everything a request needs is in its record, so a
// steady-state submit and its completion allocate nothing in zrt (the future form
// included: its shared state lives in blocks of the record, see PromiseArena).
#include "zrt/batcher.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "serving/output_shapes.hpp"
#include "serving/serving_detail.hpp"
#include "values/small_array.hpp"
#include "zrt/runtime.hpp"

namespace zrt {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::uint32_t kNone = 0xffffffffu;

// Memory for one std::promise's shared state and result, so the future form does not
// allocate: libstdc++ makes two allocations per promise through its allocator. Four
// blocks, so a record can be reused while the previous request's future is still alive.
// A request whose blocks are all taken falls back to the heap.
struct PromiseArena {
  static constexpr std::size_t kBlocks = 4;
  static constexpr std::size_t kBlockBytes = 256;
  alignas(std::max_align_t) std::byte blocks[kBlocks][kBlockBytes];
  std::atomic<bool> used[kBlocks] = {};
};

template <typename T>
class ArenaAllocator {
 public:
  using value_type = T;
  ArenaAllocator(PromiseArena* arena, std::shared_ptr<PromiseArena[]> keep) noexcept
      : arena_(arena), keep_(std::move(keep)) {}
  template <typename U>
  ArenaAllocator(const ArenaAllocator<U>& other) noexcept  // NOLINT(google-explicit-constructor)
      : arena_(other.arena_), keep_(other.keep_) {}

  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes <= PromiseArena::kBlockBytes && alignof(T) <= alignof(std::max_align_t)) {
      for (std::size_t k = 0; k < PromiseArena::kBlocks; ++k) {
        if (!arena_->used[k].load(std::memory_order_relaxed) &&
            !arena_->used[k].exchange(true, std::memory_order_acquire)) {
          return reinterpret_cast<T*>(arena_->blocks[k]);
        }
      }
    }
    return static_cast<T*>(::operator new(bytes, std::align_val_t(alignof(T))));
  }
  void deallocate(T* p, std::size_t n) noexcept {
    for (std::size_t k = 0; k < PromiseArena::kBlocks; ++k) {
      if (static_cast<void*>(p) == static_cast<void*>(arena_->blocks[k])) {
        arena_->used[k].store(false, std::memory_order_release);
        return;
      }
    }
    (void)n;
    ::operator delete(p, std::align_val_t(alignof(T)));
  }
  friend bool operator==(const ArenaAllocator& a, const ArenaAllocator& b) noexcept { return a.arena_ == b.arena_; }

 private:
  template <typename U>
  friend class ArenaAllocator;
  PromiseArena* arena_;
  std::shared_ptr<PromiseArena[]> keep_;  // the arenas outlive the Batcher while a future needs them
};

enum class Phase : unsigned char { Free, Reserved, Queued, Running };
enum class Kind : unsigned char { Future, Callback, Coroutine };

// One request record.
struct Slot {
  std::uint32_t generation = 0;
  Phase phase = Phase::Free;
  Kind kind = Kind::Future;
  bool copy = true;
  std::uint32_t group = 0;
  std::size_t rows = 0;
  Clock::time_point submitted;
  std::uint32_t prev = kNone, next = kNone;  // in its group's FIFO
  std::vector<const std::byte*> inputs;      // sized once: the model's input count
  std::vector<std::byte*> outputs;           // sized once: the model's output count (copy form)
  std::optional<std::promise<RequestInfo>> promise;
  detail::BatchCallbackFn callback;
  BatchAwaitable* awaiter = nullptr;
};

// Requests whose non-batch dims are the same: one FIFO, one lane per size and worker.
struct Group {
  std::vector<Shape> row_shapes;  // per input, batch dim 1
  std::vector<std::size_t> in_row_bytes;
  std::vector<Shape> out_row_shapes;  // per output, batch dim 1
  std::vector<std::size_t> out_row_bytes;
  std::vector<std::size_t> out_row_elements;
  std::uint32_t head = kNone, tail = kNone;
  std::size_t queued_rows = 0;
};

struct BatchLane {
  Lane lane;
  std::size_t size;
  std::vector<std::byte*> in;
  std::vector<const std::byte*> out;
};

struct Worker {
  std::vector<BatchLane> lanes;  // [group * sizes + size index]
  std::vector<std::uint32_t> batch;
  std::vector<RequestOutputs::Rows> rows;
  std::vector<std::coroutine_handle<>> resume;
  std::thread thread;
};

Shape with_rows(const Shape& shape, std::size_t rows) {
  std::vector<std::int64_t> dims;  // only at construction
  dims.assign(shape.begin(), shape.end());
  dims[0] = static_cast<std::int64_t>(rows);
  return Shape(dims);
}

// Shape `row` (batch dim 1) with `rows` rows, without allocating for rank <= 8.
Shape rows_shape(const Shape& row, std::size_t rows) {
  if (row.rank() > Shape::kInlineRank) return with_rows(row, rows);
  std::array<std::int64_t, Shape::kInlineRank> dims{};
  std::copy(row.begin(), row.end(), dims.begin());
  dims[0] = static_cast<std::int64_t>(rows);
  return Shape(std::span<const std::int64_t>(dims.data(), row.rank()));
}

bool same_row(std::span<const std::int64_t> a, std::span<const std::int64_t> b) noexcept {
  return a.size() == b.size() && std::equal(a.begin() + 1, a.end(), b.begin() + 1);
}

[[noreturn]] void fail(const std::string& message) { throw Error("Batcher: " + message); }

}  // namespace

struct Batcher::State {
  Session session;
  std::vector<std::size_t> sizes;
  std::size_t max_batch = 0;
  Clock::duration max_delay{};
  std::size_t bound = 0;
  QueueFull when_full = QueueFull::Block;
  bool pin = false;
  std::size_t n_in = 0, n_out = 0;
  std::vector<ElementType> in_types, out_types;
  std::vector<Group> groups;

  std::vector<Slot> slots;
  std::shared_ptr<PromiseArena[]> arenas;
  std::vector<std::uint32_t> free_ring;  // FIFO of free records, so a record rests before reuse
  std::size_t free_head = 0, free_count = 0;
  std::vector<std::unique_ptr<Worker>> workers;

  mutable std::mutex mutex;
  std::condition_variable work, space, idle;
  std::size_t waiting = 0;  // reserved or queued (bounded by `bound`)
  std::size_t queued = 0;
  std::size_t running = 0;  // batches (and cancellations) in flight
  std::size_t blocked = 0;  // submitters waiting for room
  std::size_t draining = 0;
  bool stop = false;

  std::atomic<std::uint64_t> submitted{0}, completed{0}, failed{0}, cancelled{0}, rejected{0}, batches{0}, padding{0};
  std::unique_ptr<std::atomic<std::uint64_t>[]> batch_rows;
  detail::LatencyHistogram queue_wait, run_time;

  State(const Session& s, const BatcherOptions& options);
  void build_groups(const BatcherOptions& options);
  std::vector<Shape> output_shapes(const BatcherOptions& options, const std::vector<Shape>& inputs,
                                   std::size_t size) const;

  struct Checked {
    std::uint32_t group = 0;
    std::size_t rows = 0;
  };
  Checked check(std::span<const Input> inputs, std::span<const OutputSpan> outputs, bool copy,
                detail::SmallArray<const std::byte*>& in, detail::SmallArray<std::byte*>& out) const;
  std::uint32_t take_slot(std::unique_lock<std::mutex>& lock);
  void release_slot(std::uint32_t index) noexcept;  // under the lock
  void enqueue(std::uint32_t index) noexcept;       // under the lock
  void unlink(std::uint32_t index) noexcept;        // under the lock
  std::uint32_t reserve(std::span<const Input> inputs, std::span<const OutputSpan> outputs, bool copy, Kind kind,
                        std::unique_lock<std::mutex>& lock);
  void complete(Slot& slot, const RequestInfo& info, std::exception_ptr error,
                std::span<const RequestOutputs::Rows> rows, std::vector<std::coroutine_handle<>>& resume) noexcept;
  void work_loop(Worker& worker, std::size_t index);
  void run_batch(Worker& worker, std::uint32_t group, std::size_t size_index, std::size_t rows);
  static RequestId id_of(const Slot& slot, std::uint32_t index) noexcept {
    return (static_cast<std::uint64_t>(slot.generation) << 32) | index;
  }
};

Batcher::State::State(const Session& s, const BatcherOptions& options)
    : session(s),
      max_delay(std::chrono::duration_cast<Clock::duration>(options.max_delay())),
      bound(options.queue_bound()),
      when_full(options.when_full()),
      pin(options.pin_workers()),
      n_in(s.input_count()),
      n_out(s.output_count()) {
  sizes = options.batch_sizes();
  std::sort(sizes.begin(), sizes.end());
  sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
  if (sizes.empty()) fail("batch_sizes is empty; give at least one prebuilt batch size");
  if (sizes.front() == 0) fail("batch size 0 in batch_sizes; sizes are rows, at least 1");
  max_batch = options.max_batch_size() == 0 ? sizes.back() : options.max_batch_size();
  if (max_batch > sizes.back()) {
    fail("max_batch_size " + std::to_string(max_batch) + " is larger than the largest prebuilt batch size " +
         std::to_string(sizes.back()));
  }
  if (bound == 0) fail("queue_bound must be at least 1");
  if (options.workers() == 0) fail("workers must be at least 1");
  if (options.max_delay().count() < 0) fail("max_delay must not be negative");
  if (n_in == 0) fail("the model has no inputs, so it has no batch dim");
  for (const auto& st : options.lane_options().input_storage()) {
    fail("lane_options: input '" + st.first + "' has its own storage; batch lanes need host buffers");
  }
  for (const auto& st : options.lane_options().output_storage()) {
    fail("lane_options: output '" + st.first + "' has its own storage; batch lanes need host buffers");
  }
  if (!options.lane_options().carry().empty()) fail("lane_options: state carry mixes requests; not for a batcher");

  build_groups(options);

  // Lanes: worker x group x size.
  for (std::size_t w = 0; w < options.workers(); ++w) {
    auto worker = std::make_unique<Worker>();
    worker->lanes.reserve(groups.size() * sizes.size());
    for (const Group& g : groups) {
      for (std::size_t size : sizes) {
        std::vector<Shape> in_shapes;
        for (const Shape& r : g.row_shapes) in_shapes.push_back(with_rows(r, size));
        LaneOptions lo = options.lane_options();
        lo.input_shapes(in_shapes).output_shapes(output_shapes(options, in_shapes, size));
        BatchLane bl{Lane(session, lo), size, {}, {}};
        for (std::size_t i = 0; i < n_in; ++i) {
          bl.in.push_back(const_cast<Value&>(bl.lane.input_tensor(i)).mutable_bytes().data());
        }
        for (std::size_t o = 0; o < n_out; ++o) bl.out.push_back(bl.lane.output_tensor(o).bytes().data());
        if (options.prime() > 0) bl.lane.prime(options.prime());
        worker->lanes.push_back(std::move(bl));
      }
    }
    worker->batch.reserve(max_batch);
    worker->rows.resize(n_out);
    worker->resume.reserve(max_batch);
    workers.push_back(std::move(worker));
  }

  // Records: the bound, plus what running batches may hold (a request has >= 1 row).
  const std::size_t n_slots = bound + options.workers() * max_batch;
  if (n_slots >= kNone) fail("queue_bound is too large");
  slots.resize(n_slots);
  for (Slot& slot : slots) {
    slot.inputs.resize(n_in);
    slot.outputs.resize(n_out);
  }
  arenas = std::shared_ptr<PromiseArena[]>(new PromiseArena[n_slots]);
  free_ring.resize(n_slots);
  for (std::size_t i = 0; i < n_slots; ++i) free_ring[i] = static_cast<std::uint32_t>(i);
  free_count = n_slots;
  batch_rows = std::make_unique<std::atomic<std::uint64_t>[]>(max_batch + 1);
}

void Batcher::State::build_groups(const BatcherOptions& options) {
  const std::string& symbol = options.batch_dim();
  for (std::size_t i = 0; i < n_in; ++i) {
    const IoInfo& info = session.input(i);
    const std::string what = detail::input_label(session, i) + " " + info.to_string();
    if (info.kind != ValueKind::Tensor || info.element_type == ElementType::String) {
      fail(what + ": only numeric tensor inputs can be batched");
    }
    if (!info.has_shape || info.shape.rank() == 0) fail(what + ": the model has no batch dim (no leading dim)");
    if (!symbol.empty()) {
      if (info.symbolic_dims.empty() || info.symbolic_dims[0] != symbol) {
        const auto at = std::find(info.symbolic_dims.begin(), info.symbolic_dims.end(), symbol);
        fail(what + ": batch dim '" + symbol + "' " +
             (at == info.symbolic_dims.end()
                  ? std::string("is not a dim of this input")
                  : "is dim " + std::to_string(at - info.symbolic_dims.begin()) + ", but it must be the leading dim"));
      }
    } else if (info.shape[0] >= 0) {
      fail(what + ": the model has no batch dim: the leading dim is fixed at " + std::to_string(info.shape[0]) +
           " (the batcher needs a free leading dim, or BatcherOptions::batch_dim naming one)");
    }
    in_types.push_back(info.element_type);
  }
  for (std::size_t o = 0; o < n_out; ++o) out_types.push_back(session.output(o).element_type);

  std::vector<std::vector<Shape>> given = options.shape_groups();
  if (given.empty()) {
    std::vector<Shape> row;
    for (std::size_t i = 0; i < n_in; ++i) {
      const IoInfo& info = session.input(i);
      for (std::size_t d = 1; d < info.shape.rank(); ++d) {
        if (info.shape[d] < 0) {
          fail(detail::input_label(session, i) + " " + info.to_string() + ": dim " + std::to_string(d) +
               " is free besides the batch dim; give BatcherOptions::shape_groups with the shapes to serve");
        }
      }
      row.push_back(with_rows(info.shape, 1));
    }
    given.push_back(std::move(row));
  }
  for (std::size_t gi = 0; gi < given.size(); ++gi) {
    const std::vector<Shape>& row = given[gi];
    const std::string where = "shape group " + std::to_string(gi);
    if (row.size() != n_in) {
      fail(where + " has " + std::to_string(row.size()) + " shapes; the model has " + std::to_string(n_in) + " inputs");
    }
    Group g;
    for (std::size_t i = 0; i < n_in; ++i) {
      const IoInfo& info = session.input(i);
      if (row[i].rank() != info.shape.rank() || row[i].rank() == 0 || (row[i][0] != 1 && row[i][0] != -1)) {
        fail(where + ": " + detail::input_label(session, i) + " shape " + row[i].to_string() +
             " must have the model's rank " + std::to_string(info.shape.rank()) + " and 1 row (leading dim 1)");
      }
      for (std::size_t d = 1; d < row[i].rank(); ++d) {
        if (row[i][d] < 0 || (info.shape[d] >= 0 && info.shape[d] != row[i][d])) {
          fail(where + ": " + detail::input_label(session, i) + " shape " + row[i].to_string() +
               " does not fit the model's " + info.to_string());
        }
      }
      g.row_shapes.push_back(with_rows(row[i], 1));
      g.in_row_bytes.push_back(tensor_byte_size(in_types[i], g.row_shapes.back().dims()));
    }
    for (const Group& other : groups) {
      bool same = true;
      for (std::size_t i = 0; i < n_in; ++i) same = same && other.row_shapes[i] == g.row_shapes[i];
      if (same) fail(where + " repeats an earlier group");
    }
    const std::vector<Shape> out1 = output_shapes(options, g.row_shapes, 1);
    for (std::size_t o = 0; o < n_out; ++o) {
      g.out_row_shapes.push_back(out1[o]);
      g.out_row_elements.push_back(out1[o].element_count());
      g.out_row_bytes.push_back(tensor_byte_size(out_types[o], out1[o].dims()));
    }
    groups.push_back(std::move(g));
  }
}

// One lane's output shapes: the caller's function, or the model's declared shapes with
// symbolic dims resolved from the input shapes. Every output must lead with the batch.
std::vector<Shape> Batcher::State::output_shapes(const BatcherOptions& options, const std::vector<Shape>& inputs,
                                                 std::size_t size) const {
  std::vector<Shape> out;
  if (options.output_shapes()) {
    out = options.output_shapes()(inputs);
    if (out.size() != n_out) {
      fail("the output-shape function returned " + std::to_string(out.size()) + " shapes; the model has " +
           std::to_string(n_out) + " outputs");
    }
  } else {
    const detail::ResolvedOutputs resolved = detail::resolve_output_shapes(session, inputs, "Batcher");
    for (std::size_t o = 0; o < n_out; ++o) {
      const IoInfo& info = session.output(o);
      if (info.kind != ValueKind::Tensor || !info.has_shape || info.element_type == ElementType::String) {
        fail(detail::output_label(session, o) + " " + info.to_string() +
             ": only numeric tensor outputs with a declared rank can be batched");
      }
      std::vector<std::int64_t> dims(resolved.shapes[o].dims().begin(), resolved.shapes[o].dims().end());
      for (std::size_t d = 0; d < dims.size(); ++d) {
        if (dims[d] >= 0) continue;
        if (d == 0) {
          dims[d] = static_cast<std::int64_t>(size);  // a free leading dim is the batch
        } else {
          fail(detail::output_label(session, o) + " " + info.to_string() + ": dim " + std::to_string(d) +
               " is free and no input names it; give BatcherOptions::output_shapes");
        }
      }
      out.emplace_back(dims);
    }
  }
  for (std::size_t o = 0; o < n_out; ++o) {
    if (out[o].rank() == 0 || out[o][0] != static_cast<std::int64_t>(size) || !out[o].is_static()) {
      fail(detail::output_label(session, o) + " has shape " + out[o].to_string() + " for a batch of " +
           std::to_string(size) + ": its leading dim is not the batch, so its rows cannot be handed back per request");
    }
  }
  return out;
}

Batcher::State::Checked Batcher::State::check(std::span<const Input> inputs, std::span<const OutputSpan> outputs,
                                              bool copy, detail::SmallArray<const std::byte*>& in,
                                              detail::SmallArray<std::byte*>& out) const {
  if (inputs.size() != n_in) {
    fail("submit: got " + std::to_string(inputs.size()) + " inputs, the model has " + std::to_string(n_in));
  }
  Checked c;
  std::vector<Shape> shapes_heap;  // only for more than 8 inputs
  std::array<Shape, 8> shapes_inline;
  Shape* shapes = shapes_inline.data();
  if (n_in > shapes_inline.size()) {
    shapes_heap.resize(n_in);
    shapes = shapes_heap.data();
  }
  for (std::size_t i = 0; i < n_in; ++i) {
    if (inputs[i].name() != nullptr && session.input_index(inputs[i].name()) != i) {
      fail("submit: inputs go in model order; got '" + std::string(inputs[i].name()) + "' at position " +
           std::to_string(i));
    }
    detail::HostInput h = detail::host_input("Batcher::submit", session, inputs[i], i);
    if (h.type != in_types[i]) {
      fail("submit: " + detail::input_label(session, i) + ": expected " + std::string(to_string(in_types[i])) +
           ", got " + std::string(to_string(h.type)));
    }
    if (h.shape.rank() != groups[0].row_shapes[i].rank() || h.shape[0] < 1) {
      fail("submit: " + detail::input_label(session, i) + ": shape " + h.shape.to_string() + " needs rank " +
           std::to_string(groups[0].row_shapes[i].rank()) + " with at least 1 row");
    }
    const auto rows = static_cast<std::size_t>(h.shape[0]);
    if (i == 0) {
      c.rows = rows;
      if (rows > max_batch) {
        fail("submit: " + std::to_string(rows) + " rows is more than max_batch_size " + std::to_string(max_batch));
      }
    } else if (rows != c.rows) {
      fail("submit: " + detail::input_label(session, i) + " has " + std::to_string(rows) + " rows, input 0 has " +
           std::to_string(c.rows));
    }
    in[i] = h.data;
    shapes[i] = std::move(h.shape);
  }
  bool found = false;
  for (std::size_t g = 0; g < groups.size() && !found; ++g) {
    bool match = true;
    for (std::size_t i = 0; i < n_in && match; ++i) match = same_row(shapes[i].dims(), groups[g].row_shapes[i].dims());
    if (match) {
      c.group = static_cast<std::uint32_t>(g);
      found = true;
    }
  }
  if (!found) {
    std::string got, served;
    for (std::size_t i = 0; i < n_in; ++i) got += (i ? "," : "") + shapes[i].to_string();
    for (std::size_t g = 0; g < groups.size(); ++g) {
      served += g ? "; " : "";
      for (std::size_t i = 0; i < n_in; ++i) served += (i ? "," : "") + groups[g].row_shapes[i].to_string();
    }
    fail("submit: input shapes " + got + " match no shape group (served, per row: " + served + ")");
  }
  if (copy) {
    if (outputs.size() != n_out) {
      fail("submit: got " + std::to_string(outputs.size()) + " output spans, the model has " + std::to_string(n_out) +
           " outputs");
    }
    const Group& g = groups[c.group];
    for (std::size_t o = 0; o < n_out; ++o) {
      const std::size_t need = c.rows * g.out_row_bytes[o];
      if (outputs[o].element_type() != out_types[o] || outputs[o].bytes() != need) {
        fail("submit: " + detail::output_label(session, o) + ": expected " + std::to_string(need) + " bytes of " +
             std::string(to_string(out_types[o])) + " (" + std::to_string(c.rows) + " rows), got " +
             std::to_string(outputs[o].bytes()) + " bytes of " + std::string(to_string(outputs[o].element_type())));
      }
      out[o] = static_cast<std::byte*>(outputs[o].data());
    }
  }
  return c;
}

std::uint32_t Batcher::State::take_slot(std::unique_lock<std::mutex>& lock) {
  if (stop) fail("submit: the batcher is shutting down");
  if (waiting >= bound) {
    if (when_full == QueueFull::Reject) {
      rejected.fetch_add(1, std::memory_order_relaxed);
      lock.unlock();
      fail("submit: queue full (" + std::to_string(bound) + " requests waiting); request rejected (QueueFull::Reject)");
    }
    ++blocked;
    space.wait(lock, [&] { return waiting < bound || stop; });
    --blocked;
    if (stop) fail("submit: the batcher is shutting down");
  }
  const std::uint32_t index = free_ring[free_head];
  free_head = (free_head + 1) % free_ring.size();
  --free_count;
  ++waiting;
  Slot& slot = slots[index];
  ++slot.generation;
  if (slot.generation == 0) slot.generation = 1;  // ids are never 0
  slot.phase = Phase::Reserved;
  return index;
}

void Batcher::State::release_slot(std::uint32_t index) noexcept {
  Slot& slot = slots[index];
  slot.phase = Phase::Free;
  slot.awaiter = nullptr;
  free_ring[(free_head + free_count) % free_ring.size()] = index;
  ++free_count;
}

void Batcher::State::enqueue(std::uint32_t index) noexcept {
  Slot& slot = slots[index];
  Group& g = groups[slot.group];
  slot.phase = Phase::Queued;
  slot.submitted = Clock::now();
  slot.prev = g.tail;
  slot.next = kNone;
  if (g.tail == kNone) {
    g.head = index;
  } else {
    slots[g.tail].next = index;
  }
  g.tail = index;
  g.queued_rows += slot.rows;
  const bool was_empty = queued == 0;
  ++queued;
  submitted.fetch_add(1, std::memory_order_relaxed);
  // A waiting worker sleeps until the oldest request's deadline; wake it when that
  // changes (the queue was empty) or when a batch is full.
  if (was_empty || g.queued_rows >= max_batch) work.notify_one();
}

void Batcher::State::unlink(std::uint32_t index) noexcept {
  Slot& slot = slots[index];
  Group& g = groups[slot.group];
  if (slot.prev == kNone) {
    g.head = slot.next;
  } else {
    slots[slot.prev].next = slot.next;
  }
  if (slot.next == kNone) {
    g.tail = slot.prev;
  } else {
    slots[slot.next].prev = slot.prev;
  }
  slot.prev = slot.next = kNone;
  g.queued_rows -= slot.rows;
  --queued;
  --waiting;
}

std::uint32_t Batcher::State::reserve(std::span<const Input> inputs, std::span<const OutputSpan> outputs, bool copy,
                                      Kind kind, std::unique_lock<std::mutex>& lock) {
  detail::SmallArray<const std::byte*> in(n_in);
  detail::SmallArray<std::byte*> out(n_out);
  const Checked c = check(inputs, outputs, copy, in, out);
  lock.lock();
  const std::uint32_t index = take_slot(lock);
  Slot& slot = slots[index];
  slot.kind = kind;
  slot.copy = copy;
  slot.group = c.group;
  slot.rows = c.rows;
  std::copy_n(in.data(), n_in, slot.inputs.begin());
  if (copy) std::copy_n(out.data(), n_out, slot.outputs.begin());
  return index;
}

void Batcher::State::complete(Slot& slot, const RequestInfo& info, std::exception_ptr error,
                              std::span<const RequestOutputs::Rows> rows,
                              std::vector<std::coroutine_handle<>>& resume) noexcept {
  switch (slot.kind) {
    case Kind::Future:
      if (error) {
        slot.promise->set_exception(std::move(error));
      } else {
        slot.promise->set_value(info);
      }
      slot.promise.reset();
      break;
    case Kind::Callback: {
      const RequestOutputs outputs(info, error ? std::span<const RequestOutputs::Rows>() : rows);
      slot.callback(outputs, std::move(error));  // a throwing callback terminates (noexcept)
      slot.callback.reset();
      break;
    }
    case Kind::Coroutine:
      slot.awaiter->info_ = info;
      slot.awaiter->error_ = std::move(error);
      resume.push_back(slot.awaiter->handle_);
      break;
  }
}

void Batcher::State::run_batch(Worker& worker, std::uint32_t group, std::size_t size_index, std::size_t rows) {
  const Group& g = groups[group];
  BatchLane& bl = worker.lanes[group * sizes.size() + size_index];
  const std::size_t size = bl.size;
  const Clock::time_point start = Clock::now();
  // Rows in: each request's rows once, then zero padding.
  for (std::size_t i = 0; i < n_in; ++i) {
    std::byte* dst = bl.in[i];
    const std::size_t row_bytes = g.in_row_bytes[i];
    std::size_t offset = 0;
    for (std::uint32_t index : worker.batch) {
      const Slot& slot = slots[index];
      std::memcpy(dst + offset, slot.inputs[i], slot.rows * row_bytes);
      offset += slot.rows * row_bytes;
    }
    if (offset < size * row_bytes) std::memset(dst + offset, 0, size * row_bytes - offset);
  }
  std::exception_ptr error;
  try {
    bl.lane.run();
  } catch (...) {
    error = std::current_exception();
  }
  batches.fetch_add(1, std::memory_order_relaxed);
  padding.fetch_add(size - rows, std::memory_order_relaxed);
  batch_rows[rows].fetch_add(1, std::memory_order_relaxed);
  // Rows out: each request's rows, as views or copied once into its memory.
  std::size_t row = 0;
  for (std::uint32_t index : worker.batch) {
    Slot& slot = slots[index];
    if (!error) {
      for (std::size_t o = 0; o < n_out; ++o) {
        const std::byte* src = bl.out[o] + row * g.out_row_bytes[o];
        const std::size_t bytes = slot.rows * g.out_row_bytes[o];
        RequestOutputs::Rows& r = worker.rows[o];
        if (slot.copy) {
          std::memcpy(slot.outputs[o], src, bytes);
          r.data = slot.outputs[o];
        } else {
          r.data = src;
        }
        r.count = slot.rows * g.out_row_elements[o];
        r.type = out_types[o];
        r.shape = rows_shape(g.out_row_shapes[o], slot.rows);
      }
    }
    RequestInfo info;
    info.id = id_of(slot, index);
    info.rows = slot.rows;
    info.batch_rows = rows;
    info.batch_size = size;
    info.queue_wait = std::chrono::duration_cast<std::chrono::nanoseconds>(start - slot.submitted);
    info.run_time = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start);
    queue_wait.record(info.queue_wait);
    run_time.record(info.run_time);
    (error ? failed : completed).fetch_add(1, std::memory_order_relaxed);
    complete(slot, info, error, worker.rows, worker.resume);
    row += slot.rows;
  }
}

void Batcher::State::work_loop(Worker& worker, std::size_t index) {
  if (pin) pin_current_thread_to_core(index);
  std::unique_lock lock(mutex);
  for (;;) {
    if (queued == 0) {
      if (stop) return;
      work.wait(lock);
      continue;
    }
    // The group to serve: a full one (oldest first), else the one with the oldest request.
    std::uint32_t pick = kNone;
    bool full = false;
    for (std::uint32_t gi = 0; gi < groups.size(); ++gi) {
      const Group& g = groups[gi];
      if (g.head == kNone) continue;
      const bool g_full = g.queued_rows >= max_batch;
      if (pick == kNone || (g_full && !full) ||
          (g_full == full && slots[g.head].submitted < slots[groups[pick].head].submitted)) {
        pick = gi;
        full = g_full;
      }
    }
    Group& g = groups[pick];
    if (!full && !stop && draining == 0) {
      const Clock::time_point deadline = slots[g.head].submitted + max_delay;
      if (Clock::now() < deadline) {
        work.wait_until(lock, deadline);
        continue;
      }
    }
    // Take requests in arrival order while they fit.
    worker.batch.clear();
    std::size_t rows = 0;
    for (std::uint32_t i = g.head; i != kNone && rows + slots[i].rows <= max_batch;) {
      const std::uint32_t next = slots[i].next;
      rows += slots[i].rows;
      unlink(i);
      slots[i].phase = Phase::Running;
      worker.batch.push_back(i);
      i = next;
    }
    const std::size_t size_index =
        static_cast<std::size_t>(std::lower_bound(sizes.begin(), sizes.end(), rows) - sizes.begin());
    ++running;
    if (queued > 0) work.notify_one();  // another worker may serve the rest
    if (blocked > 0) space.notify_all();
    lock.unlock();
    worker.resume.clear();
    run_batch(worker, pick, size_index, rows);
    lock.lock();
    for (std::uint32_t i : worker.batch) release_slot(i);
    --running;
    if (queued == 0 && running == 0) idle.notify_all();
    if (!worker.resume.empty()) {
      lock.unlock();
      for (std::coroutine_handle<> h : worker.resume) h.resume();
      lock.lock();
    }
  }
}

// --- Batcher -----------------------------------------------------------------------

namespace {
Batcher::State& live(const std::unique_ptr<Batcher::State>& state, const char* what) {
  if (!state) throw Error(std::string(what) + ": the Batcher was moved from");
  return *state;
}
}  // namespace

Batcher::Batcher(const Session& session, const BatcherOptions& options)
    : state_(std::make_unique<State>(session, options)) {
  State& s = *state_;
  for (std::size_t w = 0; w < s.workers.size(); ++w) {
    Worker& worker = *s.workers[w];
    worker.thread = std::thread([&s, &worker, w] { s.work_loop(worker, w); });
  }
}

Batcher::~Batcher() {
  if (!state_) return;
  {
    std::lock_guard lock(state_->mutex);
    state_->stop = true;
  }
  state_->work.notify_all();
  state_->space.notify_all();
  for (auto& w : state_->workers) w->thread.join();
}

Batcher::Batcher(Batcher&&) noexcept = default;
Batcher& Batcher::operator=(Batcher&& other) noexcept {
  if (this != &other) {
    Batcher old(std::move(*this));
    state_ = std::move(other.state_);
  }
  return *this;
}

BatchFuture Batcher::submit(std::span<const Input> inputs, std::span<const OutputSpan> outputs) {
  State& s = live(state_, "Batcher::submit");
  std::unique_lock lock(s.mutex, std::defer_lock);
  const std::uint32_t index = s.reserve(inputs, outputs, true, Kind::Future, lock);
  Slot& slot = s.slots[index];
  slot.promise.emplace(std::allocator_arg, ArenaAllocator<RequestInfo>(&s.arenas[index], s.arenas));
  BatchFuture f{State::id_of(slot, index), slot.promise->get_future()};
  s.enqueue(index);
  return f;
}

RequestId Batcher::submit_callback(std::span<const Input> inputs, std::span<const OutputSpan> outputs, bool copy,
                                   detail::BatchCallbackFn callback) {
  State& s = live(state_, "Batcher::submit");
  std::unique_lock lock(s.mutex, std::defer_lock);
  const std::uint32_t index = s.reserve(inputs, outputs, copy, Kind::Callback, lock);
  Slot& slot = s.slots[index];
  slot.callback = std::move(callback);
  const RequestId id = State::id_of(slot, index);
  s.enqueue(index);
  return id;
}

BatchAwaitable Batcher::submit_awaitable(std::span<const Input> inputs, std::span<const OutputSpan> outputs) {
  State& s = live(state_, "Batcher::submit_awaitable");
  std::unique_lock lock(s.mutex, std::defer_lock);
  const std::uint32_t index = s.reserve(inputs, outputs, true, Kind::Coroutine, lock);
  BatchAwaitable awaitable(s, index);
  awaitable.info_.id = State::id_of(s.slots[index], index);
  return awaitable;
}

BatchAwaitable Batcher::submit_awaitable(std::initializer_list<Input> inputs,
                                         std::initializer_list<OutputSpan> outputs) {
  return submit_awaitable(std::span<const Input>(inputs.begin(), inputs.size()),
                          std::span<const OutputSpan>(outputs.begin(), outputs.size()));
}

bool Batcher::cancel(RequestId id) {
  State& s = live(state_, "Batcher::cancel");
  const auto index = static_cast<std::uint32_t>(id & 0xffffffffu);
  std::unique_lock lock(s.mutex);
  if (index >= s.slots.size()) return false;
  Slot& slot = s.slots[index];
  if (slot.phase != Phase::Queued || State::id_of(slot, index) != id) return false;
  s.unlink(index);
  slot.phase = Phase::Running;
  ++s.running;
  if (s.blocked > 0) s.space.notify_all();
  lock.unlock();
  RequestInfo info;
  info.id = id;
  info.rows = slot.rows;
  std::vector<std::coroutine_handle<>> resume;  // cancel is not a hot path
  s.complete(slot, info,
             std::make_exception_ptr(Error(ErrorCode::Fail, "Batcher: request " + std::to_string(id) + " cancelled")),
             {}, resume);
  s.cancelled.fetch_add(1, std::memory_order_relaxed);
  lock.lock();
  s.release_slot(index);
  --s.running;
  if (s.queued == 0 && s.running == 0) s.idle.notify_all();
  lock.unlock();
  for (std::coroutine_handle<> h : resume) h.resume();
  return true;
}

void Batcher::drain() {
  State& s = live(state_, "Batcher::drain");
  std::unique_lock lock(s.mutex);
  ++s.draining;
  s.work.notify_all();
  s.idle.wait(lock, [&] { return s.queued == 0 && s.running == 0; });
  --s.draining;
}

BatcherMetrics Batcher::metrics() const {
  const State& s = live(state_, "Batcher::metrics");
  BatcherMetrics m;
  {
    std::lock_guard lock(s.mutex);
    m.queue_depth = s.queued;
  }
  m.submitted = s.submitted.load(std::memory_order_relaxed);
  m.completed = s.completed.load(std::memory_order_relaxed);
  m.failed = s.failed.load(std::memory_order_relaxed);
  m.cancelled = s.cancelled.load(std::memory_order_relaxed);
  m.rejected = s.rejected.load(std::memory_order_relaxed);
  m.batches = s.batches.load(std::memory_order_relaxed);
  m.padding_rows = s.padding.load(std::memory_order_relaxed);
  m.batch_rows.resize(s.max_batch + 1);
  for (std::size_t r = 0; r <= s.max_batch; ++r) m.batch_rows[r] = s.batch_rows[r].load(std::memory_order_relaxed);
  m.queue_wait = s.queue_wait.summary();
  m.run_time = s.run_time.summary();
  return m;
}

std::span<const std::size_t> Batcher::batch_sizes() const { return live(state_, "Batcher::batch_sizes").sizes; }
std::size_t Batcher::max_batch_size() const { return live(state_, "Batcher::max_batch_size").max_batch; }
const Session& Batcher::session() const { return live(state_, "Batcher::session").session; }

// --- RequestOutputs, BatchAwaitable ------------------------------------------------

const RequestOutputs::Rows& RequestOutputs::checked(std::size_t i, ElementType type) const {
  if (i >= rows_.size()) {
    throw Error("RequestOutputs: output " + std::to_string(i) + " out of range (" + std::to_string(rows_.size()) +
                " outputs" + (rows_.empty() ? ", none after an error)" : ")"));
  }
  if (type != ElementType::Undefined && rows_[i].type != type) {
    throw Error("RequestOutputs: output " + std::to_string(i) + " is " + std::string(to_string(rows_[i].type)) +
                ", read as " + std::string(to_string(type)));
  }
  return rows_[i];
}

BatchAwaitable::BatchAwaitable(BatchAwaitable&& other) noexcept
    : state_(std::exchange(other.state_, nullptr)),
      slot_(other.slot_),
      queued_(other.queued_),
      handle_(other.handle_),
      info_(other.info_),
      error_(std::move(other.error_)) {}

BatchAwaitable::~BatchAwaitable() {
  if (state_ == nullptr || queued_) return;
  // Made but never awaited: free its record.
  std::lock_guard lock(state_->mutex);
  --state_->waiting;
  state_->release_slot(slot_);
  if (state_->blocked > 0) state_->space.notify_all();
}

bool BatchAwaitable::await_suspend(std::coroutine_handle<> handle) noexcept {
  if (state_ == nullptr || queued_) {
    error_ = std::make_exception_ptr(Error("BatchAwaitable: awaited twice or after a move"));
    return false;
  }
  Batcher::State& s = *state_;
  handle_ = handle;
  queued_ = true;
  Slot& slot = s.slots[slot_];
  slot.awaiter = this;
  std::lock_guard lock(s.mutex);
  s.enqueue(slot_);
  return true;  // `this` may already be resumed and gone: touch nothing after enqueue
}

RequestInfo BatchAwaitable::await_resume() {
  if (error_) std::rethrow_exception(error_);
  return info_;
}

}  // namespace zrt
