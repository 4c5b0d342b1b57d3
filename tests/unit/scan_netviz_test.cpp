// scan_netviz_test.cpp: the netviz collector: counts, shares, top-N, port colours, the bounded
// time histogram and address summary, and the -S settings.
#include "scan_netviz.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <map>
#include <numeric>
#include <sstream>
#include <string>

#include "output_dir.h"

namespace tcpflow {
namespace {

IpAddress V4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  const std::uint8_t bytes[4] = {a, b, c, d};
  return IpAddress::V4(bytes);
}

IpAddress V6Last(std::uint8_t last) {
  std::uint8_t bytes[16] = {0x20, 0x01, 0x0d, 0xb8};
  bytes[15] = last;
  return IpAddress::V6(bytes);
}

PacketSummary Tcp(std::int64_t sec, std::int32_t usec, std::uint32_t len, const IpAddress& src,
                  const IpAddress& dst, std::uint16_t sport, std::uint16_t dport) {
  PacketSummary p;
  p.ts = Timeval{sec, usec};
  p.wire_len = len;
  p.network = src.is_v6() ? PacketSummary::Network::kIpv6 : PacketSummary::Network::kIpv4;
  p.has_ip = true;
  p.src = src;
  p.dst = dst;
  p.protocol = 6;
  p.has_ports = true;
  p.src_port = sport;
  p.dst_port = dport;
  return p;
}

PacketSummary Udp(std::int64_t sec, std::uint32_t len, const IpAddress& src, const IpAddress& dst,
                  std::uint16_t sport, std::uint16_t dport) {
  PacketSummary p = Tcp(sec, 0, len, src, dst, sport, dport);
  p.protocol = 17;
  return p;
}

NetvizConfig TestConfig() {
  NetvizConfig config;
  config.pdf_path = "/nonexistent/report.pdf";
  config.version = "1.6.1";
  config.inputs = {"capture.pcap"};
  config.generated_time = 1600000000;
  return config;
}

std::uint64_t SumBins(const NetvizReport& report) {
  std::uint64_t total = 0;
  for (const auto& bin : report.bins) {
    total += std::accumulate(bin.bytes.begin(), bin.bytes.end(), std::uint64_t{0});
  }
  return total;
}

std::uint64_t ColorBytes(const NetvizReport& report, NetvizColor color) {
  std::uint64_t total = 0;
  for (const auto& bin : report.bins) total += bin.bytes[static_cast<std::size_t>(color)];
  return total;
}

TEST(ScanNetvizTest, CountsEveryFrameByWireLengthAndNetwork) {
  MemoryOutputFs fs;
  NetvizScanner scanner(TestConfig(), fs);
  scanner.OnPacket(Tcp(100, 0, 600, V4(10, 0, 0, 1), V4(10, 0, 0, 2), 34567, 80));
  scanner.OnPacket(Udp(101, 200, V6Last(1), V6Last(2), 5353, 5353));
  PacketSummary vlan = Tcp(102, 0, 150, V4(10, 0, 0, 1), V4(10, 0, 0, 2), 34567, 80);
  vlan.network = PacketSummary::Network::kVlan;
  scanner.OnPacket(vlan);
  PacketSummary other;  // a frame without IP (e.g. a tunnel the decoder did not open)
  other.ts = Timeval{103, 0};
  other.wire_len = 50;
  scanner.OnPacket(other);

  EXPECT_EQ(scanner.packets(), 4u);
  EXPECT_EQ(scanner.bytes(), 1000u);
  const NetvizReport report = scanner.BuildReport();
  EXPECT_EQ(report.title, "TCPFLOW 1.6.1");
  EXPECT_EQ(report.input, "capture.pcap");
  EXPECT_EQ(report.ipv4_bytes, 600u);
  EXPECT_EQ(report.ipv6_bytes, 200u);
  EXPECT_EQ(report.vlan_bytes, 150u);
  EXPECT_EQ(report.other_bytes, 50u);
  EXPECT_EQ(report.tcp_bytes, 750u);
  EXPECT_EQ(report.first_us, 100 * 1000000);
  EXPECT_EQ(report.last_us, 103 * 1000000);
  EXPECT_EQ(FormatNetvizTransports(report), "Transports: IPv4 60% IPv6 20% VLAN 15% Other 5%");
  // Non-TCP frames are in the histogram too (as kNonTcp), so the bins add up to every byte.
  EXPECT_EQ(SumBins(report), 1000u);
  EXPECT_EQ(ColorBytes(report, NetvizColor::kNonTcp), 250u);
  EXPECT_EQ(ColorBytes(report, NetvizColor::kHttp), 750u);
}

TEST(ScanNetvizTest, SharesUnderOnePercentAreLeftOut) {
  MemoryOutputFs fs;
  NetvizScanner scanner(TestConfig(), fs);
  scanner.OnPacket(Tcp(1, 0, 995, V4(1, 1, 1, 1), V4(2, 2, 2, 2), 1000, 2000));
  scanner.OnPacket(Tcp(1, 0, 5, V6Last(1), V6Last(2), 1000, 2000));
  EXPECT_EQ(FormatNetvizTransports(scanner.BuildReport()), "Transports: IPv4 99%");
  NetvizScanner empty(TestConfig(), fs);
  EXPECT_EQ(FormatNetvizTransports(empty.BuildReport()), "Transports:");
}

TEST(ScanNetvizTest, PortsCountOnlyTcpAddressesCountAllIp) {
  MemoryOutputFs fs;
  NetvizScanner scanner(TestConfig(), fs);
  scanner.OnPacket(Udp(1, 5000, V4(10, 0, 0, 5), V4(10, 0, 0, 2), 53, 40000));
  scanner.OnPacket(Tcp(1, 0, 100, V4(10, 0, 0, 1), V4(10, 0, 0, 2), 22, 40001));
  PacketSummary icmp = Udp(2, 70, V4(10, 0, 0, 7), V4(10, 0, 0, 2), 0, 0);
  icmp.protocol = 1;
  icmp.has_ports = false;
  scanner.OnPacket(icmp);
  const NetvizReport report = scanner.BuildReport();
  ASSERT_EQ(report.top_src_ports.size(), 1u);
  EXPECT_EQ(report.top_src_ports[0].label, "22");
  EXPECT_EQ(report.top_src_ports[0].color, NetvizColor::kSsh);
  ASSERT_EQ(report.top_dst_ports.size(), 1u);
  EXPECT_EQ(report.top_dst_ports[0].label, "40001");
  EXPECT_EQ(report.tcp_bytes, 100u);
  ASSERT_EQ(report.top_src_addrs.size(), 3u);
  EXPECT_EQ(report.top_src_addrs[0].label, "10.0.0.5");
  EXPECT_EQ(report.top_src_addrs[0].bytes, 5000u);
  EXPECT_EQ(report.top_src_addrs[1].label, "10.0.0.1");
  EXPECT_EQ(report.top_src_addrs[2].label, "10.0.0.7");
  ASSERT_EQ(report.top_dst_addrs.size(), 1u);
  EXPECT_EQ(report.top_dst_addrs[0].bytes, 5170u);
  EXPECT_EQ(ColorBytes(report, NetvizColor::kNonTcp), 5070u);
}

TEST(ScanNetvizTest, TopListsAreBusiestFirstTiesByValueAndCappedAtTen) {
  MemoryOutputFs fs;
  NetvizScanner scanner(TestConfig(), fs);
  for (std::uint16_t i = 0; i < 15; ++i) {
    // Ports 1000..1014 with 100 bytes each except 1007 (the busiest).
    const std::uint32_t len = i == 7 ? 900 : 100;
    scanner.OnPacket(Tcp(1, 0, len, V4(10, 0, 0, static_cast<std::uint8_t>(20 - i)),
                         V4(10, 0, 1, 1), static_cast<std::uint16_t>(1000 + i), 80));
  }
  const NetvizReport report = scanner.BuildReport();
  ASSERT_EQ(report.top_src_ports.size(), kNetvizChartBars);
  EXPECT_EQ(report.top_src_ports[0].label, "1007");
  EXPECT_EQ(report.top_src_ports[1].label, "1000");
  EXPECT_EQ(report.top_src_ports[2].label, "1001");
  ASSERT_EQ(report.top_src_addrs.size(), kNetvizChartBars);
  EXPECT_EQ(report.top_src_addrs[0].label, "10.0.0.13");
  EXPECT_EQ(report.top_src_addrs[1].label, "10.0.0.6");  // ties: lower address first
  EXPECT_EQ(FormatNetvizRankLine(1, report.top_src_addrs[0], report.bytes),
            "1) 10.0.0.13 - 900 B (39%)");
}

TEST(ScanNetvizTest, TopSourcePortsWithoutFixedClassGetColoursInRankOrder) {
  MemoryOutputFs fs;
  NetvizScanner scanner(TestConfig(), fs);
  // Source ports by bytes: 443 (fixed), 5000, 7000, 6000, 9000, 9100 (fifth: no colour).
  const std::pair<std::uint16_t, std::uint32_t> sources[] = {
      {443, 6000}, {5000, 5000}, {7000, 4000}, {6000, 3000}, {9000, 2000}, {9100, 1000}};
  for (const auto& [port, len] : sources) {
    scanner.OnPacket(Tcp(10, 0, len, V4(10, 0, 0, 1), V4(10, 0, 0, 2), port, 40000));
  }
  // A packet to port 5000 from an uncoloured port stays grey (only the source port's colour
  // counts); one from coloured 7000 to port 80 is HTTP (a fixed class on either side wins).
  scanner.OnPacket(Tcp(11, 0, 10, V4(10, 0, 0, 2), V4(10, 0, 0, 1), 40000, 5000));
  scanner.OnPacket(Tcp(11, 0, 20, V4(10, 0, 0, 2), V4(10, 0, 0, 1), 7000, 80));

  const NetvizReport report = scanner.BuildReport();
  ASSERT_EQ(report.colored_ports.size(), 4u);
  EXPECT_EQ(report.colored_ports[0], 5000);
  EXPECT_EQ(report.colored_ports[1], 7000);
  EXPECT_EQ(report.colored_ports[2], 6000);
  EXPECT_EQ(report.colored_ports[3], 9000);
  EXPECT_EQ(report.top_src_ports[0].color, NetvizColor::kHttps);
  EXPECT_EQ(report.top_src_ports[1].color, NetvizColor::kPort1);
  EXPECT_EQ(report.top_src_ports[4].color, NetvizColor::kPort4);
  EXPECT_EQ(report.top_src_ports[5].label, "9100");
  EXPECT_EQ(report.top_src_ports[5].color, NetvizColor::kOtherTcp);
  // The destination chart uses the same colours.
  ASSERT_FALSE(report.top_dst_ports.empty());
  bool found_5000 = false;
  for (const auto& item : report.top_dst_ports) {
    if (item.label == "5000") {
      found_5000 = true;
      EXPECT_EQ(item.color, NetvizColor::kPort1);
    }
  }
  EXPECT_TRUE(found_5000);
  EXPECT_EQ(ColorBytes(report, NetvizColor::kHttps), 6000u);
  EXPECT_EQ(ColorBytes(report, NetvizColor::kPort1), 5000u);
  EXPECT_EQ(ColorBytes(report, NetvizColor::kPort2), 4000u);
  EXPECT_EQ(ColorBytes(report, NetvizColor::kHttp), 20u);
  EXPECT_EQ(ColorBytes(report, NetvizColor::kOtherTcp), 1010u);
}

TEST(ScanNetvizTest, PortClasses) {
  for (std::uint16_t port : {80, 8080, 8000, 8888, 81, 82, 8090}) {
    EXPECT_EQ(NetvizPortClass(port), NetvizColor::kHttp) << port;
  }
  EXPECT_EQ(NetvizPortClass(443), NetvizColor::kHttps);
  EXPECT_EQ(NetvizPortClass(22), NetvizColor::kSsh);
  EXPECT_EQ(NetvizPortClass(20), NetvizColor::kFtp);
  EXPECT_EQ(NetvizPortClass(21), NetvizColor::kFtp);
  EXPECT_EQ(NetvizPortClass(23), NetvizColor::kOtherTcp);
  EXPECT_EQ(NetvizPortClass(8081), NetvizColor::kOtherTcp);
}

TEST(ScanNetvizTest, ManySourcePortsInOneBucketKeepEveryByte) {
  NetvizTimeHistogram histogram;
  std::uint64_t total = 0;
  for (std::uint16_t i = 0; i < 100; ++i) {
    histogram.AddOtherTcp(5, static_cast<std::uint16_t>(1000 + i), i + 1u);
    total += i + 1u;
  }
  ASSERT_EQ(histogram.used_buckets(), 1u);
  const auto& bucket = histogram.bucket(0);
  EXPECT_EQ(bucket.port_count, NetvizTimeHistogram::kPortSlots);
  std::uint64_t kept = bucket.other_tcp;
  for (std::size_t i = 0; i < bucket.port_count; ++i) {
    kept += bucket.ports[i].bytes;
    EXPECT_GE(bucket.ports[i].src_port, 1000 + 100 - NetvizTimeHistogram::kPortSlots);
  }
  EXPECT_EQ(kept, total);
}

TEST(ScanNetvizTest, MillionPacketsOverTenYearsStayInBoundedBuckets) {
  MemoryOutputFs fs;
  NetvizScanner scanner(TestConfig(), fs);
  constexpr std::int64_t kPackets = 1000000;
  constexpr std::int64_t kSpan = 10LL * 365 * 86400;  // seconds
  const std::int64_t start = 1000000000;
  for (std::int64_t i = 0; i < kPackets; ++i) {
    const std::int64_t sec = start + i * kSpan / kPackets;
    scanner.OnPacket(Tcp(sec, static_cast<std::int32_t>(i % 1000000), 100,
                         V4(10, static_cast<std::uint8_t>(i >> 16),
                            static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)),
                         V4(10, 0, 0, 1), static_cast<std::uint16_t>(40000 + i % 20000), 443));
  }
  const auto& histogram = scanner.histogram();
  EXPECT_LE(histogram.used_buckets(), NetvizTimeHistogram::kBuckets);
  // The window covers the whole span with at least half the buckets in use.
  EXPECT_GE(histogram.used_buckets(), NetvizTimeHistogram::kBuckets / 2);
  EXPECT_LE(histogram.origin_us(), start * 1000000);
  const std::int64_t last_sec = start + (kPackets - 1) * kSpan / kPackets;
  EXPECT_GT(histogram.origin_us() +
                static_cast<std::int64_t>(histogram.used_buckets()) * histogram.width_us(),
            last_sec * 1000000);
  EXPECT_LT(histogram.rebuckets(), 64u);
  // A million distinct source addresses, but only histogram_size are kept.
  EXPECT_EQ(scanner.src_addrs().size(), 1000u);
  EXPECT_EQ(scanner.dst_addrs().size(), 1u);
  const NetvizReport report = scanner.BuildReport();
  EXPECT_LE(report.bins.size(), NetvizTimeHistogram::kBuckets);
  EXPECT_EQ(SumBins(report), 100000000u);
  EXPECT_EQ(ColorBytes(report, NetvizColor::kHttps), 100000000u);
  EXPECT_EQ(report.top_dst_addrs[0].bytes, 100000000u);
}

TEST(ScanNetvizTest, TimeGoingBackwardsKeepsBytesAndMovesTheWindowRarely) {
  NetvizTimeHistogram histogram;
  std::uint64_t total = 0;
  for (std::int64_t i = 0; i < 100000; ++i) {
    histogram.AddNonTcp(1000000000000 - i * 1000, 10);
    total += 10;
  }
  histogram.AddNonTcp(-5, 10);  // before the epoch
  total += 10;
  std::uint64_t kept = 0;
  for (std::size_t i = 0; i < histogram.used_buckets(); ++i) kept += histogram.bucket(i).non_tcp;
  EXPECT_EQ(kept, total);
  EXPECT_LE(histogram.origin_us(), -5);
  EXPECT_LT(histogram.rebuckets(), 200u);
  EXPECT_LE(histogram.used_buckets(), NetvizTimeHistogram::kBuckets);
}

TEST(ScanNetvizTest, ExtremeTimestampsDoNotOverflow) {
  MemoryOutputFs fs;
  NetvizScanner scanner(TestConfig(), fs);
  scanner.OnPacket(Tcp(INT64_MAX / 2, 999999, 10, V4(1, 1, 1, 1), V4(2, 2, 2, 2), 1, 2));
  scanner.OnPacket(Tcp(INT64_MIN / 2, 0, 10, V4(1, 1, 1, 1), V4(2, 2, 2, 2), 1, 2));
  scanner.OnPacket(Tcp(0, 0, 10, V4(1, 1, 1, 1), V4(2, 2, 2, 2), 1, 2));
  EXPECT_EQ(SumBins(scanner.BuildReport()), 30u);
  EXPECT_LE(scanner.histogram().used_buckets(), NetvizTimeHistogram::kBuckets);
}

TEST(ScanNetvizTest, HeavyHittersAreExactUnderCapacity) {
  NetvizHeavyHitters table(8, 12345);
  for (int round = 0; round < 3; ++round) {
    for (std::uint8_t a = 1; a <= 8; ++a) table.Add(V4(10, 0, 0, a), a);
  }
  EXPECT_EQ(table.size(), 8u);
  EXPECT_EQ(table.evictions(), 0u);
  const auto top = table.Top(3);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].addr, V4(10, 0, 0, 8));
  EXPECT_EQ(top[0].bytes, 24u);
  EXPECT_EQ(top[0].error, 0u);
  EXPECT_EQ(top[2].addr, V4(10, 0, 0, 6));
}

TEST(ScanNetvizTest, HeavyHittersKeepHeavyAddressesAmongManyLightOnes) {
  NetvizHeavyHitters table(16, 99);
  for (int i = 0; i < 20000; ++i) {
    table.Add(V4(172, 16, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)), 1);
    if (i % 10 == 0) table.Add(V6Last(1), 50);
    if (i % 20 == 0) table.Add(V4(192, 168, 0, 1), 40);
  }
  EXPECT_EQ(table.size(), 16u);
  EXPECT_GT(table.evictions(), 0u);
  const auto top = table.Top(2);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].addr, V6Last(1));
  EXPECT_EQ(top[1].addr, V4(192, 168, 0, 1));
  // Space-Saving: the count is at least the true count and at most true + error.
  EXPECT_GE(top[0].bytes, 100000u);
  EXPECT_LE(top[0].bytes - top[0].error, 100000u);
}

TEST(ScanNetvizTest, InputsHeaderNamesTheFirstAndCountsTheRest) {
  NetvizConfig config = TestConfig();
  config.inputs = {"a.pcap", "b.pcap", "c.pcap"};
  config.program = "tcpflow";
  config.version = "";
  MemoryOutputFs fs;
  const NetvizReport report = NetvizScanner(config, fs).BuildReport();
  EXPECT_EQ(report.input, "a.pcap + 2 more");
  EXPECT_EQ(report.title, "tcpflow");
  EXPECT_EQ(report.generated_time, 1600000000);
}

TEST(ScanNetvizTest, DumpListsAddressesInOrder) {
  MemoryOutputFs fs;
  NetvizScanner scanner(TestConfig(), fs);
  scanner.OnPacket(Tcp(1, 0, 70, V4(10, 0, 0, 9), V4(10, 0, 0, 1), 1, 2));
  scanner.OnPacket(Tcp(1, 0, 30, V4(10, 0, 0, 3), V4(10, 0, 0, 1), 1, 2));
  std::ostringstream out;
  scanner.WriteDump(out);
  EXPECT_EQ(out.str(),
            "src_addresses: 2 addresses (capacity 1000, evictions 0)\n"
            "10.0.0.3  count=30\n"
            "10.0.0.9  count=70\n"
            "dst_addresses: 1 addresses (capacity 1000, evictions 0)\n"
            "10.0.0.1  count=100\n");
}

TEST(ScanNetvizTest, SameSeedSameTables) {
  NetvizConfig config = TestConfig();
  config.histogram_size = 2;  // evictions: the order depends on the hash
  config.seed = 42;
  MemoryOutputFs fs;
  NetvizScanner a(config, fs);
  NetvizScanner b(config, fs);
  for (std::uint8_t host = 1; host < 20; ++host) {
    const auto packet = Tcp(host, 0, 100u * host, V4(10, 0, 0, host), V4(10, 0, 1, host), 1, 2);
    a.OnPacket(packet);
    b.OnPacket(packet);
  }
  std::ostringstream dump_a;
  std::ostringstream dump_b;
  a.WriteDump(dump_a);
  b.WriteDump(dump_b);
  EXPECT_EQ(dump_a.str(), dump_b.str());
}

TEST(ScanNetvizTest, RunEndReportsAnUnwritablePdfPath) {
  PosixOutputFs disk(16);
  NetvizScanner scanner(TestConfig(), disk);  // pdf_path is in a directory that does not exist
  scanner.OnPacket(Tcp(1, 0, 100, V4(10, 0, 0, 1), V4(10, 0, 0, 2), 1, 2));
  std::string error;
  EXPECT_FALSE(scanner.OnRunEnd(&error));
  EXPECT_NE(error.find("/nonexistent/report.pdf"), std::string::npos) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos);
}

TEST(ScanNetvizTest, RunEndWritesThePdfThroughTheFileSystem) {
  MemoryOutputFs fs;
  NetvizScanner scanner(TestConfig(), fs);
  scanner.OnPacket(Tcp(1, 0, 100, V4(10, 0, 0, 1), V4(10, 0, 0, 2), 1, 2));
  std::string error;
  ASSERT_TRUE(scanner.OnRunEnd(&error)) << error;
  const auto it = fs.files().find(TestConfig().pdf_path);
  ASSERT_NE(it, fs.files().end());
  const std::string head(it->second.bytes.begin(), it->second.bytes.begin() + 5);
  EXPECT_EQ(head, "%PDF-");
}

TEST(ScanNetvizTest, SmallHistogramSizeBoundsTheAddressTables) {
  NetvizConfig config = TestConfig();
  config.histogram_size = 2;
  MemoryOutputFs fs;
  NetvizScanner scanner(config, fs);
  for (std::uint8_t a = 1; a <= 50; ++a) {
    scanner.OnPacket(Tcp(1, 0, a, V4(10, 0, 0, a), V4(10, 0, 1, a), 1, 2));
  }
  EXPECT_EQ(scanner.src_addrs().size(), 2u);
  EXPECT_EQ(scanner.dst_addrs().size(), 2u);
  EXPECT_EQ(scanner.BuildReport().top_src_addrs.size(), 2u);
}

}  // namespace
}  // namespace tcpflow
