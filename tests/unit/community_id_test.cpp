// community_id_test.cpp: Community ID v1 against the specification's published baseline values,
// symmetry of the two directions, port ordering on equal addresses, unsupported address pairs.
#include "community_id.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <string>

namespace tcpflow {
namespace {

// An address from its text form (inet_pton); fails the test on bad text.
IpAddress Ip(const char* text) {
  std::array<std::uint8_t, 16> bytes{};
  if (inet_pton(AF_INET, text, bytes.data()) == 1) return IpAddress::V4(bytes.data());
  if (inet_pton(AF_INET6, text, bytes.data()) == 1) return IpAddress::V6(bytes.data());
  ADD_FAILURE() << "not an address: " << text;
  return IpAddress();
}

constexpr std::uint8_t kTcp = 6;
constexpr std::uint8_t kUdp = 17;
constexpr std::uint8_t kSctp = 132;

struct Vector {
  const char* src;
  const char* dst;
  std::uint16_t src_port;
  std::uint16_t dst_port;
  std::uint8_t proto;
  const char* seed0;  // expected id with the default seed 0
  const char* seed1;  // expected id with seed 1
};

// Expected ids copied from the Community ID specification's baseline data,
// https://github.com/corelight/community-id-spec (directory baseline/, commit c4ec2bc): the
// first three rows from the "Default settings" and "A custom seed=1 value" tables of
// baseline/README.md, the rest from baseline/baseline_deflt.json and baseline/baseline_seed1.json.
constexpr Vector kSpecVectors[] = {
    {"1.2.3.4", "5.6.7.8", 1122, 3344, kTcp,
     "1:wCb3OG7yAFWelaUydu0D+125CLM=", "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk="},
    {"1.2.3.4", "5.6.7.8", 1122, 3344, kUdp,
     "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=", "1:OShq+iKDAMVouh/4bMxB9Sz4amw="},
    {"1.2.3.4", "5.6.7.8", 1122, 3344, kSctp,
     "1:EKt4MsxuyaE6mL+hmrEkQ9csDD8=", "1:uitchpn5MMGAQKBJh7bIr/bAr7s="},
    {"128.232.110.120", "66.35.250.204", 34855, 80, kTcp,
     "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", "1:3V71V58M3Ksw/yuFALMcW0LAHvc="},
    {"2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25, kTcp,
     "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=", "1:eJYTW6AOzFLlSUoESovMjnu7rMw="},
    {"192.168.1.52", "8.8.8.8", 54585, 53, kUdp,
     "1:d/FP5EW3wiY1vCndhwleRRKHowQ=", "1:Q9We8WO3piVF8yEQBNJF4uiSVrI="},
    // Equal ports: the addresses alone decide the order.
    {"192.168.170.8", "192.168.170.56", 7, 7, kSctp,
     "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=", "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg="},
};

TEST(CommunityIdTest, SpecBaselineSeed0) {
  for (const Vector& v : kSpecVectors) {
    SCOPED_TRACE(std::string(v.src) + " -> " + v.dst);
    EXPECT_EQ(CommunityIdV1(Ip(v.src), Ip(v.dst), v.src_port, v.dst_port, v.proto), v.seed0);
  }
}

TEST(CommunityIdTest, SpecBaselineSeed1) {
  for (const Vector& v : kSpecVectors) {
    SCOPED_TRACE(std::string(v.src) + " -> " + v.dst);
    EXPECT_EQ(CommunityIdV1(Ip(v.src), Ip(v.dst), v.src_port, v.dst_port, v.proto, 1), v.seed1);
  }
}

TEST(CommunityIdTest, BothDirectionsGiveTheSameId) {
  for (const Vector& v : kSpecVectors) {
    SCOPED_TRACE(std::string(v.src) + " -> " + v.dst);
    for (const std::uint16_t seed : {std::uint16_t{0}, std::uint16_t{1}, std::uint16_t{0xFFFF}}) {
      EXPECT_EQ(CommunityIdV1(Ip(v.src), Ip(v.dst), v.src_port, v.dst_port, v.proto, seed),
                CommunityIdV1(Ip(v.dst), Ip(v.src), v.dst_port, v.src_port, v.proto, seed));
    }
  }
}

TEST(CommunityIdTest, EqualAddressesAreOrderedByPort) {
  const IpAddress host = Ip("10.0.0.1");
  // Computed independently with python3 (hashlib.sha1, base64) from the specification's
  // definition: seed 0, 10.0.0.1, 10.0.0.1, proto 6, padding 0, port 80 first, then 1234.
  constexpr const char* kExpected = "1:WaobEo3Uyp/JjlL9QX3lvrl1Oag=";
  EXPECT_EQ(CommunityIdV1(host, host, 80, 1234, kTcp), kExpected);
  EXPECT_EQ(CommunityIdV1(host, host, 1234, 80, kTcp), kExpected);
}

TEST(CommunityIdTest, FieldsChangeTheId) {
  const IpAddress a = Ip("1.2.3.4");
  const IpAddress b = Ip("5.6.7.8");
  const std::string base = CommunityIdV1(a, b, 1122, 3344, kTcp);
  EXPECT_NE(CommunityIdV1(a, b, 1122, 3344, kTcp, 2), base);
  EXPECT_NE(CommunityIdV1(a, b, 1123, 3344, kTcp), base);
  EXPECT_NE(CommunityIdV1(a, b, 1122, 3345, kTcp), base);
  EXPECT_NE(CommunityIdV1(a, Ip("5.6.7.9"), 1122, 3344, kTcp), base);
  // The same numbers as IPv4-mapped IPv6 addresses are a different tuple.
  EXPECT_NE(CommunityIdV1(Ip("::ffff:1.2.3.4"), Ip("::ffff:5.6.7.8"), 1122, 3344, kTcp), base);
}

TEST(CommunityIdTest, FormIsVersionAndBase64Sha1) {
  const std::string id = CommunityIdV1(Ip("::1"), Ip("::2"), 1, 2, kTcp);
  ASSERT_EQ(id.size(), 2u + 28u);  // "1:" + base64 of 20 bytes
  EXPECT_EQ(id.substr(0, 2), "1:");
  EXPECT_EQ(id.back(), '=');
}

TEST(CommunityIdTest, UnsupportedAddressPairsGiveNoId) {
  EXPECT_EQ(CommunityIdV1(Ip("1.2.3.4"), Ip("::1"), 1, 2, kTcp), "");
  EXPECT_EQ(CommunityIdV1(IpAddress(), IpAddress(), 1, 2, kTcp), "");
  EXPECT_EQ(CommunityIdV1(IpAddress(), Ip("1.2.3.4"), 1, 2, kTcp), "");
}

}  // namespace
}  // namespace tcpflow
