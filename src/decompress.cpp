// decompress.cpp: capture byte streams and their decompressors (RFC 1952 gzip via zlib; xz via
// liblzma; bzip2 via libbz2; RFC 8878 zstd via libzstd).
#include "decompress.h"

#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <utility>

#include "build_config.h"
#ifdef HAVE_LZMA
#include <lzma.h>
#endif
#ifdef HAVE_BZ2
#include <bzlib.h>
#endif
#ifdef HAVE_ZSTD
#include <zstd.h>
#endif

namespace tcpflow {
namespace {

constexpr std::size_t kInputChunk = 64 * 1024;
constexpr std::size_t kStdioBuffer = 64 * 1024;
// The most one decoder call is offered (the libraries count in 32-bit unsigned ints).
constexpr std::size_t kMaxDecodeChunk = std::size_t{1} << 30;
#ifdef HAVE_LZMA
// The most memory the xz decoder may take (liblzma's memlimit), in bytes. An xz header names its
// dictionary size, up to 4 GiB, and liblzma would allocate it; every xz preset (-9 and -9e: a
// 64 MiB dictionary, 65 MiB to decode) fits well below this. zstd needs no such limit here:
// libzstd refuses frames whose window is over 128 MiB by default; bzip2 and gzip are small.
constexpr std::uint64_t kXzMemoryLimit = std::uint64_t{256} << 20;
#endif

class FdSource final : public ByteSource {
 public:
  FdSource(int fd, bool owns_fd) : fd_(fd), owns_fd_(owns_fd) {}
  ~FdSource() override {
    if (owns_fd_) ::close(fd_);
  }
  FdSource(const FdSource&) = delete;
  FdSource& operator=(const FdSource&) = delete;

  std::ptrdiff_t Read(std::span<std::uint8_t> out) override {
    if (error_number_ != 0) return -1;
    const ssize_t n = ::read(fd_, out.data(), out.size());
    if (n >= 0) return n;
    // A signal interrupted the read: report it (not sticky) instead of waiting on, so the
    // caller gets to see a stop request; the process installs handlers only for those.
    if (errno == EINTR) return -1;
    error_number_ = errno;
    error_ = std::strerror(errno);
    return -1;
  }

 private:
  int fd_;
  bool owns_fd_;
};

class ChainSource final : public ByteSource {
 public:
  ChainSource(std::vector<std::uint8_t> head, std::unique_ptr<ByteSource> rest)
      : head_(std::move(head)), rest_(std::move(rest)) {}

  std::ptrdiff_t Read(std::span<std::uint8_t> out) override {
    if (head_pos_ < head_.size()) {
      const std::size_t n = std::min(out.size(), head_.size() - head_pos_);
      std::copy_n(head_.begin() + static_cast<std::ptrdiff_t>(head_pos_), n, out.begin());
      head_pos_ += n;
      return static_cast<std::ptrdiff_t>(n);
    }
    const std::ptrdiff_t n = rest_->Read(out);
    if (n < 0) {
      error_ = rest_->error();
      error_number_ = rest_->error_number();
    }
    return n;
  }

 private:
  std::vector<std::uint8_t> head_;
  std::size_t head_pos_ = 0;
  std::unique_ptr<ByteSource> rest_;
};

// The buffering and member loop shared by every decompressor; a subclass runs its library.
class Decompressor : public ByteSource {
 public:
  Decompressor(std::unique_ptr<ByteSource> compressed, Compression kind)
      : compressed_(std::move(compressed)), kind_(kind), input_(kInputChunk) {}

  std::ptrdiff_t Read(std::span<std::uint8_t> out) final {
    if (failed_) return -1;
    if (finished_ || out.empty()) return 0;
    out = out.first(std::min(out.size(), kMaxDecodeChunk));
    std::size_t total = 0;
    while (total == 0) {
      if (in_pos_ == in_len_ && !input_ended_ && !FillInput()) break;
      const std::size_t before = in_pos_;
      std::size_t produced = 0;
      std::string why;
      const Step step = Decode(out, &produced, &why);
      total += produced;
      if (step == Step::kError) {
        Fail("corrupt " + std::string(CompressionName(kind_)) + " data: " + why, EIO);
        break;
      }
      if (step == Step::kRefused) {
        Fail(std::move(why), ENOMEM);
        break;
      }
      if (step == Step::kMemberEnd) {
        if (!EnsureInput(1)) break;
        if (in_pos_ == in_len_ || !NextMemberFollows()) {
          finished_ = true;
          break;
        }
        continue;
      }
      if (produced == 0 && in_pos_ == before) {
        if (in_pos_ < in_len_) {
          Fail("corrupt " + std::string(CompressionName(kind_)) + " data", EIO);
          break;
        }
        if (input_ended_) {
          Fail("truncated " + std::string(CompressionName(kind_)) + " data (it ends early)", EIO);
          break;
        }
      }
    }
    // Bytes decoded before a failure are handed out first; the failure shows on the next call.
    if (total > 0) return static_cast<std::ptrdiff_t>(total);
    return failed_ ? -1 : 0;
  }

 protected:
  enum class Step { kProgress, kMemberEnd, kError, kRefused };
  // Decodes from pending_input() into `out`, advancing the input by what the library consumed
  // (Consume). kMemberEnd: one member/stream is complete; kError: *why says what is wrong with
  // the data; kRefused: the data asks for more than we allow, *why is the whole message.
  virtual Step Decode(std::span<std::uint8_t> out, std::size_t* produced, std::string* why) = 0;
  // Called after kMemberEnd with input left: true when it starts another member (and the
  // decoder is ready for it); false ends the stream there (trailing bytes are ignored).
  virtual bool NextMemberFollows() = 0;

  std::span<std::uint8_t> pending_input() {
    return std::span<std::uint8_t>(input_).subspan(in_pos_, in_len_ - in_pos_);
  }
  void Consume(std::size_t n) { in_pos_ += n; }
  // True once the compressed input has ended: pending_input() is all that is left.
  bool input_complete() const { return input_ended_; }
  // Makes at least n input bytes pending unless the input ends first; false on a read error.
  bool EnsureInput(std::size_t n) {
    if (in_len_ - in_pos_ >= n || input_ended_) return true;
    std::copy(input_.begin() + static_cast<std::ptrdiff_t>(in_pos_),
              input_.begin() + static_cast<std::ptrdiff_t>(in_len_), input_.begin());
    in_len_ -= in_pos_;
    in_pos_ = 0;
    while (in_len_ < n && !input_ended_) {
      if (!ReadMore()) return false;
    }
    return true;
  }

 private:
  bool FillInput() {
    in_pos_ = in_len_ = 0;
    return ReadMore();
  }
  bool ReadMore() {
    const std::ptrdiff_t n = compressed_->Read(std::span<std::uint8_t>(input_).subspan(in_len_));
    if (n < 0) {
      Fail("read error: " + compressed_->error(), compressed_->error_number());
      return false;
    }
    if (n == 0) input_ended_ = true;
    in_len_ += static_cast<std::size_t>(n);
    return true;
  }
  void Fail(std::string why, int error_number) {
    failed_ = true;
    error_ = std::move(why);
    error_number_ = error_number != 0 ? error_number : EIO;
  }

  std::unique_ptr<ByteSource> compressed_;
  Compression kind_;
  std::vector<std::uint8_t> input_;
  std::size_t in_pos_ = 0;
  std::size_t in_len_ = 0;
  bool input_ended_ = false;
  bool finished_ = false;
  bool failed_ = false;
};

bool StartsWith(std::span<const std::uint8_t> data, std::span<const std::uint8_t> magic) {
  return data.size() >= magic.size() && std::equal(magic.begin(), magic.end(), data.begin());
}

constexpr std::uint8_t kGzipMagic[] = {0x1f, 0x8b};
constexpr std::uint8_t kXzMagic[] = {0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00};
constexpr std::uint8_t kBzip2Magic[] = {'B', 'Z', 'h'};
constexpr std::uint8_t kZstdMagic[] = {0x28, 0xb5, 0x2f, 0xfd};

class GzipSource final : public Decompressor {
 public:
  explicit GzipSource(std::unique_ptr<ByteSource> compressed)
      : Decompressor(std::move(compressed), Compression::kGzip) {
    // 16 + 15: a gzip wrapper (not zlib or raw deflate), 32 KiB window.
    ok_ = inflateInit2(&stream_, 16 + MAX_WBITS) == Z_OK;
  }
  ~GzipSource() override {
    if (ok_) inflateEnd(&stream_);
  }
  GzipSource(const GzipSource&) = delete;
  GzipSource& operator=(const GzipSource&) = delete;

 private:
  Step Decode(std::span<std::uint8_t> out, std::size_t* produced, std::string* why) override {
    if (!ok_) {
      *why = "cannot initialise zlib";
      return Step::kError;
    }
    std::span<std::uint8_t> in = pending_input();
    stream_.next_in = in.data();
    stream_.avail_in = static_cast<uInt>(std::min(in.size(), kMaxDecodeChunk));
    stream_.next_out = out.data();
    stream_.avail_out = static_cast<uInt>(out.size());
    const uInt avail_in = stream_.avail_in;
    const int rc = inflate(&stream_, Z_NO_FLUSH);
    Consume(avail_in - stream_.avail_in);
    *produced = out.size() - stream_.avail_out;
    if (rc == Z_STREAM_END) return Step::kMemberEnd;
    if (rc == Z_OK || rc == Z_BUF_ERROR) return Step::kProgress;
    *why = stream_.msg != nullptr ? stream_.msg : "zlib error " + std::to_string(rc);
    return Step::kError;
  }
  bool NextMemberFollows() override {
    if (!EnsureInput(sizeof kGzipMagic) || !StartsWith(pending_input(), kGzipMagic)) return false;
    return inflateReset(&stream_) == Z_OK;
  }

  z_stream stream_{};
  bool ok_ = false;
};

#ifdef HAVE_LZMA
class XzSource final : public Decompressor {
 public:
  explicit XzSource(std::unique_ptr<ByteSource> compressed)
      : Decompressor(std::move(compressed), Compression::kXz) {
    ok_ = lzma_stream_decoder(&stream_, kXzMemoryLimit, LZMA_CONCATENATED) == LZMA_OK;
  }
  ~XzSource() override { lzma_end(&stream_); }
  XzSource(const XzSource&) = delete;
  XzSource& operator=(const XzSource&) = delete;

 private:
  Step Decode(std::span<std::uint8_t> out, std::size_t* produced, std::string* why) override {
    if (!ok_) {
      *why = "cannot initialise liblzma";
      return Step::kError;
    }
    std::span<std::uint8_t> in = pending_input();
    stream_.next_in = in.data();
    stream_.avail_in = in.size();
    stream_.next_out = out.data();
    stream_.avail_out = out.size();
    // With LZMA_CONCATENATED the decoder needs LZMA_FINISH to know the last stream is over.
    const lzma_ret rc = lzma_code(&stream_, input_complete() ? LZMA_FINISH : LZMA_RUN);
    Consume(in.size() - stream_.avail_in);
    *produced = out.size() - stream_.avail_out;
    switch (rc) {
      case LZMA_STREAM_END: return Step::kMemberEnd;
      case LZMA_OK:
      case LZMA_BUF_ERROR: return Step::kProgress;
      case LZMA_FORMAT_ERROR: *why = "not in xz format"; break;
      case LZMA_OPTIONS_ERROR: *why = "unsupported xz options"; break;
      case LZMA_DATA_ERROR: *why = "data error"; break;
      case LZMA_MEM_ERROR: *why = "out of memory"; break;
      case LZMA_MEMLIMIT_ERROR:
        // After this error lzma_memusage() says what the next block would have needed.
        *why = "xz data needs " + std::to_string(MiB(lzma_memusage(&stream_))) +
               " MiB of memory to decode, more than the limit of " +
               std::to_string(kXzMemoryLimit >> 20) + " MiB";
        return Step::kRefused;
      default: *why = "liblzma error " + std::to_string(static_cast<int>(rc)); break;
    }
    return Step::kError;
  }
  // LZMA_CONCATENATED has read every stream by the time it reports the end.
  bool NextMemberFollows() override { return false; }
  // `bytes` in MiB, rounded up.
  static std::uint64_t MiB(std::uint64_t bytes) { return (bytes >> 20) + ((bytes & 0xfffff) != 0); }

  lzma_stream stream_ = LZMA_STREAM_INIT;
  bool ok_ = false;
};
#endif

#ifdef HAVE_BZ2
class Bzip2Source final : public Decompressor {
 public:
  explicit Bzip2Source(std::unique_ptr<ByteSource> compressed)
      : Decompressor(std::move(compressed), Compression::kBzip2) {
    ok_ = BZ2_bzDecompressInit(&stream_, 0, 0) == BZ_OK;
  }
  ~Bzip2Source() override {
    if (ok_) BZ2_bzDecompressEnd(&stream_);
  }
  Bzip2Source(const Bzip2Source&) = delete;
  Bzip2Source& operator=(const Bzip2Source&) = delete;

 private:
  Step Decode(std::span<std::uint8_t> out, std::size_t* produced, std::string* why) override {
    if (!ok_) {
      *why = "cannot initialise libbz2";
      return Step::kError;
    }
    std::span<std::uint8_t> in = pending_input();
    // libbz2 wants char pointers; the bytes are only read from and written to.
    stream_.next_in = reinterpret_cast<char*>(in.data());
    stream_.avail_in = static_cast<unsigned>(std::min(in.size(), kMaxDecodeChunk));
    stream_.next_out = reinterpret_cast<char*>(out.data());
    stream_.avail_out = static_cast<unsigned>(out.size());
    const unsigned avail_in = stream_.avail_in;
    const int rc = BZ2_bzDecompress(&stream_);
    Consume(avail_in - stream_.avail_in);
    *produced = out.size() - stream_.avail_out;
    switch (rc) {
      case BZ_STREAM_END: return Step::kMemberEnd;
      case BZ_OK: return Step::kProgress;
      case BZ_DATA_ERROR: *why = "data integrity error"; break;
      case BZ_DATA_ERROR_MAGIC: *why = "bad stream header"; break;
      case BZ_MEM_ERROR: *why = "out of memory"; break;
      default: *why = "libbz2 error " + std::to_string(rc); break;
    }
    return Step::kError;
  }
  bool NextMemberFollows() override {
    if (!EnsureInput(sizeof kBzip2Magic) || !StartsWith(pending_input(), kBzip2Magic)) {
      return false;
    }
    BZ2_bzDecompressEnd(&stream_);
    stream_ = bz_stream{};
    ok_ = BZ2_bzDecompressInit(&stream_, 0, 0) == BZ_OK;
    return true;
  }

  bz_stream stream_{};
  bool ok_ = false;
};
#endif

#ifdef HAVE_ZSTD
class ZstdSource final : public Decompressor {
 public:
  explicit ZstdSource(std::unique_ptr<ByteSource> compressed)
      : Decompressor(std::move(compressed), Compression::kZstd), context_(ZSTD_createDCtx()) {}
  ~ZstdSource() override { ZSTD_freeDCtx(context_); }
  ZstdSource(const ZstdSource&) = delete;
  ZstdSource& operator=(const ZstdSource&) = delete;

 private:
  Step Decode(std::span<std::uint8_t> out, std::size_t* produced, std::string* why) override {
    if (context_ == nullptr) {
      *why = "cannot initialise libzstd";
      return Step::kError;
    }
    std::span<std::uint8_t> in = pending_input();
    ZSTD_inBuffer input{in.data(), in.size(), 0};
    ZSTD_outBuffer output{out.data(), out.size(), 0};
    const std::size_t rc = ZSTD_decompressStream(context_, &output, &input);
    Consume(input.pos);
    *produced = output.pos;
    if (ZSTD_isError(rc)) {
      *why = ZSTD_getErrorName(rc);
      return Step::kError;
    }
    // 0: a frame is complete and flushed. Frames follow one another without a reset.
    return rc == 0 && input.pos == input.size ? Step::kMemberEnd : Step::kProgress;
  }
  bool NextMemberFollows() override { return true; }

  ZSTD_DCtx* context_;
};
#endif

// What a stdio stream over a ByteSource holds: the source and how many of its bytes it has
// handed to stdio (what ftell() builds on).
struct StreamCookie {
  ByteSource* source;
  std::uint64_t delivered = 0;
};

ssize_t CookieRead(void* cookie, char* buffer, std::size_t size) {
  auto* state = static_cast<StreamCookie*>(cookie);
  ByteSource* source = state->source;
  const std::ptrdiff_t n =
      source->Read(std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(buffer), size));
  if (n > 0) state->delivered += static_cast<std::uint64_t>(n);
  if (n < 0 && source->error_number() != 0) {
    errno = source->error_number();
  } else if (n < 0 && errno != EINTR) {
    errno = EIO;
  }
  return n;
}

// Only the question ftell() asks (where are we?) is answered; every real move fails.
int CookieSeek(void* cookie, off64_t* offset, int whence) {
  const auto* state = static_cast<const StreamCookie*>(cookie);
  if (whence != SEEK_CUR || *offset != 0 ||
      state->delivered > static_cast<std::uint64_t>(std::numeric_limits<off64_t>::max())) {
    errno = ESPIPE;
    return -1;
  }
  *offset = static_cast<off64_t>(state->delivered);
  return 0;
}

int CookieClose(void* cookie) {
  delete static_cast<StreamCookie*>(cookie);
  return 0;
}

}  // namespace

std::ptrdiff_t ReadFully(ByteSource& source, std::span<std::uint8_t> out) {
  std::size_t total = 0;
  while (total < out.size()) {
    const std::ptrdiff_t n = source.Read(out.subspan(total));
    if (n < 0) return -1;
    if (n == 0) break;
    total += static_cast<std::size_t>(n);
  }
  return static_cast<std::ptrdiff_t>(total);
}

std::unique_ptr<ByteSource> MakeFdSource(int fd, bool owns_fd) {
  return std::make_unique<FdSource>(fd, owns_fd);
}

std::unique_ptr<ByteSource> MakeChainSource(std::vector<std::uint8_t> head,
                                            std::unique_ptr<ByteSource> rest) {
  return std::make_unique<ChainSource>(std::move(head), std::move(rest));
}

Compression DetectCompression(std::span<const std::uint8_t> head) {
  if (StartsWith(head, kGzipMagic)) return Compression::kGzip;
  if (StartsWith(head, kXzMagic)) return Compression::kXz;
  if (StartsWith(head, kBzip2Magic)) return Compression::kBzip2;
  if (StartsWith(head, kZstdMagic)) return Compression::kZstd;
  return Compression::kNone;
}

std::string_view CompressionName(Compression compression) {
  switch (compression) {
    case Compression::kGzip: return "gzip";
    case Compression::kXz: return "xz";
    case Compression::kBzip2: return "bzip2";
    case Compression::kZstd: return "zstd";
    case Compression::kNone: break;
  }
  return "none";
}

std::unique_ptr<ByteSource> MakeDecompressor(Compression compression,
                                             std::unique_ptr<ByteSource> compressed,
                                             std::string* error) {
  std::string_view missing;
  switch (compression) {
    case Compression::kNone: return compressed;
    case Compression::kGzip: return std::make_unique<GzipSource>(std::move(compressed));
    case Compression::kXz:
#ifdef HAVE_LZMA
      return std::make_unique<XzSource>(std::move(compressed));
#else
      missing = "liblzma";
      break;
#endif
    case Compression::kBzip2:
#ifdef HAVE_BZ2
      return std::make_unique<Bzip2Source>(std::move(compressed));
#else
      missing = "libbz2";
      break;
#endif
    case Compression::kZstd:
#ifdef HAVE_ZSTD
      return std::make_unique<ZstdSource>(std::move(compressed));
#else
      missing = "libzstd";
      break;
#endif
  }
  *error = std::string(CompressionName(compression)) +
           "-compressed capture, but this tcpflow was built without " + std::string(missing);
  return nullptr;
}

std::FILE* OpenSourceStream(ByteSource& source) {
  auto cookie = std::make_unique<StreamCookie>(StreamCookie{&source});
  std::FILE* stream =
      fopencookie(cookie.get(), "rb", {CookieRead, nullptr, CookieSeek, CookieClose});
  if (stream == nullptr) return nullptr;
  cookie.release();  // CookieClose frees it
  std::setvbuf(stream, nullptr, _IOFBF, kStdioBuffer);
  return stream;
}

}  // namespace tcpflow
