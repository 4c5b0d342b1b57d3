// datalink.h: link-layer decoders, one per DLT, chosen from a table keyed by link type
// (the LINKTYPE registry, tcpdump.org/linktypes.html).
//
// Design note: DecodeLink never reads outside `frame`; on a frame that is too short or does not
// carry IP it counts an anomaly and returns false. VLAN tags (0x8100, 0x88a8, 0x9100, any number
// up to a cap) are unwound; the outermost tag's 12-bit VID is reported.
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
inline constexpr int kDltLoop = 108;
inline constexpr int kDltLinuxSll = 113;
inline constexpr int kDltLinktypeRaw = 101;
inline constexpr int kDltIpv4 = 228;  // raw IPv4 only
inline constexpr int kDltIpv6 = 229;  // raw IPv6 only

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

}  // namespace tcpflow

#endif  // TCPFLOW_DATALINK_H
