// pcap_file_reader.h: our reader for the common classic pcap files, which hands out each record
// where it lies in the read buffer.
//
// Design note: libpcap reads a file through stdio and copies every record twice on the way
// (stdio's buffer, then its own). This reader takes the plain case only: a file header with
// magic a1b2c3d4 (microseconds) or a1b23c4d (nanoseconds) in either byte order, version 2.4, a
// snapshot length from 1 to 262144, and a link type whose records libpcap hands out unchanged
// (Ethernet, raw IP, IPv4, IPv6, BSD loopback, Linux cooked v1 and v2). For every other file the
// caller uses libpcap from the start, and for every record this reader cannot vouch for (zero
// captured bytes, more than the snapshot length, cut short by the end of the stream, a read
// error) it stops with kHandOver: TakeUnread() then gives the bytes it read past the last record
// handed out, so that libpcap can carry on from there and report or repair the damage exactly as
// it does for files it reads itself. Timestamps come out as libpcap gives them, quirks included
// (see Stamp), nanoseconds divided down to microseconds.
#ifndef TCPFLOW_PCAP_FILE_READER_H
#define TCPFLOW_PCAP_FILE_READER_H

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "byte_reader.h"
#include "decompress.h"
#include "packet.h"
#include "source_buffer.h"

namespace tcpflow {

struct PcapFileHeader {
  static constexpr std::size_t kBytes = 24;
  bool big_endian = false;
  bool nanoseconds = false;
  std::uint32_t snaplen = 0;
  std::uint32_t linktype = 0;  // a LINKTYPE as written in the file
};

struct PcapRecord {
  Timeval ts;
  std::uint32_t wire_len = 0;
  Bytes data;  // valid until the next call on the reader
};

class PcapFileReader {
 public:
  // The largest snapshot length this reader takes (libpcap's limit for its link types).
  static constexpr std::uint32_t kMaxSnaplen = 262144;

  // The header of a file this reader takes, from the file's first 24 bytes; nullopt for any
  // other file (libpcap's to read).
  static std::optional<PcapFileHeader> ParseHeader(Bytes head);

  // Reads the records of `source` (not owned; it must outlive the reader), which is positioned
  // just past a file header that ParseHeader took.
  PcapFileReader(ByteSource& source, const PcapFileHeader& header);

  enum class Status { kPacket, kEnd, kHandOver, kInterrupted };
  // The next record. kEnd when the stream ends cleanly between records; kHandOver as the design
  // note says, and every later call returns it too; kInterrupted when a signal cut a read short
  // (call again to read on).
  Status Next(PcapRecord* out);
  // The captured bytes of the record `k` records past the next one Next() hands out (k = 0: that
  // one), or an empty view when it is not wholly in the read buffer yet. A hint for looking
  // ahead: valid until the next call on the reader, and not checked as Next() checks it.
  Bytes Ahead(std::size_t k) const;
  // Not 0, and the same for as long as the records handed out by Next() and Ahead() stay where
  // they are, unchanged.
  std::uint64_t view_epoch() const { return in_.moves() + 1; }
  // The stream offset (counting the file header) of the next record.
  std::uint64_t offset() const { return in_.offset(); }
  // The bytes read from the stream past the last record handed out.
  std::vector<std::uint8_t> TakeUnread() { return in_.TakeUnread(); }

 private:
  std::uint32_t Field(Bytes record_header, std::size_t at) const;
  // A timestamp field as libpcap reads it.
  std::int64_t Stamp(std::uint32_t field) const;
  // Whether a record's captured length can be a packet's: neither 0 nor above the snapshot
  // length (anything else means the file is damaged from here on).
  bool PlausibleCaplen(std::uint32_t caplen) const;
  // Why a record could not be handed out: a signal, the clean end, or a hand-over.
  Status Stopped(bool clean_end);

  PcapFileHeader header_;
  SourceBuffer in_;
  bool handed_over_ = false;
};

}  // namespace tcpflow

#endif  // TCPFLOW_PCAP_FILE_READER_H
