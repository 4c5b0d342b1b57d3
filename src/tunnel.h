// tunnel.h: tunnel decapsulation of one outer IP packet: GRE (RFC 2784, RFC 2890; PPTP's
// enhanced GRE, RFC 2637), IP-in-IP (RFC 2003, RFC 4213), VXLAN (RFC 7348), Geneve (RFC 8926).
//
// Design note: Decapsulate peels exactly one tunnel header and never recurses. The caller decodes
// what is inside (DecodeLink for an Ethernet frame, DecodeIp for an IP packet) and loops, capping
// the depth itself. The inner span is always a sub-span of the outer IP payload; lengths are
// min(header field, bytes captured).
#ifndef TCPFLOW_TUNNEL_H
#define TCPFLOW_TUNNEL_H

#include <cstdint>

#include "anomaly.h"
#include "byte_reader.h"
#include "packet.h"

namespace tcpflow {

// Well-known UDP destination ports of the UDP tunnels decoded here.
inline constexpr std::uint16_t kVxlanPort = 4789;
inline constexpr std::uint16_t kGenevePort = 6081;

// The packet inside a tunnel: either an IP packet (ethertype says which, or kEthertypeIpAny) or an
// Ethernet frame.
struct TunnelInner {
  Bytes frame;               // sub-span of the outer IP payload
  bool is_ethernet = false;  // true: decode `frame` with DecodeLink(kDltEn10mb, ...)
  std::uint16_t ethertype = kEthertypeIpAny;  // when !is_ethernet
};

enum class TunnelStatus { kNotTunnel, kInner, kFailed };

// Looks at an outer IP packet (already defragmented: a fragment is never decapsulated and gives
// kNotTunnel). Outcomes:
//   kNotTunnel: not a tunnel we decode (plain TCP, UDP to another port, UDP too short to hold its
//     header, a PPTP GRE packet that carries no payload); nothing counted, *inner untouched.
//   kInner: *inner is set (its old contents are replaced); nothing counted.
//   kFailed: a malformed tunnel header. One anomaly is counted: kBadTunnelHeader (truncated
//     header, GRE routing present or an unknown version, VXLAN without the I flag, Geneve version
//     other than 0, a UDP length below 8), kUnsupportedNetwork (a GRE/Geneve protocol type or a PPP
//     protocol that carries no IP or Ethernet, an MPLS payload that is not IP), or
//     kTooManyVlanTags (an MPLS label stack deeper than 8).
// GRE payloads: 0x0800/0x86DD IP, 0x6558 Ethernet, 0x8847/0x8848 MPLS (labels popped, IP inside),
// 0x880B PPP (address/control optional; IPv4, IPv6 or MPLS inside).
TunnelStatus Decapsulate(const IpLayer& outer, TunnelInner* inner, AnomalyCounters& anomalies);

}  // namespace tcpflow

#endif  // TCPFLOW_TUNNEL_H
