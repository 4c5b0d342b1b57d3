// stream_fuzzer.cpp: libFuzzer harness over a sequence of frames through reassembly and the
// stream scanners (md5, http) into an in-memory file system, ending with Finish().
//
// Input format: see fuzz_input.h. Byte 0: low 4 bits pick the link type; 0x10 limits each flow
// to 300 bytes (-b); 0x20 makes the last copy win on overlaps; 0x40 turns HTTP decompression
// off (-Z); 0x80 adds sha1 and sha256 digests. Frames 1 ms apart, except that a frame ending in
// the marker's first byte doubled comes 60 s later (so idle timeouts are reachable).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>
#include <sstream>

#include "config.h"
#include "dfxml_writer.h"
#include "filename_template.h"
#include "fuzz_input.h"
#include "output_dir.h"
#include "pipeline.h"
#include "scanner_set.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tcpflow;
  if (size < 1) return 0;
  const int link_type = fuzz::kLinkTypes[(data[0] & 0x0F) % fuzz::kLinkTypes.size()];
  Config config;
  config.output.outdir = "out";
  config.reassembly.max_seek = 8192;  // small, so splits happen
  config.reassembly.tcp_timeout_sec = 30;
  config.reassembly.max_buffered_per_flow = 4096;  // small, so forced holes happen
  config.reassembly.max_buffered_total = 16384;
  config.reassembly.max_bytes_per_flow = (data[0] & 0x10) ? 300 : -1;
  config.reassembly.overlap_last = (data[0] & 0x20) != 0;
  config.no_http_decompress = (data[0] & 0x40) != 0;
  config.scanner_commands = {{ScannerCommand::Op::kEnable, "md5"},
                             {ScannerCommand::Op::kEnable, "http"}};
  // Small caps keep a decompression bomb cheap (and reach the cap paths).
  config.scanners.http.max_body = 1048576;
  config.scanners.http.max_header = 4096;
  if (data[0] & 0x80) config.scanners.hash.digests = {"md5", "sha1", "sha256"};
  std::string error;
  auto name_template = FilenameTemplate::Parse(config.output.filename_template, &error);
  MemoryOutputFs fs;
  std::unique_ptr<ScannerSet> scanners =
      ScannerSet::Create(config, 1, fs, {{"fuzz"}, "0", 0}, &error);
  if (!name_template || !scanners) std::abort();  // the fixed configuration is valid
  std::ostringstream report_text;
  ReportWriter report(report_text);
  ReportHeader header;
  report.WriteHeader(header);
  {
    PacketProcessor processor(config, 1, fs, *name_template,
                              PipelineSinks{.report = &report, .scanners = scanners.get()});
    Timeval ts{1600000000, 0};
    for (std::span<const std::uint8_t> frame :
         fuzz::SplitOn({data + 1, size - 1}, fuzz::kFrameMarker)) {
      RawPacket packet;
      packet.ts = ts;
      packet.data = frame;
      packet.wire_len = static_cast<std::uint32_t>(frame.size());
      packet.link_type = link_type;
      processor.HandlePacket(link_type, packet, false);
      const bool pause = frame.size() >= 2 && frame[frame.size() - 1] == fuzz::kFrameMarker[0] &&
                         frame[frame.size() - 2] == fuzz::kFrameMarker[0];
      ts.usec += 1000;
      if (ts.usec >= 1000000) ts = Timeval{ts.sec + 1, ts.usec - 1000000};
      if (pause) ts.sec += 60;
    }
    ReportTotals totals;
    processor.Finish(&totals, CloseReason::kEndOfInput);
    report.WriteFooter(totals);
  }
  return 0;
}
