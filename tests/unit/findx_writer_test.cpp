// findx_writer_test.cpp: -I index files: live appends, sorting on close, hole fills, front
// insertion shifts, the -b cap, flows without files, stale files, times and write errors.
#include "findx_writer.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "common/bytes.h"
#include "common/memory_flow_files.h"
#include "flow_writer.h"
#include "output_dir.h"

namespace tcpflow {
namespace {

using testing::B;

Timeval T(std::int64_t sec, std::int32_t usec) {
  return Timeval{sec, usec};
}

// The flow-file writer in front of the index writer, as in the pipeline's fan-out.
class FindxWriterTest : public ::testing::Test, protected testing::MemoryFlowFiles {
 protected:
  // Builds the writers (after the test has set output_ / reassembly_).
  void Start() {
    findx_ = std::make_unique<FindxWriter>(reassembly_.max_bytes_per_flow, fs_);
    FanOutBehindFiles(*findx_);
  }
  std::string Index() { return Contents(name_ + ".findx"); }

  std::unique_ptr<FindxWriter> findx_;
};

TEST_F(FindxWriterTest, InOrderLinesAreAppendedAsDataArrives) {
  Start();
  Flow flow(key_, limits_, budget_);
  fanout_->OnFlowOpen(flow);
  fanout_->OnData(flow, 0, B("GET "), T(1600000000, 300000));
  EXPECT_EQ(Index(), "0|1600000000.300000|4\n");  // readable before the flow closes
  fanout_->OnData(flow, 4, B("/ HTTP/1.0"), T(1600000001, 5));
  EXPECT_EQ(Index(), "0|1600000000.300000|4\n4|1600000001.000005|10\n");
  fanout_->OnFlowClose(flow);
  EXPECT_EQ(Index(), "0|1600000000.300000|4\n4|1600000001.000005|10\n");
  EXPECT_EQ(findx_->files_created(), 1u);
  EXPECT_EQ(findx_->rewrites(), 0u);
  EXPECT_FALSE(findx_->failed());
}

TEST_F(FindxWriterTest, OutOfOrderIsAppendedThenSortedOnClose) {
  Start();
  Flow flow(key_, limits_, budget_);
  fanout_->OnData(flow, 8, B("CCCC"), T(1600000001, 0));
  fanout_->OnData(flow, 0, B("AAAA"), T(1600000002, 0));
  fanout_->OnData(flow, 4, B("BBBB"), T(1600000003, 0));
  // Arrival order while the flow is open (what tcpflow 1.6.1 leaves for good).
  EXPECT_EQ(Index(), "8|1600000001.000000|4\n0|1600000002.000000|4\n4|1600000003.000000|4\n");
  fanout_->OnFlowClose(flow);
  EXPECT_EQ(Index(), "0|1600000002.000000|4\n4|1600000003.000000|4\n8|1600000001.000000|4\n");
  EXPECT_EQ(Contents(name_), "AAAABBBBCCCC");
  EXPECT_EQ(findx_->rewrites(), 1u);
}

TEST_F(FindxWriterTest, LateHoleFillIsSortedStably) {
  Start();
  Flow flow(key_, limits_, budget_);
  fanout_->OnData(flow, 0, B("AAAA"), T(10, 1));
  fanout_->OnData(flow, 8, B("CCCC"), T(10, 2));
  fanout_->OnData(flow, 8, B("cc"), T(10, 3));  // same offset: keeps arrival order
  fanout_->OnData(flow, 4, B("BBBB"), T(10, 4));
  fanout_->OnData(flow, 12, B("D"), T(10, 5));
  fanout_->OnFlowClose(flow);
  EXPECT_EQ(Index(),
            "0|10.000001|4\n4|10.000004|4\n8|10.000002|4\n8|10.000003|2\n12|10.000005|1\n");
}

TEST_F(FindxWriterTest, FrontInsertionShiftsEarlierOffsets) {
  Start();
  Flow flow(key_, limits_, budget_);
  fanout_->OnData(flow, 0, B("BBBB"), T(1, 0));
  fanout_->OnData(flow, 4, B("CCCC"), T(2, 0));
  fanout_->OnShift(flow, 4);
  // Rewritten at once: the lines describe the flow file as it now is.
  EXPECT_EQ(Index(), "4|1.000000|4\n8|2.000000|4\n");
  fanout_->OnData(flow, 0, B("AAAA"), T(3, 0));
  fanout_->OnFlowClose(flow);
  EXPECT_EQ(Index(), "0|3.000000|4\n4|1.000000|4\n8|2.000000|4\n");
  EXPECT_EQ(Contents(name_), "AAAABBBBCCCC");
}

TEST_F(FindxWriterTest, ShiftAddsDigitsAndSortsPendingLines) {
  Start();
  Flow flow(key_, limits_, budget_);
  fanout_->OnData(flow, 5, B("x"), T(1, 0));
  fanout_->OnData(flow, 0, B("y"), T(2, 0));  // out of order: dirty before the shift
  fanout_->OnShift(flow, 95);
  EXPECT_EQ(Index(), "95|2.000000|1\n100|1.000000|1\n");
  fanout_->OnFlowClose(flow);
  EXPECT_EQ(Index(), "95|2.000000|1\n100|1.000000|1\n");
  EXPECT_EQ(findx_->rewrites(), 1u);  // nothing left to sort at close
}

TEST_F(FindxWriterTest, ShiftUnderByteCapCutsAndDropsLines) {
  reassembly_.max_bytes_per_flow = 10;
  Start();
  Flow flow(key_, limits_, budget_);
  fanout_->OnData(flow, 0, B("AAAA"), T(1, 0));
  fanout_->OnData(flow, 4, B("BBBB"), T(2, 0));
  fanout_->OnData(flow, 8, B("CCCC"), T(3, 0));  // cut to 2
  EXPECT_EQ(Index(), "0|1.000000|4\n4|2.000000|4\n8|3.000000|2\n");
  fanout_->OnShift(flow, 4);
  // The flow file now holds the old [0, 6) at [4, 10): the index shrinks to match.
  EXPECT_EQ(Index(), "4|1.000000|4\n8|2.000000|2\n");
  EXPECT_EQ(Contents(name_).substr(4), "AAAABB");
  fanout_->OnData(flow, 0, B("zz"), T(4, 0));
  fanout_->OnFlowClose(flow);
  EXPECT_EQ(Index(), "0|4.000000|2\n4|1.000000|4\n8|2.000000|2\n");
  EXPECT_EQ(fs_.files().at(name_ + ".findx").mtime, std::optional<Timeval>(flow.first_seen));
}

TEST_F(FindxWriterTest, ShiftDroppingEveryLineLeavesAnEmptyIndex) {
  reassembly_.max_bytes_per_flow = 4;
  Start();
  Flow flow(key_, limits_, budget_);
  fanout_->OnData(flow, 0, B("AAAA"), T(1, 0));
  fanout_->OnShift(flow, 4);
  EXPECT_EQ(Index(), "");
  fanout_->OnData(flow, 0, B("ZZ"), T(2, 0));
  fanout_->OnFlowClose(flow);
  EXPECT_EQ(Index(), "0|2.000000|2\n");
  EXPECT_FALSE(findx_->failed());
}

TEST_F(FindxWriterTest, ByteCapCutsLastSegmentAndSkipsSegmentsBeyond) {
  reassembly_.max_bytes_per_flow = 6;
  Start();
  Flow flow(key_, limits_, budget_);
  fanout_->OnData(flow, 0, B("AAAA"), T(1, 0));
  fanout_->OnData(flow, 4, B("BBBB"), T(2, 0));
  fanout_->OnData(flow, 8, B("CCCC"), T(3, 0));
  fanout_->OnData(flow, 6, B("bb"), T(4, 0));
  fanout_->OnFlowClose(flow);
  EXPECT_EQ(Index(), "0|1.000000|4\n4|2.000000|2\n");
  EXPECT_EQ(Contents(name_), "AAAABB");
}

TEST_F(FindxWriterTest, FlowFileBeyondCapGetsAnEmptyIndex) {
  reassembly_.max_bytes_per_flow = 0;
  Start();
  Flow flow(key_, limits_, budget_);
  fanout_->OnData(flow, 0, B("AAAA"), T(1, 0));
  fanout_->OnFlowClose(flow);
  EXPECT_EQ(Contents(name_), "");
  EXPECT_EQ(Index(), "");
}

TEST_F(FindxWriterTest, NoFlowFileNoIndex) {
  output_.store_output = false;  // -FX
  Start();
  Flow flow(key_, limits_, budget_);
  fanout_->OnFlowOpen(flow);
  fanout_->OnData(flow, 0, B("AAAA"), T(1, 0));
  fanout_->OnShift(flow, 4);
  fanout_->OnFlowClose(flow);
  Flow empty(key_.Reversed(), limits_, budget_);
  fanout_->OnFlowOpen(empty);
  fanout_->OnFlowClose(empty);
  EXPECT_TRUE(fs_.files().empty());
  EXPECT_EQ(findx_->files_created(), 0u);
  EXPECT_FALSE(findx_->failed());
}

TEST_F(FindxWriterTest, CloseSetsTimesAndClosesTheFile) {
  Start();
  Flow flow(key_, limits_, budget_);
  flow.first_seen = T(1600000000, 250000);
  fanout_->OnData(flow, 0, B("A"), T(1600000005, 0));
  EXPECT_EQ(fs_.open_descriptors(), 2u);
  fanout_->OnFlowClose(flow);
  EXPECT_EQ(fs_.open_descriptors(), 0u);
  EXPECT_EQ(fs_.files().at(name_ + ".findx").mtime, std::optional<Timeval>(T(1600000000, 250000)));
}

TEST_F(FindxWriterTest, OutdirPrefixAndConnectionCounterCarryOver) {
  output_.outdir = "out";
  Start();
  Flow first(key_, limits_, budget_);
  Flow second(key_, limits_, budget_);
  fanout_->OnData(first, 0, B("1"), T(1, 0));
  fanout_->OnData(second, 0, B("22"), T(2, 0));
  fanout_->OnFlowClose(first);
  fanout_->OnFlowClose(second);
  EXPECT_EQ(Contents("out/" + name_ + ".findx"), "0|1.000000|1\n");
  EXPECT_EQ(Contents("out/" + name_ + "c1.findx"), "0|2.000000|2\n");
}

TEST_F(FindxWriterTest, StaleIndexIsTruncated) {
  FileId id = 0;
  ASSERT_EQ(fs_.CreateOrTruncate(name_ + ".findx", &id), OutputFs::CreateStatus::kCreated);
  ASSERT_TRUE(fs_.WriteAt(id, 0, B("99|1.000000|1\n99|1.000000|1\n")));
  ASSERT_TRUE(fs_.Close(id, nullptr));
  Start();
  Flow flow(key_, limits_, budget_);
  fanout_->OnData(flow, 0, B("A"), T(5, 0));
  fanout_->OnFlowClose(flow);
  EXPECT_EQ(Index(), "0|5.000000|1\n");
}

TEST_F(FindxWriterTest, TimesCarryBrokenMicroseconds) {
  Start();
  Flow flow(key_, limits_, budget_);
  fanout_->OnData(flow, 0, B("A"), T(7, 1500000));
  fanout_->OnData(flow, 1, B("B"), T(7, -1));
  fanout_->OnFlowClose(flow);
  EXPECT_EQ(Index(), "0|8.500000|1\n1|6.999999|1\n");
}

TEST_F(FindxWriterTest, WriteErrorIsRemembered) {
  Start();
  Flow flow(key_, limits_, budget_);
  fanout_->OnData(flow, 0, B("A"), T(1, 0));
  fs_.FailWrites("Input/output error");
  fanout_->OnData(flow, 1, B("B"), T(2, 0));
  EXPECT_TRUE(findx_->failed());
  EXPECT_NE(findx_->error().find("Input/output error"), std::string::npos);
  fanout_->OnFlowClose(flow);
  EXPECT_EQ(fs_.open_descriptors(), 0u);  // still closed
}

TEST_F(FindxWriterTest, TwoFlowsKeepSeparateState) {
  Start();
  Flow a(key_, limits_, budget_);
  Flow b(key_.Reversed(), limits_, budget_);
  fanout_->OnData(a, 4, B("aaaa"), T(1, 0));
  fanout_->OnData(b, 0, B("bbbb"), T(2, 0));
  fanout_->OnData(a, 0, B("AAAA"), T(3, 0));
  fanout_->OnData(b, 4, B("BBBB"), T(4, 0));
  fanout_->OnFlowClose(a);
  fanout_->OnFlowClose(b);
  EXPECT_EQ(Index(), "0|3.000000|4\n4|1.000000|4\n");
  EXPECT_EQ(Contents("005.006.007.008.00002-001.002.003.004.00001.findx"),
            "0|2.000000|4\n4|4.000000|4\n");
  EXPECT_EQ(findx_->rewrites(), 1u);
}

}  // namespace
}  // namespace tcpflow
