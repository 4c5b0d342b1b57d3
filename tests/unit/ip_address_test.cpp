// ip_address_test.cpp: tests for the IPv4/IPv6 address value type and its text forms.
#include "ip_address.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <string>

namespace tcpflow {
namespace {

IpAddress MakeV4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  const std::array<std::uint8_t, 4> bytes = {a, b, c, d};
  return IpAddress::V4(bytes.data());
}

// Parses IPv6 text with inet_pton (test input only).
IpAddress ParseV6(const char* text) {
  std::array<std::uint8_t, 16> bytes{};
  EXPECT_EQ(inet_pton(AF_INET6, text, bytes.data()), 1) << text;
  return IpAddress::V6(bytes.data());
}

TEST(IpAddressTest, DefaultIsNone) {
  IpAddress a;
  EXPECT_EQ(a.family(), IpAddress::Family::kNone);
  EXPECT_FALSE(a.is_v4());
  EXPECT_FALSE(a.is_v6());
  EXPECT_EQ(a.ToString(), "");
}

TEST(IpAddressTest, V4Factory) {
  const IpAddress a = MakeV4(192, 168, 1, 2);
  EXPECT_TRUE(a.is_v4());
  EXPECT_FALSE(a.is_v6());
  EXPECT_EQ(a.bytes()[0], 192);
  EXPECT_EQ(a.bytes()[3], 2);
  for (std::size_t i = 4; i < 16; ++i) EXPECT_EQ(a.bytes()[i], 0) << i;
  EXPECT_EQ(a.AddressFamilyNumber(), AF_INET);
  EXPECT_EQ(a.AddressFamilyNumber(), 2);
}

TEST(IpAddressTest, V6Factory) {
  std::array<std::uint8_t, 16> bytes{};
  for (std::size_t i = 0; i < 16; ++i) bytes[i] = static_cast<std::uint8_t>(i + 1);
  const IpAddress a = IpAddress::V6(bytes.data());
  EXPECT_TRUE(a.is_v6());
  EXPECT_EQ(a.bytes(), bytes);
  EXPECT_EQ(a.AddressFamilyNumber(), AF_INET6);
  EXPECT_EQ(a.AddressFamilyNumber(), 10);
}

TEST(IpAddressTest, V4ToString) {
  EXPECT_EQ(MakeV4(192, 168, 1, 2).ToString(), "192.168.1.2");
  EXPECT_EQ(MakeV4(0, 0, 0, 0).ToString(), "0.0.0.0");
  EXPECT_EQ(MakeV4(255, 255, 255, 255).ToString(), "255.255.255.255");
  EXPECT_EQ(MakeV4(10, 0, 100, 9).ToString(), "10.0.100.9");
}

TEST(IpAddressTest, V4FilenameStringIsZeroPadded) {
  EXPECT_EQ(MakeV4(192, 168, 1, 2).ToFilenameString(), "192.168.001.002");
  EXPECT_EQ(MakeV4(0, 0, 0, 0).ToFilenameString(), "000.000.000.000");
  EXPECT_EQ(MakeV4(255, 255, 255, 255).ToFilenameString(), "255.255.255.255");
  EXPECT_EQ(MakeV4(10, 20, 3, 99).ToFilenameString(), "010.020.003.099");
}

TEST(IpAddressTest, V6ToStringMatchesInetNtop) {
  EXPECT_EQ(ParseV6("2001:db8::1").ToString(), "2001:db8::1");
  EXPECT_EQ(ParseV6("::").ToString(), "::");
  EXPECT_EQ(ParseV6("::1").ToString(), "::1");
  EXPECT_EQ(ParseV6("fe80::1:2:3:4").ToString(), "fe80::1:2:3:4");
  // Leading zeros dropped, lower case, longest zero run compressed.
  EXPECT_EQ(ParseV6("2001:0DB8:0000:0000:0001:0000:0000:0001").ToString(), "2001:db8::1:0:0:1");
  // A single zero group is not compressed.
  EXPECT_EQ(ParseV6("1:0:2:3:4:5:6:7").ToString(), "1:0:2:3:4:5:6:7");
  // glibc prints IPv4-mapped and IPv4-compatible addresses with a dotted tail.
  EXPECT_EQ(ParseV6("::ffff:192.168.1.2").ToString(), "::ffff:192.168.1.2");
  EXPECT_EQ(ParseV6("::1.2.3.4").ToString(), "::1.2.3.4");
  EXPECT_EQ(ParseV6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").ToString(),
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
}

TEST(IpAddressTest, V6FilenameStringIsToString) {
  const IpAddress a = ParseV6("2001:db8::a:1");
  EXPECT_EQ(a.ToFilenameString(), a.ToString());
  EXPECT_EQ(a.ToFilenameString(), "2001:db8::a:1");
}

TEST(IpAddressTest, Equality) {
  EXPECT_EQ(MakeV4(1, 2, 3, 4), MakeV4(1, 2, 3, 4));
  EXPECT_NE(MakeV4(1, 2, 3, 4), MakeV4(1, 2, 3, 5));
  // Same leading bytes, different family: unequal.
  std::array<std::uint8_t, 16> bytes{};
  bytes[0] = 1;
  bytes[1] = 2;
  bytes[2] = 3;
  bytes[3] = 4;
  EXPECT_NE(MakeV4(1, 2, 3, 4), IpAddress::V6(bytes.data()));
  EXPECT_NE(IpAddress(), MakeV4(0, 0, 0, 0));
}

}  // namespace
}  // namespace tcpflow
