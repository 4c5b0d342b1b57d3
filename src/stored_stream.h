// stored_stream.h: the view of each flow that the stream scanners (md5, http, python) work on:
// the bytes and holes its flow file stores.
//
// Design note: tcpflow 1.6.1 ran these scanners on the stored flow files. StoredStream sits in
// the fan-out after the flow-file writer and hands its scanners that view as the stream is
// reassembled, so that -b, holes and "has a file" are applied once, here, and not by each
// scanner. Its only per-flow state is "has a file", kept in its slot from OnFileCreated to
// OnFlowClose. When it joins a fan-out it takes its slot, then gives each scanner its slots (add
// the scanners first). For each event it calls the scanners in the order they were added:
//   OnFlowOpen, OnFlowClose: always (scanners set up and free their per-flow state there).
//   OnFileCreated: always (it is what makes a flow one with a flow file).
//   OnData: for flows with a flow file, the part the file stores (StoredPart: below -b), when
//     not empty. When -b cut some of it, OnCut comes first.
//   OnGap: for flows with a flow file, the holes the file holds as zeros: those that end below
//     -b, so that the OnData after them stores bytes (a file cut at -b ends at its last byte).
//   OnShift: for flows with a flow file.
// So a scanner sees, per flow with a file, the stream contract of stream_sink.h restricted to
// [0, -b): OnData and OnGap covering the file from offset 0 in order, each starting where the
// previous one ended, except for late fills and overlap=last rewrites (OnData below that point)
// and after OnShift. A scanner that wants the file's bytes feeds a hole's zeros (ZeroBytes).
#ifndef TCPFLOW_STORED_STREAM_H
#define TCPFLOW_STORED_STREAM_H

#include <cstdint>
#include <string>
#include <vector>

#include "scanner.h"

namespace tcpflow {

// Up to `n` (at most 4096) zero bytes, for feeding a hole to a digest or a parser in chunks.
Bytes ZeroBytes(std::uint64_t n);

class StoredStream final : public StreamSink {
 public:
  // `max_bytes_per_flow`: -b (negative = unlimited).
  explicit StoredStream(std::int64_t max_bytes_per_flow) : limit_(max_bytes_per_flow) {}

  // Adds a scanner (not owned; it must outlive this object) after those added before.
  void Add(Scanner* scanner) { scanners_.push_back(scanner); }
  bool empty() const { return scanners_.empty(); }

  void AssignSlots(SlotAllocator& slots) override;
  void OnFlowOpen(Flow& flow) override;
  void OnFileCreated(Flow& flow, const std::string& name) override;
  void OnData(Flow& flow, std::uint64_t offset, Bytes data, const Timeval& ts) override;
  void OnGap(Flow& flow, std::uint64_t offset, std::uint64_t length, const Timeval& ts) override;
  void OnShift(Flow& flow, std::uint64_t n) override;
  void OnFlowClose(Flow& flow, const StoredFile& file) override;

 private:
  struct HasFile final : SlotState {};

  const std::int64_t limit_;
  SinkSlot<HasFile> has_file_;  // set for flows with a flow file
  std::vector<Scanner*> scanners_;
};

}  // namespace tcpflow

#endif  // TCPFLOW_STORED_STREAM_H
