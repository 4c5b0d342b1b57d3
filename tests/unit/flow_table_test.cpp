// flow_table_test.cpp: lookup by full key, ids, session pairing, idle order, and the table
// against a std::map model under random creates and removes.
#include "flow_table.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <tuple>
#include <vector>

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

// Prefetching is a hint: on keys present or not, it changes nothing a lookup sees.
TEST_F(FlowTableTest, PrefetchingChangesNothing) {
  std::vector<Flow*> flows;
  for (std::uint16_t port = 0; port < 600; ++port) flows.push_back(table_.Create(Key(1, port)));
  EXPECT_EQ(table_.HashOf(Key(1, 5)), table_.HashOf(Key(1, 5)));
  EXPECT_NE(table_.HashOf(Key(1, 5)), table_.HashOf(Key(1, 5).Reversed()));
  for (std::uint16_t port = 0; port < 1200; ++port) {
    table_.PrefetchSlot(table_.HashOf(Key(1, port)));
    table_.PrefetchFlow(table_.HashOf(Key(1, port)));
  }
  EXPECT_EQ(table_.size(), 600u);
  EXPECT_EQ(table_.Oldest(), flows.front());
  for (std::uint16_t port = 0; port < 1200; ++port) {
    EXPECT_EQ(table_.Find(Key(1, port)), port < 600 ? flows[port] : nullptr) << port;
  }
}

// PeekFlow finds open flows by hash (for hints) and nothing once a flow is removed.
TEST_F(FlowTableTest, PeekFlowFindsOpenFlowsByHash) {
  std::vector<Flow*> flows;
  for (std::uint16_t port = 0; port < 600; ++port) flows.push_back(table_.Create(Key(1, port)));
  for (std::uint16_t port = 0; port < 1200; ++port) {
    EXPECT_EQ(table_.PeekFlow(table_.HashOf(Key(1, port))), port < 600 ? flows[port] : nullptr)
        << port;
  }
  table_.Remove(flows[7]);
  EXPECT_EQ(table_.PeekFlow(table_.HashOf(Key(1, 7))), nullptr);
  EXPECT_EQ(table_.PeekFlow(table_.HashOf(Key(1, 8))), flows[8]);
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

TEST_F(FlowTableTest, WithoutIdleOrderOldestIsAlwaysEmpty) {
  FlowTable table(7, limits_, budget_, IdleOrder::kNotKept);
  Flow* a = table.Create(Key(1, 1));
  Flow* b = table.Create(Key(2, 2));
  table.Touch(a);
  EXPECT_EQ(table.Oldest(), nullptr);
  table.Remove(a);
  EXPECT_EQ(table.Find(Key(1, 1)), nullptr);
  EXPECT_EQ(table.Find(Key(2, 2)), b);
  EXPECT_EQ(table.Oldest(), nullptr);
  EXPECT_EQ(table.size(), 1u);
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

// Random creates, removes and lookups with growth and heavy collisions (the seed is fixed, and
// with 2,000 keys the probe runs are long enough that a wrong backward shift loses a key):
// every open key is found with its own Flow, every removed key is absent, pointers stay valid
// across growth, and removed storage is reused without corrupting live flows.
TEST_F(FlowTableTest, MatchesAMapModel) {
  std::mt19937 rng(12345);
  std::map<std::tuple<std::uint8_t, std::uint16_t>, Flow*> model;
  for (int step = 0; step < 60000; ++step) {
    const auto last = static_cast<std::uint8_t>(rng() % 8);
    const auto port = static_cast<std::uint16_t>(rng() % 250);
    const FlowKey key = Key(last, port);
    const auto at = model.find({last, port});
    if (at == model.end()) {
      ASSERT_EQ(table_.Find(key), nullptr) << "step " << step;
      Flow* f = table_.Create(key);
      f->packets = step;
      model[{last, port}] = f;
    } else if (rng() % 3 == 0) {
      ASSERT_EQ(table_.Find(key), at->second) << "step " << step;
      table_.Remove(at->second);
      model.erase(at);
      ASSERT_EQ(table_.Find(key), nullptr) << "step " << step;
    } else {
      ASSERT_EQ(table_.Find(key), at->second) << "step " << step;
    }
    ASSERT_EQ(table_.size(), model.size());
  }
  for (const auto& [k, flow] : model) {
    const FlowKey key = Key(std::get<0>(k), std::get<1>(k));
    ASSERT_EQ(table_.Find(key), flow);
    EXPECT_TRUE(flow->key == key);
  }
  EXPECT_EQ(table_.FlowsInCreationOrder().size(), model.size());
}

// 40,000 flows fill blocks of every size, up to the largest (huge-page memory).
TEST_F(FlowTableTest, GrowsPastManyBlocksAndEmptiesCompletely) {
  std::vector<Flow*> flows;
  for (std::uint16_t p = 0; p < 40000; ++p) {
    flows.push_back(table_.Create(Key(static_cast<std::uint8_t>(p % 7), p)));
    flows.back()->packets = p;
  }
  for (std::uint16_t p = 0; p < 40000; ++p) {
    Flow* f = table_.Find(Key(static_cast<std::uint8_t>(p % 7), p));
    ASSERT_EQ(f, flows[p]);
    EXPECT_EQ(f->packets, p) << "a flow moved or was overwritten";
  }
  while (Flow* oldest = table_.Oldest()) table_.Remove(oldest);
  EXPECT_EQ(table_.size(), 0u);
  EXPECT_EQ(table_.peak_size(), 40000u);
  EXPECT_EQ(table_.Find(Key(0, 0)), nullptr);
}

}  // namespace
}  // namespace tcpflow
