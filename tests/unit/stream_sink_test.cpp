// stream_sink_test.cpp: the fan-out's file events (OnFileCreated, the StoredFile at close) and
// the sinks' per-flow slots.
#include "stream_sink.h"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/memory_flow_files.h"

namespace tcpflow {
namespace {

using testing::B;

// Counts the bytes of each flow in its own slot, logs its events as "<tag><event>", and at
// close logs what the close event says of the file.
class CountingSink final : public StreamSink {
 public:
  CountingSink(std::string tag, std::vector<std::string>& log) : tag_(tag), log_(log) {}
  void AssignSlots(SlotAllocator& slots) override { slot_.Assign(slots); }
  void OnFlowOpen(Flow& flow) override { slot_.Put(flow, std::make_unique<Count>()); }
  void OnFileCreated(Flow&, const std::string& name) override { Log("F " + name); }
  void OnData(Flow& flow, std::uint64_t, Bytes data, const Timeval&) override {
    slot_.Find(flow)->bytes += data.size();
    Log("D");
  }
  void OnGap(Flow&, std::uint64_t, std::uint64_t, const Timeval&) override { Log("G"); }
  void OnShift(Flow&, std::uint64_t) override {}
  void OnFlowClose(Flow& flow, const StoredFile& file) override {
    const std::unique_ptr<Count> count = slot_.Release(flow);
    Log("C " + std::to_string(count->bytes) + " " + file.name + " " +
        std::to_string(file.logical_size) + (file.incomplete ? " incomplete" : ""));
  }
  // The bytes counted for an open flow (-1 when the sink keeps no state for it).
  long long Counted(const Flow& flow) const {
    const Count* count = slot_.Find(flow);
    return count == nullptr ? -1 : static_cast<long long>(count->bytes);
  }

 private:
  struct Count final : SlotState {
    std::uint64_t bytes = 0;
  };
  void Log(const std::string& event) { log_.push_back(tag_ + event); }
  std::string tag_;
  std::vector<std::string>& log_;
  SinkSlot<Count> slot_;
};

class SinkFanoutTest : public ::testing::Test, protected testing::MemoryFlowFiles {
 protected:
  std::vector<std::string> log_;
  CountingSink a_{"a", log_};
  CountingSink b_{"b", log_};
};

TEST_F(SinkFanoutTest, EachSinkKeepsItsOwnStateInItsSlotUntilClose) {
  SinkFanout fanout;
  fanout.Add(&a_);
  fanout.Add(&b_);
  Flow one(key_, limits_, budget_);
  Flow two(key_.Reversed(), limits_, budget_);
  fanout.OnFlowOpen(one);
  fanout.OnFlowOpen(two);
  fanout.OnData(one, 0, B("abc"), Timeval{});
  fanout.OnData(two, 0, B("x"), Timeval{});
  EXPECT_EQ(a_.Counted(one), 3);
  EXPECT_EQ(b_.Counted(one), 3);
  EXPECT_EQ(a_.Counted(two), 1);
  ASSERT_NE(one.slots, nullptr);
  EXPECT_NE(one.slots->states[0], one.slots->states[1]) << "two sinks, two slots";
  fanout.OnFlowClose(one);
  EXPECT_EQ(a_.Counted(one), -1) << "freed at close";
  EXPECT_EQ(b_.Counted(one), -1);
  EXPECT_EQ(b_.Counted(two), 1) << "other flows keep theirs";
  fanout.OnFlowClose(two);
  EXPECT_EQ(log_.back(), "bC 1  0") << "without a file stage the close says: no file";
}

TEST_F(SinkFanoutTest, SinksAfterTheWriterGetTheFileByEventsNotByItsFields) {
  output_.outdir = "out";
  FanOutBehindFiles(a_);
  fanout_->Add(&b_);
  Flow flow(key_, limits_, budget_);
  fanout_->OnFlowOpen(flow);
  fanout_->OnGap(flow, 0, 2, Timeval{});  // the writer creates the file here
  fanout_->OnData(flow, 2, B("ab"), Timeval{});
  fs_.FailWrites("No space left on device");
  fanout_->OnData(flow, 4, B("cd"), Timeval{});
  fanout_->OnFlowClose(flow);
  const std::string name = "out/" + name_;
  EXPECT_EQ(log_, (std::vector<std::string>{"aF " + name, "aG", "bF " + name, "bG", "aD", "bD",
                                            "aD", "bD", "aC 4 " + name + " 6 incomplete",
                                            "bC 4 " + name + " 6 incomplete"}));
}

TEST(SlotAllocatorTest, HandsOutEverySlotOnceThenRefuses) {
  SlotAllocator slots;
  for (std::size_t i = 0; i < FlowSlots::kCount; ++i) EXPECT_EQ(slots.Next(), i);
  EXPECT_THROW(slots.Next(), std::length_error);
}

TEST(SinkSlotTest, UnassignedSlotIsAnError) {
  ReassemblyLimits limits;
  ReassemblyBudget budget;
  Flow flow(FlowKey{}, limits, budget);
  struct State final : SlotState {};
  SinkSlot<State> slot;
  EXPECT_EQ(slot.Find(flow), nullptr) << "no slot block yet";
  EXPECT_THROW(slot.Put(flow, std::make_unique<State>()), std::out_of_range);
}

}  // namespace
}  // namespace tcpflow
