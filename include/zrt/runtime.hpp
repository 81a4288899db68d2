// Runtime: a fixed set of N lanes that the caller drives, one thread per lane. No
// hidden threads, pools or locks: lane i belongs to whichever thread runs it.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>

#include "zrt/environment.hpp"
#include "zrt/lane.hpp"
#include "zrt/run_options.hpp"
#include "zrt/session.hpp"
#include "zrt/session_options.hpp"

namespace zrt {

// Where a Runtime's lanes get their sessions. Which is faster depends on the model
// (measured on 2 cores: replicas scale an MLP 1.95x where one shared session gives
// 1.03x; a memory-bound model scales better on one shared session), so it is a choice.
enum class RuntimeMode : int {
  SharedSession,  // one session, N lanes on it (ORT runs them concurrently)
  Replicated,     // N sessions built from one model with the same options, one lane each
  Factory,        // N sessions from a caller's factory, one lane each
};
const char* to_string(RuntimeMode mode) noexcept;

// How Runtime::replicated holds the weights that the model keeps in external data
// files (ONNX external data, e.g. onnx.save_model(..., save_as_external_data=True)).
enum class ReplicaWeights : int {
  // ORT loads them into every replica like any initializer.
  Loaded,
  // Every external initializer of 64 KiB or more whose offset suits its element type
  // is mapped read-only from its file once (TensorBuffer::map_file) and given to all
  // replicas in place (SessionOptions::initializer); ORT loads the others. Once the
  // replicas are built and ORT has prepacked, the mapped pages are released
  // (TensorBuffer::release_pages): weights ORT prepacks then cost their one shared
  // prepacked copy (measured: 8 replicas of a 64 MiB MatMul take 1.01x the RSS of one
  // plain session, against 7.3x plain), and weights a kernel reads as they are come
  // back from the file (one copy, file-backed, shared by all replicas). Needs the
  // model's path (external data lies next to it); a model with nothing to map is an
  // error, not a silent no-op. The data file must not change while the runtime lives
  // (a released page is read again from it).
  Mapped,
};
const char* to_string(ReplicaWeights weights) noexcept;

class Runtime {
 public:
  // Makes the session for lane `lane_index` (called once per lane, in order).
  using SessionFactory = std::function<Session(std::size_t lane_index)>;

  // (a) N lanes over one session.
  static Runtime shared(const Session& session, std::size_t lanes, const LaneOptions& lane_options = {});

  // (b) N sessions built from one model with copies of `options`, one lane each.
  // Weights: a replica normally holds its own copy of every initializer (and of its
  // prepacked form). Initializers given as caller-owned buffers
  // (SessionOptions::initializer) are one copy that every replica uses in place; and
  // unless `options` already has a prepacked-weights container, the runtime gives all
  // replicas one, so the prepacked forms of those initializers exist once too: N
  // replicas then hold one copy of the weights (ORT shares prepacked forms only for
  // caller-owned initializers; the others stay per replica). ReplicaWeights::Mapped
  // makes the model's external weights such initializers, then releases their pages.
  static Runtime replicated(const Environment& env, const std::filesystem::path& model, std::size_t lanes,
                            const SessionOptions& options = {}, const LaneOptions& lane_options = {},
                            ReplicaWeights weights = ReplicaWeights::Loaded);
  static Runtime replicated(const std::filesystem::path& model, std::size_t lanes, const SessionOptions& options = {},
                            const LaneOptions& lane_options = {}, ReplicaWeights weights = ReplicaWeights::Loaded);
  static Runtime replicated_from_bytes(const Environment& env, std::span<const std::byte> model, std::size_t lanes,
                                       const SessionOptions& options = {}, const LaneOptions& lane_options = {});
  static Runtime replicated_from_bytes(std::span<const std::byte> model, std::size_t lanes,
                                       const SessionOptions& options = {}, const LaneOptions& lane_options = {});

  // (c) Lane i runs on factory(i).
  static Runtime from_factory(std::size_t lanes, const SessionFactory& factory, const LaneOptions& lane_options = {});

  // Lanes live on the heap: references from lane(i) and spans fetched from them stay
  // valid when the Runtime is moved. A moved-from Runtime throws "used after move".
  Runtime(Runtime&& other) noexcept;
  Runtime& operator=(Runtime&& other) noexcept;
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;
  ~Runtime();

  // Number of lanes (0 after a move).
  std::size_t size() const noexcept { return size_; }
  RuntimeMode mode() const;

  // Lane i: fetch its spans once, then drive it from one thread. Throws zrt::Error
  // when i is out of range or the Runtime was moved from.
  Lane& lane(std::size_t i) {
    if (i >= size_) [[unlikely]]
      fail_lane(i);
    return lanes_[i];
  }
  const Lane& lane(std::size_t i) const {
    if (i >= size_) [[unlikely]]
      fail_lane(i);
    return lanes_[i];
  }
  const Session& session(std::size_t i) const { return lane(i).session(); }

  // The hot path: lane(i).run(), no lock, no allocation.
  void run_on(std::size_t i) { lane(i).run(); }
  void run_on(std::size_t i, const RunOptions& options) { lane(i).run_with(options); }

  // n runs on every lane, from the calling thread (warms arenas and caches).
  void prime(std::size_t n);

  // Binds the calling thread to core `i % core_count()` (see pin_current_thread_to_core);
  // meant to be called by the thread that drives lane i. Returns the core used.
  std::size_t pin_current_thread(std::size_t i) const;

 private:
  struct State;
  explicit Runtime(std::unique_ptr<State> state) noexcept;
  [[noreturn]] void fail_lane(std::size_t i) const;

  std::unique_ptr<State> state_;
  Lane* lanes_ = nullptr;  // into state_ (cached for the inline hot path)
  std::size_t size_ = 0;
};

// Core pinning (hwloc). Cores are physical cores as hwloc sees the machine (processing
// units where it reports none), restricted to the CPUs this process may use.
// The number of cores; throws zrt::Error when hwloc cannot read the topology.
std::size_t core_count();
// Binds the calling thread to all processing units of core `index % core_count()` and
// returns that core's index. Throws zrt::Error with hwloc's reason when binding fails.
std::size_t pin_current_thread_to_core(std::size_t index);

}  // namespace zrt
