// community_id.cpp: Community ID v1: the ordered tuple, its SHA-1 digest and base64 text.
#include "community_id.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>

namespace tcpflow {
namespace {

constexpr std::size_t kSha1Size = 20;
// Largest hash input: seed 2 + addresses 2*16 + protocol 1 + padding 1 + ports 2*2.
constexpr std::size_t kMaxInputSize = 2 + 16 + 16 + 1 + 1 + 2 + 2;

void PutUint16(std::uint8_t* out, std::uint16_t value) {
  out[0] = static_cast<std::uint8_t>(value >> 8);
  out[1] = static_cast<std::uint8_t>(value & 0xFF);
}

}  // namespace

std::string CommunityIdV1(const IpAddress& src, const IpAddress& dst, std::uint16_t src_port,
                          std::uint16_t dst_port, std::uint8_t ip_proto, std::uint16_t seed) {
  if (src.family() != dst.family()) return {};
  std::size_t address_size = 0;
  if (src.is_v4()) {
    address_size = 4;
  } else if (src.is_v6()) {
    address_size = 16;
  } else {
    return {};
  }

  // Order the endpoints: addresses compare as unsigned big-endian numbers (bytewise), then
  // the ports decide.
  const int address_order = std::memcmp(src.bytes().data(), dst.bytes().data(), address_size);
  const bool swap = address_order > 0 || (address_order == 0 && src_port > dst_port);
  const IpAddress& first = swap ? dst : src;
  const IpAddress& second = swap ? src : dst;
  const std::uint16_t first_port = swap ? dst_port : src_port;
  const std::uint16_t second_port = swap ? src_port : dst_port;

  std::array<std::uint8_t, kMaxInputSize> input{};
  std::size_t size = 0;
  PutUint16(input.data() + size, seed);
  size += 2;
  std::copy_n(first.bytes().data(), address_size, input.data() + size);
  size += address_size;
  std::copy_n(second.bytes().data(), address_size, input.data() + size);
  size += address_size;
  input[size++] = ip_proto;
  input[size++] = 0;  // padding
  PutUint16(input.data() + size, first_port);
  size += 2;
  PutUint16(input.data() + size, second_port);
  size += 2;

  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int digest_size = 0;
  if (EVP_Digest(input.data(), size, digest.data(), &digest_size, EVP_sha1(), nullptr) != 1 ||
      digest_size != kSha1Size) {
    return {};
  }

  // EVP_EncodeBlock writes 4 characters per 3 input bytes (padded) and a terminating NUL.
  std::array<unsigned char, 4 * ((kSha1Size + 2) / 3) + 1> text{};
  const int text_size = EVP_EncodeBlock(text.data(), digest.data(), static_cast<int>(kSha1Size));
  if (text_size <= 0) return {};
  std::string id = "1:";
  id.append(reinterpret_cast<const char*>(text.data()), static_cast<std::size_t>(text_size));
  return id;
}

}  // namespace tcpflow
