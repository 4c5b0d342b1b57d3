// stream_sink.h: the interface through which reassembled flow data reaches its consumers,
// the per-flow slots in which they keep state, and the fixed-order fan-out that feeds them all.
//
// Design note: the demux calls, per flow, OnFlowOpen once, then OnData and OnGap as the
// Reassembler emits them, OnShift when bytes are inserted in front of a mid-stream flow, and
// OnFlowClose once. The stream contract: OnData and OnGap together cover the stream's offsets
// in increasing order, each call starting where the previous one ended (the frontier), so a
// sink never has to infer a hole from an offset jump. Two documented exceptions come below the
// frontier, always as OnData: a late fill of an earlier hole, and a rewrite with
// -S overlap=last. After OnShift(n) the frontier is n further up and [0, n) is a hole that may
// be filled late.
//
// Files: the SinkFanout calls its FileStage (the FlowFileWriter) first, then its sinks in the
// order they were added. What a sink needs of the flow's file comes with the events, never
// through the writer's fields of Flow: OnFileCreated (the file's name, at most once per flow,
// right before the OnData or OnGap that created the file) and the StoredFile passed to
// OnFlowClose (name, size, incomplete, close ticket; empty name = no file).
//
// Slots: a sink that keeps per-flow state takes a slot when it joins a fan-out (AssignSlots,
// called by SinkFanout::Add), keeps its state in the flow's slot (SinkSlot: an index into the
// flow's slot block, no map lookup), and frees it at OnFlowClose. A sink reads only its own slot.
#ifndef TCPFLOW_STREAM_SINK_H
#define TCPFLOW_STREAM_SINK_H

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "byte_reader.h"
#include "flow.h"
#include "packet.h"

namespace tcpflow {

// What the flow-file writer stored of a flow, as the sinks after it see it at close.
struct StoredFile {
  std::string name;                // path as created (with the -o prefix); empty = no file
  std::uint64_t logical_size = 0;  // highest stream offset + 1 (ignores -b)
  bool incomplete = false;         // closed after a write error: the file may lack bytes
  std::uint64_t close_ticket = 0;  // OutputFs::LastCloseTicket() of the file's close; 0 = none
};

// Hands out slot indexes (FlowSlots::kCount of them) to the sinks of one fan-out.
class SlotAllocator {
 public:
  // The next free index. Throws std::length_error when every slot is taken: the sinks of a run
  // are fixed in the code, so this is a programming error.
  std::size_t Next() {
    if (next_ == FlowSlots::kCount) throw std::length_error("more sinks with slots than slots");
    return next_++;
  }

 private:
  std::size_t next_ = 0;
};

// One sink's slot: its per-flow state of type State (derived from SlotState) in each flow.
// Before Assign(), Put throws std::out_of_range, and so do Find and Release on a flow that has a
// slot block.
template <typename State>
class SinkSlot {
 public:
  void Assign(SlotAllocator& slots) { index_ = slots.Next(); }
  // The flow's state, or nullptr when the sink keeps none for it.
  State* Find(const Flow& flow) const {
    return flow.slots ? static_cast<State*>(flow.slots->states.at(index_).get()) : nullptr;
  }
  // Puts `state` in the flow's slot (allocating the flow's slot block on first use).
  State& Put(Flow& flow, std::unique_ptr<State> state) const {
    if (!flow.slots) flow.slots = std::make_unique<FlowSlots>();
    State& ref = *state;
    flow.slots->states.at(index_) = std::move(state);
    return ref;
  }
  // Takes the flow's state out of its slot (null when there was none).
  std::unique_ptr<State> Release(Flow& flow) const {
    if (!flow.slots) return nullptr;
    return std::unique_ptr<State>(static_cast<State*>(flow.slots->states.at(index_).release()));
  }

 private:
  std::size_t index_ = FlowSlots::kCount;
};

class StreamSink {
 public:
  virtual ~StreamSink() = default;
  // Called once, when the sink joins a fan-out: a sink with per-flow state takes its slots.
  virtual void AssignSlots(SlotAllocator& slots) { static_cast<void>(slots); }
  virtual void OnFlowOpen(Flow& flow) = 0;
  // The flow's file now exists, named `name` (valid during the call). At most once per flow,
  // right before the OnData or OnGap that made the writer create it; flows without a file (no
  // payload, -o not storing, a failed create) never get it.
  virtual void OnFileCreated(Flow& flow, const std::string& name) = 0;
  // `data` is valid only during the call. `ts` is the time of the packet that completed it.
  virtual void OnData(Flow& flow, std::uint64_t offset, Bytes data, const Timeval& ts) = 0;
  // [offset, offset + length) will never arrive in order: a hole (length > 0), at the frontier.
  // It is always followed at once by OnData at offset + length (the bytes that revealed it, with
  // the same `ts`); its bytes may still come later as a late fill (OnData below the frontier).
  // The flow file holds zeros there.
  virtual void OnGap(Flow& flow, std::uint64_t offset, std::uint64_t length, const Timeval& ts) = 0;
  // `n` bytes were inserted before offset 0: everything stored so far moves up by n.
  virtual void OnShift(Flow& flow, std::uint64_t n) = 0;
  // `file`: what the flow-file writer stored (closed by now); empty name when the flow has none.
  virtual void OnFlowClose(Flow& flow, const StoredFile& file) = 0;
};

// The first stage of a fan-out: stores each flow in a file (the FlowFileWriter) and says what it
// stored. OnData and OnGap return the file's name when that call created the flow's file, else
// nullptr (the name stays valid until the flow closes).
class FileStage {
 public:
  virtual ~FileStage() = default;
  virtual const std::string* OnData(Flow& flow, std::uint64_t offset, Bytes data) = 0;
  virtual const std::string* OnGap(Flow& flow, std::uint64_t offset, std::uint64_t length) = 0;
  virtual void OnShift(Flow& flow, std::uint64_t n) = 0;
  // Closes the flow's file (if any) and says what it holds.
  virtual StoredFile OnFlowClose(Flow& flow) = 0;
};

// A flow that closed lately with a file, as the flow-file writer remembers it.
struct ClosedFlow {
  FlowKey key;
  std::uint32_t isn = 0;   // stream offset 0 was sequence number isn + 1
  std::uint64_t size = 0;  // the stream's length at close (StoredFile::logical_size)
  std::string name;        // its file
};

// The files of the flows that closed lately (a bounded list kept by the FlowFileWriter, which
// owns the files), so that the demux can tell a retransmission after close from a new
// connection without seeing the file system.
class ClosedFlows {
 public:
  virtual ~ClosedFlows() = default;
  // The latest remembered closed flow of `key`, or nullptr. Valid until the next close.
  virtual const ClosedFlow* FindClosed(const FlowKey& key) const = 0;
  // True when `flow`'s file holds exactly `payload` at stream offset `offset`.
  virtual bool Holds(const ClosedFlow& flow, std::uint64_t offset, Bytes payload) const = 0;
};

// One TCP segment as captured, for taps that work per packet rather than per stream.
struct SegmentInfo {
  Timeval ts;
  int link_type = 0;           // DLT of `frame`
  Bytes frame;                 // the whole captured frame (outermost link layer)
  std::uint32_t wire_len = 0;  // the frame's original length
  std::uint32_t seq = 0;       // TCP sequence number
  std::uint8_t tcp_flags = 0;
  Bytes payload;  // the segment's TCP data (may be empty)
};

// Sees every TCP segment that reaches a flow, in capture order, before reassembly: console
// output (-c) prints data segments as they come, per-flow pcaps (-K) copy every packet. Spans
// are valid only during the call.
class SegmentTap {
 public:
  virtual ~SegmentTap() = default;
  virtual void OnSegment(Flow& flow, const SegmentInfo& segment) = 0;
};

// Calls the file stage (if any), then every added sink, in order. Owns none of them. A sink
// gets OnFileCreated in its turn, right before the event that created the file.
class SinkFanout final {
 public:
  // `files` may be null (no flow files: OnFlowClose passes an empty StoredFile).
  explicit SinkFanout(FileStage* files = nullptr) : files_(files) {}
  // Adds `sink` after those added before and gives it its slots.
  void Add(StreamSink* sink) {
    sink->AssignSlots(slots_);
    sinks_.push_back(sink);
  }
  void OnFlowOpen(Flow& flow) {
    for (auto* s : sinks_) s->OnFlowOpen(flow);
  }
  void OnData(Flow& flow, std::uint64_t offset, Bytes data, const Timeval& ts) {
    const std::string* created = files_ != nullptr ? files_->OnData(flow, offset, data) : nullptr;
    for (auto* s : sinks_) {
      if (created != nullptr) s->OnFileCreated(flow, *created);
      s->OnData(flow, offset, data, ts);
    }
  }
  void OnGap(Flow& flow, std::uint64_t offset, std::uint64_t length, const Timeval& ts) {
    const std::string* created = files_ != nullptr ? files_->OnGap(flow, offset, length) : nullptr;
    for (auto* s : sinks_) {
      if (created != nullptr) s->OnFileCreated(flow, *created);
      s->OnGap(flow, offset, length, ts);
    }
  }
  void OnShift(Flow& flow, std::uint64_t n) {
    if (files_ != nullptr) files_->OnShift(flow, n);
    for (auto* s : sinks_) s->OnShift(flow, n);
  }
  void OnFlowClose(Flow& flow) {
    const StoredFile file = files_ != nullptr ? files_->OnFlowClose(flow) : StoredFile{};
    for (auto* s : sinks_) s->OnFlowClose(flow, file);
  }

 private:
  FileStage* files_;
  std::vector<StreamSink*> sinks_;
  SlotAllocator slots_;
};

}  // namespace tcpflow

#endif  // TCPFLOW_STREAM_SINK_H
