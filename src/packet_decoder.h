// packet_decoder.h: one captured frame decoded once, from its link layer to its TCP segment,
// through tunnels and IP fragments.
//
// Design note: decoding has two stages.
//   FrameDecoder::Decode reads what the frame's bytes say by themselves: the link layer, the
//   outermost IP header and, when that IP packet is a whole TCP segment, its TCP header. It
//   keeps no state, so the capture loop runs it a few packets early (the look-ahead, to load
//   the flow before it is needed) and keeps the result for when the frame is handled, and the
//   packet scanners' summary (Summarize) is read from it. It counts nothing into the run's
//   counters: the anomalies met are kept in the FrameHeaders, and whoever handles the frame
//   moves them into the run's counters (a frame looked at early but never handled counts
//   nothing). The link decoder is looked up once per link type, not per frame.
//   PacketDecoder::Segment does what needs state, only for frames that need it: IP
//   defragmentation and tunnels (GRE, IP-in-IP, VXLAN, Geneve), peeling one IP layer per pass
//   up to kMaxIpLayers. A reassembled datagram is moved out of the defragmenter into a buffer
//   per nesting level, never copied. The innermost link, IP and TCP layers name the flow.
// Every span in the results points into the frame (or into the decoder's datagram buffers)
// and is valid while those are.
#ifndef TCPFLOW_PACKET_DECODER_H
#define TCPFLOW_PACKET_DECODER_H

#include <array>
#include <cstdint>
#include <vector>

#include "anomaly.h"
#include "byte_reader.h"
#include "datalink.h"
#include "ip_defrag.h"
#include "packet.h"
#include "scanner.h"

namespace tcpflow {

// How many IP layers (tunnels within tunnels) one packet may have.
inline constexpr std::size_t kMaxIpLayers = 8;

// What one frame's bytes say by themselves (FrameDecoder::Decode).
struct FrameHeaders {
  enum class Depth : std::uint8_t {
    kNone,  // the link layer did not decode (or carries no IP)
    kLink,  // `link` is valid; the outermost IP header did not decode
    kIp,    // `link` and `ip` (the outermost IP header) are valid; `tcp` is not
    kTcp,   // also `tcp`: the outermost IP packet is an unfragmented TCP segment
  };
  Depth depth = Depth::kNone;
  LinkLayer link;
  IpLayer ip;
  TcpLayer tcp;
  // Met while decoding; not yet in any run's counters.
  AnomalyCounters link_anomalies;     // by the link decoder
  AnomalyCounters network_anomalies;  // by the IP and TCP decoders
};

class FrameDecoder {
 public:
  // Decodes `frame` of link type `dlt` into *out (all of it replaced: anomalies left in it from
  // an earlier frame are dropped). An unsupported link type is kNone with kUnsupportedNetwork.
  void Decode(int dlt, Bytes frame, FrameHeaders* out);

 private:
  int dlt_ = -1;                   // the link type decoder_ is for
  LinkDecoder decoder_ = nullptr;  // null: dlt_ is not supported
};

// What packet scanners see of a frame decoded at least to its link layer (depth != kNone):
// its size, outer network and outermost IP header (with TCP/UDP ports when the datagram is not
// a fragment). The outer network is told apart only on Ethernet (by its ethertype, as tcpflow
// 1.6.1's netviz does); on other links it is "other".
PacketSummary Summarize(const Timeval& ts, std::uint32_t wire_len, int dlt,
                        const FrameHeaders& headers);

class PacketDecoder {
 public:
  enum class Result {
    kSegment,     // link(), ip() and tcp() are the innermost layers of a TCP segment
    kHeldTcp,     // a TCP fragment, held until its datagram is complete
    kNotSegment,  // anything else: not IP, not TCP, malformed (counted), a non-TCP fragment
  };

  // Keeps references to `limits` and `anomalies`; they must outlive the decoder. `seed` seeds
  // the fragment index's hash.
  PacketDecoder(const DefragLimits& limits, AnomalyCounters& anomalies, std::uint64_t seed);
  PacketDecoder(const PacketDecoder&) = delete;
  PacketDecoder& operator=(const PacketDecoder&) = delete;

  // Drops the datagrams in progress whose time is up at `now` (see IpDefragmenter::Expire).
  void Expire(const Timeval& now) { defrag_.Expire(now); }
  // Carries on from `headers` (depth kLink at least) of a frame captured at `ts`: moves its
  // network anomalies into the run's counters, then reassembles fragments and unwraps tunnels
  // until a TCP segment is found. The results are valid until the next call (or until
  // `headers` or the frame change).
  Result Segment(FrameHeaders& headers, const Timeval& ts);
  const LinkLayer& link() const { return *link_; }
  const IpLayer& ip() const { return *ip_; }
  const TcpLayer& tcp() const { return *tcp_; }

  const IpDefragmenter& defragmenter() const { return defrag_; }

 private:
  AnomalyCounters& anomalies_;
  IpDefragmenter defrag_;
  const LinkDecoder ethernet_;  // for Ethernet frames inside tunnels
  const LinkLayer* link_ = nullptr;
  const IpLayer* ip_ = nullptr;
  const TcpLayer* tcp_ = nullptr;
  // The layers found past the outermost IP header (tunnels, fragments).
  LinkLayer inner_link_;
  IpLayer inner_ip_;
  TcpLayer inner_tcp_;
  // Reassembled datagrams, one buffer per nesting level: an inner layer may be fragmented too.
  std::array<std::vector<std::uint8_t>, kMaxIpLayers> datagrams_;
};

}  // namespace tcpflow

#endif  // TCPFLOW_PACKET_DECODER_H
