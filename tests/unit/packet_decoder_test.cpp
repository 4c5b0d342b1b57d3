// packet_decoder_test.cpp: a frame's headers decoded once (FrameDecoder), the stateful rest
// (PacketDecoder: fragments, tunnels), the packet scanners' summary, and the capture path
// reusing what the look-ahead decoded.
#include "packet_decoder.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "common/pcap_builder.h"
#include "config.h"
#include "dfxml_writer.h"
#include "filename_template.h"
#include "output_dir.h"
#include "pipeline.h"

namespace tcpflow {
namespace {

using testing::ByteVec;

constexpr std::uint8_t kProtoGre = 47;
const std::string kFlowName = "192.168.001.002.34567-010.000.000.001.00080";
// The same flow with its destination port changed to 81 (see BreakThePromise).
const std::string kPort81 = "192.168.001.002.34567-010.000.000.001.00081";

ByteVec TcpPacket(const std::string& text, std::uint32_t seq = 1001, std::uint16_t id = 0) {
  testing::IpSpec ip;
  ip.src = "192.168.1.2";
  ip.dst = "10.0.0.1";
  ip.id = id;
  testing::TcpSpec tcp;
  tcp.sport = 34567;
  tcp.dport = 80;
  tcp.seq = seq;
  tcp.flags = testing::kAck | testing::kPsh;
  tcp.payload = testing::ToBytes(text);
  return testing::BuildTcp(ip, tcp);
}

ByteVec EthernetTcp(const std::string& text) {
  return testing::Ethernet({}, TcpPacket(text));
}

std::string Text(Bytes bytes) {
  return std::string(bytes.begin(), bytes.end());
}

// ------------------------------------------------------------------------------- FrameDecoder

TEST(FrameDecoderTest, WholeTcpSegmentDecodesToItsTcpHeader) {
  FrameDecoder decoder;
  FrameHeaders headers;
  const ByteVec frame = EthernetTcp("hello");
  decoder.Decode(kDltEn10mb, Bytes(frame), &headers);
  ASSERT_EQ(headers.depth, FrameHeaders::Depth::kTcp);
  EXPECT_TRUE(headers.link.has_macs);
  EXPECT_EQ(headers.ip.version, 4);
  EXPECT_EQ(headers.tcp.src_port, 34567);
  EXPECT_EQ(headers.tcp.dst_port, 80);
  EXPECT_EQ(Text(headers.tcp.payload), "hello");
  EXPECT_EQ(headers.link_anomalies.Total() + headers.network_anomalies.Total(), 0u);
}

TEST(FrameDecoderTest, AnomaliesStayInTheHeadersUntilMoved) {
  FrameDecoder decoder;
  FrameHeaders headers;
  const ByteVec runt = {0x01, 0x02, 0x03};
  decoder.Decode(kDltEn10mb, Bytes(runt), &headers);
  EXPECT_EQ(headers.depth, FrameHeaders::Depth::kNone);
  EXPECT_EQ(headers.link_anomalies.Get(Anomaly::kTruncatedLinkHeader), 1u);
  AnomalyCounters run;
  headers.link_anomalies.MoveTo(run);
  headers.link_anomalies.MoveTo(run);  // moved once: nothing left
  EXPECT_EQ(run.Get(Anomaly::kTruncatedLinkHeader), 1u);
  EXPECT_EQ(headers.link_anomalies.Total(), 0u);

  // The next frame starts clean: what an earlier frame left is dropped.
  decoder.Decode(kDltEn10mb, Bytes(runt), &headers);
  const ByteVec good = EthernetTcp("x");
  decoder.Decode(kDltEn10mb, Bytes(good), &headers);
  EXPECT_EQ(headers.link_anomalies.Total(), 0u);
}

TEST(FrameDecoderTest, BadTcpHeaderStopsAtIpWithTheAnomalyKept) {
  FrameDecoder decoder;
  FrameHeaders headers;
  testing::IpSpec ip;
  ip.src = "192.168.1.2";
  ip.dst = "10.0.0.1";
  ip.protocol = 6;
  const ByteVec frame = testing::Ethernet({}, testing::BuildIp(ip, ByteVec(10, 0)));
  decoder.Decode(kDltEn10mb, Bytes(frame), &headers);
  EXPECT_EQ(headers.depth, FrameHeaders::Depth::kIp);
  EXPECT_EQ(headers.network_anomalies.Get(Anomaly::kTruncatedTcpHeader), 1u);

  const DefragLimits limits;
  AnomalyCounters run;
  PacketDecoder packets(limits, run, 1);
  EXPECT_EQ(packets.Segment(headers, {}), PacketDecoder::Result::kNotSegment);
  EXPECT_EQ(run.Get(Anomaly::kTruncatedTcpHeader), 1u);  // counted once, not decoded again
  EXPECT_EQ(run.Total(), 1u);
}

TEST(FrameDecoderTest, UnsupportedLinkTypeAndItsSuccessor) {
  FrameDecoder decoder;
  FrameHeaders headers;
  const ByteVec frame = EthernetTcp("x");
  decoder.Decode(9999, Bytes(frame), &headers);
  EXPECT_EQ(headers.depth, FrameHeaders::Depth::kNone);
  EXPECT_EQ(headers.link_anomalies.Get(Anomaly::kUnsupportedNetwork), 1u);
  // The decoder follows the link type from frame to frame (pcapng interfaces differ).
  decoder.Decode(kDltEn10mb, Bytes(frame), &headers);
  EXPECT_EQ(headers.depth, FrameHeaders::Depth::kTcp);
  const ByteVec raw = TcpPacket("raw");  // the headers point into it
  decoder.Decode(kDltRaw, Bytes(raw), &headers);
  ASSERT_EQ(headers.depth, FrameHeaders::Depth::kTcp);
  EXPECT_EQ(Text(headers.tcp.payload), "raw");
}

TEST(FrameDecoderTest, SummaryComesFromTheHeaders) {
  FrameDecoder decoder;
  FrameHeaders headers;
  const ByteVec frame = EthernetTcp("hello");
  decoder.Decode(kDltEn10mb, Bytes(frame), &headers);
  const PacketSummary summary = Summarize(Timeval{5, 6}, 1234, kDltEn10mb, headers);
  EXPECT_EQ(summary.ts, (Timeval{5, 6}));
  EXPECT_EQ(summary.wire_len, 1234u);
  EXPECT_EQ(summary.network, PacketSummary::Network::kIpv4);
  ASSERT_TRUE(summary.has_ip);
  EXPECT_EQ(summary.protocol, 6);
  ASSERT_TRUE(summary.has_ports);
  EXPECT_EQ(summary.src_port, 34567);
  EXPECT_EQ(summary.dst_port, 80);

  // Only Ethernet tells the network apart; on raw IP it is "other", with the IP header known.
  const ByteVec raw = TcpPacket("raw");  // the headers point into it
  decoder.Decode(kDltRaw, Bytes(raw), &headers);
  const PacketSummary raw_summary = Summarize(Timeval{}, 40, kDltRaw, headers);
  EXPECT_EQ(raw_summary.network, PacketSummary::Network::kOther);
  EXPECT_TRUE(raw_summary.has_ip);
}

// ------------------------------------------------------------------------------ PacketDecoder

// A frame through both stages, as the capture path takes it.
class PacketDecoderTest : public ::testing::Test {
 protected:
  PacketDecoder::Result Decode(int dlt, const ByteVec& frame) {
    frames_.Decode(dlt, Bytes(frame), &headers_);
    return packets_.Segment(headers_, Timeval{1, 0});
  }

  const DefragLimits limits_{};  // outlives packets_, which keeps a reference
  AnomalyCounters run_;
  PacketDecoder packets_{limits_, run_, 1};
  FrameDecoder frames_;
  FrameHeaders headers_;
};

TEST_F(PacketDecoderTest, FragmentsAreHeldThenReassembledIntoASegment) {
  const ByteVec whole = TcpPacket(std::string(100, 'f'), 1001, 77);
  // Split the IPv4 packet after 40 bytes of its payload (20 of TCP header + 20 of data).
  testing::IpSpec spec;
  spec.src = "192.168.1.2";
  spec.dst = "10.0.0.1";
  spec.protocol = 6;
  spec.id = 77;
  const ByteVec l4(whole.begin() + 20, whole.end());
  spec.more_fragments = true;
  const ByteVec first = testing::BuildIp(spec, ByteVec(l4.begin(), l4.begin() + 40));
  spec.more_fragments = false;
  spec.fragment_offset_units = 5;
  const ByteVec second = testing::BuildIp(spec, ByteVec(l4.begin() + 40, l4.end()));

  EXPECT_EQ(Decode(kDltRaw, first), PacketDecoder::Result::kHeldTcp);
  EXPECT_EQ(headers_.depth, FrameHeaders::Depth::kIp);  // a fragment waits for its datagram
  ASSERT_EQ(Decode(kDltRaw, second), PacketDecoder::Result::kSegment);
  EXPECT_EQ(Text(packets_.tcp().payload), std::string(100, 'f'));
  EXPECT_EQ(packets_.tcp().src_port, 34567);
  EXPECT_EQ(run_.Get(Anomaly::kIpFragment), 2u);
}

TEST_F(PacketDecoderTest, TunnelsGiveTheInnermostLayers) {
  testing::IpSpec outer;
  outer.src = "198.51.100.1";
  outer.dst = "198.51.100.2";
  outer.protocol = kProtoGre;
  testing::EthSpec inner_eth;
  inner_eth.src = {0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee};
  const ByteVec frame = testing::Ethernet(
      {}, testing::BuildIp(outer, testing::Gre({.protocol = 0x6558},
                                               testing::Ethernet(inner_eth, TcpPacket("in")))));
  ASSERT_EQ(Decode(kDltEn10mb, frame), PacketDecoder::Result::kSegment);
  EXPECT_EQ(Text(packets_.tcp().payload), "in");
  EXPECT_EQ(packets_.ip().src.ToString(), "192.168.1.2");
  EXPECT_EQ(packets_.link().src_mac, inner_eth.src);  // the inner Ethernet header names the flow
  EXPECT_EQ(run_.Total(), 0u);
}

TEST_F(PacketDecoderTest, OtherProtocolsAreNotSegments) {
  testing::IpSpec ip;
  ip.src = "192.168.1.2";
  ip.dst = "10.0.0.1";
  EXPECT_EQ(Decode(kDltRaw, testing::BuildUdp(ip, 53, 53, testing::ToBytes("dns"))),
            PacketDecoder::Result::kNotSegment);
  EXPECT_EQ(run_.Get(Anomaly::kNotTcp), 1u);
}

TEST_F(PacketDecoderTest, TooManyLayersStop) {
  // IP-in-IP nested deeper than kMaxIpLayers.
  ByteVec packet = TcpPacket("deep");
  testing::IpSpec outer;
  outer.src = "198.51.100.1";
  outer.dst = "198.51.100.2";
  outer.protocol = 4;  // IPv4 in IPv4
  for (std::size_t i = 0; i < kMaxIpLayers; ++i) packet = testing::BuildIp(outer, packet);
  EXPECT_EQ(Decode(kDltRaw, packet), PacketDecoder::Result::kNotSegment);
  EXPECT_EQ(run_.Get(Anomaly::kTooManyVlanTags), 1u);
}

// ------------------------------------------------------------- the capture path's look-ahead

class LookAheadTest : public ::testing::Test {
 protected:
  LookAheadTest()
      : tmpl_(*FilenameTemplate::Parse(kDefaultFilenameTemplate, &error_)),
        report_(report_text_),
        processor_(config_, 1, fs_, tmpl_, PipelineSinks{.report = &report_}) {}

  bool Handle(Bytes frame, std::uint64_t view_epoch) {
    RawPacket packet;
    packet.ts = Timeval{1000, 0};
    packet.data = frame;
    packet.wire_len = static_cast<std::uint32_t>(frame.size());
    packet.link_type = kDltEn10mb;
    packet.view_epoch = view_epoch;
    return processor_.HandlePacket(kDltEn10mb, packet, false);
  }
  // The source promises that a frame stays unchanged while its view epoch does. To see whether
  // a frame is decoded again when it is handled, the tests break that promise after the
  // look-ahead: the TCP destination port (bytes 36-37 of the Ethernet frame) becomes 81.
  static void BreakThePromise(ByteVec& frame) { frame[37] = 81; }
  std::string FlowFile(const std::string& name) {
    ReportTotals totals;
    processor_.Finish(&totals, CloseReason::kEndOfInput);
    const auto it = fs_.files().find(name);
    if (it == fs_.files().end()) return "<missing>";
    return std::string(it->second.bytes.begin(), it->second.bytes.end());
  }

  std::string error_;
  Config config_;
  FilenameTemplate tmpl_;
  MemoryOutputFs fs_;
  std::ostringstream report_text_;
  ReportWriter report_;
  PacketProcessor processor_;
};

TEST_F(LookAheadTest, FrameLookedAheadAtIsDecodedOnce) {
  ByteVec frame = EthernetTcp("ahead");
  processor_.LookAhead(kDltEn10mb, Bytes(frame), 7);
  BreakThePromise(frame);
  EXPECT_TRUE(Handle(Bytes(frame), 7));
  EXPECT_EQ(FlowFile(kFlowName), "ahead");  // named by the headers the look-ahead decoded
}

TEST_F(LookAheadTest, AnotherViewEpochIsDecodedAgain) {
  ByteVec frame = EthernetTcp("ahead");
  processor_.LookAhead(kDltEn10mb, Bytes(frame), 7);
  BreakThePromise(frame);
  EXPECT_TRUE(Handle(Bytes(frame), 8));  // the bytes may have moved: decoded as they are now
  EXPECT_EQ(FlowFile(kPort81), "ahead");
}

TEST_F(LookAheadTest, ForgottenFramesAreDecodedAgain) {
  ByteVec frame = EthernetTcp("ahead");
  processor_.LookAhead(kDltEn10mb, Bytes(frame), 7);
  processor_.ForgetLookAhead();  // another input starts: its epochs start again
  BreakThePromise(frame);
  EXPECT_TRUE(Handle(Bytes(frame), 7));
  EXPECT_EQ(FlowFile(kPort81), "ahead");
}

TEST_F(LookAheadTest, NoViewEpochIsNoPromise) {
  ByteVec frame = EthernetTcp("ahead");
  processor_.LookAhead(kDltEn10mb, Bytes(frame), 0);
  BreakThePromise(frame);
  EXPECT_TRUE(Handle(Bytes(frame), 0));
  EXPECT_EQ(FlowFile(kPort81), "ahead");
}

TEST_F(LookAheadTest, FramesLookedAheadAtButNotHandledCountNothing) {
  const ByteVec runt = {0x01, 0x02, 0x03};
  processor_.LookAhead(kDltEn10mb, Bytes(runt), 7);
  EXPECT_EQ(processor_.anomalies().Total(), 0u);
  EXPECT_FALSE(Handle(Bytes(runt), 7));
  EXPECT_EQ(processor_.anomalies().Get(Anomaly::kTruncatedLinkHeader), 1u);
}

}  // namespace
}  // namespace tcpflow
