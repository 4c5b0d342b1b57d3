// tcp_demux.h: TCP semantics (RFC 9293) on top of the flow table and the reassembler: which
// packets create, continue, split and close flows, and where each payload byte goes.
//
// Design note: this is the only place that interprets TCP flags. It follows tcpflow 1.6.1's
// rules (REFERENCE.md 3.4 and 3.5) so that file names and bytes match: the ISN is the SYN's
// sequence number, or seq-1 for a flow picked up mid-stream; a jump of more than max_seek bytes
// starts a new flow; FIN closes a direction once every byte before it is in, RST at once; data
// arriving before a mid-stream flow's first byte is inserted in front. Unlike 1.6.1 the first
// copy of retransmitted bytes wins (-S overlap=last restores the old rule). The table holds at
// most max_flows flows: a new flow first closes the least recently active one (written out as
// an idle timeout would, counted as flow_cap_closed), so memory stays bounded under a SYN flood.
// A segment with data for a tuple without an open flow is dropped when it repeats what the
// tuple's latest closed flow stored (a retransmission after FIN): the demux asks ClosedFlows
// (the flow-file writer's record of recently closed flows) at the 64-bit offset it unwraps
// near that flow's final size, so offsets past 4 GiB are right; a retransmission more than
// 2 GiB below the end is not recognised. The demux never sees the file system.
#ifndef TCPFLOW_TCP_DEMUX_H
#define TCPFLOW_TCP_DEMUX_H

#include <cstdint>
#include <vector>

#include "anomaly.h"
#include "config.h"
#include "flow_table.h"
#include "packet.h"
#include "stream_sink.h"

namespace tcpflow {

// Per-packet facts from below the IP layer.
struct PacketMeta {
  Timeval ts;
  std::uint32_t wire_len = 0;  // original length on the wire
  std::uint32_t cap_len = 0;   // bytes captured
  int link_type = 0;           // DLT of `frame`
  Bytes frame;                 // the captured frame, for segment taps
};

class TcpDemux {
 public:
  // `closed` (may be null: nothing is recognised as a retransmission after close) remembers the
  // flows that closed lately with a file, and what their files hold.
  TcpDemux(const ReassemblyConfig& config, FlowTable& table, SinkFanout& sink,
           const ClosedFlows* closed, AnomalyCounters& anomalies);
  // What the table must keep for this configuration: the flow cap and the idle timeout close
  // the least recently used flows first; without either, no order is needed.
  static IdleOrder IdleOrderFor(const ReassemblyConfig& config);

  // What became of a packet (for -w and statistics).
  enum class Outcome { kProcessed, kIgnored };

  // One TCP segment. finish_only: reading -R files, so no new flows are created.
  Outcome Process(const PacketMeta& meta, const LinkLayer& link, const IpLayer& ip,
                  const TcpLayer& tcp, bool finish_only);
  // Closes flows idle for more than tcp_timeout seconds before `now` (no-op when the timeout is 0).
  void ExpireIdle(const Timeval& now);
  // Closes every open flow in creation order, for `reason` (kEndOfInput or kInterrupted).
  void CloseAll(CloseReason reason);

  std::uint64_t total_packets() const { return total_packets_; }
  // Adds a tap that sees every segment reaching a flow (not owned; must outlive the demux).
  void AddTap(SegmentTap* tap) { taps_.push_back(tap); }

 private:
  Flow* CreateFlow(const FlowKey& key, const PacketMeta& meta, const LinkLayer& link,
                   std::uint32_t isn);
  void CloseFlow(Flow* flow, CloseReason reason);
  void StoreData(Flow* flow, std::uint32_t data_seq, Bytes payload, const Timeval& ts);
  bool IsRetransmissionAfterClose(const FlowKey& key, std::uint32_t data_seq, Bytes payload) const;

  const ReassemblyConfig& config_;
  FlowTable& table_;
  SinkFanout& sink_;
  const ClosedFlows* closed_;
  AnomalyCounters& anomalies_;
  std::vector<SegmentTap*> taps_;
  std::uint64_t total_packets_ = 0;
};

}  // namespace tcpflow

#endif  // TCPFLOW_TCP_DEMUX_H
