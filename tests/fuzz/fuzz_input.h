// fuzz_input.h: the packet-path harness's input format, shared by the harness and the replay
// tool that converts captures into seeds. Byte 0 picks the link type from kLinkTypes (modulo
// its size); then frames follow, each a 2-byte big-endian length and that many bytes.
#ifndef TCPFLOW_TESTS_FUZZ_INPUT_H
#define TCPFLOW_TESTS_FUZZ_INPUT_H

#include <array>

namespace tcpflow::fuzz {

inline constexpr std::array<int, 15> kLinkTypes = {1,  113, 101, 12,  14,  0,   108, 6,
                                                   9,  51,  105, 127, 276, 228, 229};

}  // namespace tcpflow::fuzz

#endif  // TCPFLOW_TESTS_FUZZ_INPUT_H
