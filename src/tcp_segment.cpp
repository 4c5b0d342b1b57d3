// tcp_segment.cpp: TCP header decoding (RFC 9293 section 3.1); options are skipped, not parsed.
#include "tcp_segment.h"

namespace tcpflow {
namespace {

constexpr std::size_t kTcpMinHeaderSize = 20;
constexpr std::uint8_t kTcpMinDataOffset = 5;
constexpr std::uint8_t kTcpFlagMask = 0x3f;  // URG ACK PSH RST SYN FIN

bool Fail(Anomaly a, AnomalyCounters& anomalies) {
  anomalies.Count(a);
  return false;
}

}  // namespace

bool DecodeTcp(Bytes segment, TcpLayer& out, AnomalyCounters& anomalies) {
  out = TcpLayer{};
  ByteReader reader(segment);
  if (!reader.Has(kTcpMinHeaderSize)) return Fail(Anomaly::kTruncatedTcpHeader, anomalies);
  out.src_port = reader.Be16();
  out.dst_port = reader.Be16();
  out.seq = reader.Be32();
  out.ack = reader.Be32();
  const std::uint8_t data_offset = reader.U8() >> 4;
  out.flags = reader.U8() & kTcpFlagMask;
  out.window = reader.Be16();
  reader.Skip(4);  // checksum (not checked), urgent pointer

  if (data_offset < kTcpMinDataOffset) return Fail(Anomaly::kBadTcpDataOffset, anomalies);
  const std::size_t header_size = std::size_t{data_offset} * 4;
  if (header_size > segment.size()) return Fail(Anomaly::kTruncatedTcpHeader, anomalies);
  reader.Skip(header_size - kTcpMinHeaderSize);  // options
  out.payload = reader.Rest();
  return true;
}

}  // namespace tcpflow
