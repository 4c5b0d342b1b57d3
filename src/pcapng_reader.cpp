// pcapng_reader.cpp: pcapng blocks to packets (draft-ietf-opsawg-pcapng: SHB, IDB, EPB, SPB, PB).
#include "pcapng_reader.h"

#include <algorithm>
#include <utility>

namespace tcpflow {
namespace {

constexpr std::uint32_t kSectionHeaderType = 0x0A0D0D0A;
constexpr std::uint32_t kInterfaceType = 0x00000001;
constexpr std::uint32_t kObsoletePacketType = 0x00000002;
constexpr std::uint32_t kSimplePacketType = 0x00000003;
constexpr std::uint32_t kEnhancedPacketType = 0x00000006;

constexpr std::uint32_t kByteOrderMagic = 0x1A2B3C4D;
constexpr std::uint16_t kOptionEnd = 0;
constexpr std::uint16_t kOptionTsresol = 9;
constexpr std::uint16_t kOptionTsoffset = 14;

// Block type, block total length ... trailing block total length.
constexpr std::size_t kBlockHeaderBytes = 8;
constexpr std::size_t kBlockOverheadBytes = 12;
// Fixed parts of the bodies.
constexpr std::size_t kSectionFixedBytes = 16;  // magic, major, minor, section length
constexpr std::size_t kInterfaceFixedBytes = 8;
constexpr std::size_t kEnhancedFixedBytes = 20;
constexpr std::size_t kSimpleFixedBytes = 4;

constexpr std::uint64_t kMicrosPerSec = 1000000;
constexpr std::uint64_t kDefaultUnitsPerSec = kMicrosPerSec;

std::size_t Padded4(std::size_t n) {
  return (n + 3) & ~std::size_t{3};
}

// if_tsresol: bit 7 clear = 10^-n s, set = 2^-n s. 0 when the resolution does not fit 64 bits.
std::uint64_t UnitsPerSecond(std::uint8_t tsresol) {
  const unsigned exponent = tsresol & 0x7f;
  if (tsresol & 0x80) return exponent <= 63 ? std::uint64_t{1} << exponent : 0;
  if (exponent > 19) return 0;
  std::uint64_t units = 1;
  for (unsigned i = 0; i < exponent; ++i) units *= 10;
  return units;
}

std::uint16_t Read16(ByteReader& reader, bool big_endian) {
  return big_endian ? reader.Be16() : reader.Le16();
}

std::uint32_t Read32(ByteReader& reader, bool big_endian) {
  return big_endian ? reader.Be32() : reader.Le32();
}

Timeval ToTimeval(std::uint64_t stamp, std::uint64_t units_per_sec, std::int64_t offset_sec) {
  const std::uint64_t whole = stamp / units_per_sec;
  const std::uint64_t frac = stamp % units_per_sec;
  Timeval tv;
  // Unsigned arithmetic wraps instead of overflowing; absurd stamps stay absurd, not undefined.
  tv.sec = static_cast<std::int64_t>(whole + static_cast<std::uint64_t>(offset_sec));
  tv.usec = static_cast<std::int32_t>(static_cast<unsigned __int128>(frac) * kMicrosPerSec /
                                      units_per_sec);
  return tv;
}

}  // namespace

PcapngReader::PcapngReader(ByteSource& source, std::string name)
    : source_(source), name_(std::move(name)), in_(source) {}

PcapngReader::Status PcapngReader::Next(PcapngPacket* out) {
  for (;;) {
    switch (ReadBlock(out)) {
      case Step::kPacket: return Status::kPacket;
      case Step::kBlock: continue;
      case Step::kEnd: return Status::kEnd;
      case Step::kError: return Status::kError;
    }
  }
}

bool PcapngReader::ReadToFirstInterface() {
  PcapngPacket unused;
  while (first_linktype_ < 0) {
    switch (ReadBlock(&unused)) {
      case Step::kBlock: continue;
      // A packet needs an interface, so none can come first: only kEnd and kError are left.
      case Step::kEnd:
        BadBlock(in_.offset(), "the file has no interface description block");
        return false;
      case Step::kPacket:
      case Step::kError: return false;
    }
  }
  return true;
}

PcapngReader::Step PcapngReader::BadBlock(std::uint64_t at, const std::string& why) {
  if (error_.empty()) {
    error_ = name_ + ": bad pcapng block at offset " + std::to_string(at) + ": " + why;
  }
  return Step::kError;
}

PcapngReader::Step PcapngReader::ReadFailure(std::uint64_t at, const std::string& past_end_why) {
  if (in_.failed()) {
    if (error_.empty()) error_ = name_ + ": " + source_.error();
    return Step::kError;
  }
  return BadBlock(at, past_end_why);
}

PcapngReader::Step PcapngReader::ReadBlock(PcapngPacket* out) {
  if (!error_.empty()) return Step::kError;
  const std::uint64_t at = in_.offset();
  if (!in_.Ensure(kBlockHeaderBytes)) {
    if (!in_.failed() && in_.available() == 0 && in_section_) return Step::kEnd;
    return ReadFailure(at, in_section_ ? "the file ends inside a block header"
                                       : "the file ends before a section header block");
  }
  // A section header's type reads the same in both byte orders; its magic gives the order of
  // everything up to the next one.
  bool big_endian = big_endian_;
  const bool section_header = ByteReader(in_.Peek(0, 4)).Be32() == kSectionHeaderType;
  if (section_header) {
    if (!in_.Ensure(kBlockHeaderBytes + 4)) return ReadFailure(at, "the file ends inside a block");
    if (ByteReader(in_.Peek(kBlockHeaderBytes, 4)).Be32() == kByteOrderMagic) {
      big_endian = true;
    } else if (ByteReader(in_.Peek(kBlockHeaderBytes, 4)).Le32() == kByteOrderMagic) {
      big_endian = false;
    } else {
      return BadBlock(at, "section header block with an unknown byte-order magic");
    }
  } else if (!in_section_) {
    return BadBlock(at, "the file does not start with a section header block");
  }
  ByteReader header(in_.Peek(0, kBlockHeaderBytes));
  const std::uint32_t type = Read32(header, big_endian);
  const std::uint32_t length = Read32(header, big_endian);
  const std::string length_text = "block length " + std::to_string(length);
  if (length < kBlockOverheadBytes) return BadBlock(at, length_text + " is less than 12");
  if (length % 4 != 0) return BadBlock(at, length_text + " is not a multiple of 4");
  const std::string past_end = length_text + " goes past the end of the file";
  const bool interpreted = type == kSectionHeaderType || type == kInterfaceType ||
                           type == kObsoletePacketType || type == kSimplePacketType ||
                           type == kEnhancedPacketType;
  if (!interpreted) {
    if (!in_.Discard(length - 4) || !in_.Ensure(4)) return ReadFailure(at, past_end);
  } else {
    if (length > kMaxBlockLength) {
      return BadBlock(at, length_text + " is above the " + std::to_string(kMaxBlockLength) +
                              " this reader accepts");
    }
    if (!in_.Ensure(length)) return ReadFailure(at, past_end);
  }
  const std::size_t trailer_at = interpreted ? length - 4 : 0;
  ByteReader trailer(in_.Peek(trailer_at, 4));
  const std::uint32_t trailing_length = Read32(trailer, big_endian);
  if (trailing_length != length) {
    return BadBlock(at, "trailing block length " + std::to_string(trailing_length) +
                            " differs from the " + length_text);
  }
  Step step = Step::kBlock;
  if (interpreted) {
    const Bytes body = in_.Peek(kBlockHeaderBytes, length - kBlockOverheadBytes);
    if (type == kSectionHeaderType) {
      step = ParseSectionHeader(body, big_endian, at);
    } else if (type == kInterfaceType) {
      step = ParseInterface(body, at);
    } else {
      step = ParsePacket(type, body, at, out);
    }
  }
  if (step != Step::kError) in_.Consume(interpreted ? length : 4);
  return step;
}

PcapngReader::Step PcapngReader::ParseSectionHeader(Bytes body, bool big_endian, std::uint64_t at) {
  if (body.size() < kSectionFixedBytes) return BadBlock(at, "section header block too short");
  ByteReader reader(body);
  reader.Skip(4);  // the byte-order magic, already checked
  const std::uint16_t major = Read16(reader, big_endian);
  const std::uint16_t minor = Read16(reader, big_endian);
  // The section length (8 bytes, -1 = unknown) is not needed: blocks are read one by one.
  if (major != 1) {
    return BadBlock(
        at, "unsupported pcapng version " + std::to_string(major) + "." + std::to_string(minor));
  }
  big_endian_ = big_endian;
  in_section_ = true;
  interfaces_.clear();
  return Step::kBlock;
}

PcapngReader::Step PcapngReader::ParseInterface(Bytes body, std::uint64_t at) {
  if (body.size() < kInterfaceFixedBytes) {
    return BadBlock(at, "interface description block too short");
  }
  ByteReader reader(body);
  Interface iface{};
  iface.linktype = Read16(reader, big_endian_);
  reader.Skip(2);  // reserved
  iface.snaplen = Read32(reader, big_endian_);
  iface.units_per_sec = kDefaultUnitsPerSec;
  while (reader.remaining() >= 4) {
    const std::uint16_t code = Read16(reader, big_endian_);
    const std::uint16_t length = Read16(reader, big_endian_);
    if (code == kOptionEnd) break;
    ByteReader value(reader.Take(length));
    if (!reader.ok()) {
      return BadBlock(
          at, "interface option " + std::to_string(code) + " runs past the end of the block");
    }
    reader.Skip(std::min(Padded4(length) - length, reader.remaining()));
    if (code == kOptionTsresol && length >= 1) {
      const std::uint8_t tsresol = value.U8();
      iface.units_per_sec = UnitsPerSecond(tsresol);
      if (iface.units_per_sec == 0) {
        return BadBlock(at, "if_tsresol " + std::to_string(tsresol) + " is not supported");
      }
    } else if (code == kOptionTsoffset && length >= 8) {
      const std::uint32_t first = Read32(value, big_endian_);
      const std::uint32_t second = Read32(value, big_endian_);
      const std::uint64_t raw = big_endian_ ? (std::uint64_t{first} << 32) | second
                                            : (std::uint64_t{second} << 32) | first;
      iface.offset_sec = static_cast<std::int64_t>(raw);
    }
  }
  interfaces_.push_back(iface);
  if (first_linktype_ < 0) first_linktype_ = iface.linktype;
  return Step::kBlock;
}

PcapngReader::Step PcapngReader::ParsePacket(std::uint32_t type, Bytes body, std::uint64_t at,
                                             PcapngPacket* out) {
  ByteReader reader(body);
  const Interface* iface = nullptr;
  std::uint64_t stamp = 0;
  std::uint32_t captured = 0;
  std::uint32_t wire_len = 0;
  if (type == kSimplePacketType) {
    if (body.size() < kSimpleFixedBytes) return BadBlock(at, "simple packet block too short");
    if (interfaces_.empty()) {
      return BadBlock(at, "simple packet block before any interface description block");
    }
    iface = &interfaces_[0];
    wire_len = Read32(reader, big_endian_);
    // The captured length is implied: the original length, cut to the snapshot length and to
    // the bytes present.
    captured = wire_len;
    if (iface->snaplen != 0) captured = std::min(captured, iface->snaplen);
    if (captured <= kMaxCaptureLength) {
      captured = static_cast<std::uint32_t>(std::min<std::size_t>(captured, reader.remaining()));
    }
  } else {
    const bool enhanced = type == kEnhancedPacketType;
    if (body.size() < kEnhancedFixedBytes) {
      return BadBlock(at, enhanced ? "enhanced packet block too short" : "packet block too short");
    }
    std::uint32_t interface_id = 0;
    if (enhanced) {
      interface_id = Read32(reader, big_endian_);
    } else {
      interface_id = Read16(reader, big_endian_);
      reader.Skip(2);  // drops count
    }
    const std::uint32_t high = Read32(reader, big_endian_);
    const std::uint32_t low = Read32(reader, big_endian_);
    stamp = (std::uint64_t{high} << 32) | low;
    captured = Read32(reader, big_endian_);
    wire_len = Read32(reader, big_endian_);
    if (interface_id >= interfaces_.size()) {
      return BadBlock(at, "packet on interface " + std::to_string(interface_id) +
                              ", but the section describes " + std::to_string(interfaces_.size()));
    }
    iface = &interfaces_[interface_id];
  }
  const std::string captured_text = "captured length " + std::to_string(captured);
  if (captured > kMaxCaptureLength) {
    return BadBlock(at, captured_text + " is above " + std::to_string(kMaxCaptureLength));
  }
  if (captured > reader.remaining()) {
    return BadBlock(at, captured_text + " goes past the end of the block");
  }
  out->ts = type == kSimplePacketType ? Timeval{}
                                      : ToTimeval(stamp, iface->units_per_sec, iface->offset_sec);
  out->wire_len = wire_len;
  out->linktype = iface->linktype;
  out->data = reader.Take(captured);
  return Step::kPacket;
}

}  // namespace tcpflow
