// large_memory_test.cpp: big requests are 2 MiB-aligned mappings that hold every byte written;
// small ones come from the heap; containers on LargeAllocator keep their contents as they grow.
#include "large_memory.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>

namespace tcpflow {
namespace {

TEST(LargeMemoryTest, BigRegionsAreHugePageAlignedAndHoldTheirBytes) {
  for (std::size_t bytes :
       {kLargeMemoryThreshold, kLargeMemoryThreshold + 1, 3 * kLargeMemoryThreshold + 12345}) {
    LargeBlock block(bytes);
    ASSERT_NE(block.get(), nullptr);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(block.get()) % (std::uintptr_t{2} << 20), 0u)
        << bytes;
    auto* p = static_cast<std::uint8_t*>(block.get());
    for (std::size_t i = 0; i < bytes; ++i) p[i] = static_cast<std::uint8_t>(i * 7);
    for (std::size_t i = 0; i < bytes; i += 4093) {
      ASSERT_EQ(p[i], static_cast<std::uint8_t>(i * 7)) << i;
    }
    EXPECT_EQ(p[bytes - 1], static_cast<std::uint8_t>((bytes - 1) * 7));
  }
}

TEST(LargeMemoryTest, SmallRequestsComeFromTheHeapAligned) {
  LargeBlock block(100);
  ASSERT_NE(block.get(), nullptr);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(block.get()) % alignof(std::max_align_t), 0u);
  std::memset(block.get(), 0xab, 100);
  EXPECT_EQ(static_cast<std::uint8_t*>(block.get())[99], 0xab);
}

TEST(LargeMemoryTest, MovedBlocksKeepTheirMemory) {
  LargeBlock a(kLargeMemoryThreshold);
  void* memory = a.get();
  static_cast<std::uint8_t*>(memory)[5] = 42;
  LargeBlock b(std::move(a));
  EXPECT_EQ(b.get(), memory);
  EXPECT_EQ(b.size(), kLargeMemoryThreshold);
  LargeBlock c(16);
  c = std::move(b);
  EXPECT_EQ(static_cast<std::uint8_t*>(c.get())[5], 42);
}

TEST(LargeMemoryTest, VectorsGrowAcrossTheThresholdIntact) {
  LargeVector<std::uint64_t> values;
  for (std::uint64_t i = 0; i < 1'000'000; ++i) values.push_back(i * 3 + 1);
  ASSERT_EQ(values.size(), 1'000'000u);
  for (std::uint64_t i = 0; i < values.size(); ++i) ASSERT_EQ(values[i], i * 3 + 1) << i;
  values.resize(10);
  values.shrink_to_fit();
  EXPECT_EQ(values[9], 28u);
}

TEST(LargeMemoryTest, ImpossibleSizesThrow) {
  EXPECT_THROW(LargeBlock(static_cast<std::size_t>(-1) - 10), std::bad_alloc);
  LargeAllocator<std::uint64_t> allocator;
  EXPECT_THROW((void)allocator.allocate(static_cast<std::size_t>(-1) / 4), std::bad_alloc);
}

}  // namespace
}  // namespace tcpflow
