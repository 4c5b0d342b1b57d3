// report_sink.cpp: a closed flow's facts as a report entry.
#include "report_sink.h"

#include <utility>

namespace tcpflow {

void ReportSink::OnFlowClose(Flow& flow) {
  ReportFlow entry;
  entry.filename = flow.output.filename;
  entry.filesize = flow.output.logical_size;
  entry.first_seen = flow.first_seen;
  entry.last_seen = flow.last_seen;
  entry.has_macs = flow.has_macs;
  entry.src_mac = flow.src_mac;
  entry.dst_mac = flow.dst_mac;
  entry.key = flow.key;
  entry.packets = flow.packets;
  entry.out_of_order_count = flow.out_of_order_count;
  entry.violations = flow.violations;
  entry.wire_bytes = flow.wire_bytes;
  entry.captured_bytes = flow.captured_bytes;
  if (flow.output.incomplete) {
    entry.extras.push_back(ReportExtra{
        "incomplete", {}, "the run stopped on a write error before this flow closed", {}});
  }
  for (ReportExtra& extra : flow.extras) entry.extras.push_back(std::move(extra));
  flow.extras.clear();
  writer_.WriteFlow(entry);
}

}  // namespace tcpflow
