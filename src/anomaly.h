// anomaly.h: named, counted anomalies (malformed or unusual input), reported in report.xml.
//
// Design note: decoders never print per packet and never throw on bad input; they count one
// of these and skip the packet (or the bad part). The counters are a plain array owned by the
// pipeline and passed by reference to whoever counts. Names are stable: they are report.xml
// element attributes that scripts may read.
#ifndef TCPFLOW_ANOMALY_H
#define TCPFLOW_ANOMALY_H

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tcpflow {

enum class Anomaly : std::uint8_t {
  kTruncatedLinkHeader,    // frame shorter than its link-layer header
  kUnsupportedNetwork,     // link layer carries something that is not IP (ARP, ...)
  kTooManyVlanTags,        // VLAN/MPLS nesting beyond the decoder's cap
  kBadLoopbackFamily,      // DLT_NULL/LOOP family value that is neither IPv4 nor IPv6
  kTruncatedIpHeader,      // fewer bytes than the IP header (or its IHL) needs
  kBadIpVersion,           // version nibble does not match what the link layer said
  kBadIpHeaderLength,      // IPv4 IHL < 5 or IHL*4 > total length
  kIpLengthBeyondCapture,  // IP total/payload length exceeds captured bytes (clamped)
  kIpZeroTotalLength,      // IPv4 total length 0 (TSO capture): captured length used
  kIpFragment,             // fragmented IP datagram (not yet reassembled)
  kBadIpv6ExtHeader,       // truncated or looping IPv6 extension-header chain
  kNotTcp,                 // IP payload is not TCP
  kTruncatedTcpHeader,     // fewer than 20 bytes, or data offset past the segment
  kBadTcpDataOffset,       // TCP data offset < 5
  kSynWithData,            // SYN carrying payload (stored anyway)
  kDataBeforeIsn,          // data before ISN+1 on a flow whose SYN was seen (dropped)
  kOverlap,                // bytes received again over bytes already stored (a byte count)
  kOverlapConflict,        // of those, bytes that differed from the buffered copy (a byte count)
  kOutOfOrderLimit,        // out-of-order buffer bound hit: a hole was written (a count of holes)
  kHolesForgotten,         // bytes of holes no longer tracked, so a late fill was dropped
  kFlowSplitMaxSeek,       // segment jumped more than -m bytes: new flow started
  kIgnoredSyn,             // SYN on a live flow that already stored data (ignored)
  kFlowCapClosed,          // flow closed early because the table was full (-S max_flows)
  kFlowPcapEvicted,        // -K file closed early because -S max_flows were open (reopened later)
  kFragmentOverlap,        // fragment bytes over bytes already held (first copy kept)
  kFragmentTcpRewrite,     // a fragment would rewrite the TCP header (tiny/overlapping attack)
  kFragmentEvicted,        // datagram in progress dropped: a memory bound was hit
  kFragmentTimeout,        // datagram in progress dropped: incomplete after the timeout
  kBadFragment,            // fragment with an impossible offset/length (past 65535, zero length)
  kBadTunnelHeader,        // truncated or malformed GRE / VXLAN / IP-in-IP header
  kHttpParseError,         // HTTP message that could not be parsed (scanner resynchronised)
  kHttpHeaderTooLong,      // HTTP header block beyond -S http_max_header (message skipped)
  kHttpStreamHole,         // hole in an HTTP stream: the message in progress was cut short
  kHttpBodyCapped,         // HTTP body cut at a size or compression-ratio bound
  kHttpDecompressError,    // gzip/deflate body that is corrupt (kept up to the error)
  kPythonInputCapped,      // flow bytes beyond -S py_max_bytes not given to the python scanner
  kPythonTotalCapped,      // flow bytes beyond -S py_max_total_bytes (all flows) not given to it
  kPythonError,            // the python function raised an exception (once per flow)
  kOtherShard,             // TCP segment of a connection in another -S shard (skipped, not lost)
  kCount
};

inline constexpr std::size_t kAnomalyCount = static_cast<std::size_t>(Anomaly::kCount);

// The stable snake_case name of an anomaly, e.g. "truncated_ip_header".
std::string_view AnomalyName(Anomaly a);

class AnomalyCounters {
 public:
  void Count(Anomaly a, std::uint64_t n = 1) {
    counts_[static_cast<std::size_t>(a)] += n;
    counted_ = true;
  }
  std::uint64_t Get(Anomaly a) const { return counts_[static_cast<std::size_t>(a)]; }
  // Adds every counter of `other` to this one.
  void Add(const AnomalyCounters& other) {
    for (std::size_t i = 0; i < kAnomalyCount; ++i) counts_[i] += other.counts_[i];
    counted_ = counted_ || other.counted_;
  }
  // Sets every count back to zero (costs nothing when none was counted).
  void Clear() {
    if (!counted_) return;
    counts_ = {};
    counted_ = false;
  }
  // Adds these counts to `into` and sets them back to zero; costs nothing when none was counted
  // since the last call (a frame's decoding usually counts nothing).
  void MoveTo(AnomalyCounters& into) {
    if (!counted_) return;
    into.Add(*this);
    Clear();
  }
  std::uint64_t Total() const {
    std::uint64_t t = 0;
    for (auto c : counts_) t += c;
    return t;
  }

 private:
  std::array<std::uint64_t, kAnomalyCount> counts_{};
  bool counted_ = false;  // false: every count is zero
};

}  // namespace tcpflow

#endif  // TCPFLOW_ANOMALY_H
