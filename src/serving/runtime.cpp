#include "zrt/runtime.hpp"

#include <hwloc.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "session/external_data.hpp"
#include "zrt/buffer.hpp"
#include "zrt/error.hpp"
#include "zrt/prepacked_weights.hpp"

namespace zrt {

const char* to_string(RuntimeMode mode) noexcept {
  switch (mode) {
    case RuntimeMode::SharedSession: return "shared-session";
    case RuntimeMode::Replicated: return "replicated";
    case RuntimeMode::Factory: return "factory";
  }
  return "unknown";
}

const char* to_string(ReplicaWeights weights) noexcept {
  switch (weights) {
    case ReplicaWeights::Loaded: return "loaded";
    case ReplicaWeights::Mapped: return "mapped";
  }
  return "unknown";
}

struct Runtime::State {
  RuntimeMode mode = RuntimeMode::SharedSession;
  std::vector<Lane> lanes;
};

namespace {

void check_lane_count(std::size_t lanes, const char* what) {
  if (lanes == 0) throw Error(std::string(what) + ": a Runtime needs at least one lane, got 0");
}

// Builds one lane per session; `make(i)` returns lane i's session.
template <typename MakeSession>
std::vector<Lane> build_lanes(std::size_t lanes, const LaneOptions& lane_options, const char* what,
                              MakeSession&& make) {
  std::vector<Lane> out;
  out.reserve(lanes);
  for (std::size_t i = 0; i < lanes; ++i) {
    try {
      out.emplace_back(make(i), lane_options);
    } catch (const Error& e) {
      throw Error(e.code(), std::string(what) + ": lane " + std::to_string(i) + ": " + e.what());
    }
  }
  return out;
}

}  // namespace

Runtime::Runtime(std::unique_ptr<State> state) noexcept
    : state_(std::move(state)), lanes_(state_->lanes.data()), size_(state_->lanes.size()) {}

Runtime::Runtime(Runtime&& other) noexcept
    : state_(std::move(other.state_)),
      lanes_(std::exchange(other.lanes_, nullptr)),
      size_(std::exchange(other.size_, 0)) {}

Runtime& Runtime::operator=(Runtime&& other) noexcept {
  if (this != &other) {
    state_ = std::move(other.state_);
    lanes_ = std::exchange(other.lanes_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

Runtime::~Runtime() = default;

Runtime Runtime::shared(const Session& session, std::size_t lanes, const LaneOptions& lane_options) {
  check_lane_count(lanes, "Runtime::shared");
  auto state = std::make_unique<State>();
  state->mode = RuntimeMode::SharedSession;
  state->lanes =
      build_lanes(lanes, lane_options, "Runtime::shared", [&](std::size_t) -> const Session& { return session; });
  return Runtime(std::move(state));
}

namespace {

// Options for every replica: the caller's, plus one prepacked-weights container shared
// by all replicas unless the caller gave one.
SessionOptions replica_options(const SessionOptions& options) {
  SessionOptions copy = options;
  if (!copy.prepacked_weights()) copy.prepacked_weights(PrepackedWeights());
  return copy;
}

// Smaller external initializers are left to ORT: a mapping each would cost more page
// tables and mappings than releasing them saves.
constexpr std::size_t kMinMappedBytes = 64 * 1024;

bool has_initializer(const SessionOptions& options, const std::string& name) {
  for (const SessionOptions::Initializer& init : options.initializers()) {
    if (init.name == name) return true;
  }
  return false;
}

// ReplicaWeights::Mapped: maps the model's external initializers worth mapping and adds
// them to `options` (unless the caller gave a buffer of that name already).
std::vector<std::shared_ptr<const TensorBuffer>> map_external_weights(const std::filesystem::path& model,
                                                                      SessionOptions& options, const char* what) {
  std::vector<std::shared_ptr<const TensorBuffer>> mapped;
  try {
    for (const detail::ExternalInitializer& init : detail::external_initializers(model)) {
      // Data at an offset that does not suit its element type: ORT copies it into aligned memory.
      const std::size_t alignment = std::max<std::size_t>(element_size(init.type), 1);
      if (init.bytes < kMinMappedBytes || init.offset % alignment != 0 || has_initializer(options, init.name)) continue;
      auto buffer = std::make_shared<const TensorBuffer>(
          TensorBuffer::map_file(init.file, init.offset, init.type, Shape(init.dims)));
      options.initializer(init.name, buffer);
      mapped.push_back(std::move(buffer));
    }
  } catch (const Error& e) {
    throw Error(e.code(), std::string(what) + ": ReplicaWeights::Mapped: " + e.what());
  }
  if (mapped.empty()) {
    throw Error(std::string(what) + ": ReplicaWeights::Mapped: model '" + model.string() +
                "' keeps no initializer of " + std::to_string(kMinMappedBytes / 1024) +
                " KiB or more in an external data file (at an offset that suits its "
                "element type, and not already given by SessionOptions::initializer): nothing to map. Save its "
                "weights as external data (onnx.save_model(model, path, save_as_external_data=True)) or use "
                "ReplicaWeights::Loaded");
  }
  return mapped;
}

}  // namespace

Runtime Runtime::replicated(const Environment& env, const std::filesystem::path& model, std::size_t lanes,
                            const SessionOptions& options, const LaneOptions& lane_options, ReplicaWeights weights) {
  constexpr const char* what = "Runtime::replicated";
  check_lane_count(lanes, what);
  SessionOptions shared_options = replica_options(options);
  std::vector<std::shared_ptr<const TensorBuffer>> mapped;
  if (weights == ReplicaWeights::Mapped) mapped = map_external_weights(model, shared_options, what);
  auto state = std::make_unique<State>();
  state->mode = RuntimeMode::Replicated;
  state->lanes =
      build_lanes(lanes, lane_options, what, [&](std::size_t) { return Session(env, model, shared_options); });
  // Every replica has prepacked what it prepacks: what still reads a mapped weight
  // faults it back in from the file.
  for (const std::shared_ptr<const TensorBuffer>& buffer : mapped) buffer->release_pages();
  return Runtime(std::move(state));
}

Runtime Runtime::replicated(const std::filesystem::path& model, std::size_t lanes, const SessionOptions& options,
                            const LaneOptions& lane_options, ReplicaWeights weights) {
  return replicated(Environment::default_environment(), model, lanes, options, lane_options, weights);
}

Runtime Runtime::replicated_from_bytes(const Environment& env, std::span<const std::byte> model, std::size_t lanes,
                                       const SessionOptions& options, const LaneOptions& lane_options) {
  check_lane_count(lanes, "Runtime::replicated_from_bytes");
  const SessionOptions shared_options = replica_options(options);
  auto state = std::make_unique<State>();
  state->mode = RuntimeMode::Replicated;
  state->lanes = build_lanes(lanes, lane_options, "Runtime::replicated_from_bytes",
                             [&](std::size_t) { return Session::from_bytes(env, model, shared_options); });
  return Runtime(std::move(state));
}

Runtime Runtime::replicated_from_bytes(std::span<const std::byte> model, std::size_t lanes,
                                       const SessionOptions& options, const LaneOptions& lane_options) {
  return replicated_from_bytes(Environment::default_environment(), model, lanes, options, lane_options);
}

Runtime Runtime::from_factory(std::size_t lanes, const SessionFactory& factory, const LaneOptions& lane_options) {
  check_lane_count(lanes, "Runtime::from_factory");
  if (!factory) throw Error("Runtime::from_factory: the session factory is empty");
  auto state = std::make_unique<State>();
  state->mode = RuntimeMode::Factory;
  state->lanes = build_lanes(lanes, lane_options, "Runtime::from_factory", [&](std::size_t i) { return factory(i); });
  return Runtime(std::move(state));
}

RuntimeMode Runtime::mode() const {
  if (!state_) throw Error("Runtime::mode: used after being moved from");
  return state_->mode;
}

void Runtime::fail_lane(std::size_t i) const {
  if (!state_) throw Error("Runtime::lane " + std::to_string(i) + ": used after being moved from");
  throw Error("Runtime: lane " + std::to_string(i) + " out of range; the runtime has " + std::to_string(size_) +
              " lanes");
}

void Runtime::prime(std::size_t n) {
  if (!state_) throw Error("Runtime::prime: used after being moved from");
  for (Lane& lane : state_->lanes) lane.prime(n);
}

std::size_t Runtime::pin_current_thread(std::size_t i) const {
  if (i >= size_) fail_lane(i);
  return pin_current_thread_to_core(i);
}

// ---- core pinning (hwloc) -----------------------------------------------------------

namespace {

// The machine's topology, loaded once per process (hwloc calls that only read it are
// thread-safe) and destroyed at exit.
class Topology {
 public:
  Topology() {
    if (hwloc_topology_init(&topology_) != 0) {
      throw Error(ErrorCode::Fail, std::string("hwloc: topology init failed: ") + std::strerror(errno));
    }
    if (hwloc_topology_load(topology_) != 0) {
      const int err = errno;
      hwloc_topology_destroy(topology_);
      throw Error(ErrorCode::Fail, std::string("hwloc: loading the topology failed: ") + std::strerror(err));
    }
    cores_ = count(HWLOC_OBJ_CORE);
    type_ = HWLOC_OBJ_CORE;
    if (cores_ == 0) {  // some virtual machines report processing units only
      cores_ = count(HWLOC_OBJ_PU);
      type_ = HWLOC_OBJ_PU;
    }
    if (cores_ == 0) {
      hwloc_topology_destroy(topology_);
      throw Error(ErrorCode::Fail, "hwloc: the topology has no cores and no processing units");
    }
  }
  ~Topology() { hwloc_topology_destroy(topology_); }
  Topology(const Topology&) = delete;
  Topology& operator=(const Topology&) = delete;

  std::size_t cores() const noexcept { return cores_; }

  std::size_t pin(std::size_t index) const {
    const std::size_t core = index % cores_;
    hwloc_obj_t obj = hwloc_get_obj_by_type(topology_, type_, static_cast<unsigned>(core));
    if (obj == nullptr || obj->cpuset == nullptr) {
      throw Error(ErrorCode::Fail, "hwloc: core " + std::to_string(core) + " not found in the topology");
    }
    if (hwloc_set_cpubind(topology_, obj->cpuset, HWLOC_CPUBIND_THREAD) != 0) {
      throw Error(ErrorCode::Fail, "hwloc: binding the calling thread to core " + std::to_string(core) +
                                       " failed: " + std::strerror(errno));
    }
    return core;
  }

 private:
  std::size_t count(hwloc_obj_type_t type) const {
    const int n = hwloc_get_nbobjs_by_type(topology_, type);
    return n > 0 ? static_cast<std::size_t>(n) : 0;
  }

  hwloc_topology_t topology_ = nullptr;
  std::size_t cores_ = 0;
  hwloc_obj_type_t type_ = HWLOC_OBJ_CORE;
};

const Topology& topology() {
  static const Topology t;  // thread-safe initialization; a failed load throws and is retried next call
  return t;
}

}  // namespace

std::size_t core_count() { return topology().cores(); }

std::size_t pin_current_thread_to_core(std::size_t index) { return topology().pin(index); }

}  // namespace zrt
