// pcapng_reader.h: our own pcapng reader (draft-ietf-opsawg-pcapng), for the files libpcap
// refuses: interfaces with different link types, in one or several sections.
//
// Design note: it reads a ByteSource block by block. Section Header Blocks in either byte order
// (section length -1 allowed), Interface Description Blocks (link type, snaplen, if_tsresol as a
// power of 10 or of 2, if_tsoffset), Enhanced, Simple and obsolete (type 2) Packet Blocks are
// interpreted; every other block is skipped. Every length is untrusted: a broken block stops
// the file with "NAME: bad pcapng block at offset N: WHY" (N counts bytes of the stream as read,
// i.e. after decompression), after the packets before it were delivered. Timestamps come out in
// microseconds (truncated), if_tsoffset added; Simple Packet Blocks carry none (0).
#ifndef TCPFLOW_PCAPNG_READER_H
#define TCPFLOW_PCAPNG_READER_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "byte_reader.h"
#include "decompress.h"
#include "packet.h"
#include "source_buffer.h"

namespace tcpflow {

struct PcapngPacket {
  Timeval ts;
  std::uint32_t wire_len = 0;  // the original length field, as written
  int linktype = 0;            // the LINKTYPE of the packet's interface (not mapped to a DLT)
  Bytes data;                  // the captured bytes; valid until the next call on the reader
};

class PcapngReader {
 public:
  // Captured lengths above this are an error (libpcap's largest snapshot length).
  static constexpr std::uint32_t kMaxCaptureLength = 262144;
  // Interpreted blocks (headers, interfaces, packets) above this are an error; skipped blocks
  // may be of any size.
  static constexpr std::uint32_t kMaxBlockLength = 16 * 1024 * 1024;

  // Reads `source` (not owned; it must outlive the reader). `name` (the file name) starts every
  // error message.
  PcapngReader(ByteSource& source, std::string name);

  enum class Status { kPacket, kEnd, kError };
  // The next packet. kEnd at a clean end of the stream (between blocks); kError: error() says
  // why, and every later call fails the same way.
  Status Next(PcapngPacket* out);
  // Reads the blocks up to the first Interface Description Block (delivering no packet), so
  // that first_linktype() is known. False with error() set when the stream breaks or ends
  // before it.
  bool ReadToFirstInterface();
  // The LINKTYPE of the first interface of the file; -1 until one was read.
  int first_linktype() const { return first_linktype_; }
  const std::string& error() const { return error_; }

 private:
  struct Interface {
    int linktype;
    std::uint32_t snaplen;        // 0 = no limit
    std::uint64_t units_per_sec;  // 10^n or 2^n from if_tsresol (default 10^6)
    std::int64_t offset_sec;      // if_tsoffset
  };
  enum class Step { kPacket, kBlock, kEnd, kError };

  Step ReadBlock(PcapngPacket* out);
  Step ParseSectionHeader(Bytes body, bool big_endian, std::uint64_t at);
  Step ParseInterface(Bytes body, std::uint64_t at);
  Step ParsePacket(std::uint32_t type, Bytes body, std::uint64_t at, PcapngPacket* out);
  Step BadBlock(std::uint64_t at, const std::string& why);
  Step ReadFailure(std::uint64_t at, const std::string& past_end_why);

  ByteSource& source_;
  std::string name_;
  std::string error_;
  SourceBuffer in_;
  bool in_section_ = false;
  bool big_endian_ = false;            // the current section's byte order
  std::vector<Interface> interfaces_;  // the current section's
  int first_linktype_ = -1;
};

}  // namespace tcpflow

#endif  // TCPFLOW_PCAPNG_READER_H
