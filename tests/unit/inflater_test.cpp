// inflater_test.cpp: Inflater on gzip (RFC 1952), zlib (RFC 1950) and raw deflate (RFC 1951)
// bodies, fed whole and byte by byte, corrupt, capped by size and by ratio, with trailing garbage.
#include "inflater.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "common/pcap_builder.h"
#include "common/zlib_compress.h"

namespace tcpflow {
namespace {

using ByteVec = std::vector<std::uint8_t>;

constexpr int kGzipBits = 16 + MAX_WBITS;
constexpr int kZlibBits = MAX_WBITS;
constexpr int kRawBits = -MAX_WBITS;

// Deterministic text that compresses, but not trivially.
std::string SampleText(std::size_t size, std::uint32_t seed = 1) {
  static constexpr std::string_view kWords[] = {"alpha ",   "beta ", "gamma ", "delta\n",
                                                "epsilon ", "zeta ", "eta ",   "theta\n"};
  std::string text;
  std::uint32_t x = seed;
  while (text.size() < size) {
    x = x * 1103515245u + 12345u;
    text += kWords[(x >> 16) % 8];
    text += static_cast<char>('0' + (x >> 8) % 10);
  }
  text.resize(size);
  return text;
}

// `data` compressed with the given windowBits (gzip, zlib or raw). With cut_at > 0 only
// data[0, cut_at) is compressed and the stream is left open after a full flush.
ByteVec Compress(std::string_view data, int window_bits, std::size_t cut_at = 0) {
  return testing::Deflate(testing::ToBytes(data), {window_bits, 6, 8}, cut_at).value();
}

struct Result {
  std::string output;
  std::size_t pieces = 0;
  std::size_t largest_piece = 0;
  Inflater::Status status = Inflater::Status::kRunning;
};

Result InflateAll(Inflater& inflater, const ByteVec& input, std::size_t step = 0) {
  Result r;
  const Inflater::Sink sink = [&r](Bytes piece) {
    r.output.append(piece.begin(), piece.end());
    ++r.pieces;
    r.largest_piece = std::max(r.largest_piece, piece.size());
  };
  if (step == 0) step = std::max<std::size_t>(input.size(), 1);
  for (std::size_t pos = 0; pos < input.size(); pos += step) {
    r.status = inflater.Feed(Bytes(input).subspan(pos, std::min(step, input.size() - pos)), sink);
  }
  r.status = inflater.status();
  return r;
}

Result InflateAll(const ByteVec& input, std::size_t step = 0, InflateLimits limits = {}) {
  Inflater inflater(limits);
  return InflateAll(inflater, input, step);
}

ByteVec Concat(ByteVec a, const ByteVec& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(InflaterTest, Gzip) {
  const std::string text = SampleText(50000);
  const ByteVec gz = Compress(text, kGzipBits);
  ASSERT_EQ(gz[0], 0x1f);
  Inflater inflater({});
  const Result r = InflateAll(inflater, gz);
  EXPECT_EQ(r.status, Inflater::Status::kDone);
  EXPECT_EQ(r.output, text);
  EXPECT_EQ(inflater.consumed(), gz.size());
  EXPECT_EQ(inflater.produced(), text.size());
}

TEST(InflaterTest, Zlib) {
  const std::string text = SampleText(30000, 2);
  const Result r = InflateAll(Compress(text, kZlibBits));
  EXPECT_EQ(r.status, Inflater::Status::kDone);
  EXPECT_EQ(r.output, text);
}

TEST(InflaterTest, RawDeflate) {
  const std::string text = SampleText(30000, 3);
  const ByteVec raw = Compress(text, kRawBits);
  ASSERT_NE((raw[0] * 256 + raw[1]) % 31 == 0 && (raw[0] & 0x0f) == 8, true);
  const Result r = InflateAll(raw);
  EXPECT_EQ(r.status, Inflater::Status::kDone);
  EXPECT_EQ(r.output, text);
}

TEST(InflaterTest, EmptyStreams) {
  for (int bits : {kGzipBits, kZlibBits, kRawBits}) {
    Inflater inflater({});
    const Result r = InflateAll(inflater, Compress("", bits));
    EXPECT_EQ(r.status, Inflater::Status::kDone) << bits;
    EXPECT_EQ(r.output, "");
    EXPECT_EQ(r.pieces, 0u);
  }
}

TEST(InflaterTest, EmptyInput) {
  Inflater inflater({});
  std::size_t calls = 0;
  EXPECT_EQ(inflater.Feed({}, [&calls](Bytes) { ++calls; }), Inflater::Status::kRunning);
  EXPECT_EQ(calls, 0u);
  EXPECT_EQ(inflater.consumed(), 0u);
  EXPECT_EQ(inflater.produced(), 0u);
  // One byte is not enough to tell the format: still running, nothing consumed yet.
  const std::uint8_t one = 0x1f;
  EXPECT_EQ(inflater.Feed(Bytes(&one, 1), [&calls](Bytes) { ++calls; }),
            Inflater::Status::kRunning);
  EXPECT_EQ(calls, 0u);
}

TEST(InflaterTest, MultiMemberGzip) {
  const std::string a = SampleText(20000, 4);
  const std::string b = SampleText(7000, 5);
  const std::string c = "third member\n";
  const ByteVec gz =
      Concat(Concat(Compress(a, kGzipBits), Compress(b, kGzipBits)), Compress(c, kGzipBits));
  Inflater inflater({});
  const Result r = InflateAll(inflater, gz);
  EXPECT_EQ(r.status, Inflater::Status::kDone);
  EXPECT_EQ(r.output, a + b + c);
  EXPECT_EQ(inflater.consumed(), gz.size());
}

TEST(InflaterTest, MemberArrivingInALaterFeedResumes) {
  const ByteVec first = Compress("one ", kGzipBits);
  const ByteVec second = Compress("two", kGzipBits);
  Inflater inflater({});
  std::string out;
  const Inflater::Sink sink = [&out](Bytes p) { out.append(p.begin(), p.end()); };
  EXPECT_EQ(inflater.Feed(first, sink), Inflater::Status::kDone);
  EXPECT_EQ(out, "one ");
  EXPECT_EQ(inflater.Feed(second, sink), Inflater::Status::kDone);
  EXPECT_EQ(out, "one two");
}

TEST(InflaterTest, OneByteAtATimeGivesTheSameResult) {
  const std::string text = SampleText(40000, 6);
  const std::vector<ByteVec> inputs = {
      Compress(text, kGzipBits), Compress(text, kZlibBits), Compress(text, kRawBits),
      Concat(Compress(text, kGzipBits), Compress("tail", kGzipBits))};
  for (const ByteVec& input : inputs) {
    const Result whole = InflateAll(input);
    const Result bytewise = InflateAll(input, 1);
    EXPECT_EQ(whole.status, Inflater::Status::kDone);
    EXPECT_EQ(bytewise.status, Inflater::Status::kDone);
    EXPECT_EQ(bytewise.output, whole.output);
    EXPECT_EQ(bytewise.output.substr(0, text.size()), text);
  }
}

TEST(InflaterTest, OutputComesInBoundedPieces) {
  const std::string text = SampleText(200000, 7);
  const Result r = InflateAll(Compress(text, kGzipBits));
  EXPECT_EQ(r.output, text);
  EXPECT_GT(r.pieces, 1u);
  EXPECT_LE(r.largest_piece, 16u * 1024);
}

TEST(InflaterTest, CorruptStreamKeepsThePrefix) {
  const std::string text = SampleText(60000, 8);
  for (int bits : {kGzipBits, kZlibBits, kRawBits}) {
    // Compressed up to the middle and flushed, then a deflate block of the reserved type 3.
    ByteVec broken = Compress(text, bits, 30000);
    broken.insert(broken.end(), {0x06, 0xde, 0xad, 0xbe, 0xef, 0x55, 0xaa});
    Inflater inflater({});
    const Result r = InflateAll(inflater, broken, 1000);
    EXPECT_EQ(r.status, Inflater::Status::kCorrupt) << bits;
    EXPECT_EQ(r.output, text.substr(0, 30000)) << bits;
    // Later input is ignored.
    std::size_t calls = 0;
    const ByteVec more = Compress("more", kGzipBits);
    EXPECT_EQ(inflater.Feed(more, [&calls](Bytes) { ++calls; }), Inflater::Status::kCorrupt);
    EXPECT_EQ(calls, 0u);
  }
}

TEST(InflaterTest, BadGzipHeaderIsCorrupt) {
  ByteVec gz = Compress("hello", kGzipBits);
  gz[2] = 7;  // compression method other than deflate
  const Result r = InflateAll(gz);
  EXPECT_EQ(r.status, Inflater::Status::kCorrupt);
  EXPECT_EQ(r.output, "");
}

TEST(InflaterTest, SizeCapCutsExactly) {
  const std::string text = SampleText(100000, 9);
  const ByteVec gz = Compress(text, kGzipBits);
  for (std::size_t step : {std::size_t{0}, std::size_t{1}, std::size_t{777}}) {
    Inflater inflater({.max_output = 12345, .max_ratio = 0});
    const Result r = InflateAll(inflater, gz, step);
    EXPECT_EQ(r.status, Inflater::Status::kSizeCapped);
    EXPECT_EQ(r.output, text.substr(0, 12345));
    EXPECT_EQ(inflater.produced(), 12345u);
    std::size_t calls = 0;
    EXPECT_EQ(inflater.Feed(gz, [&calls](Bytes) { ++calls; }), Inflater::Status::kSizeCapped);
    EXPECT_EQ(calls, 0u);
  }
}

TEST(InflaterTest, OutputExactlyAtTheSizeCapIsDone) {
  const std::string text = SampleText(50000, 10);
  const Result r = InflateAll(Compress(text, kZlibBits), 0, {.max_output = 50000, .max_ratio = 0});
  EXPECT_EQ(r.status, Inflater::Status::kDone);
  EXPECT_EQ(r.output, text);
  const Result cut =
      InflateAll(Compress(text, kZlibBits), 0, {.max_output = 49999, .max_ratio = 0});
  EXPECT_EQ(cut.status, Inflater::Status::kSizeCapped);
  EXPECT_EQ(cut.output.size(), 49999u);
}

TEST(InflaterTest, ZeroSizeCap) {
  const Result r = InflateAll(Compress("x", kGzipBits), 0, {.max_output = 0, .max_ratio = 0});
  EXPECT_EQ(r.status, Inflater::Status::kSizeCapped);
  EXPECT_EQ(r.output, "");
}

// Feeds `inflater` the gzip of `total` zero bytes, produced piece by piece by a deflater (nothing
// large is held), until the inflater stops running or the input ends. Returns the zero bytes
// received; sets *all_zero false if any byte was not zero.
std::uint64_t FeedZeroBomb(Inflater& inflater, std::uint64_t total, bool* all_zero) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 9, Z_DEFLATED, kGzipBits, 9, Z_DEFAULT_STRATEGY), Z_OK);
  std::vector<std::uint8_t> zeros(64 * 1024, 0);
  std::vector<std::uint8_t> compressed(16 * 1024);
  std::uint64_t received = 0;
  const Inflater::Sink sink = [&](Bytes piece) {
    received += piece.size();
    if (std::any_of(piece.begin(), piece.end(), [](std::uint8_t b) { return b != 0; })) {
      *all_zero = false;
    }
  };
  std::uint64_t left = total;
  int flush = Z_NO_FLUSH;
  while (inflater.status() == Inflater::Status::kRunning) {
    if (z.avail_in == 0 && flush == Z_NO_FLUSH) {
      const std::uint64_t n = std::min<std::uint64_t>(left, zeros.size());
      z.next_in = zeros.data();
      z.avail_in = static_cast<uInt>(n);
      left -= n;
      if (left == 0) flush = Z_FINISH;
    }
    z.next_out = compressed.data();
    z.avail_out = static_cast<uInt>(compressed.size());
    const int ret = deflate(&z, flush);
    const std::size_t have = compressed.size() - z.avail_out;
    if (have > 0) inflater.Feed(Bytes(compressed.data(), have), sink);
    if (ret == Z_STREAM_END) break;
  }
  deflateEnd(&z);
  return received;
}

TEST(InflaterTest, RatioCapStopsABomb) {
  // 1 GiB of zeros deflates to about 1 MiB, a ratio above 1000: the cap stops it early.
  Inflater inflater({.max_output = 256ull << 20, .max_ratio = 1000});
  bool all_zero = true;
  const std::uint64_t received = FeedZeroBomb(inflater, 1ull << 30, &all_zero);
  EXPECT_EQ(inflater.status(), Inflater::Status::kRatioCapped);
  EXPECT_TRUE(all_zero);
  EXPECT_EQ(received, inflater.produced());
  EXPECT_EQ(inflater.produced(), 1000 * inflater.consumed());
  EXPECT_LT(inflater.produced(), 256ull << 20);
  EXPECT_GT(inflater.produced(), 0u);
}

TEST(InflaterTest, SizeCapStopsABombWithoutRatioCap) {
  Inflater inflater({.max_output = (10ull << 20) + 123, .max_ratio = 0});
  bool all_zero = true;
  const std::uint64_t received = FeedZeroBomb(inflater, 1ull << 30, &all_zero);
  EXPECT_EQ(inflater.status(), Inflater::Status::kSizeCapped);
  EXPECT_TRUE(all_zero);
  EXPECT_EQ(received, (10ull << 20) + 123);
}

TEST(InflaterTest, NormalTextPassesTheRatioCap) {
  const std::string text = SampleText(300000, 11);
  const Result r = InflateAll(Compress(text, kGzipBits), 100, {.max_ratio = 1000});
  EXPECT_EQ(r.status, Inflater::Status::kDone);
  EXPECT_EQ(r.output, text);
}

TEST(InflaterTest, TrailingGarbageAfterTheEndIsIgnored) {
  const std::string text = SampleText(5000, 12);
  const ByteVec garbage = {'g', 'a', 'r', 'b', 'a', 'g', 'e', 0, 0, 0x1f};
  for (int bits : {kGzipBits, kZlibBits, kRawBits}) {
    const ByteVec stream = Compress(text, bits);
    for (std::size_t step : {std::size_t{0}, std::size_t{1}}) {
      Inflater inflater({});
      const Result r = InflateAll(inflater, Concat(stream, garbage), step);
      EXPECT_EQ(r.status, Inflater::Status::kDone) << bits << " " << step;
      EXPECT_EQ(r.output, text);
      EXPECT_EQ(inflater.consumed(), stream.size());
    }
  }
}

}  // namespace
}  // namespace tcpflow
