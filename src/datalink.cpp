// datalink.cpp: link-layer decoders keyed by DLT (LINKTYPE registry, tcpdump.org/linktypes.html;
// Ethernet per IEEE 802.3, VLAN tags per IEEE 802.1Q/802.1ad, LLC/SNAP per IEEE 802.2 / RFC 1042,
// MPLS per RFC 3032, PPP per RFC 1661/1662, PPPoE per RFC 2516, 802.11 per IEEE 802.11-2020
// clause 9, radiotap per radiotap.org).
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
// SLL2: protocol(2) reserved(2) ifindex(4) ARPHRD(2) packet type(1) address length(1) address(8).
constexpr std::size_t kLinuxSll2HeaderSize = 20;
constexpr std::size_t kLoopbackHeaderSize = 4;

constexpr std::uint16_t kEthertypeMplsUnicast = 0x8847;
constexpr std::uint16_t kEthertypeMplsMulticast = 0x8848;
constexpr std::uint16_t kEthertypePppoeSession = 0x8864;

// MPLS label stack entry: label(20) traffic class(3) bottom of stack(1) TTL(8).
constexpr std::uint32_t kMplsBottomOfStack = 0x100;
constexpr std::size_t kMaxMplsLabels = 8;

// PPP protocol numbers (RFC 1661; IANA "PPP DLL Protocol Numbers").
constexpr std::uint16_t kPppIpv4 = 0x0021;
constexpr std::uint16_t kPppIpv6 = 0x0057;
constexpr std::uint16_t kPppMplsUnicast = 0x0281;
constexpr std::uint16_t kPppMplsMulticast = 0x0283;
// PPPoE session stage: version 1 / type 1 in one byte, code 0 (session data).
constexpr std::uint8_t kPppoeVersionType = 0x11;
constexpr std::uint8_t kPppoeCodeSession = 0x00;

// 802.11 MAC header (IEEE 802.11-2020 9.2.4 and 9.3.2.1). Frame control byte 0: protocol version
// (2 bits), type (2), subtype (4); byte 1: flags.
constexpr std::size_t kMacSize = 6;
constexpr std::size_t kWifiHtControlSize = 4;
constexpr std::size_t kFcsSize = 4;
constexpr std::uint8_t kWifiTypeData = 2;
constexpr std::uint8_t kWifiSubtypeNoData = 0x04;  // Null, CF-Ack, ... and QoS Null
constexpr std::uint8_t kWifiSubtypeQos = 0x08;
constexpr std::uint8_t kWifiToDs = 0x01;
constexpr std::uint8_t kWifiFromDs = 0x02;
constexpr std::uint8_t kWifiProtected = 0x40;
constexpr std::uint8_t kWifiOrder = 0x80;        // in QoS data frames: an HT Control field follows
constexpr std::uint8_t kQosAmsduPresent = 0x80;  // low byte of QoS Control

// Radiotap: version(1) pad(1) length(LE16) present(LE32), more present words while bit 31 is set.
constexpr std::size_t kRadiotapFixedSize = 8;
constexpr std::uint32_t kRadiotapTsft = 1u << 0;
constexpr std::uint32_t kRadiotapFlags = 1u << 1;
constexpr std::uint32_t kRadiotapExtended = 1u << 31;
constexpr std::size_t kRadiotapTsftSize = 8;  // and its alignment
constexpr std::uint8_t kRadiotapFlagFcs = 0x10;
constexpr std::uint8_t kRadiotapFlagDataPad = 0x20;  // header padded to a multiple of 4 bytes
constexpr std::uint8_t kRadiotapFlagBadFcs = 0x40;

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

bool SetNetwork(std::uint16_t ethertype, Bytes network, LinkLayer& out) {
  out.ethertype = ethertype;
  out.network = network;
  return true;
}

// `snap` is an 8-byte LLC/SNAP header with OUI 0 (RFC 1042).
bool IsSnap(Bytes snap) {
  return std::equal(kSnapPrefix.begin(), kSnapPrefix.end(), snap.begin());
}

std::uint16_t SnapEthertype(Bytes snap) {
  return ByteReader(snap.subspan(kSnapPrefix.size())).Be16();
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

// A PPP protocol field: 2 bytes, or 1 when its first byte is odd (RFC 1661 6.5, protocol-field
// compression). !reader.ok() when absent.
std::uint16_t ReadPppProtocol(ByteReader& reader) {
  const std::uint16_t first = reader.U8();
  if ((first & 0x01) != 0) return first;
  return static_cast<std::uint16_t>((first << 8) | reader.U8());
}

// The PPP payload named by `protocol`.
bool DecodeByPppProtocol(std::uint16_t protocol, Bytes payload, LinkLayer& out,
                         AnomalyCounters& anomalies) {
  switch (protocol) {
    case kPppIpv4: return SetNetwork(kEthertypeIpv4, payload, out);
    case kPppIpv6: return SetNetwork(kEthertypeIpv6, payload, out);
    case kPppMplsUnicast:
    case kPppMplsMulticast: return DecodeMplsStack(payload, out, anomalies);
    default: return Fail(Anomaly::kUnsupportedNetwork, anomalies);
  }
}

// PPPoE session stage (RFC 2516 section 4): ver/type, code, session id, payload length, then the
// PPP protocol (2 bytes, or 1 when compressed: RFC 2516 advises against it, but it is seen) and
// its payload. Discovery packets and other versions are unsupported.
bool DecodePppoe(Bytes frame, LinkLayer& out, AnomalyCounters& anomalies) {
  ByteReader reader(frame);
  const std::uint8_t version_type = reader.U8();
  const std::uint8_t code = reader.U8();
  reader.Skip(2);  // session id
  const std::uint16_t length = reader.Be16();
  if (!reader.ok()) return Fail(Anomaly::kTruncatedLinkHeader, anomalies);
  if (version_type != kPppoeVersionType || code != kPppoeCodeSession) {
    return Fail(Anomaly::kUnsupportedNetwork, anomalies);
  }
  ByteReader payload(reader.TakeUpTo(length));
  const std::uint16_t protocol = ReadPppProtocol(payload);
  if (!payload.ok()) return Fail(Anomaly::kTruncatedLinkHeader, anomalies);
  return DecodeByPppProtocol(protocol, payload.Rest(), out, anomalies);
}

// The payload of an ethertype-style protocol field.
bool DecodeByEthertype(std::uint16_t type, Bytes payload, LinkLayer& out,
                       AnomalyCounters& anomalies) {
  if (IsIpEthertype(type)) return SetNetwork(type, payload, out);
  if (type == kEthertypeMplsUnicast || type == kEthertypeMplsMulticast) {
    return DecodeMplsStack(payload, out, anomalies);
  }
  if (type == kEthertypePppoeSession) return DecodePppoe(payload, out, anomalies);
  return Fail(Anomaly::kUnsupportedNetwork, anomalies);
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
  if (type > kMax8023Length) return DecodeByEthertype(type, reader.Rest(), out, anomalies);
  // 802.3 length field: the frame must hold an LLC/SNAP header with OUI 0 (RFC 1042).
  const std::uint16_t length = type;
  const Bytes snap = reader.Take(kSnapHeaderSize);
  if (!reader.ok()) return Fail(Anomaly::kTruncatedLinkHeader, anomalies);
  if (length < kSnapHeaderSize || !IsSnap(snap)) {
    return Fail(Anomaly::kUnsupportedNetwork, anomalies);
  }
  return DecodeByEthertype(SnapEthertype(snap), reader.TakeUpTo(length - kSnapHeaderSize), out,
                           anomalies);
}

// DLT_LINUX_SLL: 16-byte "cooked" header whose last field is the ethertype.
bool DecodeLinuxSll(Bytes frame, LinkLayer& out, AnomalyCounters& anomalies) {
  ByteReader reader(frame);
  if (!reader.Has(kLinuxSllHeaderSize)) return Fail(Anomaly::kTruncatedLinkHeader, anomalies);
  reader.Skip(kLinuxSllProtocolOffset);
  const std::uint16_t protocol = reader.Be16();
  return DecodeByEthertype(protocol, reader.Rest(), out, anomalies);
}

// DLT_LINUX_SLL2: 20-byte "cooked" header whose first field is the ethertype.
bool DecodeLinuxSll2(Bytes frame, LinkLayer& out, AnomalyCounters& anomalies) {
  ByteReader reader(frame);
  if (!reader.Has(kLinuxSll2HeaderSize)) return Fail(Anomaly::kTruncatedLinkHeader, anomalies);
  const std::uint16_t protocol = reader.Be16();
  reader.Skip(kLinuxSll2HeaderSize - 2);
  return DecodeByEthertype(protocol, reader.Rest(), out, anomalies);
}

// An 802.11 data frame (IEEE 802.11-2020 9.3.2.1) carrying LLC/SNAP. `has_fcs`: the last 4 bytes
// are the FCS. `data_pad`: the MAC header is padded to a multiple of 4 bytes (radiotap flag).
bool DecodeWifiFrame(Bytes frame, bool has_fcs, bool data_pad, LinkLayer& out,
                     AnomalyCounters& anomalies) {
  if (has_fcs) {
    if (frame.size() < kFcsSize) return Fail(Anomaly::kTruncatedLinkHeader, anomalies);
    frame = frame.first(frame.size() - kFcsSize);
  }
  ByteReader reader(frame);
  const std::uint8_t control = reader.U8();
  const std::uint8_t flags = reader.U8();
  reader.Skip(2);  // duration / ID
  const Bytes address1 = reader.Take(kMacSize);
  const Bytes address2 = reader.Take(kMacSize);
  const Bytes address3 = reader.Take(kMacSize);
  reader.Skip(2);  // sequence control
  if (!reader.ok()) return Fail(Anomaly::kTruncatedLinkHeader, anomalies);
  const std::uint8_t version = control & 0x03;
  const std::uint8_t type = (control >> 2) & 0x03;
  const std::uint8_t subtype = control >> 4;
  if (version != 0 || type != kWifiTypeData || (subtype & kWifiSubtypeNoData) != 0 ||
      (flags & kWifiProtected) != 0) {
    return Fail(Anomaly::kUnsupportedNetwork, anomalies);
  }
  const bool to_ds = (flags & kWifiToDs) != 0;
  const bool from_ds = (flags & kWifiFromDs) != 0;
  const Bytes address4 = to_ds && from_ds ? reader.Take(kMacSize) : Bytes{};
  bool amsdu = false;
  if ((subtype & kWifiSubtypeQos) != 0) {
    amsdu = (reader.U8() & kQosAmsduPresent) != 0;
    reader.Skip(1);
    if ((flags & kWifiOrder) != 0) reader.Skip(kWifiHtControlSize);
  }
  if (data_pad) reader.Skip((4 - reader.offset() % 4) % 4);
  const Bytes snap = reader.Take(kSnapHeaderSize);
  if (!reader.ok()) return Fail(Anomaly::kTruncatedLinkHeader, anomalies);
  if (amsdu || !IsSnap(snap)) return Fail(Anomaly::kUnsupportedNetwork, anomalies);
  // SA and DA per ToDS/FromDS (IEEE 802.11, the "Address field contents" table).
  CopyMac(to_ds ? address3 : address1, out.dst_mac);
  CopyMac(to_ds && from_ds ? address4 : from_ds ? address3 : address2, out.src_mac);
  out.has_macs = true;
  return DecodeByEthertype(SnapEthertype(snap), reader.Rest(), out, anomalies);
}

// DLT_IEEE802_11: a bare 802.11 frame; the link type says nothing about an FCS, so none is assumed.
bool DecodeWifi(Bytes frame, LinkLayer& out, AnomalyCounters& anomalies) {
  return DecodeWifiFrame(frame, false, false, out, anomalies);
}

// DLT_IEEE802_11_RADIO: a radiotap header, then an 802.11 frame. Only the Flags field is read: it
// sits after the (8-aligned) TSFT field when that is present, else first.
bool DecodeRadiotap(Bytes frame, LinkLayer& out, AnomalyCounters& anomalies) {
  ByteReader reader(frame);
  const std::uint8_t version = reader.U8();
  reader.Skip(1);  // pad
  const std::uint16_t length = reader.Le16();
  const std::uint32_t present = reader.Le32();
  if (!reader.ok()) return Fail(Anomaly::kTruncatedLinkHeader, anomalies);
  if (version != 0) return Fail(Anomaly::kUnsupportedNetwork, anomalies);
  if (length < kRadiotapFixedSize || length > frame.size()) {
    return Fail(Anomaly::kTruncatedLinkHeader, anomalies);
  }
  ByteReader header(frame.first(length));
  header.Skip(kRadiotapFixedSize);
  // Each extra present word takes 4 bytes, so this ends within `length`.
  for (std::uint32_t word = present; header.ok() && (word & kRadiotapExtended) != 0;) {
    word = header.Le32();
  }
  std::uint8_t flags = 0;
  if ((present & kRadiotapFlags) != 0) {
    if ((present & kRadiotapTsft) != 0) {
      header.Skip((kRadiotapTsftSize - header.offset() % kRadiotapTsftSize) % kRadiotapTsftSize);
      header.Skip(kRadiotapTsftSize);
    }
    flags = header.U8();
  }
  if (!header.ok()) return Fail(Anomaly::kTruncatedLinkHeader, anomalies);
  if ((flags & kRadiotapFlagBadFcs) != 0) return Fail(Anomaly::kUnsupportedNetwork, anomalies);
  return DecodeWifiFrame(frame.subspan(length), (flags & kRadiotapFlagFcs) != 0,
                         (flags & kRadiotapFlagDataPad) != 0, out, anomalies);
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

constexpr std::array<LinkTableEntry, 15> kLinkTable = {{
    {kDltNull, Fresh<DecodeNull>},
    {kDltEn10mb, Fresh<DecodeEthernet>},
    {kDltIeee802, Fresh<DecodeEthernet>},
    {kDltPpp, Fresh<DecodePppFrame>},
    {kDltRaw, Fresh<DecodeRaw>},
    {kDltRaw14, Fresh<DecodeRaw>},
    {kDltPppEther, Fresh<DecodePppoe>},
    {kDltLinktypeRaw, Fresh<DecodeRaw>},
    {kDltIeee80211, Fresh<DecodeWifi>},
    {kDltIeee80211Radio, Fresh<DecodeRadiotap>},
    {kDltLoop, Fresh<DecodeLoop>},
    {kDltLinuxSll, Fresh<DecodeLinuxSll>},
    {kDltIpv4, Fresh<DecodeRawIpv4>},
    {kDltIpv6, Fresh<DecodeRawIpv6>},
    {kDltLinuxSll2, Fresh<DecodeLinuxSll2>},
}};

}  // namespace

bool DecodeMplsStack(Bytes labels, LinkLayer& out, AnomalyCounters& anomalies) {
  ByteReader reader(labels);
  for (std::size_t popped = 0;; ++popped) {
    if (popped == kMaxMplsLabels) return Fail(Anomaly::kTooManyVlanTags, anomalies);
    const std::uint32_t entry = reader.Be32();
    if (!reader.ok()) return Fail(Anomaly::kTruncatedLinkHeader, anomalies);
    if ((entry & kMplsBottomOfStack) != 0) break;
  }
  const std::uint8_t version = reader.PeekU8() >> 4;
  if (!reader.ok()) return Fail(Anomaly::kTruncatedLinkHeader, anomalies);
  if (version != 4 && version != 6) return Fail(Anomaly::kUnsupportedNetwork, anomalies);
  return SetNetwork(kEthertypeIpAny, reader.Rest(), out);
}

bool DecodePppFrame(Bytes frame, LinkLayer& out, AnomalyCounters& anomalies) {
  ByteReader reader(frame);
  if (reader.PeekU8(0) == 0xFF && reader.PeekU8(1) == 0x03) reader.Skip(2);
  const std::uint16_t protocol = ReadPppProtocol(reader);
  if (!reader.ok()) return Fail(Anomaly::kTruncatedLinkHeader, anomalies);
  return DecodeByPppProtocol(protocol, reader.Rest(), out, anomalies);
}

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
