// zrt/shape.hpp
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "test_util.hpp"
#include "zrt/error.hpp"
#include "zrt/shape.hpp"

namespace {

using zrt::ErrorCode;
using zrt::Shape;
using zrt::test::throws_error;

TEST(Shape, DefaultIsAScalar) {
  const Shape s;
  EXPECT_EQ(s.rank(), 0u);
  EXPECT_TRUE(s.empty());
  EXPECT_TRUE(s.is_static());
  EXPECT_EQ(s.element_count(), 1u);
  EXPECT_EQ(s.to_string(), "[]");
  EXPECT_TRUE(s.dims().empty());
  EXPECT_EQ(s.begin(), s.end());
}

TEST(Shape, FromInitializerList) {
  const Shape s{1, 3, 224, 224};
  EXPECT_EQ(s.rank(), 4u);
  EXPECT_FALSE(s.empty());
  EXPECT_EQ(s[0], 1);
  EXPECT_EQ(s[3], 224);
  EXPECT_EQ(s.at(1), 3);
  EXPECT_EQ(s.element_count(), 3u * 224u * 224u);
  EXPECT_EQ(s.to_string(), "[1,3,224,224]");
  EXPECT_EQ(s.to_vector(), (std::vector<std::int64_t>{1, 3, 224, 224}));
  EXPECT_TRUE(s.is_static());
  std::int64_t product = 1;
  for (std::int64_t d : s) product *= d;
  EXPECT_EQ(product, 150528);
}

TEST(Shape, FromSpanAndVector) {
  const std::vector<std::int64_t> v{2, 5};
  const Shape a(v);
  const Shape b{std::span<const std::int64_t>(v)};
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, (Shape{2, 5}));
  EXPECT_EQ(a.dims().size(), 2u);
  EXPECT_EQ(a.data()[1], 5);
}

TEST(Shape, Equality) {
  EXPECT_EQ((Shape{1, 2}), (Shape{1, 2}));
  EXPECT_FALSE((Shape{1, 2}) == (Shape{2, 1}));
  EXPECT_FALSE((Shape{1, 2}) == (Shape{1, 2, 1}));
  EXPECT_FALSE(Shape{} == (Shape{1}));
  EXPECT_EQ(Shape{}, Shape{});
}

TEST(Shape, ZeroDims) {
  const Shape s{4, 0, 3};
  EXPECT_TRUE(s.is_static());
  EXPECT_EQ(s.element_count(), 0u);
  EXPECT_EQ(s.to_string(), "[4,0,3]");
}

TEST(Shape, FreeDims) {
  const Shape s{-1, 3};
  EXPECT_FALSE(s.is_static());
  EXPECT_EQ(s.to_string(), "[?,3]");
  EXPECT_TRUE(throws_error([&] { (void)s.element_count(); }, ErrorCode::InvalidArgument, {"[?,3]"}));
}

TEST(Shape, AtOutOfRangeThrows) {
  const Shape s{2, 3};
  EXPECT_TRUE(throws_error([&] { (void)s.at(2); }, ErrorCode::InvalidArgument, {"2", "rank 2", "[2,3]"}));
  EXPECT_TRUE(throws_error([&] { (void)Shape{}.at(0); }, ErrorCode::InvalidArgument, {"0"}));
}

TEST(Shape, ElementCountOverflowThrows) {
  const std::int64_t big = std::int64_t{1} << 40;
  const Shape s{big, big};
  EXPECT_TRUE(
      throws_error([&] { (void)s.element_count(); }, ErrorCode::InvalidArgument, {"[1099511627776,1099511627776]"}));
  const Shape max{std::numeric_limits<std::int64_t>::max(), 3};
  EXPECT_TRUE(throws_error([&] { (void)max.element_count(); }, ErrorCode::InvalidArgument, {}));
}

TEST(Shape, MoreThanInlineRank) {
  std::vector<std::int64_t> dims(Shape::kInlineRank + 3);
  for (std::size_t i = 0; i < dims.size(); ++i) dims[i] = (i % 3 == 0) ? 2 : 1;
  const Shape s(dims);
  EXPECT_EQ(s.rank(), dims.size());
  EXPECT_EQ(s.to_vector(), dims);
  EXPECT_EQ(s.element_count(), 16u);  // dims 0,3,6,9 are 2
  EXPECT_EQ(s.to_string(), "[2,1,1,2,1,1,2,1,1,2,1]");
  EXPECT_EQ(s.at(9), 2);

  // Copies and assignments keep the heap dims intact and independent.
  Shape copy = s;
  EXPECT_EQ(copy, s);
  Shape small{7};
  small = s;
  EXPECT_EQ(small, s);
  EXPECT_EQ(small.data()[0], 2);
  small = Shape{5, 6};  // back to inline
  EXPECT_EQ(small.rank(), 2u);
  EXPECT_EQ(small.to_string(), "[5,6]");
  EXPECT_EQ(s.rank(), dims.size());

  // Exactly kInlineRank dims stays inline and is equal to itself built another way.
  const std::vector<std::int64_t> eight(Shape::kInlineRank, 1);
  EXPECT_EQ(Shape(eight), (Shape{1, 1, 1, 1, 1, 1, 1, 1}));
  EXPECT_FALSE(Shape(eight) == Shape(std::vector<std::int64_t>(Shape::kInlineRank + 1, 1)));
}

TEST(Shape, MovedFromHeapShapeStillValid) {
  std::vector<std::int64_t> dims(12, 1);
  Shape a(dims);
  Shape b = std::move(a);
  EXPECT_EQ(b.rank(), 12u);
  EXPECT_EQ(b.element_count(), 1u);
  a = Shape{3};  // a moved-from shape can be assigned again
  EXPECT_EQ(a.to_string(), "[3]");
}

// A moved-from object must stay valid: its rank and its dims must agree, so that
// printing or copying it is safe (whatever dims it then holds).
TEST(Shape, MovedFromHeapShapeIsConsistent) {
  Shape a(std::vector<std::int64_t>(12, 2));
  Shape b = std::move(a);
  EXPECT_EQ(b.element_count(), 4096u);
  ASSERT_TRUE(a.rank() == 0 || a.data() != nullptr) << "moved-from Shape has rank " << a.rank() << " and no dims";
  EXPECT_EQ(a.to_vector().size(), a.rank());
  Shape c;
  c = std::move(b);
  ASSERT_TRUE(b.rank() == 0 || b.data() != nullptr) << "moved-from Shape has rank " << b.rank() << " and no dims";
  EXPECT_EQ(c.rank(), 12u);
}

TEST(Shape, ElementCountIsBoundedAndLongShapesPrintShort) {
  // 2^63 elements or more is an error, even when it fits a size_t (2^63 itself does).
  EXPECT_THROW((void)(Shape{std::int64_t{1} << 62, 2}.element_count()), zrt::Error);
  EXPECT_EQ((Shape{std::int64_t{1} << 62, 1}.element_count()), std::size_t{1} << 62);
  EXPECT_EQ((Shape{std::numeric_limits<std::int64_t>::max(), 0}.element_count()), 0u);
  const std::vector<std::int64_t> many(100000, 1);
  const std::string text = Shape(many).to_string();
  EXPECT_EQ(text, "[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,...(100000 dims)]");
  EXPECT_EQ(zrt::element_count(many), 1u);
}

}  // namespace
