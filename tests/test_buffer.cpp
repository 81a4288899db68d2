// TensorBuffer and BufferPolicy.
#include "zrt/buffer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "models/models.hpp"
#include "resident.hpp"
#include "test_util.hpp"

namespace {

using zrt::BufferPolicy;
using zrt::ElementType;
using zrt::TensorBuffer;
using zrt::test::throws_error;

bool aligned(const void* p, std::size_t to) { return reinterpret_cast<std::uintptr_t>(p) % to == 0; }

TEST(BufferPolicy, AutomaticResolvesBySize) {
  const BufferPolicy a = BufferPolicy::automatic_by_size();
  EXPECT_EQ(a.resolve(1000), BufferPolicy::plain());
  EXPECT_EQ(a.resolve((1u << 20) + 1), BufferPolicy::aligned_prefaulted(4096));
  EXPECT_EQ(a.resolve(2u << 20), BufferPolicy::hugepages(true));
  EXPECT_EQ(BufferPolicy::locked(BufferPolicy::automatic_by_size()).resolve(3u << 20).lock, true);
  EXPECT_EQ(BufferPolicy::pinned_host().to_string(), "aligned(4096)+prefault+lock");
}

TEST(TensorBuffer, EveryPolicyGivesZeroedAlignedStorage) {
  const std::vector<BufferPolicy> policies = {BufferPolicy::plain(),           BufferPolicy::prefaulted(),
                                              BufferPolicy::aligned(256),      BufferPolicy::aligned_prefaulted(4096),
                                              BufferPolicy::hugepages(false),  BufferPolicy::hugepages(true),
                                              BufferPolicy::balanced(),        BufferPolicy::latency(),
                                              BufferPolicy::throughput_large()};
  for (const BufferPolicy& policy : policies) {
    for (std::int64_t n : {3, 1000, 300000}) {
      TensorBuffer b(ElementType::Float, {n}, policy);
      const BufferPolicy& used = b.policy();
      const std::size_t alignment = used.hugepage ? BufferPolicy::kHugePage : used.alignment;
      EXPECT_TRUE(aligned(b.data(), alignment)) << policy.to_string() << " n=" << n;
      for (float v : b.span<float>()) ASSERT_EQ(v, 0.0f);
      b.span<float>().back() = 1.0f;                    // writable to the end
      EXPECT_EQ(b.value().data<float>().back(), 1.0f);  // the ORT value is the same memory
      EXPECT_EQ(b.value().data<float>().data(), b.span<float>().data());
    }
  }
}

TEST(TensorBuffer, LockedBufferEitherLocksOrSaysWhy) {
  try {
    TensorBuffer b(ElementType::Int32, {1024}, BufferPolicy::pinned_host());
    EXPECT_TRUE(b.policy().lock);
  } catch (const zrt::Error& e) {
    EXPECT_NE(std::string(e.what()).find("RLIMIT_MEMLOCK"), std::string::npos) << e.what();
  }
}

TEST(TensorBuffer, MoveKeepsTheDataPointer) {
  TensorBuffer a(ElementType::Double, {4, 4});
  const void* p = a.data();
  TensorBuffer b = std::move(a);
  EXPECT_EQ(b.data(), p);
  EXPECT_TRUE(throws_error([&] { (void)a.span<double>(); }, zrt::ErrorCode::InvalidArgument, {"empty"}));
  EXPECT_TRUE(throws_error([&] { (void)b.span<float>(); }, zrt::ErrorCode::InvalidArgument, {"holds double"}));
}

TEST(TensorBuffer, Errors) {
  EXPECT_TRUE(throws_error(
      [] {
        TensorBuffer(ElementType::Float, {-1, 3});
      },
      zrt::ErrorCode::InvalidArgument, {"free"}));
  EXPECT_TRUE(
      throws_error([] { TensorBuffer(ElementType::String, {3}); }, zrt::ErrorCode::InvalidArgument, {"string"}));
  EXPECT_TRUE(throws_error([] { TensorBuffer(ElementType::Float, {3}, BufferPolicy::aligned(48)); },
                           zrt::ErrorCode::InvalidArgument, {"alignment 48"}));
}

TEST(TensorBuffer, MapsAFileRegion) {
  zrt::test::TempDir dir;
  std::vector<std::int32_t> data(5000);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::int32_t>(i * 3);
  const auto path = dir.path() / "weights.bin";
  {
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size() * 4));
  }
  zrt::MapOptions options;
  options.sequential = true;
  options.populate = true;
  const TensorBuffer b = TensorBuffer::map_file(path, 4 * 1001, ElementType::Int32, {10, 20}, options);
  EXPECT_TRUE(b.is_mapped());
  EXPECT_FALSE(b.is_writable());
  const auto s = b.span<std::int32_t>();
  for (std::size_t i = 0; i < s.size(); ++i) ASSERT_EQ(s[i], data[1001 + i]);
  EXPECT_EQ(b.value().data<std::int32_t>()[0], 3003);
  TensorBuffer writable_view = TensorBuffer::map_file(path, 0, ElementType::Int32, {4});
  EXPECT_TRUE(
      throws_error([&] { (void)writable_view.span<std::int32_t>(); }, zrt::ErrorCode::InvalidArgument, {"read-only"}));
  EXPECT_TRUE(throws_error([&] { (void)TensorBuffer::map_file(path, 4 * 4990, ElementType::Int32, {20}); },
                           zrt::ErrorCode::InvalidArgument, {"past the end"}));
  EXPECT_TRUE(throws_error([&] { (void)TensorBuffer::map_file(dir.path() / "none", 0, ElementType::Int32, {2}); },
                           zrt::ErrorCode::NoSuchFile, {"none"}));
}

// Released pages leave the resident set at once and come back from the file, unchanged.
TEST(TensorBuffer, ReleasedPagesComeBackFromTheFile) {
  zrt::test::TempDir dir;
  constexpr std::size_t kPages = 64;
  std::vector<std::int32_t> data(kPages * 1024);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::int32_t>(i * 7 + 1);
  const auto path = dir.path() / "weights.bin";
  {
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size() * 4));
  }
  const TensorBuffer b = TensorBuffer::map_file(path, 0, ElementType::Int32, {static_cast<std::int64_t>(data.size())});
  EXPECT_EQ(zrt::test::resident_kib(path), 0u);  // nothing read yet
  const auto s = b.span<std::int32_t>();
  ASSERT_TRUE(std::equal(s.begin(), s.end(), data.begin(), data.end()));
  EXPECT_EQ(zrt::test::resident_kib(path), kPages * 4);
  b.release_pages();
  EXPECT_EQ(zrt::test::resident_kib(path), 0u);
  ASSERT_TRUE(std::equal(s.begin(), s.end(), data.begin(), data.end()));
  EXPECT_EQ(zrt::test::resident_kib(path), kPages * 4);
  b.release_pages();  // again: nothing to release is fine
  b.release_pages();
  EXPECT_EQ(zrt::test::resident_kib(path), 0u);
}

TEST(TensorBuffer, ReleasePagesOnlyForUnlockedFileMappings) {
  TensorBuffer owned(ElementType::Float, {1024, 64});
  EXPECT_TRUE(
      throws_error([&] { owned.release_pages(); }, zrt::ErrorCode::InvalidArgument, {"owns its storage", "map_file"}));
  EXPECT_TRUE(throws_error([] { TensorBuffer().release_pages(); }, zrt::ErrorCode::InvalidArgument, {"empty"}));
  zrt::test::TempDir dir;
  const auto path = dir.path() / "w.bin";
  std::ofstream(path, std::ios::binary) << std::string(8192, 'x');
  zrt::MapOptions lock;
  lock.lock = true;
  try {
    const TensorBuffer locked = TensorBuffer::map_file(path, 0, ElementType::UInt8, {8192}, lock);
    EXPECT_TRUE(throws_error([&] { locked.release_pages(); }, zrt::ErrorCode::InvalidArgument, {"locked"}));
  } catch (const zrt::Error& e) {  // RLIMIT_MEMLOCK too low here: then the lock itself says so
    EXPECT_NE(std::string(e.what()).find("RLIMIT_MEMLOCK"), std::string::npos) << e.what();
  }
}

// TensorBuffer(float[2^62]) once reported 0 bytes; map_file's offset + size could wrap.
TEST(TensorBuffer, SizesThatWouldWrapAreErrors) {
  EXPECT_TRUE(throws_error([] { TensorBuffer b(ElementType::Float, {std::int64_t{1} << 62}); },
                           zrt::ErrorCode::InvalidArgument, {"shape [4611686018427387904] of float needs 2^63 bytes"}));
  EXPECT_TRUE(throws_error([] { TensorBuffer b(ElementType::Float, {(std::int64_t{1} << 62) + 1}); },
                           zrt::ErrorCode::InvalidArgument, {"needs 2^63 bytes or more"}));
  const std::string path = ::testing::TempDir() + "zrt_map_wrap.bin";
  std::ofstream(path, std::ios::binary) << std::string(64, 'x');
  EXPECT_TRUE(
      throws_error([&] { (void)TensorBuffer::map_file(path, 1, ElementType::Float, {(std::int64_t{1} << 62) + 1}); },
                   zrt::ErrorCode::InvalidArgument, {"needs 2^63 bytes or more"}));
  EXPECT_TRUE(throws_error(
      [&] { (void)TensorBuffer::map_file(path, std::numeric_limits<std::size_t>::max() - 3, ElementType::Float, {2}); },
      zrt::ErrorCode::InvalidArgument, {"run past the end of the file (64 bytes)"}));
  EXPECT_EQ(TensorBuffer::map_file(path, 8, ElementType::Float, {4}).bytes(), 16u);
}

}  // namespace
