// Fuzz target: input checking of Lane and Session::run against fixed models (multi_io:
// three fixed-shape inputs of three types; dynamic: free dims). Random shapes, element
// types and span sizes must either work or fail with zrt::Error; the spans a lane hands
// out must be as long as they say (every element is written or read here, so ASan sees
// any that is not).
//
// Input: one byte picks the model, one the operation, the rest the shapes, types,
// sizes and names.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "fuzz_environment.hpp"
#include "fuzz_util.hpp"
#include "models/models.hpp"
#include "zrt/error.hpp"
#include "zrt/lane.hpp"
#include "zrt/session.hpp"
#include "zrt/value.hpp"

namespace {

using zrt::fuzz::FuzzInput;
using Types =
    std::tuple<float, double, std::int8_t, std::int32_t, std::int64_t, std::uint8_t, std::uint16_t, bool, zrt::Float16>;
constexpr std::size_t kTypes = std::tuple_size_v<Types>;

// Calls f(T{}) for the k-th type of Types.
template <typename F, std::size_t I = 0>
void with_type(std::size_t k, F&& f) {
  if constexpr (I < kTypes) {
    if (k == I) return f(std::tuple_element_t<I, Types>{});
    with_type<F, I + 1>(k, std::forward<F>(f));
  }
}

// Sessions made once, never destroyed: loading a model per input would make this
// target measure ORT's loader instead of zrt's checks.
const zrt::Session& session(std::size_t which) {
  static const auto* sessions = [] {
    const auto options = zrt::SessionOptions{}.intra_op_threads(1);
    const zrt::Environment& env = zrt::fuzz::environment();
    return new std::vector<zrt::Session>{
        zrt::Session::from_bytes(env, zrt::test::multi_io(), options),
        zrt::Session::from_bytes(env, zrt::test::dynamic(), options),
    };
  }();
  return (*sessions)[which % sessions->size()];
}

// Mostly small sizes (the models' own are 2 and 3), sometimes free (-1), negative or
// any 64-bit value (overflowing products must be rejected, not wrapped).
std::int64_t dim(FuzzInput& in) {
  switch (in.below(8)) {
    case 5: return -1;
    case 6: return -static_cast<std::int64_t>(in.below(4)) - 2;
    case 7: return in.take<std::int64_t>();
    default: return static_cast<std::int64_t>(in.below(5));
  }
}

std::vector<std::int64_t> dims(FuzzInput& in) {
  std::vector<std::int64_t> d(in.below(5));
  for (auto& v : d) v = dim(in);
  return d;
}

// Shapes a lane would allocate more than the bound for are left out; shapes whose size
// overflows are kept: zrt must reject them before allocating.
bool too_big(const std::vector<std::int64_t>& d) {
  bool any_negative = false;
  for (const std::int64_t v : d) any_negative |= v < 0;
  if (any_negative) return false;
  std::size_t n = 8;
  for (const std::int64_t v : d) {
    const auto u = static_cast<std::uint64_t>(v);
    if (u != 0 && n > SIZE_MAX / u) return false;  // overflows
    n *= static_cast<std::size_t>(u);
  }
  return n > zrt::fuzz::kMaxInputBytes;
}

void fuzz_run(const zrt::Session& s, FuzzInput& in) {
  const std::size_t count = in.below(5);
  std::vector<std::string> names;
  names.reserve(count);  // Input keeps the name's pointer
  std::vector<std::unique_ptr<std::byte[]>> buffers;
  std::vector<zrt::Value> values;
  values.reserve(count);
  std::vector<zrt::Input> inputs;
  const bool named = in.flag();  // zrt takes all inputs named or all positional
  for (std::size_t i = 0; i < count; ++i) {
    const std::vector<std::int64_t> shape = dims(in);
    std::size_t elements = in.below(16);
    if (in.flag()) {  // usually the count the shape asks for, or one off
      const auto n = zrt::fuzz::checked_bytes(shape, 1);
      if (n && *n <= zrt::fuzz::kMaxInputBytes / 8) elements = *n + in.below(3) - 1 + (*n == 0 ? 1 : 0);
    }
    const std::size_t type = in.below(kTypes);
    const std::size_t name_pick = in.below(4);
    const char* name = nullptr;
    if (named) {
      names.push_back(name_pick < s.input_count() ? std::string(s.input_names()[name_pick]) : in.string(16));
      name = names.back().c_str();
    }
    const bool as_value = in.flag();
    with_type(type, [&](auto t) {
      using T = decltype(t);
      buffers.emplace_back(new std::byte[elements * sizeof(T) + 1]());
      auto* data = reinterpret_cast<T*>(buffers.back().get());
      const zrt::TensorView<const T> view(std::span<const T>(data, elements), zrt::Shape(shape));
      if (as_value) {
        values.push_back(zrt::Value::view(view));
        inputs.push_back(name ? zrt::Input(name, values.back()) : zrt::Input(values.back()));
      } else {
        inputs.push_back(name ? zrt::Input(name, view) : zrt::Input(view));
      }
    });
  }
  const zrt::Outputs out = s.run(std::span<const zrt::Input>(inputs));
  (void)out;
}

// Writes every element of an input span and reads every element of an output span.
void fuzz_spans(zrt::Lane& lane, FuzzInput& in) {
  for (std::size_t k = in.below(4); k > 0; --k) {
    const std::size_t index = in.below(5);
    const bool input = in.flag();
    with_type(in.below(kTypes), [&](auto t) {
      using T = decltype(t);
      try {
        if (input) {
          for (T& v : lane.input<T>(index)) v = T{};
        } else {
          // Bytes, not T: a bool output may hold any byte.
          volatile unsigned sum = 0;
          for (const T& v : lane.output<T>(index)) sum = sum + *reinterpret_cast<const unsigned char*>(&v);
        }
      } catch (const zrt::Error&) {
        // wrong index or type: the lane says so
      }
    });
  }
}

void fuzz_lane(const zrt::Session& s, FuzzInput& in) {
  std::vector<zrt::Shape> in_shapes(in.below(5)), out_shapes(in.below(6));
  for (auto* shapes : {&in_shapes, &out_shapes})
    for (auto& shape : *shapes) {
      const std::vector<std::int64_t> d = dims(in);
      if (too_big(d)) return;
      shape = zrt::Shape(d);
    }
  std::optional<zrt::Lane> lane;
  if (in.flag())
    lane.emplace(s.make_lane(in_shapes, out_shapes));
  else
    lane.emplace(s, zrt::LaneOptions{}.input_shapes(in_shapes).rebind_inputs_each_run(in.flag()));
  fuzz_spans(*lane, in);
  lane->run();
  fuzz_spans(*lane, in);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzInput in(data, size);
  const zrt::Session& s = session(in.below(2));
  try {
    if (in.flag())
      fuzz_lane(s, in);
    else
      fuzz_run(s, in);
  } catch (const zrt::Error&) {
    // Mismatched shapes, types, counts and names are reported errors.
  }
  return 0;
}
