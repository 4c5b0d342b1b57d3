// pcap_read_back.cpp: reading back the classic pcap files tcpflow writes.
#include "pcap_read_back.h"

#include <utility>

#include "byte_reader.h"

namespace tcpflow::testing {

WrittenPcap ReadBackPcap(std::span<const std::uint8_t> bytes) {
  WrittenPcap f;
  ByteReader r(bytes);
  f.magic = r.Le32();
  f.major = r.Le16();
  f.minor = r.Le16();
  f.thiszone = r.Le32();
  f.sigfigs = r.Le32();
  f.snaplen = r.Le32();
  f.link_type = r.Le32();
  if (!r.ok()) return f;
  while (r.remaining() > 0) {
    WrittenRecord rec;
    rec.sec = r.Le32();
    rec.usec = r.Le32();
    const std::uint32_t caplen = r.Le32();
    rec.wire_len = r.Le32();
    const Bytes data = r.Take(caplen);
    if (!r.ok()) return f;
    rec.data.assign(data.begin(), data.end());
    f.records.push_back(std::move(rec));
  }
  f.ok = true;
  return f;
}

}  // namespace tcpflow::testing
