// scanner_set.h: the scanners one run uses, built from the configuration, and what they share
// (anomaly counters, the http_alert_fd channel and the http_cmd runner).
//
// Design note: Create() checks every scanner setting before any input is read, so a bad -S
// value or a Python module that does not import stops the run at once with one message. The
// PacketProcessor adds stream_sink() to its fan-out after the flow writer (and the findx index)
// and before tcp_cmd and the report, calls OnPacket() for every decoded frame when a packet
// scanner is on, and calls Finish() once every flow has closed.
#ifndef TCPFLOW_SCANNER_SET_H
#define TCPFLOW_SCANNER_SET_H

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "anomaly.h"
#include "config.h"
#include "flow_alerts.h"
#include "output_dir.h"
#include "scanner.h"
#include "stored_stream.h"

namespace tcpflow {

class HttpScanner;

struct ScannerRunInfo {
  std::vector<std::string> inputs;  // file names, or "interface:NAME" for live capture
  std::string version;              // the program version, for netviz's header
  std::int64_t start_time = 0;      // wall clock, unix seconds
};

class ScannerSet {
 public:
  // Nullptr with a one-line *error for an unknown or missing scanner, a bad -S value, or a
  // scanner that cannot start (e.g. a Python module that does not import).
  static std::unique_ptr<ScannerSet> Create(const Config& config, OutputFs& fs,
                                            const ScannerRunInfo& info, std::string* error);
  ~ScannerSet();
  ScannerSet(const ScannerSet&) = delete;
  ScannerSet& operator=(const ScannerSet&) = delete;

  // False after -x tcpdemux (and -E of another scanner in the reference; here it stays on):
  // packets then reach only the packet scanners.
  bool tcpdemux() const { return selection_.enabled(ScannerId::kTcpdemux); }
  const ScannerSelection& selection() const { return selection_; }
  // The stream scanners, in order behind their StoredStream (not owned by the caller); nullptr
  // when none is on.
  StreamSink* stream_sink() { return stored_stream_.empty() ? nullptr : &stored_stream_; }
  bool wants_packets() const { return !packet_scanners_.empty(); }
  void OnPacket(const PacketSummary& packet) {
    for (Scanner* scanner : packet_scanners_) scanner->OnPacket(packet);
  }
  // Call once after every flow closed: each scanner's OnRunEnd, then waits for http_cmd. False
  // with a one-line *error when a scanner could not write its output.
  bool Finish(std::string* error);
  // Warnings for stderr (alert channel failures, failed http_cmd runs); empty when none.
  std::vector<std::string> Warnings() const;

  const AnomalyCounters& anomalies() const { return anomalies_; }
  // A body file could not be written (http); error() says which and why.
  bool failed() const;
  const std::string& error() const;

 private:
  explicit ScannerSet(std::int64_t max_bytes_per_flow) : stored_stream_(max_bytes_per_flow) {}

  ScannerSelection selection_;
  AnomalyCounters anomalies_;
  std::unique_ptr<AlertChannel> http_alerts_;
  std::unique_ptr<CommandRunner> http_commands_;
  std::vector<std::unique_ptr<Scanner>> owned_;
  StoredStream stored_stream_;
  std::vector<Scanner*> packet_scanners_;
  HttpScanner* http_ = nullptr;  // owned through owned_
  std::string error_;
};

}  // namespace tcpflow

#endif  // TCPFLOW_SCANNER_SET_H
