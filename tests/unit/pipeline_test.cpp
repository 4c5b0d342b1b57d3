// pipeline_test.cpp: frames in, flow files and report out, in memory: the PacketProcessor with
// its decoders, demux, sinks and report wired as a run wires them, driven by built frames.
#include "pipeline.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "common/pcap_builder.h"
#include "community_id.h"
#include "config.h"
#include "datalink.h"
#include "dfxml_writer.h"
#include "filename_template.h"
#include "flow_key.h"
#include "output_dir.h"

namespace tcpflow {
namespace {

using testing::ByteVec;
using testing::Conversation;
using testing::TimedFrame;

constexpr char kClientIp[] = "192.168.1.2";
constexpr char kServerIp[] = "10.0.0.1";
const std::string kC2S = "out/192.168.001.002.34567-010.000.000.001.00080";
const std::string kS2C = "out/010.000.000.001.00080-192.168.001.002.34567";

// A connection from 192.168.1.2:client_port to 10.0.0.1:80 over Ethernet, no frames yet.
Conversation Exchange(std::uint16_t client_port = 34567) {
  return Conversation(kClientIp, client_port, kServerIp, 80, 1000, 5000);
}

// Handshake, a request, a response, and both FINs.
void Talk(Conversation& c) {
  c.Handshake();
  c.ClientSends("GET / HTTP/1.0\r\n\r\n");
  c.ServerSends("HTTP/1.0 200 OK\r\n\r\nhello");
  c.ClientFin();
  c.ServerFin();
}

class PipelineTest : public ::testing::Test {
 protected:
  PipelineTest() : template_(*FilenameTemplate::Parse(kDefaultFilenameTemplate, &error_)) {
    config_.output.outdir = "out";
  }

  // Hands every frame to a PacketProcessor built from config_, each looked ahead at two frames
  // early as the capture loop does (the frames never move: one view epoch for all, so each is
  // decoded once), then ends the run and writes the report's footer. Returns what HandlePacket
  // said of each frame (true: it belongs to TCP).
  std::vector<bool> Run(const std::vector<TimedFrame>& frames, int link_type = kDltEn10mb) {
    std::vector<bool> taken;
    ReportWriter report(report_text_);
    report.WriteHeader(ReportHeader{"test", "", {}, 0, Timeval{0, 0}});
    PipelineSinks sinks{.report = &report};
    if (!config_.report.json_path.empty()) sinks.flow_log = &flow_log_;
    if (config_.debug_level >= kFlowEventsDebugLevel) sinks.events = &events_;
    PacketProcessor processor(config_, 1, fs_, template_, sinks);
    for (std::size_t i = 0; i < frames.size(); ++i) {
      processor.LookAhead(link_type, i + 2 < frames.size() ? Bytes(frames[i + 2].bytes) : Bytes(),
                          1);
      RawPacket packet;
      packet.ts = Timeval{frames[i].sec, static_cast<std::int32_t>(frames[i].usec)};
      packet.data = Bytes(frames[i].bytes);
      packet.wire_len = static_cast<std::uint32_t>(frames[i].bytes.size());
      packet.link_type = link_type;
      packet.view_epoch = 1;
      taken.push_back(processor.HandlePacket(link_type, packet, false));
    }
    ReportTotals totals;
    processor.Finish(&totals, CloseReason::kEndOfInput);
    report.WriteFooter(totals);
    anomalies_ = processor.anomalies();
    failed_ = processor.failed();
    pipeline_error_ = processor.error();
    return taken;
  }

  // The bytes of file `path`, or "<missing>".
  std::string File(const std::string& path) const {
    const auto it = fs_.files().find(path);
    if (it == fs_.files().end()) return "<missing>";
    return std::string(it->second.bytes.begin(), it->second.bytes.end());
  }
  std::size_t Entries() const {
    const std::string text = report_text_.str();
    std::size_t count = 0;
    for (auto at = text.find("<fileobject>"); at != std::string::npos;
         at = text.find("<fileobject>", at + 1)) {
      ++count;
    }
    return count;
  }
  bool Reported(const std::string& path) const {
    return report_text_.str().find("<filename>" + path + "</filename>") != std::string::npos;
  }

  Config config_;
  std::string error_;
  FilenameTemplate template_;
  MemoryOutputFs fs_;
  std::ostringstream report_text_;
  std::ostringstream flow_log_;  // the JSON log, when config_.report.json_path is set
  std::ostringstream events_;    // the -v flow events, when config_.debug_level is 10 or more
  AnomalyCounters anomalies_;
  bool failed_ = false;
  std::string pipeline_error_;
};

TEST_F(PipelineTest, WholeExchangeOverEthernetGivesTwoFilesAndTwoEntries) {
  Conversation c = Exchange();
  Talk(c);
  const std::vector<bool> taken = Run(c.frames());
  EXPECT_EQ(taken, std::vector<bool>(c.frames().size(), true));
  EXPECT_EQ(fs_.files().size(), 2u);
  EXPECT_EQ(File(kC2S), "GET / HTTP/1.0\r\n\r\n");
  EXPECT_EQ(File(kS2C), "HTTP/1.0 200 OK\r\n\r\nhello");
  EXPECT_EQ(Entries(), 2u);
  EXPECT_TRUE(Reported(kC2S)) << report_text_.str();
  EXPECT_TRUE(Reported(kS2C)) << report_text_.str();
  EXPECT_NE(report_text_.str().find("</dfxml>"), std::string::npos);
  EXPECT_EQ(anomalies_.Total(), 0u);
  EXPECT_FALSE(failed_);
}

TEST_F(PipelineTest, NonTcpFrameIsNotTakenAndWritesNothing) {
  const testing::IpSpec ip{kClientIp, kServerIp, 17};
  const ByteVec udp = testing::BuildUdp(ip, 5353, 53, testing::ToBytes("query"));
  const std::vector<bool> taken = Run({{1, 0, testing::Ethernet({}, udp)}});
  EXPECT_EQ(taken, std::vector<bool>{false});
  EXPECT_TRUE(fs_.files().empty());
  EXPECT_EQ(Entries(), 0u);
  EXPECT_EQ(anomalies_.Get(Anomaly::kNotTcp), 1u);
}

TEST_F(PipelineTest, MalformedFrameIsCountedAsAnAnomaly) {
  Conversation c = Exchange();
  c.ClientSends("data");
  ByteVec cut = c.frames().front().bytes;
  cut.resize(14 + 12);  // Ethernet, then 12 of the IPv4 header's 20 bytes
  const std::vector<bool> taken = Run({{1, 0, cut}});
  EXPECT_EQ(taken, std::vector<bool>{false});
  EXPECT_TRUE(fs_.files().empty());
  EXPECT_EQ(anomalies_.Get(Anomaly::kTruncatedIpHeader), 1u);
}

TEST_F(PipelineTest, FragmentedSegmentIsReassembled) {
  Conversation c = Exchange();
  c.Handshake();
  c.ClientSendsFragmented("0123456789abcdefghijklmnopqrstuvwxyz", 16);
  const std::vector<bool> taken = Run(c.frames());
  EXPECT_EQ(taken, std::vector<bool>(c.frames().size(), true)) << "fragments of TCP are TCP";
  EXPECT_EQ(File(kC2S), "0123456789abcdefghijklmnopqrstuvwxyz");
  EXPECT_EQ(anomalies_.Get(Anomaly::kIpFragment), c.frames().size() - 3);
}

TEST_F(PipelineTest, GreTunnelsInnerFlowIsNamedByTheInnerHeaders) {
  Conversation c = Exchange();
  c.SetFramer([](const ByteVec& inner, bool from_client) {
    const testing::IpSpec outer{from_client ? "172.16.0.1" : "172.16.0.2",
                                from_client ? "172.16.0.2" : "172.16.0.1", 47};
    return testing::Ethernet({}, testing::BuildIp(outer, testing::Gre({}, inner)));
  });
  Talk(c);
  Run(c.frames());
  EXPECT_EQ(fs_.files().size(), 2u);
  EXPECT_EQ(File(kC2S), "GET / HTTP/1.0\r\n\r\n");
  EXPECT_EQ(File(kS2C), "HTTP/1.0 200 OK\r\n\r\nhello");
}

TEST_F(PipelineTest, ShardKeepsOnlyItsConnections) {
  config_.shard = ShardConfig{2, 2};
  std::vector<std::vector<TimedFrame>> lists;
  std::vector<bool> ours;
  const std::uint8_t client[4] = {192, 168, 1, 2};
  const std::uint8_t server[4] = {10, 0, 0, 1};
  std::uint64_t other_frames = 0;
  for (std::uint16_t port = 40000; port < 40008; ++port) {
    Conversation c = Exchange(port);
    Talk(c);
    const FlowKey key{IpAddress::V4(client), IpAddress::V4(server), port, 80, kNoVlan};
    ours.push_back(ShardOf(key, 2) == 2);
    if (!ours.back()) other_frames += c.frames().size();
    lists.push_back(c.frames());
  }
  ASSERT_NE(std::count(ours.begin(), ours.end(), true), 0) << "pick other ports";
  ASSERT_NE(std::count(ours.begin(), ours.end(), false), 0) << "pick other ports";
  Run(testing::MergeFrames(lists));
  for (std::size_t i = 0; i < ours.size(); ++i) {
    const std::string name =
        "out/192.168.001.002." + std::to_string(40000 + i) + "-010.000.000.001.00080";
    EXPECT_EQ(File(name), ours[i] ? "GET / HTTP/1.0\r\n\r\n" : "<missing>") << name;
  }
  EXPECT_EQ(anomalies_.Get(Anomaly::kOtherShard), other_frames);
}

TEST_F(PipelineTest, WriteFailureFailsTheRunWithTheFlowWritersMessageFirst) {
  config_.findx = true;  // the index fails too, but the flow writer was wired first
  Conversation c = Exchange();
  Talk(c);
  fs_.FailWrites("Input/output error");
  Run(c.frames());
  EXPECT_TRUE(failed_);
  EXPECT_EQ(pipeline_error_.rfind("write error on out/", 0), 0u) << pipeline_error_;
  EXPECT_EQ(pipeline_error_.find(".findx"), std::string::npos) << pipeline_error_;
  EXPECT_NE(pipeline_error_.find(": Input/output error"), std::string::npos) << pipeline_error_;
}

// The JSON Lines flow log (-S json).

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST_F(PipelineTest, FlowLogWritesOneLinePerConnectionWithBothDirections) {
  config_.report.json_path = "flows.json";
  Conversation c = Exchange();
  Talk(c);
  Run(c.frames());
  const std::string text = flow_log_.str();
  const std::vector<std::string> lines = Lines(text);
  ASSERT_EQ(lines.size(), 1u) << text;
  ASSERT_EQ(text.back(), '\n');
  const std::string& line = lines[0];
  const std::string id =
      CommunityIdV1(IpAddress::V4(std::array<std::uint8_t, 4>{192, 168, 1, 2}.data()),
                    IpAddress::V4(std::array<std::uint8_t, 4>{10, 0, 0, 1}.data()), 34567, 80, 6);
  EXPECT_EQ(line.rfind("{\"first_time\":\"", 0), 0u) << line;
  EXPECT_NE(line.find("\"community_id\":\"" + id +
                      "\",\"protocol\":\"tcp\","
                      "\"src_ip\":\"192.168.1.2\",\"src_port\":34567,"
                      "\"dst_ip\":\"10.0.0.1\",\"dst_port\":80,\"vlan\":null,"
                      "\"client\":{\"file\":\"192.168.001.002.34567-010.000.000.001.00080\","
                      "\"stored_bytes\":18,\"stream_bytes\":18,"),
            std::string::npos)
      << line;
  EXPECT_NE(line.find("\"server\":{\"file\":\"010.000.000.001.00080-192.168.001.002.34567\","
                      "\"stored_bytes\":24,"),
            std::string::npos)
      << line;
  EXPECT_NE(line.find("\"handshake\":true,\"close\":\"fin\",\"missing_bytes\":0,"),
            std::string::npos)
      << line;
  EXPECT_FALSE(failed_) << pipeline_error_;
}

TEST_F(PipelineTest, FlowLogWritesADirectionWithoutItsPeerAloneAndListsHoles) {
  config_.report.json_path = "flows.json";
  config_.reassembly.max_bytes_per_flow = 10;
  Conversation c = Exchange();
  c.ClientSegmentAt(0, "AAAA");  // no handshake: picked up mid-stream, one direction only
  c.ClientSegmentAt(8, "CCCC");
  Run(c.frames());
  const std::vector<std::string> lines = Lines(flow_log_.str());
  ASSERT_EQ(lines.size(), 1u) << flow_log_.str();
  EXPECT_NE(lines[0].find("\"stored_bytes\":10,\"stream_bytes\":12,"), std::string::npos)
      << lines[0];
  EXPECT_NE(lines[0].find("\"handshake\":false,\"close\":\"end_of_input\",\"missing_bytes\":4,"
                          "\"missing_at_end\":0,\"holes\":1,\"hole_list\":[[4,4]],"),
            std::string::npos)
      << lines[0];
  EXPECT_NE(lines[0].find("\"server\":null}"), std::string::npos) << lines[0];
}

TEST_F(PipelineTest, FlowLogPairsDirectionsOfInterleavedConnections) {
  config_.report.json_path = "flows.json";
  std::vector<std::vector<TimedFrame>> lists;
  for (std::uint16_t port = 40000; port < 40004; ++port) {
    Conversation c = Exchange(port);
    Talk(c);
    lists.push_back(c.frames());
  }
  Run(testing::MergeFrames(lists));
  const std::vector<std::string> lines = Lines(flow_log_.str());
  ASSERT_EQ(lines.size(), 4u) << flow_log_.str();
  for (const std::string& line : lines) {
    const auto port_at = line.find("\"src_port\":");
    ASSERT_NE(port_at, std::string::npos);
    const std::string port = line.substr(port_at + 11, 5);
    EXPECT_NE(line.find("\"client\":{\"file\":\"192.168.001.002." + port), std::string::npos);
    EXPECT_NE(line.find("\"server\":{\"file\":\"010.000.000.001.00080-192.168.001.002." + port),
              std::string::npos);
  }
}

TEST_F(PipelineTest, VerboseRunsPrintALinePerFlowEvent) {
  config_.debug_level = 10;
  config_.reassembly.max_seek = 100;
  Conversation c = Exchange();
  c.Handshake();
  c.ClientSegmentAt(0, "AAAA");
  c.ClientSegmentAt(8, "CCCC");     // a hole of 4 bytes
  c.ClientSegmentAt(1000, "FFFF");  // a jump beyond -m: split
  c.ServerSends("ok");
  c.ServerRst();
  Run(c.frames());
  const std::vector<std::string> lines = Lines(events_.str());
  const std::string client = "192.168.1.2:34567 > 10.0.0.1:80 (connection 0)";
  const std::string server = "10.0.0.1:80 > 192.168.1.2:34567 (connection 0)";
  EXPECT_EQ(lines,
            (std::vector<std::string>{
                "tcpflow: open " + client,
                "tcpflow: open " + server,
                "tcpflow: hole " + client + ": 4 bytes missing at offset 4",
                "tcpflow: close " + client +
                    ": split: a segment jumped more than -m bytes, the next flow goes on, "
                    "handshake seen, 12 bytes, 4 packets, " +
                    kC2S,
                "tcpflow: open " + client,
                "tcpflow: close " + server + ": rst, handshake seen, 2 bytes, 3 packets, " + kS2C,
                "tcpflow: close " + client +
                    ": end_of_input, picked up mid-stream, 4 bytes, 1 packets, " + kC2S + "c1",
            }))
      << events_.str();
}

TEST_F(PipelineTest, QuietByDefault) {
  Conversation c = Exchange();
  Talk(c);
  Run(c.frames());
  EXPECT_EQ(events_.str(), "");
}

TEST_F(PipelineTest, FlowLogWriteErrorFailsTheRun) {
  config_.report.json_path = "flows.json";
  flow_log_.setstate(std::ios::badbit);
  Conversation c = Exchange();
  Talk(c);
  Run(c.frames());
  EXPECT_TRUE(failed_);
  EXPECT_EQ(pipeline_error_, "write error on flows.json");
}

}  // namespace
}  // namespace tcpflow
