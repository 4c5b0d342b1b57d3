// input.cpp: test captures for capture input (see tests/scenarios.h): pcapng with several link
// types and timestamp resolutions (draft-ietf-opsawg-pcapng), gzip-compressed captures
// (RFC 1952), and broken ones.

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/zlib_compress.h"
#include "scenarios.h"

namespace tcpflow::testing {
namespace {

constexpr std::int64_t kT0 = kDefaultStartSec;

// One short HTTP exchange, closed by both sides.
void Exchange(Conversation& c, std::string_view request, std::string_view response) {
  c.Handshake();
  c.ClientSends(request);
  c.ServerSends(response);
  c.ClientFin(false);
  c.ServerFin();
}

struct OnInterface {
  std::uint32_t interface_id;
  TimedFrame frame;
};

// The frames of every conversation, each tagged with its interface (its index), in time order.
std::vector<OnInterface> Interleave(const std::vector<const Conversation*>& conversations) {
  std::vector<OnInterface> all;
  for (std::uint32_t id = 0; id < conversations.size(); ++id) {
    for (const TimedFrame& f : conversations[id]->frames()) all.push_back({id, f});
  }
  std::stable_sort(all.begin(), all.end(), [](const OnInterface& x, const OnInterface& y) {
    return x.frame.sec != y.frame.sec ? x.frame.sec < y.frame.sec : x.frame.usec < y.frame.usec;
  });
  return all;
}

// Three connections, one on each of an Ethernet, a RAW and a NULL interface, 30 ms apart.
std::vector<OnInterface> ThreeLinkFrames() {
  static constexpr Framing kFramings[] = {Framing::kEthernet, Framing::kRaw, Framing::kNullLe};
  std::vector<Conversation> conversations;
  for (std::uint16_t i = 0; i < 3; ++i) {
    Conversation c("192.168.1." + std::to_string(2 + i), static_cast<std::uint16_t>(34567 + i),
                   "10.0.0." + std::to_string(1 + i), 80, 1000u + 1000u * i, 500000u + 1000u * i,
                   kFramings[i]);
    c.SetTime(kT0, 30000u * i);
    const std::string n = std::to_string(i);
    Exchange(c, "GET /" + n + " HTTP/1.0\r\n\r\n",
             "HTTP/1.0 200 OK\r\n\r\nbody of connection " + n + "\n");
    conversations.push_back(std::move(c));
  }
  return Interleave({&conversations[0], &conversations[1], &conversations[2]});
}

// `frames` on interfaces Ethernet (1), RAW (101) and NULL (0), the first `count` of them.
PcapngWriter ThreeLinkWriter(const std::vector<OnInterface>& frames, std::size_t count) {
  PcapngWriter w;
  for (std::uint16_t linktype : {1, 101, 0}) w.AddInterface(linktype);
  for (std::size_t i = 0; i < count && i < frames.size(); ++i) {
    AppendFrames(w, frames[i].interface_id, {frames[i].frame});
  }
  return w;
}

ByteVec MixedPcapng3() {
  const std::vector<OnInterface> frames = ThreeLinkFrames();
  return ThreeLinkWriter(frames, frames.size()).bytes();
}

// Little-endian pcapng written block by block, for what PcapngWriter cannot express (2^-n
// timestamp resolutions).
class NgBlocks {
 public:
  NgBlocks() {
    ByteVec body;
    Put32(body, 0x1A2B3C4D);
    Put32(body, 1);           // version 1.0
    Put32(body, 0xffffffff);  // section length unknown
    Put32(body, 0xffffffff);
    Block(0x0A0D0D0A, body);
  }
  void Interface(std::uint16_t linktype, std::uint8_t tsresol) {
    ByteVec body;
    Put32(body, linktype);  // link type, reserved 0
    Put32(body, 262144);
    Put32(body, 9 | (1u << 16));  // if_tsresol, length 1
    body.insert(body.end(), {tsresol, 0, 0, 0});
    Put32(body, 0);  // opt_endofopt
    Block(1, body);
  }
  void Packet(std::uint32_t interface_id, std::uint64_t stamp, const ByteVec& frame) {
    ByteVec body;
    Put32(body, interface_id);
    Put32(body, static_cast<std::uint32_t>(stamp >> 32));
    Put32(body, static_cast<std::uint32_t>(stamp));
    Put32(body, static_cast<std::uint32_t>(frame.size()));
    Put32(body, static_cast<std::uint32_t>(frame.size()));
    body.insert(body.end(), frame.begin(), frame.end());
    body.resize((body.size() + 3) / 4 * 4, 0);
    Block(6, body);
  }
  const ByteVec& bytes() const { return bytes_; }

 private:
  static void Put32(ByteVec& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void Block(std::uint32_t type, const ByteVec& body) {
    const auto length = static_cast<std::uint32_t>(body.size() + 12);
    Put32(bytes_, type);
    Put32(bytes_, length);
    bytes_.insert(bytes_.end(), body.begin(), body.end());
    Put32(bytes_, length);
  }
  ByteVec bytes_;
};

ByteVec PcapngTsresol() {
  // Interface 0: nanoseconds (10^-9); interface 1: 2^-10 s. Both Ethernet.
  Conversation a("192.168.1.2", 34567, "10.0.0.1", 80, 1000, 500000);
  a.SetTime(kT0, 123456);
  Exchange(a, "GET /ns HTTP/1.0\r\n\r\n", "HTTP/1.0 200 OK\r\n\r\nnanosecond interface\n");
  Conversation b("192.168.1.3", 34568, "10.0.0.2", 80, 7000, 9000);
  b.SetTime(kT0, 50000);
  Exchange(b, "GET /bin HTTP/1.0\r\n\r\n", "HTTP/1.0 200 OK\r\n\r\nbinary-fraction interface\n");
  NgBlocks ng;
  ng.Interface(1, 9);
  ng.Interface(1, 0x80 | 10);
  for (const OnInterface& f : Interleave({&a, &b})) {
    const auto sec = static_cast<std::uint64_t>(f.frame.sec);
    const std::uint64_t stamp = f.interface_id == 0 ? sec * 1000000000 + f.frame.usec * 1000ull
                                                    : sec * 1024 + f.frame.usec * 1024ull / 1000000;
    ng.Packet(f.interface_id, stamp, f.frame.bytes);
  }
  return ng.bytes();
}

// gzip (RFC 1952) of `data`. With cut_at > 0 only data[0, cut_at) is compressed and the stream
// is left open after a full flush (byte-aligned, no trailer), for a caller to damage.
ByteVec Gzip(const ByteVec& data, std::size_t cut_at = 0) {
  return Deflate(data, {kGzipWindowBits, 9, 9}, cut_at).value();
}

ByteVec CoreCapture(std::string_view name) {
  for (const Scenario& s : CoreScenarios()) {
    if (s.name == name) return s.build();
  }
  return {};
}

ByteVec GzipPcap() {
  return Gzip(CoreCapture("basic"));
}

ByteVec GzipPcapng() {
  return Gzip(MixedPcapng3());
}

ByteVec CorruptPcapngBlock() {
  // The frames up to the middle, then an Enhanced Packet Block whose length (30) is not a
  // multiple of 4, then the rest of the file as it would have been.
  const std::vector<OnInterface> frames = ThreeLinkFrames();
  const ByteVec whole = ThreeLinkWriter(frames, frames.size()).bytes();
  ByteVec out = ThreeLinkWriter(frames, frames.size() / 2).bytes();
  const std::size_t good = out.size();
  constexpr std::array<std::uint8_t, 30> kBadBlock = {6, 0, 0, 0, 30, 0, 0, 0, 0, 0};
  out.insert(out.end(), kBadBlock.begin(), kBadBlock.end());
  out.insert(out.end(), whole.begin() + static_cast<std::ptrdiff_t>(good), whole.end());
  return out;
}

ByteVec CorruptGzip() {
  // `basic` compressed up to the middle of its bytes, then a deflate block header of the
  // reserved type 3 (0x06) and garbage.
  const ByteVec basic = CoreCapture("basic");
  ByteVec out = Gzip(basic, basic.size() / 2);
  out.insert(out.end(), {0x06, 0xde, 0xad, 0xbe, 0xef, 0x55, 0xaa, 0x55, 0xaa});
  return out;
}

constexpr std::array kScenarios{
    Scenario{"mixed_pcapng3",
             "pcapng with Ethernet, RAW and NULL interfaces, one HTTP connection on each "
             "(192.168.1.2-4:34567-34569 -> 10.0.0.1-3:80), interleaved; 6 flows (1.6.1: error)",
             MixedPcapng3},
    Scenario{"pcapng_tsresol",
             "pcapng, two Ethernet interfaces: if_tsresol 9 (ns) with 192.168.1.2:34567 -> "
             "10.0.0.1:80, and 2^-10 s with 192.168.1.3:34568 -> 10.0.0.2:80; 4 flows, times "
             "truncated to microseconds",
             PcapngTsresol},
    Scenario{"gzip_pcap", "basic, gzip-compressed; same flows as basic (1.6.1: only as *.gz)",
             GzipPcap},
    Scenario{"gzip_pcapng",
             "mixed_pcapng3, gzip-compressed; same 6 flows as mixed_pcapng3 (1.6.1: error)",
             GzipPcapng},
    Scenario{"corrupt_pcapng_block",
             "mixed_pcapng3's first half, then a block whose length 30 is not a multiple of 4: the "
             "packets before it are processed, then 'bad pcapng block at offset N', exit 1",
             CorruptPcapngBlock},
    Scenario{"corrupt_gzip",
             "basic gzip-compressed, the stream broken halfway by a deflate block of reserved "
             "type: the packets before are processed, then 'corrupt gzip data: invalid block "
             "type', exit 1",
             CorruptGzip},
};

}  // namespace

std::span<const Scenario> InputScenarios() {
  return kScenarios;
}

}  // namespace tcpflow::testing
