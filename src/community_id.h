// community_id.h: Community ID flow hashing, version 1 (corelight/community-id-spec).
//
// Design note: the id names a connection, not a direction: the two endpoints are put in a fixed
// order (the numerically smaller address first, or on equal addresses the smaller port) before
// hashing, so both directions of a connection get the same id. The hash input is the seed (2
// bytes), the two addresses (4 bytes each for IPv4, 16 for IPv6), the protocol number, one zero
// byte of padding and the two ports, all in network byte order; the id is "1:" followed by the
// base64 of its SHA-1 digest (OpenSSL EVP). Only the port-carrying form (TCP, UDP, SCTP) is
// covered here: ICMP type/code mapping and the port-less form are not.
#ifndef TCPFLOW_COMMUNITY_ID_H
#define TCPFLOW_COMMUNITY_ID_H

#include <cstdint>
#include <string>

#include "ip_address.h"

namespace tcpflow {

// The version 1 Community ID of the connection between src:src_port and dst:dst_port over IP
// protocol `ip_proto` (6 for TCP), e.g. "1:LQU9qZlK+B5F3KDmev6m5PMibrg=". The same for both
// directions. Returns an empty string (the spec's "no id" value) when the addresses are not both
// IPv4 or both IPv6, or when the digest cannot be computed.
std::string CommunityIdV1(const IpAddress& src, const IpAddress& dst, std::uint16_t src_port,
                          std::uint16_t dst_port, std::uint8_t ip_proto, std::uint16_t seed = 0);

}  // namespace tcpflow

#endif  // TCPFLOW_COMMUNITY_ID_H
