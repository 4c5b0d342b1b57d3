// stored_stream_test.cpp: what the stream scanners see through StoredStream: only flows with a
// flow file, -b applied to data and holes, holes only where the file holds zeros, order kept.
#include "stored_stream.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tcpflow {
namespace {

Bytes B(const std::string& s) {
  return Bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

// Records what a scanner behind the adapter is given, as "D off text", "G off len", "S n",
// "X" (cut), "O" (open), "F name" (file created) and "C" (close), prefixed with its name.
class RecordingScanner final : public Scanner {
 public:
  RecordingScanner(std::string name, std::vector<std::string>& log) : name_(name), log_(log) {}
  void OnFlowOpen(Flow&) override { Log("O"); }
  void OnFileCreated(Flow&, const std::string& name) override { Log("F " + name); }
  void OnData(Flow&, std::uint64_t offset, Bytes data, const Timeval&) override {
    Log("D " + std::to_string(offset) + " " + std::string(data.begin(), data.end()));
  }
  void OnGap(Flow&, std::uint64_t offset, std::uint64_t length, const Timeval&) override {
    Log("G " + std::to_string(offset) + " " + std::to_string(length));
  }
  void OnStoredShift(Flow&, std::uint64_t n, std::uint64_t max_end) override {
    Log("S " + std::to_string(n) + " " + (max_end == UINT64_MAX ? "-" : std::to_string(max_end)));
  }
  void OnFlowClose(Flow&, const StoredFile&) override { Log("C"); }
  void OnCut(Flow&) override { Log("X"); }

 private:
  void Log(const std::string& event) { log_.push_back(name_ + event); }
  std::string name_;
  std::vector<std::string>& log_;
};

class StoredStreamTest : public ::testing::Test {
 protected:
  StoredStreamTest() : flow_(FlowKey{}, limits_, budget_) {}
  // An adapter with -b `limit` in front of scanners "a" and "b", in a fan-out's place; with
  // `file`, flow_'s file is created (the log starts after that).
  StoredStream& Adapter(std::int64_t limit, bool file = true) {
    stored_ = std::make_unique<StoredStream>(limit);
    stored_->Add(&a_);
    stored_->Add(&b_);
    stored_->AssignSlots(slots_);
    if (file) stored_->OnFileCreated(flow_, "f");
    log_.clear();
    return *stored_;
  }

  std::vector<std::string> log_;
  RecordingScanner a_{"a", log_};
  RecordingScanner b_{"b", log_};
  ReassemblyLimits limits_;
  ReassemblyBudget budget_;
  Flow flow_;
  SlotAllocator slots_;
  std::unique_ptr<StoredStream> stored_;
  const Timeval ts_{1, 0};
};

TEST_F(StoredStreamTest, ForwardsEverythingInOrderWithoutALimit) {
  StoredStream& s = Adapter(-1);
  s.OnFlowOpen(flow_);
  s.OnData(flow_, 0, B("ab"), ts_);
  s.OnGap(flow_, 2, 3, ts_);
  s.OnData(flow_, 5, B("cd"), ts_);
  s.OnData(flow_, 2, B("x"), ts_);  // a late fill
  s.OnShift(flow_, 4);
  s.OnFlowClose(flow_, StoredFile{});
  EXPECT_EQ(log_, (std::vector<std::string>{"aO", "bO", "aD 0 ab", "bD 0 ab", "aG 2 3", "bG 2 3",
                                            "aD 5 cd", "bD 5 cd", "aD 2 x", "bD 2 x", "aS 4 -",
                                            "bS 4 -", "aC", "bC"}));
}

TEST_F(StoredStreamTest, MaxBytesCutsDataAndSaysSo) {
  StoredStream& s = Adapter(5);
  s.OnData(flow_, 0, B("abc"), ts_);
  s.OnData(flow_, 3, B("defg"), ts_);  // crosses -b
  s.OnData(flow_, 7, B("hi"), ts_);    // wholly beyond it
  s.OnData(flow_, 1, B("X"), ts_);     // a late fill below it still comes
  EXPECT_EQ(log_, (std::vector<std::string>{"aD 0 abc", "bD 0 abc", "aX", "aD 3 de", "bX",
                                            "bD 3 de", "aX", "bX", "aD 1 X", "bD 1 X"}));
}

TEST_F(StoredStreamTest, HolesComeOnlyWhereTheFileHoldsZeros) {
  StoredStream& s = Adapter(10);
  s.OnData(flow_, 0, B("ab"), ts_);
  s.OnGap(flow_, 2, 3, ts_);  // the bytes after it (at 5) are stored: zeros in the file
  s.OnData(flow_, 5, B("cd"), ts_);
  s.OnGap(flow_, 7, 3, ts_);  // the bytes after it start at -b: the file ends at 7
  s.OnData(flow_, 10, B("ef"), ts_);
  EXPECT_EQ(log_, (std::vector<std::string>{"aD 0 ab", "bD 0 ab", "aG 2 3", "bG 2 3", "aD 5 cd",
                                            "bD 5 cd", "aX", "bX"}));
}

TEST_F(StoredStreamTest, ShiftSaysWhereTheViewNowEnds) {
  StoredStream& s = Adapter(7);
  s.OnShift(flow_, 3);
  EXPECT_EQ(log_, (std::vector<std::string>{"aS 3 7", "bS 3 7"}));
}

TEST_F(StoredStreamTest, FlowsWithoutAFileGetOnlyOpenAndClose) {
  StoredStream& s = Adapter(-1, /*file=*/false);
  s.OnFlowOpen(flow_);
  s.OnGap(flow_, 0, 2, ts_);
  s.OnData(flow_, 2, B("ab"), ts_);
  s.OnShift(flow_, 1);
  s.OnFlowClose(flow_, StoredFile{});
  EXPECT_EQ(log_, (std::vector<std::string>{"aO", "bO", "aC", "bC"}));
}

TEST_F(StoredStreamTest, AFileCreatedLaterOpensTheViewFromThen) {
  StoredStream& s = Adapter(-1, /*file=*/false);
  s.OnFlowOpen(flow_);
  s.OnData(flow_, 0, B("ab"), ts_);  // no file yet: not stored
  s.OnFileCreated(flow_, "out/f");
  s.OnData(flow_, 2, B("cd"), ts_);
  s.OnFlowClose(flow_, StoredFile{"out/f", 4, false, 0});
  EXPECT_EQ(log_, (std::vector<std::string>{"aO", "bO", "aF out/f", "bF out/f", "aD 2 cd",
                                            "bD 2 cd", "aC", "bC"}));
  EXPECT_EQ(flow_.slots->states[0], nullptr) << "its state is freed at close";
}

TEST(ZeroBytesTest, GivesAtMostOneChunkOfZeros) {
  EXPECT_EQ(ZeroBytes(3).size(), 3u);
  EXPECT_EQ(ZeroBytes(1u << 20).size(), 4096u);
  EXPECT_TRUE(ZeroBytes(0).empty());
  for (std::uint8_t byte : ZeroBytes(100)) EXPECT_EQ(byte, 0);
}

}  // namespace
}  // namespace tcpflow
