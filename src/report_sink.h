// report_sink.h: the stream sink that writes one DFXML <fileobject> per flow as it closes.
//
// Design note: it comes after the file writer and the scanners in the fan-out, so a closing
// flow already has its file name, logical size and scanner results. It owns no file: the
// ReportWriter streams into an std::ostream owned by the pipeline.
#ifndef TCPFLOW_REPORT_SINK_H
#define TCPFLOW_REPORT_SINK_H

#include "dfxml_writer.h"
#include "stream_sink.h"

namespace tcpflow {

class ReportSink final : public StreamSink {
 public:
  explicit ReportSink(ReportWriter& writer) : writer_(writer) {}
  void OnFlowOpen(Flow&) override {}
  void OnData(Flow&, std::uint64_t, Bytes, const Timeval&) override {}
  void OnShift(Flow&, std::uint64_t) override {}
  void OnFlowClose(Flow& flow) override;

 private:
  ReportWriter& writer_;
};

}  // namespace tcpflow

#endif  // TCPFLOW_REPORT_SINK_H
