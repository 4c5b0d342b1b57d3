// filename_template.cpp: -T template parsing and expansion, -F letter editing, ISO-8601 times.
#include "filename_template.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <limits>

namespace tcpflow {
namespace {

constexpr std::string_view kHexDigits = "0123456789abcdef";

// Appends `value` in decimal, zero-padded on the left to at least `min_width` digits.
void AppendUnsigned(std::string& out, std::uint64_t value, int min_width = 0) {
  char digits[24];
  const auto result = std::to_chars(digits, digits + sizeof digits, value);
  const int length = static_cast<int>(result.ptr - digits);
  if (length < min_width) out.append(static_cast<std::size_t>(min_width - length), '0');
  out.append(digits, result.ptr);
}

// Appends `value` in decimal; negative values get a '-' before the (padded) digits.
void AppendSigned(std::string& out, std::int64_t value, int min_width = 0) {
  if (value < 0) {
    out.push_back('-');
    // Two's complement: this is |value| even for the most negative value.
    AppendUnsigned(out, 0 - static_cast<std::uint64_t>(value), min_width);
  } else {
    AppendUnsigned(out, static_cast<std::uint64_t>(value), min_width);
  }
}

void AppendMac(std::string& out, const MacAddress& mac) {
  for (std::size_t i = 0; i < mac.size(); ++i) {
    if (i > 0) out.push_back(':');
    out.push_back(kHexDigits[mac[i] >> 4]);
    out.push_back(kHexDigits[mac[i] & 0x0F]);
  }
}

// The flow-file-name form of an address (same text as IpAddress::ToFilenameString, without
// allocating): IPv4 octets as 3 digits, IPv6 as inet_ntop writes it, nothing for kNone.
void AppendFilenameAddress(std::string& out, const IpAddress& address) {
  const auto& bytes = address.bytes();
  if (address.is_v4()) {
    for (int i = 0; i < 4; ++i) {
      if (i > 0) out.push_back('.');
      AppendUnsigned(out, bytes[i], 3);
    }
  } else if (address.is_v6()) {
    char text[INET6_ADDRSTRLEN] = {};
    // inet_ntop fails only for a bad family or a short buffer; neither can happen here.
    inet_ntop(AF_INET6, bytes.data(), text, sizeof text);
    out.append(text);
  }
}

// Days since 1970-01-01 to a proleptic Gregorian date (the era/day-of-era method: 400-year
// eras of 146097 days, years starting on March 1 so that the leap day comes last).
struct CivilDate {
  std::int64_t year;
  unsigned month;  // 1..12
  unsigned day;    // 1..31
};

CivilDate CivilFromDays(std::int64_t days) {
  const std::int64_t z = days + 719468;  // days since 0000-03-01
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t day_of_era = z - era * 146097;  // 0..146096
  const std::int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const std::int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);  // from March 1
  const std::int64_t month_from_march = (5 * day_of_year + 2) / 153;           // 0..11
  const auto day = static_cast<unsigned>(day_of_year - (153 * month_from_march + 2) / 5 + 1);
  const auto month =
      static_cast<unsigned>(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
  const std::int64_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
  return CivilDate{year, month, day};
}

// Floor division by a positive divisor: value = quotient * divisor + remainder, with
// 0 <= remainder < divisor. (Computing value - quotient * divisor instead could overflow.)
struct FloorSplit {
  std::int64_t quotient;
  std::int64_t remainder;
};
FloorSplit SplitFloor(std::int64_t value, std::int64_t divisor) {
  const std::int64_t remainder = value % divisor;
  if (remainder < 0) return FloorSplit{value / divisor - 1, remainder + divisor};
  return FloorSplit{value / divisor, remainder};
}

}  // namespace

void AppendIsoTime(std::string& out, const Timeval& t) {
  constexpr std::int64_t kMicros = 1000000;
  const auto [carry, usec] = SplitFloor(t.usec, kMicros);
  std::int64_t sec = 0;
  if (__builtin_add_overflow(t.sec, carry, &sec)) {
    sec = carry > 0 ? std::numeric_limits<std::int64_t>::max()
                    : std::numeric_limits<std::int64_t>::min();
  }
  const auto [days, second_of_day] = SplitFloor(sec, 86400);
  const CivilDate date = CivilFromDays(days);
  AppendSigned(out, date.year, 4);
  out.push_back('-');
  AppendUnsigned(out, date.month, 2);
  out.push_back('-');
  AppendUnsigned(out, date.day, 2);
  out.push_back('T');
  AppendUnsigned(out, static_cast<std::uint64_t>(second_of_day / 3600), 2);
  out.push_back(':');
  AppendUnsigned(out, static_cast<std::uint64_t>(second_of_day / 60 % 60), 2);
  out.push_back(':');
  AppendUnsigned(out, static_cast<std::uint64_t>(second_of_day % 60), 2);
  if (usec != 0) {
    out.push_back('.');
    AppendUnsigned(out, static_cast<std::uint64_t>(usec), 6);
  }
  out.push_back('Z');
}

std::string FormatIsoTime(const Timeval& t) {
  std::string text;
  AppendIsoTime(text, t);
  return text;
}

std::optional<FilenameTemplate> FilenameTemplate::Parse(std::string_view text, std::string* error) {
  FilenameTemplate result;
  result.text_.assign(text);
  auto fail = [&](std::string_view why) {
    if (error != nullptr) {
      *error = "invalid filename template '";
      error->append(text);
      error->append("': ");
      error->append(why);
    }
    return std::nullopt;
  };
  auto add_literal = [&](std::string_view piece) {
    auto& tokens = result.tokens_;
    const auto end = static_cast<std::uint32_t>(result.literals_.size() + piece.size());
    if (!tokens.empty() && tokens.back().kind == Kind::kLiteral) {
      tokens.back().end = end;  // literal runs are contiguous in literals_
    } else {
      tokens.push_back(
          Token{Kind::kLiteral, static_cast<std::uint32_t>(result.literals_.size()), end});
    }
    result.literals_.append(piece);
  };

  // Names must stay inside the output directory: a template that says otherwise is refused
  // (tcpflow 1.6.1 wrote wherever it said). What expansion could still produce is neutralised
  // by ExpandInto.
  if (text.starts_with('/')) {
    return fail("it starts with '/', but names must stay inside the output directory");
  }
  for (std::size_t from = 0; from <= text.size();) {
    const std::size_t slash = std::min(text.find('/', from), text.size());
    if (text.substr(from, slash - from) == "..") {
      return fail("it has a '..' component, but names must stay inside the output directory");
    }
    from = slash + 1;
  }

  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t percent = text.find('%', i);
    if (percent == std::string_view::npos) {
      add_literal(text.substr(i));
      break;
    }
    if (percent > i) add_literal(text.substr(i, percent - i));
    if (percent + 1 == text.size()) return fail("cannot end with a %");
    const char letter = text[percent + 1];
    Kind kind = Kind::kLiteral;
    switch (letter) {
      case '%': add_literal("%"); break;
      case 'A': kind = Kind::kSrcAddr; break;
      case 'B': kind = Kind::kDstAddr; break;
      case 'a': kind = Kind::kSrcPort; break;
      case 'b': kind = Kind::kDstPort; break;
      case 'E': kind = Kind::kSrcMac; break;
      case 'e': kind = Kind::kDstMac; break;
      case 'V': kind = Kind::kVlanMark; break;
      case 'v': kind = Kind::kVlanId; break;
      case 'T': kind = Kind::kIsoTime; break;
      case 't': kind = Kind::kTimeT; break;
      case 'c': kind = Kind::kCounter; break;
      case 'C': kind = Kind::kCounterMark; break;
      case '#': kind = Kind::kCounterAll; break;
      case 'N': kind = Kind::kBinN; break;
      case 'K': kind = Kind::kBinK; break;
      case 'M': kind = Kind::kBinM; break;
      case 'G': kind = Kind::kBinG; break;
      case 'S': kind = Kind::kSession; break;
      default: {
        std::string why = "unknown token '%";
        why.push_back(letter);
        why.push_back('\'');
        return fail(why);
      }
    }
    if (kind != Kind::kLiteral) result.tokens_.push_back(Token{kind});
    i = percent + 2;
  }
  return result;
}

bool FilenameTemplate::UsesCounter() const {
  for (const Token& token : tokens_) {
    if (token.kind == Kind::kCounter || token.kind == Kind::kCounterAll) return true;
  }
  return false;
}

std::string FilenameTemplate::Expand(const NameFields& f, std::uint32_t counter) const {
  std::string name;
  ExpandInto(f, counter, name);
  return name;
}

void FilenameTemplate::ExpandInto(const NameFields& f, std::uint32_t counter,
                                  std::string& out) const {
  const std::size_t start = out.size();
  AppendTokens(f, counter, out);
  KeepInside(out, start);
}

void FilenameTemplate::KeepInside(std::string& out, std::size_t start) {
  // Parse() refused literal ones; these come from tokens that expand to nothing (%V %v %C %c),
  // as in "%V/x" or ".%C.". Fields never hold '/' or '..' themselves.
  if (start < out.size() && out[start] == '/') out[start] = '_';
  for (std::size_t from = start; from < out.size();) {
    const std::size_t slash = std::min(out.find('/', from), out.size());
    if (slash - from == 2 && out.compare(from, 2, "..") == 0) out.replace(from, 2, "__");
    from = slash + 1;
  }
}

void FilenameTemplate::AppendTokens(const NameFields& f, std::uint32_t counter,
                                    std::string& out) const {
  static constexpr MacAddress kZeroMac{};
  for (const Token& token : tokens_) {
    switch (token.kind) {
      case Kind::kLiteral: out.append(literals_, token.begin, token.end - token.begin); break;
      case Kind::kSrcAddr: AppendFilenameAddress(out, f.key.src); break;
      case Kind::kDstAddr: AppendFilenameAddress(out, f.key.dst); break;
      case Kind::kSrcPort: AppendUnsigned(out, f.key.src_port, 5); break;
      case Kind::kDstPort: AppendUnsigned(out, f.key.dst_port, 5); break;
      case Kind::kSrcMac: AppendMac(out, f.has_macs ? f.src_mac : kZeroMac); break;
      case Kind::kDstMac: AppendMac(out, f.has_macs ? f.dst_mac : kZeroMac); break;
      case Kind::kVlanMark:
        if (f.key.vlan != kNoVlan) out.append("--");
        break;
      case Kind::kVlanId:
        if (f.key.vlan != kNoVlan) AppendUnsigned(out, f.key.vlan);
        break;
      case Kind::kIsoTime: AppendIsoTime(out, Timeval{f.first_seen_sec, 0}); break;
      case Kind::kTimeT: AppendSigned(out, f.first_seen_sec); break;
      case Kind::kCounter:
        if (counter > 0) AppendUnsigned(out, counter);
        break;
      case Kind::kCounterMark:
        if (counter > 0) out.push_back('c');
        break;
      case Kind::kCounterAll: AppendUnsigned(out, counter); break;
      case Kind::kBinN: AppendUnsigned(out, f.flow_id % 1000, 3); break;
      case Kind::kBinK: AppendUnsigned(out, f.flow_id / 1000 % 1000, 3); break;
      case Kind::kBinM: AppendUnsigned(out, f.flow_id / 1000000 % 1000, 3); break;
      case Kind::kBinG: AppendUnsigned(out, f.flow_id / 1000000000 % 1000, 3); break;
      case Kind::kSession: AppendUnsigned(out, f.session_id, 20); break;
    }
  }
}

namespace {

// True if `text` has a %c token ("%%c" is a literal '%' and 'c', not a token).
bool HasCounterToken(std::string_view text) {
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] != '%') continue;
    if (text[i + 1] == 'c') return true;
    ++i;  // skip the letter after '%' (so "%%" is one unit)
  }
  return false;
}

// -Fc: rewrite the counter tokens so that every name shows its counter (see the header).
std::string CounterOnEveryName(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '%' || i + 1 == text.size()) {
      out.push_back(text[i++]);
      continue;
    }
    const std::string_view rest = text.substr(i);
    if (rest.starts_with("%C%c")) {
      out.append("c%#");
      i += 4;
    } else if (rest.starts_with("%c")) {
      out.append("%#");
      i += 2;
    } else if (rest.starts_with("%C")) {
      out.push_back('c');
      i += 2;
    } else {
      out.append(rest.substr(0, 2));  // any other token, "%%" included, unchanged
      i += 2;
    }
  }
  return out;
}

}  // namespace

std::string ApplyTemplateOption(std::string /*current*/, std::string_view t_argument) {
  std::string result(t_argument);
  if (!HasCounterToken(result)) result.append("%C%c");
  return result;
}

bool ApplyFilenameFlag(std::string& current, char letter) {
  switch (letter) {
    case 't': current.insert(0, "%tT"); return true;
    case 'T': current.insert(0, "%T"); return true;
    case 'k': current.insert(0, "%K/"); return true;
    case 'm': current.insert(0, "%M000-%M999/%M%K/"); return true;
    case 'g': current.insert(0, "%G000000-%G999999/%G%M000-%G%M999/%G%M%K/"); return true;
    case 'c': current = CounterOnEveryName(current); return true;
    case 'X':
    case 'M': return true;
    default: return false;
  }
}

}  // namespace tcpflow
