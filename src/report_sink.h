// report_sink.h: the stream sink that writes one DFXML <fileobject> per flow as it closes.
//
// Design note: it comes last in the fan-out, after the scanners, so a closing flow already has
// its scanner results; its file name, logical size and close ticket come with the close event
// (StoredFile). It owns no file: the ReportWriter streams into an std::ostream owned by the run
// (run.cpp; the OutputFs made it). When the file system finishes closes in the background, an
// entry waits (in close order) until its flow file's close is done, so the report vouches only
// for files that reached the disk: a flow whose writes failed is marked <incomplete>.
#ifndef TCPFLOW_REPORT_SINK_H
#define TCPFLOW_REPORT_SINK_H

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "dfxml_writer.h"
#include "output_dir.h"
#include "stream_sink.h"

namespace tcpflow {

class ReportSink final : public StreamSink {
 public:
  // `fs` is the file system the flow files are written to (it says when their closes are done);
  // `max_bytes_per_flow` is -b and `holes_listed` the most holes an entry lists (CollectEvidence).
  ReportSink(ReportWriter& writer, const OutputFs& fs, std::int64_t max_bytes_per_flow,
             std::size_t holes_listed)
      : writer_(writer),
        fs_(fs),
        max_bytes_per_flow_(max_bytes_per_flow),
        holes_listed_(holes_listed) {}
  void OnFlowOpen(Flow&) override {}
  void OnFileCreated(Flow&, const std::string&) override {}
  void OnData(Flow&, std::uint64_t, Bytes, const Timeval&) override {}
  void OnGap(Flow&, std::uint64_t, std::uint64_t, const Timeval&) override {}
  void OnShift(Flow&, std::uint64_t) override {}
  void OnFlowClose(Flow& flow, const StoredFile& file) override;
  // Writes the entries whose files are closed; with `all`, every entry (call it after the file
  // system's Flush(), when every close is done).
  void WriteReady(bool all);

 private:
  ReportWriter& writer_;
  const OutputFs& fs_;
  const std::int64_t max_bytes_per_flow_;
  const std::size_t holes_listed_;
  // Entries whose files' closes are not done yet (close ticket, entry), oldest from
  // waiting_[waiting_head_] on: a vector drained from the front and compacted now and then,
  // so that a waiting entry costs no allocation (a deque allocates a node every entry or two).
  std::vector<std::pair<std::uint64_t, ReportFlow>> waiting_;
  std::size_t waiting_head_ = 0;
};

}  // namespace tcpflow

#endif  // TCPFLOW_REPORT_SINK_H
