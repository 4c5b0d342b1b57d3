// zlib_compress.cpp: see zlib_compress.h.
#define ZLIB_CONST  // next_in points to const bytes
#include "zlib_compress.h"

#include <zlib.h>

namespace tcpflow::testing {

std::optional<std::vector<std::uint8_t>> Deflate(std::span<const std::uint8_t> data,
                                                 const DeflateParams& params, std::size_t cut_at) {
  if (cut_at > data.size()) return std::nullopt;
  z_stream z{};
  if (deflateInit2(&z, params.level, Z_DEFLATED, params.window_bits, params.mem_level,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    return std::nullopt;
  }
  const bool cut = cut_at > 0;
  const std::size_t in_size = cut ? cut_at : data.size();
  // deflateBound covers one deflate call with Z_FINISH; the margin covers the full flush.
  std::vector<std::uint8_t> out(deflateBound(&z, static_cast<uLong>(in_size)) + 64);
  z.next_in = data.data();
  z.avail_in = static_cast<uInt>(in_size);
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  const int ret = deflate(&z, cut ? Z_FULL_FLUSH : Z_FINISH);
  const std::size_t produced = out.size() - z.avail_out;
  deflateEnd(&z);
  if (ret != (cut ? Z_OK : Z_STREAM_END)) return std::nullopt;
  // Shrunk by erase, which never grows the vector (resize has a growing path, which GCC 12
  // flags under the sanitizers as a memset of up to 2^64 bytes).
  out.erase(out.begin() + static_cast<std::ptrdiff_t>(produced), out.end());
  return out;
}

}  // namespace tcpflow::testing
