// flow_writer.h: writes each flow direction's bytes into its own file, at their stream offsets.
//
// Design note: a flow's file is created when its first byte or hole arrives (a flow without
// payload has no file), named by the filename template with the lowest connection counter whose
// name is free on disk (exclusive create, so earlier runs' files are never overwritten). Bytes go
// to their stream offset, so holes read back as zeros. -b caps the file, not the logical size. On
// close the file's times are set to the flow's first packet. A failed write or create is
// remembered: failed() turns true and error() says what, and the pipeline stops the run.
//
// It is the FileStage of the fan-out (stream_sink.h): it tells the sinks after it the file's
// name when it creates it and what it stored when it closes it. It also remembers the last
// kRecentlyClosedKept flows that closed with a file (ClosedFlows), and reads their files back
// for the demux, which asks whether a segment after close only repeats what a file holds.
#ifndef TCPFLOW_FLOW_WRITER_H
#define TCPFLOW_FLOW_WRITER_H

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "config.h"
#include "filename_template.h"
#include "output_dir.h"
#include "stream_sink.h"

namespace tcpflow {

class FlowFileWriter final : public FileStage, public ClosedFlows {
 public:
  // Closed flows remembered for FindClosed (the oldest is forgotten first).
  static constexpr std::size_t kRecentlyClosedKept = 100;

  // `name_template` and `fs` must outlive the writer.
  FlowFileWriter(const OutputConfig& output, const ReassemblyConfig& reassembly,
                 const FilenameTemplate& name_template, OutputFs& fs);

  const std::string* OnData(Flow& flow, std::uint64_t offset, Bytes data) override;
  // Creates the file (a hole at the start is part of it); the zeros come with the next OnData.
  const std::string* OnGap(Flow& flow, std::uint64_t offset, std::uint64_t length) override;
  void OnShift(Flow& flow, std::uint64_t n) override;
  StoredFile OnFlowClose(Flow& flow) override;

  const ClosedFlow* FindClosed(const FlowKey& key) const override;
  // Reads the closed flow's file back through the OutputFs.
  bool Holds(const ClosedFlow& flow, std::uint64_t offset, Bytes payload) const override;

  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  std::size_t files_created() const { return files_created_; }
  // A hint that data for the flow comes soon: starts loading its file's state.
  void Prefetch(const Flow& flow) const {
    if (flow.output.file_id) fs_.Prefetch(*flow.output.file_id);
  }

  // The path prefix put before every name: "" for ".", else "DIR/".
  static std::string PathPrefix(const std::string& outdir);

 private:
  // True when the flow has an open file; sets `*created` when this call created it.
  bool EnsureFile(Flow& flow, bool* created);
  void Fail(const std::string& message);

  const OutputConfig& output_;
  const ReassemblyConfig& reassembly_;
  const FilenameTemplate& template_;
  OutputFs& fs_;
  std::string prefix_;
  std::string name_buffer_;
  std::vector<std::uint8_t> shift_buffer_;
  std::string error_;
  std::size_t files_created_ = 0;
  std::deque<ClosedFlow> recently_closed_;  // oldest first, at most kRecentlyClosedKept
};

// The fields a file name is built from, for one flow.
NameFields NameFieldsOf(const Flow& flow);

}  // namespace tcpflow

#endif  // TCPFLOW_FLOW_WRITER_H
