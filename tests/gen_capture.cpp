// gen_capture.cpp: writes the named test captures used by unit, regression, compat and fuzz tests.
// Usage: gen_capture NAME OUTFILE | gen_capture --list | gen_capture --list-large |
//        gen_capture --describe NAME   (--list leaves out the large captures of --list-large)
// Every capture is deterministic: the same name always gives the same bytes.
#include <algorithm>
#include <array>
#include <cstdint>
#include <iostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/pcap_builder.h"
#include "scenarios.h"

namespace tcpflow::testing {
namespace {

constexpr std::int64_t kT0 = kDefaultStartSec;
constexpr std::uint32_t kClientIsn = 1000;
constexpr std::uint32_t kServerIsn = 500000;
constexpr std::string_view kV6Client = "2001:db8::2";
constexpr std::string_view kV6Server = "2001:db8::1";
// The `basic` payloads: a 27-byte request and a 43-byte response.
constexpr std::string_view kRequest = "GET / HTTP/1.0\r\nHost: a\r\n\r\n";
constexpr std::string_view kResponse = "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello";
constexpr std::string_view kShortResponse = "HTTP/1.0 200 OK\r\n\r\n";

// ------------------------------------------------------------------------------------ helpers

Conversation Conv(std::uint16_t client_port = kDefaultClientPort,
                  Framing framing = Framing::kEthernet, EthSpec eth = {}) {
  return Conversation(std::string(kDefaultClientIp), client_port, std::string(kDefaultServerIp),
                      kDefaultServerPort, kClientIsn, kServerIsn, framing, std::move(eth));
}

Conversation V6Conv(std::uint16_t client_port = kDefaultClientPort,
                    Framing framing = Framing::kEthernet) {
  return Conversation(std::string(kV6Client), client_port, std::string(kV6Server),
                      kDefaultServerPort, kClientIsn, kServerIsn, framing);
}

// Handshake, one request, one response, client FIN, server FIN|ACK, client's last ACK.
void Exchange(Conversation& c, std::string_view request = kRequest,
              std::string_view response = kResponse) {
  c.Handshake();
  c.ClientSends(request);
  c.ServerSends(response);
  c.ClientFin(false);
  c.ServerFin();
}

// Closes a connection whose client data ends at `client_end` (after out-of-order segments).
void Close(Conversation& c, std::int64_t client_end) {
  c.SetClientNext(client_end);
  c.ServerSends(kShortResponse);
  c.ClientFin(false);
  c.ServerFin();
}

ByteVec ToPcap(const std::vector<TimedFrame>& frames, std::uint32_t linktype = 1,
               PcapOptions opts = {}) {
  opts.linktype = linktype;
  PcapWriter w(opts);
  AppendFrames(w, frames);
  return w.bytes();
}

std::vector<TimedFrame> BasicFrames(Framing framing = Framing::kEthernet, EthSpec eth = {}) {
  Conversation c = Conv(kDefaultClientPort, framing, std::move(eth));
  Exchange(c);
  return c.frames();
}

std::string HttpResponse(std::string_view content_type, std::string_view body) {
  return "HTTP/1.0 200 OK\r\nContent-Type: " + std::string(content_type) +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

// Runs several connections one after another, `spacing_sec` apart.
std::vector<TimedFrame> Sequential(std::vector<Conversation> convs, std::int64_t spacing_sec = 1) {
  std::vector<std::vector<TimedFrame>> lists;
  for (const Conversation& c : convs) lists.push_back(c.frames());
  for (std::size_t i = 0; i < lists.size(); ++i) {
    for (TimedFrame& f : lists[i]) f.sec += static_cast<std::int64_t>(i) * spacing_sec;
  }
  return MergeFrames(lists);
}

// ---------------------------------------------------------------------------------- scenarios

ByteVec Demo() {
  Conversation a = Conv(34567);
  Exchange(a, "GET /index.html HTTP/1.0\r\nHost: www.example.test\r\nUser-Agent: demo\r\n\r\n",
           HttpResponse("text/html",
                        "<html><head><title>Welcome</title></head>"
                        "<body><h1>Hello from the demo server</h1></body></html>\n"));
  Conversation b = Conv(34568);
  Exchange(b, "GET /about.html HTTP/1.0\r\nHost: www.example.test\r\nUser-Agent: demo\r\n\r\n",
           HttpResponse("text/html",
                        "<html><body><p>tcpflow writes each direction to its own file.</p>"
                        "</body></html>\n"));
  return ToPcap(Sequential({a, b}));
}

ByteVec Basic() {
  return ToPcap(BasicFrames());
}
ByteVec BasicBe() {
  return ToPcap(BasicFrames(), 1, {.big_endian = true});
}
ByteVec BasicNs() {
  return ToPcap(BasicFrames(), 1, {.nanosecond = true});
}

ByteVec BasicPcapng() {
  PcapngWriter w;
  const std::uint32_t eth = w.AddInterface(1, 262144, 9);
  AppendFrames(w, eth, BasicFrames());
  return w.bytes();
}

ByteVec Tagged(std::vector<VlanTag> tags) {
  EthSpec eth;
  eth.tags = std::move(tags);
  return ToPcap(BasicFrames(Framing::kEthernet, eth));
}

ByteVec Vlan() {
  return Tagged({{0x8100, 0x6064}});
}
ByteVec Vlan0() {
  return Tagged({{0x8100, 0}});
}
ByteVec QinQ() {
  return Tagged({{0x88a8, 200}, {0x8100, 100}});
}
ByteVec QinQ8100() {
  return Tagged({{0x8100, 200}, {0x8100, 100}});
}
ByteVec Vlan9100() {
  return Tagged({{0x9100, 300}, {0x8100, 100}});
}

ByteVec Sll() {
  return ToPcap(BasicFrames(Framing::kLinuxSll), 113);
}

std::vector<TimedFrame> RawV4V6() {
  Conversation v4 = Conv(34567, Framing::kRaw);
  Exchange(v4);
  Conversation v6 = V6Conv(34568, Framing::kRaw);
  Exchange(v6, "GET /v6 HTTP/1.0\r\nHost: b\r\n\r\n",
           "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nsix");
  return Sequential({v4, v6});
}

ByteVec Raw101() {
  return ToPcap(RawV4V6(), 101);
}
ByteVec Raw12() {
  return ToPcap(RawV4V6(), 12);
}
ByteVec Raw14() {
  return ToPcap(RawV4V6(), 14);
}

ByteVec NullLeLink(const ByteVec& ip, std::uint32_t family) {
  return NullLink(ip, family, false);
}
ByteVec NullBeLink(const ByteVec& ip, std::uint32_t family) {
  return NullLink(ip, family, true);
}

// One connection per address family value: IPv4 with the first, IPv6 with the others.
std::vector<TimedFrame> FamilyConversations(const std::vector<std::uint32_t>& families,
                                            ByteVec (*link)(const ByteVec&, std::uint32_t)) {
  std::vector<Conversation> convs;
  for (std::size_t i = 0; i < families.size(); ++i) {
    const auto port = static_cast<std::uint16_t>(kDefaultClientPort + i);
    Conversation c = i == 0 ? Conv(port, Framing::kRaw) : V6Conv(port, Framing::kRaw);
    const std::uint32_t family = families[i];
    c.SetFramer([link, family](const ByteVec& ip, bool) { return link(ip, family); });
    Exchange(c, "GET /family/" + std::to_string(family) + " HTTP/1.0\r\n\r\n",
             "HTTP/1.0 200 OK\r\n\r\naddress family " + std::to_string(family) + "\n");
    convs.push_back(c);
  }
  return Sequential(convs);
}

ByteVec NullLe() {
  return ToPcap(FamilyConversations({2, 24, 28, 30}, NullLeLink), 0);
}
ByteVec NullBe() {
  return ToPcap(FamilyConversations({2, 24, 28, 30}, NullBeLink), 0);
}
ByteVec Loop() {
  return ToPcap(FamilyConversations({2, 24}, LoopLink), 108);
}

ByteVec Ipv6() {
  Conversation c = V6Conv();
  Exchange(c);
  return ToPcap(c.frames());
}

ByteVec Ipv6Ext() {
  Conversation c = V6Conv();
  c.SetPacketHook([](bool from_client, IpSpec& ip, TcpSpec& tcp) {
    if (tcp.payload.empty()) return;
    const ByteVec router_alert{0x05, 0x02, 0x00, 0x00};  // RFC 2711, value 0 (MLD)
    ByteVec routing{0, 0, 0, 0, 0, 0};                   // type 0, segments left 0, reserved
    if (from_client) {
      const ByteVec final_hop{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
      routing.insert(routing.end(), final_hop.begin(), final_hop.end());  // 2001:db8::1
    }
    ip.ipv6_ext = {{0, router_alert}, {43, routing}, {60, {}}};
  });
  Exchange(c);
  return ToPcap(c.frames());
}

ByteVec Ipv4Options() {
  Conversation c = Conv();
  c.SetPacketHook([n = 0](bool, IpSpec& ip, TcpSpec& tcp) mutable {
    if (tcp.payload.empty()) return;
    const int ihl = 6 + n++ % 10;  // 6..15
    ip.ipv4_options.assign(static_cast<std::size_t>((ihl - 5) * 4 - 1),
                           std::uint8_t{0x01});  // NOPs ...
    ip.ipv4_options.push_back(0x00);             // ... then EOL
  });
  c.Handshake();
  for (std::string_view part :
       {"GET /options HTTP/1.0\r\n", "Host: a\r\n", "Accept: */*\r\n", "X-Part: 4\r\n", "\r\n"}) {
    c.ClientSends(part);
  }
  for (std::string_view part : {"HTTP/1.0 200 OK\r\n", "Content-Type: text/plain\r\n",
                                "Content-Length: 6\r\n", "\r\n", "hello\n"}) {
    c.ServerSends(part);
  }
  c.ClientFin(false);
  c.ServerFin();
  return ToPcap(c.frames());
}

ByteVec EthPadding() {
  EthSpec eth;
  eth.pad_to = 60;
  Conversation c = Conv(kDefaultClientPort, Framing::kEthernet, eth);
  c.Handshake();
  c.ClientSends("GET /pad HTTP/1.0\r\n\r\n");
  c.ServerAck();
  c.ServerSends("HTTP/1.0 200 OK\r\n\r\nok");
  c.ClientAck();
  c.ClientSends("q");
  c.ServerAck();
  c.ClientFin(false);
  c.ServerFin();
  return ToPcap(c.frames());
}

ByteVec IpLenZero() {
  Conversation c = Conv();
  c.SetPacketHook([](bool, IpSpec& ip, TcpSpec& tcp) {
    if (!tcp.payload.empty()) ip.total_length_override = 0;
  });
  Exchange(c);
  return ToPcap(c.frames());
}

constexpr std::string_view kLongRequest =
    "GET /a/rather/long/path/that/will/not/fit/in/eighty/bytes.html HTTP/1.0\r\nHost: a\r\n\r\n";
constexpr std::string_view kLongResponse =
    "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 40\r\n\r\n"
    "this body is cut off by the 80 B snaplen";

ByteVec TruncatedV4() {
  Conversation c = Conv();
  Exchange(c, kLongRequest, kLongResponse);
  return ToPcap(c.frames(), 1, {.snaplen = 80});
}

ByteVec TruncatedV6() {
  Conversation c = V6Conv();
  Exchange(c, kLongRequest, kLongResponse);
  return ToPcap(c.frames(), 1, {.snaplen = 80});
}

ByteVec Ooo() {
  Conversation c = Conv();
  c.Handshake();
  c.ClientSegmentAt(8, "CCCC");
  c.ClientSegmentAt(0, "AAAA");
  c.ClientSegmentAt(4, "BBBB");
  Close(c, 12);
  return ToPcap(c.frames());
}

ByteVec RetxSame() {
  Conversation c = Conv();
  c.Handshake();
  c.ClientSends("AAAA");
  c.ClientSegmentAt(0, "AAAA");
  c.ClientSends("BBBB");
  Close(c, 8);
  return ToPcap(c.frames());
}

ByteVec RetxDiff() {
  Conversation c = Conv();
  c.Handshake();
  c.ClientSends("AAAA");
  c.ClientSegmentAt(0, "XXXX");
  c.ClientSends("BBBB");
  Close(c, 8);
  return ToPcap(c.frames());
}

ByteVec OverlapPartial() {
  Conversation c = Conv();
  c.Handshake();
  c.ClientSends("AAAAAAAA");
  c.ClientSegmentAt(2, "XXXX");
  c.ClientSends("CC");
  Close(c, 10);
  return ToPcap(c.frames());
}

ByteVec Hole() {
  Conversation c = Conv();
  c.Handshake();
  c.ClientSegmentAt(0, "AAAA");
  c.ClientSegmentAt(8, "CCCC");
  Close(c, 12);
  return ToPcap(c.frames());
}

// Holes at the start, middle and end of both directions, and a client FIN beyond its last byte.
ByteVec HolesBoth() {
  Conversation c = Conv();
  c.Handshake();
  c.ClientSegmentAt(3, "T /a HTTP/1.0\r\n");        // [0, 3) missing
  c.ClientSegmentAt(40, "Host: example\r\n");       // [18, 40) missing
  c.ClientSegmentAt(70, "\r\n");                    // [55, 70) missing
  c.ServerSegmentAt(0, "HTTP/1.0 200 OK\r\n\r\n");  // 19 bytes
  c.ServerSegmentAt(100, "middle");                 // [19, 100) missing
  c.ServerSegmentAt(200, "end");                    // [106, 200) missing
  c.SetServerNext(203);
  c.ServerFin();
  c.SetClientNext(80);  // [72, 80) never came: the FIN says the stream was longer
  c.ClientFin();
  return ToPcap(c.frames());
}

ByteVec HoleFilled() {
  Conversation c = Conv();
  c.Handshake();
  c.ClientSegmentAt(0, "AAAA");
  c.ClientSegmentAt(8, "CCCC");
  c.SetClientNext(12);
  c.ClientFin(true);
  c.ClientSegmentAt(4, "BBBB");
  c.ServerSends(kShortResponse);
  c.ServerFin();
  return ToPcap(c.frames());
}

ByteVec Midstream() {
  Conversation c = Conv();  // no handshake: S = ISN + 5
  c.ClientSegmentAt(4, "BBBB");
  c.ClientSegmentAt(8, "CCCC");
  c.ClientSegmentAt(0, "AAAA");
  Close(c, 12);
  return ToPcap(c.frames());
}

ByteVec BeforeIsn() {
  Conversation c = Conv();
  c.Handshake();
  c.ClientSegmentAt(-4, "ZZZZ");
  c.ClientSends("AAAA");
  Close(c, 4);
  return ToPcap(c.frames());
}

ByteVec Skip() {
  Conversation c = Conv();
  c.Handshake();
  c.ClientSends("AAAA");
  c.ClientSegmentAt(204, "CCCC");
  Close(c, 208);
  return ToPcap(c.frames());
}

ByteVec Keepalive() {
  Conversation c = Conv();
  c.Handshake();
  c.ClientSends("AAAA");
  c.ServerSends(kShortResponse);
  c.ClientSegmentAt(3, std::string_view("\0", 1), kAck);
  c.ClientFin(false);
  c.ServerFin();
  return ToPcap(c.frames());
}

ByteVec Wrap() {
  Conversation c(std::string(kDefaultClientIp), kDefaultClientPort, std::string(kDefaultServerIp),
                 kDefaultServerPort, 0xFFFFFFF0, 0xFFFFFF80);
  c.Handshake();
  for (char letter : std::string_view("abcde")) c.ClientSends(std::string(19, letter) + "\n");
  c.ServerSends("HTTP/1.0 200 OK\r\n\r\n" + std::string(181, 'w'));
  c.ClientFin(false);
  c.ServerFin();
  return ToPcap(c.frames());
}

ByteVec WrapIsnMax() {
  Conversation c(std::string(kDefaultClientIp), kDefaultClientPort, std::string(kDefaultServerIp),
                 kDefaultServerPort, 0xFFFFFFFF, kServerIsn);
  Exchange(c);
  return ToPcap(c.frames());
}

ByteVec SynData() {
  Conversation c = Conv();
  c.ClientSyn("SYNDATA");
  c.ServerSynAck();
  c.ClientAck();
  c.ClientSends("AAAA");
  c.ServerSends(kShortResponse);
  c.ClientFin(false);
  c.ServerFin();
  return ToPcap(c.frames());
}

ByteVec FinData() {
  Conversation c = Conv();
  c.Handshake();
  c.ClientSends("AAAA");
  c.ServerSends(kShortResponse);
  c.ClientSends("BBBB", kFin | kAck | kPsh);
  c.ServerAck();
  c.ClientSends("CCCC");
  c.ServerFin();
  return ToPcap(c.frames());
}

ByteVec Rst() {
  Conversation c = Conv();
  c.Handshake();
  c.ClientSends("AAAA");
  c.ServerSends(kShortResponse);
  c.ClientRst();
  c.ClientSends("BBBB");
  return ToPcap(c.frames());
}

ByteVec Reuse() {
  std::vector<Conversation> convs;
  const std::array<std::string_view, 3> names{"one", "two", "three"};
  for (std::size_t i = 0; i < names.size(); ++i) {
    Conversation c(std::string(kDefaultClientIp), kDefaultClientPort, std::string(kDefaultServerIp),
                   kDefaultServerPort, kClientIsn + static_cast<std::uint32_t>(i) * 50000000,
                   kServerIsn + static_cast<std::uint32_t>(i) * 70000000);
    Exchange(c, "GET /" + std::string(names[i]) + " HTTP/1.0\r\n\r\n",
             "HTTP/1.0 200 OK\r\n\r\nconnection " + std::string(names[i]) + "\n");
    convs.push_back(c);
  }
  return ToPcap(Sequential(convs, 10));
}

ByteVec Syn2() {
  Conversation first = Conv();
  first.ClientSyn();
  Conversation second(std::string(kDefaultClientIp), kDefaultClientPort,
                      std::string(kDefaultServerIp), kDefaultServerPort, kClientIsn + 6000,
                      kServerIsn);
  second.SetTime(kT0, 100000);
  Exchange(second);
  return ToPcap(MergeFrames({first.frames(), second.frames()}));
}

ByteVec Timeout() {
  Conversation a = Conv(34567);
  a.Handshake();
  a.ClientSends("GET /slow HTTP/1.0\r\n");
  a.SetTime(kT0 + 101, 0);
  a.ClientSends("Host: a\r\n\r\n");
  a.ServerSends("HTTP/1.0 200 OK\r\n\r\nfinally\n");
  a.ClientFin(false);
  a.ServerFin();
  Conversation b = Conv(34568);
  b.SetTime(kT0 + 1, 0);
  b.SetGapUsec(12000000);  // 12 s between packets: B runs while A is idle
  Exchange(b, "GET /fast HTTP/1.0\r\n\r\n", "HTTP/1.0 200 OK\r\n\r\nquick\n");
  return ToPcap(MergeFrames({a.frames(), b.frames()}));
}

ByteVec Interleaved20() {
  std::vector<std::vector<TimedFrame>> lists;
  for (int i = 0; i < 20; ++i) {
    Conversation c = Conv(static_cast<std::uint16_t>(40000 + i));
    c.SetTime(kT0, static_cast<std::uint32_t>(i) * 1000);  // conn i is i ms behind conn 0 ...
    c.SetGapUsec(20000);  // ... and each steps 20 ms: frames come round-robin
    const int client_segments = 3 + i % 3;
    const int server_segments = 3 + (i + 1) % 3;
    const std::string tag = (i < 10 ? "0" : "") + std::to_string(i);
    c.Handshake();
    for (int k = 0; k < std::max(client_segments, server_segments); ++k) {
      if (k < client_segments)
        c.ClientSends("conn " + tag + " request line " + std::to_string(k) + "\r\n");
      if (k < server_segments)
        c.ServerSends("conn " + tag + " response line " + std::to_string(k) + "\r\n");
    }
    c.ClientFin(false);
    c.ServerFin();
    lists.push_back(c.frames());
  }
  return ToPcap(MergeFrames(lists));
}

ByteVec ManySmall() {
  std::vector<std::vector<TimedFrame>> lists;
  for (int i = 0; i < 300; ++i) {
    Conversation c = Conv(static_cast<std::uint16_t>(20000 + i));
    c.SetTime(kT0 + i, 0);
    c.SetGapUsec(10000);
    c.Handshake();
    for (int k = 0; k < 1 + i % 3; ++k) {
      const std::string text = "conn " + std::to_string(i) + " segment " + std::to_string(k) + "\n";
      if (k % 2 == 0) {
        c.ClientSends(text);
      } else {
        c.ServerSends(text);
      }
    }
    c.ClientFin(false);
    c.ServerFin();
    lists.push_back(c.frames());
  }
  return ToPcap(MergeFrames(lists));
}

ByteVec TruncatedFile() {
  PcapWriter w;
  AppendFrames(w, BasicFrames());
  const std::size_t start = w.record_offsets()[4];
  const std::size_t end = w.record_offsets()[5];
  const ByteVec& all = w.bytes();
  return ByteVec(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(start + (end - start) / 2));
}

ByteVec BadCaplen() {
  const std::vector<TimedFrame> frames = BasicFrames();
  PcapWriter w;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const TimedFrame& f = frames[i];
    if (i == 3) {
      w.AddRawRecord(f.sec, f.usec, 0x7fffffff, static_cast<std::uint32_t>(f.bytes.size()),
                     f.bytes);
    } else {
      w.Add(f.sec, f.usec, f.bytes);
    }
  }
  return w.bytes();
}

// ---- Damaged capture files (issue #7 item 6): each keeps what comes before the damage.

// basic with a zero-length record (caplen 0, wire length 60) after the 3rd record and another
// after the 5th; every real record is kept.
ByteVec ZeroCaplen() {
  const std::vector<TimedFrame> frames = BasicFrames();
  PcapWriter w;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const TimedFrame& f = frames[i];
    w.Add(f.sec, f.usec, f.bytes);
    if (i == 2 || i == 4) w.AddRawRecord(f.sec, f.usec, 0, 60, {});
  }
  return w.bytes();
}

// basic in a file whose header says snaplen 80, with every record as long as its frame (the
// 4th and 5th, with payload, are longer than 80).
ByteVec CaplenOverSnaplen() {
  PcapWriter w({.snaplen = 80});
  for (const TimedFrame& f : BasicFrames()) {
    const auto size = static_cast<std::uint32_t>(f.bytes.size());
    w.AddRawRecord(f.sec, f.usec, size, size, f.bytes);
  }
  return w.bytes();
}

// basic's first 4 records, then a record claiming 300000 captured bytes (above 256 KiB) that
// really holds the 5th frame, then the rest.
ByteVec CaplenOver256k() {
  const std::vector<TimedFrame> frames = BasicFrames();
  PcapWriter w;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const TimedFrame& f = frames[i];
    if (i == 4) {
      w.AddRawRecord(f.sec, f.usec, 300000, 300000, f.bytes);
    } else {
      w.Add(f.sec, f.usec, f.bytes);
    }
  }
  return w.bytes();
}

// basic_pcapng's first 5 packets, then an enhanced packet block whose total length (30) is not
// a multiple of 4, then the other packets.
ByteVec PcapngBadBlockLen() {
  const std::vector<TimedFrame> frames = BasicFrames();
  PcapngWriter head;
  const std::uint32_t eth = head.AddInterface(1, 262144, 9);
  AppendFrames(head, eth, std::vector<TimedFrame>(frames.begin(), frames.begin() + 5));
  PcapngWriter all;
  AppendFrames(all, all.AddInterface(1, 262144, 9), frames);
  ByteVec out = head.bytes();
  // Type 6 (EPB), total length 30 (little-endian), 18 zero bytes of body, the length again.
  ByteVec bad = {6, 0, 0, 0, 30, 0, 0, 0};
  bad.resize(26, 0);
  bad.insert(bad.end(), {30, 0, 0, 0});
  out.insert(out.end(), bad.begin(), bad.end());
  out.insert(out.end(), all.bytes().begin() + static_cast<std::ptrdiff_t>(head.bytes().size()),
             all.bytes().end());
  return out;
}

// ---- End of the damaged capture files.

ByteVec NotACapture() {
  return ToBytes(
      "This is a plain text file, not a packet capture.\n"
      "tcpflow should report that it cannot read it.\n");
}

ByteVec Empty() {
  return PcapWriter().bytes();
}

ByteVec ArpRequest() {
  return {0x00, 0x01, 0x08, 0x00, 6,    4,    0x00, 0x01,  // Ethernet/IPv4, request
          0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 192,  168,  1, 2,
          0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 192,  168,  1, 1};
}

// A DNS query for example.test (type A), or its answer 192.0.2.80 (RFC 1035).
ByteVec DnsMessage(bool response) {
  const std::uint8_t flags_high = response ? 0x81 : 0x01;
  const std::uint8_t flags_low = response ? 0x80 : 0x00;
  const std::uint8_t answers = response ? 1 : 0;
  ByteVec m{0x12, 0x34, flags_high, flags_low, 0, 1, 0, answers, 0, 0, 0, 0};
  std::string rest("\7example\4test\0\0\1\0\1", 18);  // question: name, type A, class IN
  if (response) rest.append("\xc0\x0c\0\1\0\1\0\0\x01\x2c\0\4\xc0\0\2\x50", 16);
  for (char c : rest) m.push_back(static_cast<std::uint8_t>(c));
  return m;
}

ByteVec IcmpEcho(bool reply) {
  ByteVec m{static_cast<std::uint8_t>(reply ? 0 : 8), 0, 0, 0, 0x00, 0x01, 0x00, 0x01};
  const ByteVec data = ToBytes("ping payload 0123456789");
  m.insert(m.end(), data.begin(), data.end());
  const std::uint16_t sum = InternetChecksum(m);
  m[2] = static_cast<std::uint8_t>(sum >> 8);
  m[3] = static_cast<std::uint8_t>(sum);
  return m;
}

ByteVec NonTcp() {
  const std::string client(kDefaultClientIp);
  IpSpec dns_query{.src = client, .dst = "192.168.1.1"};
  IpSpec dns_reply{.src = "192.168.1.1", .dst = client};
  IpSpec ping{.src = client, .dst = std::string(kDefaultServerIp), .protocol = 1};
  IpSpec pong{.src = std::string(kDefaultServerIp), .dst = client, .protocol = 1};
  EthSpec arp{.dst = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, .ethertype = 0x0806};
  EthSpec eth;
  const std::vector<TimedFrame> extras{
      {kT0, 50000, Ethernet(arp, ArpRequest())},
      {kT0, 150000, Ethernet(eth, BuildUdp(dns_query, 53001, 53, DnsMessage(false)))},
      {kT0, 250000, Ethernet(eth, BuildUdp(dns_reply, 53, 53001, DnsMessage(true)))},
      {kT0, 350000, Ethernet(eth, BuildIp(ping, IcmpEcho(false)))},
      {kT0, 450000, Ethernet(eth, BuildIp(pong, IcmpEcho(true)))},
  };
  return ToPcap(MergeFrames({BasicFrames(), extras}));
}

ByteVec Malformed() {
  const std::string bad_client = "192.168.1.66";
  const std::string server(kDefaultServerIp);
  auto segment = [&](std::uint16_t sport, std::string_view data) {
    return TcpSpec{.sport = sport,
                   .dport = 80,
                   .seq = 7000,
                   .ack = 9000,
                   .flags = kAck | kPsh,
                   .payload = ToBytes(data)};
  };
  auto cut = [](ByteVec frame, std::size_t n) {
    frame.resize(n);
    return frame;
  };
  const EthSpec eth;
  const IpSpec v4{.src = bad_client, .dst = server};
  IpSpec ihl3 = v4;
  ihl3.ihl_override = 3;
  TcpSpec doff2 = segment(40005, "DOFF2");
  doff2.data_offset_override = 2;
  TcpSpec doff15 = segment(40006, "DOFF15");
  doff15.data_offset_override = 15;
  IpSpec v6_long{.src = "2001:db8::66", .dst = std::string(kV6Server)};
  v6_long.total_length_override = 20 + 6 + 100;
  const std::vector<TimedFrame> bad{
      {kT0, 50000, cut(Ethernet(eth, BuildTcp(v4, segment(40001, "ETHCUT"))), 10)},
      {kT0, 150000, cut(Ethernet(eth, BuildTcp(v4, segment(40002, "IPCUT"))), 14 + 12)},
      {kT0, 250000, cut(Ethernet(eth, BuildTcp(v4, segment(40003, "TCPCUT"))), 14 + 20 + 10)},
      {kT0, 350000, Ethernet(eth, BuildTcp(ihl3, segment(40004, "IHL3")))},
      {kT0, 450000, Ethernet(eth, BuildTcp(v4, doff2))},
      {kT0, 550000, Ethernet(eth, BuildTcp(v4, doff15))},
      {kT0, 650000, Ethernet(eth, BuildTcp(v6_long, segment(40007, "V6LONG")))},
  };
  return ToPcap(MergeFrames({BasicFrames(), bad}));
}

// A 100-byte request sent as three fragments (48 + 48 + 24 bytes of the 120-byte TCP segment).
constexpr std::string_view kFragRequest =
    "GET /fragmented/request/that/needs/three/ip/fragments/to/carry/it HTTP/1.0\r\nHost: "
    "fragments.test\r\n\r\n";
static_assert(kFragRequest.size() == 100);

ByteVec Fragmented(bool v6) {
  Conversation a = v6 ? V6Conv(34567) : Conv(34567);
  a.Handshake();
  a.ClientSendsFragmented(kFragRequest, 48);
  a.ServerSends(kResponse);
  a.ClientFin(false);
  a.ServerFin();
  Conversation b = v6 ? V6Conv(34568) : Conv(34568);
  Exchange(b, "GET /whole HTTP/1.0\r\n\r\n", "HTTP/1.0 200 OK\r\n\r\nnot fragmented\n");
  return ToPcap(Sequential({a, b}));
}

ByteVec FragV4() {
  return Fragmented(false);
}
ByteVec FragV6() {
  return Fragmented(true);
}

ByteVec MixedPcapng() {
  Conversation a = Conv(34567);
  Exchange(a);
  Conversation b("192.168.1.3", 34568, "10.0.0.2", 8080, 7000, 9000, Framing::kRaw);
  b.SetTime(kT0, 50000);
  Exchange(b, "GET /raw HTTP/1.0\r\n\r\n", "HTTP/1.0 200 OK\r\n\r\nfrom the raw interface\n");
  struct OnInterface {
    std::uint32_t interface_id;
    TimedFrame frame;
  };
  std::vector<OnInterface> all;
  PcapngWriter w;
  for (const auto& [conv, linktype] : {std::pair{&a, 1}, std::pair{&b, 101}}) {
    const std::uint32_t id = w.AddInterface(static_cast<std::uint16_t>(linktype));
    for (const TimedFrame& f : conv->frames()) all.push_back({id, f});
  }
  std::stable_sort(all.begin(), all.end(), [](const OnInterface& x, const OnInterface& y) {
    return x.frame.sec != y.frame.sec ? x.frame.sec < y.frame.sec : x.frame.usec < y.frame.usec;
  });
  for (const OnInterface& t : all) AppendFrames(w, t.interface_id, {t.frame});
  return w.bytes();
}

// ------------------------------------------------------------------------------------- table

ByteVec ManyPackets() {
  Conversation c = Conv(kDefaultClientPort);
  c.Handshake();
  const std::string line(100, 'x');
  for (int i = 0; i < 6000; ++i) c.ClientSends(line);
  c.ClientFin();
  c.ServerFin();
  return ToPcap(c.frames());
}

ByteVec BadAndGood() {
  Conversation a = Conv(34567);
  Exchange(a, "BAD request\r\n", "ERR no\r\n");
  Conversation b = Conv(34568);
  Exchange(b);
  return ToPcap(Sequential({a, b}));
}

ByteVec DataAfterFin() {
  Conversation c = Conv(kDefaultClientPort);
  c.Handshake();
  c.ClientSends("hello ");
  c.ClientFin();
  c.ClientSegmentAt(7, "world\n");  // new data after the FIN (its sequence number is 6)
  c.ServerFin();
  return ToPcap(c.frames());
}

// ---------------------------------------------------------------- large captures (limits)

// The dotted IPv4 address 10.a.b.c for a counter n < 2^24.
std::string TenNet(std::uint32_t n) {
  return "10." + std::to_string(n >> 16 & 0xff) + "." + std::to_string(n >> 8 & 0xff) + "." +
         std::to_string(n & 0xff);
}

// One record per SYN, 10 us apart, each from its own address: 1,000,000 connections that never
// send data (about 70 MB).
ByteVec SynFlood() {
  constexpr std::uint32_t kSyns = 1000000;
  PcapWriter w;
  const EthSpec eth;
  for (std::uint32_t i = 0; i < kSyns; ++i) {
    const IpSpec ip{.src = TenNet(i + 1), .dst = "192.0.2.80"};
    const TcpSpec tcp{.sport = static_cast<std::uint16_t>(1024 + i % 60000),
                      .dport = 80,
                      .seq = i * 2654435761u,
                      .flags = kSyn};
    const std::uint64_t usec = std::uint64_t{i} * 10;
    w.Add(kT0 + static_cast<std::int64_t>(usec / 1000000),
          static_cast<std::uint32_t>(usec % 1000000), Ethernet(eth, BuildTcp(ip, tcp)));
  }
  return w.bytes();
}

// Writes the frames that `step` adds to each connection in turn, stamped 10 us apart from
// `usec` on (which it advances).
template <typename Step>
void RoundRobin(std::vector<Conversation>& convs, PcapWriter& w, std::uint64_t& usec,
                const Step& step) {
  for (std::size_t i = 0; i < convs.size(); ++i) {
    Conversation& c = convs[i];
    const std::size_t before = c.frames().size();
    step(c, i);
    for (std::size_t k = before; k < c.frames().size(); ++k) {
      w.Add(kT0 + static_cast<std::int64_t>(usec / 1000000),
            static_cast<std::uint32_t>(usec % 1000000), c.frames()[k].bytes);
      usec += 10;
    }
  }
}

// 32 connections that each send 2 MiB in 1448-byte segments with a 52-byte hole in front of
// every segment (never filled), round-robin, then FIN: about 70 MB, all of it out of order.
ByteVec HoleFlood() {
  constexpr std::uint16_t kFlows = 32;
  constexpr std::uint32_t kSegments = 1449;  // 1449 * 1448 bytes: just over 2 MiB per flow
  constexpr std::uint32_t kStride = 1500;
  constexpr std::uint32_t kSegment = 1448;
  std::vector<Conversation> convs;
  for (std::uint16_t f = 0; f < kFlows; ++f) convs.push_back(Conv(30000 + f));
  PcapWriter w;
  std::uint64_t usec = 0;
  RoundRobin(convs, w, usec, [](Conversation& c, std::size_t) { c.Handshake(); });
  const EthSpec eth;
  for (std::uint32_t k = 0; k < kSegments; ++k) {
    for (std::uint16_t f = 0; f < kFlows; ++f) {
      const IpSpec ip{.src = std::string(kDefaultClientIp), .dst = std::string(kDefaultServerIp)};
      const std::uint32_t offset = k * kStride + (kStride - kSegment);
      const TcpSpec tcp{
          .sport = static_cast<std::uint16_t>(30000 + f),
          .dport = kDefaultServerPort,
          .seq = kClientIsn + 1 + offset,
          .ack = kServerIsn + 1,
          .flags = kAck,
          .payload = ByteVec(kSegment, static_cast<std::uint8_t>('A' + (k + f) % 26))};
      w.Add(kT0 + static_cast<std::int64_t>(usec / 1000000),
            static_cast<std::uint32_t>(usec % 1000000), Ethernet(eth, BuildTcp(ip, tcp)));
      usec += 10;
    }
  }
  RoundRobin(convs, w, usec, [](Conversation& c, std::size_t) {
    c.SetClientNext(std::int64_t{kSegments} * kStride);
    c.ClientFin(false);
  });
  return w.bytes();
}

// 10,000 connections (client ports 20000-29999) open at once: every handshake, then three
// rounds of a request and a response on each connection in turn, then every close. 20,000
// flows, each holding text that names its connection and round.
ByteVec Concurrent10k() {
  constexpr std::uint16_t kConnections = 10000;
  std::vector<Conversation> convs;
  convs.reserve(kConnections);
  for (std::uint16_t i = 0; i < kConnections; ++i) convs.push_back(Conv(20000 + i));
  PcapWriter w;
  std::uint64_t usec = 0;
  RoundRobin(convs, w, usec, [](Conversation& c, std::size_t) { c.ClientSyn(); });
  RoundRobin(convs, w, usec, [](Conversation& c, std::size_t) { c.ServerSynAck(); });
  RoundRobin(convs, w, usec, [](Conversation& c, std::size_t) { c.ClientAck(); });
  for (int r = 0; r < 3; ++r) {
    const std::string round = std::to_string(r);
    RoundRobin(convs, w, usec, [&round](Conversation& c, std::size_t i) {
      c.ClientSends("GET /conn/" + std::to_string(i) + "/round/" + round + " HTTP/1.1\r\n\r\n");
    });
    RoundRobin(convs, w, usec, [&round](Conversation& c, std::size_t i) {
      c.ServerSends("connection " + std::to_string(i) + " answers round " + round + "\n");
    });
  }
  RoundRobin(convs, w, usec, [](Conversation& c, std::size_t) { c.ClientFin(); });
  RoundRobin(convs, w, usec, [](Conversation& c, std::size_t) { c.ServerFin(); });
  return w.bytes();
}

constexpr std::array kScenarios{
    Scenario{"many_packets", "one connection of 6000 client segments of 100 bytes (progress line)",
             ManyPackets},
    Scenario{"bad_and_good",
             "two connections: the first client sends 'BAD request', the second a GET (a python "
             "plugin that raises on one flow)",
             BadAndGood},
    Scenario{"data_after_fin",
             "client sends 'hello ', FIN, then 'world\\n' after the FIN: a second flow (c1), "
             "or with -P one file 'hello ' + hole + 'world'",
             DataAfterFin},
    Scenario{"demo",
             "two HTTP/1.0 connections (ports 34567, 34568) with short HTML pages over Ethernet; 4 "
             "flow files, requests and full responses",
             Demo},
    Scenario{"basic",
             "one HTTP connection 192.168.1.2:34567 -> 10.0.0.1:80 over Ethernet; flows: 27-byte "
             "request, 43-byte response",
             Basic},
    Scenario{"basic_be", "basic as a big-endian pcap; same flows as basic", BasicBe},
    Scenario{"basic_ns", "basic as a nanosecond pcap (magic a1b23c4d); same flows as basic",
             BasicNs},
    Scenario{"basic_pcapng",
             "basic as pcapng, one Ethernet interface, if_tsresol 9; same flows as basic",
             BasicPcapng},
    Scenario{"vlan",
             "basic inside 802.1Q VID 100 priority 3 (TCI 0x6064); same bytes as basic, VLAN 100 "
             "(1.6.1 names it --24676)",
             Vlan},
    Scenario{"vlan0", "basic inside 802.1Q VID 0; same bytes as basic, VLAN suffix --0", Vlan0},
    Scenario{"qinq",
             "basic inside 0x88a8 VID 200 + 0x8100 VID 100; same bytes, outer VLAN 200 (1.6.1: no "
             "suffix)",
             QinQ},
    Scenario{"qinq_8100",
             "basic inside 0x8100 VID 200 + 0x8100 VID 100; same bytes, VLAN suffix --200",
             QinQ8100},
    Scenario{"vlan_9100",
             "basic inside 0x9100 VID 300 + 0x8100 VID 100; same bytes, outer VLAN 300 (1.6.1: no "
             "suffix)",
             Vlan9100},
    Scenario{"sll", "basic over Linux cooked capture (DLT 113); same flows as basic", Sll},
    Scenario{"raw101",
             "RAW (DLT 101): an IPv4 connection then an IPv6 one 2001:db8::2.34568 -> "
             "2001:db8::1.80; 4 flows",
             Raw101},
    Scenario{"raw12", "raw101's packets with DLT 12; 4 flows", Raw12},
    Scenario{"raw14", "raw101's packets with DLT 14 (libpcap may reject it); 4 flows", Raw14},
    Scenario{"null_le",
             "DLT_NULL little-endian: IPv4 family 2 (port 34567), IPv6 families 24, 28, 30 (ports "
             "34568-34570); 8 flows (1.6.1: IPv4 only)",
             NullLe},
    Scenario{"null_be", "null_le with big-endian family fields; 8 flows (1.6.1: none)", NullBe},
    Scenario{"loop",
             "DLT_LOOP (108, big-endian family): IPv4 family 2 and IPv6 family 24; 4 flows (1.6.1: "
             "unknown DLT)",
             Loop},
    Scenario{
        "ipv6",
        "basic over IPv6 2001:db8::2.34567 -> 2001:db8::1.80 on Ethernet; 27- and 43-byte flows",
        Ipv6},
    Scenario{"ipv6_ext",
             "ipv6 with hop-by-hop + routing (type 0) + destination options headers on every data "
             "segment; same flows as ipv6 (1.6.1: data dropped)",
             Ipv6Ext},
    Scenario{"ipv4_options",
             "one connection whose 10 data segments carry IPv4 options, IHL 6..15 (NOP/EOL); "
             "client 'GET /options...' 58 bytes, server 70 bytes",
             Ipv4Options},
    Scenario{"eth_padding",
             "pure ACKs and a 1-byte segment padded to 60-byte frames with 0xEE; client 'GET /pad "
             "HTTP/1.0\\r\\n\\r\\nq' (22 B), server 21 B, no 0xEE (1.6.1 stores padding)",
             EthPadding},
    Scenario{"ip_len_zero",
             "basic with IPv4 total length 0 on data segments (TSO); same flows as basic, length "
             "from the captured bytes (1.6.1: zeros)",
             IpLenZero},
    Scenario{"truncated_v4",
             "snaplen 80, IPv4: data segments cut to 26 captured payload bytes; request 84 B and "
             "response 105 B with the missing bytes as holes",
             TruncatedV4},
    Scenario{"truncated_v6",
             "snaplen 80, IPv6: data segments cut to 6 captured payload bytes; the rest are holes, "
             "never bytes from beyond the capture",
             TruncatedV6},
    Scenario{"ooo", "client segments at offsets 8, 0, 4 (C, A, B); client flow AAAABBBBCCCC", Ooo},
    Scenario{"retx_same", "AAAA, AAAA again at 0, BBBB; client flow AAAABBBB", RetxSame},
    Scenario{"retx_diff",
             "AAAA at 0, XXXX at 0, BBBB at 4; client flow AAAABBBB with first-copy-wins (1.6.1: "
             "XXXXBBBB)",
             RetxDiff},
    Scenario{"overlap_partial",
             "AAAAAAAA at 0, XXXX at 2, CC at 8; client flow AAAAAAAACC first-copy-wins (1.6.1: "
             "AAXXAAAACC)",
             OverlapPartial},
    Scenario{"hole",
             "AAAA at 0, CCCC at 8, FIN at 12, 4..8 never sent; client flow AAAA\\0\\0\\0\\0CCCC",
             Hole},
    Scenario{"holes_both",
             "holes at start, middle and end of both directions; the client's FIN 8 bytes past "
             "its last byte",
             HolesBoth},
    Scenario{"hole_filled", "AAAA at 0, CCCC at 8, FIN, then BBBB at 4; client flow AAAABBBBCCCC",
             HoleFilled},
    Scenario{"midstream",
             "no handshake: BBBB at S, CCCC at S+4, then AAAA at S-4; client flow AAAABBBBCCCC",
             Midstream},
    Scenario{"before_isn", "handshake, then ZZZZ at offset -4, then AAAA at 0; client flow AAAA",
             BeforeIsn},
    Scenario{
        "skip",
        "AAAA at 0, CCCC at 204 (200-byte gap); client flow AAAA + 200 zero bytes + CCCC (208 B)",
        Skip},
    Scenario{"keepalive", "AAAA then a 1-byte keepalive '\\0' at offset 3; client flow AAAA",
             Keepalive},
    Scenario{"wrap",
             "client ISN 0xFFFFFFF0 (100 B in 5 segments), server ISN 0xFFFFFF80 (200 B); both "
             "cross 2^32, contiguous flows",
             Wrap},
    Scenario{"wrap_isn_max",
             "basic with client ISN 0xFFFFFFFF (first data byte at seq 0); same flows as basic",
             WrapIsnMax},
    Scenario{"syn_data", "SYN carrying SYNDATA, then AAAA; client flow SYNDATAAAAA", SynData},
    Scenario{"fin_data",
             "AAAA, FIN carrying BBBB, then CCCC after the FIN on the same tuple; client AAAABBBB, "
             "then CCCC in a new flow (c1)",
             FinData},
    Scenario{
        "rst",
        "AAAA, client RST, then BBBB on the same tuple; client AAAA, then BBBB in a new flow (c1)",
        Rst},
    Scenario{"reuse",
             "three connections on one 4-tuple, each closed with FINs, 10 s apart; files '', c1, "
             "c2 per direction",
             Reuse},
    Scenario{"syn2",
             "SYN with ISN X, SYN with ISN X+6000 before any data, then basic's exchange from the "
             "second; 27- and 43-byte flows (1.6.1: 6000 zero bytes first)",
             Syn2},
    Scenario{"timeout",
             "A sends a request line, idles 100 s while B (port 34568) runs, then sends the rest; "
             "A's client flow is 31 B, or 20 B + 11 B in c1 with -S tcp_timeout=50",
             Timeout},
    Scenario{"interleaved20",
             "20 connections (ports 40000-40019), segments round-robin, 3-5 per direction; 40 "
             "flows, same output with -f 1",
             Interleaved20},
    Scenario{"many_small",
             "300 sequential connections (ports 20000-20299), 1-3 data segments each; 600 flows, "
             "some empty directions",
             ManySmall},
    Scenario{"truncated_file",
             "basic's capture cut in the middle of the 5th record; a truncated-file error after "
             "the first flows' data",
             TruncatedFile},
    Scenario{
        "bad_caplen",
        "basic with the 4th record's caplen set to 0x7fffffff after 3 good records; a read error",
        BadCaplen},
    // Damaged capture files (issue #7 item 6).
    Scenario{"zero_caplen",
             "basic with zero-length records after its 3rd and 5th records; basic's flows, then "
             "an error naming the first one's offset (234)",
             ZeroCaplen},
    Scenario{"caplen_over_snaplen",
             "basic in a file with snaplen 80 whose data records are longer; flows cut to what "
             "libpcap keeps (80 bytes of each frame), then an error naming the first long record",
             CaplenOverSnaplen},
    Scenario{"caplen_over_256k",
             "basic with the 5th record's caplen 300000 (above 256 KiB); the first 4 records' "
             "data, then an error naming its offset (331)",
             CaplenOver256k},
    Scenario{"pcapng_bad_block_len",
             "basic_pcapng with a block of total length 30 after 5 packets; those packets' data, "
             "then an error naming the block's offset",
             PcapngBadBlockLen},
    // End of the damaged capture files.
    Scenario{"not_a_capture", "a text file; an unknown-format error, no flows", NotACapture},
    Scenario{"empty", "a pcap header with no records; no flows, an empty report", Empty},
    Scenario{
        "non_tcp",
        "basic plus ARP, UDP DNS query/response and ICMP echo/reply frames; only basic's 2 flows",
        NonTcp},
    Scenario{"malformed",
             "basic plus frames cut in Ethernet/IPv4/TCP, IHL 3, TCP offset 2 and 15, IPv6 payload "
             "length past the capture; basic's flows, the rest counted as anomalies",
             Malformed},
    Scenario{"frag_v4",
             "a 100-byte request sent as 3 IPv4 fragments, then a normal connection; the whole "
             "request reassembled (1.6.1: 28 bytes then zeros)",
             FragV4},
    Scenario{
        "frag_v6",
        "frag_v4 over IPv6 with fragment headers; the whole request reassembled (1.6.1: dropped)",
        FragV6},
    Scenario{"mixed_pcapng",
             "pcapng with an Ethernet and a RAW interface, one connection on each, interleaved; 4 "
             "flows (1.6.1: error)",
             MixedPcapng},
};

// Captures of tens of megabytes for the memory and descriptor limits (tests/regress/
// run_limits.sh). They are made by name but left out of --list, so the tests that turn every
// listed scenario into seeds or compare it with tcpflow 1.6.1 do not grow by 150 MB.
constexpr std::array kLargeScenarios{
    Scenario{"syn_flood",
             "1,000,000 SYNs, each from its own address, 10 us apart, no data; no flow files, "
             "flow_cap_closed counted",
             SynFlood},
    Scenario{"hole_flood",
             "32 connections (ports 30000-30031) sending 2 MiB each, a 52-byte hole never filled "
             "before every 1448-byte segment, round-robin; out_of_order_limit_holes counted",
             HoleFlood},
    Scenario{"concurrent10k",
             "10,000 connections (ports 20000-29999) open at once: all handshakes, 3 rounds of "
             "request/response round-robin, then all FINs; 20,000 flows, same output with "
             "ulimit -n 64",
             Concurrent10k},
};

std::vector<Scenario> AllScenarios() {
  std::vector<Scenario> all;
  for (auto area : {CoreScenarios(), FragmentScenarios(), EncapsulationScenarios(),
                    InputScenarios(), HttpScenarios()}) {
    all.insert(all.end(), area.begin(), area.end());
  }
  return all;
}

const Scenario* Find(const std::vector<Scenario>& all, std::string_view name) {
  for (const Scenario& s : all) {
    if (s.name == name) return &s;
  }
  for (const Scenario& s : kLargeScenarios) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

int Usage() {
  std::cerr << "usage: gen_capture NAME OUTFILE | gen_capture --list | gen_capture --list-large |\n"
               "       gen_capture --describe NAME\n";
  return 2;
}

int Run(const std::vector<std::string_view>& args) {
  const std::vector<Scenario> all = AllScenarios();
  if (args.size() == 1 && args[0] == "--list") {
    for (const Scenario& s : all) std::cout << s.name << '\n';
    return 0;
  }
  if (args.size() == 1 && args[0] == "--list-large") {
    for (const Scenario& s : kLargeScenarios) std::cout << s.name << '\n';
    return 0;
  }
  if (args.size() != 2) return Usage();
  const bool describe = args[0] == "--describe";
  const Scenario* scenario = Find(all, describe ? args[1] : args[0]);
  if (scenario == nullptr) {
    std::cerr << "gen_capture: unknown capture name '" << (describe ? args[1] : args[0])
              << "' (see gen_capture --list)\n";
    return 2;
  }
  if (describe) {
    std::cout << scenario->name << ": " << scenario->description << '\n';
    return 0;
  }
  const std::string path(args[1]);
  if (!WriteFileBytes(path, scenario->build())) {
    std::cerr << "gen_capture: cannot write " << path << '\n';
    return 1;
  }
  return 0;
}

}  // namespace

std::span<const Scenario> CoreScenarios() {
  return kScenarios;
}

}  // namespace tcpflow::testing

int main(int argc, char** argv) {
  return tcpflow::testing::Run(std::vector<std::string_view>(argv + 1, argv + argc));
}
