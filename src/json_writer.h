// json_writer.h: a compact JSON (RFC 8259) writer for JSON Lines records, and RFC 3339 times.
//
// Design note: JsonWriter appends to a string it owns, one record (usually one object) per line:
// no spaces, no line breaks inside a record, EndLine() ends it with '\n'. Commas come from a
// single "a value was just completed" flag, so the caller only has to make a well-formed
// sequence of calls (balanced Begin/End, a Key before each value inside an object); the writer
// does not check that. Every string (keys included) is escaped so the line is valid JSON in
// UTF-8 whatever bytes it was given: '"', '\\' and control characters below 0x20 are escaped
// (DEL stays as it is: JSON allows it), valid UTF-8 passes through unchanged, and each byte that
// does not start a well-formed UTF-8 sequence (the Unicode Standard, table 3-7: stray
// continuation bytes, overlong forms, surrogates, lead bytes 0xF5..0xFF, sequences cut short)
// becomes the escape \ufffd (U+FFFD, one per byte, as in AppendXmlEscaped).
#ifndef TCPFLOW_JSON_WRITER_H
#define TCPFLOW_JSON_WRITER_H

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "packet.h"

namespace tcpflow {

class JsonWriter {
 public:
  void BeginObject();
  void EndObject();
  void BeginArray();
  void EndArray();
  // An object member's name; the next call writes its value.
  void Key(std::string_view key);

  void String(std::string_view value);
  void Uint(std::uint64_t value);
  void Int(std::int64_t value);
  void Bool(bool value);
  void Null();
  // A value that is already JSON (from another JsonWriter's data()), written as it is.
  void Raw(std::string_view json);

  // Key(key) followed by the value.
  void Field(std::string_view key, std::string_view value);
  // (Without this a string literal would pick the bool overload.)
  void Field(std::string_view key, const char* value) { Field(key, std::string_view(value)); }
  void Field(std::string_view key, std::uint64_t value);
  void Field(std::string_view key, std::int64_t value);
  void Field(std::string_view key, bool value);
  // Other integer types (int, std::uint16_t, ...) as numbers, without ambiguity.
  template <std::integral T>
  requires(!std::same_as<T, bool> && !std::same_as<T, std::uint64_t> &&
           !std::same_as<T, std::int64_t>) void Field(std::string_view key, T value) {
    if constexpr (std::is_signed_v<T>) {
      Field(key, static_cast<std::int64_t>(value));
    } else {
      Field(key, static_cast<std::uint64_t>(value));
    }
  }

  // Ends the current line (record) with '\n'; the next value starts a new record.
  void EndLine();

  const std::string& data() const { return buffer_; }
  // Forgets everything written.
  void Clear();

 private:
  // Writes the comma that separates this value (or key) from the one before it.
  void Separate();

  std::string buffer_;
  bool after_value_ = false;  // a value (or a whole container) was just completed
};

// `t` as an RFC 3339 UTC timestamp with nanosecond digits: "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ", the
// fraction being the microseconds times 1000. t means t.sec + t.usec / 10^6 seconds since the
// epoch: before 1970 (negative sec) the fraction still counts forward from the whole second
// below ({-1, 250000} is 1969-12-31T23:59:59.250000000Z); a usec outside 0..999999 carries into
// the seconds. Times outside the four-digit years are clamped: anything before
// 0000-01-01T00:00:00Z (proleptic Gregorian) is written as 0000-01-01T00:00:00.000000000Z, and
// anything after the last microsecond of 9999 as 9999-12-31T23:59:59.999999000Z, including
// the extreme int64 values.
std::string FormatRfc3339Nanos(const Timeval& t);

}  // namespace tcpflow

#endif  // TCPFLOW_JSON_WRITER_H
