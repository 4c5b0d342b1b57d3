// seq_test.cpp: wrap-aware sequence comparisons and unwrapping to 64-bit offsets (seq.h).
#include "seq.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace tcpflow {
namespace {

constexpr std::int64_t kWrap = std::int64_t{1} << 32;

TEST(SeqTest, DiffAroundTheWrap) {
  EXPECT_EQ(SeqDiff(1, 0), 1);
  EXPECT_EQ(SeqDiff(0, 1), -1);
  EXPECT_EQ(SeqDiff(0, 0xFFFFFFFFu), 1);
  EXPECT_EQ(SeqDiff(0xFFFFFFFFu, 0), -1);
  EXPECT_EQ(SeqDiff(0x10, 0xFFFFFFF0u), 0x20);
  EXPECT_EQ(SeqDiff(0xFFFFFFF0u, 0x10), -0x20);
  EXPECT_EQ(SeqDiff(0x7FFFFFFFu, 0), std::numeric_limits<std::int32_t>::max());
  EXPECT_EQ(SeqDiff(0x80000000u, 0), std::numeric_limits<std::int32_t>::min());
  EXPECT_EQ(SeqDiff(12345, 12345), 0);
}

TEST(SeqTest, LessAroundTheWrap) {
  EXPECT_TRUE(SeqLess(0xFFFFFFF0u, 0x10));
  EXPECT_FALSE(SeqLess(0x10, 0xFFFFFFF0u));
  EXPECT_TRUE(SeqLess(0xFFFFFFFFu, 0));
  EXPECT_FALSE(SeqLess(0, 0xFFFFFFFFu));
  EXPECT_FALSE(SeqLess(7, 7));
  EXPECT_TRUE(SeqLess(0x7FFFFFFEu, 0x7FFFFFFFu));
  EXPECT_TRUE(SeqLess(0x7FFFFFFFu, 0x80000000u));
  // Exactly half the space apart, each is "before" the other: windows must stay below 2^31.
  EXPECT_TRUE(SeqLess(0x80000000u, 0));
  EXPECT_TRUE(SeqLess(0, 0x80000000u));
}

TEST(SeqTest, UnwrapNearZero) {
  EXPECT_EQ(UnwrapOffset(1000, 1000, 0), 0);
  EXPECT_EQ(UnwrapOffset(1010, 1000, 0), 10);
  EXPECT_EQ(UnwrapOffset(0x10, 0xFFFFFFF0u, 0), 0x20);  // base just before the wrap
  EXPECT_EQ(UnwrapOffset(0xFFFFFFFFu, 0, 0), -1);       // just before the base
  EXPECT_EQ(UnwrapOffset(0xFFFFFFF0u, 0x10, 0), -0x20);
  EXPECT_EQ(UnwrapOffset(0x7FFFFFFFu, 0, 0), 0x7FFFFFFF);     // furthest forward
  EXPECT_EQ(UnwrapOffset(0x80000000u, 0, 0), -0x80000000LL);  // tie resolves downwards
}

TEST(SeqTest, UnwrapNegativeOffsets) {
  const std::uint32_t base = 0xFFFFFFFEu;
  EXPECT_EQ(UnwrapOffset(base - 4, base, 8), -4);
  EXPECT_EQ(UnwrapOffset(base - 4, base, -10), -4);
  EXPECT_EQ(UnwrapOffset(base - 12, base, -10), -12);
  EXPECT_EQ(UnwrapOffset(base, base, -3), 0);
  // Near a negative reference point several wraps down.
  EXPECT_EQ(UnwrapOffset(base + 5, base, -3 * kWrap), -3 * kWrap + 5);
  EXPECT_EQ(UnwrapOffset(base - 5, base, -3 * kWrap), -3 * kWrap - 5);
}

TEST(SeqTest, UnwrapChoosesNearestAcrossWraps) {
  const std::uint32_t base = 0x12345678u;
  const std::int64_t near = 5 * kWrap + 100;
  EXPECT_EQ(UnwrapOffset(base + 200, base, near), 5 * kWrap + 200);
  EXPECT_EQ(UnwrapOffset(base - 256, base, near), 5 * kWrap - 256);  // just below a wrap
  EXPECT_EQ(UnwrapOffset(base + 0x7FFFFFFFu, base, 5 * kWrap), 5 * kWrap + 0x7FFFFFFF);
  EXPECT_EQ(UnwrapOffset(base + 0x80000001u, base, 5 * kWrap), 5 * kWrap - 0x7FFFFFFF);
}

TEST(SeqTest, UnwrapFollowsStreamForwardOverManyWraps) {
  for (const std::uint32_t base : {0u, 1u, 0x80000000u, 0xFFFFFFFFu, 0xFFFFFC18u}) {
    std::int64_t last = 0;
    // Steps of just under 2^31 (the largest unambiguous jump), 20 GiB in total.
    for (std::int64_t offset = 0; offset < 20 * (std::int64_t{1} << 30); offset += 0x7FFFF001) {
      const auto seq = static_cast<std::uint32_t>(base + static_cast<std::uint64_t>(offset));
      const std::int64_t got = UnwrapOffset(seq, base, last);
      ASSERT_EQ(got, offset) << "base " << base;
      last = got;
    }
  }
}

TEST(SeqTest, UnwrapFollowsStreamBackwardOverManyWraps) {
  for (const std::uint32_t base : {0u, 0x80000000u, 0xFFFFFFFBu}) {
    std::int64_t last = 12 * kWrap + 17;
    for (std::int64_t offset = last; offset > -3 * kWrap; offset -= 0x7FFF0003) {
      const auto seq = static_cast<std::uint32_t>(base + static_cast<std::uint64_t>(offset));
      const std::int64_t got = UnwrapOffset(seq, base, last);
      ASSERT_EQ(got, offset) << "base " << base;
      last = got;
    }
  }
}

TEST(SeqTest, UnwrapRetransmissionBehindAFarFrontier) {
  // A retransmission of bytes 1000 behind the end of a 9 GiB stream.
  const std::uint32_t base = 0xFFFFFFF0u;
  const std::int64_t end = 9 * (std::int64_t{1} << 30);
  const auto seq = static_cast<std::uint32_t>(base + static_cast<std::uint64_t>(end - 1000));
  EXPECT_EQ(UnwrapOffset(seq, base, end), end - 1000);
}

}  // namespace
}  // namespace tcpflow
