// output_dir_test.cpp: what the run asks the file system about the output folder (Stat,
// CheckWritable) and report.xml's stream (CreateStream), on disk and in memory. The flow-file
// calls are tested with their writers (flow_writer_test, pcap_writer_test, async_output_fs_test).
#include "output_dir.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <ostream>
#include <string>

#include "common/temp_dir.h"

namespace tcpflow {
namespace {

using testing::ReadFile;
using testing::TempDir;
using PathKind = OutputFs::PathKind;

std::string Text(const MemoryOutputFs& fs, const std::string& path) {
  const auto it = fs.files().find(path);
  if (it == fs.files().end()) return "<missing>";
  return std::string(it->second.bytes.begin(), it->second.bytes.end());
}

TEST(PosixOutputFsTest, StatTellsFoldersFromFiles) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  PosixOutputFs fs(4);
  ASSERT_TRUE(std::filesystem::create_directory(dir / "sub"));
  { std::ofstream(dir / "file") << "x"; }
  EXPECT_EQ(fs.Stat(dir / "sub"), PathKind::kDirectory);
  EXPECT_EQ(fs.Stat(dir / "file"), PathKind::kOther);
  EXPECT_EQ(fs.Stat(dir / "none"), PathKind::kNone);
  EXPECT_EQ(fs.Stat(dir / "file/below"), PathKind::kNone);
}

TEST(PosixOutputFsTest, CheckWritableNamesTheFolderAndTheReason) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  PosixOutputFs fs(4);
  EXPECT_TRUE(fs.CheckWritable(dir.path())) << fs.error();
  EXPECT_FALSE(fs.CheckWritable(dir / "none"));
  EXPECT_EQ(fs.error(),
            "cannot write to output directory " + dir / "none" + ": No such file or directory");
}

TEST(PosixOutputFsTest, CreateStreamTruncatesAndWritesInOrder) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  { std::ofstream(dir / "report.xml") << "an older and longer report"; }
  PosixOutputFs fs(1);
  {
    std::unique_ptr<std::streambuf> file = fs.CreateStream(dir / "report.xml");
    ASSERT_NE(file, nullptr) << fs.error();
    std::ostream out(file.get());
    out << "<dfxml>" << 42 << "</dfxml>";
    out.flush();
    EXPECT_TRUE(out.good());
    EXPECT_EQ(fs.open_descriptors(), 0u) << "outside the flow files' budget";
  }
  EXPECT_EQ(ReadFile(dir / "report.xml"), "<dfxml>42</dfxml>");
}

TEST(PosixOutputFsTest, CreateStreamMakesNoFolders) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  PosixOutputFs fs(4);
  EXPECT_EQ(fs.CreateStream(dir / "none/report.xml"), nullptr);
  EXPECT_EQ(fs.error(), "cannot create " + dir / "none/report.xml" + ": No such file or directory");
  EXPECT_EQ(fs.CreateStream(dir.path()), nullptr);
  EXPECT_EQ(fs.error(), "cannot create " + dir.path() + ": Is a directory");
}

TEST(MemoryOutputFsTest, StatKnowsFilesAndTheFoldersMadeOrHoldingThem) {
  MemoryOutputFs fs;
  EXPECT_EQ(fs.Stat("out"), PathKind::kNone);
  ASSERT_TRUE(fs.MakeDirs("out/a/b"));
  EXPECT_EQ(fs.Stat("out"), PathKind::kDirectory);
  EXPECT_EQ(fs.Stat("out/a/b"), PathKind::kDirectory);
  FileId id = 0;
  ASSERT_EQ(fs.CreateExclusive("flows/x/f", &id), OutputFs::CreateStatus::kCreated);
  EXPECT_EQ(fs.Stat("flows/x/f"), PathKind::kOther);
  EXPECT_EQ(fs.Stat("flows/x"), PathKind::kDirectory);
  EXPECT_EQ(fs.Stat("flows"), PathKind::kDirectory);
  EXPECT_EQ(fs.Stat("flow"), PathKind::kNone);
}

TEST(MemoryOutputFsTest, CheckWritableRefusesReadOnlyFolders) {
  MemoryOutputFs fs;
  fs.read_only_dirs.insert("ro");
  EXPECT_TRUE(fs.CheckWritable("out"));
  EXPECT_FALSE(fs.CheckWritable("ro"));
  EXPECT_EQ(fs.error(), "cannot write to output directory ro: Permission denied");
}

TEST(MemoryOutputFsTest, CreateStreamWritesAtOnceAndFailsLikeWriteAt) {
  MemoryOutputFs fs;
  FileId id = 0;
  ASSERT_EQ(fs.CreateExclusive("report.xml", &id), OutputFs::CreateStatus::kCreated);
  ASSERT_TRUE(fs.WriteAt(id, 0, Bytes(reinterpret_cast<const std::uint8_t*>("old"), 3)));
  std::unique_ptr<std::streambuf> file = fs.CreateStream("report.xml");
  ASSERT_NE(file, nullptr);
  std::ostream out(file.get());
  out << "<dfxml>" << 'x';
  EXPECT_EQ(Text(fs, "report.xml"), "<dfxml>x");
  fs.max_file_bytes = 10;
  out << "0123";
  EXPECT_TRUE(out.fail()) << "past max_file_bytes";
  EXPECT_EQ(fs.error(), "write error on report.xml: No space left on device");
  EXPECT_EQ(Text(fs, "report.xml"), "<dfxml>x");
}

}  // namespace
}  // namespace tcpflow
