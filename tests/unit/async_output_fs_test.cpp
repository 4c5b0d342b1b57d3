// async_output_fs_test.cpp: the background-writer file system against the in-memory model, its
// name rules, close tickets, write failures, descriptor budget and shutdown, on a real temp dir.
#include "async_output_fs.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <ostream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/temp_dir.h"
#include "output_dir.h"

namespace tcpflow {
namespace {

using Status = OutputFs::CreateStatus;
using testing::B;
using testing::ReadFile;
using testing::TempDir;

Bytes B(const std::vector<std::uint8_t>& v) {
  return Bytes(v.data(), v.size());
}

std::string AsString(const std::vector<std::uint8_t>& v) {
  return std::string(v.begin(), v.end());
}

void WriteDisk(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

bool IsDir(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Descriptors this process holds (the iterator's own is counted every time alike).
std::size_t FdCount() {
  return static_cast<std::size_t>(std::distance(
      std::filesystem::directory_iterator("/proc/self/fd"), std::filesystem::directory_iterator()));
}

std::vector<std::uint8_t> RandomBytes(std::mt19937_64& rng, std::size_t n) {
  std::vector<std::uint8_t> out(n);
  std::size_t i = 0;
  while (i < n) {
    std::uint64_t word = rng();
    for (int k = 0; k < 8 && i < n; ++k, word >>= 8) out[i++] = static_cast<std::uint8_t>(word);
  }
  return out;
}

// `n` bytes of a deterministic, non-repeating-looking stream (for large files checked without
// a model); `salt` tells files apart.
std::vector<std::uint8_t> Pattern(std::size_t n, std::uint64_t salt) {
  std::vector<std::uint8_t> out(n);
  for (std::size_t i = 0; i < n; ++i)
    out[i] = static_cast<std::uint8_t>((i * 131) ^ (i >> 9) ^ salt);
  return out;
}

// ---------------------------------------------------------------- differential test

struct DiffParams {
  std::size_t writers;
  std::size_t max_open;
};

void PrintTo(const DiffParams& params, std::ostream* out) {
  *out << params.writers << " writers, max_open " << params.max_open;
}

class AsyncOutputFsDiffTest : public ::testing::TestWithParam<DiffParams> {};

// Drives AsyncOutputFs and MemoryOutputFs with the same seeded random calls; every answer
// must agree, and after Flush() the disk must hold exactly the model's files and times.
TEST_P(AsyncOutputFsDiffTest, MatchesMemoryModel) {
  const DiffParams params = GetParam();
  const std::uint64_t seed = 0x5eed0000 + params.writers * 100 + params.max_open;
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  auto pick = [&rng](std::size_t n) { return static_cast<std::size_t>(rng() % n); };

  TempDir dir;
  ASSERT_TRUE(dir.ok());
  AsyncOutputFs fs(params.max_open, params.writers);
  MemoryOutputFs model;

  struct OpenFile {
    std::string path;
    FileId real = 0;
    FileId mem = 0;
  };
  std::vector<OpenFile> open;
  std::vector<std::string> created;  // every name made so far
  std::set<std::uint64_t> tickets;
  const char* const kFolders[] = {"a", "b", "b/c", "d/e/f"};
  const std::size_t kFiles = 300;
  std::size_t ops = 0;

  auto model_size = [&](const std::string& path) -> std::uint64_t {
    return model.files().at(path).bytes.size();
  };
  auto compare_read = [&](const std::string& what, std::optional<std::size_t> got,
                          const std::vector<std::uint8_t>& got_bytes,
                          std::optional<std::size_t> want,
                          const std::vector<std::uint8_t>& want_bytes) {
    ASSERT_EQ(got.has_value(), want.has_value()) << what << ": " << fs.error();
    if (!got) return;
    ASSERT_EQ(*got, *want) << what;
    ASSERT_TRUE(std::equal(got_bytes.begin(), got_bytes.begin() + static_cast<std::ptrdiff_t>(*got),
                           want_bytes.begin()))
        << what << ": bytes differ";
  };

  while (created.size() < kFiles || !open.empty()) {
    ++ops;
    const std::size_t roll = pick(100);
    const bool may_create = created.size() < kFiles && open.size() < 40;
    if (open.empty() || (may_create && roll < 9)) {
      if (!may_create) break;
      const std::size_t kind = pick(100);
      OpenFile file;
      if (kind < 10 && !created.empty()) {
        // A name already used: both must refuse it.
        const std::string& path = created[pick(created.size())];
        FileId real = 0;
        FileId mem = 0;
        ASSERT_EQ(fs.CreateExclusive(path, &real), Status::kExists) << path << ": " << fs.error();
        ASSERT_EQ(model.CreateExclusive(path, &mem), Status::kExists) << path;
        continue;
      }
      if (kind < 16 && !created.empty()) {
        // Truncate a name that is not open (it may still have writes on their way to disk).
        file.path = created[pick(created.size())];
        bool is_open = false;
        for (const OpenFile& f : open) is_open = is_open || f.path == file.path;
        if (is_open) continue;
        ASSERT_EQ(fs.CreateOrTruncate(file.path, &file.real), Status::kCreated) << fs.error();
        ASSERT_EQ(model.CreateOrTruncate(file.path, &file.mem), Status::kCreated);
      } else {
        file.path = dir / (std::string(kFolders[pick(4)]) + "/f" + std::to_string(created.size()));
        ASSERT_EQ(fs.CreateExclusive(file.path, &file.real), Status::kCreated)
            << file.path << ": " << fs.error();
        ASSERT_EQ(model.CreateExclusive(file.path, &file.mem), Status::kCreated);
        created.push_back(file.path);
      }
      open.push_back(file);
    } else if (roll < 72) {
      const OpenFile& file = open[pick(open.size())];
      const std::uint64_t size = model_size(file.path);
      const std::size_t kind = pick(1000);
      std::uint64_t offset = size;
      std::size_t length = 1 + pick(3000);
      if (kind < 5) {
        length = 256 * 1024 + 1 + pick(350 * 1024);  // larger than one chunk
      } else if (kind < 90) {
        offset = size + 1 + pick(5000);  // a hole
      } else if (kind < 190 && size > 0) {
        offset = pick(size);  // rewrite of earlier bytes (maybe growing the file)
        length = 1 + pick(static_cast<std::size_t>(std::min<std::uint64_t>(size, 4000)));
      } else if (kind < 200) {
        length = 0;
      }
      const std::vector<std::uint8_t> data = RandomBytes(rng, length);
      ASSERT_TRUE(fs.WriteAt(file.real, offset, B(data))) << fs.error();
      ASSERT_TRUE(model.WriteAt(file.mem, offset, B(data)));
    } else if (roll < 75) {
      const OpenFile& file = open[pick(open.size())];
      const std::uint64_t size = model_size(file.path);
      const std::uint64_t offset = pick(static_cast<std::size_t>(size + 10));
      std::vector<std::uint8_t> got(1 + pick(70000));
      std::vector<std::uint8_t> want(got.size());
      const auto got_n = fs.ReadAt(file.real, offset, got);
      const auto want_n = model.ReadAt(file.mem, offset, want);
      ASSERT_NO_FATAL_FAILURE(compare_read("ReadAt " + file.path, got_n, got, want_n, want));
    } else if (roll < 77 && !created.empty()) {
      const std::string& path = created[pick(created.size())];
      std::vector<std::uint8_t> got(1 + pick(600000));
      std::vector<std::uint8_t> want(got.size());
      const auto got_n = fs.ReadPath(path, 0, got);
      const auto want_n = model.ReadPath(path, 0, want);
      ASSERT_NO_FATAL_FAILURE(compare_read("ReadPath " + path, got_n, got, want_n, want));
    } else if (roll < 78) {
      ASSERT_TRUE(fs.Flush()) << fs.error();
    } else {
      const std::size_t index = pick(open.size());
      const OpenFile file = open[index];
      open.erase(open.begin() + static_cast<std::ptrdiff_t>(index));
      Timeval mtime{1500000000 + static_cast<std::int64_t>(pick(100000000)),
                    static_cast<std::int32_t>(pick(1000000))};
      const Timeval* when = pick(5) == 0 ? nullptr : &mtime;
      ASSERT_TRUE(fs.Close(file.real, when)) << fs.error();
      ASSERT_TRUE(model.Close(file.mem, when));
      const std::uint64_t ticket = fs.LastCloseTicket();
      EXPECT_NE(ticket, 0u);
      EXPECT_TRUE(tickets.insert(ticket).second) << "ticket " << ticket << " given twice";
    }
    ASSERT_LE(fs.open_descriptors(), params.max_open);
    if (pick(50) == 0 && !tickets.empty()) {
      // A close is pending or succeeded; nothing failed in this run.
      EXPECT_NE(fs.CloseDone(*tickets.begin()), std::optional<bool>(false));
    }
  }

  ASSERT_TRUE(fs.Flush()) << fs.error();
  EXPECT_EQ(fs.open_descriptors(), 0u);
  for (std::uint64_t ticket : tickets) {
    EXPECT_EQ(fs.CloseDone(ticket), std::optional<bool>(true)) << "ticket " << ticket;
  }
  std::size_t on_disk = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.path())) {
    if (entry.is_regular_file()) ++on_disk;
  }
  EXPECT_EQ(on_disk, model.files().size());
  for (const auto& [path, file] : model.files()) {
    const auto bytes = ReadFile(path);
    ASSERT_TRUE(bytes.has_value()) << path;
    ASSERT_EQ(bytes->size(), file.bytes.size()) << path;
    EXPECT_TRUE(*bytes == AsString(file.bytes)) << path << ": bytes differ";
    if (file.mtime) {
      struct stat st {};
      ASSERT_EQ(::stat(path.c_str(), &st), 0) << path;
      EXPECT_EQ(st.st_mtime, file.mtime->sec) << path;
      EXPECT_EQ(st.st_mtim.tv_nsec / 1000, file.mtime->usec) << path;
    }
  }
  EXPECT_GT(ops, kFiles);
}

INSTANTIATE_TEST_SUITE_P(WritersAndBudgets, AsyncOutputFsDiffTest,
                         ::testing::Values(DiffParams{1, 1}, DiffParams{1, 3}, DiffParams{1, 64},
                                           DiffParams{2, 1}, DiffParams{2, 3}, DiffParams{2, 64},
                                           DiffParams{8, 1}, DiffParams{8, 3}, DiffParams{8, 64}),
                         [](const ::testing::TestParamInfo<DiffParams>& info) {
                           return "W" + std::to_string(info.param.writers) + "Open" +
                                  std::to_string(info.param.max_open);
                         });

// ---------------------------------------------------------------- names

TEST(AsyncOutputFsNameTest, OwnNameExistsRightAfterCreate) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  AsyncOutputFs fs(8, 2);
  FileId id = 0;
  FileId other = 0;
  ASSERT_EQ(fs.CreateExclusive(dir / "x/a", &id), Status::kCreated);
  EXPECT_EQ(fs.CreateExclusive(dir / "x/a", &other), Status::kExists) << "before the writers ran";
  ASSERT_TRUE(fs.WriteAt(id, 0, B("data")));
  EXPECT_EQ(fs.CreateExclusive(dir / "x/a", &other), Status::kExists);
  ASSERT_TRUE(fs.Close(id, nullptr));
  EXPECT_EQ(fs.CreateExclusive(dir / "x/a", &other), Status::kExists) << "after the close";
  // CreateOrTruncate also claims its name.
  ASSERT_EQ(fs.CreateOrTruncate(dir / "x/t", &id), Status::kCreated);
  EXPECT_EQ(fs.CreateExclusive(dir / "x/t", &other), Status::kExists);
  ASSERT_TRUE(fs.Close(id, nullptr));
  EXPECT_EQ(fs.CreateExclusive(dir / "x/b", &other), Status::kCreated);
  ASSERT_TRUE(fs.Close(other, nullptr));
  ASSERT_TRUE(fs.Flush()) << fs.error();
  EXPECT_EQ(ReadFile(dir / "x/a"), "data");
  EXPECT_EQ(ReadFile(dir / "x/b"), "");
}

TEST(AsyncOutputFsNameTest, FolderWithEarlierFilesIsAsked) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  ASSERT_TRUE(std::filesystem::create_directory(dir / "old"));
  WriteDisk(dir / "old/f1", "earlier run");
  ASSERT_TRUE(std::filesystem::create_directory(dir / "old/sub"));
  AsyncOutputFs fs(4, 2);
  FileId id = 0;
  EXPECT_EQ(fs.CreateExclusive(dir / "old/f1", &id), Status::kExists);
  EXPECT_EQ(fs.CreateExclusive(dir / "old/sub", &id), Status::kExists) << "a folder is a name too";
  ASSERT_EQ(fs.CreateExclusive(dir / "old/f2", &id), Status::kCreated) << fs.error();
  ASSERT_TRUE(fs.WriteAt(id, 0, B("new")));
  ASSERT_TRUE(fs.Close(id, nullptr));
  ASSERT_TRUE(fs.Flush()) << fs.error();
  EXPECT_EQ(ReadFile(dir / "old/f1"), "earlier run");
  EXPECT_EQ(ReadFile(dir / "old/f2"), "new");
}

// report.xml is written beside the flow files as a stream, on the packet thread: the folder
// still counts as fresh, and the stream's name itself is taken.
TEST(AsyncOutputFsNameTest, StreamNameIsTakenInFreshFolder) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  ASSERT_TRUE(std::filesystem::create_directory(dir / "out"));
  AsyncOutputFs fs(4, 2);
  {
    std::unique_ptr<std::streambuf> report = fs.CreateStream(dir / "out/report.xml");
    ASSERT_NE(report, nullptr) << fs.error();
    std::ostream out(report.get());
    out << "<dfxml/>";
  }
  FileId id = 0;
  EXPECT_EQ(fs.CreateExclusive(dir / "out/report.xml", &id), Status::kExists);
  ASSERT_EQ(fs.CreateExclusive(dir / "out/f1", &id), Status::kCreated) << fs.error();
  ASSERT_TRUE(fs.WriteAt(id, 0, B("flow")));
  ASSERT_TRUE(fs.Close(id, nullptr));
  ASSERT_TRUE(fs.Flush()) << fs.error();
  EXPECT_EQ(ReadFile(dir / "out/report.xml"), "<dfxml/>");
  EXPECT_EQ(ReadFile(dir / "out/f1"), "flow");
}

// The run's questions about the output folder are answered at once, on the packet thread, and a
// file whose create is still held counts as there.
TEST(AsyncOutputFsNameTest, StatSeesOwnQueuedFileAndStreamErrorsComeAtOnce) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  AsyncOutputFs fs(4, 2);
  FileId id = 0;
  ASSERT_EQ(fs.CreateExclusive(dir / "out/f", &id), Status::kCreated) << fs.error();
  EXPECT_EQ(fs.Stat(dir / "out/f"), OutputFs::PathKind::kOther);
  EXPECT_EQ(fs.Stat(dir / "out"), OutputFs::PathKind::kDirectory);
  EXPECT_EQ(fs.Stat(dir / "none"), OutputFs::PathKind::kNone);
  EXPECT_TRUE(fs.CheckWritable(dir / "out")) << fs.error();
  EXPECT_FALSE(fs.CheckWritable(dir / "none"));
  EXPECT_EQ(fs.error(),
            "cannot write to output directory " + dir / "none" + ": No such file or directory");
  EXPECT_EQ(fs.CreateStream(dir / "none/report.xml"), nullptr);
  EXPECT_EQ(fs.error(), "cannot create " + dir / "none/report.xml" + ": No such file or directory");
  ASSERT_TRUE(fs.Close(id, nullptr));
  ASSERT_TRUE(fs.Flush()) << fs.error();
}

TEST(AsyncOutputFsNameTest, ForeignFileInFreshFolderIsNeverClobbered) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  AsyncOutputFs fs(4, 1);
  FileId id = 0;
  ASSERT_EQ(fs.CreateExclusive(dir / "fresh/a", &id), Status::kCreated);
  ASSERT_TRUE(fs.Close(id, nullptr));
  ASSERT_TRUE(fs.Flush());
  // Another program drops a file into the folder the fs saw empty.
  WriteDisk(dir / "fresh/b", "theirs");
  const Status status = fs.CreateExclusive(dir / "fresh/b", &id);
  if (status == Status::kCreated) {
    fs.WriteAt(id, 0, B("ours"));
    fs.Close(id, nullptr);
    EXPECT_FALSE(fs.Flush()) << "the clash must be reported";
    EXPECT_TRUE(Contains(fs.error(), dir / "fresh/b")) << fs.error();
  } else {
    EXPECT_EQ(status, Status::kExists);
  }
  EXPECT_EQ(ReadFile(dir / "fresh/b"), "theirs");
}

TEST(AsyncOutputFsNameTest, CreateOrTruncateEmptiesAnExistingFile) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  WriteDisk(dir / "t", "a much longer earlier content");
  AsyncOutputFs fs(4, 2);
  FileId id = 0;
  ASSERT_EQ(fs.CreateOrTruncate(dir / "t", &id), Status::kCreated) << fs.error();
  ASSERT_TRUE(fs.WriteAt(id, 0, B("hi")));
  std::vector<std::uint8_t> buf(64);
  EXPECT_EQ(fs.ReadAt(id, 0, buf), std::optional<std::size_t>(2));
  ASSERT_TRUE(fs.Close(id, nullptr));
  ASSERT_TRUE(fs.Flush()) << fs.error();
  EXPECT_EQ(ReadFile(dir / "t"), "hi");
}

// Creates "a" and "b" (one on each writer of a two-writer fs), writes 20,000 separated
// 16-byte records to "a" and closes both. Each record is a system call of its own, so a's
// writer is still busy with them afterwards; the next handle is b's, on the other writer.
void LeaveFirstWriterBusy(AsyncOutputFs& fs, const TempDir& dir) {
  FileId a = 0;
  FileId b = 0;
  ASSERT_EQ(fs.CreateExclusive(dir / "a", &a), Status::kCreated);
  ASSERT_EQ(fs.CreateExclusive(dir / "b", &b), Status::kCreated);
  for (std::uint64_t i = 0; i < 20000; ++i)
    ASSERT_TRUE(fs.WriteAt(a, i * 32, B("0123456789abcdef")));
  ASSERT_TRUE(fs.Close(a, nullptr));
  ASSERT_TRUE(fs.Close(b, nullptr));
}

// The same name closed on one writer and truncated through a handle of another: the truncate
// must come after every byte the first handle wrote.
TEST(AsyncOutputFsNameTest, TruncateAfterCloseOnAnotherWriterComesLast) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  AsyncOutputFs fs(8, 2);
  ASSERT_NO_FATAL_FAILURE(LeaveFirstWriterBusy(fs, dir));
  FileId again = 0;
  ASSERT_EQ(fs.CreateOrTruncate(dir / "a", &again), Status::kCreated);
  ASSERT_TRUE(fs.WriteAt(again, 0, B("new")));
  ASSERT_TRUE(fs.Close(again, nullptr));
  ASSERT_TRUE(fs.Flush()) << fs.error();
  const auto bytes = ReadFile(dir / "a");
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(bytes->size(), 3u) << "old writes landed after the truncate";
  EXPECT_EQ(bytes->substr(0, 3), "new");
}

// A file closed on one writer and reopened through a handle of another: the reopen sees the
// whole file, and what it writes lands after every byte the first handle wrote.
TEST(AsyncOutputFsReopenTest, ReopenAfterCloseOnAnotherWriterAppendsAfterEverything) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  AsyncOutputFs fs(8, 2);
  ASSERT_NO_FATAL_FAILURE(LeaveFirstWriterBusy(fs, dir));
  FileId again = 0;
  std::uint64_t size = 0;
  ASSERT_TRUE(fs.OpenExisting(dir / "a", &again, &size)) << fs.error();
  EXPECT_EQ(size, 19999u * 32 + 16);
  ASSERT_TRUE(fs.WriteAt(again, size, B("tail")));
  ASSERT_TRUE(fs.Close(again, nullptr));
  ASSERT_TRUE(fs.Flush()) << fs.error();
  const auto bytes = ReadFile(dir / "a");
  ASSERT_TRUE(bytes.has_value());
  ASSERT_EQ(bytes->size(), size + 4);
  EXPECT_EQ(bytes->substr(0, 16), "0123456789abcdef");
  EXPECT_EQ(bytes->substr(size - 16), "0123456789abcdeftail");
}

TEST(AsyncOutputFsReopenTest, ForeignFileIsKeptAndMissingFileFails) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  WriteDisk(dir / "old", "earlier");
  AsyncOutputFs fs(4, 2);
  FileId id = 0;
  std::uint64_t size = 0;
  ASSERT_TRUE(fs.OpenExisting(dir / "old", &id, &size)) << fs.error();
  EXPECT_EQ(size, 7u);
  ASSERT_TRUE(fs.WriteAt(id, size, B("+more")));
  ASSERT_TRUE(fs.Close(id, nullptr));
  EXPECT_FALSE(fs.OpenExisting(dir / "missing", &id, &size));
  EXPECT_TRUE(Contains(fs.error(), dir / "missing")) << fs.error();
  EXPECT_FALSE(std::filesystem::exists(dir / "missing"));
  ASSERT_TRUE(fs.Flush()) << fs.error();
  EXPECT_EQ(ReadFile(dir / "old"), "earlier+more");
}

TEST(AsyncOutputFsNameTest, NestedFoldersAreMadeAtOnce) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  AsyncOutputFs fs(4, 2);
  FileId id = 0;
  ASSERT_EQ(fs.CreateExclusive(dir / "p/q/r/s/file", &id), Status::kCreated) << fs.error();
  EXPECT_TRUE(IsDir(dir / "p/q/r/s")) << "folders are made by the calling thread";
  ASSERT_TRUE(fs.MakeDirs(dir / "m/n")) << fs.error();
  EXPECT_TRUE(IsDir(dir / "m/n"));
  ASSERT_TRUE(fs.Close(id, nullptr));
  ASSERT_TRUE(fs.Flush()) << fs.error();
  EXPECT_EQ(ReadFile(dir / "p/q/r/s/file"), "");
}

TEST(AsyncOutputFsNameTest, PathUnderRegularFileFailsAtOnce) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  WriteDisk(dir / "plain", "x");
  AsyncOutputFs fs(4, 2);
  FileId id = 0;
  EXPECT_EQ(fs.CreateExclusive(dir / "plain/x", &id), Status::kError);
  EXPECT_TRUE(Contains(fs.error(), dir / "plain")) << fs.error();
  EXPECT_EQ(fs.CreateOrTruncate(dir / "plain/deeper/y", &id), Status::kError);
  EXPECT_TRUE(Contains(fs.error(), dir / "plain")) << fs.error();
  EXPECT_FALSE(fs.MakeDirs(dir / "plain/z"));
  EXPECT_EQ(ReadFile(dir / "plain"), "x");
  // A usage error on one path does not poison the file system.
  ASSERT_EQ(fs.CreateExclusive(dir / "ok", &id), Status::kCreated) << fs.error();
  ASSERT_TRUE(fs.Close(id, nullptr));
  EXPECT_TRUE(fs.Flush()) << fs.error();
}

// A file this run created (its create maybe still queued behind a large write) is not a folder.
TEST(AsyncOutputFsNameTest, PathUnderOwnQueuedFileFailsAtOnce) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  AsyncOutputFs fs(4, 1);
  FileId big = 0;
  FileId f = 0;
  FileId x = 0;
  ASSERT_EQ(fs.CreateExclusive(dir / "big", &big), Status::kCreated);
  ASSERT_TRUE(fs.WriteAt(big, 0, B(Pattern(12 * 1024 * 1024, 2))));  // keeps the writer busy
  ASSERT_EQ(fs.CreateExclusive(dir / "f", &f), Status::kCreated);
  EXPECT_EQ(fs.CreateExclusive(dir / "f/x", &x), Status::kError)
      << "made a folder where this run's file goes";
  EXPECT_TRUE(Contains(fs.error(), dir / "f")) << fs.error();
  ASSERT_TRUE(fs.Close(big, nullptr));
  EXPECT_TRUE(fs.Close(f, nullptr));
  EXPECT_TRUE(fs.Flush()) << fs.error();
  struct stat st {};
  ASSERT_EQ(::stat((dir / "f").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
}

// A folder this run made in a folder it saw empty is a taken name.
TEST(AsyncOutputFsNameTest, OwnFolderNameIsTaken) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  AsyncOutputFs fs(4, 1);
  FileId a = 0;
  FileId x = 0;
  FileId clash = 0;
  ASSERT_EQ(fs.CreateExclusive(dir / "d/a", &a), Status::kCreated);  // d is seen empty here
  ASSERT_EQ(fs.CreateExclusive(dir / "d/sub/x", &x), Status::kCreated);
  EXPECT_EQ(fs.CreateExclusive(dir / "d/sub", &clash), Status::kExists);
  ASSERT_TRUE(fs.Close(a, nullptr));
  ASSERT_TRUE(fs.Close(x, nullptr));
  EXPECT_TRUE(fs.Flush()) << fs.error();
}

// ---------------------------------------------------------------- reads

TEST(AsyncOutputFsReadTest, ReadsSeeEveryEarlierWrite) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  AsyncOutputFs fs(2, 2);
  FileId id = 0;
  ASSERT_EQ(fs.CreateExclusive(dir / "r/f", &id), Status::kCreated);
  ASSERT_TRUE(fs.WriteAt(id, 0, B("hello ")));
  ASSERT_TRUE(fs.WriteAt(id, 6, B("world")));  // contiguous: still gathered in memory
  std::vector<std::uint8_t> buf(32);
  ASSERT_EQ(fs.ReadAt(id, 0, buf), std::optional<std::size_t>(11)) << fs.error();
  EXPECT_EQ(std::string(buf.begin(), buf.begin() + 11), "hello world");
  ASSERT_TRUE(fs.WriteAt(id, 0, B("J")));   // an overwrite after a read
  ASSERT_TRUE(fs.WriteAt(id, 14, B("!")));  // and a hole
  const Timeval t{1234567890, 123456};
  ASSERT_TRUE(fs.Close(id, &t));
  // Right after the close, with nothing flushed: the path sees every byte.
  ASSERT_EQ(fs.ReadPath(dir / "r/f", 0, buf), std::optional<std::size_t>(15)) << fs.error();
  EXPECT_EQ(std::string(buf.begin(), buf.begin() + 15), std::string("Jello world\0\0\0!", 15));
  ASSERT_EQ(fs.ReadPath(dir / "r/f", 6, std::span<std::uint8_t>(buf.data(), 5)),
            std::optional<std::size_t>(5));
  EXPECT_EQ(std::string(buf.begin(), buf.begin() + 5), "world");
  EXPECT_EQ(fs.ReadPath(dir / "r/f", 100, buf), std::optional<std::size_t>(0));
  EXPECT_FALSE(fs.ReadPath(dir / "r/missing", 0, buf).has_value());
  EXPECT_TRUE(Contains(fs.error(), dir / "r/missing")) << fs.error();
  struct stat st {};
  ASSERT_EQ(::stat((dir / "r/f").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtime, 1234567890);
  EXPECT_TRUE(fs.Flush()) << "a failed read is not a write failure: " << fs.error();
}

TEST(AsyncOutputFsReadTest, ClosedOrUnknownHandlesAreRefused) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  AsyncOutputFs fs(4, 2);
  FileId id = 0;
  ASSERT_EQ(fs.CreateExclusive(dir / "h", &id), Status::kCreated);
  EXPECT_TRUE(fs.WriteAt(id, 0, Bytes())) << "an empty write is fine";
  ASSERT_TRUE(fs.Close(id, nullptr));
  std::vector<std::uint8_t> buf(4);
  EXPECT_FALSE(fs.WriteAt(id, 0, B("x")));
  EXPECT_FALSE(fs.ReadAt(id, 0, buf).has_value());
  EXPECT_FALSE(fs.Close(id, nullptr));
  EXPECT_FALSE(fs.WriteAt(999, 0, B("x")));
  EXPECT_FALSE(fs.Close(999, nullptr));
  // Prefetching is a hint: on any handle, closed or never given out, it touches nothing.
  fs.Prefetch(id);
  fs.Prefetch(999);
  fs.Prefetch(FileId{1} << 31);
  ASSERT_TRUE(fs.Flush()) << fs.error();
  EXPECT_EQ(ReadFile(dir / "h"), "");
}

// More than the whole in-memory budget through one writer: the caller waits, nothing is lost.
TEST(AsyncOutputFsReadTest, WritesBeyondTheMemoryBudgetArriveIntact) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  AsyncOutputFs fs(2, 2);
  const std::size_t kPiece = 1000 * 1000;  // not a multiple of the chunk size
  const std::size_t kPieces = 40;          // 40 MB in all, more than the 32 MiB budget
  // Piece k of a file is the file's base pattern with k in its first byte.
  std::vector<std::vector<std::uint8_t>> pieces[3];
  for (std::size_t f = 0; f < 3; ++f) {
    const std::vector<std::uint8_t> base = Pattern(kPiece, f);
    for (std::size_t k = 0; k * 3 + f < kPieces; ++k) {
      pieces[f].push_back(base);
      pieces[f].back()[0] = static_cast<std::uint8_t>(k);
    }
  }
  FileId ids[3] = {};
  for (int f = 0; f < 3; ++f) {
    ASSERT_EQ(fs.CreateExclusive(dir / ("big" + std::to_string(f)), &ids[f]), Status::kCreated);
  }
  for (std::size_t i = 0; i < kPieces; ++i) {
    const std::size_t f = i % 3;
    const std::size_t k = i / 3;
    ASSERT_TRUE(fs.WriteAt(ids[f], k * kPiece, B(pieces[f][k]))) << fs.error();
  }
  for (FileId id : ids) ASSERT_TRUE(fs.Close(id, nullptr));
  ASSERT_TRUE(fs.Flush()) << fs.error();
  for (std::size_t f = 0; f < 3; ++f) {
    const auto bytes = ReadFile(dir / ("big" + std::to_string(f)));
    ASSERT_TRUE(bytes.has_value());
    ASSERT_EQ(bytes->size(), pieces[f].size() * kPiece);
    for (std::size_t k = 0; k < pieces[f].size(); ++k) {
      EXPECT_EQ(std::memcmp(bytes->data() + k * kPiece, pieces[f][k].data(), kPiece), 0)
          << "file " << f << " piece " << k;
    }
  }
}

// Contiguous pieces of every size fill chains of growing blocks, a gap starts a new chain, and
// a run past a whole chunk goes on in large blocks; the disk holds every byte in its place.
TEST(AsyncOutputFsReadTest, ContiguousPiecesOfEverySizeArriveInOrder) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  AsyncOutputFs fs(4, 2);
  std::mt19937_64 rng(77);
  const std::vector<std::uint8_t> stream = RandomBytes(rng, 1300 * 1000);
  std::string want_gappy;
  FileId whole = 0;
  FileId gappy = 0;
  ASSERT_EQ(fs.CreateExclusive(dir / "whole", &whole), Status::kCreated);
  ASSERT_EQ(fs.CreateExclusive(dir / "gappy", &gappy), Status::kCreated);
  std::size_t at = 0;
  std::uint64_t gappy_end = 0;
  for (std::size_t step = 0; at < stream.size(); ++step) {
    // 1 byte to 5000 bytes, with now and then a piece larger than a chunk.
    std::size_t n = step % 97 == 50 ? 300 * 1000 : 1 + static_cast<std::size_t>(rng() % 5000);
    n = std::min(n, stream.size() - at);
    ASSERT_TRUE(fs.WriteAt(whole, at, Bytes(stream.data() + at, n))) << fs.error();
    // The other file: the same piece after a hole of 0 to 3 bytes.
    const std::uint64_t hole = rng() % 4;
    ASSERT_TRUE(fs.WriteAt(gappy, gappy_end + hole, Bytes(stream.data() + at, n))) << fs.error();
    want_gappy.append(hole, '\0');
    want_gappy.append(stream.begin() + static_cast<std::ptrdiff_t>(at),
                      stream.begin() + static_cast<std::ptrdiff_t>(at + n));
    gappy_end += hole + n;
    at += n;
  }
  ASSERT_TRUE(fs.Close(whole, nullptr));
  ASSERT_TRUE(fs.Close(gappy, nullptr));
  ASSERT_TRUE(fs.Flush()) << fs.error();
  EXPECT_EQ(ReadFile(dir / "whole"), AsString(stream));
  EXPECT_EQ(ReadFile(dir / "gappy"), want_gappy);
}

// With very many files open, each may buffer its first few hundred bytes even past the fixed
// budget: nothing reaches the disk (no file is created early, to be reopened later) until the
// files are closed, and then every file holds its bytes.
TEST(AsyncOutputFsReadTest, ManyOpenFilesBufferTheirFirstBytes) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  // Two writes of 100 bytes take blocks of 128 and 256 bytes: 1,000 times that is more than
  // 256 KiB, and less than 512 bytes a file.
  AsyncOutputFs fs(16, 2, PendingBudget{256 * 1024, 512});
  const std::size_t kFiles = 1000;
  const std::string text(200, 'x');
  std::vector<FileId> ids(kFiles);
  for (std::size_t i = 0; i < kFiles; ++i) {
    ASSERT_EQ(fs.CreateExclusive(dir / std::to_string(i), &ids[i]), Status::kCreated);
    ASSERT_TRUE(fs.WriteAt(ids[i], 0, B(text.substr(0, 100)))) << fs.error();
  }
  for (std::size_t i = 0; i < kFiles; ++i) {
    ASSERT_TRUE(fs.WriteAt(ids[i], 100, B(text.substr(100)))) << fs.error();
  }
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()),
                          std::filesystem::directory_iterator()),
            0);
  // 400 more bytes a file: past 512 bytes a file, the buffered bytes are queued.
  const std::string more(400, 'y');
  for (std::size_t i = 0; i < kFiles; ++i) {
    ASSERT_TRUE(fs.WriteAt(ids[i], 200, B(more))) << fs.error();
  }
  for (FileId id : ids) ASSERT_TRUE(fs.Close(id, nullptr));
  ASSERT_TRUE(fs.Flush()) << fs.error();
  for (std::size_t i = 0; i < kFiles; i += 97) {
    EXPECT_EQ(ReadFile(dir / std::to_string(i)), text + more) << i;
  }
  EXPECT_EQ(static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(dir.path()),
                                                   std::filesystem::directory_iterator())),
            kFiles);
}

// ---------------------------------------------------------------- gathered writes

// More pieces than one system call takes, empty ones among them, written from an offset.
TEST(PosixOutputFsGatherTest, PiecesLandOneAfterAnother) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  PosixOutputFs fs(2);
  std::mt19937_64 rng(5);
  std::vector<std::vector<std::uint8_t>> storage;
  for (std::size_t i = 0; i < 40; ++i) {
    storage.push_back(
        RandomBytes(rng, i % 7 == 3 ? 0 : 1 + static_cast<std::size_t>(rng() % 9000)));
  }
  std::vector<Bytes> pieces;
  std::string want = "head";
  for (const auto& piece : storage) {
    pieces.push_back(B(piece));
    want += AsString(piece);
  }
  FileId id = 0;
  ASSERT_EQ(fs.CreateExclusive(dir / "g", &id), Status::kCreated);
  ASSERT_TRUE(fs.WriteAt(id, 0, B(std::string("head")))) << fs.error();
  ASSERT_TRUE(fs.WriteGather(id, 4, pieces)) << fs.error();
  ASSERT_TRUE(fs.WriteGather(id, want.size(), {})) << fs.error();
  ASSERT_TRUE(fs.Close(id, nullptr));
  EXPECT_EQ(ReadFile(dir / "g"), want);
}

// ---------------------------------------------------------------- tickets

TEST(AsyncOutputFsTicketTest, TicketsAreDistinctAndDoneAfterFlush) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  AsyncOutputFs fs(16, 8);
  EXPECT_EQ(fs.CloseDone(0), std::optional<bool>(true));
  EXPECT_EQ(fs.LastCloseTicket(), 0u) << "no close yet";
  std::vector<FileId> ids(20);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    ASSERT_EQ(fs.CreateExclusive(dir / ("t" + std::to_string(i)), &ids[i]), Status::kCreated);
    ASSERT_TRUE(fs.WriteAt(ids[i], 0, B(std::string(100 + i, 'x'))));
  }
  std::set<std::uint64_t> tickets;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    ASSERT_TRUE(fs.Close(ids[i], nullptr));
    const std::uint64_t ticket = fs.LastCloseTicket();
    EXPECT_NE(ticket, 0u);
    EXPECT_TRUE(tickets.insert(ticket).second) << "ticket " << ticket << " given twice";
    EXPECT_NE(fs.CloseDone(ticket), std::optional<bool>(false));
  }
  // Handles are reused: a second round on the same handle numbers still gets new tickets.
  for (std::size_t i = 0; i < 5; ++i) {
    FileId id = 0;
    ASSERT_EQ(fs.CreateExclusive(dir / ("u" + std::to_string(i)), &id), Status::kCreated);
    ASSERT_TRUE(fs.Close(id, nullptr));
    EXPECT_TRUE(tickets.insert(fs.LastCloseTicket()).second);
  }
  ASSERT_TRUE(fs.Flush()) << fs.error();
  for (std::uint64_t ticket : tickets) {
    EXPECT_EQ(fs.CloseDone(ticket), std::optional<bool>(true)) << "ticket " << ticket;
  }
  EXPECT_EQ(ReadFile(dir / "t19"), std::string(119, 'x'));
}

// ---------------------------------------------------------------- failures

// Restores the file size limit and SIGXFSZ disposition however the test ends.
class FileSizeLimit {
 public:
  FileSizeLimit() {
    ::getrlimit(RLIMIT_FSIZE, &saved_limit_);
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    ::sigaction(SIGXFSZ, &ignore, &saved_action_);
  }
  ~FileSizeLimit() {
    Restore();
    ::sigaction(SIGXFSZ, &saved_action_, nullptr);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;
  bool Lower(rlim_t bytes) {
    struct rlimit lowered = saved_limit_;
    lowered.rlim_cur = bytes;
    return ::setrlimit(RLIMIT_FSIZE, &lowered) == 0;
  }
  void Restore() { ::setrlimit(RLIMIT_FSIZE, &saved_limit_); }
  rlim_t current() const { return saved_limit_.rlim_cur; }

 private:
  struct rlimit saved_limit_ {};
  struct sigaction saved_action_ {};
};

TEST(AsyncOutputFsFailureTest, WriteErrorFailsFlushLaterClosesAndCalls) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  const rlim_t kLimit = 64 * 1024;
  {
    FileSizeLimit limit;
    if (limit.current() != RLIM_INFINITY && limit.current() < 16 * 1024 * 1024) {
      GTEST_SKIP() << "file size limit already low";
    }
    AsyncOutputFs fs(4, 1);
    FileId before = 0;
    FileId big = 0;
    FileId later = 0;
    FileId spare = 0;
    ASSERT_EQ(fs.CreateExclusive(dir / "before", &before), Status::kCreated);
    ASSERT_EQ(fs.CreateExclusive(dir / "big", &big), Status::kCreated);
    ASSERT_EQ(fs.CreateExclusive(dir / "later", &later), Status::kCreated);
    ASSERT_EQ(fs.CreateExclusive(dir / "spare", &spare), Status::kCreated);
    ASSERT_TRUE(fs.WriteAt(before, 0, B("ok")));
    const Timeval t{1600000000, 0};
    ASSERT_TRUE(fs.Close(before, &t));
    const std::uint64_t before_ticket = fs.LastCloseTicket();
    ASSERT_TRUE(fs.Flush()) << fs.error();

    // Only the calls that hit the limit run while it is low (test output could hit it too).
    const bool lowered = limit.Lower(kLimit);
    const bool write_queued = fs.WriteAt(big, 0, B(Pattern(3 * kLimit, 3)));
    const bool flushed = fs.Flush();
    limit.Restore();
    ASSERT_TRUE(lowered);
    EXPECT_TRUE(write_queued) << "the write itself is only queued";
    EXPECT_FALSE(flushed);
    EXPECT_TRUE(Contains(fs.error(), dir / "big")) << fs.error();
    EXPECT_TRUE(Contains(fs.error(), std::strerror(EFBIG))) << fs.error();
    const std::string first_error = fs.error();

    EXPECT_EQ(fs.CloseDone(before_ticket), std::optional<bool>(true))
        << "a close that reached the disk before the failure stays good";
    EXPECT_FALSE(fs.Close(later, &t));
    const std::uint64_t later_ticket = fs.LastCloseTicket();
    EXPECT_NE(later_ticket, before_ticket);
    EXPECT_FALSE(fs.Close(big, nullptr));
    const std::uint64_t big_ticket = fs.LastCloseTicket();
    EXPECT_FALSE(fs.Flush());
    EXPECT_EQ(fs.CloseDone(later_ticket), std::optional<bool>(false));
    EXPECT_EQ(fs.CloseDone(big_ticket), std::optional<bool>(false));

    FileId id = 0;
    EXPECT_EQ(fs.CreateExclusive(dir / "after", &id), Status::kError);
    EXPECT_EQ(fs.CreateOrTruncate(dir / "after2", &id), Status::kError);
    EXPECT_FALSE(fs.WriteAt(spare, 0, B("x")));
    EXPECT_FALSE(fs.Close(spare, nullptr));
    EXPECT_EQ(fs.error(), first_error) << "the first error is kept";
  }
  EXPECT_EQ(ReadFile(dir / "before"), "ok");
  const auto big = ReadFile(dir / "big");
  ASSERT_TRUE(big.has_value());
  EXPECT_LE(big->size(), kLimit);
  EXPECT_FALSE(std::filesystem::exists(dir / "after"));
  EXPECT_FALSE(std::filesystem::exists(dir / "after2"));
}

// ---------------------------------------------------------------- descriptors

TEST(AsyncOutputFsDescriptorTest, BudgetOfOneMeansOneDescriptor) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::size_t fds_before = FdCount();
  {
    AsyncOutputFs fs(1, 2);
    std::vector<FileId> ids(6);
    for (std::size_t i = 0; i < ids.size(); ++i) {
      ASSERT_EQ(fs.CreateExclusive(dir / ("f" + std::to_string(i)), &ids[i]), Status::kCreated);
      EXPECT_LE(fs.open_descriptors(), 1u);
    }
    for (int round = 0; round < 3; ++round) {
      for (std::size_t i = 0; i < ids.size(); ++i) {
        ASSERT_TRUE(
            fs.WriteAt(ids[i], static_cast<std::uint64_t>(round), B(std::to_string(i % 10))));
      }
      ASSERT_TRUE(fs.Flush()) << fs.error();
      EXPECT_EQ(fs.open_descriptors(), 1u);
      EXPECT_LE(FdCount(), fds_before + 1) << "round " << round;
    }
    for (FileId id : ids) ASSERT_TRUE(fs.Close(id, nullptr));
    ASSERT_TRUE(fs.Flush()) << fs.error();
    EXPECT_EQ(fs.open_descriptors(), 0u);
    EXPECT_EQ(FdCount(), fds_before);
  }
  EXPECT_EQ(ReadFile(dir / "f4"), "444");
  EXPECT_EQ(FdCount(), fds_before);
}

TEST(AsyncOutputFsDescriptorTest, BudgetIsSharedByAllWriters) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::size_t fds_before = FdCount();
  for (const std::size_t writers : {2u, 3u, 8u}) {
    SCOPED_TRACE("writers " + std::to_string(writers));
    AsyncOutputFs fs(3, writers);
    std::vector<FileId> ids(10);
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const std::string name = "w" + std::to_string(writers) + "-" + std::to_string(i);
      ASSERT_EQ(fs.CreateExclusive(dir / name, &ids[i]), Status::kCreated);
      ASSERT_TRUE(fs.WriteAt(ids[i], 0, B(name)));
      EXPECT_LE(fs.open_descriptors(), 3u);
    }
    ASSERT_TRUE(fs.Flush()) << fs.error();
    EXPECT_EQ(fs.open_descriptors(), 3u);
    EXPECT_LE(FdCount(), fds_before + 3);
    for (FileId id : ids) ASSERT_TRUE(fs.Close(id, nullptr));
    ASSERT_TRUE(fs.Flush()) << fs.error();
    EXPECT_EQ(FdCount(), fds_before);
  }
  AsyncOutputFs roomy(64, 8);
  std::vector<FileId> ids(5);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    ASSERT_EQ(roomy.CreateExclusive(dir / ("r" + std::to_string(i)), &ids[i]), Status::kCreated);
  }
  ASSERT_TRUE(roomy.Flush());
  EXPECT_EQ(roomy.open_descriptors(), 5u);
  EXPECT_EQ(FdCount(), fds_before + 5);
}

// ---------------------------------------------------------------- shutdown

TEST(AsyncOutputFsShutdownTest, DestructorFinishesQueuedWork) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::size_t fds_before = FdCount();
  const std::size_t kBig = 700 * 1024;
  const Timeval t{1400000000, 500000};
  {
    AsyncOutputFs fs(3, 2);
    FileId closed = 0;
    FileId open_small = 0;
    FileId open_big = 0;
    FileId empty = 0;
    ASSERT_EQ(fs.CreateExclusive(dir / "s/closed", &closed), Status::kCreated);
    ASSERT_EQ(fs.CreateExclusive(dir / "s/open_small", &open_small), Status::kCreated);
    ASSERT_EQ(fs.CreateExclusive(dir / "s/open_big", &open_big), Status::kCreated);
    ASSERT_EQ(fs.CreateExclusive(dir / "s/empty", &empty), Status::kCreated);
    ASSERT_TRUE(fs.WriteAt(closed, 0, B("closed ")));
    ASSERT_TRUE(fs.WriteAt(closed, 7, B("file")));
    ASSERT_TRUE(fs.Close(closed, &t));
    ASSERT_TRUE(fs.WriteAt(open_big, 0, B(Pattern(kBig, 9))));
    ASSERT_TRUE(fs.WriteAt(open_small, 0, B("still")));
    ASSERT_TRUE(fs.WriteAt(open_small, 5, B(" open")));
    ASSERT_TRUE(fs.WriteAt(open_small, 20, B("end")));
    ASSERT_TRUE(fs.WriteAt(open_big, kBig, B("tail")));
  }
  EXPECT_EQ(FdCount(), fds_before) << "every descriptor is closed";
  EXPECT_EQ(ReadFile(dir / "s/closed"), "closed file");
  EXPECT_EQ(ReadFile(dir / "s/open_small"), std::string("still open\0\0\0\0\0\0\0\0\0\0end", 23));
  EXPECT_EQ(ReadFile(dir / "s/empty"), "");
  const auto big = ReadFile(dir / "s/open_big");
  ASSERT_TRUE(big.has_value());
  EXPECT_TRUE(*big == AsString(Pattern(kBig, 9)) + "tail");
  struct stat st {};
  ASSERT_EQ(::stat((dir / "s/closed").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtime, 1400000000);
}

TEST(AsyncOutputFsShutdownTest, ManyWritersManyFilesNoFlush) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  {
    AsyncOutputFs fs(5, 8);
    for (int i = 0; i < 60; ++i) {
      FileId id = 0;
      ASSERT_EQ(fs.CreateExclusive(dir / ("m/" + std::to_string(i)), &id), Status::kCreated);
      for (int k = 0; k < 4; ++k) {
        ASSERT_TRUE(fs.WriteAt(id, static_cast<std::uint64_t>(k) * 3, B(std::to_string(100 + i))));
      }
      if (i % 2 == 0) {
        ASSERT_TRUE(fs.Close(id, nullptr));
      }
    }
  }
  for (int i = 0; i < 60; ++i) {
    const std::string s = std::to_string(100 + i);
    EXPECT_EQ(ReadFile(dir / ("m/" + std::to_string(i))), s + s + s + s) << i;
  }
}

}  // namespace
}  // namespace tcpflow
