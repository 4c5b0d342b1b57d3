// fragments.cpp: test captures of TCP segments sent as IP fragments (see tests/scenarios.h).
// References: RFC 791 section 3.2 (IPv4 fragmentation), RFC 8200 section 4.5 (IPv6 Fragment
// header), RFC 1858 (tiny and overlapping fragment attacks).
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "scenarios.h"

namespace tcpflow::testing {
namespace {

constexpr std::uint32_t kClientIsn = 1000;
constexpr std::uint32_t kServerIsn = 500000;
constexpr std::uint32_t kGapUsec = 100000;  // the Conversation's default spacing
constexpr std::string_view kV6Client = "2001:db8::2";
constexpr std::string_view kV6Server = "2001:db8::1";
constexpr std::uint8_t kProtoTcp = 6;
constexpr std::uint8_t kExtHopByHop = 0;
constexpr std::uint8_t kExtFragment = 44;
constexpr std::size_t kTcpHeaderSize = 20;  // no options in these segments
constexpr std::size_t kTcpFlagsAt = 13;

// One TCP connection: the Conversation that writes its ordinary packets, what is needed to build
// its fragmented segments by hand, and the frames of those fragments.
struct Link {
  Link(std::string client, std::uint16_t client_port, std::string server)
      : client_ip(std::move(client)),
        server_ip(std::move(server)),
        port(client_port),
        conv(client_ip, port, server_ip, kDefaultServerPort, kClientIsn, kServerIsn) {}

  std::string client_ip;
  std::string server_ip;
  std::uint16_t port;
  Conversation conv;
  std::vector<TimedFrame> fragments;
};

// One fragment: bytes [offset, offset + bytes.size()) of a TCP segment.
struct Piece {
  std::size_t offset;
  ByteVec bytes;
  bool more;
};

IpSpec Direction(const Link& link, bool from_client) {
  return IpSpec{.src = from_client ? link.client_ip : link.server_ip,
                .dst = from_client ? link.server_ip : link.client_ip};
}

// The in-sequence ACK|PSH segment (TCP header + data) that `from_client`'s side sends next.
ByteVec NextSegment(const Link& link, bool from_client, std::string_view data,
                    std::uint8_t flags = kAck | kPsh) {
  const std::uint32_t client_seq = link.conv.client_next_seq();
  const std::uint32_t server_seq = link.conv.server_next_seq();
  const TcpSpec tcp{.sport = from_client ? link.port : kDefaultServerPort,
                    .dport = from_client ? kDefaultServerPort : link.port,
                    .seq = from_client ? client_seq : server_seq,
                    .ack = from_client ? server_seq : client_seq,
                    .flags = flags,
                    .payload = ToBytes(data)};
  return BuildTcpSegment(Direction(link, from_client), tcp);
}

// Bytes [begin, end) of `segment` as a fragment; "more" unless it reaches the segment's end.
Piece Cut(const ByteVec& segment, std::size_t begin, std::size_t end) {
  return Piece{begin,
               ByteVec(segment.begin() + static_cast<std::ptrdiff_t>(begin),
                       segment.begin() + static_cast<std::ptrdiff_t>(end)),
               end < segment.size()};
}

// `segment` cut into `size`-byte fragments, first to last.
std::vector<Piece> Split(const ByteVec& segment, std::size_t size) {
  std::vector<Piece> pieces;
  for (std::size_t at = 0; at < segment.size(); at += size) {
    pieces.push_back(Cut(segment, at, std::min(segment.size(), at + size)));
  }
  return pieces;
}

std::vector<Piece> Reversed(std::vector<Piece> pieces) {
  std::reverse(pieces.begin(), pieces.end());
  return pieces;
}

// The Ethernet frame of one fragment with IP identification `id` (IPv4 flags/offset, or an IPv6
// Fragment header after `v6_ext`).
ByteVec FragmentFrame(const Link& link, bool from_client, std::uint16_t id, const Piece& piece,
                      const std::vector<IpSpec::Ext>& v6_ext = {}) {
  IpSpec ip = Direction(link, from_client);
  ip.protocol = kProtoTcp;
  ip.id = id;
  const auto units = static_cast<std::uint16_t>(piece.offset / 8);
  if (ip.src.find(':') != std::string::npos) {
    ip.ipv6_ext = v6_ext;
    // IPv6 identifications are 32 bits: use the upper half too.
    ip.ipv6_ext.push_back({kExtFragment, Ipv6FragmentBody(units, piece.more, 0x10000u + id)});
  } else {
    ip.fragment_offset_units = units;
    ip.more_fragments = piece.more;
  }
  EthSpec eth;
  if (!from_client) std::swap(eth.src, eth.dst);
  return Ethernet(eth, BuildIp(ip, piece.bytes));
}

// The time of the link's next frame: one gap after its latest one (conversation or fragment).
std::pair<std::int64_t, std::uint32_t> NextTime(const Link& link) {
  const TimedFrame& frame = link.conv.frames().back();
  auto [sec, usec] = std::pair{frame.sec, frame.usec};
  if (!link.fragments.empty()) {
    const TimedFrame& fragment = link.fragments.back();
    std::tie(sec, usec) = std::max(std::pair{sec, usec}, std::pair{fragment.sec, fragment.usec});
  }
  usec += kGapUsec;
  return {sec + usec / 1000000, usec % 1000000};
}

// Moves the sender's sequence number past a segment of `data_size` bytes sent by hand.
void Advance(Link& link, bool from_client, std::size_t data_size) {
  const auto size = static_cast<std::int64_t>(data_size);
  if (from_client) {
    link.conv.SetClientNext(std::int64_t{link.conv.client_next_seq() - kClientIsn - 1} + size);
  } else {
    link.conv.SetServerNext(std::int64_t{link.conv.server_next_seq() - kServerIsn - 1} + size);
  }
}

// Sends the segment carrying `data` as `pieces` (in that order), one frame per gap; the
// conversation then carries on after them.
void SendPieces(Link& link, bool from_client, std::uint16_t id, std::size_t data_size,
                const std::vector<Piece>& pieces, const std::vector<IpSpec::Ext>& v6_ext = {}) {
  auto [sec, usec] = NextTime(link);
  for (const Piece& piece : pieces) {
    link.fragments.push_back({sec, usec, FragmentFrame(link, from_client, id, piece, v6_ext)});
    usec += kGapUsec;
    sec += usec / 1000000;
    usec %= 1000000;
  }
  link.conv.SetTime(sec, usec);
  Advance(link, from_client, data_size);
}

void Finish(Link& link) {
  link.conv.ClientFin(false);
  link.conv.ServerFin();
}

ByteVec ToPcap(const std::vector<const Link*>& links) {
  std::vector<std::vector<TimedFrame>> lists;
  for (const Link* link : links) {
    lists.push_back(link->conv.frames());
    lists.push_back(link->fragments);
  }
  PcapWriter w;
  AppendFrames(w, MergeFrames(lists));
  return w.bytes();
}

// ---------------------------------------------------------------------------------- payloads

constexpr std::string_view kInorderRequest =
    "POST /fragments/in-order HTTP/1.0\r\nHost: frag-inorder.test\r\nContent-Length: 62\r\n\r\n"
    "alpha bravo charlie delta echo foxtrot golf hotel india juliet";
constexpr std::string_view kInorderTail = "\r\n(end of the in-order request)\r\n";
constexpr std::string_view kInorderResponse =
    "HTTP/1.0 200 OK\r\nServer: fragmenting-server\r\nContent-Type: text/plain\r\n\r\n"
    "The server's answer also travels in IP fragments, each 96 bytes of the TCP segment.\n"
    "Line two of the in-order response body, long enough for a third fragment.\n";

constexpr std::string_view kReverseRequest =
    "GET /fragments/last-to-first HTTP/1.0\r\nHost: frag-reverse.test\r\n"
    "X-Note: every fragment of this segment arrives after the one that follows it\r\n\r\n";
constexpr std::string_view kReverseResponse =
    "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n"
    "Reverse-order response: the final fragment was captured first, offset zero last.\n";

constexpr std::string_view kOverlapRequest =
    "GET /fragments/overlap?keep=first-copy HTTP/1.0\r\nHost: frag-overlap.test\r\n"
    "X-Check: the original bytes must win\r\n\r\n";

constexpr std::string_view kTinyRequest =
    "GET /fragments/tcp-header-rewrite HTTP/1.0\r\nHost: frag-tiny.test\r\n\r\n";
constexpr std::string_view kTinyFollowUp = "X-Second: header split into tiny fragments\r\n\r\n";

constexpr std::string_view kIncompleteFirst = "PART-ONE: recorded before the lost datagram\n";
constexpr std::string_view kIncompleteLost =
    "PART-TWO: this segment lost its middle fragment and never reassembles....\n";
constexpr std::string_view kIncompleteLast = "PART-THREE: recorded after the hole\n";

// ---------------------------------------------------------------------------------- scenarios

ByteVec Inorder(bool v6) {
  Link link(std::string(v6 ? kV6Client : kDefaultClientIp), kDefaultClientPort,
            std::string(v6 ? kV6Server : kDefaultServerIp));
  // IPv6: a hop-by-hop header before the Fragment header (the unfragmentable part).
  const std::vector<IpSpec::Ext> hop_by_hop =
      v6 ? std::vector<IpSpec::Ext>{{kExtHopByHop, {}}} : std::vector<IpSpec::Ext>{};
  link.conv.Handshake();
  SendPieces(link, true, 0x4101, kInorderRequest.size(),
             Split(NextSegment(link, true, kInorderRequest), 48), hop_by_hop);
  link.conv.ClientSends(kInorderTail);
  SendPieces(link, false, 0x4102, kInorderResponse.size(),
             Split(NextSegment(link, false, kInorderResponse), 96), hop_by_hop);
  Finish(link);
  return ToPcap({&link});
}

ByteVec FragV4Inorder() {
  return Inorder(false);
}
ByteVec FragV6Inorder() {
  return Inorder(true);
}

ByteVec Reverse(bool v6) {
  Link link(std::string(v6 ? kV6Client : kDefaultClientIp), kDefaultClientPort,
            std::string(v6 ? kV6Server : kDefaultServerIp));
  link.conv.Handshake();
  SendPieces(link, true, 0x4201, kReverseRequest.size(),
             Reversed(Split(NextSegment(link, true, kReverseRequest), 40)));
  SendPieces(link, false, 0x4202, kReverseResponse.size(),
             Reversed(Split(NextSegment(link, false, kReverseResponse), 32)));
  Finish(link);
  return ToPcap({&link});
}

ByteVec FragV4Reverse() {
  return Reverse(false);
}
ByteVec FragV6Reverse() {
  return Reverse(true);
}

ByteVec FragV4Overlap() {
  Link link(std::string(kDefaultClientIp), kDefaultClientPort, std::string(kDefaultServerIp));
  link.conv.Handshake();
  const ByteVec segment = NextSegment(link, true, kOverlapRequest);
  ByteVec forged = segment;
  std::fill(forged.begin() + kTcpHeaderSize, forged.end(), static_cast<std::uint8_t>('X'));
  SendPieces(link, true, 0x4301, kOverlapRequest.size(),
             {Cut(segment, 0, 48), Cut(segment, 48, 96), Cut(forged, 48, 96),
              Cut(segment, 96, segment.size())});
  link.conv.ServerSends("HTTP/1.0 204 No Content\r\n\r\n");
  Finish(link);
  return ToPcap({&link});
}

ByteVec FragV4Tiny() {
  Link link(std::string(kDefaultClientIp), kDefaultClientPort, std::string(kDefaultServerIp));
  link.conv.Handshake();
  // RFC 1858 overlap attack: a fragment at offset 8 tries to turn ACK|PSH into RST|ACK and to
  // replace the first data bytes; the first copy of those bytes must stand.
  const ByteVec segment = NextSegment(link, true, kTinyRequest);
  ByteVec forged = segment;
  forged[kTcpFlagsAt] = kRst | kAck;
  std::copy_n("EVIL", 4, forged.begin() + kTcpHeaderSize);
  SendPieces(link, true, 0x4401, kTinyRequest.size(),
             {Cut(segment, 0, 24), Cut(forged, 8, 24), Cut(segment, 24, segment.size())});
  // RFC 1858 tiny fragment: the first fragment holds only ports and sequence number.
  const ByteVec follow_up = NextSegment(link, true, kTinyFollowUp);
  SendPieces(link, true, 0x4402, kTinyFollowUp.size(),
             {Cut(follow_up, 0, 8), Cut(follow_up, 8, follow_up.size())});
  link.conv.ServerSends("HTTP/1.0 204 No Content\r\n\r\n");
  Finish(link);
  return ToPcap({&link});
}

ByteVec FragV4Interleaved() {
  // Both clients use IP id 0x4500 for their requests, and the server uses 0x4501 for both
  // responses: only the addresses tell the datagrams apart.
  Link a(std::string(kDefaultClientIp), 34567, std::string(kDefaultServerIp));
  Link b("192.168.1.3", 34568, std::string(kDefaultServerIp));
  a.conv.Handshake();
  b.conv.SetTime(kDefaultStartSec, 50000);
  b.conv.Handshake();
  const std::string request_a =
      "GET /interleaved/connection-A HTTP/1.0\r\nHost: frag-a.test\r\nX-Who: client A\r\n\r\n";
  const std::string request_b =
      "GET /interleaved/connection-B HTTP/1.0\r\nHost: frag-b.test\r\nX-Who: client B, who "
      "sends a longer request\r\n\r\n";
  const std::string response_a = "HTTP/1.0 200 OK\r\n\r\nresponse body for connection A\n";
  const std::string response_b =
      "HTTP/1.0 200 OK\r\n\r\nresponse body for connection B, sent in reverse order\n";
  // Plain variables: a lambda may not capture structured bindings before C++20 in clang 14.
  const auto start = std::max(NextTime(a), NextTime(b));
  auto sec = start.first;
  auto usec = start.second;
  const auto stamp = [&](Link& link, ByteVec frame) {
    link.fragments.push_back({sec, usec, std::move(frame)});
    usec += kGapUsec / 2;
    sec += usec / 1000000;
    usec %= 1000000;
  };
  // One exchange: A's pieces in order alternate with B's pieces last to first.
  const auto exchange = [&](bool from_client, std::uint16_t id, const std::string& data_a,
                            const std::string& data_b) {
    const std::vector<Piece> pieces_a = Split(NextSegment(a, from_client, data_a), 32);
    const std::vector<Piece> pieces_b = Reversed(Split(NextSegment(b, from_client, data_b), 32));
    for (std::size_t i = 0; i < std::max(pieces_a.size(), pieces_b.size()); ++i) {
      if (i < pieces_a.size()) stamp(a, FragmentFrame(a, from_client, id, pieces_a[i]));
      if (i < pieces_b.size()) stamp(b, FragmentFrame(b, from_client, id, pieces_b[i]));
    }
    Advance(a, from_client, data_a.size());
    Advance(b, from_client, data_b.size());
  };
  exchange(true, 0x4500, request_a, request_b);
  exchange(false, 0x4501, response_a, response_b);
  a.conv.SetTime(sec, usec);
  b.conv.SetTime(sec, usec + kGapUsec / 4);
  Finish(a);
  Finish(b);
  return ToPcap({&a, &b});
}

ByteVec FragV4Incomplete() {
  Link link(std::string(kDefaultClientIp), kDefaultClientPort, std::string(kDefaultServerIp));
  link.conv.Handshake();
  link.conv.ClientSends(kIncompleteFirst);
  const std::vector<Piece> pieces = Split(NextSegment(link, true, kIncompleteLost), 32);
  SendPieces(link, true, 0x4601, kIncompleteLost.size(), {pieces.front(), pieces.back()});
  link.conv.ClientSends(kIncompleteLast);
  link.conv.ServerSends("HTTP/1.0 200 OK\r\n\r\nserver side is complete\n");
  Finish(link);
  return ToPcap({&link});
}

// --------------------------------------------------------------------------------------- table

constexpr std::array kScenarios{
    Scenario{"frag_v4_inorder",
             "IPv4: a 144-byte POST as fragments of 48 bytes of the segment, in order, then an "
             "unfragmented 33-byte tail; the 231-byte response as 96-byte fragments; client flow "
             "'POST /fragments/in-order ... juliet\\r\\n(end of the in-order request)\\r\\n' "
             "(177 B), server flow 'HTTP/1.0 200 OK ... third fragment.\\n' (231 B)",
             FragV4Inorder},
    Scenario{"frag_v4_reverse",
             "IPv4: request (144 B) and response (126 B) each sent as fragments last to first; "
             "client flow 'GET /fragments/last-to-first ...', server flow 'HTTP/1.0 200 OK ... "
             "Reverse-order response ...', both whole",
             FragV4Reverse},
    Scenario{"frag_v4_overlap",
             "IPv4: request fragments [0,48) [48,96), then a copy of [48,96) full of 'X', then "
             "the last; first copy wins: client flow exactly 'GET /fragments/overlap?keep="
             "first-copy ... must win\\r\\n\\r\\n' (114 B, no 'X'), fragment_overlap 1",
             FragV4Overlap},
    Scenario{"frag_v4_tiny",
             "IPv4: a fragment at offset 8 tries to rewrite a request's TCP flags (RST) and first "
             "data bytes ('EVIL'), then a segment whose first fragment is only 8 bytes; client "
             "flow 'GET /fragments/tcp-header-rewrite ...' + 'X-Second: ...' (114 B, no EVIL), "
             "fragment_tcp_header_rewrite 2, fragment_overlap 1",
             FragV4Tiny},
    Scenario{"frag_v4_interleaved",
             "IPv4: 192.168.1.2:34567 (A) and 192.168.1.3:34568 (B) send fragmented requests with "
             "the same IP id, pieces alternating (A in order, B last to first), then the server's "
             "fragmented responses likewise (same id); 4 flows: 'GET /interleaved/connection-A' "
             "(78 B), '...-B' (106 B), responses 50 B and 73 B",
             FragV4Interleaved},
    Scenario{"frag_v6_inorder",
             "frag_v4_inorder over IPv6 (2001:db8::2 -> 2001:db8::1), a hop-by-hop header "
             "before each Fragment header; the same flows as frag_v4_inorder (177 B, 231 B)",
             FragV6Inorder},
    Scenario{"frag_v6_reverse",
             "frag_v4_reverse over IPv6 with Fragment headers, fragments last to first; the same "
             "flows as frag_v4_reverse (144 B, 126 B)",
             FragV6Reverse},
    Scenario{"frag_v4_incomplete",
             "IPv4: 'PART-ONE...' (44 B), a 74-byte segment whose middle fragment is missing, "
             "'PART-THREE...' (36 B); the datagram never reassembles: client flow PART-ONE + 74 "
             "zero bytes + PART-THREE (154 B); server flow 'HTTP/1.0 200 OK ...' (43 B)",
             FragV4Incomplete},
};

}  // namespace

std::span<const Scenario> FragmentScenarios() {
  return kScenarios;
}

}  // namespace tcpflow::testing
