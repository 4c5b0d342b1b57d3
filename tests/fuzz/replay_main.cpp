// replay_main.cpp: runs one fuzz harness without libFuzzer over files or folders of inputs (the
// seed corpus and saved crashers), and writes the seed corpus of any harness.
//
// Linked with each harness source into HARNESS_replay (packet, stream, capture, http, template):
//   HARNESS_replay FILE|DIR...                         run every input once, in name order;
//                                                      exit 1 if any cannot be read
//   HARNESS_replay --make-seeds NAME OUTDIR [CAPTURE...]
//       write harness NAME's seeds (input formats: fuzz_input.h) into OUTDIR: packet and stream
//       from the packets of each capture, capture from the capture files themselves (plus
//       xz/bzip2/zstd-compressed copies of the first pcap), http and template from the
//       hand-written messages, templates and command lines below. Exit 1 on a write error.
#include <bzlib.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_input.h"
#include "pcap_source.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;
using tcpflow::fuzz::kLinkTypes;
using ByteString = std::vector<std::uint8_t>;

// The capture harness's inputs stay below run_fuzz.sh's -max_len for it.
constexpr std::uintmax_t kMaxCaptureSeed = 1 << 20;

std::optional<ByteString> ReadFile(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return std::nullopt;
  return ByteString((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// Writes OUTDIR/name; false (with a message) on failure.
bool WriteSeed(const fs::path& outdir, const std::string& name, const ByteString& bytes) {
  std::ofstream f(outdir / name, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!f.flush()) {
    std::cerr << "cannot write " << (outdir / name) << "\n";
    return false;
  }
  return true;
}

void Append(ByteString& out, std::string_view text) {
  out.insert(out.end(), text.begin(), text.end());
}

// The packets of `capture` that have its first link type, and that link type's selector; an
// unreadable capture or one whose link type has no selector gives nullopt.
struct Frames {
  std::uint8_t selector;
  std::vector<ByteString> frames;
};
std::optional<Frames> ReadFrames(const fs::path& capture) {
  std::string error;
  std::unique_ptr<tcpflow::PcapSource> source = tcpflow::PcapSource::OpenFile(capture, &error);
  if (!source) return std::nullopt;
  const auto it = std::find(kLinkTypes.begin(), kLinkTypes.end(), source->link_type());
  if (it == kLinkTypes.end()) return std::nullopt;
  Frames out{static_cast<std::uint8_t>(it - kLinkTypes.begin()), {}};
  tcpflow::RawPacket packet;
  while (source->Next(&packet) == tcpflow::PcapSource::Status::kPacket) {
    if (packet.link_type == source->link_type()) {
      out.frames.emplace_back(packet.data.begin(), packet.data.end());
    }
  }
  return out;
}

// packet: selector, then each frame with a 2-byte length.
ByteString PacketSeed(const Frames& f) {
  ByteString out{f.selector};
  for (const ByteString& frame : f.frames) {
    const std::size_t len = std::min<std::size_t>(frame.size(), 0xFFFF);
    out.push_back(static_cast<std::uint8_t>(len >> 8));
    out.push_back(static_cast<std::uint8_t>(len & 0xFF));
    out.insert(out.end(), frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(len));
  }
  return out;
}

// stream: selector (options off), then the frames separated by the marker.
ByteString StreamSeed(const Frames& f) {
  ByteString out{f.selector};
  for (std::size_t i = 0; i < f.frames.size(); ++i) {
    if (i > 0) {
      out.insert(out.end(), tcpflow::fuzz::kFrameMarker.begin(), tcpflow::fuzz::kFrameMarker.end());
    }
    out.insert(out.end(), f.frames[i].begin(), f.frames[i].end());
  }
  return out;
}

ByteString Gzip(std::string_view text, int window_bits) {
  z_stream z{};
  deflateInit2(&z, 9, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY);
  ByteString out(deflateBound(&z, text.size()) + 32);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// Copies of a capture compressed with xz, bzip2 and zstd (gzip ones come from gen_capture).
std::map<std::string, ByteString> Compressed(const ByteString& capture) {
  std::map<std::string, ByteString> out;
  ByteString xz(lzma_stream_buffer_bound(capture.size()));
  std::size_t xz_len = 0;
  if (lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, nullptr, capture.data(), capture.size(),
                              xz.data(), &xz_len, xz.size()) == LZMA_OK) {
    xz.resize(xz_len);
    out["xz"] = xz;
  }
  ByteString bz(capture.size() + capture.size() / 100 + 600);
  unsigned bz_len = static_cast<unsigned>(bz.size());
  if (BZ2_bzBuffToBuffCompress(reinterpret_cast<char*>(bz.data()), &bz_len,
                               const_cast<char*>(reinterpret_cast<const char*>(capture.data())),
                               static_cast<unsigned>(capture.size()), 9, 0, 0) == BZ_OK) {
    bz.resize(bz_len);
    out["bz2"] = bz;
  }
  ByteString zst(ZSTD_compressBound(capture.size()));
  const std::size_t zst_len =
      ZSTD_compress(zst.data(), zst.size(), capture.data(), capture.size(), 3);
  if (!ZSTD_isError(zst_len)) {
    zst.resize(zst_len);
    out["zst"] = zst;
  }
  return out;
}

// HTTP streams (one direction each; the harness parses every one in both modes).
std::map<std::string, std::string> HttpMessages() {
  using namespace std::string_literals;
  const std::string body = "<html><body>" + std::string(300, 'x') + "</body></html>\n";
  const ByteString gz = Gzip(body, 31);
  const ByteString zl = Gzip(body, 15);
  const ByteString raw = Gzip(body, -15);
  const std::string gz_text(gz.begin(), gz.end());
  return {
      {"get", "GET /index.html HTTP/1.1\r\nHost: example.com\r\nUser-Agent: fuzz\r\n\r\n"},
      {"pipelined",
       "GET /a HTTP/1.1\r\nHost: a\r\n\r\nHEAD /b HTTP/1.1\r\nHost: a\r\n\r\n"
       "POST /c HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"},
      {"post_chunked",
       "POST /up HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n"
       "0\r\nX-Trailer: yes\r\n\r\n"},
      {"ok_length", "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: " +
                        std::to_string(body.size()) + "\r\n\r\n" + body},
      {"ok_eof", "HTTP/1.0 200 OK\r\nServer: x\r\n\r\n" + body},
      {"ok_gzip", "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " +
                      std::to_string(gz.size()) + "\r\n\r\n" + gz_text},
      {"ok_chunked_gzip",
       "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n" +
           [&] {
             std::string chunked;
             for (std::size_t pos = 0; pos < gz_text.size(); pos += 40) {
               const std::string piece = gz_text.substr(pos, 40);
               char size[16];
               std::snprintf(size, sizeof size, "%zx", piece.size());
               chunked += std::string(size) + "\r\n" + piece + "\r\n";
             }
             return chunked + "0\r\n\r\n";
           }()},
      {"keepalive_304_head",
       "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 9\r\n"
       "\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"},
      {"folded", "HTTP/1.1 200 OK\r\nX-Long: a\r\n  b\r\nContent-Length: 0\r\n\r\n"},
      {"upgrade",
       "GET /ws HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n\x81\x05hello"},
      {"switching", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\nPRI * HTTP/2.0"},
      {"connect", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n\x16\x03\x01"},
      {"garbage_resync",
       "\x00\x01garbage HTTP/1.1 200 OK\r\nbad header\r\n\r\nHTTP/1.1 200 OK\r\n"
       "Content-Length: 2\r\n\r\nokPROPFIND / HTTP/1.1\r\n\r\n"s},
      {"bad_length", "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n"},
      {"two_lengths", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc"},
      {"lf_only", "HTTP/1.1 200 OK\nContent-Length: 3\n\nabcGET / HTTP/1.0\n\n"},
      {"deflate_zlib", std::string(zl.begin(), zl.end())},
      {"deflate_raw", std::string(raw.begin(), raw.end())},
      {"gzip_members", gz_text + gz_text},
  };
}

// Templates, -F letter runs, and command lines (arguments separated by NUL).
std::vector<std::string> TemplateSeeds() {
  using namespace std::string_literals;
  return {
      "%A.%a-%B.%b%V%v%C%c",
      "%T_%t/%A%a%E-%e%S%#%%",
      "%N/%K/%M/%G/%c",
      "tcmkg%cXM",
      "-r\0in.pcap\0-o\0out\0-T\0%A-%B%c\0port 80"s,
      "-Fc\0-Ft\0-FM\0-e\0http\0-x\0md5\0-S\0hash=sha1,sha256\0-b\0100"s,
      "-a\0-E\0md5\0-S\0http_max_body=10\0-m\0123\0-P\0-c\0-D\0-J\0-0"s,
      "-d\0-3\0-v\0-q\0-hh"s,
      "-S\0tcp_timeout=5\0-S\0frag_timeout=x\0--\0-r\0tcp"s,
      "-AH\0-z\0/tmp\0-U\0nobody\0-X\0r.xml\0-w\0u.pcap\0-R\0f.pcap\0-l\0a\0b"s,
  };
}

int MakeSeeds(std::string_view harness, const fs::path& outdir,
              const std::vector<fs::path>& captures) {
  std::error_code ec;
  fs::create_directories(outdir, ec);
  bool ok = true;
  if (harness == "packet" || harness == "stream") {
    for (const fs::path& capture : captures) {
      const std::optional<Frames> frames = ReadFrames(capture);
      if (!frames || frames->frames.empty()) continue;
      ok = WriteSeed(outdir, capture.stem(),
                     harness == "packet" ? PacketSeed(*frames) : StreamSeed(*frames)) &&
           ok;
    }
  } else if (harness == "capture") {
    bool compressed = false;
    for (const fs::path& capture : captures) {
      if (fs::file_size(capture, ec) > kMaxCaptureSeed || ec) continue;
      const std::optional<ByteString> bytes = ReadFile(capture);
      if (!bytes) continue;
      ok = WriteSeed(outdir, capture.stem(), *bytes) && ok;
      if (!compressed && capture.extension() == ".pcap" && ReadFrames(capture)) {
        compressed = true;
        for (const auto& [ext, packed] : Compressed(*bytes)) {
          ok = WriteSeed(outdir, capture.stem().string() + "_" + ext, packed) && ok;
        }
      }
    }
  } else if (harness == "http") {
    // Each stream whole, in 7-byte pieces, and in pieces of 1, 2 and 200 bytes (fuzz_input.h).
    const ByteString prefixes[] = {{0x00}, {0x01, 6}, {0x13, 0, 1, 199}};
    for (const auto& [name, text] : HttpMessages()) {
      for (std::size_t i = 0; i < std::size(prefixes); ++i) {
        ByteString seed = prefixes[i];
        Append(seed, text);
        ok = WriteSeed(outdir, name + "_" + std::to_string(i), seed) && ok;
      }
    }
  } else if (harness == "template") {
    const std::vector<std::string> seeds = TemplateSeeds();
    for (std::size_t i = 0; i < seeds.size(); ++i) {
      ByteString seed;
      Append(seed, seeds[i]);
      ok = WriteSeed(outdir, "seed" + std::to_string(i), seed) && ok;
    }
  } else {
    std::cerr << "unknown harness '" << harness << "'\n";
    return 1;
  }
  return ok ? 0 : 1;
}

bool RunOne(const fs::path& path) {
  const std::optional<ByteString> data = ReadFile(path);
  if (!data) {
    std::cerr << "cannot read " << path << "\n";
    return false;
  }
  LLVMFuzzerTestOneInput(data->data(), data->size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 4 && std::string_view(argv[1]) == "--make-seeds") {
    return MakeSeeds(argv[2], argv[3], std::vector<fs::path>(argv + 4, argv + argc));
  }
  int runs = 0;
  bool ok = true;
  for (int i = 1; i < argc; ++i) {
    std::vector<fs::path> inputs;
    if (fs::is_directory(argv[i])) {
      for (const auto& e : fs::directory_iterator(argv[i])) inputs.push_back(e.path());
      std::sort(inputs.begin(), inputs.end());
    } else {
      inputs.push_back(argv[i]);
    }
    for (const fs::path& input : inputs) {
      ok = RunOne(input) && ok;
      ++runs;
    }
  }
  std::cout << "replayed " << runs << " inputs\n";
  return ok ? 0 : 1;
}
