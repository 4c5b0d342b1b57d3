// pcap_source.h: capture input: files (pcap in both byte orders and resolutions, pcapng with any
// mix of link types), gzip/xz/bzip2/zstd-compressed files, standard input ("-"), live
// interfaces, and BPF filters. The only file that knows libpcap.
//
// Design note: a file's first bytes pick the way it is read. Compressed files (recognised by
// magic bytes, not by name) are decompressed in process and handed on as a stream. Our
// PcapFileReader reads the common classic pcap files from that stream without copying records
// (libpcap copies each twice), and hands the rest of a file to libpcap at the first record it
// cannot vouch for, so damage is reported and repaired the same way on both paths. libpcap reads
// other classic pcap files and pcapng through a stdio stream; when it refuses a pcapng file whose
// interfaces have different link types, the file is read again from the start by our own
// PcapngReader, skipping the packets already handed out. A pcapng file that cannot be read twice
// (standard input) goes to our reader straight away. The filter applies to every packet: on our
// reader's path it is compiled once per link type seen.
//
// Next() hands out a view of an internal buffer, valid until the following Next(). Timestamps
// come in microseconds (finer ones truncated). Errors are one line that names the file or
// interface.
//
// Damaged files: every packet before the damage is handed out first. A classic pcap record
// that cannot be read (the file ends inside it, or its captured length is above libpcap's
// limit for the link type, 256 KiB for most) ends the file with
// "NAME: bad pcap record at offset N: <libpcap's reason>"; a broken pcapng block ends it with
// "NAME: bad pcapng block at offset N: WHY" (a pcapng file libpcap stops on is read again by our
// reader, which says where). N is the byte offset of the record or block in the capture as
// read, after decompression. Damage that can be got over does not stop the file: a zero-length
// classic record is skipped, and one longer than the file's snapshot length is handed out cut
// to it (libpcap's doing); when the file has been read to its end, Next() then fails once
// with "NAME: zero-length record at offset N skipped" or "NAME: record at offset N has M
// captured bytes, more than the snapshot length S; the rest was dropped" (the first such
// record, plus a count of the others) instead of returning kEnd.
#ifndef TCPFLOW_PCAP_SOURCE_H
#define TCPFLOW_PCAP_SOURCE_H

#include <sys/types.h>

#include <csignal>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "byte_reader.h"
#include "config.h"
#include "decompress.h"
#include "packet.h"
#include "pcap_file_reader.h"
#include "pcapng_reader.h"

struct pcap;
struct pcap_pkthdr;

namespace tcpflow {

struct RawPacket {
  Timeval ts;
  std::uint32_t wire_len = 0;
  int link_type = 0;  // this packet's link type, a DLT as libpcap numbers them
  Bytes data;         // the captured bytes
  // Not 0: `data` stays where it is, unchanged, while the source's view_epoch() is this value
  // (the frames Ahead() showed at this epoch are still there too). 0: no such promise.
  std::uint64_t view_epoch = 0;
};

class PcapSource {
 public:
  ~PcapSource();
  PcapSource(const PcapSource&) = delete;
  PcapSource& operator=(const PcapSource&) = delete;

  // Opens a capture file ("-" = standard input), compressed or not. On failure returns nullptr
  // and sets *error.
  static std::unique_ptr<PcapSource> OpenFile(const std::string& path, std::string* error);
  // Opens a live interface (empty = the first device libpcap finds).
  static std::unique_ptr<PcapSource> OpenLive(const InputConfig& input, std::string* error);

  // Compiles and installs a BPF filter (optimised, netmask unknown). Empty = no filter. For a
  // file it is compiled for the first link type now and for each further one when it first
  // shows up; a failure then makes Next() fail with the same message.
  bool SetFilter(const std::string& expression, std::string* error);

  enum class Status { kPacket, kTimeout, kEnd, kError };
  // Reads the next packet that passes the filter into *out. kTimeout: none yet (a live wait
  // timed out, or a signal cut a read short); ask again. kError: error() says why (e.g. a
  // truncated file, a broken pcapng block, corrupt compressed data, or, at the end of a file,
  // damaged records that were got over: see the design note).
  Status Next(RawPacket* out);
  // The frame `k` packets past the one the next Next() hands out (k = 0: that one), when it is
  // already read (our classic pcap reader's buffer), in link_type(); empty otherwise. A hint
  // for looking ahead only: the filter is not applied, and the view is valid until Next().
  Bytes Ahead(std::size_t k) const { return classic_ != nullptr ? classic_->Ahead(k) : Bytes(); }
  // While this number stays the same (and is not 0), the bytes Next() and Ahead() handed out
  // stay where they are, unchanged (see RawPacket::view_epoch). 0 when there is no such
  // promise (libpcap, pcapng, live capture).
  std::uint64_t view_epoch() const { return classic_ != nullptr ? classic_->view_epoch() : 0; }
  // Makes a blocking Next() return kEnd soon (safe from a signal handler's flag check path).
  void BreakLoop();

  // The link type of the file (its first interface for pcapng) or of the interface.
  int link_type() const { return link_type_; }
  const std::string& name() const { return name_; }

  // How far a regular file has been read (its own bytes, compressed or not), or nullopt for
  // live capture, pipes and standard input that is not a regular file.
  struct Progress {
    std::uint64_t bytes_read;
    std::uint64_t total_bytes;
  };
  std::optional<Progress> FileProgress() const;
  const std::string& error() const { return error_; }

 private:
  // A BPF program for one link type (own reader's path: one per LINKTYPE seen).
  struct LinkFilter;

  explicit PcapSource(std::string name);
  // Starts our pcapng reader on the file: on stream_ as it is, or (reopen) on the file opened
  // again from the start, skipping the first `skip_packets` packets (those libpcap handed out).
  // False with error_ set on failure.
  bool StartOwnReader(bool reopen, std::uint64_t skip_packets);
  // Starts our classic pcap reader when the file header is one it takes; otherwise puts the
  // header back in front of stream_ for libpcap and returns false.
  bool StartClassicReader();
  // Hands the rest of the file from the classic reader to libpcap (see PcapFileReader). False
  // with error_ set when libpcap cannot start.
  bool HandOverToLibpcap();
  Status NextFromClassicReader(RawPacket* out);
  // Opens libpcap on stream_ (which starts with a file header). False when it fails: errbuf
  // says why, or is empty when the stdio stream could not be made (errno).
  bool OpenLibpcapOnStream(char* errbuf);
  // Names damaged records by offset from here on, the next record being at `offset`.
  void TrackRecordsFrom(std::uint64_t offset);
  Status NextFromLibpcap(RawPacket* out);
  // After libpcap read the classic pcap record `header` (at record_offset_): moves
  // record_offset_ past it and notes damage. False when the record is to be skipped.
  bool AcceptRecord(const pcap_pkthdr& header);
  Status NextFromOwnReader(RawPacket* out);
  // The filter for packets of `linktype` (a LINKTYPE for our reader, a DLT for libpcap's);
  // compiled on first use. nullptr with error_ set when the expression does not compile.
  const LinkFilter* FilterFor(int linktype, int dlt);
  void CloseLibpcap();
  void ClearFilters();

  std::string name_;
  std::string error_;
  int link_type_ = 0;
  pcap* handle_ = nullptr;              // libpcap (file or live); null on our reader's path
  std::unique_ptr<ByteSource> stream_;  // a file's bytes, decompressed (libpcap reads it too)
  std::unique_ptr<PcapngReader> pcapng_;
  std::unique_ptr<PcapFileReader> classic_;   // our classic pcap reader, until it hands over
  std::vector<std::uint8_t> classic_header_;  // the file header it took, for libpcap after it
  bool live_ = false;
  int file_fd_ = -1;  // owned by stream_; -1 when not a regular file
  std::uint64_t file_size_ = 0;
  bool compressed_ = false;
  bool can_reread_ = false;         // pcapng in a file that can be opened again
  std::uint64_t packets_read_ = 0;  // records libpcap handed out, filtered or not
  // Classic pcap files through libpcap: where the next record starts (bytes of the capture as
  // read, decompressed) and how long a record header is (16, or 24 for the modified format).
  bool track_records_ = false;
  std::uint64_t record_offset_ = 0;
  off_t stream_position_ = -1;  // libpcap's stdio position after the last record (-1: unknown)
  std::uint64_t record_header_bytes_ = 16;
  std::uint64_t damaged_records_ = 0;  // skipped or cut records so far
  std::string first_damage_;           // the message for the first of them
  std::string filter_expression_;
  std::vector<LinkFilter> filters_;
  std::size_t last_filter_ = 0;  // index into filters_ of the last one used
  volatile std::sig_atomic_t break_requested_ = 0;
};

}  // namespace tcpflow

#endif  // TCPFLOW_PCAP_SOURCE_H
