// pcap_file_reader.cpp: classic pcap records read in place.
#include "pcap_file_reader.h"

#include <algorithm>
#include <bit>

namespace tcpflow {
namespace {

constexpr std::uint32_t kMicrosMagic = 0xa1b2c3d4;
constexpr std::uint32_t kNanosMagic = 0xa1b23c4d;
constexpr std::uint16_t kVersionMajor = 2;
constexpr std::uint16_t kVersionMinor = 4;
constexpr std::size_t kRecordHeaderBytes = 16;
constexpr std::int64_t kNanosPerMicro = 1000;

// LINKTYPEs whose records libpcap hands out as they are in the file, in either byte order.
constexpr std::array<std::uint32_t, 8> kPlainLinktypes = {
    0,    // NULL (BSD loopback)
    1,    // ETHERNET
    101,  // RAW
    108,  // LOOP
    113,  // LINUX_SLL
    228,  // IPV4
    229,  // IPV6
    276,  // LINUX_SLL2
};

}  // namespace

std::optional<PcapFileHeader> PcapFileReader::ParseHeader(Bytes head) {
  if (head.size() < PcapFileHeader::kBytes) return std::nullopt;
  PcapFileHeader header;
  ByteReader magic(head.first(4));
  const std::uint32_t as_big = magic.Be32();
  ByteReader magic_le(head.first(4));
  const std::uint32_t as_little = magic_le.Le32();
  if (as_big == kMicrosMagic || as_big == kNanosMagic) {
    header.big_endian = true;
    header.nanoseconds = as_big == kNanosMagic;
  } else if (as_little == kMicrosMagic || as_little == kNanosMagic) {
    header.nanoseconds = as_little == kNanosMagic;
  } else {
    return std::nullopt;
  }
  ByteReader reader(head.subspan(4, PcapFileHeader::kBytes - 4));
  const bool big = header.big_endian;
  const std::uint16_t major = big ? reader.Be16() : reader.Le16();
  const std::uint16_t minor = big ? reader.Be16() : reader.Le16();
  reader.Skip(8);  // time zone and accuracy: libpcap ignores them too
  header.snaplen = big ? reader.Be32() : reader.Le32();
  header.linktype = big ? reader.Be32() : reader.Le32();
  if (major != kVersionMajor || minor != kVersionMinor) return std::nullopt;
  if (header.snaplen == 0 || header.snaplen > kMaxSnaplen) return std::nullopt;
  if (std::find(kPlainLinktypes.begin(), kPlainLinktypes.end(), header.linktype) ==
      kPlainLinktypes.end()) {
    return std::nullopt;
  }
  return header;
}

PcapFileReader::PcapFileReader(ByteSource& source, const PcapFileHeader& header)
    : header_(header), in_(source, SourceBuffer::kDefaultChunk, PcapFileHeader::kBytes) {}

std::uint32_t PcapFileReader::Field(Bytes record_header, std::size_t at) const {
  ByteReader reader(record_header.subspan(at, 4));
  return header_.big_endian ? reader.Be32() : reader.Le32();
}

std::int64_t PcapFileReader::Stamp(std::uint32_t field) const {
  // libpcap reads timestamp fields as signed 32-bit numbers (seconds from 2038 on come out
  // negative), but as unsigned ones in a file of the other byte order than this machine's.
  const bool swapped = header_.big_endian != (std::endian::native == std::endian::big);
  return swapped ? std::int64_t{field} : std::int64_t{static_cast<std::int32_t>(field)};
}

bool PcapFileReader::PlausibleCaplen(std::uint32_t caplen) const {
  return caplen != 0 && caplen <= header_.snaplen;
}

PcapFileReader::Status PcapFileReader::Stopped(bool clean_end) {
  if (in_.interrupted()) return Status::kInterrupted;
  if (clean_end) return Status::kEnd;
  handed_over_ = true;
  return Status::kHandOver;
}

PcapFileReader::Status PcapFileReader::Next(PcapRecord* out) {
  if (handed_over_) return Status::kHandOver;
  if (!in_.Ensure(kRecordHeaderBytes)) return Stopped(in_.ended() && in_.available() == 0);
  const std::uint32_t caplen = Field(in_.Peek(0, kRecordHeaderBytes), 8);
  if (!PlausibleCaplen(caplen)) return Stopped(false);
  if (!in_.Ensure(kRecordHeaderBytes + caplen)) return Stopped(false);
  // Ensure may have moved the bytes: the header is looked at again.
  const Bytes record = in_.Peek(0, kRecordHeaderBytes + caplen);
  out->ts.sec = Stamp(Field(record, 0));
  const std::int64_t fraction = Stamp(Field(record, 4));
  out->ts.usec =
      static_cast<std::int32_t>(header_.nanoseconds ? fraction / kNanosPerMicro : fraction);
  out->wire_len = Field(record, 12);
  out->data = record.subspan(kRecordHeaderBytes);
  in_.Consume(kRecordHeaderBytes + caplen);
  return Status::kPacket;
}

Bytes PcapFileReader::Ahead(std::size_t k) const {
  if (handed_over_) return {};
  std::size_t at = 0;
  for (;;) {
    if (in_.available() - at < kRecordHeaderBytes) return {};
    const std::uint32_t caplen = Field(in_.Peek(at, kRecordHeaderBytes), 8);
    if (!PlausibleCaplen(caplen) || in_.available() - at - kRecordHeaderBytes < caplen) return {};
    if (k == 0) return in_.Peek(at + kRecordHeaderBytes, caplen);
    --k;
    at += kRecordHeaderBytes + caplen;
  }
}

}  // namespace tcpflow
