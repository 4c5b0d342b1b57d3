// flow_evidence.cpp: a closed flow's completeness and origin, for the report and the JSON log.
#include "flow_evidence.h"

#include <algorithm>

#include "stream_sink.h"

namespace tcpflow {

FlowEvidence CollectEvidence(const Flow& flow, const StoredFile& file,
                             std::int64_t max_bytes_per_flow, std::size_t holes_listed) {
  FlowEvidence e;
  e.connection_id = flow.session_id;
  e.close_reason = flow.close_reason;
  e.handshake = flow.syn_count > 0;
  const Reassembler& reasm = flow.reassembler;
  const ReassemblyStats stats = reasm.stats();
  e.retransmitted_bytes = stats.retransmitted_bytes;
  e.overlap_bytes = stats.overlap_bytes - stats.retransmitted_bytes;
  e.conflict_bytes = stats.conflict_bytes;
  e.out_of_order_segments = stats.out_of_order_segments;
  e.hole_count = reasm.holes_tracked() + stats.dropped_holes;
  e.missing_bytes = stats.dropped_bytes;
  // The file holds a hole's zeros only when bytes after it are stored (below -b).
  std::uint64_t stored_end = 0;
  if (!file.name.empty()) {
    stored_end = file.logical_size;
    if (max_bytes_per_flow >= 0) {
      stored_end = std::min(stored_end, static_cast<std::uint64_t>(max_bytes_per_flow));
    }
  }
  reasm.ForEachHole([&](const ByteRange& hole) {
    e.missing_bytes += hole.length;
    if (hole.offset + hole.length < stored_end && e.holes.size() < holes_listed) {
      e.holes.push_back(hole);
    }
    return true;
  });
  if (flow.fin_seen && flow.fin_offset > reasm.highest_end()) {
    e.missing_at_end = flow.fin_offset - reasm.highest_end();
    e.missing_bytes += e.missing_at_end;
  }
  const auto anomalies = flow.anomalies.entries();
  e.anomalies.assign(anomalies.begin(), anomalies.end());
  return e;
}

std::string_view CloseReasonName(CloseReason reason) {
  switch (reason) {
    case CloseReason::kOpen: return "open";
    case CloseReason::kFin: return "fin";
    case CloseReason::kRst: return "rst";
    case CloseReason::kIdleTimeout: return "idle_timeout";
    case CloseReason::kMaxSeek: return "max_seek";
    case CloseReason::kFlowCap: return "flow_cap";
    case CloseReason::kEndOfInput: return "end_of_input";
    case CloseReason::kInterrupted: return "interrupted";
  }
  return "open";
}

}  // namespace tcpflow
