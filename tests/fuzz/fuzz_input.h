// fuzz_input.h: the input formats of the libFuzzer harnesses, shared by the harnesses and the
// replay tool that runs them without libFuzzer and writes their seed corpora.
//
// packet:   byte 0 picks the link type from kLinkTypes (modulo its size); then frames follow,
//           each a 2-byte big-endian length and that many bytes.
// stream:   byte 0 picks the link type (low 4 bits) and options (high bits); the rest is frames
//           separated by kFrameMarker.
// capture:  the bytes of a capture file (pcap, pcapng, maybe compressed).
// http:     byte 0: low 4 bits = n, high bits options; then n piece lengths (byte + 1, so
//           1..256 each), then the stream.
// template: the whole input is a -T template; the same bytes split on NUL are argv[1..].
#ifndef TCPFLOW_TESTS_FUZZ_INPUT_H
#define TCPFLOW_TESTS_FUZZ_INPUT_H

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace tcpflow::fuzz {

inline constexpr std::array<int, 15> kLinkTypes = {1, 113, 101, 12,  14,  0,   108, 6,
                                                   9, 51,  105, 127, 276, 228, 229};

// Separates frames in the stream harness's input.
inline constexpr std::array<std::uint8_t, 4> kFrameMarker = {0xA5, 'F', 'R', 0x5A};

// The pieces of `data` between occurrences of `marker` (non-empty), in order: k markers give
// k + 1 pieces, some maybe empty. The pieces point into `data`.
inline std::vector<std::span<const std::uint8_t>> SplitOn(std::span<const std::uint8_t> data,
                                                          std::span<const std::uint8_t> marker) {
  std::vector<std::span<const std::uint8_t>> pieces;
  auto begin = data.begin();
  while (true) {
    auto hit = std::search(begin, data.end(), marker.begin(), marker.end());
    pieces.emplace_back(begin, hit);
    if (hit == data.end()) break;
    begin = hit + static_cast<std::ptrdiff_t>(marker.size());
  }
  return pieces;
}

}  // namespace tcpflow::fuzz

#endif  // TCPFLOW_TESTS_FUZZ_INPUT_H
