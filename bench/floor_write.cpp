// floor_write.cpp: the cheapest way to create a tool's output files (one open, one write of the
// whole content and one close per file), timed by the benchmarks as the write floor. (POSIX.)
//
// The files to make come from a list ("SIZE NAME" lines, NAME relative and possibly with
// sub-folders) or from an existing folder, such as a reference run's output (report.xml at its
// top is left out). They are written under OUTDIR, which must not exist yet, with --threads
// threads taking every Nth file. The content is a fixed byte, since the kernel does not care.
// Exits 0 when every file was written, 1 on any error, 2 on a usage error.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

namespace tcpflow {
namespace {

constexpr std::string_view kUsage =
    "usage: floor_write [--threads N] (--list FILE | --from DIR) OUTDIR\n"
    "Creates OUTDIR and writes into it files of the same names and sizes as listed in FILE\n"
    "(\"SIZE NAME\" lines) or found under DIR (except DIR/report.xml), one write per file.\n";
constexpr std::uint8_t kFillByte = 'x';

struct FileSpec {
  std::uint64_t size = 0;
  std::string name;  // relative to the output folder
};

// Reads "SIZE NAME" lines. False (with a message) on a malformed line or a read error.
bool ReadList(const std::string& path, std::vector<FileSpec>& files) {
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "floor_write: %s: %s\n", path.c_str(), std::strerror(errno));
    return false;
  }
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    FileSpec spec;
    const char* end = line.data() + line.size();
    auto [ptr, ec] = std::from_chars(line.data(), end, spec.size);
    if (ec != std::errc() || ptr == end || *ptr != ' ' || ptr + 1 == end) {
      std::fprintf(stderr, "floor_write: %s: bad line: %s\n", path.c_str(), line.c_str());
      return false;
    }
    spec.name.assign(ptr + 1, end);
    files.push_back(std::move(spec));
  }
  return !in.bad();
}

// Lists the regular files under `dir`, except its top-level report.xml.
bool ScanFolder(const std::filesystem::path& dir, std::vector<FileSpec>& files) {
  std::error_code error;
  for (std::filesystem::recursive_directory_iterator it(dir, error), end; !error && it != end;
       it.increment(error)) {
    if (!it->is_regular_file()) continue;
    std::string name = it->path().lexically_relative(dir).string();
    if (name == "report.xml") continue;
    files.push_back({it->file_size(), std::move(name)});
  }
  if (error) {
    std::fprintf(stderr, "floor_write: %s: %s\n", dir.c_str(), error.message().c_str());
    return false;
  }
  return true;
}

// Writes all of `size` bytes of `data` to `fd`.
bool WriteAll(int fd, const std::uint8_t* data, std::uint64_t size) {
  while (size > 0) {
    const ssize_t n = write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::uint64_t>(n);
  }
  return true;
}

// Writes files[first], files[first + step], ... under `root`. False on the first failure.
bool WriteFiles(const std::string& root, const std::vector<FileSpec>& files, std::size_t first,
                std::size_t step, const std::vector<std::uint8_t>& content) {
  for (std::size_t i = first; i < files.size(); i += step) {
    const std::string path = root + "/" + files[i].name;
    const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 || !WriteAll(fd, content.data(), files[i].size) || close(fd) != 0) {
      std::fprintf(stderr, "floor_write: %s: %s\n", path.c_str(), std::strerror(errno));
      return false;
    }
  }
  return true;
}

int Main(int argc, char** argv) {
  unsigned threads = 1;
  std::string list;
  std::string from;
  std::string out;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--threads" && has_value) {
      const std::string_view value = argv[++i];
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), threads);
      if (ec != std::errc() || ptr != value.data() + value.size() || threads == 0) threads = 0;
    } else if (arg == "--list" && has_value) {
      list = argv[++i];
    } else if (arg == "--from" && has_value) {
      from = argv[++i];
    } else if (out.empty() && !arg.starts_with("--")) {
      out = arg;
    } else {
      threads = 0;
    }
  }
  if (threads == 0 || out.empty() || list.empty() == from.empty()) {
    std::fputs(kUsage.data(), stderr);
    return 2;
  }

  std::vector<FileSpec> files;
  if (!(list.empty() ? ScanFolder(from, files) : ReadList(list, files))) return 1;
  if (mkdir(out.c_str(), 0777) != 0) {
    std::fprintf(stderr, "floor_write: %s: %s\n", out.c_str(), std::strerror(errno));
    return 1;
  }
  // Sub-folders first (names like tcpflow's -Fk ones), on one thread.
  std::filesystem::path made;
  for (const FileSpec& spec : files) {
    const std::filesystem::path parent = std::filesystem::path(spec.name).parent_path();
    if (parent.empty() || parent == made) continue;
    std::error_code error;
    std::filesystem::create_directories(out + "/" + parent.string(), error);
    made = parent;
    if (error) {
      std::fprintf(stderr, "floor_write: %s: %s\n", parent.c_str(), error.message().c_str());
      return 1;
    }
  }
  std::uint64_t largest = 0;
  for (const FileSpec& spec : files) largest = std::max(largest, spec.size);
  const std::vector<std::uint8_t> content(largest, kFillByte);

  std::atomic<bool> ok = true;
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      if (!WriteFiles(out, files, t, threads, content)) ok = false;
    });
  }
  for (std::thread& worker : workers) worker.join();
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace tcpflow

int main(int argc, char** argv) {
  return tcpflow::Main(argc, argv);
}
