// ip_defrag_test.cpp: tests for IPv4/IPv6 fragment reassembly (RFC 791 3.2, RFC 8200 4.5,
// RFC 1858).
#include "ip_defrag.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <random>
#include <utility>
#include <vector>

namespace tcpflow {
namespace {

using Buffer = std::vector<std::uint8_t>;

constexpr std::uint8_t kTcp = 6;
constexpr std::uint8_t kUdp = 17;
constexpr std::uint8_t kDestOptions = 60;

IpAddress V4(std::uint8_t last) {
  const std::array<std::uint8_t, 4> b{192, 168, 1, last};
  return IpAddress::V4(b.data());
}

IpAddress V6(std::uint8_t last) {
  std::array<std::uint8_t, 16> b{0x20, 0x01, 0x0d, 0xb8};
  b[15] = last;
  return IpAddress::V6(b.data());
}

// The identity of one datagram.
struct Origin {
  IpAddress src = V4(2);
  IpAddress dst = V4(1);
  std::uint8_t version = 4;
  std::uint8_t protocol = kTcp;
  std::uint32_t id = 0x1234;
};

Origin V6Origin(std::uint32_t id = 0x12345678) {
  return Origin{V6(2), V6(1), 6, kTcp, id};
}

// `n` bytes from a pattern seeded by `seed`, so misplaced or mixed-up bytes show.
Buffer Data(std::size_t n, std::uint8_t seed = 1) {
  Buffer b(n);
  for (std::size_t i = 0; i < n; ++i) {
    b[i] = static_cast<std::uint8_t>((i * 7 + seed * 31 + (i >> 8)) & 0xff);
  }
  return b;
}

// A fragment carrying bytes [offset, offset + len) of `bytes` (the whole datagram payload, or a
// same-sized buffer with other content). The payload points into `bytes`.
IpLayer Piece(const Origin& o, const Buffer& bytes, std::uint32_t offset, std::size_t len,
              bool more) {
  IpLayer f;
  f.src = o.src;
  f.dst = o.dst;
  f.version = o.version;
  f.protocol = o.protocol;
  f.payload = Bytes(bytes).subspan(offset, len);
  f.is_fragment = true;
  f.fragment_id = o.id;
  f.fragment_offset = offset;
  f.more_fragments = more;
  return f;
}

// [offset, len] pairs that split `total` bytes into `size`-byte pieces (the last one shorter).
std::vector<std::pair<std::uint32_t, std::size_t>> Split(std::size_t total, std::size_t size) {
  std::vector<std::pair<std::uint32_t, std::size_t>> out;
  for (std::size_t at = 0; at < total; at += size) {
    out.emplace_back(static_cast<std::uint32_t>(at), std::min(size, total - at));
  }
  return out;
}

Buffer ToBuffer(Bytes b) {
  return Buffer(b.begin(), b.end());
}

class IpDefragTest : public ::testing::Test {
 protected:
  // Sends `pieces` of `bytes` in the given order; returns the reassembled payload (copied) when
  // the last one completed the datagram, and checks that no earlier one did.
  std::optional<Buffer> SendAll(const Origin& o, const Buffer& bytes,
                                const std::vector<std::pair<std::uint32_t, std::size_t>>& pieces) {
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      const auto [offset, len] = pieces[i];
      const bool more = offset + len < bytes.size();
      IpLayer whole;
      const bool done = defrag_.Add(Piece(o, bytes, offset, len, more), now_, &whole, &storage_);
      if (done) {
        EXPECT_EQ(i + 1, pieces.size()) << "completed early";
        last_whole_ = whole;
        return ToBuffer(whole.payload);
      }
    }
    return std::nullopt;
  }

  bool Add(const IpLayer& f, IpLayer* whole = nullptr) {
    IpLayer scratch;
    return defrag_.Add(f, now_, whole != nullptr ? whole : &scratch, &storage_);
  }

  std::uint64_t Count(Anomaly a) const { return anomalies_.Get(a); }

  DefragLimits limits_;
  AnomalyCounters anomalies_;
  std::vector<std::uint8_t> storage_;  // where completed datagrams go
  IpDefragmenter defrag_{limits_, anomalies_, 1};
  Timeval now_{1000, 0};
  IpLayer last_whole_;
};

TEST_F(IpDefragTest, V4InOrder) {
  const Origin o;
  const Buffer bytes = Data(100);
  EXPECT_EQ(SendAll(o, bytes, Split(100, 40)), bytes);
  EXPECT_EQ(last_whole_.src, o.src);
  EXPECT_EQ(last_whole_.dst, o.dst);
  EXPECT_EQ(last_whole_.version, 4);
  EXPECT_EQ(last_whole_.protocol, kTcp);
  EXPECT_FALSE(last_whole_.is_fragment);
  EXPECT_FALSE(last_whole_.more_fragments);
  EXPECT_EQ(last_whole_.fragment_offset, 0u);
  EXPECT_FALSE(last_whole_.truncated);
  EXPECT_EQ(defrag_.datagrams_in_progress(), 0u);
  EXPECT_EQ(defrag_.bytes_held(), 0u);
  EXPECT_EQ(anomalies_.Total(), 0u);
}

TEST_F(IpDefragTest, V4Reverse) {
  const Origin o;
  const Buffer bytes = Data(1000);
  auto pieces = Split(1000, 64);
  std::reverse(pieces.begin(), pieces.end());
  EXPECT_EQ(SendAll(o, bytes, pieces), bytes);
  EXPECT_EQ(anomalies_.Total(), 0u);
  EXPECT_EQ(defrag_.bytes_held(), 0u);
}

TEST_F(IpDefragTest, HeldFragmentsAreCountedAndWholeIsUntouched) {
  const Origin o;
  const Buffer bytes = Data(100);
  IpLayer whole;
  whole.fragment_id = 77;
  EXPECT_FALSE(defrag_.Add(Piece(o, bytes, 0, 48, true), now_, &whole, &storage_));
  EXPECT_FALSE(defrag_.Add(Piece(o, bytes, 96, 4, false), now_, &whole, &storage_));
  EXPECT_EQ(whole.fragment_id, 77u);
  EXPECT_EQ(defrag_.datagrams_in_progress(), 1u);
  EXPECT_EQ(defrag_.bytes_held(), 100u);  // buffer up to the highest byte received
}

TEST_F(IpDefragTest, V6InOrderAndReverse) {
  const Buffer bytes = Data(3000, 9);
  EXPECT_EQ(SendAll(V6Origin(1), bytes, Split(3000, 1232)), bytes);
  EXPECT_EQ(last_whole_.version, 6);
  EXPECT_EQ(last_whole_.src, V6(2));
  EXPECT_EQ(last_whole_.protocol, kTcp);
  auto pieces = Split(3000, 1232);
  std::reverse(pieces.begin(), pieces.end());
  EXPECT_EQ(SendAll(V6Origin(2), bytes, pieces), bytes);
  EXPECT_EQ(anomalies_.Total(), 0u);
}

TEST_F(IpDefragTest, V6ProtocolComesFromTheFirstFragment) {
  // Later IPv6 fragments name the fragment header's next header; the key ignores it.
  const Origin first = V6Origin();
  Origin later = first;
  later.protocol = kDestOptions;
  const Buffer bytes = Data(40);
  IpLayer whole;
  EXPECT_FALSE(Add(Piece(later, bytes, 24, 16, false)));
  EXPECT_TRUE(Add(Piece(first, bytes, 0, 24, true), &whole));
  EXPECT_EQ(whole.protocol, kTcp);
  EXPECT_EQ(ToBuffer(whole.payload), bytes);
}

TEST_F(IpDefragTest, V4KeyIncludesProtocol) {
  Origin tcp;
  Origin udp = tcp;
  udp.protocol = kUdp;
  const Buffer a = Data(40, 1);
  const Buffer b = Data(40, 2);
  IpLayer whole;
  EXPECT_FALSE(Add(Piece(tcp, a, 0, 24, true)));
  EXPECT_FALSE(Add(Piece(udp, b, 24, 16, false)));
  EXPECT_EQ(defrag_.datagrams_in_progress(), 2u);
  EXPECT_TRUE(Add(Piece(udp, b, 0, 24, true), &whole));
  EXPECT_EQ(whole.protocol, kUdp);
  EXPECT_EQ(ToBuffer(whole.payload), b);
  EXPECT_TRUE(Add(Piece(tcp, a, 24, 16, false), &whole));
  EXPECT_EQ(ToBuffer(whole.payload), a);
  EXPECT_EQ(anomalies_.Total(), 0u);
}

TEST_F(IpDefragTest, InterleavedDatagramsWithTheSameId) {
  // Same id 7 everywhere; the datagrams differ in source, destination, protocol or version.
  std::vector<Origin> origins{
      {V4(2), V4(1), 4, kTcp, 7}, {V4(3), V4(1), 4, kTcp, 7}, {V4(2), V4(1), 4, kUdp, 7},
      {V4(2), V4(9), 4, kTcp, 7}, {V6(2), V6(1), 6, kTcp, 7}, {V6(3), V6(1), 6, kTcp, 7},
  };
  std::vector<Buffer> payloads;
  for (std::size_t i = 0; i < origins.size(); ++i) {
    payloads.push_back(Data(500 + i * 13, static_cast<std::uint8_t>(i + 1)));
  }
  const auto pieces_of = [&](std::size_t i) { return Split(payloads[i].size(), 96); };
  std::size_t rounds = 0;
  for (std::size_t i = 0; i < origins.size(); ++i) rounds = std::max(rounds, pieces_of(i).size());
  std::vector<int> completed(origins.size(), 0);
  for (std::size_t r = 0; r < rounds; ++r) {
    // Alternate the direction of travel so some datagrams arrive back to front.
    for (std::size_t i = 0; i < origins.size(); ++i) {
      auto pieces = pieces_of(i);
      if (i % 2 == 1) std::reverse(pieces.begin(), pieces.end());
      if (r >= pieces.size()) continue;
      const auto [offset, len] = pieces[r];
      IpLayer whole;
      if (Add(Piece(origins[i], payloads[i], offset, len, offset + len < payloads[i].size()),
              &whole)) {
        ++completed[i];
        EXPECT_EQ(ToBuffer(whole.payload), payloads[i]) << "datagram " << i;
        EXPECT_EQ(whole.src, origins[i].src);
        EXPECT_EQ(whole.dst, origins[i].dst);
        EXPECT_EQ(whole.protocol, origins[i].protocol);
      }
    }
  }
  EXPECT_EQ(completed, std::vector<int>(origins.size(), 1));
  EXPECT_EQ(defrag_.datagrams_in_progress(), 0u);
  EXPECT_EQ(anomalies_.Total(), 0u);
}

TEST_F(IpDefragTest, DuplicateWithOtherBytesFirstCopyWins) {
  Origin o;
  o.protocol = kUdp;
  const Buffer bytes = Data(100, 1);
  const Buffer evil = Data(100, 2);
  EXPECT_FALSE(Add(Piece(o, bytes, 40, 40, true)));
  EXPECT_FALSE(Add(Piece(o, evil, 40, 40, true)));
  EXPECT_FALSE(Add(Piece(o, bytes, 40, 40, true)));  // an identical copy counts too
  EXPECT_FALSE(Add(Piece(o, bytes, 0, 40, true)));
  IpLayer whole;
  EXPECT_TRUE(Add(Piece(o, bytes, 80, 20, false), &whole));
  EXPECT_EQ(ToBuffer(whole.payload), bytes);
  EXPECT_EQ(Count(Anomaly::kFragmentOverlap), 2u);
  EXPECT_EQ(Count(Anomaly::kFragmentTcpRewrite), 0u);
}

TEST_F(IpDefragTest, PartialOverlapKeepsOldBytesAndTakesNewOnes) {
  Origin o;
  o.protocol = kUdp;
  const Buffer first = Data(64, 1);
  const Buffer second = Data(64, 2);
  // [0,16) and [32,48) from `first`, then [8,56) from `second` fills [16,32) and [48,56).
  EXPECT_FALSE(Add(Piece(o, first, 0, 16, true)));
  EXPECT_FALSE(Add(Piece(o, first, 32, 16, true)));
  EXPECT_FALSE(Add(Piece(o, second, 8, 48, true)));
  EXPECT_EQ(Count(Anomaly::kFragmentOverlap), 1u);
  IpLayer whole;
  EXPECT_TRUE(Add(Piece(o, first, 56, 8, false), &whole));
  Buffer expected = first;
  std::copy(second.begin() + 16, second.begin() + 32, expected.begin() + 16);
  std::copy(second.begin() + 48, second.begin() + 56, expected.begin() + 48);
  EXPECT_EQ(ToBuffer(whole.payload), expected);
  EXPECT_EQ(Count(Anomaly::kFragmentOverlap), 1u);
}

TEST_F(IpDefragTest, TouchingFragmentsAreNotOverlaps) {
  Origin o;
  const Buffer bytes = Data(48);
  EXPECT_FALSE(Add(Piece(o, bytes, 24, 8, true)));
  EXPECT_FALSE(Add(Piece(o, bytes, 40, 8, false)));
  EXPECT_FALSE(Add(Piece(o, bytes, 32, 8, true)));  // joins both neighbours
  IpLayer whole;
  EXPECT_TRUE(Add(Piece(o, bytes, 0, 24, true), &whole));
  EXPECT_EQ(ToBuffer(whole.payload), bytes);
  EXPECT_EQ(anomalies_.Total(), 0u);
}

TEST_F(IpDefragTest, TcpHeaderRewriteIsCountedAndFirstCopyWins) {
  const Origin o;  // TCP
  const Buffer bytes = Data(64, 1);
  const Buffer evil = Data(64, 2);
  EXPECT_FALSE(Add(Piece(o, bytes, 0, 24, true)));
  EXPECT_FALSE(Add(Piece(o, evil, 16, 16, true)));  // overwrites bytes 16..19 of the header
  EXPECT_EQ(Count(Anomaly::kFragmentTcpRewrite), 1u);
  EXPECT_EQ(Count(Anomaly::kFragmentOverlap), 1u);
  IpLayer whole;
  EXPECT_TRUE(Add(Piece(o, bytes, 32, 32, false), &whole));
  Buffer expected = bytes;
  std::copy(evil.begin() + 24, evil.begin() + 32, expected.begin() + 24);  // new bytes only
  EXPECT_EQ(ToBuffer(whole.payload), expected);
  EXPECT_EQ(Count(Anomaly::kFragmentTcpRewrite), 1u);
}

TEST_F(IpDefragTest, HeaderOverlapAfterTheHeaderIsOnlyAnOverlap) {
  const Origin o;
  const Buffer bytes = Data(64);
  EXPECT_FALSE(Add(Piece(o, bytes, 0, 32, true)));
  EXPECT_FALSE(Add(Piece(o, bytes, 24, 16, true)));
  EXPECT_EQ(Count(Anomaly::kFragmentOverlap), 1u);
  EXPECT_EQ(Count(Anomaly::kFragmentTcpRewrite), 0u);
}

TEST_F(IpDefragTest, RewriteByAFirstFragmentThatArrivedLate) {
  // A fragment at offset 16 came first (itself a tiny-fragment case); the offset-0 fragment
  // then may not change header bytes 16..19.
  const Origin o;
  const Buffer bytes = Data(48, 1);
  const Buffer evil = Data(48, 2);
  EXPECT_FALSE(Add(Piece(o, evil, 16, 32, false)));
  EXPECT_EQ(Count(Anomaly::kFragmentTcpRewrite), 1u);
  IpLayer whole;
  EXPECT_TRUE(Add(Piece(o, bytes, 0, 24, true), &whole));
  EXPECT_EQ(Count(Anomaly::kFragmentTcpRewrite), 2u);
  EXPECT_EQ(Count(Anomaly::kFragmentOverlap), 1u);
  Buffer expected = evil;
  std::copy(bytes.begin(), bytes.begin() + 16, expected.begin());
  EXPECT_EQ(ToBuffer(whole.payload), expected);
}

TEST_F(IpDefragTest, TinyFragmentInTheTcpHeaderIsCounted) {
  const Origin o;
  const Buffer bytes = Data(60);
  EXPECT_FALSE(Add(Piece(o, bytes, 0, 8, true)));  // ports and sequence number only
  IpLayer whole;
  EXPECT_TRUE(Add(Piece(o, bytes, 8, 52, false), &whole));  // flags in the second fragment
  EXPECT_EQ(ToBuffer(whole.payload), bytes);
  EXPECT_EQ(Count(Anomaly::kFragmentTcpRewrite), 1u);
  EXPECT_EQ(Count(Anomaly::kFragmentOverlap), 0u);
}

TEST_F(IpDefragTest, TinyFragmentOfOtherProtocolsIsFine) {
  Origin o;
  o.protocol = kUdp;
  const Buffer bytes = Data(60);
  EXPECT_FALSE(Add(Piece(o, bytes, 0, 8, true)));
  EXPECT_TRUE(Add(Piece(o, bytes, 8, 52, false)));
  EXPECT_EQ(anomalies_.Total(), 0u);
}

TEST_F(IpDefragTest, V6TinyFragmentIsCounted) {
  const Origin o = V6Origin();
  const Buffer bytes = Data(60);
  EXPECT_FALSE(Add(Piece(o, bytes, 16, 44, false)));
  EXPECT_EQ(Count(Anomaly::kFragmentTcpRewrite), 1u);
  EXPECT_TRUE(Add(Piece(o, bytes, 0, 16, true)));
}

TEST_F(IpDefragTest, LargestDatagramCompletes) {
  const Origin o;
  const Buffer bytes = Data(65535);
  EXPECT_EQ(SendAll(o, bytes, Split(65535, 1480)), bytes);
  const Origin v6 = V6Origin();
  auto pieces = Split(65535, 8192);
  std::reverse(pieces.begin(), pieces.end());
  EXPECT_EQ(SendAll(v6, bytes, pieces), bytes);
  EXPECT_EQ(anomalies_.Total(), 0u);
}

TEST_F(IpDefragTest, PastTheLargestDatagramIsBad) {
  const Buffer bytes = Data(65536 + 8);
  for (const Origin& o : {Origin{}, V6Origin()}) {
    EXPECT_FALSE(Add(Piece(o, bytes, 65528, 8, false)));  // ends at 65536
    EXPECT_FALSE(Add(Piece(o, bytes, 65528, 16, true)));
  }
  EXPECT_EQ(Count(Anomaly::kBadFragment), 4u);
  EXPECT_EQ(defrag_.datagrams_in_progress(), 0u);
  EXPECT_EQ(defrag_.bytes_held(), 0u);
}

TEST_F(IpDefragTest, MalformedNonLastFragmentsAreBad) {
  const Origin o;
  const Buffer bytes = Data(64);
  EXPECT_FALSE(Add(Piece(o, bytes, 8, 0, true)));   // empty
  EXPECT_FALSE(Add(Piece(o, bytes, 0, 20, true)));  // not a multiple of 8
  EXPECT_FALSE(Add(Piece(o, bytes, 8, 1, true)));
  EXPECT_EQ(Count(Anomaly::kBadFragment), 3u);
  EXPECT_EQ(defrag_.datagrams_in_progress(), 0u);
  // A last fragment may have any length.
  EXPECT_FALSE(Add(Piece(o, bytes, 8, 13, false)));
  EXPECT_EQ(Count(Anomaly::kBadFragment), 3u);
  EXPECT_EQ(defrag_.datagrams_in_progress(), 1u);
}

TEST_F(IpDefragTest, ConflictingLastFragmentKeepsTheFirst) {
  const Origin o;
  const Buffer bytes = Data(64);
  EXPECT_FALSE(Add(Piece(o, bytes, 40, 10, false)));  // end 50
  EXPECT_FALSE(Add(Piece(o, bytes, 40, 24, false)));  // end 64: conflicts
  EXPECT_FALSE(Add(Piece(o, bytes, 48, 16, true)));   // past the end
  EXPECT_EQ(Count(Anomaly::kBadFragment), 2u);
  IpLayer whole;
  EXPECT_TRUE(Add(Piece(o, bytes, 0, 40, true), &whole));
  EXPECT_EQ(ToBuffer(whole.payload), Buffer(bytes.begin(), bytes.begin() + 50));
}

TEST_F(IpDefragTest, LastFragmentBeforeDataAlreadyHeldIsBad) {
  const Origin o;
  const Buffer bytes = Data(64);
  EXPECT_FALSE(Add(Piece(o, bytes, 32, 32, true)));   // bytes up to 64 exist
  EXPECT_FALSE(Add(Piece(o, bytes, 16, 10, false)));  // claims the end is 26
  EXPECT_EQ(Count(Anomaly::kBadFragment), 1u);
  EXPECT_FALSE(Add(Piece(o, bytes, 0, 32, true)));  // still no end known
  EXPECT_EQ(defrag_.datagrams_in_progress(), 1u);
}

TEST_F(IpDefragTest, TruncatedFragmentNeverCompletes) {
  const Origin o;
  const Buffer bytes = Data(120);
  IpLayer cut = Piece(o, bytes, 40, 10, true);  // 40 bytes sent, 10 captured
  cut.truncated = true;
  cut.missing_bytes = 30;
  EXPECT_FALSE(Add(Piece(o, bytes, 0, 40, true)));
  EXPECT_FALSE(Add(cut));
  EXPECT_FALSE(Add(Piece(o, bytes, 80, 40, false)));
  EXPECT_EQ(Count(Anomaly::kBadFragment), 0u);  // 40 declared bytes: a multiple of 8
  EXPECT_EQ(defrag_.datagrams_in_progress(), 1u);
  now_.sec += 31;
  defrag_.Expire(now_);
  EXPECT_EQ(Count(Anomaly::kFragmentTimeout), 1u);
  EXPECT_EQ(defrag_.datagrams_in_progress(), 0u);
  EXPECT_EQ(defrag_.bytes_held(), 0u);
}

TEST_F(IpDefragTest, TruncatedLastFragmentNeverCompletes) {
  const Origin o;
  const Buffer bytes = Data(100);
  IpLayer cut = Piece(o, bytes, 48, 20, false);
  cut.truncated = true;
  cut.missing_bytes = 32;  // the datagram ends at 100, only 68 of it can be held
  EXPECT_FALSE(Add(cut));
  EXPECT_FALSE(Add(Piece(o, bytes, 0, 48, true)));
  EXPECT_EQ(defrag_.datagrams_in_progress(), 1u);
  EXPECT_EQ(defrag_.bytes_held(), 68u);
  // A full copy of the lost part still completes it, with the first copy's bytes kept.
  IpLayer whole;
  EXPECT_TRUE(Add(Piece(o, bytes, 48, 52, false), &whole));
  EXPECT_EQ(ToBuffer(whole.payload), bytes);
  EXPECT_EQ(Count(Anomaly::kFragmentOverlap), 1u);
}

TEST_F(IpDefragTest, TimeoutCountsFromTheFirstArrivedFragment) {
  const Origin a{V4(2), V4(1), 4, kTcp, 1};
  const Origin b{V4(2), V4(1), 4, kTcp, 2};
  const Buffer bytes = Data(64);
  now_ = {100, 500};
  EXPECT_FALSE(Add(Piece(a, bytes, 0, 32, true)));
  now_ = {110, 0};
  EXPECT_FALSE(Add(Piece(b, bytes, 0, 32, true)));
  EXPECT_FALSE(Add(Piece(a, bytes, 32, 8, true)));  // later fragments do not refresh it
  defrag_.Expire({130, 500});                       // exactly 30 s: kept
  EXPECT_EQ(defrag_.datagrams_in_progress(), 2u);
  defrag_.Expire({130, 501});
  EXPECT_EQ(defrag_.datagrams_in_progress(), 1u);
  EXPECT_EQ(Count(Anomaly::kFragmentTimeout), 1u);
  // a's remaining fragments start a new datagram that cannot complete; b completes.
  EXPECT_FALSE(Add(Piece(a, bytes, 40, 24, false)));
  EXPECT_TRUE(Add(Piece(b, bytes, 32, 32, false)));
  defrag_.Expire({1000, 0});
  EXPECT_EQ(Count(Anomaly::kFragmentTimeout), 2u);
  EXPECT_EQ(defrag_.datagrams_in_progress(), 0u);
  EXPECT_EQ(defrag_.bytes_held(), 0u);
}

TEST_F(IpDefragTest, ExpireWithAnEarlierTimeKeepsEverything) {
  const Buffer bytes = Data(64);
  EXPECT_FALSE(Add(Piece(Origin{}, bytes, 0, 32, true)));
  defrag_.Expire({0, 0});
  EXPECT_EQ(defrag_.datagrams_in_progress(), 1u);
  EXPECT_EQ(Count(Anomaly::kFragmentTimeout), 0u);
}

TEST_F(IpDefragTest, WholePayloadLivesInTheCallersStorage) {
  // Under ASan this reads the returned spans after the datagrams' bookkeeping is gone, and the
  // first after the second was completed into a storage of its own.
  const Origin a{V4(2), V4(1), 4, kTcp, 1};
  const Origin b{V4(2), V4(1), 4, kTcp, 2};
  const Buffer first = Data(3000, 1);
  const Buffer second = Data(2000, 2);
  IpLayer whole;
  std::vector<std::uint8_t> other;
  EXPECT_FALSE(defrag_.Add(Piece(a, first, 0, 1480, true), now_, &whole, &storage_));
  EXPECT_FALSE(defrag_.Add(Piece(b, second, 1480, 520, false), now_, &whole, &storage_));
  EXPECT_TRUE(defrag_.Add(Piece(a, first, 1480, 1520, false), now_, &whole, &storage_));
  EXPECT_EQ(ToBuffer(whole.payload), first);
  EXPECT_EQ(whole.payload.data(), storage_.data());
  IpLayer next;
  EXPECT_TRUE(defrag_.Add(Piece(b, second, 0, 1480, true), now_, &next, &other));
  EXPECT_EQ(ToBuffer(next.payload), second);
  defrag_.Expire(now_);
  EXPECT_EQ(defrag_.bytes_held(), 0u);
  EXPECT_EQ(ToBuffer(whole.payload), first);  // still there: the storage is the caller's
}

// ------------------------------------------------------------------------------------ limits

class IpDefragLimitsTest : public ::testing::Test {
 protected:
  bool Add(const IpLayer& f) {
    IpLayer whole;
    std::vector<std::uint8_t> storage;
    return defrag_.Add(f, {1000, 0}, &whole, &storage);
  }
  static Origin Id(std::uint32_t id) { return Origin{V4(2), V4(1), 4, kTcp, id}; }

  DefragLimits limits_;
  AnomalyCounters anomalies_;
  IpDefragmenter defrag_{limits_, anomalies_, 1};
  Buffer bytes_ = Data(256);
};

TEST_F(IpDefragLimitsTest, DatagramCountEvictsTheOldest) {
  limits_.max_datagrams = 2;
  EXPECT_FALSE(Add(Piece(Id(1), bytes_, 0, 64, true)));
  EXPECT_FALSE(Add(Piece(Id(2), bytes_, 0, 64, true)));
  EXPECT_FALSE(Add(Piece(Id(1), bytes_, 64, 64, true)));  // no new datagram: nothing evicted
  EXPECT_EQ(anomalies_.Get(Anomaly::kFragmentEvicted), 0u);
  EXPECT_FALSE(Add(Piece(Id(3), bytes_, 0, 64, true)));
  EXPECT_EQ(anomalies_.Get(Anomaly::kFragmentEvicted), 1u);
  EXPECT_EQ(defrag_.datagrams_in_progress(), 2u);
  EXPECT_EQ(defrag_.bytes_held(), 128u);
  EXPECT_TRUE(Add(Piece(Id(2), bytes_, 64, 192, false)));
  EXPECT_TRUE(Add(Piece(Id(3), bytes_, 64, 192, false)));
  EXPECT_FALSE(Add(Piece(Id(1), bytes_, 128, 128, false)));  // 1 was evicted: starts over
  EXPECT_EQ(defrag_.datagrams_in_progress(), 1u);
}

TEST_F(IpDefragLimitsTest, ByteBudgetEvictsTheOldestFirst) {
  limits_.max_bytes = 200;
  EXPECT_FALSE(Add(Piece(Id(1), bytes_, 0, 64, true)));
  EXPECT_FALSE(Add(Piece(Id(2), bytes_, 0, 64, true)));
  EXPECT_FALSE(Add(Piece(Id(3), bytes_, 0, 64, true)));
  EXPECT_EQ(defrag_.bytes_held(), 192u);
  EXPECT_FALSE(Add(Piece(Id(4), bytes_, 0, 64, true)));  // 256 > 200: 1 goes
  EXPECT_EQ(anomalies_.Get(Anomaly::kFragmentEvicted), 1u);
  EXPECT_EQ(defrag_.bytes_held(), 192u);
  // 2 (now the oldest) grows to 128 bytes: 3 is evicted, not 2 itself.
  EXPECT_FALSE(Add(Piece(Id(2), bytes_, 64, 64, true)));
  EXPECT_EQ(anomalies_.Get(Anomaly::kFragmentEvicted), 2u);
  EXPECT_EQ(defrag_.datagrams_in_progress(), 2u);  // 2 and 4
  EXPECT_EQ(defrag_.bytes_held(), 192u);
  EXPECT_FALSE(Add(Piece(Id(2), bytes_, 128, 64, true)));  // 4 goes
  EXPECT_EQ(anomalies_.Get(Anomaly::kFragmentEvicted), 3u);
  EXPECT_EQ(defrag_.datagrams_in_progress(), 1u);
  EXPECT_EQ(defrag_.bytes_held(), 192u);
  EXPECT_TRUE(Add(Piece(Id(2), bytes_, 192, 8, false)));  // 200 bytes: exactly the budget
  EXPECT_EQ(anomalies_.Get(Anomaly::kFragmentEvicted), 3u);
  EXPECT_EQ(defrag_.bytes_held(), 0u);
}

TEST_F(IpDefragLimitsTest, DuplicateBytesNeedNoRoom) {
  limits_.max_bytes = 128;
  EXPECT_FALSE(Add(Piece(Id(1), bytes_, 0, 64, true)));
  EXPECT_FALSE(Add(Piece(Id(2), bytes_, 0, 64, true)));
  EXPECT_FALSE(Add(Piece(Id(1), bytes_, 0, 64, true)));
  EXPECT_EQ(anomalies_.Get(Anomaly::kFragmentEvicted), 0u);
  EXPECT_EQ(defrag_.datagrams_in_progress(), 2u);
}

TEST_F(IpDefragLimitsTest, FragmentBeyondTheBudgetIsDropped) {
  limits_.max_bytes = 100;
  EXPECT_FALSE(Add(Piece(Id(1), bytes_, 0, 64, true)));
  EXPECT_FALSE(Add(Piece(Id(2), bytes_, 64, 64, true)));  // would need bytes 0..128
  EXPECT_EQ(anomalies_.Get(Anomaly::kFragmentEvicted), 1u);
  EXPECT_EQ(defrag_.datagrams_in_progress(), 1u);  // 1 survives, 2 was never created
  EXPECT_EQ(defrag_.bytes_held(), 64u);
}

TEST_F(IpDefragLimitsTest, NoDatagramsAllowed) {
  limits_.max_datagrams = 0;
  EXPECT_FALSE(Add(Piece(Id(1), bytes_, 0, 64, true)));
  EXPECT_EQ(anomalies_.Get(Anomaly::kFragmentEvicted), 1u);
  EXPECT_EQ(defrag_.datagrams_in_progress(), 0u);
}

TEST_F(IpDefragLimitsTest, ManyDatagramsStayBounded) {
  limits_.max_datagrams = 100;
  limits_.max_bytes = 100 * 256;
  for (std::uint32_t id = 0; id < 10000; ++id) {
    EXPECT_FALSE(Add(Piece(Id(id), bytes_, 0, 64, true)));
    ASSERT_LE(defrag_.datagrams_in_progress(), 100u);
    ASSERT_EQ(defrag_.bytes_held(), defrag_.datagrams_in_progress() * 64u);
  }
  EXPECT_EQ(anomalies_.Get(Anomaly::kFragmentEvicted), 9900u);
  // The newest 100 survive: each completes.
  for (std::uint32_t id = 9900; id < 10000; ++id) {
    EXPECT_TRUE(Add(Piece(Id(id), bytes_, 64, 192, false)));
  }
  EXPECT_EQ(defrag_.bytes_held(), 0u);
}

// -------------------------------------------------------------------------------- randomized

// Many datagrams, each cut into random 8-aligned pieces, plus extra pieces that overlap them
// with other bytes; all pieces of all datagrams shuffled together. A per-byte model of "first
// copy wins" predicts when each datagram completes and what it holds.
TEST(IpDefragRandomTest, MatchesAFirstCopyWinsModel) {
  std::mt19937 rng(20240601);
  const auto uniform = [&](std::size_t lo, std::size_t hi) {
    return std::uniform_int_distribution<std::size_t>(lo, hi)(rng);
  };
  struct Sent {
    std::size_t datagram;
    std::uint32_t offset;
    std::size_t len;
    bool more;
    const Buffer* source;
  };
  constexpr std::size_t kDatagrams = 300;
  std::vector<Origin> origins;
  std::vector<Buffer> truth;
  std::vector<Buffer> decoys;
  std::vector<Sent> sent;
  for (std::size_t d = 0; d < kDatagrams; ++d) {
    const bool v6 = d % 3 == 0;
    Origin o = v6 ? V6Origin(static_cast<std::uint32_t>(d / 7)) : Origin{};
    o.src = v6 ? V6(static_cast<std::uint8_t>(d % 7)) : V4(static_cast<std::uint8_t>(d % 7));
    o.id = static_cast<std::uint32_t>(d / 7);
    o.protocol = kUdp;  // keeps TCP-header counting out of the comparison
    origins.push_back(o);
    const std::size_t total = uniform(1, d % 10 == 0 ? 65535 : 3000);
    truth.push_back(Data(total, static_cast<std::uint8_t>(d)));
    decoys.push_back(Data(total, static_cast<std::uint8_t>(d + 128)));
  }
  for (std::size_t d = 0; d < kDatagrams; ++d) {
    const std::size_t total = truth[d].size();
    for (std::size_t at = 0; at < total;) {
      const std::size_t len = std::min(total - at, 8 * uniform(1, 200));
      sent.push_back({d, static_cast<std::uint32_t>(at), len, at + len < total, &truth[d]});
      if (uniform(0, 3) == 0) sent.push_back(sent.back());  // an exact duplicate
      at += len;
    }
    const std::size_t whole_units = total / 8;
    for (std::size_t extra = uniform(0, 3); extra > 0 && whole_units > 0; --extra) {
      const std::size_t first = uniform(0, whole_units - 1);
      const std::size_t units = uniform(1, whole_units - first);
      sent.push_back({d, static_cast<std::uint32_t>(first * 8), units * 8, true, &decoys[d]});
    }
  }
  std::shuffle(sent.begin(), sent.end(), rng);

  AnomalyCounters anomalies;
  const DefragLimits limits;
  IpDefragmenter defrag(limits, anomalies, 1);
  std::vector<Buffer> model(kDatagrams);
  std::vector<std::vector<bool>> have(kDatagrams);
  std::vector<bool> last_seen(kDatagrams, false), done(kDatagrams, false);
  std::uint64_t expected_overlaps = 0;
  std::size_t completed = 0;
  std::size_t decoy_bytes_kept = 0;  // shows that the test exercises "first copy wins"
  for (const Sent& s : sent) {
    const std::size_t d = s.datagram;
    if (done[d]) continue;  // would start a new, never-completing datagram
    if (model[d].empty()) {
      model[d].assign(truth[d].size(), 0);
      have[d].assign(truth[d].size(), false);
    }
    bool overlap = false;
    for (std::size_t i = s.offset; i < s.offset + s.len; ++i) {
      if (have[d][i]) {
        overlap = true;
      } else {
        have[d][i] = true;
        model[d][i] = (*s.source)[i];
      }
    }
    expected_overlaps += overlap ? 1 : 0;
    last_seen[d] = last_seen[d] || !s.more;
    const bool expect_done =
        last_seen[d] && std::all_of(have[d].begin(), have[d].end(), [](bool b) { return b; });
    IpLayer whole;
    std::vector<std::uint8_t> storage;
    const bool got = defrag.Add(Piece(origins[d], *s.source, s.offset, s.len, s.more), {1000, 0},
                                &whole, &storage);
    ASSERT_EQ(got, expect_done) << "datagram " << d << " piece at " << s.offset;
    if (got) {
      done[d] = true;
      ++completed;
      ASSERT_EQ(ToBuffer(whole.payload), model[d]) << "datagram " << d;
      for (std::size_t i = 0; i < model[d].size(); ++i) {
        decoy_bytes_kept += model[d][i] != truth[d][i] ? 1 : 0;
      }
      EXPECT_EQ(whole.src, origins[d].src);
    }
  }
  EXPECT_EQ(completed, kDatagrams);
  EXPECT_GT(decoy_bytes_kept, 10000u);
  EXPECT_GT(expected_overlaps, 300u);
  EXPECT_EQ(defrag.datagrams_in_progress(), 0u);
  EXPECT_EQ(defrag.bytes_held(), 0u);
  EXPECT_EQ(anomalies.Get(Anomaly::kFragmentOverlap), expected_overlaps);
  EXPECT_EQ(anomalies.Get(Anomaly::kBadFragment), 0u);
  EXPECT_EQ(anomalies.Get(Anomaly::kFragmentEvicted), 0u);
  EXPECT_EQ(anomalies.Get(Anomaly::kFragmentTcpRewrite), 0u);
}

// The same datagram in every order of its five fragments: always the original bytes, exactly
// once, on the last fragment.
TEST(IpDefragRandomTest, EveryOrderOfFiveFragments) {
  const Buffer bytes = Data(300, 3);
  std::vector<std::pair<std::uint32_t, std::size_t>> pieces = Split(300, 64);
  ASSERT_EQ(pieces.size(), 5u);
  std::sort(pieces.begin(), pieces.end());
  AnomalyCounters anomalies;
  const DefragLimits limits;
  IpDefragmenter defrag(limits, anomalies, 1);
  std::uint32_t id = 0;
  int orders = 0;
  do {
    Origin o = V6Origin(id++);
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      const auto [offset, len] = pieces[i];
      IpLayer whole;
      std::vector<std::uint8_t> storage;
      const bool got = defrag.Add(Piece(o, bytes, offset, len, offset + len < bytes.size()),
                                  {1000, 0}, &whole, &storage);
      ASSERT_EQ(got, i + 1 == pieces.size());
      if (got) {
        ASSERT_EQ(ToBuffer(whole.payload), bytes);
      }
    }
    ++orders;
  } while (std::next_permutation(pieces.begin(), pieces.end()));
  EXPECT_EQ(orders, 120);
  EXPECT_EQ(anomalies.Total(), 0u);
  EXPECT_EQ(defrag.datagrams_in_progress(), 0u);
}

}  // namespace
}  // namespace tcpflow
