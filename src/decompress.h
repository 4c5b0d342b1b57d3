// decompress.h: byte streams for capture input: a file descriptor, a peeked prefix put back in
// front, and decompressors recognised by magic bytes: gzip (RFC 1952, zlib), xz (liblzma),
// bzip2 (libbz2), zstd (RFC 8878, libzstd); plus a read-only stdio FILE* over any of them.
//
// Design note: a ByteSource is a pull stream. Read() returns bytes, 0 at the end, or -1 with
// error() saying why in one line without the file name (the caller adds it). A decompressor that
// hits corrupt data first hands out everything it decoded before the damage, then fails; a
// compressed stream that stops early fails too ("truncated"). An xz header names its dictionary
// size (up to 4 GiB), so the xz decoder may take at most 256 MiB: a stream that needs more fails
// with "xz data needs N MiB of memory to decode, more than the limit of 256 MiB". liblzma,
// libbz2 and libzstd are optional at build time (HAVE_LZMA, HAVE_BZ2, HAVE_ZSTD); zlib is
// always there. Boost.Iostreams' filters (1.74) cannot keep this contract: they throw away what
// the read that meets damage had decoded and reject bytes after the last gzip or bzip2 member.
#ifndef TCPFLOW_DECOMPRESS_H
#define TCPFLOW_DECOMPRESS_H

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tcpflow {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to out.size() bytes (at least 1 unless at the end). Returns the count, 0 at the
  // end of the stream, -1 on error. After an error every later Read() fails too.
  virtual std::ptrdiff_t Read(std::span<std::uint8_t> out) = 0;
  // Why the stream failed; empty while it has not. For a file descriptor source, error_number()
  // is the errno of the failed read(2) (0 otherwise).
  const std::string& error() const { return error_; }
  int error_number() const { return error_number_; }

 protected:
  std::string error_;
  int error_number_ = 0;
};

// Reads until `out` is full or the stream ends or fails. Returns the count, or -1 on error.
std::ptrdiff_t ReadFully(ByteSource& source, std::span<std::uint8_t> out);

// read(2) on `fd`; closes it on destruction when `owns_fd`.
std::unique_ptr<ByteSource> MakeFdSource(int fd, bool owns_fd);
// `head` first, then the rest of `rest` (for bytes already taken off a pipe to sniff them).
std::unique_ptr<ByteSource> MakeChainSource(std::vector<std::uint8_t> head,
                                            std::unique_ptr<ByteSource> rest);

enum class Compression { kNone, kGzip, kXz, kBzip2, kZstd };

// The longest magic DetectCompression looks at.
inline constexpr std::size_t kCompressionMagicBytes = 6;
// Which compressed format `head` (the first bytes of a stream) starts with: gzip 1f 8b, xz
// fd 37 7a 58 5a 00, bzip2 "BZh", zstd 28 b5 2f fd.
Compression DetectCompression(std::span<const std::uint8_t> head);
// "gzip", "xz", "bzip2", "zstd" ("none" for kNone).
std::string_view CompressionName(Compression compression);

// A stream of the decompressed bytes of `compressed` (owned). Concatenated members/streams/
// frames are read one after another. kNone returns `compressed` itself. Returns nullptr and sets
// *error when this build lacks the library, e.g. "xz-compressed capture, but this tcpflow was
// built without liblzma".
std::unique_ptr<ByteSource> MakeDecompressor(Compression compression,
                                             std::unique_ptr<ByteSource> compressed,
                                             std::string* error);

// A read-only stdio stream over `source` (not owned: it must outlive the FILE*, and fclose does
// not destroy it). A failed Read() makes fread fail with errno = source.error_number(), or EIO
// when that is 0. ftell() gives how many bytes of `source` the reader has consumed (buffered
// bytes not yet read are not counted); fseek() fails with ESPIPE. Returns nullptr (errno set)
// when the stream cannot be made.
std::FILE* OpenSourceStream(ByteSource& source);

}  // namespace tcpflow

#endif  // TCPFLOW_DECOMPRESS_H
