// closed_flows.cpp: the tails of open and recently closed flows, for retransmissions after close.
#include "closed_flows.h"

#include <algorithm>
#include <cstring>

#include "seq.h"
#include "stream_sink.h"

namespace tcpflow {

ClosedFlowMemory::ClosedFlowMemory(std::int64_t max_bytes_per_flow)
    : cap_(max_bytes_per_flow >= 0 ? static_cast<std::uint64_t>(max_bytes_per_flow) : UINT64_MAX),
      slots_(kTailSlots),
      records_(kClosedKept) {}

std::size_t ClosedFlowMemory::memory_bytes() const {
  return sizeof(*this) + slots_.capacity() * sizeof(Slot) + records_.capacity() * sizeof(Record);
}

void ClosedFlowMemory::Put(Tail& tail, std::uint64_t offset, Bytes data) {
  const std::uint64_t end = offset + data.size();
  if (end > tail.end) {
    // Move the window up to end at `end`; what comes between the old end and `offset` is a
    // hole, which the file holds as zeros.
    const std::uint64_t grow = end - tail.end;
    const std::size_t keep =
        grow >= kTailBytes ? 0 : std::min<std::size_t>(tail.len, kTailBytes - grow);
    std::memmove(tail.bytes.data(), tail.bytes.data() + (tail.len - keep), keep);
    const std::size_t len =
        keep + static_cast<std::size_t>(std::min<std::uint64_t>(grow, kTailBytes));
    const std::uint64_t fresh = end - (len - keep);  // the offset of bytes[keep]
    if (offset > fresh) std::memset(tail.bytes.data() + keep, 0, offset - fresh);
    tail.len = static_cast<std::uint32_t>(len);
    tail.end = end;
  }
  std::uint64_t start = tail.end - tail.len;
  if (offset < start && end >= start && tail.len < kTailBytes) {
    // Bytes just below the window (a late fill of the front after a shift): it grows down.
    const std::uint64_t down = std::min<std::uint64_t>(start - offset, kTailBytes - tail.len);
    std::memmove(tail.bytes.data() + down, tail.bytes.data(), tail.len);
    tail.len += static_cast<std::uint32_t>(down);
    start -= down;
  }
  const std::uint64_t from = std::max(offset, start);
  if (from < end) {
    std::memcpy(tail.bytes.data() + (from - start), data.data() + (from - offset), end - from);
  }
}

void ClosedFlowMemory::OnData(const Flow& flow, std::uint64_t offset, Bytes data) {
  data = StoredPart(offset, data, cap_);
  if (data.empty()) return;
  Slot& slot = SlotOf(flow);
  if (slot.flow_id != flow.flow_id) {
    // Taken over (or first use): nothing is known below these bytes.
    slot.flow_id = flow.flow_id;
    slot.tail.end = offset;
    slot.tail.len = 0;
  }
  Put(slot.tail, offset, data);
}

void ClosedFlowMemory::OnShift(const Flow& flow, std::uint64_t n) {
  Slot& slot = SlotOf(flow);
  if (slot.flow_id != flow.flow_id) return;
  Tail& tail = slot.tail;
  tail.end += n;
  if (tail.end > cap_) {
    // The bytes moved to -b or beyond leave the file.
    const std::uint64_t cut = std::min<std::uint64_t>(tail.end - cap_, tail.len);
    tail.len -= static_cast<std::uint32_t>(cut);
    tail.end = cap_;
  }
}

void ClosedFlowMemory::OnClose(const Flow& flow, bool has_file) {
  Slot& slot = SlotOf(flow);
  const bool own = slot.flow_id == flow.flow_id;
  if (own) slot.flow_id = kNone;
  if (!has_file) return;
  Record& record = records_[next_];
  next_ = (next_ + 1) % kClosedKept;
  count_ = std::min(count_ + 1, kClosedKept);
  record.key = flow.key;
  record.isn = flow.isn;
  record.tail.end = own ? slot.tail.end : 0;
  record.tail.len = own ? slot.tail.len : 0;
  std::memcpy(record.tail.bytes.data(), slot.tail.bytes.data(), record.tail.len);
}

bool ClosedFlowMemory::IsRetransmission(const FlowKey& key, std::uint32_t data_seq,
                                        Bytes payload) const {
  for (std::size_t i = 1; i <= count_; ++i) {
    const Record& record = records_[(next_ + kClosedKept - i) % kClosedKept];
    if (!(record.key == key)) continue;
    const Tail& tail = record.tail;
    const std::int64_t offset =
        UnwrapOffset(data_seq, record.isn + 1, static_cast<std::int64_t>(tail.end));
    const std::uint64_t start = tail.end - tail.len;
    if (offset < 0 || static_cast<std::uint64_t>(offset) < start ||
        static_cast<std::uint64_t>(offset) + payload.size() > tail.end) {
      return false;  // not all of it is held: a new connection
    }
    return std::equal(payload.begin(), payload.end(),
                      tail.bytes.begin() + static_cast<std::ptrdiff_t>(offset - start));
  }
  return false;
}

}  // namespace tcpflow
