// packet_decoder.cpp: a frame's headers, then (where needed) fragments and tunnels.
#include "packet_decoder.h"

#include "ip.h"
#include "tcp_segment.h"
#include "tunnel.h"

namespace tcpflow {

void FrameDecoder::Decode(int dlt, Bytes frame, FrameHeaders* out) {
  if (dlt != dlt_) {
    dlt_ = dlt;
    decoder_ = FindLinkDecoder(dlt);
  }
  out->depth = FrameHeaders::Depth::kNone;
  out->link_anomalies.Clear();
  out->network_anomalies.Clear();
  if (decoder_ == nullptr) {
    out->link_anomalies.Count(Anomaly::kUnsupportedNetwork);
    return;
  }
  if (!decoder_(frame, out->link, out->link_anomalies)) return;
  out->depth = FrameHeaders::Depth::kLink;
  if (!DecodeIp(out->link.network, out->link.ethertype, out->ip, out->network_anomalies)) return;
  out->depth = FrameHeaders::Depth::kIp;
  // A whole TCP segment is never a tunnel: its header is read now. Everything else waits for
  // PacketDecoder::Segment.
  if (out->ip.is_fragment || out->ip.protocol != kIpProtoTcp) return;
  if (DecodeTcp(out->ip.payload, out->tcp, out->network_anomalies)) {
    out->depth = FrameHeaders::Depth::kTcp;
  }
}

PacketSummary Summarize(const Timeval& ts, std::uint32_t wire_len, int dlt,
                        const FrameHeaders& headers) {
  PacketSummary summary;
  summary.ts = ts;
  summary.wire_len = wire_len;
  const bool has_ip = headers.depth >= FrameHeaders::Depth::kIp;
  const IpLayer& ip = headers.ip;
  if (headers.link.vlan != kNoVlan) {
    summary.network = PacketSummary::Network::kVlan;
  } else if (has_ip && dlt == kDltEn10mb) {
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

PacketDecoder::PacketDecoder(const DefragLimits& limits, AnomalyCounters& anomalies,
                             std::uint64_t seed)
    : anomalies_(anomalies),
      defrag_(limits, anomalies, seed),
      ethernet_(FindLinkDecoder(kDltEn10mb)) {}

PacketDecoder::Result PacketDecoder::Segment(FrameHeaders& headers, const Timeval& ts) {
  headers.network_anomalies.MoveTo(anomalies_);
  link_ = &headers.link;
  if (headers.depth == FrameHeaders::Depth::kTcp) {
    ip_ = &headers.ip;
    tcp_ = &headers.tcp;
    return Result::kSegment;
  }
  // Below kIp nothing decoded (and the failure is counted); a whole TCP segment whose header
  // did not decode is counted too.
  if (headers.depth != FrameHeaders::Depth::kIp ||
      (!headers.ip.is_fragment && headers.ip.protocol == kIpProtoTcp)) {
    return Result::kNotSegment;
  }
  // Each pass peels one IP layer: reassemble it, and either hand its TCP segment on or step
  // into the tunnel it carries. The outermost layer was decoded already.
  inner_ip_ = headers.ip;
  Bytes network;
  std::uint16_t ethertype = kEthertypeIpAny;
  for (std::size_t depth = 0;; ++depth) {
    if (depth > 0) {
      if (depth == kMaxIpLayers) {
        anomalies_.Count(Anomaly::kTooManyVlanTags);
        return Result::kNotSegment;
      }
      if (!DecodeIp(network, ethertype, inner_ip_, anomalies_)) return Result::kNotSegment;
    }
    if (inner_ip_.is_fragment) {
      anomalies_.Count(Anomaly::kIpFragment);
      const bool tcp = inner_ip_.protocol == kIpProtoTcp;
      IpLayer whole;
      if (!defrag_.Add(inner_ip_, ts, &whole, &datagrams_[depth])) {
        return tcp ? Result::kHeldTcp : Result::kNotSegment;
      }
      inner_ip_ = whole;
    }
    TunnelInner inner;
    switch (Decapsulate(inner_ip_, &inner, anomalies_)) {
      case TunnelStatus::kFailed: return Result::kNotSegment;
      case TunnelStatus::kInner:
        if (inner.is_ethernet) {
          // The innermost Ethernet header names the flow (its MACs and VLAN), like its IP/TCP.
          if (!ethernet_(inner.frame, inner_link_, anomalies_)) return Result::kNotSegment;
          link_ = &inner_link_;
          network = inner_link_.network;
          ethertype = inner_link_.ethertype;
        } else {
          network = inner.frame;
          ethertype = inner.ethertype;
        }
        continue;
      case TunnelStatus::kNotTunnel: break;
    }
    if (inner_ip_.protocol != kIpProtoTcp) {
      anomalies_.Count(Anomaly::kNotTcp);
      return Result::kNotSegment;
    }
    if (!DecodeTcp(inner_ip_.payload, inner_tcp_, anomalies_)) return Result::kNotSegment;
    ip_ = &inner_ip_;
    tcp_ = &inner_tcp_;
    return Result::kSegment;
  }
}

}  // namespace tcpflow
