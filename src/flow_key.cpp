// flow_key.cpp: seeded hashing of flow keys, per direction and per connection.
//
// The mixer is a multiply-fold ("mum": 64x64->128-bit product, halves xored) over the key's
// fields read as 64-bit words, in the style of wyhash; two rounds of it cover the whole tuple.
#include "flow_key.h"

#include <cstring>

namespace tcpflow {
namespace {

constexpr std::uint64_t kSecret0 = 0xa0761d6478bd642fULL;
constexpr std::uint64_t kSecret1 = 0xe7037ed1a0b428dbULL;
constexpr std::uint64_t kSecret2 = 0x8ebc6af09c88c6e3ULL;
constexpr std::uint64_t kSecret3 = 0x589965cc75374cc3ULL;

std::uint64_t Mum(std::uint64_t a, std::uint64_t b) {
  const unsigned __int128 product = static_cast<unsigned __int128>(a) * b;
  return static_cast<std::uint64_t>(product) ^ static_cast<std::uint64_t>(product >> 64);
}

std::uint64_t Load64(const std::uint8_t* p) {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Orders endpoints by (family, address bytes, port); used to pick one direction canonically.
bool EndpointLess(const IpAddress& a, std::uint16_t a_port, const IpAddress& b,
                  std::uint16_t b_port) {
  if (a.family() != b.family()) return a.family() < b.family();
  const int c = std::memcmp(a.bytes().data(), b.bytes().data(), a.bytes().size());
  if (c != 0) return c < 0;
  return a_port < b_port;
}

// FNV-1a over bytes, for ShardOf (speed matters less than being the same everywhere).
std::uint64_t Fnv1a(std::uint64_t h, const std::uint8_t* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ULL;
  return h;
}

std::uint64_t FnvEndpoint(std::uint64_t h, const IpAddress& address, std::uint16_t port) {
  const std::uint8_t head[3] = {static_cast<std::uint8_t>(address.family()),
                                static_cast<std::uint8_t>(port >> 8),
                                static_cast<std::uint8_t>(port & 0xFF)};
  h = Fnv1a(h, head, sizeof head);
  return Fnv1a(h, address.bytes().data(), address.bytes().size());
}

}  // namespace

std::uint64_t HashFlowKey(const FlowKey& key, std::uint64_t seed) {
  const std::uint8_t* src = key.src.bytes().data();
  const std::uint8_t* dst = key.dst.bytes().data();
  const std::uint64_t misc = std::uint64_t{key.src_port} | (std::uint64_t{key.dst_port} << 16) |
                             (std::uint64_t{key.vlan} << 32) |
                             (std::uint64_t{static_cast<std::uint8_t>(key.src.family())} << 48) |
                             (std::uint64_t{static_cast<std::uint8_t>(key.dst.family())} << 56);
  std::uint64_t h = seed ^ kSecret0;
  h = Mum(Load64(src) ^ kSecret1 ^ h, Load64(src + 8) ^ kSecret2);
  h = Mum(Load64(dst) ^ kSecret3 ^ h, Load64(dst + 8) ^ kSecret1);
  h = Mum(misc ^ kSecret2 ^ h, seed ^ kSecret3);
  return Mum(h ^ kSecret0, kSecret1);
}

std::uint64_t HashConnection(const FlowKey& key, std::uint64_t seed) {
  if (EndpointLess(key.dst, key.dst_port, key.src, key.src_port)) {
    return HashFlowKey(key.Reversed(), seed);
  }
  return HashFlowKey(key, seed);
}

std::uint32_t ShardOf(const FlowKey& key, std::uint32_t count) {
  const bool swap = EndpointLess(key.dst, key.dst_port, key.src, key.src_port);
  std::uint64_t h = 0xcbf29ce484222325ULL;
  h = swap ? FnvEndpoint(h, key.dst, key.dst_port) : FnvEndpoint(h, key.src, key.src_port);
  h = swap ? FnvEndpoint(h, key.src, key.src_port) : FnvEndpoint(h, key.dst, key.dst_port);
  const std::uint8_t vlan[2] = {static_cast<std::uint8_t>(key.vlan >> 8),
                                static_cast<std::uint8_t>(key.vlan & 0xFF)};
  h = Fnv1a(h, vlan, sizeof vlan);
  // Final avalanche (splitmix64), then a multiply-shift onto 1..count.
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return static_cast<std::uint32_t>(((h >> 32) * count) >> 32) + 1;
}

}  // namespace tcpflow
