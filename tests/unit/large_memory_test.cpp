// large_memory_test.cpp: big requests are 2 MiB-aligned mappings that hold every byte written;
// small ones come from the heap; containers on LargeAllocator keep their contents as they grow,
// and a ChunkedArray never moves an element.
#include "large_memory.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

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

struct Counted {
  Counted() { ++alive; }
  ~Counted() { --alive; }
  Counted(const Counted&) = delete;
  Counted& operator=(const Counted&) = delete;
  static inline int alive = 0;
  std::uint64_t value = 7;  // value-initialized on emplace_back
  std::uint8_t padding[40] = {};
};

TEST(LargeMemoryTest, ChunkedArrayKeepsElementsInPlaceAcrossChunks) {
  const std::size_t count = 3 * ChunkedArray<Counted>::kPerChunk + 5;
  {
    ChunkedArray<Counted> array;
    std::vector<Counted*> addresses;
    for (std::size_t i = 0; i < count; ++i) {
      Counted& c = array.emplace_back();
      EXPECT_EQ(c.value, 7u);
      c.value = i * 11;
      addresses.push_back(&c);
    }
    ASSERT_EQ(array.size(), count);
    EXPECT_EQ(Counted::alive, static_cast<int>(count));
    for (std::size_t i = 0; i < count; ++i) {
      ASSERT_EQ(&array[i], addresses[i]) << "element " << i << " moved";
      ASSERT_EQ(array[i].value, i * 11) << i;
    }
    const ChunkedArray<Counted>& view = array;
    EXPECT_EQ(view[count - 1].value, (count - 1) * 11);
  }
  EXPECT_EQ(Counted::alive, 0) << "every element is destroyed with the array";
}

TEST(LargeMemoryTest, GrowthDoublesFromTheFirstSizeUpToTheMaximum) {
  EXPECT_EQ(NextGrowthBytes(0, 64, 1024), 64u);
  EXPECT_EQ(NextGrowthBytes(64, 64, 1024), 128u);
  EXPECT_EQ(NextGrowthBytes(384, 64, 1024), 768u);
  EXPECT_EQ(NextGrowthBytes(512, 64, 1024), 1024u);
  EXPECT_EQ(NextGrowthBytes(768, 64, 1024), 1024u) << "capped, not doubled past the maximum";
  EXPECT_EQ(NextGrowthBytes(1024, 64, 1024), 1024u);
  // A region bigger than the maximum (one oversized block) is followed by the maximum.
  EXPECT_EQ(NextGrowthBytes(4096, 64, 1024), 1024u);
}

TEST(LargeMemoryTest, ImpossibleSizesThrow) {
  EXPECT_THROW(LargeBlock(static_cast<std::size_t>(-1) - 10), std::bad_alloc);
  LargeAllocator<std::uint64_t> allocator;
  EXPECT_THROW((void)allocator.allocate(static_cast<std::size_t>(-1) / 4), std::bad_alloc);
}

}  // namespace
}  // namespace tcpflow
