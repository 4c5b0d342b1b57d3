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
#include <vector>

#include "anomaly.h"
#include "config.h"
#include "console_writer.h"
#include "consumer_registry.h"
#include "dfxml_writer.h"
#include "filename_template.h"
#include "findx_writer.h"
#include "flow_alerts.h"
#include "flow_pcap_writer.h"
#include "flow_table.h"
#include "flow_writer.h"
#include "ip_defrag.h"
#include "output_dir.h"
#include "pcap_source.h"
#include "reassembler.h"
#include "report_sink.h"
#include "scanner_set.h"
#include "stream_sink.h"
#include "tcp_demux.h"

namespace tcpflow {

// How many IP layers (tunnels within tunnels) one packet may have.
inline constexpr std::size_t kMaxIpLayers = 8;

class PacketProcessor {
 public:
  // Everything passed in must outlive the processor. `seed` (RunSeed) seeds its hashes.
  // `report` may be null (no report). `scanners`: the run's scanners (null = none, tcpdemux on).
  // -S tcp_alert_fd / tcp_cmd come from config.alerts.
  PacketProcessor(const Config& config, std::uint64_t seed, OutputFs& fs,
                  const FilenameTemplate& name_template, ReportWriter* report,
                  ConsoleWriter* console = nullptr, ScannerSet* scanners = nullptr);
  ~PacketProcessor();
  PacketProcessor(const PacketProcessor&) = delete;
  PacketProcessor& operator=(const PacketProcessor&) = delete;

  // One captured frame of the given link type. finish_only: from a -R file. Returns true when
  // the packet belongs to TCP (a segment handed to the demux, or a TCP fragment held for
  // reassembly); false for everything else (not IP, not TCP, malformed), which -w keeps.
  bool HandlePacket(int link_type, const RawPacket& packet, bool finish_only);
  // A hint about the frame (of link type `link_type`) that comes three packets after the one
  // about to be handled, so that memory is loaded before it is needed: starts loading that
  // packet's flow-table slot, the flow of the packet given in the call before, and the file
  // state of the flow of the one given two calls before. Changes nothing that HandlePacket sees;
  // an empty frame (none known yet) only breaks the chain.
  void LookAhead(int link_type, Bytes frame);
  // Closes every flow, ends the scanners, waits for the tcp_cmd commands and fills in the run
  // totals.
  void Finish(ReportTotals* totals);
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
  AnomalyCounters lookahead_anomalies_;  // counted while looking ahead, never reported
  // The flow hashes of the last two frames looked ahead at, the older first.
  std::optional<std::uint64_t> ahead_hash_[2];
  ReassemblyLimits limits_;
  ReassemblyBudget budget_;
  FlowTable table_;
  SinkFanout fanout_;
  ConsumerRegistry consumers_;  // the consumers that write output, for failed() and error()
  FlowFileWriter writer_;
  std::unique_ptr<FindxWriter> findx_;          // -I
  std::unique_ptr<FlowPcapWriter> flow_pcaps_;  // -K
  std::unique_ptr<FlowAlerts> alerts_;
  std::unique_ptr<ReportSink> report_sink_;
  TcpDemux demux_;
  DefragLimits defrag_limits_;
  IpDefragmenter defrag_;
  ScannerSet* scanners_;
  // Reassembled datagrams, one buffer per nesting level (see HandlePacket).
  std::array<std::vector<std::uint8_t>, kMaxIpLayers> datagrams_;
};

}  // namespace tcpflow

#endif  // TCPFLOW_PIPELINE_H
