// source_buffer.h: a read buffer over a ByteSource, for readers that parse records in place.
//
// Design note: the bytes are read in large chunks into one buffer, and a reader looks at them
// where they lie (Peek) instead of copying each record out; only the unread tail is moved to
// the front when more must be read. TakeUnread() gives the bytes read but not consumed, so that
// another reader can carry on where this one stopped.
#ifndef TCPFLOW_SOURCE_BUFFER_H
#define TCPFLOW_SOURCE_BUFFER_H

#include <cstddef>
#include <cstdint>
#include <vector>

#include "byte_reader.h"
#include "decompress.h"

namespace tcpflow {

class SourceBuffer {
 public:
  // Reads `source` (not owned; it must outlive the buffer), at least `chunk` bytes at a time
  // when it can, counting offsets from `start_offset`.
  explicit SourceBuffer(ByteSource& source, std::size_t chunk = kDefaultChunk,
                        std::uint64_t start_offset = 0);

  // Makes n bytes available at the read position. False when the stream ends or fails first
  // (ended() or failed() says which), or a signal interrupted a read (interrupted(): nothing
  // is lost, and a later call reads on); the bytes that were there stay available.
  bool Ensure(std::size_t n);
  // Drops n bytes; false when the stream ends or fails first.
  bool Discard(std::uint64_t n);
  // Moves the read position n bytes on; n must not exceed available().
  void Consume(std::size_t n) {
    begin_ += n;
    offset_ += n;
  }
  // n bytes from `from` bytes past the read position, valid until the next Ensure or Discard
  // that reads (moves() changes); from + n must not exceed available().
  Bytes Peek(std::size_t from, std::size_t n) const {
    return Bytes(buffer_).subspan(begin_ + from, n);
  }
  std::size_t available() const { return end_ - begin_; }
  // How many times the buffered bytes were moved or replaced: Peek's views stay valid, and the
  // bytes under them unchanged, while this number does not change.
  std::uint64_t moves() const { return moves_; }
  // The stream offset of the read position.
  std::uint64_t offset() const { return offset_; }
  bool ended() const { return ended_; }
  bool failed() const { return failed_; }
  bool interrupted() const { return interrupted_; }
  // The bytes read from the stream but not consumed; the buffer is empty afterwards.
  std::vector<std::uint8_t> TakeUnread();

  static constexpr std::size_t kDefaultChunk = 256 * 1024;

 private:
  ByteSource& source_;
  std::vector<std::uint8_t> buffer_;
  std::size_t begin_ = 0;     // first unread byte in buffer_
  std::size_t end_ = 0;       // one past the last byte read into buffer_
  std::uint64_t offset_ = 0;  // stream offset of buffer_[begin_]
  bool ended_ = false;
  bool failed_ = false;
  bool interrupted_ = false;  // the last Ensure, only
  std::uint64_t moves_ = 0;
};

}  // namespace tcpflow

#endif  // TCPFLOW_SOURCE_BUFFER_H
