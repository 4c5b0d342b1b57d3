// tcp_segment_test.cpp: tests for TCP header decoding (RFC 9293 section 3.1).
#include "tcp_segment.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace tcpflow {
namespace {

using Segment = std::vector<std::uint8_t>;

void AppendBe16(Segment& s, std::uint16_t v) {
  s.push_back(static_cast<std::uint8_t>(v >> 8));
  s.push_back(static_cast<std::uint8_t>(v));
}
void AppendBe32(Segment& s, std::uint32_t v) {
  AppendBe16(s, static_cast<std::uint16_t>(v >> 16));
  AppendBe16(s, static_cast<std::uint16_t>(v));
}

struct TcpSpec {
  std::uint16_t src_port = 49152;
  std::uint16_t dst_port = 80;
  std::uint32_t seq = 0x01020304;
  std::uint32_t ack = 0xfffffffe;
  std::uint8_t data_offset = 5;  // in 32-bit words
  std::uint8_t flags_byte = kTcpAck | kTcpPsh;
  std::uint16_t window = 0xfaf0;
  Segment options{};  // should be data_offset * 4 - 20 bytes
  Segment payload{};
};

Segment Tcp(const TcpSpec& s) {
  Segment seg;
  AppendBe16(seg, s.src_port);
  AppendBe16(seg, s.dst_port);
  AppendBe32(seg, s.seq);
  AppendBe32(seg, s.ack);
  seg.push_back(static_cast<std::uint8_t>(s.data_offset << 4));
  seg.push_back(s.flags_byte);
  AppendBe16(seg, s.window);
  AppendBe16(seg, 0xbeef);  // checksum
  AppendBe16(seg, 0);       // urgent pointer
  seg.insert(seg.end(), s.options.begin(), s.options.end());
  seg.insert(seg.end(), s.payload.begin(), s.payload.end());
  return seg;
}

Segment Text(const char* text) {
  Segment s;
  for (const char* p = text; *p != '\0'; ++p) s.push_back(static_cast<std::uint8_t>(*p));
  return s;
}

void ExpectPayload(const TcpLayer& tcp, const Segment& segment, std::size_t offset,
                   const Segment& expected) {
  ASSERT_EQ(tcp.payload.size(), expected.size());
  EXPECT_EQ(tcp.payload.data(), segment.data() + offset);
  EXPECT_EQ(Segment(tcp.payload.begin(), tcp.payload.end()), expected);
}

void ExpectRejected(const Segment& segment, Anomaly anomaly) {
  TcpLayer tcp;
  AnomalyCounters anomalies;
  EXPECT_FALSE(DecodeTcp(Bytes(segment), tcp, anomalies));
  EXPECT_EQ(anomalies.Total(), 1u);
  EXPECT_EQ(anomalies.Get(anomaly), 1u) << AnomalyName(anomaly);
}

TEST(TcpSegmentTest, Basic) {
  const Segment payload = Text("GET / HTTP/1.0\r\n");
  const Segment segment = Tcp({.payload = payload});
  TcpLayer tcp;
  AnomalyCounters anomalies;
  ASSERT_TRUE(DecodeTcp(Bytes(segment), tcp, anomalies));
  EXPECT_EQ(anomalies.Total(), 0u);
  EXPECT_EQ(tcp.src_port, 49152);
  EXPECT_EQ(tcp.dst_port, 80);
  EXPECT_EQ(tcp.seq, 0x01020304u);
  EXPECT_EQ(tcp.ack, 0xfffffffeu);
  EXPECT_EQ(tcp.flags, kTcpAck | kTcpPsh);
  EXPECT_TRUE(tcp.ack_flag());
  EXPECT_FALSE(tcp.syn());
  EXPECT_FALSE(tcp.fin());
  EXPECT_FALSE(tcp.rst());
  EXPECT_EQ(tcp.window, 0xfaf0);
  ExpectPayload(tcp, segment, 20, payload);
}

TEST(TcpSegmentTest, HeaderOnlyHasEmptyPayload) {
  const Segment segment = Tcp({.flags_byte = kTcpSyn});
  TcpLayer tcp;
  AnomalyCounters anomalies;
  ASSERT_TRUE(DecodeTcp(Bytes(segment), tcp, anomalies));
  EXPECT_TRUE(tcp.syn());
  EXPECT_FALSE(tcp.ack_flag());
  EXPECT_TRUE(tcp.payload.empty());
}

TEST(TcpSegmentTest, OptionsAreSkipped) {
  for (std::uint8_t data_offset : {6, 8, 15}) {
    SCOPED_TRACE(static_cast<int>(data_offset));
    Segment options(data_offset * 4u - 20, 0x01);  // NOPs
    const Segment payload = Text("hello");
    const Segment segment =
        Tcp({.data_offset = data_offset, .options = options, .payload = payload});
    TcpLayer tcp;
    AnomalyCounters anomalies;
    ASSERT_TRUE(DecodeTcp(Bytes(segment), tcp, anomalies));
    EXPECT_EQ(anomalies.Total(), 0u);
    ExpectPayload(tcp, segment, data_offset * 4u, payload);
  }
}

TEST(TcpSegmentTest, OptionsFillingTheSegmentLeaveNoPayload) {
  const Segment segment = Tcp({.data_offset = 15, .options = Segment(40, 0x01)});
  TcpLayer tcp;
  AnomalyCounters anomalies;
  ASSERT_TRUE(DecodeTcp(Bytes(segment), tcp, anomalies));
  EXPECT_TRUE(tcp.payload.empty());
}

TEST(TcpSegmentTest, FlagsAreTheLowSixBits) {
  // CWR and ECE (0x80, 0x40) are dropped; the six classic flags are kept.
  const Segment segment = Tcp({.flags_byte = 0xff});
  TcpLayer tcp;
  AnomalyCounters anomalies;
  ASSERT_TRUE(DecodeTcp(Bytes(segment), tcp, anomalies));
  EXPECT_EQ(tcp.flags, 0x3f);
  EXPECT_TRUE(tcp.syn());
  EXPECT_TRUE(tcp.fin());
  EXPECT_TRUE(tcp.rst());
  EXPECT_TRUE(tcp.ack_flag());
  for (std::uint8_t flag : {kTcpFin, kTcpSyn, kTcpRst, kTcpPsh, kTcpAck, kTcpUrg}) {
    ASSERT_TRUE(DecodeTcp(Bytes(Tcp({.flags_byte = flag})), tcp, anomalies));
    EXPECT_EQ(tcp.flags, flag);
  }
  ASSERT_TRUE(DecodeTcp(Bytes(Tcp({.flags_byte = 0xc0})), tcp, anomalies));
  EXPECT_EQ(tcp.flags, 0);
}

TEST(TcpSegmentTest, ReservedBitsBesideDataOffsetAreIgnored) {
  Segment segment = Tcp({.payload = Text("x")});
  segment[12] |= 0x0f;  // reserved bits and the old NS/AE bit
  TcpLayer tcp;
  AnomalyCounters anomalies;
  ASSERT_TRUE(DecodeTcp(Bytes(segment), tcp, anomalies));
  ExpectPayload(tcp, segment, 20, Text("x"));
}

TEST(TcpSegmentTest, DataOffsetBelowFiveIsRejected) {
  for (std::uint8_t data_offset = 0; data_offset < 5; ++data_offset) {
    SCOPED_TRACE(static_cast<int>(data_offset));
    ExpectRejected(Tcp({.data_offset = data_offset, .payload = Text("payload")}),
                   Anomaly::kBadTcpDataOffset);
  }
}

TEST(TcpSegmentTest, DataOffsetPastTheSegmentIsRejected) {
  ExpectRejected(Tcp({.data_offset = 6}), Anomaly::kTruncatedTcpHeader);
  ExpectRejected(Tcp({.data_offset = 15, .options = Segment(39, 0x01)}),
                 Anomaly::kTruncatedTcpHeader);
}

TEST(TcpSegmentTest, PrefixesAreRejected) {
  const Segment plain = Tcp({.payload = Text("data")});
  const Segment with_options = Tcp({.data_offset = 11, .options = Segment(24, 0x01)});
  for (const Segment* segment : {&plain, &with_options}) {
    const std::size_t header_size = (static_cast<std::size_t>((*segment)[12]) >> 4) * 4;
    for (std::size_t n = 0; n < header_size; ++n) {
      SCOPED_TRACE(n);
      // Each prefix gets its own exact-size buffer so that ASan catches an over-read.
      const Segment prefix(segment->begin(), segment->begin() + static_cast<std::ptrdiff_t>(n));
      ExpectRejected(prefix, Anomaly::kTruncatedTcpHeader);
    }
  }
}

TEST(TcpSegmentTest, NothingSurvivesFromAnEarlierSegment) {
  TcpLayer tcp;
  AnomalyCounters anomalies;
  ASSERT_TRUE(DecodeTcp(Bytes(Tcp({.flags_byte = 0x3f, .payload = Text("abc")})), tcp, anomalies));
  EXPECT_FALSE(DecodeTcp(Bytes(Segment(10)), tcp, anomalies));
  EXPECT_EQ(tcp.flags, 0);
  EXPECT_TRUE(tcp.payload.empty());
}

}  // namespace
}  // namespace tcpflow
