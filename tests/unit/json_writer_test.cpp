// json_writer_test.cpp: the JSON Lines writer (structure, commas, escapes, UTF-8 repair, checked
// by a strict RFC 8259 validator) and RFC 3339 timestamps.
#include "json_writer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace tcpflow {
namespace {

// A strict RFC 8259 validator for one JSON text, written for these tests: the grammar of
// section 2-7 (insignificant white space allowed, nothing after the value), raw string bytes
// must be well-formed UTF-8 (RFC 3629: decoded here by value, so overlong forms, surrogates and
// code points above U+10FFFF are rejected), \u escapes of surrogates must come in pairs. Parse()
// gives the strings it decoded, in order, keys included.
class StrictJson {
 public:
  explicit StrictJson(std::string_view text) : text_(text) {}

  std::optional<std::vector<std::string>> Parse() {
    SkipSpace();
    if (!Value(0)) return std::nullopt;
    SkipSpace();
    if (pos_ != text_.size()) return std::nullopt;
    return strings_;
  }

 private:
  static constexpr int kMaxDepth = 64;

  bool AtEnd() const { return pos_ >= text_.size(); }
  unsigned char Peek() const { return static_cast<unsigned char>(text_[pos_]); }
  void SkipSpace() {
    while (!AtEnd() && (Peek() == ' ' || Peek() == '\t' || Peek() == '\n' || Peek() == '\r')) {
      ++pos_;
    }
  }
  bool Literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  bool Value(int depth) {
    if (AtEnd() || depth > kMaxDepth) return false;
    switch (Peek()) {
      case '{': return Container(depth, '}', true);
      case '[': return Container(depth, ']', false);
      case '"': return String();
      case 't': return Literal("true");
      case 'f': return Literal("false");
      case 'n': return Literal("null");
      default: return Number();
    }
  }

  bool Container(int depth, char close, bool is_object) {
    ++pos_;
    SkipSpace();
    if (!AtEnd() && Peek() == close) {
      ++pos_;
      return true;
    }
    while (true) {
      SkipSpace();
      if (is_object) {
        if (AtEnd() || Peek() != '"' || !String()) return false;
        SkipSpace();
        if (AtEnd() || Peek() != ':') return false;
        ++pos_;
        SkipSpace();
      }
      if (!Value(depth + 1)) return false;
      SkipSpace();
      if (AtEnd()) return false;
      if (Peek() == close) {
        ++pos_;
        return true;
      }
      if (Peek() != ',') return false;
      ++pos_;
    }
  }

  bool Digits() {
    const std::size_t start = pos_;
    while (!AtEnd() && Peek() >= '0' && Peek() <= '9') ++pos_;
    return pos_ > start;
  }

  bool Number() {
    if (!AtEnd() && Peek() == '-') ++pos_;
    if (AtEnd()) return false;
    if (Peek() == '0') {
      ++pos_;
    } else if (Peek() < '1' || Peek() > '9' || !Digits()) {
      return false;
    }
    if (!AtEnd() && Peek() == '.') {
      ++pos_;
      if (!Digits()) return false;
    }
    if (!AtEnd() && (Peek() == 'e' || Peek() == 'E')) {
      ++pos_;
      if (!AtEnd() && (Peek() == '+' || Peek() == '-')) ++pos_;
      if (!Digits()) return false;
    }
    return true;
  }

  static void Encode(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  bool Hex4(std::uint32_t& value) {
    if (text_.size() - pos_ < 4) return false;
    value = 0;
    for (int k = 0; k < 4; ++k) {
      const unsigned char c = Peek();
      value <<= 4;
      if (c >= '0' && c <= '9') {
        value |= c - '0';
      } else if (c >= 'a' && c <= 'f') {
        value |= c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        value |= c - 'A' + 10;
      } else {
        return false;
      }
      ++pos_;
    }
    return true;
  }

  bool Escape(std::string& out) {
    if (AtEnd()) return false;
    const unsigned char c = Peek();
    ++pos_;
    switch (c) {
      case '"': out.push_back('"'); return true;
      case '\\': out.push_back('\\'); return true;
      case '/': out.push_back('/'); return true;
      case 'b': out.push_back('\b'); return true;
      case 'f': out.push_back('\f'); return true;
      case 'n': out.push_back('\n'); return true;
      case 'r': out.push_back('\r'); return true;
      case 't': out.push_back('\t'); return true;
      case 'u': break;
      default: return false;
    }
    std::uint32_t cp = 0;
    if (!Hex4(cp)) return false;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a low surrogate alone
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      std::uint32_t low = 0;
      if (!Literal("\\u") || !Hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    Encode(out, cp);
    return true;
  }

  // One raw UTF-8 character (lead byte >= 0x80), decoded and checked by value.
  bool Utf8(std::string& out) {
    const unsigned char lead = Peek();
    std::size_t length;
    std::uint32_t cp;
    std::uint32_t min;
    if ((lead & 0xE0) == 0xC0) {
      length = 2, cp = lead & 0x1F, min = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3, cp = lead & 0x0F, min = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4, cp = lead & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (text_.size() - pos_ < length) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto c = static_cast<unsigned char>(text_[pos_ + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    out.append(text_.substr(pos_, length));
    pos_ += length;
    return true;
  }

  bool String() {
    ++pos_;  // the opening quote
    std::string value;
    while (!AtEnd()) {
      const unsigned char c = Peek();
      if (c == '"') {
        ++pos_;
        strings_.push_back(value);
        return true;
      }
      if (c < 0x20) return false;
      if (c == '\\') {
        ++pos_;
        if (!Escape(value)) return false;
      } else if (c >= 0x80) {
        if (!Utf8(value)) return false;
      } else {
        value.push_back(static_cast<char>(c));
        ++pos_;
      }
    }
    return false;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::vector<std::string> strings_;
};

// The lines of `data`, which must end with a line break.
std::vector<std::string> Lines(const std::string& data) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < data.size()) {
    const std::size_t end = data.find('\n', start);
    EXPECT_NE(end, std::string::npos) << "unterminated line";
    if (end == std::string::npos) break;
    lines.push_back(data.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// What String(value) writes, as JSON text.
std::string Quoted(std::string_view value) {
  JsonWriter writer;
  writer.String(value);
  return writer.data();
}

TEST(JsonStrictValidatorTest, ValidatorAcceptsAndRejects) {
  for (const char* good : {R"({})", R"([])", R"({"a":[1,-0,2.5e+3,true,false,null,{}]})",
                           R"("\ud83d\ude00")", "\"\xF0\x9F\x98\x80\"", " [ 1 , 2 ] "}) {
    EXPECT_TRUE(StrictJson(good).Parse().has_value()) << good;
  }
  for (const char* bad :
       {"", R"({"a"})", R"([1,])", R"({"a":1,})", R"([01])", R"([1.])", R"("\ud800")",
        R"("\udc00")", R"("\x")", "\"\x01\"", "\"\xC0\xAF\"", "\"\xED\xA0\x80\"", "\"\xE2\x82\"",
        "\"\xF5\x80\x80\x80\"", "\"\x80\"", "[1]x", R"({1:2})", "tru"}) {
    EXPECT_FALSE(StrictJson(bad).Parse().has_value()) << bad;
  }
}

TEST(JsonWriterTest, NestingAndCommas) {
  JsonWriter writer;
  writer.BeginObject();
  writer.Field("a", std::uint64_t{1});
  writer.Key("list");
  writer.BeginArray();
  writer.Uint(1);
  writer.BeginObject();
  writer.EndObject();
  writer.BeginArray();
  writer.EndArray();
  writer.String("x");
  writer.BeginArray();
  writer.Null();
  writer.Bool(false);
  writer.EndArray();
  writer.EndArray();
  writer.Key("inner");
  writer.BeginObject();
  writer.Field("b", true);
  writer.Field("c", std::int64_t{-2});
  writer.EndObject();
  writer.Field("d", "text");
  writer.EndObject();
  writer.EndLine();
  EXPECT_EQ(writer.data(),
            R"({"a":1,"list":[1,{},[],"x",[null,false]],"inner":{"b":true,"c":-2},"d":"text"})"
            "\n");
}

TEST(JsonWriterTest, EachLineIsItsOwnRecord) {
  JsonWriter writer;
  for (int i = 0; i < 3; ++i) {
    writer.BeginObject();
    writer.Field("i", i);
    writer.EndObject();
    writer.EndLine();
  }
  EXPECT_EQ(writer.data(), "{\"i\":0}\n{\"i\":1}\n{\"i\":2}\n");
  writer.Clear();
  EXPECT_EQ(writer.data(), "");
  writer.BeginArray();
  writer.EndArray();
  EXPECT_EQ(writer.data(), "[]");
}

TEST(JsonWriterTest, ClearForgetsThePendingComma) {
  JsonWriter writer;
  writer.BeginObject();
  writer.Field("a", true);
  writer.Clear();
  writer.BeginObject();
  writer.EndObject();
  EXPECT_EQ(writer.data(), "{}");
}

TEST(JsonWriterTest, FieldOverloadsPickTheRightType) {
  JsonWriter writer;
  writer.BeginObject();
  writer.Field("literal", "yes");  // not the bool overload
  writer.Field("string", std::string("s"));
  writer.Field("view", std::string_view("v"));
  writer.Field("int", -5);
  writer.Field("u16", std::uint16_t{65535});
  writer.Field("u32", std::uint32_t{4000000000u});
  writer.Field("bool", false);
  writer.EndObject();
  EXPECT_EQ(writer.data(), R"({"literal":"yes","string":"s","view":"v","int":-5,"u16":65535,)"
                           R"("u32":4000000000,"bool":false})");
}

TEST(JsonWriterTest, IntegerExtremes) {
  JsonWriter writer;
  writer.BeginArray();
  writer.Uint(0);
  writer.Uint(std::numeric_limits<std::uint64_t>::max());
  writer.Int(std::numeric_limits<std::int64_t>::min());
  writer.Int(std::numeric_limits<std::int64_t>::max());
  writer.Int(0);
  writer.EndArray();
  EXPECT_EQ(writer.data(), "[0,18446744073709551615,-9223372036854775808,9223372036854775807,0]");
}

TEST(JsonWriterTest, EscapesQuoteBackslashAndControls) {
  EXPECT_EQ(Quoted(""), R"("")");
  EXPECT_EQ(Quoted("plain / text"), R"("plain / text")");
  EXPECT_EQ(Quoted("\"\\"), R"("\"\\")");
  EXPECT_EQ(Quoted("\b\f\n\r\t"), R"("\b\f\n\r\t")");
  EXPECT_EQ(Quoted(std::string_view("\0", 1)), R"("\u0000")");
  EXPECT_EQ(Quoted("\x01\x07\x0b\x0e\x1b\x1f"), R"("\u0001\u0007\u000b\u000e\u001b\u001f")");
  EXPECT_EQ(Quoted(" ~\x7f"), "\" ~\x7f\"");  // space, tilde and DEL as they are
  // Every control character gets some escape, and nothing raw below 0x20 is left.
  for (int c = 0; c < 0x20; ++c) {
    const std::string out = Quoted(std::string(1, static_cast<char>(c)));
    for (const char byte : out) EXPECT_GE(static_cast<unsigned char>(byte), 0x20) << c;
    const auto strings = StrictJson(out).Parse();
    ASSERT_TRUE(strings.has_value()) << c;
    EXPECT_EQ((*strings)[0], std::string(1, static_cast<char>(c)));
  }
}

TEST(JsonWriterTest, KeysAreEscapedToo) {
  JsonWriter writer;
  writer.BeginObject();
  writer.Field("a\"b\n\xff", "v");
  writer.EndObject();
  EXPECT_EQ(writer.data(), R"({"a\"b\n\ufffd":"v"})");
}

TEST(JsonWriterTest, ValidUtf8PassesThrough) {
  const std::string two = "\xC3\xA9";           // U+00E9
  const std::string three = "\xE2\x82\xAC";     // U+20AC
  const std::string four = "\xF0\x9F\x98\x80";  // U+1F600
  // The first and last code point of each length, and those next to the surrogates.
  const std::string edges =
      "\xC2\x80\xDF\xBF"                   // U+0080, U+07FF
      "\xE0\xA0\x80\xEF\xBF\xBF"           // U+0800, U+FFFF
      "\xED\x9F\xBF\xEE\x80\x80"           // U+D7FF, U+E000
      "\xF0\x90\x80\x80\xF4\x8F\xBF\xBF";  // U+10000, U+10FFFF
  for (const std::string& text : {two, three, four, edges, "a" + two + "b" + three + four}) {
    EXPECT_EQ(Quoted(text), "\"" + text + "\"");
  }
}

TEST(JsonWriterTest, InvalidUtf8BecomesReplacementPerByte) {
  EXPECT_EQ(Quoted("\x80"), R"("\ufffd")");  // lone continuation
  EXPECT_EQ(Quoted(std::string("a\xBF") + "b"), R"("a\ufffdb")");
  EXPECT_EQ(Quoted("\xC0\xAF"), R"("\ufffd\ufffd")");                      // overlong '/'
  EXPECT_EQ(Quoted("\xC1\xBF"), R"("\ufffd\ufffd")");                      // overlong
  EXPECT_EQ(Quoted("\xE0\x80\xAF"), R"("\ufffd\ufffd\ufffd")");            // overlong, 3 bytes
  EXPECT_EQ(Quoted("\xF0\x80\x80\xAF"), R"("\ufffd\ufffd\ufffd\ufffd")");  // overlong, 4
  EXPECT_EQ(Quoted("\xED\xA0\x80"), R"("\ufffd\ufffd\ufffd")");            // surrogate U+D800
  EXPECT_EQ(Quoted("\xED\xBF\xBF"), R"("\ufffd\ufffd\ufffd")");            // surrogate U+DFFF
  EXPECT_EQ(Quoted("\xE2\x82"), R"("\ufffd\ufffd")");                      // truncated at the end
  EXPECT_EQ(Quoted("\xE2\x82x"), R"("\ufffd\ufffdx")");                    // cut short by ASCII
  EXPECT_EQ(Quoted("\xF0\x9F\x98"), R"("\ufffd\ufffd\ufffd")");            // 4-byte cut short
  EXPECT_EQ(Quoted("\xC3"), R"("\ufffd")");
  EXPECT_EQ(Quoted("\xF4\x90\x80\x80"), R"("\ufffd\ufffd\ufffd\ufffd")");  // above U+10FFFF
  for (int lead = 0xF5; lead <= 0xFF; ++lead) {
    EXPECT_EQ(Quoted(std::string(1, static_cast<char>(lead)) + "\x80\x80\x80"),
              R"("\ufffd\ufffd\ufffd\ufffd")")
        << lead;
  }
  // A bad byte does not swallow the valid character after it.
  EXPECT_EQ(Quoted("\xE2\xC3\xA9"), "\"\\ufffd\xC3\xA9\"");
}

// Every record the writer makes from arbitrary bytes (as keys and values) parses with the
// strict validator; valid UTF-8 strings come back unchanged.
TEST(JsonWriterTest, EveryLineParsesWhateverTheBytes) {
  std::mt19937 random(20240611);
  std::uniform_int_distribution<int> length(0, 24);
  std::uniform_int_distribution<int> pick(0, 9);
  std::uniform_int_distribution<int> any_byte(0, 255);
  const std::vector<std::string> pieces = {
      "\"", "\\", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\x7f", "\n", "\xED\xA0\x80"};
  std::uniform_int_distribution<std::size_t> piece(0, pieces.size() - 1);
  const auto random_text = [&] {
    std::string text;
    for (int n = length(random); n > 0; --n) {
      if (pick(random) < 3) {
        text += pieces[piece(random)];
      } else {
        text.push_back(static_cast<char>(any_byte(random)));
      }
    }
    return text;
  };

  JsonWriter writer;
  std::vector<std::vector<std::string>> written;
  for (int record = 0; record < 500; ++record) {
    std::vector<std::string> strings;
    writer.BeginObject();
    for (int field = record % 4; field >= 0; --field) {
      strings.push_back(random_text());
      strings.push_back(random_text());
      writer.Field(strings[strings.size() - 2], strings.back());
    }
    writer.Key("array");
    strings.push_back("array");
    writer.BeginArray();
    strings.push_back(random_text());
    writer.String(strings.back());
    writer.Int(-record);
    writer.EndArray();
    writer.EndObject();
    writer.EndLine();
    written.push_back(strings);
  }

  const std::vector<std::string> lines = Lines(writer.data());
  ASSERT_EQ(lines.size(), written.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto parsed = StrictJson(lines[i]).Parse();
    ASSERT_TRUE(parsed.has_value()) << "line " << i << ": " << lines[i];
    ASSERT_EQ(parsed->size(), written[i].size());
    for (std::size_t k = 0; k < parsed->size(); ++k) {
      const std::string& original = written[i][k];
      // Bytes that were valid UTF-8 must come back exactly; the others as U+FFFD.
      if (Quoted(original).find("\\ufffd") == std::string::npos) {
        EXPECT_EQ((*parsed)[k], original);
      }
    }
  }
}

TEST(JsonTimestampTest, Epoch) {
  EXPECT_EQ(FormatRfc3339Nanos(Timeval{0, 0}), "1970-01-01T00:00:00.000000000Z");
  EXPECT_EQ(FormatRfc3339Nanos(Timeval{0, 1}), "1970-01-01T00:00:00.000001000Z");
}

// Expected values checked with python3's datetime (UTC).
TEST(JsonTimestampTest, KnownDates) {
  EXPECT_EQ(FormatRfc3339Nanos(Timeval{1234567890, 123456}), "2009-02-13T23:31:30.123456000Z");
  EXPECT_EQ(FormatRfc3339Nanos(Timeval{1700000000, 999999}), "2023-11-14T22:13:20.999999000Z");
  EXPECT_EQ(FormatRfc3339Nanos(Timeval{951782400, 0}), "2000-02-29T00:00:00.000000000Z");
  EXPECT_EQ(FormatRfc3339Nanos(Timeval{951868800, 0}), "2000-03-01T00:00:00.000000000Z");
  EXPECT_EQ(FormatRfc3339Nanos(Timeval{4107456000, 0}), "2100-02-28T00:00:00.000000000Z");
  EXPECT_EQ(FormatRfc3339Nanos(Timeval{4107542400, 0}), "2100-03-01T00:00:00.000000000Z");
  EXPECT_EQ(FormatRfc3339Nanos(Timeval{2147483648, 0}), "2038-01-19T03:14:08.000000000Z");
  EXPECT_EQ(FormatRfc3339Nanos(Timeval{1704067199, 500000}), "2023-12-31T23:59:59.500000000Z");
}

TEST(JsonTimestampTest, BeforeTheEpoch) {
  EXPECT_EQ(FormatRfc3339Nanos(Timeval{-1, 0}), "1969-12-31T23:59:59.000000000Z");
  EXPECT_EQ(FormatRfc3339Nanos(Timeval{-1, 250000}), "1969-12-31T23:59:59.250000000Z");
  EXPECT_EQ(FormatRfc3339Nanos(Timeval{-86400, 0}), "1969-12-31T00:00:00.000000000Z");
  EXPECT_EQ(FormatRfc3339Nanos(Timeval{-86401, 999999}), "1969-12-30T23:59:59.999999000Z");
  EXPECT_EQ(FormatRfc3339Nanos(Timeval{-2208988800, 0}), "1900-01-01T00:00:00.000000000Z");
  EXPECT_EQ(FormatRfc3339Nanos(Timeval{-5364662400, 0}), "1800-01-01T00:00:00.000000000Z");
  EXPECT_EQ(FormatRfc3339Nanos(Timeval{-62135596800, 0}), "0001-01-01T00:00:00.000000000Z");
  // Year 0 (a leap year in the proleptic Gregorian calendar) is the first one written.
  EXPECT_EQ(FormatRfc3339Nanos(Timeval{-62162121600, 0}), "0000-02-29T00:00:00.000000000Z");
  EXPECT_EQ(FormatRfc3339Nanos(Timeval{-62162035200, 0}), "0000-03-01T00:00:00.000000000Z");
  EXPECT_EQ(FormatRfc3339Nanos(Timeval{-62167219200, 7}), "0000-01-01T00:00:00.000007000Z");
}

TEST(JsonTimestampTest, Year9999Edge) {
  EXPECT_EQ(FormatRfc3339Nanos(Timeval{253402300799, 999999}), "9999-12-31T23:59:59.999999000Z");
  EXPECT_EQ(FormatRfc3339Nanos(Timeval{253402214400, 0}), "9999-12-31T00:00:00.000000000Z");
  // One second later is year 10000, which has no four-digit form: clamped.
  EXPECT_EQ(FormatRfc3339Nanos(Timeval{253402300800, 0}), "9999-12-31T23:59:59.999999000Z");
}

TEST(JsonTimestampTest, ExtremeValuesAreClampedWithoutOverflow) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  constexpr std::int32_t kUsecMax = std::numeric_limits<std::int32_t>::max();
  constexpr std::int32_t kUsecMin = std::numeric_limits<std::int32_t>::min();
  const std::string last = "9999-12-31T23:59:59.999999000Z";
  const std::string first = "0000-01-01T00:00:00.000000000Z";
  EXPECT_EQ(FormatRfc3339Nanos(Timeval{kMax, 999999}), last);
  EXPECT_EQ(FormatRfc3339Nanos(Timeval{kMax, kUsecMax}), last);
  EXPECT_EQ(FormatRfc3339Nanos(Timeval{kMin, 0}), first);
  EXPECT_EQ(FormatRfc3339Nanos(Timeval{kMin, kUsecMin}), first);
  EXPECT_EQ(FormatRfc3339Nanos(Timeval{-62167219201, 999999}), first);
}

TEST(JsonTimestampTest, OutOfRangeMicrosecondsCarry) {
  EXPECT_EQ(FormatRfc3339Nanos(Timeval{0, 1500000}), "1970-01-01T00:00:01.500000000Z");
  EXPECT_EQ(FormatRfc3339Nanos(Timeval{0, -1}), "1969-12-31T23:59:59.999999000Z");
  EXPECT_EQ(FormatRfc3339Nanos(Timeval{1, -1000000}), "1970-01-01T00:00:00.000000000Z");
}

}  // namespace
}  // namespace tcpflow
