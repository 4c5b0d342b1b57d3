// flow_key.h: the identity of one TCP flow direction: the full address/port tuple plus VLAN.
//
// Design note: flows are looked up by full-tuple equality; the hash only picks a bucket and is
// seeded per run (so crafted captures cannot aim collisions at one bucket). The reverse key
// names the other direction of the same connection.
#ifndef TCPFLOW_FLOW_KEY_H
#define TCPFLOW_FLOW_KEY_H

#include <cstddef>
#include <cstdint>

#include "ip_address.h"

namespace tcpflow {

inline constexpr std::uint16_t kNoVlan = 0xFFFF;  // outside the 12-bit VID range

struct FlowKey {
  IpAddress src;
  IpAddress dst;
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::uint16_t vlan = kNoVlan;  // 12-bit VID of the outermost tag, or kNoVlan

  FlowKey Reversed() const { return FlowKey{dst, src, dst_port, src_port, vlan}; }

  friend bool operator==(const FlowKey& a, const FlowKey& b) {
    return a.src_port == b.src_port && a.dst_port == b.dst_port && a.vlan == b.vlan &&
           a.src == b.src && a.dst == b.dst;
  }
};

// Seeded hash of a key. Hash(k) == Hash(k') whenever k == k'.
std::uint64_t HashFlowKey(const FlowKey& key, std::uint64_t seed);
// Direction-independent hash: the same value for a key and its Reversed().
std::uint64_t HashConnection(const FlowKey& key, std::uint64_t seed);
// The shard (1..count) of a connection for -S shard=K/N: direction-independent, unseeded and
// computed from the tuple's bytes in network order, so every run on every machine agrees.
std::uint32_t ShardOf(const FlowKey& key, std::uint32_t count);

}  // namespace tcpflow

#endif  // TCPFLOW_FLOW_KEY_H
