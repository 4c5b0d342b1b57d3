// ip.h: IPv4 (RFC 791) and IPv6 (RFC 8200) header decoding, with the IPv6 extension-header walk.
//
// Design note: the payload handed on is min(IP length, captured bytes); an IPv4 total length
// of 0 (TSO captures) means "the captured length". Ethernet trailer padding beyond the IP
// length is never payload. Malformed headers are counted and the packet rejected.
#ifndef TCPFLOW_IP_H
#define TCPFLOW_IP_H

#include "anomaly.h"
#include "byte_reader.h"
#include "packet.h"

namespace tcpflow {

// Decodes the IP packet in `network`. `ethertype` is kEthertypeIpv4, kEthertypeIpv6, or
// kEthertypeIpAny (the version nibble decides). Returns false (one anomaly counted) when the
// header is malformed or truncated. Any upper-layer protocol is accepted; the caller checks
// out.protocol.
bool DecodeIp(Bytes network, std::uint16_t ethertype, IpLayer& out, AnomalyCounters& anomalies);

}  // namespace tcpflow

#endif  // TCPFLOW_IP_H
