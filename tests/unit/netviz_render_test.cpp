// netviz_render_test.cpp: the netviz page texts (sizes, counts, durations, intervals, labels)
// and the PDF itself, read back with poppler's pdftotext, pdfinfo and pdftoppm (uses a temporary
// directory; skipped when poppler-utils are missing).
#include "netviz_render.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <string>

#include "common/temp_dir.h"

namespace tcpflow {
namespace {

bool HaveTool(const std::string& tool) {
  return std::system(("command -v " + tool + " >/dev/null 2>&1").c_str()) == 0;
}

// Runs `command` and returns what it wrote to stdout.
std::string Capture(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  std::array<char, 4096> buffer;
  std::size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) out.append(buffer.data(), n);
  pclose(pipe);
  return out;
}

std::string Local(std::int64_t unix_seconds) {
  const auto t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  localtime_r(&t, &tm);
  char text[64];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm);
  return text;
}

// Renders `report` into the file `path` (created or replaced), as the scanner does through the
// file system's stream.
bool RenderToFile(const NetvizReport& report, const std::string& path, std::string* error) {
  std::filebuf file;
  if (file.open(path, std::ios::out | std::ios::binary | std::ios::trunc) == nullptr) {
    *error = "cannot create " + path;
    return false;
  }
  return RenderNetvizPdf(report, file, path, error);
}

// A stream buffer that takes `room` bytes, then refuses the rest (a full disk).
class FullStream final : public std::streambuf {
 public:
  explicit FullStream(std::streamsize room) : room_(room) {}

 protected:
  std::streamsize xsputn(const char*, std::streamsize n) override {
    const std::streamsize taken = std::min(n, room_);
    room_ -= taken;
    return taken;
  }
  int_type overflow(int_type c) override {
    if (room_ == 0) return traits_type::eof();
    --room_;
    return traits_type::not_eof(c);
  }

 private:
  std::streamsize room_;
};

class NetvizRenderTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(temp_.ok()); }
  // Renders `report` and returns pdftotext's layout text (skips the test without pdftotext).
  std::string RenderToText(const NetvizReport& report) {
    const std::string path = dir_ + "/report.pdf";
    std::string error;
    EXPECT_TRUE(RenderToFile(report, path, &error)) << error;
    return Capture("pdftotext -layout '" + path + "' - 2>/dev/null");
  }

  const testing::TempDir temp_;
  const std::string dir_ = temp_.path();
};

NetvizReport SampleReport() {
  NetvizReport report;
  report.title = "TCPFLOW 1.6.1";
  report.input = "sample.pcap + 1 more";
  report.generated_time = 1700000000;
  report.packets = 4631;
  report.bytes = 25091;
  report.first_us = 1600000000LL * 1000000 + 250000;
  report.last_us = 1600000030LL * 1000000 + 10;
  report.ipv4_bytes = 24000;
  report.vlan_bytes = 1091;
  report.tcp_bytes = 24091;
  report.bin_width_us = 1 << 20;
  for (int i = 0; i < 31; ++i) {
    NetvizTimeBin bin;
    bin.start_us = report.first_us + static_cast<std::int64_t>(i) * 1000000;
    bin.bytes[static_cast<std::size_t>(NetvizColor::kHttp)] = 500;
    bin.bytes[static_cast<std::size_t>(NetvizColor::kPort1)] = 200 + static_cast<unsigned>(i);
    bin.bytes[static_cast<std::size_t>(NetvizColor::kNonTcp)] = 30;
    report.bins.push_back(bin);
  }
  report.colored_ports = {3372};
  report.top_src_addrs = {{"65.208.228.223", 19340, NetvizColor::kOtherTcp},
                          {"216.239.59.99", 3240, NetvizColor::kOtherTcp},
                          {"2001:6f8:102d:0:2d0:9ff:fee3:e8de", 2320, NetvizColor::kOtherTcp},
                          {"10.0.0.9", 191, NetvizColor::kOtherTcp}};
  report.top_dst_addrs = {{"145.254.160.237", 22770, NetvizColor::kOtherTcp}};
  report.top_src_ports = {{"80", 22580, NetvizColor::kHttp}, {"3372", 1350, NetvizColor::kPort1}};
  return report;
}

TEST_F(NetvizRenderTest, FormatsBytesLikeTheReference) {
  EXPECT_EQ(FormatNetvizBytes(0), "0 B");
  EXPECT_EQ(FormatNetvizBytes(883), "883 B");
  EXPECT_EQ(FormatNetvizBytes(999), "999 B");
  EXPECT_EQ(FormatNetvizBytes(1000), "1.00 KB");
  EXPECT_EQ(FormatNetvizBytes(25091), "25.09 KB");
  EXPECT_EQ(FormatNetvizBytes(3738523), "3.74 MB");
  EXPECT_EQ(FormatNetvizBytes(5000000000ULL), "5.00 GB");
}

TEST_F(NetvizRenderTest, FormatsCountsWithThousandsSeparators) {
  EXPECT_EQ(FormatNetvizCount(0), "0");
  EXPECT_EQ(FormatNetvizCount(999), "999");
  EXPECT_EQ(FormatNetvizCount(4631), "4,631");
  EXPECT_EQ(FormatNetvizCount(1234567), "1,234,567");
}

TEST_F(NetvizRenderTest, FormatsDurationsWithTwoUnits) {
  EXPECT_EQ(FormatNetvizDuration(1), "1 second");
  EXPECT_EQ(FormatNetvizDuration(31), "31 seconds");
  EXPECT_EQ(FormatNetvizDuration(100), "1 minute, 40 seconds");
  EXPECT_EQ(FormatNetvizDuration(300), "5 minutes");
  EXPECT_EQ(FormatNetvizDuration(3600), "1 hour");
  EXPECT_EQ(FormatNetvizDuration(6001), "1 hour, 40 minutes");
  EXPECT_EQ(FormatNetvizDuration(200001), "2 days, 7 hours");
  EXPECT_EQ(FormatNetvizDuration(604801), "1 week");
  EXPECT_EQ(FormatNetvizDuration(3000001), "1 month");
  EXPECT_EQ(FormatNetvizDuration(40000001), "1 year, 3 months");
}

TEST_F(NetvizRenderTest, ChoosesIntervalsOfAtMostAHundredBars) {
  constexpr std::int64_t kS = 1000000;
  const std::int64_t t0 = 1600000000 * kS;
  EXPECT_EQ(ChooseNetvizInterval(t0, t0).label, "<1 second");
  EXPECT_EQ(ChooseNetvizInterval(t0, t0 + 30 * kS).label, "<1 second");
  EXPECT_EQ(ChooseNetvizInterval(t0, t0 + 30 * kS).width_us, 500000);
  EXPECT_EQ(ChooseNetvizInterval(t0, t0 + 60 * kS).label, "1 second");
  EXPECT_EQ(ChooseNetvizInterval(t0, t0 + 150 * kS).label, "2 second");
  EXPECT_EQ(ChooseNetvizInterval(t0, t0 + 199 * kS).label, "3 second");
  EXPECT_EQ(ChooseNetvizInterval(t0, t0 + 325 * kS).label, "4 second");
  EXPECT_EQ(ChooseNetvizInterval(t0, t0 + 3600 * kS).label, "1 minute");
  EXPECT_EQ(ChooseNetvizInterval(t0, t0 + 7200 * kS).label, "2 minute");
  EXPECT_EQ(ChooseNetvizInterval(t0, t0 + 604800 * kS).label, "2 hour");
  EXPECT_EQ(ChooseNetvizInterval(t0, t0 + 3000000 * kS).label, "1 day");
  EXPECT_EQ(ChooseNetvizInterval(t0, t0 + 40000000 * kS).label, "1 week");
  const auto huge = ChooseNetvizInterval(0, 4000000000LL * kS);
  EXPECT_EQ(huge.label, "2 year");
  EXPECT_EQ(ChooseNetvizInterval(t0, t0 + 53 * kS).label, "<1 second");
  EXPECT_EQ(ChooseNetvizInterval(t0, t0 + 54 * kS).label, "1 second");
  EXPECT_EQ(ChooseNetvizInterval(t0, t0 + 109 * kS).label, "1 second");
  EXPECT_EQ(ChooseNetvizInterval(t0, t0 + 110 * kS).label, "2 second");
  EXPECT_EQ(ChooseNetvizInterval(t0, t0 + 3000 * kS).label, "31 second");
  EXPECT_EQ(ChooseNetvizInterval(t0, t0 + 6000 * kS).label, "1 minute");
  // Sub-second: the exact span decides.
  EXPECT_EQ(ChooseNetvizInterval(t0, t0 + 50000).width_us, 1000);
  EXPECT_EQ(ChooseNetvizInterval(t0, t0 + 5 * kS).width_us, 100000);
}

TEST_F(NetvizRenderTest, ShortensLongIpv6Labels) {
  EXPECT_EQ(ShortNetvizLabel("10.0.0.1"), "10.0.0.1");
  EXPECT_EQ(ShortNetvizLabel("ff02::1:ff98:6e1"), "ff02::1:ff98:6e1");
  EXPECT_EQ(ShortNetvizLabel("fe80::211:25ff:fe82:95b5"), "fe80:0...95b5");
  EXPECT_EQ(ShortNetvizLabel("2001:6f8:900:7c0::2"), "2001:6f8...2");
  EXPECT_EQ(ShortNetvizLabel("2001:6f8:102d:0:2d0:9ff:fee3:e8de"), "2001:6f8...e8de");
}

TEST_F(NetvizRenderTest, RankLinesUseFloorPercentages) {
  EXPECT_EQ(FormatNetvizRankLine(3, {"216.239.59.99", 883, NetvizColor::kOtherTcp}, 25091),
            "3) 216.239.59.99 - 883 B (3%)");
  EXPECT_EQ(FormatNetvizRankLine(1, {"80", 22580, NetvizColor::kHttp}, 25091),
            "1) 80 - 22.58 KB (89%)");
  EXPECT_EQ(FormatNetvizRankLine(1, {"80", 5, NetvizColor::kHttp}, 0), "1) 80 - 5 B (0%)");
}

TEST_F(NetvizRenderTest, PdfShowsHeaderChartsAndRankLines) {
  if (!HaveTool("pdftotext")) GTEST_SKIP() << "pdftotext (poppler-utils) is not installed";
  const NetvizReport report = SampleReport();
  const std::string text = RenderToText(report);
  EXPECT_NE(text.find("TCPFLOW 1.6.1"), std::string::npos) << text;
  EXPECT_NE(text.find("Input: sample.pcap + 1 more"), std::string::npos);
  EXPECT_NE(text.find("Generated: " + Local(1700000000)), std::string::npos);
  EXPECT_NE(text.find("Date range: " + Local(1600000000) + " -- " + Local(1600000030)),
            std::string::npos);
  EXPECT_NE(text.find("Packets analyzed: 4,631 (25.09 KB)"), std::string::npos);
  EXPECT_NE(text.find("Transports: IPv4 95% VLAN 4%"), std::string::npos);
  EXPECT_NE(text.find("31 seconds (<1 second intervals)"), std::string::npos);
  EXPECT_NE(text.find("HTTP"), std::string::npos);
  EXPECT_NE(text.find("Port 3372"), std::string::npos);
  EXPECT_EQ(text.find("No TCP"), std::string::npos);
  EXPECT_NE(text.find("Top Source Addresses"), std::string::npos);
  EXPECT_NE(text.find("Top Destination Addresses"), std::string::npos);
  EXPECT_NE(text.find("1) 65.208.228.223 - 19.34 KB (77%)"), std::string::npos);
  EXPECT_NE(text.find("3) 2001:6f8:102d:0:2d0:9ff:fee3:e8de - 2.32 KB (9%)"), std::string::npos);
  EXPECT_EQ(text.find("4) 10.0.0.9"), std::string::npos);  // only three lines
  EXPECT_NE(text.find("1) 145.254.160.237 - 22.77 KB (90%)"), std::string::npos);
  EXPECT_NE(text.find("Top Source Ports"), std::string::npos);
  EXPECT_NE(text.find("1) 80 - 22.58 KB (93%)"), std::string::npos);
  EXPECT_NE(text.find("2) 3372 - 1.35 KB (5%)"), std::string::npos);
  EXPECT_NE(text.find("No Destination Ports"), std::string::npos);
}

TEST_F(NetvizRenderTest, LegendIsSortedByPort) {
  if (!HaveTool("pdftotext")) GTEST_SKIP() << "pdftotext (poppler-utils) is not installed";
  NetvizReport report = SampleReport();
  report.colored_ports = {25, 1470};
  for (auto& bin : report.bins) {
    bin.bytes = {};
    bin.bytes[static_cast<std::size_t>(NetvizColor::kHttps)] = 100;
    bin.bytes[static_cast<std::size_t>(NetvizColor::kPort1)] = 100;
    bin.bytes[static_cast<std::size_t>(NetvizColor::kPort2)] = 100;
    bin.bytes[static_cast<std::size_t>(NetvizColor::kFtp)] = 100;
  }
  const std::string text = RenderToText(report);
  const std::size_t ftp = text.find("FTP");
  const std::size_t smtp = text.find("Port 25");
  const std::size_t https = text.find("HTTPS");
  const std::size_t other = text.find("Port 1470");
  ASSERT_NE(ftp, std::string::npos) << text;
  ASSERT_NE(smtp, std::string::npos);
  ASSERT_NE(https, std::string::npos);
  ASSERT_NE(other, std::string::npos);
  EXPECT_LT(ftp, smtp);
  EXPECT_LT(smtp, https);
  EXPECT_LT(https, other);
  EXPECT_EQ(text.find("HTTP "), std::string::npos);  // no plain HTTP bytes, no HTTP entry
}

TEST_F(NetvizRenderTest, EmptyRunGivesAOnePageReportSayingSo) {
  if (!HaveTool("pdftotext") || !HaveTool("pdfinfo")) {
    GTEST_SKIP() << "pdftotext and pdfinfo (poppler-utils) are not both installed";
  }
  NetvizReport report;
  report.title = "TCPFLOW 1.6.1";
  report.input = "empty.pcap";
  report.generated_time = 0;
  const std::string text = RenderToText(report);
  EXPECT_NE(text.find("Packets analyzed: 0 (0 B)"), std::string::npos) << text;
  EXPECT_NE(text.find("no packets received"), std::string::npos);
  EXPECT_NE(text.find("No TCP"), std::string::npos);
  EXPECT_NE(text.find("No Source Addresses"), std::string::npos);
  EXPECT_NE(text.find("No Destination Addresses"), std::string::npos);
  EXPECT_NE(text.find("No Source Ports"), std::string::npos);
  EXPECT_NE(text.find("No Destination Ports"), std::string::npos);
  const std::string info = Capture("pdfinfo '" + dir_ + "/report.pdf' 2>/dev/null");
  EXPECT_NE(info.find("Pages:           1"), std::string::npos) << info;
  EXPECT_NE(info.find("611 x 792 pts"), std::string::npos) << info;
}

TEST_F(NetvizRenderTest, NoTcpLegendWhenOnlyOtherTraffic) {
  if (!HaveTool("pdftotext")) GTEST_SKIP() << "pdftotext (poppler-utils) is not installed";
  NetvizReport report = SampleReport();
  report.tcp_bytes = 0;
  report.colored_ports.clear();
  report.top_src_ports.clear();
  for (auto& bin : report.bins) {
    bin.bytes = {};
    bin.bytes[static_cast<std::size_t>(NetvizColor::kNonTcp)] = 100;
  }
  const std::string text = RenderToText(report);
  EXPECT_NE(text.find("No TCP"), std::string::npos) << text;
  EXPECT_EQ(text.find("HTTP"), std::string::npos);
  EXPECT_NE(text.find("No Source Ports"), std::string::npos);
  EXPECT_NE(text.find("Top Source Addresses"), std::string::npos);
}

TEST_F(NetvizRenderTest, PngOfThePageHasLetterSize) {
  if (!HaveTool("pdftoppm")) GTEST_SKIP() << "pdftoppm (poppler-utils) is not installed";
  std::string error;
  ASSERT_TRUE(RenderToFile(SampleReport(), dir_ + "/report.pdf", &error)) << error;
  Capture("pdftoppm -png -r 72 -singlefile '" + dir_ + "/report.pdf' '" + dir_ + "/page'");
  std::ifstream png(dir_ + "/page.png", std::ios::binary);
  ASSERT_TRUE(png.good()) << "pdftoppm made no PNG";
  std::array<unsigned char, 24> head{};
  png.read(reinterpret_cast<char*>(head.data()), head.size());
  ASSERT_EQ(png.gcount(), 24);
  EXPECT_EQ(head[1], 'P');
  EXPECT_EQ(head[2], 'N');
  EXPECT_EQ(head[3], 'G');
  const auto be32 = [&](std::size_t at) {
    return (std::uint32_t{head[at]} << 24) | (std::uint32_t{head[at + 1]} << 16) |
           (std::uint32_t{head[at + 2]} << 8) | head[at + 3];
  };
  EXPECT_EQ(be32(16), 611u);  // IHDR width and height at 72 dpi = points
  EXPECT_EQ(be32(20), 792u);
}

TEST_F(NetvizRenderTest, FailedWriteGivesAOneLineError) {
  for (const std::streamsize room : {std::streamsize{0}, std::streamsize{1000}}) {
    std::string error;
    FullStream full(room);
    EXPECT_FALSE(RenderNetvizPdf(SampleReport(), full, "out/report.pdf", &error)) << room;
    EXPECT_NE(error.find("out/report.pdf"), std::string::npos) << error;
    EXPECT_NE(error.find("error"), std::string::npos) << error;
    EXPECT_EQ(error.find('\n'), std::string::npos);
  }
}

}  // namespace
}  // namespace tcpflow
