// encapsulation.cpp: test captures for more link types and tunnels (see tests/scenarios.h):
// LINKTYPE 51/105/127/276, MPLS (RFC 3032), PPPoE (RFC 2516), GRE (RFC 2784/2890), IP-in-IP
// (RFC 2003/4213), VXLAN (RFC 7348), 802.11 with and without radiotap.
//
// Every capture holds one short HTTP-like connection, 192.168.1.2:34567 -> 10.0.0.1:80 (IPv6:
// 2001:db8::2 -> 2001:db8::1), whose request and response name the scenario, so that each flow
// file shows which framing it came through. Tunnel endpoints are 198.51.100.1 and 198.51.100.2.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scenarios.h"

namespace tcpflow::testing {
namespace {

constexpr std::uint32_t kClientIsn = 7000;
constexpr std::uint32_t kServerIsn = 900000;
constexpr std::string_view kV6Client = "2001:db8::2";
constexpr std::string_view kV6Server = "2001:db8::1";
constexpr std::string_view kTunnelClient = "198.51.100.1";
constexpr std::string_view kTunnelServer = "198.51.100.2";

constexpr std::uint32_t kLinktypeEthernet = 1;
constexpr std::uint32_t kLinktypeLinuxSll = 113;
constexpr std::uint16_t kEthertypeMpls = 0x8847;
constexpr std::uint16_t kEthertypePppoeSession = 0x8864;
constexpr std::uint16_t kPppIpv4 = 0x0021;
constexpr std::uint8_t kProtoIpip = 4;
constexpr std::uint8_t kProtoIpv6 = 41;
constexpr std::uint8_t kProtoGre = 47;
constexpr std::uint16_t kVxlanPort = 4789;

// The connection: handshake, one request, one response, client FIN, server FIN|ACK, last ACK.
// The request is "GET /<name> HTTP/1.0\r\nHost: encap.test\r\n\r\n"; the response body is `body`.
ByteVec Capture(std::uint32_t linktype, Conversation::LinkFramer framer, std::string_view name,
                std::string_view body, bool ipv6 = false) {
  Conversation c =
      ipv6
          ? Conversation(std::string(kV6Client), kDefaultClientPort, std::string(kV6Server),
                         kDefaultServerPort, kClientIsn, kServerIsn)
          : Conversation(std::string(kDefaultClientIp), kDefaultClientPort,
                         std::string(kDefaultServerIp), kDefaultServerPort, kClientIsn, kServerIsn);
  c.SetFramer(std::move(framer));
  c.Handshake();
  c.ClientSends("GET /" + std::string(name) + " HTTP/1.0\r\nHost: encap.test\r\n\r\n");
  c.ServerSends("HTTP/1.0 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
                std::string(body));
  c.ClientFin(false);
  c.ServerFin();
  PcapWriter w({.linktype = linktype});
  AppendFrames(w, c.frames());
  return w.bytes();
}

// An Ethernet frame from the client's MAC (or the server's) with the given ethertype.
ByteVec EthernetFrame(bool from_client, const ByteVec& payload,
                      std::optional<std::uint16_t> ethertype = std::nullopt) {
  EthSpec eth;
  if (!from_client) std::swap(eth.src, eth.dst);
  eth.ethertype = ethertype;
  return Ethernet(eth, payload);
}

// An Ethernet frame holding an outer IPv4 packet between the tunnel endpoints.
ByteVec TunnelFrame(bool from_client, std::uint8_t protocol, const ByteVec& payload) {
  IpSpec outer;
  outer.src = from_client ? kTunnelClient : kTunnelServer;
  outer.dst = from_client ? kTunnelServer : kTunnelClient;
  outer.protocol = protocol;
  return EthernetFrame(from_client, BuildIp(outer, payload));
}

// ---------------------------------------------------------------------------------- scenarios

ByteVec Sll2() {
  return Capture(
      276,
      [](const ByteVec& ip, bool from_client) {
        constexpr std::uint8_t kIncoming = 0, kOutgoing = 4;
        return LinuxSll2(ip, 0x0800, from_client ? kOutgoing : kIncoming);
      },
      "sll2", "linux cooked capture v2\n");
}

ByteVec Pppoe() {
  return Capture(
      kLinktypeEthernet,
      [](const ByteVec& ip, bool from_client) {
        return EthernetFrame(from_client, PppoeSession(ip, kPppIpv4, 0x2a), kEthertypePppoeSession);
      },
      "pppoe", "ppp over ethernet session 42\n");
}

ByteVec PppEther() {
  return Capture(
      51, [](const ByteVec& ip, bool) { return PppoeSession(ip, kPppIpv4, 0x2b); }, "ppp_ether",
      "ppp_ether link type 51\n");
}

ByteVec MplsEth() {
  return Capture(
      kLinktypeEthernet,
      [](const ByteVec& ip, bool from_client) {
        const std::vector<std::uint32_t> labels = from_client
                                                      ? std::vector<std::uint32_t>{1001, 2001}
                                                      : std::vector<std::uint32_t>{1002, 2002};
        return EthernetFrame(from_client, MplsLabels(labels, ip), kEthertypeMpls);
      },
      "mpls_eth", "two mpls labels on ethernet\n");
}

ByteVec MplsSll() {
  return Capture(
      kLinktypeLinuxSll,
      [](const ByteVec& ip, bool from_client) {
        return LinuxSll(MplsLabels({from_client ? 3001u : 3002u}, ip), kEthertypeMpls,
                        from_client ? 4 : 0);
      },
      "mpls_sll", "one mpls label on linux cooked\n");
}

ByteVec GreIpv4() {
  return Capture(
      kLinktypeEthernet,
      [](const ByteVec& ip, bool from_client) {
        return TunnelFrame(from_client, kProtoGre, Gre({}, ip));
      },
      "gre_ipv4", "ipv4 inside plain gre\n");
}

ByteVec GreKeySeq() {
  return Capture(
      kLinktypeEthernet,
      [client_seq = std::uint32_t{0}, server_seq = std::uint32_t{0}](const ByteVec& ip,
                                                                     bool from_client) mutable {
        GreSpec gre;
        gre.key = from_client ? 0x00c0ffee : 0x00beef00;
        gre.sequence = from_client ? client_seq++ : server_seq++;
        return TunnelFrame(from_client, kProtoGre, Gre(gre, ip));
      },
      "gre_key_seq", "gre with key and sequence numbers\n");
}

ByteVec GreEth() {
  return Capture(
      kLinktypeEthernet,
      [](const ByteVec& ip, bool from_client) {
        EthSpec inner;
        inner.src = {0x02, 0x00, 0x5e, 0x00, 0x00, 0x0c};
        inner.dst = {0x02, 0x00, 0x5e, 0x00, 0x00, 0x0a};
        if (!from_client) std::swap(inner.src, inner.dst);
        return TunnelFrame(from_client, kProtoGre, Gre({.protocol = 0x6558}, Ethernet(inner, ip)));
      },
      "gre_eth", "ethernet bridged over gre\n");
}

ByteVec GreIpv6() {
  return Capture(
      kLinktypeEthernet,
      [](const ByteVec& ip, bool from_client) {
        return TunnelFrame(from_client, kProtoGre, Gre({.protocol = 0x86dd}, ip));
      },
      "gre_ipv6", "ipv6 inside ipv4 gre\n", true);
}

ByteVec Ipip() {
  return Capture(
      kLinktypeEthernet,
      [](const ByteVec& ip, bool from_client) { return TunnelFrame(from_client, kProtoIpip, ip); },
      "ipip", "ipv4 inside ipv4\n");
}

ByteVec SixIn4() {
  return Capture(
      kLinktypeEthernet,
      [](const ByteVec& ip, bool from_client) { return TunnelFrame(from_client, kProtoIpv6, ip); },
      "sixin4", "ipv6 inside ipv4, protocol 41\n", true);
}

ByteVec VxlanScenario() {
  return Capture(
      kLinktypeEthernet,
      [](const ByteVec& ip, bool from_client) {
        EthSpec inner;
        inner.src = {0x02, 0x42, 0xac, 0x11, 0x00, 0x02};
        inner.dst = {0x02, 0x42, 0xac, 0x11, 0x00, 0x03};
        if (!from_client) std::swap(inner.src, inner.dst);
        IpSpec outer;
        outer.src = from_client ? kTunnelClient : kTunnelServer;
        outer.dst = from_client ? kTunnelServer : kTunnelClient;
        const std::uint16_t source_port = from_client ? 49320 : 51876;  // flow-hash style
        return EthernetFrame(from_client, BuildUdp(outer, source_port, kVxlanPort,
                                                   Vxlan(4242, Ethernet(inner, ip))));
      },
      "vxlan", "ethernet inside vxlan 4242\n");
}

// The station is the client; the access point bridges to the server's MAC.
WifiSpec StationFrame(bool from_client) {
  WifiSpec wifi;
  wifi.qos = from_client;  // the station sends QoS data, the AP plain data
  wifi.to_ds = from_client;
  wifi.from_ds = !from_client;
  if (!from_client) std::swap(wifi.src, wifi.dst);
  return wifi;
}

ByteVec Wifi() {
  return Capture(
      105,
      [](const ByteVec& ip, bool from_client) {
        return Ieee80211Data(StationFrame(from_client), ip);
      },
      "wifi", "plain 802.11 data frames\n");
}

ByteVec RadiotapFcs() {
  return Capture(
      127,
      [tsft = std::uint64_t{5000000}](const ByteVec& ip, bool from_client) mutable {
        constexpr std::uint8_t kFlagFcs = 0x10;
        tsft += 100000;
        return Radiotap(tsft, kFlagFcs, WithFcs(Ieee80211Data(StationFrame(from_client), ip)));
      },
      "radiotap_fcs", "radiotap with tsft, flags and fcs\n");
}

ByteVec RadiotapNoFcs() {
  return Capture(
      127,
      [](const ByteVec& ip, bool from_client) {
        const std::optional<std::uint64_t> tsft =
            from_client ? std::nullopt : std::optional<std::uint64_t>{123456789};
        const std::optional<std::uint8_t> flags =
            from_client ? std::optional<std::uint8_t>{0x00} : std::nullopt;
        return Radiotap(tsft, flags, Ieee80211Data(StationFrame(from_client), ip));
      },
      "radiotap_nofcs", "radiotap without fcs\n");
}

// Descriptions: "request/response" are the byte counts of the two flow files, client to server
// (192.168.001.002.34567-010.000.000.001.00080, or the IPv6 pair) and back.
constexpr std::array kScenarios{
    Scenario{"sll2",
             "one connection over LINUX_SLL2 (DLT 276), 192.168.1.2:34567 -> 10.0.0.1:80; flows "
             "40/63 bytes, 'GET /sll2' and '... linux cooked capture v2' (1.6.1: unknown DLT)",
             Sll2},
    Scenario{"pppoe",
             "one connection in PPPoE session 42 frames (ethertype 0x8864, PPP 0x0021); flows "
             "41/68 bytes, 'GET /pppoe' (1.6.1: nothing)",
             Pppoe},
    Scenario{"ppp_ether",
             "one connection over PPP_ETHER (DLT 51: PPPoE header, PPP 0x0021); flows 45/62 bytes, "
             "'GET /ppp_ether' (1.6.1: unknown DLT)",
             PppEther},
    Scenario{"mpls_eth",
             "one connection over Ethernet with two MPLS labels (0x8847, 1001/2001 and 1002/2002); "
             "flows 44/67 bytes, 'GET /mpls_eth' (1.6.1: nothing)",
             MplsEth},
    Scenario{"mpls_sll",
             "one connection over LINUX_SLL (DLT 113) with one MPLS label; flows 44/70 bytes, "
             "'GET /mpls_sll' (1.6.1 decodes it too)",
             MplsSll},
    Scenario{"gre_ipv4",
             "one connection inside GRE (no options, 0x0800) between 198.51.100.1 and "
             ".2 over Ethernet; flows named by the inner 192.168.1.2:34567 -> 10.0.0.1:80, 44/61 "
             "bytes, 'GET /gre_ipv4' (1.6.1: nothing)",
             GreIpv4},
    Scenario{"gre_key_seq",
             "gre_ipv4 with GRE key and sequence fields (K, S; sequence counts per direction); "
             "inner flows 47/73 bytes, 'GET /gre_key_seq' (1.6.1: nothing)",
             GreKeySeq},
    Scenario{"gre_eth",
             "one connection in an Ethernet frame bridged over GRE (0x6558), inner MACs "
             "02:00:5e:00:00:0c/0a; inner flows 43/65 bytes, 'GET /gre_eth' (1.6.1: nothing)",
             GreEth},
    Scenario{"gre_ipv6",
             "an IPv6 connection 2001:db8::2.34567 -> 2001:db8::1.80 inside IPv4 GRE (0x86dd); "
             "inner flows 44/60 bytes, 'GET /gre_ipv6' (1.6.1: nothing)",
             GreIpv6},
    Scenario{"ipip",
             "one IPv4 connection inside IPv4 (protocol 4) between 198.51.100.1 and .2; inner "
             "flows 40/56 bytes, 'GET /ipip' (1.6.1: nothing)",
             Ipip},
    Scenario{"sixin4",
             "an IPv6 connection 2001:db8::2.34567 -> 2001:db8::1.80 inside IPv4 (protocol 41); "
             "inner flows 42/69 bytes, 'GET /sixin4' (1.6.1: nothing)",
             SixIn4},
    Scenario{"vxlan",
             "one connection in Ethernet frames inside VXLAN VNI 4242 (UDP to 4789) between "
             "198.51.100.1 and .2; inner flows 41/66 bytes, 'GET /vxlan' (1.6.1: nothing)",
             VxlanScenario},
    Scenario{"wifi",
             "one connection over IEEE802_11 (DLT 105), no FCS: client QoS data to the DS, server "
             "data from the DS; flows 40/64 bytes, 'GET /wifi' (1.6.1: nothing)",
             Wifi},
    Scenario{"radiotap_fcs",
             "the wifi frames behind radiotap (DLT 127) with TSFT and Flags 0x10, each with a "
             "correct FCS; flows 48/73 bytes, 'GET /radiotap_fcs' (1.6.1 decodes it too)",
             RadiotapFcs},
    Scenario{"radiotap_nofcs",
             "the wifi frames behind radiotap (DLT 127) without FCS: client Flags 0x00, server "
             "TSFT only; flows 50/60 bytes, 'GET /radiotap_nofcs' (1.6.1: nothing)",
             RadiotapNoFcs},
};

}  // namespace

std::span<const Scenario> EncapsulationScenarios() {
  return kScenarios;
}

}  // namespace tcpflow::testing
