// report_sink_test.cpp: report entries wait for their flow files' closes, come out in close
// order, and are marked incomplete when a close failed or never came; what they say of the file
// comes with the close event (StoredFile).
#include "report_sink.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "dfxml_writer.h"
#include "flow.h"
#include "output_dir.h"
#include "reassembler.h"

namespace tcpflow {
namespace {

// A file system that only hands out close tickets; the test says which closes are done.
class TicketFs final : public OutputFs {
 public:
  CreateStatus CreateExclusive(const std::string&, FileId*) override {
    return CreateStatus::kError;
  }
  CreateStatus CreateOrTruncate(const std::string&, FileId*) override {
    return CreateStatus::kError;
  }
  bool OpenExisting(const std::string&, FileId*, std::uint64_t*) override { return false; }
  bool WriteAt(FileId, std::uint64_t, Bytes) override { return false; }
  std::optional<std::size_t> ReadAt(FileId, std::uint64_t, std::span<std::uint8_t>) override {
    return std::nullopt;
  }
  std::optional<std::size_t> ReadPath(const std::string&, std::uint64_t,
                                      std::span<std::uint8_t>) override {
    return std::nullopt;
  }
  bool Close(FileId, const Timeval*) override { return false; }
  bool MakeDirs(const std::string&) override { return false; }
  PathKind Stat(const std::string&) override { return PathKind::kNone; }
  bool CheckWritable(const std::string&) override { return false; }
  std::unique_ptr<std::streambuf> CreateStream(const std::string&) override { return nullptr; }
  std::size_t open_descriptors() const override { return 0; }
  std::optional<bool> CloseDone(std::uint64_t ticket) const override {
    if (ticket == 0) return true;
    const auto it = done.find(ticket);
    return it == done.end() ? std::nullopt : std::optional<bool>(it->second);
  }

  std::map<std::uint64_t, bool> done;  // ticket -> whether that close succeeded
};

constexpr Timeval kZero{0, 0};

class ReportSinkTest : public ::testing::Test {
 protected:
  ReportSinkTest() : writer_(out_) { writer_.WriteHeader(ReportHeader{"test", "", {}, 0, kZero}); }

  // Closes a flow whose file NAME was closed with the next ticket.
  void CloseFlow(const std::string& name, bool incomplete = false) {
    Flow flow(FlowKey{}, limits_, budget_);
    sink_.OnFlowClose(flow, StoredFile{name, 7, incomplete, ++ticket_});
  }
  // The file names of the entries written so far, in order; "!" after those marked incomplete.
  std::vector<std::string> Written() const {
    std::vector<std::string> names;
    const std::string text = out_.str();
    const std::string open = "<filename>";
    for (std::size_t at = text.find(open); at != std::string::npos; at = text.find(open, at)) {
      at += open.size();
      const std::size_t name_end = text.find("</filename>", at);
      const std::size_t entry_end = text.find("</fileobject>", at);
      if (name_end == std::string::npos || entry_end == std::string::npos) break;
      const bool incomplete =
          text.substr(name_end, entry_end - name_end).find("<incomplete") != std::string::npos;
      names.push_back(text.substr(at, name_end - at) + (incomplete ? "!" : ""));
    }
    return names;
  }
  std::size_t WrittenCount() const {
    std::size_t count = 0;
    const std::string text = out_.str();
    for (std::size_t at = text.find("<fileobject>"); at != std::string::npos;
         at = text.find("<fileobject>", at + 1)) {
      ++count;
    }
    return count;
  }

  std::ostringstream out_;
  ReportWriter writer_;
  TicketFs fs_;
  ReportSink sink_{writer_, fs_, -1, 64};
  ReassemblyLimits limits_;
  ReassemblyBudget budget_;
  std::uint64_t ticket_ = 0;
};

TEST_F(ReportSinkTest, EntryWaitsForItsCloseAndEntriesKeepCloseOrder) {
  CloseFlow("a");
  CloseFlow("b");
  EXPECT_TRUE(Written().empty()) << "no close done yet";
  fs_.done[2] = true;
  sink_.WriteReady(false);
  EXPECT_TRUE(Written().empty()) << "b waits behind a";
  fs_.done[1] = true;
  sink_.WriteReady(false);
  EXPECT_EQ(Written(), (std::vector<std::string>{"a", "b"}));
  fs_.done[3] = true;
  CloseFlow("c");  // its close is already done and nothing waits: written at once
  EXPECT_EQ(Written(), (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(ReportSinkTest, ManyWaitingEntriesComeOutInOrderAsClosesFinish) {
  // Closes finish in uneven steps while more flows close, so written entries are dropped
  // from the front again and again while others still wait.
  std::vector<std::string> expected;
  std::uint64_t finished = 0;
  for (int i = 0; i < 600; ++i) {
    expected.push_back("f" + std::to_string(i));
    CloseFlow(expected.back());
    if (i % 7 == 3) {
      while (finished < ticket_ - static_cast<std::uint64_t>(i % 5)) fs_.done[++finished] = true;
      sink_.WriteReady(false);
      ASSERT_EQ(WrittenCount(), finished) << "after flow " << i;
    }
  }
  while (finished < ticket_) fs_.done[++finished] = true;
  sink_.WriteReady(false);
  EXPECT_EQ(Written(), expected);
}

TEST_F(ReportSinkTest, FailedOrMissingClosesAreMarkedIncompleteAtTheEnd) {
  CloseFlow("ok");
  CloseFlow("failed");
  CloseFlow("never");
  fs_.done[1] = true;
  fs_.done[2] = false;
  sink_.WriteReady(false);
  EXPECT_EQ(Written(), (std::vector<std::string>{"ok", "failed!"}));
  sink_.WriteReady(true);
  EXPECT_EQ(Written(), (std::vector<std::string>{"ok", "failed!", "never!"}));
  sink_.WriteReady(true);
  EXPECT_EQ(Written().size(), 3u) << "nothing is written twice";
}

TEST_F(ReportSinkTest, TheCloseEventSaysWhatTheFileHolds) {
  fs_.done[1] = true;
  fs_.done[2] = true;
  CloseFlow("whole");
  CloseFlow("cut", /*incomplete=*/true);
  EXPECT_EQ(Written(), (std::vector<std::string>{"whole", "cut!"}));
  EXPECT_NE(out_.str().find("<filesize>7</filesize>"), std::string::npos);
  Flow no_file(FlowKey{}, limits_, budget_);
  sink_.OnFlowClose(no_file, StoredFile{});  // ticket 0 is always done
  EXPECT_EQ(WrittenCount(), 3u);
  EXPECT_EQ(Written().size(), 2u) << "a flow without a file has no <filename>";
}

}  // namespace
}  // namespace tcpflow
