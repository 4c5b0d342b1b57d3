// pcap_builder.cpp: packet, link-layer and pcap/pcapng writers for test captures.
// References: draft-ietf-opsawg-pcap, draft-ietf-opsawg-pcapng, RFC 791, RFC 8200, RFC 9293,
// RFC 768, RFC 1071, IEEE 802.1Q, the LINKTYPE registry; for the encapsulations RFC 3032, RFC 2516,
// RFC 2784/2890, RFC 7348, IEEE 802.11 and radiotap.org.
#include "pcap_builder.h"

#include <arpa/inet.h>

#include <algorithm>
#include <fstream>
#include <stdexcept>
#include <utility>

namespace tcpflow::testing {
namespace {

constexpr std::uint8_t kProtoTcp = 6;
constexpr std::uint8_t kProtoUdp = 17;
constexpr std::uint8_t kExtHopByHop = 0;
constexpr std::uint8_t kExtFragment = 44;
constexpr std::uint8_t kExtDestOpts = 60;
constexpr std::uint16_t kEthertypeIpv4 = 0x0800;
constexpr std::uint16_t kEthertypeIpv6 = 0x86dd;

void PutBe16(ByteVec& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

void PutBe32(ByteVec& out, std::uint32_t v) {
  PutBe16(out, static_cast<std::uint16_t>(v >> 16));
  PutBe16(out, static_cast<std::uint16_t>(v));
}

void Put16(ByteVec& out, std::uint16_t v, bool big_endian) {
  if (big_endian) {
    PutBe16(out, v);
  } else {
    out.push_back(static_cast<std::uint8_t>(v));
    out.push_back(static_cast<std::uint8_t>(v >> 8));
  }
}

void Put32(ByteVec& out, std::uint32_t v, bool big_endian) {
  if (big_endian) {
    PutBe32(out, v);
  } else {
    Put16(out, static_cast<std::uint16_t>(v), false);
    Put16(out, static_cast<std::uint16_t>(v >> 16), false);
  }
}

void SetBe16(ByteVec& out, std::size_t at, std::uint16_t v) {
  out[at] = static_cast<std::uint8_t>(v >> 8);
  out[at + 1] = static_cast<std::uint8_t>(v);
}

void Append(ByteVec& out, std::span<const std::uint8_t> bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}

void PadTo(ByteVec& out, std::size_t multiple, std::uint8_t value = 0) {
  while (out.size() % multiple != 0) out.push_back(value);
}

// One's-complement sum of 16-bit big-endian words, added to `acc` (not folded).
std::uint32_t SumWords(std::span<const std::uint8_t> data, std::uint32_t acc) {
  std::size_t i = 0;
  for (; i + 1 < data.size(); i += 2)
    acc += static_cast<std::uint32_t>((data[i] << 8) | data[i + 1]);
  if (i < data.size()) acc += static_cast<std::uint32_t>(data[i] << 8);
  return acc;
}

std::uint16_t FoldComplement(std::uint32_t acc) {
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return static_cast<std::uint16_t>(~acc);
}

struct Address {
  bool v6 = false;
  ByteVec bytes;  // 4 or 16
};

Address ParseAddress(const std::string& text) {
  Address a;
  std::array<std::uint8_t, 16> buf{};
  if (inet_pton(AF_INET, text.c_str(), buf.data()) == 1) {
    a.bytes.assign(buf.begin(), buf.begin() + 4);
  } else if (inet_pton(AF_INET6, text.c_str(), buf.data()) == 1) {
    a.v6 = true;
    a.bytes.assign(buf.begin(), buf.end());
  } else {
    throw std::invalid_argument("pcap_builder: not an IP address: " + text);
  }
  return a;
}

std::pair<Address, Address> ParsePair(const std::string& src_text, const std::string& dst_text) {
  Address src = ParseAddress(src_text);
  Address dst = ParseAddress(dst_text);
  if (src.v6 != dst.v6) throw std::invalid_argument("pcap_builder: mixed IPv4/IPv6 addresses");
  return {src, dst};
}

// Checksum of `l4` (whose checksum field is zero) with the RFC 793/8200 pseudo-header.
std::uint16_t L4Checksum(const IpSpec& ip, std::uint8_t protocol, const ByteVec& l4) {
  auto [src, dst] = ParsePair(ip.src, ip.dst);
  ByteVec pseudo;
  Append(pseudo, src.bytes);
  Append(pseudo, dst.bytes);
  if (src.v6) {
    PutBe32(pseudo, static_cast<std::uint32_t>(l4.size()));
    PutBe32(pseudo, protocol);
  } else {
    pseudo.push_back(0);
    pseudo.push_back(protocol);
    PutBe16(pseudo, static_cast<std::uint16_t>(l4.size()));
  }
  return FoldComplement(SumWords(l4, SumWords(pseudo, 0)));
}

ByteVec BuildIpv4(const IpSpec& ip, const Address& src, const Address& dst, const ByteVec& l4) {
  ByteVec options = ip.ipv4_options;
  PadTo(options, 4);
  const std::size_t header_len = 20 + options.size();
  const std::uint8_t ihl = ip.ihl_override.value_or(static_cast<std::uint8_t>(header_len / 4));
  ByteVec out;
  out.push_back(static_cast<std::uint8_t>(0x40 | (ihl & 0x0f)));
  out.push_back(0);  // DSCP/ECN
  PutBe16(out,
          ip.total_length_override.value_or(static_cast<std::uint16_t>(header_len + l4.size())));
  PutBe16(out, ip.id);
  std::uint16_t frag = ip.fragment_offset_units & 0x1fff;
  if (ip.dont_fragment) frag |= 0x4000;
  if (ip.more_fragments) frag |= 0x2000;
  PutBe16(out, frag);
  out.push_back(ip.ttl);
  out.push_back(ip.protocol);
  PutBe16(out, 0);  // checksum, filled below
  Append(out, src.bytes);
  Append(out, dst.bytes);
  Append(out, options);
  SetBe16(out, 10, FoldComplement(SumWords(out, 0)));
  Append(out, l4);
  return out;
}

// One extension header, next-header byte first.
ByteVec BuildExt(const IpSpec::Ext& ext, std::uint8_t next_header) {
  ByteVec out{next_header, 0};
  if (ext.type == kExtFragment) {
    ByteVec body = ext.body;
    body.resize(6, 0);
    Append(out, body);
    return out;
  }
  Append(out, ext.body);
  const std::size_t pad = (8 - out.size() % 8) % 8;
  const bool options_header = ext.type == kExtHopByHop || ext.type == kExtDestOpts;
  if (options_header && pad == 1) {
    out.push_back(0);  // Pad1
  } else if (options_header && pad >= 2) {
    out.push_back(1);  // PadN
    out.push_back(static_cast<std::uint8_t>(pad - 2));
    out.resize(out.size() + pad - 2, 0);
  } else {
    out.resize(out.size() + pad, 0);
  }
  out[1] = static_cast<std::uint8_t>(out.size() / 8 - 1);
  return out;
}

ByteVec BuildIpv6(const IpSpec& ip, const Address& src, const Address& dst, const ByteVec& l4) {
  ByteVec chain;
  for (std::size_t i = 0; i < ip.ipv6_ext.size(); ++i) {
    const std::uint8_t next = i + 1 < ip.ipv6_ext.size() ? ip.ipv6_ext[i + 1].type : ip.protocol;
    Append(chain, BuildExt(ip.ipv6_ext[i], next));
  }
  ByteVec out;
  PutBe32(out, 0x60000000);  // version 6, traffic class 0, flow label 0
  PutBe16(out,
          ip.total_length_override.value_or(static_cast<std::uint16_t>(chain.size() + l4.size())));
  out.push_back(ip.ipv6_ext.empty() ? ip.protocol : ip.ipv6_ext.front().type);
  out.push_back(ip.ttl);
  Append(out, src.bytes);
  Append(out, dst.bytes);
  Append(out, chain);
  Append(out, l4);
  return out;
}

bool WriteAll(const std::string& path, const ByteVec& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  out.close();
  return !out.fail();
}

std::uint32_t PowerOfTen(std::uint8_t exponent) {
  std::uint32_t v = 1;
  for (std::uint8_t i = 0; i < exponent; ++i) v *= 10;
  return v;
}

// Converts microseconds to units of 10^-tsresol seconds.
std::uint64_t UsecToUnits(std::uint32_t usec, std::uint8_t tsresol) {
  if (tsresol >= 6) return std::uint64_t{usec} * PowerOfTen(static_cast<std::uint8_t>(tsresol - 6));
  return usec / PowerOfTen(static_cast<std::uint8_t>(6 - tsresol));
}

}  // namespace

ByteVec ToBytes(std::string_view s) {
  return ByteVec(s.begin(), s.end());
}

bool WriteFileBytes(const std::string& path, const ByteVec& bytes) {
  return WriteAll(path, bytes);
}

std::uint16_t InternetChecksum(std::span<const std::uint8_t> data) {
  return FoldComplement(SumWords(data, 0));
}

// ------------------------------------------------------------------------------- PcapWriter

PcapWriter::PcapWriter(PcapOptions opts) : opts_(opts) {
  const bool be = opts_.big_endian;
  Put32(bytes_, opts_.nanosecond ? 0xa1b23c4d : 0xa1b2c3d4, be);
  Put16(bytes_, 2, be);  // version major
  Put16(bytes_, 4, be);  // version minor
  Put32(bytes_, 0, be);  // thiszone
  Put32(bytes_, 0, be);  // sigfigs
  Put32(bytes_, opts_.snaplen, be);
  Put32(bytes_, opts_.linktype, be);
}

void PcapWriter::Add(std::int64_t sec, std::uint32_t ts_frac, const ByteVec& frame,
                     std::uint32_t orig_len) {
  const std::size_t caplen = std::min<std::size_t>(frame.size(), opts_.snaplen);
  const std::uint32_t wire = orig_len != 0 ? orig_len : static_cast<std::uint32_t>(frame.size());
  AddRawRecord(sec, ts_frac, static_cast<std::uint32_t>(caplen), wire,
               ByteVec(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(caplen)));
}

void PcapWriter::AddRawRecord(std::int64_t sec, std::uint32_t ts_frac, std::uint32_t caplen_field,
                              std::uint32_t orig_len_field, const ByteVec& data) {
  const bool be = opts_.big_endian;
  record_offsets_.push_back(bytes_.size());
  Put32(bytes_, static_cast<std::uint32_t>(sec), be);
  Put32(bytes_, ts_frac, be);
  Put32(bytes_, caplen_field, be);
  Put32(bytes_, orig_len_field, be);
  Append(bytes_, data);
}

bool PcapWriter::WriteFile(const std::string& path) const {
  return WriteAll(path, bytes_);
}

// ------------------------------------------------------------------------------ PcapngWriter

PcapngWriter::PcapngWriter(bool big_endian) : big_endian_(big_endian) {
  constexpr std::uint32_t kShbLength = 28;
  Put32(bytes_, 0x0A0D0D0A, big_endian_);
  Put32(bytes_, kShbLength, big_endian_);
  Put32(bytes_, 0x1A2B3C4D, big_endian_);  // byte-order magic
  Put16(bytes_, 1, big_endian_);           // major
  Put16(bytes_, 0, big_endian_);           // minor
  Put32(bytes_, 0xffffffff, big_endian_);  // section length: unknown (-1)
  Put32(bytes_, 0xffffffff, big_endian_);
  Put32(bytes_, kShbLength, big_endian_);
}

std::uint32_t PcapngWriter::AddInterface(std::uint16_t linktype, std::uint32_t snaplen,
                                         std::uint8_t tsresol) {
  constexpr std::uint32_t kIdbLength = 32;  // 20 fixed + if_tsresol (8) + opt_endofopt (4)
  Put32(bytes_, 1, big_endian_);
  Put32(bytes_, kIdbLength, big_endian_);
  Put16(bytes_, linktype, big_endian_);
  Put16(bytes_, 0, big_endian_);  // reserved
  Put32(bytes_, snaplen, big_endian_);
  Put16(bytes_, 9, big_endian_);  // if_tsresol
  Put16(bytes_, 1, big_endian_);
  bytes_.insert(bytes_.end(), {tsresol, 0, 0, 0});
  Put32(bytes_, 0, big_endian_);  // opt_endofopt
  Put32(bytes_, kIdbLength, big_endian_);
  interfaces_.push_back({snaplen, tsresol});
  return static_cast<std::uint32_t>(interfaces_.size() - 1);
}

std::uint8_t PcapngWriter::tsresol(std::uint32_t interface_id) const {
  if (interface_id >= interfaces_.size()) throw std::invalid_argument("pcapng: no such interface");
  return interfaces_[interface_id].tsresol;
}

void PcapngWriter::Add(std::uint32_t interface_id, std::int64_t sec, std::uint32_t ts_frac,
                       const ByteVec& frame, std::uint32_t orig_len) {
  const std::uint8_t resol = tsresol(interface_id);  // validates interface_id
  const std::size_t caplen = std::min<std::size_t>(frame.size(), interfaces_[interface_id].snaplen);
  const std::size_t padded = (caplen + 3) / 4 * 4;
  const auto total = static_cast<std::uint32_t>(32 + padded);
  const std::uint64_t ts = static_cast<std::uint64_t>(sec) * PowerOfTen(resol) + ts_frac;
  Put32(bytes_, 6, big_endian_);
  Put32(bytes_, total, big_endian_);
  Put32(bytes_, interface_id, big_endian_);
  Put32(bytes_, static_cast<std::uint32_t>(ts >> 32), big_endian_);
  Put32(bytes_, static_cast<std::uint32_t>(ts), big_endian_);
  Put32(bytes_, static_cast<std::uint32_t>(caplen), big_endian_);
  Put32(bytes_, orig_len != 0 ? orig_len : static_cast<std::uint32_t>(frame.size()), big_endian_);
  bytes_.insert(bytes_.end(), frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(caplen));
  bytes_.resize(bytes_.size() + (padded - caplen), 0);
  Put32(bytes_, total, big_endian_);
}

bool PcapngWriter::WriteFile(const std::string& path) const {
  return WriteAll(path, bytes_);
}

// ----------------------------------------------------------------------------------- packets

ByteVec BuildIp(const IpSpec& ip, const ByteVec& l4) {
  auto [src, dst] = ParsePair(ip.src, ip.dst);
  return src.v6 ? BuildIpv6(ip, src, dst, l4) : BuildIpv4(ip, src, dst, l4);
}

ByteVec BuildTcpSegment(const IpSpec& ip, const TcpSpec& tcp) {
  ByteVec options = tcp.options;
  PadTo(options, 4);
  const auto offset_words = static_cast<std::uint8_t>((20 + options.size()) / 4);
  ByteVec out;
  PutBe16(out, tcp.sport);
  PutBe16(out, tcp.dport);
  PutBe32(out, tcp.seq);
  PutBe32(out, tcp.ack);
  out.push_back(static_cast<std::uint8_t>(tcp.data_offset_override.value_or(offset_words) << 4));
  out.push_back(tcp.flags);
  PutBe16(out, tcp.window);
  PutBe16(out, 0);  // checksum, filled below
  PutBe16(out, 0);  // urgent pointer
  Append(out, options);
  Append(out, tcp.payload);
  SetBe16(out, 16, L4Checksum(ip, kProtoTcp, out));
  return out;
}

ByteVec BuildTcp(const IpSpec& ip, const TcpSpec& tcp) {
  IpSpec spec = ip;
  spec.protocol = kProtoTcp;
  return BuildIp(spec, BuildTcpSegment(spec, tcp));
}

ByteVec BuildUdp(const IpSpec& ip, std::uint16_t sport, std::uint16_t dport,
                 const ByteVec& payload) {
  IpSpec spec = ip;
  spec.protocol = kProtoUdp;
  ByteVec udp;
  PutBe16(udp, sport);
  PutBe16(udp, dport);
  PutBe16(udp, static_cast<std::uint16_t>(8 + payload.size()));
  PutBe16(udp, 0);
  Append(udp, payload);
  const std::uint16_t sum = L4Checksum(spec, kProtoUdp, udp);
  SetBe16(udp, 6, sum == 0 ? 0xffff : sum);  // 0 means "no checksum" in UDP
  return BuildIp(spec, udp);
}

ByteVec Ipv6FragmentBody(std::uint16_t offset_units, bool more_fragments, std::uint32_t id) {
  ByteVec out;
  PutBe16(out, static_cast<std::uint16_t>((offset_units << 3) | (more_fragments ? 1 : 0)));
  PutBe32(out, id);
  return out;
}

// ------------------------------------------------------------------------------- link layers

ByteVec Ethernet(const EthSpec& eth, const ByteVec& ip_packet) {
  ByteVec out(eth.dst.begin(), eth.dst.end());
  Append(out, eth.src);
  for (const VlanTag& tag : eth.tags) {
    PutBe16(out, tag.tpid);
    PutBe16(out, tag.tci);
  }
  const bool v6 = !ip_packet.empty() && (ip_packet[0] >> 4) == 6;
  PutBe16(out, eth.ethertype.value_or(v6 ? kEthertypeIpv6 : kEthertypeIpv4));
  Append(out, ip_packet);
  if (out.size() < eth.pad_to) out.resize(eth.pad_to, eth.pad_byte);
  return out;
}

ByteVec LinuxSll(const ByteVec& ip_packet, std::uint16_t protocol, std::uint16_t packet_type) {
  constexpr std::array<std::uint8_t, 8> kAddress{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0, 0};
  ByteVec out;
  PutBe16(out, packet_type);
  PutBe16(out, 1);  // ARPHRD_ETHER
  PutBe16(out, 6);  // address length
  Append(out, kAddress);
  PutBe16(out, protocol);
  Append(out, ip_packet);
  return out;
}

ByteVec NullLink(const ByteVec& ip_packet, std::uint32_t family, bool big_endian) {
  ByteVec out;
  Put32(out, family, big_endian);
  Append(out, ip_packet);
  return out;
}

ByteVec LoopLink(const ByteVec& ip_packet, std::uint32_t family) {
  return NullLink(ip_packet, family, true);
}

ByteVec RawLink(const ByteVec& ip_packet) {
  return ip_packet;
}

// ------------------------------------------------------------ more link layers and tunnels

ByteVec LinuxSll2(const ByteVec& payload, std::uint16_t protocol, std::uint8_t packet_type) {
  constexpr std::array<std::uint8_t, 8> kAddress{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0, 0};
  ByteVec out;
  PutBe16(out, protocol);
  PutBe16(out, 0);  // reserved
  PutBe32(out, 1);  // interface index
  PutBe16(out, 1);  // ARPHRD_ETHER
  out.push_back(packet_type);
  out.push_back(6);  // address length
  Append(out, kAddress);
  Append(out, payload);
  return out;
}

ByteVec MplsLabels(const std::vector<std::uint32_t>& labels, const ByteVec& payload) {
  constexpr std::uint32_t kBottomOfStack = 0x100;
  constexpr std::uint32_t kTtl = 64;
  ByteVec out;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    PutBe32(out, (labels[i] << 12) | (i + 1 == labels.size() ? kBottomOfStack : 0) | kTtl);
  }
  Append(out, payload);
  return out;
}

ByteVec PppoeSession(const ByteVec& payload, std::uint16_t ppp_protocol, std::uint16_t session) {
  ByteVec out{0x11, 0x00};  // version 1, type 1; code 0 (session data)
  PutBe16(out, session);
  PutBe16(out, static_cast<std::uint16_t>(2 + payload.size()));
  PutBe16(out, ppp_protocol);
  Append(out, payload);
  return out;
}

ByteVec Gre(const GreSpec& gre, const ByteVec& payload) {
  std::uint16_t flags = 0;
  if (gre.checksum) flags |= 0x8000;
  if (gre.key) flags |= 0x2000;
  if (gre.sequence) flags |= 0x1000;
  ByteVec out;
  PutBe16(out, flags);
  PutBe16(out, gre.protocol);
  if (gre.checksum) PutBe32(out, 0);  // checksum (filled below) and reserved1
  if (gre.key) PutBe32(out, *gre.key);
  if (gre.sequence) PutBe32(out, *gre.sequence);
  Append(out, payload);
  if (gre.checksum) SetBe16(out, 4, InternetChecksum(out));
  return out;
}

ByteVec Vxlan(std::uint32_t vni, const ByteVec& ethernet_frame) {
  ByteVec out{0x08, 0x00, 0x00, 0x00};  // I flag, reserved
  PutBe32(out, vni << 8);               // VNI, reserved
  Append(out, ethernet_frame);
  return out;
}

ByteVec Ieee80211Data(const WifiSpec& wifi, const ByteVec& ip_packet) {
  constexpr std::uint8_t kTypeData = 0x08;  // type 2 in bits 2-3
  constexpr std::uint8_t kSubtypeQos = 0x80;
  ByteVec out;
  out.push_back(static_cast<std::uint8_t>(kTypeData | (wifi.qos ? kSubtypeQos : 0)));
  out.push_back(static_cast<std::uint8_t>((wifi.to_ds ? 0x01 : 0) | (wifi.from_ds ? 0x02 : 0)));
  PutBe16(out, 0x2c00);  // duration 44 us, little-endian
  // IEEE 802.11 address fields by ToDS/FromDS.
  if (wifi.to_ds && wifi.from_ds) {
    Append(out, wifi.bssid);
    Append(out, wifi.transmitter);
    Append(out, wifi.dst);
  } else if (wifi.to_ds) {
    Append(out, wifi.bssid);
    Append(out, wifi.src);
    Append(out, wifi.dst);
  } else if (wifi.from_ds) {
    Append(out, wifi.dst);
    Append(out, wifi.bssid);
    Append(out, wifi.src);
  } else {
    Append(out, wifi.dst);
    Append(out, wifi.src);
    Append(out, wifi.bssid);
  }
  PutBe16(out, 0x1000);  // sequence control: fragment 0, sequence 1
  if (wifi.to_ds && wifi.from_ds) Append(out, wifi.src);
  if (wifi.qos) PutBe16(out, 0);  // QoS control: TID 0
  Append(out, ByteVec{0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00});
  const bool v6 = !ip_packet.empty() && (ip_packet[0] >> 4) == 6;
  PutBe16(out, v6 ? kEthertypeIpv6 : kEthertypeIpv4);
  Append(out, ip_packet);
  return out;
}

ByteVec WithFcs(const ByteVec& frame) {
  std::uint32_t crc = 0xffffffff;
  for (std::uint8_t byte : frame) {
    crc ^= byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1) != 0 ? 0xedb88320 : 0);
  }
  ByteVec out = frame;
  Put32(out, ~crc, false);
  return out;
}

ByteVec Radiotap(std::optional<std::uint64_t> tsft, std::optional<std::uint8_t> flags,
                 const ByteVec& frame) {
  ByteVec out{0x00, 0x00, 0x00, 0x00};  // version, pad, length (filled below)
  Put32(out, (tsft ? 0x01u : 0u) | (flags ? 0x02u : 0u), false);
  if (tsft) {
    PadTo(out, 8);
    Put32(out, static_cast<std::uint32_t>(*tsft), false);
    Put32(out, static_cast<std::uint32_t>(*tsft >> 32), false);
  }
  if (flags) out.push_back(*flags);
  const auto length = static_cast<std::uint16_t>(out.size());
  out[2] = static_cast<std::uint8_t>(length);
  out[3] = static_cast<std::uint8_t>(length >> 8);
  Append(out, frame);
  return out;
}

// ----------------------------------------------------------------------------- conversations

std::vector<TimedFrame> MergeFrames(const std::vector<std::vector<TimedFrame>>& lists) {
  std::vector<TimedFrame> all;
  for (const auto& list : lists) all.insert(all.end(), list.begin(), list.end());
  std::stable_sort(all.begin(), all.end(), [](const TimedFrame& a, const TimedFrame& b) {
    return a.sec != b.sec ? a.sec < b.sec : a.usec < b.usec;
  });
  return all;
}

void AppendFrames(PcapWriter& w, const std::vector<TimedFrame>& frames) {
  const std::uint32_t scale = w.options().nanosecond ? 1000 : 1;
  for (const TimedFrame& f : frames) w.Add(f.sec, f.usec * scale, f.bytes);
}

void AppendFrames(PcapngWriter& w, std::uint32_t interface_id,
                  const std::vector<TimedFrame>& frames) {
  const std::uint8_t resol = w.tsresol(interface_id);
  for (const TimedFrame& f : frames) {
    const std::uint64_t units = UsecToUnits(f.usec, resol);
    const std::uint64_t per_sec = PowerOfTen(resol);
    w.Add(interface_id, f.sec + static_cast<std::int64_t>(units / per_sec),
          static_cast<std::uint32_t>(units % per_sec), f.bytes);
  }
}

std::uint32_t LinktypeOf(Framing framing) {
  switch (framing) {
    case Framing::kEthernet: return 1;
    case Framing::kLinuxSll: return 113;
    case Framing::kNullLe: return 0;
    case Framing::kRaw: return 101;
  }
  return 1;
}

namespace {

Conversation::LinkFramer DefaultFramer(Framing framing, const EthSpec& eth) {
  auto is_v6 = [](const ByteVec& ip) { return !ip.empty() && (ip[0] >> 4) == 6; };
  switch (framing) {
    case Framing::kEthernet:
      return [eth](const ByteVec& ip, bool from_client) {
        EthSpec spec = eth;
        if (!from_client) std::swap(spec.src, spec.dst);
        return Ethernet(spec, ip);
      };
    case Framing::kLinuxSll:
      return [is_v6](const ByteVec& ip, bool from_client) {
        constexpr std::uint16_t kIncoming = 0, kOutgoing = 4;
        return LinuxSll(ip, is_v6(ip) ? kEthertypeIpv6 : kEthertypeIpv4,
                        from_client ? kOutgoing : kIncoming);
      };
    case Framing::kNullLe:
      return [is_v6](const ByteVec& ip, bool) {
        constexpr std::uint32_t kAfInet = 2, kAfInet6Darwin = 30;
        return NullLink(ip, is_v6(ip) ? kAfInet6Darwin : kAfInet, false);
      };
    case Framing::kRaw: break;
  }
  return [](const ByteVec& ip, bool) { return RawLink(ip); };
}

}  // namespace

Conversation::Conversation(std::string client_ip, std::uint16_t client_port, std::string server_ip,
                           std::uint16_t server_port, std::uint32_t client_isn,
                           std::uint32_t server_isn, Framing framing, EthSpec eth)
    : client_ip_(std::move(client_ip)),
      server_ip_(std::move(server_ip)),
      client_port_(client_port),
      server_port_(server_port),
      client_isn_(client_isn),
      server_isn_(server_isn),
      client_next_(client_isn + 1),
      server_next_(server_isn + 1),
      framer_(DefaultFramer(framing, eth)) {
  ParsePair(client_ip_, server_ip_);  // fail early on bad addresses
}

Conversation::Packet Conversation::MakePacket(bool from_client, std::uint32_t seq,
                                              std::uint8_t flags, std::string_view data) {
  Packet p;
  p.ip.src = from_client ? client_ip_ : server_ip_;
  p.ip.dst = from_client ? server_ip_ : client_ip_;
  p.ip.id = next_ip_id_++;
  p.tcp.sport = from_client ? client_port_ : server_port_;
  p.tcp.dport = from_client ? server_port_ : client_port_;
  p.tcp.seq = seq;
  p.tcp.ack = (flags & kAck) != 0 ? (from_client ? server_next_ : client_next_) : 0;
  p.tcp.flags = flags;
  p.tcp.payload = ToBytes(data);
  if (hook_) hook_(from_client, p.ip, p.tcp);
  return p;
}

void Conversation::Push(const ByteVec& ip_packet, bool from_client) {
  frames_.push_back({sec_, usec_, framer_(ip_packet, from_client)});
  const std::uint64_t usec = std::uint64_t{usec_} + gap_usec_;
  sec_ += static_cast<std::int64_t>(usec / 1000000);
  usec_ = static_cast<std::uint32_t>(usec % 1000000);
}

void Conversation::Emit(bool from_client, std::uint32_t seq, std::uint8_t flags,
                        std::string_view data) {
  const Packet p = MakePacket(from_client, seq, flags, data);
  Push(BuildTcp(p.ip, p.tcp), from_client);
}

void Conversation::SendInSequence(bool from_client, std::string_view data, std::uint8_t flags) {
  std::uint32_t& next = from_client ? client_next_ : server_next_;
  const std::uint32_t seq = next;
  next += static_cast<std::uint32_t>(data.size()) + ((flags & (kSyn | kFin)) != 0 ? 1 : 0);
  Emit(from_client, seq, flags, data);
}

void Conversation::Handshake() {
  ClientSyn();
  ServerSynAck();
  ClientAck();
}

void Conversation::ClientSyn(std::string_view data) {
  client_next_ = client_isn_ + 1 + static_cast<std::uint32_t>(data.size());
  Emit(true, client_isn_, kSyn, data);
}

void Conversation::ServerSynAck() {
  server_next_ = server_isn_ + 1;
  Emit(false, server_isn_, kSyn | kAck, {});
}

void Conversation::ClientAck() {
  Emit(true, client_next_, kAck, {});
}
void Conversation::ServerAck() {
  Emit(false, server_next_, kAck, {});
}

void Conversation::ClientSends(std::string_view data, std::uint8_t flags) {
  SendInSequence(true, data, flags);
}

void Conversation::ServerSends(std::string_view data, std::uint8_t flags) {
  SendInSequence(false, data, flags);
}

void Conversation::ClientFin(bool peer_acks) {
  SendInSequence(true, {}, kFin | kAck);
  if (peer_acks) ServerAck();
}

void Conversation::ServerFin(bool peer_acks) {
  SendInSequence(false, {}, kFin | kAck);
  if (peer_acks) ClientAck();
}

void Conversation::ClientRst() {
  Emit(true, client_next_, kRst | kAck, {});
}
void Conversation::ServerRst() {
  Emit(false, server_next_, kRst | kAck, {});
}

void Conversation::ClientSegmentAt(std::int64_t offset, std::string_view data, std::uint8_t flags) {
  Emit(true, client_isn_ + 1 + static_cast<std::uint32_t>(offset), flags, data);
}

void Conversation::ServerSegmentAt(std::int64_t offset, std::string_view data, std::uint8_t flags) {
  Emit(false, server_isn_ + 1 + static_cast<std::uint32_t>(offset), flags, data);
}

void Conversation::ClientSendsFragmented(std::string_view data, std::size_t fragment_bytes) {
  if (fragment_bytes == 0 || fragment_bytes % 8 != 0) {
    throw std::invalid_argument("pcap_builder: fragment size must be a positive multiple of 8");
  }
  const Packet p = MakePacket(true, client_next_, kAck | kPsh, data);
  client_next_ += static_cast<std::uint32_t>(data.size());
  IpSpec ip = p.ip;
  ip.protocol = kProtoTcp;
  const ByteVec segment = BuildTcpSegment(ip, p.tcp);
  const bool v6 = ParseAddress(ip.src).v6;
  for (std::size_t at = 0; at < segment.size(); at += fragment_bytes) {
    const std::size_t end = std::min(segment.size(), at + fragment_bytes);
    const ByteVec chunk(segment.begin() + static_cast<std::ptrdiff_t>(at),
                        segment.begin() + static_cast<std::ptrdiff_t>(end));
    const auto units = static_cast<std::uint16_t>(at / 8);
    const bool more = end < segment.size();
    IpSpec frag = ip;
    if (v6) {
      frag.ipv6_ext.push_back({kExtFragment, Ipv6FragmentBody(units, more, ip.id)});
    } else {
      frag.fragment_offset_units = units;
      frag.more_fragments = more;
    }
    Push(BuildIp(frag, chunk), true);
  }
}

void Conversation::SetClientNext(std::int64_t offset) {
  client_next_ = client_isn_ + 1 + static_cast<std::uint32_t>(offset);
}

void Conversation::SetServerNext(std::int64_t offset) {
  server_next_ = server_isn_ + 1 + static_cast<std::uint32_t>(offset);
}

void Conversation::SetTime(std::int64_t sec, std::uint32_t usec) {
  sec_ = sec + usec / 1000000;
  usec_ = usec % 1000000;
}

void Conversation::AppendTo(PcapWriter& w) const {
  AppendFrames(w, frames_);
}

}  // namespace tcpflow::testing
