// tcp_demux.cpp: flow creation, splitting, closing and payload placement (RFC 9293 semantics
// as tcpflow 1.6.1 applies them).
#include "tcp_demux.h"

#include <cstdlib>

#include "seq.h"

namespace tcpflow {
namespace {

// Forwards the reassembler's output for one flow to the sinks, with the packet's time.
class FlowDelivery final : public ReassemblySink {
 public:
  FlowDelivery(Flow& flow, SinkFanout& sink, const Timeval& ts)
      : flow_(flow), sink_(sink), ts_(ts) {}
  void OnData(std::uint64_t offset, Bytes data) override { sink_.OnData(flow_, offset, data, ts_); }
  void OnGap(std::uint64_t offset, std::uint64_t length) override {
    sink_.OnGap(flow_, offset, length, ts_);
  }

 private:
  Flow& flow_;
  SinkFanout& sink_;
  const Timeval& ts_;
};

// The sequence number that follows everything seen so far in this direction.
std::uint32_t NextSeq(const Flow& flow) {
  return flow.isn + 1 + static_cast<std::uint32_t>(flow.reassembler.highest_end());
}

}  // namespace

TcpDemux::TcpDemux(const ReassemblyConfig& config, FlowTable& table, SinkFanout& sink,
                   const ClosedFlows* closed, AnomalyCounters& anomalies)
    : config_(config), table_(table), sink_(sink), closed_(closed), anomalies_(anomalies) {}

IdleOrder TcpDemux::IdleOrderFor(const ReassemblyConfig& config) {
  return config.max_flows != 0 || config.tcp_timeout_sec != 0 ? IdleOrder::kKept
                                                              : IdleOrder::kNotKept;
}

Flow* TcpDemux::CreateFlow(const FlowKey& key, const PacketMeta& meta, const LinkLayer& link,
                           std::uint32_t isn) {
  // The flow cap: make room by closing the least recently active flows, as a timeout would.
  while (config_.max_flows != 0 && table_.size() >= config_.max_flows) {
    Flow* oldest = table_.Oldest();
    CountAnomaly(anomalies_, *oldest, Anomaly::kFlowCapClosed);
    CloseFlow(oldest, CloseReason::kFlowCap);
  }
  Flow* flow = table_.Create(key);
  flow->isn = isn;
  flow->first_seen = meta.ts;
  flow->last_seen = meta.ts;
  flow->has_macs = link.has_macs;
  flow->src_mac = link.src_mac;
  flow->dst_mac = link.dst_mac;
  sink_.OnFlowOpen(*flow);
  return flow;
}

void TcpDemux::CloseFlow(Flow* flow, CloseReason reason) {
  flow->close_reason = reason;
  FlowDelivery delivery(*flow, sink_, flow->last_seen);
  flow->reassembler.Flush(delivery);
  const ReassemblyStats& stats = flow->reassembler.stats();
  CountAnomaly(anomalies_, *flow, Anomaly::kOverlap, stats.overlap_bytes);
  CountAnomaly(anomalies_, *flow, Anomaly::kOverlapConflict, stats.conflict_bytes);
  CountAnomaly(anomalies_, *flow, Anomaly::kOutOfOrderLimit, stats.forced_gaps);
  CountAnomaly(anomalies_, *flow, Anomaly::kHolesForgotten, stats.dropped_bytes);
  sink_.OnFlowClose(*flow);
  table_.Remove(flow);
}

bool TcpDemux::IsRetransmissionAfterClose(const FlowKey& key, std::uint32_t data_seq,
                                          Bytes payload) const {
  const ClosedFlow* closed = closed_ != nullptr ? closed_->FindClosed(key) : nullptr;
  if (closed == nullptr) return false;
  const std::int64_t offset =
      UnwrapOffset(data_seq, closed->isn + 1, static_cast<std::int64_t>(closed->size));
  return offset >= 0 && closed_->Holds(*closed, static_cast<std::uint64_t>(offset), payload);
}

void TcpDemux::StoreData(Flow* flow, std::uint32_t data_seq, Bytes payload, const Timeval& ts) {
  Reassembler& reasm = flow->reassembler;
  std::int64_t offset =
      UnwrapOffset(data_seq, flow->isn + 1, static_cast<std::int64_t>(reasm.highest_end()));
  bool counted = false;
  if (offset < 0) {
    if (flow->syn_count > 0) {
      // The SYN fixed where the stream starts: nothing can come before it.
      ++flow->violations;
      CountAnomaly(anomalies_, *flow, Anomaly::kDataBeforeIsn);
      return;
    }
    // Picked up mid-stream and earlier bytes arrived: insert them in front.
    std::uint64_t n = static_cast<std::uint64_t>(-offset);
    reasm.ShiftBase(n);
    flow->isn -= static_cast<std::uint32_t>(n);
    flow->prev_segment_end += n;
    if (flow->fin_seen) flow->fin_offset += n;
    sink_.OnShift(*flow, n);
    ++flow->out_of_order_count;
    counted = true;
    offset = 0;
  }
  std::uint64_t start = static_cast<std::uint64_t>(offset);
  if (!counted && flow->has_data && start < flow->prev_segment_end) ++flow->out_of_order_count;
  flow->prev_segment_end = start + payload.size();
  flow->has_data = true;
  FlowDelivery delivery(*flow, sink_, ts);
  reasm.Add(start, payload, delivery);
}

TcpDemux::Outcome TcpDemux::Process(const PacketMeta& meta, const LinkLayer& link,
                                    const IpLayer& ip, const TcpLayer& tcp, bool finish_only) {
  const FlowKey key{ip.src, ip.dst, tcp.src_port, tcp.dst_port, link.vlan};
  const Bytes payload = tcp.payload;
  const bool has_payload = !payload.empty();
  const std::uint32_t data_seq = tcp.seq + (tcp.syn() ? 1u : 0u);

  Flow* flow = table_.Find(key);
  if (flow != nullptr) {
    if (tcp.syn() && flow->syn_count > 0 && flow->has_data) {
      // A new connection's SYN on a live tuple.
      CountAnomaly(anomalies_, *flow, Anomaly::kIgnoredSyn);
      return Outcome::kIgnored;
    }
    std::int32_t jump = SeqDiff(data_seq, NextSeq(*flow));
    if (static_cast<std::uint64_t>(std::abs(static_cast<std::int64_t>(jump))) > config_.max_seek) {
      CountAnomaly(anomalies_, *flow, Anomaly::kFlowSplitMaxSeek);
      CloseFlow(flow, CloseReason::kMaxSeek);
      flow = nullptr;
    }
  }
  if (flow == nullptr) {
    if (!has_payload && (tcp.fin() || tcp.rst())) return Outcome::kIgnored;
    if (!tcp.syn() && !tcp.ack_flag()) return Outcome::kIgnored;
    if (finish_only) return Outcome::kIgnored;
    if (!tcp.syn() && !has_payload) return Outcome::kIgnored;
    if (has_payload && !tcp.syn() && IsRetransmissionAfterClose(key, data_seq, payload)) {
      return Outcome::kIgnored;
    }
    flow = CreateFlow(key, meta, link, tcp.syn() ? tcp.seq : tcp.seq - 1);
  }

  ++total_packets_;
  ++flow->packets;
  flow->wire_bytes += meta.wire_len;
  flow->captured_bytes += meta.cap_len;
  flow->last_seen = meta.ts;
  table_.Touch(flow);

  if (tcp.syn()) {
    ++flow->syn_count;
    if (!tcp.ack_flag()) flow->client_to_server = true;
    if (has_payload) {
      ++flow->violations;
      CountAnomaly(anomalies_, *flow, Anomaly::kSynWithData);
    }
  }
  if (!taps_.empty()) {
    const SegmentInfo segment{meta.ts, meta.link_type, meta.frame, meta.wire_len,
                              tcp.seq, tcp.flags,      payload};
    for (SegmentTap* tap : taps_) tap->OnSegment(*flow, segment);
  }
  if (has_payload) {
    bool keepalive = payload.size() == 1 && flow->has_data && data_seq == NextSeq(*flow) - 1;
    if (!keepalive) StoreData(flow, data_seq, payload, meta.ts);
  }
  if (tcp.fin()) {
    std::int64_t end = UnwrapOffset(data_seq, flow->isn + 1,
                                    static_cast<std::int64_t>(flow->reassembler.highest_end()));
    end += static_cast<std::int64_t>(payload.size());
    flow->fin_seen = true;
    flow->fin_offset = end > 0 ? static_cast<std::uint64_t>(end) : 0;
  }
  if (config_.no_purge) {
    // -P: the flow stays in the table, so later packets of the tuple still reach it.
  } else if (tcp.rst()) {
    CloseFlow(flow, CloseReason::kRst);
  } else if (flow->fin_seen && flow->reassembler.frontier() >= flow->fin_offset &&
             !flow->reassembler.HasHolesBelow(flow->fin_offset)) {
    CloseFlow(flow, CloseReason::kFin);
  }
  return Outcome::kProcessed;
}

void TcpDemux::ExpireIdle(const Timeval& now) {
  if (config_.tcp_timeout_sec == 0) return;
  while (Flow* oldest = table_.Oldest()) {
    // Whole seconds, as 1.6.1 compares them; clamped, so the difference cannot overflow.
    const std::int64_t idle_sec = ClampedSeconds(now) - ClampedSeconds(oldest->last_seen);
    if (idle_sec <= static_cast<std::int64_t>(config_.tcp_timeout_sec)) {
      break;
    }
    CloseFlow(oldest, CloseReason::kIdleTimeout);
  }
}

void TcpDemux::CloseAll(CloseReason reason) {
  for (Flow* flow : table_.FlowsInCreationOrder()) CloseFlow(flow, reason);
}

}  // namespace tcpflow
