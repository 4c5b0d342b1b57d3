// output_dir.cpp: POSIX and in-memory implementations of OutputFs.
#include "output_dir.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace tcpflow {
namespace {

constexpr std::size_t kReservedDescriptors = 16;

std::string SysError(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

std::string ParentDir(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return {};
  return path.substr(0, slash);
}

}  // namespace

std::optional<bool> OutputFs::CloseDone(std::uint64_t) const {
  return true;
}

// ---------------------------------------------------------------- PosixOutputFs

PosixOutputFs::PosixOutputFs(std::size_t max_open)
    : max_open_(std::max<std::size_t>(1, max_open)) {}

PosixOutputFs::~PosixOutputFs() {
  for (auto& e : entries_) {
    if (e.fd >= 0) ::close(e.fd);
  }
}

std::size_t PosixOutputFs::DefaultMaxOpen() {
  struct rlimit rl {};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return 1024;
  std::size_t limit = static_cast<std::size_t>(rl.rlim_cur);
  return limit > kReservedDescriptors + 1 ? limit - kReservedDescriptors : 1;
}

bool PosixOutputFs::MakeRoom() {
  if (lru_.empty()) return false;
  auto it = lru_.begin();
  Entry& e = entries_[it->second];
  ::close(e.fd);
  e.fd = -1;
  lru_.erase(it);
  --open_count_;
  return true;
}

FileId PosixOutputFs::NewEntry(const std::string& path, int fd) {
  FileId id;
  if (!free_ids_.empty()) {
    id = free_ids_.back();
    free_ids_.pop_back();
  } else {
    id = static_cast<FileId>(entries_.size());
    entries_.emplace_back();
  }
  Entry& e = entries_[id];
  e.path = path;
  e.fd = fd;
  e.in_use = true;
  e.last_use = ++clock_;
  lru_.emplace(e.last_use, id);
  ++open_count_;
  peak_open_ = std::max(peak_open_, open_count_);
  return id;
}

OutputFs::CreateStatus PosixOutputFs::CreateExclusive(const std::string& path, FileId* id) {
  std::string parent = ParentDir(path);
  if (!parent.empty() && !MakeDirs(parent)) return CreateStatus::kError;
  while (open_count_ >= max_open_ && MakeRoom()) {
  }
  for (;;) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) {
      *id = NewEntry(path, fd);
      return CreateStatus::kCreated;
    }
    if (errno == EEXIST) return CreateStatus::kExists;
    if ((errno == EMFILE || errno == ENFILE) && MakeRoom()) continue;
    error_ = SysError("cannot create", path);
    return CreateStatus::kError;
  }
}

OutputFs::CreateStatus PosixOutputFs::CreateOrTruncate(const std::string& path, FileId* id) {
  std::string parent = ParentDir(path);
  if (!parent.empty() && !MakeDirs(parent)) return CreateStatus::kError;
  while (open_count_ >= max_open_ && MakeRoom()) {
  }
  for (;;) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd >= 0) {
      *id = NewEntry(path, fd);
      return CreateStatus::kCreated;
    }
    if ((errno == EMFILE || errno == ENFILE) && MakeRoom()) continue;
    error_ = SysError("cannot create", path);
    return CreateStatus::kError;
  }
}

bool PosixOutputFs::OpenExisting(const std::string& path, FileId* id, std::uint64_t* size) {
  while (open_count_ >= max_open_ && MakeRoom()) {
  }
  int fd = -1;
  for (;;) {
    fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd >= 0) break;
    if ((errno == EMFILE || errno == ENFILE) && MakeRoom()) continue;
    error_ = SysError("cannot reopen", path);
    return false;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    error_ = SysError("cannot reopen", path);
    ::close(fd);
    return false;
  }
  *size = static_cast<std::uint64_t>(st.st_size);
  *id = NewEntry(path, fd);
  return true;
}

int PosixOutputFs::Descriptor(FileId id) {
  if (id >= entries_.size() || !entries_[id].in_use) {
    error_ = "internal error: bad file handle";
    return -1;
  }
  Entry& e = entries_[id];
  if (e.fd >= 0) {
    lru_.erase(e.last_use);
    e.last_use = ++clock_;
    lru_.emplace(e.last_use, id);
    return e.fd;
  }
  while (open_count_ >= max_open_ && MakeRoom()) {
  }
  for (;;) {
    e.fd = ::open(e.path.c_str(), O_RDWR | O_CLOEXEC);
    if (e.fd >= 0) break;
    if ((errno == EMFILE || errno == ENFILE) && MakeRoom()) continue;
    error_ = SysError("cannot reopen", e.path);
    return -1;
  }
  e.last_use = ++clock_;
  lru_.emplace(e.last_use, id);
  ++open_count_;
  peak_open_ = std::max(peak_open_, open_count_);
  return e.fd;
}

bool PosixOutputFs::WriteAt(FileId id, std::uint64_t offset, Bytes data) {
  return WriteGather(id, offset, std::span<const Bytes>(&data, 1));
}

bool PosixOutputFs::WriteGather(FileId id, std::uint64_t offset, std::span<const Bytes> pieces) {
  int fd = Descriptor(id);
  if (fd < 0) return false;
  constexpr std::size_t kMaxIov = 16;  // per system call; more pieces take more calls
  std::size_t index = 0;               // the next byte to write is pieces[index][into]
  std::size_t into = 0;
  for (;;) {
    std::array<iovec, kMaxIov> iov{};
    int count = 0;
    for (std::size_t i = index; i < pieces.size() && count < static_cast<int>(kMaxIov); ++i) {
      const std::size_t from = i == index ? into : 0;
      if (pieces[i].size() == from) continue;
      // writev only reads through iov_base; POSIX declares it without const.
      iov[static_cast<std::size_t>(count++)] = {const_cast<std::uint8_t*>(pieces[i].data() + from),
                                                pieces[i].size() - from};
    }
    if (count == 0) return true;
    const ssize_t n = ::pwritev(fd, iov.data(), count, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      error_ = SysError("write error on", entries_[id].path);
      return false;
    }
    if (n == 0) {
      errno = ENOSPC;
      error_ = SysError("write error on", entries_[id].path);
      return false;
    }
    offset += static_cast<std::uint64_t>(n);
    for (auto left = static_cast<std::size_t>(n); left > 0;) {
      const std::size_t step = std::min(left, pieces[index].size() - into);
      left -= step;
      into += step;
      if (into == pieces[index].size()) {
        ++index;
        into = 0;
      }
    }
  }
}

std::optional<std::size_t> PosixOutputFs::ReadAt(FileId id, std::uint64_t offset,
                                                 std::span<std::uint8_t> out) {
  int fd = Descriptor(id);
  if (fd < 0) return std::nullopt;
  std::size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::pread(fd, out.data() + got, out.size() - got, static_cast<off_t>(offset + got));
    if (n < 0) {
      if (errno == EINTR) continue;
      error_ = SysError("read error on", entries_[id].path);
      return std::nullopt;
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  return got;
}

std::optional<std::size_t> PosixOutputFs::ReadPath(const std::string& path, std::uint64_t offset,
                                                   std::span<std::uint8_t> out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && (errno == EMFILE || errno == ENFILE) && MakeRoom()) {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  }
  if (fd < 0) {
    error_ = SysError("cannot open", path);
    return std::nullopt;
  }
  std::size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::pread(fd, out.data() + got, out.size() - got, static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return got;
}

bool PosixOutputFs::Close(FileId id, const Timeval* mtime) {
  if (id >= entries_.size() || !entries_[id].in_use) return false;
  Entry& e = entries_[id];
  bool ok = true;
  if (e.fd >= 0) {
    if (mtime != nullptr) {
      struct timeval tv[2];
      tv[0].tv_sec = static_cast<time_t>(mtime->sec);
      tv[0].tv_usec = mtime->usec;
      tv[1] = tv[0];
      ::futimes(e.fd, tv);  // best effort: a time outside the file system's range is not fatal
    }
    lru_.erase(e.last_use);
    --open_count_;
    if (::close(e.fd) != 0) {
      error_ = SysError("write error on", e.path);
      ok = false;
    }
    e.fd = -1;
  } else if (mtime != nullptr) {
    struct timeval tv[2];
    tv[0].tv_sec = static_cast<time_t>(mtime->sec);
    tv[0].tv_usec = mtime->usec;
    tv[1] = tv[0];
    ::utimes(e.path.c_str(), tv);
  }
  e.in_use = false;
  e.path.clear();
  free_ids_.push_back(id);
  return ok;
}

bool PosixOutputFs::MakeDirs(const std::string& dir) {
  if (dir.empty() || known_dirs_.count(dir) != 0) return true;
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      known_dirs_.insert(dir);
      return true;
    }
    error_ = "not a directory: " + dir;
    return false;
  }
  std::string parent = ParentDir(dir);
  if (!parent.empty() && !MakeDirs(parent)) return false;
  if (::mkdir(dir.c_str(), 0777) != 0 && errno != EEXIST) {
    error_ = SysError("cannot create directory", dir);
    return false;
  }
  known_dirs_.insert(dir);
  return true;
}

OutputFs::PathKind PosixOutputFs::Stat(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return PathKind::kNone;
  return S_ISDIR(st.st_mode) ? PathKind::kDirectory : PathKind::kOther;
}

bool PosixOutputFs::CheckWritable(const std::string& dir) {
  if (::access(dir.c_str(), W_OK | X_OK) == 0) return true;
  error_ = SysError("cannot write to output directory", dir);
  return false;
}

std::unique_ptr<std::streambuf> PosixOutputFs::CreateStream(const std::string& path) {
  auto file = std::make_unique<std::filebuf>();
  if (file->open(path, std::ios::out | std::ios::binary | std::ios::trunc) == nullptr) {
    error_ = SysError("cannot create", path);
    return nullptr;
  }
  return file;
}

// ---------------------------------------------------------------- MemoryOutputFs

// A stream into one file of a MemoryOutputFs, which must outlive it.
class MemoryOutputFs::StreamFile final : public std::streambuf {
 public:
  StreamFile(MemoryOutputFs& fs, std::string path) : fs_(fs), path_(std::move(path)) {}

 protected:
  int_type overflow(int_type c) override {
    if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
    const char byte = traits_type::to_char_type(c);
    return xsputn(&byte, 1) == 1 ? c : traits_type::eof();
  }
  std::streamsize xsputn(const char* data, std::streamsize n) override {
    const Bytes bytes(reinterpret_cast<const std::uint8_t*>(data), static_cast<std::size_t>(n));
    if (!fs_.WritePath(path_, offset_, bytes)) return 0;
    offset_ += bytes.size();
    return n;
  }

 private:
  MemoryOutputFs& fs_;
  std::string path_;
  std::uint64_t offset_ = 0;
};

OutputFs::CreateStatus MemoryOutputFs::CreateExclusive(const std::string& path, FileId* id) {
  if (files_.count(path) != 0) return CreateStatus::kExists;
  files_[path];
  *id = next_id_++;
  open_[*id] = path;
  return CreateStatus::kCreated;
}

OutputFs::CreateStatus MemoryOutputFs::CreateOrTruncate(const std::string& path, FileId* id) {
  files_[path] = File{};
  *id = next_id_++;
  open_[*id] = path;
  return CreateStatus::kCreated;
}

bool MemoryOutputFs::OpenExisting(const std::string& path, FileId* id, std::uint64_t* size) {
  auto it = files_.find(path);
  if (it == files_.end()) {
    error_ = "cannot reopen " + path + ": No such file or directory";
    return false;
  }
  *size = it->second.bytes.size();
  *id = next_id_++;
  open_[*id] = path;
  return true;
}

bool MemoryOutputFs::WriteAt(FileId id, std::uint64_t offset, Bytes data) {
  auto it = open_.find(id);
  if (it == open_.end()) {
    error_ = "internal error: bad file handle";
    return false;
  }
  return WritePath(it->second, offset, data);
}

bool MemoryOutputFs::WritePath(const std::string& path, std::uint64_t offset, Bytes data) {
  if (fail_writes_) {
    error_ = "write error on " + path + ": " + *fail_writes_;
    return false;
  }
  if (offset + data.size() > max_file_bytes) {
    error_ = "write error on " + path + ": No space left on device";
    return false;
  }
  auto& bytes = files_[path].bytes;
  if (bytes.size() < offset + data.size()) bytes.resize(offset + data.size());
  std::copy(data.begin(), data.end(), bytes.begin() + static_cast<std::ptrdiff_t>(offset));
  return true;
}

std::optional<std::size_t> MemoryOutputFs::ReadAt(FileId id, std::uint64_t offset,
                                                  std::span<std::uint8_t> out) {
  auto it = open_.find(id);
  if (it == open_.end()) return std::nullopt;
  return ReadPath(it->second, offset, out);
}

std::optional<std::size_t> MemoryOutputFs::ReadPath(const std::string& path, std::uint64_t offset,
                                                    std::span<std::uint8_t> out) {
  auto it = files_.find(path);
  if (it == files_.end()) return std::nullopt;
  const auto& bytes = it->second.bytes;
  if (offset >= bytes.size()) return 0;
  std::size_t n = std::min<std::size_t>(out.size(), bytes.size() - offset);
  std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(offset), n, out.begin());
  return n;
}

bool MemoryOutputFs::Close(FileId id, const Timeval* mtime) {
  auto it = open_.find(id);
  if (it == open_.end()) return false;
  if (mtime != nullptr) files_[it->second].mtime = *mtime;
  open_.erase(it);
  return true;
}

bool MemoryOutputFs::MakeDirs(const std::string& dir) {
  for (std::string folder = dir; !folder.empty(); folder = ParentDir(folder)) {
    dirs_.insert(folder);
  }
  return true;
}

OutputFs::PathKind MemoryOutputFs::Stat(const std::string& path) {
  if (files_.count(path) != 0) return PathKind::kOther;
  if (dirs_.count(path) != 0) return PathKind::kDirectory;
  const std::string prefix = path + "/";
  const auto next = files_.lower_bound(prefix);
  if (next != files_.end() && next->first.starts_with(prefix)) return PathKind::kDirectory;
  return PathKind::kNone;
}

bool MemoryOutputFs::CheckWritable(const std::string& dir) {
  if (read_only_dirs.count(dir) == 0) return true;
  error_ = "cannot write to output directory " + dir + ": Permission denied";
  return false;
}

std::unique_ptr<std::streambuf> MemoryOutputFs::CreateStream(const std::string& path) {
  files_[path] = File{};
  return std::make_unique<StreamFile>(*this, path);
}

}  // namespace tcpflow
