// ip.cpp: IPv4 (RFC 791) and IPv6 (RFC 8200) header decoding; IPv6 Jumbo Payload per RFC 2675.
#include "ip.h"

namespace tcpflow {
namespace {

constexpr std::size_t kIpv4MinHeaderSize = 20;
constexpr std::uint8_t kIpv4MinIhl = 5;
constexpr std::uint16_t kIpv4MoreFragments = 0x2000;
constexpr std::uint16_t kIpv4OffsetMask = 0x1fff;
constexpr std::size_t kIpv6HeaderSize = 40;
constexpr std::size_t kMaxIpv6ExtHeaders = 16;

// IPv6 next-header values that are extension headers this decoder walks.
constexpr std::uint8_t kIpv6HopByHop = 0;
constexpr std::uint8_t kIpv6Routing = 43;
constexpr std::uint8_t kIpv6Fragment = 44;
constexpr std::uint8_t kIpv6Auth = 51;
constexpr std::uint8_t kIpv6DestOptions = 60;

// Hop-by-hop options (RFC 8200 4.2, RFC 2675).
constexpr std::uint8_t kOptionPad1 = 0;
constexpr std::uint8_t kOptionJumbo = 0xc2;
constexpr std::uint8_t kJumboDataSize = 4;

bool IsExtensionHeader(std::uint8_t next) {
  return next == kIpv6HopByHop || next == kIpv6Routing || next == kIpv6Fragment ||
         next == kIpv6Auth || next == kIpv6DestOptions;
}

bool Fail(Anomaly a, AnomalyCounters& anomalies) {
  anomalies.Count(a);
  return false;
}

// Sets the truncation fields when the IP layer declared more than was captured.
void NoteMissing(std::size_t declared, std::size_t captured, IpLayer& out,
                 AnomalyCounters& anomalies) {
  if (declared <= captured) return;
  out.truncated = true;
  out.missing_bytes = static_cast<std::uint32_t>(declared - captured);
  anomalies.Count(Anomaly::kIpLengthBeyondCapture);
}

bool DecodeIpv4(Bytes network, IpLayer& out, AnomalyCounters& anomalies) {
  ByteReader reader(network);
  if (!reader.Has(kIpv4MinHeaderSize)) return Fail(Anomaly::kTruncatedIpHeader, anomalies);
  const std::uint8_t ihl = reader.U8() & 0x0f;
  reader.Skip(1);  // DSCP/ECN
  std::size_t total = reader.Be16();
  const std::uint16_t id = reader.Be16();
  const std::uint16_t flags_offset = reader.Be16();
  reader.Skip(1);  // TTL
  out.protocol = reader.U8();
  reader.Skip(2);  // header checksum (not checked)
  out.src = IpAddress::V4(reader.Take(4).data());
  out.dst = IpAddress::V4(reader.Take(4).data());

  if (ihl < kIpv4MinIhl) return Fail(Anomaly::kBadIpHeaderLength, anomalies);
  const std::size_t header_size = std::size_t{ihl} * 4;
  if (header_size > network.size()) return Fail(Anomaly::kTruncatedIpHeader, anomalies);
  if (total == 0) {
    total = network.size();
    anomalies.Count(Anomaly::kIpZeroTotalLength);
  }
  if (total < header_size) return Fail(Anomaly::kBadIpHeaderLength, anomalies);

  reader.Skip(header_size - kIpv4MinHeaderSize);  // options
  out.payload = reader.TakeUpTo(total - header_size);
  NoteMissing(total, network.size(), out, anomalies);

  out.version = 4;
  out.fragment_id = id;
  out.more_fragments = (flags_offset & kIpv4MoreFragments) != 0;
  out.fragment_offset = static_cast<std::uint32_t>(flags_offset & kIpv4OffsetMask) * 8;
  out.is_fragment = out.more_fragments || out.fragment_offset != 0;
  return true;
}

// Scans hop-by-hop options for a Jumbo Payload option; returns its length, or 0 when absent.
// Malformed option lists are not an error here: the header's own length bounds them.
std::uint32_t FindJumboLength(Bytes options) {
  ByteReader reader(options);
  while (reader.remaining() > 0) {
    const std::uint8_t type = reader.U8();
    if (type == kOptionPad1) continue;
    const std::uint8_t size = reader.U8();
    const Bytes data = reader.Take(size);
    if (!reader.ok()) return 0;
    if (type == kOptionJumbo && size == kJumboDataSize) return ByteReader(data).Be32();
  }
  return 0;
}

bool DecodeIpv6(Bytes network, IpLayer& out, AnomalyCounters& anomalies) {
  ByteReader reader(network);
  if (!reader.Has(kIpv6HeaderSize)) return Fail(Anomaly::kTruncatedIpHeader, anomalies);
  reader.Skip(4);  // version, traffic class, flow label
  const std::uint16_t payload_length = reader.Be16();
  std::uint8_t next = reader.U8();
  reader.Skip(1);  // hop limit
  out.src = IpAddress::V6(reader.Take(16).data());
  out.dst = IpAddress::V6(reader.Take(16).data());

  // Walk the extension headers through the captured bytes after the fixed header.
  const Bytes rest = reader.Rest();
  ByteReader ext(rest);
  std::uint32_t jumbo_length = 0;
  std::size_t count = 0;
  bool walking = true;
  while (walking && IsExtensionHeader(next)) {
    if (++count > kMaxIpv6ExtHeaders) return Fail(Anomaly::kBadIpv6ExtHeader, anomalies);
    const std::uint8_t current = next;
    next = ext.U8();
    switch (current) {
      case kIpv6Auth: ext.Skip((std::size_t{ext.U8()} + 2) * 4 - 2); break;
      case kIpv6Fragment: {
        ext.Skip(1);  // reserved
        const std::uint16_t offset_flags = ext.Be16();
        out.fragment_id = ext.Be32();
        out.fragment_offset = static_cast<std::uint32_t>(offset_flags >> 3) * 8;
        out.more_fragments = (offset_flags & 1) != 0;
        out.is_fragment = out.more_fragments || out.fragment_offset != 0;
        // Past the first fragment, what follows is payload data, not more headers.
        walking = out.fragment_offset == 0;
        break;
      }
      default: {
        // Hop-by-hop is only valid right after the fixed header (RFC 8200 4.1).
        if (current == kIpv6HopByHop && count != 1) {
          return Fail(Anomaly::kBadIpv6ExtHeader, anomalies);
        }
        const Bytes body = ext.Take((std::size_t{ext.U8()} + 1) * 8 - 2);
        if (current == kIpv6HopByHop) jumbo_length = FindJumboLength(body);
        break;
      }
    }
    if (!ext.ok()) return Fail(Anomaly::kBadIpv6ExtHeader, anomalies);
  }

  std::size_t declared = payload_length;
  if (payload_length == 0) {
    if (jumbo_length != 0) {
      declared = jumbo_length;
    } else {
      declared = rest.size();
      if (declared != 0) anomalies.Count(Anomaly::kIpZeroTotalLength);
    }
  }
  const std::size_t headers_size = ext.offset();
  // (Without a declared length, declared == rest.size() >= headers_size, so a failure here
  // never follows the kIpZeroTotalLength count above.)
  if (headers_size > declared) return Fail(Anomaly::kBadIpv6ExtHeader, anomalies);
  out.payload = ext.TakeUpTo(declared - headers_size);
  NoteMissing(declared, rest.size(), out, anomalies);
  out.version = 6;
  out.protocol = next;
  return true;
}

}  // namespace

bool DecodeIp(Bytes network, std::uint16_t ethertype, IpLayer& out, AnomalyCounters& anomalies) {
  out = IpLayer{};
  ByteReader reader(network);
  const std::uint8_t version = reader.PeekU8() >> 4;
  if (!reader.ok()) return Fail(Anomaly::kTruncatedIpHeader, anomalies);
  switch (ethertype) {
    case kEthertypeIpv4:
      if (version != 4) return Fail(Anomaly::kBadIpVersion, anomalies);
      break;
    case kEthertypeIpv6:
      if (version != 6) return Fail(Anomaly::kBadIpVersion, anomalies);
      break;
    case kEthertypeIpAny: break;
    default: return Fail(Anomaly::kUnsupportedNetwork, anomalies);
  }
  if (version == 4) return DecodeIpv4(network, out, anomalies);
  if (version == 6) return DecodeIpv6(network, out, anomalies);
  return Fail(Anomaly::kBadIpVersion, anomalies);
}

}  // namespace tcpflow
