// flow_table_test.cpp: lookup by full key, ids, session pairing, idle order.
#include "flow_table.h"

#include <gtest/gtest.h>

namespace tcpflow {
namespace {

FlowKey Key(std::uint8_t last, std::uint16_t sport, std::uint16_t vlan = kNoVlan) {
  const std::uint8_t a[4] = {10, 0, 0, last};
  const std::uint8_t b[4] = {10, 0, 0, 99};
  return FlowKey{IpAddress::V4(a), IpAddress::V4(b), sport, 80, vlan};
}

class FlowTableTest : public ::testing::Test {
 protected:
  ReassemblyLimits limits_;
  ReassemblyBudget budget_;
  FlowTable table_{7, limits_, budget_};
};

TEST_F(FlowTableTest, FindsOnlyExactKeys) {
  Flow* f = table_.Create(Key(1, 1000));
  EXPECT_EQ(table_.Find(Key(1, 1000)), f);
  EXPECT_EQ(table_.Find(Key(1, 1001)), nullptr);
  EXPECT_EQ(table_.Find(Key(2, 1000)), nullptr);
  EXPECT_EQ(table_.Find(Key(1, 1000, 5)), nullptr) << "VLAN is part of the key";
  EXPECT_EQ(table_.Find(Key(1, 1000).Reversed()), nullptr);
}

TEST_F(FlowTableTest, IdsCountEveryFlowAndSessionsPairDirections) {
  Flow* a = table_.Create(Key(1, 1000));
  Flow* b = table_.Create(Key(1, 1000).Reversed());
  Flow* c = table_.Create(Key(2, 1000));
  EXPECT_EQ(a->flow_id, 0u);
  EXPECT_EQ(b->flow_id, 1u);
  EXPECT_EQ(c->flow_id, 2u);
  EXPECT_EQ(a->session_id, b->session_id);
  EXPECT_NE(a->session_id, c->session_id);
  table_.Remove(a);
  EXPECT_EQ(table_.size(), 2u);
  EXPECT_EQ(table_.total_created(), 3u);
  EXPECT_EQ(table_.Create(Key(1, 1000))->flow_id, 3u);
}

TEST_F(FlowTableTest, OldestFollowsUse) {
  Flow* a = table_.Create(Key(1, 1));
  Flow* b = table_.Create(Key(2, 2));
  Flow* c = table_.Create(Key(3, 3));
  EXPECT_EQ(table_.Oldest(), a);
  table_.Touch(a);
  EXPECT_EQ(table_.Oldest(), b);
  table_.Remove(b);
  EXPECT_EQ(table_.Oldest(), c);
  table_.Remove(c);
  table_.Remove(a);
  EXPECT_EQ(table_.Oldest(), nullptr);
}

TEST_F(FlowTableTest, CreationOrderSurvivesRemovals) {
  for (std::uint16_t p = 0; p < 50; ++p) table_.Create(Key(1, p));
  table_.Remove(table_.Find(Key(1, 10)));
  auto flows = table_.FlowsInCreationOrder();
  ASSERT_EQ(flows.size(), 49u);
  for (std::size_t i = 1; i < flows.size(); ++i)
    EXPECT_LT(flows[i - 1]->flow_id, flows[i]->flow_id);
  EXPECT_EQ(table_.peak_size(), 50u);
}

}  // namespace
}  // namespace tcpflow
