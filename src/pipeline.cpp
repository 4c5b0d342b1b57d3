// pipeline.cpp: the per-packet path (decode, defragment, decapsulate, demux) and its wiring.
#include "pipeline.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "anomaly.h"
#include "datalink.h"
#include "dfxml_writer.h"
#include "filename_template.h"
#include "flow_alerts.h"
#include "flow_key.h"
#include "flow_table.h"
#include "flow_writer.h"
#include "report_sink.h"
#include "stream_sink.h"
#include "tcp_demux.h"

namespace tcpflow {
namespace {

// A -K file's report entry.
ReportFlow ReportEntry(const FlowPcapFile& file) {
  ReportFlow entry;
  entry.filename = file.name;
  entry.filesize = file.size;
  entry.first_seen = file.first_seen;
  entry.last_seen = file.last_seen;
  entry.has_macs = file.has_macs;
  entry.src_mac = file.src_mac;
  entry.dst_mac = file.dst_mac;
  entry.key = file.key;
  entry.packets = file.packets;
  entry.wire_bytes = file.wire_bytes;
  entry.captured_bytes = file.captured_bytes;
  return entry;
}

}  // namespace

PacketProcessor::PacketProcessor(const Config& config, std::uint64_t seed, OutputFs& fs,
                                 const FilenameTemplate& name_template, const PipelineSinks& sinks)
    : config_(config),
      fs_(fs),
      limits_{config.reassembly.max_buffered_per_flow, 1024, config.reassembly.overlap_last},
      budget_{config.reassembly.max_buffered_total, 0},
      table_(DeriveSeed(seed, SeedUse::kFlowTable), limits_, budget_,
             TcpDemux::IdleOrderFor(config.reassembly)),
      writer_(config.output, config.reassembly, name_template, fs),
      fanout_(&writer_),
      demux_(config.reassembly, table_, fanout_, &writer_, anomalies_),
      defrag_limits_{config.ip.max_fragment_datagrams, config.ip.max_fragment_bytes,
                     config.ip.fragment_timeout_sec},
      decoder_(defrag_limits_, anomalies_, DeriveSeed(seed, SeedUse::kFragments)),
      scanners_(sinks.scanners) {
  consumers_.Add(writer_);
  if (config.findx) {
    findx_ = std::make_unique<FindxWriter>(config.reassembly.max_bytes_per_flow, fs);
    fanout_.Add(findx_.get());
    consumers_.Add(*findx_);
  }
  if (scanners_ != nullptr && scanners_->stream_sink() != nullptr) {
    fanout_.Add(scanners_->stream_sink());
  }
  if (sinks.console != nullptr) demux_.AddTap(sinks.console);
  if (config.per_flow_pcap) {
    // -S max_flows bounds the tuples with an open file, as it bounds the flow table.
    flow_pcaps_ = std::make_unique<FlowPcapWriter>(config.output.outdir, name_template, fs,
                                                   DeriveSeed(seed, SeedUse::kFlowPcaps),
                                                   anomalies_, config.reassembly.max_flows);
    consumers_.Add(*flow_pcaps_);
  }
  if (scanners_ != nullptr) consumers_.Add(*scanners_);
  if (config.alerts.enabled()) {
    alerts_ = std::make_unique<FlowAlerts>(config.alerts);
    fanout_.Add(alerts_.get());
  }
  if (sinks.events != nullptr) {
    events_ = std::make_unique<FlowEvents>(*sinks.events, config.reassembly.max_flows);
    fanout_.Add(events_.get());
  }
  if (sinks.flow_log != nullptr) {
    flow_log_ = std::make_unique<FlowLog>(
        *sinks.flow_log, config.report.json_path,
        FlowLogSettings{config.output.outdir, config.reassembly.max_bytes_per_flow,
                        config.report.holes_listed});
    fanout_.Add(flow_log_.get());
    consumers_.Add(*flow_log_);
  }
  if (sinks.report != nullptr) {
    report_ = sinks.report;
    report_sink_ = std::make_unique<ReportSink>(
        *sinks.report, fs, config.reassembly.max_bytes_per_flow, config.report.holes_listed);
    fanout_.Add(report_sink_.get());
  }
}

PacketProcessor::~PacketProcessor() = default;

bool PacketProcessor::HandlePacket(int link_type, const RawPacket& packet, bool finish_only) {
  FrameHeaders* headers = nullptr;
  if (packet.view_epoch != 0) {
    for (AheadFrame& ahead : ahead_) {
      if (ahead.view_epoch == packet.view_epoch && ahead.frame.data() == packet.data.data() &&
          ahead.frame.size() == packet.data.size() && ahead.link_type == link_type) {
        ahead.view_epoch = 0;  // used once
        headers = &ahead.headers;
        break;
      }
    }
  }
  if (headers == nullptr) {
    frame_decoder_.Decode(link_type, packet.data, &current_);
    headers = &current_;
  }
  headers->link_anomalies.MoveTo(anomalies_);
  if (headers->depth == FrameHeaders::Depth::kNone) return false;
  std::int64_t sec = 0;  // capture times are untrusted: -S tdelta saturates
  if (__builtin_add_overflow(packet.ts.sec, config_.output.tdelta, &sec)) {
    sec = config_.output.tdelta > 0 ? INT64_MAX : INT64_MIN;
  }
  const Timeval ts{sec, packet.ts.usec};
  if (scanners_ != nullptr) {
    if (scanners_->wants_packets()) {
      scanners_->OnPacket(Summarize(ts, packet.wire_len, link_type, *headers));
    }
    if (!scanners_->tcpdemux()) return false;
  }
  decoder_.Expire(ts);
  switch (decoder_.Segment(*headers, ts)) {
    case PacketDecoder::Result::kNotSegment: return false;
    case PacketDecoder::Result::kHeldTcp: return true;  // held until its datagram is complete
    case PacketDecoder::Result::kSegment: break;
  }
  // Flows are named by the innermost link, IP and TCP headers.
  const LinkLayer& link = decoder_.link();
  const IpLayer& ip = decoder_.ip();
  const TcpLayer& tcp = decoder_.tcp();
  const FlowKey key{ip.src, ip.dst, tcp.src_port, tcp.dst_port, link.vlan};
  if (config_.shard.count > 1 && ShardOf(key, config_.shard.count) != config_.shard.index) {
    anomalies_.Count(Anomaly::kOtherShard);
    return true;  // another run's connection: not "unprocessed" for -w either
  }
  PacketMeta meta;
  meta.ts = ts;
  meta.wire_len = packet.wire_len;
  meta.cap_len = static_cast<std::uint32_t>(packet.data.size());
  meta.link_type = link_type;
  meta.frame = packet.data;
  if (flow_pcaps_) {
    // -K: instead of reassembling, every TCP packet goes to its direction's pcap as captured.
    NameFields fields;
    fields.key = key;
    fields.has_macs = link.has_macs;
    fields.src_mac = link.src_mac;
    fields.dst_mac = link.dst_mac;
    fields.first_seen_sec = ts.sec;
    const SegmentInfo segment{ts,      link_type, packet.data, packet.wire_len,
                              tcp.seq, tcp.flags, tcp.payload};
    flow_pcaps_->OnPacket(fields.key, fields, segment);
    return true;
  }
  demux_.Process(meta, link, ip, tcp, finish_only);
  demux_.ExpireIdle(meta.ts);
  return true;
}

void PacketProcessor::LookAhead(int link_type, Bytes frame, std::uint64_t view_epoch) {
  // Three stages, one packet apart: the slot, then its flow, then the flow's file state.
  if (ahead_hash_[0]) {
    if (const Flow* flow = table_.PeekFlow(*ahead_hash_[0])) writer_.Prefetch(*flow);
  }
  if (ahead_hash_[1]) table_.PrefetchFlow(*ahead_hash_[1]);
  ahead_hash_[0] = ahead_hash_[1];
  ahead_hash_[1].reset();
  AheadFrame& ahead = ahead_[ahead_next_];
  ahead_next_ = (ahead_next_ + 1) % ahead_.size();
  ahead.view_epoch = 0;
  if (frame.empty()) return;
  frame_decoder_.Decode(link_type, frame, &ahead.headers);
  ahead.frame = frame;
  ahead.link_type = link_type;
  ahead.view_epoch = view_epoch;
  if (ahead.headers.depth != FrameHeaders::Depth::kTcp) return;
  const FrameHeaders& h = ahead.headers;
  const std::uint64_t hash =
      table_.HashOf(FlowKey{h.ip.src, h.ip.dst, h.tcp.src_port, h.tcp.dst_port, h.link.vlan});
  table_.PrefetchSlot(hash);
  ahead_hash_[1] = hash;
}

void PacketProcessor::ForgetLookAhead() {
  for (AheadFrame& ahead : ahead_) ahead.view_epoch = 0;
  ahead_hash_[0].reset();
  ahead_hash_[1].reset();
}

void PacketProcessor::Finish(ReportTotals* totals, CloseReason open_flows_close) {
  totals->flow_map_size = table_.size();
  totals->max_open_flows = table_.peak_size();
  demux_.CloseAll(open_flows_close);
  if (scanners_ != nullptr) {
    std::string error;
    if (!scanners_->Finish(&error)) consumers_.NoteRunEndFailure(error);
    anomalies_.Add(scanners_->anomalies());
  }
  if (alerts_) alerts_->Finish();
  if (flow_pcaps_) {
    // -K: the report lists each pcap file, as it lists flow files without -K.
    if (report_ != nullptr) {
      for (const FlowPcapFile& file : flow_pcaps_->Files()) report_->WriteFlow(ReportEntry(file));
    }
    flow_pcaps_->Finish();
  }
  if (flow_log_ && !flow_log_->Finish()) consumers_.NoteRunEndFailure(flow_log_->error());
  // Everything queued reaches the disk before the report's last entries and totals.
  if (!fs_.Flush()) consumers_.NoteRunEndFailure(fs_.error());
  if (report_sink_) report_sink_->WriteReady(/*all=*/true);
  totals->total_flows = table_.total_created();
  totals->total_packets = demux_.total_packets();
  totals->anomalies = &anomalies_;
}

}  // namespace tcpflow
