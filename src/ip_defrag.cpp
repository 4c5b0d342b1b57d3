// ip_defrag.cpp: IPv4 and IPv6 fragment reassembly (RFC 791 section 3.2, RFC 8200 section 4.5,
// RFC 1858 for the TCP-header attacks).
#include "ip_defrag.h"

#include <algorithm>
#include <cstring>

#include "flow_key.h"

namespace tcpflow {
namespace {

// No reassembled payload may exceed this (RFC 791 total length; RFC 8200 4.5 payload length).
constexpr std::uint64_t kMaxDatagramEnd = 65535;
constexpr std::uint32_t kFragmentUnit = 8;
// Bytes of the TCP header no fragment may change or split (RFC 1858).
constexpr std::uint32_t kTcpHeaderBytes = 20;

}  // namespace

std::size_t IpDefragmenter::KeyHash::operator()(const Key& k) const {
  // The flow-key mixer over the same fields: ports carry the id, the VLAN slot the rest.
  const FlowKey packed{k.src, k.dst, static_cast<std::uint16_t>(k.id),
                       static_cast<std::uint16_t>(k.id >> 16),
                       static_cast<std::uint16_t>((k.version << 8) | k.protocol)};
  return static_cast<std::size_t>(HashFlowKey(packed, seed));
}

IpDefragmenter::IpDefragmenter(const DefragLimits& limits, AnomalyCounters& anomalies,
                               std::uint64_t seed)
    : limits_(limits), anomalies_(anomalies), index_(64, KeyHash{seed}) {}

bool IpDefragmenter::Reject(Anomaly a) {
  anomalies_.Count(a);
  return false;
}

void IpDefragmenter::Remove(DatagramList::iterator it) {
  bytes_held_ -= it->data.size();
  index_.erase(it->key);
  order_.erase(it);
}

IpDefragmenter::DatagramList::iterator IpDefragmenter::Create(const Key& key, const Timeval& ts) {
  if (limits_.max_datagrams == 0) return order_.end();
  while (order_.size() >= limits_.max_datagrams) {
    anomalies_.Count(Anomaly::kFragmentEvicted);
    Remove(order_.begin());
  }
  const auto it = order_.emplace(order_.end());
  it->key = key;
  it->first_seen = ts;
  index_.emplace(key, it);
  return it;
}

void IpDefragmenter::MakeRoomForBytes(DatagramList::const_iterator keep, std::uint64_t growth) {
  // The caller checked that `keep` alone fits, so this stops before reaching it twice.
  while (bytes_held_ + growth > limits_.max_bytes) {
    auto oldest = order_.begin();
    if (oldest == keep) ++oldest;
    anomalies_.Count(Anomaly::kFragmentEvicted);
    Remove(oldest);
  }
}

bool IpDefragmenter::AnyReceived(const Datagram& dg, std::uint32_t begin, std::uint32_t end) {
  if (begin >= end) return false;
  const auto it =
      std::lower_bound(dg.received.begin(), dg.received.end(), begin,
                       [](const Interval& iv, std::uint32_t at) { return iv.end <= at; });
  return it != dg.received.end() && it->begin < end;
}

bool IpDefragmenter::Store(Datagram& dg, std::uint32_t begin, Bytes bytes) {
  if (bytes.empty()) return false;
  const auto end = static_cast<std::uint32_t>(begin + bytes.size());
  auto copy = [&](std::uint32_t from, std::uint32_t to) {
    std::memcpy(dg.data.data() + from, bytes.data() + (from - begin), to - from);
  };
  // Intervals that overlap or touch [begin, end) merge with it into one.
  const auto first =
      std::lower_bound(dg.received.begin(), dg.received.end(), begin,
                       [](const Interval& iv, std::uint32_t at) { return iv.end < at; });
  Interval merged{begin, end};
  bool overlap = false;
  std::uint32_t pos = begin;  // bytes before pos are stored or already present
  auto it = first;
  for (; it != dg.received.end() && it->begin <= end; ++it) {
    if (it->begin > pos) copy(pos, it->begin);
    if (it->begin < end && it->end > begin) overlap = true;
    pos = std::max(pos, it->end);
    merged.begin = std::min(merged.begin, it->begin);
    merged.end = std::max(merged.end, it->end);
  }
  if (pos < end) copy(pos, end);
  if (first == it) {
    dg.received.insert(first, merged);
  } else {
    *first = merged;
    dg.received.erase(first + 1, it);
  }
  return overlap;
}

bool IpDefragmenter::Add(const IpLayer& fragment, const Timeval& ts, IpLayer* whole,
                         std::vector<std::uint8_t>* storage) {
  const Bytes bytes = fragment.payload;
  const std::uint64_t declared = bytes.size() + (fragment.truncated ? fragment.missing_bytes : 0);
  const std::uint64_t begin = fragment.fragment_offset;
  const std::uint64_t end = begin + declared;  // as sent; only bytes.size() of it were captured
  const bool last = !fragment.more_fragments;
  if (end > kMaxDatagramEnd) return Reject(Anomaly::kBadFragment);
  if (!last && (declared == 0 || declared % kFragmentUnit != 0)) {
    return Reject(Anomaly::kBadFragment);
  }
  const Key key{fragment.src, fragment.dst, fragment.fragment_id, fragment.version,
                fragment.version == 4 ? fragment.protocol : std::uint8_t{0}};
  const auto found = index_.find(key);
  const bool exists = found != index_.end();
  if (exists) {
    const Datagram& held = *found->second;
    // Nothing may lie past the end, and there is only one end.
    if (held.has_last && (end > held.total || (last && end != held.total))) {
      return Reject(Anomaly::kBadFragment);
    }
    if (!held.has_last && last && end < held.max_end) return Reject(Anomaly::kBadFragment);
  }
  const std::uint64_t stored_end = begin + bytes.size();
  if (stored_end > limits_.max_bytes) return Reject(Anomaly::kFragmentEvicted);

  const auto it = exists ? found->second : Create(key, ts);
  if (it == order_.end()) return Reject(Anomaly::kFragmentEvicted);
  if (stored_end > it->data.size()) {
    const std::uint64_t growth = stored_end - it->data.size();
    MakeRoomForBytes(it, growth);
    it->data.resize(stored_end);
    bytes_held_ += growth;
  }
  Datagram& dg = *it;
  if (begin == 0 && !dg.has_protocol) {
    dg.has_protocol = true;
    dg.protocol = fragment.protocol;
  }
  const auto at = static_cast<std::uint32_t>(begin);
  const bool tcp =
      fragment.protocol == kIpProtoTcp || (dg.has_protocol && dg.protocol == kIpProtoTcp);
  if (tcp && ((at > 0 && at < kTcpHeaderBytes) ||
              AnyReceived(dg, at,
                          static_cast<std::uint32_t>(
                              std::min<std::uint64_t>(stored_end, kTcpHeaderBytes))))) {
    anomalies_.Count(Anomaly::kFragmentTcpRewrite);
  }
  if (Store(dg, at, bytes)) anomalies_.Count(Anomaly::kFragmentOverlap);
  dg.max_end = std::max(dg.max_end, end);
  if (last) {
    dg.has_last = true;
    dg.total = static_cast<std::uint32_t>(end);
  }

  const bool complete = dg.has_last && dg.total > 0 && dg.received.size() == 1 &&
                        dg.received.front().begin == 0 && dg.received.front().end == dg.total;
  if (!complete) return false;
  *storage = std::move(dg.data);
  dg.data.clear();  // moved out: nothing left to count in Remove
  bytes_held_ -= storage->size();
  *whole = IpLayer{};
  whole->src = fragment.src;
  whole->dst = fragment.dst;
  whole->version = fragment.version;
  whole->protocol = dg.protocol;
  whole->fragment_id = fragment.fragment_id;
  whole->payload = Bytes(storage->data(), dg.total);
  Remove(it);
  return true;
}

void IpDefragmenter::Expire(const Timeval& now) {
  const std::int64_t limit = std::int64_t{limits_.timeout_sec} * 1000000;
  while (!order_.empty() && ClampedMicros(now) - ClampedMicros(order_.front().first_seen) > limit) {
    anomalies_.Count(Anomaly::kFragmentTimeout);
    Remove(order_.begin());
  }
}

}  // namespace tcpflow
