// pcap_source.h: capture input: files (pcap in both byte orders and resolutions, pcapng with any
// mix of link types), gzip/xz/bzip2/zstd-compressed files, standard input ("-"), live
// interfaces, and BPF filters. The only file that knows libpcap.
//
// Design note: a file's first bytes pick the way it is read. Compressed files (recognised by
// magic bytes, not by name) are decompressed in process and handed on as a stream. libpcap reads
// classic pcap and pcapng through a stdio stream over that; when it refuses a pcapng file whose
// interfaces have different link types, the file is read again from the start by our own
// PcapngReader, skipping the packets already handed out. A pcapng file that cannot be read twice
// (standard input) goes to our reader straight away. The filter applies to every packet: on our
// reader's path it is compiled once per link type seen.
//
// Next() hands out a view of an internal buffer, valid until the following Next(). Timestamps
// come in microseconds (finer ones truncated). Errors are one line that names the file or
// interface.
#ifndef TCPFLOW_PCAP_SOURCE_H
#define TCPFLOW_PCAP_SOURCE_H

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
#include "pcapng_reader.h"

struct pcap;

namespace tcpflow {

struct RawPacket {
  Timeval ts;
  std::uint32_t wire_len = 0;
  int link_type = 0;  // this packet's link type, a DLT as libpcap numbers them
  Bytes data;         // the captured bytes
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
  // Reads the next packet that passes the filter into *out. kError: error() says why (e.g. a
  // truncated file, a broken pcapng block, corrupt compressed data).
  Status Next(RawPacket* out);
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
  Status NextFromLibpcap(RawPacket* out);
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
  bool live_ = false;
  int file_fd_ = -1;  // owned by stream_; -1 when not a regular file
  std::uint64_t file_size_ = 0;
  bool compressed_ = false;
  bool can_reread_ = false;         // pcapng in a file that can be opened again
  std::uint64_t packets_read_ = 0;  // records libpcap handed out, filtered or not
  std::string filter_expression_;
  std::vector<LinkFilter> filters_;
  std::size_t last_filter_ = 0;  // index into filters_ of the last one used
  volatile std::sig_atomic_t break_requested_ = 0;
};

}  // namespace tcpflow

#endif  // TCPFLOW_PCAP_SOURCE_H
