// flow_log.h: the JSON Lines flow log (-S json=FILE): one line per connection, written when the
// connection's last open direction closes.
//
// Design note: a StreamSink placed after the scanners and before the ReportSink, so a closing
// flow already has its scanner results (Flow::extras, which it reads and leaves in place). The
// two directions of a connection close one after the other: when the first closes while the
// other is still open (Flow::reverse), its half of the line is rendered at once and waits in the
// other flow's slot; when the other closes, the line is written with both halves. A direction
// whose other half never opened, or closed before it opened, is written alone (the other half
// is null). So at most one rendered half waits per open flow, and nothing waits once every flow
// is closed. The line holds nothing that depends on the run rather than on the capture (no flow
// counters, file names relative to the output folder), so the logs of a -S shard job hold
// exactly the lines of a single run. The field names are documented in doc/json-log.md; they are
// stable: a change is a new name, never a new meaning.
#ifndef TCPFLOW_FLOW_LOG_H
#define TCPFLOW_FLOW_LOG_H

#include <cstdint>
#include <ostream>
#include <string>

#include "json_writer.h"
#include "stream_sink.h"

namespace tcpflow {

struct FlowLogSettings {
  std::string outdir;                    // -o: file names are written relative to it
  std::int64_t max_bytes_per_flow = -1;  // -b (negative = unlimited)
  std::size_t holes_listed = 64;         // -S holes_listed
};

class FlowLog final : public StreamSink {
 public:
  // Writes to `out` (not owned; it must outlive this object), named `name` in error messages.
  FlowLog(std::ostream& out, std::string name, FlowLogSettings settings);

  void AssignSlots(SlotAllocator& slots) override { waiting_.Assign(slots); }
  void OnFlowOpen(Flow&) override {}
  void OnFileCreated(Flow&, const std::string&) override {}
  void OnData(Flow&, std::uint64_t, Bytes, const Timeval&) override {}
  void OnGap(Flow&, std::uint64_t, std::uint64_t, const Timeval&) override {}
  void OnShift(Flow&, std::uint64_t) override {}
  void OnFlowClose(Flow& flow, const StoredFile& file) override;

  // Flushes the stream; false (error() says why) when a write failed.
  bool Finish();
  bool failed() const { return failed_; }
  const std::string& error() const { return error_; }

 private:
  // One direction, rendered, with what the line's connection fields need.
  struct Half final : SlotState {
    std::string json;  // the direction's object
    FlowKey key;
    Timeval first_seen;
    Timeval last_seen;
    int role = 0;  // 0: sent the SYN, 1: nothing tells, 2: sent the SYN-ACK
    std::uint64_t flow_id = 0;
  };
  void Render(const Flow& flow, const StoredFile& file, Half& half);
  // Writes the line of a connection whose halves are `a` and (may be null) `b`.
  void WriteLine(const Half& a, const Half* b);
  void CheckStream();

  std::ostream& out_;
  const std::string name_;
  const FlowLogSettings settings_;
  const std::string prefix_;  // the -o prefix stripped from file names
  SinkSlot<Half> waiting_;    // in a flow: its other direction's half, closed first
  JsonWriter half_writer_;
  JsonWriter line_writer_;
  bool failed_ = false;
  std::string error_;
};

}  // namespace tcpflow

#endif  // TCPFLOW_FLOW_LOG_H
