// http_fuzzer.cpp: libFuzzer harness over the HTTP/1.x parser (RFC 9112) in request and
// response mode and over the body decompressor (RFC 1950/1951/1952), each fed the same bytes
// whole, in pieces whose lengths come from the input, and one byte at a time.
//
// Input format (also in fuzz_input.h): byte 0: low 4 bits = n, the number of piece lengths that
// follow; 0x10 caps the header block at 256 bytes (else 64 KiB). Beyond the contracts in
// http_parser.h and inflater.h, the harness checks that the way a stream is cut into Feed calls
// changes nothing: the callbacks (with adjacent body pieces joined) and the decompressed bytes
// must be the same every time. A failed check aborts.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "byte_reader.h"
#include "http_parser.h"
#include "inflater.h"

namespace {

using tcpflow::Bytes;
using tcpflow::HttpMode;
using tcpflow::HttpParser;
using tcpflow::Inflater;

void Check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "http_fuzzer: check failed: %s\n", what);
  std::abort();
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t';
}

// Records every callback as one line of text and checks each one's own contract.
class Recorder final : public HttpParser::Listener {
 public:
  void OnMessageBegin(std::uint64_t offset) override {
    EndBody();
    log_ += "begin " + std::to_string(offset) + "\n";
  }
  void OnRequestLine(std::string_view method, std::string_view target,
                     std::string_view version) override {
    Check(!method.empty(), "request method is empty");
    log_ += "request " + std::string(method) + " " + std::string(target) + " " +
            std::string(version) + "\n";
  }
  void OnStatusLine(int status, std::string_view reason) override {
    Check(status >= 100 && status <= 999, "status outside 100..999");
    log_ += "status " + std::to_string(status) + " " + std::string(reason) + "\n";
  }
  void OnHeader(std::string_view name, std::string_view value) override {
    CheckField(name, value);
    log_ += "header " + std::string(name) + ": " + std::string(value) + "\n";
  }
  std::string RequestMethodForResponse() override {
    // A fixed rotation, so that every way of feeding sees the same answers.
    static constexpr std::string_view kMethods[] = {"GET", "HEAD", "CONNECT", "", "POST"};
    return std::string(kMethods[responses_++ % std::size(kMethods)]);
  }
  void OnHeadersComplete(bool has_body) override {
    log_ += has_body ? "headers body\n" : "headers nobody\n";
  }
  void OnBody(std::uint64_t offset, Bytes data) override {
    Check(!data.empty(), "empty body piece");
    Check(offset >= body_end_, "body offsets go back");
    if (!in_body_ || offset != body_end_) {
      EndBody();
      in_body_ = true;
      body_offset_ = offset;
    }
    body_.append(data.begin(), data.end());
    body_end_ = offset + data.size();
  }
  void OnTrailer(std::string_view name, std::string_view value) override {
    CheckField(name, value);
    EndBody();
    log_ += "trailer " + std::string(name) + ": " + std::string(value) + "\n";
  }
  void OnMessageComplete() override {
    EndBody();
    log_ += "complete\n";
  }
  void OnError(HttpParser::Error error, std::string_view reason) override {
    Check(!reason.empty(), "error without a reason");
    EndBody();
    log_ += "error " + std::to_string(static_cast<int>(error)) + " " + std::string(reason) + "\n";
  }

  // The log so far, with any body run in progress ended.
  const std::string& Log() {
    EndBody();
    return log_;
  }

 private:
  static void CheckField(std::string_view name, std::string_view value) {
    Check(std::none_of(name.begin(), name.end(), [](char c) { return c >= 'A' && c <= 'Z'; }),
          "field name not lower-cased");
    Check(value.empty() || (!IsSpace(value.front()) && !IsSpace(value.back())),
          "field value not trimmed");
  }
  void EndBody() {
    if (!in_body_) return;
    log_ += "body " + std::to_string(body_offset_) + " " + std::to_string(body_.size()) + " " +
            body_ + "\n";
    body_.clear();
    in_body_ = false;
  }

  std::string log_;
  std::size_t responses_ = 0;
  bool in_body_ = false;
  std::uint64_t body_offset_ = 0;
  std::uint64_t body_end_ = 0;
  std::string body_;
};

// Piece i of a stream cut by `lengths` (cycled); empty lengths = the whole stream at once.
std::vector<Bytes> Cut(Bytes stream, const std::vector<std::size_t>& lengths) {
  if (lengths.empty()) return {stream};
  std::vector<Bytes> pieces;
  for (std::size_t pos = 0, i = 0; pos < stream.size(); ++i) {
    const std::size_t len = std::min(lengths[i % lengths.size()], stream.size() - pos);
    pieces.push_back(stream.subspan(pos, len));
    pos += len;
  }
  return pieces;
}

// Parses the pieces as one stream, resyncing after each error, and returns the callback log.
std::string Parse(HttpMode mode, std::uint64_t max_header, const std::vector<Bytes>& pieces) {
  Recorder recorder;
  HttpParser parser(mode, recorder, max_header);
  std::uint64_t fed = 0;
  for (Bytes piece : pieces) {
    int stuck = 0;  // failures in a row that consumed nothing
    while (!piece.empty()) {
      const std::size_t n = parser.Feed(piece);
      Check(n <= piece.size(), "Feed consumed more than it was given");
      piece = piece.subspan(n);
      fed += n;
      Check(parser.offset() == fed, "offset() is not the bytes consumed");
      if (!parser.failed()) {
        Check(piece.empty(), "Feed stopped early without failing");
        continue;
      }
      parser.Resync();
      Check(!parser.failed(), "still failed after Resync()");
      stuck = n == 0 ? stuck + 1 : 0;
      Check(stuck < 2, "no progress after Resync()");
    }
  }
  parser.Finish();
  Check(!parser.in_message() || parser.failed(), "in a message after Finish()");
  return std::string(recorder.Log());
}

struct Inflated {
  std::string bytes;
  Inflater::Status status;
};

Inflated Inflate(const std::vector<Bytes>& pieces) {
  const tcpflow::InflateLimits limits{1 << 20, 1000};
  Inflater inflater(limits);
  Inflated out;
  for (Bytes piece : pieces) {
    const Inflater::Status before = inflater.status();
    const std::size_t had = out.bytes.size();
    out.status = inflater.Feed(piece, [&out](Bytes b) { out.bytes.append(b.begin(), b.end()); });
    Check(out.status == inflater.status(), "Feed's result is not status()");
    if (before != Inflater::Status::kRunning && before != Inflater::Status::kDone) {
      Check(out.bytes.size() == had && out.status == before, "output after the end");
    }
  }
  out.status = inflater.status();
  Check(inflater.produced() == out.bytes.size(), "produced() is not the bytes delivered");
  Check(inflater.produced() <= limits.max_output, "output beyond max_output");
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t n = std::min<std::size_t>(data[0] & 0x0F, size - 1);
  const std::uint64_t max_header = (data[0] & 0x10) ? 256 : 64 << 10;
  std::vector<std::size_t> lengths;
  for (std::size_t i = 0; i < n; ++i) lengths.push_back(std::size_t{data[1 + i]} + 1);
  const Bytes stream(data + 1 + n, size - 1 - n);

  const std::vector<Bytes> whole = Cut(stream, {});
  const std::vector<Bytes> cut =
      Cut(stream, lengths.empty() ? std::vector<std::size_t>{7} : lengths);
  const std::vector<Bytes> bytewise = Cut(stream, {1});
  for (HttpMode mode : {HttpMode::kRequest, HttpMode::kResponse}) {
    const std::string expected = Parse(mode, max_header, whole);
    Check(Parse(mode, max_header, cut) == expected, "parse differs when fed in pieces");
    Check(Parse(mode, max_header, bytewise) == expected, "parse differs when fed bytewise");
  }

  const Inflated expected = Inflate(whole);
  for (const auto* pieces : {&cut, &bytewise}) {
    const Inflated got = Inflate(*pieces);
    // The ratio cap compares with the input taken so far, so it may cut at another place.
    if (got.status == Inflater::Status::kRatioCapped ||
        expected.status == Inflater::Status::kRatioCapped) {
      continue;
    }
    Check(got.status == expected.status, "inflate status differs when fed in pieces");
    Check(got.bytes == expected.bytes, "inflated bytes differ when fed in pieces");
  }
  return 0;
}
