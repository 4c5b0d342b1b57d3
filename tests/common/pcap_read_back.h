// pcap_read_back.h: reads back, for tests, the classic pcap files tcpflow writes (-w, -K).
// Reference: the pcap file format (draft-ietf-opsawg-pcap). Little-endian files only, as written
// on the hosts the tests run on.
//
// Design note: deliberately independent of src/pcap_file_reader, so that the writers are checked
// against a second reading of the format rather than against themselves.
#ifndef TCPFLOW_TESTS_COMMON_PCAP_READ_BACK_H
#define TCPFLOW_TESTS_COMMON_PCAP_READ_BACK_H

#include <cstdint>
#include <span>
#include <vector>

namespace tcpflow::testing {

struct WrittenRecord {
  std::uint32_t sec = 0;
  std::uint32_t usec = 0;  // microseconds, or nanoseconds with a nanosecond magic
  std::uint32_t wire_len = 0;
  std::vector<std::uint8_t> data;  // the captured bytes (caplen of them)
};

struct WrittenPcap {
  std::uint32_t magic = 0;
  std::uint16_t major = 0;
  std::uint16_t minor = 0;
  std::uint32_t thiszone = 0;
  std::uint32_t sigfigs = 0;
  std::uint32_t snaplen = 0;
  std::uint32_t link_type = 0;
  std::vector<WrittenRecord> records;  // the whole records read, in file order
  bool ok = false;                     // the bytes were exactly a header and whole records
};

// The header and records of `bytes`; any magic is accepted (the caller checks it).
WrittenPcap ReadBackPcap(std::span<const std::uint8_t> bytes);

}  // namespace tcpflow::testing

#endif  // TCPFLOW_TESTS_COMMON_PCAP_READ_BACK_H
