// anomaly.cpp: the stable names of the anomaly counters.
#include "anomaly.h"

namespace tcpflow {

std::string_view AnomalyName(Anomaly a) {
  switch (a) {
    case Anomaly::kTruncatedLinkHeader: return "truncated_link_header";
    case Anomaly::kUnsupportedNetwork: return "unsupported_network_protocol";
    case Anomaly::kTooManyVlanTags: return "too_many_encapsulations";
    case Anomaly::kBadLoopbackFamily: return "bad_loopback_family";
    case Anomaly::kTruncatedIpHeader: return "truncated_ip_header";
    case Anomaly::kBadIpVersion: return "bad_ip_version";
    case Anomaly::kBadIpHeaderLength: return "bad_ip_header_length";
    case Anomaly::kIpLengthBeyondCapture: return "ip_length_beyond_capture";
    case Anomaly::kIpZeroTotalLength: return "ip_zero_total_length";
    case Anomaly::kIpFragment: return "ip_fragment";
    case Anomaly::kBadIpv6ExtHeader: return "bad_ipv6_extension_header";
    case Anomaly::kNotTcp: return "not_tcp";
    case Anomaly::kTruncatedTcpHeader: return "truncated_tcp_header";
    case Anomaly::kBadTcpDataOffset: return "bad_tcp_data_offset";
    case Anomaly::kSynWithData: return "syn_with_data";
    case Anomaly::kDataBeforeIsn: return "data_before_isn";
    case Anomaly::kOverlap: return "overlap_bytes";
    case Anomaly::kOverlapConflict: return "overlap_conflict_bytes";
    case Anomaly::kOutOfOrderLimit: return "out_of_order_limit_holes";
    case Anomaly::kHolesForgotten: return "forgotten_hole_bytes";
    case Anomaly::kFlowSplitMaxSeek: return "flow_split_max_seek";
    case Anomaly::kIgnoredSyn: return "ignored_syn";
    case Anomaly::kFlowCapClosed: return "flow_cap_closed";
    case Anomaly::kFlowPcapEvicted: return "flow_pcap_evicted";
    case Anomaly::kFragmentOverlap: return "fragment_overlap";
    case Anomaly::kFragmentTcpRewrite: return "fragment_tcp_header_rewrite";
    case Anomaly::kFragmentEvicted: return "fragment_evicted";
    case Anomaly::kFragmentTimeout: return "fragment_timeout";
    case Anomaly::kBadFragment: return "bad_fragment";
    case Anomaly::kBadTunnelHeader: return "bad_tunnel_header";
    case Anomaly::kHttpParseError: return "http_parse_error";
    case Anomaly::kHttpHeaderTooLong: return "http_header_too_long";
    case Anomaly::kHttpStreamHole: return "http_stream_hole";
    case Anomaly::kHttpBodyCapped: return "http_body_capped";
    case Anomaly::kHttpDecompressError: return "http_decompress_error";
    case Anomaly::kPythonInputCapped: return "python_input_capped";
    case Anomaly::kPythonTotalCapped: return "python_total_capped";
    case Anomaly::kPythonError: return "python_error";
    case Anomaly::kOtherShard: return "other_shard";
    case Anomaly::kCount: break;
  }
  return "unknown";
}

}  // namespace tcpflow
