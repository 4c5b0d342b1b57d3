// closed_flows.h: what TcpDemux remembers of recently closed flows, so that a retransmission
// arriving after a flow closed is recognised without reading its file back.
//
// Design note: tcpflow 1.6.1 compares a data segment that matches no open flow with the bytes
// the tuple's recently closed flow file holds at the segment's offset; an identical segment is
// a retransmission and is dropped instead of starting a new flow (and file). Here the bytes come
// from memory. While flows are open, the bytes their files store (cut at -b, holes as zeros,
// late fills and overlap=last rewrites applied) are followed in a direct-mapped table of
// kTailSlots slots, one per flow (slot = flow_id mod kTailSlots), each keeping the flow's last
// kTailBytes bytes (a window that moves up with new bytes and grows down with a late fill just
// below it); two open flows that share a slot take it in turn, and a flow whose slot was taken
// starts again at its next bytes. When a flow with a file closes, its slot becomes one of
// the last kClosedKept records (tuple, ISN, 64-bit stored size, tail). A segment is a
// retransmission when the newest record of its tuple holds every byte of it, at its unwrapped
// 64-bit offset, equal. The bound: the decision differs from reading the file only for bytes
// that the record does not hold (more than kTailBytes below the file's end, or in front of the
// point where a shared slot was taken over); those are taken as a new connection. Memory is fixed
// when constructed: memory_bytes(), 2,333,000 bytes (2.2 MiB). Per delivered segment at most
// 2 * kTailBytes bytes are moved, with no allocation and no lookup.
#ifndef TCPFLOW_CLOSED_FLOWS_H
#define TCPFLOW_CLOSED_FLOWS_H

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "byte_reader.h"
#include "flow.h"

namespace tcpflow {

class ClosedFlowMemory {
 public:
  static constexpr std::size_t kTailBytes = 2048;  // K: more than a full-size Ethernet segment
  static constexpr std::size_t kTailSlots = 1024;  // open flows followed at once
  static constexpr std::size_t kClosedKept = 100;  // as tcpflow 1.6.1

  // `max_bytes_per_flow`: -b (negative = unlimited); the files store nothing at or beyond it.
  explicit ClosedFlowMemory(std::int64_t max_bytes_per_flow);

  // Bytes of an open flow at stream offset `offset`, as the sinks get them (OnData).
  void OnData(const Flow& flow, std::uint64_t offset, Bytes data);
  // `n` bytes were inserted in front of the flow: its stored bytes move up.
  void OnShift(const Flow& flow, std::uint64_t n);
  // The flow closes; `has_file`: it stored bytes in a file (only such flows are remembered).
  void OnClose(const Flow& flow, bool has_file);
  // True when the newest closed flow of `key` holds `payload`, whose first byte has sequence
  // number `data_seq`, byte for byte.
  bool IsRetransmission(const FlowKey& key, std::uint32_t data_seq, Bytes payload) const;

  std::size_t memory_bytes() const;  // all of it, fixed at construction

 private:
  // The last bytes a flow's file holds: [end - len, end).
  struct Tail {
    std::uint64_t end = 0;
    std::uint32_t len = 0;
    std::array<std::uint8_t, kTailBytes> bytes;
  };
  struct Slot {
    std::uint64_t flow_id = kNone;  // the open flow whose tail this is
    Tail tail;
  };
  struct Record {
    FlowKey key;
    std::uint32_t isn = 0;
    Tail tail;
  };
  static constexpr std::uint64_t kNone = UINT64_MAX;

  Slot& SlotOf(const Flow& flow) { return slots_[flow.flow_id % kTailSlots]; }
  static void Put(Tail& tail, std::uint64_t offset, Bytes data);

  const std::uint64_t cap_;
  std::vector<Slot> slots_;
  std::vector<Record> records_;  // a ring: the newest at records_[(next_ + kClosedKept - 1) % ..]
  std::size_t next_ = 0;         // where the next record goes
  std::size_t count_ = 0;        // records held (up to kClosedKept)
};

}  // namespace tcpflow

#endif  // TCPFLOW_CLOSED_FLOWS_H
