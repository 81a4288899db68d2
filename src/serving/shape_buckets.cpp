#include "zrt/shape_buckets.hpp"

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>

#include "serving/output_shapes.hpp"
#include "zrt/error.hpp"
#include "zrt/runtime.hpp"

namespace zrt {

// ---- Bucket -------------------------------------------------------------------------

ShapeBuckets::Bucket::~Bucket() = default;

Lane& ShapeBuckets::Bucket::lane(std::size_t i) {
  if (i >= lanes_.size()) [[unlikely]] {
    throw Error("ShapeBuckets: lane " + std::to_string(i) + " out of range; each bucket has " +
                std::to_string(lanes_.size()) + " lanes");
  }
  return lanes_[i];
}

void ShapeBuckets::Bucket::prime(std::size_t n) {
  for (Lane& lane : lanes_) lane.prime(n);
  if (n > 0) warmed_ = true;
}

bool ShapeBuckets::Bucket::matches(std::span<const Shape> shapes) const noexcept {
  if (shapes.size() != input_shapes_.size()) return false;
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    if (!(shapes[i] == input_shapes_[i])) return false;
  }
  return true;
}

// ---- state --------------------------------------------------------------------------

struct ShapeBuckets::State {
  std::vector<Session> sessions;  // lane j of every bucket runs on sessions[j]
  BucketOptions options;
  std::vector<std::unique_ptr<Bucket>> buckets;
  Bucket* last = nullptr;  // the last bucket acquired: checked first
  std::uint64_t clock = 0;
  Stats stats;
};

namespace {

std::string describe(std::span<const Shape> shapes) {
  std::string s = "(";
  for (std::size_t i = 0; i < shapes.size(); ++i) s += (i ? ", " : "") + shapes[i].to_string();
  return s + ")";
}

std::string input_name(const Session& session, std::size_t i) {
  return "input '" + session.input(i).name + "' (index " + std::to_string(i) + ")";
}

// Throws zrt::Error unless `shapes` gives one fully fixed shape per model input that
// fits what the model declares.
void check_input_shapes(const Session& session, std::span<const Shape> shapes) {
  if (shapes.size() != session.input_count()) {
    throw Error("ShapeBuckets: " + std::to_string(shapes.size()) + " input shapes given " + describe(shapes) +
                ", the model has " + std::to_string(session.input_count()) + " inputs");
  }
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    const IoInfo& info = session.input(i);
    const Shape& shape = shapes[i];
    if (!shape.is_static()) {
      throw Error("ShapeBuckets: " + input_name(session, i) + ": shape " + shape.to_string() +
                  " has a free dim; a bucket needs every dim fixed");
    }
    if (!info.has_shape) continue;
    if (shape.rank() != info.shape.rank()) {
      throw Error("ShapeBuckets: " + input_name(session, i) + " has rank " + std::to_string(info.shape.rank()) + " " +
                  info.shape.to_string() + ", got shape " + shape.to_string());
    }
    for (std::size_t d = 0; d < shape.rank(); ++d) {
      if (info.shape[d] >= 0 && info.shape[d] != shape[d]) {
        throw Error("ShapeBuckets: " + input_name(session, i) + " fixes dim " + std::to_string(d) + " to " +
                    std::to_string(info.shape[d]) + ", got shape " + shape.to_string());
      }
    }
  }
}

}  // namespace

detail::ResolvedOutputs detail::resolve_output_shapes(const Session& session, std::span<const Shape> inputs,
                                                      const char* what) {
  std::vector<std::pair<std::string_view, std::int64_t>> symbols;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const IoInfo& info = session.input(i);
    if (!info.has_shape) continue;
    for (std::size_t d = 0; d < info.symbolic_dims.size() && d < inputs[i].rank(); ++d) {
      const std::string& symbol = info.symbolic_dims[d];
      if (symbol.empty() || info.shape[d] >= 0) continue;
      auto it = std::find_if(symbols.begin(), symbols.end(), [&](const auto& p) { return p.first == symbol; });
      if (it == symbols.end()) {
        symbols.emplace_back(symbol, inputs[i][d]);
      } else if (it->second != inputs[i][d]) {
        throw Error(std::string(what) + ": dim '" + symbol + "' is " + std::to_string(it->second) +
                    " in one input and " + std::to_string(inputs[i][d]) + " in " + input_name(session, i) +
                    ", shapes " + describe(inputs));
      }
    }
  }
  ResolvedOutputs out;
  for (const IoInfo& info : session.outputs()) {
    if (!info.has_shape || info.kind != ValueKind::Tensor) {
      out.shapes.emplace_back();
      out.free.push_back(true);
      continue;
    }
    std::vector<std::int64_t> dims(info.shape.begin(), info.shape.end());
    bool free = false;
    for (std::size_t d = 0; d < dims.size(); ++d) {
      if (dims[d] >= 0) continue;
      const std::string& symbol = d < info.symbolic_dims.size() ? info.symbolic_dims[d] : std::string();
      auto it = std::find_if(symbols.begin(), symbols.end(),
                             [&](const auto& p) { return !symbol.empty() && p.first == symbol; });
      if (it != symbols.end()) {
        dims[d] = it->second;
      } else {
        free = true;
      }
    }
    out.shapes.emplace_back(dims);
    out.free.push_back(free);
  }
  return out;
}

namespace {

bool has_storage(const std::vector<std::pair<std::string, IoStorage>>& storage, const std::string& name) {
  return std::any_of(storage.begin(), storage.end(), [&](const auto& p) { return p.first == name; });
}

}  // namespace

// ---- ShapeBuckets -------------------------------------------------------------------

ShapeBuckets::ShapeBuckets(const Session& session, BucketOptions options)
    // `options` is copied, not moved: the first argument reads it (argument order is unspecified).
    // lanes_per_bucket() == 0 reaches the sessions constructor as an empty list and is rejected there.
    : ShapeBuckets(std::vector<Session>(options.lanes_per_bucket(), session), options) {}

ShapeBuckets::ShapeBuckets(std::vector<Session> sessions, BucketOptions options) : state_(std::make_unique<State>()) {
  if (options.bound() == 0) {
    throw Error("ShapeBuckets: bound must be at least 1, got 0 (the default is " +
                std::to_string(BucketOptions::kDefaultBound) + ")");
  }
  if (sessions.empty()) throw Error("ShapeBuckets: each bucket needs at least one lane, got 0");
  for (const Session& session : sessions) (void)session.handle();  // a moved-from one throws now, not at first use
  for (std::size_t j = 1; j < sessions.size(); ++j) {
    const auto a = sessions[0].inputs();
    const auto b = sessions[j].inputs();
    bool same = a.size() == b.size() && sessions[0].output_count() == sessions[j].output_count();
    for (std::size_t i = 0; same && i < a.size(); ++i) same = a[i].name == b[i].name && a[i].type == b[i].type;
    if (!same) {
      throw Error("ShapeBuckets: session " + std::to_string(j) +
                  " does not have the same inputs and outputs as session 0; every lane of a bucket runs one model");
    }
  }
  state_->sessions = std::move(sessions);
  state_->options = std::move(options);
  state_->buckets.reserve(state_->options.bound());
}

namespace {
std::vector<Session> runtime_sessions(const Runtime& runtime) {
  std::vector<Session> sessions;
  sessions.reserve(runtime.size());
  for (std::size_t j = 0; j < runtime.size(); ++j) sessions.push_back(runtime.session(j));
  if (sessions.empty()) throw Error("ShapeBuckets: the Runtime has no lanes (used after being moved from?)");
  return sessions;
}
}  // namespace

ShapeBuckets::ShapeBuckets(const Runtime& runtime, BucketOptions options)
    : ShapeBuckets(runtime_sessions(runtime), std::move(options)) {}

ShapeBuckets::ShapeBuckets(ShapeBuckets&& other) noexcept = default;
ShapeBuckets& ShapeBuckets::operator=(ShapeBuckets&& other) noexcept = default;
ShapeBuckets::~ShapeBuckets() = default;

ShapeBuckets::State& ShapeBuckets::state() const {
  if (!state_) [[unlikely]]
    throw Error("ShapeBuckets: used after being moved from");
  return *state_;
}

ShapeBuckets::Bucket& ShapeBuckets::acquire(std::span<const Shape> input_shapes) {
  State& s = state();
  if (s.last != nullptr && s.last->matches(input_shapes)) [[likely]] {
    ++s.stats.hits;
    s.last->last_used_ = ++s.clock;
    return *s.last;
  }
  for (const auto& bucket : s.buckets) {
    if (bucket.get() != s.last && bucket->matches(input_shapes)) {
      ++s.stats.hits;
      bucket->last_used_ = ++s.clock;
      s.last = bucket.get();
      return *bucket;
    }
  }
  Bucket& built = build(input_shapes);
  ++s.stats.misses;
  return built;
}

Lane& ShapeBuckets::lane_for(std::span<const Shape> input_shapes, std::size_t lane) {
  return acquire(input_shapes).lane(lane);
}

bool ShapeBuckets::contains(std::span<const Shape> input_shapes) const noexcept {
  if (!state_) return false;
  return std::any_of(state_->buckets.begin(), state_->buckets.end(),
                     [&](const auto& b) { return b->matches(input_shapes); });
}

ShapeBuckets::Bucket& ShapeBuckets::build(std::span<const Shape> input_shapes) {
  State& s = state();
  const Session& model = s.sessions.front();
  check_input_shapes(model, input_shapes);

  auto bucket = std::unique_ptr<Bucket>(new Bucket());
  bucket->input_shapes_.assign(input_shapes.begin(), input_shapes.end());
  LaneOptions lane_options = s.options.lane_options();
  std::vector<bool> free(model.output_count(), false);
  if (s.options.output_shapes()) {
    bucket->output_shapes_ = s.options.output_shapes()(input_shapes);
    if (bucket->output_shapes_.size() != model.output_count()) {
      throw Error("ShapeBuckets: the output-shape callback returned " + std::to_string(bucket->output_shapes_.size()) +
                  " shapes for inputs " + describe(input_shapes) + ", the model has " +
                  std::to_string(model.output_count()) + " outputs");
    }
    for (std::size_t o = 0; o < free.size(); ++o) free[o] = !bucket->output_shapes_[o].is_static();
  } else {
    detail::ResolvedOutputs resolved = detail::resolve_output_shapes(model, input_shapes, "ShapeBuckets");
    bucket->output_shapes_ = std::move(resolved.shapes);
    free = std::move(resolved.free);
  }
  for (std::size_t o = 0; o < free.size(); ++o) {
    const std::string& name = model.output(o).name;
    if (free[o] && !has_storage(lane_options.output_storage(), name)) {
      lane_options.output_storage(name, IoStorage::bound_to());
    }
  }
  lane_options.input_shapes(bucket->input_shapes_);
  lane_options.output_shapes(bucket->output_shapes_);

  bucket->lanes_.reserve(s.sessions.size());
  for (std::size_t j = 0; j < s.sessions.size(); ++j) {
    try {
      bucket->lanes_.emplace_back(s.sessions[j], lane_options);
    } catch (const Error& e) {
      throw Error(e.code(), "ShapeBuckets: building the bucket for " + describe(input_shapes) + " (lane " +
                                std::to_string(j) + "): " + e.what());
    }
  }
  if (s.options.prime_on_build() > 0) bucket->prime(s.options.prime_on_build());

  // Built: only now may an old bucket go.
  if (s.buckets.size() >= s.options.bound()) {
    auto victim = std::min_element(s.buckets.begin(), s.buckets.end(),
                                   [](const auto& a, const auto& b) { return a->last_used_ < b->last_used_; });
    if (victim->get() == s.last) s.last = nullptr;
    s.buckets.erase(victim);
    ++s.stats.evictions;
  }
  bucket->last_used_ = ++s.clock;
  s.last = bucket.get();
  s.buckets.push_back(std::move(bucket));
  return *s.last;
}

void ShapeBuckets::prebuild(std::span<const std::vector<Shape>> shape_sets) {
  State& s = state();
  if (shape_sets.size() > s.options.bound()) {
    throw Error("ShapeBuckets::prebuild: " + std::to_string(shape_sets.size()) + " shape sets exceed the bound of " +
                std::to_string(s.options.bound()) + " buckets");
  }
  for (const auto& set : shape_sets) check_input_shapes(s.sessions.front(), set);
  for (const auto& set : shape_sets) {
    if (!contains(set)) build(set);
  }
}

void ShapeBuckets::prime(std::size_t n) {
  for (const auto& bucket : state().buckets) bucket->prime(n);
}

void ShapeBuckets::warm() {
  for (const auto& bucket : state().buckets) {
    if (!bucket->warmed_) bucket->prime(1);
  }
}

void ShapeBuckets::clear() noexcept {
  if (!state_) return;
  state_->last = nullptr;
  state_->buckets.clear();
}

std::size_t ShapeBuckets::size() const noexcept { return state_ ? state_->buckets.size() : 0; }
std::size_t ShapeBuckets::bound() const { return state().options.bound(); }
std::size_t ShapeBuckets::lanes_per_bucket() const { return state().sessions.size(); }
ShapeBuckets::Stats ShapeBuckets::stats() const { return state().stats; }

std::vector<std::vector<Shape>> ShapeBuckets::keys() const {
  const State& s = state();
  std::vector<const Bucket*> order;
  order.reserve(s.buckets.size());
  for (const auto& b : s.buckets) order.push_back(b.get());
  std::sort(order.begin(), order.end(), [](const Bucket* a, const Bucket* b) { return a->last_used_ > b->last_used_; });
  std::vector<std::vector<Shape>> out;
  out.reserve(order.size());
  for (const Bucket* b : order) out.push_back(b->input_shapes_);
  return out;
}

}  // namespace zrt
