// console_writer.h: console output (-c -C -D -J -g -s -B -0 -b -L), one record per TCP segment.
//
// Design note: the console shows segments as captured, not reassembled streams, so this is a
// SegmentTap: it sees each segment in capture order (retransmissions included) and prints every
// one that carries data, in the formats of tcpflow 1.6.1 (REFERENCE.md 5), except that -J takes
// hosts and ports from the flow's key (IPv6 included), not from its file name. Each record is
// built in one reused buffer and written with one fwrite and a flush, under the -L semaphore when
// one is named. Precedence: hex (-D) beats JSON (-J) beats stripped text beats raw (-B); -J
// leaves the "NAME: " header out, even of a hex dump. The first failed write (EPIPE from a closed
// pipe, a full disk) is remembered and nothing is printed after it.
#ifndef TCPFLOW_CONSOLE_WRITER_H
#define TCPFLOW_CONSOLE_WRITER_H

#include <semaphore.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "config.h"
#include "filename_template.h"
#include "flow.h"
#include "stream_sink.h"

namespace tcpflow {

class ConsoleWriter final : public SegmentTap {
 public:
  // `out` is the console (stdout in the program); it and `name_template` must outlive the writer,
  // which never closes `out`. `name_template` names the flows in headers (counter 0, no -o
  // prefix). max_bytes_per_flow: payload bytes printed per flow (-b); negative = unlimited.
  // semlock_name non-empty: every record is written while holding the POSIX named semaphore of
  // that name (created with value 1 and mode 0644 if missing; a leading '/' is added when
  // absent), so that several processes can share one terminal (-L). The semaphore is closed, not
  // unlinked, when the writer goes. Returns null and sets *error when the semaphore cannot be
  // opened.
  static std::unique_ptr<ConsoleWriter> Create(const ConsoleConfig& config,
                                               const FilenameTemplate& name_template,
                                               std::int64_t max_bytes_per_flow,
                                               const std::string& semlock_name, std::FILE* out,
                                               std::string* error);
  ~ConsoleWriter() override;
  ConsoleWriter(const ConsoleWriter&) = delete;
  ConsoleWriter& operator=(const ConsoleWriter&) = delete;

  // Prints one record for a segment with data (nothing for an empty payload, after -b is used
  // up, or after a failure) and adds the bytes printed to flow.console_bytes.
  void OnSegment(Flow& flow, const SegmentInfo& segment) override;

  // A write or flush failed; error() says why.
  bool failed() const { return !error_.empty(); }
  // The failure was EPIPE (the reader went away): the caller should end quietly, with status 0.
  bool broken_pipe() const { return broken_pipe_; }
  const std::string& error() const { return error_; }

 private:
  ConsoleWriter(const ConsoleConfig& config, const FilenameTemplate& name_template,
                std::int64_t max_bytes_per_flow, sem_t* lock, std::FILE* out);

  void AppendHeader(const Flow& flow);
  void AppendHexDump(Bytes payload);
  void AppendJson(const Flow& flow, Bytes payload);
  void AppendText(Bytes payload);
  void Emit();

  const ConsoleConfig config_;
  const FilenameTemplate& template_;
  const std::int64_t max_bytes_per_flow_;
  sem_t* lock_;  // null without -L
  std::FILE* out_;
  std::string record_;  // the record being built; reused
  std::string error_;
  bool broken_pipe_ = false;
};

}  // namespace tcpflow

#endif  // TCPFLOW_CONSOLE_WRITER_H
