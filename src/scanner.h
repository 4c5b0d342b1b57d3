// scanner.h: the compiled-in scanners, what -e / -E / -x / -a / -FM select, and the interface
// every scanner implements.
//
// Design note: a scanner is a StreamSink placed in the fan-out after the flow-file writer and
// before the report sink. It sees each flow's bytes as they are reassembled (it never re-reads a
// flow file) and appends its findings to Flow::extras when the flow closes, in scanner order;
// it never writes XML itself. Packet scanners (netviz) also get OnPacket for every frame the
// link layer decoded, TCP or not. OnRunEnd is called once, after every flow has closed. Stream
// scanners (md5, http, python) sit behind a StoredStream (stored_stream.h), which gives them
// only flows that have a flow file (as the reference, which runs them on stored files), and
// only the bytes and holes the file stores (-b applied). A scanner with per-flow state keeps it
// in its slot (AssignSlots, SinkSlot in stream_sink.h) and frees it at OnFlowClose.
#ifndef TCPFLOW_SCANNER_H
#define TCPFLOW_SCANNER_H

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "anomaly.h"
#include "byte_reader.h"
#include "config.h"
#include "ip_address.h"
#include "output_dir.h"
#include "packet.h"
#include "stream_sink.h"

namespace tcpflow {

// One frame as the link layer saw it, for packet scanners. Built once per decoded frame.
struct PacketSummary {
  enum class Network : std::uint8_t { kIpv4, kIpv6, kVlan, kOther };

  Timeval ts;                  // capture time, -S tdelta already added
  std::uint32_t wire_len = 0;  // the frame's original length (link header included)
  Network network =
      Network::kOther;  // kVlan when the frame had an 802.1Q/ad tag, else by ethertype
  bool has_ip = false;  // src/dst/protocol are valid (outermost IP header)
  IpAddress src;
  IpAddress dst;
  std::uint8_t protocol = 0;  // IP protocol number (6 = TCP, 17 = UDP)
  bool has_ports = false;     // src_port/dst_port are valid (TCP or UDP, unfragmented)
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
};

// What a scanner's factory (a row of kScanners in config.h) is given.
struct ScannerRunInfo {
  std::vector<std::string> inputs;  // file names, or "interface:NAME" for live capture
  std::string version;              // the program version, for netviz's header
  std::int64_t start_time = 0;      // wall clock, unix seconds
};

struct ScannerContext {
  const Config& config;
  OutputFs& fs;                // flow files and the scanner's own output
  AnomalyCounters& anomalies;  // shared by the run's scanners
  const ScannerRunInfo& run;
  std::uint64_t seed = 0;  // the run's seed (Config::seed, or a random one)
  bool enabled = false;    // -e / -E / -a / -x left this scanner on
  bool named = false;      // named by -e NAME or -E NAME (not only through -a / -e all)
};

class Scanner : public StreamSink {
 public:
  void OnFlowOpen(Flow&) override {}
  void OnFileCreated(Flow&, const std::string&) override {}
  void OnData(Flow&, std::uint64_t, Bytes, const Timeval&) override {}
  void OnGap(Flow&, std::uint64_t, std::uint64_t, const Timeval&) override {}
  void OnShift(Flow&, std::uint64_t) override {}
  void OnFlowClose(Flow&, const StoredFile&) override {}
  // Stream scanners join the fan-out; packet scanners get OnPacket. A scanner may be both.
  virtual bool wants_streams() const { return true; }
  virtual bool wants_packets() const { return false; }
  // Behind a StoredStream: the flow's stream went on at or beyond -b, where the flow file (and
  // so this scanner's view) ends. Called before each OnData that -b shortened or dropped.
  virtual void OnCut(Flow&) {}
  // Behind a StoredStream, in place of OnShift: `n` bytes were inserted before offset 0, and the
  // view (what the flow file stores) now ends at `max_end` at most (-b; UINT64_MAX without it),
  // so a scanner that keeps the view's bytes keeps none past it. By default, OnShift(flow, n).
  virtual void OnStoredShift(Flow& flow, std::uint64_t n, std::uint64_t max_end) {
    static_cast<void>(max_end);
    OnShift(flow, n);
  }
  // Every decoded frame, in capture order (packet scanners only).
  virtual void OnPacket(const PacketSummary&) {}
  // Once, after the last flow closed. Returns false with a one-line `*error` when the scanner
  // could not write its output (the run then exits non-zero).
  virtual bool OnRunEnd(std::string* error) {
    (void)error;
    return true;
  }
  // Once OnRunEnd has been called for every scanner: lines for stderr about things that did not
  // stop the run (an alert channel that failed, commands that exited non-zero).
  virtual std::vector<std::string> Warnings() const { return {}; }
  // The scanner could not write its output (the run stops reading); error() says which and why.
  virtual bool failed() const { return false; }
  virtual const std::string& error() const {
    static const std::string kNone;
    return kNone;
  }
};

// The part of `data` (which starts at stream `offset`) that the flow file stores: -b cuts each
// flow at `limit` bytes (negative = no limit). Empty when all of it lies beyond the limit.
inline Bytes StoredPart(std::uint64_t offset, Bytes data, std::int64_t limit) {
  if (limit < 0) return data;
  const auto cap = static_cast<std::uint64_t>(limit);
  if (offset >= cap) return {};
  return data.first(static_cast<std::size_t>(std::min<std::uint64_t>(data.size(), cap - offset)));
}

// The position of the scanner called `name` in kScanners, or kScannerCount.
std::size_t ScannerIndex(std::string_view name);

// The -H text: each scanner with its state and description, and (with_settings) its -S
// parameters, ending in a newline. -hh lists the parameters itself and passes false.
std::string ScannerHelpText(bool with_settings = true);

class ScannerSelection {
 public:
  bool enabled(std::size_t index) const { return on_[index]; }
  // False for a name that is not in kScanners.
  bool enabled(std::string_view name) const {
    const std::size_t index = ScannerIndex(name);
    return index < kScannerCount && on_[index];
  }
  void set(std::size_t index, bool on) { on_[index] = on; }

 private:
  std::array<bool, kScannerCount> on_{};
};

// Applies the -e / -x / -E / -a commands in order to the defaults (-FM queues "-e md5").
// -a and "-e all" enable every scanner that is compiled in. -E NAME enables only NAME (and
// keeps tcpdemux, unlike the reference). Returns false with a one-line message for an unknown
// name ("unknown scanner 'x'") or for enabling a scanner that is not compiled in (its
// missing_reason).
bool SelectScanners(const std::vector<ScannerCommand>& commands, ScannerSelection* out,
                    std::string* error);

}  // namespace tcpflow

#endif  // TCPFLOW_SCANNER_H
