// byte_reader.h: the one bounds-checked cursor through which untrusted packet bytes are read.
//
// Design note: every decoder reads packet bytes only through ByteReader. A read past the end
// does not touch memory: it returns 0 (or an empty span), moves the cursor to the end and makes
// ok() false for good ("sticky"), so a decoder can read a whole header and check ok() once.
#ifndef TCPFLOW_BYTE_READER_H
#define TCPFLOW_BYTE_READER_H

#include <cstddef>
#include <cstdint>
#include <span>

namespace tcpflow {

// A read-only view of bytes owned by someone else (a libpcap buffer, a test vector).
using Bytes = std::span<const std::uint8_t>;

class ByteReader {
 public:
  explicit ByteReader(Bytes data) : data_(data) {}

  bool ok() const { return ok_; }
  std::size_t offset() const { return pos_; }
  std::size_t remaining() const { return data_.size() - pos_; }
  bool Has(std::size_t n) const { return remaining() >= n; }

  std::uint8_t U8() { return Has(1) ? data_[pos_++] : Fail<std::uint8_t>(); }
  std::uint16_t Be16() {
    if (!Has(2)) return Fail<std::uint16_t>();
    std::uint16_t v = static_cast<std::uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
    pos_ += 2;
    return v;
  }
  std::uint32_t Be32() {
    if (!Has(4)) return Fail<std::uint32_t>();
    std::uint32_t v = (std::uint32_t{data_[pos_]} << 24) | (std::uint32_t{data_[pos_ + 1]} << 16) |
                      (std::uint32_t{data_[pos_ + 2]} << 8) | std::uint32_t{data_[pos_ + 3]};
    pos_ += 4;
    return v;
  }
  std::uint16_t Le16() {
    if (!Has(2)) return Fail<std::uint16_t>();
    std::uint16_t v = static_cast<std::uint16_t>(data_[pos_] | (data_[pos_ + 1] << 8));
    pos_ += 2;
    return v;
  }
  std::uint32_t Le32() {
    if (!Has(4)) return Fail<std::uint32_t>();
    std::uint32_t v = std::uint32_t{data_[pos_]} | (std::uint32_t{data_[pos_ + 1]} << 8) |
                      (std::uint32_t{data_[pos_ + 2]} << 16) |
                      (std::uint32_t{data_[pos_ + 3]} << 24);
    pos_ += 4;
    return v;
  }
  // Byte at offset `at` from the cursor without moving it; 0 and !ok() when absent.
  std::uint8_t PeekU8(std::size_t at = 0) {
    return Has(at + 1) ? data_[pos_ + at] : Fail<std::uint8_t>();
  }
  void Skip(std::size_t n) {
    if (!Has(n)) {
      Fail<int>();
      return;
    }
    pos_ += n;
  }
  // The next n bytes as a sub-span; empty and !ok() when fewer remain.
  Bytes Take(std::size_t n) {
    if (!Has(n)) return Fail<Bytes>();
    Bytes out = data_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  // Up to n bytes: never fails, returns fewer when fewer remain (for clamping to captured bytes).
  Bytes TakeUpTo(std::size_t n) { return Take(n < remaining() ? n : remaining()); }
  // Everything after the cursor.
  Bytes Rest() { return Take(remaining()); }

 private:
  template <typename T>
  T Fail() {
    ok_ = false;
    pos_ = data_.size();
    return T{};
  }

  Bytes data_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace tcpflow

#endif  // TCPFLOW_BYTE_READER_H
