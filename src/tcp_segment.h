// tcp_segment.h: TCP header decoding (RFC 9293 section 3.1); options are skipped.
#ifndef TCPFLOW_TCP_SEGMENT_H
#define TCPFLOW_TCP_SEGMENT_H

#include "anomaly.h"
#include "byte_reader.h"
#include "packet.h"

namespace tcpflow {

// Decodes a TCP segment. Returns false (one anomaly counted) when fewer than 20 bytes are
// present, the data offset is < 5, or the header with options runs past the segment.
bool DecodeTcp(Bytes segment, TcpLayer& out, AnomalyCounters& anomalies);

}  // namespace tcpflow

#endif  // TCPFLOW_TCP_SEGMENT_H
