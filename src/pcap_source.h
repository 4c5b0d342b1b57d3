// pcap_source.h: RAII over libpcap: capture files (pcap in both byte orders and resolutions,
// pcapng), standard input ("-"), live interfaces, and BPF filters. The only file that knows
// libpcap.
//
// Design note: Next() hands out a view of libpcap's buffer, valid until the following Next().
// Timestamps come in microseconds (libpcap scales nanosecond files). Errors are one line that
// names the file or interface.
#ifndef TCPFLOW_PCAP_SOURCE_H
#define TCPFLOW_PCAP_SOURCE_H

#include <memory>
#include <string>

#include "byte_reader.h"
#include "config.h"
#include "packet.h"

struct pcap;

namespace tcpflow {

struct RawPacket {
  Timeval ts;
  std::uint32_t wire_len = 0;
  Bytes data;  // the captured bytes
};

class PcapSource {
 public:
  ~PcapSource();
  PcapSource(const PcapSource&) = delete;
  PcapSource& operator=(const PcapSource&) = delete;

  // Opens a capture file ("-" = standard input). On failure returns nullptr and sets *error.
  static std::unique_ptr<PcapSource> OpenFile(const std::string& path, std::string* error);
  // Opens a live interface (empty = the first device libpcap finds).
  static std::unique_ptr<PcapSource> OpenLive(const InputConfig& input, std::string* error);

  // Compiles and installs a BPF filter (optimised, netmask unknown). Empty = no filter.
  bool SetFilter(const std::string& expression, std::string* error);

  enum class Status { kPacket, kTimeout, kEnd, kError };
  // Reads the next packet into *out. kError: error() says why (e.g. a truncated file).
  Status Next(RawPacket* out);
  // Makes a blocking Next() return kEnd soon (safe from a signal handler's flag check path).
  void BreakLoop();

  int link_type() const { return link_type_; }
  const std::string& name() const { return name_; }
  const std::string& error() const { return error_; }

 private:
  PcapSource(pcap* handle, std::string name);
  pcap* handle_;
  std::string name_;
  int link_type_;
  std::string error_;
};

}  // namespace tcpflow

#endif  // TCPFLOW_PCAP_SOURCE_H
