// zlib_compress.h: zlib-compressed bytes (gzip, zlib or raw deflate streams) for tests and the
// generated captures. References: RFC 1950 (zlib), RFC 1951 (deflate), RFC 1952 (gzip), the zlib
// manual (deflateInit2's windowBits, level and memLevel).
//
// Design note: the output depends only on the input and the parameters (zlib is deterministic
// for a given version and settings), so the expected outputs of captures built with it hold.
#ifndef TCPFLOW_TESTS_COMMON_ZLIB_COMPRESS_H
#define TCPFLOW_TESTS_COMMON_ZLIB_COMPRESS_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace tcpflow::testing {

// deflateInit2's windowBits for each container, with the largest window.
inline constexpr int kGzipWindowBits = 16 + 15;
inline constexpr int kZlibWindowBits = 15;
inline constexpr int kRawWindowBits = -15;

struct DeflateParams {
  int window_bits = kGzipWindowBits;
  int level = 9;      // 0 (store) to 9 (best)
  int mem_level = 9;  // 1 to 9
};

// `data` compressed with `params`. With cut_at > 0 only data[0, cut_at) is compressed and the
// stream is left open after a full flush (byte-aligned, no trailer), for a test to continue it
// or damage it. nullopt when zlib refuses the parameters or cut_at is past the end.
std::optional<std::vector<std::uint8_t>> Deflate(std::span<const std::uint8_t> data,
                                                 const DeflateParams& params,
                                                 std::size_t cut_at = 0);

}  // namespace tcpflow::testing

#endif  // TCPFLOW_TESTS_COMMON_ZLIB_COMPRESS_H
