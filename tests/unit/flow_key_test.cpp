// flow_key_test.cpp: tests for flow identity: equality, reversal and the seeded hashes.
#include "flow_key.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <set>

namespace tcpflow {
namespace {

IpAddress V4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  const std::array<std::uint8_t, 4> bytes = {a, b, c, d};
  return IpAddress::V4(bytes.data());
}

// An IPv6 address whose first four bytes are a.b.c.d (and the rest zero).
IpAddress V6Like(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  const std::array<std::uint8_t, 16> bytes = {a, b, c, d};
  return IpAddress::V6(bytes.data());
}

FlowKey SampleKey() {
  return FlowKey{V4(10, 0, 0, 1), V4(10, 0, 0, 2), 1234, 80, kNoVlan};
}

constexpr std::uint64_t kSeed = 0x0123456789abcdefULL;

TEST(FlowKeyTest, EqualKeys) {
  EXPECT_EQ(SampleKey(), SampleKey());
  EXPECT_EQ(HashFlowKey(SampleKey(), kSeed), HashFlowKey(SampleKey(), kSeed));
}

TEST(FlowKeyTest, ReversedSwapsEndpointsAndKeepsVlan) {
  FlowKey key = SampleKey();
  key.vlan = 42;
  const FlowKey rev = key.Reversed();
  EXPECT_EQ(rev.src, key.dst);
  EXPECT_EQ(rev.dst, key.src);
  EXPECT_EQ(rev.src_port, key.dst_port);
  EXPECT_EQ(rev.dst_port, key.src_port);
  EXPECT_EQ(rev.vlan, 42);
  EXPECT_FALSE(rev == key);
  EXPECT_EQ(rev.Reversed(), key);
}

TEST(FlowKeyTest, KeysDifferingInOneFieldAreUnequal) {
  const FlowKey base = SampleKey();
  FlowKey vlan = base;
  vlan.vlan = 7;
  FlowKey sport = base;
  sport.src_port = 1235;
  FlowKey dport = base;
  dport.dst_port = 81;
  FlowKey family = base;
  family.src = V6Like(10, 0, 0, 1);
  family.dst = V6Like(10, 0, 0, 2);
  FlowKey addr = base;
  addr.dst = V4(10, 0, 0, 3);
  for (const FlowKey& other : {vlan, sport, dport, family, addr}) {
    EXPECT_FALSE(other == base);
    EXPECT_NE(HashFlowKey(other, kSeed), HashFlowKey(base, kSeed));
  }
}

TEST(FlowKeyTest, VlanZeroDiffersFromNoVlan) {
  FlowKey zero = SampleKey();
  zero.vlan = 0;
  EXPECT_FALSE(zero == SampleKey());
  EXPECT_NE(HashFlowKey(zero, kSeed), HashFlowKey(SampleKey(), kSeed));
}

TEST(FlowKeyTest, HashDependsOnSeed) {
  const FlowKey key = SampleKey();
  EXPECT_NE(HashFlowKey(key, 1), HashFlowKey(key, 2));
  EXPECT_NE(HashFlowKey(key, 0), HashFlowKey(key, kSeed));
  EXPECT_NE(HashConnection(key, 1), HashConnection(key, 2));
}

TEST(FlowKeyTest, DirectionalHashDiffersForReverse) {
  const FlowKey key = SampleKey();
  EXPECT_NE(HashFlowKey(key, kSeed), HashFlowKey(key.Reversed(), kSeed));
}

TEST(FlowKeyTest, HashConnectionIsSymmetric) {
  const FlowKey keys[] = {
      SampleKey(),
      FlowKey{V4(10, 0, 0, 1), V4(10, 0, 0, 1), 80, 1234, 5},      // same address
      FlowKey{V4(10, 0, 0, 1), V4(10, 0, 0, 1), 80, 80, kNoVlan},  // fully symmetric
      FlowKey{V6Like(0x20, 1, 0xd, 0xb8), V6Like(0xfe, 0x80, 0, 0), 443, 50000, 100},
  };
  for (const FlowKey& key : keys) {
    EXPECT_EQ(HashConnection(key, kSeed), HashConnection(key.Reversed(), kSeed));
  }
  // But it still tells different connections apart.
  FlowKey other = SampleKey();
  other.src_port = 1235;
  EXPECT_NE(HashConnection(other, kSeed), HashConnection(SampleKey(), kSeed));
}

TEST(FlowKeyTest, HashSpreadsSequentialPorts) {
  // Sequential client ports must not collide and must spread over the low bits buckets use.
  std::set<std::uint64_t> hashes;
  std::set<std::uint64_t> low_bits;
  FlowKey key = SampleKey();
  for (std::uint16_t port = 1000; port < 1256; ++port) {
    key.src_port = port;
    const std::uint64_t h = HashFlowKey(key, kSeed);
    hashes.insert(h);
    low_bits.insert(h & 0xff);
  }
  EXPECT_EQ(hashes.size(), 256u);
  EXPECT_GT(low_bits.size(), 128u);  // a random function fills ~162 of 256
}

TEST(FlowKeyTest, ShardOfIsInRangeAndDirectionIndependent) {
  FlowKey key = SampleKey();
  std::array<int, 5> per_shard{};  // index 1..4 used
  for (std::uint16_t port = 1000; port < 5000; ++port) {
    key.src_port = port;
    EXPECT_EQ(ShardOf(key, 1), 1u);
    const std::uint32_t shard = ShardOf(key, 4);
    ASSERT_GE(shard, 1u);
    ASSERT_LE(shard, 4u);
    EXPECT_EQ(ShardOf(key.Reversed(), 4), shard);
    ++per_shard[shard];
  }
  for (std::uint32_t k = 1; k <= 4; ++k) {
    EXPECT_GT(per_shard[k], 850) << k;  // 1000 expected; a fair split is well within this
    EXPECT_LT(per_shard[k], 1150) << k;
  }
}

TEST(FlowKeyTest, ShardOfSeparatesVlansAndFamilies) {
  // Keys that differ only in VLAN or address family are different connections; over many
  // ports their shards must not always agree.
  int vlan_differs = 0;
  int family_differs = 0;
  for (std::uint16_t port = 1000; port < 1100; ++port) {
    FlowKey key = SampleKey();
    key.src_port = port;
    FlowKey tagged = key;
    tagged.vlan = 7;
    FlowKey v6 = FlowKey{V6Like(10, 0, 0, 1), V6Like(10, 0, 0, 2), port, 80, kNoVlan};
    if (ShardOf(key, 8) != ShardOf(tagged, 8)) ++vlan_differs;
    if (ShardOf(key, 8) != ShardOf(v6, 8)) ++family_differs;
  }
  EXPECT_GT(vlan_differs, 50);
  EXPECT_GT(family_differs, 50);
}

TEST(FlowKeyTest, ShardOfIsFixedAcrossRunsAndBuilds) {
  // Shards run as separate processes (and on separate machines) must agree: the function has
  // no seed. These values pin it; changing them breaks mixed-version shard sets.
  EXPECT_EQ(ShardOf(SampleKey(), 1000), ShardOf(SampleKey(), 1000));
  const std::uint32_t pinned[] = {ShardOf(SampleKey(), 2), ShardOf(SampleKey(), 7),
                                  ShardOf(SampleKey(), 1000)};
  EXPECT_EQ(pinned[0], 2u);
  EXPECT_EQ(pinned[1], 7u);
  EXPECT_EQ(pinned[2], 896u);
}

}  // namespace
}  // namespace tcpflow
