// netviz_render.cpp: the netviz report page (PDF 1.5 through cairo's PDF surface).
#include "netviz_render.h"

#include <cairo-pdf.h>
#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <memory>
#include <numbers>

namespace tcpflow {

namespace {

// Page geometry in points (US Letter as tcpflow 1.6.1 makes it).
constexpr double kPageWidth = 611;
constexpr double kPageHeight = 792;
constexpr double kLeft = 30;
constexpr const char* kFont = "DejaVu Sans";

constexpr double kHeaderSize = 8.5;
constexpr double kHeaderLine = 10.5;
constexpr double kHistLeft = 63;
constexpr double kHistRight = 557;
constexpr double kHistTop = 112;
constexpr double kHistBottom = 181;
constexpr double kDurationY = 198;
constexpr double kLegendY = 219;
constexpr double kChartWidth = 217;
constexpr double kChartLeftX = 47;
constexpr double kChartRightX = 347;
constexpr double kAddrTop = 277;
constexpr double kAddrBottom = 332;
constexpr double kPortTop = 417;
constexpr double kPortBottom = 477;
constexpr double kTextSize = 7.5;
constexpr double kSmallSize = 5.5;
constexpr std::size_t kRankLines = 3;
// Histogram bars are kept under this many.
constexpr std::int64_t kMaxBars = 100;

constexpr std::int64_t kMicros = 1000000;

struct Rgb {
  double r, g, b;
};

Rgb ColorOf(NetvizColor color) {
  switch (color) {
    case NetvizColor::kHttp: return {5 / 255.0, 0, 1};
    case NetvizColor::kHttps: return {5 / 255.0, 191 / 255.0, 0};
    case NetvizColor::kSsh: return {148 / 255.0, 0, 191 / 255.0};
    case NetvizColor::kFtp: return {1, 0, 0};
    case NetvizColor::kPort1: return {1, 120 / 255.0, 0};
    case NetvizColor::kPort2: return {191 / 255.0, 0, 153 / 255.0};
    case NetvizColor::kPort3: return {102 / 255.0, 0, 191 / 255.0};
    case NetvizColor::kPort4: return {0, 191 / 255.0, 166 / 255.0};
    case NetvizColor::kNonTcp: return {1, 1, 1};
    case NetvizColor::kOtherTcp:
    case NetvizColor::kCount: break;
  }
  return {171 / 255.0, 171 / 255.0, 171 / 255.0};
}

struct Unit {
  double divisor;
  const char* name;
};

// The unit a size is shown in: B below 1000, then KB, MB, ... (decimal).
Unit UnitFor(std::uint64_t bytes) {
  static constexpr Unit kUnits[] = {{1e3, "KB"},  {1e6, "MB"},  {1e9, "GB"},
                                    {1e12, "TB"}, {1e15, "PB"}, {1e18, "EB"}};
  Unit unit{1, "B"};
  for (const Unit& u : kUnits) {
    if (static_cast<double>(bytes) >= u.divisor) unit = u;
  }
  return unit;
}

// "19 KB": a whole number in the unit of `unit_of`.
std::string AxisLabel(std::uint64_t bytes, std::uint64_t unit_of) {
  const Unit unit = UnitFor(unit_of);
  char text[64];
  std::snprintf(text, sizeof text, "%.0f %s", static_cast<double>(bytes) / unit.divisor, unit.name);
  return text;
}

std::uint64_t Percent(std::uint64_t part, std::uint64_t total) {
  if (total == 0) return 0;
  if (part <= UINT64_MAX / 100) return part * 100 / total;
  return static_cast<std::uint64_t>(std::floor(static_cast<long double>(part) * 100 / total));
}

std::string LocalTime(std::int64_t unix_seconds) {
  const auto t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  if (localtime_r(&t, &tm) == nullptr) return "?";
  char text[64];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm);
  return text;
}

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

// ------------------------------------------------------------------------------ drawing helpers

class Painter {
 public:
  explicit Painter(cairo_t* cr) : cr_(cr) {
    cairo_select_font_face(cr_, kFont, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  }

  void SetColor(Rgb c) { cairo_set_source_rgb(cr_, c.r, c.g, c.b); }
  void Black() { cairo_set_source_rgb(cr_, 0, 0, 0); }

  double TextWidth(const std::string& text, double size) {
    cairo_set_font_size(cr_, size);
    cairo_text_extents_t ext;
    cairo_text_extents(cr_, text.c_str(), &ext);
    return ext.x_advance;
  }
  // `align`: 0 = left edge at x, 0.5 = centred, 1 = right edge at x. `y` is the baseline.
  void Text(const std::string& text, double x, double y, double size, double align = 0) {
    const double width = TextWidth(text, size);
    cairo_move_to(cr_, x - width * align, y);
    cairo_show_text(cr_, text.c_str());
  }
  // Text rising at 45 degrees from (x, y).
  void SlantedText(const std::string& text, double x, double y, double size) {
    cairo_save(cr_);
    cairo_translate(cr_, x, y);
    cairo_rotate(cr_, -std::numbers::pi / 4);
    cairo_set_font_size(cr_, size);
    cairo_move_to(cr_, 0, 0);
    cairo_show_text(cr_, text.c_str());
    cairo_restore(cr_);
  }
  void Line(double x0, double y0, double x1, double y1, double width = 0.5) {
    cairo_set_line_width(cr_, width);
    cairo_move_to(cr_, x0, y0);
    cairo_line_to(cr_, x1, y1);
    cairo_stroke(cr_);
  }
  void FillRect(double x, double y, double w, double h) {
    cairo_rectangle(cr_, x, y, w, h);
    cairo_fill(cr_);
  }
  void StrokeRect(double x, double y, double w, double h, double width = 0.5) {
    cairo_set_line_width(cr_, width);
    cairo_rectangle(cr_, x, y, w, h);
    cairo_stroke(cr_);
  }
  // A step line through (x_i, y_i): level y_i from x_i to x_{i+1}.
  void Steps(const std::vector<std::pair<double, double>>& points, double end_x) {
    if (points.empty()) return;
    cairo_set_line_width(cr_, 0.6);
    cairo_move_to(cr_, points[0].first, points[0].second);
    for (std::size_t i = 0; i < points.size(); ++i) {
      const double next_x = i + 1 < points.size() ? points[i + 1].first : end_x;
      cairo_line_to(cr_, points[i].first, points[i].second);
      cairo_line_to(cr_, next_x, points[i].second);
    }
    cairo_stroke(cr_);
  }

 private:
  cairo_t* cr_;
};

// A left axis with labels, a grey frame line on the right with 0%/100%, and the base line.
void DrawAxes(Painter& p, double left, double right, double top, double bottom,
              const std::vector<std::pair<double, std::string>>& left_ticks, double tick_size) {
  p.SetColor({0.6, 0.6, 0.6});
  p.Line(left, top, left, bottom);
  p.Line(right, top, right, bottom);
  p.Line(left, bottom, right, bottom);
  p.Black();
  const std::string* previous = nullptr;
  for (const auto& [y, label] : left_ticks) {
    p.Line(left - 3, y, left, y);
    // Rounded labels can repeat ("2 KB" twice); each is written once.
    if (previous == nullptr || *previous != label) {
      p.Text(label, left - 4, y + tick_size / 3, tick_size, 1);
    }
    previous = &label;
  }
  p.Line(right, top, right + 3, top);
  p.Line(right, bottom, right + 3, bottom);
  p.Text("100%", right + 4, top + 2, kSmallSize);
  p.Text("0%", right + 4, bottom + 2, kSmallSize);
}

void DrawHeader(Painter& p, const NetvizReport& report) {
  p.Black();
  double y = 36;
  p.Text(report.title, kLeft, y, kHeaderSize);
  p.Text("Input: " + report.input, kLeft, y += kHeaderLine, kHeaderSize);
  p.Text("Generated: " + LocalTime(report.generated_time), kLeft, y += kHeaderLine, kHeaderSize);
  y += kHeaderLine * 0.6;
  const std::int64_t first_s = FloorDiv(report.first_us, kMicros);
  const std::int64_t last_s = FloorDiv(report.last_us, kMicros);
  const std::string range = report.packets == 0 ? std::string("none (no packets)")
                                                : LocalTime(first_s) + " -- " + LocalTime(last_s);
  p.Text("Date range: " + range, kLeft, y += kHeaderLine, kHeaderSize);
  p.Text("Packets analyzed: " + FormatNetvizCount(report.packets) + " (" +
             FormatNetvizBytes(report.bytes) + ")",
         kLeft, y += kHeaderLine, kHeaderSize);
  p.Text(FormatNetvizTransports(report), kLeft, y += kHeaderLine, kHeaderSize);
}

// The duration line: a bracket across the histogram with the text in a gap in the middle.
void DrawDuration(Painter& p, const std::string& text) {
  const double mid = (kHistLeft + kHistRight) / 2;
  const double half = p.TextWidth(text, kTextSize) / 2 + 4;
  p.Black();
  p.Line(kHistLeft, kDurationY - 3, kHistLeft, kDurationY + 3);
  p.Line(kHistRight, kDurationY - 3, kHistRight, kDurationY + 3);
  p.Line(kHistLeft, kDurationY, mid - half, kDurationY);
  p.Line(mid + half, kDurationY, kHistRight, kDurationY);
  p.Text(text, mid, kDurationY + kTextSize / 3, kTextSize, 0.5);
}

struct LegendItem {
  NetvizColor color;
  std::string label;
};

void DrawLegend(Painter& p, const NetvizReport& report,
                const std::array<bool, kNetvizColorCount>& present) {
  const double mid = (kHistLeft + kHistRight) / 2;
  if (report.tcp_bytes == 0) {
    const std::string text = "No TCP";
    const double size = 11;
    const double width = p.TextWidth(text, size) + 12;
    p.SetColor({0.6, 0.6, 0.6});
    p.StrokeRect(mid - width / 2, kLegendY - 8, width, 16);
    p.Black();
    p.Text(text, mid, kLegendY + size / 3, size, 0.5);
    return;
  }
  // Entries are sorted by port, a fixed class by its lowest well-known port, as the reference
  // does (FTP 20, SSH 22, HTTP 80, HTTPS 443, then "Port N" in between where N falls).
  std::vector<std::pair<std::uint16_t, LegendItem>> keyed;
  static constexpr std::pair<NetvizColor, std::pair<std::uint16_t, const char*>> kFixed[] = {
      {NetvizColor::kFtp, {20, "FTP"}},
      {NetvizColor::kSsh, {22, "SSH"}},
      {NetvizColor::kHttp, {80, "HTTP"}},
      {NetvizColor::kHttps, {443, "HTTPS"}}};
  for (const auto& [color, key_name] : kFixed) {
    if (present[static_cast<std::size_t>(color)]) {
      keyed.push_back({key_name.first, {color, key_name.second}});
    }
  }
  for (std::size_t i = 0; i < report.colored_ports.size() && i < kNetvizTopPortColors; ++i) {
    const auto color = static_cast<NetvizColor>(static_cast<std::size_t>(NetvizColor::kPort1) + i);
    if (present[static_cast<std::size_t>(color)]) {
      const std::uint16_t port = report.colored_ports[i];
      keyed.push_back({port, {color, "Port " + std::to_string(port)}});
    }
  }
  std::stable_sort(keyed.begin(), keyed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<LegendItem> items;
  for (auto& [key, item] : keyed) items.push_back(std::move(item));
  if (items.empty()) return;

  constexpr double kSwatch = 6;
  constexpr double kGap = 12;
  double total = kGap;
  for (const auto& item : items) total += kSwatch + 4 + p.TextWidth(item.label, kSmallSize) + kGap;
  double x = mid - total / 2;
  p.SetColor({0.6, 0.6, 0.6});
  p.StrokeRect(x, kLegendY - 8, total, 16);
  x += kGap;
  for (const auto& item : items) {
    p.SetColor(ColorOf(item.color));
    p.FillRect(x, kLegendY - kSwatch / 2, kSwatch, kSwatch);
    p.Black();
    p.Text(item.label, x + kSwatch + 4, kLegendY + kSmallSize / 3, kSmallSize);
    x += kSwatch + 4 + p.TextWidth(item.label, kSmallSize) + kGap;
  }
}

void DrawHistogram(Painter& p, const NetvizReport& report) {
  std::array<bool, kNetvizColorCount> present{};
  if (report.packets == 0 || report.bins.empty()) {
    DrawAxes(p, kHistLeft, kHistRight, kHistTop, kHistBottom, {{kHistBottom, "0 B"}}, 4.5);
    DrawDuration(p, "no packets received");
    DrawLegend(p, report, present);
    return;
  }
  const NetvizInterval interval = ChooseNetvizInterval(report.first_us, report.last_us);
  const std::int64_t width = interval.width_us;
  // Whole-second bars start at the first packet's second; shorter ones at a multiple of width.
  const std::int64_t start = width >= kMicros ? FloorDiv(report.first_us, kMicros) * kMicros
                                              : FloorDiv(report.first_us, width) * width;
  const std::int64_t count = FloorDiv(report.last_us - start, width) + 1;
  std::vector<std::array<std::uint64_t, kNetvizColorCount>> bars(static_cast<std::size_t>(count));
  for (const NetvizTimeBin& bin : report.bins) {
    const std::int64_t index =
        std::clamp<std::int64_t>(FloorDiv(bin.start_us - start, width), 0, count - 1);
    for (std::size_t c = 0; c < kNetvizColorCount; ++c) {
      bars[static_cast<std::size_t>(index)][c] += bin.bytes[c];
      if (bin.bytes[c] != 0) present[c] = true;
    }
  }
  std::uint64_t max_bar = 0;
  std::uint64_t total = 0;
  for (const auto& bar : bars) {
    std::uint64_t sum = 0;
    for (std::uint64_t b : bar) sum += b;
    max_bar = std::max(max_bar, sum);
    total += sum;
  }
  const double height = kHistBottom - kHistTop;
  std::vector<std::pair<double, std::string>> ticks;
  for (int quarter = 4; quarter >= 0; --quarter) {
    ticks.emplace_back(kHistBottom - height * quarter / 4,
                       AxisLabel(max_bar * static_cast<std::uint64_t>(quarter) / 4, max_bar));
  }
  DrawAxes(p, kHistLeft, kHistRight, kHistTop, kHistBottom, ticks, 4.5);

  const double slot = (kHistRight - kHistLeft) / static_cast<double>(count);
  const double bar_width = std::max(slot * 0.8, 0.3);
  std::vector<std::pair<double, double>> cumulative;
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const double x = kHistLeft + slot * static_cast<double>(i) + (slot - bar_width) / 2;
    double y = kHistBottom;
    for (std::size_t c = 0; c < kNetvizColorCount; ++c) {
      if (bars[i][c] == 0) continue;
      const double h = height * static_cast<double>(bars[i][c]) / static_cast<double>(max_bar);
      y -= h;
      p.SetColor(ColorOf(static_cast<NetvizColor>(c)));
      p.FillRect(x, y, bar_width, h);
      if (static_cast<NetvizColor>(c) == NetvizColor::kNonTcp) {
        p.Black();
        p.StrokeRect(x, y, bar_width, h, 0.4);
      }
    }
    for (std::uint64_t b : bars[i]) running += b;
    cumulative.emplace_back(
        kHistLeft + slot * static_cast<double>(i),
        kHistBottom - height * static_cast<double>(running) /
                          static_cast<double>(std::max<std::uint64_t>(total, 1)));
  }
  p.Black();
  p.Steps(cumulative, kHistRight);

  const std::int64_t seconds =
      FloorDiv(report.last_us, kMicros) - FloorDiv(report.first_us, kMicros) + 1;
  DrawDuration(p, FormatNetvizDuration(seconds) + " (" + interval.label + " intervals)");
  DrawLegend(p, report, present);
}

// A top-N chart at (left, top..bottom) with its title below and the rank lines under that.
void DrawTopChart(Painter& p, double left, double top, double bottom,
                  const std::vector<NetvizRanked>& items, std::uint64_t total,
                  const std::string& what) {
  const double right = left + kChartWidth;
  const double height = bottom - top;
  std::uint64_t max_bytes = 0;
  for (const auto& item : items) max_bytes = std::max(max_bytes, item.bytes);
  std::vector<std::pair<double, std::string>> ticks = {{bottom, "0 B"}};
  if (max_bytes != 0) ticks.emplace_back(top, AxisLabel(max_bytes, max_bytes));
  DrawAxes(p, left, right, top, bottom, ticks, kSmallSize);

  if (!items.empty() && max_bytes != 0) {
    const double slot = kChartWidth / static_cast<double>(items.size());
    const double bar_width = slot * 0.8;
    std::vector<std::pair<double, double>> cumulative;
    std::uint64_t running = 0;
    for (std::size_t i = 0; i < items.size(); ++i) {
      const double x = left + slot * static_cast<double>(i) + (slot - bar_width) / 2;
      const double h =
          height * static_cast<double>(items[i].bytes) / static_cast<double>(max_bytes);
      p.SetColor(ColorOf(items[i].color));
      p.FillRect(x, bottom - h, bar_width, h);
      p.Black();
      p.SlantedText(ShortNetvizLabel(items[i].label), x + bar_width / 2 - 3, bottom - h - 3,
                    kSmallSize);
      running += items[i].bytes;
      cumulative.emplace_back(left + slot * static_cast<double>(i),
                              bottom - height * static_cast<double>(Percent(running, total)) / 100);
    }
    p.Steps(cumulative, right);
  }
  p.Black();
  const std::string title = (items.empty() ? "No " : "Top ") + what;
  p.Text(title, (left + right) / 2, bottom + 11, kTextSize, 0.5);
  double y = bottom + 24;
  for (std::size_t i = 0; i < items.size() && i < kRankLines; ++i) {
    p.Text(FormatNetvizRankLine(i + 1, items[i], total), left + 15, y, kTextSize);
    y += 11;
  }
}

struct SurfaceCloser {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct ContextCloser {
  void operator()(cairo_t* cr) const { cairo_destroy(cr); }
};

}  // namespace

NetvizColor NetvizPortClass(std::uint16_t port) {
  switch (port) {
    case 80:
    case 81:
    case 82:
    case 8000:
    case 8080:
    case 8090:
    case 8888: return NetvizColor::kHttp;
    case 443: return NetvizColor::kHttps;
    case 22: return NetvizColor::kSsh;
    case 20:
    case 21: return NetvizColor::kFtp;
    default: return NetvizColor::kOtherTcp;
  }
}

NetvizInterval ChooseNetvizInterval(std::int64_t first_us, std::int64_t last_us) {
  // The thresholds follow what tcpflow 1.6.1 picks: bars of a fraction of a second while the
  // exact span is under 54 seconds; otherwise whole units where `seconds` (counting the first
  // and last second) stays under 100 bars, or up to 110 bars for one unit of a kind.
  constexpr std::int64_t kSubSecondSpan = 54 * kMicros;
  if (last_us - first_us < kSubSecondSpan) {
    const std::int64_t span = last_us - first_us + 1;
    for (std::int64_t width : {1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000}) {
      if (span < kMaxBars * width) return {width, "<1 second"};
    }
    return {kMicros / 2, "<1 second"};
  }
  const std::int64_t seconds = FloorDiv(last_us, kMicros) - FloorDiv(first_us, kMicros) + 1;
  struct Step {
    std::int64_t unit;
    const char* name;
    std::vector<std::int64_t> multiples;
  };
  static const Step kSteps[] = {
      {1, "second", {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18,
                     19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35}},
      {60, "minute", {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 30, 40}},
      {3600, "hour", {1, 2, 3, 4, 6}},
      {86400, "day", {1, 2, 3}},
      {604800, "week", {1, 2}},
      {2419200, "month", {1, 2, 3, 6}},
  };
  constexpr std::int64_t kOneUnitBars = 110;
  for (const Step& step : kSteps) {
    for (std::int64_t n : step.multiples) {
      const bool fits =
          n == 1 ? seconds <= kOneUnitBars * step.unit : seconds < kMaxBars * n * step.unit;
      if (fits) return {n * step.unit * kMicros, std::to_string(n) + " " + step.name};
    }
  }
  constexpr std::int64_t kYear = 31536000;
  std::int64_t years = 1;
  while (seconds >= kMaxBars * years * kYear) years *= 2;
  return {years * kYear * kMicros, std::to_string(years) + " year"};
}

std::string FormatNetvizDuration(std::int64_t seconds) {
  struct Unit {
    std::int64_t seconds;
    const char* name;
  };
  static constexpr Unit kUnits[] = {{31536000, "year"}, {2419200, "month"}, {604800, "week"},
                                    {86400, "day"},     {3600, "hour"},     {60, "minute"},
                                    {1, "second"}};
  const auto phrase = [](std::int64_t n, const char* name) {
    return std::to_string(n) + " " + name + (n == 1 ? "" : "s");
  };
  if (seconds < 1) return phrase(0, "second");
  for (std::size_t i = 0; i < std::size(kUnits); ++i) {
    if (seconds < kUnits[i].seconds) continue;
    std::string text = phrase(seconds / kUnits[i].seconds, kUnits[i].name);
    if (i + 1 < std::size(kUnits)) {
      const std::int64_t rest = (seconds % kUnits[i].seconds) / kUnits[i + 1].seconds;
      if (rest != 0) text += ", " + phrase(rest, kUnits[i + 1].name);
    }
    return text;
  }
  return phrase(seconds, "second");
}

std::string FormatNetvizBytes(std::uint64_t bytes) {
  const Unit unit = UnitFor(bytes);
  if (unit.divisor == 1) return std::to_string(bytes) + " B";
  char text[64];
  std::snprintf(text, sizeof text, "%.2f %s", static_cast<double>(bytes) / unit.divisor, unit.name);
  return text;
}

std::string FormatNetvizCount(std::uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string FormatNetvizTransports(const NetvizReport& report) {
  std::string text = "Transports:";
  const std::pair<const char*, std::uint64_t> shares[] = {{"IPv4", report.ipv4_bytes},
                                                          {"IPv6", report.ipv6_bytes},
                                                          {"VLAN", report.vlan_bytes},
                                                          {"Other", report.other_bytes}};
  for (const auto& [name, bytes] : shares) {
    const std::uint64_t pct = Percent(bytes, report.bytes);
    if (pct >= 1) text += std::string(" ") + name + " " + std::to_string(pct) + "%";
  }
  return text;
}

std::string FormatNetvizRankLine(std::size_t rank, const NetvizRanked& item, std::uint64_t total) {
  return std::to_string(rank) + ") " + item.label + " - " + FormatNetvizBytes(item.bytes) + " (" +
         std::to_string(Percent(item.bytes, total)) + "%)";
}

std::string ShortNetvizLabel(const std::string& label) {
  constexpr std::size_t kMaxLabel = 16;
  if (label.size() <= kMaxLabel || label.find(':') == std::string::npos) return label;
  // Expand "::" to the zero groups it stands for, then keep groups 0, 1 and the last.
  std::vector<std::string> head;
  std::vector<std::string> tail;
  const std::size_t gap = label.find("::");
  const auto split = [](const std::string& text, std::vector<std::string>* groups) {
    std::size_t begin = 0;
    while (begin <= text.size() && !text.empty()) {
      const std::size_t end = text.find(':', begin);
      groups->push_back(text.substr(begin, end == std::string::npos ? end : end - begin));
      if (end == std::string::npos) break;
      begin = end + 1;
    }
  };
  if (gap == std::string::npos) {
    split(label, &head);
  } else {
    split(label.substr(0, gap), &head);
    split(label.substr(gap + 2), &tail);
  }
  std::vector<std::string> groups = head;
  for (std::size_t i = head.size() + tail.size(); i < 8; ++i) groups.push_back("0");
  groups.insert(groups.end(), tail.begin(), tail.end());
  if (groups.size() < 3) return label;
  return groups[0] + ":" + groups[1] + "..." + groups.back();
}

namespace {

// cairo's write callback: every byte goes to the stream buffer, or the write fails.
cairo_status_t WriteToStream(void* closure, const unsigned char* data, unsigned int length) {
  auto* out = static_cast<std::streambuf*>(closure);
  const auto n = static_cast<std::streamsize>(length);
  return out->sputn(reinterpret_cast<const char*>(data), n) == n ? CAIRO_STATUS_SUCCESS
                                                                 : CAIRO_STATUS_WRITE_ERROR;
}

}  // namespace

bool RenderNetvizPdf(const NetvizReport& report, std::streambuf& out, const std::string& name,
                     std::string* error) {
  std::unique_ptr<cairo_surface_t, SurfaceCloser> surface(
      cairo_pdf_surface_create_for_stream(WriteToStream, &out, kPageWidth, kPageHeight));
  const auto fail = [&](cairo_status_t status) {
    *error = "cannot write netviz report " + name + ": " + cairo_status_to_string(status);
    return false;
  };
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
    return fail(cairo_surface_status(surface.get()));
  }
  {
    std::unique_ptr<cairo_t, ContextCloser> cr(cairo_create(surface.get()));
    cairo_set_source_rgb(cr.get(), 1, 1, 1);
    cairo_paint(cr.get());
    Painter painter(cr.get());
    DrawHeader(painter, report);
    DrawHistogram(painter, report);
    DrawTopChart(painter, kChartLeftX, kAddrTop, kAddrBottom, report.top_src_addrs, report.bytes,
                 "Source Addresses");
    DrawTopChart(painter, kChartRightX, kAddrTop, kAddrBottom, report.top_dst_addrs, report.bytes,
                 "Destination Addresses");
    DrawTopChart(painter, kChartLeftX, kPortTop, kPortBottom, report.top_src_ports,
                 report.tcp_bytes, "Source Ports");
    DrawTopChart(painter, kChartRightX, kPortTop, kPortBottom, report.top_dst_ports,
                 report.tcp_bytes, "Destination Ports");
    cairo_show_page(cr.get());
    if (cairo_status(cr.get()) != CAIRO_STATUS_SUCCESS) return fail(cairo_status(cr.get()));
  }
  cairo_surface_finish(surface.get());
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
    return fail(cairo_surface_status(surface.get()));
  }
  if (out.pubsync() != 0) return fail(CAIRO_STATUS_WRITE_ERROR);
  return true;
}

}  // namespace tcpflow
