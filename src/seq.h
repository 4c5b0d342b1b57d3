// seq.h: TCP sequence-number arithmetic (RFC 9293 section 3.4): wrap-aware comparison and
// unwrapping of 32-bit sequence numbers to 64-bit stream offsets.
//
// Design note: this is the only place that does modular sequence arithmetic. Everything after
// TcpDemux works on 64-bit stream offsets, so flows larger than 4 GiB and ISNs near 2^32 need no
// special cases anywhere else.
#ifndef TCPFLOW_SEQ_H
#define TCPFLOW_SEQ_H

#include <cstdint>

namespace tcpflow {

// (a - b) as a signed 32-bit distance: positive when a is after b in sequence space, within
// half the space (2^31). A distance of exactly 2^31 is reported as -2^31.
inline std::int32_t SeqDiff(std::uint32_t a, std::uint32_t b) {
  return static_cast<std::int32_t>(a - b);  // modular difference, two's-complement reinterpreted
}

// True when a comes before b in sequence space (SeqDiff(a, b) < 0).
inline bool SeqLess(std::uint32_t a, std::uint32_t b) {
  return SeqDiff(a, b) < 0;
}

// The stream offset of `seq` in a stream whose byte at offset 0 has sequence number `base_seq`
// (normally ISN + 1): the 64-bit value congruent to (seq - base_seq) mod 2^32 that is nearest to
// `near_offset` (usually the current end of the stream); a tie (exactly 2^31 away) resolves
// downwards. May be negative (data before the base). Works across any number of wraps, for
// |near_offset| < 2^62.
inline std::int64_t UnwrapOffset(std::uint32_t seq, std::uint32_t base_seq,
                                 std::int64_t near_offset) {
  const std::uint32_t relative = seq - base_seq;
  const auto near_low = static_cast<std::uint32_t>(static_cast<std::uint64_t>(near_offset));
  return near_offset + SeqDiff(relative, near_low);
}

}  // namespace tcpflow

#endif  // TCPFLOW_SEQ_H
