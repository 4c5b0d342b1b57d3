// datalink_test.cpp: tests for the link-layer decoders (LINKTYPE registry; IEEE 802.3/802.1Q;
// RFC 3032 MPLS; RFC 1661/2516 PPP and PPPoE; IEEE 802.11; radiotap).
#include "datalink.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "common/corpus.h"
#include "ip.h"
#include "pcap_source.h"
#include "tcp_segment.h"

namespace tcpflow {
namespace {

using Frame = std::vector<std::uint8_t>;

const MacAddress kDstMac = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55};
const MacAddress kSrcMac = {0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb};

// Stand-ins for the network layer: the link decoders never look inside it.
const Frame kIpv4Bytes = {0x45, 0x00, 0x00, 0x14, 0xde, 0xad, 0xbe, 0xef};
const Frame kIpv6Bytes = {0x60, 0x00, 0x00, 0x00, 0xca, 0xfe};

void Append(Frame& f, std::initializer_list<std::uint8_t> bytes) {
  f.insert(f.end(), bytes.begin(), bytes.end());
}
void Append(Frame& f, const Frame& bytes) {
  f.insert(f.end(), bytes.begin(), bytes.end());
}
void AppendBe16(Frame& f, std::uint16_t v) {
  f.push_back(static_cast<std::uint8_t>(v >> 8));
  f.push_back(static_cast<std::uint8_t>(v));
}
void AppendBe32(Frame& f, std::uint32_t v) {
  AppendBe16(f, static_cast<std::uint16_t>(v >> 16));
  AppendBe16(f, static_cast<std::uint16_t>(v));
}
void AppendLe32(Frame& f, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) f.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

struct VlanTag {
  std::uint16_t tpid;
  std::uint16_t tci;
};

// An Ethernet II frame: MACs, the given tags (outermost first), the ethertype, the payload.
Frame Ethernet(std::uint16_t ethertype, const Frame& payload, std::vector<VlanTag> tags = {}) {
  Frame f(kDstMac.begin(), kDstMac.end());
  Append(f, Frame(kSrcMac.begin(), kSrcMac.end()));
  for (const VlanTag& tag : tags) {
    AppendBe16(f, tag.tpid);
    AppendBe16(f, tag.tci);
  }
  AppendBe16(f, ethertype);
  Append(f, payload);
  return f;
}

// An 802.3 frame with an LLC/SNAP header; `length` is the 802.3 length field.
Frame Ethernet8023Snap(std::uint16_t length, std::uint16_t ethertype, const Frame& payload) {
  Frame f(kDstMac.begin(), kDstMac.end());
  Append(f, Frame(kSrcMac.begin(), kSrcMac.end()));
  AppendBe16(f, length);
  Append(f, {0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00});
  AppendBe16(f, ethertype);
  Append(f, payload);
  return f;
}

Frame LinuxSll(std::uint16_t protocol, const Frame& payload) {
  Frame f;
  AppendBe16(f, 0);  // packet type: to us
  AppendBe16(f, 1);  // ARPHRD_ETHER
  AppendBe16(f, 6);  // address length
  Append(f, {0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x00, 0x00});
  AppendBe16(f, protocol);
  Append(f, payload);
  return f;
}

Frame LoopbackLe(std::uint32_t family, const Frame& payload) {
  Frame f;
  AppendLe32(f, family);
  Append(f, payload);
  return f;
}

Frame LoopbackBe(std::uint32_t family, const Frame& payload) {
  Frame f;
  AppendBe32(f, family);
  Append(f, payload);
  return f;
}

// Checks that `network` is exactly `expected` and lies inside `frame` at `offset`.
void ExpectNetwork(const LinkLayer& link, const Frame& frame, std::size_t offset,
                   const Frame& expected) {
  ASSERT_EQ(link.network.size(), expected.size());
  EXPECT_EQ(link.network.data(), frame.data() + offset);
  EXPECT_EQ(Frame(link.network.begin(), link.network.end()), expected);
}

// Decodes `frame` expecting failure with exactly `anomaly`.
void ExpectRejected(int dlt, const Frame& frame, Anomaly anomaly) {
  LinkLayer link;
  AnomalyCounters anomalies;
  EXPECT_FALSE(DecodeLink(dlt, Bytes(frame), link, anomalies));
  EXPECT_EQ(anomalies.Total(), 1u);
  EXPECT_EQ(anomalies.Get(anomaly), 1u) << AnomalyName(anomaly);
}

// Every proper prefix of `frame` shorter than `header_size` must fail with exactly one
// kTruncatedLinkHeader. Each prefix is copied into its own exact-size buffer so that ASan
// catches any read past it.
void ExpectPrefixesRejected(int dlt, const Frame& frame, std::size_t header_size) {
  ASSERT_LE(header_size, frame.size());
  for (std::size_t n = 0; n < header_size; ++n) {
    SCOPED_TRACE(n);
    const Frame prefix(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(n));
    ExpectRejected(dlt, prefix, Anomaly::kTruncatedLinkHeader);
  }
}

TEST(DatalinkTest, EthernetIpv4) {
  const Frame frame = Ethernet(0x0800, kIpv4Bytes);
  LinkLayer link;
  AnomalyCounters anomalies;
  ASSERT_TRUE(DecodeLink(kDltEn10mb, Bytes(frame), link, anomalies));
  EXPECT_EQ(anomalies.Total(), 0u);
  EXPECT_EQ(link.ethertype, kEthertypeIpv4);
  EXPECT_EQ(link.vlan, kNoVlan);
  EXPECT_TRUE(link.has_macs);
  EXPECT_EQ(link.dst_mac, kDstMac);
  EXPECT_EQ(link.src_mac, kSrcMac);
  ExpectNetwork(link, frame, 14, kIpv4Bytes);
}

TEST(DatalinkTest, EthernetIpv6) {
  const Frame frame = Ethernet(0x86dd, kIpv6Bytes);
  LinkLayer link;
  AnomalyCounters anomalies;
  ASSERT_TRUE(DecodeLink(kDltEn10mb, Bytes(frame), link, anomalies));
  EXPECT_EQ(link.ethertype, kEthertypeIpv6);
  EXPECT_TRUE(link.has_macs);
  ExpectNetwork(link, frame, 14, kIpv6Bytes);
}

TEST(DatalinkTest, Ieee802IsTreatedAsEthernet) {
  const Frame frame = Ethernet(0x0800, kIpv4Bytes, {{0x8100, 12}});
  LinkLayer link;
  AnomalyCounters anomalies;
  ASSERT_TRUE(DecodeLink(kDltIeee802, Bytes(frame), link, anomalies));
  EXPECT_EQ(link.ethertype, kEthertypeIpv4);
  EXPECT_EQ(link.vlan, 12);
  EXPECT_TRUE(link.has_macs);
  EXPECT_EQ(link.src_mac, kSrcMac);
  ExpectNetwork(link, frame, 18, kIpv4Bytes);
}

TEST(DatalinkTest, EthernetHeaderOnlyGivesEmptyNetwork) {
  const Frame frame = Ethernet(0x0800, {});
  LinkLayer link;
  AnomalyCounters anomalies;
  ASSERT_TRUE(DecodeLink(kDltEn10mb, Bytes(frame), link, anomalies));
  EXPECT_TRUE(link.network.empty());
}

TEST(DatalinkTest, EthernetNonIpIsUnsupported) {
  ExpectRejected(kDltEn10mb, Ethernet(0x0806, kIpv4Bytes), Anomaly::kUnsupportedNetwork);  // ARP
  // PPPoE discovery.
  ExpectRejected(kDltEn10mb, Ethernet(0x8863, {0x11, 0x09, 0x00, 0x00, 0x00, 0x00}),
                 Anomaly::kUnsupportedNetwork);
  ExpectRejected(kDltEn10mb, Ethernet(0x0806, kIpv4Bytes, {{0x8100, 5}}),
                 Anomaly::kUnsupportedNetwork);
}

TEST(DatalinkTest, SingleTagVidMasksPriorityAndDei) {
  // PCP 7, DEI 1, VID 0x07b.
  const Frame frame = Ethernet(0x0800, kIpv4Bytes, {{0x8100, 0xf07b}});
  LinkLayer link;
  AnomalyCounters anomalies;
  ASSERT_TRUE(DecodeLink(kDltEn10mb, Bytes(frame), link, anomalies));
  EXPECT_EQ(link.vlan, 0x07b);
  EXPECT_EQ(link.ethertype, kEthertypeIpv4);
  ExpectNetwork(link, frame, 18, kIpv4Bytes);
}

TEST(DatalinkTest, VlanZeroIsAVlan) {
  const Frame frame = Ethernet(0x0800, kIpv4Bytes, {{0x8100, 0xa000}});  // priority tag only
  LinkLayer link;
  AnomalyCounters anomalies;
  ASSERT_TRUE(DecodeLink(kDltEn10mb, Bytes(frame), link, anomalies));
  EXPECT_EQ(link.vlan, 0);
}

TEST(DatalinkTest, QinQReportsTheOutermostVid) {
  for (std::uint16_t outer_tpid : {0x88a8, 0x9100, 0x8100}) {
    SCOPED_TRACE(outer_tpid);
    const Frame frame = Ethernet(0x86dd, kIpv6Bytes, {{outer_tpid, 0x6123}, {0x8100, 0x2456}});
    LinkLayer link;
    AnomalyCounters anomalies;
    ASSERT_TRUE(DecodeLink(kDltEn10mb, Bytes(frame), link, anomalies));
    EXPECT_EQ(anomalies.Total(), 0u);
    EXPECT_EQ(link.vlan, 0x123);
    EXPECT_EQ(link.ethertype, kEthertypeIpv6);
    ExpectNetwork(link, frame, 22, kIpv6Bytes);
  }
}

TEST(DatalinkTest, EightTagsAreUnwound) {
  std::vector<VlanTag> tags;
  for (std::uint16_t i = 0; i < 8; ++i)
    tags.push_back({i % 2 ? std::uint16_t{0x8100} : std::uint16_t{0x88a8},
                    static_cast<std::uint16_t>(100 + i)});
  const Frame frame = Ethernet(0x0800, kIpv4Bytes, tags);
  LinkLayer link;
  AnomalyCounters anomalies;
  ASSERT_TRUE(DecodeLink(kDltEn10mb, Bytes(frame), link, anomalies));
  EXPECT_EQ(link.vlan, 100);
  ExpectNetwork(link, frame, 14 + 8 * 4, kIpv4Bytes);
}

TEST(DatalinkTest, NineTagsAreTooMany) {
  const std::vector<VlanTag> tags(9, VlanTag{0x8100, 1});
  ExpectRejected(kDltEn10mb, Ethernet(0x0800, kIpv4Bytes, tags), Anomaly::kTooManyVlanTags);
}

TEST(DatalinkTest, Ieee8023SnapCarryingIp) {
  // Length covers SNAP + payload; two bytes of trailer padding follow.
  Frame frame =
      Ethernet8023Snap(static_cast<std::uint16_t>(8 + kIpv4Bytes.size()), 0x0800, kIpv4Bytes);
  Append(frame, {0x00, 0x00});
  LinkLayer link;
  AnomalyCounters anomalies;
  ASSERT_TRUE(DecodeLink(kDltEn10mb, Bytes(frame), link, anomalies));
  EXPECT_EQ(anomalies.Total(), 0u);
  EXPECT_EQ(link.ethertype, kEthertypeIpv4);
  EXPECT_TRUE(link.has_macs);
  ExpectNetwork(link, frame, 22, kIpv4Bytes);  // padding excluded
}

TEST(DatalinkTest, Ieee8023SnapLengthIsClampedToCapture) {
  const Frame frame = Ethernet8023Snap(1500, 0x86dd, kIpv6Bytes);
  LinkLayer link;
  AnomalyCounters anomalies;
  ASSERT_TRUE(DecodeLink(kDltEn10mb, Bytes(frame), link, anomalies));
  EXPECT_EQ(link.ethertype, kEthertypeIpv6);
  ExpectNetwork(link, frame, 22, kIpv6Bytes);
}

TEST(DatalinkTest, Ieee8023SnapBehindVlanTag) {
  Frame frame(kDstMac.begin(), kDstMac.end());
  Append(frame, Frame(kSrcMac.begin(), kSrcMac.end()));
  Append(frame, {0x81, 0x00, 0x00, 0x09});
  AppendBe16(frame, static_cast<std::uint16_t>(8 + kIpv4Bytes.size()));
  Append(frame, {0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x08, 0x00});
  Append(frame, kIpv4Bytes);
  LinkLayer link;
  AnomalyCounters anomalies;
  ASSERT_TRUE(DecodeLink(kDltEn10mb, Bytes(frame), link, anomalies));
  EXPECT_EQ(link.vlan, 9);
  ExpectNetwork(link, frame, 26, kIpv4Bytes);
}

TEST(DatalinkTest, Ieee8023OtherThanSnapIpIsUnsupported) {
  // SNAP carrying ARP.
  ExpectRejected(kDltEn10mb, Ethernet8023Snap(20, 0x0806, kIpv4Bytes),
                 Anomaly::kUnsupportedNetwork);
  // Plain LLC (spanning tree: DSAP/SSAP 0x42).
  Frame stp = Ethernet(38, {0x42, 0x42, 0x03, 0x00, 0x00, 0x00, 0x08, 0x00, 0x45});
  ExpectRejected(kDltEn10mb, stp, Anomaly::kUnsupportedNetwork);
  // SNAP with a non-zero OUI.
  Frame cisco = Ethernet(20, {0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c, 0x08, 0x00, 0x45});
  ExpectRejected(kDltEn10mb, cisco, Anomaly::kUnsupportedNetwork);
  // A length too small to hold the SNAP header itself.
  ExpectRejected(kDltEn10mb, Ethernet8023Snap(7, 0x0800, kIpv4Bytes), Anomaly::kUnsupportedNetwork);
}

TEST(DatalinkTest, EthernetPrefixesAreRejected) {
  ExpectPrefixesRejected(kDltEn10mb, Ethernet(0x0800, kIpv4Bytes), 14);
  ExpectPrefixesRejected(kDltIeee802, Ethernet(0x86dd, kIpv6Bytes), 14);
  ExpectPrefixesRejected(
      kDltEn10mb, Ethernet(0x0800, kIpv4Bytes, {{0x88a8, 1}, {0x8100, 2}, {0x9100, 3}}), 14 + 12);
  ExpectPrefixesRejected(kDltEn10mb, Ethernet8023Snap(28, 0x0800, kIpv4Bytes), 22);
}

TEST(DatalinkTest, LinuxSll) {
  for (const auto& [protocol, payload, ethertype] :
       {std::tuple{std::uint16_t{0x0800}, kIpv4Bytes, kEthertypeIpv4},
        std::tuple{std::uint16_t{0x86dd}, kIpv6Bytes, kEthertypeIpv6}}) {
    const Frame frame = LinuxSll(protocol, payload);
    LinkLayer link;
    AnomalyCounters anomalies;
    ASSERT_TRUE(DecodeLink(kDltLinuxSll, Bytes(frame), link, anomalies));
    EXPECT_EQ(anomalies.Total(), 0u);
    EXPECT_EQ(link.ethertype, ethertype);
    EXPECT_FALSE(link.has_macs);
    EXPECT_EQ(link.vlan, kNoVlan);
    ExpectNetwork(link, frame, 16, payload);
  }
}

TEST(DatalinkTest, LinuxSllNonIpIsUnsupported) {
  ExpectRejected(kDltLinuxSll, LinuxSll(0x0806, kIpv4Bytes), Anomaly::kUnsupportedNetwork);
  ExpectRejected(kDltLinuxSll, LinuxSll(0x0004, kIpv4Bytes), Anomaly::kUnsupportedNetwork);
}

TEST(DatalinkTest, LinuxSllPrefixesAreRejected) {
  ExpectPrefixesRejected(kDltLinuxSll, LinuxSll(0x0800, kIpv4Bytes), 16);
}

TEST(DatalinkTest, RawTypesLetTheVersionNibbleDecide) {
  for (int dlt : {kDltRaw, kDltRaw14, kDltLinktypeRaw}) {
    SCOPED_TRACE(dlt);
    for (const Frame& frame : {kIpv4Bytes, kIpv6Bytes}) {
      LinkLayer link;
      AnomalyCounters anomalies;
      ASSERT_TRUE(DecodeLink(dlt, Bytes(frame), link, anomalies));
      EXPECT_EQ(link.ethertype, kEthertypeIpAny);
      EXPECT_FALSE(link.has_macs);
      ExpectNetwork(link, frame, 0, frame);
    }
  }
}

TEST(DatalinkTest, RawIpv4AndIpv6OnlyTypes) {
  LinkLayer link;
  AnomalyCounters anomalies;
  ASSERT_TRUE(DecodeLink(kDltIpv4, Bytes(kIpv4Bytes), link, anomalies));
  EXPECT_EQ(link.ethertype, kEthertypeIpv4);
  ExpectNetwork(link, kIpv4Bytes, 0, kIpv4Bytes);
  ASSERT_TRUE(DecodeLink(kDltIpv6, Bytes(kIpv6Bytes), link, anomalies));
  EXPECT_EQ(link.ethertype, kEthertypeIpv6);
  ExpectNetwork(link, kIpv6Bytes, 0, kIpv6Bytes);
  EXPECT_EQ(anomalies.Total(), 0u);
}

TEST(DatalinkTest, RawEmptyFrameIsLeftToTheIpLayer) {
  const Frame empty;
  LinkLayer link;
  AnomalyCounters anomalies;
  EXPECT_TRUE(DecodeLink(kDltRaw, Bytes(empty), link, anomalies));
  EXPECT_TRUE(link.network.empty());
  EXPECT_EQ(anomalies.Total(), 0u);
}

TEST(DatalinkTest, NullEveryFamilyInBothByteOrders) {
  struct Case {
    std::uint32_t family;
    std::uint16_t ethertype;
  };
  const Case cases[] = {{2, kEthertypeIpv4},  {10, kEthertypeIpv6}, {23, kEthertypeIpv6},
                        {24, kEthertypeIpv6}, {28, kEthertypeIpv6}, {30, kEthertypeIpv6}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.family);
    const Frame& payload = c.ethertype == kEthertypeIpv4 ? kIpv4Bytes : kIpv6Bytes;
    for (const Frame& frame : {LoopbackLe(c.family, payload), LoopbackBe(c.family, payload)}) {
      LinkLayer link;
      AnomalyCounters anomalies;
      ASSERT_TRUE(DecodeLink(kDltNull, Bytes(frame), link, anomalies));
      EXPECT_EQ(anomalies.Total(), 0u);
      EXPECT_EQ(link.ethertype, c.ethertype);
      EXPECT_FALSE(link.has_macs);
      ExpectNetwork(link, frame, 4, payload);
    }
  }
}

TEST(DatalinkTest, NullUnknownFamilyIsRejected) {
  ExpectRejected(kDltNull, LoopbackLe(7, kIpv4Bytes), Anomaly::kBadLoopbackFamily);
  ExpectRejected(kDltNull, LoopbackBe(7, kIpv4Bytes), Anomaly::kBadLoopbackFamily);
  ExpectRejected(kDltNull, LoopbackLe(0, kIpv4Bytes), Anomaly::kBadLoopbackFamily);
  // A known value in the wrong byte lane of a 16-bit field is not a family.
  ExpectRejected(kDltNull, LoopbackLe(0x0200, kIpv4Bytes), Anomaly::kBadLoopbackFamily);
}

TEST(DatalinkTest, NullPrefixesAreRejected) {
  ExpectPrefixesRejected(kDltNull, LoopbackLe(2, kIpv4Bytes), 4);
  ExpectPrefixesRejected(kDltNull, LoopbackBe(30, kIpv6Bytes), 4);
}

TEST(DatalinkTest, LoopIsAlwaysBigEndian) {
  for (std::uint32_t family : {2u, 10u, 23u, 24u, 28u, 30u}) {
    SCOPED_TRACE(family);
    const Frame& payload = family == 2 ? kIpv4Bytes : kIpv6Bytes;
    const Frame frame = LoopbackBe(family, payload);
    LinkLayer link;
    AnomalyCounters anomalies;
    ASSERT_TRUE(DecodeLink(kDltLoop, Bytes(frame), link, anomalies));
    EXPECT_EQ(link.ethertype, family == 2 ? kEthertypeIpv4 : kEthertypeIpv6);
    ExpectNetwork(link, frame, 4, payload);
    ExpectRejected(kDltLoop, LoopbackLe(family, payload), Anomaly::kBadLoopbackFamily);
  }
}

TEST(DatalinkTest, LoopPrefixesAreRejected) {
  ExpectPrefixesRejected(kDltLoop, LoopbackBe(24, kIpv6Bytes), 4);
}

TEST(DatalinkTest, PppWithAndWithoutAddressControl) {
  Frame full;
  Append(full, {0xFF, 0x03, 0x00, 0x21});
  Append(full, kIpv4Bytes);
  LinkLayer link;
  AnomalyCounters anomalies;
  ASSERT_TRUE(DecodeLink(kDltPpp, Bytes(full), link, anomalies));
  EXPECT_EQ(link.ethertype, kEthertypeIpv4);
  ExpectNetwork(link, full, 4, kIpv4Bytes);
  Frame bare;
  Append(bare, {0x00, 0x57});
  Append(bare, kIpv6Bytes);
  ASSERT_TRUE(DecodeLink(kDltPpp, Bytes(bare), link, anomalies));
  EXPECT_EQ(link.ethertype, kEthertypeIpv6);
  ExpectNetwork(link, bare, 2, kIpv6Bytes);
  Frame compressed;
  Append(compressed, {0x21});
  Append(compressed, kIpv4Bytes);
  ASSERT_TRUE(DecodeLink(kDltPpp, Bytes(compressed), link, anomalies));
  ExpectNetwork(link, compressed, 1, kIpv4Bytes);
  EXPECT_EQ(anomalies.Total(), 0u);
  EXPECT_FALSE(link.has_macs);
}

TEST(DatalinkTest, PppOtherProtocolsAreUnsupported) {
  for (std::uint16_t protocol : {0xC021, 0x8021, 0x002B, 0x00FD}) {  // LCP, IPCP, IPX, MPPE
    SCOPED_TRACE(protocol);
    Frame frame;
    Append(frame, {0xFF, 0x03});
    AppendBe16(frame, protocol);
    Append(frame, kIpv4Bytes);
    ExpectRejected(kDltPpp, frame, Anomaly::kUnsupportedNetwork);
  }
}

TEST(DatalinkTest, PppPrefixesAreRejected) {
  Frame full;
  Append(full, {0xFF, 0x03, 0x00, 0x21});
  Append(full, kIpv4Bytes);
  ExpectPrefixesRejected(kDltPpp, full, 4);
}

TEST(DatalinkTest, SupportedLinkTypesAreExactlyTheTable) {
  const std::set<int> supported = {0, 1, 6, 9, 12, 14, 51, 101, 105, 108, 113, 127, 228, 229, 276};
  for (int dlt = -1; dlt < 300; ++dlt) {
    EXPECT_EQ(IsSupportedLinkType(dlt), supported.count(dlt) == 1) << dlt;
    EXPECT_EQ(FindLinkDecoder(dlt) != nullptr, supported.count(dlt) == 1) << dlt;
  }
}

TEST(DatalinkTest, UnsupportedLinkTypeIsRejected) {
  ExpectRejected(119, kIpv4Bytes, Anomaly::kUnsupportedNetwork);  // PRISM
  ExpectRejected(169, kIpv4Bytes, Anomaly::kUnsupportedNetwork);  // GPRS LLC
}

TEST(DatalinkTest, FindLinkDecoderMatchesDecodeLink) {
  const Frame frame = Ethernet(0x0800, kIpv4Bytes, {{0x8100, 77}});
  const LinkDecoder decode = FindLinkDecoder(kDltEn10mb);
  ASSERT_NE(decode, nullptr);
  LinkLayer link;
  AnomalyCounters anomalies;
  ASSERT_TRUE(decode(Bytes(frame), link, anomalies));
  EXPECT_EQ(link.vlan, 77);
  ExpectNetwork(link, frame, 18, kIpv4Bytes);
}

TEST(DatalinkTest, NothingSurvivesFromAnEarlierFrame) {
  LinkLayer link;
  AnomalyCounters anomalies;
  const Frame tagged = Ethernet(0x0800, kIpv4Bytes, {{0x8100, 77}});
  ASSERT_TRUE(DecodeLink(kDltEn10mb, Bytes(tagged), link, anomalies));
  ASSERT_EQ(link.vlan, 77);
  const Frame untagged = Ethernet(0x0800, kIpv4Bytes);
  ASSERT_TRUE(DecodeLink(kDltEn10mb, Bytes(untagged), link, anomalies));
  EXPECT_EQ(link.vlan, kNoVlan);
  ASSERT_TRUE(DecodeLink(kDltEn10mb, Bytes(tagged), link, anomalies));
  const Frame sll = LinuxSll(0x0800, kIpv4Bytes);
  ASSERT_TRUE(FindLinkDecoder(kDltLinuxSll)(Bytes(sll), link, anomalies));
  EXPECT_FALSE(link.has_macs);
  EXPECT_EQ(link.vlan, kNoVlan);
  EXPECT_EQ(link.src_mac, MacAddress{});
}

// ------------------------------------------------------------------ SLL2, MPLS, PPPoE, PPP_ETHER

Frame LinuxSll2(std::uint16_t protocol, const Frame& payload) {
  Frame f;
  AppendBe16(f, protocol);
  AppendBe16(f, 0);  // reserved
  AppendBe32(f, 3);  // interface index
  AppendBe16(f, 1);  // ARPHRD_ETHER
  f.push_back(4);    // packet type: outgoing
  f.push_back(6);    // address length
  Append(f, {0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x00, 0x00});
  Append(f, payload);
  return f;
}

// One MPLS label stack entry: label, traffic class 0, the bottom-of-stack bit, TTL 64.
void AppendLabel(Frame& f, std::uint32_t label, bool bottom) {
  AppendBe32(f, (label << 12) | (bottom ? 0x100u : 0u) | 64u);
}

// A label stack of `labels.size()` entries (the last one bottom of stack), then `payload`.
Frame Mpls(const std::vector<std::uint32_t>& labels, const Frame& payload) {
  Frame f;
  for (std::size_t i = 0; i < labels.size(); ++i) AppendLabel(f, labels[i], i + 1 == labels.size());
  Append(f, payload);
  return f;
}

// A PPPoE session header (RFC 2516) whose length field is `length`, then the PPP protocol and
// the payload.
Frame PppoeWithLength(std::uint16_t length, std::uint16_t ppp_protocol, const Frame& payload,
                      std::uint8_t version_type = 0x11, std::uint8_t code = 0x00) {
  Frame f = {version_type, code};
  AppendBe16(f, 0x1234);  // session id
  AppendBe16(f, length);
  AppendBe16(f, ppp_protocol);
  Append(f, payload);
  return f;
}

// A PPPoE session header with the right length field.
Frame Pppoe(std::uint16_t ppp_protocol, const Frame& payload) {
  return PppoeWithLength(static_cast<std::uint16_t>(payload.size() + 2), ppp_protocol, payload);
}

Frame PppFrame(std::uint16_t protocol, const Frame& payload) {
  Frame f = {0xFF, 0x03};
  AppendBe16(f, protocol);
  Append(f, payload);
  return f;
}

// Decodes `frame` expecting success with no anomaly; returns the link layer.
LinkLayer ExpectDecoded(int dlt, const Frame& frame) {
  LinkLayer link;
  AnomalyCounters anomalies;
  EXPECT_TRUE(DecodeLink(dlt, Bytes(frame), link, anomalies));
  EXPECT_EQ(anomalies.Total(), 0u);
  return link;
}

TEST(DatalinkTest, LinuxSll2) {
  for (const auto& [protocol, payload, ethertype] :
       {std::tuple{std::uint16_t{0x0800}, kIpv4Bytes, kEthertypeIpv4},
        std::tuple{std::uint16_t{0x86dd}, kIpv6Bytes, kEthertypeIpv6}}) {
    const Frame frame = LinuxSll2(protocol, payload);
    const LinkLayer link = ExpectDecoded(kDltLinuxSll2, frame);
    EXPECT_EQ(link.ethertype, ethertype);
    EXPECT_FALSE(link.has_macs);
    EXPECT_EQ(link.vlan, kNoVlan);
    ExpectNetwork(link, frame, 20, payload);
  }
}

TEST(DatalinkTest, LinuxSll2NonIpIsUnsupported) {
  ExpectRejected(kDltLinuxSll2, LinuxSll2(0x0806, kIpv4Bytes), Anomaly::kUnsupportedNetwork);
  ExpectRejected(kDltLinuxSll2, LinuxSll2(0x0004, kIpv4Bytes), Anomaly::kUnsupportedNetwork);
  // The SLL (v1) protocol offset holds the address here: not a protocol.
  Frame sll_shaped = LinuxSll2(0x0000, kIpv4Bytes);
  sll_shaped[14] = 0x08;
  ExpectRejected(kDltLinuxSll2, sll_shaped, Anomaly::kUnsupportedNetwork);
}

TEST(DatalinkTest, LinuxSll2PrefixesAreRejected) {
  ExpectPrefixesRejected(kDltLinuxSll2, LinuxSll2(0x0800, kIpv4Bytes), 20);
}

TEST(DatalinkTest, MplsOverEthernet) {
  for (std::uint16_t ethertype : {0x8847, 0x8848}) {
    SCOPED_TRACE(ethertype);
    const Frame frame = Ethernet(ethertype, Mpls({16, 17}, kIpv4Bytes));
    const LinkLayer link = ExpectDecoded(kDltEn10mb, frame);
    EXPECT_EQ(link.ethertype, kEthertypeIpAny);
    EXPECT_TRUE(link.has_macs);
    EXPECT_EQ(link.src_mac, kSrcMac);
    EXPECT_EQ(link.dst_mac, kDstMac);
    ExpectNetwork(link, frame, 14 + 8, kIpv4Bytes);
  }
}

TEST(DatalinkTest, MplsBehindVlanTagsCarryingIpv6) {
  const Frame frame = Ethernet(0x8847, Mpls({3}, kIpv6Bytes), {{0x88a8, 30}, {0x8100, 40}});
  const LinkLayer link = ExpectDecoded(kDltEn10mb, frame);
  EXPECT_EQ(link.vlan, 30);
  EXPECT_EQ(link.ethertype, kEthertypeIpAny);
  ExpectNetwork(link, frame, 22 + 4, kIpv6Bytes);
}

TEST(DatalinkTest, MplsOverSnapSllSll2AndPpp) {
  const Frame payload = Mpls({100, 200, 300}, kIpv4Bytes);
  const Frame snap =
      Ethernet8023Snap(static_cast<std::uint16_t>(8 + payload.size()), 0x8847, payload);
  ExpectNetwork(ExpectDecoded(kDltEn10mb, snap), snap, 22 + 12, kIpv4Bytes);
  const Frame sll = LinuxSll(0x8847, payload);
  ExpectNetwork(ExpectDecoded(kDltLinuxSll, sll), sll, 16 + 12, kIpv4Bytes);
  const Frame sll2 = LinuxSll2(0x8848, payload);
  ExpectNetwork(ExpectDecoded(kDltLinuxSll2, sll2), sll2, 20 + 12, kIpv4Bytes);
  for (std::uint16_t protocol : {0x0281, 0x0283}) {
    SCOPED_TRACE(protocol);
    const Frame ppp = PppFrame(protocol, payload);
    const LinkLayer link = ExpectDecoded(kDltPpp, ppp);
    EXPECT_EQ(link.ethertype, kEthertypeIpAny);
    ExpectNetwork(link, ppp, 4 + 12, kIpv4Bytes);
  }
}

TEST(DatalinkTest, MplsEightLabelsAreUnwoundNineAreTooMany) {
  const Frame eight = Ethernet(0x8847, Mpls({1, 2, 3, 4, 5, 6, 7, 8}, kIpv6Bytes));
  ExpectNetwork(ExpectDecoded(kDltEn10mb, eight), eight, 14 + 32, kIpv6Bytes);
  ExpectRejected(kDltEn10mb, Ethernet(0x8847, Mpls({1, 2, 3, 4, 5, 6, 7, 8, 9}, kIpv6Bytes)),
                 Anomaly::kTooManyVlanTags);
  // No bottom-of-stack bit at all.
  Frame endless;
  for (int i = 0; i < 20; ++i) AppendLabel(endless, 16, false);
  ExpectRejected(kDltEn10mb, Ethernet(0x8847, endless), Anomaly::kTooManyVlanTags);
  // Eight labels and nothing more is also a stack cut short of its bottom.
  Frame eight_open;
  for (int i = 0; i < 8; ++i) AppendLabel(eight_open, 16, false);
  ExpectRejected(kDltEn10mb, Ethernet(0x8847, eight_open), Anomaly::kTooManyVlanTags);
}

TEST(DatalinkTest, MplsPayloadMustBeIp) {
  // An Ethernet pseudowire with its control word 0000 (RFC 4385).
  Frame pseudowire = {0x00, 0x00, 0x00, 0x00};
  Append(pseudowire, Ethernet(0x0800, kIpv4Bytes));
  ExpectRejected(kDltEn10mb, Ethernet(0x8847, Mpls({20, 21}, pseudowire)),
                 Anomaly::kUnsupportedNetwork);
  ExpectRejected(kDltPpp, PppFrame(0x0281, Mpls({20}, {0x10, 0x00})), Anomaly::kUnsupportedNetwork);
  // Nothing after the bottom of the stack.
  ExpectRejected(kDltEn10mb, Ethernet(0x8847, Mpls({20}, {})), Anomaly::kTruncatedLinkHeader);
}

TEST(DatalinkTest, MplsPrefixesAreRejected) {
  // The first payload byte belongs to the header: it decides IPv4 or IPv6.
  ExpectPrefixesRejected(kDltEn10mb, Ethernet(0x8847, Mpls({16, 17}, kIpv4Bytes)), 14 + 8 + 1);
  ExpectPrefixesRejected(kDltLinuxSll, LinuxSll(0x8847, Mpls({16}, kIpv6Bytes)), 16 + 4 + 1);
  ExpectPrefixesRejected(kDltLinuxSll2, LinuxSll2(0x8847, Mpls({16}, kIpv6Bytes)), 20 + 4 + 1);
  ExpectPrefixesRejected(kDltPpp, PppFrame(0x0281, Mpls({16, 17, 18}, kIpv4Bytes)), 4 + 12 + 1);
}

TEST(DatalinkTest, DecodeMplsStackLeavesTheRestAlone) {
  LinkLayer link;
  link.vlan = 9;
  link.has_macs = true;
  AnomalyCounters anomalies;
  const Frame stack = Mpls({16}, kIpv4Bytes);
  ASSERT_TRUE(DecodeMplsStack(Bytes(stack), link, anomalies));
  EXPECT_EQ(link.vlan, 9);
  EXPECT_TRUE(link.has_macs);
  EXPECT_EQ(link.ethertype, kEthertypeIpAny);
  ExpectNetwork(link, stack, 4, kIpv4Bytes);
  EXPECT_EQ(anomalies.Total(), 0u);
}

TEST(DatalinkTest, PppoeSessionOverEthernet) {
  for (const auto& [protocol, payload] : {std::pair{std::uint16_t{0x0021}, kIpv4Bytes},
                                          std::pair{std::uint16_t{0x0057}, kIpv6Bytes}}) {
    SCOPED_TRACE(protocol);
    const Frame frame = Ethernet(0x8864, Pppoe(protocol, payload));
    const LinkLayer link = ExpectDecoded(kDltEn10mb, frame);
    EXPECT_EQ(link.ethertype, protocol == 0x0021 ? kEthertypeIpv4 : kEthertypeIpv6);
    EXPECT_TRUE(link.has_macs);
    EXPECT_EQ(link.src_mac, kSrcMac);
    ExpectNetwork(link, frame, 14 + 8, payload);
  }
}

TEST(DatalinkTest, PppoeCompressedProtocolField) {
  // One protocol byte (0x21), as some access concentrators send.
  Frame pppoe = {0x11, 0x00, 0x00, 0x2d};
  AppendBe16(pppoe, static_cast<std::uint16_t>(1 + kIpv4Bytes.size()));
  pppoe.push_back(0x21);
  Append(pppoe, kIpv4Bytes);
  const Frame frame = Ethernet(0x8864, pppoe);
  const LinkLayer link = ExpectDecoded(kDltEn10mb, frame);
  EXPECT_EQ(link.ethertype, kEthertypeIpv4);
  ExpectNetwork(link, frame, 14 + 7, kIpv4Bytes);
  ExpectPrefixesRejected(kDltEn10mb, frame, 14 + 7);
}

TEST(DatalinkTest, PppoeBehindVlanAndCarryingMpls) {
  const Frame frame = Ethernet(0x8864, Pppoe(0x0281, Mpls({16}, kIpv4Bytes)), {{0x8100, 7}});
  const LinkLayer link = ExpectDecoded(kDltEn10mb, frame);
  EXPECT_EQ(link.vlan, 7);
  EXPECT_EQ(link.ethertype, kEthertypeIpAny);
  ExpectNetwork(link, frame, 18 + 8 + 4, kIpv4Bytes);
}

TEST(DatalinkTest, PppoeLengthIsClampedToCapture) {
  // The length field ends the payload before the Ethernet padding ...
  Frame padded = Ethernet(0x8864, PppoeWithLength(static_cast<std::uint16_t>(kIpv4Bytes.size() + 2),
                                                  0x0021, kIpv4Bytes));
  padded.resize(60, 0xEE);
  ExpectNetwork(ExpectDecoded(kDltEn10mb, padded), padded, 22, kIpv4Bytes);
  // ... and a length beyond the capture gives what was captured.
  const Frame cut = Ethernet(0x8864, PppoeWithLength(1400, 0x0057, kIpv6Bytes));
  ExpectNetwork(ExpectDecoded(kDltEn10mb, cut), cut, 22, kIpv6Bytes);
  // A length that ends inside the payload cuts it there.
  const Frame short_length = Ethernet(0x8864, PppoeWithLength(2 + 3, 0x0021, kIpv4Bytes));
  ExpectNetwork(ExpectDecoded(kDltEn10mb, short_length), short_length, 22,
                Frame(kIpv4Bytes.begin(), kIpv4Bytes.begin() + 3));
}

TEST(DatalinkTest, PppoeBadHeadersAreRejected) {
  // Version/type other than 1/1, a discovery code on the session ethertype, a non-IP protocol.
  ExpectRejected(kDltEn10mb, Ethernet(0x8864, PppoeWithLength(10, 0x0021, kIpv4Bytes, 0x21)),
                 Anomaly::kUnsupportedNetwork);
  ExpectRejected(kDltEn10mb, Ethernet(0x8864, PppoeWithLength(10, 0x0021, kIpv4Bytes, 0x11, 0x09)),
                 Anomaly::kUnsupportedNetwork);
  ExpectRejected(kDltEn10mb, Ethernet(0x8864, Pppoe(0xC021, kIpv4Bytes)),
                 Anomaly::kUnsupportedNetwork);
  // A length too small for the PPP protocol field.
  for (std::uint16_t length : {0, 1}) {
    ExpectRejected(kDltEn10mb, Ethernet(0x8864, PppoeWithLength(length, 0x0021, kIpv4Bytes)),
                   Anomaly::kTruncatedLinkHeader);
  }
}

TEST(DatalinkTest, PppoePrefixesAreRejected) {
  ExpectPrefixesRejected(kDltEn10mb, Ethernet(0x8864, Pppoe(0x0021, kIpv4Bytes)), 14 + 8);
  ExpectPrefixesRejected(kDltEn10mb, Ethernet(0x8864, Pppoe(0x0057, kIpv6Bytes), {{0x8100, 1}}),
                         18 + 8);
}

TEST(DatalinkTest, PppEther) {
  const Frame v4 = Pppoe(0x0021, kIpv4Bytes);
  LinkLayer link = ExpectDecoded(kDltPppEther, v4);
  EXPECT_EQ(link.ethertype, kEthertypeIpv4);
  EXPECT_FALSE(link.has_macs);
  ExpectNetwork(link, v4, 8, kIpv4Bytes);
  const Frame v6 = Pppoe(0x0057, kIpv6Bytes);
  link = ExpectDecoded(kDltPppEther, v6);
  EXPECT_EQ(link.ethertype, kEthertypeIpv6);
  ExpectNetwork(link, v6, 8, kIpv6Bytes);
  const Frame mpls = Pppoe(0x0283, Mpls({16, 17}, kIpv6Bytes));
  link = ExpectDecoded(kDltPppEther, mpls);
  EXPECT_EQ(link.ethertype, kEthertypeIpAny);
  ExpectNetwork(link, mpls, 8 + 8, kIpv6Bytes);
}

TEST(DatalinkTest, PppEtherRejectsDiscoveryAndShortFrames) {
  ExpectRejected(kDltPppEther, PppoeWithLength(0, 0x0101, {}, 0x11, 0x09),  // PADI
                 Anomaly::kUnsupportedNetwork);
  ExpectPrefixesRejected(kDltPppEther, Pppoe(0x0021, kIpv4Bytes), 8);
}

// ------------------------------------------------------------------------ 802.11 and radiotap

// Four distinct addresses for the 802.11 address fields 1..4.
const MacAddress kWifiAddress[4] = {{0x02, 0, 0, 0, 0, 0xa1},
                                    {0x02, 0, 0, 0, 0, 0xa2},
                                    {0x02, 0, 0, 0, 0, 0xa3},
                                    {0x02, 0, 0, 0, 0, 0xa4}};

// An 802.11 frame control + MAC header (no LLC): `subtype` 0 data, 8 QoS data, ...; `flags` the
// second frame-control byte; `qos_low` the first QoS Control byte. Addresses 1..4 as above.
Frame WifiHeader(std::uint8_t subtype, std::uint8_t flags, std::uint8_t type = 2,
                 std::uint8_t qos_low = 0) {
  Frame f = {static_cast<std::uint8_t>((subtype << 4) | (type << 2)), flags, 0x2c, 0x00};
  for (int i = 0; i < 3; ++i) Append(f, Frame(kWifiAddress[i].begin(), kWifiAddress[i].end()));
  Append(f, {0x10, 0x02});  // sequence control
  if ((flags & 0x03) == 0x03) Append(f, Frame(kWifiAddress[3].begin(), kWifiAddress[3].end()));
  if ((subtype & 0x08) != 0) {
    Append(f, {qos_low, 0x00});
    if ((flags & 0x80) != 0) Append(f, {0x00, 0x00, 0x00, 0x00});  // HT Control
  }
  return f;
}

// `header`, then LLC/SNAP with `ethertype`, then `payload`.
Frame WithSnap(Frame header, std::uint16_t ethertype, const Frame& payload) {
  Append(header, {0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00});
  AppendBe16(header, ethertype);
  Append(header, payload);
  return header;
}

// A radiotap header with these present words. TSFT (bit 0 of the first word, 8 bytes at an
// 8-aligned offset) and Flags (bit 1) are written as radiotap lays them out; `other_fields`
// follows as opaque bytes. The length field covers it all.
Frame Radiotap(const std::vector<std::uint32_t>& present, std::uint8_t flags,
               const Frame& other_fields = {}) {
  Frame f = {0x00, 0x00, 0x00, 0x00};
  for (std::uint32_t word : present) AppendLe32(f, word);
  if ((present[0] & 0x1) != 0) {
    while (f.size() % 8 != 0) f.push_back(0);
    Append(f, {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88});
  }
  if ((present[0] & 0x2) != 0) f.push_back(flags);
  Append(f, other_fields);
  f[2] = static_cast<std::uint8_t>(f.size());
  f[3] = static_cast<std::uint8_t>(f.size() >> 8);
  return f;
}

const Frame kFcs = {0xde, 0xad, 0xbe, 0xef};

TEST(DatalinkTest, WifiDataFrameAddressesFollowToDsAndFromDs) {
  struct Case {
    std::uint8_t ds_flags;
    int dst_index;
    int src_index;
  };
  // IEEE 802.11 address fields: DA/SA per ToDS (0x01) and FromDS (0x02).
  const Case cases[] = {{0x00, 0, 1}, {0x02, 0, 2}, {0x01, 2, 1}, {0x03, 2, 3}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.ds_flags);
    const Frame frame = WithSnap(WifiHeader(0, c.ds_flags), 0x0800, kIpv4Bytes);
    const LinkLayer link = ExpectDecoded(kDltIeee80211, frame);
    EXPECT_EQ(link.ethertype, kEthertypeIpv4);
    EXPECT_TRUE(link.has_macs);
    EXPECT_EQ(link.dst_mac, kWifiAddress[c.dst_index]);
    EXPECT_EQ(link.src_mac, kWifiAddress[c.src_index]);
    EXPECT_EQ(link.vlan, kNoVlan);
    ExpectNetwork(link, frame, (c.ds_flags == 0x03 ? 30 : 24) + 8, kIpv4Bytes);
  }
}

TEST(DatalinkTest, WifiQosDataAndHtControl) {
  struct Case {
    std::uint8_t flags;
    std::size_t header_size;
  };
  // QoS adds 2 bytes, the Order bit (0x80) on a QoS frame 4 more, the fourth address 6 more.
  const Case cases[] = {{0x01, 26}, {0x81, 30}, {0x03, 32}, {0x83, 36}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.flags);
    const Frame frame = WithSnap(WifiHeader(8, c.flags), 0x86dd, kIpv6Bytes);
    const LinkLayer link = ExpectDecoded(kDltIeee80211, frame);
    EXPECT_EQ(link.ethertype, kEthertypeIpv6);
    ExpectNetwork(link, frame, c.header_size + 8, kIpv6Bytes);
  }
  // The Order bit on a non-QoS data frame adds nothing.
  const Frame ordered = WithSnap(WifiHeader(0, 0x80), 0x0800, kIpv4Bytes);
  ExpectNetwork(ExpectDecoded(kDltIeee80211, ordered), ordered, 24 + 8, kIpv4Bytes);
}

TEST(DatalinkTest, WifiWithoutFcsKeepsTrailingBytes) {
  // DLT 105 says nothing about an FCS: trailing bytes are left to the IP length.
  Frame frame = WithSnap(WifiHeader(0, 0x01), 0x0800, kIpv4Bytes);
  Append(frame, kFcs);
  Frame expected = kIpv4Bytes;
  Append(expected, kFcs);
  ExpectNetwork(ExpectDecoded(kDltIeee80211, frame), frame, 32, expected);
}

TEST(DatalinkTest, WifiFramesWithoutIpAreUnsupported) {
  const auto rejected = [](const Frame& frame) {
    ExpectRejected(kDltIeee80211, frame, Anomaly::kUnsupportedNetwork);
  };
  rejected(WithSnap(WifiHeader(4, 0x01), 0x0800, kIpv4Bytes));     // Null
  rejected(WithSnap(WifiHeader(12, 0x01), 0x0800, kIpv4Bytes));    // QoS Null
  rejected(WithSnap(WifiHeader(8, 0x41), 0x0800, kIpv4Bytes));     // protected QoS data
  rejected(WithSnap(WifiHeader(0, 0x42), 0x0800, kIpv4Bytes));     // protected data
  rejected(WithSnap(WifiHeader(8, 0x01, 0), 0x0800, kIpv4Bytes));  // management (beacon)
  rejected(WithSnap(WifiHeader(8, 0x00, 0), 0x0800, kIpv4Bytes));
  rejected(WithSnap(WifiHeader(11, 0x00, 1), 0x0800, kIpv4Bytes));       // control (RTS)
  rejected(WithSnap(WifiHeader(8, 0x01, 2, 0x80), 0x0800, kIpv4Bytes));  // A-MSDU
  rejected(WithSnap(WifiHeader(0, 0x01), 0x888e, kIpv4Bytes));           // EAPOL
  rejected(WithSnap(WifiHeader(0, 0x01), 0x0806, kIpv4Bytes));           // ARP
  Frame version1 = WithSnap(WifiHeader(0, 0x01), 0x0800, kIpv4Bytes);
  version1[0] |= 0x01;
  rejected(version1);
  Frame not_snap = WifiHeader(0, 0x01);
  Append(not_snap, {0x42, 0x42, 0x03, 0x00, 0x00, 0x00, 0x08, 0x00});
  Append(not_snap, kIpv4Bytes);
  rejected(not_snap);
}

TEST(DatalinkTest, WifiPrefixesAreRejected) {
  for (const auto& [subtype, flags] : {std::pair<std::uint8_t, std::uint8_t>{0, 0x00},
                                       {0, 0x03},
                                       {8, 0x02},
                                       {8, 0x81},
                                       {8, 0x83}}) {
    SCOPED_TRACE(::testing::Message() << int{subtype} << "/" << int{flags});
    const Frame header = WifiHeader(subtype, flags);
    ExpectPrefixesRejected(kDltIeee80211, WithSnap(header, 0x0800, kIpv4Bytes), header.size() + 8);
  }
}

TEST(DatalinkTest, RadiotapTsftAndFlagsWithFcs) {
  const Frame radiotap = Radiotap({0x00000003}, 0x10);  // TSFT, Flags: FCS at end
  ASSERT_EQ(radiotap.size(), 17u);
  Frame frame = radiotap;
  Append(frame, WithSnap(WifiHeader(8, 0x02), 0x0800, kIpv4Bytes));
  Append(frame, kFcs);
  const LinkLayer link = ExpectDecoded(kDltIeee80211Radio, frame);
  EXPECT_EQ(link.ethertype, kEthertypeIpv4);
  EXPECT_TRUE(link.has_macs);
  EXPECT_EQ(link.dst_mac, kWifiAddress[0]);
  EXPECT_EQ(link.src_mac, kWifiAddress[2]);
  ExpectNetwork(link, frame, 17 + 26 + 8, kIpv4Bytes);  // the FCS is not network data
}

TEST(DatalinkTest, RadiotapWithoutFcs) {
  for (const Frame& radiotap :
       {Radiotap({0x00000000}, 0), Radiotap({0x00000001}, 0), Radiotap({0x00000002}, 0x02),
        Radiotap({0x0000000f}, 0x00, {0x16, 0x00, 0x9e, 0x09, 0xa0, 0x00})}) {
    SCOPED_TRACE(radiotap.size());
    Frame frame = radiotap;
    Append(frame, WithSnap(WifiHeader(0, 0x01), 0x86dd, kIpv6Bytes));
    const LinkLayer link = ExpectDecoded(kDltIeee80211Radio, frame);
    EXPECT_EQ(link.ethertype, kEthertypeIpv6);
    ExpectNetwork(link, frame, radiotap.size() + 24 + 8, kIpv6Bytes);
  }
}

TEST(DatalinkTest, RadiotapFlagsFollowExtendedPresentWordsAndAlignedTsft) {
  // As in the arkime capture: two present words (bit 31 chains, bit 29 radiotap namespace), so
  // the fields start at 12 and TSFT is aligned to 16; Flags is at 24.
  const Frame two_words =
      Radiotap({0xa000402f, 0x00000820}, 0x10,
               {0x16, 0x00, 0x9f, 0x09, 0xa0, 0x00, 0xba, 0x00, 0x00, 0x00, 0xba, 0x00});
  ASSERT_EQ(two_words[24], 0x10);
  // Three words: the fields start at 16, already aligned.
  const Frame three_words = Radiotap({0x80000003, 0x80000000, 0x00000000}, 0x10);
  ASSERT_EQ(three_words[24], 0x10);
  for (const Frame& radiotap : {two_words, three_words}) {
    SCOPED_TRACE(radiotap.size());
    Frame frame = radiotap;
    Append(frame, WithSnap(WifiHeader(0, 0x01), 0x0800, kIpv4Bytes));
    Append(frame, kFcs);
    ExpectNetwork(ExpectDecoded(kDltIeee80211Radio, frame), frame, radiotap.size() + 32,
                  kIpv4Bytes);
  }
}

TEST(DatalinkTest, RadiotapDataPadAlignsThePayload) {
  // A QoS header is 26 bytes; with the Data Pad flag two pad bytes follow it.
  Frame frame = Radiotap({0x00000002}, 0x20);
  Frame header = WifiHeader(8, 0x01);
  Append(header, {0x00, 0x00});
  Append(frame, WithSnap(header, 0x0800, kIpv4Bytes));
  ExpectNetwork(ExpectDecoded(kDltIeee80211Radio, frame), frame, 9 + 28 + 8, kIpv4Bytes);
}

TEST(DatalinkTest, RadiotapBadFcsAndBadHeadersAreRejected) {
  Frame bad_fcs = Radiotap({0x00000003}, 0x50);
  Append(bad_fcs, WithSnap(WifiHeader(0, 0x01), 0x0800, kIpv4Bytes));
  Append(bad_fcs, kFcs);
  ExpectRejected(kDltIeee80211Radio, bad_fcs, Anomaly::kUnsupportedNetwork);

  Frame good = Radiotap({0x00000002}, 0x00);
  Append(good, WithSnap(WifiHeader(0, 0x01), 0x0800, kIpv4Bytes));
  Frame version1 = good;
  version1[0] = 1;
  ExpectRejected(kDltIeee80211Radio, version1, Anomaly::kUnsupportedNetwork);
  for (std::uint16_t length : {0, 7, 0xffff}) {
    SCOPED_TRACE(length);
    Frame bad_length = good;
    bad_length[2] = static_cast<std::uint8_t>(length);
    bad_length[3] = static_cast<std::uint8_t>(length >> 8);
    ExpectRejected(kDltIeee80211Radio, bad_length, Anomaly::kTruncatedLinkHeader);
  }
  // A chain of present words running past the header length.
  Frame endless = {0x00, 0x00, 0x10, 0x00};
  for (int i = 0; i < 3; ++i) AppendLe32(endless, 0x80000000);
  AppendLe32(endless, 0x80000002);
  Append(endless, WithSnap(WifiHeader(0, 0x01), 0x0800, kIpv4Bytes));
  ExpectRejected(kDltIeee80211Radio, endless, Anomaly::kTruncatedLinkHeader);
  // Flags announced but beyond the header length.
  Frame no_room = {0x00, 0x00, 0x08, 0x00};
  AppendLe32(no_room, 0x00000003);
  Append(no_room, WithSnap(WifiHeader(0, 0x01), 0x0800, kIpv4Bytes));
  ExpectRejected(kDltIeee80211Radio, no_room, Anomaly::kTruncatedLinkHeader);
  // An FCS claimed on a frame too short to hold one.
  Frame tiny = Radiotap({0x00000002}, 0x10);
  Append(tiny, {0x08, 0x01});
  ExpectRejected(kDltIeee80211Radio, tiny, Anomaly::kTruncatedLinkHeader);
  // A management frame after a good radiotap header.
  Frame beacon = Radiotap({0x00000002}, 0x00);
  Append(beacon, WithSnap(WifiHeader(8, 0x00, 0), 0x0800, kIpv4Bytes));
  ExpectRejected(kDltIeee80211Radio, beacon, Anomaly::kUnsupportedNetwork);
}

TEST(DatalinkTest, RadiotapPrefixesAreRejected) {
  for (const Frame& radiotap : {Radiotap({0x00000003}, 0x10), Radiotap({0x00000002}, 0x00),
                                Radiotap({0xa000402f, 0x00000820}, 0x00, Frame(12, 0))}) {
    SCOPED_TRACE(radiotap.size());
    Frame frame = radiotap;
    const Frame header = WifiHeader(8, 0x83);
    Append(frame, WithSnap(header, 0x0800, kIpv4Bytes));
    Append(frame, kFcs);
    ExpectPrefixesRejected(kDltIeee80211Radio, frame, radiotap.size() + header.size() + 8);
  }
}

// ---------------------------------------------------------------------- public capture corpus

// What the link, IP and TCP decoders make of every packet of a capture.
struct CorpusTally {
  int packets = 0;
  int tcp = 0;
  std::map<std::uint16_t, std::uint64_t> payload_by_src_port;
  AnomalyCounters anomalies;
};

CorpusTally Tally(const std::string& path) {
  CorpusTally tally;
  std::string error;
  const std::unique_ptr<PcapSource> source = PcapSource::OpenFile(path, &error);
  EXPECT_NE(source, nullptr) << error;
  if (source == nullptr) return tally;
  RawPacket packet;
  while (source->Next(&packet) == PcapSource::Status::kPacket) {
    ++tally.packets;
    LinkLayer link;
    IpLayer ip;
    TcpLayer tcp;
    constexpr std::uint8_t kTcp = 6;
    if (!DecodeLink(source->link_type(), packet.data, link, tally.anomalies) ||
        !DecodeIp(link.network, link.ethertype, ip, tally.anomalies) || ip.protocol != kTcp ||
        !DecodeTcp(ip.payload, tcp, tally.anomalies)) {
      continue;
    }
    ++tally.tcp;
    tally.payload_by_src_port[tcp.src_port] += tcp.payload.size();
  }
  return tally;
}

TEST(DatalinkTest, CorpusRadiotapHttp) {
  std::string why_not;
  const std::string path = testing::CorpusCapture("arkime-80211-radiotap-http.pcap", &why_not);
  if (path.empty()) GTEST_SKIP() << why_not;
  const CorpusTally tally = Tally(path);
  // tshark: 26 QoS-less data frames with FCS, all TCP; client payload 4647 bytes (one 564-byte
  // retransmission; tcpflow 1.6.1 wrote 4083), server 3945.
  EXPECT_EQ(tally.packets, 26);
  EXPECT_EQ(tally.tcp, 26);
  EXPECT_EQ(tally.payload_by_src_port.at(49417), 4647u);
  EXPECT_EQ(tally.payload_by_src_port.at(80), 3945u);
  EXPECT_EQ(tally.anomalies.Total(), 0u);
}

TEST(DatalinkTest, CorpusSll2) {
  std::string why_not;
  const std::string path = testing::CorpusCapture("sv-decode-sll2-01.pcap", &why_not);
  if (path.empty()) GTEST_SKIP() << why_not;
  const CorpusTally tally = Tally(path);
  EXPECT_EQ(tally.packets, 5);
  EXPECT_EQ(tally.tcp, 5);
  std::uint64_t total = 0;
  for (const auto& [port, bytes] : tally.payload_by_src_port) total += bytes;
  EXPECT_EQ(total, 82u);
  EXPECT_EQ(tally.anomalies.Total(), 0u);
}

TEST(DatalinkTest, CorpusPppoeSession) {
  std::string why_not;
  const std::string path = testing::CorpusCapture("sv-pppoe-session-http.pcap", &why_not);
  if (path.empty()) GTEST_SKIP() << why_not;
  const CorpusTally tally = Tally(path);
  EXPECT_EQ(tally.packets, 30);
  EXPECT_EQ(tally.tcp, 30);
  std::uint64_t total = 0;
  for (const auto& [port, bytes] : tally.payload_by_src_port) total += bytes;
  EXPECT_EQ(total, 10u * 1418 + 77 + 1251);
  EXPECT_EQ(tally.anomalies.Total(), 0u);
}

TEST(DatalinkTest, CorpusPppWithMpls) {
  std::string why_not;
  const std::string path = testing::CorpusCapture("tcpdump-lspping-fec-ldp-ppp.pcap", &why_not);
  if (path.empty()) GTEST_SKIP() << why_not;
  const CorpusTally tally = Tally(path);
  // 13 frames: 3 TCP (BGP, MPLS-labelled), 10 UDP (5 of them labelled); all decode to IP.
  EXPECT_EQ(tally.packets, 13);
  EXPECT_EQ(tally.tcp, 3);
  EXPECT_EQ(tally.anomalies.Total(), 0u);
}

}  // namespace
}  // namespace tcpflow
