// Proof, not promise: heap allocations per run, counted for the whole process (ONNX
// Runtime's own included; see alloc_counter.hpp), after warm-up. Each zrt hot path
// must allocate no more per run than the raw C API RunWithBinding on the same model
// and binding, passing a RunOptions made once (the best a raw C caller can do: given
// null, ORT builds a default RunOptions inside each run, one more allocation). The
// numbers are printed ("allocs/run") and recorded as test properties.
#include <gtest/gtest.h>
#include <onnxruntime_c_api.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "alloc/alloc_counter.hpp"
#include "models/models.hpp"
#include "zrt/async.hpp"
#include "zrt/io_binding.hpp"
#include "zrt/lane.hpp"
#include "zrt/prepared.hpp"
#include "zrt/runtime.hpp"
#include "zrt/session.hpp"
#include "zrt/shape_buckets.hpp"

namespace {

using zrt::Lane;
using zrt::LaneOptions;
using zrt::Session;
using zrt::SessionOptions;
using zrt::Shape;
using zrt::TensorView;
using zrt::test::AllocationCounter;

constexpr int kWarmup = 50;
constexpr int kRuns = 400;

const OrtApi& ort() { return *OrtGetApiBase()->GetApi(ORT_API_VERSION); }

void ort_check(OrtStatus* status) {
  if (status == nullptr) return;
  const std::string message = ort().GetErrorMessage(status);
  ort().ReleaseStatus(status);
  FAIL() << "ORT: " << message;
}

// Heap allocations per run of `run`, after kWarmup runs, over kRuns runs.
template <typename F>
double allocations_per_run(F&& run) {
  for (int i = 0; i < kWarmup; ++i) run();
  const AllocationCounter counter;
  for (int i = 0; i < kRuns; ++i) run();
  return static_cast<double>(counter.allocations()) / kRuns;
}

void report(const std::string& path, double per_run) {
  std::printf("[ allocs   ] %-58s %8.3f allocs/run\n", path.c_str(), per_run);
  std::fflush(stdout);
  ::testing::Test::RecordProperty(path, std::to_string(per_run));
}

// Single-threaded sessions: every allocation of a run happens on the calling thread
// (the counter sees ORT's threads too, but there are none to muddle the numbers).
SessionOptions one_thread() { return SessionOptions{}.intra_op_threads(1); }

// How the raw C API paths pass RunOptions: one made once (the floor), or null.
enum class RawRunOptions { Kept, Null };

// A RunOptions made once, released at scope exit (null for RawRunOptions::Null).
class RawOptions {
 public:
  explicit RawOptions(RawRunOptions kind) {
    if (kind == RawRunOptions::Kept) ort_check(ort().CreateRunOptions(&handle_));
  }
  ~RawOptions() {
    if (handle_ != nullptr) ort().ReleaseRunOptions(handle_);
  }
  RawOptions(const RawOptions&) = delete;
  RawOptions& operator=(const RawOptions&) = delete;
  const OrtRunOptions* get() const noexcept { return handle_; }

 private:
  OrtRunOptions* handle_ = nullptr;
};

// The floor: ORT's C API, an IoBinding bound once to caller tensors (or, for
// ping-pong state, two bindings used in turn), RunWithBinding per run with a
// RunOptions made once.
class RawBinding {
 public:
  explicit RawBinding(const Session& session, RawRunOptions options = RawRunOptions::Kept)
      : session_(session.handle()), options_(options) {
    OrtMemoryInfo* info = nullptr;
    ort_check(ort().CreateCpuMemoryInfo(OrtArenaAllocator, OrtMemTypeDefault, &info));
    info_ = info;
  }
  ~RawBinding() {
    for (OrtIoBinding* b : bindings_) ort().ReleaseIoBinding(b);
    for (OrtValue* v : values_) ort().ReleaseValue(v);
    ort().ReleaseMemoryInfo(info_);
  }
  RawBinding(const RawBinding&) = delete;
  RawBinding& operator=(const RawBinding&) = delete;

  // A new binding; returns its index.
  std::size_t add_binding() {
    OrtIoBinding* b = nullptr;
    ort_check(ort().CreateIoBinding(session_, &b));
    bindings_.push_back(b);
    return bindings_.size() - 1;
  }
  void bind(std::size_t binding, const char* name, std::vector<float>& data, const Shape& shape, bool input) {
    OrtValue* v = nullptr;
    ort_check(ort().CreateTensorWithDataAsOrtValue(info_, data.data(), data.size() * sizeof(float), shape.data(),
                                                   shape.rank(), ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, &v));
    values_.push_back(v);
    ort_check(input ? ort().BindInput(bindings_[binding], name, v) : ort().BindOutput(bindings_[binding], name, v));
  }
  void run(std::size_t binding) {
    OrtStatus* status = ort().RunWithBinding(session_, options_.get(), bindings_[binding]);
    if (status != nullptr) [[unlikely]]
      ort_check(status);
  }

 private:
  OrtSession* session_;
  RawOptions options_;
  OrtMemoryInfo* info_ = nullptr;
  std::vector<OrtIoBinding*> bindings_;
  std::vector<OrtValue*> values_;
};

// Y = X + C, X and Y float[1,16].
double raw_add(const Session& session, RawRunOptions options = RawRunOptions::Kept) {
  std::vector<float> x(16, 1.0f), y(16);
  RawBinding raw(session, options);
  const std::size_t b = raw.add_binding();
  raw.bind(b, "X", x, Shape{1, 16}, true);
  raw.bind(b, "Y", y, Shape{1, 16}, false);
  return allocations_per_run([&] { raw.run(b); });
}

// MLP x float[1,784] -> logits float[1,10].
double raw_mlp(const Session& session, RawRunOptions options = RawRunOptions::Kept) {
  std::vector<float> x = zrt::test::mlp_input(1), y(10);
  RawBinding raw(session, options);
  const std::size_t b = raw.add_binding();
  raw.bind(b, "x", x, Shape{1, 784}, true);
  raw.bind(b, "logits", y, Shape{1, 10}, false);
  return allocations_per_run([&] { raw.run(b); });
}

// A recurrent step: H_out = H + X (carried to H), Y = H_out * H_out.
zrt::test::Bytes recurrent_model() {
  return zrt::test::from_text(R"(<ir_version: 8, opset_import: ["" : 17]>
step (float[1,16] X, float[1,16] H) => (float[1,16] Y, float[1,16] H_out) {
  H_out = Add(H, X)
  Y = Mul(H_out, H_out)
})");
}

// Two bindings in turn: state buffer a feeds run 1 and receives run 2, b the reverse.
double raw_recurrent(const Session& session, RawRunOptions options = RawRunOptions::Kept) {
  std::vector<float> x(16, 0.25f), y(16), a(16, 0.0f), b(16, 0.0f);
  RawBinding raw(session, options);
  const std::size_t even = raw.add_binding();
  const std::size_t odd = raw.add_binding();
  raw.bind(even, "X", x, Shape{1, 16}, true);
  raw.bind(even, "H", a, Shape{1, 16}, true);
  raw.bind(even, "Y", y, Shape{1, 16}, false);
  raw.bind(even, "H_out", b, Shape{1, 16}, false);
  raw.bind(odd, "X", x, Shape{1, 16}, true);
  raw.bind(odd, "H", b, Shape{1, 16}, true);
  raw.bind(odd, "Y", y, Shape{1, 16}, false);
  raw.bind(odd, "H_out", a, Shape{1, 16}, false);
  std::size_t turn = 0;
  return allocations_per_run([&] { raw.run((turn++ % 2) == 0 ? even : odd); });
}

// Asserts that a zrt path allocates no more per run than the raw binding.
void expect_at_most(const std::string& path, double zrt_per_run, const std::string& raw_path, double raw_per_run) {
  report(path, zrt_per_run);
  EXPECT_LE(zrt_per_run, raw_per_run) << path << " allocates " << zrt_per_run << " per run, " << raw_path
                                      << " allocates " << raw_per_run;
}

// ---- the counter itself ------------------------------------------------------------

TEST(ZeroAlloc, TheCounterSeesEveryAllocator) {
  ASSERT_TRUE(zrt::test::allocation_counting_active());
  // Through volatile pointers, so the compiler cannot pair and remove the calls. The
  // counts are read before any EXPECT, whose messages would allocate.
  void* (*volatile do_malloc)(std::size_t) = &std::malloc;
  void (*volatile do_free)(void*) = &std::free;
  void* (*volatile do_new)(std::size_t) = static_cast<void* (*)(std::size_t)>(&::operator new);
  void (*volatile do_delete)(void*) noexcept = static_cast<void (*)(void*) noexcept>(&::operator delete);
  void* (*volatile do_new_aligned)(std::size_t, std::align_val_t) =
      static_cast<void* (*)(std::size_t, std::align_val_t)>(&::operator new);
  void (*volatile do_delete_aligned)(void*, std::align_val_t) noexcept =
      static_cast<void (*)(void*, std::align_val_t) noexcept>(&::operator delete);

  AllocationCounter counter;
  do_free(do_malloc(24));
  const zrt::test::AllocationCounts c_malloc = counter.counts();
  counter.restart();
  do_delete(do_new(40));
  const zrt::test::AllocationCounts c_new = counter.counts();
  counter.restart();
  void* aligned = do_new_aligned(100, std::align_val_t{256});
  const bool is_aligned = reinterpret_cast<std::uintptr_t>(aligned) % 256 == 0;
  do_delete_aligned(aligned, std::align_val_t{256});
  const zrt::test::AllocationCounts c_aligned = counter.counts();
  EXPECT_EQ(c_malloc.allocations, 1u);
  EXPECT_EQ(c_malloc.frees, 1u);
  EXPECT_EQ(c_malloc.bytes, 24u);
  EXPECT_EQ(c_new.allocations, 1u);
  EXPECT_EQ(c_new.frees, 1u);
  EXPECT_EQ(c_aligned.allocations, 1u);
  EXPECT_EQ(c_aligned.frees, 1u);
  EXPECT_TRUE(is_aligned);

  // ORT's allocations are counted too: a value ORT allocates and frees.
  counter.restart();
  { const zrt::Value v = zrt::Value::allocate(zrt::ElementType::Float, Shape{4, 4}); }
  const zrt::test::AllocationCounts c_ort = counter.counts();
  EXPECT_GE(c_ort.allocations, 1u);
  EXPECT_GE(c_ort.frees, 1u);
}

// ---- the paths -------------------------------------------------------------------

TEST(ZeroAlloc, RawRunWithBindingBaseline) {
  const Session add = Session::from_bytes(zrt::test::add_constant(), one_thread());
  const Session mlp = Session::from_bytes(zrt::test::mlp(), one_thread());
  const Session rec = Session::from_bytes(recurrent_model(), one_thread());
  const double kept_add = raw_add(add);
  const double kept_mlp = raw_mlp(mlp);
  const double kept_rec = raw_recurrent(rec);
  const double null_add = raw_add(add, RawRunOptions::Null);
  const double null_mlp = raw_mlp(mlp, RawRunOptions::Null);
  const double null_rec = raw_recurrent(rec, RawRunOptions::Null);
  report("raw C API RunWithBinding, add [1,16]", kept_add);
  report("raw C API RunWithBinding, mlp [1,784]", kept_mlp);
  report("raw C API RunWithBinding, recurrent ping-pong", kept_rec);
  // Null RunOptions: ORT makes a default one inside each run. Reported, and never
  // cheaper than the floor (else the floor above would not be one).
  report("raw C API RunWithBinding, null RunOptions, add", null_add);
  report("raw C API RunWithBinding, null RunOptions, mlp", null_mlp);
  report("raw C API RunWithBinding, null RunOptions, recurrent", null_rec);
  EXPECT_LE(kept_add, null_add);
  EXPECT_LE(kept_mlp, null_mlp);
  EXPECT_LE(kept_rec, null_rec);
}

TEST(ZeroAlloc, SessionRunWithReusedOutputs) {
  // The flexible path allocates what ORT's Run allocates (its outputs, its run state),
  // so this is reported, not 0. Views cost no more than pre-made Values: the Outputs keep
  // the ORT value made over a view and reuse it while the view's memory, shape and type
  // stay the same.
  const Session add = Session::from_bytes(zrt::test::add_constant(), one_thread());
  const Session mlp = Session::from_bytes(zrt::test::mlp(), one_thread());
  std::vector<float> x(16, 1.0f);
  zrt::Outputs out = add.make_outputs();
  const TensorView<const float> view(x, {1, 16});
  const zrt::Value value = zrt::Value::view(view);
  const double view_add = allocations_per_run([&] { add.run({view}, out); });
  report("zrt Session::run (views, reused Outputs), add", view_add);
  expect_at_most("zrt Session::run (views), add", view_add, "zrt Session::run (Values), add",
                 allocations_per_run([&] { add.run({value}, out); }));
  std::vector<float> xm = zrt::test::mlp_input(1);
  zrt::Outputs out_m = mlp.make_outputs();
  const TensorView<const float> view_m(xm, {1, 784});
  const zrt::Value value_m = zrt::Value::view(view_m);
  const double view_mlp = allocations_per_run([&] { mlp.run({view_m}, out_m); });
  report("zrt Session::run (views, reused Outputs), mlp", view_mlp);
  expect_at_most("zrt Session::run (views), mlp", view_mlp, "zrt Session::run (Values), mlp",
                 allocations_per_run([&] { mlp.run({value_m}, out_m); }));
  report("raw C API RunWithBinding, add (for comparison)", raw_add(add));
}

TEST(ZeroAlloc, SessionRunWithIoBinding) {
  const Session add = Session::from_bytes(zrt::test::add_constant(), one_thread());
  std::vector<float> x(16, 1.0f), y(16);
  zrt::IoBinding binding(add);
  binding.bind_input("X", TensorView<const float>(x, {1, 16}));
  binding.bind_output("Y", TensorView<float>(y, {1, 16}));
  const double raw = raw_add(add);
  expect_at_most("zrt Session::run(IoBinding), add", allocations_per_run([&] { add.run(binding); }),
                 "raw RunWithBinding", raw);
}

TEST(ZeroAlloc, LaneRun) {
  const Session add = Session::from_bytes(zrt::test::add_constant(), one_thread());
  Lane lane(add);
  const double raw = raw_add(add);
  expect_at_most("zrt Lane::run, add", allocations_per_run([&] { lane.run(); }), "raw RunWithBinding", raw);

  const Session mlp = Session::from_bytes(zrt::test::mlp(), one_thread());
  Lane lane_m = mlp.make_lane({Shape{1, 784}}, {Shape{1, 10}});
  const double raw_m = raw_mlp(mlp);
  expect_at_most("zrt Lane::run, mlp", allocations_per_run([&] { lane_m.run(); }), "raw RunWithBinding", raw_m);
}

TEST(ZeroAlloc, PreparedBindingRun) {
  const Session add = Session::from_bytes(zrt::test::add_constant(), one_thread());
  std::vector<float> x(16, 1.0f), y(16);
  const zrt::Input inputs[] = {TensorView<const float>(x, {1, 16})};
  const zrt::Input outputs[] = {TensorView<float>(y, {1, 16})};
  zrt::PreparedBinding binding(add, inputs, outputs);
  const double raw = raw_add(add);
  expect_at_most("zrt PreparedBinding::run, add", allocations_per_run([&] { binding.run(); }), "raw RunWithBinding",
                 raw);

  const Session mlp = Session::from_bytes(zrt::test::mlp(), one_thread());
  std::vector<float> xm = zrt::test::mlp_input(1), ym(10);
  const zrt::Input inputs_m[] = {TensorView<const float>(xm, {1, 784})};
  const zrt::Input outputs_m[] = {TensorView<float>(ym, {1, 10})};
  zrt::PreparedBinding binding_m(mlp, inputs_m, outputs_m);
  const double raw_m = raw_mlp(mlp);
  expect_at_most("zrt PreparedBinding::run, mlp", allocations_per_run([&] { binding_m.run(); }), "raw RunWithBinding",
                 raw_m);
}

TEST(ZeroAlloc, LaneWithStateCarry) {
  const Session rec = Session::from_bytes(recurrent_model(), one_thread());
  Lane lane(rec, LaneOptions{}.carry("H_out", "H"));
  const double raw = raw_recurrent(rec);
  expect_at_most("zrt Lane::run with state carry (ping-pong)", allocations_per_run([&] { lane.run(); }),
                 "raw RunWithBinding ping-pong", raw);
}

TEST(ZeroAlloc, RuntimeRunOn) {
  const Session add = Session::from_bytes(zrt::test::add_constant(), one_thread());
  zrt::Runtime runtime = zrt::Runtime::shared(add, 2);
  const double raw = raw_add(add);
  expect_at_most("zrt Runtime::run_on (shared session), add", allocations_per_run([&] { runtime.run_on(1); }),
                 "raw RunWithBinding", raw);

  zrt::Runtime replicas = zrt::Runtime::replicated_from_bytes(zrt::test::add_constant(), 2, one_thread());
  const double raw_r = raw_add(replicas.session(0));
  expect_at_most("zrt Runtime::run_on (replicated), add", allocations_per_run([&] { replicas.run_on(0); }),
                 "raw RunWithBinding", raw_r);
}

TEST(ZeroAlloc, ShapeBucketHit) {
  const Session mlp = Session::from_bytes(zrt::test::mlp(), one_thread());
  zrt::ShapeBuckets buckets(mlp);
  buckets.prebuild({{Shape{1, 784}}, {Shape{4, 784}}});
  const Shape shape{1, 784};
  const double raw = raw_mlp(mlp);
  // A hit (lookup + run) per iteration.
  expect_at_most("zrt ShapeBuckets::lane_for hit + Lane::run, mlp",
                 allocations_per_run([&] { buckets.lane_for({shape}).run(); }), "raw RunWithBinding", raw);
  EXPECT_EQ(buckets.stats().misses, 0u);
}

TEST(ZeroAlloc, PreparedRunBindsOnceShapesAreKnown) {
  // After its first run PreparedRun binds the outputs it got, so its floor is the raw
  // binding: for outputs the model fixes (add) and for outputs it declares with a
  // symbolic batch dim (mlp: logits float[batch,10]).
  const Session add = Session::from_bytes(zrt::test::add_constant(), one_thread());
  std::vector<float> x(16, 1.0f);
  zrt::PreparedRun prepared(add, {TensorView<const float>(x, {1, 16})});
  const double raw = raw_add(add);
  expect_at_most("zrt PreparedRun::run, add", allocations_per_run([&] { prepared.run(); }), "raw RunWithBinding", raw);
  EXPECT_TRUE(prepared.bound());

  const Session mlp = Session::from_bytes(zrt::test::mlp(), one_thread());
  std::vector<float> xm = zrt::test::mlp_input(1);
  zrt::PreparedRun prepared_m(mlp, {TensorView<const float>(xm, {1, 784})});
  const double raw_m = raw_mlp(mlp);
  expect_at_most("zrt PreparedRun::run, mlp (symbolic output dims)", allocations_per_run([&] { prepared_m.run(); }),
                 "raw RunWithBinding", raw_m);
  EXPECT_TRUE(prepared_m.bound());
}

TEST(ZeroAlloc, PreparedRunsWhereOrtAllocatesOutputs) {
  // These paths let ORT produce the outputs, so their floor is the C API Run: with the
  // previous output handed back to be written in place, or allocated anew each run
  // (what FixedPreparedRun does).
  const Session add = Session::from_bytes(zrt::test::add_constant(), one_thread());
  std::vector<float> x(16, 1.0f);
  OrtMemoryInfo* info = nullptr;
  ort_check(ort().CreateCpuMemoryInfo(OrtArenaAllocator, OrtMemTypeDefault, &info));
  OrtValue* in = nullptr;
  const Shape shape{1, 16};
  ort_check(ort().CreateTensorWithDataAsOrtValue(info, x.data(), x.size() * sizeof(float), shape.data(), shape.rank(),
                                                 ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, &in));
  const char* in_names[] = {"X"};
  const char* out_names[] = {"Y"};
  const OrtValue* ins[] = {in};
  OrtValue* outs[] = {nullptr};
  const RawOptions options(RawRunOptions::Kept);
  const double raw_reused = allocations_per_run([&] {
    OrtStatus* status = ort().Run(add.handle(), options.get(), in_names, ins, 1, out_names, 1, outs);
    if (status != nullptr) ort_check(status);
  });
  report("raw C API Run, output value reused, add", raw_reused);
  const double raw_fresh = allocations_per_run([&] {
    ort().ReleaseValue(outs[0]);
    outs[0] = nullptr;
    OrtStatus* status = ort().Run(add.handle(), options.get(), in_names, ins, 1, out_names, 1, outs);
    if (status != nullptr) ort_check(status);
  });
  report("raw C API Run, output allocated each run, add", raw_fresh);
  ort().ReleaseValue(outs[0]);
  ort().ReleaseValue(in);
  ort().ReleaseMemoryInfo(info);

  zrt::FixedPreparedRun<1, 1> fixed(add, {zrt::Input(TensorView<const float>(x, {1, 16}))});
  expect_at_most("zrt FixedPreparedRun<1,1>::run, add", allocations_per_run([&] { fixed.run(); }),
                 "raw Run (output allocated each run)", raw_fresh);
}

TEST(ZeroAlloc, RunAsyncReported) {
  // Reported only: an async run owns a heap state, a promise and its outputs by design.
  const Session add = Session::from_bytes(zrt::test::add_constant(), SessionOptions{}.intra_op_threads(2));
  std::vector<float> x(16, 1.0f);
  report("zrt run_async (future, get), add", allocations_per_run([&] {
           (void)zrt::run_async(add, {TensorView<const float>(x, {1, 16})}).get();
         }));
}

}  // namespace
