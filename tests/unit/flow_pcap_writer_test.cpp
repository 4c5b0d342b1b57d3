// flow_pcap_writer_test.cpp: -K per-direction pcaps: names, records, one file per tuple across
// Flow objects, link-type policy, overwriting, write errors, the open-tuple cap (eviction,
// counting, reopening with output identical to an uncapped run), the total buffer bound, and
// many files under a tiny open-file budget read back with libpcap.
#include "flow_pcap_writer.h"

#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "common/pcap_read_back.h"
#include "common/temp_dir.h"
#include "flow_writer.h"
#include "output_dir.h"

namespace tcpflow {
namespace {

constexpr int kEthernet = 1;  // LINKTYPE_ETHERNET
constexpr int kRaw = 101;     // LINKTYPE_RAW
constexpr std::uint64_t kSeed = 0x1234;

using testing::WrittenPcap;

// `bytes` read back as the pcap this writer writes: classic, microseconds (the magic is checked).
WrittenPcap ReadBack(std::span<const std::uint8_t> bytes) {
  WrittenPcap p = testing::ReadBackPcap(bytes);
  EXPECT_EQ(p.magic, 0xa1b2c3d4u);
  return p;
}

FlowKey Key(std::uint8_t last_octet, std::uint16_t src_port) {
  const std::uint8_t a[4] = {10, 0, 0, last_octet};
  const std::uint8_t b[4] = {192, 168, 1, 2};
  return FlowKey{IpAddress::V4(a), IpAddress::V4(b), src_port, 80, kNoVlan};
}

// A segment whose frame is `frame`; the other fields do not matter to this writer.
SegmentInfo Segment(const std::vector<std::uint8_t>& frame, int link_type, Timeval ts,
                    std::uint32_t wire_len) {
  SegmentInfo s;
  s.ts = ts;
  s.link_type = link_type;
  s.frame = frame;
  s.wire_len = wire_len;
  return s;
}

class FlowPcapWriterTest : public ::testing::Test {
 protected:
  FlowPcapWriterTest() : tmpl_(*FilenameTemplate::Parse(kDefaultFilenameTemplate, &error_)) {}
  WrittenPcap File(const std::string& path) {
    auto it = fs_.files().find(path);
    if (it == fs_.files().end()) return {};
    return ReadBack(it->second.bytes);
  }

  std::string error_;
  FilenameTemplate tmpl_;
  ReassemblyLimits limits_;
  ReassemblyBudget budget_;
  MemoryOutputFs fs_;
  AnomalyCounters anomalies_;
  const std::string name_ = "010.000.000.001.00999-192.168.001.002.00080";
};

TEST_F(FlowPcapWriterTest, WritesEveryPacketAsCapturedUnderTheFlowName) {
  FlowPcapWriter w("out", tmpl_, fs_, kSeed, anomalies_);
  Flow flow(Key(1, 999), limits_, budget_);
  const std::vector<std::uint8_t> syn = {1, 2, 3};
  const std::vector<std::uint8_t> data = {4, 5, 6, 7, 8};
  w.OnSegment(flow, Segment(syn, kEthernet, Timeval{1600000000, 7}, 60));
  w.OnSegment(flow, Segment(data, kEthernet, Timeval{1600000001, 999999}, 5));
  ASSERT_TRUE(w.Finish());
  const WrittenPcap p = File("out/" + name_ + ".pcap");
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.link_type, 1u);  // the input's link type, not tcpflow 1.6.1's 6
  ASSERT_EQ(p.records.size(), 2u);
  EXPECT_EQ(p.records[0].sec, 1600000000u);
  EXPECT_EQ(p.records[0].usec, 7u);
  EXPECT_EQ(p.records[0].wire_len, 60u);
  EXPECT_EQ(p.records[0].data, syn);
  EXPECT_EQ(p.records[1].usec, 999999u);
  EXPECT_EQ(p.records[1].data, data);
  EXPECT_EQ(w.files_created(), 1u);
  EXPECT_EQ(w.packets_written(), 2u);
  EXPECT_EQ(fs_.open_descriptors(), 0u);
}

TEST_F(FlowPcapWriterTest, OneFilePerDirection) {
  FlowPcapWriter w(".", tmpl_, fs_, kSeed, anomalies_);
  Flow out(Key(1, 999), limits_, budget_);
  Flow back(Key(1, 999).Reversed(), limits_, budget_);
  const std::vector<std::uint8_t> a = {0xa};
  const std::vector<std::uint8_t> b = {0xb};
  w.OnSegment(out, Segment(a, kRaw, Timeval{1, 0}, 1));
  w.OnSegment(back, Segment(b, kRaw, Timeval{2, 0}, 1));
  w.OnSegment(out, Segment(a, kRaw, Timeval{3, 0}, 1));
  ASSERT_TRUE(w.Finish());
  const WrittenPcap p = File(name_ + ".pcap");
  const WrittenPcap q = File("192.168.001.002.00080-010.000.000.001.00999.pcap");
  ASSERT_TRUE(p.ok);
  ASSERT_TRUE(q.ok);
  EXPECT_EQ(p.link_type, 101u);
  EXPECT_EQ(p.records.size(), 2u);
  ASSERT_EQ(q.records.size(), 1u);
  EXPECT_EQ(q.records[0].data, b);
  EXPECT_EQ(fs_.files().size(), 2u);
}

TEST_F(FlowPcapWriterTest, ReusedTupleGoesToOneFileNamedByTheFirstFlow) {
  FlowPcapWriter w(".", tmpl_, fs_, kSeed, anomalies_);
  const std::vector<std::uint8_t> frame = {1};
  {
    Flow first(Key(1, 999), limits_, budget_);
    w.OnSegment(first, Segment(frame, kRaw, Timeval{1, 0}, 1));
  }
  Flow second(Key(1, 999), limits_, budget_);
  second.flow_id = 7;
  w.OnSegment(second, Segment(frame, kRaw, Timeval{2, 0}, 1));
  ASSERT_TRUE(w.Finish());
  EXPECT_EQ(fs_.files().size(), 1u);
  const WrittenPcap p = File(name_ + ".pcap");
  ASSERT_EQ(p.records.size(), 2u);
  EXPECT_EQ(p.records[1].sec, 2u);
  EXPECT_EQ(w.files_created(), 1u);
}

TEST_F(FlowPcapWriterTest, PacketWithoutFlowJoinsItsTuplesFile) {
  FlowPcapWriter w(".", tmpl_, fs_, kSeed, anomalies_);
  const std::vector<std::uint8_t> fin = {1};
  const std::vector<std::uint8_t> last_ack = {2};
  {
    Flow flow(Key(1, 999), limits_, budget_);
    w.OnSegment(flow, Segment(fin, kRaw, Timeval{1, 0}, 1));
  }
  NameFields other;  // not read: the file exists
  other.key = Key(9, 9);
  w.OnPacket(Key(1, 999), other, Segment(last_ack, kRaw, Timeval{2, 0}, 1));
  ASSERT_TRUE(w.Finish());
  EXPECT_EQ(fs_.files().size(), 1u);
  const WrittenPcap p = File(name_ + ".pcap");
  ASSERT_EQ(p.records.size(), 2u);
  EXPECT_EQ(p.records[1].data, last_ack);
}

TEST_F(FlowPcapWriterTest, PacketWithoutFlowIsNamedByTheGivenFields) {
  std::string error;
  const FilenameTemplate tmpl = *FilenameTemplate::Parse("%t-%N-%A.%a", &error);
  FlowPcapWriter w("o", tmpl, fs_, kSeed, anomalies_);
  NameFields fields;
  fields.key = Key(1, 999);
  fields.first_seen_sec = 1600000000;
  const std::vector<std::uint8_t> ack = {3};
  w.OnPacket(fields.key, fields, Segment(ack, kRaw, Timeval{1600000000, 5}, 1));
  ASSERT_TRUE(w.Finish());
  const WrittenPcap p = File("o/1600000000-000-010.000.000.001.00999.pcap");
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.records.size(), 1u);
}

TEST_F(FlowPcapWriterTest, VlanIsPartOfTheTuple) {
  FlowPcapWriter w(".", tmpl_, fs_, kSeed, anomalies_);
  const std::vector<std::uint8_t> frame = {1};
  Flow plain(Key(1, 999), limits_, budget_);
  FlowKey tagged_key = Key(1, 999);
  tagged_key.vlan = 5;
  Flow tagged(tagged_key, limits_, budget_);
  w.OnSegment(plain, Segment(frame, kEthernet, Timeval{1, 0}, 1));
  w.OnSegment(tagged, Segment(frame, kEthernet, Timeval{1, 0}, 1));
  ASSERT_TRUE(w.Finish());
  EXPECT_EQ(File(name_ + ".pcap").records.size(), 1u);
  EXPECT_EQ(File(name_ + "--5.pcap").records.size(), 1u);
}

TEST_F(FlowPcapWriterTest, OtherLinkTypeIsSkippedAndCounted) {
  FlowPcapWriter w(".", tmpl_, fs_, kSeed, anomalies_);
  Flow flow(Key(1, 999), limits_, budget_);
  const std::vector<std::uint8_t> eth = {0xe};
  const std::vector<std::uint8_t> raw = {0x45};
  w.OnSegment(flow, Segment(eth, kEthernet, Timeval{1, 0}, 1));
  w.OnSegment(flow, Segment(raw, kRaw, Timeval{2, 0}, 1));
  w.OnSegment(flow, Segment(eth, kEthernet, Timeval{3, 0}, 1));
  ASSERT_TRUE(w.Finish());
  const WrittenPcap p = File(name_ + ".pcap");
  EXPECT_EQ(p.link_type, 1u);
  ASSERT_EQ(p.records.size(), 2u);
  EXPECT_EQ(p.records[1].sec, 3u);
  EXPECT_EQ(w.skipped_other_link_type(), 1u);
  EXPECT_EQ(w.packets_written(), 2u);
  EXPECT_FALSE(w.failed());
}

TEST_F(FlowPcapWriterTest, ExistingFileIsOverwritten) {
  FileId id = 0;
  ASSERT_EQ(fs_.CreateOrTruncate(name_ + ".pcap", &id), OutputFs::CreateStatus::kCreated);
  const std::vector<std::uint8_t> junk(100, 0xff);
  ASSERT_TRUE(fs_.WriteAt(id, 0, junk));
  ASSERT_TRUE(fs_.Close(id, nullptr));
  FlowPcapWriter w(".", tmpl_, fs_, kSeed, anomalies_);
  Flow flow(Key(1, 999), limits_, budget_);
  const std::vector<std::uint8_t> frame = {1, 2};
  w.OnSegment(flow, Segment(frame, kRaw, Timeval{1, 0}, 2));
  ASSERT_TRUE(w.Finish());
  const WrittenPcap p = File(name_ + ".pcap");
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.records.size(), 1u);
  EXPECT_EQ(fs_.files().at(name_ + ".pcap").bytes.size(), 24u + 16u + 2u);
}

TEST_F(FlowPcapWriterTest, WriteErrorIsRemembered) {
  FlowPcapWriter w(".", tmpl_, fs_, kSeed, anomalies_, /*max_open_tuples=*/0,
                   /*buffer_bytes=*/1);
  Flow flow(Key(1, 999), limits_, budget_);
  const std::vector<std::uint8_t> frame = {1, 2};
  fs_.FailWrites("No space left on device");
  w.OnSegment(flow, Segment(frame, kRaw, Timeval{1, 0}, 2));
  EXPECT_TRUE(w.failed());
  EXPECT_NE(w.error().find("No space left on device"), std::string::npos);
  EXPECT_FALSE(w.Finish());
  EXPECT_EQ(w.packets_written(), 0u);
}

// Packets of `tuples` directions in a fixed pseudo-random order (some tuples come back after
// many others), each named by fields that include its first packet's time and MACs.
struct CapRunPacket {
  NameFields fields;
  std::vector<std::uint8_t> frame;
  Timeval ts;
};

std::vector<CapRunPacket> CapRunPackets(int tuples, int packets) {
  std::vector<CapRunPacket> out;
  std::uint32_t state = 12345;
  for (int i = 0; i < packets; ++i) {
    state = state * 1103515245u + 12345u;
    const int tuple = static_cast<int>((state >> 16) % static_cast<std::uint32_t>(tuples));
    CapRunPacket p;
    p.fields.key =
        Key(static_cast<std::uint8_t>(1 + tuple % 3), static_cast<std::uint16_t>(2000 + tuple));
    p.fields.has_macs = true;
    p.fields.src_mac = {2, 0, 0, 0, 0, static_cast<std::uint8_t>(tuple)};
    p.fields.dst_mac = {2, 0, 0, 0, 1, static_cast<std::uint8_t>(i)};  // differs per packet
    p.fields.first_seen_sec = 1600000000 + i;                          // so does this
    p.ts = Timeval{1600000000 + i, i};
    p.frame.assign(static_cast<std::size_t>(10 + (state >> 8) % 90), static_cast<std::uint8_t>(i));
    out.push_back(std::move(p));
  }
  return out;
}

// Runs CapRunPackets through a writer with the given cap and buffer; returns its files' bytes.
std::map<std::string, std::vector<std::uint8_t>> CapRun(std::uint64_t cap, std::size_t buffer_bytes,
                                                        std::uint64_t* evictions,
                                                        std::size_t* peak_open) {
  std::string error;
  // The name holds the first packet's time and MACs: a reopen must name the file the same.
  const FilenameTemplate tmpl = *FilenameTemplate::Parse("%t-%E-%e-%A.%a-%B.%b", &error);
  MemoryOutputFs fs;
  AnomalyCounters anomalies;
  {
    FlowPcapWriter w("o", tmpl, fs, kSeed, anomalies, cap, buffer_bytes);
    *peak_open = 0;
    for (const CapRunPacket& p : CapRunPackets(40, 2000)) {
      w.OnPacket(p.fields.key, p.fields,
                 Segment(p.frame, kEthernet, p.ts, static_cast<std::uint32_t>(p.frame.size())));
      *peak_open = std::max(*peak_open, fs.open_descriptors());
      EXPECT_EQ(fs.open_descriptors(), w.open_tuples());
    }
    EXPECT_TRUE(w.Finish()) << w.error();
    EXPECT_EQ(w.files_created(), 40u);
    EXPECT_EQ(w.packets_written(), 2000u);
  }
  *evictions = anomalies.Get(Anomaly::kFlowPcapEvicted);
  std::map<std::string, std::vector<std::uint8_t>> files;
  for (const auto& [path, file] : fs.files()) files[path] = file.bytes;
  return files;
}

TEST_F(FlowPcapWriterTest, FilesListsEveryFileOpenOrEvictedInCreationOrder) {
  FlowPcapWriter w("o", tmpl_, fs_, kSeed, anomalies_, /*max_open_tuples=*/2);
  const std::vector<std::uint8_t> frame = {1, 2, 3};
  NameFields a, b, c;
  a.key = Key(1, 1001);
  b.key = Key(1, 1002);
  c.key = Key(1, 1003);
  w.OnPacket(b.key, b, Segment(frame, kRaw, Timeval{1, 5}, 60));
  w.OnPacket(a.key, a, Segment(frame, kRaw, Timeval{2, 0}, 60));
  w.OnPacket(c.key, c, Segment(frame, kRaw, Timeval{3, 0}, 60));  // evicts b
  w.OnPacket(b.key, b, Segment(frame, kRaw, Timeval{4, 7}, 70));  // reopens b, evicts a
  const std::vector<FlowPcapFile> files = w.Files();
  ASSERT_TRUE(w.Finish());
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(files[0].key, b.key);
  EXPECT_EQ(files[1].key, a.key);
  EXPECT_EQ(files[2].key, c.key);
  EXPECT_EQ(files[0].packets, 2u);
  EXPECT_EQ(files[0].wire_bytes, 130u);
  EXPECT_EQ(files[0].captured_bytes, 6u);
  EXPECT_EQ(files[0].first_seen, (Timeval{1, 5}));
  EXPECT_EQ(files[0].last_seen, (Timeval{4, 7}));
  for (const FlowPcapFile& file : files) {
    ASSERT_EQ(fs_.files().count(file.name), 1u) << file.name;
    EXPECT_EQ(file.size, fs_.files().at(file.name).bytes.size()) << file.name;
  }
}

TEST_F(FlowPcapWriterTest, CapEvictsTheLeastRecentlyUsedTupleAndCountsIt) {
  FlowPcapWriter w(".", tmpl_, fs_, kSeed, anomalies_, /*max_open_tuples=*/2);
  const std::vector<std::uint8_t> frame = {1};
  NameFields a, b, c;
  a.key = Key(1, 1001);
  b.key = Key(1, 1002);
  c.key = Key(1, 1003);
  w.OnPacket(a.key, a, Segment(frame, kRaw, Timeval{1, 0}, 1));
  w.OnPacket(b.key, b, Segment(frame, kRaw, Timeval{2, 0}, 1));
  w.OnPacket(a.key, a, Segment(frame, kRaw, Timeval{3, 0}, 1));  // b is now the oldest
  EXPECT_EQ(w.open_tuples(), 2u);
  EXPECT_EQ(anomalies_.Get(Anomaly::kFlowPcapEvicted), 0u);  // at the cap, not beyond it
  w.OnPacket(c.key, c, Segment(frame, kRaw, Timeval{4, 0}, 1));
  EXPECT_EQ(w.open_tuples(), 2u);
  EXPECT_EQ(fs_.open_descriptors(), 2u);
  EXPECT_EQ(anomalies_.Get(Anomaly::kFlowPcapEvicted), 1u);
  // b's file was written out and closed when it was evicted.
  const std::string b_name = "010.000.000.001.01002-192.168.001.002.00080.pcap";
  WrittenPcap evicted = File(b_name);
  ASSERT_TRUE(evicted.ok);
  EXPECT_EQ(evicted.records.size(), 1u);
  // b comes back: a (now the oldest) goes, and b's file grows with no second header.
  w.OnPacket(b.key, b, Segment(frame, kRaw, Timeval{5, 0}, 1));
  EXPECT_EQ(anomalies_.Get(Anomaly::kFlowPcapEvicted), 2u);
  EXPECT_EQ(w.files_reopened(), 1u);
  ASSERT_TRUE(w.Finish());
  const WrittenPcap again = File(b_name);
  ASSERT_TRUE(again.ok);
  ASSERT_EQ(again.records.size(), 2u);
  EXPECT_EQ(again.records[0].sec, 2u);
  EXPECT_EQ(again.records[1].sec, 5u);
  EXPECT_EQ(File("010.000.000.001.01001-192.168.001.002.00080.pcap").records.size(), 2u);
  EXPECT_EQ(w.files_created(), 3u);
  EXPECT_EQ(fs_.files().size(), 3u);
  EXPECT_EQ(fs_.open_descriptors(), 0u);
}

TEST(FlowPcapWriterCapTest, CappedRunsWriteTheSameFilesAsAnUncappedOne) {
  std::uint64_t evictions = 0;
  std::size_t peak_open = 0;
  const auto uncapped = CapRun(0, kFlowPcapBufferBytes, &evictions, &peak_open);
  EXPECT_EQ(evictions, 0u);
  EXPECT_EQ(peak_open, 40u);
  ASSERT_EQ(uncapped.size(), 40u);
  for (const auto& [path, bytes] : uncapped) EXPECT_TRUE(ReadBack(bytes).ok) << path;
  for (const std::uint64_t cap : {1u, 3u, 39u}) {
    for (const std::size_t buffer_bytes :
         {std::size_t{1}, std::size_t{200}, kFlowPcapBufferBytes}) {
      const auto capped = CapRun(cap, buffer_bytes, &evictions, &peak_open);
      EXPECT_LE(peak_open, cap);
      EXPECT_GT(evictions, 0u) << "cap " << cap;
      EXPECT_TRUE(capped == uncapped) << "cap " << cap << ", buffer " << buffer_bytes;
    }
  }
}

TEST_F(FlowPcapWriterTest, AllBuffersTogetherStayUnderTheTotalBound) {
  constexpr std::size_t kPerFile = 2 << 20;  // no file reaches its own threshold
  FlowPcapWriter w(".", tmpl_, fs_, kSeed, anomalies_, /*max_open_tuples=*/0, kPerFile);
  const std::vector<std::uint8_t> frame(30000, 7);
  std::size_t peak = 0;
  for (int round = 0; round < 30; ++round) {
    for (int i = 0; i < 40; ++i) {
      NameFields f;
      f.key = Key(1, static_cast<std::uint16_t>(3000 + i));
      w.OnPacket(f.key, f, Segment(frame, kRaw, Timeval{round, i}, 30000));
      peak = std::max(peak, w.buffered_bytes());
    }
  }
  // 40 files x 30 records x 30 KB = 36 MB went through.
  EXPECT_LE(peak, kFlowPcapBufferTotalBytes + frame.size() + 16);
  EXPECT_GT(peak, kFlowPcapBufferTotalBytes / 2);
  ASSERT_TRUE(w.Finish()) << w.error();
  for (int i = 0; i < 40; ++i) {
    const std::string name =
        "010.000.000.001.0" + std::to_string(3000 + i) + "-192.168.001.002.00080.pcap";
    const WrittenPcap p = File(name);
    ASSERT_TRUE(p.ok) << name;
    ASSERT_EQ(p.records.size(), 30u);
    EXPECT_EQ(p.records[29].sec, 29u);
  }
}

TEST(FlowPcapWriterPosixTest, EvictedFileRemovedMeanwhileFailsTheReopen) {
  testing::TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  std::string error;
  const FilenameTemplate tmpl = *FilenameTemplate::Parse(kDefaultFilenameTemplate, &error);
  PosixOutputFs fs(8);
  AnomalyCounters anomalies;
  FlowPcapWriter w(dir.path(), tmpl, fs, kSeed, anomalies, /*max_open_tuples=*/1);
  const std::vector<std::uint8_t> frame = {1};
  NameFields a, b;
  a.key = Key(1, 1001);
  b.key = Key(1, 1002);
  w.OnPacket(a.key, a, Segment(frame, kRaw, Timeval{1, 0}, 1));
  w.OnPacket(b.key, b, Segment(frame, kRaw, Timeval{2, 0}, 1));  // a is evicted
  const std::string a_path = dir.path() + "/010.000.000.001.01001-192.168.001.002.00080.pcap";
  ASSERT_TRUE(std::filesystem::exists(a_path));
  std::filesystem::remove(a_path);
  w.OnPacket(a.key, a, Segment(frame, kRaw, Timeval{3, 0}, 1));
  EXPECT_TRUE(w.failed());
  EXPECT_NE(w.error().find(a_path), std::string::npos) << w.error();
  EXPECT_FALSE(std::filesystem::exists(a_path));  // not made again as a headerless file
  EXPECT_FALSE(w.Finish());
  EXPECT_EQ(fs.open_descriptors(), 0u);
}

TEST(FlowPcapWriterPosixTest, ManyFlowsUnderATinyBudgetReadBackWithLibpcap) {
  testing::TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  std::string error;
  const FilenameTemplate tmpl = *FilenameTemplate::Parse(kDefaultFilenameTemplate, &error);
  ReassemblyLimits limits;
  ReassemblyBudget budget;
  PosixOutputFs fs(2);
  constexpr int kFlows = 40;
  constexpr int kRounds = 30;
  {
    AnomalyCounters anomalies;
    FlowPcapWriter w(dir.path(), tmpl, fs, kSeed, anomalies, /*max_open_tuples=*/0,
                     /*buffer_bytes=*/64);
    std::vector<std::unique_ptr<Flow>> flows;
    for (int i = 0; i < kFlows; ++i) {
      flows.push_back(
          std::make_unique<Flow>(Key(1, static_cast<std::uint16_t>(1000 + i)), limits, budget));
    }
    // Interleaved: every round touches every file, far more files than descriptors.
    for (int round = 0; round < kRounds; ++round) {
      for (int i = 0; i < kFlows; ++i) {
        const std::vector<std::uint8_t> frame(20 + i, static_cast<std::uint8_t>(round));
        w.OnSegment(*flows[i], Segment(frame, kRaw, Timeval{1000 + round, i}, 1500));
      }
    }
    EXPECT_LE(fs.peak_descriptors(), 2u);
    ASSERT_TRUE(w.Finish()) << w.error();
    EXPECT_EQ(w.files_created(), static_cast<std::size_t>(kFlows));
  }
  EXPECT_EQ(fs.open_descriptors(), 0u);
  for (int i = 0; i < kFlows; ++i) {
    const std::string path = dir.path() + "/010.000.000.001.0" + std::to_string(1000 + i) +
                             "-192.168.001.002.00080.pcap";
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t* p = pcap_open_offline(path.c_str(), errbuf);
    ASSERT_NE(p, nullptr) << errbuf;
    EXPECT_EQ(pcap_datalink(p), DLT_RAW);
    int records = 0;
    pcap_pkthdr* hdr = nullptr;
    const u_char* bytes = nullptr;
    while (pcap_next_ex(p, &hdr, &bytes) == 1) {
      EXPECT_EQ(hdr->ts.tv_sec, 1000 + records);
      EXPECT_EQ(hdr->ts.tv_usec, i);
      EXPECT_EQ(hdr->caplen, static_cast<bpf_u_int32>(20 + i));
      EXPECT_EQ(hdr->len, 1500u);
      EXPECT_EQ(bytes[0], records);
      ++records;
    }
    pcap_close(p);
    EXPECT_EQ(records, kRounds) << path;
  }
}

}  // namespace
}  // namespace tcpflow
