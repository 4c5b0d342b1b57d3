// json_writer.cpp: JSON string escaping with UTF-8 repair, the compact writer, RFC 3339 times.
#include "json_writer.h"

#include <array>
#include <charconv>
#include <cstddef>

namespace tcpflow {
namespace {

// Length of the well-formed UTF-8 sequence at the start of `text`, whose first byte is >= 0x80,
// or 0 when there is none there. The ranges are those of Unicode table 3-7: the second byte's
// range depends on the lead byte (this excludes overlong forms, surrogates and code points above
// U+10FFFF), the later bytes are any continuation byte 0x80..0xBF.
std::size_t WellFormedUtf8Length(std::string_view text) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  std::size_t length = 0;
  unsigned char low = 0x80;  // second byte's range
  unsigned char high = 0xBF;
  const unsigned char lead = byte(0);
  if (lead < 0xC2) return 0;  // continuation byte, or C0/C1 (always overlong)
  if (lead <= 0xDF) {
    length = 2;
  } else if (lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;  // 0xF5..0xFF never occur
  }
  if (text.size() < length) return 0;
  if (byte(1) < low || byte(1) > high) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (byte(k) < 0x80 || byte(k) > 0xBF) return 0;
  }
  return length;
}

// Appends `text` as a JSON string, quotes included.
void AppendJsonString(std::string& out, std::string_view text) {
  constexpr std::string_view kHex = "0123456789abcdef";
  out.push_back('"');
  std::size_t i = 0;
  while (i < text.size()) {
    // Printable ASCII other than '"' and '\\' goes out as it is, a run at a time.
    std::size_t end = i;
    while (end < text.size()) {
      const auto c = static_cast<unsigned char>(text[end]);
      if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') break;
      ++end;
    }
    out.append(text.substr(i, end - i));
    i = end;
    if (i == text.size()) break;

    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const std::size_t length = WellFormedUtf8Length(text.substr(i));
      if (length == 0) {
        out.append("\\ufffd");
        ++i;
      } else {
        out.append(text.substr(i, length));
        i += length;
      }
      continue;
    }
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default:
        out.append("\\u00");
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xF]);
        break;
    }
    ++i;
  }
  out.push_back('"');
}

template <typename T>
void AppendNumber(std::string& out, T value) {
  std::array<char, 24> digits{};  // 20 digits and a sign are enough for 64 bits
  const auto result = std::to_chars(digits.data(), digits.data() + digits.size(), value);
  out.append(digits.data(), result.ptr);
}

}  // namespace

void JsonWriter::Separate() {
  if (after_value_) buffer_.push_back(',');
}

void JsonWriter::BeginObject() {
  Separate();
  buffer_.push_back('{');
  after_value_ = false;
}

void JsonWriter::EndObject() {
  buffer_.push_back('}');
  after_value_ = true;
}

void JsonWriter::BeginArray() {
  Separate();
  buffer_.push_back('[');
  after_value_ = false;
}

void JsonWriter::EndArray() {
  buffer_.push_back(']');
  after_value_ = true;
}

void JsonWriter::Key(std::string_view key) {
  Separate();
  AppendJsonString(buffer_, key);
  buffer_.push_back(':');
  after_value_ = false;
}

void JsonWriter::String(std::string_view value) {
  Separate();
  AppendJsonString(buffer_, value);
  after_value_ = true;
}

void JsonWriter::Raw(std::string_view json) {
  Separate();
  buffer_.append(json);
  after_value_ = true;
}

void JsonWriter::Uint(std::uint64_t value) {
  Separate();
  AppendNumber(buffer_, value);
  after_value_ = true;
}

void JsonWriter::Int(std::int64_t value) {
  Separate();
  AppendNumber(buffer_, value);
  after_value_ = true;
}

void JsonWriter::Bool(bool value) {
  Separate();
  buffer_.append(value ? "true" : "false");
  after_value_ = true;
}

void JsonWriter::Null() {
  Separate();
  buffer_.append("null");
  after_value_ = true;
}

void JsonWriter::Field(std::string_view key, std::string_view value) {
  Key(key);
  String(value);
}

void JsonWriter::Field(std::string_view key, std::uint64_t value) {
  Key(key);
  Uint(value);
}

void JsonWriter::Field(std::string_view key, std::int64_t value) {
  Key(key);
  Int(value);
}

void JsonWriter::Field(std::string_view key, bool value) {
  Key(key);
  Bool(value);
}

void JsonWriter::EndLine() {
  buffer_.push_back('\n');
  after_value_ = false;
}

void JsonWriter::Clear() {
  buffer_.clear();
  after_value_ = false;
}

namespace {

constexpr std::int64_t kSecondsPerDay = 86400;
// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z, proleptic Gregorian, as seconds since the epoch.
constexpr std::int64_t kFirstSecond = -62167219200;
constexpr std::int64_t kLastSecond = 253402300799;

struct CivilDate {
  std::int64_t year;
  unsigned month;  // 1..12
  unsigned day;    // 1..31
};

// The Gregorian date `days` days after 1970-01-01, for days >= -146097 - 719468 (so from year
// -400 on). Years are counted from March on, which puts the leap day at the end of the year:
// a 400-year cycle then holds three centuries of 36524 days and a last one of 36525, and each
// century 4-year groups of 1461 days (the last one 1460 in a century that ends without a leap
// day), each group three years of 365 days and a last one of 365 or 366.
CivilDate CivilFromDays(std::int64_t days) {
  constexpr std::int64_t kDaysPerCycle = 146097;  // 400 years
  // Days from -0400-03-01 (the start of a 400-year cycle) to 1970-01-01.
  constexpr std::int64_t kDaysToEpoch = 719468 + kDaysPerCycle;
  // First day of each month of a March-based year, March first.
  constexpr std::array<unsigned, 12> kMonthStart = {0,   31,  61,  92,  122, 153,
                                                    184, 214, 245, 275, 306, 337};

  const std::int64_t shifted = days + kDaysToEpoch;  // >= 0 in the documented range
  const std::int64_t cycle = shifted / kDaysPerCycle;
  const std::int64_t day_of_cycle = shifted % kDaysPerCycle;
  std::int64_t century = day_of_cycle / 36524;
  if (century > 3) century = 3;
  const std::int64_t day_of_century = day_of_cycle - century * 36524;
  const std::int64_t group = day_of_century / 1461;
  const std::int64_t day_of_group = day_of_century - group * 1461;
  std::int64_t year_of_group = day_of_group / 365;
  if (year_of_group > 3) year_of_group = 3;
  const auto day_of_year = static_cast<unsigned>(day_of_group - year_of_group * 365);

  unsigned month_index = 0;
  while (month_index + 1 < kMonthStart.size() && kMonthStart[month_index + 1] <= day_of_year) {
    ++month_index;
  }
  CivilDate date{};
  date.day = day_of_year - kMonthStart[month_index] + 1;
  date.month = month_index < 10 ? month_index + 3 : month_index - 9;
  date.year =
      cycle * 400 + century * 100 + group * 4 + year_of_group - 400 + (date.month <= 2 ? 1 : 0);
  return date;
}

// Writes `value` as exactly `width` decimal digits (zero-padded) at `out`; returns the end.
char* PutDigits(char* out, std::int64_t value, int width) {
  for (int k = width - 1; k >= 0; --k) {
    out[k] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return out + width;
}

}  // namespace

std::string FormatRfc3339Nanos(const Timeval& t) {
  // Keep the seconds near the representable range before the microseconds carry into them, so
  // nothing can overflow; then clamp the instant itself.
  constexpr std::int64_t kMargin = 1000000;
  std::int64_t sec = t.sec < kFirstSecond - kMargin
                         ? kFirstSecond - kMargin
                         : (t.sec > kLastSecond + kMargin ? kLastSecond + kMargin : t.sec);
  std::int64_t usec = t.usec;
  if (usec < 0 || usec > 999999) {
    std::int64_t carry = usec / 1000000;
    usec %= 1000000;
    if (usec < 0) {
      usec += 1000000;
      --carry;
    }
    sec += carry;
  }
  if (sec < kFirstSecond) {
    sec = kFirstSecond;
    usec = 0;
  } else if (sec > kLastSecond) {
    sec = kLastSecond;
    usec = 999999;
  }

  // Floor division: the second of the day counts forward from midnight before 1970 too.
  std::int64_t days = sec / kSecondsPerDay;
  std::int64_t second_of_day = sec % kSecondsPerDay;
  if (second_of_day < 0) {
    second_of_day += kSecondsPerDay;
    --days;
  }
  const CivilDate date = CivilFromDays(days);

  std::array<char, 30> text{};  // "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ"
  char* p = text.data();
  p = PutDigits(p, date.year, 4);
  *p++ = '-';
  p = PutDigits(p, date.month, 2);
  *p++ = '-';
  p = PutDigits(p, date.day, 2);
  *p++ = 'T';
  p = PutDigits(p, second_of_day / 3600, 2);
  *p++ = ':';
  p = PutDigits(p, second_of_day / 60 % 60, 2);
  *p++ = ':';
  p = PutDigits(p, second_of_day % 60, 2);
  *p++ = '.';
  p = PutDigits(p, usec * 1000, 9);
  *p++ = 'Z';
  return std::string(text.data(), p);
}

}  // namespace tcpflow
