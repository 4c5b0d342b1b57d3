// inflater.cpp: bounded streaming inflate of HTTP bodies through zlib (RFC 1952 gzip, RFC 1950
// zlib, RFC 1951 raw deflate).
#include "inflater.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <limits>

namespace tcpflow {
namespace {

constexpr std::size_t kOutputChunk = 16 * 1024;
// Largest piece handed to zlib at once (its counters are 32-bit).
constexpr std::size_t kMaxInputChunk = 1u << 30;

bool IsGzipMagic(std::uint8_t b0, std::uint8_t b1) {
  return b0 == 0x1f && b1 == 0x8b;
}

// RFC 1950 section 2.2: CM = 8 (deflate), CINFO <= 7 and the FCHECK bits make CMF*256+FLG a
// multiple of 31.
bool IsZlibHeader(std::uint8_t cmf, std::uint8_t flg) {
  return (cmf & 0x0f) == 8 && (cmf >> 4) <= 7 && (cmf * 256u + flg) % 31 == 0;
}

std::uint64_t SaturatingMultiply(std::uint64_t a, std::uint64_t b) {
  if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) {
    return std::numeric_limits<std::uint64_t>::max();
  }
  return a * b;
}

}  // namespace

struct Inflater::State {
  enum class Phase {
    kDetect,          // waiting for the first two bytes to choose gzip / zlib / raw
    kInflating,       // inside a stream (or gzip member)
    kBetweenMembers,  // a gzip member ended: two bytes decide between a new member and garbage
    kFinished         // nothing more will be decompressed
  };
  z_stream z{};
  bool z_ready = false;
  bool gzip = false;
  Phase phase = Phase::kDetect;
  std::array<std::uint8_t, 2> head{};
  std::size_t head_len = 0;
  std::array<std::uint8_t, kOutputChunk> out{};
};

Inflater::Inflater(const InflateLimits& limits)
    : state_(std::make_unique<State>()), limits_(limits) {}

Inflater::~Inflater() {
  if (state_->z_ready) inflateEnd(&state_->z);
}

Inflater::Status Inflater::Feed(Bytes input, const Sink& out) {
  State& s = *state_;
  std::size_t pos = 0;
  while (pos < input.size() && s.phase != State::Phase::kFinished) {
    if (s.phase == State::Phase::kInflating) {
      const Bytes chunk = input.subspan(pos, std::min(input.size() - pos, kMaxInputChunk));
      pos += Inflate(chunk, out);
      continue;
    }
    // kDetect or kBetweenMembers: collect two bytes.
    while (s.head_len < s.head.size() && pos < input.size()) s.head[s.head_len++] = input[pos++];
    if (s.head_len < s.head.size()) break;
    s.head_len = 0;
    if (s.phase == State::Phase::kBetweenMembers) {
      if (!IsGzipMagic(s.head[0], s.head[1])) {
        s.phase = State::Phase::kFinished;  // trailing garbage: ignored
        break;
      }
      inflateReset(&s.z);
    } else {
      int window_bits = -MAX_WBITS;  // raw deflate
      if (IsGzipMagic(s.head[0], s.head[1])) {
        s.gzip = true;
        window_bits = 16 + MAX_WBITS;
      } else if (IsZlibHeader(s.head[0], s.head[1])) {
        window_bits = MAX_WBITS;
      }
      if (inflateInit2(&s.z, window_bits) != Z_OK) {
        s.phase = State::Phase::kFinished;
        status_ = Status::kCorrupt;
        break;
      }
      s.z_ready = true;
    }
    s.phase = State::Phase::kInflating;
    status_ = Status::kRunning;
    // No stream or member is shorter than two bytes, so both are always used here.
    Inflate(s.head, out);
  }
  return status_;
}

std::size_t Inflater::Inflate(Bytes chunk, const Sink& out) {
  State& s = *state_;
  // zlib does not write through next_in; its API just lacks the const.
  s.z.next_in = const_cast<Bytef*>(chunk.data());
  s.z.avail_in = static_cast<uInt>(chunk.size());
  for (;;) {
    s.z.next_out = s.out.data();
    s.z.avail_out = static_cast<uInt>(s.out.size());
    const uInt avail_before = s.z.avail_in;
    const int ret = inflate(&s.z, Z_NO_FLUSH);
    consumed_ += avail_before - s.z.avail_in;
    const std::size_t have = s.out.size() - s.z.avail_out;
    if (!Deliver(have, out)) break;
    if (ret == Z_STREAM_END) {
      status_ = Status::kDone;
      s.phase = s.gzip ? State::Phase::kBetweenMembers : State::Phase::kFinished;
      break;
    }
    if (ret == Z_BUF_ERROR) break;  // needs more input
    if (ret != Z_OK) {
      status_ = Status::kCorrupt;
      s.phase = State::Phase::kFinished;
      break;
    }
    if (s.z.avail_in == 0 && s.z.avail_out != 0) break;
  }
  return chunk.size() - s.z.avail_in;
}

bool Inflater::Deliver(std::size_t have, const Sink& out) {
  const std::uint64_t ratio_allowed = limits_.max_ratio == 0
                                          ? std::numeric_limits<std::uint64_t>::max()
                                          : SaturatingMultiply(limits_.max_ratio, consumed_);
  const std::uint64_t allowed = std::min(limits_.max_output, ratio_allowed);
  std::size_t give = have;
  const bool capped = produced_ + have > allowed;
  if (capped) give = static_cast<std::size_t>(allowed - std::min(allowed, produced_));
  if (give > 0) {
    out(Bytes(state_->out.data(), give));
    produced_ += give;
  }
  if (capped) {
    status_ = limits_.max_output <= ratio_allowed ? Status::kSizeCapped : Status::kRatioCapped;
    state_->phase = State::Phase::kFinished;
  }
  return !capped;
}

}  // namespace tcpflow
