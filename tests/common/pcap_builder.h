// pcap_builder.h: builds packets and pcap/pcapng captures in memory for tests, fuzz seeds and
// demos. References: the pcap and pcapng file formats (draft-ietf-opsawg-pcap,
// draft-ietf-opsawg-pcapng), the LINKTYPE registry (0 NULL, 1 ETHERNET, 101 RAW, 108 LOOP, 113
// LINUX_SLL), IEEE 802.1Q, RFC 791 (IPv4), RFC 8200 (IPv6), RFC 9293 (TCP), RFC 768 (UDP), RFC 1071
// (checksum).
//
// Design note: everything here is deterministic (no clock, no randomness) and builds plain byte
// vectors; only WriteFile/WriteFileBytes touch the disk. The builder writes exactly what it is
// told, so malformed packets are made by overriding header fields (IpSpec/TcpSpec *_override). It
// uses only the C++ standard library and POSIX inet_pton, nothing from src/. Misuse by a test (an
// address that does not parse, mixing IPv4 and IPv6) throws std::invalid_argument.
#ifndef TCPFLOW_TESTS_COMMON_PCAP_BUILDER_H
#define TCPFLOW_TESTS_COMMON_PCAP_BUILDER_H

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tcpflow::testing {

using ByteVec = std::vector<std::uint8_t>;

// The bytes of `s` (no terminator).
ByteVec ToBytes(std::string_view s);

// Writes `bytes` to `path` (created or truncated). Returns false on any I/O failure.
bool WriteFileBytes(const std::string& path, const ByteVec& bytes);

// RFC 1071 checksum of `data` (odd length padded with a zero byte), ready to store big-endian.
std::uint16_t InternetChecksum(std::span<const std::uint8_t> data);

// Defaults shared by the generator and the tests. kDefaultStartSec is 2020-09-13T12:26:40Z.
inline constexpr std::int64_t kDefaultStartSec = 1600000000;
inline constexpr std::string_view kDefaultClientIp = "192.168.1.2";
inline constexpr std::uint16_t kDefaultClientPort = 34567;
inline constexpr std::string_view kDefaultServerIp = "10.0.0.1";
inline constexpr std::uint16_t kDefaultServerPort = 80;

// ------------------------------------------------------------------------------- file writers

// Classic libpcap file. Magic a1b2c3d4 (microseconds) or a1b23c4d (nanoseconds), version 2.4,
// written in the chosen byte order.
struct PcapOptions {
  std::uint32_t linktype = 1;
  bool big_endian = false;
  bool nanosecond = false;
  std::uint32_t snaplen = 262144;
};

class PcapWriter {
 public:
  explicit PcapWriter(PcapOptions opts = {});

  // Appends one record. ts_frac is microseconds, or nanoseconds when opts.nanosecond; sec is
  // stored as 32 bits. orig_len 0 means frame.size(). A frame longer than snaplen is cut to
  // snaplen (caplen) and orig_len keeps the full size.
  void Add(std::int64_t sec, std::uint32_t ts_frac, const ByteVec& frame,
           std::uint32_t orig_len = 0);
  // Appends a record whose header fields are written exactly as given, followed by `data`
  // (for broken files: a caplen that does not match the data, or is absurdly large).
  void AddRawRecord(std::int64_t sec, std::uint32_t ts_frac, std::uint32_t caplen_field,
                    std::uint32_t orig_len_field, const ByteVec& data);

  const ByteVec& bytes() const { return bytes_; }
  // Byte offset in bytes() where each record (its 16-byte header) starts, in order.
  const std::vector<std::size_t>& record_offsets() const { return record_offsets_; }
  const PcapOptions& options() const { return opts_; }
  bool WriteFile(const std::string& path) const;

 private:
  PcapOptions opts_;
  ByteVec bytes_;
  std::vector<std::size_t> record_offsets_;
};

// pcapng file: one Section Header Block, any number of Interface Description Blocks (each with
// its own linktype, snaplen and if_tsresol option) and Enhanced Packet Blocks.
class PcapngWriter {
 public:
  explicit PcapngWriter(bool big_endian = false);

  // Adds an interface and returns its id (0, 1, ...). tsresol is a power-of-ten exponent:
  // 6 = microseconds, 9 = nanoseconds (the "power of two" form is not supported).
  std::uint32_t AddInterface(std::uint16_t linktype, std::uint32_t snaplen = 262144,
                             std::uint8_t tsresol = 6);
  // Appends an EPB. ts_frac is in the interface's units (1 / 10^tsresol s). orig_len 0 means
  // frame.size(); a frame longer than the interface's snaplen is cut to it.
  // Throws std::invalid_argument for an unknown interface_id.
  void Add(std::uint32_t interface_id, std::int64_t sec, std::uint32_t ts_frac,
           const ByteVec& frame, std::uint32_t orig_len = 0);

  std::uint8_t tsresol(std::uint32_t interface_id) const;
  const ByteVec& bytes() const { return bytes_; }
  bool WriteFile(const std::string& path) const;

 private:
  struct Interface {
    std::uint32_t snaplen;
    std::uint8_t tsresol;
  };
  bool big_endian_;
  ByteVec bytes_;
  std::vector<Interface> interfaces_;
};

// ------------------------------------------------------------------------------------ packets

// Addresses are text ("10.0.0.1", "2001:db8::1"); src decides IPv4 or IPv6, dst must match.
struct IpSpec {
  std::string src{}, dst{};
  std::uint8_t protocol = 6;
  std::uint8_t ttl = 64;  // IPv6: hop limit
  std::uint16_t id = 0;   // IPv4 identification
  // IPv4 options, zero-padded (EOL) to a multiple of 4 bytes; IHL is computed from them.
  ByteVec ipv4_options{};
  // IPv4 total length / IPv6 payload length as written (default: the real length).
  std::optional<std::uint16_t> total_length_override{};
  std::optional<std::uint8_t>
      ihl_override{};  // IPv4 IHL nibble as written (header bytes unchanged)
  bool dont_fragment = false;
  bool more_fragments = false;
  std::uint16_t fragment_offset_units = 0;  // IPv4, 8-byte units
  // IPv6 extension headers, written in this order with correct next-header chaining. `body` is
  // everything after the next-header and length bytes. For fragment headers (44) the body is the
  // 6 bytes offset/flags + identification (see Ipv6FragmentBody; padded or cut to 6) and the
  // length byte is the reserved 0. Other headers are padded to a multiple of 8 bytes (Pad1/PadN
  // for hop-by-hop 0 and destination options 60, zeros otherwise) and get length = 8-byte units
  // - 1.
  struct Ext {
    std::uint8_t type = 0;
    ByteVec body{};
  };
  std::vector<Ext> ipv6_ext{};
};

struct TcpSpec {
  std::uint16_t sport = 0, dport = 0;
  std::uint32_t seq = 0, ack = 0;
  std::uint8_t flags = 0;  // FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 URG 0x20
  std::uint16_t window = 65535;
  ByteVec options{};  // zero-padded (EOL) to a multiple of 4 bytes
  ByteVec payload{};
  std::optional<std::uint8_t> data_offset_override{};  // in 32-bit words, as written
};

inline constexpr std::uint8_t kFin = 0x01;
inline constexpr std::uint8_t kSyn = 0x02;
inline constexpr std::uint8_t kRst = 0x04;
inline constexpr std::uint8_t kPsh = 0x08;
inline constexpr std::uint8_t kAck = 0x10;
inline constexpr std::uint8_t kUrg = 0x20;

// The TCP header + payload with a correct checksum for ip.src/ip.dst (pseudo-header).
ByteVec BuildTcpSegment(const IpSpec& ip, const TcpSpec& tcp);
// A whole IP packet carrying a TCP segment (protocol forced to 6); IPv4 header and TCP checksums
// are correct for the bytes written.
ByteVec BuildTcp(const IpSpec& ip, const TcpSpec& tcp);
// A whole IP packet around any layer-4 bytes, with ip.protocol as the (last) next header.
ByteVec BuildIp(const IpSpec& ip, const ByteVec& l4);
// UDP datagram (protocol forced to 17) with a correct checksum.
ByteVec BuildUdp(const IpSpec& ip, std::uint16_t sport, std::uint16_t dport,
                 const ByteVec& payload);
// The 6-byte body of an IPv6 fragment header.
ByteVec Ipv6FragmentBody(std::uint16_t offset_units, bool more_fragments, std::uint32_t id);

// --------------------------------------------------------------------------------- link layers

struct VlanTag {
  std::uint16_t tpid = 0x8100;
  std::uint16_t tci = 0;
};
struct EthSpec {
  std::array<std::uint8_t, 6> dst{0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb};
  std::array<std::uint8_t, 6> src{0x00, 0x11, 0x22, 0x33, 0x44, 0x55};
  std::vector<VlanTag> tags{};  // outermost first
  std::optional<std::uint16_t> ethertype{};
  std::size_t pad_to = 0;  // trailer padding up to this frame size (no FCS)
  std::uint8_t pad_byte = 0xEE;
};

// Ethernet II frame; the ethertype is 0x86dd for an IPv6 packet, else 0x0800, unless given.
ByteVec Ethernet(const EthSpec& eth, const ByteVec& ip_packet);
// Linux cooked header (16 bytes): packet type, ARPHRD_ETHER, the 6-byte source address, protocol.
ByteVec LinuxSll(const ByteVec& ip_packet, std::uint16_t protocol, std::uint16_t packet_type = 0);
// DLT_NULL: 4-byte address family in the chosen byte order.
ByteVec NullLink(const ByteVec& ip_packet, std::uint32_t family, bool big_endian);
// DLT_LOOP: 4-byte address family, always big-endian.
ByteVec LoopLink(const ByteVec& ip_packet, std::uint32_t family);
// DLT_RAW: the packet itself.
ByteVec RawLink(const ByteVec& ip_packet);

// ------------------------------------------------------------ more link layers and tunnels
// References: LINKTYPE 51 PPP_ETHER, 105 IEEE802_11, 127 IEEE802_11_RADIO, 276 LINUX_SLL2;
// RFC 3032 (MPLS), RFC 2516 (PPPoE), RFC 2784/2890 (GRE), RFC 7348 (VXLAN), IEEE 802.11,
// radiotap.org. Each returns the bytes of one layer followed by `payload` (nothing is validated).

// Linux cooked v2 header (20 bytes): protocol, reserved, interface index 1, ARPHRD_ETHER,
// packet type, address length 6, the 6-byte source address padded to 8.
ByteVec LinuxSll2(const ByteVec& payload, std::uint16_t protocol, std::uint8_t packet_type = 0);
// An MPLS label stack, outermost label first: traffic class 0, TTL 64, bottom-of-stack on the
// last entry.
ByteVec MplsLabels(const std::vector<std::uint32_t>& labels, const ByteVec& payload);
// PPPoE session header (version/type 0x11, code 0, `session`, length = 2 + payload size) and the
// 2-byte PPP protocol (0x0021 IPv4, 0x0057 IPv6, 0x0281 MPLS). Alone it is a LINKTYPE 51 frame;
// behind Ethernet it goes with ethertype 0x8864.
ByteVec PppoeSession(const ByteVec& payload, std::uint16_t ppp_protocol, std::uint16_t session = 1);

struct GreSpec {
  std::uint16_t protocol = 0x0800;     // 0x86dd IPv6, 0x6558 Ethernet, 0x8847 MPLS
  bool checksum = false;               // C: checksum (RFC 1071, over header and payload) + reserved
  std::optional<std::uint32_t> key{};  // K
  std::optional<std::uint32_t> sequence{};  // S
};
// A version-0 GRE header (the IP protocol around it is 47).
ByteVec Gre(const GreSpec& gre, const ByteVec& payload);
// A VXLAN header (I flag, 24-bit `vni`) in front of an Ethernet frame; UDP port 4789 goes around.
ByteVec Vxlan(std::uint32_t vni, const ByteVec& ethernet_frame);

struct WifiSpec {
  bool qos = false;  // QoS data (subtype 8, TID 0) instead of data (subtype 0)
  bool to_ds = false;
  bool from_ds = false;
  std::array<std::uint8_t, 6> bssid{0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
  std::array<std::uint8_t, 6> src{0x00, 0x11, 0x22, 0x33, 0x44, 0x55};          // SA
  std::array<std::uint8_t, 6> dst{0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb};          // DA
  std::array<std::uint8_t, 6> transmitter{0x02, 0x00, 0x00, 0x00, 0x00, 0x02};  // TA, 4-address
};
// An 802.11 data frame: MAC header with SA/DA/BSSID placed per ToDS/FromDS (IEEE 802.11 address
// table; with both set A1 = BSSID as receiver, A2 = transmitter), then LLC/SNAP with ethertype
// 0x0800 or 0x86dd by the packet's version nibble, then the packet. No FCS.
ByteVec Ieee80211Data(const WifiSpec& wifi, const ByteVec& ip_packet);
// `frame` with its 802.11 FCS (CRC-32, IEEE 802.3 polynomial, least significant byte first).
ByteVec WithFcs(const ByteVec& frame);
// A radiotap header (version 0): a TSFT field when `tsft` is set, a Flags field when `flags` is
// set (0x10: the frame ends with an FCS), then `frame`.
ByteVec Radiotap(std::optional<std::uint64_t> tsft, std::optional<std::uint8_t> flags,
                 const ByteVec& frame);

// ------------------------------------------------------------------------------ conversations

struct TimedFrame {
  std::int64_t sec;
  std::uint32_t usec;
  ByteVec bytes;
};

// All frames of `lists` in timestamp order; frames with equal times keep their list order.
std::vector<TimedFrame> MergeFrames(const std::vector<std::vector<TimedFrame>>& lists);
// Adds frames to a pcap (microseconds converted to nanoseconds for a nanosecond file).
void AppendFrames(PcapWriter& w, const std::vector<TimedFrame>& frames);
// Adds frames to a pcapng interface (microseconds converted to its tsresol).
void AppendFrames(PcapngWriter& w, std::uint32_t interface_id,
                  const std::vector<TimedFrame>& frames);

// kEthernet: LINKTYPE 1 (MACs swapped for server frames). kLinuxSll: 113. kNullLe: 0 with family
// 2 (IPv4) or 30 (IPv6, macOS), little-endian. kRaw: 101.
enum class Framing { kEthernet, kLinuxSll, kNullLe, kRaw };
std::uint32_t LinktypeOf(Framing framing);

// A TCP connection that tracks both sequence numbers. Each method appends frames stamped with
// the current time, advancing it by the gap (default 0.1 s) after every frame. Times start at
// kDefaultStartSec. Offsets are relative to ISN+1 (offset 0 = first data byte), taken mod 2^32.
class Conversation {
 public:
  using Frame = TimedFrame;
  // Called for every packet before it is built; may change any header field or payload.
  using PacketHook = std::function<void(bool from_client, IpSpec& ip, TcpSpec& tcp)>;
  // Turns an IP packet into a link-layer frame (replaces the Framing's one).
  using LinkFramer = std::function<ByteVec(const ByteVec& ip_packet, bool from_client)>;

  Conversation(std::string client_ip, std::uint16_t client_port, std::string server_ip,
               std::uint16_t server_port, std::uint32_t client_isn, std::uint32_t server_isn,
               Framing framing = Framing::kEthernet, EthSpec eth = {});

  void Handshake();  // ClientSyn, ServerSynAck, ClientAck
  // SYN (seq = ISN), optionally carrying data (which advances the client's sequence number).
  void ClientSyn(std::string_view data = {});
  void ServerSynAck();
  void ClientAck();  // pure ACK of everything the server sent so far
  void ServerAck();
  // One in-sequence segment (default ACK|PSH) that advances the sender's sequence number by its
  // length, plus one if `flags` has SYN or FIN.
  void ClientSends(std::string_view data, std::uint8_t flags = kAck | kPsh);
  void ServerSends(std::string_view data, std::uint8_t flags = kAck | kPsh);
  // FIN|ACK, then (if peer_acks) the peer's pure ACK of it.
  void ClientFin(bool peer_acks = true);
  void ServerFin(bool peer_acks = true);
  void ClientRst();  // RST|ACK at the current sequence number
  void ServerRst();
  // A segment at an explicit offset; does not advance the sequence number.
  void ClientSegmentAt(std::int64_t offset, std::string_view data,
                       std::uint8_t flags = kAck | kPsh);
  void ServerSegmentAt(std::int64_t offset, std::string_view data,
                       std::uint8_t flags = kAck | kPsh);
  // An in-sequence ACK|PSH segment split into IP fragments of `fragment_bytes` bytes of the TCP
  // segment each (a multiple of 8, else std::invalid_argument); one frame per fragment. IPv6
  // fragment headers go after any extension headers the hook adds.
  void ClientSendsFragmented(std::string_view data, std::size_t fragment_bytes);
  // Moves the next sequence number to ISN+1+offset (after out-of-order segments).
  void SetClientNext(std::int64_t offset);
  void SetServerNext(std::int64_t offset);

  const std::vector<Frame>& frames() const { return frames_; }
  void SetTime(std::int64_t sec, std::uint32_t usec);
  void SetGapUsec(std::uint32_t gap) { gap_usec_ = gap; }
  void SetPacketHook(PacketHook hook) { hook_ = std::move(hook); }
  void SetFramer(LinkFramer framer) { framer_ = std::move(framer); }
  std::uint32_t client_next_seq() const { return client_next_; }
  std::uint32_t server_next_seq() const { return server_next_; }
  // Writes frames() into w; its linktype must match the framing.
  void AppendTo(PcapWriter& w) const;

 private:
  struct Packet {
    IpSpec ip;
    TcpSpec tcp;
  };
  Packet MakePacket(bool from_client, std::uint32_t seq, std::uint8_t flags, std::string_view data);
  void Push(const ByteVec& ip_packet, bool from_client);
  void Emit(bool from_client, std::uint32_t seq, std::uint8_t flags, std::string_view data);
  void SendInSequence(bool from_client, std::string_view data, std::uint8_t flags);

  std::string client_ip_, server_ip_;
  std::uint16_t client_port_, server_port_;
  std::uint32_t client_isn_, server_isn_;
  std::uint32_t client_next_, server_next_;
  LinkFramer framer_;
  PacketHook hook_;
  std::int64_t sec_ = kDefaultStartSec;
  std::uint32_t usec_ = 0;
  std::uint32_t gap_usec_ = 100000;
  std::uint16_t next_ip_id_ = 1;
  std::vector<Frame> frames_;
};

}  // namespace tcpflow::testing

#endif  // TCPFLOW_TESTS_COMMON_PCAP_BUILDER_H
