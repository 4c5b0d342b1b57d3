// packet.h: what the decoders produce for one captured frame, layer by layer.
//
// Design note: every Bytes here is a sub-span of the captured frame (never a copy), and each
// layer's span is strictly inside the one before it: lengths are min(header field, captured).
#ifndef TCPFLOW_PACKET_H
#define TCPFLOW_PACKET_H

#include <array>
#include <cstdint>

#include "byte_reader.h"
#include "flow_key.h"
#include "ip_address.h"

namespace tcpflow {

// A capture timestamp, microsecond resolution (what tcpflow's outputs print).
struct Timeval {
  std::int64_t sec = 0;
  std::int32_t usec = 0;  // 0..999999

  friend bool operator==(const Timeval& a, const Timeval& b) {
    return a.sec == b.sec && a.usec == b.usec;
  }
  friend bool operator<(const Timeval& a, const Timeval& b) {
    return a.sec != b.sec ? a.sec < b.sec : a.usec < b.usec;
  }
};

// Seconds since the epoch clamped to +-2^41 (about 70,000 years): capture timestamps are
// untrusted, and arithmetic on the result (or on ClampedMicros) must never overflow.
inline std::int64_t ClampedSeconds(const Timeval& t) {
  constexpr std::int64_t kMaxAbsSeconds = std::int64_t{1} << 41;
  return t.sec < -kMaxAbsSeconds ? -kMaxAbsSeconds
                                 : (t.sec > kMaxAbsSeconds ? kMaxAbsSeconds : t.sec);
}

// Microseconds since the epoch, from ClampedSeconds.
inline std::int64_t ClampedMicros(const Timeval& t) {
  return ClampedSeconds(t) * 1000000 + t.usec;
}

using MacAddress = std::array<std::uint8_t, 6>;

// Ethertypes the link decoders hand on.
inline constexpr std::uint16_t kEthertypeIpv4 = 0x0800;
inline constexpr std::uint16_t kEthertypeIpv6 = 0x86DD;
// "The IP version nibble decides" (RAW, PPP, ...).
inline constexpr std::uint16_t kEthertypeIpAny = 0;

struct LinkLayer {
  Bytes network;  // the IP packet (as captured)
  std::uint16_t ethertype = kEthertypeIpAny;
  std::uint16_t vlan = kNoVlan;  // 12-bit VID of the outermost 802.1Q/802.1ad/0x9100 tag
  bool has_macs = false;         // true only for real MAC addresses (Ethernet)
  MacAddress src_mac{};
  MacAddress dst_mac{};
};

// IP protocol numbers (the IANA registry) the decoders act on.
inline constexpr std::uint8_t kIpProtoTcp = 6;
inline constexpr std::uint8_t kIpProtoUdp = 17;

struct IpLayer {
  IpAddress src;
  IpAddress dst;
  std::uint8_t version = 0;         // 4 or 6
  std::uint8_t protocol = 0;        // the upper-layer protocol (after IPv6 extension headers)
  Bytes payload;                    // upper-layer bytes: min(IP length, captured)
  bool truncated = false;           // the IP length claimed more bytes than were captured
  std::uint32_t missing_bytes = 0;  // how many (IP length - captured payload), when truncated
  // Fragmentation (IPv4 flags/offset, or the IPv6 Fragment header).
  bool is_fragment = false;  // MF set or offset != 0
  std::uint32_t fragment_id = 0;
  std::uint32_t fragment_offset = 0;  // in bytes
  bool more_fragments = false;
};

inline constexpr std::uint8_t kTcpFin = 0x01;
inline constexpr std::uint8_t kTcpSyn = 0x02;
inline constexpr std::uint8_t kTcpRst = 0x04;
inline constexpr std::uint8_t kTcpPsh = 0x08;
inline constexpr std::uint8_t kTcpAck = 0x10;
inline constexpr std::uint8_t kTcpUrg = 0x20;

struct TcpLayer {
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  std::uint8_t flags = 0;
  std::uint16_t window = 0;
  Bytes payload;  // data after the header and options

  bool syn() const { return flags & kTcpSyn; }
  bool ack_flag() const { return flags & kTcpAck; }
  bool fin() const { return flags & kTcpFin; }
  bool rst() const { return flags & kTcpRst; }
};

}  // namespace tcpflow

#endif  // TCPFLOW_PACKET_H
