// reassembler_test.cpp: ordered delivery, overlaps, holes, limits and front insertion of the
// Reassembler, each case driven through sequence numbers at ISNs around the 2^32 wrap.
#include "reassembler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "seq.h"

namespace tcpflow {
namespace {

Bytes AsBytes(std::string_view s) {
  return Bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

// Rebuilds the output file the way a flow writer would (zero bytes where nothing was written,
// rewrites overwrite), logs every call, and checks the sink contract as calls arrive.
class RecordingSink : public ReassemblySink {
 public:
  // `rewrites_allowed`: overlap_last mode, where a byte may be delivered more than once.
  explicit RecordingSink(bool rewrites_allowed = false) : rewrites_allowed_(rewrites_allowed) {}

  void OnData(std::uint64_t offset, Bytes data) override {
    const std::uint64_t end = offset + data.size();
    log_.push_back("D" + std::to_string(offset) + ":" + std::string(data.begin(), data.end()));
    EXPECT_FALSE(data.empty());
    const bool below_frontier = offset < in_order_end_;  // a hole fill or a rewrite
    if (below_frontier) {
      EXPECT_LE(end, in_order_end_) << "a fill or rewrite must not cross the frontier";
    } else {
      EXPECT_EQ(offset, in_order_end_) << "in-order data must continue the last delivery";
      in_order_end_ = end;
    }
    Grow(end);
    for (std::uint64_t i = 0; i < data.size(); ++i) {
      const std::uint64_t at = offset + i;
      if (!rewrites_allowed_) {
        EXPECT_EQ(writes_[at], 0) << "byte " << at << " delivered twice";
        if (below_frontier) {
          EXPECT_TRUE(gap_[at]) << "a fill outside a hole at " << at;
        }
      }
      file_[at] = data[i];
      ++writes_[at];
    }
  }

  void OnGap(std::uint64_t offset, std::uint64_t length) override {
    log_.push_back("G" + std::to_string(offset) + "+" + std::to_string(length));
    EXPECT_EQ(offset, in_order_end_) << "a gap must start at the frontier";
    EXPECT_GT(length, 0u);
    in_order_end_ = offset + length;
    Grow(in_order_end_);
    for (std::uint64_t at = offset; at < in_order_end_; ++at) gap_[at] = true;
  }

  // What a flow writer does on front insertion: the file moves up by n, [0, n) is a hole.
  void ShiftBase(std::uint64_t n) {
    file_.insert(file_.begin(), n, 0);
    writes_.insert(writes_.begin(), n, 0);
    gap_.insert(gap_.begin(), n, true);
    in_order_end_ += n;
  }

  // The file with never-written bytes shown as '.'.
  std::string Render() const {
    std::string out;
    for (std::size_t i = 0; i < file_.size(); ++i) {
      out += writes_[i] != 0 ? static_cast<char>(file_[i]) : '.';
    }
    return out;
  }
  const std::vector<std::uint8_t>& file() const { return file_; }
  bool written(std::uint64_t at) const { return at < writes_.size() && writes_[at] != 0; }
  bool in_gap(std::uint64_t at) const { return at < gap_.size() && gap_[at]; }
  const std::vector<std::string>& log() const { return log_; }
  std::uint64_t in_order_end() const { return in_order_end_; }

 private:
  void Grow(std::uint64_t size) {
    if (file_.size() >= size) return;
    file_.resize(size, 0);
    writes_.resize(size, 0);
    gap_.resize(size, false);
  }

  bool rewrites_allowed_;
  std::uint64_t in_order_end_ = 0;
  std::vector<std::uint8_t> file_;
  std::vector<int> writes_;
  std::vector<bool> gap_;
  std::vector<std::string> log_;
};

// Every case runs at these ISNs (RFC 9293 sequence numbers wrap at 2^32).
constexpr std::uint32_t kIsns[] = {0u, 0x80000000u, 0xFFFFFFFFu, 0xFFFFFFFBu, 0xFFFFFC18u};

// Drives a Reassembler as TcpDemux does: each segment is given by its sequence number
// (ISN + 1 + offset, mod 2^32) and unwrapped against the current end of the stream.
class ReassemblerTest : public ::testing::TestWithParam<std::uint32_t> {
 protected:
  std::uint32_t Seq(std::uint64_t offset) const {
    return static_cast<std::uint32_t>(base_seq_ + offset);
  }
  // Unwraps `seq` relative to the current base and end of `r` (may be negative).
  std::int64_t Unwrap(const Reassembler& r, std::uint32_t seq) const {
    return UnwrapOffset(seq, base_seq_, static_cast<std::int64_t>(r.highest_end()));
  }
  void Send(Reassembler& r, std::uint64_t offset, std::string_view text, ReassemblySink& sink) {
    SendSeq(r, Seq(offset), AsBytes(text), sink);
  }
  void SendSeq(Reassembler& r, std::uint32_t seq, Bytes data, ReassemblySink& sink) {
    const std::int64_t offset = Unwrap(r, seq);
    ASSERT_GE(offset, 0) << "segment before the base";
    r.Add(static_cast<std::uint64_t>(offset), data, sink);
  }

  std::uint32_t base_seq_ = GetParam() + 1;  // ISN + 1: the sequence number of offset 0
  ReassemblyLimits limits_;
  ReassemblyBudget budget_;
};

TEST_P(ReassemblerTest, InOrder) {
  Reassembler r(limits_, budget_);
  RecordingSink sink;
  Send(r, 0, "AAAA", sink);
  Send(r, 4, "BBBB", sink);
  Send(r, 8, "CCCC", sink);
  EXPECT_EQ(sink.Render(), "AAAABBBBCCCC");
  EXPECT_EQ(sink.log(), (std::vector<std::string>{"D0:AAAA", "D4:BBBB", "D8:CCCC"}));
  EXPECT_EQ(r.frontier(), 12u);
  EXPECT_EQ(r.highest_end(), 12u);
  EXPECT_EQ(r.buffered_bytes(), 0u);
  EXPECT_EQ(r.stats().delivered_bytes, 12u);
  EXPECT_EQ(r.stats().out_of_order_segments, 0u);
  EXPECT_EQ(r.stats().overlap_bytes, 0u);
  EXPECT_FALSE(r.HasHolesBelow(12));
}

TEST_P(ReassemblerTest, OutOfOrderCab) {
  Reassembler r(limits_, budget_);
  RecordingSink sink;
  Send(r, 8, "CCCC", sink);
  EXPECT_TRUE(sink.log().empty());
  EXPECT_EQ(r.buffered_bytes(), 4u);
  EXPECT_EQ(budget_.used, 4u);
  EXPECT_EQ(r.frontier(), 0u);
  EXPECT_EQ(r.highest_end(), 12u);
  Send(r, 0, "AAAA", sink);
  EXPECT_EQ(r.frontier(), 4u);
  Send(r, 4, "BBBB", sink);
  EXPECT_EQ(sink.Render(), "AAAABBBBCCCC");
  EXPECT_EQ(sink.log(), (std::vector<std::string>{"D0:AAAA", "D4:BBBB", "D8:CCCC"}));
  EXPECT_EQ(r.frontier(), 12u);
  EXPECT_EQ(r.buffered_bytes(), 0u);
  EXPECT_EQ(budget_.used, 0u);
  EXPECT_EQ(r.stats().out_of_order_segments, 1u);
  EXPECT_EQ(r.stats().delivered_bytes, 12u);
  EXPECT_EQ(r.stats().forced_gaps, 0u);
}

TEST_P(ReassemblerTest, RetransmissionSame) {
  Reassembler r(limits_, budget_);
  RecordingSink sink;
  Send(r, 0, "AAAA", sink);
  Send(r, 4, "BBBB", sink);
  Send(r, 0, "AAAA", sink);
  Send(r, 2, "AABB", sink);
  EXPECT_EQ(sink.Render(), "AAAABBBB");
  EXPECT_EQ(sink.log().size(), 2u);
  EXPECT_EQ(r.stats().overlap_bytes, 8u);
  EXPECT_EQ(r.stats().conflict_bytes, 0u);
  EXPECT_EQ(r.stats().delivered_bytes, 8u);
}

TEST_P(ReassemblerTest, RetransmissionDifferentFirstWins) {
  Reassembler r(limits_, budget_);
  RecordingSink sink;
  Send(r, 0, "AAAA", sink);
  Send(r, 0, "XXXX", sink);
  Send(r, 4, "BBBB", sink);
  EXPECT_EQ(sink.Render(), "AAAABBBB");
  EXPECT_EQ(r.stats().overlap_bytes, 4u);
  EXPECT_EQ(r.stats().conflict_bytes, 0u);  // already delivered: no copy to compare with
}

TEST_P(ReassemblerTest, RetransmissionDifferentLastWins) {
  limits_.overlap_last = true;
  Reassembler r(limits_, budget_);
  RecordingSink sink(/*rewrites_allowed=*/true);
  Send(r, 0, "AAAA", sink);
  Send(r, 0, "XXXX", sink);
  Send(r, 4, "BBBB", sink);
  EXPECT_EQ(sink.Render(), "XXXXBBBB");  // the reference's r_retx
  EXPECT_EQ(sink.log(), (std::vector<std::string>{"D0:AAAA", "D0:XXXX", "D4:BBBB"}));
  EXPECT_EQ(r.stats().overlap_bytes, 4u);
  EXPECT_EQ(r.stats().delivered_bytes, 8u);  // distinct bytes
}

TEST_P(ReassemblerTest, BufferedConflict) {
  for (const bool last : {false, true}) {
    limits_.overlap_last = last;
    Reassembler r(limits_, budget_);
    RecordingSink sink(last);
    Send(r, 8, "CCCC", sink);
    Send(r, 8, "CCYY", sink);
    EXPECT_EQ(r.buffered_bytes(), 4u);
    EXPECT_EQ(r.stats().overlap_bytes, 4u);
    EXPECT_EQ(r.stats().conflict_bytes, 2u);
    EXPECT_EQ(r.stats().out_of_order_segments, 1u);  // the second stored nothing new
    Send(r, 0, "AAAA", sink);
    Send(r, 4, "BBBB", sink);
    EXPECT_EQ(sink.Render(), last ? "AAAABBBBCCYY" : "AAAABBBBCCCC");
    EXPECT_EQ(budget_.used, 0u);
  }
}

TEST_P(ReassemblerTest, PartialOverlapBelowFrontier) {
  for (const bool last : {false, true}) {
    limits_.overlap_last = last;
    Reassembler r(limits_, budget_);
    RecordingSink sink(last);
    Send(r, 0, "AAAAAAAA", sink);
    Send(r, 2, "XXXX", sink);
    Send(r, 8, "CC", sink);
    EXPECT_EQ(sink.Render(), last ? "AAXXXXAACC" : "AAAAAAAACC");
    EXPECT_EQ(r.stats().overlap_bytes, 4u);
    EXPECT_EQ(r.stats().delivered_bytes, 10u);
  }
}

TEST_P(ReassemblerTest, PartialOverlapWhileBuffered) {
  for (const bool last : {false, true}) {
    limits_.overlap_last = last;
    Reassembler r(limits_, budget_);
    RecordingSink sink(last);
    Send(r, 8, "CC", sink);
    Send(r, 6, "XXXX", sink);  // [8, 10) overlaps the buffered "CC"
    EXPECT_EQ(r.buffered_bytes(), 4u);
    EXPECT_EQ(r.stats().overlap_bytes, 2u);
    EXPECT_EQ(r.stats().conflict_bytes, 2u);
    Send(r, 0, "AAAAAA", sink);
    EXPECT_EQ(sink.Render(), last ? "AAAAAAXXXX" : "AAAAAAXXCC");
    EXPECT_EQ(r.frontier(), 10u);
    EXPECT_EQ(r.buffered_bytes(), 0u);
  }
}

TEST_P(ReassemblerTest, InOrderSegmentOverlapsBufferedRange) {
  for (const bool last : {false, true}) {
    limits_.overlap_last = last;
    Reassembler r(limits_, budget_);
    RecordingSink sink(last);
    Send(r, 4, "XXXXXX", sink);    // buffered [4, 10)
    Send(r, 12, "ZZ", sink);       // buffered [12, 14)
    Send(r, 0, "AAAAAAAA", sink);  // [4, 8) is in both copies
    EXPECT_EQ(sink.Render(), last ? "AAAAAAAAXX" : "AAAAXXXXXX");
    EXPECT_EQ(r.frontier(), 10u);
    EXPECT_EQ(r.stats().overlap_bytes, 4u);
    EXPECT_EQ(r.stats().conflict_bytes, 4u);
    Send(r, 8, "QQQQ", sink);  // [8, 10) already delivered, [10, 12) new, then "ZZ" follows
    EXPECT_EQ(sink.Render(), last ? "AAAAAAAAQQQQZZ" : "AAAAXXXXXXQQZZ");
    EXPECT_EQ(r.frontier(), 14u);
    EXPECT_EQ(r.stats().delivered_bytes, 14u);
    EXPECT_EQ(budget_.used, 0u);
  }
}

TEST_P(ReassemblerTest, SegmentSpanningSeveralBufferedRanges) {
  Reassembler r(limits_, budget_);
  RecordingSink sink;
  Send(r, 4, "bb", sink);
  Send(r, 8, "dd", sink);
  Send(r, 2, "XXXXXXXXXXXX", sink);  // [2, 14): fills around both buffered ranges
  EXPECT_EQ(r.buffered_bytes(), 12u);
  EXPECT_EQ(r.stats().overlap_bytes, 4u);
  Send(r, 0, "AA", sink);
  EXPECT_EQ(sink.Render(), "AAXXbbXXddXXXX");
  EXPECT_EQ(r.frontier(), 14u);
  EXPECT_EQ(budget_.used, 0u);
}

TEST_P(ReassemblerTest, HoleNeverFilledThenFlush) {
  Reassembler r(limits_, budget_);
  RecordingSink sink;
  Send(r, 0, "AAAA", sink);
  Send(r, 8, "CCCC", sink);
  EXPECT_EQ(r.frontier(), 4u);
  r.Flush(sink);
  EXPECT_EQ(sink.log(), (std::vector<std::string>{"D0:AAAA", "G4+4", "D8:CCCC"}));
  EXPECT_EQ(sink.file(),
            (std::vector<std::uint8_t>{'A', 'A', 'A', 'A', 0, 0, 0, 0, 'C', 'C', 'C', 'C'}));
  EXPECT_EQ(r.frontier(), 12u);
  EXPECT_EQ(r.buffered_bytes(), 0u);
  EXPECT_EQ(budget_.used, 0u);
  EXPECT_EQ(r.stats().forced_gaps, 0u);
  EXPECT_TRUE(r.HasHolesBelow(12));
  EXPECT_TRUE(r.HasHolesBelow(5));
  EXPECT_FALSE(r.HasHolesBelow(4));
  EXPECT_EQ(r.holes_tracked(), 1u);
}

TEST_P(ReassemblerTest, ForwardGapFlushThenContinue) {
  Reassembler r(limits_, budget_);
  RecordingSink sink;
  Send(r, 0, "AAAA", sink);
  Send(r, 204, "CCCC", sink);  // 200-byte forward gap (the reference's r_skip)
  r.Flush(sink);
  EXPECT_EQ(r.frontier(), 208u);
  Send(r, 208, "DDDD", sink);  // in order again: delivered at once
  EXPECT_EQ(sink.log(), (std::vector<std::string>{"D0:AAAA", "G4+200", "D204:CCCC", "D208:DDDD"}));
  EXPECT_EQ(sink.file().size(), 212u);
  EXPECT_EQ(std::count(sink.file().begin(), sink.file().end(), 0), 200);
  r.Flush(sink);  // nothing buffered: no calls
  EXPECT_EQ(sink.log().size(), 4u);
}

TEST_P(ReassemblerTest, LateFillAfterForcedFlush) {
  limits_.max_buffered_per_flow = 4;
  Reassembler r(limits_, budget_);
  RecordingSink sink;
  Send(r, 0, "AAAA", sink);
  Send(r, 8, "CCCC", sink);  // exactly at the limit: kept
  EXPECT_EQ(r.buffered_bytes(), 4u);
  Send(r, 12, "DDDD", sink);  // over the limit: hole [4, 8) is written, C and D delivered
  EXPECT_EQ(r.buffered_bytes(), 0u);
  EXPECT_EQ(r.stats().forced_gaps, 1u);
  EXPECT_EQ(r.frontier(), 16u);
  EXPECT_TRUE(r.HasHolesBelow(16));
  Send(r, 4, "BBBB", sink);  // the late retransmission fills the hole
  EXPECT_EQ(sink.log(),
            (std::vector<std::string>{"D0:AAAA", "G4+4", "D8:CCCC", "D12:DDDD", "D4:BBBB"}));
  EXPECT_EQ(sink.Render(), "AAAABBBBCCCCDDDD");
  EXPECT_EQ(r.stats().late_fills, 1u);
  EXPECT_EQ(r.stats().delivered_bytes, 16u);
  EXPECT_FALSE(r.HasHolesBelow(16));
  EXPECT_EQ(r.holes_tracked(), 0u);
  Send(r, 4, "BBBB", sink);  // once filled, it is an ordinary retransmission
  EXPECT_EQ(r.stats().overlap_bytes, 4u);
  EXPECT_EQ(sink.log().size(), 5u);
}

TEST_P(ReassemblerTest, PartialLateFillsSplitTheHole) {
  Reassembler r(limits_, budget_);
  RecordingSink sink;
  Send(r, 0, "AA", sink);
  Send(r, 10, "CC", sink);
  r.Flush(sink);           // hole [2, 10)
  Send(r, 5, "bb", sink);  // splits it into [2, 5) and [7, 10)
  EXPECT_EQ(r.holes_tracked(), 2u);
  EXPECT_EQ(sink.Render(), "AA...bb...CC");
  Send(r, 1, "ABBBBBBBBBC", sink);  // fills both pieces around the earlier fill
  EXPECT_EQ(sink.Render(), "AABBBbbBBBCC");
  EXPECT_EQ(sink.log(),
            (std::vector<std::string>{"D0:AA", "G2+8", "D10:CC", "D5:bb", "D2:BBB", "D7:BBB"}));
  EXPECT_EQ(r.stats().late_fills, 2u);
  EXPECT_EQ(r.stats().overlap_bytes, 5u);  // offsets 1, 5, 6, 10 and 11 were there already
  EXPECT_EQ(r.stats().delivered_bytes, 12u);
  EXPECT_EQ(r.holes_tracked(), 0u);
  EXPECT_FALSE(r.HasHolesBelow(12));
}

TEST_P(ReassemblerTest, LateFillWithOverlapLastRewritesAroundIt) {
  limits_.overlap_last = true;
  Reassembler r(limits_, budget_);
  RecordingSink sink(/*rewrites_allowed=*/true);
  Send(r, 0, "AAAA", sink);
  Send(r, 6, "CC", sink);
  r.Flush(sink);  // hole [4, 6)
  Send(r, 2, "xxbbyy", sink);
  EXPECT_EQ(sink.Render(), "AAxxbbyy");
  EXPECT_EQ(sink.log(),
            (std::vector<std::string>{"D0:AAAA", "G4+2", "D6:CC", "D2:xx", "D4:bb", "D6:yy"}));
  EXPECT_EQ(r.stats().late_fills, 1u);
  EXPECT_EQ(r.stats().overlap_bytes, 4u);
  EXPECT_EQ(r.stats().delivered_bytes, 8u);
}

TEST_P(ReassemblerTest, PerFlowLimitForcesGap) {
  limits_.max_buffered_per_flow = 10;
  Reassembler r(limits_, budget_);
  RecordingSink sink;
  Send(r, 0, "AA", sink);
  Send(r, 20, "EEEE", sink);
  Send(r, 10, "CCCC", sink);
  Send(r, 16, "DD", sink);
  EXPECT_EQ(r.buffered_bytes(), 10u);
  EXPECT_EQ(r.stats().forced_gaps, 0u);
  Send(r, 30, "F", sink);  // 11 bytes: the lowest range [10, 14) goes out after a hole
  EXPECT_EQ(r.buffered_bytes(), 7u);
  EXPECT_EQ(r.frontier(), 14u);
  EXPECT_EQ(r.stats().forced_gaps, 1u);
  EXPECT_EQ(budget_.used, 7u);
  EXPECT_EQ(sink.log(), (std::vector<std::string>{"D0:AA", "G2+8", "D10:CCCC"}));
  EXPECT_EQ(r.stats().out_of_order_segments, 4u);
}

TEST_P(ReassemblerTest, OneSegmentLargerThanTheLimit) {
  limits_.max_buffered_per_flow = 3;
  Reassembler r(limits_, budget_);
  RecordingSink sink;
  Send(r, 0, "AA", sink);
  Send(r, 5, "CCCCCC", sink);
  EXPECT_EQ(sink.log(), (std::vector<std::string>{"D0:AA", "G2+3", "D5:CCCCCC"}));
  EXPECT_EQ(r.buffered_bytes(), 0u);
  EXPECT_EQ(budget_.used, 0u);
}

TEST_P(ReassemblerTest, SharedBudgetAcrossTwoReassemblers) {
  budget_.limit = 8;
  RecordingSink sink1;
  RecordingSink sink2;
  {
    Reassembler r1(limits_, budget_);
    {
      Reassembler r2(limits_, budget_);
      Send(r1, 0, "a", sink1);
      Send(r1, 10, "XXXXXX", sink1);
      EXPECT_EQ(budget_.used, 6u);
      Send(r2, 0, "b", sink2);
      Send(r2, 10, "YY", sink2);
      EXPECT_EQ(budget_.used, 8u);  // at the limit, not above
      Send(r2, 20, "ZZ", sink2);    // pushes the total above: r2 flushes its own lowest range
      EXPECT_EQ(r2.buffered_bytes(), 2u);
      EXPECT_EQ(r2.stats().forced_gaps, 1u);
      EXPECT_EQ(sink2.log(), (std::vector<std::string>{"D0:b", "G1+9", "D10:YY"}));
      EXPECT_EQ(r1.buffered_bytes(), 6u);  // the other flow is left alone
      EXPECT_EQ(sink1.log().size(), 1u);
      EXPECT_EQ(budget_.used, 8u);
      Send(r2, 30, "WW", sink2);  // above again: "ZZ" goes out after a hole, "WW" stays
      EXPECT_EQ(r2.stats().forced_gaps, 2u);
      EXPECT_EQ(sink2.log(),
                (std::vector<std::string>{"D0:b", "G1+9", "D10:YY", "G12+8", "D20:ZZ"}));
      EXPECT_EQ(r2.buffered_bytes(), 2u);
      EXPECT_EQ(budget_.used, 8u);
    }
    EXPECT_EQ(budget_.used, 6u);  // r2's destructor gave its 2 bytes back
  }
  EXPECT_EQ(budget_.used, 0u);
}

TEST_P(ReassemblerTest, MidStreamFrontInsertion) {
  // Capture starts at "BBBB": TcpDemux takes ISN = seq - 1, so B is offset 0.
  const std::uint32_t seq_a = base_seq_;
  base_seq_ = seq_a + 4;
  Reassembler r(limits_, budget_);
  RecordingSink sink;
  SendSeq(r, seq_a + 4, AsBytes("BBBB"), sink);
  SendSeq(r, seq_a + 8, AsBytes("CCCC"), sink);
  SendSeq(r, seq_a + 16, AsBytes("EEEE"), sink);  // buffered: it must move with the shift
  // The earlier bytes arrive: 4 before offset 0.
  const std::int64_t offset = Unwrap(r, seq_a);
  ASSERT_EQ(offset, -4);
  r.ShiftBase(4);
  sink.ShiftBase(4);
  base_seq_ = seq_a;
  EXPECT_EQ(r.frontier(), 12u);
  EXPECT_EQ(r.highest_end(), 20u);
  EXPECT_TRUE(r.HasHolesBelow(4));
  SendSeq(r, seq_a, AsBytes("AAAA"), sink);
  EXPECT_FALSE(r.HasHolesBelow(12));
  EXPECT_EQ(r.stats().late_fills, 1u);
  SendSeq(r, seq_a + 12, AsBytes("DDDD"), sink);
  EXPECT_EQ(sink.Render(), "AAAABBBBCCCCDDDDEEEE");
  EXPECT_EQ(sink.log(),
            (std::vector<std::string>{"D0:BBBB", "D4:CCCC", "D0:AAAA", "D12:DDDD", "D16:EEEE"}));
  EXPECT_EQ(r.stats().delivered_bytes, 20u);
  EXPECT_EQ(budget_.used, 0u);
}

TEST_P(ReassemblerTest, ShiftBaseMovesHoles) {
  Reassembler r(limits_, budget_);
  RecordingSink sink;
  Send(r, 0, "BB", sink);
  Send(r, 4, "DD", sink);
  r.Flush(sink);  // hole [2, 4)
  r.ShiftBase(2);
  sink.ShiftBase(2);
  base_seq_ -= 2;
  EXPECT_EQ(r.holes_tracked(), 2u);  // [0, 2) and [4, 6)
  Send(r, 0, "AA", sink);
  Send(r, 4, "CC", sink);
  EXPECT_EQ(sink.Render(), "AABBCCDD");
  EXPECT_EQ(r.stats().late_fills, 2u);
  EXPECT_FALSE(r.HasHolesBelow(8));
  r.ShiftBase(0);  // no-op
  EXPECT_EQ(r.frontier(), 8u);
  EXPECT_EQ(r.holes_tracked(), 0u);
}

TEST_P(ReassemblerTest, MaxHolesTrackedOverflowDropsTheOldest) {
  limits_.max_holes_tracked = 2;
  Reassembler r(limits_, budget_);
  RecordingSink sink;
  Send(r, 0, "A", sink);
  for (std::uint64_t at = 2; at <= 6; at += 2) {  // holes [1,2), [3,4), [5,6)
    Send(r, at, std::string(1, static_cast<char>('A' + at)), sink);
    r.Flush(sink);
  }
  EXPECT_EQ(r.holes_tracked(), 2u);
  EXPECT_EQ(r.stats().dropped_bytes, 1u);
  Send(r, 1, "B", sink);  // its hole was forgotten: treated as a retransmission
  EXPECT_FALSE(sink.written(1));
  EXPECT_EQ(r.stats().overlap_bytes, 1u);
  EXPECT_EQ(r.stats().late_fills, 0u);
  Send(r, 3, "D", sink);
  EXPECT_TRUE(sink.written(3));
  EXPECT_EQ(r.stats().late_fills, 1u);
  EXPECT_TRUE(r.HasHolesBelow(7));  // [5, 6)
  EXPECT_FALSE(r.HasHolesBelow(5));
  EXPECT_EQ(sink.Render(), "A.CDE.G");
}

TEST_P(ReassemblerTest, SplittingAHoleCanEvictTheOldest) {
  limits_.max_holes_tracked = 2;
  Reassembler r(limits_, budget_);
  RecordingSink sink;
  Send(r, 0, "A", sink);
  Send(r, 2, "C", sink);
  r.Flush(sink);  // [1, 2), oldest
  Send(r, 8, "I", sink);
  r.Flush(sink);          // [3, 8)
  Send(r, 5, "f", sink);  // split into [3, 5) and [6, 8): three holes, [1, 2) forgotten
  EXPECT_EQ(r.holes_tracked(), 2u);
  EXPECT_EQ(r.stats().dropped_bytes, 1u);
  EXPECT_FALSE(r.HasHolesBelow(3));
  EXPECT_TRUE(r.HasHolesBelow(4));
}

TEST_P(ReassemblerTest, HasHolesBelow) {
  Reassembler r(limits_, budget_);
  RecordingSink sink;
  EXPECT_FALSE(r.HasHolesBelow(0));
  EXPECT_TRUE(r.HasHolesBelow(1));  // nothing delivered yet
  Send(r, 0, "AAAA", sink);
  EXPECT_FALSE(r.HasHolesBelow(4));
  EXPECT_TRUE(r.HasHolesBelow(5));
  Send(r, 8, "CCCC", sink);
  EXPECT_TRUE(r.HasHolesBelow(12));
  EXPECT_FALSE(r.HasHolesBelow(3));
  Send(r, 4, "BBBB", sink);
  EXPECT_FALSE(r.HasHolesBelow(12));
}

TEST_P(ReassemblerTest, ZeroLengthAddIsANoOp) {
  Reassembler r(limits_, budget_);
  RecordingSink sink;
  SendSeq(r, Seq(5), Bytes(), sink);
  EXPECT_EQ(r.highest_end(), 0u);
  EXPECT_EQ(r.stats().out_of_order_segments, 0u);
  EXPECT_TRUE(sink.log().empty());
}

// Checks a long stream without storing it: every delivery must continue the last one, and each
// segment carries its own offset in its first 8 bytes.
class StreamCheckSink : public ReassemblySink {
 public:
  void OnData(std::uint64_t offset, Bytes data) override {
    ASSERT_EQ(offset, end_);
    ASSERT_GE(data.size(), 8u);
    std::uint64_t stamped = 0;
    for (int i = 0; i < 8; ++i) stamped |= std::uint64_t{data[i]} << (8 * i);
    ASSERT_EQ(stamped, offset);
    end_ += data.size();
  }
  void OnGap(std::uint64_t offset, std::uint64_t length) override {
    ADD_FAILURE() << "unexpected gap at " << offset << " length " << length;
  }
  std::uint64_t end() const { return end_; }

 private:
  std::uint64_t end_ = 0;
};

TEST_P(ReassemblerTest, StreamLargerThanFourGiB) {
  constexpr std::uint64_t kSegment = 1 << 16;
  constexpr std::uint64_t kTotal = (std::uint64_t{1} << 32) + 64 * kSegment;
  Reassembler r(limits_, budget_);
  StreamCheckSink sink;
  std::vector<std::uint8_t> segment(kSegment, 0x5A);
  auto send = [&](std::uint64_t offset) {
    for (int i = 0; i < 8; ++i) segment[i] = static_cast<std::uint8_t>(offset >> (8 * i));
    SendSeq(r, Seq(offset), segment, sink);
  };
  for (std::uint64_t offset = 0; offset < kTotal; offset += kSegment) {
    // Around the sequence wrap of this ISN and around offset 2^32, send pairs swapped.
    const std::uint64_t next = offset + kSegment;
    const bool swap = next < kTotal && ((offset >> 20) % 1024 == 1023 || offset % (1 << 28) == 0);
    if (swap) {
      send(next);
      EXPECT_EQ(r.buffered_bytes(), kSegment);
      send(offset);
      offset = next;
    } else {
      send(offset);
    }
    if (offset % (1 << 24) == 0) send(offset);  // now and then, a retransmission
  }
  EXPECT_EQ(sink.end(), kTotal);
  EXPECT_EQ(r.frontier(), kTotal);
  EXPECT_EQ(r.highest_end(), kTotal);
  EXPECT_EQ(r.stats().delivered_bytes, kTotal);
  EXPECT_GT(r.stats().out_of_order_segments, 4u);
  EXPECT_GT(r.stats().overlap_bytes, 0u);
  EXPECT_FALSE(r.HasHolesBelow(kTotal));
  EXPECT_EQ(budget_.used, 0u);
}

struct Segment {
  std::uint64_t offset;
  std::vector<std::uint8_t> bytes;
};

// Cuts `stream` into random segments, reorders them locally, delays a few far behind and adds
// duplicates (some with changed bytes when `corrupt_duplicates`).
std::vector<Segment> ScrambledSegments(const std::vector<std::uint8_t>& stream, std::mt19937& rng,
                                       bool corrupt_duplicates) {
  std::vector<Segment> segments;
  for (std::uint64_t at = 0; at < stream.size();) {
    const std::uint64_t size = std::min<std::uint64_t>(
        std::uniform_int_distribution<std::uint64_t>(1, 1460)(rng), stream.size() - at);
    segments.push_back({at, {stream.begin() + at, stream.begin() + at + size}});
    at += size;
  }
  for (std::size_t i = 0; i + 1 < segments.size(); ++i) {  // local reordering
    const std::size_t j = std::min(segments.size() - 1, i + rng() % 6);
    std::swap(segments[i], segments[j]);
  }
  for (int k = 0; k < 5; ++k) {  // a few segments arrive much later
    const std::size_t from = rng() % segments.size();
    Segment late = segments[from];
    segments.erase(segments.begin() + static_cast<std::ptrdiff_t>(from));
    const std::size_t to = std::min(segments.size(), from + 20 + rng() % 40);
    segments.insert(segments.begin() + static_cast<std::ptrdiff_t>(to), std::move(late));
  }
  const std::size_t originals = segments.size();
  for (std::size_t k = 0; k < originals / 5; ++k) {  // duplicates, possibly re-cut and changed
    const Segment& source = segments[rng() % originals];
    const std::uint64_t cut = rng() % source.bytes.size();
    Segment copy{source.offset + cut,
                 {source.bytes.begin() + static_cast<std::ptrdiff_t>(cut), source.bytes.end()}};
    if (corrupt_duplicates && rng() % 2 == 0) {
      for (auto& b : copy.bytes) b = static_cast<std::uint8_t>(b ^ 0xFF);
    }
    const std::size_t to = rng() % (segments.size() + 1);
    segments.insert(segments.begin() + static_cast<std::ptrdiff_t>(to), std::move(copy));
  }
  return segments;
}

TEST_P(ReassemblerTest, RandomizedMatchesFirstAndLastCopyModels) {
  std::mt19937 rng(20240611u ^ GetParam());
  std::vector<std::uint8_t> stream(64 * 1024);
  for (auto& b : stream) b = static_cast<std::uint8_t>(rng());
  for (const bool last : {false, true}) {
    const std::vector<Segment> segments = ScrambledSegments(stream, rng, true);
    // The model: each byte is its first (or last) arriving copy.
    std::vector<std::uint8_t> expected(stream.size());
    std::vector<bool> seen(stream.size(), false);
    for (const Segment& s : segments) {
      for (std::size_t i = 0; i < s.bytes.size(); ++i) {
        if (last || !seen[s.offset + i]) expected[s.offset + i] = s.bytes[i];
        seen[s.offset + i] = true;
      }
    }
    limits_.overlap_last = last;
    Reassembler r(limits_, budget_);
    RecordingSink sink(last);
    for (const Segment& s : segments) SendSeq(r, Seq(s.offset), s.bytes, sink);
    EXPECT_EQ(r.stats().forced_gaps, 0u);
    EXPECT_EQ(r.buffered_bytes(), 0u);
    EXPECT_EQ(r.frontier(), stream.size());
    EXPECT_GT(r.stats().conflict_bytes, 0u);
    EXPECT_EQ(r.stats().delivered_bytes, stream.size());
    EXPECT_TRUE(sink.file() == expected) << (last ? "last" : "first") << " copy model differs";
    EXPECT_EQ(budget_.used, 0u);
  }
}

TEST_P(ReassemblerTest, RandomizedWithSmallLimitsDiffersOnlyInsideReportedHoles) {
  struct Case {
    std::uint64_t max_buffered;
    std::size_t max_holes;
  };
  std::mt19937 rng(777u + GetParam());
  std::vector<std::uint8_t> stream(64 * 1024);
  for (auto& b : stream) b = static_cast<std::uint8_t>(rng());
  for (const Case c : {Case{1u << 20, 1024}, Case{3000, 1024}, Case{1500, 4}, Case{200, 0}}) {
    limits_.max_buffered_per_flow = c.max_buffered;
    limits_.max_holes_tracked = c.max_holes;
    Reassembler r(limits_, budget_);
    RecordingSink sink;
    for (const Segment& s : ScrambledSegments(stream, rng, false)) {
      SendSeq(r, Seq(s.offset), s.bytes, sink);
      ASSERT_LE(r.buffered_bytes(), c.max_buffered);
      ASSERT_EQ(r.holes_tracked() <= c.max_holes, true);
    }
    r.Flush(sink);
    EXPECT_EQ(r.frontier(), stream.size());
    EXPECT_EQ(sink.in_order_end(), stream.size());
    EXPECT_EQ(budget_.used, 0u);
    std::uint64_t missing = 0;
    for (std::size_t at = 0; at < stream.size(); ++at) {
      if (sink.written(at)) {
        ASSERT_EQ(sink.file()[at], stream[at]) << "at " << at;
      } else {
        ASSERT_TRUE(sink.in_gap(at)) << "byte " << at << " neither delivered nor in a hole";
        ++missing;
      }
    }
    EXPECT_EQ(r.stats().delivered_bytes, stream.size() - missing);
    if (c.max_buffered >= stream.size()) {
      EXPECT_EQ(r.stats().forced_gaps, 0u);
      EXPECT_EQ(missing, 0u);
    } else {
      EXPECT_GT(r.stats().forced_gaps, 0u) << "the small limit was never hit";
    }
    if (c.max_holes == 0) {
      EXPECT_EQ(r.stats().late_fills, 0u);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Isns, ReassemblerTest, ::testing::ValuesIn(kIsns),
                         [](const ::testing::TestParamInfo<std::uint32_t>& info) {
                           return "isn_" + std::to_string(info.param);
                         });

// Cases that do not go through sequence numbers.
TEST(ReassemblerEdgeTest, OffsetNearTheTopOfTheRangeIsClamped) {
  ReassemblyLimits limits;
  ReassemblyBudget budget;
  Reassembler r(limits, budget);
  RecordingSink sink;
  const std::uint64_t top = std::numeric_limits<std::uint64_t>::max();
  r.Add(top - 2, AsBytes("ABCDEF"), sink);
  EXPECT_EQ(r.buffered_bytes(), 2u);
  EXPECT_EQ(r.highest_end(), top);
  r.Add(top, AsBytes("Z"), sink);  // no room at all
  EXPECT_EQ(r.buffered_bytes(), 2u);
}

TEST(ReassemblerEdgeTest, MoveTransfersBufferAndBudget) {
  ReassemblyLimits limits;
  ReassemblyBudget budget;
  RecordingSink sink;
  {
    Reassembler a(limits, budget);
    a.Add(0, AsBytes("AA"), sink);
    a.Add(4, AsBytes("CC"), sink);
    EXPECT_EQ(budget.used, 2u);
    Reassembler b(std::move(a));
    EXPECT_EQ(budget.used, 2u);
    EXPECT_EQ(b.buffered_bytes(), 2u);
    EXPECT_EQ(b.frontier(), 2u);
    Reassembler c(limits, budget);
    c.Add(9, AsBytes("Q"), sink);
    EXPECT_EQ(budget.used, 3u);
    c = std::move(b);  // c's own byte goes back to the budget
    EXPECT_EQ(budget.used, 2u);
    c.Add(2, AsBytes("BB"), sink);
    EXPECT_EQ(sink.Render(), "AABBCC");
    EXPECT_EQ(budget.used, 0u);
    c.Add(8, AsBytes("E"), sink);
    EXPECT_EQ(budget.used, 1u);
  }
  EXPECT_EQ(budget.used, 0u);
}

}  // namespace
}  // namespace tcpflow
