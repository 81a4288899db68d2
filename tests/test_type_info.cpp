// zrt/type_info.hpp: structured types of inputs, outputs and values (IoInfo::type_info,
// Value::type_info): kinds, element types, map keys, nesting.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "models/models.hpp"
#include "test_util.hpp"
#include "zrt/session.hpp"
#include "zrt/type_info.hpp"
#include "zrt/value.hpp"

namespace {

using zrt::ElementType;
using zrt::ErrorCode;
using zrt::Session;
using zrt::TypeInfo;
using zrt::Value;
using zrt::ValueKind;
using zrt::test::throws_error;

TypeInfo tensor(ElementType type) { return TypeInfo{ValueKind::Tensor, type, ElementType::Undefined, {}}; }
TypeInfo nest(ValueKind kind, TypeInfo inner, ElementType key = ElementType::Undefined) {
  return TypeInfo{kind, ElementType::Undefined, key, {std::move(inner)}};
}

TEST(TypeInfo, OfTensorSequenceAndOptionalOutputs) {
  const Session session = Session::from_bytes(zrt::test::sequence_optional());
  EXPECT_EQ(session.input(0).type_info, tensor(ElementType::Float));
  const TypeInfo& items = session.output(0).type_info;
  EXPECT_EQ(items.kind, ValueKind::Sequence);
  EXPECT_EQ(items.element().kind, ValueKind::Tensor);
  EXPECT_EQ(items.element().element_type, ElementType::Float);
  EXPECT_EQ(items, nest(ValueKind::Sequence, tensor(ElementType::Float)));
  EXPECT_EQ(items.to_string(), session.output(0).type);
  const TypeInfo& maybe = session.output(1).type_info;
  EXPECT_EQ(maybe, nest(ValueKind::Optional, tensor(ElementType::Float)));
  EXPECT_EQ(maybe.to_string(), "optional(tensor(float))");
}

TEST(TypeInfo, OfNestedMapsInSequences) {
  const Session session = Session::from_bytes(zrt::test::zipmap());
  const TypeInfo& zipped = session.output(0).type_info;
  ASSERT_EQ(zipped.kind, ValueKind::Sequence);
  const TypeInfo& map = zipped.element();
  EXPECT_EQ(map.kind, ValueKind::Map);
  EXPECT_EQ(map.key_type, ElementType::Int64);
  EXPECT_EQ(map.element(), tensor(ElementType::Float));
  EXPECT_EQ(zipped.to_string(), "seq(map(int64,tensor(float)))");
  EXPECT_EQ(zipped.to_string(), session.output(0).type);
}

TEST(TypeInfo, OfMapAndSequenceInputs) {
  const Session dict = Session::from_bytes(zrt::test::dict_vectorizer());
  EXPECT_EQ(dict.input(0).type_info, nest(ValueKind::Map, tensor(ElementType::Float), ElementType::Int64));
  EXPECT_EQ(dict.input(0).type, "map(int64,tensor(float))");
  const Session insert = Session::from_bytes(zrt::test::sequence_insert());
  EXPECT_EQ(insert.input(0).type_info, nest(ValueKind::Sequence, tensor(ElementType::Float)));
  EXPECT_EQ(insert.output(1).type_info, tensor(ElementType::Int64));
}

TEST(TypeInfo, OfValues) {
  EXPECT_EQ(Value::tensor_copy<std::int64_t>(std::vector<std::int64_t>{1, 2}, {2}).type_info(),
            tensor(ElementType::Int64));
  EXPECT_EQ(Value::empty_sequence(ElementType::Double).type_info(),
            nest(ValueKind::Sequence, tensor(ElementType::Double)));
  const Value map = Value::map(Value::tensor_copy<std::int64_t>(std::vector<std::int64_t>{1}, {1}),
                               Value::tensor_copy<float>(std::vector<float>{2}, {1}));
  EXPECT_EQ(map.type_info(), nest(ValueKind::Map, tensor(ElementType::Float), ElementType::Int64));
  EXPECT_TRUE(throws_error([] { (void)Value().type_info(); }, ErrorCode::InvalidArgument, {"empty"}));
}

TEST(TypeInfo, ElementOfATensorIsAnError) {
  EXPECT_TRUE(throws_error([] { (void)tensor(ElementType::Float).element(); }, ErrorCode::InvalidArgument,
                           {"TypeInfo::element", "tensor", "no nested type"}));
  EXPECT_EQ(TypeInfo{}.to_string(), "unknown");
}

}  // namespace
