// datalink.cpp: link-layer decoders keyed by DLT (LINKTYPE registry, tcpdump.org/linktypes.html;
// Ethernet per IEEE 802.3, VLAN tags per IEEE 802.1Q/802.1ad, LLC/SNAP per IEEE 802.2 / RFC 1042).
#include "datalink.h"

#include <algorithm>
#include <array>

namespace tcpflow {
namespace {

constexpr std::size_t kEthernetHeaderSize = 14;
constexpr std::size_t kMaxVlanTags = 8;
constexpr std::uint16_t kTpid8021q = 0x8100;
constexpr std::uint16_t kTpid8021ad = 0x88a8;
constexpr std::uint16_t kTpidQinqLegacy = 0x9100;
constexpr std::uint16_t kVidMask = 0x0fff;
// Type/length values up to this are an 802.3 length, not an ethertype.
constexpr std::uint16_t kMax8023Length = 1500;
// LLC/SNAP header: DSAP AA, SSAP AA, control 03 (UI), OUI 00-00-00, then the ethertype.
constexpr std::array<std::uint8_t, 6> kSnapPrefix = {0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00};
constexpr std::size_t kSnapHeaderSize = 8;
constexpr std::size_t kLinuxSllHeaderSize = 16;
constexpr std::size_t kLinuxSllProtocolOffset = 14;
constexpr std::size_t kLoopbackHeaderSize = 4;

// Address-family values found in DLT_NULL / DLT_LOOP headers.
constexpr std::uint32_t kFamilyInet = 2;
constexpr std::array<std::uint32_t, 5> kFamiliesInet6 = {
    10,  // Linux
    23,  // Windows
    24,  // NetBSD, OpenBSD, BSD/OS
    28,  // FreeBSD
    30,  // Darwin
};

bool IsIpEthertype(std::uint16_t type) {
  return type == kEthertypeIpv4 || type == kEthertypeIpv6;
}

bool IsVlanTpid(std::uint16_t type) {
  return type == kTpid8021q || type == kTpid8021ad || type == kTpidQinqLegacy;
}

bool Fail(Anomaly a, AnomalyCounters& anomalies) {
  anomalies.Count(a);
  return false;
}

void CopyMac(Bytes from, MacAddress& to) {
  std::copy(from.begin(), from.end(), to.begin());
}

// DLT_EN10MB and DLT_IEEE802: MACs, any VLAN tag stack, Ethernet II or 802.3 + LLC/SNAP.
bool DecodeEthernet(Bytes frame, LinkLayer& out, AnomalyCounters& anomalies) {
  ByteReader reader(frame);
  if (!reader.Has(kEthernetHeaderSize)) return Fail(Anomaly::kTruncatedLinkHeader, anomalies);
  CopyMac(reader.Take(6), out.dst_mac);
  CopyMac(reader.Take(6), out.src_mac);
  out.has_macs = true;
  std::uint16_t type = reader.Be16();
  for (std::size_t tags = 0; IsVlanTpid(type); ++tags) {
    if (tags == kMaxVlanTags) return Fail(Anomaly::kTooManyVlanTags, anomalies);
    const std::uint16_t tci = reader.Be16();
    type = reader.Be16();
    if (!reader.ok()) return Fail(Anomaly::kTruncatedLinkHeader, anomalies);
    if (tags == 0) out.vlan = tci & kVidMask;
  }
  if (type <= kMax8023Length) {
    // 802.3 length field: the frame must hold an LLC/SNAP header with OUI 0 (RFC 1042).
    const std::uint16_t length = type;
    const Bytes snap = reader.Take(kSnapHeaderSize);
    if (!reader.ok()) return Fail(Anomaly::kTruncatedLinkHeader, anomalies);
    if (length < kSnapHeaderSize ||
        !std::equal(kSnapPrefix.begin(), kSnapPrefix.end(), snap.begin())) {
      return Fail(Anomaly::kUnsupportedNetwork, anomalies);
    }
    type = ByteReader(snap.subspan(kSnapPrefix.size())).Be16();
    out.network = reader.TakeUpTo(length - kSnapHeaderSize);
  } else {
    out.network = reader.Rest();
  }
  if (!IsIpEthertype(type)) return Fail(Anomaly::kUnsupportedNetwork, anomalies);
  out.ethertype = type;
  return true;
}

// DLT_LINUX_SLL: 16-byte "cooked" header whose last field is the ethertype.
bool DecodeLinuxSll(Bytes frame, LinkLayer& out, AnomalyCounters& anomalies) {
  ByteReader reader(frame);
  if (!reader.Has(kLinuxSllHeaderSize)) return Fail(Anomaly::kTruncatedLinkHeader, anomalies);
  reader.Skip(kLinuxSllProtocolOffset);
  const std::uint16_t protocol = reader.Be16();
  if (!IsIpEthertype(protocol)) return Fail(Anomaly::kUnsupportedNetwork, anomalies);
  out.ethertype = protocol;
  out.network = reader.Rest();
  return true;
}

// DLT_RAW and friends: the frame is the IP packet; the version nibble decides.
bool DecodeRaw(Bytes frame, LinkLayer& out, AnomalyCounters&) {
  out.ethertype = kEthertypeIpAny;
  out.network = frame;
  return true;
}

bool DecodeRawIpv4(Bytes frame, LinkLayer& out, AnomalyCounters&) {
  out.ethertype = kEthertypeIpv4;
  out.network = frame;
  return true;
}

bool DecodeRawIpv6(Bytes frame, LinkLayer& out, AnomalyCounters&) {
  out.ethertype = kEthertypeIpv6;
  out.network = frame;
  return true;
}

// DLT_PPP (RFC 1661, RFC 1662 HDLC-like framing): optional address 0xFF and control 0x03, then a
// 16-bit protocol number (RFC 1661 allows a compressed 1-byte one). 0x0021 is IPv4, 0x0057 IPv6.
bool DecodePpp(Bytes frame, LinkLayer& out, AnomalyCounters& anomalies) {
  ByteReader reader(frame);
  if (reader.PeekU8(0) == 0xFF && reader.PeekU8(1) == 0x03) reader.Skip(2);
  std::uint16_t protocol = reader.U8();
  if ((protocol & 0x01) == 0) protocol = static_cast<std::uint16_t>((protocol << 8) | reader.U8());
  if (!reader.ok()) return Fail(Anomaly::kTruncatedLinkHeader, anomalies);
  if (protocol == 0x0021) {
    out.ethertype = kEthertypeIpv4;
  } else if (protocol == 0x0057) {
    out.ethertype = kEthertypeIpv6;
  } else {
    return Fail(Anomaly::kUnsupportedNetwork, anomalies);
  }
  out.network = reader.Rest();
  return true;
}

// Maps a loopback address-family value to an ethertype; kEthertypeIpAny when unknown.
std::uint16_t LoopbackEthertype(std::uint32_t family) {
  if (family == kFamilyInet) return kEthertypeIpv4;
  if (std::find(kFamiliesInet6.begin(), kFamiliesInet6.end(), family) != kFamiliesInet6.end()) {
    return kEthertypeIpv6;
  }
  return kEthertypeIpAny;
}

// DLT_NULL: 4-byte family in the capturing host's byte order, which we do not know, so
// little-endian is tried first and big-endian second.
bool DecodeNull(Bytes frame, LinkLayer& out, AnomalyCounters& anomalies) {
  ByteReader reader(frame);
  const Bytes header = reader.Take(kLoopbackHeaderSize);
  if (!reader.ok()) return Fail(Anomaly::kTruncatedLinkHeader, anomalies);
  std::uint16_t type = LoopbackEthertype(ByteReader(header).Le32());
  if (type == kEthertypeIpAny) type = LoopbackEthertype(ByteReader(header).Be32());
  if (type == kEthertypeIpAny) return Fail(Anomaly::kBadLoopbackFamily, anomalies);
  out.ethertype = type;
  out.network = reader.Rest();
  return true;
}

// DLT_LOOP (OpenBSD): the same 4-byte family, always big-endian.
bool DecodeLoop(Bytes frame, LinkLayer& out, AnomalyCounters& anomalies) {
  ByteReader reader(frame);
  const std::uint32_t family = reader.Be32();
  if (!reader.ok()) return Fail(Anomaly::kTruncatedLinkHeader, anomalies);
  const std::uint16_t type = LoopbackEthertype(family);
  if (type == kEthertypeIpAny) return Fail(Anomaly::kBadLoopbackFamily, anomalies);
  out.ethertype = type;
  out.network = reader.Rest();
  return true;
}

// Wraps a decoder so that `out` is reset first: nothing from an earlier frame survives.
template <LinkDecoder Decode>
bool Fresh(Bytes frame, LinkLayer& out, AnomalyCounters& anomalies) {
  out = LinkLayer{};
  return Decode(frame, out, anomalies);
}

struct LinkTableEntry {
  int dlt;
  LinkDecoder decoder;
};

constexpr std::array<LinkTableEntry, 11> kLinkTable = {{
    {kDltNull, Fresh<DecodeNull>},
    {kDltEn10mb, Fresh<DecodeEthernet>},
    {kDltIeee802, Fresh<DecodeEthernet>},
    {kDltRaw, Fresh<DecodeRaw>},
    {kDltRaw14, Fresh<DecodeRaw>},
    {kDltLinktypeRaw, Fresh<DecodeRaw>},
    {kDltLoop, Fresh<DecodeLoop>},
    {kDltPpp, Fresh<DecodePpp>},
    {kDltLinuxSll, Fresh<DecodeLinuxSll>},
    {kDltIpv4, Fresh<DecodeRawIpv4>},
    {kDltIpv6, Fresh<DecodeRawIpv6>},
}};

}  // namespace

LinkDecoder FindLinkDecoder(int dlt) {
  for (const LinkTableEntry& entry : kLinkTable) {
    if (entry.dlt == dlt) return entry.decoder;
  }
  return nullptr;
}

bool IsSupportedLinkType(int dlt) {
  return FindLinkDecoder(dlt) != nullptr;
}

bool DecodeLink(int dlt, Bytes frame, LinkLayer& out, AnomalyCounters& anomalies) {
  const LinkDecoder decoder = FindLinkDecoder(dlt);
  if (decoder == nullptr) {
    out = LinkLayer{};
    return Fail(Anomaly::kUnsupportedNetwork, anomalies);
  }
  return decoder(frame, out, anomalies);
}

}  // namespace tcpflow
