// ip_test.cpp: tests for IPv4 (RFC 791) and IPv6 (RFC 8200, RFC 2675) header decoding.
#include "ip.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <vector>

namespace tcpflow {
namespace {

using Packet = std::vector<std::uint8_t>;

constexpr std::uint8_t kTcp = 6;
constexpr std::uint8_t kUdp = 17;
constexpr std::uint8_t kIcmpv6 = 58;
constexpr std::uint8_t kNoNextHeader = 59;
constexpr std::uint8_t kHopByHop = 0;
constexpr std::uint8_t kRouting = 43;
constexpr std::uint8_t kFragment = 44;
constexpr std::uint8_t kAuth = 51;
constexpr std::uint8_t kDestOptions = 60;

void Append(Packet& p, const Packet& bytes) {
  p.insert(p.end(), bytes.begin(), bytes.end());
}
void AppendBe16(Packet& p, std::uint16_t v) {
  p.push_back(static_cast<std::uint8_t>(v >> 8));
  p.push_back(static_cast<std::uint8_t>(v));
}
void AppendBe32(Packet& p, std::uint32_t v) {
  AppendBe16(p, static_cast<std::uint16_t>(v >> 16));
  AppendBe16(p, static_cast<std::uint16_t>(v));
}

// `n` bytes counting up from `first`, so that misplaced spans show.
Packet Data(std::size_t n, std::uint8_t first = 0xa0) {
  Packet p(n);
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<std::uint8_t>(first + i);
  return p;
}

struct V4Spec {
  std::uint8_t version = 4;
  std::uint8_t ihl = 5;
  std::optional<std::uint16_t> total{};  // default: header + payload
  std::uint16_t id = 0x1234;
  std::uint16_t flags_offset = 0x4000;  // DF
  std::uint8_t protocol = kTcp;
  Packet options{};  // must be ihl * 4 - 20 bytes for a well-formed packet
  Packet payload{};
  Packet trailer{};  // bytes after the IP datagram (Ethernet padding)
};

Packet Ipv4(const V4Spec& s) {
  Packet p;
  p.push_back(static_cast<std::uint8_t>(s.version << 4 | s.ihl));
  p.push_back(0);
  AppendBe16(
      p, s.total.value_or(static_cast<std::uint16_t>(20 + s.options.size() + s.payload.size())));
  AppendBe16(p, s.id);
  AppendBe16(p, s.flags_offset);
  p.push_back(64);
  p.push_back(s.protocol);
  AppendBe16(p, 0);
  Append(p, {192, 168, 1, 2});
  Append(p, {10, 0, 0, 1});
  Append(p, s.options);
  Append(p, s.payload);
  Append(p, s.trailer);
  return p;
}

// An IPv6 fixed header followed by `ext` (an extension-header chain) and `payload`.
// `payload_length` defaults to ext + payload.
Packet Ipv6(std::uint8_t next, const Packet& ext, const Packet& payload,
            std::optional<std::uint16_t> payload_length = std::nullopt) {
  Packet p = {0x60, 0x01, 0x23, 0x45};
  AppendBe16(p, payload_length.value_or(static_cast<std::uint16_t>(ext.size() + payload.size())));
  p.push_back(next);
  p.push_back(64);
  Append(p, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01});
  Append(p, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02});
  Append(p, ext);
  Append(p, payload);
  return p;
}

// A hop-by-hop, routing or destination-options header: `body` padded to a multiple of 8.
Packet OptionsHeader(std::uint8_t next, Packet body = {}) {
  while ((body.size() + 2) % 8 != 0) body.push_back(0);  // PadN would be more exact; 0s are Pad1
  Packet h = {next, static_cast<std::uint8_t>((body.size() + 2) / 8 - 1)};
  Append(h, body);
  return h;
}

Packet FragmentHeader(std::uint8_t next, std::uint16_t offset_bytes, bool more, std::uint32_t id) {
  Packet h = {next, 0};
  AppendBe16(h, static_cast<std::uint16_t>(offset_bytes | (more ? 1 : 0)));
  AppendBe32(h, id);
  return h;
}

// An Authentication Header with an ICV of `icv_size` bytes (a multiple of 4).
Packet AuthHeader(std::uint8_t next, std::size_t icv_size) {
  const std::size_t total = 12 + icv_size;
  Packet h = {next, static_cast<std::uint8_t>(total / 4 - 2), 0, 0};
  AppendBe32(h, 0x100);  // SPI
  AppendBe32(h, 1);      // sequence number
  Append(h, Data(icv_size, 0x10));
  return h;
}

// A hop-by-hop header holding only a Jumbo Payload option.
Packet JumboHeader(std::uint8_t next, std::uint32_t jumbo_length) {
  Packet h = {next, 0, 0xc2, 4};
  AppendBe32(h, jumbo_length);
  return h;
}

// The payload span must be `expected` and sit at `offset` inside `packet`.
void ExpectPayload(const IpLayer& ip, const Packet& packet, std::size_t offset,
                   const Packet& expected) {
  ASSERT_EQ(ip.payload.size(), expected.size());
  EXPECT_EQ(ip.payload.data(), packet.data() + offset);
  EXPECT_EQ(Packet(ip.payload.begin(), ip.payload.end()), expected);
}

void ExpectRejected(const Packet& packet, std::uint16_t ethertype, Anomaly anomaly) {
  IpLayer ip;
  AnomalyCounters anomalies;
  EXPECT_FALSE(DecodeIp(Bytes(packet), ethertype, ip, anomalies));
  EXPECT_EQ(anomalies.Total(), 1u);
  EXPECT_EQ(anomalies.Get(anomaly), 1u) << AnomalyName(anomaly);
}

// Every prefix of `packet` shorter than `header_size` fails with exactly one anomaly:
// `short_anomaly` below `fixed_size` bytes and `ext_anomaly` from there on. Each prefix has its own
// exact-size buffer so that ASan catches an over-read.
void ExpectPrefixesRejected(const Packet& packet, std::uint16_t ethertype, std::size_t header_size,
                            std::size_t fixed_size, Anomaly ext_anomaly) {
  ASSERT_LE(header_size, packet.size());
  for (std::size_t n = 0; n < header_size; ++n) {
    SCOPED_TRACE(n);
    const Packet prefix(packet.begin(), packet.begin() + static_cast<std::ptrdiff_t>(n));
    ExpectRejected(prefix, ethertype, n < fixed_size ? Anomaly::kTruncatedIpHeader : ext_anomaly);
  }
}

// ---- IPv4 -------------------------------------------------------------------------------------

TEST(IpTest, Ipv4Basic) {
  const Packet payload = Data(12);
  const Packet packet = Ipv4({.payload = payload});
  IpLayer ip;
  AnomalyCounters anomalies;
  ASSERT_TRUE(DecodeIp(Bytes(packet), kEthertypeIpv4, ip, anomalies));
  EXPECT_EQ(anomalies.Total(), 0u);
  EXPECT_EQ(ip.version, 4);
  EXPECT_EQ(ip.protocol, kTcp);
  EXPECT_EQ(ip.src.ToString(), "192.168.1.2");
  EXPECT_EQ(ip.dst.ToString(), "10.0.0.1");
  EXPECT_FALSE(ip.truncated);
  EXPECT_EQ(ip.missing_bytes, 0u);
  EXPECT_FALSE(ip.is_fragment);
  EXPECT_FALSE(ip.more_fragments);
  EXPECT_EQ(ip.fragment_offset, 0u);
  ExpectPayload(ip, packet, 20, payload);
}

TEST(IpTest, Ipv4ByVersionNibble) {
  const Packet payload = Data(3);
  const Packet packet = Ipv4({.payload = payload});
  IpLayer ip;
  AnomalyCounters anomalies;
  ASSERT_TRUE(DecodeIp(Bytes(packet), kEthertypeIpAny, ip, anomalies));
  EXPECT_EQ(ip.version, 4);
  ExpectPayload(ip, packet, 20, payload);
}

TEST(IpTest, Ipv4AnyProtocolIsAccepted) {
  const Packet packet = Ipv4({.protocol = kUdp, .payload = Data(8)});
  IpLayer ip;
  AnomalyCounters anomalies;
  ASSERT_TRUE(DecodeIp(Bytes(packet), kEthertypeIpv4, ip, anomalies));
  EXPECT_EQ(ip.protocol, kUdp);
  EXPECT_EQ(anomalies.Total(), 0u);
}

TEST(IpTest, Ipv4OptionsAreSkipped) {
  for (std::uint8_t ihl : {6, 10, 15}) {
    SCOPED_TRACE(static_cast<int>(ihl));
    const Packet options = Data(ihl * 4u - 20, 0x01);
    const Packet payload = Data(7);
    const Packet packet = Ipv4({.ihl = ihl, .options = options, .payload = payload});
    IpLayer ip;
    AnomalyCounters anomalies;
    ASSERT_TRUE(DecodeIp(Bytes(packet), kEthertypeIpv4, ip, anomalies));
    EXPECT_EQ(anomalies.Total(), 0u);
    ExpectPayload(ip, packet, ihl * 4u, payload);
  }
}

TEST(IpTest, Ipv4TrailerPaddingIsNotPayload) {
  const Packet payload = Data(6);
  const Packet packet = Ipv4({.payload = payload, .trailer = Packet(20, 0xee)});
  IpLayer ip;
  AnomalyCounters anomalies;
  ASSERT_TRUE(DecodeIp(Bytes(packet), kEthertypeIpv4, ip, anomalies));
  EXPECT_EQ(anomalies.Total(), 0u);
  EXPECT_FALSE(ip.truncated);
  ExpectPayload(ip, packet, 20, payload);
}

TEST(IpTest, Ipv4PureHeaderWithPaddingHasEmptyPayload) {
  const Packet packet = Ipv4({.trailer = Packet(26, 0xee)});
  IpLayer ip;
  AnomalyCounters anomalies;
  ASSERT_TRUE(DecodeIp(Bytes(packet), kEthertypeIpv4, ip, anomalies));
  EXPECT_TRUE(ip.payload.empty());
}

TEST(IpTest, Ipv4ZeroTotalLengthUsesCapturedLength) {
  const Packet payload = Data(30);
  const Packet packet = Ipv4({.ihl = 6, .total = 0, .options = Data(4), .payload = payload});
  IpLayer ip;
  AnomalyCounters anomalies;
  ASSERT_TRUE(DecodeIp(Bytes(packet), kEthertypeIpv4, ip, anomalies));
  EXPECT_EQ(anomalies.Total(), 1u);
  EXPECT_EQ(anomalies.Get(Anomaly::kIpZeroTotalLength), 1u);
  EXPECT_FALSE(ip.truncated);
  ExpectPayload(ip, packet, 24, payload);
}

TEST(IpTest, Ipv4LengthBeyondCaptureIsClamped) {
  const Packet payload = Data(100);
  Packet packet = Ipv4({.payload = payload});
  packet.resize(20 + 30);  // snaplen cut
  IpLayer ip;
  AnomalyCounters anomalies;
  ASSERT_TRUE(DecodeIp(Bytes(packet), kEthertypeIpv4, ip, anomalies));
  EXPECT_EQ(anomalies.Total(), 1u);
  EXPECT_EQ(anomalies.Get(Anomaly::kIpLengthBeyondCapture), 1u);
  EXPECT_TRUE(ip.truncated);
  EXPECT_EQ(ip.missing_bytes, 70u);
  ExpectPayload(ip, packet, 20, Packet(payload.begin(), payload.begin() + 30));
}

TEST(IpTest, Ipv4HeaderOnlyCaptureOfALongDatagram) {
  Packet packet = Ipv4({.payload = Data(1000)});
  packet.resize(20);
  IpLayer ip;
  AnomalyCounters anomalies;
  ASSERT_TRUE(DecodeIp(Bytes(packet), kEthertypeIpv4, ip, anomalies));
  EXPECT_TRUE(ip.truncated);
  EXPECT_EQ(ip.missing_bytes, 1000u);
  EXPECT_TRUE(ip.payload.empty());
}

TEST(IpTest, Ipv4IhlBelowFiveIsRejected) {
  for (std::uint8_t ihl = 0; ihl < 5; ++ihl) {
    SCOPED_TRACE(static_cast<int>(ihl));
    ExpectRejected(Ipv4({.ihl = ihl, .payload = Data(40)}), kEthertypeIpv4,
                   Anomaly::kBadIpHeaderLength);
  }
}

TEST(IpTest, Ipv4TotalLengthBelowHeaderIsRejected) {
  ExpectRejected(Ipv4({.total = 19, .payload = Data(10)}), kEthertypeIpv4,
                 Anomaly::kBadIpHeaderLength);
  ExpectRejected(Ipv4({.ihl = 6, .total = 20, .options = Data(4), .payload = Data(10)}),
                 kEthertypeIpv4, Anomaly::kBadIpHeaderLength);
}

TEST(IpTest, Ipv4OptionsPastCaptureAreRejected) {
  Packet packet = Ipv4({.ihl = 15, .options = Data(40), .payload = Data(10)});
  packet.resize(59);
  ExpectRejected(packet, kEthertypeIpv4, Anomaly::kTruncatedIpHeader);
}

TEST(IpTest, Ipv4Fragments) {
  struct Case {
    std::uint16_t flags_offset;
    bool is_fragment;
    bool more;
    std::uint32_t offset;
  };
  const Case cases[] = {
      {0x0000, false, false, 0},     // nothing
      {0x4000, false, false, 0},     // DF only
      {0x2000, true, true, 0},       // first fragment
      {0x00b9, true, false, 1480},   // last fragment
      {0x2172, true, true, 2960},    // middle fragment
      {0x1fff, true, false, 65528},  // largest offset
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.flags_offset);
    const Packet packet = Ipv4({.id = 0xbeef, .flags_offset = c.flags_offset, .payload = Data(8)});
    IpLayer ip;
    AnomalyCounters anomalies;
    ASSERT_TRUE(DecodeIp(Bytes(packet), kEthertypeIpv4, ip, anomalies));
    EXPECT_EQ(anomalies.Total(), 0u);
    EXPECT_EQ(ip.is_fragment, c.is_fragment);
    EXPECT_EQ(ip.more_fragments, c.more);
    EXPECT_EQ(ip.fragment_offset, c.offset);
    EXPECT_EQ(ip.fragment_id, 0xbeefu);
  }
}

TEST(IpTest, Ipv4PrefixesAreRejected) {
  const Packet plain = Ipv4({.payload = Data(10)});
  ExpectPrefixesRejected(plain, kEthertypeIpv4, 20, 20, Anomaly::kTruncatedIpHeader);
  ExpectPrefixesRejected(plain, kEthertypeIpAny, 20, 20, Anomaly::kTruncatedIpHeader);
  const Packet with_options = Ipv4({.ihl = 15, .options = Data(40), .payload = Data(10)});
  ExpectPrefixesRejected(with_options, kEthertypeIpv4, 60, 20, Anomaly::kTruncatedIpHeader);
}

// ---- Version checks ---------------------------------------------------------------------------

TEST(IpTest, VersionMustMatchEthertype) {
  ExpectRejected(Ipv6(kTcp, {}, Data(20)), kEthertypeIpv4, Anomaly::kBadIpVersion);
  ExpectRejected(Ipv4({.payload = Data(20)}), kEthertypeIpv6, Anomaly::kBadIpVersion);
  for (std::uint8_t version : {0, 1, 5, 7, 15}) {
    SCOPED_TRACE(static_cast<int>(version));
    const Packet packet = Ipv4({.version = version, .payload = Data(40)});
    ExpectRejected(packet, kEthertypeIpAny, Anomaly::kBadIpVersion);
    ExpectRejected(packet, kEthertypeIpv4, Anomaly::kBadIpVersion);
  }
}

TEST(IpTest, EmptyNetworkIsTruncated) {
  for (std::uint16_t ethertype : {kEthertypeIpv4, kEthertypeIpv6, kEthertypeIpAny}) {
    ExpectRejected(Packet{}, ethertype, Anomaly::kTruncatedIpHeader);
  }
}

// ---- IPv6 -------------------------------------------------------------------------------------

TEST(IpTest, Ipv6Basic) {
  const Packet payload = Data(24);
  const Packet packet = Ipv6(kTcp, {}, payload);
  IpLayer ip;
  AnomalyCounters anomalies;
  ASSERT_TRUE(DecodeIp(Bytes(packet), kEthertypeIpv6, ip, anomalies));
  EXPECT_EQ(anomalies.Total(), 0u);
  EXPECT_EQ(ip.version, 6);
  EXPECT_EQ(ip.protocol, kTcp);
  EXPECT_EQ(ip.src.ToString(), "2001:db8::1");
  EXPECT_EQ(ip.dst.ToString(), "2001:db8::2");
  EXPECT_FALSE(ip.truncated);
  EXPECT_FALSE(ip.is_fragment);
  ExpectPayload(ip, packet, 40, payload);
}

TEST(IpTest, Ipv6ByVersionNibble) {
  const Packet payload = Data(4);
  const Packet packet = Ipv6(kTcp, {}, payload);
  IpLayer ip;
  AnomalyCounters anomalies;
  ASSERT_TRUE(DecodeIp(Bytes(packet), kEthertypeIpAny, ip, anomalies));
  EXPECT_EQ(ip.version, 6);
  ExpectPayload(ip, packet, 40, payload);
}

TEST(IpTest, Ipv6UpperLayersOtherThanTcp) {
  for (std::uint8_t next : {kUdp, kIcmpv6, kNoNextHeader}) {
    const Packet packet = Ipv6(next, {}, Data(8));
    IpLayer ip;
    AnomalyCounters anomalies;
    ASSERT_TRUE(DecodeIp(Bytes(packet), kEthertypeIpv6, ip, anomalies));
    EXPECT_EQ(ip.protocol, next);
    EXPECT_EQ(ip.payload.size(), 8u);
  }
}

TEST(IpTest, Ipv6TrailerPaddingIsNotPayload) {
  const Packet payload = Data(10);
  Packet packet = Ipv6(kTcp, {}, payload);
  packet.insert(packet.end(), 6, 0xee);
  IpLayer ip;
  AnomalyCounters anomalies;
  ASSERT_TRUE(DecodeIp(Bytes(packet), kEthertypeIpv6, ip, anomalies));
  EXPECT_EQ(anomalies.Total(), 0u);
  ExpectPayload(ip, packet, 40, payload);
}

TEST(IpTest, Ipv6LengthBeyondCaptureIsClamped) {
  const Packet payload = Data(100);
  Packet packet = Ipv6(kTcp, {}, payload);
  packet.resize(40 + 30);
  IpLayer ip;
  AnomalyCounters anomalies;
  ASSERT_TRUE(DecodeIp(Bytes(packet), kEthertypeIpv6, ip, anomalies));
  EXPECT_EQ(anomalies.Total(), 1u);
  EXPECT_EQ(anomalies.Get(Anomaly::kIpLengthBeyondCapture), 1u);
  EXPECT_TRUE(ip.truncated);
  EXPECT_EQ(ip.missing_bytes, 70u);
  ExpectPayload(ip, packet, 40, Packet(payload.begin(), payload.begin() + 30));
}

TEST(IpTest, Ipv6ZeroPayloadLengthUsesCapturedLength) {
  const Packet payload = Data(50);
  const Packet packet = Ipv6(kTcp, {}, payload, 0);
  IpLayer ip;
  AnomalyCounters anomalies;
  ASSERT_TRUE(DecodeIp(Bytes(packet), kEthertypeIpv6, ip, anomalies));
  EXPECT_EQ(anomalies.Total(), 1u);
  EXPECT_EQ(anomalies.Get(Anomaly::kIpZeroTotalLength), 1u);
  EXPECT_FALSE(ip.truncated);
  ExpectPayload(ip, packet, 40, payload);
}

TEST(IpTest, Ipv6EmptyPacketIsNotAnAnomaly) {
  const Packet packet = Ipv6(kNoNextHeader, {}, {});
  IpLayer ip;
  AnomalyCounters anomalies;
  ASSERT_TRUE(DecodeIp(Bytes(packet), kEthertypeIpv6, ip, anomalies));
  EXPECT_EQ(anomalies.Total(), 0u);
  EXPECT_TRUE(ip.payload.empty());
  EXPECT_EQ(ip.protocol, kNoNextHeader);
}

TEST(IpTest, Ipv6EachExtensionHeader) {
  struct Case {
    const char* name;
    std::uint8_t type;
    Packet header;
  };
  const Case cases[] = {
      {"hop-by-hop", kHopByHop, OptionsHeader(kTcp)},
      {"hop-by-hop with options", kHopByHop,
       OptionsHeader(kTcp, {0x01, 0x04, 0, 0, 0, 0, 0x05, 0x02, 0, 0})},
      {"routing", kRouting, OptionsHeader(kTcp, {0, 1, 0, 0, 0, 0, 0x20, 0x01, 0x0d, 0xb8, 0,
                                                 0, 0, 0, 0, 0, 0, 0,    0,    0,    0,    3})},
      {"destination options", kDestOptions, OptionsHeader(kTcp, Data(30))},
      {"atomic fragment", kFragment, FragmentHeader(kTcp, 0, false, 7)},
      {"authentication", kAuth, AuthHeader(kTcp, 12)},
      {"authentication, empty ICV", kAuth, AuthHeader(kTcp, 0)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const Packet payload = Data(20);
    const Packet packet = Ipv6(c.type, c.header, payload);
    IpLayer ip;
    AnomalyCounters anomalies;
    ASSERT_TRUE(DecodeIp(Bytes(packet), kEthertypeIpv6, ip, anomalies));
    EXPECT_EQ(anomalies.Total(), 0u);
    EXPECT_EQ(ip.protocol, kTcp);
    EXPECT_FALSE(ip.is_fragment);
    ExpectPayload(ip, packet, 40 + c.header.size(), payload);
  }
}

TEST(IpTest, Ipv6FullChain) {
  Packet chain = OptionsHeader(kDestOptions, Data(4));
  Append(chain, OptionsHeader(kRouting, Data(14)));
  Append(chain, OptionsHeader(kFragment));
  Append(chain, FragmentHeader(kAuth, 0, true, 0xdeadbeef));
  Append(chain, AuthHeader(kDestOptions, 4));
  Append(chain, OptionsHeader(kTcp));
  const Packet payload = Data(33);
  const Packet packet = Ipv6(kHopByHop, chain, payload);
  IpLayer ip;
  AnomalyCounters anomalies;
  ASSERT_TRUE(DecodeIp(Bytes(packet), kEthertypeIpv6, ip, anomalies));
  EXPECT_EQ(anomalies.Total(), 0u);
  EXPECT_EQ(ip.protocol, kTcp);
  // A first fragment: headers after the fragment header are still walked.
  EXPECT_TRUE(ip.is_fragment);
  EXPECT_TRUE(ip.more_fragments);
  EXPECT_EQ(ip.fragment_offset, 0u);
  EXPECT_EQ(ip.fragment_id, 0xdeadbeefu);
  ExpectPayload(ip, packet, 40 + chain.size(), payload);
}

TEST(IpTest, Ipv6LaterFragmentStopsTheWalk) {
  // The bytes after a non-first fragment header are data, even if they look like a header.
  const Packet header = FragmentHeader(kDestOptions, 1480, false, 0x01020304);
  const Packet payload = {0x06, 0xff, 1, 2, 3, 4, 5, 6};
  const Packet packet = Ipv6(kFragment, header, payload);
  IpLayer ip;
  AnomalyCounters anomalies;
  ASSERT_TRUE(DecodeIp(Bytes(packet), kEthertypeIpv6, ip, anomalies));
  EXPECT_EQ(anomalies.Total(), 0u);
  EXPECT_EQ(ip.protocol, kDestOptions);
  EXPECT_TRUE(ip.is_fragment);
  EXPECT_FALSE(ip.more_fragments);
  EXPECT_EQ(ip.fragment_offset, 1480u);
  EXPECT_EQ(ip.fragment_id, 0x01020304u);
  ExpectPayload(ip, packet, 48, payload);
}

TEST(IpTest, Ipv6JumboPayload) {
  const Packet payload = Data(64);
  const Packet hop = JumboHeader(kTcp, static_cast<std::uint32_t>(8 + payload.size()));
  Packet packet = Ipv6(kHopByHop, hop, payload, 0);
  packet.insert(packet.end(), 4, 0xee);  // padding past the jumbo length
  IpLayer ip;
  AnomalyCounters anomalies;
  ASSERT_TRUE(DecodeIp(Bytes(packet), kEthertypeIpv6, ip, anomalies));
  EXPECT_EQ(anomalies.Total(), 0u);
  EXPECT_EQ(ip.protocol, kTcp);
  EXPECT_FALSE(ip.truncated);
  ExpectPayload(ip, packet, 48, payload);
}

TEST(IpTest, Ipv6JumboPayloadBeyondCapture) {
  const Packet payload = Data(100);
  const Packet hop = JumboHeader(kTcp, 70000);
  const Packet packet = Ipv6(kHopByHop, hop, payload, 0);
  IpLayer ip;
  AnomalyCounters anomalies;
  ASSERT_TRUE(DecodeIp(Bytes(packet), kEthertypeIpv6, ip, anomalies));
  EXPECT_EQ(anomalies.Total(), 1u);
  EXPECT_EQ(anomalies.Get(Anomaly::kIpLengthBeyondCapture), 1u);
  EXPECT_TRUE(ip.truncated);
  EXPECT_EQ(ip.missing_bytes, 70000u - 108u);
  ExpectPayload(ip, packet, 48, payload);
}

TEST(IpTest, Ipv6JumboOptionAfterPadding) {
  // Pad1, PadN(1), then the jumbo option, in a 16-byte hop-by-hop header.
  Packet hop = {kTcp, 1, 0x00, 0x01, 0x01, 0x00, 0xc2, 4};
  AppendBe32(hop, 16 + 5);
  Append(hop, {0x01, 0x02, 0, 0});  // PadN(2)
  const Packet payload = Data(5);
  Packet packet = Ipv6(kHopByHop, hop, payload, 0);
  packet.push_back(0xee);
  IpLayer ip;
  AnomalyCounters anomalies;
  ASSERT_TRUE(DecodeIp(Bytes(packet), kEthertypeIpv6, ip, anomalies));
  EXPECT_EQ(anomalies.Total(), 0u);
  ExpectPayload(ip, packet, 56, payload);
}

TEST(IpTest, Ipv6JumboOptionIgnoredWithNonZeroPayloadLength) {
  const Packet payload = Data(10);
  const Packet hop = JumboHeader(kTcp, 70000);
  const Packet packet = Ipv6(kHopByHop, hop, payload);
  IpLayer ip;
  AnomalyCounters anomalies;
  ASSERT_TRUE(DecodeIp(Bytes(packet), kEthertypeIpv6, ip, anomalies));
  EXPECT_EQ(anomalies.Total(), 0u);
  EXPECT_FALSE(ip.truncated);
  ExpectPayload(ip, packet, 48, payload);
}

TEST(IpTest, Ipv6SixteenHeadersAreWalked) {
  Packet chain;
  for (int i = 0; i < 15; ++i) Append(chain, OptionsHeader(kDestOptions));
  Append(chain, OptionsHeader(kTcp));
  const Packet payload = Data(20);
  const Packet packet = Ipv6(kDestOptions, chain, payload);
  IpLayer ip;
  AnomalyCounters anomalies;
  ASSERT_TRUE(DecodeIp(Bytes(packet), kEthertypeIpv6, ip, anomalies));
  EXPECT_EQ(ip.protocol, kTcp);
  ExpectPayload(ip, packet, 40 + 16 * 8, payload);
}

TEST(IpTest, Ipv6SeventeenHeadersAreTooMany) {
  Packet chain;
  for (int i = 0; i < 16; ++i) Append(chain, OptionsHeader(kRouting));
  Append(chain, OptionsHeader(kTcp));
  ExpectRejected(Ipv6(kRouting, chain, Data(20)), kEthertypeIpv6, Anomaly::kBadIpv6ExtHeader);
}

TEST(IpTest, Ipv6LoopingChainIsCut) {
  // Every header names the next as another destination-options header, to the end of a long
  // capture: the cap stops it before the bytes run out.
  Packet chain;
  for (int i = 0; i < 40; ++i) Append(chain, OptionsHeader(kDestOptions));
  ExpectRejected(Ipv6(kDestOptions, chain, {}), kEthertypeIpv6, Anomaly::kBadIpv6ExtHeader);
}

TEST(IpTest, Ipv6HopByHopMustComeFirst) {
  Packet chain = OptionsHeader(kHopByHop);
  Append(chain, OptionsHeader(kTcp));
  ExpectRejected(Ipv6(kDestOptions, chain, Data(20)), kEthertypeIpv6, Anomaly::kBadIpv6ExtHeader);
}

TEST(IpTest, Ipv6ExtensionHeaderPastCaptureIsRejected) {
  // A destination-options header claiming 8 * 256 bytes.
  Packet ext = {kTcp, 255};
  Append(ext, Data(30));
  ExpectRejected(Ipv6(kDestOptions, ext, {}), kEthertypeIpv6, Anomaly::kBadIpv6ExtHeader);
  // An AH whose length runs off the end.
  Packet auth = AuthHeader(kTcp, 40);
  auth.resize(30);
  ExpectRejected(Ipv6(kAuth, auth, {}), kEthertypeIpv6, Anomaly::kBadIpv6ExtHeader);
}

TEST(IpTest, Ipv6ExtensionHeadersPastPayloadLengthAreRejected) {
  Packet chain = OptionsHeader(kDestOptions);
  Append(chain, OptionsHeader(kTcp));
  ExpectRejected(Ipv6(kHopByHop, chain, Data(20), 8), kEthertypeIpv6, Anomaly::kBadIpv6ExtHeader);
}

TEST(IpTest, Ipv6PrefixesAreRejected) {
  ExpectPrefixesRejected(Ipv6(kTcp, {}, Data(20)), kEthertypeIpv6, 40, 40,
                         Anomaly::kTruncatedIpHeader);
  ExpectPrefixesRejected(Ipv6(kTcp, {}, Data(20)), kEthertypeIpAny, 40, 40,
                         Anomaly::kTruncatedIpHeader);
  // Inside the extension-header chain the chain is what is truncated.
  Packet chain = JumboHeader(kRouting, 0);  // jumbo 0 = no jumbo; payload length is used
  Append(chain, OptionsHeader(kFragment, Data(6)));
  Append(chain, FragmentHeader(kAuth, 0, true, 9));
  Append(chain, AuthHeader(kDestOptions, 8));
  Append(chain, OptionsHeader(kTcp, Data(12)));
  const Packet packet = Ipv6(kHopByHop, chain, Data(20));
  ExpectPrefixesRejected(packet, kEthertypeIpv6, 40 + chain.size(), 40, Anomaly::kBadIpv6ExtHeader);
}

TEST(IpTest, NothingSurvivesFromAnEarlierPacket) {
  IpLayer ip;
  AnomalyCounters anomalies;
  Packet fragment = Ipv6(kFragment, FragmentHeader(kTcp, 8, true, 5), Data(100));
  fragment.resize(60);
  ASSERT_TRUE(DecodeIp(Bytes(fragment), kEthertypeIpv6, ip, anomalies));
  ASSERT_TRUE(ip.is_fragment);
  ASSERT_TRUE(ip.truncated);
  const Packet plain = Ipv4({.payload = Data(4)});
  ASSERT_TRUE(DecodeIp(Bytes(plain), kEthertypeIpv4, ip, anomalies));
  EXPECT_FALSE(ip.is_fragment);
  EXPECT_FALSE(ip.truncated);
  EXPECT_EQ(ip.missing_bytes, 0u);
  EXPECT_EQ(ip.version, 4);
}

}  // namespace
}  // namespace tcpflow
