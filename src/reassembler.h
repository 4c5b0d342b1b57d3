// reassembler.h: turns byte ranges at 64-bit stream offsets (one TCP flow direction) into
// ordered bytes, reporting holes and counting overlaps (RFC 9293 section 3.10.7.4 segment text).
//
// Design note: the reassembler is pure. It knows nothing of files, clocks, TCP flags or ISNs;
// TcpDemux unwraps sequence numbers (seq.h) and hands it offsets. In-order data is passed straight
// through without a copy; only out-of-order data is copied into a bounded buffer. When a bound is
// hit the lowest buffered range is delivered after a hole. Holes below the frontier are remembered
// (up to a limit) so that a late retransmission can still fill them. The first copy of a byte wins
// (what the receiving host kept), unless ReassemblyLimits::overlap_last asks for the reference's
// "last copy overwrites" behaviour.
#ifndef TCPFLOW_REASSEMBLER_H
#define TCPFLOW_REASSEMBLER_H

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <utility>
#include <vector>

#include "byte_reader.h"

namespace tcpflow {

// Receives a flow direction's bytes at their stream offsets.
class ReassemblySink {
 public:
  virtual ~ReassemblySink() = default;
  // Bytes for stream offsets [offset, offset + data.size()). Called in increasing offset order
  // EXCEPT for hole fills and overlap_last rewrites (then `offset` is below earlier deliveries).
  // `data` is valid only during the call.
  virtual void OnData(std::uint64_t offset, Bytes data) = 0;
  // [offset, offset + length) will never be delivered in order: a hole (the output keeps zero
  // bytes there unless a late fill arrives through OnData). `offset` is the frontier, and OnData
  // at offset + length follows at once.
  virtual void OnGap(std::uint64_t offset, std::uint64_t length) = 0;
};

struct ReassemblyLimits {
  std::uint64_t max_buffered_per_flow = 4 << 20;  // out-of-order bytes one flow may hold
  std::size_t max_holes_tracked = 1024;  // holes below the frontier remembered for late fills
  bool overlap_last = false;             // true: later copies overwrite (the reference's behaviour)
};

// Shared by all flows: the total out-of-order bytes held. Reassemblers keep `used` up to date; a
// flow whose buffering pushes `used` above `limit` flushes its own buffer (with holes) before its
// Add returns.
struct ReassemblyBudget {
  std::uint64_t limit = 256 << 20;
  std::uint64_t used = 0;
};

struct ReassemblyStats {
  std::uint64_t delivered_bytes = 0;  // distinct bytes delivered (each stream byte counted once)
  std::uint64_t overlap_bytes = 0;    // bytes received again for ranges already delivered/buffered
  std::uint64_t retransmitted_bytes = 0;    // of those, bytes of Add calls that brought no new byte
                                            // (the rest came with new bytes: partial overlaps)
  std::uint64_t conflict_bytes = 0;         // of those, bytes that differed from the buffered copy
                                            // (only detectable while buffered)
  std::uint64_t out_of_order_segments = 0;  // Add calls that stored bytes beyond the frontier
  std::uint64_t forced_gaps = 0;            // holes created because a limit forced a flush
  std::uint64_t late_fills = 0;             // Add calls that filled (part of) a hole
  std::uint64_t dropped_bytes = 0;  // hole bytes forgotten because max_holes_tracked was exceeded
                                    // (a late fill there is then treated as overlap)
  std::uint64_t dropped_holes = 0;  // holes forgotten so
};

// A run of stream offsets [offset, offset + length).
struct ByteRange {
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  friend bool operator==(const ByteRange&, const ByteRange&) = default;
};

// One flow direction. Not thread-safe. Movable (the moved-from object holds nothing), not copyable.
class Reassembler {
 public:
  // Keeps pointers to `limits` and `budget`; both must outlive this object.
  Reassembler(const ReassemblyLimits& limits, ReassemblyBudget& budget);
  Reassembler(Reassembler&& other) noexcept;
  Reassembler& operator=(Reassembler&& other) noexcept;
  Reassembler(const Reassembler&) = delete;
  Reassembler& operator=(const Reassembler&) = delete;
  ~Reassembler();  // gives the bytes it still buffers back to the budget (without delivering)

  // Offers `data` at stream offset `offset`. It may lie below the frontier (retransmission or hole
  // fill), at it, or far beyond it (buffered). In-order bytes are delivered before Add returns,
  // followed by any buffered bytes that became contiguous. Only out-of-order bytes are copied.
  // Empty data is a no-op; bytes at offset 2^64 - 1 or beyond are ignored.
  void Add(std::uint64_t offset, Bytes data, ReassemblySink& sink);

  // Delivers everything buffered, in offset order, with OnGap for the hole before each range.
  // Afterwards the frontier is the end of the last buffered range and nothing is buffered.
  void Flush(ReassemblySink& sink);

  // The stream turned out to start `n` bytes earlier (mid-stream capture, earlier data arrived):
  // every offset (frontier, buffer, holes, highest_end) moves up by n and [0, n) becomes a tracked
  // hole below the frontier, so a following Add(0, ...) is a late fill. Emits nothing.
  void ShiftBase(std::uint64_t n);

  std::uint64_t frontier() const { return frontier_; }  // every offset below: delivered or a hole
  std::uint64_t highest_end() const { return highest_end_; }  // max offset + size offered, or 0
  std::uint64_t buffered_bytes() const { return buffered_bytes_; }
  // True when a tracked hole or an undelivered byte lies below `offset`.
  bool HasHolesBelow(std::uint64_t offset) const;
  std::size_t holes_tracked() const { return disorder_ == nullptr ? 0 : disorder_->holes.size(); }
  // Calls f(ByteRange) for each tracked hole below the frontier, in offset order, while f
  // returns true.
  template <typename F>
  void ForEachHole(F&& f) const {
    if (disorder_ == nullptr) return;
    for (const auto& [start, hole] : disorder_->holes) {
      if (!f(ByteRange{start, hole.end - start})) return;
    }
  }
  ReassemblyStats stats() const;

 private:
  struct Hole {
    std::uint64_t end;
    std::uint64_t age;  // creation order; the pieces of a split hole keep its age
  };
  using BufferMap = std::map<std::uint64_t, std::vector<std::uint8_t>>;
  using HoleMap = std::map<std::uint64_t, Hole>;

  // Add without the retransmission bookkeeping.
  void Place(std::uint64_t offset, Bytes data, ReassemblySink& sink);
  // The three parts of Add, by where `data` (already cut at the frontier) lies.
  void AddBelowFrontier(std::uint64_t offset, Bytes data, ReassemblySink& sink);
  void AddAtFrontier(std::uint64_t offset, Bytes data, ReassemblySink& sink);
  void AddBeyondFrontier(std::uint64_t offset, Bytes data);
  // Delivers the buffered ranges that start at the frontier.
  void DeliverContiguous(ReassemblySink& sink);
  // Delivers the lowest buffered range after declaring the hole before it, then what follows it.
  void FlushLowest(ReassemblySink& sink, bool forced);
  // In-order delivery at the frontier: moves the frontier to the end of `data`.
  void Deliver(std::uint64_t offset, Bytes data, ReassemblySink& sink);
  void StoreBuffered(BufferMap::iterator hint, std::uint64_t offset, Bytes data);
  void EraseBuffered(BufferMap::iterator it);
  void CountOverlap(Bytes old, Bytes fresh);
  void TrackHole(std::uint64_t start, std::uint64_t end, std::uint64_t age);
  void EraseHole(HoleMap::iterator it);
  // Forgets the oldest holes beyond limits_->max_holes_tracked.
  void TrimHoles();
  bool OverLimits() const;

  const ReassemblyLimits* limits_;
  ReassemblyBudget* budget_;
  std::uint64_t frontier_ = 0;
  std::uint64_t highest_end_ = 0;
  std::uint64_t buffered_bytes_ = 0;
  // What only disorder needs, made at the first out-of-order byte, hole or shift: most flows
  // arrive in order and never need it, and a million live flows are half a gigabyte already.
  struct Disorder {
    // Out-of-order data: non-overlapping ranges, keyed by start offset, all above frontier_.
    BufferMap buffer;
    // Tracked holes below frontier_: start -> (end, age); non-overlapping.
    HoleMap holes;
    std::set<std::pair<std::uint64_t, std::uint64_t>> holes_by_age;  // (age, start)
    std::uint64_t next_hole_age = 0;
    // The counters of ReassemblyStats that only disorder moves.
    std::uint64_t conflict_bytes = 0;
    std::uint64_t out_of_order_segments = 0;
    std::uint64_t forced_gaps = 0;
    std::uint64_t late_fills = 0;
    std::uint64_t dropped_bytes = 0;
    std::uint64_t dropped_holes = 0;
  };
  Disorder& disorder();  // made on first use
  bool HasBuffered() const { return disorder_ != nullptr && !disorder_->buffer.empty(); }
  bool HasHoles() const { return disorder_ != nullptr && !disorder_->holes.empty(); }

  std::unique_ptr<Disorder> disorder_;
  std::uint64_t delivered_bytes_ = 0;
  std::uint64_t overlap_bytes_ = 0;  // plain retransmissions need no Disorder
  std::uint64_t retransmitted_bytes_ = 0;
};

}  // namespace tcpflow

#endif  // TCPFLOW_REASSEMBLER_H
