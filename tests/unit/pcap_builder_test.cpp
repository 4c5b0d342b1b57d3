// pcap_builder_test.cpp: checks the test-capture builder byte by byte (pcap/pcapng headers,
// RFC 791/8200/9293 header fields and checksums, link framings, Conversation sequence tracking).
#include "common/pcap_builder.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace tcpflow::testing {
namespace {

constexpr std::size_t kEth = 14;  // Ethernet header without tags

std::uint16_t Be16(const ByteVec& b, std::size_t at) {
  return static_cast<std::uint16_t>((b.at(at) << 8) | b.at(at + 1));
}
std::uint32_t Be32(const ByteVec& b, std::size_t at) {
  return (std::uint32_t{Be16(b, at)} << 16) | Be16(b, at + 2);
}
std::uint32_t Le32(const ByteVec& b, std::size_t at) {
  return std::uint32_t{b.at(at)} | (std::uint32_t{b.at(at + 1)} << 8) |
         (std::uint32_t{b.at(at + 2)} << 16) | (std::uint32_t{b.at(at + 3)} << 24);
}
ByteVec Slice(const ByteVec& b, std::size_t from, std::size_t n) {
  return ByteVec(b.begin() + static_cast<std::ptrdiff_t>(from),
                 b.begin() + static_cast<std::ptrdiff_t>(from + n));
}

// An independent RFC 1071 sum: the folded 16-bit one's-complement sum of all words.
std::uint32_t FoldedSum(const ByteVec& data) {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < data.size(); i += 2) {
    sum += (std::uint32_t{data[i]} << 8) | (i + 1 < data.size() ? data[i + 1] : 0);
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint32_t>(sum);
}

// True when `l4` (checksum included) sums to 0xffff with its pseudo-header.
bool L4ChecksumOk(const ByteVec& src, const ByteVec& dst, std::uint8_t proto, const ByteVec& l4) {
  ByteVec all = src;
  all.insert(all.end(), dst.begin(), dst.end());
  if (src.size() == 16) {
    const auto n = static_cast<std::uint32_t>(l4.size());
    all.insert(all.end(),
               {static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
                static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n), 0, 0, 0, proto});
  } else {
    all.insert(all.end(), {0, proto, static_cast<std::uint8_t>(l4.size() >> 8),
                           static_cast<std::uint8_t>(l4.size())});
  }
  all.insert(all.end(), l4.begin(), l4.end());
  return FoldedSum(all) == 0xffff;
}

const ByteVec kV4Client{192, 168, 1, 2};
const ByteVec kV4Server{10, 0, 0, 1};
const ByteVec kV6Client{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
const ByteVec kV6Server{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

IpSpec V4() {
  return IpSpec{.src = "192.168.1.2", .dst = "10.0.0.1"};
}
IpSpec V6() {
  return IpSpec{.src = "2001:db8::2", .dst = "2001:db8::1"};
}
TcpSpec Segment(std::string_view payload) {
  return TcpSpec{.sport = 34567,
                 .dport = 80,
                 .seq = 1001,
                 .ack = 5001,
                 .flags = kAck | kPsh,
                 .payload = ToBytes(payload)};
}

Conversation DefaultConversation(std::uint32_t client_isn = 1000,
                                 std::uint32_t server_isn = 500000) {
  return Conversation("192.168.1.2", 34567, "10.0.0.1", 80, client_isn, server_isn);
}

// ------------------------------------------------------------------------------------ pcap

TEST(PcapBuilderTest, PcapHeaderLittleEndianMicroseconds) {
  PcapWriter w;
  const ByteVec expected{0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0,
                         0,    0,    0,    0,    0, 0, 4, 0, 1, 0, 0, 0};  // snaplen 262144, DLT 1
  EXPECT_EQ(w.bytes(), expected);
  EXPECT_TRUE(w.record_offsets().empty());
}

TEST(PcapBuilderTest, PcapHeaderBigEndian) {
  PcapWriter w({.linktype = 113, .big_endian = true, .snaplen = 65535});
  const ByteVec expected{0xa1, 0xb2, 0xc3, 0xd4, 0, 2, 0,    4,    0, 0, 0, 0,
                         0,    0,    0,    0,    0, 0, 0xff, 0xff, 0, 0, 0, 113};
  EXPECT_EQ(w.bytes(), expected);
}

TEST(PcapBuilderTest, PcapHeaderNanosecondMagicInBothOrders) {
  EXPECT_EQ(Slice(PcapWriter({.nanosecond = true}).bytes(), 0, 4),
            (ByteVec{0x4d, 0x3c, 0xb2, 0xa1}));
  EXPECT_EQ(Slice(PcapWriter({.big_endian = true, .nanosecond = true}).bytes(), 0, 4),
            (ByteVec{0xa1, 0xb2, 0x3c, 0x4d}));
}

TEST(PcapBuilderTest, RecordHeaderFields) {
  PcapWriter w;
  const ByteVec frame = ToBytes("0123456789");
  w.Add(1600000000, 123456, frame);
  ASSERT_EQ(w.bytes().size(), 24u + 16u + 10u);
  EXPECT_EQ(w.record_offsets(), std::vector<std::size_t>{24});
  EXPECT_EQ(Le32(w.bytes(), 24), 1600000000u);
  EXPECT_EQ(Le32(w.bytes(), 28), 123456u);
  EXPECT_EQ(Le32(w.bytes(), 32), 10u);  // caplen
  EXPECT_EQ(Le32(w.bytes(), 36), 10u);  // orig_len
  EXPECT_EQ(Slice(w.bytes(), 40, 10), frame);
}

TEST(PcapBuilderTest, RecordHeaderBigEndian) {
  PcapWriter w({.big_endian = true});
  w.Add(1600000001, 7, ByteVec(3, 0xab), 60);
  EXPECT_EQ(Be32(w.bytes(), 24), 1600000001u);
  EXPECT_EQ(Be32(w.bytes(), 28), 7u);
  EXPECT_EQ(Be32(w.bytes(), 32), 3u);
  EXPECT_EQ(Be32(w.bytes(), 36), 60u);
}

TEST(PcapBuilderTest, SnaplenCutsFrameAndKeepsOrigLen) {
  PcapWriter w({.snaplen = 80});
  ByteVec frame(100);
  for (std::size_t i = 0; i < frame.size(); ++i) frame[i] = static_cast<std::uint8_t>(i);
  w.Add(1, 0, frame);
  w.Add(2, 0, frame, 1500);
  ASSERT_EQ(w.record_offsets(), (std::vector<std::size_t>{24, 24 + 16 + 80}));
  EXPECT_EQ(Le32(w.bytes(), 32), 80u);
  EXPECT_EQ(Le32(w.bytes(), 36), 100u);
  EXPECT_EQ(Slice(w.bytes(), 40, 80), Slice(frame, 0, 80));
  EXPECT_EQ(Le32(w.bytes(), 120 + 12), 1500u);
  EXPECT_EQ(w.bytes().size(), 24u + 2 * (16u + 80u));
}

TEST(PcapBuilderTest, RawRecordKeepsFieldsVerbatim) {
  PcapWriter w;
  w.AddRawRecord(5, 6, 0x7fffffff, 42, ByteVec{1, 2, 3});
  EXPECT_EQ(Le32(w.bytes(), 32), 0x7fffffffu);
  EXPECT_EQ(Le32(w.bytes(), 36), 42u);
  EXPECT_EQ(w.bytes().size(), 24u + 16u + 3u);
}

TEST(PcapBuilderTest, AppendFramesScalesToNanoseconds) {
  PcapWriter w({.nanosecond = true});
  AppendFrames(w, {{1600000000, 250000, ByteVec(4, 0)}});
  EXPECT_EQ(Le32(w.bytes(), 28), 250000000u);
}

// ---------------------------------------------------------------------------------- pcapng

struct Block {
  std::uint32_t type;
  std::size_t offset;
  std::uint32_t length;
};

// Walks little-endian pcapng blocks; fails the test if any block's lengths disagree.
std::vector<Block> WalkBlocks(const ByteVec& b) {
  std::vector<Block> blocks;
  std::size_t at = 0;
  while (at < b.size()) {
    const std::uint32_t length = Le32(b, at + 4);
    EXPECT_EQ(length % 4, 0u) << "block at " << at;
    EXPECT_GE(length, 12u);
    EXPECT_LE(at + length, b.size());
    if (length < 12 || length % 4 != 0 || at + length > b.size()) break;
    EXPECT_EQ(Le32(b, at + length - 4), length) << "trailing length of block at " << at;
    blocks.push_back({Le32(b, at), at, length});
    at += length;
  }
  return blocks;
}

TEST(PcapBuilderTest, PcapngSectionHeader) {
  PcapngWriter w;
  const ByteVec& b = w.bytes();
  ASSERT_EQ(b.size(), 28u);
  EXPECT_EQ(Le32(b, 0), 0x0A0D0D0Au);
  EXPECT_EQ(Le32(b, 8), 0x1A2B3C4Du);
  EXPECT_EQ(Slice(b, 8, 4), (ByteVec{0x4d, 0x3c, 0x2b, 0x1a}));
  EXPECT_EQ(Slice(b, 12, 4), (ByteVec{1, 0, 0, 0}));  // version 1.0
  EXPECT_EQ(Slice(b, 16, 8), ByteVec(8, 0xff));       // section length -1
}

TEST(PcapBuilderTest, PcapngBigEndianMagic) {
  PcapngWriter w(true);
  EXPECT_EQ(Slice(w.bytes(), 8, 4), (ByteVec{0x1a, 0x2b, 0x3c, 0x4d}));
  EXPECT_EQ(Be32(w.bytes(), 4), 28u);
}

TEST(PcapBuilderTest, PcapngBlockLengthsAndFields) {
  PcapngWriter w;
  const std::uint32_t eth = w.AddInterface(1, 262144, 9);
  const std::uint32_t raw = w.AddInterface(101, 64);
  EXPECT_EQ(eth, 0u);
  EXPECT_EQ(raw, 1u);
  w.Add(eth, 1600000000, 123456789, ByteVec(61, 0x11));  // 61 bytes: 3 bytes of padding
  w.Add(raw, 1600000000, 5, ByteVec(100, 0x22));         // cut to snaplen 64
  const ByteVec& b = w.bytes();
  const std::vector<Block> blocks = WalkBlocks(b);
  ASSERT_EQ(blocks.size(), 5u);
  EXPECT_EQ(blocks[0].type, 0x0A0D0D0Au);
  EXPECT_EQ(blocks[1].type, 1u);
  EXPECT_EQ(blocks[2].type, 1u);
  EXPECT_EQ(blocks[3].type, 6u);
  EXPECT_EQ(blocks[4].type, 6u);
  EXPECT_EQ(blocks.back().offset + blocks.back().length, b.size());

  const std::size_t idb = blocks[1].offset;
  EXPECT_EQ(Be16(b, idb + 8), 0x0100);  // linktype 1, little-endian
  EXPECT_EQ(Le32(b, idb + 12), 262144u);
  EXPECT_EQ(Slice(b, idb + 16, 8), (ByteVec{9, 0, 1, 0, 9, 0, 0, 0}));  // if_tsresol = 9
  EXPECT_EQ(b.at(blocks[2].offset + 20), 6);                            // tsresol 6

  const std::size_t epb = blocks[3].offset;
  EXPECT_EQ(blocks[3].length, 32u + 64u);
  EXPECT_EQ(Le32(b, epb + 8), 0u);
  const std::uint64_t ts = (std::uint64_t{Le32(b, epb + 12)} << 32) | Le32(b, epb + 16);
  EXPECT_EQ(ts, 1600000000ull * 1000000000ull + 123456789ull);
  EXPECT_EQ(Le32(b, epb + 20), 61u);
  EXPECT_EQ(Le32(b, epb + 24), 61u);
  EXPECT_EQ(Slice(b, epb + 28 + 61, 3), ByteVec(3, 0));

  const std::size_t cut = blocks[4].offset;
  EXPECT_EQ(Le32(b, cut + 8), 1u);
  EXPECT_EQ(Le32(b, cut + 20), 64u);   // captured
  EXPECT_EQ(Le32(b, cut + 24), 100u);  // original
  const std::uint64_t ts_us = (std::uint64_t{Le32(b, cut + 12)} << 32) | Le32(b, cut + 16);
  EXPECT_EQ(ts_us, 1600000000ull * 1000000ull + 5ull);
}

TEST(PcapBuilderTest, PcapngUnknownInterfaceThrows) {
  PcapngWriter w;
  EXPECT_THROW(w.Add(0, 0, 0, ByteVec(4, 0)), std::invalid_argument);
}

TEST(PcapBuilderTest, PcapngAppendFramesConvertsMicroseconds) {
  PcapngWriter w;
  const std::uint32_t id = w.AddInterface(1, 262144, 9);
  AppendFrames(w, id, {{1600000000, 999999, ByteVec(4, 0)}});
  const std::vector<Block> blocks = WalkBlocks(w.bytes());
  ASSERT_EQ(blocks.size(), 3u);
  const std::size_t epb = blocks[2].offset;
  const std::uint64_t ts =
      (std::uint64_t{Le32(w.bytes(), epb + 12)} << 32) | Le32(w.bytes(), epb + 16);
  EXPECT_EQ(ts, 1600000000999999000ull);
}

// ----------------------------------------------------------------------------------- IPv4/TCP

TEST(PcapBuilderTest, Ipv4HeaderFieldsAndChecksum) {
  IpSpec ip = V4();
  ip.id = 0x1234;
  ip.ttl = 17;
  const ByteVec p = BuildTcp(ip, Segment("hello"));
  ASSERT_EQ(p.size(), 20u + 20u + 5u);
  EXPECT_EQ(p[0], 0x45);
  EXPECT_EQ(Be16(p, 2), 45);
  EXPECT_EQ(Be16(p, 4), 0x1234);
  EXPECT_EQ(Be16(p, 6), 0);
  EXPECT_EQ(p[8], 17);
  EXPECT_EQ(p[9], 6);
  EXPECT_NE(Be16(p, 10), 0);
  EXPECT_EQ(Slice(p, 12, 4), kV4Client);
  EXPECT_EQ(Slice(p, 16, 4), kV4Server);
  EXPECT_EQ(FoldedSum(Slice(p, 0, 20)), 0xffffu);
  EXPECT_EQ(InternetChecksum(Slice(p, 0, 20)), 0);
}

TEST(PcapBuilderTest, TcpHeaderFieldsAndChecksumV4) {
  const ByteVec p = BuildTcp(V4(), Segment("hello"));
  const ByteVec tcp = Slice(p, 20, p.size() - 20);
  EXPECT_EQ(Be16(tcp, 0), 34567);
  EXPECT_EQ(Be16(tcp, 2), 80);
  EXPECT_EQ(Be32(tcp, 4), 1001u);
  EXPECT_EQ(Be32(tcp, 8), 5001u);
  EXPECT_EQ(tcp[12], 0x50);
  EXPECT_EQ(tcp[13], kAck | kPsh);
  EXPECT_EQ(Be16(tcp, 14), 65535);
  EXPECT_NE(Be16(tcp, 16), 0);  // the checksum is in its own field ...
  EXPECT_EQ(Be16(tcp, 18), 0);  // ... not in the urgent pointer
  EXPECT_EQ(Slice(tcp, 20, 5), ToBytes("hello"));
  EXPECT_TRUE(L4ChecksumOk(kV4Client, kV4Server, 6, tcp));
  ByteVec corrupted = tcp;
  corrupted[20] ^= 0x01;
  EXPECT_FALSE(L4ChecksumOk(kV4Client, kV4Server, 6, corrupted));
}

TEST(PcapBuilderTest, TcpChecksumOddLengthV6) {
  const ByteVec p = BuildTcp(V6(), Segment("odd"));
  ASSERT_EQ(p.size(), 40u + 20u + 3u);
  EXPECT_EQ(p[0] >> 4, 6);
  EXPECT_EQ(Be16(p, 4), 23);  // payload length
  EXPECT_EQ(p[6], 6);         // next header TCP
  EXPECT_EQ(p[7], 64);        // hop limit
  EXPECT_EQ(Slice(p, 8, 16), kV6Client);
  EXPECT_EQ(Slice(p, 24, 16), kV6Server);
  EXPECT_TRUE(L4ChecksumOk(kV6Client, kV6Server, 6, Slice(p, 40, 23)));
}

TEST(PcapBuilderTest, TcpOptionsPaddedAndDataOffset) {
  TcpSpec tcp = Segment("x");
  tcp.options = {0x02, 0x04, 0x05};  // padded to 4 bytes
  ByteVec p = BuildTcp(V4(), tcp);
  EXPECT_EQ(p[20 + 12], 0x60);
  EXPECT_EQ(Slice(p, 40, 4), (ByteVec{0x02, 0x04, 0x05, 0x00}));
  EXPECT_EQ(p[44], 'x');
  tcp.data_offset_override = 2;
  p = BuildTcp(V4(), tcp);
  EXPECT_EQ(p[20 + 12], 0x20);
  EXPECT_EQ(p.size(), 20u + 24u + 1u);  // bytes unchanged, only the field
  EXPECT_TRUE(L4ChecksumOk(kV4Client, kV4Server, 6, Slice(p, 20, p.size() - 20)));
}

TEST(PcapBuilderTest, Ipv4OptionsOverridesAndFragmentFields) {
  IpSpec ip = V4();
  ip.ipv4_options = {0x01, 0x01, 0x01, 0x01, 0x00};  // padded to 8
  ByteVec p = BuildTcp(ip, Segment("ab"));
  EXPECT_EQ(p[0], 0x47);
  EXPECT_EQ(Be16(p, 2), 28 + 20 + 2);
  EXPECT_EQ(Slice(p, 20, 8), (ByteVec{1, 1, 1, 1, 0, 0, 0, 0}));
  EXPECT_EQ(FoldedSum(Slice(p, 0, 28)), 0xffffu);
  EXPECT_EQ(Be16(p, 28), 34567);  // TCP starts after the options

  ip.ihl_override = 3;
  ip.total_length_override = 0;
  ip.dont_fragment = true;
  ip.more_fragments = true;
  ip.fragment_offset_units = 5;
  p = BuildTcp(ip, Segment("ab"));
  EXPECT_EQ(p[0], 0x43);
  EXPECT_EQ(Be16(p, 2), 0);
  EXPECT_EQ(Be16(p, 6), 0x4000 | 0x2000 | 5);
  EXPECT_EQ(p.size(), 28u + 20u + 2u);
  EXPECT_EQ(FoldedSum(Slice(p, 0, 28)), 0xffffu);  // checksum covers the bytes as written
}

TEST(PcapBuilderTest, UdpChecksumAndLength) {
  const ByteVec p = BuildUdp(V4(), 53001, 53, ToBytes("query"));
  ASSERT_EQ(p.size(), 20u + 8u + 5u);
  EXPECT_EQ(p[9], 17);
  EXPECT_EQ(Be16(p, 20), 53001);
  EXPECT_EQ(Be16(p, 22), 53);
  EXPECT_EQ(Be16(p, 24), 13);
  EXPECT_NE(Be16(p, 26), 0);
  EXPECT_TRUE(L4ChecksumOk(kV4Client, kV4Server, 17, Slice(p, 20, 13)));
  const ByteVec p6 = BuildUdp(V6(), 1, 2, ToBytes("v6"));
  EXPECT_TRUE(L4ChecksumOk(kV6Client, kV6Server, 17, Slice(p6, 40, 10)));
}

TEST(PcapBuilderTest, BuildIpCarriesAnyProtocol) {
  IpSpec ip = V4();
  ip.protocol = 1;
  const ByteVec p = BuildIp(ip, ByteVec{8, 0, 0, 0});
  EXPECT_EQ(p[9], 1);
  EXPECT_EQ(Be16(p, 2), 24);
  EXPECT_EQ(Slice(p, 20, 4), (ByteVec{8, 0, 0, 0}));
}

TEST(PcapBuilderTest, BadAddressesThrow) {
  EXPECT_THROW(BuildIp(IpSpec{.src = "10.0.0.300", .dst = "10.0.0.1"}, {}), std::invalid_argument);
  EXPECT_THROW(BuildIp(IpSpec{.src = "10.0.0.1", .dst = "::1"}, {}), std::invalid_argument);
  EXPECT_THROW(Conversation("nope", 1, "10.0.0.1", 2, 0, 0), std::invalid_argument);
}

// ----------------------------------------------------------------------------------- IPv6 ext

TEST(PcapBuilderTest, Ipv6ExtensionHeaderChaining) {
  IpSpec ip = V6();
  ByteVec routing{0, 1, 0, 0, 0, 0};  // type 0, segments left 1, reserved
  routing.insert(routing.end(), kV6Server.begin(), kV6Server.end());
  ip.ipv6_ext = {{0, {0x05, 0x02, 0x00, 0x00}},
                 {43, routing},
                 {60, {}},
                 {44, Ipv6FragmentBody(0, false, 0xdeadbeef)}};
  const ByteVec p = BuildTcp(ip, Segment("data"));
  EXPECT_EQ(p[6], 0);  // fixed header -> hop-by-hop
  std::size_t at = 40;
  // Hop-by-hop: next 43, 8 bytes, router alert then PadN of 0 data bytes.
  EXPECT_EQ(p[at], 43);
  EXPECT_EQ(p[at + 1], 0);
  EXPECT_EQ(Slice(p, at + 2, 6), (ByteVec{0x05, 0x02, 0x00, 0x00, 0x01, 0x00}));
  at += 8;
  // Routing: next 60, 2 + 22 bytes -> 24, length 2.
  EXPECT_EQ(p[at], 60);
  EXPECT_EQ(p[at + 1], 2);
  EXPECT_EQ(Slice(p, at + 8, 16), kV6Server);
  at += 24;
  // Destination options: next 44, 8 bytes of PadN.
  EXPECT_EQ(p[at], 44);
  EXPECT_EQ(p[at + 1], 0);
  EXPECT_EQ(Slice(p, at + 2, 6), (ByteVec{0x01, 0x04, 0, 0, 0, 0}));
  at += 8;
  // Fragment: next 6, reserved 0, offset 0, M 0, id.
  EXPECT_EQ(p[at], 6);
  EXPECT_EQ(p[at + 1], 0);
  EXPECT_EQ(Be16(p, at + 2), 0);
  EXPECT_EQ(Be32(p, at + 4), 0xdeadbeefu);
  at += 8;
  EXPECT_EQ(Be16(p, 4), p.size() - 40);
  EXPECT_EQ(p.size(), at + 20 + 4);
  EXPECT_EQ(Be16(p, at), 34567);
  EXPECT_TRUE(L4ChecksumOk(kV6Client, kV6Server, 6, Slice(p, at, 24)));
}

TEST(PcapBuilderTest, Ipv6PadOneAndPayloadLengthOverride) {
  IpSpec ip = V6();
  ip.ipv6_ext = {{60, {0x01, 0x03, 0, 0, 0}}};  // 2 + 5 = 7 -> one Pad1
  ip.total_length_override = 1000;
  ip.protocol = 59;  // no next header
  const ByteVec p = BuildIp(ip, ByteVec(4, 0xaa));
  EXPECT_EQ(p[6], 60);
  EXPECT_EQ(p[40], 59);
  EXPECT_EQ(Be16(p, 4), 1000);
  EXPECT_EQ(p[47], 0x00);  // Pad1
  EXPECT_EQ(p.size(), 40u + 8u + 4u);
}

TEST(PcapBuilderTest, Ipv6FragmentBodyLayout) {
  EXPECT_EQ(Ipv6FragmentBody(5, true, 0x01020304), (ByteVec{0x00, 0x29, 1, 2, 3, 4}));
}

// --------------------------------------------------------------------------------- link layers

TEST(PcapBuilderTest, EthernetTagsEthertypeAndPadding) {
  EthSpec eth;
  eth.tags = {{0x88a8, 200}, {0x8100, 0x6064}};
  const ByteVec ip6 = BuildTcp(V6(), Segment(""));
  const ByteVec f = Ethernet(eth, ip6);
  EXPECT_EQ(Slice(f, 0, 6), (ByteVec{0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb}));
  EXPECT_EQ(Slice(f, 6, 6), (ByteVec{0x00, 0x11, 0x22, 0x33, 0x44, 0x55}));
  EXPECT_EQ(Be16(f, 12), 0x88a8);
  EXPECT_EQ(Be16(f, 14), 200);
  EXPECT_EQ(Be16(f, 16), 0x8100);
  EXPECT_EQ(Be16(f, 18), 0x6064);
  EXPECT_EQ(Be16(f, 20), 0x86dd);
  EXPECT_EQ(Slice(f, 22, ip6.size()), ip6);

  EthSpec padded;
  padded.pad_to = 60;
  const ByteVec ack = BuildTcp(V4(), Segment(""));
  const ByteVec g = Ethernet(padded, ack);
  ASSERT_EQ(g.size(), 60u);
  EXPECT_EQ(Be16(g, 12), 0x0800);
  EXPECT_EQ(Slice(g, 54, 6), ByteVec(6, 0xEE));

  EthSpec arp;
  arp.ethertype = 0x0806;
  EXPECT_EQ(Be16(Ethernet(arp, ByteVec(28, 0)), 12), 0x0806);
}

TEST(PcapBuilderTest, LinuxSllNullLoopRaw) {
  const ByteVec ip = BuildTcp(V4(), Segment("z"));
  const ByteVec sll = LinuxSll(ip, 0x0800, 4);
  EXPECT_EQ(Slice(sll, 0, 16),
            (ByteVec{0, 4, 0, 1, 0, 6, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0, 0, 0x08, 0x00}));
  EXPECT_EQ(Slice(sll, 16, ip.size()), ip);
  EXPECT_EQ(Slice(NullLink(ip, 24, false), 0, 4), (ByteVec{24, 0, 0, 0}));
  EXPECT_EQ(Slice(NullLink(ip, 30, true), 0, 4), (ByteVec{0, 0, 0, 30}));
  EXPECT_EQ(Slice(LoopLink(ip, 2), 0, 4), (ByteVec{0, 0, 0, 2}));
  EXPECT_EQ(LoopLink(ip, 2).size(), ip.size() + 4);
  EXPECT_EQ(RawLink(ip), ip);
  EXPECT_EQ(LinktypeOf(Framing::kEthernet), 1u);
  EXPECT_EQ(LinktypeOf(Framing::kLinuxSll), 113u);
  EXPECT_EQ(LinktypeOf(Framing::kNullLe), 0u);
  EXPECT_EQ(LinktypeOf(Framing::kRaw), 101u);
}

// ------------------------------------------------------------------------------- conversation

struct TcpView {
  std::uint32_t seq, ack;
  std::uint8_t flags;
  ByteVec payload;
};

// Reads the TCP fields of an Ethernet/IPv4 frame without options.
TcpView ReadTcp(const ByteVec& frame) {
  const std::size_t tcp = kEth + 20;
  return {Be32(frame, tcp + 4), Be32(frame, tcp + 8), frame.at(tcp + 13),
          Slice(frame, tcp + 20, frame.size() - tcp - 20)};
}

TEST(PcapBuilderTest, ConversationHandshakeAndSequenceTracking) {
  Conversation c = DefaultConversation(1000, 500000);
  EXPECT_EQ(c.client_next_seq(), 1001u);
  EXPECT_EQ(c.server_next_seq(), 500001u);
  c.Handshake();
  ASSERT_EQ(c.frames().size(), 3u);
  const TcpView syn = ReadTcp(c.frames()[0].bytes);
  EXPECT_EQ(syn.seq, 1000u);
  EXPECT_EQ(syn.ack, 0u);
  EXPECT_EQ(syn.flags, kSyn);
  const TcpView synack = ReadTcp(c.frames()[1].bytes);
  EXPECT_EQ(synack.seq, 500000u);
  EXPECT_EQ(synack.ack, 1001u);
  EXPECT_EQ(synack.flags, kSyn | kAck);
  const TcpView ack = ReadTcp(c.frames()[2].bytes);
  EXPECT_EQ(ack.seq, 1001u);
  EXPECT_EQ(ack.ack, 500001u);
  EXPECT_EQ(ack.flags, kAck);

  c.ClientSends("hello");
  c.ServerSends("world!");
  EXPECT_EQ(c.client_next_seq(), 1006u);
  EXPECT_EQ(c.server_next_seq(), 500007u);
  const TcpView data = ReadTcp(c.frames()[4].bytes);
  EXPECT_EQ(data.seq, 500001u);
  EXPECT_EQ(data.ack, 1006u);
  EXPECT_EQ(data.flags, kAck | kPsh);
  EXPECT_EQ(data.payload, ToBytes("world!"));

  c.ClientFin();
  ASSERT_EQ(c.frames().size(), 7u);
  EXPECT_EQ(ReadTcp(c.frames()[5].bytes).flags, kFin | kAck);
  EXPECT_EQ(ReadTcp(c.frames()[5].bytes).seq, 1006u);
  EXPECT_EQ(ReadTcp(c.frames()[6].bytes).ack, 1007u);  // the server's ACK of the FIN
  EXPECT_EQ(c.client_next_seq(), 1007u);
  c.ServerFin(false);
  EXPECT_EQ(c.frames().size(), 8u);
  EXPECT_EQ(c.server_next_seq(), 500008u);
  c.ClientRst();
  EXPECT_EQ(ReadTcp(c.frames().back().bytes).flags, kRst | kAck);
  EXPECT_EQ(c.client_next_seq(), 1007u);
}

TEST(PcapBuilderTest, ConversationSegmentAtAndSetNext) {
  Conversation c = DefaultConversation(1000, 500000);
  c.ClientSegmentAt(8, "CCCC");
  c.ClientSegmentAt(-4, "ZZZZ", kAck);
  c.ServerSegmentAt(2, "s");
  EXPECT_EQ(ReadTcp(c.frames()[0].bytes).seq, 1009u);
  EXPECT_EQ(ReadTcp(c.frames()[1].bytes).seq, 997u);
  EXPECT_EQ(ReadTcp(c.frames()[1].bytes).flags, kAck);
  EXPECT_EQ(ReadTcp(c.frames()[2].bytes).seq, 500003u);
  EXPECT_EQ(c.client_next_seq(), 1001u);  // SegmentAt does not advance
  c.SetClientNext(12);
  c.SetServerNext(3);
  EXPECT_EQ(c.client_next_seq(), 1013u);
  EXPECT_EQ(c.server_next_seq(), 500004u);
}

TEST(PcapBuilderTest, ConversationSequenceWrapsAround) {
  Conversation c = DefaultConversation(0xFFFFFFF0, 0xFFFFFFFF);
  c.Handshake();
  EXPECT_EQ(ReadTcp(c.frames()[1].bytes).seq, 0xFFFFFFFFu);
  EXPECT_EQ(ReadTcp(c.frames()[2].bytes).ack, 0u);
  c.ClientSends(std::string(20, 'a'));
  EXPECT_EQ(ReadTcp(c.frames()[3].bytes).seq, 0xFFFFFFF1u);
  EXPECT_EQ(c.client_next_seq(), 5u);
  c.ClientSegmentAt(-1, "x");
  EXPECT_EQ(ReadTcp(c.frames()[4].bytes).seq, 0xFFFFFFF0u);
}

TEST(PcapBuilderTest, ConversationSynWithDataAndFinWithData) {
  Conversation c = DefaultConversation(1000, 500000);
  c.ClientSyn("SYNDATA");
  EXPECT_EQ(ReadTcp(c.frames()[0].bytes).payload, ToBytes("SYNDATA"));
  EXPECT_EQ(c.client_next_seq(), 1008u);
  c.ServerSynAck();
  EXPECT_EQ(ReadTcp(c.frames()[1].bytes).ack, 1008u);
  c.ClientSends("BBBB", kFin | kAck | kPsh);
  EXPECT_EQ(ReadTcp(c.frames()[2].bytes).seq, 1008u);
  EXPECT_EQ(c.client_next_seq(), 1013u);  // 4 bytes + FIN
}

TEST(PcapBuilderTest, ConversationTimestampsAndGap) {
  Conversation c = DefaultConversation();
  for (int i = 0; i < 11; ++i) c.ClientAck();
  EXPECT_EQ(c.frames()[0].sec, kDefaultStartSec);
  EXPECT_EQ(c.frames()[0].usec, 0u);
  EXPECT_EQ(c.frames()[9].usec, 900000u);
  EXPECT_EQ(c.frames()[10].sec, kDefaultStartSec + 1);
  EXPECT_EQ(c.frames()[10].usec, 0u);
  c.SetTime(100, 2500000);  // normalised to 102.5
  c.SetGapUsec(750000);
  c.ClientAck();
  c.ClientAck();
  EXPECT_EQ(c.frames()[11].sec, 102);
  EXPECT_EQ(c.frames()[11].usec, 500000u);
  EXPECT_EQ(c.frames()[12].sec, 103);
  EXPECT_EQ(c.frames()[12].usec, 250000u);
}

TEST(PcapBuilderTest, ConversationEthernetSwapsMacsForServer) {
  Conversation c = DefaultConversation();
  c.Handshake();
  EXPECT_EQ(Slice(c.frames()[0].bytes, 0, 6), (ByteVec{0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb}));
  EXPECT_EQ(Slice(c.frames()[1].bytes, 0, 6), (ByteVec{0x00, 0x11, 0x22, 0x33, 0x44, 0x55}));
  EXPECT_EQ(Slice(c.frames()[1].bytes, 26, 4), kV4Server);  // IPv4 source of the SYN/ACK
}

TEST(PcapBuilderTest, ConversationOtherFramings) {
  Conversation raw("2001:db8::2", 1, "2001:db8::1", 2, 0, 0, Framing::kRaw);
  raw.ClientAck();
  EXPECT_EQ(raw.frames()[0].bytes[0] >> 4, 6);
  Conversation null("10.0.0.2", 1, "10.0.0.1", 2, 0, 0, Framing::kNullLe);
  null.ClientAck();
  EXPECT_EQ(Slice(null.frames()[0].bytes, 0, 4), (ByteVec{2, 0, 0, 0}));
  Conversation sll("10.0.0.2", 1, "10.0.0.1", 2, 0, 0, Framing::kLinuxSll);
  sll.ClientAck();
  sll.ServerAck();
  EXPECT_EQ(Be16(sll.frames()[0].bytes, 0), 4);  // outgoing
  EXPECT_EQ(Be16(sll.frames()[1].bytes, 0), 0);  // incoming
  EXPECT_EQ(Be16(sll.frames()[0].bytes, 14), 0x0800);
  Conversation custom("10.0.0.2", 1, "10.0.0.1", 2, 0, 0);
  custom.SetFramer([](const ByteVec& ip, bool) { return LoopLink(ip, 2); });
  custom.ClientAck();
  EXPECT_EQ(Slice(custom.frames()[0].bytes, 0, 4), (ByteVec{0, 0, 0, 2}));
}

TEST(PcapBuilderTest, ConversationPacketHookSeesEveryPacket) {
  Conversation c = DefaultConversation();
  int data_packets = 0;
  c.SetPacketHook([&data_packets](bool from_client, IpSpec& ip, TcpSpec& tcp) {
    if (tcp.payload.empty()) return;
    ++data_packets;
    if (from_client) ip.total_length_override = 0;
  });
  c.Handshake();
  c.ClientSends("abc");
  c.ServerSends("def");
  EXPECT_EQ(data_packets, 2);
  EXPECT_EQ(Be16(c.frames()[3].bytes, kEth + 2), 0);
  EXPECT_EQ(Be16(c.frames()[4].bytes, kEth + 2), 43);
}

TEST(PcapBuilderTest, ConversationFragmentsIpv4) {
  Conversation c = DefaultConversation(1000, 500000);
  const std::string data(100, 'f');
  c.ClientSendsFragmented(data, 48);
  ASSERT_EQ(c.frames().size(), 3u);  // 120-byte segment: 48 + 48 + 24
  ByteVec segment;
  const std::vector<std::uint16_t> expected_frag{0x2000 | 0, 0x2000 | 6, 12};
  for (std::size_t i = 0; i < 3; ++i) {
    const ByteVec& f = c.frames()[i].bytes;
    EXPECT_EQ(Be16(f, kEth + 6), expected_frag[i]);
    EXPECT_EQ(Be16(f, kEth + 4), Be16(c.frames()[0].bytes, kEth + 4));  // same id
    EXPECT_EQ(Be16(f, kEth + 2), f.size() - kEth);
    EXPECT_EQ(FoldedSum(Slice(f, kEth, 20)), 0xffffu);
    const ByteVec part = Slice(f, kEth + 20, f.size() - kEth - 20);
    segment.insert(segment.end(), part.begin(), part.end());
  }
  ASSERT_EQ(segment.size(), 120u);
  EXPECT_EQ(Be32(segment, 4), 1001u);
  EXPECT_EQ(Slice(segment, 20, 100), ToBytes(data));
  EXPECT_TRUE(L4ChecksumOk(kV4Client, kV4Server, 6, segment));
  EXPECT_EQ(c.client_next_seq(), 1101u);
  EXPECT_THROW(c.ClientSendsFragmented("x", 12), std::invalid_argument);
}

TEST(PcapBuilderTest, ConversationFragmentsIpv6) {
  Conversation c("2001:db8::2", 34567, "2001:db8::1", 80, 7, 9);
  c.ClientSendsFragmented(std::string(30, 'g'), 24);  // 50-byte segment: 24 + 24 + 2
  ASSERT_EQ(c.frames().size(), 3u);
  ByteVec segment;
  for (std::size_t i = 0; i < 3; ++i) {
    const ByteVec& f = c.frames()[i].bytes;
    EXPECT_EQ(f[kEth + 6], 44);
    EXPECT_EQ(Be16(f, kEth + 4), f.size() - kEth - 40);
    const std::size_t frag = kEth + 40;
    EXPECT_EQ(f[frag], 6);
    EXPECT_EQ(Be16(f, frag + 2), static_cast<std::uint16_t>((i * 3) << 3 | (i < 2 ? 1 : 0)));
    EXPECT_EQ(Be32(f, frag + 4), Be32(c.frames()[0].bytes, frag + 4));
    const ByteVec part = Slice(f, frag + 8, f.size() - frag - 8);
    segment.insert(segment.end(), part.begin(), part.end());
  }
  ASSERT_EQ(segment.size(), 50u);
  EXPECT_TRUE(L4ChecksumOk(kV6Client, kV6Server, 6, segment));
}

TEST(PcapBuilderTest, MergeFramesIsStableByTime) {
  const std::vector<TimedFrame> a{{10, 5, {1}}, {10, 7, {2}}, {11, 0, {3}}};
  const std::vector<TimedFrame> b{{10, 5, {4}}, {10, 6, {5}}};
  const std::vector<TimedFrame> merged = MergeFrames({a, b});
  ByteVec order;
  for (const TimedFrame& f : merged) order.push_back(f.bytes[0]);
  EXPECT_EQ(order, (ByteVec{1, 4, 5, 2, 3}));
}

TEST(PcapBuilderTest, AppendToWritesEveryFrame) {
  Conversation c = DefaultConversation();
  c.Handshake();
  c.ClientSends("GET / HTTP/1.0\r\n\r\n");
  PcapWriter w;
  c.AppendTo(w);
  ASSERT_EQ(w.record_offsets().size(), 4u);
  EXPECT_EQ(Le32(w.bytes(), w.record_offsets()[3] + 4), 300000u);
  EXPECT_EQ(Le32(w.bytes(), w.record_offsets()[3] + 8), 14u + 20u + 20u + 18u);
}

}  // namespace
}  // namespace tcpflow::testing
