// closed_flows_test.cpp: the in-memory record of recently closed flows: tails as the file
// stores them (holes, late fills, -b, shifts), 64-bit offsets, the kTailBytes bound, slot
// sharing and the kClosedKept ring.
#include "closed_flows.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace tcpflow {
namespace {

Bytes B(const std::string& s) {
  return Bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

class ClosedFlowMemoryTest : public ::testing::Test {
 protected:
  // A flow of tuple port `port` (source), id `id`, whose stream offset 0 is sequence isn + 1.
  std::unique_ptr<Flow> NewFlow(std::uint16_t port, std::uint64_t id, std::uint32_t isn) {
    const std::uint8_t a[4] = {10, 0, 0, 1};
    const std::uint8_t b[4] = {10, 0, 0, 2};
    auto flow = std::make_unique<Flow>(
        FlowKey{IpAddress::V4(a), IpAddress::V4(b), port, 80, kNoVlan}, limits_, budget_);
    flow->flow_id = id;
    flow->isn = isn;
    return flow;
  }
  // Whether `data` at stream offset `offset` of `flow` (closed) is a retransmission.
  bool Retransmits(const ClosedFlowMemory& memory, const Flow& flow, std::uint64_t offset,
                   const std::string& data) {
    return memory.IsRetransmission(flow.key, flow.isn + 1 + static_cast<std::uint32_t>(offset),
                                   B(data));
  }

  ReassemblyLimits limits_;
  ReassemblyBudget budget_;
};

TEST_F(ClosedFlowMemoryTest, IdenticalBytesOfAClosedFlowAreARetransmission) {
  ClosedFlowMemory memory(-1);
  auto flow = NewFlow(1, 0, 0xFFFFFFF0u);
  memory.OnData(*flow, 0, B("AAAABBBB"));
  memory.OnData(*flow, 8, B("CCCC"));
  memory.OnClose(*flow, true);
  EXPECT_TRUE(Retransmits(memory, *flow, 0, "AAAA"));
  EXPECT_TRUE(Retransmits(memory, *flow, 6, "BBCC"));
  EXPECT_FALSE(Retransmits(memory, *flow, 6, "BBCD"));  // different bytes
  EXPECT_FALSE(Retransmits(memory, *flow, 10, "CCC"));  // beyond the file's end
  EXPECT_FALSE(Retransmits(memory, *flow, 12, "D"));    // new data
}

TEST_F(ClosedFlowMemoryTest, FlowsWithoutAFileAreNotRemembered) {
  ClosedFlowMemory memory(-1);
  auto flow = NewFlow(1, 0, 100);
  memory.OnData(*flow, 0, B("AAAA"));
  memory.OnClose(*flow, false);
  EXPECT_FALSE(Retransmits(memory, *flow, 0, "AAAA"));
}

TEST_F(ClosedFlowMemoryTest, HolesAreZerosAndLateFillsLand) {
  ClosedFlowMemory memory(-1);
  auto flow = NewFlow(1, 0, 100);
  memory.OnData(*flow, 0, B("AA"));
  memory.OnData(*flow, 6, B("CC"));  // [2, 6) is a hole
  memory.OnData(*flow, 2, B("B"));   // a late fill
  memory.OnClose(*flow, true);
  EXPECT_TRUE(Retransmits(memory, *flow, 0, std::string("AAB\0\0\0CC", 8)));
}

TEST_F(ClosedFlowMemoryTest, MaxBytesKeepsOnlyWhatTheFileStores) {
  ClosedFlowMemory memory(6);
  auto flow = NewFlow(1, 0, 100);
  memory.OnData(*flow, 0, B("AAAABBBB"));
  memory.OnClose(*flow, true);
  EXPECT_TRUE(Retransmits(memory, *flow, 4, "BB"));
  EXPECT_FALSE(Retransmits(memory, *flow, 4, "BBBB"));  // the file ends at -b
}

TEST_F(ClosedFlowMemoryTest, ShiftMovesTheTailUpAndCutsAtMaxBytes) {
  ClosedFlowMemory memory(7);
  auto flow = NewFlow(1, 0, 100);
  memory.OnData(*flow, 0, B("CCCC"));
  memory.OnShift(*flow, 4);          // "CCCC" now at [4, 8): -b keeps [4, 7)
  memory.OnData(*flow, 2, B("AA"));  // the front fills in, from the top down
  memory.OnData(*flow, 0, B("AA"));
  flow->isn -= 4;  // the demux moves the ISN with the shift
  memory.OnClose(*flow, true);
  EXPECT_TRUE(Retransmits(memory, *flow, 0, "AAAACCC"));
  EXPECT_FALSE(Retransmits(memory, *flow, 4, "CCCC"));
}

TEST_F(ClosedFlowMemoryTest, OffsetsAreSixtyFourBits) {
  ClosedFlowMemory memory(-1);
  auto flow = NewFlow(1, 0, 7);
  const std::uint64_t far = (5ull << 32) + 3;
  memory.OnData(*flow, far, B("tail"));
  memory.OnClose(*flow, true);
  // Reading the file at the 32-bit offset (3) would have found nothing there.
  EXPECT_TRUE(Retransmits(memory, *flow, far, "tail"));
  EXPECT_TRUE(Retransmits(memory, *flow, far + 2, "il"));
  EXPECT_FALSE(Retransmits(memory, *flow, far, "tall"));
}

TEST_F(ClosedFlowMemoryTest, OnlyTheLastTailBytesAreKept) {
  ClosedFlowMemory memory(-1);
  auto flow = NewFlow(1, 0, 100);
  const std::size_t k = ClosedFlowMemory::kTailBytes;
  memory.OnData(*flow, 0, B("old!"));
  memory.OnData(*flow, 4, B(std::string(k, 'x')));
  memory.OnClose(*flow, true);
  EXPECT_TRUE(Retransmits(memory, *flow, 4, std::string(k, 'x')));
  // Bytes older than the bound are not held: taken as a new connection (the file would say
  // retransmission).
  EXPECT_FALSE(Retransmits(memory, *flow, 0, "old!"));
}

TEST_F(ClosedFlowMemoryTest, ASharedSlotStartsAgainAtTheNextBytes) {
  ClosedFlowMemory memory(-1);
  auto first = NewFlow(1, 0, 100);
  auto second = NewFlow(2, ClosedFlowMemory::kTailSlots, 200);  // the same slot
  memory.OnData(*first, 0, B("AAAA"));
  memory.OnData(*second, 0, B("ssss"));
  memory.OnData(*first, 4, B("BBBB"));
  memory.OnClose(*first, true);
  memory.OnClose(*second, true);  // its slot was taken: nothing held
  EXPECT_TRUE(Retransmits(memory, *first, 4, "BBBB"));
  EXPECT_FALSE(Retransmits(memory, *first, 0, "AAAA"));
  EXPECT_FALSE(Retransmits(memory, *second, 0, "ssss"));
}

TEST_F(ClosedFlowMemoryTest, TheNewestRecordOfATupleDecidesAndOldRecordsGo) {
  ClosedFlowMemory memory(-1);
  auto old_flow = NewFlow(1, 0, 100);
  memory.OnData(*old_flow, 0, B("AAAA"));
  memory.OnClose(*old_flow, true);
  auto new_flow = NewFlow(1, 1, 100);  // the tuple again, the same ISN
  memory.OnData(*new_flow, 0, B("BBBB"));
  memory.OnClose(*new_flow, true);
  EXPECT_TRUE(Retransmits(memory, *new_flow, 0, "BBBB"));
  EXPECT_FALSE(Retransmits(memory, *old_flow, 0, "AAAA"));
  for (std::uint64_t i = 0; i < ClosedFlowMemory::kClosedKept; ++i) {
    auto other = NewFlow(static_cast<std::uint16_t>(1000 + i), 2 + i, 0);
    memory.OnData(*other, 0, B("x"));
    memory.OnClose(*other, true);
  }
  EXPECT_FALSE(Retransmits(memory, *new_flow, 0, "BBBB"));  // forgotten
  EXPECT_GT(memory.memory_bytes(), ClosedFlowMemory::kTailSlots * ClosedFlowMemory::kTailBytes);
}

}  // namespace
}  // namespace tcpflow
