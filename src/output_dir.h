// output_dir.h: the file system behind an interface: flow files by handle, directories, times.
//
// Design note: writers never see file descriptors. They create files by path and get a FileId;
// PosixOutputFs keeps at most `max_open` real descriptors open, closing the least recently used
// one when it needs another and reopening transparently (without truncation) on the next write,
// so output is identical whatever the budget. The run's own questions about the output folder
// (what is at a path, whether files may be made in it) and report.xml, a stream written in order
// from its start, go through the same interface, so nothing outside the implementations touches
// the output's file system. MemoryOutputFs is the in-memory double used by unit tests and the
// fuzz harness. Every failure returns false/nullopt/null with error() set to a one-line message
// naming the path and the system error.
#ifndef TCPFLOW_OUTPUT_DIR_H
#define TCPFLOW_OUTPUT_DIR_H

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <streambuf>
#include <string>
#include <unordered_set>
#include <vector>

#include "byte_reader.h"
#include "packet.h"

namespace tcpflow {

using FileId = std::uint32_t;

class OutputFs {
 public:
  enum class CreateStatus { kCreated, kExists, kError };
  // What a path names: kNone when nothing is there or it cannot be looked at.
  enum class PathKind { kNone, kDirectory, kOther };
  virtual ~OutputFs() = default;

  // Creates `path` only if it does not exist (O_EXCL), making missing parent directories first.
  // kExists means the name is taken (try the next counter); kError sets error().
  virtual CreateStatus CreateExclusive(const std::string& path, FileId* id) = 0;
  // Creates `path`, or truncates it to 0 bytes when it exists, making missing parent
  // directories first. Returns kCreated, or kError with error() set (never kExists).
  virtual CreateStatus CreateOrTruncate(const std::string& path, FileId* id) = 0;
  // Opens the existing file `path` to write more to it: nothing is created or truncated, and
  // *size is set to its length in bytes. False with error() set when it cannot be opened (for
  // instance it no longer exists).
  virtual bool OpenExisting(const std::string& path, FileId* id, std::uint64_t* size) = 0;
  // Writes all of `data` at byte `offset` (the file grows; skipped ranges read as zeros).
  virtual bool WriteAt(FileId id, std::uint64_t offset, Bytes data) = 0;
  // Reads up to out.size() bytes at `offset`; returns how many were read (0 at end), or nullopt.
  virtual std::optional<std::size_t> ReadAt(FileId id, std::uint64_t offset,
                                            std::span<std::uint8_t> out) = 0;
  // Reads from a file that is not open as a FileId (e.g. a closed flow's file).
  virtual std::optional<std::size_t> ReadPath(const std::string& path, std::uint64_t offset,
                                              std::span<std::uint8_t> out) = 0;
  // Closes the file for good; sets its access and modification times when `mtime` is given.
  virtual bool Close(FileId id, const Timeval* mtime) = 0;
  // Makes `dir` and its missing parents; fine if it exists as a directory.
  virtual bool MakeDirs(const std::string& dir) = 0;
  // What `path` is now (following symbolic links), files this run made included.
  virtual PathKind Stat(const std::string& path) = 0;
  // True when this process may make files in the folder `dir`; false with error() set to
  // "cannot write to output directory DIR: why".
  virtual bool CheckWritable(const std::string& dir) = 0;
  // Creates `path` now (its folder must exist), or empties it when it exists, for bytes written
  // in order from its start, such as report.xml; the file is closed when the stream buffer goes.
  // Null with error() set to "cannot create PATH: why". A failed write shows as a failed
  // stream (std::ostream's badbit). The stream holds a descriptor outside the FileId budget,
  // and its name counts as taken by this run, as a created file's does.
  virtual std::unique_ptr<std::streambuf> CreateStream(const std::string& path) = 0;

  virtual std::size_t open_descriptors() const = 0;
  const std::string& error() const { return error_; }

  // For implementations that finish work in the background (AsyncOutputFs): Close() returns at
  // once, LastCloseTicket() names the latest Close() call, and CloseDone(ticket) is nullopt
  // while that close is still to come, then whether the file and everything written before it
  // reached the disk. Ticket 0 is always done. Synchronous implementations finish every call
  // before returning: their tickets are 0.
  virtual std::uint64_t LastCloseTicket() const { return 0; }
  virtual std::optional<bool> CloseDone(std::uint64_t ticket) const;
  // Waits until every earlier call has reached the file system; false (error() set) if any
  // failed.
  virtual bool Flush() { return true; }
  // A hint that a write to `id` comes soon: starts loading what it will touch. Changes nothing.
  virtual void Prefetch(FileId id) const { static_cast<void>(id); }

 protected:
  std::string error_;
};

class PosixOutputFs final : public OutputFs {
 public:
  // max_open: real descriptors kept open at once (>= 1).
  explicit PosixOutputFs(std::size_t max_open);
  ~PosixOutputFs() override;
  CreateStatus CreateExclusive(const std::string& path, FileId* id) override;
  CreateStatus CreateOrTruncate(const std::string& path, FileId* id) override;
  bool OpenExisting(const std::string& path, FileId* id, std::uint64_t* size) override;
  bool WriteAt(FileId id, std::uint64_t offset, Bytes data) override;
  // Writes the pieces one after another from `offset` (with as few system calls as it can).
  bool WriteGather(FileId id, std::uint64_t offset, std::span<const Bytes> pieces);
  std::optional<std::size_t> ReadAt(FileId id, std::uint64_t offset,
                                    std::span<std::uint8_t> out) override;
  std::optional<std::size_t> ReadPath(const std::string& path, std::uint64_t offset,
                                      std::span<std::uint8_t> out) override;
  bool Close(FileId id, const Timeval* mtime) override;
  bool MakeDirs(const std::string& dir) override;
  PathKind Stat(const std::string& path) override;
  bool CheckWritable(const std::string& dir) override;
  // A std::filebuf: report.xml is written through the C++ library's buffer, as an ofstream's.
  std::unique_ptr<std::streambuf> CreateStream(const std::string& path) override;
  std::size_t open_descriptors() const override { return open_count_; }
  std::size_t peak_descriptors() const { return peak_open_; }

  // The default budget: the process's descriptor limit less a reserve for everything else.
  static std::size_t DefaultMaxOpen();

 private:
  struct Entry {
    std::string path;
    int fd = -1;
    bool in_use = false;
    std::uint64_t last_use = 0;
  };
  int Descriptor(FileId id);  // opens (reopening if needed) and marks most recently used
  bool MakeRoom();            // closes the least recently used descriptor
  FileId NewEntry(const std::string& path, int fd);

  std::size_t max_open_;
  std::size_t open_count_ = 0;
  std::size_t peak_open_ = 0;
  std::uint64_t clock_ = 0;
  std::vector<Entry> entries_;
  std::vector<FileId> free_ids_;
  // Open descriptors by last use, for finding the LRU one in O(log n).
  std::map<std::uint64_t, FileId> lru_;
  // Directories seen to exist (or made), so creating a file does not stat its folder each time.
  // A folder removed by someone else during the run makes the create fail with ENOENT.
  std::unordered_set<std::string> known_dirs_;
};

// In-memory double: files are byte vectors keyed by path.
class MemoryOutputFs final : public OutputFs {
 public:
  CreateStatus CreateExclusive(const std::string& path, FileId* id) override;
  CreateStatus CreateOrTruncate(const std::string& path, FileId* id) override;
  bool OpenExisting(const std::string& path, FileId* id, std::uint64_t* size) override;
  bool WriteAt(FileId id, std::uint64_t offset, Bytes data) override;
  std::optional<std::size_t> ReadAt(FileId id, std::uint64_t offset,
                                    std::span<std::uint8_t> out) override;
  std::optional<std::size_t> ReadPath(const std::string& path, std::uint64_t offset,
                                      std::span<std::uint8_t> out) override;
  bool Close(FileId id, const Timeval* mtime) override;
  // Remembers the folder and its parents, for Stat.
  bool MakeDirs(const std::string& dir) override;
  // kOther for a file, kDirectory for a folder MakeDirs made or one holding a file.
  PathKind Stat(const std::string& path) override;
  // Fails ("Permission denied") for the folders in read_only_dirs.
  bool CheckWritable(const std::string& dir) override;
  // Unbuffered: each byte reaches the file as it is written, or fails as WriteAt would.
  std::unique_ptr<std::streambuf> CreateStream(const std::string& path) override;
  std::size_t open_descriptors() const override { return open_.size(); }

  struct File {
    std::vector<std::uint8_t> bytes;
    std::optional<Timeval> mtime;
  };
  const std::map<std::string, File>& files() const { return files_; }
  // Makes every later write fail (to test error paths); the failure text is `error`.
  void FailWrites(const std::string& error) { fail_writes_ = error; }
  // Stops any file from growing past `limit` bytes (writes beyond fail like a full disk).
  std::uint64_t max_file_bytes = UINT64_MAX;
  // Folders CheckWritable refuses, as if this process lacked the permission.
  std::set<std::string> read_only_dirs;

 private:
  class StreamFile;
  // Writes `data` at `offset` of file `path` (which exists), with WriteAt's failures.
  bool WritePath(const std::string& path, std::uint64_t offset, Bytes data);

  std::map<std::string, File> files_;
  std::set<std::string> dirs_;  // made by MakeDirs, with their parents
  std::map<FileId, std::string> open_;
  FileId next_id_ = 0;
  std::optional<std::string> fail_writes_;
};

}  // namespace tcpflow

#endif  // TCPFLOW_OUTPUT_DIR_H
