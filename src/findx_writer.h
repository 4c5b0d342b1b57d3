// findx_writer.h: -I, a byte-offset index next to each flow file ("<flowfile>.findx").
//
// Design note: each line describes one stored segment, "OFFSET|SEC.USEC|LEN\n" (decimal stream
// offset, packet time with 6-digit microseconds, bytes actually stored after -b). Lines are
// appended to the file as data arrives, so a live capture can be followed. The finished file is
// sorted by offset (stable: equal offsets keep arrival order) and its offsets are those of the
// flow file after front insertions (tcpflow 1.6.1 left lines in arrival order with stale
// offsets; REFERENCE DECISIONS). To keep memory O(1) per flow, nothing but the file handle, its
// length, the last offset and a "dirty" flag is kept: when a line arrives below the previous
// one, the flow is marked dirty and the file is read back, sorted and rewritten when the flow
// closes; on a front insertion (OnShift) it is rewritten at once with every offset moved up.
// A rewrite holds that one file in memory for its duration.
//
// Files: created when the flow file is (OnFileCreated), named after it + ".findx", exclusively,
// or truncated when a stale one is in the way. The index's state lives in this sink's slot of
// the flow from then until OnFlowClose. A flow without a flow file gets no index. On close the
// file's times are set to the flow's first packet, like the flow file's.
//
// Failure: the first create/write/read error is remembered (failed(), error()); from then on no
// more lines are written, and open files are only closed.
#ifndef TCPFLOW_FINDX_WRITER_H
#define TCPFLOW_FINDX_WRITER_H

#include <cstdint>
#include <string>

#include "output_dir.h"
#include "stream_sink.h"

namespace tcpflow {

class FindxWriter final : public StreamSink {
 public:
  // `max_bytes_per_flow`: the -b cap (negative = unlimited); bytes at or beyond it are not in
  // the flow file, so they are not indexed either. `fs` must outlive the writer.
  FindxWriter(std::int64_t max_bytes_per_flow, OutputFs& fs);

  void AssignSlots(SlotAllocator& slots) override { slot_.Assign(slots); }
  void OnFlowOpen(Flow&) override {}
  // Creates the index file.
  void OnFileCreated(Flow& flow, const std::string& name) override;
  void OnData(Flow& flow, std::uint64_t offset, Bytes data, const Timeval& ts) override;
  void OnGap(Flow&, std::uint64_t, std::uint64_t, const Timeval&) override {}  // holes: no line
  void OnShift(Flow& flow, std::uint64_t n) override;
  void OnFlowClose(Flow& flow, const StoredFile& file) override;

  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  std::size_t files_created() const { return files_created_; }
  // How many times an index file was read back and rewritten (sorting or a shift).
  std::size_t rewrites() const { return rewrites_; }

 private:
  struct Index final : SlotState {
    std::string path;  // the index file's name
    FileId id = 0;
    std::uint64_t size = 0;         // bytes in the file; the next line goes here
    std::uint64_t last_offset = 0;  // offset of the last line in the file
    bool dirty = false;             // some line is below the one before it
    bool open = true;               // false after a failed reopen: `id` is no longer ours
  };

  // Reads the file back, adds `shift` to every offset (dropping or cutting what then lies at or
  // beyond the -b cap), sorts the lines stably by offset and writes the result over the file.
  // On failure calls Fail().
  void Rewrite(Index& index, std::uint64_t shift);
  void Fail(const std::string& message);

  std::uint64_t cap_;  // UINT64_MAX = unlimited
  OutputFs& fs_;
  SinkSlot<Index> slot_;  // the flow's open index
  std::string line_;      // reused for formatting each line
  std::string error_;
  std::size_t files_created_ = 0;
  std::size_t rewrites_ = 0;
};

}  // namespace tcpflow

#endif  // TCPFLOW_FINDX_WRITER_H
