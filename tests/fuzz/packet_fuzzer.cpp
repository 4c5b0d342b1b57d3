// packet_fuzzer.cpp: libFuzzer harness over the whole packet path: link decode → IP → TCP →
// demux → reassembly → flow files and report, with the file system in memory.
//
// Input format: see fuzz_input.h (a short tail is one last frame). Frames get increasing
// timestamps, so idle timeouts and flow splits are reachable. Each frame is also looked ahead
// at (PacketProcessor::LookAhead) two frames before it is handled, as the capture loop does.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <vector>

#include "config.h"
#include "dfxml_writer.h"
#include "filename_template.h"
#include "fuzz_input.h"
#include "output_dir.h"
#include "pipeline.h"

namespace {

using tcpflow::fuzz::kLinkTypes;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tcpflow;
  if (size < 1) return 0;
  const int link_type = kLinkTypes[data[0] % kLinkTypes.size()];
  Config config;
  config.output.outdir = "out";
  config.reassembly.max_seek = 4096;  // small, so splits happen
  config.reassembly.tcp_timeout_sec = 30;
  config.reassembly.max_buffered_per_flow = 2048;  // small, so forced holes happen
  config.reassembly.max_buffered_total = 8192;
  config.reassembly.max_bytes_per_flow = (data[0] & 0x80) ? 100 : -1;
  config.reassembly.overlap_last = (data[0] & 0x40) != 0;
  std::string error;
  auto name_template = FilenameTemplate::Parse(config.output.filename_template, &error);
  MemoryOutputFs fs;
  std::ostringstream report_text;
  ReportWriter report(report_text);
  ReportHeader header;
  report.WriteHeader(header);
  {
    PacketProcessor processor(config, 1, fs, *name_template, PipelineSinks{.report = &report});
    // The frames first, so that each is looked ahead at two frames early, as a capture is.
    std::vector<Bytes> frames;
    std::size_t pos = 1;
    while (pos < size) {
      std::size_t len = size - pos;
      if (len >= 2) {
        std::size_t want = (std::size_t{data[pos]} << 8) | data[pos + 1];
        pos += 2;
        len = want < size - pos ? want : size - pos;
      } else {
        pos = size;
        len = 0;
      }
      frames.emplace_back(data + pos, len);
      pos += len;
    }
    std::int64_t sec = 1600000000;
    for (std::size_t i = 0; i < frames.size(); ++i) {
      // The frames never move: one view epoch for all.
      processor.LookAhead(link_type, i + 2 < frames.size() ? frames[i + 2] : Bytes(), 1);
      RawPacket packet;
      packet.view_epoch = 1;
      packet.ts = Timeval{sec, 0};
      sec += 7;
      packet.data = frames[i];
      packet.wire_len = static_cast<std::uint32_t>(frames[i].size());
      processor.HandlePacket(link_type, packet, false);
    }
    ReportTotals totals;
    processor.Finish(&totals, CloseReason::kEndOfInput);
    report.WriteFooter(totals);
  }
  return 0;
}
