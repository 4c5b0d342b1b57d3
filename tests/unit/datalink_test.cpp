// datalink_test.cpp: tests for the link-layer decoders (LINKTYPE registry; IEEE 802.3/802.1Q).
#include "datalink.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <set>
#include <tuple>
#include <vector>

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
  ExpectRejected(kDltEn10mb, Ethernet(0x8847, kIpv4Bytes), Anomaly::kUnsupportedNetwork);  // MPLS
  ExpectRejected(kDltEn10mb, Ethernet(0x8864, kIpv4Bytes), Anomaly::kUnsupportedNetwork);  // PPPoE
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
  Frame mpls;
  Append(mpls, {0xFF, 0x03, 0x02, 0x81});
  Append(mpls, kIpv4Bytes);
  ExpectRejected(kDltPpp, mpls, Anomaly::kUnsupportedNetwork);
}

TEST(DatalinkTest, PppPrefixesAreRejected) {
  Frame full;
  Append(full, {0xFF, 0x03, 0x00, 0x21});
  Append(full, kIpv4Bytes);
  ExpectPrefixesRejected(kDltPpp, full, 4);
}

TEST(DatalinkTest, SupportedLinkTypesAreExactlyTheTable) {
  const std::set<int> supported = {0, 1, 6, 9, 12, 14, 101, 108, 113, 228, 229};
  for (int dlt = -1; dlt < 300; ++dlt) {
    EXPECT_EQ(IsSupportedLinkType(dlt), supported.count(dlt) == 1) << dlt;
    EXPECT_EQ(FindLinkDecoder(dlt) != nullptr, supported.count(dlt) == 1) << dlt;
  }
}

TEST(DatalinkTest, UnsupportedLinkTypeIsRejected) {
  ExpectRejected(276, kIpv4Bytes, Anomaly::kUnsupportedNetwork);  // LINUX_SLL2
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

}  // namespace
}  // namespace tcpflow
