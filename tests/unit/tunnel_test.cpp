// tunnel_test.cpp: tests for tunnel decapsulation: GRE (RFC 2784, RFC 2890), PPTP enhanced GRE
// (RFC 2637), IP-in-IP (RFC 2003, RFC 4213), VXLAN (RFC 7348), Geneve (RFC 8926).
#include "tunnel.h"

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/corpus.h"
#include "common/pcap_builder.h"
#include "datalink.h"
#include "ip.h"
#include "pcap_source.h"
#include "tcp_segment.h"

namespace tcpflow {
namespace {

using Packet = std::vector<std::uint8_t>;

constexpr std::uint8_t kIcmp = 1;
constexpr std::uint8_t kIpip = 4;
constexpr std::uint8_t kTcp = 6;
constexpr std::uint8_t kUdp = 17;
constexpr std::uint8_t kIpv6InIp = 41;
constexpr std::uint8_t kGre = 47;
constexpr std::uint8_t kEsp = 50;

// Stand-ins for inner packets: Decapsulate never looks inside them.
const Packet kIpv4Bytes = {0x45, 0x00, 0x00, 0x14, 0xde, 0xad, 0xbe, 0xef};
const Packet kIpv6Bytes = {0x60, 0x00, 0x00, 0x00, 0xca, 0xfe};
const Packet kEthernetBytes = {0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x00, 0x11,
                               0x22, 0x33, 0x44, 0x55, 0x08, 0x00, 0x45, 0x00};

void Append(Packet& p, std::initializer_list<std::uint8_t> bytes) {
  p.insert(p.end(), bytes.begin(), bytes.end());
}
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

// An outer IP layer as DecodeIp would give it: `payload` is the upper-layer bytes.
IpLayer Outer(std::uint8_t protocol, const Packet& payload, std::uint8_t version = 4) {
  IpLayer ip;
  ip.version = version;
  ip.protocol = protocol;
  ip.payload = Bytes(payload);
  return ip;
}

// GRE flag bits in the first 16-bit word.
constexpr std::uint16_t kC = 0x8000;
constexpr std::uint16_t kR = 0x4000;
constexpr std::uint16_t kK = 0x2000;
constexpr std::uint16_t kS = 0x1000;
constexpr std::uint16_t kA = 0x0080;  // version 1

// A GRE header with these flag bits (and version), the optional fields the flags name (each a
// distinct 4-byte value), then `payload`.
Packet Gre(std::uint16_t flags, std::uint16_t protocol, const Packet& payload) {
  Packet p;
  AppendBe16(p, flags);
  AppendBe16(p, protocol);
  if ((flags & kC) != 0) AppendBe32(p, 0xc5c50000);
  if ((flags & kK) != 0) AppendBe32(p, 0x0000abcd);
  if ((flags & kS) != 0) AppendBe32(p, 0x00000007);
  Append(p, payload);
  return p;
}

// PPTP's enhanced GRE: version 1, K always, `payload_length` in the key's high half.
Packet PptpGre(std::uint16_t flags, std::uint16_t payload_length, const Packet& payload,
               std::uint16_t protocol = 0x880B) {
  Packet p;
  AppendBe16(p, static_cast<std::uint16_t>(flags | 0x0001));
  AppendBe16(p, protocol);
  AppendBe16(p, payload_length);
  AppendBe16(p, 0x4001);  // call ID
  if ((flags & kS) != 0) AppendBe32(p, 0x00000011);
  if ((flags & kA) != 0) AppendBe32(p, 0x00000022);
  Append(p, payload);
  return p;
}

Packet PptpGreFull(std::uint16_t flags, const Packet& payload) {
  return PptpGre(flags, static_cast<std::uint16_t>(payload.size()), payload);
}

// MPLS label stack entries, the last with bottom-of-stack, then `payload`.
Packet Mpls(const std::vector<std::uint32_t>& labels, const Packet& payload) {
  Packet p;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    AppendBe32(p, (labels[i] << 12) | (i + 1 == labels.size() ? 0x100u : 0u) | 0x40u);
  }
  Append(p, payload);
  return p;
}

// A UDP header (checksum 0) with `length` as its length field, then `payload`.
Packet Udp(std::uint16_t sport, std::uint16_t dport, const Packet& payload,
           std::optional<std::uint16_t> length = std::nullopt) {
  Packet p;
  AppendBe16(p, sport);
  AppendBe16(p, dport);
  AppendBe16(p, length.value_or(static_cast<std::uint16_t>(8 + payload.size())));
  AppendBe16(p, 0);
  Append(p, payload);
  return p;
}

Packet Vxlan(std::uint8_t flags, const Packet& payload) {
  Packet p = {flags, 0x00, 0x00, 0x00};
  AppendBe32(p, 0x00109200);  // VNI 4242
  Append(p, payload);
  return p;
}

// A Geneve header: version, `option_words` 4-byte option words (opaque), protocol type.
Packet Geneve(std::uint16_t protocol, std::uint8_t option_words, const Packet& payload,
              std::uint8_t version = 0) {
  Packet p = {static_cast<std::uint8_t>((version << 6) | option_words), 0x00};
  AppendBe16(p, protocol);
  AppendBe32(p, 0x00109200);
  for (std::uint8_t i = 0; i < option_words; ++i) AppendBe32(p, 0x01020304);
  Append(p, payload);
  return p;
}

// Expects kInner with `inner.frame` exactly `expected`, lying in `outer_payload` at `offset`.
void ExpectInner(const Packet& outer_payload, std::uint8_t protocol, std::size_t offset,
                 const Packet& expected, bool is_ethernet, std::uint16_t ethertype,
                 std::uint8_t version = 4) {
  TunnelInner inner;
  AnomalyCounters anomalies;
  ASSERT_EQ(Decapsulate(Outer(protocol, outer_payload, version), &inner, anomalies),
            TunnelStatus::kInner);
  EXPECT_EQ(anomalies.Total(), 0u);
  EXPECT_EQ(inner.is_ethernet, is_ethernet);
  if (!is_ethernet) {
    EXPECT_EQ(inner.ethertype, ethertype);
  }
  ASSERT_EQ(inner.frame.size(), expected.size());
  EXPECT_EQ(inner.frame.data(), outer_payload.data() + offset);
  EXPECT_EQ(Packet(inner.frame.begin(), inner.frame.end()), expected);
}

// Expects kFailed with exactly one `anomaly` counted.
void ExpectFailed(const Packet& outer_payload, std::uint8_t protocol, Anomaly anomaly) {
  TunnelInner inner;
  AnomalyCounters anomalies;
  EXPECT_EQ(Decapsulate(Outer(protocol, outer_payload), &inner, anomalies), TunnelStatus::kFailed);
  EXPECT_EQ(anomalies.Total(), 1u);
  EXPECT_EQ(anomalies.Get(anomaly), 1u) << AnomalyName(anomaly);
}

// Expects kNotTunnel, nothing counted, `inner` untouched.
void ExpectNotTunnel(const Packet& outer_payload, std::uint8_t protocol) {
  TunnelInner inner;
  const Packet marker = {0x01};
  inner.frame = Bytes(marker);
  inner.ethertype = 0x1234;
  AnomalyCounters anomalies;
  EXPECT_EQ(Decapsulate(Outer(protocol, outer_payload), &inner, anomalies),
            TunnelStatus::kNotTunnel);
  EXPECT_EQ(anomalies.Total(), 0u);
  EXPECT_EQ(inner.frame.data(), marker.data());
  EXPECT_EQ(inner.ethertype, 0x1234);
}

// Every prefix of `payload` from `from` bytes up to (not including) `header_size` fails with one
// kBadTunnelHeader; each prefix sits in its own exact-size buffer so that ASan catches an
// over-read. (UDP shorter than its own 8-byte header is not a tunnel: UDP tunnels start at 8.)
void ExpectPrefixesFail(const Packet& payload, std::uint8_t protocol, std::size_t header_size,
                        std::size_t from = 0) {
  ASSERT_LE(header_size, payload.size());
  for (std::size_t n = from; n < header_size; ++n) {
    SCOPED_TRACE(n);
    ExpectFailed(Packet(payload.begin(), payload.begin() + static_cast<std::ptrdiff_t>(n)),
                 protocol, Anomaly::kBadTunnelHeader);
  }
}

// ------------------------------------------------------------------------------------- GRE

TEST(TunnelTest, GreIpv4AndIpv6) {
  ExpectInner(Gre(0, 0x0800, kIpv4Bytes), kGre, 4, kIpv4Bytes, false, kEthertypeIpv4);
  ExpectInner(Gre(0, 0x86DD, kIpv6Bytes), kGre, 4, kIpv6Bytes, false, kEthertypeIpv6);
  // From an IPv6 outer header too.
  ExpectInner(Gre(0, 0x0800, kIpv4Bytes), kGre, 4, kIpv4Bytes, false, kEthertypeIpv4, 6);
}

TEST(TunnelTest, GreEveryCombinationOfOptionalFields) {
  for (std::uint16_t flags = 0; flags < 8; ++flags) {
    const std::uint16_t bits = static_cast<std::uint16_t>(
        ((flags & 1) != 0 ? kC : 0) | ((flags & 2) != 0 ? kK : 0) | ((flags & 4) != 0 ? kS : 0));
    SCOPED_TRACE(bits);
    const std::size_t header = 4 + 4 * static_cast<std::size_t>(std::popcount(flags));
    const Packet gre = Gre(bits, 0x0800, kIpv4Bytes);
    ExpectInner(gre, kGre, header, kIpv4Bytes, false, kEthertypeIpv4);
    ExpectPrefixesFail(gre, kGre, header);
  }
}

TEST(TunnelTest, GreIgnoresReservedBitsOfVersionZero) {
  // Strict source route, recursion control and the bits RFC 2784 reserves for future use.
  ExpectInner(Gre(0x0F78, 0x0800, kIpv4Bytes), kGre, 4, kIpv4Bytes, false, kEthertypeIpv4);
}

TEST(TunnelTest, GreTransparentEthernetBridging) {
  ExpectInner(Gre(kK, 0x6558, kEthernetBytes), kGre, 8, kEthernetBytes, true, 0);
}

TEST(TunnelTest, GreMpls) {
  for (std::uint16_t protocol : {0x8847, 0x8848}) {
    SCOPED_TRACE(protocol);
    ExpectInner(Gre(0, protocol, Mpls({16, 17}, kIpv4Bytes)), kGre, 4 + 8, kIpv4Bytes, false,
                kEthertypeIpAny);
  }
  ExpectInner(Gre(kS, 0x8847, Mpls({3}, kIpv6Bytes)), kGre, 8 + 4, kIpv6Bytes, false,
              kEthertypeIpAny);
}

TEST(TunnelTest, GreMplsFailures) {
  // A label stack cut short is a bad tunnel header; too deep a stack and a non-IP payload keep
  // their own names.
  ExpectFailed(Gre(0, 0x8847, {0x00, 0x01, 0x01}), kGre, Anomaly::kBadTunnelHeader);
  ExpectFailed(Gre(0, 0x8847, Mpls({16}, {})), kGre, Anomaly::kBadTunnelHeader);
  ExpectFailed(Gre(0, 0x8847, Mpls({1, 2, 3, 4, 5, 6, 7, 8, 9}, kIpv4Bytes)), kGre,
               Anomaly::kTooManyVlanTags);
  ExpectFailed(Gre(0, 0x8847, Mpls({16}, {0x00, 0x00, 0x00, 0x00})), kGre,
               Anomaly::kUnsupportedNetwork);
}

TEST(TunnelTest, GrePppInVersionZero) {
  Packet ppp = {0xFF, 0x03, 0x00, 0x21};
  Append(ppp, kIpv4Bytes);
  ExpectInner(Gre(0, 0x880B, ppp), kGre, 8, kIpv4Bytes, false, kEthertypeIpv4);
}

TEST(TunnelTest, GreUnsupportedProtocols) {
  for (std::uint16_t protocol : {0x0806, 0x88BE, 0x22EB, 0x0000, 0x883E}) {
    SCOPED_TRACE(protocol);
    ExpectFailed(Gre(0, protocol, kIpv4Bytes), kGre, Anomaly::kUnsupportedNetwork);
  }
}

TEST(TunnelTest, GreRoutingAndUnknownVersionsAreBad) {
  ExpectFailed(Gre(kR, 0x0800, kIpv4Bytes), kGre, Anomaly::kBadTunnelHeader);
  ExpectFailed(Gre(kR | kC, 0x0800, kIpv4Bytes), kGre, Anomaly::kBadTunnelHeader);
  for (std::uint16_t version = 2; version < 8; ++version) {
    SCOPED_TRACE(version);
    ExpectFailed(Gre(version, 0x0800, kIpv4Bytes), kGre, Anomaly::kBadTunnelHeader);
  }
}

TEST(TunnelTest, GreEmptyPayloadIsLeftToTheIpLayer) {
  ExpectInner(Gre(0, 0x0800, {}), kGre, 4, {}, false, kEthertypeIpv4);
}

// ---------------------------------------------------------------------------- PPTP (GRE v1)

Packet PppIpv4(bool address_control) {
  Packet p;
  if (address_control) Append(p, {0xFF, 0x03});
  Append(p, {0x00, 0x21});
  Append(p, kIpv4Bytes);
  return p;
}

TEST(TunnelTest, PptpWithSequenceAndAck) {
  for (std::uint16_t flags : {kS, static_cast<std::uint16_t>(kS | kA)}) {
    SCOPED_TRACE(flags);
    const std::size_t header = 8 + ((flags & kS) != 0 ? 4 : 0) + ((flags & kA) != 0 ? 4 : 0);
    for (bool address_control : {true, false}) {
      SCOPED_TRACE(address_control);
      const Packet gre = PptpGreFull(kK | flags, PppIpv4(address_control));
      ExpectInner(gre, kGre, header + (address_control ? 4 : 2), kIpv4Bytes, false, kEthertypeIpv4);
      ExpectPrefixesFail(gre, kGre, header + (address_control ? 4 : 2));
    }
  }
}

TEST(TunnelTest, PptpIpv6AndCompressedProtocol) {
  Packet v6 = {0x00, 0x57};
  Append(v6, kIpv6Bytes);
  ExpectInner(PptpGreFull(kK | kS, v6), kGre, 12 + 2, kIpv6Bytes, false, kEthertypeIpv6);
  Packet compressed = {0x21};
  Append(compressed, kIpv4Bytes);
  ExpectInner(PptpGreFull(kK | kS, compressed), kGre, 12 + 1, kIpv4Bytes, false, kEthertypeIpv4);
}

TEST(TunnelTest, PptpPayloadLengthIsClampedToCapture) {
  const Packet ppp = PppIpv4(true);
  // Shorter than what follows: the payload ends there.
  Packet padded = PptpGre(kK | kS, static_cast<std::uint16_t>(ppp.size()), ppp);
  Append(padded, {0xEE, 0xEE});
  ExpectInner(padded, kGre, 16, kIpv4Bytes, false, kEthertypeIpv4);
  const Packet cut = PptpGre(kK | kS, static_cast<std::uint16_t>(ppp.size() - 3), ppp);
  ExpectInner(cut, kGre, 16, Packet(kIpv4Bytes.begin(), kIpv4Bytes.end() - 3), false,
              kEthertypeIpv4);
  // Longer: what was captured.
  ExpectInner(PptpGre(kK | kS, 1400, ppp), kGre, 16, kIpv4Bytes, false, kEthertypeIpv4);
}

TEST(TunnelTest, PptpAcknowledgementOnlyIsNotATunnelPacket) {
  ExpectNotTunnel(PptpGre(kK | kA, 0, {}), kGre);
}

TEST(TunnelTest, PptpControlProtocolsAreUnsupported) {
  for (std::uint16_t protocol : {0xC021, 0x8021, 0x80FD, 0x00FD}) {  // LCP, IPCP, CCP, MPPE
    SCOPED_TRACE(protocol);
    Packet ppp = {0xFF, 0x03};
    AppendBe16(ppp, protocol);
    Append(ppp, {0x01, 0x01, 0x00, 0x04});
    ExpectFailed(PptpGreFull(kK | kS, ppp), kGre, Anomaly::kUnsupportedNetwork);
  }
}

TEST(TunnelTest, PptpMalformedHeadersAreBad) {
  const Packet ppp = PppIpv4(true);
  // No key, a checksum, the wrong protocol type.
  ExpectFailed(PptpGreFull(kS, ppp), kGre, Anomaly::kBadTunnelHeader);
  ExpectFailed(PptpGreFull(kK | kS | kC, ppp), kGre, Anomaly::kBadTunnelHeader);
  ExpectFailed(PptpGre(kK | kS, static_cast<std::uint16_t>(ppp.size()), ppp, 0x0800), kGre,
               Anomaly::kBadTunnelHeader);
  ExpectFailed(PptpGreFull(kK | kS | kR, ppp), kGre, Anomaly::kBadTunnelHeader);
  // A payload length promising bytes that are not there.
  ExpectFailed(PptpGre(kK | kS, 40, {}), kGre, Anomaly::kBadTunnelHeader);
}

// -------------------------------------------------------------------------------- IP-in-IP

TEST(TunnelTest, IpInIp) {
  for (std::uint8_t outer_version : {4, 6}) {
    SCOPED_TRACE(outer_version);
    ExpectInner(kIpv4Bytes, kIpip, 0, kIpv4Bytes, false, kEthertypeIpv4, outer_version);
    ExpectInner(kIpv6Bytes, kIpv6InIp, 0, kIpv6Bytes, false, kEthertypeIpv6, outer_version);
  }
  // Nothing inside: the IP layer will say it is truncated.
  ExpectInner({}, kIpip, 0, {}, false, kEthertypeIpv4);
}

// ------------------------------------------------------------------------------- VXLAN, Geneve

TEST(TunnelTest, Vxlan) {
  const Packet udp = Udp(49320, kVxlanPort, Vxlan(0x08, kEthernetBytes));
  ExpectInner(udp, kUdp, 16, kEthernetBytes, true, 0);
  ExpectPrefixesFail(udp, kUdp, 16, 8);
  // Reserved flag bits are ignored.
  ExpectInner(Udp(1, kVxlanPort, Vxlan(0xff, kEthernetBytes)), kUdp, 16, kEthernetBytes, true, 0);
}

TEST(TunnelTest, VxlanUdpLengthIsClampedToCapture) {
  const Packet body = Vxlan(0x08, kEthernetBytes);
  Packet padded = Udp(1, kVxlanPort, body);
  Append(padded, {0xEE, 0xEE, 0xEE});
  ExpectInner(padded, kUdp, 16, kEthernetBytes, true, 0);
  const Packet shorter = Udp(1, kVxlanPort, body, static_cast<std::uint16_t>(8 + body.size() - 2));
  ExpectInner(shorter, kUdp, 16, Packet(kEthernetBytes.begin(), kEthernetBytes.end() - 2), true, 0);
  ExpectInner(Udp(1, kVxlanPort, body, 9000), kUdp, 16, kEthernetBytes, true, 0);
}

TEST(TunnelTest, VxlanMalformed) {
  ExpectFailed(Udp(1, kVxlanPort, Vxlan(0x00, kEthernetBytes)), kUdp, Anomaly::kBadTunnelHeader);
  for (std::uint16_t length : {0, 7}) {
    ExpectFailed(Udp(1, kVxlanPort, Vxlan(0x08, kEthernetBytes), length), kUdp,
                 Anomaly::kBadTunnelHeader);
  }
  // A UDP length that leaves no room for the VXLAN header.
  ExpectFailed(Udp(1, kVxlanPort, Vxlan(0x08, kEthernetBytes), 8 + 7), kUdp,
               Anomaly::kBadTunnelHeader);
}

TEST(TunnelTest, Geneve) {
  ExpectInner(Udp(1, kGenevePort, Geneve(0x6558, 0, kEthernetBytes)), kUdp, 16, kEthernetBytes,
              true, 0);
  const Packet with_options = Udp(1, kGenevePort, Geneve(0x6558, 3, kEthernetBytes));
  ExpectInner(with_options, kUdp, 16 + 12, kEthernetBytes, true, 0);
  ExpectPrefixesFail(with_options, kUdp, 16 + 12, 8);
  ExpectInner(Udp(1, kGenevePort, Geneve(0x0800, 1, kIpv4Bytes)), kUdp, 16 + 4, kIpv4Bytes, false,
              kEthertypeIpv4);
  ExpectInner(Udp(1, kGenevePort, Geneve(0x86DD, 0, kIpv6Bytes)), kUdp, 16, kIpv6Bytes, false,
              kEthertypeIpv6);
}

TEST(TunnelTest, GeneveMalformed) {
  ExpectFailed(Udp(1, kGenevePort, Geneve(0x6558, 0, kEthernetBytes, 1)), kUdp,
               Anomaly::kBadTunnelHeader);
  // Options running past the datagram.
  Packet overlong = Geneve(0x6558, 0, {});
  overlong[0] = 0x3f;
  ExpectFailed(Udp(1, kGenevePort, overlong), kUdp, Anomaly::kBadTunnelHeader);
  ExpectFailed(Udp(1, kGenevePort, Geneve(0x0806, 0, kIpv4Bytes)), kUdp,
               Anomaly::kUnsupportedNetwork);
}

// ------------------------------------------------------------------------------ not tunnels

TEST(TunnelTest, OtherPacketsAreNotTunnels) {
  ExpectNotTunnel(kIpv4Bytes, kTcp);
  ExpectNotTunnel(kIpv4Bytes, kIcmp);
  ExpectNotTunnel(kIpv4Bytes, kEsp);
  ExpectNotTunnel(Udp(53, 53, kIpv4Bytes), kUdp);
  // VXLAN's port as the source only, and the VXLAN-GPE port.
  ExpectNotTunnel(Udp(kVxlanPort, 40000, Vxlan(0x08, kEthernetBytes)), kUdp);
  ExpectNotTunnel(Udp(40000, 4790, Vxlan(0x08, kEthernetBytes)), kUdp);
  // UDP too short to show its ports and length.
  for (std::size_t n = 0; n < 8; ++n) {
    SCOPED_TRACE(n);
    const Packet udp = Udp(1, kVxlanPort, Vxlan(0x08, kEthernetBytes));
    ExpectNotTunnel(Packet(udp.begin(), udp.begin() + static_cast<std::ptrdiff_t>(n)), kUdp);
  }
}

TEST(TunnelTest, FragmentsAreNeverDecapsulated) {
  const Packet gre = Gre(0, 0x0800, kIpv4Bytes);
  IpLayer outer = Outer(kGre, gre);
  outer.is_fragment = true;
  outer.more_fragments = true;
  TunnelInner inner;
  AnomalyCounters anomalies;
  EXPECT_EQ(Decapsulate(outer, &inner, anomalies), TunnelStatus::kNotTunnel);
  EXPECT_EQ(anomalies.Total(), 0u);
}

TEST(TunnelTest, InnerIsReplacedWhole) {
  TunnelInner inner;
  AnomalyCounters anomalies;
  const Packet vxlan = Udp(1, kVxlanPort, Vxlan(0x08, kEthernetBytes));
  ASSERT_EQ(Decapsulate(Outer(kUdp, vxlan), &inner, anomalies), TunnelStatus::kInner);
  ASSERT_TRUE(inner.is_ethernet);
  const Packet gre = Gre(0, 0x86DD, kIpv6Bytes);
  ASSERT_EQ(Decapsulate(Outer(kGre, gre), &inner, anomalies), TunnelStatus::kInner);
  EXPECT_FALSE(inner.is_ethernet);
  EXPECT_EQ(inner.ethertype, kEthertypeIpv6);
}

// -------------------------------------------------------------------- through the real decoders

// Decodes an outer IP packet, peels tunnels (up to 4) and returns the inner TCP payload as text;
// "" when it does not get there.
std::string InnerTcpPayload(const Packet& outer_packet, std::uint16_t ethertype) {
  AnomalyCounters anomalies;
  IpLayer ip;
  if (!DecodeIp(Bytes(outer_packet), ethertype, ip, anomalies)) return "";
  for (int depth = 0; depth < 4; ++depth) {
    TunnelInner inner;
    const TunnelStatus status = Decapsulate(ip, &inner, anomalies);
    if (status == TunnelStatus::kFailed) return "";
    if (status == TunnelStatus::kNotTunnel) break;
    LinkLayer link;
    link.network = inner.frame;
    link.ethertype = inner.ethertype;
    if (inner.is_ethernet && !DecodeLink(kDltEn10mb, inner.frame, link, anomalies)) return "";
    if (!DecodeIp(link.network, link.ethertype, ip, anomalies)) return "";
  }
  TcpLayer tcp;
  if (ip.protocol != kTcp || !DecodeTcp(ip.payload, tcp, anomalies)) return "";
  return std::string(tcp.payload.begin(), tcp.payload.end());
}

testing::ByteVec InnerTcp(const std::string& src, const std::string& dst, const std::string& text) {
  testing::IpSpec ip;
  ip.src = src;
  ip.dst = dst;
  testing::TcpSpec tcp;
  tcp.sport = 34567;
  tcp.dport = 80;
  tcp.flags = testing::kAck | testing::kPsh;
  tcp.payload = testing::ToBytes(text);
  return testing::BuildTcp(ip, tcp);
}

testing::IpSpec OuterSpec(std::uint8_t protocol, bool v6 = false) {
  testing::IpSpec ip;
  ip.src = v6 ? "2001:db8:ffff::1" : "198.51.100.1";
  ip.dst = v6 ? "2001:db8:ffff::2" : "198.51.100.2";
  ip.protocol = protocol;
  return ip;
}

TEST(TunnelTest, BuiltPacketsDecodeToTheInnerTcp) {
  const testing::ByteVec v4 = InnerTcp("192.168.1.2", "10.0.0.1", "inner v4");
  const testing::ByteVec v6 = InnerTcp("2001:db8::2", "2001:db8::1", "inner v6");
  EXPECT_EQ(
      InnerTcpPayload(testing::BuildIp(OuterSpec(kGre), testing::Gre({}, v4)), kEthertypeIpv4),
      "inner v4");
  EXPECT_EQ(
      InnerTcpPayload(
          testing::BuildIp(
              OuterSpec(kGre, true),
              testing::Gre({.protocol = 0x86dd, .checksum = true, .key = 7, .sequence = 9}, v6)),
          kEthertypeIpv6),
      "inner v6");
  EXPECT_EQ(InnerTcpPayload(testing::BuildIp(OuterSpec(kIpv6InIp), v6), kEthertypeIpAny),
            "inner v6");
  EXPECT_EQ(InnerTcpPayload(testing::BuildIp(OuterSpec(kIpip, true), v4), kEthertypeIpAny),
            "inner v4");
  const testing::ByteVec frame = testing::Ethernet({}, v4);
  EXPECT_EQ(InnerTcpPayload(
                testing::BuildUdp(OuterSpec(kUdp), 49320, kVxlanPort, testing::Vxlan(42, frame)),
                kEthertypeIpv4),
            "inner v4");
  EXPECT_EQ(InnerTcpPayload(
                testing::BuildIp(OuterSpec(kGre), testing::Gre({.protocol = 0x8847},
                                                               testing::MplsLabels({16, 17}, v4))),
                kEthertypeIpv4),
            "inner v4");
  // Two tunnels deep: IPv6 in IPv4 inside GRE bridging Ethernet.
  const testing::ByteVec sixin4 = testing::BuildIp(OuterSpec(kIpv6InIp), v6);
  EXPECT_EQ(InnerTcpPayload(
                testing::BuildIp(OuterSpec(kGre),
                                 testing::Gre({.protocol = 0x6558}, testing::Ethernet({}, sixin4))),
                kEthertypeIpv4),
            "inner v6");
}

// ---------------------------------------------------------------------- public capture corpus

struct TunnelTally {
  int packets = 0;
  int decapsulated = 0;
  int failed = 0;
  int inner_tcp = 0;
  std::uint64_t inner_tcp_payload = 0;
  AnomalyCounters anomalies;
};

// Every packet of an Ethernet capture: link, IP, one tunnel, inner IP and TCP.
TunnelTally TallyTunnels(const std::string& path) {
  TunnelTally tally;
  std::string error;
  const std::unique_ptr<PcapSource> source = PcapSource::OpenFile(path, &error);
  EXPECT_NE(source, nullptr) << error;
  if (source == nullptr) return tally;
  RawPacket packet;
  while (source->Next(&packet) == PcapSource::Status::kPacket) {
    ++tally.packets;
    LinkLayer link;
    IpLayer ip;
    if (!DecodeLink(source->link_type(), packet.data, link, tally.anomalies) ||
        !DecodeIp(link.network, link.ethertype, ip, tally.anomalies)) {
      continue;
    }
    TunnelInner inner;
    const TunnelStatus status = Decapsulate(ip, &inner, tally.anomalies);
    if (status == TunnelStatus::kFailed) ++tally.failed;
    if (status != TunnelStatus::kInner) continue;
    ++tally.decapsulated;
    IpLayer inner_ip;
    TcpLayer tcp;
    if (!inner.is_ethernet && DecodeIp(inner.frame, inner.ethertype, inner_ip, tally.anomalies) &&
        inner_ip.protocol == kTcp && DecodeTcp(inner_ip.payload, tcp, tally.anomalies)) {
      ++tally.inner_tcp;
      tally.inner_tcp_payload += tcp.payload.size();
    }
  }
  return tally;
}

TEST(TunnelTest, CorpusGreSample) {
  std::string why_not;
  const std::string path = testing::CorpusCapture("zeek-gre-sample.pcap", &why_not);
  if (path.empty()) GTEST_SKIP() << why_not;
  const TunnelTally tally = TallyTunnels(path);
  // tshark: 40 frames, all IPv4/GRE/IPv4; 22 carry TCP (SSH) with 2623 payload bytes.
  EXPECT_EQ(tally.packets, 40);
  EXPECT_EQ(tally.decapsulated, 40);
  EXPECT_EQ(tally.inner_tcp, 22);
  EXPECT_EQ(tally.inner_tcp_payload, 2623u);
  EXPECT_EQ(tally.anomalies.Total(), 0u);
}

TEST(TunnelTest, CorpusPptp) {
  std::string why_not;
  const std::string path = testing::CorpusCapture("tcpdump-pptp-bigendian.pcap", &why_not);
  if (path.empty()) GTEST_SKIP() << why_not;
  const TunnelTally tally = TallyTunnels(path);
  // 22 frames of PPTP control over TCP (not tunnels) and one enhanced-GRE frame carrying LCP.
  EXPECT_EQ(tally.packets, 23);
  EXPECT_EQ(tally.decapsulated, 0);
  EXPECT_EQ(tally.failed, 1);
  EXPECT_EQ(tally.anomalies.Get(Anomaly::kUnsupportedNetwork), 1u);
  EXPECT_EQ(tally.anomalies.Total(), 1u);
}

}  // namespace
}  // namespace tcpflow
