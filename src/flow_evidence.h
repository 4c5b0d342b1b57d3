// flow_evidence.h: what a closed flow direction's record says about how complete it is and
// where it came from: holes, repeated bytes, how it began and ended, its anomalies.
//
// Design note: CollectEvidence reads a flow as it closes (after the reassembler's last flush, in
// OnFlowClose) and copies what the report and the JSON log write, so both say the same thing.
// The holes come from the reassembler's tracked holes (bounded by max_holes_tracked; the
// forgotten ones are counted, not listed) and are listed as byte runs of the flow file: only
// those the file holds as zeros (not those at or beyond a -b cut), at most `holes_listed` of
// them. Missing bytes count every stream byte that never arrived: the holes, listed or not, and,
// when a FIN said where the stream ends, the bytes between the last one received and the FIN.
#ifndef TCPFLOW_FLOW_EVIDENCE_H
#define TCPFLOW_FLOW_EVIDENCE_H

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "anomaly.h"
#include "flow.h"
#include "reassembler.h"

namespace tcpflow {

struct StoredFile;

struct FlowEvidence {
  std::uint64_t connection_id = 0;  // shared by both directions (Flow::session_id, %S)
  CloseReason close_reason = CloseReason::kOpen;
  bool handshake = false;                 // this direction's SYN (or SYN-ACK) was seen
  std::uint64_t missing_bytes = 0;        // stream bytes that never arrived (holes and missing end)
  std::uint64_t missing_at_end = 0;       // of those, between the last byte received and the FIN
  std::uint64_t hole_count = 0;           // holes in the stream, listed or not
  std::vector<ByteRange> holes;           // the flow file's zero-filled holes, in offset order
  std::uint64_t retransmitted_bytes = 0;  // received again, in segments that held nothing new
  std::uint64_t overlap_bytes = 0;        // received again, in segments that also held new bytes
  std::uint64_t conflict_bytes = 0;       // received again with other values (seen while buffered)
  std::uint64_t out_of_order_segments = 0;      // segments buffered beyond the in-order point
  std::vector<FlowAnomalies::Entry> anomalies;  // this flow's, in the order first counted
};

// Reads `flow` as it closes. `file` is what the flow-file writer stored (no holes are listed
// for a flow without a file); `max_bytes_per_flow` is -b (negative = unlimited).
FlowEvidence CollectEvidence(const Flow& flow, const StoredFile& file,
                             std::int64_t max_bytes_per_flow, std::size_t holes_listed);

// "fin", "rst", "idle_timeout", "max_seek", "flow_cap", "end_of_input", "interrupted" ("open"
// for a flow not closed yet).
std::string_view CloseReasonName(CloseReason reason);

}  // namespace tcpflow

#endif  // TCPFLOW_FLOW_EVIDENCE_H
