// http_parser.h: an incremental HTTP/1.x message parser for captured streams (RFC 9112 message
// syntax and body framing; RFC 9110 field semantics).
//
// Design note: the parser is a byte-at-a-time state machine fed with the bytes of one direction
// of a connection in any pieces; it never needs the whole message. It reports through a
// Listener: message begin (with its stream offset), the start line, each header field (name
// lower-cased, value without surrounding whitespace), headers complete, body pieces (chunked
// transfer coding removed, each with its offset in the raw stream), message complete, errors.
// The only buffer is the header block (start line + fields, or a chunked trailer section),
// capped at max_header bytes. Body framing follows RFC 9112 §6.3: responses to HEAD, 1xx, 204
// and 304 have no body; a final "chunked" transfer coding wins over Content-Length; then
// Content-Length; otherwise a response body runs to the end of the stream (Finish()) and a
// request has none. A response learns which request it answers from the listener
// (RequestMethodForResponse), one call per final response. A 101 response, a 2xx response to
// CONNECT, a CONNECT request and a request asking for a protocol upgrade (Upgrade header with
// "upgrade" in Connection) end HTTP on that stream: the parser then consumes everything silently.
// After an error the parser stops (Feed returns early); Resync() makes it skip forward to the
// next plausible message start ("HTTP/1." for responses; a known method followed by a space for
// requests).
#ifndef TCPFLOW_HTTP_PARSER_H
#define TCPFLOW_HTTP_PARSER_H

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "byte_reader.h"

namespace tcpflow {

enum class HttpMode : std::uint8_t { kRequest, kResponse };

// Whether `head`, the first bytes of a stream, starts a message: kYes, kNo, or kMaybe (`head`
// is a proper prefix of a message start). Responses start with "HTTP/1."; requests with a known
// method (RFC 9110 §9, and the WebDAV methods of RFC 4918) and a space.
enum class StartMatch : std::uint8_t { kNo, kMaybe, kYes };
StartMatch MatchMessageStart(HttpMode mode, std::string_view head);
// MatchMessageStart never answers kMaybe for a `head` this long.
inline constexpr std::size_t kMessageStartMaxBytes = 10;

class HttpParser {
 public:
  using Mode = HttpMode;

  enum class Error : std::uint8_t {
    kSyntax,         // malformed start line, field line, chunk framing or Content-Length
    kHeaderTooLong,  // header block (or trailer section, or a chunk-size line) beyond max_header
    kTruncated,      // Finish() inside a message whose end is not the end of the stream
  };

  // Callbacks, in stream order. Views and spans are valid only during the call. Callbacks must
  // not call back into the parser (Feed, Finish, Resync).
  class Listener {
   public:
    virtual ~Listener() = default;
    // `offset`: stream offset of the message's first byte (the start line).
    virtual void OnMessageBegin(std::uint64_t offset) { (void)offset; }
    // Request mode. `version` is e.g. "HTTP/1.1".
    virtual void OnRequestLine(std::string_view method, std::string_view target,
                               std::string_view version) {
      (void)method, (void)target, (void)version;
    }
    // Response mode. `status` is 100..999; `reason` may be empty.
    virtual void OnStatusLine(int status, std::string_view reason) { (void)status, (void)reason; }
    // One header field; `name` lower-cased, `value` trimmed (obsolete line folding joined by SP).
    virtual void OnHeader(std::string_view name, std::string_view value) {
      (void)name, (void)value;
    }
    // Response mode, once per final (>= 200) response, after its fields: the method of the
    // request it answers ("" = unknown, taken as neither HEAD nor CONNECT).
    virtual std::string RequestMethodForResponse() { return {}; }
    // After the last field. `has_body` is false when the framing says there is no body.
    virtual void OnHeadersComplete(bool has_body) { (void)has_body; }
    // A piece of body data (never empty) starting at stream `offset`.
    virtual void OnBody(std::uint64_t offset, Bytes data) { (void)offset, (void)data; }
    // One field of a chunked trailer section (same form as OnHeader).
    virtual void OnTrailer(std::string_view name, std::string_view value) {
      (void)name, (void)value;
    }
    virtual void OnMessageComplete() {}
    // The parser stopped; `reason` is one line. Any message in progress is abandoned.
    virtual void OnError(Error error, std::string_view reason) { (void)error, (void)reason; }
  };

  // `listener` must outlive the parser. Parsing starts at stream offset `start_offset`, where a
  // message is expected (empty lines before a message are skipped). max_header >= 1.
  HttpParser(Mode mode, Listener& listener, std::uint64_t max_header = 64 << 10,
             std::uint64_t start_offset = 0);

  // Parses `data`, which continues the stream at offset(). Returns the bytes consumed: all of
  // them, unless an error stops the parser; then the bytes from the offending one on are not
  // consumed (a bad start line or header block as a whole counts as consumed), so call Resync()
  // and feed the rest again, or stop. Once failed, Feed
  // consumes nothing until Resync(). After an upgrade everything is consumed silently.
  std::size_t Feed(Bytes data);
  // End of the stream: completes a body that runs to the end; inside any other message it
  // reports kTruncated. Later Feed calls are ignored until Resync().
  void Finish();
  // Abandons the message in progress (no callback) and the error state, and skips forward from
  // offset() to the next plausible message start, which then begins a message.
  void Resync();

  std::uint64_t offset() const { return offset_; }  // stream offset of the next byte to feed
  bool failed() const { return state_ == State::kFailed; }
  bool upgraded() const { return state_ == State::kUpgraded; }
  // Inside a message (from its first byte until it completes).
  bool in_message() const;

 private:
  enum class State : std::uint8_t {
    kIdle,         // between messages: skipping CR/LF before the next start line
    kHeaderBlock,  // accumulating the start line and header fields in block_
    kBodyLength,   // body_remaining_ bytes of Content-Length body left
    kBodyToEof,    // body until Finish()
    kChunkSize,    // hex digits of a chunk-size
    kChunkExt,     // after the size: whitespace, extensions, up to LF
    kChunkData,    // body_remaining_ bytes of chunk data left
    kChunkDataCr,  // CR (optional) after chunk data
    kChunkDataLf,  // LF after chunk data
    kTrailer,      // accumulating the trailer section in block_
    kResync,       // looking for the next message start
    kUpgraded,     // the stream left HTTP
    kFailed,       // stopped by an error
    kEnded,        // Finish() was called
  };

  // Each Step* consumes a prefix of `data` and returns its length; it may consume nothing when
  // it only changes state_ (or fails).
  std::size_t StepIdle(Bytes data);
  std::size_t StepBlock(Bytes data, bool trailer);
  std::size_t StepChunkSize(Bytes data);
  std::size_t StepChunkExt(Bytes data);
  std::size_t StepResync(Bytes data);
  // Body bytes: up to `limit` from `data`, reported at offset_.
  std::size_t StepBody(Bytes data, std::uint64_t limit);

  // Checks the start line bytes of block_ from index `from` as the line grows (so that garbage
  // fails early). Returns the index of the offending byte (after failing), or npos.
  std::size_t CheckStartLinePrefix(std::size_t from);
  // The block is complete: parse it, report, and choose what follows (or fail).
  void FinishHeaderBlock();
  bool ParseStartLine(std::string_view line);
  // Parses the field lines of `lines` (each ending in LF), reporting each via OnHeader or
  // OnTrailer. False = failed.
  bool ParseFields(std::string_view lines, bool trailer);
  // Chooses the body framing after the fields (or fails).
  void StartBody();
  void CompleteMessage();
  void Fail(Error error, std::string_view reason);
  void StartResync();

  Mode mode_;
  Listener* listener_;
  std::uint64_t max_header_;
  State state_ = State::kIdle;
  std::uint64_t offset_;

  // The header block (or trailer section) so far, and where its current line starts.
  std::string block_;
  std::size_t line_start_ = 0;
  std::size_t start_line_end_ = 0;  // length of the start line with its LF, once known
  std::size_t method_end_ = 0;      // request: index of the space after the method, once seen

  // What the current message's fields said.
  int status_ = 0;
  bool is_connect_request_ = false;
  bool has_upgrade_field_ = false;   // an Upgrade field was seen
  bool connection_upgrade_ = false;  // "upgrade" is among the Connection options
  bool chunked_ = false;
  bool has_transfer_encoding_ = false;
  bool has_content_length_ = false;
  std::uint64_t content_length_ = 0;
  bool upgrade_after_message_ = false;

  std::uint64_t body_remaining_ = 0;
  std::uint64_t chunk_line_length_ = 0;  // bytes of the current chunk-size line
  bool chunk_size_digits_ = false;       // at least one hex digit seen
  bool chunk_in_extension_ = false;      // a ';' was seen on the chunk-size line

  // Resync: the last bytes seen, to match a message start spanning Feed calls.
  std::array<char, 16> window_{};
  std::size_t window_len_ = 0;
};

}  // namespace tcpflow

#endif  // TCPFLOW_HTTP_PARSER_H
