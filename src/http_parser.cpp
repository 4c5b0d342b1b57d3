// http_parser.cpp: incremental HTTP/1.x message parsing (RFC 9112 §2-§7, RFC 9110 §5).
#include "http_parser.h"

#include <algorithm>
#include <limits>

namespace tcpflow {
namespace {

constexpr std::string_view kResponsePrefix = "HTTP/1.";

// Methods that start a request when resynchronising (RFC 9110 §9 and the WebDAV ones, RFC 4918).
constexpr std::array<std::string_view, 16> kResyncMethods = {
    "GET ",   "HEAD ", "POST ", "PUT ",   "DELETE ", "CONNECT ",  "OPTIONS ",   "TRACE ",
    "PATCH ", "COPY ", "LOCK ", "MKCOL ", "MOVE ",   "PROPFIND ", "PROPPATCH ", "UNLOCK "};

// RFC 9110 §5.6.2 tchar.
bool IsTchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// Control characters that may not appear in a start line (HTAB and CR are checked elsewhere).
bool IsBadLineByte(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u < 0x20 && c != '\t' && c != '\r') || u == 0x7f;
}

char Lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits a comma-separated list (RFC 9110 §5.6.1), calling `fn` with each trimmed, non-empty
// element.
template <typename Fn>
void ForEachListElement(std::string_view list, Fn fn) {
  while (true) {
    const std::size_t comma = list.find(',');
    const std::string_view element = TrimOws(list.substr(0, comma));
    if (!element.empty()) fn(element);
    if (comma == std::string_view::npos) return;
    list.remove_prefix(comma + 1);
  }
}

// A decimal Content-Length element; false on anything else or overflow.
bool ParseDecimal(std::string_view s, std::uint64_t* out) {
  if (s.empty()) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    if (!IsDigit(c)) return false;
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (std::numeric_limits<std::uint64_t>::max() - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view AsChars(Bytes data) {
  return std::string_view(reinterpret_cast<const char*>(data.data()), data.size());
}

}  // namespace

StartMatch MatchMessageStart(HttpMode mode, std::string_view head) {
  auto match = [&](std::string_view start) {
    if (head.starts_with(start)) return StartMatch::kYes;
    return start.starts_with(head) ? StartMatch::kMaybe : StartMatch::kNo;
  };
  if (mode == HttpMode::kResponse) return match(kResponsePrefix);
  StartMatch best = StartMatch::kNo;
  for (std::string_view method : kResyncMethods) best = std::max(best, match(method));
  return best;
}

HttpParser::HttpParser(Mode mode, Listener& listener, std::uint64_t max_header,
                       std::uint64_t start_offset)
    : mode_(mode),
      listener_(&listener),
      max_header_(std::max<std::uint64_t>(max_header, 1)),
      offset_(start_offset) {}

bool HttpParser::in_message() const {
  switch (state_) {
    case State::kHeaderBlock:
    case State::kBodyLength:
    case State::kBodyToEof:
    case State::kChunkSize:
    case State::kChunkExt:
    case State::kChunkData:
    case State::kChunkDataCr:
    case State::kChunkDataLf:
    case State::kTrailer: return true;
    default: return false;
  }
}

std::size_t HttpParser::Feed(Bytes data) {
  std::size_t pos = 0;
  while (pos < data.size()) {
    const Bytes rest = data.subspan(pos);
    std::size_t n = 0;
    switch (state_) {
      case State::kIdle: n = StepIdle(rest); break;
      case State::kHeaderBlock: n = StepBlock(rest, false); break;
      case State::kTrailer: n = StepBlock(rest, true); break;
      case State::kBodyLength:
        n = StepBody(rest, body_remaining_);
        body_remaining_ -= n;
        if (body_remaining_ == 0) CompleteMessage();
        break;
      case State::kBodyToEof: n = StepBody(rest, rest.size()); break;
      case State::kChunkSize: n = StepChunkSize(rest); break;
      case State::kChunkExt: n = StepChunkExt(rest); break;
      case State::kChunkData:
        n = StepBody(rest, body_remaining_);
        body_remaining_ -= n;
        if (body_remaining_ == 0) state_ = State::kChunkDataCr;
        break;
      case State::kChunkDataCr:
        if (rest[0] == '\r') {
          state_ = State::kChunkDataLf;
          n = 1;
        } else if (rest[0] == '\n') {
          n = 1;
          state_ = State::kChunkSize;
        } else {
          Fail(Error::kSyntax, "chunk data not followed by CRLF");
        }
        break;
      case State::kChunkDataLf:
        if (rest[0] == '\n') {
          n = 1;
          state_ = State::kChunkSize;
        } else {
          Fail(Error::kSyntax, "chunk data not followed by CRLF");
        }
        break;
      case State::kResync: n = StepResync(rest); break;
      case State::kUpgraded:
      case State::kEnded: n = rest.size(); break;
      case State::kFailed: return pos;
    }
    pos += n;
    offset_ += n;
    if (state_ == State::kFailed) return pos;
  }
  return pos;
}

std::size_t HttpParser::StepIdle(Bytes data) {
  std::size_t i = 0;
  while (i < data.size() && (data[i] == '\r' || data[i] == '\n')) ++i;
  if (i < data.size()) {
    // The first byte of a message.
    block_.clear();
    line_start_ = 0;
    start_line_end_ = 0;
    method_end_ = 0;
    state_ = State::kHeaderBlock;
    listener_->OnMessageBegin(offset_ + i);
  }
  return i;
}

std::size_t HttpParser::StepBlock(Bytes data, bool trailer) {
  const std::string_view chars = AsChars(data);
  const std::size_t lf = chars.find('\n');
  const std::size_t want = lf == std::string_view::npos ? chars.size() : lf + 1;
  const std::uint64_t room = max_header_ - std::min<std::uint64_t>(max_header_, block_.size());
  if (want > room) {
    const std::size_t old_size = block_.size();
    block_.append(chars.substr(0, static_cast<std::size_t>(room)));
    // A start line that is already wrong is a syntax error however the stream was cut into
    // pieces, so that resynchronisation restarts at the same place.
    if (!trailer && start_line_end_ == 0) {
      const std::size_t bad = CheckStartLinePrefix(old_size);
      if (bad != std::string::npos) return bad - old_size;
    }
    Fail(Error::kHeaderTooLong,
         trailer ? "chunked trailer section too long" : "header block too long");
    return static_cast<std::size_t>(room);
  }
  const std::size_t old_size = block_.size();
  block_.append(chars.substr(0, want));
  if (!trailer && start_line_end_ == 0) {
    const std::size_t bad = CheckStartLinePrefix(old_size);
    if (bad != std::string::npos) return bad - old_size;
    if (lf == std::string_view::npos) return want;
    start_line_end_ = block_.size();
    std::string_view line(block_.data(), block_.size() - 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    // On failure the bad line counts as consumed.
    if (ParseStartLine(line)) line_start_ = block_.size();
    return want;
  }
  if (lf == std::string_view::npos) return want;
  const std::string_view line = std::string_view(block_).substr(line_start_);
  if (line == "\n" || line == "\r\n") {
    FinishHeaderBlock();  // on failure the block counts as consumed
  } else {
    line_start_ = block_.size();
  }
  return want;
}

std::size_t HttpParser::CheckStartLinePrefix(std::size_t from) {
  for (std::size_t i = from; i < block_.size(); ++i) {
    const char c = block_[i];
    if (c == '\n') break;
    if (mode_ == Mode::kResponse) {
      if (i < kResponsePrefix.size()) {
        if (c != kResponsePrefix[i]) {
          Fail(Error::kSyntax, "response does not start with HTTP/1.");
          return i;
        }
      } else if (i == kResponsePrefix.size()) {
        if (!IsDigit(c)) {
          Fail(Error::kSyntax, "bad HTTP version");
          return i;
        }
      } else if (IsBadLineByte(c)) {
        Fail(Error::kSyntax, "control character in status line");
        return i;
      }
    } else if (method_end_ == 0) {
      if (c == ' ' && i > 0) {
        method_end_ = i;
      } else if (!IsTchar(c)) {
        Fail(Error::kSyntax, "bad request method");
        return i;
      }
    } else if (IsBadLineByte(c)) {
      Fail(Error::kSyntax, "control character in request line");
      return i;
    }
  }
  return std::string::npos;
}

bool HttpParser::ParseStartLine(std::string_view line) {
  status_ = 0;
  is_connect_request_ = false;
  has_upgrade_field_ = false;
  connection_upgrade_ = false;
  chunked_ = false;
  has_transfer_encoding_ = false;
  has_content_length_ = false;
  content_length_ = 0;
  upgrade_after_message_ = false;
  if (line.find('\r') != std::string_view::npos) {
    Fail(Error::kSyntax, "CR inside the start line");
    return false;
  }
  if (mode_ == Mode::kResponse) {
    // HTTP/1.x SP 3DIGIT [SP reason]; the reason (and its space) may be missing.
    if (line.size() < 12 || line[8] != ' ' || !IsDigit(line[9]) || !IsDigit(line[10]) ||
        !IsDigit(line[11]) || (line.size() > 12 && line[12] != ' ')) {
      Fail(Error::kSyntax, "malformed status line");
      return false;
    }
    status_ = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
    if (status_ < 100) {
      Fail(Error::kSyntax, "status code below 100");
      return false;
    }
    listener_->OnStatusLine(status_, line.size() > 12 ? line.substr(13) : std::string_view());
    return true;
  }
  // method SP request-target SP HTTP-version
  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp1 == std::string_view::npos || sp2 == std::string_view::npos || sp2 == sp1 + 1) {
    Fail(Error::kSyntax, "malformed request line");
    return false;
  }
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (version.size() != kResponsePrefix.size() + 1 || !version.starts_with(kResponsePrefix) ||
      !IsDigit(version.back())) {
    Fail(Error::kSyntax, "bad HTTP version in request line");
    return false;
  }
  is_connect_request_ = method == "CONNECT";
  listener_->OnRequestLine(method, target, version);
  return true;
}

void HttpParser::FinishHeaderBlock() {
  const bool trailer = state_ == State::kTrailer;
  const std::size_t fields_start = trailer ? 0 : start_line_end_;
  // Leave out the empty line that ended the block.
  const std::string_view fields =
      std::string_view(block_).substr(fields_start, line_start_ - fields_start);
  if (!ParseFields(fields, trailer)) return;
  if (block_.capacity() > 8192) {
    std::string().swap(block_);  // do not keep a large block per idle stream
  } else {
    block_.clear();
  }
  if (trailer) {
    CompleteMessage();
    return;
  }
  StartBody();
}

bool HttpParser::ParseFields(std::string_view lines, bool trailer) {
  std::string name;
  std::string value;
  bool pending = false;
  auto emit = [&]() -> bool {
    if (!pending) return true;
    pending = false;
    if (trailer) {
      listener_->OnTrailer(name, value);
      return true;
    }
    if (name == "content-length") {
      bool ok = true;
      ForEachListElement(value, [&](std::string_view element) {
        std::uint64_t v = 0;
        if (!ParseDecimal(element, &v) || (has_content_length_ && v != content_length_)) {
          ok = false;
        }
        has_content_length_ = true;
        content_length_ = v;
      });
      if (!ok || !has_content_length_) {
        Fail(Error::kSyntax, "invalid Content-Length");
        return false;
      }
    } else if (name == "transfer-encoding") {
      has_transfer_encoding_ = true;
      ForEachListElement(
          value, [&](std::string_view coding) { chunked_ = EqualsNoCase(coding, "chunked"); });
    } else if (name == "connection") {
      ForEachListElement(value, [&](std::string_view option) {
        if (EqualsNoCase(option, "upgrade")) connection_upgrade_ = true;
      });
    } else if (name == "upgrade") {
      has_upgrade_field_ = true;
    }
    listener_->OnHeader(name, value);
    return true;
  };
  while (!lines.empty()) {
    const std::size_t lf = lines.find('\n');
    std::string_view line = lines.substr(0, lf);
    lines.remove_prefix(lf == std::string_view::npos ? lines.size() : lf + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find('\r') != std::string_view::npos || line.find('\0') != std::string_view::npos) {
      Fail(Error::kSyntax, "CR or NUL inside a field line");
      return false;
    }
    if (line.empty()) continue;
    if (line.front() == ' ' || line.front() == '\t') {
      // Obsolete line folding (RFC 9112 §5.2): continues the previous value.
      if (!pending) {
        Fail(Error::kSyntax, "folded line without a field");
        return false;
      }
      const std::string_view more = TrimOws(line);
      if (!more.empty()) {
        if (!value.empty()) value += ' ';
        value += more;
      }
      continue;
    }
    if (!emit()) return false;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      Fail(Error::kSyntax, "field line without a name and colon");
      return false;
    }
    name.clear();
    for (char c : line.substr(0, colon)) {
      if (!IsTchar(c)) {
        Fail(Error::kSyntax, "bad character in a field name");
        return false;
      }
      name += Lower(c);
    }
    value.assign(TrimOws(line.substr(colon + 1)));
    pending = true;
  }
  return emit();
}

void HttpParser::StartBody() {
  enum class Framing { kNone, kLength, kChunked, kToEof } framing = Framing::kNone;
  bool no_body = false;
  if (mode_ == Mode::kResponse) {
    if (status_ < 200) {
      no_body = true;
      if (status_ == 101) upgrade_after_message_ = true;
    } else {
      const std::string method = listener_->RequestMethodForResponse();
      if (method == "HEAD") no_body = true;
      if (method == "CONNECT" && status_ < 300) {
        no_body = true;
        upgrade_after_message_ = true;
      }
      if (status_ == 204 || status_ == 304) no_body = true;
    }
  } else if (is_connect_request_) {
    no_body = true;
    upgrade_after_message_ = true;
  } else if (has_upgrade_field_ && connection_upgrade_) {
    upgrade_after_message_ = true;
  }
  if (!no_body) {
    if (has_transfer_encoding_) {
      if (chunked_) {
        framing = Framing::kChunked;
      } else if (mode_ == Mode::kResponse) {
        framing = Framing::kToEof;
      } else {
        Fail(Error::kSyntax, "request Transfer-Encoding does not end in chunked");
        return;
      }
    } else if (has_content_length_) {
      framing = content_length_ > 0 ? Framing::kLength : Framing::kNone;
    } else if (mode_ == Mode::kResponse) {
      framing = Framing::kToEof;
    }
  }
  listener_->OnHeadersComplete(framing != Framing::kNone);
  switch (framing) {
    case Framing::kNone: CompleteMessage(); break;
    case Framing::kLength:
      body_remaining_ = content_length_;
      state_ = State::kBodyLength;
      break;
    case Framing::kChunked:
      body_remaining_ = 0;
      chunk_line_length_ = 0;
      chunk_size_digits_ = false;
      chunk_in_extension_ = false;
      state_ = State::kChunkSize;
      break;
    case Framing::kToEof: state_ = State::kBodyToEof; break;
  }
}

std::size_t HttpParser::StepBody(Bytes data, std::uint64_t limit) {
  const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(data.size(), limit));
  if (n > 0) listener_->OnBody(offset_, data.first(n));
  return n;
}

std::size_t HttpParser::StepChunkSize(Bytes data) {
  std::size_t i = 0;
  for (; i < data.size(); ++i) {
    const int digit = HexValue(static_cast<char>(data[i]));
    if (digit < 0) break;
    if (body_remaining_ > (std::numeric_limits<std::uint64_t>::max() >> 4)) {
      Fail(Error::kSyntax, "chunk size too large");
      return i;
    }
    body_remaining_ = (body_remaining_ << 4) | static_cast<std::uint64_t>(digit);
    chunk_size_digits_ = true;
    if (++chunk_line_length_ > max_header_) {
      Fail(Error::kHeaderTooLong, "chunk-size line too long");
      return i;
    }
  }
  if (i < data.size()) {
    if (!chunk_size_digits_) {
      Fail(Error::kSyntax, "chunk size expected");
      return i;
    }
    state_ = State::kChunkExt;
  }
  return i;
}

std::size_t HttpParser::StepChunkExt(Bytes data) {
  std::size_t i = 0;
  for (; i < data.size(); ++i) {
    const char c = static_cast<char>(data[i]);
    if (c == '\n') {
      ++i;
      chunk_line_length_ = 0;
      chunk_size_digits_ = false;
      chunk_in_extension_ = false;
      if (body_remaining_ == 0) {
        // The last chunk: a trailer section follows (RFC 9112 §7.1.2).
        block_.clear();
        line_start_ = 0;
        state_ = State::kTrailer;
      } else {
        state_ = State::kChunkData;
      }
      return i;
    }
    if (++chunk_line_length_ > max_header_) {
      Fail(Error::kHeaderTooLong, "chunk-size line too long");
      return i;
    }
    if (chunk_in_extension_) continue;  // chunk-ext: ignored (RFC 9112 §7.1.1)
    if (c == ';') {
      chunk_in_extension_ = true;
    } else if (c != ' ' && c != '\t' && c != '\r') {
      Fail(Error::kSyntax, "bad character after the chunk size");
      return i;
    }
  }
  return i;
}

std::size_t HttpParser::StepResync(Bytes data) {
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (window_len_ == window_.size()) {
      std::copy(window_.begin() + 1, window_.end(), window_.begin());
      --window_len_;
    }
    window_[window_len_++] = static_cast<char>(data[i]);
    const std::string_view seen(window_.data(), window_len_);
    std::string_view match;
    if (mode_ == Mode::kResponse) {
      if (seen.ends_with(kResponsePrefix)) match = kResponsePrefix;
    } else {
      for (std::string_view method : kResyncMethods) {
        if (seen.ends_with(method)) match = method;
      }
    }
    if (match.empty()) continue;
    // A message starts `match.size() - 1` bytes before data[i] (perhaps in an earlier piece).
    block_.assign(match);
    line_start_ = 0;
    start_line_end_ = 0;
    method_end_ = mode_ == Mode::kRequest ? match.size() - 1 : 0;
    window_len_ = 0;
    state_ = State::kHeaderBlock;
    listener_->OnMessageBegin(offset_ + i + 1 - match.size());
    return i + 1;
  }
  return data.size();
}

void HttpParser::CompleteMessage() {
  state_ = upgrade_after_message_ ? State::kUpgraded : State::kIdle;
  listener_->OnMessageComplete();
}

void HttpParser::Fail(Error error, std::string_view reason) {
  state_ = State::kFailed;
  listener_->OnError(error, reason);
}

void HttpParser::Finish() {
  if (state_ == State::kBodyToEof) {
    CompleteMessage();
  } else if (in_message()) {
    Fail(Error::kTruncated, "stream ended inside a message");
  }
  block_.clear();
  state_ = State::kEnded;
}

void HttpParser::StartResync() {
  block_.clear();
  window_len_ = 0;
  state_ = State::kResync;
}

void HttpParser::Resync() {
  StartResync();
}

}  // namespace tcpflow
