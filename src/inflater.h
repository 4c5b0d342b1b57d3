// inflater.h: bounded, streaming decompression of HTTP bodies with Content-Encoding gzip or
// deflate (RFC 1952 gzip, RFC 1950 zlib, and raw RFC 1951 deflate as some servers send), zlib.
//
// Design note: the caller feeds compressed bytes as they arrive and receives decompressed bytes
// through a callback, so no body is ever held whole. Output is capped twice: an absolute number
// of bytes, and a ratio of output to input (a decompression bomb hits one of them). Hitting a cap
// or a corrupt stream ends decompression for good: what was produced so far stays delivered,
// later input is ignored, and status() says why.
#ifndef TCPFLOW_INFLATER_H
#define TCPFLOW_INFLATER_H

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "byte_reader.h"

namespace tcpflow {

struct InflateLimits {
  std::uint64_t max_output = 256ull << 20;  // decompressed bytes per body (-S http_max_body)
  std::uint64_t max_ratio = 1000;           // output/input bytes (-S http_max_ratio); 0 = no cap
};

class Inflater {
 public:
  enum class Status {
    kRunning,     // more input welcome
    kDone,        // the compressed stream ended (trailing input is ignored)
    kCorrupt,     // not a valid stream: output stopped where the error was found
    kSizeCapped,  // max_output reached: output cut there
    kRatioCapped  // max_ratio exceeded: output cut there
  };
  using Sink = std::function<void(Bytes)>;

  explicit Inflater(const InflateLimits& limits);
  ~Inflater();
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  // Decompresses `input`, calling `out` zero or more times with the bytes produced (valid only
  // during the call). Detects gzip / zlib / raw deflate from the first two bytes. Returns
  // status(). When a gzip member ends the status is kDone; input that then starts with the gzip
  // magic is a further member (status kRunning again), anything else is ignored for good.
  Status Feed(Bytes input, const Sink& out);
  Status status() const { return status_; }
  std::uint64_t consumed() const { return consumed_; }  // compressed bytes accepted
  std::uint64_t produced() const { return produced_; }  // decompressed bytes delivered

 private:
  struct State;
  // Runs zlib over `chunk` (phase kInflating); returns the bytes it took.
  std::size_t Inflate(Bytes chunk, const Sink& out);
  // Hands `have` bytes of State::out to `out`, cut at the caps; false when a cap was hit.
  bool Deliver(std::size_t have, const Sink& out);

  std::unique_ptr<State> state_;
  InflateLimits limits_;
  Status status_ = Status::kRunning;
  std::uint64_t consumed_ = 0;
  std::uint64_t produced_ = 0;
};

}  // namespace tcpflow

#endif  // TCPFLOW_INFLATER_H
