// tests/models: the builders the other tests rely on.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "models/models.hpp"

namespace {

TEST(Models, TextThatDoesNotParseThrows) {
  try {
    (void)zrt::test::from_text("this is not a model");
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("does not parse"), std::string::npos) << e.what();
  }
}

TEST(Models, BuildersProduceBytes) {
  EXPECT_FALSE(zrt::test::add_constant().empty());
  EXPECT_GT(zrt::test::mlp().size(), 784u * 128u * 4u);
  EXPECT_FALSE(zrt::test::dynamic().empty());
  EXPECT_FALSE(zrt::test::strings().empty());
  EXPECT_FALSE(zrt::test::with_metadata().empty());
  EXPECT_GT(zrt::test::long_running(3, 8).size(), 8u * 8u * 4u);
  EXPECT_FALSE(zrt::test::multi_io().empty());
  EXPECT_FALSE(zrt::test::sequence_optional().empty());
  EXPECT_FALSE(zrt::test::zipmap().empty());
  EXPECT_FALSE(zrt::test::optional_input().empty());
  EXPECT_FALSE(zrt::test::identity_unranked(zrt::ElementType::Float).empty());
  EXPECT_THROW((void)zrt::test::long_running(0, 8), std::invalid_argument);
}

TEST(Models, IdentityOpsets) {
  EXPECT_EQ(zrt::test::identity_opset(zrt::ElementType::Float), 17);
  EXPECT_EQ(zrt::test::identity_opset(zrt::ElementType::String), 17);
  EXPECT_EQ(zrt::test::identity_opset(zrt::ElementType::Float8E4M3FN), 19);
  EXPECT_EQ(zrt::test::identity_opset(zrt::ElementType::Float8E5M2FNUZ), 19);
  EXPECT_EQ(zrt::test::identity_opset(zrt::ElementType::Int4), 21);
  for (int t = 1; t <= 26; ++t) EXPECT_FALSE(zrt::test::identity(static_cast<zrt::ElementType>(t), {1}).empty());
}

// The MLP reference is exact only if every weight and input is a small dyadic rational.
TEST(Models, MlpWeightsAreSmallDyadics) {
  for (std::size_t i = 0; i < zrt::test::kMlpIn; i += 13) {
    for (std::size_t j = 0; j < zrt::test::kMlpHidden; ++j) {
      const float w = zrt::test::mlp_w1(i, j) * 16.0f;
      EXPECT_EQ(w, std::round(w));
      EXPECT_LE(std::fabs(w), 2.0f);
    }
  }
  for (float x : zrt::test::mlp_input(3, 9)) {
    EXPECT_EQ(x * 16.0f, std::round(x * 16.0f));
    EXPECT_GE(x, 0.0f);
    EXPECT_LT(x, 1.0f);
  }
  const auto x = zrt::test::mlp_input(2);
  EXPECT_EQ(zrt::test::mlp_reference(x, 2).size(), 20u);
  EXPECT_THROW((void)zrt::test::mlp_reference(x, 3), std::invalid_argument);
}

TEST(Models, TempDirWritesAndCleansUp) {
  std::filesystem::path kept;
  {
    zrt::test::TempDir dir;
    kept = dir.path();
    ASSERT_TRUE(std::filesystem::is_directory(kept));
    const auto bytes = zrt::test::add_constant();
    const auto file = dir.write("m.onnx", bytes);
    EXPECT_EQ(file.parent_path(), kept);
    EXPECT_EQ(std::filesystem::file_size(file), bytes.size());
    zrt::test::TempDir other;
    EXPECT_NE(other.path(), kept);
  }
  EXPECT_FALSE(std::filesystem::exists(kept));
}

}  // namespace
