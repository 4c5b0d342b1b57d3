// progress.h: the progress line on stderr while a capture file is read (bytes read of the
// total, packets, open flows, rate, time left).
//
// Design note: ProgressMeter is given the time and the counts by its caller, never reads a clock
// or a file itself, so it is tested with made-up numbers. It redraws one line in place ("\r",
// padded to cover the previous text) at most every `interval`, and Clear() blanks it before
// anything else is written to the terminal. The caller decides whether to have one at all:
// only when stderr is a terminal, the input is a regular file, and -q was not given.
#ifndef TCPFLOW_PROGRESS_H
#define TCPFLOW_PROGRESS_H

#include <cstdint>
#include <ostream>
#include <string>

namespace tcpflow {

struct ProgressSample {
  double elapsed_sec = 0;         // since this file was opened
  std::uint64_t bytes_read = 0;   // of the file (compressed bytes for a compressed file)
  std::uint64_t total_bytes = 0;  // the file's size; 0 = unknown
  std::uint64_t packets = 0;      // read from this file
  std::uint64_t open_flows = 0;
};

// e.g. "tcpflow: 42% 1.1 GB of 2.6 GB, 1,234,567 packets, 3,456 flows open, 85.3 MB/s, 0:17 left".
// The rate and time left are left out until half a second has passed.
std::string FormatProgressLine(const ProgressSample& sample);

class ProgressMeter {
 public:
  // `out` is not owned. `interval_sec`: the least time between two redraws.
  explicit ProgressMeter(std::ostream& out, double interval_sec = 0.5)
      : out_(out), interval_sec_(interval_sec) {}

  // Redraws the line when `sample.elapsed_sec` is at least interval_sec after the last redraw.
  void Update(const ProgressSample& sample);
  // Blanks the line (if one was drawn) and puts the cursor back at its start.
  void Clear();

 private:
  std::ostream& out_;
  double interval_sec_;
  double last_draw_sec_ = -1;
  std::size_t drawn_width_ = 0;  // characters on the line now
};

}  // namespace tcpflow

#endif  // TCPFLOW_PROGRESS_H
