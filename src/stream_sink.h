// stream_sink.h: the interface through which reassembled flow data reaches its consumers,
// and the fixed-order fan-out that feeds them all.
//
// Design note: the demux calls, per flow, OnFlowOpen once, then OnData and OnGap as the
// Reassembler emits them, OnShift when bytes are inserted in front of a mid-stream flow, and
// OnFlowClose once. The stream contract: OnData and OnGap together cover the stream's offsets
// in increasing order, each call starting where the previous one ended (the frontier), so a
// sink never has to infer a hole from an offset jump. Two documented exceptions come below the
// frontier, always as OnData: a late fill of an earlier hole, and a rewrite with
// -S overlap=last. After OnShift(n) the frontier is n further up and [0, n) is a hole that may
// be filled late. Sinks are called in the order they were added: the file writer first, so that
// later sinks (scanners, report) see the flow's file name and size.
#ifndef TCPFLOW_STREAM_SINK_H
#define TCPFLOW_STREAM_SINK_H

#include <cstdint>
#include <vector>

#include "byte_reader.h"
#include "flow.h"
#include "packet.h"

namespace tcpflow {

class StreamSink {
 public:
  virtual ~StreamSink() = default;
  virtual void OnFlowOpen(Flow& flow) = 0;
  // `data` is valid only during the call. `ts` is the time of the packet that completed it.
  virtual void OnData(Flow& flow, std::uint64_t offset, Bytes data, const Timeval& ts) = 0;
  // [offset, offset + length) will never arrive in order: a hole (length > 0), at the frontier.
  // It is always followed at once by OnData at offset + length (the bytes that revealed it, with
  // the same `ts`); its bytes may still come later as a late fill (OnData below the frontier).
  // The flow file holds zeros there.
  virtual void OnGap(Flow& flow, std::uint64_t offset, std::uint64_t length, const Timeval& ts) = 0;
  // `n` bytes were inserted before offset 0: everything stored so far moves up by n.
  virtual void OnShift(Flow& flow, std::uint64_t n) = 0;
  virtual void OnFlowClose(Flow& flow) = 0;
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

// Calls every added sink in order. Does not own them.
class SinkFanout final : public StreamSink {
 public:
  void Add(StreamSink* sink) { sinks_.push_back(sink); }
  void OnFlowOpen(Flow& flow) override {
    for (auto* s : sinks_) s->OnFlowOpen(flow);
  }
  void OnData(Flow& flow, std::uint64_t offset, Bytes data, const Timeval& ts) override {
    for (auto* s : sinks_) s->OnData(flow, offset, data, ts);
  }
  void OnGap(Flow& flow, std::uint64_t offset, std::uint64_t length, const Timeval& ts) override {
    for (auto* s : sinks_) s->OnGap(flow, offset, length, ts);
  }
  void OnShift(Flow& flow, std::uint64_t n) override {
    for (auto* s : sinks_) s->OnShift(flow, n);
  }
  void OnFlowClose(Flow& flow) override {
    for (auto* s : sinks_) s->OnFlowClose(flow);
  }

 private:
  std::vector<StreamSink*> sinks_;
};

}  // namespace tcpflow

#endif  // TCPFLOW_STREAM_SINK_H
