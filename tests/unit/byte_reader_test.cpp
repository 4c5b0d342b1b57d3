// byte_reader_test.cpp: tests for the bounds-checked packet byte cursor (src/byte_reader.h).
#include "byte_reader.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

namespace tcpflow {
namespace {

constexpr std::array<std::uint8_t, 8> kSample = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};

TEST(ByteReaderTest, FreshReaderState) {
  ByteReader reader{Bytes(kSample)};
  EXPECT_TRUE(reader.ok());
  EXPECT_EQ(reader.offset(), 0u);
  EXPECT_EQ(reader.remaining(), 8u);
  EXPECT_TRUE(reader.Has(8));
  EXPECT_FALSE(reader.Has(9));
}

TEST(ByteReaderTest, U8ReadsInOrder) {
  ByteReader reader{Bytes(kSample)};
  EXPECT_EQ(reader.U8(), 0x01);
  EXPECT_EQ(reader.U8(), 0x02);
  EXPECT_EQ(reader.offset(), 2u);
  EXPECT_EQ(reader.remaining(), 6u);
  EXPECT_TRUE(reader.ok());
}

TEST(ByteReaderTest, Be16AndBe32AreBigEndian) {
  ByteReader reader{Bytes(kSample)};
  EXPECT_EQ(reader.Be16(), 0x0102);
  EXPECT_EQ(reader.Be32(), 0x03040506u);
  EXPECT_EQ(reader.offset(), 6u);
  EXPECT_TRUE(reader.ok());
}

TEST(ByteReaderTest, Le16AndLe32AreLittleEndian) {
  ByteReader reader{Bytes(kSample)};
  EXPECT_EQ(reader.Le16(), 0x0201);
  EXPECT_EQ(reader.Le32(), 0x06050403u);
  EXPECT_EQ(reader.offset(), 6u);
  EXPECT_TRUE(reader.ok());
}

TEST(ByteReaderTest, HighBitsDoNotSignExtend) {
  constexpr std::array<std::uint8_t, 4> kHigh = {0xff, 0xfe, 0x80, 0x81};
  EXPECT_EQ(ByteReader{Bytes(kHigh)}.Be32(), 0xfffe8081u);
  EXPECT_EQ(ByteReader{Bytes(kHigh)}.Le32(), 0x8180feffu);
  EXPECT_EQ(ByteReader{Bytes(kHigh)}.Be16(), 0xfffe);
  EXPECT_EQ(ByteReader{Bytes(kHigh)}.Le16(), 0xfeff);
}

TEST(ByteReaderTest, SkipMovesTheCursor) {
  ByteReader reader{Bytes(kSample)};
  reader.Skip(3);
  EXPECT_EQ(reader.offset(), 3u);
  EXPECT_EQ(reader.U8(), 0x04);
  reader.Skip(4);
  EXPECT_EQ(reader.remaining(), 0u);
  EXPECT_TRUE(reader.ok());
}

TEST(ByteReaderTest, TakeReturnsASubspanOfTheInput) {
  ByteReader reader{Bytes(kSample)};
  reader.Skip(2);
  const Bytes taken = reader.Take(3);
  ASSERT_EQ(taken.size(), 3u);
  EXPECT_EQ(taken.data(), kSample.data() + 2);
  EXPECT_EQ(taken[0], 0x03);
  EXPECT_EQ(reader.offset(), 5u);
  EXPECT_TRUE(reader.ok());
}

TEST(ByteReaderTest, RestTakesEverythingLeft) {
  ByteReader reader{Bytes(kSample)};
  reader.Skip(5);
  const Bytes rest = reader.Rest();
  EXPECT_EQ(rest.size(), 3u);
  EXPECT_EQ(rest.data(), kSample.data() + 5);
  EXPECT_EQ(reader.remaining(), 0u);
  EXPECT_TRUE(reader.ok());
  EXPECT_TRUE(reader.Rest().empty());
  EXPECT_TRUE(reader.ok());
}

TEST(ByteReaderTest, PeekU8DoesNotMove) {
  ByteReader reader{Bytes(kSample)};
  reader.Skip(1);
  EXPECT_EQ(reader.PeekU8(), 0x02);
  EXPECT_EQ(reader.PeekU8(3), 0x05);
  EXPECT_EQ(reader.offset(), 1u);
  EXPECT_TRUE(reader.ok());
}

TEST(ByteReaderTest, PeekU8PastTheEndFails) {
  ByteReader reader{Bytes(kSample)};
  EXPECT_EQ(reader.PeekU8(8), 0);
  EXPECT_FALSE(reader.ok());
}

TEST(ByteReaderTest, TakeUpToClampsAndNeverFails) {
  ByteReader reader{Bytes(kSample)};
  reader.Skip(6);
  const Bytes some = reader.TakeUpTo(100);
  EXPECT_EQ(some.size(), 2u);
  EXPECT_EQ(some.data(), kSample.data() + 6);
  EXPECT_TRUE(reader.ok());
  EXPECT_TRUE(reader.TakeUpTo(5).empty());
  EXPECT_TRUE(reader.ok());
}

TEST(ByteReaderTest, TakeUpToTakesExactlyNWhenAvailable) {
  ByteReader reader{Bytes(kSample)};
  EXPECT_EQ(reader.TakeUpTo(3).size(), 3u);
  EXPECT_EQ(reader.offset(), 3u);
}

// Every accessor, called when too few bytes remain, returns zero/empty, moves to the end and
// leaves the reader failed for good.
TEST(ByteReaderTest, EveryAccessorFailsStickily) {
  const std::vector<std::uint8_t> one = {0xaa};
  const std::vector<std::uint8_t> three = {0xaa, 0xbb, 0xcc};
  {
    ByteReader r{Bytes(three)};
    r.Skip(3);
    EXPECT_EQ(r.U8(), 0);
    EXPECT_FALSE(r.ok());
  }
  {
    ByteReader r{Bytes(one)};
    EXPECT_EQ(r.Be16(), 0);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.remaining(), 0u);
  }
  {
    ByteReader r{Bytes(three)};
    EXPECT_EQ(r.Be32(), 0u);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.offset(), 3u);
  }
  {
    ByteReader r{Bytes(one)};
    EXPECT_EQ(r.Le16(), 0);
    EXPECT_FALSE(r.ok());
  }
  {
    ByteReader r{Bytes(three)};
    EXPECT_EQ(r.Le32(), 0u);
    EXPECT_FALSE(r.ok());
  }
  {
    ByteReader r{Bytes(three)};
    r.Skip(4);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.offset(), 3u);
  }
  {
    ByteReader r{Bytes(three)};
    EXPECT_TRUE(r.Take(4).empty());
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.remaining(), 0u);
  }
}

TEST(ByteReaderTest, FailureIsSticky) {
  ByteReader reader{Bytes(kSample)};
  reader.Skip(7);
  EXPECT_EQ(reader.Be16(), 0);  // only one byte left
  EXPECT_FALSE(reader.ok());
  // The cursor is at the end; the byte that was there is no longer readable.
  EXPECT_EQ(reader.U8(), 0);
  EXPECT_TRUE(reader.Rest().empty());
  EXPECT_TRUE(reader.TakeUpTo(1).empty());
  EXPECT_FALSE(reader.ok());
}

TEST(ByteReaderTest, EmptyInput) {
  ByteReader reader{Bytes()};
  EXPECT_EQ(reader.remaining(), 0u);
  EXPECT_TRUE(reader.Has(0));
  EXPECT_TRUE(reader.Take(0).empty());
  EXPECT_TRUE(reader.ok());
  EXPECT_EQ(reader.PeekU8(), 0);
  EXPECT_FALSE(reader.ok());
}

}  // namespace
}  // namespace tcpflow
