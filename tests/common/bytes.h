// bytes.h: test data as the byte spans (Bytes) that tcpflow's interfaces take.
#ifndef TCPFLOW_TESTS_COMMON_BYTES_H
#define TCPFLOW_TESTS_COMMON_BYTES_H

#include <string_view>

#include "byte_reader.h"

namespace tcpflow::testing {

// The characters of `s` as bytes; valid as long as what `s` views is.
Bytes B(std::string_view s);

}  // namespace tcpflow::testing

#endif  // TCPFLOW_TESTS_COMMON_BYTES_H
