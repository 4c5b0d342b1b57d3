// tcp_demux_test.cpp: TCP semantics end to end through the demux, reassembler and flow-file
// writer into an in-memory file system. Every case runs at ISNs 0, 2^31, 2^32-1, 2^32-5 and
// 2^32-1000 so sequence wraparound is ordinary.
#include "tcp_demux.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "filename_template.h"
#include "flow_evidence.h"
#include "flow_table.h"
#include "flow_writer.h"
#include "output_dir.h"

namespace tcpflow {
namespace {

const std::uint8_t kClientIp[4] = {192, 168, 1, 2};
const std::uint8_t kServerIp[4] = {10, 0, 0, 1};
const std::string kC2S = "192.168.001.002.34567-010.000.000.001.00080";
const std::string kS2C = "010.000.000.001.00080-192.168.001.002.34567";

// Records every event for the client's flow direction, as "D off len", "G off len", "S n", "C",
// and what CollectEvidence says of each of its flows at close (4 holes listed at most).
class EventLog final : public StreamSink {
 public:
  explicit EventLog(std::int64_t max_bytes_per_flow) : max_bytes_per_flow_(max_bytes_per_flow) {}
  void OnFlowOpen(Flow&) override {}
  void OnFileCreated(Flow&, const std::string&) override {}
  void OnData(Flow& flow, std::uint64_t offset, Bytes data, const Timeval&) override {
    Log(flow, "D " + std::to_string(offset) + " " + std::to_string(data.size()));
  }
  void OnGap(Flow& flow, std::uint64_t offset, std::uint64_t length, const Timeval&) override {
    Log(flow, "G " + std::to_string(offset) + " " + std::to_string(length));
  }
  void OnShift(Flow& flow, std::uint64_t n) override { Log(flow, "S " + std::to_string(n)); }
  void OnFlowClose(Flow& flow, const StoredFile& file) override {
    Log(flow, "C");
    FlowEvidence e = CollectEvidence(flow, file, max_bytes_per_flow_, 4);
    (flow.key.src_port != 80 ? client : server).push_back(std::move(e));
  }
  std::vector<std::string> events;
  std::vector<FlowEvidence> client;  // the client direction's closed flows, in close order
  std::vector<FlowEvidence> server;

 private:
  std::int64_t max_bytes_per_flow_;
  void Log(const Flow& flow, std::string event) {
    if (flow.key.src_port != 80) events.push_back(std::move(event));
  }
};

class DemuxHarness {
 public:
  explicit DemuxHarness(ReassemblyConfig reassembly = {}, std::uint32_t isn = 0)
      : reassembly_(reassembly),
        limits_{reassembly.max_buffered_per_flow, 1024, reassembly.overlap_last},
        budget_{reassembly.max_buffered_total, 0},
        template_(*FilenameTemplate::Parse(kDefaultFilenameTemplate, &error_)),
        table_(42, limits_, budget_),
        writer_(output_, reassembly_, template_, fs_),
        log_(reassembly.max_bytes_per_flow),
        fanout_(&writer_),
        demux_(reassembly_, table_, fanout_, &writer_, anomalies_),
        isn_(isn) {
    fanout_.Add(&log_);
  }

  // A segment from the client (or server) at stream offset `offset` (relative to ISN+1).
  void Send(bool from_client, std::int64_t offset, const std::string& data, std::uint8_t flags,
            std::uint32_t isn_override = 0, bool use_override = false) {
    IpLayer ip;
    ip.version = 4;
    ip.protocol = 6;
    ip.src = IpAddress::V4(from_client ? kClientIp : kServerIp);
    ip.dst = IpAddress::V4(from_client ? kServerIp : kClientIp);
    TcpLayer tcp;
    tcp.src_port = from_client ? client_port_ : 80;
    tcp.dst_port = from_client ? 80 : client_port_;
    const std::uint32_t isn = use_override ? isn_override : IsnOf(from_client);
    tcp.flags = flags;
    // A SYN occupies the ISN; data starts at ISN+1.
    tcp.seq = (flags & kTcpSyn) ? isn : isn + 1 + static_cast<std::uint32_t>(offset);
    payloads_.emplace_back(data.begin(), data.end());
    tcp.payload = Bytes(payloads_.back().data(), payloads_.back().size());
    PacketMeta meta;
    meta.ts = Timeval{now_, 0};
    now_ += 1;
    meta.wire_len = meta.cap_len = static_cast<std::uint32_t>(54 + data.size());
    demux_.Process(meta, link_, ip, tcp, false);
    demux_.ExpireIdle(meta.ts);
  }
  void Client(std::int64_t offset, const std::string& data,
              std::uint8_t flags = kTcpAck | kTcpPsh) {
    Send(true, offset, data, flags);
  }
  void Server(std::int64_t offset, const std::string& data,
              std::uint8_t flags = kTcpAck | kTcpPsh) {
    Send(false, offset, data, flags);
  }
  void Handshake() {
    Send(true, 0, "", kTcpSyn);
    Send(false, 0, "", kTcpSyn | kTcpAck);
    Send(true, 0, "", kTcpAck);
  }
  void Finish() { demux_.CloseAll(CloseReason::kEndOfInput); }
  void Advance(std::int64_t seconds) { now_ += seconds; }
  // Later segments belong to the connection from this client port (default 34567).
  void UsePort(std::uint16_t port) { client_port_ = port; }

  std::uint32_t IsnOf(bool client) const { return client ? isn_ : isn_ ^ 0x5555u; }
  std::string File(const std::string& name) const {
    auto it = fs_.files().find(name);
    if (it == fs_.files().end()) return "<missing>";
    return std::string(it->second.bytes.begin(), it->second.bytes.end());
  }
  std::vector<std::string> Names() const {
    std::vector<std::string> names;
    for (const auto& [name, file] : fs_.files()) names.push_back(name);
    return names;
  }
  FlowTable& table() { return table_; }
  AnomalyCounters& anomalies() { return anomalies_; }
  MemoryOutputFs& fs() { return fs_; }
  TcpDemux& demux() { return demux_; }
  // What reached the sinks for the client's direction.
  const std::vector<std::string>& events() const { return log_.events; }
  // What CollectEvidence said of each closed flow of the client's (server's) direction.
  const std::vector<FlowEvidence>& client_closed() const { return log_.client; }
  const std::vector<FlowEvidence>& server_closed() const { return log_.server; }

 private:
  std::string error_;
  OutputConfig output_;
  ReassemblyConfig reassembly_;
  ReassemblyLimits limits_;
  ReassemblyBudget budget_;
  FilenameTemplate template_;
  MemoryOutputFs fs_;
  AnomalyCounters anomalies_;
  FlowTable table_;
  FlowFileWriter writer_;
  EventLog log_;
  SinkFanout fanout_;
  TcpDemux demux_;
  LinkLayer link_;
  std::uint32_t isn_;
  std::uint16_t client_port_ = 34567;
  std::int64_t now_ = 1600000000;
  std::vector<std::vector<std::uint8_t>> payloads_;
};

class TcpDemuxTest : public ::testing::TestWithParam<std::uint32_t> {
 protected:
  ReassemblyConfig config_;
  std::uint32_t isn() const { return GetParam(); }
};

TEST_P(TcpDemuxTest, InOrderConversationWritesBothDirectionsAndClosesOnFin) {
  DemuxHarness h(config_, isn());
  h.Handshake();
  h.Client(0, "GET / HTTP/1.0\r\n\r\n");
  h.Server(0, "HTTP/1.0 200 OK\r\n\r\nhello");
  h.Client(18, "", kTcpFin | kTcpAck);
  h.Server(24, "", kTcpFin | kTcpAck);
  EXPECT_EQ(h.table().size(), 0u) << "both directions closed by FIN";
  EXPECT_EQ(h.File(kC2S), "GET / HTTP/1.0\r\n\r\n");
  EXPECT_EQ(h.File(kS2C), "HTTP/1.0 200 OK\r\n\r\nhello");
  ASSERT_TRUE(h.fs().files().at(kC2S).mtime.has_value());
  EXPECT_EQ(h.fs().files().at(kC2S).mtime->sec, 1600000000) << "mtime = first packet";
}

TEST_P(TcpDemuxTest, OutOfOrderSegmentsLandInPlace) {
  DemuxHarness h(config_, isn());
  h.Handshake();
  h.Client(8, "CCCC");
  h.Client(0, "AAAA");
  h.Client(4, "BBBB");
  h.Finish();
  EXPECT_EQ(h.File(kC2S), "AAAABBBBCCCC");
}

TEST_P(TcpDemuxTest, FirstCopyWinsOnConflictingRetransmission) {
  DemuxHarness h(config_, isn());
  h.Handshake();
  h.Client(0, "AAAA");
  h.Client(0, "XXXX");
  h.Client(4, "BBBB");
  h.Finish();
  EXPECT_EQ(h.File(kC2S), "AAAABBBB");
  EXPECT_EQ(h.anomalies().Get(Anomaly::kOverlap), 4u) << "the second copy is counted";
}

TEST_P(TcpDemuxTest, OverlapLastRestoresReferenceBehaviour) {
  config_.overlap_last = true;
  DemuxHarness h(config_, isn());
  h.Handshake();
  h.Client(0, "AAAA");
  h.Client(0, "XXXX");
  h.Client(4, "BBBB");
  h.Finish();
  EXPECT_EQ(h.File(kC2S), "XXXXBBBB");
}

TEST_P(TcpDemuxTest, HoleIsZeroFilledAndKeepsFlowOpenPastFin) {
  DemuxHarness h(config_, isn());
  h.Handshake();
  h.Client(0, "AAAA");
  h.Client(8, "CCCC");
  h.Client(12, "", kTcpFin | kTcpAck);
  EXPECT_EQ(h.table().size(), 2u) << "a FIN with a hole before it does not close";
  h.Finish();
  EXPECT_EQ(h.File(kC2S), std::string("AAAA\0\0\0\0CCCC", 12));
}

TEST_P(TcpDemuxTest, LateFillClosesFlowOnceComplete) {
  DemuxHarness h(config_, isn());
  h.Handshake();
  h.Client(0, "AAAA");
  h.Client(8, "CCCC");
  h.Client(12, "", kTcpFin | kTcpAck);
  h.Client(4, "BBBB");
  EXPECT_EQ(h.table().Find(
                FlowKey{IpAddress::V4(kClientIp), IpAddress::V4(kServerIp), 34567, 80, kNoVlan}),
            nullptr);
  EXPECT_EQ(h.File(kC2S), "AAAABBBBCCCC");
}

TEST_P(TcpDemuxTest, MidstreamPickupInsertsEarlierBytesInFront) {
  DemuxHarness h(config_, isn());
  // No handshake: the first seen byte is offset 4 of the real stream.
  h.Client(4, "BBBB");
  h.Client(8, "CCCC");
  h.Client(0, "AAAA");
  h.Finish();
  EXPECT_EQ(h.File(kC2S), "AAAABBBBCCCC");
}

TEST_P(TcpDemuxTest, DataBeforeIsnIsDroppedWhenSynWasSeen) {
  DemuxHarness h(config_, isn());
  h.Handshake();
  h.Client(-4, "ZZZZ");
  h.Client(0, "AAAA");
  h.Finish();
  EXPECT_EQ(h.File(kC2S), "AAAA");
  EXPECT_EQ(h.anomalies().Get(Anomaly::kDataBeforeIsn), 1u);
}

TEST_P(TcpDemuxTest, JumpBeyondMaxSeekStartsNewFile) {
  config_.max_seek = 100;
  DemuxHarness h(config_, isn());
  h.Handshake();
  h.Client(0, "AAAA");
  h.Client(204, "CCCC");
  h.Finish();
  EXPECT_EQ(h.File(kC2S), "AAAA");
  EXPECT_EQ(h.File(kC2S + "c1"), "CCCC");
}

TEST_P(TcpDemuxTest, ForwardGapWithinMaxSeekIsZeroFilled) {
  DemuxHarness h(config_, isn());
  h.Handshake();
  h.Client(0, "AAAA");
  h.Client(204, "CCCC");
  h.Finish();
  EXPECT_EQ(h.File(kC2S), "AAAA" + std::string(200, '\0') + "CCCC");
}

TEST_P(TcpDemuxTest, SynDataIsStoredAtOffsetZero) {
  DemuxHarness h(config_, isn());
  h.Send(true, 0, "SYNDATA", kTcpSyn);
  h.Client(7, "AAAA");
  h.Finish();
  EXPECT_EQ(h.File(kC2S), "SYNDATAAAAA");
  EXPECT_EQ(h.anomalies().Get(Anomaly::kSynWithData), 1u);
}

TEST_P(TcpDemuxTest, KeepaliveProbeIsNotWritten) {
  config_.overlap_last = true;  // even when later copies win, the probe byte is ignored
  DemuxHarness h(config_, isn());
  h.Handshake();
  h.Client(0, "AAAA");
  h.Client(3, std::string(1, '\0'));
  h.Finish();
  EXPECT_EQ(h.File(kC2S), "AAAA");
}

TEST_P(TcpDemuxTest, RstClosesAndLaterDataStartsCounterFile) {
  DemuxHarness h(config_, isn());
  h.Handshake();
  h.Client(0, "AAAA");
  h.Client(4, "", kTcpRst | kTcpAck);
  h.Client(4, "BBBB");
  h.Finish();
  EXPECT_EQ(h.File(kC2S), "AAAA");
  EXPECT_EQ(h.File(kC2S + "c1"), "BBBB");
}

TEST_P(TcpDemuxTest, IdenticalRetransmissionAfterCloseIsDropped) {
  DemuxHarness h(config_, isn());
  h.Handshake();
  h.Client(0, "AAAA");
  h.Client(4, "", kTcpFin | kTcpAck);
  h.Client(0, "AAAA");
  h.Finish();
  EXPECT_EQ(h.Names(), std::vector<std::string>{kC2S});
}

TEST_P(TcpDemuxTest, SinksSeeDataAndGapsInOffsetOrder) {
  DemuxHarness h(config_, isn());
  h.Handshake();
  h.Client(0, "AAAA");
  h.Client(8, "CC");  // buffered beyond a hole
  h.Client(10, "DD");
  h.Finish();
  EXPECT_EQ(h.File(kC2S), std::string("AAAA\0\0\0\0CCDD", 12));
  EXPECT_EQ(h.events(), (std::vector<std::string>{"D 0 4", "G 4 4", "D 8 2", "D 10 2", "C"}));
}

TEST_P(TcpDemuxTest, LateFillOfAForcedGapComesBelowTheFrontier) {
  config_.max_buffered_per_flow = 2;  // the buffered segment forces the hole out at once
  DemuxHarness h(config_, isn());
  h.Handshake();
  h.Client(0, "AAAA");
  h.Client(8, "CCCC");
  h.Client(4, "BBBB");  // the late fill
  h.Client(12, "", kTcpFin | kTcpAck);
  h.Finish();
  EXPECT_EQ(h.File(kC2S), "AAAABBBBCCCC");
  EXPECT_EQ(h.events(), (std::vector<std::string>{"D 0 4", "G 4 4", "D 8 4", "D 4 4", "C"}));
}

TEST_P(TcpDemuxTest, PortReuseGivesCounterSuffixes) {
  DemuxHarness h(config_, isn());
  for (std::uint32_t conn = 0; conn < 3; ++conn) {
    const std::uint32_t cisn = isn() + conn * 50000000u;
    h.Send(true, 0, "", kTcpSyn, cisn, true);
    h.Send(true, 0, "x" + std::to_string(conn), kTcpAck | kTcpPsh, cisn, true);
    h.Send(true, 2, "", kTcpFin | kTcpAck, cisn, true);
  }
  h.Finish();
  EXPECT_EQ(h.Names(), (std::vector<std::string>{kC2S, kC2S + "c1", kC2S + "c2"}));
  EXPECT_EQ(h.File(kC2S), "x0");
  EXPECT_EQ(h.File(kC2S + "c1"), "x1");
  EXPECT_EQ(h.File(kC2S + "c2"), "x2");
}

TEST_P(TcpDemuxTest, ByteCapKeepsLogicalSize) {
  config_.max_bytes_per_flow = 6;
  DemuxHarness h(config_, isn());
  h.Handshake();
  h.Client(0, "AAAA");
  h.Client(4, "BBBB");
  h.Finish();
  EXPECT_EQ(h.File(kC2S), "AAAABB");
}

TEST_P(TcpDemuxTest, IdleTimeoutClosesFlow) {
  config_.tcp_timeout_sec = 50;
  DemuxHarness h(config_, isn());
  h.Handshake();
  h.Client(0, "AAAA");
  h.Advance(100);
  h.Server(0, "ZZ");  // any later packet expires the idle client flow
  h.Client(4, "BBBB");
  h.Finish();
  EXPECT_EQ(h.File(kC2S), "AAAA");
  EXPECT_EQ(h.File(kC2S + "c1"), "BBBB");
}

TEST_P(TcpDemuxTest, PureAckDoesNotCreateFlow) {
  DemuxHarness h(config_, isn());
  h.Client(0, "", kTcpAck);
  EXPECT_EQ(h.table().size(), 0u);
  h.Client(0, "", kTcpFin);
  EXPECT_EQ(h.table().size(), 0u);
}

class RecordingTap final : public SegmentTap {
 public:
  void OnSegment(Flow& flow, const SegmentInfo& segment) override {
    seen.push_back(std::to_string(flow.key.src_port) + ":" +
                   std::string(segment.payload.begin(), segment.payload.end()));
  }
  std::vector<std::string> seen;
};

TEST_P(TcpDemuxTest, TapSeesSegmentsInArrivalOrderBeforeReassembly) {
  DemuxHarness h(config_, isn());
  RecordingTap tap;
  h.demux().AddTap(&tap);
  h.Handshake();
  h.Client(8, "CCCC");
  h.Client(0, "AAAA");
  h.Server(0, "ZZ");
  h.Client(4, "BBBB");
  const std::vector<std::string> want = {"34567:",     "80:",   "34567:",    "34567:CCCC",
                                         "34567:AAAA", "80:ZZ", "34567:BBBB"};
  EXPECT_EQ(tap.seen, want);
}

// The client-to-server file name of the connection from `port`.
std::string ClientFile(std::uint16_t port) {
  return "192.168.001.002." + std::to_string(port) + "-010.000.000.001.00080";
}

TEST_P(TcpDemuxTest, FlowCapClosesLeastRecentlyActiveFlowAndCountsIt) {
  config_.max_flows = 2;
  DemuxHarness h(config_, isn());
  h.UsePort(40001);
  h.Client(0, "", kTcpSyn);
  h.Client(0, "AAAA");
  h.UsePort(40002);
  h.Client(0, "", kTcpSyn);
  h.Client(0, "BBBB");
  h.UsePort(40001);
  h.Client(4, "aaaa");  // 40001 is now the more recently active flow
  h.UsePort(40003);
  h.Client(0, "", kTcpSyn);  // the table is full: 40002 is closed first
  h.Client(0, "CCCC");
  EXPECT_EQ(h.anomalies().Get(Anomaly::kFlowCapClosed), 1u);
  EXPECT_EQ(h.table().size(), 2u);
  EXPECT_EQ(h.table().peak_size(), 2u);
  EXPECT_EQ(h.File(ClientFile(40002)), "BBBB") << "closed flows are written out normally";
  h.UsePort(40001);
  h.Client(8, "2222");  // still the same flow: no counter file
  h.Finish();
  EXPECT_EQ(h.File(ClientFile(40001)), "AAAAaaaa2222");
  EXPECT_EQ(h.File(ClientFile(40003)), "CCCC");
  EXPECT_EQ(h.Names().size(), 3u);
  EXPECT_EQ(h.anomalies().Get(Anomaly::kFlowCapClosed), 1u);
}

TEST_P(TcpDemuxTest, FlowCapBoundsTheTableUnderASynFlood) {
  config_.max_flows = 100;
  DemuxHarness h(config_, isn());
  for (std::uint16_t port = 1000; port < 6000; ++port) {
    h.UsePort(port);
    h.Client(0, "", kTcpSyn);
  }
  EXPECT_EQ(h.table().size(), 100u);
  EXPECT_EQ(h.table().peak_size(), 100u);
  EXPECT_EQ(h.table().total_created(), 5000u);
  EXPECT_EQ(h.anomalies().Get(Anomaly::kFlowCapClosed), 4900u);
  EXPECT_TRUE(h.Names().empty()) << "flows without data write no file";
}

TEST_P(TcpDemuxTest, ZeroFlowCapMeansUnlimited) {
  config_.max_flows = 0;
  DemuxHarness h(config_, isn());
  for (std::uint16_t port = 1000; port < 1300; ++port) {
    h.UsePort(port);
    h.Client(0, "", kTcpSyn);
  }
  EXPECT_EQ(h.table().size(), 300u);
  EXPECT_EQ(h.anomalies().Get(Anomaly::kFlowCapClosed), 0u);
}

INSTANTIATE_TEST_SUITE_P(Isns, TcpDemuxTest,
                         ::testing::Values(0u, 0x80000000u, 0xFFFFFFFFu, 0xFFFFFFFBu, 0xFFFFFC18u));

// A stream longer than 4 GiB: offsets keep growing past 2^32 with no split.
class CountingSink final : public StreamSink {
 public:
  void OnFlowOpen(Flow&) override { ++opens; }
  void OnFileCreated(Flow&, const std::string&) override {}
  void OnData(Flow&, std::uint64_t offset, Bytes data, const Timeval&) override {
    if (offset != next) ++discontinuities;
    next = offset + data.size();
  }
  void OnGap(Flow&, std::uint64_t, std::uint64_t, const Timeval&) override { ++discontinuities; }
  void OnShift(Flow&, std::uint64_t) override {}
  void OnFlowClose(Flow&, const StoredFile&) override {}
  std::uint64_t next = 0;
  int opens = 0;
  int discontinuities = 0;
};

// Evidence (flow_evidence.h) of flows driven through the demux.

TEST_P(TcpDemuxTest, EvidenceOfACleanConversation) {
  DemuxHarness h(config_, isn());
  h.Handshake();
  h.Client(0, "GET / HTTP/1.0\r\n\r\n");
  h.Server(0, "HTTP/1.0 200 OK\r\n\r\nhello");
  h.Client(18, "", kTcpFin | kTcpAck);
  h.Server(24, "", kTcpRst | kTcpAck);
  ASSERT_EQ(h.client_closed().size(), 1u);
  ASSERT_EQ(h.server_closed().size(), 1u);
  const FlowEvidence& c = h.client_closed()[0];
  const FlowEvidence& s = h.server_closed()[0];
  EXPECT_EQ(c.close_reason, CloseReason::kFin);
  EXPECT_EQ(s.close_reason, CloseReason::kRst);
  EXPECT_TRUE(c.handshake);
  EXPECT_TRUE(s.handshake);
  EXPECT_EQ(c.connection_id, s.connection_id) << "both directions: one connection";
  EXPECT_EQ(c.missing_bytes + c.hole_count + c.retransmitted_bytes + c.overlap_bytes, 0u);
  EXPECT_TRUE(c.holes.empty());
  EXPECT_TRUE(c.anomalies.empty());
}

TEST_P(TcpDemuxTest, EvidenceListsHolesAtStartMiddleAndEndAndTheMissingTail) {
  DemuxHarness h(config_, isn());
  h.Handshake();
  h.Client(2, "AA");                    // [0, 2) missing: a hole at the start
  h.Client(8, "CCCC");                  // [4, 8) missing: in the middle
  h.Client(20, "EE");                   // [12, 20) missing: just before the last bytes
  h.Client(30, "", kTcpFin | kTcpAck);  // [22, 30) never came: the missing end
  h.Finish();
  ASSERT_EQ(h.client_closed().size(), 1u);
  const FlowEvidence& e = h.client_closed()[0];
  EXPECT_EQ(h.File(kC2S), std::string("\0\0AA\0\0\0\0CCCC", 12) + std::string(8, '\0') + "EE");
  EXPECT_EQ(e.holes, (std::vector<ByteRange>{{0, 2}, {4, 4}, {12, 8}}));
  EXPECT_EQ(e.hole_count, 3u);
  EXPECT_EQ(e.missing_at_end, 8u);
  EXPECT_EQ(e.missing_bytes, 2u + 4u + 8u + 8u);
  EXPECT_EQ(e.close_reason, CloseReason::kEndOfInput) << "the holes kept the FIN from closing";
  EXPECT_EQ(e.out_of_order_segments, 3u);
}

TEST_P(TcpDemuxTest, EvidenceForgetsFilledHolesAndBoundsTheList) {
  DemuxHarness h(config_, isn());
  h.Handshake();
  for (int i = 0; i < 6; ++i) h.Client(4 * i + 2, "xx");  // six holes of 2 bytes
  h.Client(30, "", kTcpFin | kTcpAck);
  h.Client(0, "ff");  // fills the first hole late
  h.Finish();
  ASSERT_EQ(h.client_closed().size(), 1u);
  const FlowEvidence& e = h.client_closed()[0];
  EXPECT_EQ(e.hole_count, 5u);
  EXPECT_EQ(e.holes, (std::vector<ByteRange>{{4, 2}, {8, 2}, {12, 2}, {16, 2}}))
      << "at most 4 listed (the harness's bound), all counted";
  EXPECT_EQ(e.missing_bytes, 5u * 2u + 6u);
}

TEST_P(TcpDemuxTest, EvidenceTellsRetransmissionsFromOverlapsAndConflicts) {
  DemuxHarness h(config_, isn());
  h.Handshake();
  h.Client(0, "AAAA");
  h.Client(0, "AAAA");   // a retransmission: nothing new
  h.Client(2, "AABB");   // overlaps 2 bytes, brings 2 new ones
  h.Client(10, "DDDD");  // buffered beyond a hole
  h.Client(10, "DXDD");  // a conflicting copy of buffered bytes
  h.Client(6, "CCCC");
  h.Finish();
  ASSERT_EQ(h.client_closed().size(), 1u);
  const FlowEvidence& e = h.client_closed()[0];
  EXPECT_EQ(h.File(kC2S), "AAAABBCCCCDDDD") << "first copies win";
  EXPECT_EQ(e.retransmitted_bytes, 8u) << "AAAA again, and DXDD (nothing new)";
  EXPECT_EQ(e.overlap_bytes, 2u);
  EXPECT_EQ(e.conflict_bytes, 1u);
  EXPECT_EQ(e.missing_bytes, 0u);
  ASSERT_EQ(e.anomalies.size(), 2u);
  EXPECT_EQ(e.anomalies[0], (FlowAnomalies::Entry{Anomaly::kOverlap, 10}));
  EXPECT_EQ(e.anomalies[1], (FlowAnomalies::Entry{Anomaly::kOverlapConflict, 1}));
}

TEST_P(TcpDemuxTest, EvidenceCloseReasonsOfSplitsCapsAndTimeouts) {
  config_.max_seek = 1000;
  config_.tcp_timeout_sec = 30;
  DemuxHarness h(config_, isn());
  h.Handshake();
  h.Client(0, "AAAA");
  h.Client(5000, "BBBB");  // beyond -m: a new flow goes on
  h.Advance(100);
  h.Server(0, "x");        // its packet time closes the client's second flow: idle too long
  h.Client(5004, "CCCC");  // a third flow
  h.Finish();
  ASSERT_EQ(h.client_closed().size(), 3u);
  EXPECT_EQ(h.client_closed()[0].close_reason, CloseReason::kMaxSeek);
  EXPECT_TRUE(h.client_closed()[0].handshake);
  EXPECT_EQ(h.client_closed()[0].anomalies,
            (std::vector<FlowAnomalies::Entry>{{Anomaly::kFlowSplitMaxSeek, 1}}));
  EXPECT_EQ(h.client_closed()[1].close_reason, CloseReason::kIdleTimeout);
  EXPECT_FALSE(h.client_closed()[1].handshake) << "picked up mid-stream";
  EXPECT_EQ(h.client_closed()[2].close_reason, CloseReason::kEndOfInput);
}

TEST_P(TcpDemuxTest, EvidenceListsOnlyHolesTheFileHoldsBelowTheByteCap) {
  config_.max_bytes_per_flow = 10;
  DemuxHarness h(config_, isn());
  h.Handshake();
  h.Client(2, "AA");    // hole [0, 2): bytes after it are stored
  h.Client(8, "CCCC");  // hole [4, 8): bytes at 8 and 9 are stored
  h.Client(14, "EE");   // hole [12, 14): beyond the cap
  h.Finish();
  ASSERT_EQ(h.client_closed().size(), 1u);
  const FlowEvidence& e = h.client_closed()[0];
  EXPECT_EQ(e.holes, (std::vector<ByteRange>{{0, 2}, {4, 4}}));
  EXPECT_EQ(e.hole_count, 3u);
  EXPECT_EQ(e.missing_bytes, 8u);
}

TEST(TcpDemuxLargeTest, StreamBeyondFourGigabytesStaysOneFlow) {
  ReassemblyConfig config;
  ReassemblyLimits limits;
  ReassemblyBudget budget;
  FlowTable table(1, limits, budget);
  CountingSink sink;
  SinkFanout fanout;
  fanout.Add(&sink);
  AnomalyCounters anomalies;
  TcpDemux demux(config, table, fanout, nullptr, anomalies);
  std::vector<std::uint8_t> chunk(65536, 'x');
  IpLayer ip;
  ip.src = IpAddress::V4(kClientIp);
  ip.dst = IpAddress::V4(kServerIp);
  TcpLayer tcp;
  tcp.src_port = 1;
  tcp.dst_port = 2;
  tcp.flags = kTcpSyn;
  tcp.seq = 0xFFFFFF00u;
  PacketMeta meta;
  LinkLayer link;
  demux.Process(meta, link, ip, tcp, false);
  tcp.flags = kTcpAck;
  tcp.payload = Bytes(chunk.data(), chunk.size());
  const std::uint64_t segments = (5ull << 32) / chunk.size();  // 5 GiB
  std::uint32_t seq = 0xFFFFFF01u;
  for (std::uint64_t i = 0; i < segments; ++i) {
    tcp.seq = seq;
    demux.Process(meta, link, ip, tcp, false);
    seq += static_cast<std::uint32_t>(chunk.size());
  }
  EXPECT_EQ(sink.opens, 1);
  EXPECT_EQ(sink.discontinuities, 0);
  EXPECT_EQ(sink.next, 5ull << 32);
}

// The flow-file writer's record of closed flows, faked: one closed flow whose stream is longer
// than 4 GiB, holding `stored` at `stored_at`; every question is recorded.
class FakeClosedFlows final : public ClosedFlows {
 public:
  const ClosedFlow* FindClosed(const FlowKey& key) const override {
    return key == closed.key ? &closed : nullptr;
  }
  bool Holds(const ClosedFlow& flow, std::uint64_t offset, Bytes payload) const override {
    asked.push_back(offset);
    return &flow == &closed && offset == stored_at &&
           std::string(payload.begin(), payload.end()) == stored;
  }
  ClosedFlow closed;
  std::uint64_t stored_at = 0;
  std::string stored;
  mutable std::vector<std::uint64_t> asked;
};

class RetransmissionAfterCloseTest : public ::testing::Test {
 protected:
  RetransmissionAfterCloseTest() : table_(1, limits_, budget_) {
    fanout_.Add(&sink_);
    ip_.src = IpAddress::V4(kClientIp);
    ip_.dst = IpAddress::V4(kServerIp);
    tcp_.src_port = 1;
    tcp_.dst_port = 2;
    tcp_.flags = kTcpAck | kTcpPsh;
    closed_.closed.key = FlowKey{ip_.src, ip_.dst, 1, 2, kNoVlan};
    closed_.closed.isn = 0xFFFFFF00u;
    closed_.closed.size = (5ull << 32) + 1000;  // a 5 GiB stream
    closed_.stored_at = closed_.closed.size - 100;
    closed_.stored = "tail";
  }
  // A data segment of the closed flow's tuple at stream offset `offset` (taken modulo 2^32, as
  // a sequence number carries it).
  TcpDemux::Outcome Send(std::uint64_t offset, const std::string& data) {
    tcp_.seq = closed_.closed.isn + 1 + static_cast<std::uint32_t>(offset);
    payload_ = data;
    tcp_.payload = Bytes(reinterpret_cast<const std::uint8_t*>(payload_.data()), payload_.size());
    return demux_.Process(meta_, link_, ip_, tcp_, false);
  }

  ReassemblyConfig config_;
  ReassemblyLimits limits_;
  ReassemblyBudget budget_;
  FlowTable table_;
  CountingSink sink_;
  SinkFanout fanout_;
  FakeClosedFlows closed_;
  AnomalyCounters anomalies_;
  TcpDemux demux_{config_, table_, fanout_, &closed_, anomalies_};
  IpLayer ip_;
  TcpLayer tcp_;
  PacketMeta meta_;
  LinkLayer link_;
  std::string payload_;
};

TEST_F(RetransmissionAfterCloseTest, OffsetIsUnwrappedNearTheClosedFlowsSizePastFourGigabytes) {
  EXPECT_EQ(Send(closed_.stored_at, "tail"), TcpDemux::Outcome::kIgnored);
  EXPECT_EQ(closed_.asked, std::vector<std::uint64_t>{closed_.stored_at});
  EXPECT_EQ(sink_.opens, 0) << "a retransmission after close makes no new flow";
}

TEST_F(RetransmissionAfterCloseTest, DifferentBytesStartANewFlow) {
  EXPECT_EQ(Send(closed_.stored_at, "TAIL"), TcpDemux::Outcome::kProcessed);
  EXPECT_EQ(closed_.asked, std::vector<std::uint64_t>{closed_.stored_at});
  EXPECT_EQ(sink_.opens, 1);
}

TEST_F(RetransmissionAfterCloseTest, OtherTuplesAndNoRecordAreNotAsked) {
  tcp_.src_port = 3;
  EXPECT_EQ(Send(closed_.stored_at, "tail"), TcpDemux::Outcome::kProcessed);
  EXPECT_TRUE(closed_.asked.empty());
  TcpDemux without(config_, table_, fanout_, nullptr, anomalies_);
  tcp_.src_port = 1;
  EXPECT_EQ(without.Process(meta_, link_, ip_, tcp_, false), TcpDemux::Outcome::kProcessed);
}

}  // namespace
}  // namespace tcpflow
