// progress.cpp: formatting and redrawing the progress line.
#include "progress.h"

#include <cmath>
#include <cstdio>

namespace tcpflow {
namespace {

// 1234567 -> "1,234,567".
std::string Grouped(std::uint64_t value) {
  std::string digits = std::to_string(value);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

// Decimal units, one decimal below 100 ("512 B", "1.5 MB", "123 GB").
std::string Size(double bytes) {
  static constexpr const char* kUnits[] = {"B", "KB", "MB", "GB", "TB", "PB"};
  std::size_t unit = 0;
  while (bytes >= 1000 && unit + 1 < std::size(kUnits)) {
    bytes /= 1000;
    ++unit;
  }
  char text[32];
  if (unit == 0 || bytes >= 100) {
    std::snprintf(text, sizeof text, "%.0f %s", bytes, kUnits[unit]);
  } else {
    std::snprintf(text, sizeof text, "%.1f %s", bytes, kUnits[unit]);
  }
  return text;
}

// Seconds as "m:ss" or "h:mm:ss".
std::string Duration(double seconds) {
  const auto total = static_cast<std::uint64_t>(std::llround(seconds));
  char text[32];
  if (total >= 3600) {
    std::snprintf(text, sizeof text, "%llu:%02llu:%02llu",
                  static_cast<unsigned long long>(total / 3600),
                  static_cast<unsigned long long>(total / 60 % 60),
                  static_cast<unsigned long long>(total % 60));
  } else {
    std::snprintf(text, sizeof text, "%llu:%02llu", static_cast<unsigned long long>(total / 60),
                  static_cast<unsigned long long>(total % 60));
  }
  return text;
}

}  // namespace

std::string FormatProgressLine(const ProgressSample& sample) {
  std::string line = "tcpflow: ";
  const bool known_total = sample.total_bytes > 0 && sample.bytes_read <= sample.total_bytes;
  if (known_total) {
    line += std::to_string(sample.bytes_read * 100 / sample.total_bytes) + "% ";
    line += Size(static_cast<double>(sample.bytes_read)) + " of " +
            Size(static_cast<double>(sample.total_bytes));
  } else {
    line += Size(static_cast<double>(sample.bytes_read)) + " read";
  }
  line += ", " + Grouped(sample.packets) + (sample.packets == 1 ? " packet" : " packets");
  line +=
      ", " + Grouped(sample.open_flows) + (sample.open_flows == 1 ? " flow" : " flows") + " open";
  if (sample.elapsed_sec >= 0.5) {
    const double rate = static_cast<double>(sample.bytes_read) / sample.elapsed_sec;
    line += ", " + Size(rate) + "/s";
    if (known_total && rate > 0) {
      line += ", " + Duration(static_cast<double>(sample.total_bytes - sample.bytes_read) / rate) +
              " left";
    }
  }
  return line;
}

void ProgressMeter::Update(const ProgressSample& sample) {
  if (last_draw_sec_ >= 0 && sample.elapsed_sec - last_draw_sec_ < interval_sec_) return;
  last_draw_sec_ = sample.elapsed_sec;
  std::string line = FormatProgressLine(sample);
  const std::size_t width = line.size();
  if (width < drawn_width_) line.append(drawn_width_ - width, ' ');
  out_ << '\r' << line << std::flush;
  drawn_width_ = width;
}

void ProgressMeter::Clear() {
  if (drawn_width_ == 0) return;
  out_ << '\r' << std::string(drawn_width_, ' ') << '\r' << std::flush;
  drawn_width_ = 0;
  last_draw_sec_ = -1;
}

}  // namespace tcpflow
