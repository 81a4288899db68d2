#include <gtest/gtest.h>
TEST(Batcher, Placeholder) {}
