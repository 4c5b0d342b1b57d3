// bench_gen.cpp: writes a deterministic TCP capture for the benchmarks. References: the classic
// pcap file format (draft-ietf-opsawg-pcap), LINKTYPE_ETHERNET (1), RFC 791 (IPv4), RFC 8200
// (IPv6), RFC 9293 (TCP), RFC 1071 (checksum).
//
// Design note: a connection is SYN, SYN/ACK, ACK, the client's data (the request), the server's
// data (the response), a FIN from each side and a last ACK; the receiver sends a pure ACK after
// every --ack-every data segments. --concurrency connections are live at once and every packet
// comes from one of them picked at random, so their packets interleave; a finished connection's
// place goes to the next one. Connection i has its own client address and port, so no 4-tuple
// is used twice. Out-of-order and retransmitted segments stay within their direction and come
// before its FIN, and nothing is fragmented, so every tool that reassembles TCP must write the
// same flow files. Only the standard library is used; the same options give the same bytes.

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace tcpflow {
namespace {

// Bump when the same options start giving different bytes (bench/run_bench.sh keys its cached
// captures on the --print-config line, which includes it).
constexpr int kGeneratorVersion = 2;

constexpr std::uint32_t kSnaplen = 262144;
constexpr std::uint32_t kLinktypeEthernet = 1;
constexpr std::uint64_t kFirstMicros = 1700000000ULL * 1000000ULL;  // 2023-11-14T22:13:20Z
constexpr std::uint32_t kMaxMss = 65000;
constexpr std::size_t kPatternSize = std::size_t{1} << 20;
constexpr std::size_t kOutBufferSize = std::size_t{8} << 20;
constexpr std::uint32_t kEphemeralFirst = 32768;
constexpr std::uint32_t kEphemeralCount = 28232;  // 32768..60999, Linux's default range
constexpr std::uint32_t kServers = 64;
constexpr std::array<std::uint16_t, 4> kServerPorts = {80, 443, 8080, 5432};
constexpr std::uint16_t kWindow = 64240;
// The scale-N presets: kScaleConnections connections (times --scale) of two data segments of
// kScalePayload bytes and a FIN, N of them live at once: the same packets and files at every N.
constexpr std::uint64_t kScaleConnections = 1000000;
constexpr std::uint32_t kScalePayload = 100;

constexpr std::uint8_t kFlagFin = 0x01;
constexpr std::uint8_t kFlagSyn = 0x02;
constexpr std::uint8_t kFlagPsh = 0x08;
constexpr std::uint8_t kFlagAck = 0x10;

struct Options {
  std::uint64_t seed = 1;
  std::uint64_t connections = 1000;
  std::uint64_t bytes = 3000;   // mean payload of a connection, both directions together
  double spread = 0;            // a connection's payload is uniform in bytes * (1 +- spread)
  double reply_fraction = 0.5;  // share of a connection's payload sent by the server
  std::uint64_t concurrency = 1;
  double ooo = 0;   // share of data segments sent after the next segment of their direction
  double retx = 0;  // share of data segments sent again after the next one
  double ipv6 = 0;  // share of connections over IPv6
  std::uint32_t mss = 1460;
  std::uint32_t ack_every = 2;  // 0: no pure ACKs
  bool handshake = true;        // false: data segments only (SYN, FIN and ACKs left out)
  bool client_fin = false;      // with handshake false: the client's FIN after its data
  std::string out;
  bool print_config = false;
};

constexpr std::string_view kUsage =
    "usage: bench_gen [--preset NAME] [--scale F] [options] --out FILE\n"
    "Writes a deterministic pcap (Ethernet, microsecond timestamps) of complete TCP connections.\n"
    "  --preset NAME        few-big (~1 GB, 20 connections), many-small (200,000 connections of\n"
    "                       1-5 KB), mixed (~500 MB, 20,000 connections, reordering,\n"
    "                       retransmissions, IPv6), scale-N (1,000,000 connections of two\n"
    "                       100-byte segments and a FIN, no handshake, N live at once);\n"
    "                       options after it override it\n"
    "  --scale F            shrink or grow the preset: bytes per connection for few-big,\n"
    "                       connections for many-small, mixed and scale-N\n"
    "  --seed N             random seed (default 1)\n"
    "  --connections N      number of connections (default 1000)\n"
    "  --bytes N            mean payload bytes of a connection, both directions (default 3000)\n"
    "  --spread F           payload uniform in bytes*(1-F) .. bytes*(1+F) (default 0)\n"
    "  --reply-fraction F   share of the payload sent by the server, after the client's\n"
    "                       (default 0.5)\n"
    "  --concurrency N      connections live at once, packets interleaved at random (default 1)\n"
    "  --ooo F              share of data segments swapped with the next one (default 0)\n"
    "  --retx F             share of data segments sent again after the next one (default 0)\n"
    "  --ipv6 F             share of connections over IPv6 (default 0)\n"
    "  --mss N              largest segment payload (default 1460)\n"
    "  --ack-every N        pure ACK after N data segments, 0 for none (default 2)\n"
    "  --no-handshake       data segments only: no SYN, FIN or pure ACK\n"
    "  --client-fin         with --no-handshake: the client's FIN after its data\n"
    "  --out FILE           the capture to write\n"
    "  --print-config       print the resolved options as one line and exit\n"
    "On success prints: packets=N connections=N payload_bytes=N file_bytes=N\n";

// xoshiro256** seeded through splitmix64: fast, and the same sequence on every platform.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) {
    for (auto& word : state_) {
      seed += 0x9e3779b97f4a7c15ULL;
      std::uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      word = z ^ (z >> 31);
    }
  }
  std::uint64_t Next() {
    const std::uint64_t result = Rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = Rotl(state_[3], 45);
    return result;
  }
  // Uniform in [0, 1).
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  // Uniform in [0, n), n > 0 (the modulo bias is negligible for the n used here).
  std::uint64_t Below(std::uint64_t n) { return Next() % n; }

 private:
  static std::uint64_t Rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::array<std::uint64_t, 4> state_;
};

void PutBe16(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
void PutBe32(std::uint8_t* p, std::uint32_t v) {
  PutBe16(p, v >> 16);
  PutBe16(p + 2, v);
}
void PutLe32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// RFC 1071 sum of `len` bytes added to `sum`, in host byte order (the ones' complement sum does
// not depend on byte order, so a host-order result stored with memcpy is correct). An odd last
// byte is padded with zero.
std::uint64_t SumBytes(const std::uint8_t* p, std::size_t len, std::uint64_t sum) {
  for (; len >= 4; p += 4, len -= 4) {
    std::uint32_t word;
    std::memcpy(&word, p, 4);
    sum += word;
  }
  if (len >= 2) {
    std::uint16_t half;
    std::memcpy(&half, p, 2);
    sum += half;
    p += 2;
    len -= 2;
  }
  if (len == 1) {
    const std::array<std::uint8_t, 2> last = {p[0], 0};
    std::uint16_t half;
    std::memcpy(&half, last.data(), 2);
    sum += half;
  }
  return sum;
}

// Folds `sum` and stores its complement at `field` (host order, so bytes land in network order).
void StoreChecksum(std::uint8_t* field, std::uint64_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  const auto checksum = static_cast<std::uint16_t>(~sum);
  std::memcpy(field, &checksum, 2);
}

// ---------------------------------------------------------------------------- option parsing

template <typename T>
bool ParseNumber(std::string_view text, T& value) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  return ec == std::errc() && ptr == end;
}

// Sets the options of preset `name` with `scale` applied. False for an unknown name.
bool ApplyPreset(std::string_view name, double scale, Options& o) {
  const auto scaled = [scale](double v) {
    return std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::llround(v * scale)));
  };
  if (name == "few-big") {
    o.connections = 20;
    o.concurrency = 20;
    o.bytes = scaled(50e6);
    o.spread = 0.5;
  } else if (name == "many-small") {
    o.connections = scaled(200000);
    o.concurrency = 100;
    o.bytes = 3000;
    o.spread = 0.66;
  } else if (name == "mixed") {
    o.connections = scaled(20000);
    o.concurrency = 500;
    o.bytes = 25000;
    o.spread = 0.95;
    o.reply_fraction = 0.7;
    o.ooo = 0.02;
    o.retx = 0.01;
    o.ipv6 = 0.25;
  } else if (name.starts_with("scale-")) {
    std::uint64_t n = 0;
    if (!ParseNumber(name.substr(6), n) || n == 0) return false;
    o.connections = scaled(kScaleConnections);
    o.concurrency = n;
    o.bytes = 2 * kScalePayload;
    o.spread = 0;
    o.reply_fraction = 0;
    o.mss = kScalePayload;
    o.ack_every = 0;
    o.handshake = false;
    o.client_fin = true;
  } else {
    return false;
  }
  return true;
}

// Parses argv into `o`. Returns an error message, or "" on success.
std::string ParseOptions(int argc, char** argv, Options& o) {
  std::vector<std::pair<std::string, std::string>> flags;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (!arg.starts_with("--")) return "unexpected argument: " + std::string(arg);
    const std::size_t eq = arg.find('=');
    std::string name(arg.substr(0, eq));
    if (name == "--no-handshake" || name == "--client-fin" || name == "--print-config" ||
        name == "--help") {
      flags.emplace_back(name, "");
    } else if (eq != std::string_view::npos) {
      flags.emplace_back(name, std::string(arg.substr(eq + 1)));
    } else if (i + 1 < argc) {
      flags.emplace_back(name, argv[++i]);
    } else {
      return "missing value for " + name;
    }
  }
  // The preset first, so that the other options override it.
  std::string preset;
  double scale = 1;
  for (const auto& [name, value] : flags) {
    if (name == "--preset") preset = value;
    if (name == "--scale" && (!ParseNumber(value, scale) || !(scale > 0))) return "bad --scale";
  }
  if (!preset.empty() && !ApplyPreset(preset, scale, o)) return "unknown preset: " + preset;
  for (const auto& [name, value] : flags) {
    bool ok = true;
    if (name == "--preset" || name == "--scale") continue;
    if (name == "--help") {
      return "help";
    } else if (name == "--no-handshake") {
      o.handshake = false;
    } else if (name == "--client-fin") {
      o.client_fin = true;
    } else if (name == "--print-config") {
      o.print_config = true;
    } else if (name == "--out") {
      o.out = value;
    } else if (name == "--seed") {
      ok = ParseNumber(value, o.seed);
    } else if (name == "--connections") {
      ok = ParseNumber(value, o.connections);
    } else if (name == "--bytes") {
      ok = ParseNumber(value, o.bytes);
    } else if (name == "--spread") {
      ok = ParseNumber(value, o.spread) && o.spread >= 0 && o.spread <= 1;
    } else if (name == "--reply-fraction") {
      ok = ParseNumber(value, o.reply_fraction) && o.reply_fraction >= 0 && o.reply_fraction <= 1;
    } else if (name == "--concurrency") {
      ok = ParseNumber(value, o.concurrency) && o.concurrency > 0;
    } else if (name == "--ooo") {
      ok = ParseNumber(value, o.ooo) && o.ooo >= 0 && o.ooo <= 1;
    } else if (name == "--retx") {
      ok = ParseNumber(value, o.retx) && o.retx >= 0 && o.retx <= 1;
    } else if (name == "--ipv6") {
      ok = ParseNumber(value, o.ipv6) && o.ipv6 >= 0 && o.ipv6 <= 1;
    } else if (name == "--mss") {
      ok = ParseNumber(value, o.mss) && o.mss > 0 && o.mss <= kMaxMss;
    } else if (name == "--ack-every") {
      ok = ParseNumber(value, o.ack_every);
    } else {
      return "unknown option: " + name;
    }
    if (!ok) return "bad value for " + name + ": " + value;
  }
  if (o.ooo + o.retx > 1) return "--ooo plus --retx must not exceed 1";
  if (!o.print_config && o.out.empty()) return "--out FILE is required";
  return "";
}

std::string ConfigLine(const Options& o) {
  std::array<char, 512> line;
  std::snprintf(line.data(), line.size(),
                "bench_gen v%d seed=%llu connections=%llu bytes=%llu spread=%.17g "
                "reply_fraction=%.17g concurrency=%llu ooo=%.17g retx=%.17g ipv6=%.17g mss=%u "
                "ack_every=%u handshake=%d client_fin=%d",
                kGeneratorVersion, static_cast<unsigned long long>(o.seed),
                static_cast<unsigned long long>(o.connections),
                static_cast<unsigned long long>(o.bytes), o.spread, o.reply_fraction,
                static_cast<unsigned long long>(o.concurrency), o.ooo, o.retx, o.ipv6, o.mss,
                o.ack_every, o.handshake ? 1 : 0, o.client_fin ? 1 : 0);
  return line.data();
}

// ------------------------------------------------------------------------------ the generator

// One direction of a connection. Offsets count payload bytes from 0; the sequence number of
// offset k is isn + 1 + k.
struct Stream {
  std::uint64_t size = 0;
  std::uint64_t next = 0;  // first offset not sent yet
  // A segment sent later: after the next new segment (wait), or at once (!wait).
  std::uint64_t held_offset = 0;
  std::uint32_t held_length = 0;
  bool held = false;
  bool held_wait = false;
  std::uint32_t unacked = 0;  // data segments since the receiver's last pure ACK
  std::uint32_t isn = 0;
  std::uint32_t pattern_base = 0;  // where in the pattern offset 0's byte is taken from
};

enum class Phase {
  kSyn,
  kSynAck,
  kHandshakeAck,
  kClientData,
  kServerData,
  kClientFin,
  kClientFinOnly,  // the client's FIN of a connection without handshake; nothing after it
  kServerFin,
  kLastAck,
  kDone
};

struct Connection {
  std::uint64_t index = 0;
  bool v6 = false;
  Phase phase = Phase::kSyn;
  std::array<Stream, 2> streams;  // [0] client to server, [1] server to client
};

struct Stats {
  std::uint64_t packets = 0;
  std::uint64_t connections = 0;
  std::uint64_t payload_bytes = 0;  // distinct payload bytes (retransmissions not counted)
  std::uint64_t file_bytes = 0;
};

class Generator {
 public:
  Generator(const Options& options, std::FILE* out)
      : options_(options),
        out_file_(out),
        rng_(options.seed),
        buffer_(kOutBufferSize),
        pattern_(kPatternSize + kMaxMss) {
    for (auto& byte : pattern_) byte = static_cast<std::uint8_t>(rng_.Next());
  }

  // Writes the whole capture. False when a write failed.
  bool Run() {
    std::array<std::uint8_t, 24> header{};
    PutLe32(header.data(), 0xa1b2c3d4);
    header[4] = 2;  // version 2.4, little-endian like the rest of the file
    header[6] = 4;
    PutLe32(header.data() + 16, kSnaplen);
    PutLe32(header.data() + 20, kLinktypeEthernet);
    std::memcpy(buffer_.data(), header.data(), header.size());
    used_ = header.size();
    stats_.file_bytes = header.size();

    std::vector<Connection> live;
    live.reserve(static_cast<std::size_t>(
        std::min<std::uint64_t>(options_.concurrency, options_.connections)));
    Connection connection;
    while (live.size() < options_.concurrency && NextConnection(connection)) {
      live.push_back(connection);
    }
    while (!live.empty() && ok_) {
      const std::size_t slot = live.size() == 1 ? 0 : rng_.Below(live.size());
      if (!Step(live[slot])) continue;
      if (NextConnection(connection)) {
        live[slot] = connection;
      } else {
        live[slot] = live.back();
        live.pop_back();
      }
    }
    Flush();
    return ok_;
  }

  const Stats& stats() const { return stats_; }

 private:
  // Sets up the next connection that sends at least one packet. False when none is left.
  bool NextConnection(Connection& c) {
    while (next_index_ < options_.connections) {
      c = Connection{};
      c.index = next_index_++;
      c.v6 = rng_.Uniform() < options_.ipv6;
      const double factor = 1 + options_.spread * (2 * rng_.Uniform() - 1);
      const auto total = static_cast<std::uint64_t>(std::llround(options_.bytes * factor));
      const auto reply = static_cast<std::uint64_t>(
          std::llround(static_cast<double>(total) * options_.reply_fraction));
      c.streams[0].size = total - reply;
      c.streams[1].size = reply;
      for (Stream& s : c.streams) {
        s.isn = static_cast<std::uint32_t>(rng_.Next());
        s.pattern_base = static_cast<std::uint32_t>(rng_.Below(kPatternSize));
        stats_.payload_bytes += s.size;
      }
      c.phase = options_.handshake ? Phase::kSyn : Phase::kClientData;
      SkipFinishedPhases(c);
      if (c.phase != Phase::kDone) {
        ++stats_.connections;
        return true;
      }
    }
    return false;
  }

  // True while direction `dir` still has a data segment or a pure ACK to send.
  bool DataLeft(const Connection& c, int dir) const {
    const Stream& s = c.streams[dir];
    return s.next < s.size || s.held || s.unacked > 0;
  }

  void SkipFinishedPhases(Connection& c) const {
    if (c.phase == Phase::kClientData && !DataLeft(c, 0)) c.phase = Phase::kServerData;
    if (c.phase == Phase::kServerData && !DataLeft(c, 1)) {
      c.phase = options_.handshake    ? Phase::kClientFin
                : options_.client_fin ? Phase::kClientFinOnly
                                      : Phase::kDone;
    }
  }

  // Sends the next packet of `c`. True when `c` has nothing more to send.
  bool Step(Connection& c) {
    Stream& client = c.streams[0];
    Stream& server = c.streams[1];
    switch (c.phase) {
      case Phase::kSyn:
        Send(c, 0, kFlagSyn, client.isn, 0, nullptr, 0);
        c.phase = Phase::kSynAck;
        break;
      case Phase::kSynAck:
        Send(c, 1, kFlagSyn | kFlagAck, server.isn, client.isn + 1, nullptr, 0);
        c.phase = Phase::kHandshakeAck;
        break;
      case Phase::kHandshakeAck:
        Send(c, 0, kFlagAck, client.isn + 1, server.isn + 1, nullptr, 0);
        c.phase = Phase::kClientData;
        break;
      case Phase::kClientData: DataStep(c, 0); break;
      case Phase::kServerData: DataStep(c, 1); break;
      case Phase::kClientFin:
        Send(c, 0, kFlagFin | kFlagAck, SeqAt(client, client.size), SeqAt(server, server.size),
             nullptr, 0);
        c.phase = Phase::kServerFin;
        break;
      case Phase::kClientFinOnly:
        Send(c, 0, kFlagFin | kFlagAck, SeqAt(client, client.size), server.isn + 1, nullptr, 0);
        c.phase = Phase::kDone;
        break;
      case Phase::kServerFin:
        Send(c, 1, kFlagFin | kFlagAck, SeqAt(server, server.size), SeqAt(client, client.size) + 1,
             nullptr, 0);
        c.phase = Phase::kLastAck;
        break;
      case Phase::kLastAck:
        Send(c, 0, kFlagAck, SeqAt(client, client.size) + 1, SeqAt(server, server.size) + 1,
             nullptr, 0);
        c.phase = Phase::kDone;
        break;
      case Phase::kDone: break;
    }
    SkipFinishedPhases(c);
    return c.phase == Phase::kDone;
  }

  static std::uint32_t SeqAt(const Stream& s, std::uint64_t offset) {
    return s.isn + 1 + static_cast<std::uint32_t>(offset);
  }

  // Sends one packet of direction `dir`'s data phase: a data segment or the receiver's ACK.
  void DataStep(Connection& c, int dir) {
    Stream& s = c.streams[dir];
    const bool data_left = s.next < s.size || s.held;
    if (options_.ack_every > 0 && (s.unacked >= options_.ack_every || !data_left)) {
      // The receiver acknowledges up to the first byte it may lack.
      const Stream& back = c.streams[1 - dir];
      Send(c, 1 - dir, kFlagAck, SeqAt(back, back.next), SeqAt(s, s.held ? s.held_offset : s.next),
           nullptr, 0);
      s.unacked = 0;
      return;
    }
    if (s.held && (!s.held_wait || s.next >= s.size)) {
      s.held = false;
      SendSegment(c, dir, s.held_offset, s.held_length);
      return;
    }
    std::uint64_t offset = s.next;
    std::uint32_t length = Take(s);
    if (s.held) {
      s.held_wait = false;
    } else {
      const double u = rng_.Uniform();
      if (u < options_.ooo) {
        if (s.next < s.size) {  // the last segment has nothing to swap with
          Hold(s, offset, length, false);
          offset = s.next;
          length = Take(s);
        }
      } else if (u < options_.ooo + options_.retx) {
        Hold(s, offset, length, true);
      }
    }
    SendSegment(c, dir, offset, length);
  }

  // The length of the next new segment of `s`, which it marks as sent.
  std::uint32_t Take(Stream& s) const {
    const auto length =
        static_cast<std::uint32_t>(std::min<std::uint64_t>(options_.mss, s.size - s.next));
    s.next += length;
    return length;
  }

  static void Hold(Stream& s, std::uint64_t offset, std::uint32_t length, bool wait) {
    s.held = true;
    s.held_wait = wait;
    s.held_offset = offset;
    s.held_length = length;
  }

  void SendSegment(Connection& c, int dir, std::uint64_t offset, std::uint32_t length) {
    Stream& s = c.streams[dir];
    const Stream& back = c.streams[1 - dir];
    const std::uint8_t* payload = pattern_.data() + (s.pattern_base + offset) % kPatternSize;
    Send(c, dir, kFlagAck | kFlagPsh, SeqAt(s, offset), SeqAt(back, back.next), payload, length);
    if (options_.ack_every > 0) ++s.unacked;
  }

  // Address of one end of connection `index` (4 or 16 bytes).
  static void Address(std::uint64_t index, bool v6, bool server, std::uint8_t* out) {
    const auto host =
        static_cast<std::uint32_t>(server ? index % kServers + 1 : index / kEphemeralCount + 1);
    if (v6) {
      // 2001:db8:0:1::HOST for clients, 2001:db8:0:2::HOST for servers.
      std::memset(out, 0, 16);
      PutBe32(out, 0x20010db8);
      PutBe16(out + 6, server ? 2 : 1);
      PutBe32(out + 12, host);
    } else {
      // 10.0.0.0/8 for clients, 172.16.0.0/16 for servers.
      PutBe32(out, (server ? 0xac100000 : 0x0a000000) + host);
    }
  }

  // Appends one frame from side `from` (0 client, 1 server) of `c`.
  void Send(const Connection& c, int from, std::uint8_t flags, std::uint32_t seq, std::uint32_t ack,
            const std::uint8_t* payload, std::uint32_t length) {
    const std::size_t ip_length = c.v6 ? 40 : 20;
    const std::size_t tcp_length = (flags & kFlagSyn) ? 24 : 20;  // SYNs carry an MSS option
    const std::size_t frame_length = 14 + ip_length + tcp_length + length;
    if (buffer_.size() - used_ < 16 + frame_length) Flush();
    std::uint8_t* record = buffer_.data() + used_;
    used_ += 16 + frame_length;
    stats_.file_bytes += 16 + frame_length;
    ++stats_.packets;

    micros_ += 1 + rng_.Below(20);
    PutLe32(record, static_cast<std::uint32_t>(micros_ / 1000000));
    PutLe32(record + 4, static_cast<std::uint32_t>(micros_ % 1000000));
    PutLe32(record + 8, static_cast<std::uint32_t>(frame_length));
    PutLe32(record + 12, static_cast<std::uint32_t>(frame_length));

    std::uint8_t* eth = record + 16;
    constexpr std::array<std::uint8_t, 6> kClientMac = {0x02, 0, 0, 0, 0, 0x01};
    constexpr std::array<std::uint8_t, 6> kServerMac = {0x02, 0, 0, 0, 0, 0x02};
    std::memcpy(eth, from == 0 ? kServerMac.data() : kClientMac.data(), 6);
    std::memcpy(eth + 6, from == 0 ? kClientMac.data() : kServerMac.data(), 6);
    PutBe16(eth + 12, c.v6 ? 0x86dd : 0x0800);

    std::uint8_t* ip = eth + 14;
    std::uint8_t* tcp = ip + ip_length;
    const auto segment_length = static_cast<std::uint32_t>(tcp_length + length);
    // The pseudo-header of the TCP checksum: addresses, protocol, segment length.
    std::array<std::uint8_t, 40> pseudo{};
    std::size_t pseudo_length;
    if (c.v6) {
      PutBe32(ip, 0x60000000);
      PutBe16(ip + 4, segment_length);
      ip[6] = 6;  // TCP
      ip[7] = 64;
      Address(c.index, true, from == 1, ip + 8);
      Address(c.index, true, from == 0, ip + 24);
      std::memcpy(pseudo.data(), ip + 8, 32);
      PutBe32(pseudo.data() + 32, segment_length);
      pseudo[39] = 6;
      pseudo_length = 40;
    } else {
      ip[0] = 0x45;
      ip[1] = 0;
      PutBe16(ip + 2, static_cast<std::uint32_t>(ip_length) + segment_length);
      PutBe16(ip + 4, static_cast<std::uint32_t>(stats_.packets));
      PutBe16(ip + 6, 0x4000);  // don't fragment
      ip[8] = 64;
      ip[9] = 6;
      PutBe16(ip + 10, 0);
      Address(c.index, false, from == 1, ip + 12);
      Address(c.index, false, from == 0, ip + 16);
      StoreChecksum(ip + 10, SumBytes(ip, 20, 0));
      std::memcpy(pseudo.data(), ip + 12, 8);
      pseudo[9] = 6;
      PutBe16(pseudo.data() + 10, segment_length);
      pseudo_length = 12;
    }

    const auto client_port =
        static_cast<std::uint16_t>(kEphemeralFirst + c.index % kEphemeralCount);
    const std::uint16_t server_port = kServerPorts[(c.index / kServers) % kServerPorts.size()];
    PutBe16(tcp, from == 0 ? client_port : server_port);
    PutBe16(tcp + 2, from == 0 ? server_port : client_port);
    PutBe32(tcp + 4, seq);
    PutBe32(tcp + 8, (flags & kFlagAck) ? ack : 0);
    tcp[12] = static_cast<std::uint8_t>((tcp_length / 4) << 4);
    tcp[13] = flags;
    PutBe16(tcp + 14, kWindow);
    PutBe16(tcp + 16, 0);
    PutBe16(tcp + 18, 0);
    if (flags & kFlagSyn) {
      tcp[20] = 2;  // MSS option
      tcp[21] = 4;
      PutBe16(tcp + 22, options_.mss);
    }
    if (length > 0) std::memcpy(tcp + tcp_length, payload, length);
    StoreChecksum(tcp + 16,
                  SumBytes(tcp, segment_length, SumBytes(pseudo.data(), pseudo_length, 0)));
  }

  void Flush() {
    if (used_ > 0 && std::fwrite(buffer_.data(), 1, used_, out_file_) != used_) ok_ = false;
    used_ = 0;
  }

  const Options& options_;
  std::FILE* out_file_;
  Rng rng_;
  std::vector<std::uint8_t> buffer_;
  std::size_t used_ = 0;
  bool ok_ = true;
  std::vector<std::uint8_t> pattern_;  // payload bytes; kMaxMss extra so a segment never wraps
  std::uint64_t next_index_ = 0;
  std::uint64_t micros_ = kFirstMicros;
  Stats stats_;
};

int Main(int argc, char** argv) {
  Options options;
  const std::string error = ParseOptions(argc, argv, options);
  if (error == "help") {
    std::fputs(kUsage.data(), stdout);
    return 0;
  }
  if (!error.empty()) {
    std::fprintf(stderr, "bench_gen: %s\n%s", error.c_str(), kUsage.data());
    return 2;
  }
  if (options.print_config) {
    std::printf("%s\n", ConfigLine(options).c_str());
    return 0;
  }
  std::FILE* out = std::fopen(options.out.c_str(), "wb");
  if (out == nullptr) {
    std::perror(("bench_gen: " + options.out).c_str());
    return 1;
  }
  std::setvbuf(out, nullptr, _IONBF, 0);  // the generator buffers whole megabytes itself
  Generator generator(options, out);
  const bool written = generator.Run();
  if (std::fclose(out) != 0 || !written) {
    std::perror(("bench_gen: writing " + options.out).c_str());
    return 1;
  }
  const Stats& stats = generator.stats();
  std::printf("packets=%llu connections=%llu payload_bytes=%llu file_bytes=%llu\n",
              static_cast<unsigned long long>(stats.packets),
              static_cast<unsigned long long>(stats.connections),
              static_cast<unsigned long long>(stats.payload_bytes),
              static_cast<unsigned long long>(stats.file_bytes));
  return 0;
}

}  // namespace
}  // namespace tcpflow

int main(int argc, char** argv) {
  return tcpflow::Main(argc, argv);
}
