// netviz_render.h: draws the netviz one-page traffic report (report.pdf) with cairo.
//
// Design note: rendering is a pure function of a NetvizReport, a plain struct of numbers and
// strings that the collector (scan_netviz) fills in at the end of a run; nothing here sees
// packets. The page is US Letter (611x792 pt, like tcpflow 1.6.1) and holds, from top to bottom:
// the header lines, a bytes-over-time histogram (bars stacked by port class, a cumulative line
// with a 0-100% right axis, a duration label and a colour legend), the top source/destination
// addresses and the top source/destination TCP ports, each as a bar chart followed by up to three
// "N) name - bytes (pct%)" lines. Byte sizes use decimal units (1 KB = 1000 B) as the reference
// does. The helpers that make the texts are public so tests can check them without a PDF.
#ifndef TCPFLOW_NETVIZ_RENDER_H
#define TCPFLOW_NETVIZ_RENDER_H

#include <array>
#include <cstddef>
#include <cstdint>
#include <streambuf>
#include <string>
#include <vector>

namespace tcpflow {

// The colour classes of histogram and port bars, in stacking order (bottom first).
enum class NetvizColor : std::uint8_t {
  kHttp,      // blue: TCP port 80, 8080, 8000, 8888, 81, 82, 8090
  kHttps,     // green: 443
  kSsh,       // purple: 22
  kFtp,       // red: 20, 21
  kPort1,     // orange: the busiest TCP source port with no fixed class
  kPort2,     // magenta: the second one
  kPort3,     // deep purple: the third
  kPort4,     // teal: the fourth
  kOtherTcp,  // grey: any other TCP (also the colour of address bars)
  kNonTcp,    // white with a black outline: UDP, ICMP, ...
  kCount,
};
inline constexpr std::size_t kNetvizColorCount = static_cast<std::size_t>(NetvizColor::kCount);
inline constexpr std::size_t kNetvizTopPortColors = 4;

// The fixed class of a TCP port (kHttp..kFtp), or kOtherTcp when it has none.
NetvizColor NetvizPortClass(std::uint16_t port);

// Bytes that fell into [start_us, start_us + width) of the collector's time histogram.
struct NetvizTimeBin {
  std::int64_t start_us = 0;  // microseconds since the Unix epoch
  std::array<std::uint64_t, kNetvizColorCount> bytes{};
};

// One bar of a top-N chart.
struct NetvizRanked {
  std::string label;  // full text: "10.0.0.1", "2001:db8::1", "443"
  std::uint64_t bytes = 0;
  NetvizColor color = NetvizColor::kOtherTcp;
};

struct NetvizReport {
  std::string title;                // "TCPFLOW 1.6.1"
  std::string input;                // "capture.pcap" or "a.pcap + 2 more"
  std::int64_t generated_time = 0;  // Unix seconds, shown in local time
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;    // wire bytes of every counted frame
  std::int64_t first_us = 0;  // earliest and latest packet time (valid when packets > 0)
  std::int64_t last_us = 0;
  std::uint64_t ipv4_bytes = 0;  // by outer network type; they add up to `bytes`
  std::uint64_t ipv6_bytes = 0;
  std::uint64_t vlan_bytes = 0;
  std::uint64_t other_bytes = 0;
  std::uint64_t tcp_bytes = 0;  // bytes of TCP packets with ports (the port percentages' base)
  // The collector's histogram: bins of `bin_width_us`, sorted by start, empty bins may be left
  // out. Empty when there were no packets.
  std::int64_t bin_width_us = 1;
  std::vector<NetvizTimeBin> bins;
  // The ports that got kPort1.. colours, in that order (at most kNetvizTopPortColors).
  std::vector<std::uint16_t> colored_ports;
  // Busiest first, at most kNetvizChartBars each. Percentages of addresses are of `bytes`,
  // those of ports of `tcp_bytes`.
  std::vector<NetvizRanked> top_src_addrs;
  std::vector<NetvizRanked> top_dst_addrs;
  std::vector<NetvizRanked> top_src_ports;
  std::vector<NetvizRanked> top_dst_ports;
};
inline constexpr std::size_t kNetvizChartBars = 10;

// The bar width the histogram uses for packets between first_us and last_us, and its label.
struct NetvizInterval {
  std::int64_t width_us = 1;
  std::string
      label;  // "<1 second", "1 second", "4 second", "2 minute": shown as "(label intervals)"
};
NetvizInterval ChooseNetvizInterval(std::int64_t first_us, std::int64_t last_us);

// "1 second", "51 seconds", "1 minute, 40 seconds", "5 minutes", "2 days, 7 hours",
// "1 year, 3 months": the two largest units (year = 365 days, month = 4 weeks).
std::string FormatNetvizDuration(std::int64_t seconds);
// "0 B", "883 B", "19.34 KB", "3.74 MB", ... (decimal units, two decimals from KB up).
std::string FormatNetvizBytes(std::uint64_t bytes);
// "4,631".
std::string FormatNetvizCount(std::uint64_t n);
// "Transports: IPv4 95% VLAN 4%" (shares of bytes, rounded down, under 1% left out).
std::string FormatNetvizTransports(const NetvizReport& report);
// "N) label - bytes (pct%)" with pct = floor(100 * bytes / total).
std::string FormatNetvizRankLine(std::size_t rank, const NetvizRanked& item, std::uint64_t total);
// A chart label that fits over a bar: IPv6 text longer than 16 characters becomes its first two
// groups, "..." and its last group ("2001:db8...e8de").
std::string ShortNetvizLabel(const std::string& label);

// Draws `report` as a one-page PDF into `out` (the caller made it: the run's report.pdf comes
// from OutputFs::CreateStream) and flushes it. On failure returns false and sets `*error` to
// one line naming `name` (the file's path) and the cairo status.
bool RenderNetvizPdf(const NetvizReport& report, std::streambuf& out, const std::string& name,
                     std::string* error);

}  // namespace tcpflow

#endif  // TCPFLOW_NETVIZ_RENDER_H
