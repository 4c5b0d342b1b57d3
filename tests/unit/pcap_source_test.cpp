// pcap_source_test.cpp: tests for capture input (pcap file format, draft-ietf-opsawg-pcapng, the
// LINKTYPE registry; RFC 1952 gzip, xz, bzip2, RFC 8878 zstd): classic pcap, pcapng with mixed
// link types through our reader, broken blocks, compressed files, BPF filters.
#include "pcap_source.h"

#include <gtest/gtest.h>
#include <pcap/pcap.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "build_config.h"
#include "common/pcap_builder.h"
#include "common/temp_dir.h"
#include "common/zlib_compress.h"
#include "decompress.h"
#ifdef HAVE_LZMA
#include <lzma.h>
#endif
#ifdef HAVE_BZ2
#include <bzlib.h>
#endif
#ifdef HAVE_ZSTD
#include <zstd.h>
#endif

namespace tcpflow {
namespace {

using testing::ByteVec;
using testing::Deflate;
using testing::kGzipWindowBits;
using testing::TempDir;

constexpr int kDltNull = 0;
constexpr int kDltEthernet = 1;
constexpr int kDltRaw = 12;  // LINKTYPE_RAW (101) as libpcap reports it on Linux
constexpr std::uint16_t kLinktypeRaw = 101;
constexpr std::int64_t kT0 = 1600000000;

// ------------------------------------------------------------------------------------ helpers

// Writes `bytes` to `name` inside `dir` and returns the file's path.
std::string WriteIn(const TempDir& dir, const std::string& name, const ByteVec& bytes) {
  const std::string path = dir / name;
  EXPECT_TRUE(testing::WriteFileBytes(path, bytes)) << path;
  return path;
}

struct Packet {
  Timeval ts;
  std::uint32_t wire_len;
  int link_type;
  ByteVec data;
};

struct ReadResult {
  std::string open_error;  // set when OpenFile or SetFilter failed
  int link_type = -1;
  std::vector<Packet> packets;
  PcapSource::Status last = PcapSource::Status::kEnd;
  std::string error;  // the source's error() after kError
};

ReadResult ReadAll(const std::string& path, const std::string& filter = "") {
  ReadResult result;
  std::unique_ptr<PcapSource> source = PcapSource::OpenFile(path, &result.open_error);
  if (source == nullptr) return result;
  if (!source->SetFilter(filter, &result.open_error)) return result;
  result.link_type = source->link_type();
  RawPacket raw;
  for (;;) {
    result.last = source->Next(&raw);
    if (result.last != PcapSource::Status::kPacket) break;
    result.packets.push_back(
        {raw.ts, raw.wire_len, raw.link_type, ByteVec(raw.data.begin(), raw.data.end())});
  }
  if (result.last == PcapSource::Status::kError) result.error = source->error();
  return result;
}

// A TCP/IPv4 packet with a payload that names it, so every frame is different.
ByteVec TcpPacket(std::uint16_t sport, std::uint16_t dport, const std::string& payload) {
  testing::IpSpec ip;
  ip.src = "10.0.0.1";
  ip.dst = "10.0.0.2";
  testing::TcpSpec tcp;
  tcp.sport = sport;
  tcp.dport = dport;
  tcp.seq = 1;
  tcp.flags = testing::kAck | testing::kPsh;
  tcp.payload = testing::ToBytes(payload);
  return testing::BuildTcp(ip, tcp);
}

ByteVec UdpPacket(std::uint16_t sport, std::uint16_t dport) {
  testing::IpSpec ip;
  ip.src = "10.0.0.1";
  ip.dst = "10.0.0.2";
  return testing::BuildUdp(ip, sport, dport, testing::ToBytes("udp"));
}

ByteVec EthFrame(const ByteVec& ip) {
  return testing::Ethernet(testing::EthSpec{}, ip);
}
ByteVec NullFrame(const ByteVec& ip) {
  return testing::NullLink(ip, 2, false);
}

// pcapng written block by block, with every field under the test's control (the shared builder
// cannot make power-of-two resolutions, offsets, SPB/PB blocks, several sections or broken
// blocks).
class NgFile {
 public:
  // Starts a section in this byte order.
  void Section(bool big_endian, std::uint16_t major = 1) {
    big_endian_ = big_endian;
    ByteVec body;
    Put32(body, 0x1A2B3C4D);
    Put16(body, major);
    Put16(body, 0);
    Put32(body, 0xffffffff);  // section length -1 (unknown)
    Put32(body, 0xffffffff);
    Block(0x0A0D0D0A, body);
  }
  // An IDB; tsresol/tsoffset are written as options when given.
  void Interface(std::uint16_t linktype, std::optional<std::uint8_t> tsresol = {},
                 std::optional<std::int64_t> tsoffset = {}, std::uint32_t snaplen = 262144) {
    ByteVec body;
    Put16(body, linktype);
    Put16(body, 0);
    Put32(body, snaplen);
    PutOption(body, 2, testing::ToBytes("eth0"));  // if_name, to be skipped
    if (tsresol) PutOption(body, 9, ByteVec{*tsresol});
    if (tsoffset) {
      ByteVec value;
      const auto raw = static_cast<std::uint64_t>(*tsoffset);
      if (big_endian_) {
        Put32(value, static_cast<std::uint32_t>(raw >> 32));
        Put32(value, static_cast<std::uint32_t>(raw));
      } else {
        Put32(value, static_cast<std::uint32_t>(raw));
        Put32(value, static_cast<std::uint32_t>(raw >> 32));
      }
      PutOption(body, 14, value);
    }
    Put32(body, 0);  // opt_endofopt
    Block(1, body);
  }
  // An EPB; `stamp` is in the interface's units.
  void Enhanced(std::uint32_t interface_id, std::uint64_t stamp, const ByteVec& data,
                std::optional<std::uint32_t> caplen_field = {}) {
    ByteVec body;
    Put32(body, interface_id);
    Put32(body, static_cast<std::uint32_t>(stamp >> 32));
    Put32(body, static_cast<std::uint32_t>(stamp));
    Put32(body, caplen_field.value_or(static_cast<std::uint32_t>(data.size())));
    Put32(body, static_cast<std::uint32_t>(data.size()));
    PutPadded(body, data);
    Block(6, body);
  }
  void Simple(const ByteVec& data, std::uint32_t wire_len) {
    ByteVec body;
    Put32(body, wire_len);
    PutPadded(body, data);
    Block(3, body);
  }
  // The obsolete Packet Block (type 2).
  void Obsolete(std::uint16_t interface_id, std::uint64_t stamp, const ByteVec& data) {
    ByteVec body;
    Put16(body, interface_id);
    Put16(body, 0);  // drops
    Put32(body, static_cast<std::uint32_t>(stamp >> 32));
    Put32(body, static_cast<std::uint32_t>(stamp));
    Put32(body, static_cast<std::uint32_t>(data.size()));
    Put32(body, static_cast<std::uint32_t>(data.size()));
    PutPadded(body, data);
    Block(2, body);
  }
  // Any block with correct lengths.
  void Block(std::uint32_t type, const ByteVec& body) {
    const auto length = static_cast<std::uint32_t>(body.size() + 12);
    RawBlock(type, length, body, length);
  }
  // A block whose length fields are written exactly as given.
  void RawBlock(std::uint32_t type, std::uint32_t length, const ByteVec& body,
                std::uint32_t trailing_length) {
    Put32(bytes_, type);
    Put32(bytes_, length);
    bytes_.insert(bytes_.end(), body.begin(), body.end());
    Put32(bytes_, trailing_length);
  }
  void Append(const ByteVec& raw) { bytes_.insert(bytes_.end(), raw.begin(), raw.end()); }

  const ByteVec& bytes() const { return bytes_; }
  std::size_t size() const { return bytes_.size(); }

 private:
  void Put16(ByteVec& out, std::uint16_t v) const {
    if (big_endian_) {
      out.insert(out.end(), {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)});
    } else {
      out.insert(out.end(), {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8)});
    }
  }
  void Put32(ByteVec& out, std::uint32_t v) const {
    if (big_endian_) {
      Put16(out, static_cast<std::uint16_t>(v >> 16));
      Put16(out, static_cast<std::uint16_t>(v));
    } else {
      Put16(out, static_cast<std::uint16_t>(v));
      Put16(out, static_cast<std::uint16_t>(v >> 16));
    }
  }
  static void PutPadded(ByteVec& out, const ByteVec& data) {
    out.insert(out.end(), data.begin(), data.end());
    out.resize((out.size() + 3) & ~std::size_t{3}, 0);
  }
  void PutOption(ByteVec& out, std::uint16_t code, const ByteVec& value) const {
    Put16(out, code);
    Put16(out, static_cast<std::uint16_t>(value.size()));
    PutPadded(out, value);
  }

  bool big_endian_ = false;
  ByteVec bytes_;
};

// The mixed file most tests use: Ethernet (ns), RAW (us, tsoffset +100 s) and NULL (default us)
// interfaces, then one TCP packet on each, twice round. Packet i is at kT0 + i seconds plus
// (i + 1) * 1000 microseconds (written with the extra nanoseconds 123 on Ethernet).
NgFile MixedFile() {
  NgFile f;
  f.Section(false);
  f.Interface(1, 9);
  f.Interface(kLinktypeRaw, 6, 100);
  f.Interface(0);
  for (std::uint32_t i = 0; i < 6; ++i) {
    const ByteVec ip = TcpPacket(static_cast<std::uint16_t>(1000 + i), 80, "p" + std::to_string(i));
    const std::uint64_t usec = (i + 1) * 1000;
    switch (i % 3) {
      case 0: f.Enhanced(0, (kT0 + i) * 1000000000ull + usec * 1000 + 123, EthFrame(ip)); break;
      case 1: f.Enhanced(1, (kT0 + i - 100) * 1000000ull + usec, ip); break;
      case 2: f.Enhanced(2, (kT0 + i) * 1000000ull + usec, NullFrame(ip)); break;
    }
  }
  return f;
}

void ExpectMixedPackets(const ReadResult& r, std::size_t count = 6) {
  ASSERT_EQ(r.packets.size(), count) << r.open_error << r.error;
  const int dlts[] = {kDltEthernet, kDltRaw, kDltNull};
  for (std::size_t i = 0; i < count; ++i) {
    const Packet& p = r.packets[i];
    EXPECT_EQ(p.link_type, dlts[i % 3]) << i;
    EXPECT_EQ(p.ts.sec, kT0 + static_cast<std::int64_t>(i)) << i;
    EXPECT_EQ(p.ts.usec, static_cast<std::int32_t>((i + 1) * 1000)) << i;
    const ByteVec ip = TcpPacket(static_cast<std::uint16_t>(1000 + i), 80, "p" + std::to_string(i));
    const ByteVec expected = i % 3 == 0 ? EthFrame(ip) : i % 3 == 1 ? ip : NullFrame(ip);
    EXPECT_EQ(p.data, expected) << i;
    EXPECT_EQ(p.wire_len, expected.size()) << i;
  }
}

// gzip of `data`; with flush_at > 0 only the first flush_at bytes, then a full flush: the
// stream stops byte-aligned there.
ByteVec Gzip(const ByteVec& data, std::size_t flush_at = 0) {
  return Deflate(data, {kGzipWindowBits, 6, 8}, flush_at).value();
}

// Compresses with the library for `kind`; nullopt when this build lacks it.
std::optional<ByteVec> Compress(Compression kind, const ByteVec& data) {
  switch (kind) {
    case Compression::kNone: return data;
    case Compression::kGzip: return Gzip(data);
    case Compression::kXz: {
#ifdef HAVE_LZMA
      ByteVec out(lzma_stream_buffer_bound(data.size()));
      std::size_t pos = 0;
      EXPECT_EQ(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, nullptr, data.data(), data.size(),
                                        out.data(), &pos, out.size()),
                LZMA_OK);
      out.resize(pos);
      return out;
#else
      return std::nullopt;
#endif
    }
    case Compression::kBzip2: {
#ifdef HAVE_BZ2
      ByteVec in = data;
      ByteVec out(data.size() + data.size() / 100 + 700);
      auto out_len = static_cast<unsigned>(out.size());
      EXPECT_EQ(BZ2_bzBuffToBuffCompress(reinterpret_cast<char*>(out.data()), &out_len,
                                         reinterpret_cast<char*>(in.data()),
                                         static_cast<unsigned>(in.size()), 9, 0, 0),
                BZ_OK);
      out.resize(out_len);
      return out;
#else
      return std::nullopt;
#endif
    }
    case Compression::kZstd: {
#ifdef HAVE_ZSTD
      ByteVec out(ZSTD_compressBound(data.size()));
      const std::size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
      EXPECT_FALSE(ZSTD_isError(n));
      out.resize(n);
      return out;
#else
      return std::nullopt;
#endif
    }
  }
  return std::nullopt;
}

// A classic pcap with `n` Ethernet TCP packets, 1 s apart.
testing::PcapWriter ClassicPcap(int n, testing::PcapOptions opts = {}) {
  testing::PcapWriter w(opts);
  for (int i = 0; i < n; ++i) {
    const ByteVec frame = EthFrame(TcpPacket(static_cast<std::uint16_t>(2000 + i), 80, "x"));
    w.Add(kT0 + i, opts.nanosecond ? 123456789u : 123456u, frame);
  }
  return w;
}

std::string OffsetText(std::size_t offset) {
  return ": bad pcapng block at offset " + std::to_string(offset) + ": ";
}

std::string RecordText(std::size_t offset) {
  return ": bad pcap record at offset " + std::to_string(offset) + ": ";
}

// A classic pcap built by hand, also in the modified format (magic a1b2cd34, 24-byte record
// headers) that testing::PcapWriter does not write.
class ClassicFile {
 public:
  ClassicFile(const testing::PcapOptions& opts, bool modified)
      : big_endian_(opts.big_endian), modified_(modified) {
    Put32(modified ? 0xa1b2cd34u : opts.nanosecond ? 0xa1b23c4du : 0xa1b2c3d4u);
    Put16(2);
    Put16(4);
    Put32(0);
    Put32(0);
    Put32(opts.snaplen);
    Put32(opts.linktype);
  }
  // A record whose caplen field is `caplen_field`, followed by `data`.
  void Record(std::uint32_t caplen_field, const ByteVec& data) {
    Put32(static_cast<std::uint32_t>(kT0 + records_++));
    Put32(0);
    Put32(caplen_field);
    Put32(static_cast<std::uint32_t>(data.size()));
    if (modified_) {
      Put32(2);  // interface index
      Put16(0x0800);
      bytes_.push_back(0);  // packet type
      bytes_.push_back(0);  // padding
    }
    bytes_.insert(bytes_.end(), data.begin(), data.end());
  }
  void Cut(std::size_t size) { bytes_.resize(size); }
  const ByteVec& bytes() const { return bytes_; }
  std::size_t size() const { return bytes_.size(); }

 private:
  void Put16(std::uint16_t v) {
    for (int i = 0; i < 2; ++i) {
      bytes_.push_back(static_cast<std::uint8_t>(v >> (big_endian_ ? 8 - 8 * i : 8 * i)));
    }
  }
  void Put32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) {
      bytes_.push_back(static_cast<std::uint8_t>(v >> (big_endian_ ? 24 - 8 * i : 8 * i)));
    }
  }

  bool big_endian_;
  bool modified_;
  int records_ = 0;
  ByteVec bytes_;
};

// ------------------------------------------------------------------------------ classic pcap

TEST(PcapSourceTest, ClassicPcapInBothByteOrdersAndResolutions) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  for (bool big_endian : {false, true}) {
    for (bool nanosecond : {false, true}) {
      testing::PcapOptions opts;
      opts.big_endian = big_endian;
      opts.nanosecond = nanosecond;
      const testing::PcapWriter w = ClassicPcap(3, opts);
      const ReadResult r = ReadAll(WriteIn(dir, "c.pcap", w.bytes()));
      SCOPED_TRACE(std::string(big_endian ? "big" : "little") + (nanosecond ? " ns" : " us"));
      ASSERT_EQ(r.packets.size(), 3u) << r.open_error << r.error;
      EXPECT_EQ(r.last, PcapSource::Status::kEnd);
      EXPECT_EQ(r.link_type, kDltEthernet);
      for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(r.packets[i].ts.sec, kT0 + i);
        EXPECT_EQ(r.packets[i].ts.usec, 123456);  // nanoseconds truncated
        EXPECT_EQ(r.packets[i].link_type, kDltEthernet);
        EXPECT_EQ(r.packets[i].data,
                  EthFrame(TcpPacket(static_cast<std::uint16_t>(2000 + i), 80, "x")));
      }
    }
  }
}

TEST(PcapSourceTest, ClassicPcapLinkTypeIsOnEveryPacket) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  testing::PcapWriter w({.linktype = kLinktypeRaw});
  w.Add(kT0, 5, TcpPacket(1, 2, "raw"));
  const ReadResult r = ReadAll(WriteIn(dir, "raw.pcap", w.bytes()));
  ASSERT_EQ(r.packets.size(), 1u) << r.open_error << r.error;
  EXPECT_EQ(r.link_type, kDltRaw);
  EXPECT_EQ(r.packets[0].link_type, kDltRaw);
}

TEST(PcapSourceTest, PlainPcapErrorsNameTheRecordOffset) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  // A record cut short.
  testing::PcapWriter w = ClassicPcap(2);
  ByteVec cut = w.bytes();
  cut.resize(cut.size() - 10);
  const std::string truncated = WriteIn(dir, "t.pcap", cut);
  ReadResult r = ReadAll(truncated);
  EXPECT_EQ(r.packets.size(), 1u);
  EXPECT_EQ(r.last, PcapSource::Status::kError);
  const std::size_t frame_size = w.bytes().size() - w.record_offsets()[1] - 16;
  EXPECT_EQ(r.error, truncated + RecordText(w.record_offsets()[1]) +
                         "truncated dump file; tried to read " + std::to_string(frame_size) +
                         " captured bytes, only got " + std::to_string(frame_size - 10));

  // An absurd captured length.
  testing::PcapWriter bad = ClassicPcap(1);
  bad.AddRawRecord(kT0, 0, 3925868813u, 60, ByteVec(60, 0));
  const std::string caplen = WriteIn(dir, "caplen.pcap", bad.bytes());
  r = ReadAll(caplen);
  EXPECT_EQ(r.packets.size(), 1u);
  EXPECT_EQ(r.error, caplen + RecordText(bad.record_offsets()[1]) +
                         "invalid packet capture length 3925868813, bigger than snaplen of "
                         "262144");

  r = ReadAll(WriteIn(dir, "junk.pcap", testing::ToBytes("this is not a capture file")));
  EXPECT_EQ(r.open_error, (dir / "junk.pcap") + ": unknown file format");
  r = ReadAll(dir / "missing.pcap");
  EXPECT_EQ(r.open_error, (dir / "missing.pcap") + ": No such file or directory");
  const std::string sub = dir / "sub";
  ASSERT_EQ(::mkdir(sub.c_str(), 0700), 0);
  r = ReadAll(sub);
  EXPECT_EQ(r.open_error, sub + ": error reading dump file: Is a directory");
}

// The same damage after three good records, in every classic variant libpcap reads (both byte
// orders, both resolutions, the modified format's 24-byte record headers) and compressed: the
// offset is that of the bad record in the capture as read.
TEST(PcapSourceTest, BadRecordOffsetsInEveryClassicVariant) {
  struct Variant {
    const char* name;
    testing::PcapOptions opts;
    bool modified;
    bool gzip;
  };
  const Variant variants[] = {
      {"little-endian us", {}, false, false},
      {"big-endian", {.big_endian = true}, false, false},
      {"nanosecond", {.nanosecond = true}, false, false},
      {"big-endian ns", {.big_endian = true, .nanosecond = true}, false, false},
      {"modified", {}, true, false},
      {"gzip big-endian", {.big_endian = true}, false, true},
      {"gzip modified", {}, true, true},
  };
  struct Damage {
    const char* name;
    std::uint32_t caplen_field;  // of the 4th record
    std::size_t keep;            // bytes of the 4th record kept (0 = all)
    const char* why;
  };
  const Damage damages[] = {
      {"cut in the data", 60, 30,
       "truncated dump file; tried to read 60 captured bytes, only got "},
      {"cut in the header", 60, 5, "truncated dump file; tried to read "},
      // (libpcap adds 14 to the snapshot length of a modified-format Ethernet file.)
      {"caplen above 256 KiB", 300000, 0, "invalid packet capture length 300000, bigger than "},
  };
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  for (const Variant& v : variants) {
    for (const Damage& d : damages) {
      SCOPED_TRACE(std::string(v.name) + ", " + d.name);
      ClassicFile f(v.opts, v.modified);
      for (int i = 0; i < 3; ++i) {
        const ByteVec frame = EthFrame(TcpPacket(static_cast<std::uint16_t>(2000 + i), 80, "x"));
        f.Record(frame.size(), frame);
      }
      const std::size_t bad_at = f.size();
      f.Record(d.caplen_field, ByteVec(60, 0x42));
      if (d.keep > 0) f.Cut(bad_at + d.keep);
      const std::string path = WriteIn(dir, "v.pcap", v.gzip ? Gzip(f.bytes()) : f.bytes());
      const ReadResult r = ReadAll(path);
      ASSERT_EQ(r.packets.size(), 3u) << r.open_error << r.error;
      EXPECT_EQ(r.packets[2].data, EthFrame(TcpPacket(2002, 80, "x")));
      EXPECT_EQ(r.last, PcapSource::Status::kError);
      const std::string expected = path + RecordText(bad_at) + d.why;
      EXPECT_EQ(r.error.substr(0, expected.size()), expected) << r.error;
    }
  }
}

// Our classic reader hands out what libpcap hands out for the same file, field by field,
// including timestamps past 2038 and fractions out of range, in every variant it takes.
TEST(PcapSourceTest, ClassicReaderAgreesWithLibpcap) {
  struct Stamp {
    std::uint32_t sec;
    std::uint32_t frac;
  };
  const Stamp stamps[] = {{0, 0},
                          {1600000000, 999999},
                          {0x7fffffff, 1000000},
                          {0x80000000, 5},
                          {0xffffffff, 999999999},
                          {12, 0x80000000},
                          {13, 0xffffffff},
                          {14, 1000}};
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  for (const std::uint32_t linktype : {1u, 101u, 0u, 276u}) {
    for (const bool big_endian : {false, true}) {
      for (const bool nanosecond : {false, true}) {
        SCOPED_TRACE(std::to_string(linktype) + (big_endian ? " big" : " little") +
                     (nanosecond ? " ns" : " us"));
        testing::PcapWriter w({.linktype = linktype,
                               .big_endian = big_endian,
                               .nanosecond = nanosecond,
                               .snaplen = 65535});
        std::uint32_t size = 1;
        for (const Stamp& stamp : stamps) {
          w.AddRawRecord(stamp.sec, stamp.frac, size, size * 3, ByteVec(size, 0x5a));
          size = size * 7 % 65535 + 1;
        }
        const std::string path = WriteIn(dir, "same.pcap", w.bytes());
        const ReadResult ours = ReadAll(path);
        ASSERT_EQ(ours.last, PcapSource::Status::kEnd) << ours.open_error << ours.error;
        char errbuf[PCAP_ERRBUF_SIZE] = {};
        pcap_t* handle = pcap_open_offline_with_tstamp_precision(
            path.c_str(), PCAP_TSTAMP_PRECISION_MICRO, errbuf);
        ASSERT_NE(handle, nullptr) << errbuf;
        EXPECT_EQ(ours.link_type, pcap_datalink(handle));
        std::size_t i = 0;
        pcap_pkthdr* header = nullptr;
        const u_char* data = nullptr;
        while (pcap_next_ex(handle, &header, &data) == 1) {
          ASSERT_LT(i, ours.packets.size());
          const Packet& p = ours.packets[i++];
          EXPECT_EQ(p.ts.sec, static_cast<std::int64_t>(header->ts.tv_sec)) << i;
          EXPECT_EQ(p.ts.usec, static_cast<std::int32_t>(header->ts.tv_usec)) << i;
          EXPECT_EQ(p.wire_len, header->len);
          EXPECT_EQ(p.data, ByteVec(data, data + header->caplen));
          EXPECT_EQ(p.link_type, pcap_datalink(handle));
        }
        pcap_close(handle);
        EXPECT_EQ(i, ours.packets.size());
        EXPECT_EQ(i, std::size(stamps));
      }
    }
  }
}

// A zero-length record is skipped and the file read on; the end of the file then fails once,
// naming the first such record and counting the others.
TEST(PcapSourceTest, ZeroLengthRecordsAreSkippedThenReported) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  for (const bool big_endian : {false, true}) {
    SCOPED_TRACE(big_endian ? "big-endian" : "little-endian");
    testing::PcapWriter w({.big_endian = big_endian});
    w.Add(kT0, 0, EthFrame(TcpPacket(1, 80, "one")));
    w.AddRawRecord(kT0 + 1, 0, 0, 60, {});
    w.Add(kT0 + 2, 0, EthFrame(TcpPacket(2, 80, "two")));
    w.AddRawRecord(kT0 + 3, 0, 0, 0, {});
    w.AddRawRecord(kT0 + 4, 0, 0, 0, {});
    w.Add(kT0 + 5, 0, EthFrame(TcpPacket(3, 80, "three")));
    const std::string path = WriteIn(dir, "zero.pcap", w.bytes());
    const ReadResult r = ReadAll(path);
    ASSERT_EQ(r.packets.size(), 3u) << r.open_error << r.error;
    EXPECT_EQ(r.packets[1].data, EthFrame(TcpPacket(2, 80, "two")));
    EXPECT_EQ(r.packets[2].data, EthFrame(TcpPacket(3, 80, "three")));
    EXPECT_EQ(r.last, PcapSource::Status::kError);
    EXPECT_EQ(r.error, path + ": zero-length record at offset " +
                           std::to_string(w.record_offsets()[1]) +
                           " skipped (and 2 more damaged records after it)");
  }
  // Filtered-out packets do not hide one.
  testing::PcapWriter one;
  one.AddRawRecord(kT0, 0, 0, 60, {});
  one.Add(kT0 + 1, 0, EthFrame(TcpPacket(1, 80, "one")));
  const std::string path = WriteIn(dir, "one.pcap", one.bytes());
  const ReadResult r = ReadAll(path, "port 9");
  EXPECT_TRUE(r.packets.empty());
  EXPECT_EQ(r.error, path + ": zero-length record at offset 24 skipped");
}

// A record longer than the file's snapshot length (but within 256 KiB) comes out cut to it,
// as libpcap hands it; the records after it are read; the end of the file reports it.
TEST(PcapSourceTest, RecordAboveTheSnapshotLengthIsCutThenReported) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  testing::PcapWriter w({.snaplen = 100});
  w.Add(kT0, 0, EthFrame(TcpPacket(1, 80, "one")));
  const ByteVec big = EthFrame(TcpPacket(2, 80, std::string(100, 'b')));
  w.AddRawRecord(kT0 + 1, 0, static_cast<std::uint32_t>(big.size()),
                 static_cast<std::uint32_t>(big.size()), big);
  w.Add(kT0 + 2, 0, EthFrame(TcpPacket(3, 80, "three")));
  const std::string path = WriteIn(dir, "big.pcap", w.bytes());
  const ReadResult r = ReadAll(path);
  ASSERT_EQ(r.packets.size(), 3u) << r.open_error << r.error;
  EXPECT_EQ(r.packets[1].data, ByteVec(big.begin(), big.begin() + 100));
  EXPECT_EQ(r.packets[2].data, EthFrame(TcpPacket(3, 80, "three")));
  EXPECT_EQ(r.last, PcapSource::Status::kError);
  EXPECT_EQ(r.error, path + ": record at offset " + std::to_string(w.record_offsets()[1]) +
                         " has " + std::to_string(big.size()) +
                         " captured bytes, more than the snapshot length 100; the rest was "
                         "dropped");
}

// ------------------------------------------------------------------------------------ pcapng

TEST(PcapSourceTest, PcapngWithOneLinkType) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  testing::PcapngWriter w;
  const std::uint32_t eth = w.AddInterface(1, 262144, 9);
  w.Add(eth, kT0, 999999999, EthFrame(TcpPacket(1, 2, "a")));
  w.Add(eth, kT0 + 1, 1000, EthFrame(TcpPacket(1, 2, "b")));
  const ReadResult r = ReadAll(WriteIn(dir, "one.pcapng", w.bytes()));
  ASSERT_EQ(r.packets.size(), 2u) << r.open_error << r.error;
  EXPECT_EQ(r.link_type, kDltEthernet);
  EXPECT_EQ(r.packets[0].ts.usec, 999999);
  EXPECT_EQ(r.packets[1].ts.sec, kT0 + 1);
  EXPECT_EQ(r.packets[1].ts.usec, 1);
  EXPECT_EQ(r.packets[1].link_type, kDltEthernet);
}

TEST(PcapSourceTest, MixedPcapngGivesEachPacketItsLinkTypeAndTime) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  const ReadResult r = ReadAll(WriteIn(dir, "mixed.pcapng", MixedFile().bytes()));
  EXPECT_EQ(r.last, PcapSource::Status::kEnd) << r.error;
  EXPECT_EQ(r.link_type, kDltEthernet);  // the first interface's
  ExpectMixedPackets(r);
}

TEST(PcapSourceTest, SecondLinkTypeAfterPacketsIsReadWithoutRepeats) {
  // libpcap reads the Ethernet packets, then refuses the RAW interface: the file is read again
  // by our reader, which must skip exactly what was already delivered.
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  NgFile f;
  f.Section(false);
  f.Interface(1);
  for (std::uint32_t i = 0; i < 3; ++i) {
    f.Enhanced(0, (kT0 + i) * 1000000ull, EthFrame(TcpPacket(1, 2, "e" + std::to_string(i))));
  }
  f.Interface(kLinktypeRaw);
  f.Enhanced(1, (kT0 + 3) * 1000000ull, TcpPacket(1, 2, "r"));
  f.Enhanced(0, (kT0 + 4) * 1000000ull, EthFrame(TcpPacket(1, 2, "e4")));
  const ReadResult r = ReadAll(WriteIn(dir, "late.pcapng", f.bytes()));
  ASSERT_EQ(r.packets.size(), 5u) << r.error;
  EXPECT_EQ(r.last, PcapSource::Status::kEnd);
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(r.packets[i].ts.sec, kT0 + static_cast<int>(i));
  EXPECT_EQ(r.packets[3].link_type, kDltRaw);
  EXPECT_EQ(r.packets[3].data, TcpPacket(1, 2, "r"));
  EXPECT_EQ(r.packets[4].link_type, kDltEthernet);
}

TEST(PcapSourceTest, TimestampResolutionsAgreeWithLibpcap) {
  // 2^-10 s units: 512 = 0.5 s, 1023 = 0.999023.. s (truncated). The single-link-type file is
  // read by libpcap, the same packets after a second link type by our reader.
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  for (bool mixed : {false, true}) {
    NgFile f;
    f.Section(false);
    f.Interface(1, 0x80 | 10);
    if (mixed) f.Interface(0);
    f.Enhanced(0, kT0 * 1024ull + 512, EthFrame(TcpPacket(1, 2, "a")));
    f.Enhanced(0, kT0 * 1024ull + 1023, EthFrame(TcpPacket(1, 2, "b")));
    const ReadResult r = ReadAll(WriteIn(dir, "pow2.pcapng", f.bytes()));
    SCOPED_TRACE(mixed ? "our reader" : "libpcap");
    ASSERT_EQ(r.packets.size(), 2u) << r.error;
    EXPECT_EQ(r.packets[0].ts.sec, kT0);
    EXPECT_EQ(r.packets[0].ts.usec, 500000);
    EXPECT_EQ(r.packets[1].ts.usec, 999023);
  }
  for (bool mixed : {false, true}) {
    NgFile f;
    f.Section(false);
    f.Interface(1, 6, -1000);
    if (mixed) f.Interface(0);
    f.Enhanced(0, (kT0 + 1000) * 1000000ull + 42, EthFrame(TcpPacket(1, 2, "a")));
    const ReadResult r = ReadAll(WriteIn(dir, "offset.pcapng", f.bytes()));
    SCOPED_TRACE(mixed ? "offset, our reader" : "offset, libpcap");
    ASSERT_EQ(r.packets.size(), 1u) << r.error;
    EXPECT_EQ(r.packets[0].ts.sec, kT0);
    EXPECT_EQ(r.packets[0].ts.usec, 42);
  }
}

TEST(PcapSourceTest, SectionsInBothByteOrders) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  NgFile f;
  f.Section(true);
  f.Interface(1);
  f.Interface(0);
  f.Enhanced(1, kT0 * 1000000ull, NullFrame(TcpPacket(1, 2, "be")));
  f.Section(false);  // interface ids start again at 0
  f.Interface(kLinktypeRaw, 9);
  f.Enhanced(0, (kT0 + 1) * 1000000000ull + 7000, TcpPacket(1, 2, "le"));
  const ReadResult r = ReadAll(WriteIn(dir, "sections.pcapng", f.bytes()));
  ASSERT_EQ(r.packets.size(), 2u) << r.error;
  EXPECT_EQ(r.packets[0].link_type, kDltNull);
  EXPECT_EQ(r.packets[0].data, NullFrame(TcpPacket(1, 2, "be")));
  EXPECT_EQ(r.packets[1].link_type, kDltRaw);
  EXPECT_EQ(r.packets[1].ts.sec, kT0 + 1);
  EXPECT_EQ(r.packets[1].ts.usec, 7);
}

TEST(PcapSourceTest, SimpleAndObsoletePacketBlocksAndUnknownBlocks) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  const ByteVec eth = EthFrame(TcpPacket(1, 2, "simple packet block payload"));
  NgFile f;
  f.Section(false);
  f.Block(0x00000BAD, ByteVec(8, 0xee));  // custom block
  f.Interface(1, {}, {}, 40);             // snaplen 40
  f.Interface(kLinktypeRaw);
  f.Block(4, ByteVec{0, 0, 0, 0});  // name resolution block: just the end record
  f.Simple(ByteVec(eth.begin(), eth.begin() + 40), static_cast<std::uint32_t>(eth.size()));
  f.Obsolete(1, (kT0 + 2) * 1000000ull + 3, TcpPacket(1, 2, "pb"));
  f.Block(5, ByteVec(20, 0));  // interface statistics block
  const ReadResult r = ReadAll(WriteIn(dir, "spb.pcapng", f.bytes()));
  ASSERT_EQ(r.packets.size(), 2u) << r.error;
  EXPECT_EQ(r.last, PcapSource::Status::kEnd);
  EXPECT_EQ(r.packets[0].link_type, kDltEthernet);
  EXPECT_EQ(r.packets[0].ts.sec, 0);  // a simple packet block has no time
  EXPECT_EQ(r.packets[0].wire_len, eth.size());
  EXPECT_EQ(r.packets[0].data, ByteVec(eth.begin(), eth.begin() + 40));  // cut to the snaplen
  EXPECT_EQ(r.packets[1].link_type, kDltRaw);
  EXPECT_EQ(r.packets[1].ts.sec, kT0 + 2);
  EXPECT_EQ(r.packets[1].ts.usec, 3);
  EXPECT_EQ(r.packets[1].data, TcpPacket(1, 2, "pb"));
}

// Every broken block after two good packets: the packets come out, then an error that names
// the file and the block's offset.
TEST(PcapSourceTest, BrokenBlocksNameTheFileAndOffset) {
  struct Case {
    const char* name;
    void (*damage)(NgFile&);
    const char* why;
  };
  const Case cases[] = {
      {"short", [](NgFile& f) { f.RawBlock(6, 8, {}, 8); }, "block length 8 is less than 12"},
      {"unaligned", [](NgFile& f) { f.RawBlock(6, 30, ByteVec(16, 0), 30); },
       "block length 30 is not a multiple of 4"},
      {"past the end", [](NgFile& f) { f.RawBlock(6, 1000, ByteVec(20, 0), 1000); },
       "block length 1000 goes past the end of the file"},
      {"skipped past the end", [](NgFile& f) { f.RawBlock(0x77, 1000, ByteVec(20, 0), 1000); },
       "block length 1000 goes past the end of the file"},
      {"trailer", [](NgFile& f) { f.RawBlock(6, 44, ByteVec(32, 0), 48); },
       "trailing block length 48 differs from the block length 44"},
      {"skipped trailer", [](NgFile& f) { f.RawBlock(0x77, 16, ByteVec(4, 0), 20); },
       "trailing block length 20 differs from the block length 16"},
      {"caplen past block", [](NgFile& f) { f.Enhanced(0, 0, ByteVec(8, 1), 200); },
       "captured length 200 goes past the end of the block"},
      {"caplen huge", [](NgFile& f) { f.Enhanced(0, 0, ByteVec(8, 1), 300000); },
       "captured length 300000 is above 262144"},
      {"unknown interface", [](NgFile& f) { f.Enhanced(7, 0, ByteVec(8, 1)); },
       "packet on interface 7, but the section describes 2"},
      {"cut header",
       [](NgFile& f) {
         f.Append(ByteVec{6, 0, 0});
       },
       "the file ends inside a block header"},
      {"bad tsresol", [](NgFile& f) { f.Interface(1, 30); }, "if_tsresol 30 is not supported"},
  };
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    NgFile f;
    f.Section(false);
    f.Interface(1);
    f.Interface(kLinktypeRaw);
    f.Enhanced(0, kT0 * 1000000ull, EthFrame(TcpPacket(1, 2, "one")));
    f.Enhanced(1, kT0 * 1000000ull, TcpPacket(1, 2, "two"));
    const std::size_t bad_at = f.size();
    c.damage(f);
    const std::string path = WriteIn(dir, "broken.pcapng", f.bytes());
    const ReadResult r = ReadAll(path);
    EXPECT_EQ(r.packets.size(), 2u);
    EXPECT_EQ(r.last, PcapSource::Status::kError);
    EXPECT_EQ(r.error, path + OffsetText(bad_at) + c.why);
  }
}

// The same with one link type, which libpcap reads until it stops; our reader then says where.
TEST(PcapSourceTest, BrokenBlocksInASingleLinkTypeFile) {
  struct Case {
    const char* name;
    void (*damage)(NgFile&);
    const char* why;
  };
  const Case cases[] = {
      {"short", [](NgFile& f) { f.RawBlock(6, 8, {}, 8); }, "block length 8 is less than 12"},
      {"unaligned", [](NgFile& f) { f.RawBlock(6, 30, ByteVec(16, 0), 30); },
       "block length 30 is not a multiple of 4"},
      {"past the end", [](NgFile& f) { f.RawBlock(6, 1000, ByteVec(20, 0), 1000); },
       "block length 1000 goes past the end of the file"},
      {"skipped past the end", [](NgFile& f) { f.RawBlock(0x77, 1000, ByteVec(20, 0), 1000); },
       "block length 1000 goes past the end of the file"},
      {"trailer", [](NgFile& f) { f.RawBlock(6, 44, ByteVec(32, 0), 48); },
       "trailing block length 48 differs from the block length 44"},
      {"skipped trailer", [](NgFile& f) { f.RawBlock(0x77, 16, ByteVec(4, 0), 20); },
       "trailing block length 20 differs from the block length 16"},
      {"caplen past block", [](NgFile& f) { f.Enhanced(0, 0, ByteVec(8, 1), 200); },
       "captured length 200 goes past the end of the block"},
      {"caplen huge", [](NgFile& f) { f.Enhanced(0, 0, ByteVec(8, 1), 300000); },
       "captured length 300000 is above 262144"},
      {"cut header",
       [](NgFile& f) {
         f.Append(ByteVec{6, 0, 0});
       },
       "the file ends inside a block header"},
  };
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    NgFile f;
    f.Section(false);
    f.Interface(1);
    f.Enhanced(0, kT0 * 1000000ull, EthFrame(TcpPacket(1, 2, "one")));
    f.Enhanced(0, kT0 * 1000000ull, EthFrame(TcpPacket(1, 2, "two")));
    const std::size_t bad_at = f.size();
    c.damage(f);
    const std::string path = WriteIn(dir, "broken1.pcapng", f.bytes());
    const ReadResult r = ReadAll(path);
    ASSERT_EQ(r.packets.size(), 2u) << r.open_error << r.error;
    EXPECT_EQ(r.packets[1].data, EthFrame(TcpPacket(1, 2, "two")));
    EXPECT_EQ(r.last, PcapSource::Status::kError);
    EXPECT_EQ(r.error, path + OffsetText(bad_at) + c.why);
  }
}

TEST(PcapSourceTest, BrokenSectionHeaders) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  NgFile version;
  version.Section(false);
  version.Interface(1);
  version.Interface(0);
  const std::size_t bad_at = version.size();
  version.Section(false, 2);
  const std::string path = WriteIn(dir, "v2.pcapng", version.bytes());
  ReadResult r = ReadAll(path);
  EXPECT_EQ(r.error, path + OffsetText(bad_at) + "unsupported pcapng version 2.0");

  NgFile magic = MixedFile();
  const std::size_t magic_at = magic.size();
  magic.RawBlock(0x0A0D0D0A, 28, ByteVec(16, 0x55), 28);
  r = ReadAll(WriteIn(dir, "magic.pcapng", magic.bytes()));
  EXPECT_EQ(r.packets.size(), 6u);
  EXPECT_EQ(r.error, (dir / "magic.pcapng") + OffsetText(magic_at) +
                         "section header block with an unknown byte-order magic");
}

// ------------------------------------------------------------------------------- compression

TEST(PcapSourceTest, CompressedCapturesAreRecognisedByMagic) {
  struct Kind {
    Compression compression;
    ByteVec magic;
    const char* library;
  };
  const Kind kinds[] = {
      {Compression::kGzip, {0x1f, 0x8b}, "zlib"},
      {Compression::kXz, {0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00}, "liblzma"},
      {Compression::kBzip2, {'B', 'Z', 'h'}, "libbz2"},
      {Compression::kZstd, {0x28, 0xb5, 0x2f, 0xfd}, "libzstd"},
  };
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  const testing::PcapWriter pcap = ClassicPcap(4);
  const ByteVec mixed = MixedFile().bytes();
  for (const Kind& kind : kinds) {
    const std::string name(CompressionName(kind.compression));
    SCOPED_TRACE(name);
    const std::optional<ByteVec> packed_pcap = Compress(kind.compression, pcap.bytes());
    if (!packed_pcap) {
      // This build lacks the library (the test compresses with it too): the magic is enough to
      // be told so.
      ByteVec fake = kind.magic;
      fake.resize(64, 0x42);
      const std::string path = WriteIn(dir, name + ".pcap", fake);
      EXPECT_EQ(ReadAll(path).open_error, path + ": " + name +
                                              "-compressed capture, but this tcpflow was built "
                                              "without " +
                                              kind.library);
      continue;
    }
    ASSERT_EQ(DetectCompression(*packed_pcap), kind.compression);
    // Named as if they were not compressed: only the bytes count.
    ReadResult r = ReadAll(WriteIn(dir, name + ".pcap", *packed_pcap));
    ASSERT_EQ(r.packets.size(), 4u) << r.open_error << r.error;
    EXPECT_EQ(r.last, PcapSource::Status::kEnd);
    EXPECT_EQ(r.packets[3].data, EthFrame(TcpPacket(2003, 80, "x")));
    r = ReadAll(WriteIn(dir, name + ".pcapng", Compress(kind.compression, mixed).value()));
    EXPECT_EQ(r.last, PcapSource::Status::kEnd) << r.open_error << r.error;
    ExpectMixedPackets(r);
  }
}

TEST(PcapSourceTest, PlainFileNamedGzIsReadAsIs) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  const ReadResult r = ReadAll(WriteIn(dir, "plain.pcap.gz", ClassicPcap(2).bytes()));
  EXPECT_EQ(r.packets.size(), 2u) << r.open_error;
}

TEST(PcapSourceTest, ConcatenatedGzipMembersAreOneStream) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  const testing::PcapWriter w = ClassicPcap(5);
  const std::size_t split = w.record_offsets()[2] + 7;  // inside a record
  ByteVec packed = Gzip(ByteVec(w.bytes().begin(), w.bytes().begin() + split));
  const ByteVec second = Gzip(ByteVec(w.bytes().begin() + split, w.bytes().end()));
  packed.insert(packed.end(), second.begin(), second.end());
  const ReadResult r = ReadAll(WriteIn(dir, "two.gz", packed));
  EXPECT_EQ(r.packets.size(), 5u) << r.open_error << r.error;
  EXPECT_EQ(r.last, PcapSource::Status::kEnd);
}

TEST(PcapSourceTest, CorruptGzipDeliversWhatCameBefore) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  const testing::PcapWriter w = ClassicPcap(6);
  // Three whole records, then a deflate block of the reserved type 3 and more garbage.
  ByteVec packed = Gzip(w.bytes(), w.record_offsets()[3]);
  packed.insert(packed.end(), {0x06, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x11, 0x22});
  const std::string path = WriteIn(dir, "corrupt.pcap", packed);
  ReadResult r = ReadAll(path);
  EXPECT_EQ(r.packets.size(), 3u);
  EXPECT_EQ(r.last, PcapSource::Status::kError);
  EXPECT_EQ(r.error, path + ": corrupt gzip data: invalid block type");

  // Cut short: what was decoded comes out, then the error.
  const ByteVec whole = Gzip(w.bytes());
  const std::string cut = WriteIn(dir, "cut.pcap", ByteVec(whole.begin(), whole.end() - 30));
  r = ReadAll(cut);
  EXPECT_LT(r.packets.size(), 6u);
  EXPECT_EQ(r.error, cut + ": truncated gzip data (it ends early)");

  // The same through our pcapng reader.
  const ByteVec mixed = MixedFile().bytes();
  const ByteVec packed_ng = Gzip(mixed);
  const std::string ng =
      WriteIn(dir, "cut.pcapng", ByteVec(packed_ng.begin(), packed_ng.end() - 9));
  r = ReadAll(ng);
  EXPECT_EQ(r.last, PcapSource::Status::kError);
  EXPECT_EQ(r.error, ng + ": truncated gzip data (it ends early)");

  // Broken before the capture header: the open fails.
  const ByteVec header_only = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0x06, 0x00};
  const std::string early = WriteIn(dir, "early.pcap", header_only);
  r = ReadAll(early);
  EXPECT_EQ(r.open_error, early + ": corrupt gzip data: invalid block type");
}

#ifdef HAVE_LZMA
// An xz stream of `data` (preset 0, a 256 KiB dictionary) whose block header then says the
// LZMA2 dictionary is `dict_size` bytes: the header's filter properties are encoded again and
// its CRC32 redone, so no encoder needs that much memory. The data decodes the same with any
// dictionary at least as big as the one it was made with.
ByteVec XzWithDictionary(const ByteVec& data, std::uint32_t dict_size) {
  ByteVec out(lzma_stream_buffer_bound(data.size()));
  std::size_t pos = 0;
  EXPECT_EQ(lzma_easy_buffer_encode(0, LZMA_CHECK_CRC32, nullptr, data.data(), data.size(),
                                    out.data(), &pos, out.size()),
            LZMA_OK);
  out.resize(pos);
  // The block header (xz file format 3.1): size byte, flags, optional compressed and
  // uncompressed sizes (multibyte integers), then the one filter: ID 0x21 (LZMA2), properties
  // size 1, properties (the dictionary size), padding, CRC32.
  std::uint8_t* header = out.data() + LZMA_STREAM_HEADER_SIZE;
  const std::uint32_t header_size = lzma_block_header_size_decode(header[0]);
  EXPECT_EQ(header[1] & 0x03, 0) << "one filter";
  std::size_t at = 2;
  // A multibyte integer ends with the first byte whose top bit is clear.
  const auto skip_number = [&] {
    while ((header[at] & 0x80) != 0) ++at;
    ++at;
  };
  if ((header[1] & 0x40) != 0) skip_number();
  if ((header[1] & 0x80) != 0) skip_number();
  EXPECT_EQ(header[at], LZMA_FILTER_LZMA2);
  EXPECT_EQ(header[at + 1], 1);
  lzma_options_lzma options{};
  EXPECT_FALSE(lzma_lzma_preset(&options, 0));
  options.dict_size = dict_size;
  const lzma_filter filter{LZMA_FILTER_LZMA2, &options};
  EXPECT_EQ(lzma_properties_encode(&filter, header + at + 2), LZMA_OK);
  const std::uint32_t crc = lzma_crc32(header, header_size - 4, 0);
  for (int i = 0; i < 4; ++i)
    header[header_size - 4 + i] = static_cast<std::uint8_t>(crc >> (8 * i));
  return out;
}

// Whether `message` is the xz memory limit's, "xz data needs N MiB of memory to decode, more
// than the limit of 256 MiB", with N at least the dictionary's `dict_mib` and at most 2 MiB over
// it (liblzma's own state, rounded up).
bool IsXzLimitMessage(const std::string& message, std::uint64_t dict_mib) {
  for (std::uint64_t mib = dict_mib; mib <= dict_mib + 2; ++mib) {
    if (message == "xz data needs " + std::to_string(mib) +
                       " MiB of memory to decode, more than the limit of 256 MiB") {
      return true;
    }
  }
  return false;
}

// An xz header may ask for a dictionary of up to 4 GiB; the decoder refuses more than 256 MiB
// instead of allocating it, and says so in one line.
TEST(PcapSourceTest, XzDictionaryOverTheMemoryLimitIsRefused) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  const testing::PcapWriter w = ClassicPcap(4);
  for (const std::uint32_t dict_size : {std::uint32_t{1536} << 20, std::uint32_t{0xffffffff}}) {
    SCOPED_TRACE(dict_size);
    const std::string path = WriteIn(dir, "dict" + std::to_string(dict_size) + ".pcap",
                                     XzWithDictionary(w.bytes(), dict_size));
    const ReadResult r = ReadAll(path);
    const std::string prefix = path + ": ";
    ASSERT_EQ(r.open_error.rfind(prefix, 0), 0u) << r.open_error;
    EXPECT_TRUE(IsXzLimitMessage(r.open_error.substr(prefix.size()), dict_size >> 20))
        << r.open_error;
  }

  // xz -9's 64 MiB dictionary is well within the limit.
  ReadResult r = ReadAll(WriteIn(dir, "xz9.pcap", XzWithDictionary(w.bytes(), 64u << 20)));
  EXPECT_EQ(r.packets.size(), 4u) << r.open_error << r.error;
  EXPECT_EQ(r.last, PcapSource::Status::kEnd);

  // A second stream over the limit: the first stream's packets come out, then the error.
  const std::size_t split = w.record_offsets()[2];
  ByteVec packed =
      Compress(Compression::kXz, ByteVec(w.bytes().begin(), w.bytes().begin() + split)).value();
  const ByteVec second =
      XzWithDictionary(ByteVec(w.bytes().begin() + split, w.bytes().end()), 1536u << 20);
  packed.insert(packed.end(), second.begin(), second.end());
  const std::string path = WriteIn(dir, "second.pcap", packed);
  r = ReadAll(path);
  EXPECT_EQ(r.packets.size(), 2u) << r.open_error;
  EXPECT_EQ(r.last, PcapSource::Status::kError);
  ASSERT_EQ(r.error.rfind(path + ": ", 0), 0u) << r.error;
  EXPECT_TRUE(IsXzLimitMessage(r.error.substr(path.size() + 2), 1536)) << r.error;
}
#endif

// A named pipe stands in for standard input: it cannot be read twice, so a pcapng goes to our
// reader at once, and the sniffed bytes must be put back.
TEST(PcapSourceTest, PipesAreReadOnce) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string fifo = dir / "fifo";
  for (const ByteVec& content :
       {MixedFile().bytes(), Gzip(MixedFile().bytes()), Gzip(ClassicPcap(3).bytes())}) {
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    std::thread writer([&] { testing::WriteFileBytes(fifo, content); });
    const ReadResult r = ReadAll(fifo);
    writer.join();
    ::unlink(fifo.c_str());
    EXPECT_EQ(r.last, PcapSource::Status::kEnd) << r.open_error << r.error;
    if (r.packets.size() == 3) continue;  // the classic pcap
    ExpectMixedPackets(r);
  }
}

// -------------------------------------------------------------------------------------- BPF

TEST(PcapSourceTest, FilterAppliesToEveryLinkType) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  NgFile f;
  f.Section(false);
  f.Interface(1);
  f.Interface(kLinktypeRaw);
  f.Interface(0);
  // On each interface: port 80 (kept), port 443 and UDP (dropped).
  std::vector<std::string> kept;
  for (std::uint32_t id = 0; id < 3; ++id) {
    const auto frame = [&](const ByteVec& ip) {
      return id == 0 ? EthFrame(ip) : id == 1 ? ip : NullFrame(ip);
    };
    const std::string tag = "if" + std::to_string(id);
    f.Enhanced(id, kT0 * 1000000ull, frame(TcpPacket(5000, 80, tag)));
    f.Enhanced(id, kT0 * 1000000ull, frame(TcpPacket(5000, 443, tag)));
    f.Enhanced(id, kT0 * 1000000ull, frame(UdpPacket(5000, 80)));
    kept.push_back(tag);
  }
  const std::string path = WriteIn(dir, "filter.pcapng", f.bytes());
  const ReadResult r = ReadAll(path, "tcp port 80");
  ASSERT_EQ(r.packets.size(), 3u) << r.open_error << r.error;
  EXPECT_EQ(r.packets[0].data, EthFrame(TcpPacket(5000, 80, "if0")));
  EXPECT_EQ(r.packets[1].data, TcpPacket(5000, 80, "if1"));
  EXPECT_EQ(r.packets[2].data, NullFrame(TcpPacket(5000, 80, "if2")));

  const ReadResult udp = ReadAll(path, "udp");
  EXPECT_EQ(udp.packets.size(), 3u);
  const ReadResult bad = ReadAll(path, "tcp port");
  EXPECT_EQ(bad.open_error.rfind("cannot parse filter expression 'tcp port': ", 0), 0u)
      << bad.open_error;
}

TEST(PcapSourceTest, FilterCountsPacketsLibpcapDroppedBeforeARead) {
  // Filtered-out packets before the second interface must still be skipped on the re-read.
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  NgFile f;
  f.Section(false);
  f.Interface(1);
  f.Enhanced(0, kT0 * 1000000ull, EthFrame(TcpPacket(5000, 443, "drop")));
  f.Enhanced(0, kT0 * 1000000ull, EthFrame(TcpPacket(5000, 80, "keep0")));
  f.Interface(kLinktypeRaw);
  f.Enhanced(1, kT0 * 1000000ull, TcpPacket(5000, 80, "keep1"));
  f.Enhanced(1, kT0 * 1000000ull, TcpPacket(5000, 443, "drop"));
  const ReadResult r = ReadAll(WriteIn(dir, "late_filter.pcapng", f.bytes()), "port 80");
  ASSERT_EQ(r.packets.size(), 2u) << r.error;
  EXPECT_EQ(r.packets[0].data, EthFrame(TcpPacket(5000, 80, "keep0")));
  EXPECT_EQ(r.packets[1].data, TcpPacket(5000, 80, "keep1"));
}

TEST(PcapSourceTest, FilterThatFailsOnALaterLinkTypeStopsThere) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = WriteIn(dir, "mixed.pcapng", MixedFile().bytes());
  // Ethernet addresses compile for Ethernet but not for RAW.
  const ReadResult r = ReadAll(path, "ether src 00:11:22:33:44:55");
  EXPECT_TRUE(r.open_error.empty()) << r.open_error;
  EXPECT_EQ(r.packets.size(), 1u);
  EXPECT_EQ(r.last, PcapSource::Status::kError);
  EXPECT_EQ(r.error.rfind("cannot parse filter expression 'ether src 00:11:22:33:44:55': ", 0), 0u)
      << r.error;
}

}  // namespace
}  // namespace tcpflow
