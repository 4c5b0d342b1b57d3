// pcap_writer.h: writes classic pcap files (-w; the encoding is shared with -K's pcaps). Format:
// the libpcap savefile format (draft-ietf-opsawg-pcap), link types from the LINKTYPE registry.
//
// Design note: the file is little-endian, magic a1b2c3d4 (microsecond timestamps), version 2.4,
// snaplen kPcapWriterSnaplen, and holds one link type, fixed when it is created. Records are
// gathered in memory and written through OutputFs at sequential offsets in chunks of about
// kPcapWriterBufferBytes (the memory grows only as records arrive), so a writer costs no
// descriptor between flushes and works under PosixOutputFs's open-file budget.
//
// Several link types (mixed pcapng input): a classic pcap has one link type, so a record of a
// different one cannot be stored. WriteIfLinkType() is the policy for callers that see packets of
// any link type (-w): it writes a packet of the file's link type and skips any other, counting it
// in skipped_other_link_type(). Write() itself stores whatever it is given as the file's link type.
//
// Failure: the first write error is sticky; every later Write() and Close() returns false and
// error() names the file and the system error.
#ifndef TCPFLOW_PCAP_WRITER_H
#define TCPFLOW_PCAP_WRITER_H

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "byte_reader.h"
#include "output_dir.h"
#include "packet.h"

namespace tcpflow {

// The snaplen in the file header; longer records are cut to it (their original length is kept).
inline constexpr std::uint32_t kPcapWriterSnaplen = 262144;
// Buffered record bytes that trigger a write.
inline constexpr std::size_t kPcapWriterBufferBytes = 256 * 1024;

// The encoding itself, for writers that keep their own buffers (-K): the 24-byte file header,
// and one record (seconds modulo 2^32, `data` cut to kPcapWriterSnaplen, an original length never
// below the bytes held), appended to `out`.
void AppendPcapFileHeader(std::vector<std::uint8_t>& out, int link_type);
void AppendPcapRecord(std::vector<std::uint8_t>& out, const Timeval& ts, std::uint32_t wire_len,
                      Bytes data);

class PcapFileWriter {
 public:
  // Creates `path` through `fs` (an existing file is truncated; missing parent directories are
  // made) and buffers the 24-byte file header. `fs` must outlive the writer. On failure returns
  // nullptr and sets *error. `buffer_bytes` (>= 1) is how many buffered bytes trigger a write.
  static std::unique_ptr<PcapFileWriter> Create(OutputFs& fs, const std::string& path,
                                                int link_type, std::string* error,
                                                std::size_t buffer_bytes = kPcapWriterBufferBytes);
  // Closes the file if Close() was not called (flushing what is buffered; errors are then lost:
  // call Close() to see them).
  ~PcapFileWriter();
  PcapFileWriter(const PcapFileWriter&) = delete;
  PcapFileWriter& operator=(const PcapFileWriter&) = delete;

  // Appends one record: `ts` (seconds are stored modulo 2^32, as the format's 32-bit field
  // allows), the original length on the wire, and the captured bytes (cut to the snaplen).
  // Returns false on a write error, or when the writer is closed; error() says why.
  bool Write(const Timeval& ts, std::uint32_t wire_len, Bytes data);
  // Write() when `link_type` is the file's; otherwise counts the packet as skipped and returns
  // true (nothing is wrong with the file) unless an earlier write failed.
  bool WriteIfLinkType(int link_type, const Timeval& ts, std::uint32_t wire_len, Bytes data);
  // Writes what is buffered and closes the file. False if this or any earlier write failed.
  // Later calls return the same result without doing anything.
  bool Close();

  int link_type() const { return link_type_; }
  std::uint64_t records_written() const { return records_; }
  std::uint64_t skipped_other_link_type() const { return skipped_; }
  const std::string& error() const { return error_; }

 private:
  PcapFileWriter(OutputFs& fs, FileId id, std::string path, int link_type,
                 std::size_t buffer_bytes);
  bool Flush();

  OutputFs& fs_;
  FileId id_;
  std::string path_;
  int link_type_;
  std::size_t buffer_bytes_;
  std::vector<std::uint8_t> buffer_;
  std::uint64_t file_offset_ = 0;  // where buffer_[0] goes in the file
  std::uint64_t records_ = 0;
  std::uint64_t skipped_ = 0;
  bool open_ = true;
  bool failed_ = false;
  std::string error_;
};

}  // namespace tcpflow

#endif  // TCPFLOW_PCAP_WRITER_H
