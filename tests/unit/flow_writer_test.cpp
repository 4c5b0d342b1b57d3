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
  w.OnFlowOpen(flow);
  w.OnFlowClose(flow);
  EXPECT_TRUE(fs_.files().empty());
}

TEST_F(FlowWriterTest, WritesAtOffsetsAndUsesOutdirPrefix) {
  output_.outdir = "out";
  FlowFileWriter w(output_, reassembly_, tmpl_, fs_);
  Flow flow(key_, limits_, budget_);
  w.OnData(flow, 4, B("BBBB"), Timeval{});
  w.OnData(flow, 0, B("AAAA"), Timeval{});
  w.OnFlowClose(flow);
  EXPECT_EQ(Contents("out/" + name_), "AAAABBBB");
  EXPECT_EQ(flow.output.filename, "out/" + name_);
  EXPECT_EQ(flow.output.logical_size, 8u);
}

TEST_F(FlowWriterTest, ExistingNameTakesNextCounter) {
  FlowFileWriter w(output_, reassembly_, tmpl_, fs_);
  Flow first(key_, limits_, budget_);
  Flow second(key_, limits_, budget_);
  w.OnData(first, 0, B("1"), Timeval{});
  w.OnData(second, 0, B("2"), Timeval{});
  EXPECT_EQ(second.output.filename, name_ + "c1");
  EXPECT_EQ(second.output.counter, 1u);
}

TEST_F(FlowWriterTest, ByteCapCutsFileNotLogicalSize) {
  reassembly_.max_bytes_per_flow = 5;
  FlowFileWriter w(output_, reassembly_, tmpl_, fs_);
  Flow flow(key_, limits_, budget_);
  w.OnData(flow, 0, B("AAAA"), Timeval{});
  w.OnData(flow, 4, B("BBBB"), Timeval{});
  w.OnData(flow, 9, B("CC"), Timeval{});
  EXPECT_EQ(Contents(name_), "AAAAB");
  EXPECT_EQ(flow.output.logical_size, 11u);
}

TEST_F(FlowWriterTest, ZeroCapStillCreatesEmptyFile) {
  reassembly_.max_bytes_per_flow = 0;
  FlowFileWriter w(output_, reassembly_, tmpl_, fs_);
  Flow flow(key_, limits_, budget_);
  w.OnData(flow, 0, B("AAAA"), Timeval{});
  EXPECT_EQ(Contents(name_), "");
}

TEST_F(FlowWriterTest, ShiftMovesStoredBytesUp) {
  FlowFileWriter w(output_, reassembly_, tmpl_, fs_);
  Flow flow(key_, limits_, budget_);
  w.OnData(flow, 0, B("BBBBCCCC"), Timeval{});
  w.OnShift(flow, 4);
  EXPECT_EQ(Contents(name_), std::string("\0\0\0\0BBBBCCCC", 12));
  w.OnData(flow, 0, B("AAAA"), Timeval{});
  EXPECT_EQ(Contents(name_), "AAAABBBBCCCC");
  EXPECT_EQ(flow.output.logical_size, 12u);
}

TEST_F(FlowWriterTest, ShiftRespectsByteCap) {
  reassembly_.max_bytes_per_flow = 6;
  FlowFileWriter w(output_, reassembly_, tmpl_, fs_);
  Flow flow(key_, limits_, budget_);
  w.OnData(flow, 0, B("BBBBCCCC"), Timeval{});
  w.OnShift(flow, 4);
  w.OnData(flow, 0, B("AAAA"), Timeval{});
  EXPECT_EQ(Contents(name_), "AAAABB");
}

TEST_F(FlowWriterTest, StoreOutputOffWritesNothing) {
  output_.store_output = false;
  FlowFileWriter w(output_, reassembly_, tmpl_, fs_);
  Flow flow(key_, limits_, budget_);
  w.OnData(flow, 0, B("AAAA"), Timeval{});
  EXPECT_TRUE(fs_.files().empty());
  EXPECT_EQ(flow.output.logical_size, 4u);
}

TEST_F(FlowWriterTest, WriteErrorIsReported) {
  FlowFileWriter w(output_, reassembly_, tmpl_, fs_);
  Flow flow(key_, limits_, budget_);
  fs_.FailWrites("No space left on device");
  w.OnData(flow, 0, B("AAAA"), Timeval{});
  EXPECT_TRUE(w.failed());
  EXPECT_NE(w.error().find("No space left on device"), std::string::npos);
  w.OnFlowClose(flow);
  EXPECT_TRUE(flow.output.incomplete) << "a flow closed after a write error is not vouched for";
}

TEST_F(FlowWriterTest, TemplateWithoutCounterRefusesToOverwrite) {
  std::string err;
  auto fixed = *FilenameTemplate::Parse("fixed", &err);
  FlowFileWriter w(output_, reassembly_, fixed, fs_);
  Flow a(key_, limits_, budget_);
  Flow b(key_, limits_, budget_);
  w.OnData(a, 0, B("1"), Timeval{});
  w.OnData(b, 0, B("2"), Timeval{});
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
