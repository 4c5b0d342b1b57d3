// flow_events.h: -v / -d 10: one line on stderr per flow event (opened, hole found, closed with
// its reason: FIN, RST, idle, split by -m, flow cap, end of input).
//
// Design note: a StreamSink with no per-flow state, added to the fan-out only at debug level 10
// and above, so the default run pays nothing. Each line names the flow direction by its
// addresses and ports ("192.168.1.2:34567 > 10.0.0.1:80", IPv6 in brackets) and the connection
// id report.xml gives it, and is written to the stream at once (stderr is unbuffered).
#ifndef TCPFLOW_FLOW_EVENTS_H
#define TCPFLOW_FLOW_EVENTS_H

#include <cstdint>
#include <ostream>
#include <string>

#include "stream_sink.h"

namespace tcpflow {

class FlowEvents final : public StreamSink {
 public:
  // `out` (stderr in a run) must outlive this object; `max_flows` is -S max_flows (for the
  // flow-cap line).
  FlowEvents(std::ostream& out, std::uint64_t max_flows) : out_(out), max_flows_(max_flows) {}

  void OnFlowOpen(Flow& flow) override;
  void OnFileCreated(Flow&, const std::string&) override {}
  void OnData(Flow&, std::uint64_t, Bytes, const Timeval&) override {}
  void OnGap(Flow& flow, std::uint64_t offset, std::uint64_t length, const Timeval& ts) override;
  void OnShift(Flow&, std::uint64_t) override {}
  void OnFlowClose(Flow& flow, const StoredFile& file) override;

 private:
  // "tcpflow: <event> 192.168.1.2:34567 > 10.0.0.1:80 (connection N)" up to the event's details.
  std::string Begin(const Flow& flow, const char* event) const;

  std::ostream& out_;
  const std::uint64_t max_flows_;
};

}  // namespace tcpflow

#endif  // TCPFLOW_FLOW_EVENTS_H
