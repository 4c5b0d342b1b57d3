// pipeline.h: the per-packet path and its wiring: decoders → demux → sinks → report.
//
// Design note: PacketProcessor::HandlePacket() is the per-packet path (decode link, IP, TCP;
// hand to the demux); it needs no libpcap and no disk, so tests and the fuzz harness drive it
// with an in-memory OutputFs. The run around it (inputs, output folder, report.xml, privileges,
// the read loop) is the run module's (run.h).
#ifndef TCPFLOW_PIPELINE_H
#define TCPFLOW_PIPELINE_H

#include <array>
#include <memory>
#include <optional>
#include <ostream>
#include <vector>

#include "anomaly.h"
#include "config.h"
#include "console_writer.h"
#include "consumer_registry.h"
#include "dfxml_writer.h"
#include "filename_template.h"
#include "findx_writer.h"
#include "flow_alerts.h"
#include "flow_events.h"
#include "flow_log.h"
#include "flow_pcap_writer.h"
#include "flow_table.h"
#include "flow_writer.h"
#include "output_dir.h"
#include "packet_decoder.h"
#include "pcap_source.h"
#include "reassembler.h"
#include "report_sink.h"
#include "scanner_set.h"
#include "stream_sink.h"
#include "tcp_demux.h"

namespace tcpflow {

// What a run's PacketProcessor hands its flows and packets to besides the flow files; each may
// be null (none).
struct PipelineSinks {
  ReportWriter* report = nullptr;    // report.xml
  ConsoleWriter* console = nullptr;  // -c / -C
  ScannerSet* scanners = nullptr;    // the run's scanners (null: none, tcpdemux on)
  std::ostream* flow_log = nullptr;  // the JSON Lines flow log (-S json)
  std::ostream* events = nullptr;    // -v / -d 10: a line per flow event (stderr)
};

class PacketProcessor {
 public:
  // Everything passed in must outlive the processor. `seed` (RunSeed) seeds its hashes.
  // -S tcp_alert_fd / tcp_cmd come from config.alerts.
  PacketProcessor(const Config& config, std::uint64_t seed, OutputFs& fs,
                  const FilenameTemplate& name_template, const PipelineSinks& sinks);
  ~PacketProcessor();
  PacketProcessor(const PacketProcessor&) = delete;
  PacketProcessor& operator=(const PacketProcessor&) = delete;

  // One captured frame of the given link type. finish_only: from a -R file. Returns true when
  // the packet belongs to TCP (a segment handed to the demux, or a TCP fragment held for
  // reassembly); false for everything else (not IP, not TCP, malformed), which -w keeps. A frame
  // given to LookAhead before (the same bytes at the same place, with the same non-zero
  // packet.view_epoch) is not decoded again.
  bool HandlePacket(int link_type, const RawPacket& packet, bool finish_only);
  // A frame (of link type `link_type`) that comes a few packets after the one about to be
  // handled, so that memory is loaded before it is needed: decodes its headers (kept for
  // HandlePacket when `view_epoch`, the source's RawPacket::view_epoch for it, is not 0) and
  // starts loading that packet's flow-table slot, the flow of the frame given in the call
  // before, and the file state of the flow of the one given two calls before. Changes nothing
  // that HandlePacket sees and counts nothing; an empty frame (none known yet) only breaks the
  // chain. The last kLookAheadFrames frames are kept.
  void LookAhead(int link_type, Bytes frame, std::uint64_t view_epoch);
  // Drops what LookAhead kept: call it before the first packet of another input, whose view
  // epochs start again.
  void ForgetLookAhead();
  static constexpr std::size_t kLookAheadFrames = 4;
  // Closes every flow (the open ones for `open_flows_close`: kEndOfInput or kInterrupted), ends
  // the scanners, waits for the tcp_cmd commands and fills in the run totals.
  void Finish(ReportTotals* totals, CloseReason open_flows_close);
  // Flows open now.
  std::size_t open_flows() const { return table_.size(); }

  const FlowFileWriter& writer() const { return writer_; }
  // A flow file, index, per-flow pcap or scanner output could not be written; error() says
  // which and why (the first consumer in wiring order that failed).
  bool failed() const { return consumers_.failed(); }
  const std::string& error() const { return consumers_.error(); }
  const AnomalyCounters& anomalies() const { return anomalies_; }
  // Null when neither tcp_alert_fd nor tcp_cmd is set.
  const FlowAlerts* alerts() const { return alerts_.get(); }

 private:
  const Config& config_;
  OutputFs& fs_;
  AnomalyCounters anomalies_;
  // A frame looked ahead at, decoded.
  struct AheadFrame {
    Bytes frame;
    int link_type = 0;
    std::uint64_t view_epoch = 0;  // 0: not to be used by HandlePacket (none, or used already)
    FrameHeaders headers;
  };
  std::array<AheadFrame, kLookAheadFrames> ahead_;
  std::size_t ahead_next_ = 0;  // the entry the next LookAhead fills
  FrameHeaders current_;        // a handled frame that was not looked ahead at
  FrameDecoder frame_decoder_;
  // The flow hashes of the last two frames looked ahead at, the older first.
  std::optional<std::uint64_t> ahead_hash_[2];
  ReassemblyLimits limits_;
  ReassemblyBudget budget_;
  FlowTable table_;
  ConsumerRegistry consumers_;  // the consumers that write output, for failed() and error()
  FlowFileWriter writer_;
  SinkFanout fanout_;                           // writer_ first, as its file stage
  std::unique_ptr<FindxWriter> findx_;          // -I
  std::unique_ptr<FlowPcapWriter> flow_pcaps_;  // -K
  std::unique_ptr<FlowAlerts> alerts_;
  std::unique_ptr<FlowEvents> events_;
  std::unique_ptr<FlowLog> flow_log_;
  ReportWriter* report_ = nullptr;
  std::unique_ptr<ReportSink> report_sink_;
  TcpDemux demux_;
  DefragLimits defrag_limits_;
  PacketDecoder decoder_;
  ScannerSet* scanners_;
};

}  // namespace tcpflow

#endif  // TCPFLOW_PIPELINE_H
