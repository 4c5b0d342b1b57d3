// findx_writer.cpp: -I byte-offset index files, appended live, sorted and shifted on rewrite.
#include "findx_writer.h"

#include <algorithm>
#include <charconv>
#include <string_view>
#include <vector>

namespace tcpflow {
namespace {

constexpr std::string_view kSuffix = ".findx";
constexpr std::int32_t kUsecPerSec = 1000000;

void AppendNumber(std::string& out, std::int64_t v) {
  char digits[24];
  const auto result = std::to_chars(digits, digits + sizeof digits, v);
  out.append(digits, result.ptr);
}

void AppendNumber(std::string& out, std::uint64_t v) {
  char digits[24];
  const auto result = std::to_chars(digits, digits + sizeof digits, v);
  out.append(digits, result.ptr);
}

// "SEC.USEC" with 6-digit microseconds; a usec outside 0..999999 is carried into the seconds.
void AppendTime(std::string& out, const Timeval& ts) {
  std::int64_t sec = ts.sec + ts.usec / kUsecPerSec;
  std::int32_t usec = ts.usec % kUsecPerSec;
  if (usec < 0) {
    usec += kUsecPerSec;
    --sec;
  }
  AppendNumber(out, sec);
  out.push_back('.');
  char digits[6];
  for (int i = 5; i >= 0; --i) {
    digits[i] = static_cast<char>('0' + usec % 10);
    usec /= 10;
  }
  out.append(digits, sizeof digits);
}

// One line read back from an index file; `time` points into the text read.
struct Line {
  std::uint64_t offset = 0;
  std::string_view time;
  std::uint64_t len = 0;
};

bool ParseUnsigned(std::string_view text, std::uint64_t* v) {
  const auto result = std::from_chars(text.data(), text.data() + text.size(), *v);
  return !text.empty() && result.ec == std::errc() && result.ptr == text.data() + text.size();
}

// Splits `text` (whole "OFFSET|TIME|LEN\n" lines) into `lines`. False if anything else is there.
bool ParseLines(std::string_view text, std::vector<Line>& lines) {
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    if (end == std::string_view::npos) return false;
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(end + 1);
    const std::size_t bar1 = line.find('|');
    const std::size_t bar2 = bar1 == std::string_view::npos ? bar1 : line.find('|', bar1 + 1);
    if (bar2 == std::string_view::npos) return false;
    Line l;
    l.time = line.substr(bar1 + 1, bar2 - bar1 - 1);
    if (!ParseUnsigned(line.substr(0, bar1), &l.offset) ||
        !ParseUnsigned(line.substr(bar2 + 1), &l.len)) {
      return false;
    }
    lines.push_back(l);
  }
  return true;
}

}  // namespace

FindxWriter::FindxWriter(std::int64_t max_bytes_per_flow, OutputFs& fs)
    : cap_(max_bytes_per_flow >= 0 ? static_cast<std::uint64_t>(max_bytes_per_flow) : UINT64_MAX),
      fs_(fs) {}

void FindxWriter::Fail(const std::string& message) {
  if (error_.empty()) error_ = message;
}

void FindxWriter::OnFileCreated(Flow& flow, const std::string& name) {
  if (failed()) return;
  auto index = std::make_unique<Index>();
  index->path = name + std::string(kSuffix);
  // The flow file's name was free, so an index of that name is left over from an earlier run
  // whose flow file is gone: it describes nothing, and is truncated.
  OutputFs::CreateStatus status = fs_.CreateExclusive(index->path, &index->id);
  if (status == OutputFs::CreateStatus::kExists) {
    status = fs_.CreateOrTruncate(index->path, &index->id);
  }
  if (status != OutputFs::CreateStatus::kCreated) {
    Fail(fs_.error());
    return;
  }
  ++files_created_;
  slot_.Put(flow, std::move(index));
}

void FindxWriter::OnData(Flow& flow, std::uint64_t offset, Bytes data, const Timeval& ts) {
  Index* index = slot_.Find(flow);  // none: no flow file, or no index file
  if (failed() || index == nullptr || offset >= cap_) return;
  const std::uint64_t len = std::min<std::uint64_t>(data.size(), cap_ - offset);
  if (len == 0) return;
  line_.clear();
  AppendNumber(line_, offset);
  line_.push_back('|');
  AppendTime(line_, ts);
  line_.push_back('|');
  AppendNumber(line_, len);
  line_.push_back('\n');
  if (!fs_.WriteAt(index->id, index->size,
                   Bytes(reinterpret_cast<const std::uint8_t*>(line_.data()), line_.size()))) {
    Fail(fs_.error());
    return;
  }
  if (index->size > 0 && offset < index->last_offset) index->dirty = true;
  index->size += line_.size();
  index->last_offset = offset;
}

void FindxWriter::OnShift(Flow& flow, std::uint64_t n) {
  if (failed() || n == 0) return;
  Index* index = slot_.Find(flow);
  if (index == nullptr || index->size == 0) return;
  Rewrite(*index, n);
}

void FindxWriter::OnFlowClose(Flow& flow, const StoredFile&) {
  const std::unique_ptr<Index> index = slot_.Release(flow);
  if (!index) return;
  if (index->dirty && !failed()) Rewrite(*index, 0);
  if (index->open && !fs_.Close(index->id, &flow.first_seen)) Fail(fs_.error());
}

void FindxWriter::Rewrite(Index& index, std::uint64_t shift) {
  ++rewrites_;
  std::vector<std::uint8_t> bytes(index.size);
  std::size_t got = 0;
  while (got < bytes.size()) {
    const auto n = fs_.ReadAt(index.id, got, std::span<std::uint8_t>(bytes).subspan(got));
    if (!n) {
      Fail(fs_.error());
      return;
    }
    if (*n == 0) break;
    got += *n;
  }
  const std::string& path = index.path;
  std::vector<Line> lines;
  if (got != bytes.size() ||
      !ParseLines(std::string_view(reinterpret_cast<const char*>(bytes.data()), got), lines)) {
    Fail("cannot rewrite " + path + ": it is not the index this run wrote");
    return;
  }

  // Shift, then keep only what the flow file holds under the -b cap.
  std::size_t kept = 0;
  for (Line& l : lines) {
    l.offset += shift;
    if (l.offset >= cap_) continue;
    l.len = std::min(l.len, cap_ - l.offset);
    lines[kept++] = l;
  }
  lines.resize(kept);
  std::stable_sort(lines.begin(), lines.end(),
                   [](const Line& a, const Line& b) { return a.offset < b.offset; });

  std::string text;
  text.reserve(index.size + lines.size() * 4);
  for (const Line& l : lines) {
    AppendNumber(text, l.offset);
    text.push_back('|');
    text.append(l.time);
    text.push_back('|');
    AppendNumber(text, l.len);
    text.push_back('\n');
  }

  // Overwrite in place unless the text got shorter (lines dropped by the cap): then truncate.
  if (text.size() < index.size) {
    index.open = false;
    if (!fs_.Close(index.id, nullptr) ||
        fs_.CreateOrTruncate(path, &index.id) != OutputFs::CreateStatus::kCreated) {
      Fail(fs_.error());
      return;
    }
    index.open = true;
  }
  if (!text.empty() &&
      !fs_.WriteAt(index.id, 0,
                   Bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()))) {
    Fail(fs_.error());
    return;
  }
  index.size = text.size();
  index.last_offset = lines.empty() ? 0 : lines.back().offset;
  index.dirty = false;
}

}  // namespace tcpflow
