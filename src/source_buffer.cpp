// source_buffer.cpp: chunked reads from a ByteSource into one buffer.
#include "source_buffer.h"

#include <algorithm>

namespace tcpflow {

SourceBuffer::SourceBuffer(ByteSource& source, std::size_t chunk, std::uint64_t start_offset)
    : source_(source), buffer_(chunk), offset_(start_offset) {}

bool SourceBuffer::Ensure(std::size_t n) {
  interrupted_ = false;
  if (end_ - begin_ >= n) return true;
  if (ended_ || failed_) return false;
  ++moves_;
  std::copy(buffer_.begin() + static_cast<std::ptrdiff_t>(begin_),
            buffer_.begin() + static_cast<std::ptrdiff_t>(end_), buffer_.begin());
  end_ -= begin_;
  begin_ = 0;
  if (buffer_.size() < n) buffer_.resize(n);
  while (end_ < n) {
    const std::ptrdiff_t got = source_.Read(std::span<std::uint8_t>(buffer_).subspan(end_));
    if (got < 0) {
      // A source says nothing about a read a signal cut short (see FdSource).
      interrupted_ = source_.error().empty();
      failed_ = !interrupted_;
      return false;
    }
    if (got == 0) {
      ended_ = true;
      return false;
    }
    end_ += static_cast<std::size_t>(got);
  }
  return true;
}

bool SourceBuffer::Discard(std::uint64_t n) {
  while (n > 0) {
    if (begin_ == end_ && !Ensure(1)) return false;
    const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(n, end_ - begin_));
    Consume(take);
    n -= take;
  }
  return true;
}

std::vector<std::uint8_t> SourceBuffer::TakeUnread() {
  std::vector<std::uint8_t> unread(buffer_.begin() + static_cast<std::ptrdiff_t>(begin_),
                                   buffer_.begin() + static_cast<std::ptrdiff_t>(end_));
  offset_ += end_ - begin_;
  begin_ = end_ = 0;
  ++moves_;
  return unread;
}

}  // namespace tcpflow
