// zrt/lora.hpp and RunOptions::activate: LoRA adapters on every run path (Session::run_with,
// prepared runs, lanes, IoBinding runs, async runs), against outputs computed by hand.
// The adapter files come from tests/lora/make_adapter.py at build time (ZRT_LORA_DIR).
#include "zrt/lora.hpp"

#include <gtest/gtest.h>

#include <array>
#include <fstream>
#include <future>
#include <iterator>
#include <memory>
#include <vector>

#include "models/models.hpp"
#include "test_util.hpp"
#include "zrt/async.hpp"
#include "zrt/io_binding.hpp"
#include "zrt/lane.hpp"
#include "zrt/prepared.hpp"
#include "zrt/session.hpp"

namespace {

using zrt::ErrorCode;
using zrt::LoraAdapter;
using zrt::RunOptions;
using zrt::Session;
using zrt::TensorView;
using zrt::test::throws_error;

// Y = X · (W + A1·B1 + A2·B2), X float[2,4], W[i][j] = 3i + j. The four factors are
// inputs with empty defaults (A float[4,0], B float[0,3]: A·B is a zero [4,3]), so
// without an adapter Y = X·W; each adapter replaces one pair by name, ORT's LoRA
// convention. Its rank is free ("r1", "r2"): the adapters pick it.
zrt::test::Bytes lora_model() {
  return zrt::test::from_text(R"(<ir_version: 8, opset_import: ["" : 17]>
lora (float[2,4] X, float[4,r1] A1, float[r1,3] B1, float[4,r2] A2, float[r2,3] B2) => (float[2,3] Y)
<float[4,3] W = {0,1,2,3,4,5,6,7,8,9,10,11}, float[4,0] A1 = {}, float[0,3] B1 = {}, float[4,0] A2 = {},
 float[0,3] B2 = {}>
{
  D1 = MatMul(A1, B1)
  D2 = MatMul(A2, B2)
  W1 = Add(W, D1)
  Wa = Add(W1, D2)
  Y = MatMul(X, Wa)
}
)");
}

// As tests/CMakeLists.txt has make_adapter.py write them:
//   one.onnx_adapter: A1 = [[1,0],[0,1],[0,0],[0,0]] (4x2), B1 = [[1,2,3],[4,5,6]] (2x3)
//     A1·B1 = rows [1,2,3], [4,5,6], 0, 0
//   two.onnx_adapter: A2 = [0,0,1,1]ᵀ (4x1), B2 = [10,20,30] (1x3)
//     A2·B2 = rows 0, 0, [10,20,30], [10,20,30]
//   nope.onnx_adapter: one parameter "nope" (float[1]), which the model lacks.
std::filesystem::path adapter_file(const char* name) { return std::filesystem::path(ZRT_LORA_DIR) / name; }

const std::array<float, 8> kX = {1, 2, 3, 4, 0, 1, 0, -1};
// By hand, row 0 = 1·w0 + 2·w1 + 3·w2 + 4·w3, row 1 = w1 - w3 (w_i: row i of the weight):
// base X·W:  [0+6+18+36, 1+8+21+40, 2+10+24+44] = [60,70,80];   [3-9, 4-10, 5-11] = [-6,-6,-6]
// + one:     X·A1B1 = [1+8, 2+10, 3+12] = [9,12,15];           [4,5,6]
// + two:     X·A2B2 = [30+40, 60+80, 90+120] = [70,140,210];   [-10,-20,-30]
const std::vector<float> kBase = {60, 70, 80, -6, -6, -6};
const std::vector<float> kOne = {69, 82, 95, -2, -1, 0};
const std::vector<float> kTwo = {130, 210, 290, -16, -26, -36};
const std::vector<float> kBoth = {139, 222, 305, -12, -21, -30};

std::vector<float> run(const Session& session, const RunOptions& options) {
  const zrt::Outputs out = session.run_with(options, {TensorView<const float>(kX, {2, 4})});
  return zrt::test::to_vector(out[0].data<float>());
}

std::vector<std::byte> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> bytes(chars.size());
  std::memcpy(bytes.data(), chars.data(), chars.size());
  return bytes;
}

TEST(LoraAdapter, ReadsTheParametersOfTheFile) {
  const LoraAdapter one(adapter_file("one.onnx_adapter"));
  ASSERT_EQ(one.parameters().size(), 2u);
  const LoraAdapter::Parameter& a = one.parameters()[0];
  EXPECT_EQ(a.name, "A1");
  EXPECT_EQ(a.element_type, zrt::ElementType::Float);
  EXPECT_EQ(a.shape, (zrt::Shape{4, 2}));
  EXPECT_EQ(zrt::test::to_vector(a.value.data<float>()), (std::vector<float>{1, 0, 0, 1, 0, 0, 0, 0}));
  const LoraAdapter::Parameter* b = one.find("B1");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->shape, (zrt::Shape{2, 3}));
  EXPECT_EQ(zrt::test::to_vector(b->value.data<float>()), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(one.find("A2"), nullptr);
  EXPECT_EQ(one.adapter_version(), 1);
  EXPECT_EQ(one.model_version(), 1);
  EXPECT_NE(one.handle(), nullptr);
}

TEST(LoraAdapter, SessionRunsWithAndWithoutAdapters) {
  const Session session = Session::from_bytes(lora_model());
  const LoraAdapter one(adapter_file("one.onnx_adapter"));
  const LoraAdapter two(adapter_file("two.onnx_adapter"));
  RunOptions none;
  EXPECT_EQ(run(session, none), kBase);
  RunOptions with_one;
  with_one.activate(one);
  EXPECT_EQ(run(session, with_one), kOne);
  RunOptions with_two;
  with_two.activate(two);
  EXPECT_EQ(run(session, with_two), kTwo);
  RunOptions with_both;
  with_both.activate(one).activate(two);
  EXPECT_EQ(with_both.adapters().size(), 2u);
  EXPECT_EQ(run(session, with_both), kBoth);
  EXPECT_EQ(session.run({TensorView<const float>(kX, {2, 4})})[0].data<float>()[0], 60.0f);  // unchanged
}

TEST(LoraAdapter, FromBytesMatchesTheFile) {
  const Session session = Session::from_bytes(lora_model());
  const LoraAdapter two = LoraAdapter::from_bytes(read_bytes(adapter_file("two.onnx_adapter")));
  EXPECT_EQ(two.source(), "bytes (" + std::to_string(read_bytes(adapter_file("two.onnx_adapter")).size()) + ")");
  RunOptions options;
  options.activate(two);
  EXPECT_EQ(run(session, options), kTwo);
}

TEST(LoraAdapter, DeactivateKeepsTheOtherSettings) {
  const Session session = Session::from_bytes(lora_model());
  RunOptions options;
  options.tag("lora-run").config("memory.enable_memory_arena_shrinkage", "cpu:0");
  options.activate(LoraAdapter(adapter_file("one.onnx_adapter")));
  options.activate(options.adapters()[0]);  // already active: no change
  EXPECT_EQ(options.adapters().size(), 1u);
  EXPECT_EQ(run(session, options), kOne);
  options.deactivate_adapters();
  EXPECT_TRUE(options.adapters().empty());
  EXPECT_EQ(options.tag(), "lora-run");
  EXPECT_EQ(run(session, options), kBase);
  options.activate(LoraAdapter(adapter_file("two.onnx_adapter")));
  EXPECT_EQ(run(session, options), kTwo);
  // terminate() reaches the handle with adapters and the one without (binding runs).
  options.terminate();
  EXPECT_TRUE(throws_error([&] { run(session, options); }, ErrorCode::Fail, {"terminate"}));
  zrt::Lane lane(session);
  EXPECT_TRUE(throws_error([&] { lane.run_with(options); }, ErrorCode::Fail, {"terminate"}));
  options.clear_terminate();
  EXPECT_EQ(run(session, options), kTwo);
}

TEST(LoraAdapter, OverlappingAdaptersAreRefused) {
  const LoraAdapter one(adapter_file("one.onnx_adapter"));
  const LoraAdapter one_again = LoraAdapter::from_bytes(read_bytes(adapter_file("one.onnx_adapter")));
  RunOptions options;
  options.activate(one);
  EXPECT_TRUE(throws_error([&] { options.activate(one_again); }, ErrorCode::InvalidArgument,
                           {"RunOptions::activate: LoRA adapter bytes (", "file '", "one.onnx_adapter'",
                            "both set parameter 'A1'; active adapters may not overlap"}));
  EXPECT_EQ(options.adapters().size(), 1u);
}

TEST(LoraAdapter, AParameterTheModelLacksFailsTheRun) {
  const Session session = Session::from_bytes(lora_model());
  RunOptions options;
  options.activate(LoraAdapter(adapter_file("nope.onnx_adapter")));
  EXPECT_TRUE(throws_error([&] { run(session, options); }, ErrorCode::InvalidArgument, {"Session::run", "nope"}));
  zrt::Lane lane(session);
  EXPECT_TRUE(throws_error([&] { lane.run_with(options); }, ErrorCode::InvalidArgument,
                           {"LoRA adapter file '", "nope.onnx_adapter', parameter 'nope'",
                            "the model has no input or overridable initializer of that name"}));
}

TEST(LoraAdapter, BadFilesAndBytesSayWhatIsWrong) {
  EXPECT_TRUE(throws_error([] { LoraAdapter(adapter_file("missing.onnx_adapter")); }, ErrorCode::NoSuchFile,
                           {"LoraAdapter: adapter file not found: '", "missing.onnx_adapter'"}));
  EXPECT_TRUE(throws_error([] { LoraAdapter(std::filesystem::path(ZRT_LORA_DIR)); }, ErrorCode::NoSuchFile,
                           {"is a directory, not an adapter file"}));
  const std::string text = "not an adapter at all";
  const auto* data = reinterpret_cast<const std::byte*>(text.data());
  EXPECT_TRUE(throws_error(
      [&] {
        LoraAdapter::from_bytes({data, text.size()});
      },
      ErrorCode::Fail, {"LoraAdapter::from_bytes: ", "does not appear to be a valid lora parameter format"}));
  EXPECT_TRUE(throws_error([] { LoraAdapter::from_bytes({}); }, ErrorCode::InvalidArgument,
                           {"LoraAdapter::from_bytes: the bytes are empty"}));
  // A file ORT does not take: the model, not an adapter.
  zrt::test::TempDir dir;
  const std::filesystem::path model = dir.write("model.onnx", lora_model());
  EXPECT_TRUE(throws_error([&] { LoraAdapter{model}; }, ErrorCode::Fail,
                           {"LoraAdapter file '", "model.onnx': ", "lora parameter format"}));
}

TEST(LoraAdapter, PreparedRunsApplyTheirRunOptions) {
  const Session session = Session::from_bytes(lora_model());
  zrt::PreparedRun prepared(session, {TensorView<const float>(kX, {2, 4})});
  prepared.run();
  EXPECT_EQ(zrt::test::to_vector(prepared.outputs()[0].data<float>()), kBase);
  prepared.run();  // bound from here on (ORT's RunWithBinding)
  EXPECT_EQ(zrt::test::to_vector(prepared.outputs()[0].data<float>()), kBase);
  prepared.run_options().activate(LoraAdapter(adapter_file("one.onnx_adapter")));
  prepared.run();
  EXPECT_EQ(zrt::test::to_vector(prepared.outputs()[0].data<float>()), kOne);
  RunOptions two;
  two.activate(LoraAdapter(adapter_file("two.onnx_adapter")));
  prepared.run_with(two);
  EXPECT_EQ(zrt::test::to_vector(prepared.outputs()[0].data<float>()), kTwo);
  prepared.run_options().deactivate_adapters();
  prepared.run();
  EXPECT_EQ(zrt::test::to_vector(prepared.outputs()[0].data<float>()), kBase);
}

// Lanes run through an IoBinding, where ORT ignores RunOptions' adapters: the lane binds
// their parameters when the set changes, and binds its inputs afresh to drop them.
TEST(LoraAdapter, LanesSwitchAdaptersBetweenRuns) {
  const Session session = Session::from_bytes(lora_model());
  zrt::Lane lane(session);
  std::span<float> x = lane.input<float>(0);
  std::copy(kX.begin(), kX.end(), x.begin());
  std::span<const float> y = lane.output<float>(0);
  auto result = [&] { return std::vector<float>(y.begin(), y.end()); };

  lane.run();
  EXPECT_EQ(result(), kBase);
  const LoraAdapter one(adapter_file("one.onnx_adapter"));
  const LoraAdapter two(adapter_file("two.onnx_adapter"));
  lane.run_options().activate(one);  // the lane's own options: every run()
  lane.run();
  EXPECT_EQ(result(), kOne);
  lane.prime(3);
  EXPECT_EQ(result(), kOne);
  RunOptions both;
  both.activate(one).activate(two);
  lane.run_with(both);  // grows the set: binds two's parameters too
  EXPECT_EQ(result(), kBoth);
  RunOptions only_two;
  only_two.activate(two);
  lane.run_with(only_two);  // drops one's: the lane binds its inputs afresh
  EXPECT_EQ(result(), kTwo);
  lane.run();
  EXPECT_EQ(result(), kOne);
  lane.run_options().deactivate_adapters();
  lane.run();
  EXPECT_EQ(result(), kBase);
  // The input buffer is still the one bound: a new input reaches the run.
  std::fill(x.begin(), x.end(), 0.0f);
  lane.run_with(both);
  EXPECT_EQ(result(), (std::vector<float>(6, 0.0f)));
}

TEST(LoraAdapter, IoBindingRunsBindTheParameters) {
  const Session session = Session::from_bytes(lora_model());
  zrt::IoBinding binding(session);
  binding.bind_input("X", TensorView<const float>(kX, {2, 4}));
  std::vector<float> y(6);
  binding.bind_output("Y", TensorView<float>(y, {2, 3}));
  RunOptions one;
  one.activate(LoraAdapter(adapter_file("one.onnx_adapter")));
  session.run_with(one, binding);
  EXPECT_EQ(y, kOne);
  session.run_with(one, binding);
  EXPECT_EQ(y, kOne);
  // A run without them would silently keep them: refused, with the way out.
  EXPECT_TRUE(throws_error([&] { session.run(binding); }, ErrorCode::InvalidArgument,
                           {"this IoBinding holds LoRA adapter file '", "(parameter 'A1')",
                            "call IoBinding::clear_inputs() and bind the inputs again"}));
  binding.clear_inputs();
  binding.bind_input("X", TensorView<const float>(kX, {2, 4}));
  session.run(binding);
  EXPECT_EQ(y, kBase);
}

TEST(LoraAdapter, AsyncRunsPassTheParameters) {
  const Session session = Session::from_bytes(lora_model());  // default intra-op threads: RunAsync works
  auto options = std::make_shared<RunOptions>();
  options->activate(LoraAdapter(adapter_file("one.onnx_adapter")))
      .activate(LoraAdapter(adapter_file("two.onnx_adapter")));
  std::future<zrt::Outputs> both = zrt::run_async(session, {TensorView<const float>(kX, {2, 4})}, options);
  EXPECT_EQ(zrt::test::to_vector(both.get()[0].data<float>()), kBoth);
  options->deactivate_adapters();
  std::future<zrt::Outputs> none = zrt::run_async(session, {TensorView<const float>(kX, {2, 4})}, options);
  EXPECT_EQ(zrt::test::to_vector(none.get()[0].data<float>()), kBase);
}

}  // namespace
