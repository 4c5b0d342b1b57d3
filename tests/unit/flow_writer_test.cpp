// flow_writer_test.cpp: flow files by name and offset, -b, front insertion, write errors, and
// the POSIX file system's open-file budget.
#include "flow_writer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/memory_flow_files.h"
#include "common/temp_dir.h"
#include "output_dir.h"

namespace tcpflow {
namespace {

using testing::B;

class FlowWriterTest : public ::testing::Test, protected testing::MemoryFlowFiles {};

TEST_F(FlowWriterTest, NoDataNoFile) {
  FlowFileWriter w(output_, reassembly_, tmpl_, fs_);
  Flow flow(key_, limits_, budget_);
  const StoredFile file = w.OnFlowClose(flow);
  EXPECT_TRUE(fs_.files().empty());
  EXPECT_EQ(file.name, "");
  EXPECT_EQ(file.close_ticket, 0u);
}

TEST_F(FlowWriterTest, WritesAtOffsetsAndUsesOutdirPrefix) {
  output_.outdir = "out";
  FlowFileWriter w(output_, reassembly_, tmpl_, fs_);
  Flow flow(key_, limits_, budget_);
  const std::string* created = w.OnData(flow, 4, B("BBBB"));
  ASSERT_NE(created, nullptr);
  EXPECT_EQ(*created, "out/" + name_);
  EXPECT_EQ(w.OnData(flow, 0, B("AAAA")), nullptr) << "the file is created once";
  const StoredFile file = w.OnFlowClose(flow);
  EXPECT_EQ(Contents("out/" + name_), "AAAABBBB");
  EXPECT_EQ(file.name, "out/" + name_);
  EXPECT_EQ(file.logical_size, 8u);
  EXPECT_FALSE(file.incomplete);
}

TEST_F(FlowWriterTest, ExistingNameTakesNextCounter) {
  FlowFileWriter w(output_, reassembly_, tmpl_, fs_);
  Flow first(key_, limits_, budget_);
  Flow second(key_, limits_, budget_);
  w.OnData(first, 0, B("1"));
  const std::string* created = w.OnData(second, 0, B("2"));
  ASSERT_NE(created, nullptr);
  EXPECT_EQ(*created, name_ + "c1");
  EXPECT_EQ(second.output.counter, 1u);
}

TEST_F(FlowWriterTest, ByteCapCutsFileNotLogicalSize) {
  reassembly_.max_bytes_per_flow = 5;
  FlowFileWriter w(output_, reassembly_, tmpl_, fs_);
  Flow flow(key_, limits_, budget_);
  w.OnData(flow, 0, B("AAAA"));
  w.OnData(flow, 4, B("BBBB"));
  w.OnData(flow, 9, B("CC"));
  EXPECT_EQ(Contents(name_), "AAAAB");
  EXPECT_EQ(w.OnFlowClose(flow).logical_size, 11u);
}

TEST_F(FlowWriterTest, ZeroCapStillCreatesEmptyFile) {
  reassembly_.max_bytes_per_flow = 0;
  FlowFileWriter w(output_, reassembly_, tmpl_, fs_);
  Flow flow(key_, limits_, budget_);
  w.OnData(flow, 0, B("AAAA"));
  EXPECT_EQ(Contents(name_), "");
}

TEST_F(FlowWriterTest, ShiftMovesStoredBytesUp) {
  FlowFileWriter w(output_, reassembly_, tmpl_, fs_);
  Flow flow(key_, limits_, budget_);
  w.OnData(flow, 0, B("BBBBCCCC"));
  w.OnShift(flow, 4);
  EXPECT_EQ(Contents(name_), std::string("\0\0\0\0BBBBCCCC", 12));
  w.OnData(flow, 0, B("AAAA"));
  EXPECT_EQ(Contents(name_), "AAAABBBBCCCC");
  EXPECT_EQ(w.OnFlowClose(flow).logical_size, 12u);
}

TEST_F(FlowWriterTest, ShiftRespectsByteCap) {
  reassembly_.max_bytes_per_flow = 6;
  FlowFileWriter w(output_, reassembly_, tmpl_, fs_);
  Flow flow(key_, limits_, budget_);
  w.OnData(flow, 0, B("BBBBCCCC"));
  w.OnShift(flow, 4);
  w.OnData(flow, 0, B("AAAA"));
  EXPECT_EQ(Contents(name_), "AAAABB");
}

TEST_F(FlowWriterTest, StoreOutputOffWritesNothing) {
  output_.store_output = false;
  FlowFileWriter w(output_, reassembly_, tmpl_, fs_);
  Flow flow(key_, limits_, budget_);
  w.OnData(flow, 0, B("AAAA"));
  EXPECT_EQ(w.OnFlowClose(flow).logical_size, 4u);
  EXPECT_TRUE(fs_.files().empty());
}

TEST_F(FlowWriterTest, WriteErrorIsReported) {
  FlowFileWriter w(output_, reassembly_, tmpl_, fs_);
  Flow flow(key_, limits_, budget_);
  fs_.FailWrites("No space left on device");
  w.OnData(flow, 0, B("AAAA"));
  EXPECT_TRUE(w.failed());
  EXPECT_NE(w.error().find("No space left on device"), std::string::npos);
  EXPECT_TRUE(w.OnFlowClose(flow).incomplete)
      << "a flow closed after a write error is not vouched for";
}

TEST_F(FlowWriterTest, RemembersClosedFlowsAndReadsTheirFilesBack) {
  FlowFileWriter w(output_, reassembly_, tmpl_, fs_);
  Flow flow(key_, limits_, budget_);
  flow.isn = 41;
  w.OnData(flow, 0, B("AAAABBBB"));
  EXPECT_EQ(w.FindClosed(key_), nullptr) << "still open";
  w.OnFlowClose(flow);
  const ClosedFlow* closed = w.FindClosed(key_);
  ASSERT_NE(closed, nullptr);
  EXPECT_EQ(closed->isn, 41u);
  EXPECT_EQ(closed->size, 8u);
  EXPECT_EQ(closed->name, name_);
  EXPECT_TRUE(w.Holds(*closed, 4, B("BBBB")));
  EXPECT_FALSE(w.Holds(*closed, 4, B("BBBX")));
  EXPECT_FALSE(w.Holds(*closed, 6, B("BBBB"))) << "beyond the end";
  EXPECT_EQ(w.FindClosed(key_.Reversed()), nullptr);

  Flow no_file(key_.Reversed(), limits_, budget_);
  w.OnFlowClose(no_file);
  EXPECT_EQ(w.FindClosed(key_.Reversed()), nullptr) << "only flows with a file are remembered";
}

TEST_F(FlowWriterTest, KeepsABoundedListOfClosedFlows) {
  FlowFileWriter w(output_, reassembly_, tmpl_, fs_);
  FlowKey first = key_;
  for (std::size_t i = 0; i <= FlowFileWriter::kRecentlyClosedKept; ++i) {
    FlowKey key = key_;
    key.src_port = static_cast<std::uint16_t>(100 + i);
    if (i == 0) first = key;
    Flow flow(key, limits_, budget_);
    w.OnData(flow, 0, B("x"));
    w.OnFlowClose(flow);
  }
  EXPECT_EQ(w.FindClosed(first), nullptr) << "the oldest is forgotten";
  FlowKey last = key_;
  last.src_port = static_cast<std::uint16_t>(100 + FlowFileWriter::kRecentlyClosedKept);
  EXPECT_NE(w.FindClosed(last), nullptr);
}

TEST_F(FlowWriterTest, TemplateWithoutCounterRefusesToOverwrite) {
  std::string err;
  auto fixed = *FilenameTemplate::Parse("fixed", &err);
  FlowFileWriter w(output_, reassembly_, fixed, fs_);
  Flow a(key_, limits_, budget_);
  Flow b(key_, limits_, budget_);
  w.OnData(a, 0, B("1"));
  w.OnData(b, 0, B("2"));
  EXPECT_TRUE(w.failed());
  EXPECT_EQ(Contents("fixed"), "1");
}

// The real file system: many files through one descriptor give the same bytes.
TEST(PosixOutputFsTest, OneDescriptorBudgetGivesSameOutput) {
  const testing::TempDir temp;
  ASSERT_TRUE(temp.ok());
  const std::string& dir = temp.path();
  {
    PosixOutputFs fs(1);
    std::vector<FileId> ids(10);
    for (int i = 0; i < 10; ++i) {
      ASSERT_EQ(fs.CreateExclusive(dir + "/sub/f" + std::to_string(i), &ids[i]),
                OutputFs::CreateStatus::kCreated);
    }
    for (int round = 0; round < 3; ++round) {
      for (int i = 0; i < 10; ++i) {
        std::string s = std::to_string(i) + std::to_string(round);
        ASSERT_TRUE(fs.WriteAt(ids[i], static_cast<std::uint64_t>(round) * 2, B(s)));
        EXPECT_LE(fs.open_descriptors(), 1u);
      }
    }
    FileId dup = 0;
    EXPECT_EQ(fs.CreateExclusive(dir + "/sub/f3", &dup), OutputFs::CreateStatus::kExists);
    Timeval t{1600000000, 250000};
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(fs.Close(ids[i], &t));
    EXPECT_EQ(fs.peak_descriptors(), 1u);
  }
  EXPECT_EQ(testing::ReadFile(dir + "/sub/f7"), "707172");
  struct stat st {};
  ASSERT_EQ(::stat((dir + "/sub/f7").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtime, 1600000000) << "closing sets the flow's first-packet time";
}

TEST(PosixOutputFsTest, MakeDirsFailsOnFile) {
  const testing::TempDir temp;
  ASSERT_TRUE(temp.ok());
  const std::string& dir = temp.path();
  std::ofstream(dir + "/file") << "x";
  PosixOutputFs fs(4);
  EXPECT_FALSE(fs.MakeDirs(dir + "/file"));
  EXPECT_NE(fs.error().find("not a directory"), std::string::npos);
  FileId id = 0;
  EXPECT_EQ(fs.CreateExclusive(dir + "/file/x", &id), OutputFs::CreateStatus::kError);
}

}  // namespace
}  // namespace tcpflow
