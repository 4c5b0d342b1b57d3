// scan_http.h: the http scanner (-e http): writes the body of every HTTP/1.x message of a flow
// to its own file, inflating gzip/deflate bodies (RFC 9112 framing, RFC 9110 §8.4 content
// codings, RFC 1950/1951/1952).
//
// Design note: the scanner parses each flow as its bytes arrive (no flow file is re-read). The
// first bytes the flow file stores decide: "HTTP/1." makes a response stream, a known method
// and a space a request stream, anything else is ignored for good. Each message gets a number
// in its flow (1-based, 3 digits, never restarted); a message with a non-empty body gets the
// file <flowfile>-HTTPBODY-NNN[.ext], .ext from its Content-Type (mime_types.h). The file is
// created when the first body byte is written, at running offsets, and closed with the mtime of
// the body's last packet. A response learns whether it answers HEAD (no body) from a per-session
// queue of request methods filled by the connection's request stream. A hole (OnGap, counted as
// kHttpStreamHole) is parsed as the zeros the flow file holds there: a body of known length
// keeps its framing, anything else fails to parse and resumes at the next message start after
// it; a parse error (kHttpParseError, kHttpHeaderTooLong) resumes the same way. A hole before
// the stream's kind is known ignores the flow. Data below what
// was already parsed (late hole fills, rewrites) is ignored. After OnShift (bytes inserted in
// front of a mid-stream flow) the flow is no longer parsed: its open body is closed and the
// byte_run offsets recorded so far are moved up. At close a <byte_runs> extra lists each body
// file with its range in the flow file (file_offset, len) and a <tcpflow:http> element: the
// message's number, the request it answers (method, Host, target, from a per-connection queue
// the request stream fills) or is, the status, Content-Type/-Length, Transfer- and
// Content-Encoding, MD5 and SHA-256 of the body file, and whether the body file is complete;
// when not, why (holes, truncated, capped, decode_error, write_error) and, for a body that is
// not compressed, the ranges of the body file made from a hole's zeros. Those ranges are not
// written (the body file stays sparse there, its last byte written when it ends in a hole); a
// compressed body over a hole is marked, and what its inflater gives is written as it comes. Every body file is cut at -S http_max_body,
// identity bodies too (counted as kHttpBodyCapped). Memory per flow: the parser's header block
// (capped at max_header), a few bytes to decide the stream's kind, and per body written its
// record (header values kept up to 2048 bytes each, at most 64 hole ranges), in the scanner's
// slot of the flow.
#ifndef TCPFLOW_SCAN_HTTP_H
#define TCPFLOW_SCAN_HTTP_H

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "anomaly.h"
#include "flow_alerts.h"
#include "inflater.h"
#include "output_dir.h"
#include "scanner.h"

namespace tcpflow {

struct HttpScanConfig {
  bool decompress = true;               // -Z clears: compressed bodies are written as they are
  InflateLimits inflate;                // -S http_max_body, -S http_max_ratio
  std::uint64_t max_header = 64 << 10;  // -S http_max_header: header block bytes per message
};

// The scanner's settings for a run: -S http_max_body, http_max_ratio, http_max_header, -Z.
HttpScanConfig MakeHttpScanConfig(const Config& config);

class HttpScanner final : public Scanner {
 public:
  // `fs`, `anomalies`, `alerts` and `commands` must outlive the scanner; `alerts` (http_alert_fd)
  // and `commands` (http_cmd) may be null (off).
  HttpScanner(const HttpScanConfig& config, OutputFs& fs, AnomalyCounters& anomalies,
              AlertChannel* alerts, CommandRunner* commands);
  // The same, owning the alert channel and the command runner (either may be null).
  HttpScanner(const HttpScanConfig& config, OutputFs& fs, AnomalyCounters& anomalies,
              std::unique_ptr<AlertChannel> alerts, std::unique_ptr<CommandRunner> commands);
  ~HttpScanner() override;
  HttpScanner(const HttpScanner&) = delete;
  HttpScanner& operator=(const HttpScanner&) = delete;

  void AssignSlots(SlotAllocator& slots) override { slot_.Assign(slots); }
  void OnFlowOpen(Flow& flow) override;
  // Body files are named after the flow file.
  void OnFileCreated(Flow& flow, const std::string& name) override;
  void OnData(Flow& flow, std::uint64_t offset, Bytes data, const Timeval& ts) override;
  // A hole in a decided stream is parsed as the zeros the file holds (kHttpStreamHole).
  void OnGap(Flow& flow, std::uint64_t offset, std::uint64_t length, const Timeval& ts) override;
  void OnShift(Flow& flow, std::uint64_t n) override;
  // Ends the stream (a body that runs to the end completes), closes any open body file and
  // appends the <byte_runs> extra when the flow had bodies.
  void OnFlowClose(Flow& flow, const StoredFile& file) override;
  void OnCut(Flow& flow) override;

  // A body file could not be created, written or closed (that body stopped there; scanning went
  // on). error() is the first such failure, one line naming the file.
  bool failed() const override { return !error_.empty(); }
  const std::string& error() const override { return error_; }
  // Waits for the http_cmd commands still running.
  bool OnRunEnd(std::string* error) override;
  // A failed http_alert_fd channel; http_cmd runs that failed.
  std::vector<std::string> Warnings() const override;
  std::uint64_t bodies_written() const { return bodies_written_; }  // non-empty body files

 private:
  struct Session;
  struct FlowState;
  friend struct FlowState;

  FlowState& StateFor(Flow& flow);
  // Hands stored bytes at offset `offset` (== the state's next offset) to the parser.
  void Parse(FlowState& state, Bytes data);
  // Looks at the first bytes of the flow to decide its kind; parses once decided.
  void Decide(FlowState& state, Bytes data);
  void SetError(const std::string& error);

  HttpScanConfig config_;
  OutputFs* fs_;
  AnomalyCounters* anomalies_;
  AlertChannel* alerts_;
  CommandRunner* commands_;
  std::unique_ptr<AlertChannel> owned_alerts_;
  std::unique_ptr<CommandRunner> owned_commands_;
  SinkSlot<FlowState> slot_;  // each flow's parse state, from OnFlowOpen to OnFlowClose
  std::unordered_map<std::uint64_t, std::unique_ptr<Session>> sessions_;
  std::string error_;
  std::uint64_t bodies_written_ = 0;
};

}  // namespace tcpflow

#endif  // TCPFLOW_SCAN_HTTP_H
