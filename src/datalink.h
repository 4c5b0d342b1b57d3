// datalink.h: link-layer decoders, one per DLT, chosen from a table keyed by link type
// (the LINKTYPE registry, tcpdump.org/linktypes.html).
//
// Design note: DecodeLink never reads outside `frame`; on a frame that is too short or does not
// carry IP it counts an anomaly and returns false. VLAN tags (0x8100, 0x88a8, 0x9100, any number
// up to a cap) are unwound; the outermost tag's 12-bit VID is reported. Wherever an ethertype is
// found (Ethernet, 802.3/802.11 LLC/SNAP, Linux cooked headers) the same payloads are understood:
// IPv4, IPv6, an MPLS label stack (RFC 3032) and a PPPoE session (RFC 2516); PPP links (DLT_PPP,
// PPPoE, DLT_PPP_ETHER) carry IPv4, IPv6 or MPLS. MPLS payloads are IP chosen by the version
// nibble. 802.11 (bare, or behind radiotap) yields unprotected data frames only, with SA and DA
// as the MACs; other frames count kUnsupportedNetwork, and so do frames radiotap marks as having
// a bad FCS. An FCS is cut off only when radiotap says the frame has one. Nothing loops: each
// layer hands on a strictly smaller span, and stacks are capped.
#ifndef TCPFLOW_DATALINK_H
#define TCPFLOW_DATALINK_H

#include "anomaly.h"
#include "byte_reader.h"
#include "packet.h"

namespace tcpflow {

// DLT values this build decodes (as libpcap reports them).
inline constexpr int kDltNull = 0;
inline constexpr int kDltEn10mb = 1;
inline constexpr int kDltIeee802 = 6;
inline constexpr int kDltPpp = 9;
inline constexpr int kDltRaw = 12;  // OpenBSD/Linux DLT_RAW as libpcap maps it
inline constexpr int kDltRaw14 = 14;
inline constexpr int kDltPppEther = 51;  // PPPoE session header, then PPP
inline constexpr int kDltLinktypeRaw = 101;
inline constexpr int kDltIeee80211 = 105;       // 802.11 frames without FCS
inline constexpr int kDltIeee80211Radio = 127;  // radiotap header, then an 802.11 frame
inline constexpr int kDltLoop = 108;
inline constexpr int kDltLinuxSll = 113;
inline constexpr int kDltIpv4 = 228;  // raw IPv4 only
inline constexpr int kDltIpv6 = 229;  // raw IPv6 only
inline constexpr int kDltLinuxSll2 = 276;

// One link-layer decoder, with DecodeLink's contract for its own link type (it resets `out`).
using LinkDecoder = bool (*)(Bytes frame, LinkLayer& out, AnomalyCounters& anomalies);

// The decoder for `dlt`, or nullptr when it is not supported. Callers on the per-packet path
// look this up once per input and keep the pointer.
LinkDecoder FindLinkDecoder(int dlt);

// True when DecodeLink understands this link type.
bool IsSupportedLinkType(int dlt);

// Decodes one captured frame of link type `dlt`. On success fills `out` (network is a sub-span
// of frame) and returns true. On failure counts one anomaly and returns false (an unsupported
// `dlt` counts kUnsupportedNetwork).
bool DecodeLink(int dlt, Bytes frame, LinkLayer& out, AnomalyCounters& anomalies);

// The building blocks that tunnels reuse (src/tunnel.cpp). Unlike the table's decoders they set
// only out.network and out.ethertype, leaving the rest of `out` as it was. Failure is DecodeLink's:
// one anomaly counted, false returned.

// An MPLS label stack (RFC 3032): pops entries up to the one with the bottom-of-stack bit (at
// most 8; a deeper stack counts kTooManyVlanTags). What follows must start with IP version 4 or
// 6 (ethertype kEthertypeIpAny); anything else, such as a pseudowire control word, counts
// kUnsupportedNetwork. A stack cut short, or nothing after it, counts kTruncatedLinkHeader.
bool DecodeMplsStack(Bytes labels, LinkLayer& out, AnomalyCounters& anomalies);

// A PPP frame (RFC 1661, RFC 1662): optional address/control FF 03, a 1- or 2-byte protocol,
// then IPv4 (0x0021), IPv6 (0x0057) or MPLS (0x0281, 0x0283). What DLT_PPP holds.
bool DecodePppFrame(Bytes frame, LinkLayer& out, AnomalyCounters& anomalies);

}  // namespace tcpflow

#endif  // TCPFLOW_DATALINK_H
