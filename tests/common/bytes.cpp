// bytes.cpp: test data as byte spans.
#include "bytes.h"

#include <cstdint>

namespace tcpflow::testing {

Bytes B(std::string_view s) {
  return Bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

}  // namespace tcpflow::testing
