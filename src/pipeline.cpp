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
#include "ip.h"
#include "report_sink.h"
#include "stream_sink.h"
#include "tcp_demux.h"
#include "tcp_segment.h"
#include "tunnel.h"

namespace tcpflow {
namespace {

constexpr std::uint8_t kIpProtoTcp = 6;
constexpr std::uint8_t kIpProtoUdp = 17;

// What packet scanners see of a decoded frame: its size, outer network and outermost IP header
// (with TCP/UDP ports when the datagram is not a fragment).
// The outer network is told apart only on Ethernet (by its ethertype, as tcpflow 1.6.1's
// netviz does); on other links it is "other".
PacketSummary Summarize(const Timeval& ts, std::uint32_t wire_len, int link_type,
                        const LinkLayer& link) {
  PacketSummary summary;
  summary.ts = ts;
  summary.wire_len = wire_len;
  AnomalyCounters ignored;  // the TCP path counts anomalies; this look must not count twice
  IpLayer ip;
  const bool has_ip = DecodeIp(link.network, link.ethertype, ip, ignored);
  if (link.vlan != kNoVlan) {
    summary.network = PacketSummary::Network::kVlan;
  } else if (has_ip && link_type == kDltEn10mb) {
    summary.network =
        ip.version == 4 ? PacketSummary::Network::kIpv4 : PacketSummary::Network::kIpv6;
  }
  if (!has_ip) return summary;
  summary.has_ip = true;
  summary.src = ip.src;
  summary.dst = ip.dst;
  summary.protocol = ip.protocol;
  if ((ip.protocol == kIpProtoTcp || ip.protocol == kIpProtoUdp) &&
      (!ip.is_fragment || ip.fragment_offset == 0)) {
    ByteReader reader(ip.payload);
    const std::uint16_t src_port = reader.Be16();
    const std::uint16_t dst_port = reader.Be16();
    if (reader.ok()) {
      summary.has_ports = true;
      summary.src_port = src_port;
      summary.dst_port = dst_port;
    }
  }
  return summary;
}

}  // namespace

PacketProcessor::PacketProcessor(const Config& config, std::uint64_t seed, OutputFs& fs,
                                 const FilenameTemplate& name_template, ReportWriter* report,
                                 ConsoleWriter* console, ScannerSet* scanners)
    : config_(config),
      fs_(fs),
      limits_{config.reassembly.max_buffered_per_flow, 1024, config.reassembly.overlap_last},
      budget_{config.reassembly.max_buffered_total, 0},
      table_(DeriveSeed(seed, SeedUse::kFlowTable), limits_, budget_,
             TcpDemux::IdleOrderFor(config.reassembly)),
      writer_(config.output, config.reassembly, name_template, fs),
      demux_(config.reassembly, table_, fanout_, fs, anomalies_),
      defrag_limits_{config.ip.max_fragment_datagrams, config.ip.max_fragment_bytes,
                     config.ip.fragment_timeout_sec},
      defrag_(defrag_limits_, anomalies_, DeriveSeed(seed, SeedUse::kFragments)),
      scanners_(scanners) {
  fanout_.Add(&writer_);
  consumers_.Add(writer_);
  if (config.findx) {
    findx_ = std::make_unique<FindxWriter>(config.reassembly.max_bytes_per_flow, fs);
    fanout_.Add(findx_.get());
    consumers_.Add(*findx_);
  }
  if (scanners != nullptr && scanners->stream_sink() != nullptr) {
    fanout_.Add(scanners->stream_sink());
  }
  if (console != nullptr) demux_.AddTap(console);
  if (config.per_flow_pcap) {
    // -S max_flows bounds the tuples with an open file, as it bounds the flow table.
    flow_pcaps_ = std::make_unique<FlowPcapWriter>(config.output.outdir, name_template, fs,
                                                   DeriveSeed(seed, SeedUse::kFlowPcaps),
                                                   anomalies_, config.reassembly.max_flows);
    consumers_.Add(*flow_pcaps_);
  }
  if (scanners != nullptr) consumers_.Add(*scanners);
  if (config.alerts.enabled()) {
    alerts_ = std::make_unique<FlowAlerts>(config.alerts);
    fanout_.Add(alerts_.get());
  }
  if (report != nullptr) {
    report_sink_ = std::make_unique<ReportSink>(*report, fs);
    fanout_.Add(report_sink_.get());
  }
}

PacketProcessor::~PacketProcessor() = default;

bool PacketProcessor::HandlePacket(int link_type, const RawPacket& packet, bool finish_only) {
  LinkLayer link;
  if (!DecodeLink(link_type, packet.data, link, anomalies_)) return false;
  std::int64_t sec = 0;  // capture times are untrusted: -S tdelta saturates
  if (__builtin_add_overflow(packet.ts.sec, config_.output.tdelta, &sec)) {
    sec = config_.output.tdelta > 0 ? INT64_MAX : INT64_MIN;
  }
  const Timeval ts{sec, packet.ts.usec};
  if (scanners_ != nullptr) {
    if (scanners_->wants_packets())
      scanners_->OnPacket(Summarize(ts, packet.wire_len, link_type, link));
    if (!scanners_->tcpdemux()) return false;
  }
  defrag_.Expire(ts);
  Bytes network = link.network;
  std::uint16_t ethertype = link.ethertype;
  // Each pass peels one IP layer: defragment it, and either hand its TCP segment on or step
  // into the tunnel it carries. Flows are named by the innermost IP/TCP headers.
  for (std::size_t depth = 0;; ++depth) {
    if (depth == kMaxIpLayers) {
      anomalies_.Count(Anomaly::kTooManyVlanTags);
      return false;
    }
    IpLayer ip;
    if (!DecodeIp(network, ethertype, ip, anomalies_)) return false;
    if (ip.is_fragment) {
      anomalies_.Count(Anomaly::kIpFragment);
      const bool tcp = ip.protocol == kIpProtoTcp;
      IpLayer whole;
      if (!defrag_.Add(ip, ts, &whole)) return tcp;  // held until its datagram is complete
      // The defragmenter's buffer lives only until its next call, and an inner layer may be
      // fragmented too: keep this layer's datagram in a buffer of its own.
      std::vector<std::uint8_t>& copy = datagrams_[depth];
      copy.assign(whole.payload.begin(), whole.payload.end());
      ip = whole;
      ip.payload = Bytes(copy.data(), copy.size());
    }
    TunnelInner inner;
    switch (Decapsulate(ip, &inner, anomalies_)) {
      case TunnelStatus::kFailed: return false;
      case TunnelStatus::kInner:
        if (inner.is_ethernet) {
          // The innermost Ethernet header names the flow (its MACs and VLAN), like its IP/TCP.
          if (!DecodeLink(kDltEn10mb, inner.frame, link, anomalies_)) return false;
          network = link.network;
          ethertype = link.ethertype;
        } else {
          network = inner.frame;
          ethertype = inner.ethertype;
        }
        continue;
      case TunnelStatus::kNotTunnel: break;
    }
    if (ip.protocol != kIpProtoTcp) {
      anomalies_.Count(Anomaly::kNotTcp);
      return false;
    }
    TcpLayer tcp;
    if (!DecodeTcp(ip.payload, tcp, anomalies_)) return false;
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
}

void PacketProcessor::LookAhead(int link_type, Bytes frame) {
  // Three stages, one packet apart: the slot, then its flow, then the flow's file state.
  if (ahead_hash_[0]) {
    if (const Flow* flow = table_.PeekFlow(*ahead_hash_[0])) writer_.Prefetch(*flow);
  }
  if (ahead_hash_[1]) table_.PrefetchFlow(*ahead_hash_[1]);
  ahead_hash_[0] = ahead_hash_[1];
  ahead_hash_[1].reset();
  LinkLayer link;
  IpLayer ip;
  TcpLayer tcp;
  if (frame.empty() || !DecodeLink(link_type, frame, link, lookahead_anomalies_) ||
      !DecodeIp(link.network, link.ethertype, ip, lookahead_anomalies_) || ip.is_fragment ||
      ip.protocol != kIpProtoTcp || !DecodeTcp(ip.payload, tcp, lookahead_anomalies_)) {
    return;
  }
  const std::uint64_t hash =
      table_.HashOf(FlowKey{ip.src, ip.dst, tcp.src_port, tcp.dst_port, link.vlan});
  table_.PrefetchSlot(hash);
  ahead_hash_[1] = hash;
}

void PacketProcessor::Finish(ReportTotals* totals) {
  totals->flow_map_size = table_.size();
  totals->max_open_flows = table_.peak_size();
  demux_.CloseAll();
  if (scanners_ != nullptr) {
    std::string error;
    if (!scanners_->Finish(&error)) consumers_.NoteRunEndFailure(error);
    anomalies_.Add(scanners_->anomalies());
  }
  if (alerts_) alerts_->Finish();
  if (flow_pcaps_) flow_pcaps_->Finish();
  // Everything queued reaches the disk before the report's last entries and totals.
  if (!fs_.Flush()) consumers_.NoteRunEndFailure(fs_.error());
  if (report_sink_) report_sink_->WriteReady(/*all=*/true);
  totals->total_flows = table_.total_created();
  totals->total_packets = demux_.total_packets();
  totals->anomalies = &anomalies_;
}

}  // namespace tcpflow
