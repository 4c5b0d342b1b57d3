// pcap_writer.cpp: classic pcap files through OutputFs (libpcap savefile format,
// draft-ietf-opsawg-pcap; link types from the LINKTYPE registry).
#include "pcap_writer.h"

#include <algorithm>

namespace tcpflow {
namespace {

constexpr std::uint32_t kMagicMicroseconds = 0xa1b2c3d4;
constexpr std::uint16_t kVersionMajor = 2;
constexpr std::uint16_t kVersionMinor = 4;
constexpr std::size_t kFileHeaderBytes = 24;

void AppendLe32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  const std::uint8_t le[4] = {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8),
                              static_cast<std::uint8_t>(v >> 16),
                              static_cast<std::uint8_t>(v >> 24)};
  out.insert(out.end(), le, le + 4);
}

}  // namespace

void AppendPcapFileHeader(std::vector<std::uint8_t>& out, int link_type) {
  AppendLe32(out, kMagicMicroseconds);
  AppendLe32(out, kVersionMajor | (std::uint32_t{kVersionMinor} << 16));  // two 16-bit fields
  AppendLe32(out, 0);  // thiszone (GMT offset): always 0
  AppendLe32(out, 0);  // sigfigs: always 0
  AppendLe32(out, kPcapWriterSnaplen);
  AppendLe32(out, static_cast<std::uint32_t>(link_type));
}

void AppendPcapRecord(std::vector<std::uint8_t>& out, const Timeval& ts, std::uint32_t wire_len,
                      Bytes data) {
  const std::size_t caplen = std::min<std::size_t>(data.size(), kPcapWriterSnaplen);
  AppendLe32(out, static_cast<std::uint32_t>(ts.sec));  // modulo 2^32
  AppendLe32(out, static_cast<std::uint32_t>(ts.usec));
  AppendLe32(out, static_cast<std::uint32_t>(caplen));
  AppendLe32(out, std::max(wire_len, static_cast<std::uint32_t>(caplen)));
  out.insert(out.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(caplen));
}

std::unique_ptr<PcapFileWriter> PcapFileWriter::Create(OutputFs& fs, const std::string& path,
                                                       int link_type, std::string* error,
                                                       std::size_t buffer_bytes) {
  FileId id = 0;
  if (fs.CreateOrTruncate(path, &id) != OutputFs::CreateStatus::kCreated) {
    *error = fs.error();
    return nullptr;
  }
  return std::unique_ptr<PcapFileWriter>(
      new PcapFileWriter(fs, id, path, link_type, std::max<std::size_t>(1, buffer_bytes)));
}

PcapFileWriter::PcapFileWriter(OutputFs& fs, FileId id, std::string path, int link_type,
                               std::size_t buffer_bytes)
    : fs_(fs), id_(id), path_(std::move(path)), link_type_(link_type), buffer_bytes_(buffer_bytes) {
  buffer_.reserve(kFileHeaderBytes);
  AppendPcapFileHeader(buffer_, link_type);
}

PcapFileWriter::~PcapFileWriter() {
  Close();
}

bool PcapFileWriter::Write(const Timeval& ts, std::uint32_t wire_len, Bytes data) {
  if (failed_) return false;
  if (!open_) {
    error_ = "internal error: write to closed pcap file " + path_;
    return false;
  }
  AppendPcapRecord(buffer_, ts, wire_len, data);
  ++records_;
  return buffer_.size() < buffer_bytes_ || Flush();
}

bool PcapFileWriter::WriteIfLinkType(int link_type, const Timeval& ts, std::uint32_t wire_len,
                                     Bytes data) {
  if (link_type != link_type_) {
    ++skipped_;
    return !failed_;
  }
  return Write(ts, wire_len, data);
}

bool PcapFileWriter::Flush() {
  if (failed_) return false;
  if (buffer_.empty()) return true;
  if (!fs_.WriteAt(id_, file_offset_, buffer_)) {
    failed_ = true;
    error_ = fs_.error();
    return false;
  }
  file_offset_ += buffer_.size();
  buffer_.clear();
  return true;
}

bool PcapFileWriter::Close() {
  if (!open_) return !failed_;
  open_ = false;
  Flush();
  buffer_ = {};  // give the memory back
  if (!fs_.Close(id_, nullptr) && !failed_) {
    failed_ = true;
    error_ = fs_.error();
  }
  return !failed_;
}

}  // namespace tcpflow
