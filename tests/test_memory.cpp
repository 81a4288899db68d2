// zrt/memory.hpp: MemoryInfo and Allocator (default and per-session, with stats).
#include <gtest/gtest.h>

#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "models/models.hpp"
#include "test_util.hpp"
#include "zrt/memory.hpp"
#include "zrt/session.hpp"

namespace {

using zrt::Allocator;
using zrt::AllocatorStats;
using zrt::AllocatorType;
using zrt::ElementType;
using zrt::ErrorCode;
using zrt::MemoryInfo;
using zrt::MemType;
using zrt::test::throws_error;

TEST(MemoryInfo, Cpu) {
  const MemoryInfo cpu = MemoryInfo::cpu();
  EXPECT_EQ(cpu.name(), "Cpu");
  EXPECT_EQ(cpu.device_id(), 0);
  EXPECT_EQ(cpu.allocator_type(), AllocatorType::Device);
  EXPECT_EQ(cpu.mem_type(), MemType::Default);
  EXPECT_TRUE(cpu.is_host_accessible());
  EXPECT_NE(cpu.handle(), nullptr);

  const MemoryInfo arena = MemoryInfo::cpu(AllocatorType::Arena);
  EXPECT_EQ(arena.name(), "Cpu");
  EXPECT_EQ(arena.allocator_type(), AllocatorType::Arena);

  const MemoryInfo out = MemoryInfo::cpu(AllocatorType::Device, MemType::CpuOutput);
  EXPECT_EQ(out.mem_type(), MemType::CpuOutput);
  EXPECT_TRUE(out.is_host_accessible());
}

TEST(MemoryInfo, EqualityAndCopies) {
  const MemoryInfo a = MemoryInfo::cpu();
  const MemoryInfo b = MemoryInfo::cpu();
  EXPECT_TRUE(a == b);
  const MemoryInfo copy = a;  // NOLINT(performance-unnecessary-copy-initialization)
  EXPECT_EQ(copy.handle(), a.handle());
  EXPECT_TRUE(copy == a);
  const MemoryInfo other("Cuda", AllocatorType::Device, 1, MemType::Default);
  EXPECT_FALSE(a == other);
}

TEST(MemoryInfo, NamedDeviceLocation) {
  const MemoryInfo cuda("Cuda", AllocatorType::Device, 1, MemType::Default);
  EXPECT_EQ(cuda.name(), "Cuda");
  EXPECT_EQ(cuda.device_id(), 1);
  EXPECT_EQ(cuda.allocator_type(), AllocatorType::Device);
  EXPECT_FALSE(cuda.is_host_accessible());
  // Pinned host memory that a device EP names after itself is readable by the CPU.
  const MemoryInfo pinned("CudaPinned", AllocatorType::Device, 0, MemType::CpuOutput);
  EXPECT_TRUE(pinned.is_host_accessible());
}

TEST(Allocator, DefaultAllocateAndFree) {
  Allocator a = Allocator::default_allocator();
  EXPECT_NE(a.handle(), nullptr);
  EXPECT_EQ(a.memory_info().name(), "Cpu");
  EXPECT_TRUE(a.memory_info().is_host_accessible());
  void* p = a.allocate(4096);
  ASSERT_NE(p, nullptr);
  std::memset(p, 0xAB, 4096);
  EXPECT_EQ(static_cast<unsigned char*>(p)[4095], 0xAB);
  a.free(p);
  a.free(nullptr);  // a no-op
  // Two handles on the process-wide allocator are the same allocator.
  EXPECT_EQ(Allocator::default_allocator().handle(), a.handle());
}

// ORT's default CPU allocator is not an arena and keeps no statistics: stats() says so.
TEST(Allocator, DefaultAllocatorHasNoStats) {
  Allocator a = Allocator::default_allocator();
  EXPECT_TRUE(throws_error([&] { (void)a.stats(); }, ErrorCode::NotImplemented, {"Cpu", "no statistics"}));
}

TEST(Allocator, SessionWithoutArenaHasNoStats) {
  const zrt::Session session =
      zrt::Session::from_bytes(zrt::test::add_constant(), zrt::SessionOptions{}.cpu_arena(false));
  Allocator a(session, MemoryInfo::cpu());
  EXPECT_TRUE(throws_error([&] { (void)a.stats(); }, ErrorCode::NotImplemented, {"Cpu", "no statistics"}));
  void* p = a.allocate(128);
  ASSERT_NE(p, nullptr);
  a.free(p);
}

TEST(Allocator, AllocateTensorWithAllocator) {
  Allocator a = Allocator::default_allocator();
  zrt::Value v = zrt::Value::allocate(ElementType::Int32, {4, 4}, a);
  EXPECT_EQ(v.shape(), (zrt::Shape{4, 4}));
  for (std::int32_t x : v.data<std::int32_t>()) EXPECT_EQ(x, 0);
}

TEST(Allocator, SessionArenaStats) {
  const zrt::Session session = zrt::Session::from_bytes(zrt::test::mlp(), zrt::SessionOptions{}.cpu_arena(true));
  Allocator arena(session, MemoryInfo::cpu(AllocatorType::Arena));
  EXPECT_EQ(arena.memory_info().name(), "Cpu");

  const AllocatorStats before = arena.stats();
  EXPECT_FALSE(before.raw.empty());
  EXPECT_EQ(before.raw.count("InUse"), 1u);
  EXPECT_EQ(before.raw.count("NumAllocs"), 1u);

  // Allocations through the arena show up in its statistics.
  void* p = arena.allocate(1 << 20);
  ASSERT_NE(p, nullptr);
  const AllocatorStats during = arena.stats();
  EXPECT_GE(during.in_use - before.in_use, 1 << 20);
  EXPECT_EQ(during.num_allocs - before.num_allocs, 1);
  EXPECT_GE(during.max_alloc_size, 1 << 20);
  arena.free(p);
  const AllocatorStats after = arena.stats();
  EXPECT_EQ(after.in_use, before.in_use);

  const AllocatorStats delta = during.delta_since(before);
  EXPECT_EQ(delta.num_allocs, 1);
  EXPECT_EQ(delta.in_use, during.in_use - before.in_use);
  EXPECT_EQ(delta.raw, during.raw);

  // A run allocates from the arena too.
  const std::vector<float> x = zrt::test::mlp_input(4);
  zrt::Outputs out = session.run({zrt::TensorView<const float>(x, {4, 784})});
  EXPECT_GT(arena.stats().num_allocs, after.num_allocs);
}

TEST(Allocator, KeepsItsSessionAlive) {
  std::optional<Allocator> arena;
  {
    const zrt::Session session = zrt::Session::from_bytes(zrt::test::add_constant());
    arena.emplace(session, MemoryInfo::cpu(AllocatorType::Arena));
  }
  void* p = arena->allocate(256);
  ASSERT_NE(p, nullptr);
  arena->free(p);
  Allocator moved = std::move(*arena);
  arena.reset();
  void* q = moved.allocate(64);
  moved.free(q);
  EXPECT_EQ(moved.memory_info().name(), "Cpu");
}

TEST(AllocatorStats, DeltaSince) {
  AllocatorStats a;
  a.limit = 100;
  a.in_use = 50;
  a.total_allocated = 70;
  a.max_in_use = 60;
  a.num_allocs = 9;
  a.num_reserves = 3;
  a.num_arena_extensions = 2;
  a.num_arena_shrinkages = 1;
  a.max_alloc_size = 40;
  AllocatorStats b;
  b.limit = 100;
  b.in_use = 20;
  b.total_allocated = 30;
  b.max_in_use = 25;
  b.num_allocs = 4;
  b.num_reserves = 1;
  b.num_arena_extensions = 1;
  b.num_arena_shrinkages = 0;
  b.max_alloc_size = 10;
  const AllocatorStats d = a.delta_since(b);
  EXPECT_EQ(d.limit, 0);
  EXPECT_EQ(d.in_use, 30);
  EXPECT_EQ(d.total_allocated, 40);
  EXPECT_EQ(d.max_in_use, 35);
  EXPECT_EQ(d.num_allocs, 5);
  EXPECT_EQ(d.num_reserves, 2);
  EXPECT_EQ(d.num_arena_extensions, 1);
  EXPECT_EQ(d.num_arena_shrinkages, 1);
  EXPECT_EQ(d.max_alloc_size, 30);
}

}  // namespace
