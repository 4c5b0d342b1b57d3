// progress_test.cpp: the progress line's text and its redraw rules.
#include "progress.h"

#include <gtest/gtest.h>

#include <sstream>

namespace tcpflow {
namespace {

TEST(ProgressTest, FullLine) {
  ProgressSample s;
  s.elapsed_sec = 10;
  s.bytes_read = 1'100'000'000;
  s.total_bytes = 2'600'000'000;
  s.packets = 1234567;
  s.open_flows = 3456;
  EXPECT_EQ(FormatProgressLine(s),
            "tcpflow: 42% 1.1 GB of 2.6 GB, 1,234,567 packets, 3,456 flows open, 110 MB/s, "
            "0:14 left");
}

TEST(ProgressTest, NoRateBeforeHalfASecond) {
  ProgressSample s;
  s.elapsed_sec = 0.2;
  s.bytes_read = 512;
  s.total_bytes = 1000;
  s.packets = 1;
  s.open_flows = 1;
  EXPECT_EQ(FormatProgressLine(s), "tcpflow: 51% 512 B of 1.0 KB, 1 packet, 1 flow open");
}

TEST(ProgressTest, UnknownTotalAndHours) {
  ProgressSample s;
  s.elapsed_sec = 1;
  s.bytes_read = 2'000'000;
  EXPECT_EQ(FormatProgressLine(s), "tcpflow: 2.0 MB read, 0 packets, 0 flows open, 2.0 MB/s");
  s.total_bytes = 2'000'000 + 2'000'000ull * 3725;
  EXPECT_NE(FormatProgressLine(s).find(", 1:02:05 left"), std::string::npos)
      << FormatProgressLine(s);
}

TEST(ProgressTest, RedrawsInPlaceAtMostEveryInterval) {
  std::ostringstream out;
  ProgressMeter meter(out, 0.5);
  ProgressSample s;
  s.total_bytes = 100;
  s.bytes_read = 10;
  meter.Update(s);
  const std::string first = out.str();
  EXPECT_EQ(first, "\rtcpflow: 10% 10 B of 100 B, 0 packets, 0 flows open");
  s.elapsed_sec = 0.3;
  s.bytes_read = 20;
  meter.Update(s);
  EXPECT_EQ(out.str(), first);  // too soon
  s.elapsed_sec = 0.6;
  s.bytes_read = 100;
  s.packets = 12;
  meter.Update(s);
  const std::string second = out.str().substr(first.size());
  EXPECT_EQ(second.front(), '\r');
  EXPECT_NE(second.find("100% 100 B of 100 B, 12 packets"), std::string::npos);
  meter.Clear();
  const std::string cleared = out.str().substr(first.size() + second.size());
  EXPECT_EQ(cleared, "\r" + std::string(second.size() - 1, ' ') + "\r");
  meter.Clear();  // nothing drawn: nothing written
  EXPECT_EQ(out.str().size(), first.size() + second.size() + cleared.size());
}

TEST(ProgressTest, ShorterLineIsPaddedOverTheLongerOne) {
  std::ostringstream out;
  ProgressMeter meter(out, 0);
  ProgressSample s;
  s.packets = 1'000'000;
  meter.Update(s);
  const std::size_t long_width = out.str().size() - 1;
  s.packets = 1;
  s.elapsed_sec = 1;
  out.str("");
  meter.Update(s);
  EXPECT_EQ(out.str().size() - 1,
            long_width > FormatProgressLine(s).size() ? long_width : FormatProgressLine(s).size());
}

}  // namespace
}  // namespace tcpflow
