// scanner_set.h: the scanners one run uses, built from the scanner table (kScanners in config.h)
// and the configuration, and what they share (the anomaly counters).
//
// Design note: Create() asks every row's factory for its scanner before any input is read, so a
// bad combination of settings or a Python module that does not import stops the run at once
// with one message (-S values were checked when the command line was parsed). The stream
// scanners sit, in table order, behind one StoredStream (-b, holes, "has a file"). The
// PacketProcessor adds stream_sink() to its fan-out after the flow writer (and the findx index)
// and before tcp_cmd and the report, calls OnPacket() for every decoded frame when a packet
// scanner is on, and calls Finish() once every flow has closed.
#ifndef TCPFLOW_SCANNER_SET_H
#define TCPFLOW_SCANNER_SET_H

#include <memory>
#include <string>
#include <vector>

#include "anomaly.h"
#include "config.h"
#include "output_dir.h"
#include "scanner.h"
#include "stored_stream.h"

namespace tcpflow {

class ScannerSet {
 public:
  // Nullptr with a one-line *error for an unknown or missing scanner, or a scanner that cannot
  // start (e.g. a Python module that does not import). `seed` is the run's seed (RunSeed). Each
  // compiled-in row of kScanners is asked for its scanner, in table order.
  static std::unique_ptr<ScannerSet> Create(const Config& config, std::uint64_t seed, OutputFs& fs,
                                            const ScannerRunInfo& info, std::string* error);
  ~ScannerSet();
  ScannerSet(const ScannerSet&) = delete;
  ScannerSet& operator=(const ScannerSet&) = delete;

  // False after -x tcpdemux (and -E of another scanner in the reference; here it stays on):
  // packets then reach only the packet scanners.
  bool tcpdemux() const { return selection_.enabled("tcpdemux"); }
  const ScannerSelection& selection() const { return selection_; }
  // The stream scanners, in order behind their StoredStream (not owned by the caller); nullptr
  // when none is on.
  StreamSink* stream_sink() { return stored_stream_.empty() ? nullptr : &stored_stream_; }
  bool wants_packets() const { return !packet_scanners_.empty(); }
  void OnPacket(const PacketSummary& packet) {
    for (Scanner* scanner : packet_scanners_) scanner->OnPacket(packet);
  }
  // Call once after every flow closed: each scanner's OnRunEnd (which also waits for commands it
  // started). False with a one-line *error when a scanner could not write its output.
  bool Finish(std::string* error);
  // Warnings for stderr (alert channel failures, failed http_cmd runs); empty when none.
  std::vector<std::string> Warnings() const;

  const AnomalyCounters& anomalies() const { return anomalies_; }
  // A scanner could not write its output (e.g. an http body file); error() says which and why.
  bool failed() const;
  const std::string& error() const;

 private:
  explicit ScannerSet(std::int64_t max_bytes_per_flow) : stored_stream_(max_bytes_per_flow) {}

  ScannerSelection selection_;
  AnomalyCounters anomalies_;
  std::vector<std::unique_ptr<Scanner>> owned_;
  StoredStream stored_stream_;
  std::vector<Scanner*> packet_scanners_;
};

}  // namespace tcpflow

#endif  // TCPFLOW_SCANNER_SET_H
