// tunnel.cpp: one tunnel header peeled off an outer IP packet: GRE (RFC 2784, RFC 2890), PPTP's
// enhanced GRE (RFC 2637 4.1), IP-in-IP (RFC 2003, RFC 4213), VXLAN (RFC 7348), Geneve (RFC 8926).
#include "tunnel.h"

#include "datalink.h"

namespace tcpflow {
namespace {

constexpr std::uint8_t kIpProtoIpv4 = 4;
constexpr std::uint8_t kIpProtoIpv6 = 41;
constexpr std::uint8_t kIpProtoGre = 47;

// GRE flags and version: the first 16 bits of the header.
constexpr std::uint16_t kGreChecksum = 0x8000;  // checksum + reserved1 (4 bytes)
constexpr std::uint16_t kGreRouting = 0x4000;   // RFC 1701 source routing: not decoded
constexpr std::uint16_t kGreKey = 0x2000;       // key (4 bytes)
constexpr std::uint16_t kGreSequence = 0x1000;  // sequence number (4 bytes)
constexpr std::uint16_t kGreAck = 0x0080;       // version 1: acknowledgement number (4 bytes)
constexpr std::uint16_t kGreVersionMask = 0x0007;
constexpr std::uint16_t kGreVersionPlain = 0;
constexpr std::uint16_t kGreVersionEnhanced = 1;
constexpr std::size_t kGreOptionalFieldSize = 4;

// Protocol types (ethertypes) that GRE and Geneve carry.
constexpr std::uint16_t kProtoTransparentEthernet = 0x6558;
constexpr std::uint16_t kProtoPpp = 0x880B;
constexpr std::uint16_t kProtoMplsUnicast = 0x8847;
constexpr std::uint16_t kProtoMplsMulticast = 0x8848;

constexpr std::size_t kUdpHeaderSize = 8;
constexpr std::uint8_t kVxlanFlagVni = 0x08;  // the I flag
constexpr std::size_t kVxlanHeaderSize = 8;
constexpr std::uint8_t kGeneveVersion = 0;
constexpr std::uint8_t kGeneveOptionLengthMask = 0x3f;  // in 4-byte units

TunnelStatus Fail(Anomaly a, AnomalyCounters& anomalies) {
  anomalies.Count(a);
  return TunnelStatus::kFailed;
}

TunnelStatus InnerIp(Bytes packet, std::uint16_t ethertype, TunnelInner* inner) {
  *inner = TunnelInner{packet, false, ethertype};
  return TunnelStatus::kInner;
}

TunnelStatus InnerEthernet(Bytes frame, TunnelInner* inner) {
  *inner = TunnelInner{frame, true, kEthertypeIpAny};
  return TunnelStatus::kInner;
}

// Runs a link-layer building block (MPLS, PPP) on bytes inside a tunnel. Its one anomaly is
// counted as the tunnel's: a truncated header becomes kBadTunnelHeader, any other stays as it is.
TunnelStatus DecodeNested(LinkDecoder decode, Bytes bytes, TunnelInner* inner,
                          AnomalyCounters& anomalies) {
  LinkLayer link;
  AnomalyCounters nested;
  if (decode(bytes, link, nested)) return InnerIp(link.network, link.ethertype, inner);
  for (std::size_t i = 0; i < kAnomalyCount; ++i) {
    const auto anomaly = static_cast<Anomaly>(i);
    const std::uint64_t count = nested.Get(anomaly);
    if (count == 0) continue;
    anomalies.Count(anomaly == Anomaly::kTruncatedLinkHeader ? Anomaly::kBadTunnelHeader : anomaly,
                    count);
  }
  return TunnelStatus::kFailed;
}

// The payload named by a GRE or Geneve protocol type.
TunnelStatus DecodeByProtocolType(std::uint16_t protocol, Bytes payload, TunnelInner* inner,
                                  AnomalyCounters& anomalies) {
  switch (protocol) {
    case kEthertypeIpv4:
    case kEthertypeIpv6: return InnerIp(payload, protocol, inner);
    case kProtoTransparentEthernet: return InnerEthernet(payload, inner);
    case kProtoMplsUnicast:
    case kProtoMplsMulticast: return DecodeNested(DecodeMplsStack, payload, inner, anomalies);
    case kProtoPpp: return DecodeNested(DecodePppFrame, payload, inner, anomalies);
    default: return Fail(Anomaly::kUnsupportedNetwork, anomalies);
  }
}

// PPTP's enhanced GRE (RFC 2637 4.1), after the flags and protocol: key (payload length, call
// ID), optional sequence and acknowledgement numbers, then a PPP frame of that payload length.
TunnelStatus DecodeEnhancedGre(std::uint16_t flags, std::uint16_t protocol, ByteReader& reader,
                               TunnelInner* inner, AnomalyCounters& anomalies) {
  if ((flags & kGreChecksum) != 0 || (flags & kGreKey) == 0 || protocol != kProtoPpp) {
    return Fail(Anomaly::kBadTunnelHeader, anomalies);
  }
  const std::uint16_t payload_length = reader.Be16();
  reader.Skip(2);  // call ID
  if ((flags & kGreSequence) != 0) reader.Skip(kGreOptionalFieldSize);
  if ((flags & kGreAck) != 0) reader.Skip(kGreOptionalFieldSize);
  if (!reader.ok()) return Fail(Anomaly::kBadTunnelHeader, anomalies);
  if (payload_length == 0) return TunnelStatus::kNotTunnel;  // an acknowledgement only
  return DecodeNested(DecodePppFrame, reader.TakeUpTo(payload_length), inner, anomalies);
}

// GRE: flags and version (2 bytes), protocol type (2), then the optional fields the flags name.
TunnelStatus DecodeGre(Bytes packet, TunnelInner* inner, AnomalyCounters& anomalies) {
  ByteReader reader(packet);
  const std::uint16_t flags = reader.Be16();
  const std::uint16_t protocol = reader.Be16();
  if (!reader.ok() || (flags & kGreRouting) != 0) {
    return Fail(Anomaly::kBadTunnelHeader, anomalies);
  }
  const std::uint16_t version = flags & kGreVersionMask;
  if (version == kGreVersionEnhanced) {
    return DecodeEnhancedGre(flags, protocol, reader, inner, anomalies);
  }
  if (version != kGreVersionPlain) return Fail(Anomaly::kBadTunnelHeader, anomalies);
  for (std::uint16_t field : {kGreChecksum, kGreKey, kGreSequence}) {
    if ((flags & field) != 0) reader.Skip(kGreOptionalFieldSize);
  }
  if (!reader.ok()) return Fail(Anomaly::kBadTunnelHeader, anomalies);
  return DecodeByProtocolType(protocol, reader.Rest(), inner, anomalies);
}

// VXLAN: flags (I must be set), reserved, 24-bit VNI, reserved; then an Ethernet frame.
TunnelStatus DecodeVxlan(Bytes body, TunnelInner* inner, AnomalyCounters& anomalies) {
  ByteReader reader(body);
  const std::uint8_t flags = reader.U8();
  reader.Skip(kVxlanHeaderSize - 1);
  if (!reader.ok() || (flags & kVxlanFlagVni) == 0) {
    return Fail(Anomaly::kBadTunnelHeader, anomalies);
  }
  return InnerEthernet(reader.Rest(), inner);
}

// Geneve: version (2 bits) and option length (6 bits, 4-byte units), O/C flags, protocol type,
// 24-bit VNI, reserved, options; then the payload the protocol type names.
TunnelStatus DecodeGeneve(Bytes body, TunnelInner* inner, AnomalyCounters& anomalies) {
  ByteReader reader(body);
  const std::uint8_t version_length = reader.U8();
  reader.Skip(1);  // O and C flags, reserved
  const std::uint16_t protocol = reader.Be16();
  reader.Skip(4);  // VNI, reserved
  reader.Skip(static_cast<std::size_t>(version_length & kGeneveOptionLengthMask) * 4);
  if (!reader.ok() || (version_length >> 6) != kGeneveVersion) {
    return Fail(Anomaly::kBadTunnelHeader, anomalies);
  }
  return DecodeByProtocolType(protocol, reader.Rest(), inner, anomalies);
}

// UDP to a tunnel port; the datagram is min(UDP length, captured) bytes.
TunnelStatus DecodeUdp(Bytes datagram, TunnelInner* inner, AnomalyCounters& anomalies) {
  ByteReader reader(datagram);
  reader.Skip(2);  // source port
  const std::uint16_t port = reader.Be16();
  const std::uint16_t length = reader.Be16();
  reader.Skip(2);  // checksum (not checked)
  if (!reader.ok() || (port != kVxlanPort && port != kGenevePort)) {
    return TunnelStatus::kNotTunnel;
  }
  if (length < kUdpHeaderSize) return Fail(Anomaly::kBadTunnelHeader, anomalies);
  const Bytes body = reader.TakeUpTo(length - kUdpHeaderSize);
  return port == kVxlanPort ? DecodeVxlan(body, inner, anomalies)
                            : DecodeGeneve(body, inner, anomalies);
}

}  // namespace

TunnelStatus Decapsulate(const IpLayer& outer, TunnelInner* inner, AnomalyCounters& anomalies) {
  if (outer.is_fragment) return TunnelStatus::kNotTunnel;
  switch (outer.protocol) {
    case kIpProtoGre: return DecodeGre(outer.payload, inner, anomalies);
    case kIpProtoIpv4: return InnerIp(outer.payload, kEthertypeIpv4, inner);
    case kIpProtoIpv6: return InnerIp(outer.payload, kEthertypeIpv6, inner);
    case kIpProtoUdp: return DecodeUdp(outer.payload, inner, anomalies);
    default: return TunnelStatus::kNotTunnel;
  }
}

}  // namespace tcpflow
