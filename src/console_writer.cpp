// console_writer.cpp: per-segment console records: text, raw, hex dump, JSON; colours; -b; -L.
#include "console_writer.h"

#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "flow_writer.h"

namespace tcpflow {
namespace {

constexpr std::size_t kHexBytesPerLine = 32;
constexpr char kHexDigits[] = "0123456789abcdef";
constexpr const char* kColourClientToServer = "\033[0;34m";  // blue
constexpr const char* kColourOther = "\033[0;31m";           // red
constexpr const char* kColourReset = "\033[0m";

bool IsPrintable(std::uint8_t b) {
  return b >= 0x20 && b <= 0x7e;
}

void AppendHexByte(std::string& out, std::uint8_t b) {
  out += kHexDigits[b >> 4];
  out += kHexDigits[b & 0x0f];
}

// Lowercase hex, at least four digits (printf "%04x").
void AppendOffset(std::string& out, std::size_t value) {
  char digits[2 * sizeof(value)];
  std::size_t n = 0;
  do {
    digits[n++] = kHexDigits[value & 0x0f];
    value >>= 4;
  } while (value != 0);
  for (; n < 4; ++n) digits[n] = '0';
  while (n > 0) out += digits[--n];
}

void AppendDecimal(std::string& out, unsigned value) {
  char digits[16];
  auto result = std::to_chars(digits, digits + sizeof(digits), value);
  out.append(digits, result.ptr);
}

}  // namespace

std::unique_ptr<ConsoleWriter> ConsoleWriter::Create(const ConsoleConfig& config,
                                                     const FilenameTemplate& name_template,
                                                     std::int64_t max_bytes_per_flow,
                                                     const std::string& semlock_name,
                                                     std::FILE* out, std::string* error) {
  sem_t* lock = nullptr;
  if (!semlock_name.empty()) {
    const std::string name = semlock_name.front() == '/' ? semlock_name : "/" + semlock_name;
    lock = ::sem_open(name.c_str(), O_CREAT, 0644, 1);
    if (lock == SEM_FAILED) {
      if (error != nullptr) {
        *error = "cannot open semaphore " + name + " (-L): " + std::strerror(errno);
      }
      return nullptr;
    }
  }
  return std::unique_ptr<ConsoleWriter>(
      new ConsoleWriter(config, name_template, max_bytes_per_flow, lock, out));
}

ConsoleWriter::ConsoleWriter(const ConsoleConfig& config, const FilenameTemplate& name_template,
                             std::int64_t max_bytes_per_flow, sem_t* lock, std::FILE* out)
    : config_(config),
      template_(name_template),
      max_bytes_per_flow_(max_bytes_per_flow),
      lock_(lock),
      out_(out) {}

ConsoleWriter::~ConsoleWriter() {
  if (lock_ != nullptr) ::sem_close(lock_);
}

void ConsoleWriter::OnSegment(Flow& flow, const SegmentInfo& segment) {
  if (failed() || segment.payload.empty()) return;
  Bytes payload = segment.payload;
  if (max_bytes_per_flow_ >= 0) {
    const auto limit = static_cast<std::uint64_t>(max_bytes_per_flow_);
    if (flow.console_bytes >= limit) return;
    payload = payload.first(static_cast<std::size_t>(
        std::min<std::uint64_t>(payload.size(), limit - flow.console_bytes)));
  }
  flow.console_bytes += payload.size();

  record_.clear();
  if (config_.colour) record_ += flow.client_to_server ? kColourClientToServer : kColourOther;
  if (config_.hex) {
    if (config_.print_header && !config_.json) {  // -J leaves the header out even of hex dumps
      AppendHeader(flow);
      record_ += '\n';
    }
    AppendHexDump(payload);
  } else if (config_.json) {
    AppendJson(flow, payload);
  } else {
    if (config_.print_header) AppendHeader(flow);
    AppendText(payload);
  }
  if (config_.colour) record_ += kColourReset;
  if (config_.newline) record_ += '\n';
  Emit();
}

void ConsoleWriter::AppendHeader(const Flow& flow) {
  template_.ExpandInto(NameFieldsOf(flow), 0, record_);
  record_ += ": ";
}

// 32 bytes a line: "%04x: ", hex pairs with a space after every second byte, padding to the
// widest hex area so far in this segment, one space, the bytes as ASCII ('.' if unprintable).
void ConsoleWriter::AppendHexDump(Bytes payload) {
  std::size_t widest = 0;
  for (std::size_t line = 0; line < payload.size(); line += kHexBytesPerLine) {
    const Bytes bytes = payload.subspan(line, std::min(kHexBytesPerLine, payload.size() - line));
    AppendOffset(record_, line);
    record_ += ": ";
    const std::size_t hex_start = record_.size();
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      AppendHexByte(record_, bytes[i]);
      if (i % 2 == 1) record_ += ' ';
    }
    const std::size_t width = record_.size() - hex_start;
    widest = std::max(widest, width);
    record_.append(widest - width + 1, ' ');
    for (std::uint8_t b : bytes) record_ += IsPrintable(b) ? static_cast<char>(b) : '.';
    record_ += '\n';
  }
}

void ConsoleWriter::AppendJson(const Flow& flow, Bytes payload) {
  record_ += "{\"src_host\":\"";
  record_ += flow.key.src.ToString();
  record_ += "\",\"src_port\":";
  AppendDecimal(record_, flow.key.src_port);
  record_ += ",\"dst_host\":\"";
  record_ += flow.key.dst.ToString();
  record_ += "\",\"dst_port\":";
  AppendDecimal(record_, flow.key.dst_port);
  record_ += ",\"payload\": [";
  for (std::size_t i = 0; i < payload.size(); ++i) {
    if (i != 0) record_ += ',';
    AppendDecimal(record_, payload[i]);
  }
  record_ += "]}";
}

// Stripped (-s, the default): printable ASCII, '\n' and '\r' as they are, anything else '.'.
// Raw (-B): the bytes unchanged.
void ConsoleWriter::AppendText(Bytes payload) {
  if (!config_.strip) {
    record_.append(reinterpret_cast<const char*>(payload.data()), payload.size());
    return;
  }
  for (std::uint8_t b : payload) {
    record_ += IsPrintable(b) || b == '\n' || b == '\r' ? static_cast<char>(b) : '.';
  }
}

void ConsoleWriter::Emit() {
  bool locked = false;
  if (lock_ != nullptr) {
    int rc;
    while ((rc = ::sem_wait(lock_)) != 0 && errno == EINTR) {
    }
    locked = rc == 0;
  }
  errno = 0;
  const bool ok = std::fwrite(record_.data(), 1, record_.size(), out_) == record_.size() &&
                  std::fflush(out_) == 0;
  const int saved_errno = errno;
  if (locked) ::sem_post(lock_);
  if (ok) return;
  broken_pipe_ = saved_errno == EPIPE;
  error_ = "write error on the console: ";
  error_ += saved_errno != 0 ? std::strerror(saved_errno) : "short write";
}

}  // namespace tcpflow
